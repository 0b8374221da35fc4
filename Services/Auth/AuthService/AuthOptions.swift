import ArgumentParser

/// Flags of madoguchi-auth alone.
public struct AuthOptions: ParsableArguments, Sendable {
    @Option(help: "Delay before a PIN change reaches the network, in seconds: 0 applies it at once; the MVNO profile uses up to 4 days (345600).")
    public var pinChangeDelay: Double = 0

    @Option(help: "Consecutive wrong PINs that lock a PIN until the next midnight in Tokyo.")
    public var pinMaximumFailures: Int = 3

    @Option(help: "Wrong PINs one caller (uid) may enter across all subjects within --caller-failure-window.")
    public var callerFailureLimit: Int = 50

    @Option(help: "Seconds over which a caller's wrong PINs are counted.")
    public var callerFailureWindow: Double = 600

    @Option(help: "Threads that run password hashing (scrypt): at most this many hashes run at once.")
    public var hashThreads: Int = 2

    @Option(help: "Seconds a login session stays valid.")
    public var sessionLifetime: Double = 1800

    @Option(help: "Members of this group (and root) are front ends trusted to report end users' origins.")
    public var frontEndGroup: String = "madoguchi-frontends"

    public init() {}

    public func validate() throws {
        guard (0...(4 * 86400)).contains(pinChangeDelay) else {
            throw ValidationError("--pin-change-delay is 0 to 345600 seconds (4 days).")
        }
        guard (1...10).contains(pinMaximumFailures) else { throw ValidationError("--pin-maximum-failures is 1 to 10.") }
    }
}
