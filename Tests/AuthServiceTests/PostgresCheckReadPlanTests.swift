import Foundation
import Logging
import PostgresNIO
import ServiceKit
import TestSupport
import Testing

@testable import AuthService

/// The read of PIN checks asked for together as PostgreSQL plans it (the tests' cluster),
/// generic plan and all (`plan_cache_mode = force_generic_plan`, as the services' own
/// connections ask): each check is a look-up of the PIN's key and of the caller's key,
/// never a scan of either table, so a batch costs by its size, not by the customers.
@Suite struct PostgresCheckReadPlanTests {
    @Test func checksReadTogether_lookUpEachPINAndCountByItsKey() async throws {
        var logger = Logger(label: "check-plan-test")
        logger.logLevel = .warning
        let url = try DatabaseURL(parsing: try await PostgresCluster.shared().freshDatabase())
        try await PostgresCluster.withClient(url.clientConfiguration, logger: logger) { (client) async throws in
            var migrator = PostgresMigrator(schema: "auth")
            PostgresServiceTables.registerMigrations(in: &migrator)
            AuthPostgresSchema.registerMigrations(in: &migrator)
            try await migrator.migrate(client, logger: logger)
            try await client.query(
                """
                INSERT INTO auth.pin (subject, kind, hash, salt, updated_at)
                SELECT 'line:090' || lpad(n::text, 8, '0'), 'network', '\\x00', '\\x00', now() FROM generate_series(1, 2000) n
                """, logger: logger)
            try await client.query(
                """
                INSERT INTO auth.attempt (key, failures, window_start, window_end)
                SELECT 'caller:' || n, 1, now(), now() + interval '1 day' FROM generate_series(1, 2000) n
                """, logger: logger)
            try await client.query("ANALYZE auth.pin", logger: logger)
            try await client.query("ANALYZE auth.attempt", logger: logger)
            try await client.withConnection { connection in
                // The planner may read tables this small whole: the test asks which
                // indexes it uses when it may not.
                try await connection.query("SET enable_seqscan = off", logger: logger)
                try await connection.query("SET plan_cache_mode = force_generic_plan", logger: logger)
                try await connection.query(
                    PostgresQuery(unsafeSQL: "PREPARE check_plan (text[], text[], text[]) AS " + PostgresPINStore.FindPINsForCheck.sql),
                    logger: logger)
                let text = try await connection.explain(
                    "EXECUTE check_plan (ARRAY['line:09000000001', 'line:09000000002'], ARRAY['network', 'network'], ARRAY['caller:1', ''])",
                    logger: logger
                ).joined(separator: "\n")
                #expect(text.contains("using pin_pkey"), "\(text)")
                #expect(text.contains("using attempt_pkey"), "\(text)")
                #expect(!text.contains("Seq Scan"), "\(text)")
            }
        }
    }
}
