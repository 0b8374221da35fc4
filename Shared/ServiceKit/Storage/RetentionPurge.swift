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

    /// Rows one statement deletes at most.
    static let batch = 1000

    /// One batch of the rule's rows in SQLite (`?1` the cut-off): found by the rule's
    /// condition (through its index), deleted by row id.
    public var sqliteDelete: String {
        """
        DELETE FROM \(sqlite.table) WHERE rowid IN (
            SELECT rowid FROM \(sqlite.table) WHERE \(sqlite.condition) LIMIT \(Self.batch))
        """
    }

    /// One batch of the rule's rows in PostgreSQL (`$1` the cut-off), in `schema`; rows
    /// another host is deleting are skipped, not waited for.
    public func postgresDelete(schema: String) -> String {
        """
        DELETE FROM \(schema).\(postgres.table) WHERE ctid IN (
            SELECT ctid FROM \(schema).\(postgres.table) WHERE \(postgres.condition) LIMIT \(Self.batch) FOR UPDATE SKIP LOCKED)
        """
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
/// again after a second, then after twice as long each time up to five minutes — not an
/// hour later — so rows past their time are kept little longer than the storage refuses
/// to remove them; the failure is logged once, and its end. Rows go a batch per statement,
/// so a long backlog (a retention shortened, a pass after an outage) never holds SQLite's
/// writer or a PostgreSQL connection for long, and a shutdown waits for one batch at most.
/// On PostgreSQL every host runs it; a row is deleted once.
struct RetentionPurge: Service {
    let rules: [RetentionRule]
    let storage: ServiceStorage
    let clock: any ServiceClock
    let logger: Logger
    var look: Duration = .seconds(1)
    var every: TimeInterval = 3600
    /// The longest wait before a failed pass is made again.
    var longestRetry: Duration = .seconds(300)

    func run() async throws {
        var last: Date?
        var failing: Set<String> = []
        var retry = (at: ContinuousClock.now, after: look)
        await repeatUntilShutdown(every: look) {
            let now = clock.now()
            if failing.isEmpty {
                if let last, now >= last, now.timeIntervalSince(last) < every { return }
            } else if ContinuousClock.now < retry.at {
                return
            }
            last = now
            failing = await purge(at: now, failing: failing)
            retry = failing.isEmpty ? (.now, look) : (.now + retry.after, min(retry.after * 2, longestRetry))
        }
    }

    /// One pass at `now`; returns the rules (by `what`) that failed in it. A rule already
    /// in `failing` is logged only when it works again. A graceful shutdown ends the pass
    /// between two batches.
    @discardableResult
    func purge(at now: Date, failing: Set<String> = []) async -> Set<String> {
        var failed: Set<String> = []
        for rule in rules {
            guard !Task.isShuttingDownGracefully, !Task.isCancelled else { break }
            let cutoff = now.addingTimeInterval(-rule.keep)
            do {
                var removed = 0
                while !Task.isShuttingDownGracefully, !Task.isCancelled {
                    let batch = try await delete(rule, before: cutoff)
                    removed += batch
                    if batch < RetentionRule.batch { break }
                }
                if failing.contains(rule.what) { logger.notice("retention: removing \(rule.what) works again") }
                if removed > 0 { logger.info("retention: \(rule.what) removed", metadata: ["rows": "\(removed)", "before": "\(cutoff)"]) }
            } catch {
                failed.insert(rule.what)
                if !failing.contains(rule.what) {
                    logger.error(
                        "retention: removing \(rule.what) failed; tried again after a second, then less and less often",
                        metadata: ["error": "\(error)"])
                }
            }
        }
        return failed
    }

    /// One batch of `rule`'s rows before `cutoff` deleted; how many.
    private func delete(_ rule: RetentionRule, before cutoff: Date) async throws -> Int {
        switch storage {
        case .sqlite(let database):
            return try await database.write { db in
                try db.execute(sql: rule.sqliteDelete, arguments: [cutoff])
                return db.changesCount
            }
        case .postgres(let client, let schema):
            var bindings = PostgresBindings()
            bindings.append(cutoff)
            let query = PostgresQuery(unsafeSQL: "WITH gone AS (\(rule.postgresDelete(schema: schema)) RETURNING 1) SELECT count(*) FROM gone", binds: bindings)
            let logger = logger
            return try await classifyingFaults(within: .seconds(30)) {
                var count: Int64 = 0
                for try await (removed) in try await client.query(query, logger: logger).decode(Int64.self) { count = removed }
                return Int(count)
            }
        }
    }
}
