import ArgumentParser
import ServiceKit

/// The registration service's own flags.
@DirectlyParsable
public struct RegistrationOptions: ParsableArguments, Sendable {
    @Option(help: "The My Page address that mailed links point to.")
    public var myPageURL: String = "https://mypage.example.jp"

    @Option(help: "Hours a provisional My Page registration (and its mailed link) stays valid.")
    public var signupLinkHours: Int = 24

    @Option(help: "Minutes a recovery link stays valid.")
    public var recoveryLinkMinutes: Int = 60

    @Option(help: "Hours an abandoned carrier ID journey is kept after its last step.")
    public var journeyHours: Int = 24

    @Option(help: "Failed identity checks allowed per customer number (and 4 times that per caller) per hour.")
    public var identityFailureLimit: Int = 5

    public init() {}
}
