import Foundation
import GRDB
import MadoguchiFuzzing
import PostgresNIO
import ServiceKit
import TestSupport
import Testing

/// Every retention rule of every service deletes through an index on the column it
/// compares, on both engines — the statement the purge runs, one batch of rows. A
/// pass runs at each start and every hour, one write per rule: a rule that scanned its
/// table would hold SQLite's one writer — every wrong PIN waiting behind it — and read the
/// whole table on every PostgreSQL host, for as long as the table is large (auth's audit
/// has a row per PIN ever set: over a million at 1,000,000 customers, a fifth of a second
/// of scan with every page cached, seconds from disk).
@Suite struct RetentionIndexTests {
    @Test func everyRule_deletesThroughAnIndex_onSQLite() async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        for opened in try await EveryService.open(in: folder.path) {
            defer { opened.close() }
            guard case .sqlite(let database) = opened.storage else { throw Unexpected(storage: opened.storage) }
            for rule in opened.retentionRules {
                let plan = try await database.write { db in
                    try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + rule.sqliteDelete, arguments: [Date()]).map { $0["detail"] as String }
                }
                // "SEARCH audit USING INDEX audit_at (at<?)": an index on one of the condition's columns.
                let searched = plan.compactMap { $0.firstMatch(of: /USING (?:COVERING )?INDEX \w+ \((\w+)<\?\)/)?.output.1 }
                #expect(
                    !plan.contains { $0.hasPrefix("SCAN") } && !searched.isEmpty
                        && searched.allSatisfy { Self.columns(of: rule.sqlite.condition).contains(String($0)) },
                    "\(opened.service) \(rule.what): \(plan)")
            }
        }
    }

    /// With sequential scans priced out (`enable_seqscan = off`), the planner still scans a
    /// table only when no index serves the condition; the cut-off is a literal in place of
    /// the rule's `$1`.
    @Test func everyRule_deletesThroughAnIndex_onPostgreSQL() async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let urlFile = folder.file("database-url")
        try Data(try await PostgresCluster.shared().freshDatabase().utf8).write(to: URL(fileURLWithPath: urlFile))
        let opened = try await EveryService.open(in: folder.path) { service in
            let key = folder.file("\(service.rawValue).pepper")
            FileManager.default.createFile(
                atPath: key, contents: Data((0..<32).map { _ in UInt8.random(in: 0...255) }), attributes: [.posixPermissions: 0o600])
            return ["--database", "postgres", "--database-url-file", urlFile, "--secret-file", key]
        }
        for service in opened {
            defer { service.close() }
            guard case .postgres(let client, let schema) = service.storage else { throw Unexpected(storage: service.storage) }
            for rule in service.retentionRules {
                let statement = rule.postgresDelete(schema: schema)
                    .replacingOccurrences(of: "$1", with: "'2026-11-21T12:00:00+09:00'::timestamptz")
                let (plan, firstColumns) = try await client.withConnection { connection in
                    try await connection.query("SET enable_seqscan = off", logger: Self.logger)
                    var lines: [String] = []
                    for try await line in try await connection.query(PostgresQuery(unsafeSQL: "EXPLAIN " + statement), logger: Self.logger)
                        .decode(String.self)
                    {
                        lines.append(line)
                    }
                    try await connection.query("RESET enable_seqscan", logger: Self.logger)
                    // Each index of the table, with the column it is ordered by first.
                    var firstColumns: [String: String] = [:]
                    let indexes: PostgresQuery = """
                        SELECT i.relname, a.attname FROM pg_index x
                        JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
                        JOIN pg_namespace n ON n.oid = t.relnamespace
                        JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = x.indkey[0]
                        WHERE n.nspname = \(schema) AND t.relname = \(rule.postgres.table)
                        """
                    for try await (index, column) in try await connection.query(indexes, logger: Self.logger).decode((String, String).self) {
                        firstColumns[index] = column
                    }
                    return (lines, firstColumns)
                }
                // "Index Scan using audit_at on audit", "Bitmap Index Scan on session_closed": an
                // index whose first column is one of the condition's (one on another column first
                // could serve the condition only by reading all of itself).
                let used = plan.compactMap { $0.firstMatch(of: /Index (?:Only )?Scan (?:using|on) (\w+)/)?.output.1 }
                #expect(
                    !plan.contains { $0.contains("Seq Scan") } && !used.isEmpty
                        && used.allSatisfy { Self.columns(of: rule.postgres.condition).contains(firstColumns[String($0)] ?? "") },
                    "\(service.service) \(rule.what): \(plan)")
            }
        }
    }

    /// The columns a rule's condition compares with the cut-off: `expiresAt < ?1 OR closedAt < ?1`.
    static func columns(of condition: String) -> Set<String> {
        Set(condition.matches(of: /(\w+) </).map { String($0.output.1) })
    }

    struct Unexpected: Error {
        var storage: ServiceStorage
    }

    static let logger = Logger(label: "retention-index-tests")
}
