import ArgumentParser

/// The linking service's own flags.
public struct LinkingOptions: ParsableArguments, Sendable {
    @Option(help: "Hours an abandoned linking journey is kept after its last step.")
    public var journeyHours = 24

    @Option(help: "Wrong codes or ISP passwords a journey takes before it is over.")
    public var journeyTries = 5

    public init() {}
}
