import AuthAPI
import ArgumentParser
import ServiceKit

/// Flags of madoguchi-auth alone.
@DirectlyParsable
public struct AuthOptions: ParsableArguments, Sendable {
    @Option(help: "Delay before a PIN change reaches the network, in seconds: 0 applies it at once; the MVNO profile uses up to 4 days (345600).")
    public var pinChangeDelay: Double = 0

    @Option(help: "Consecutive wrong PINs that lock a PIN until the next midnight in Tokyo.")
    public var pinMaximumFailures: Int = 3

    @Option(help: "Wrong PINs one caller (uid) may enter across all subjects within --caller-failure-window.")
    public var callerFailureLimit: Int = 50

    @Option(help: "Seconds over which a caller's wrong PINs are counted.")
    public var callerFailureWindow: Double = 600

    @Option(help: "One-time codes that may be sent to one address or number within an hour, whatever their purpose: each new code gives 5 more tries at guessing one, so a journey restarted again and again must not give unlimited tries.")
    public var codeIssueLimit: Int = 5

    @Option(help: "Threads that run password hashing (scrypt): at most this many hashes run at once.")
    public var hashThreads: Int = 2

    @Option(help: "Seconds a login session stays valid.")
    public var sessionLifetime: Double = 1800

    @Option(help: "Digits of a PIN kind, as KIND=N (network, phone, card; 4 to 8); repeat for each kind.")
    public var pinLength: [String] = []

    @Option(help: "Shortest password.")
    public var passwordMinimumLength: Int = 8

    @Option(help: "Longest password.")
    public var passwordMaximumLength: Int = 16

    @Option(help: "How many of upper case, lower case and digits a password mixes.")
    public var passwordMinimumKinds: Int = 2

    public init() {}

    /// The PIN lengths given with --pin-length.
    public func pinLengths() throws -> [PINKind: Int] {
        var lengths: [PINKind: Int] = [:]
        for setting in pinLength {
            let parts = setting.split(separator: "=")
            guard parts.count == 2, let kind = PINKind(rawValue: String(parts[0])), let digits = Int(parts[1]),
                (4...8).contains(digits)
            else { throw ValidationError("--pin-length is KIND=N with KIND network, phone or card and N 4 to 8.") }
            lengths[kind] = digits
        }
        return lengths
    }

    public func validate() throws {
        _ = try pinLengths()
        guard (4...64).contains(passwordMinimumLength), passwordMinimumLength <= passwordMaximumLength,
            passwordMaximumLength <= 128, (1...3).contains(passwordMinimumKinds)
        else { throw ValidationError("Password lengths are 4 to 128 (minimum ≤ maximum); kinds are 1 to 3.") }
        guard (0...(4 * 86400)).contains(pinChangeDelay) else {
            throw ValidationError("--pin-change-delay is 0 to 345600 seconds (4 days).")
        }
        guard (1...10).contains(pinMaximumFailures) else { throw ValidationError("--pin-maximum-failures is 1 to 10.") }
    }
}
