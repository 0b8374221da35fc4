import AuthAPI
import Foundation
import GRDB
import ServiceClient
import ServiceKit

/// One-time codes in the service's SQLite file (table `oneTimeCode`). SQLite's one write
/// transaction at a time is what holds a destination's codes.
struct SQLiteCodeStore: CodeStore {
    let database: DatabasePool
    let outbox: Outbox
    let idempotentCalls: IdempotentCalls

    func issue(
        _ record: OneTimeCodeRecord, message: OutboxMessage, answer: IssuedCode, keyed: IdempotentCalls.Call?
    ) async throws -> IssuedCode {
        try await database.write { db in
            if let keyed, let first = try idempotentCalls.recorded(IssuedCode.self, for: keyed, in: db) { return first }
            try db.execute(
                sql: """
                    UPDATE oneTimeCode SET voidedAt = ?
                    WHERE purpose = ? AND channel = ? AND destination = ? AND usedAt IS NULL AND voidedAt IS NULL
                    """,
                arguments: [record.createdAt, record.purpose, record.channel, record.destination])
            try record.insert(db)
            try outbox.enqueue(message, in: db)
            if let keyed { try idempotentCalls.record(answer, for: keyed, in: db) }
            return answer
        }
    }

    func recordedIssue(_ keyed: IdempotentCalls.Call) async throws -> IssuedCode? {
        try await database.read { db in try idempotentCalls.recorded(IssuedCode.self, for: keyed, in: db) }
    }

    func checkLiveCode<Outcome: Sendable>(
        _ key: CodeKey, _ check: @escaping @Sendable (inout OneTimeCodeRecord?) throws -> Outcome
    ) async throws -> Outcome {
        try await database.write { db in
            let before = try OneTimeCodeRecord
                .filter(Column("purpose") == key.purpose && Column("channel") == key.channel
                    && Column("destination") == key.destination && Column("usedAt") == nil && Column("voidedAt") == nil)
                .order(Column("createdAt").desc)
                .fetchOne(db)
            var record = before
            let outcome = try check(&record)
            if let record, record != before { try record.update(db) }
            return outcome
        }
    }
}
