import Foundation
import GRDB
import Logging
import PostgresNIO
import ServiceLifecycle

/// Rows a service keeps only for so long: expired sessions and codes, delivered outbox
/// rows, audit rows past their retention. A rule names its table on each engine (SQLite's
/// are camel case, PostgreSQL's snake case) and the condition that a row's time is before
/// the cut-off (`?1` in SQLite, `$1` in PostgreSQL).
public struct RetentionRule: Sendable {
    /// What goes, for the log: `expired sessions`.
    public var what: String
    /// The table and condition in SQLite: `("oneTimeCode", "expiresAt < ?1")`.
    public var sqlite: (table: String, condition: String)
    /// The table (in the service's schema) and condition in PostgreSQL.
    public var postgres: (table: String, condition: String)
    /// How long after the row's time it is kept.
    public var keep: TimeInterval

    public init(
        _ what: String, sqlite: (table: String, condition: String), postgres: (table: String, condition: String), keep: TimeInterval
    ) {
        self.what = what
        self.sqlite = sqlite
        self.postgres = postgres
        self.keep = keep
    }

    /// Delivered outbox rows (their content is already erased), kept a week for an
    /// operator asking whether a message left.
    static let deliveredOutbox = RetentionRule(
        "delivered outbox rows", sqlite: ("outbox", "deliveredAt < ?1"), postgres: ("outbox", "delivered_at < $1"), keep: 7 * 86400)

    /// The audit of requeued and dropped outbox messages, kept as long as every audit.
    static func outboxAudit(keep: TimeInterval) -> RetentionRule {
        RetentionRule("outbox audit rows", sqlite: ("outbox_audit", "at < ?1"), postgres: ("outbox_audit", "at < $1"), keep: keep)
    }
}

/// Applies the retention rules whenever the service clock has moved an hour since the last
/// pass (looked at every second, so a test clock moved on is followed at once), and once
/// at start. A pass in which a rule failed (a full disk, a database out of reach) is made
/// again at the next look rather than an hour later, so rows past their time are kept no
/// longer than the storage refuses to remove them; the failure is logged once, and its
/// end. On PostgreSQL every host runs it; a row is deleted once.
struct RetentionPurge: Service {
    let rules: [RetentionRule]
    let storage: ServiceStorage
    let clock: any ServiceClock
    let logger: Logger
    var look: Duration = .seconds(1)
    var every: TimeInterval = 3600

    func run() async throws {
        var last: Date?
        var failing: Set<String> = []
        await repeatUntilShutdown(every: look) {
            let now = clock.now()
            if failing.isEmpty, let last, now >= last, now.timeIntervalSince(last) < every { return }
            last = now
            failing = await purge(at: now, failing: failing)
        }
    }

    /// One pass at `now`; returns the rules (by `what`) that failed in it. A rule already
    /// in `failing` is logged only when it works again.
    @discardableResult
    func purge(at now: Date, failing: Set<String> = []) async -> Set<String> {
        var failed: Set<String> = []
        for rule in rules {
            let cutoff = now.addingTimeInterval(-rule.keep)
            do {
                let removed = try await delete(rule, before: cutoff)
                if failing.contains(rule.what) { logger.notice("retention: removing \(rule.what) works again") }
                if removed > 0 { logger.info("retention: \(rule.what) removed", metadata: ["rows": "\(removed)", "before": "\(cutoff)"]) }
            } catch {
                failed.insert(rule.what)
                if !failing.contains(rule.what) {
                    logger.error(
                        "retention: removing \(rule.what) failed; tried again every second until it works",
                        metadata: ["error": "\(error)"])
                }
            }
        }
        return failed
    }

    private func delete(_ rule: RetentionRule, before cutoff: Date) async throws -> Int {
        switch storage {
        case .sqlite(let database):
            return try await database.write { db in
                try db.execute(sql: "DELETE FROM \(rule.sqlite.table) WHERE \(rule.sqlite.condition)", arguments: [cutoff])
                return db.changesCount
            }
        case .postgres(let client, let schema):
            var bindings = PostgresBindings()
            bindings.append(cutoff)
            let query = PostgresQuery(
                unsafeSQL:
                    "WITH gone AS (DELETE FROM \(schema).\(rule.postgres.table) WHERE \(rule.postgres.condition) RETURNING 1) SELECT count(*) FROM gone",
                binds: bindings)
            let logger = logger
            return try await classifyingFaults(within: .seconds(30)) {
                var count: Int64 = 0
                for try await (removed) in try await client.query(query, logger: logger).decode(Int64.self) { count = removed }
                return Int(count)
            }
        }
    }
}
