import ArgumentParser

/// The registration service's own flags.
public struct RegistrationOptions: ParsableArguments, Sendable {
    @Option(help: "The My Page address that mailed links point to.")
    public var myPageURL = "https://mypage.example.jp"

    @Option(help: "Hours a provisional My Page registration (and its mailed link) stays valid.")
    public var signupLinkHours = 24

    @Option(help: "Minutes a recovery link stays valid.")
    public var recoveryLinkMinutes = 60

    @Option(help: "Hours an abandoned carrier ID journey is kept after its last step.")
    public var journeyHours = 24

    @Option(help: "Failed identity checks allowed per customer number (and 4 times that per caller) per hour.")
    public var identityFailureLimit = 5

    public init() {}
}
