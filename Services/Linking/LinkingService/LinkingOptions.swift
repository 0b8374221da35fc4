import ArgumentParser
import ServiceKit

/// The linking service's own flags.
@DirectlyParsable
public struct LinkingOptions: ParsableArguments, Sendable {
    @Option(help: "Hours an abandoned linking journey is kept after its last step.")
    public var journeyHours: Int = 24

    @Option(help: "Wrong codes or ISP passwords a journey takes before it is over.")
    public var journeyTries: Int = 5

    public init() {}
}
