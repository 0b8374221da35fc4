import Logging
import PostgresNIO
import ServiceKit
import TestSupport
import Testing

/// A service's schema migrated on a real PostgreSQL (the tests' private cluster): once,
/// however many hosts start together; all or nothing; never by an older build over a
/// newer one's schema.
@Suite struct PostgresMigratorTests {
    let logger = {
        var logger = Logger(label: "migrator-test")
        logger.logLevel = .warning  // the pool logs each failed connection attempt at info
        return logger
    }()

    func migrator(_ names: [String] = ["v1", "v2"]) -> PostgresMigrator {
        var migrator = PostgresMigrator(schema: "auth")
        let all = [
            "v1": ["CREATE TABLE auth.pin (subject text NOT NULL, failures integer NOT NULL, PRIMARY KEY (subject))"],
            "v2": ["INSERT INTO auth.pin VALUES ('line:09012345678', 0)"],
            "v3": ["ALTER TABLE auth.pin ADD COLUMN locked_until timestamptz"],
        ]
        for name in names { migrator.registerMigration(name, all[name]!) }
        return migrator
    }

    func count(_ sql: String, in client: PostgresClient) async throws -> Int {
        var total = 0
        for try await value in try await client.query(PostgresQuery(unsafeSQL: sql)).decode(Int.self) { total = value }
        return total
    }

    /// Eight "hosts" (eight clients, eight pools) start together: each migration runs
    /// once — the insert of v2 leaves one row, not eight — and every host then finds the
    /// schema current.
    @Test func hostsStartingTogether_applyEachMigrationOnce() async throws {
        let cluster = try await PostgresCluster.shared()
        let url = try DatabaseURL(parsing: try await cluster.freshDatabase())
        let applied = try await withThrowingTaskGroup(of: [String].self) { hosts in
            for _ in 0..<8 {
                hosts.addTask {
                    try await PostgresCluster.withClient(url.clientConfiguration, logger: logger) { client in
                        try await migrator().migrate(client, logger: logger)
                    }
                }
            }
            return try await hosts.reduce(into: [[String]]()) { $0.append($1) }
        }
        #expect(applied.filter { !$0.isEmpty } == [["v1", "v2"]], "\(applied)")
        try await cluster.withClient(database: url.database) { (client) async throws in
            #expect(try await count("SELECT count(*) FROM auth.pin", in: client) == 1)
            #expect(try await count("SELECT count(*) FROM auth.migrations", in: client) == 2)
            #expect(try await migrator(["v1", "v2", "v3"]).migrate(client, logger: logger) == ["v3"])
            #expect(try await migrator(["v1", "v2", "v3"]).migrate(client, logger: logger) == [])
        }
    }

    /// A migration that fails takes the whole run back with it: no schema, no record.
    @Test func aFailingMigration_leavesNothingApplied() async throws {
        let cluster = try await PostgresCluster.shared()
        let url = try DatabaseURL(parsing: try await cluster.freshDatabase())
        try await cluster.withClient(database: url.database) { (client) async throws in
            var broken = migrator(["v1"])
            broken.registerMigration("v2", ["INSERT INTO auth.no_such_table VALUES (1)"])
            await #expect(throws: PSQLError.self) { try await broken.migrate(client, logger: logger) }
            #expect(try await count("SELECT count(*) FROM pg_namespace WHERE nspname = 'auth'", in: client) == 0)
            #expect(try await migrator().migrate(client, logger: logger) == ["v1", "v2"])
        }
    }

    /// An older build started on a schema a newer one migrated is refused, naming the
    /// migration it does not know, and changes nothing.
    @Test func aSchemaFromANewerBuild_isRefused() async throws {
        let cluster = try await PostgresCluster.shared()
        let url = try DatabaseURL(parsing: try await cluster.freshDatabase())
        try await cluster.withClient(database: url.database) { (client) async throws in
            try await migrator(["v1", "v2", "v3"]).migrate(client, logger: logger)
            let error = await #expect(throws: PostgresMigrator.Refusal.self) {
                try await migrator(["v1", "v2"]).migrate(client, logger: logger)
            }
            #expect(error?.description.contains("has migration v3, which this build does not know") == true)
            #expect(try await count("SELECT count(*) FROM auth.migrations", in: client) == 3)
        }
    }
}
