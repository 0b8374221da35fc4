import Foundation
import GRDB
import MadoguchiFuzzing
import PostgresNIO
import ServiceKit
import TestSupport
import Testing

/// Every retention rule of every service deletes through an index, on both engines. A
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
                    try Row.fetchAll(
                        db, sql: "EXPLAIN QUERY PLAN DELETE FROM \(rule.sqlite.table) WHERE \(rule.sqlite.condition)",
                        arguments: [Date()]
                    ).map { $0["detail"] as String }
                }
                #expect(!plan.isEmpty && !plan.contains { $0.hasPrefix("SCAN") }, "\(opened.service) \(rule.what): \(plan)")
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
                let condition = rule.postgres.condition.replacingOccurrences(of: "$1", with: "'2026-11-21T12:00:00+09:00'::timestamptz")
                let plan = try await client.withConnection { connection in
                    try await connection.query("SET enable_seqscan = off", logger: Self.logger)
                    var lines: [String] = []
                    let explain = "EXPLAIN DELETE FROM \(schema).\(rule.postgres.table) WHERE \(condition)"
                    for try await line in try await connection.query(PostgresQuery(unsafeSQL: explain), logger: Self.logger)
                        .decode(String.self)
                    {
                        lines.append(line)
                    }
                    try await connection.query("RESET enable_seqscan", logger: Self.logger)
                    return lines
                }
                #expect(!plan.isEmpty && !plan.contains { $0.contains("Seq Scan") }, "\(service.service) \(rule.what): \(plan)")
            }
        }
    }

    struct Unexpected: Error {
        var storage: ServiceStorage
    }

    static let logger = Logger(label: "retention-index-tests")
}
