import AuthAPI
import Foundation
import PostgresNIO
import ServiceKit

extension PostgresPINStore {
    /// One statement: the row is updated only where every column is as `before` had it
    /// (a concurrent writer's update is waited for and then compared, so it is never
    /// overwritten), and the audit lines are inserted, in order, and `callerFailure`
    /// counted, only when it was: one commit for all of it.
    func replace(_ before: PINRecord, with after: PINRecord, audit: [AuditEvent], callerFailure: FleetFailure?) async throws
        -> PINReplacement
    {
        let statement = ReplacePIN(before: before, after: after, audit: audit, callerFailure: callerFailure)
        return try await classifyingFaults(within: timeLimit) { [client, logger] in
            for try await changed in try await client.execute(statement, logger: logger) where changed == 1 {
                return .written(callerFailureCounted: callerFailure != nil)
            }
            return .notWritten
        }
    }

    /// `replace` as a named prepared statement, parsed and planned once per connection:
    /// sent unprepared, its planning cost the server several times what running it did
    /// (BENCHMARKS.md). So its SQL is the same for every write: the audit lines are bound
    /// as arrays, one per column, and the caller's count is made only when its key is
    /// bound. Like `FindPIN`, it names the schema auth always has.
    struct ReplacePIN: PostgresPreparedStatement {
        static let name = "auth_replace_pin_v1"
        typealias Row = Int

        var before: PINRecord
        var after: PINRecord
        var audit: [AuditEvent]
        var callerFailure: FleetFailure?

        /// Where each part's values start: the key ($1, $2), the new values, the compared
        /// values, the audit lines' eight arrays, the caller's count.
        private static let compared = 3 + valueColumns.count
        private static let auditArrays = compared + valueColumns.count
        private static let count = auditArrays + 8

        static let sql = """
            WITH changed AS (
              UPDATE auth.pin SET \(valueColumns.enumerated().map { "\($1.name) = $\($0 + 3)" }.joined(separator: ", "))
              WHERE subject = $1 AND kind = $2
                AND (\(valueColumns.map(\.name).joined(separator: ", "))) IS NOT DISTINCT FROM (\(comparedValues(from: compared)))
              RETURNING 1),
            logged AS (
              INSERT INTO auth.audit (at, event, subject, kind, peer_uid, detail)
              SELECT a.at, a.event, a.subject, CASE WHEN a.has_kind THEN a.kind END, a.peer_uid, CASE WHEN a.has_detail THEN a.detail END
              FROM unnest(\((0..<8).map { "$\(auditArrays + $0)" }.joined(separator: ", ")))
                WITH ORDINALITY AS a(at, event, subject, kind, has_kind, peer_uid, detail, has_detail, n)
              WHERE EXISTS (SELECT 1 FROM changed) ORDER BY a.n RETURNING 1),
            counted AS (
            -- After the PIN's row, as every statement that takes both locks them: no cycle.
            \(PostgresAttemptStore.incrementSQL(
                schema: "auth", parametersFrom: count, onlyIf: "EXISTS (SELECT 1 FROM changed) AND $\(count)::text IS NOT NULL"))
            RETURNING 1)
            SELECT count(*)::bigint FROM changed
            """

        /// Declared, not left to the server to infer: a value's type is what postgres-nio
        /// sends (an `Int` is `int8`, a compared time `int8` microseconds), which is not
        /// always its column's.
        static let bindingDataTypes: [PostgresDataType] =
            [.text, .text] + valueColumns.map { dataType($0.type) }
            + valueColumns.map { $0.type == "timestamptz" ? .int8 : dataType($0.type) }
            + [.timestamptzArray, .textArray, .textArray, .textArray, .boolArray, .int8Array, .textArray, .boolArray]
            + PostgresAttemptStore.incrementTypes

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings(capacity: Self.bindingDataTypes.count)
            bindings.append(before.subject)
            bindings.append(before.kind.rawValue)
            try PostgresPINStore.appendValues(of: after, to: &bindings)
            try PostgresPINStore.appendValues(of: before, to: &bindings, compared: true)
            bindings.append(audit.map(\.at))
            bindings.append(audit.map(\.event))
            bindings.append(audit.map(\.subject))
            bindings.append(audit.map { $0.kind ?? "" })
            bindings.append(audit.map { $0.kind != nil })
            bindings.append(audit.map(\.peerUID))
            bindings.append(audit.map { $0.detail ?? "" })
            bindings.append(audit.map { $0.detail != nil })
            PostgresAttemptStore.appendIncrement(callerFailure?.key, by: callerFailure?.failures, at: callerFailure?.at ?? after.updatedAt, to: &bindings)
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> Int { try row.decode(Int.self) }

        private static func dataType(_ name: String) -> PostgresDataType {
            switch name {
            case "bytea": .bytea
            case "boolean": .bool
            case "integer": .int8
            case "timestamptz": .timestamptz
            default: .text
            }
        }
    }

    /// `record`'s values after its key, in `valueColumns`' order: as written, or (`compared`)
    /// as compared with the stored row, where a time is whole microseconds, rounded —
    /// postgres-nio writes a `Date` truncated, and a time read back and truncated again
    /// can come out a microsecond early (in some years), which would fail every comparison.
    fileprivate static func appendValues(of record: PINRecord, to bindings: inout PostgresBindings, compared: Bool = false) throws {
        func append(_ time: Date?) {
            if compared {
                bindings.append(time.map { Int64(($0.timeIntervalSince(postgresEpoch) * 1_000_000).rounded()) })
            } else {
                bindings.append(time)
            }
        }
        try bindings.append(record.hash)
        try bindings.append(record.salt)
        bindings.append(record.mustChange)
        bindings.append(record.failures)
        append(record.lockedUntil)
        append(record.updatedAt)
        try bindings.append(record.pendingHash)
        try bindings.append(record.pendingSalt)
        append(record.pendingDueAt)
        bindings.append(record.pendingEmail)
        bindings.append(record.holderBirthDate)
        bindings.append(record.holderPhones)
    }

    /// The SQL of the compared values bound from `$first` on (`appendValues(compared:)`).
    fileprivate static func comparedValues(from first: Int) -> String {
        valueColumns.enumerated().map { index, column in
            column.type == "timestamptz"
                ? "(timestamptz '2000-01-01 00:00:00+00' + $\(first + index)::bigint * interval '1 microsecond')"
                : "$\(first + index)::\(column.type)"
        }.joined(separator: ", ")
    }

    /// PostgreSQL's zero time, 2000-01-01 00:00:00 UTC.
    fileprivate static let postgresEpoch = Date(timeIntervalSince1970: 946_684_800)
}
