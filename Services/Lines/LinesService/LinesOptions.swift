import ArgumentParser
import ServiceKit
import LinesAPI

/// The lines service's own flags: the operator's limits on the voice options.
@DirectlyParsable
public struct LinesOptions: ParsableArguments, Sendable {
    @Option(help: "Numbers a line's block list may hold.")
    public var blockListLimit: Int = 30

    @Option(help: "Shortest ring time before voicemail answers, in seconds.")
    public var ringSecondsMinimum: Int = 0

    @Option(help: "Longest ring time before voicemail answers, in seconds.")
    public var ringSecondsMaximum: Int = 120

    @Option(help: "Ring times go in steps of this many seconds.")
    public var ringSecondsStep: Int = 5

    @Option(help: "Ring time of a line whose customer has not chosen one, in seconds.")
    public var ringSecondsDefault: Int = 15

    public init() {}

    /// The ring times allowed.
    public var ringTimes: RingTimeRange {
        RingTimeRange(minimum: ringSecondsMinimum, maximum: ringSecondsMaximum, step: ringSecondsStep)
    }

    public func validate() throws {
        guard blockListLimit >= 1 else { throw ValidationError("--block-list-limit is at least 1.") }
        guard ringSecondsStep >= 1, ringSecondsMinimum >= 0, ringSecondsMinimum <= ringSecondsMaximum else {
            throw ValidationError("Ring times need 0 ≤ minimum ≤ maximum and a step of at least 1 second.")
        }
        guard ringTimes.allows(ringSecondsDefault) else {
            throw ValidationError("--ring-seconds-default must be one of the allowed ring times.")
        }
    }
}
