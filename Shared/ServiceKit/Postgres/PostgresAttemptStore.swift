import Foundation
import Logging
import PostgresNIO

/// `AttemptThrottle`'s counts in PostgreSQL (`<schema>.attempt`), shared by every host: a
/// failure is one `INSERT … ON CONFLICT DO UPDATE`, which the server applies under the
/// row's lock, so failures counted on several hosts at once all count, and a key that
/// reaches its limit on one host is refused on all of them. Times are the service clock's
/// (passed in), never the server's `now()`.
public struct PostgresAttemptStore: AttemptStore {
    let client: PostgresClient
    let schema: String
    let logger: Logger
    /// How long one operation may wait for the server before it is a storage fault.
    let timeLimit: Duration

    public init(client: PostgresClient, schema: String, logger: Logger, timeLimit: Duration = .seconds(5)) {
        self.client = client
        self.schema = schema
        self.logger = logger
        self.timeLimit = timeLimit
    }

    /// The table, for a service's migrator.
    public static func registerMigrations(in migrator: inout PostgresMigrator) {
        migrator.registerMigration(
            "attempt-v1",
            [
                """
                CREATE TABLE \(migrator.schema).attempt (
                    key text PRIMARY KEY, failures integer NOT NULL, window_start timestamptz NOT NULL)
                """
            ])
        // When the window ends, as in SQLite's `attempt-v2-window-end`.
        migrator.registerMigration(
            "attempt-v2-window-end",
            [
                "ALTER TABLE \(migrator.schema).attempt ADD COLUMN window_end timestamptz",
                "UPDATE \(migrator.schema).attempt SET window_end = window_start + interval '1 day'",
                "ALTER TABLE \(migrator.schema).attempt ALTER COLUMN window_end SET NOT NULL",
                "CREATE INDEX attempt_window_end ON \(migrator.schema).attempt (window_end)",
            ])
    }

    public func blockedUntil(_ keys: [String: AttemptThrottle.Rule], at now: Date) async throws -> Date? {
        try await classifyingFaults(within: timeLimit) { [client, schema, logger] in
            var latest: Date?
            let rows = try await client.query(
                "SELECT key, failures, window_start FROM \(unescaped: schema).attempt WHERE key = ANY(\(Array(keys.keys)))",
                logger: logger)
            for try await (key, failures, windowStart) in rows.decode((String, Int, Date).self) {
                guard let rule = keys[key], let end = AttemptCount(failures: failures, windowStart: windowStart).blockedUntil(rule, at: now)
                else { continue }
                latest = max(latest ?? end, end)
            }
            return latest
        }
    }

    public func take(_ keys: [String: AttemptThrottle.Rule], at now: Date) async throws -> Date? {
        do {
            try await classifyingFaults(within: timeLimit) { [self] in
                try await client.withTransaction(logger: logger) { connection in
                    // Each key counted under its row's lock, in key order (no two hosts wait on
                    // each other in a cycle); a count past its limit rolls every count back.
                    var blocked: Date?
                    for (key, rule) in keys.sorted(by: { $0.key < $1.key }) {
                        let failure = AttemptStoreFailures(rule: rule, count: 1)
                        let rows = try await connection.query(increment(key, by: failure, at: now, returning: true), logger: logger)
                        for try await (failures, windowStart) in rows.decode((Int, Date).self) where failures > rule.limit {
                            let end = windowStart.addingTimeInterval(rule.window)
                            blocked = max(blocked ?? end, end)
                        }
                    }
                    if let blocked { throw LimitReached(until: blocked) }
                    // A take its caller gave up on (the server stopped past the time limit)
                    // is rolled back when the server resumes: the attempt was never made.
                    try Task.checkCancellation()
                }
            }
            return nil
        } catch let reached as LimitReached {
            // (`classifyingFaults` hands on the transaction's own error, unwrapped.)
            return reached.until
        }
    }

    /// Thrown inside `take`'s transaction to roll its counts back.
    private struct LimitReached: Error {
        var until: Date
    }

    public func giveBack(_ keys: [String], takenAt: Date) async throws {
        try await classifyingFaults(within: timeLimit) { [client, schema, logger] in
            try await client.query(
                """
                UPDATE \(unescaped: schema).attempt SET failures = failures - 1
                WHERE key = ANY(\(keys)) AND window_start <= \(takenAt) AND failures > 0
                """, logger: logger)
        }
    }

    public func add(_ failures: [String: AttemptStoreFailures], at now: Date) async throws {
        try await classifyingFaults(within: timeLimit) { try await upsert(failures, at: now) }
    }

    private func upsert(_ failures: [String: AttemptStoreFailures], at now: Date) async throws {
        // One key (a wrong PIN's count for the fleet) is one statement, atomic on its own:
        // no transaction, whose BEGIN and COMMIT would be two more round trips.
        if failures.count == 1, let (key, failure) = failures.first {
            try await client.query(increment(key, by: failure, at: now), logger: logger)
            return
        }
        try await client.withTransaction(logger: logger) { connection in
            // In key order, so that two hosts adding to the same keys never wait on each other's rows in a cycle.
            for (key, failure) in failures.sorted(by: { $0.key < $1.key }) {
                try await connection.query(increment(key, by: failure, at: now), logger: logger)
            }
        }
    }

    /// Adds `failure` to `key`'s count, starting a new window when its window has ended.
    private func increment(_ key: String, by failure: AttemptStoreFailures, at now: Date, returning: Bool = false) -> PostgresQuery {
        var bindings = PostgresBindings()
        Self.appendIncrement(key, by: failure, at: now, to: &bindings)
        let sql = Self.incrementSQL(schema: schema, parametersFrom: 1) + (returning ? " RETURNING a.failures, a.window_start" : "")
        return PostgresQuery(unsafeSQL: sql, binds: bindings)
    }

    /// The `INSERT … ON CONFLICT DO UPDATE` that adds a failure to a key's count (a new
    /// window when the last has ended), its values bound from `$first` on
    /// (`appendIncrement`, of the types `incrementTypes`); with `condition`, made only
    /// where that SQL condition holds. A store that writes a failure of its own puts it in
    /// the same statement, so that the failure and the caller's count are one commit, and
    /// either both are written or neither (auth's wrong PIN: `PostgresPINStore.ReplacePIN`).
    public static func incrementSQL(schema: String, parametersFrom first: Int, onlyIf condition: String? = nil) -> String {
        let (key, count, start, end, windowEnded) = ("$\(first)", "$\(first + 1)", "$\(first + 2)", "$\(first + 3)", "$\(first + 4)")
        return """
            INSERT INTO \(schema).attempt AS a (key, failures, window_start, window_end)
            SELECT \(key)::text, \(count)::integer, \(start)::timestamptz, \(end)::timestamptz\(condition.map { " WHERE " + $0 } ?? "")
            ON CONFLICT (key) DO UPDATE SET
              failures = CASE WHEN a.window_start <= \(windowEnded)::timestamptz THEN excluded.failures ELSE a.failures + excluded.failures END,
              window_end = CASE WHEN a.window_start <= \(windowEnded)::timestamptz THEN excluded.window_end ELSE a.window_end END,
              window_start = CASE WHEN a.window_start <= \(windowEnded)::timestamptz THEN excluded.window_start ELSE a.window_start END
            """
    }

    /// The values of `incrementSQL`, in its order: `key`'s `failure` at `now`. Without a
    /// failure the key is NULL (and the count nothing), for a statement that counts only
    /// when it has one (its condition tests the key).
    public static func appendIncrement(_ key: String?, by failure: AttemptStoreFailures?, at now: Date, to bindings: inout PostgresBindings) {
        let window = failure?.rule.window ?? 0
        if let key { bindings.append(key) } else { bindings.appendNull() }
        bindings.append(failure?.count ?? 0)
        bindings.append(now)
        bindings.append(now.addingTimeInterval(window))
        bindings.append(now.addingTimeInterval(-window))
    }

    /// The types of `appendIncrement`'s values, for a prepared statement that includes `incrementSQL`.
    public static let incrementTypes: [PostgresDataType] = [.text, .int8, .timestamptz, .timestamptz, .timestamptz]

    public func reset(_ key: String) async throws {
        try await classifyingFaults(within: timeLimit) { [client, schema, logger] in
            try await client.query("DELETE FROM \(unescaped: schema).attempt WHERE key = \(key)", logger: logger)
        }
    }

    public func purge(endedBy now: Date) async throws -> Int {
        try await classifyingFaults(within: timeLimit) { [client, schema, logger] in
            let rows = try await client.query(
                "WITH gone AS (DELETE FROM \(unescaped: schema).attempt WHERE window_end <= \(now) RETURNING 1) SELECT count(*) FROM gone",
                logger: logger)
            for try await count in rows.decode(Int64.self) { return Int(count) }
            return 0
        }
    }
}
