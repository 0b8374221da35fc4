import JSONRPC
import Synchronization

/// Calls being answered by a server right now, across its connections, and the most
/// there have been at once: how an operator (and a test) sees that calls overlap.
public final class CallGauge: Sendable {
    private let current = Atomic<Int>(0)
    private let peak = Atomic<Int>(0)

    public init() {}

    /// Calls being answered now.
    public var inFlight: Int { current.load(ordering: .relaxed) }

    /// The most calls answered at once since the server started.
    public var peakInFlight: Int { peak.load(ordering: .relaxed) }

    func started() {
        let now = current.wrappingAdd(1, ordering: .relaxed).newValue
        var seen = peak.load(ordering: .relaxed)
        while now > seen {
            let (exchanged, original) = peak.compareExchange(expected: seen, desired: now, ordering: .relaxed)
            if exchanged { break }
            seen = original
        }
    }

    func finished() {
        current.wrappingSubtract(1, ordering: .relaxed)
    }
}
