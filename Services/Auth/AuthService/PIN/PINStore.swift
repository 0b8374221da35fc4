import AuthAPI
import Foundation
import ServiceClient
import ServiceKit

/// Where PINs are kept, in the PIN book's words, on either engine (`SQLitePINStore`,
/// `PostgresPINStore`).
///
/// A change is one transaction in which the PIN's row is held against every other writer
/// — SQLite's single write transaction, PostgreSQL's `SELECT … FOR UPDATE` — and the PIN
/// book's rules run inside it, once, in Swift; or, for a check, a write made only if the
/// row is still as the check read it (`replace`), else the transaction. Either way a
/// wrong PIN entered on two hosts at once is counted twice, never once, and the lock it
/// reaches holds on every host. The rules are not written again as SQL for each engine.
protocol PINStore: Sendable {
    /// The PIN as stored now (nil when none is set), read beside other reads.
    func find(_ key: PINKey) async throws -> PINRecord?

    /// The two reads a check begins with, together: the PIN as stored now and, when
    /// `caller` names a key of the fleet's shared failure counts, that caller's count
    /// (on PostgreSQL one prepared statement, one round trip, where two reads were most of
    /// a check's time).
    func findForCheck(_ key: PINKey, callerFailures caller: String?) async throws -> PINCheckRead

    /// Runs `change` on the PIN (nil when none is set) with its row held, then writes, in
    /// the same transaction, the record as `change` left it (when it differs), the audit
    /// entries, the mail and the check's answer for `keyedCheck` that `change` put in its
    /// `PINChanges`. When `keyedCheck`'s answer is already recorded, nothing runs and the
    /// recorded answer comes back (a repeat with a different params hash is refused).
    func update<Outcome: Sendable>(
        _ key: PINKey, keyedCheck: IdempotentCalls.Call?,
        _ change: @escaping @Sendable (inout PINRecord?, inout PINChanges) throws -> Outcome
    ) async throws -> PINUpdate<Outcome>

    /// Writes `after` and `audit` when the PIN's row is still exactly `before`, and says
    /// whether it did; when another writer (a check on this host or another) changed the
    /// row since it was read, nothing is written (`.notWritten`). On PostgreSQL one
    /// statement, one round trip, where `update`'s transaction takes five; elsewhere it is
    /// `update` with the comparison inside it. `callerFailure`, a wrong entry's count
    /// against its caller for the fleet, is written in the same statement where the store
    /// can (PostgreSQL: one commit, not two, for a wrong PIN), and the answer says so;
    /// where it cannot, the caller counts it itself.
    func replace(_ before: PINRecord, with after: PINRecord, audit: [AuditEvent], callerFailure: FleetFailure?) async throws
        -> PINReplacement

    /// The PINs whose accepted change is due at `now`, oldest first, at most `limit`.
    func dueChanges(at now: Date, limit: Int) async throws -> [PINKey]
}

extension PINStore {
    /// `replace` as `update` with the comparison inside it, counting no caller's failure.
    func replace(_ before: PINRecord, with after: PINRecord, audit: [AuditEvent], callerFailure: FleetFailure?) async throws
        -> PINReplacement
    {
        let written = try await update(PINKey(subject: before.subject, kind: before.kind), keyedCheck: nil) { record, changes in
            guard record == before else { return false }
            record = after
            changes.audit = audit
            return true
        }
        guard case .changed(true) = written else { return .notWritten }
        return .written(callerFailureCounted: false)
    }

    /// Whether `replace` wrote, with no caller's failure to count.
    func replace(_ before: PINRecord, with after: PINRecord, audit: [AuditEvent]) async throws -> Bool {
        try await replace(before, with: after, audit: audit, callerFailure: nil) != .notWritten
    }
}

/// What `PINStore.replace` did.
enum PINReplacement: Equatable, Sendable {
    /// The row had changed since it was read: nothing was written.
    case notWritten
    /// The record and its audit lines were written, and with them, when
    /// `callerFailureCounted`, the caller's failure for the fleet.
    case written(callerFailureCounted: Bool)
}

/// One failure to count against a caller in the fleet's shared counts (`AttemptStore`).
struct FleetFailure: Sendable {
    /// The caller's key among the counts (`Caller.storeKey`).
    var key: String
    var failures: AttemptStoreFailures
    /// When it was made, by the service clock (which starts a new window if the last ended).
    var at: Date
}

/// One PIN: whose, and which.
struct PINKey: Hashable, Sendable {
    var subject: String
    var kind: PINKind

    init(_ subject: PINSubject, _ kind: PINKind) {
        self.subject = subject.value
        self.kind = kind
    }

    init(subject: String, kind: PINKind) {
        self.subject = subject
        self.kind = kind
    }
}

/// What a check reads before it decides whether it must write.
struct PINCheckRead: Sendable {
    /// The PIN as stored (nil when none is set).
    var record: PINRecord?
    /// The caller's failures counted for the fleet (nil when none are, or none asked for).
    var callerFailures: AttemptCount?
}

/// What a PIN change writes besides the record, in its transaction.
struct PINChanges: Sendable {
    var audit: [AuditEvent] = []
    var mail: [OutboxMessage] = []
    /// The answer recorded for a keyed `pin.verify`, for its repeats.
    var recordedCheck: RecordedPINCheck?
}

/// What `PINStore.update` did.
enum PINUpdate<Outcome: Sendable>: Sendable {
    /// `change` ran, and what it wrote is committed.
    case changed(Outcome)
    /// The keyed check was answered before; this is its recorded answer.
    case repeated(RecordedPINCheck)
}
