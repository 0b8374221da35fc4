import AuthAPI
import Foundation
import ServiceContract
import ServiceKit

extension PINStatus {
    /// The status of a stored PIN at `now`: a lock that has passed counts as open, with
    /// its failures forgotten.
    init(_ record: PINRecord, now: Date, policy: PINPolicy) {
        let lockedUntil = record.lockedUntil.flatMap { $0 > now ? $0 : nil }
        let failures = lockedUntil == nil && record.lockedUntil != nil ? 0 : record.failures
        self.init(
            kind: record.kind, isSet: true, mustChange: record.mustChange,
            failures: failures, attemptsLeft: lockedUntil != nil ? 0 : policy.maximumFailures - failures,
            locked: lockedUntil != nil, unlocksAt: lockedUntil.map(ISO8601.tokyo),
            pendingChangeDueAt: record.pendingDueAt.map(ISO8601.tokyo))
    }
}
