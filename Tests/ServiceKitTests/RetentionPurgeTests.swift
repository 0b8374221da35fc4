import Foundation
import GRDB
import Logging
import PostgresNIO
@testable import ServiceKit
import TestSupport
import Testing

/// A retention pass over more rows than one statement deletes (`RetentionRule.batch`):
/// every row past its time goes, batch after batch, and none within it, on both engines.
@Suite struct RetentionPurgeTests {
    static let rule = RetentionRule("test rows", sqlite: ("kept", "at < ?1"), postgres: ("kept", "at < $1"), keep: 86400)
    static let now = Date(timeIntervalSince1970: 1_795_000_000)
    static let old = RetentionRule.batch * 2 + 500
    static let logger = Logger(label: "retention-purge-tests")

    @Test func aBacklogOfManyBatches_goesWhole_onSQLite() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try FileManager.default.createDirectory(atPath: directory.file("state"), withIntermediateDirectories: false)
        let secret = try ServerSecret.load(path: nil, stateDirectory: directory.path, createIfMissing: true)
        let database = try ServiceDatabase.open(path: directory.file("state/test.sqlite"), secret: secret) { migrator in
            migrator.registerMigration("kept") { db in
                try db.create(table: "kept") { table in
                    table.autoIncrementedPrimaryKey("id")
                    table.column("at", .datetime).notNull().indexed()
                }
            }
        }
        try await database.write { db in
            for index in 0..<(Self.old + 10) {
                // Two days old, or a minute old: only the first are past the rule's day.
                let at = Self.now.addingTimeInterval(index < Self.old ? -2 * 86400 : -60)
                try db.execute(sql: "INSERT INTO kept (at) VALUES (?)", arguments: [at])
            }
        }
        let purge = try Self.purge(.sqlite(database), directory: directory)
        #expect(await purge.purge(at: Self.now).isEmpty)
        #expect(try await database.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM kept") } == 10)
    }

    @Test func aBacklogOfManyBatches_goesWhole_onPostgreSQL() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let cluster = try await PostgresCluster.shared()
        let url = try await cluster.freshDatabase()
        let database = try #require(URLComponents(string: url).map { String($0.path.dropFirst()) })
        try await cluster.withClient(database: database) { client in
            try await client.query("CREATE SCHEMA test")
            try await client.query("CREATE TABLE test.kept (id bigserial PRIMARY KEY, at timestamptz NOT NULL)")
            try await client.query("CREATE INDEX kept_at ON test.kept (at)")
            let (old, recent) = (Self.now.addingTimeInterval(-2 * 86400), Self.now.addingTimeInterval(-60))
            try await client.query("INSERT INTO test.kept (at) SELECT \(old) FROM generate_series(1, \(Self.old))")
            try await client.query("INSERT INTO test.kept (at) SELECT \(recent) FROM generate_series(1, 10)")
            let purge = try Self.purge(.postgres(client, schema: "test"), directory: directory)
            #expect(await purge.purge(at: Self.now).isEmpty)
            let left = try await client.query("SELECT count(*) FROM test.kept").collect().first?.decode(Int64.self)
            #expect(left == 10)
        }
    }

    static func purge(_ storage: ServiceStorage, directory: TemporaryDirectory) throws -> RetentionPurge {
        try Data("2026-11-21T10:00:00+09:00".utf8).write(to: URL(fileURLWithPath: directory.file("clock")))
        return RetentionPurge(rules: [rule], storage: storage, clock: try FileClock(path: directory.file("clock")), logger: logger)
    }
}
