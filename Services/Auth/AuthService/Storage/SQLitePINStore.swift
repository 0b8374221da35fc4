import AuthAPI
import Foundation
import GRDB
import ServiceKit

/// PINs in the service's SQLite file (table `pin`, with `audit`, the outbox and the
/// idempotency records beside it). A change runs inside one write transaction: SQLite has
/// one writer at a time, which is what holds the PIN's row.
struct SQLitePINStore: PINStore {
    let database: DatabasePool
    let outbox: Outbox
    let idempotentCalls: IdempotentCalls
    /// The check's read of the PIN, on the calling thread.
    let inlineReaders: InlineReaders

    func find(_ key: PINKey) async throws -> PINRecord? {
        try await database.read { db in try PINRecord.find(key, in: db) }
    }

    /// The caller's count from the file's `attempt` table, which only a fleet sharing
    /// counts asks for (one host counts its callers in memory). Without it the check reads
    /// one row with one statement on the calling thread (`InlineReaders`), a snapshot of
    /// its own: no `BEGIN`/`COMMIT` around it, which GRDB prepares afresh for every read
    /// transaction, and no hand-off to a pool reader's thread (BENCHMARKS.md).
    func findForCheck(_ key: PINKey, callerFailures caller: String?) async throws -> PINCheckRead {
        guard let caller else {
            return PINCheckRead(record: try inlineReaders.read { try PINRecord.find(key, in: $0) }, callerFailures: nil)
        }
        return try await database.read { db in
            PINCheckRead(record: try PINRecord.find(key, in: db), callerFailures: try SQLiteAttemptStore.count(of: caller, in: db))
        }
    }

    func update<Outcome: Sendable>(
        _ key: PINKey, keyedCheck: IdempotentCalls.Call?,
        _ change: @escaping @Sendable (inout PINRecord?, inout PINChanges) throws -> Outcome
    ) async throws -> PINUpdate<Outcome> {
        try await database.write { db -> PINUpdate<Outcome> in
            if let keyedCheck, let first = try idempotentCalls.recorded(RecordedPINCheck.self, for: keyedCheck, in: db) {
                return .repeated(first)
            }
            let before = try PINRecord.find(key, in: db)
            var record = before
            var changes = PINChanges()
            let outcome = try change(&record, &changes)
            if let record, record != before { try record.save(db) }
            for entry in changes.audit { try entry.insert(db) }
            for message in changes.mail { try outbox.enqueue(message, in: db) }
            if let keyedCheck, let answer = changes.recordedCheck { try idempotentCalls.record(answer, for: keyedCheck, in: db) }
            return .changed(outcome)
        }
    }

    func dueChanges(at now: Date, limit: Int) async throws -> [PINKey] {
        try await database.read { db in
            try Row.fetchAll(
                db, sql: "SELECT subject, kind FROM pin WHERE pendingDueAt <= ? ORDER BY pendingDueAt LIMIT ?",
                arguments: [now, limit]
            ).compactMap { row in PINKind(rawValue: row["kind"]).map { PINKey(subject: row["subject"], kind: $0) } }
        }
    }
}
