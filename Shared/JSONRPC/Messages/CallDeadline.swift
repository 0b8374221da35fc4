import Foundation

/// The instant by which a caller needs its answer, sent with a request as the top-level
/// member `"deadline"`: nanoseconds on the host's `CLOCK_MONOTONIC`.
///
/// The monotonic clock is never set back and is the same for every process on one
/// kernel, which is everyone a Unix socket reaches; the service clock (`--clock-file`)
/// is for time rules, not for how long a caller waits, so it plays no part here. A callee
/// refuses a request whose deadline has passed before it starts (`deadline_exceeded`), so a
/// caller that gave up (and answered its own caller `unavailable`) leaves no backlog of
/// work behind it. A call already started is finished, never rolled back for lateness: a
/// caller could otherwise choose a deadline that has its wrong PINs forgotten (README,
/// "Deadlines").
public struct CallDeadline: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Nanoseconds on `CLOCK_MONOTONIC`.
    public let nanoseconds: UInt64

    public init(nanoseconds: UInt64) {
        self.nanoseconds = nanoseconds
    }

    /// The deadline `duration` from now.
    public static func after(_ duration: Duration) -> CallDeadline {
        let (seconds, attoseconds) = duration.components
        let delta = max(0, seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
        return CallDeadline(nanoseconds: monotonicNow() &+ UInt64(delta))
    }

    /// Whether the deadline is behind us.
    public var hasPassed: Bool { monotonicNowValue >= nanoseconds }

    /// The time left (zero once passed).
    public var remaining: Duration {
        let now = monotonicNowValue
        return now >= nanoseconds ? .zero : .nanoseconds(Int64(nanoseconds - now))
    }

    /// The deadline of the call the current task is serving, set by the dispatcher while
    /// a handler runs: calls to peers pass on the earlier of it and their own timeout.
    @TaskLocal public static var current: CallDeadline?

    public static func < (lhs: CallDeadline, rhs: CallDeadline) -> Bool { lhs.nanoseconds < rhs.nanoseconds }

    public var description: String { "monotonic \(nanoseconds) ns" }

    private var monotonicNowValue: UInt64 { Self.monotonicNow() }

    /// `CLOCK_MONOTONIC` now, in nanoseconds.
    public static func monotonicNow() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
    }
}
