import Foundation
import NIOConcurrencyHelpers
import ServiceKit

/// Per-subject lockout does not stop one caller trying 1234 on many lines, so failures
/// are also counted per caller (its uid) across subjects: past `limit` failures within
/// `window`, that caller's checks are refused until the oldest failure ages out.
///
/// Kept in memory: a restart forgets it, which only gives a caller a fresh window; the
/// per-subject lock, which protects each PIN, is durable.
final class CallerThrottle: Sendable {
    let limit: Int
    let window: TimeInterval
    private let failures = NIOLockedValueBox<[UInt32: [Date]]>([:])

    init(limit: Int, window: TimeInterval) {
        self.limit = limit
        self.window = window
    }

    /// Throws `tooManyFailures` when `uid` is over its limit at `now`.
    func check(uid: UInt32, now: Date) throws {
        let retryAfter: Date? = failures.withLockedValue { table in
            let recent = (table[uid] ?? []).filter { now.timeIntervalSince($0) < window }
            table[uid] = recent.isEmpty ? nil : recent
            return recent.count >= limit ? recent.first.map { $0.addingTimeInterval(window) } : nil
        }
        if let retryAfter { throw AuthError.tooManyFailures(retryAfter: retryAfter) }
    }

    func recordFailure(uid: UInt32, at now: Date) {
        failures.withLockedValue { $0[uid, default: []].append(now) }
    }
}
