import Foundation
import Logging
import MadoguchiModels
import PostgresNIO
import ServiceContract
import ServiceKit
import TestSupport
import Testing

@testable import BillingService

/// The statement table as PostgreSQL plans it (the tests' cluster): both reads are one
/// range of the primary key (customer, month), and the list is answered from the index
/// alone — its included columns — never the table, so neither grows with the customers.
@Suite struct PostgresStatementStorageTests {
    @Test func list_isAnIndexOnlyScanOfThePrimaryKey_andShow_anIndexScanOfIt() async throws {
        var logger = Logger(label: "statement-plan-test")
        logger.logLevel = .warning
        let url = try DatabaseURL(parsing: try await PostgresCluster.shared().freshDatabase())
        try await PostgresCluster.withClient(url.clientConfiguration, logger: logger) { (client) async throws in
            var migrator = PostgresMigrator(schema: "billing")
            BillingPostgresSchema.registerMigrations(in: &migrator)
            try await migrator.migrate(client, logger: logger)
            // Two thousand customers of three months each, and the visibility map written
            // (as autovacuum does after an import), which an index-only scan needs.
            try await client.query(
                """
                INSERT INTO billing.statement
                  (customer_number, month, issue_date, due_date, payment_method, payment_status, total, tax, document)
                SELECT lpad(c::text, 8, '0'), m, '2026-10-05', '2026-10-26', 'credit_card', 'paid', 1078, 98, '\\x7b7d'
                FROM generate_series(1, 2000) c, unnest(ARRAY[202608, 202609, 202610]) m
                """, logger: logger)
            try await client.query("VACUUM ANALYZE billing.statement", logger: logger)
            let window = StatementWindow(now: ISO8601.parse("2026-11-21T12:00:00+09:00")!)
            let month = try BillingMonth(year: 2026, month: 10)
            try await client.withConnection { connection in
                // The planner may read a table this small whole: the test asks which index
                // it uses when it may not. Both reads are prepared statements: each plan
                // the server may choose for them (one for the values bound, or the generic
                // plan it keeps after a few runs) is asked for.
                try await connection.query("SET enable_seqscan = off", logger: logger)
                let months = window.months.map { String($0.storageKey) }.joined(separator: ",")
                try await connection.query(
                    PostgresQuery(unsafeSQL: "PREPARE list_plan (text, bigint[], text) AS " + PostgresStatementStore.ListStatements.sql),
                    logger: logger)
                try await connection.query(
                    PostgresQuery(unsafeSQL: "PREPARE show_plan (text, bigint, text) AS " + PostgresStatementStore.ShowStatement.sql),
                    logger: logger)
                for mode in ["force_custom_plan", "force_generic_plan"] {
                    try await connection.query(PostgresQuery(unsafeSQL: "SET plan_cache_mode = \(mode)"), logger: logger)
                    for (explain, expected) in [
                        ("EXECUTE list_plan ('00000042', ARRAY[\(months)], '9999-12-31')",
                         "Index Only Scan Backward using statement_pkey"),  // newest first: the key read backwards
                        ("EXECUTE show_plan ('00000042', \(month.storageKey), '9999-12-31')", "Index Scan using statement_pkey"),
                    ] {
                        let plan = try await connection.explain(explain, logger: logger)
                        #expect(plan.contains { $0.contains(expected) }, "\(mode): \(plan.joined(separator: "\n"))")
                        #expect(!plan.contains { $0.contains("Seq Scan") }, "\(mode): \(plan.joined(separator: "\n"))")
                    }
                }
            }
        }
    }
}
