import BillingAPI
import Foundation
import JSONRPC
import Logging
import MadoguchiModels
import NIOCore
import PostgresNIO
import ServiceKit

/// Statements in PostgreSQL (`<schema>.statement`), shared by every host. Both reads are
/// one index range on the primary key (customer, month), whose included columns answer
/// the list without reading the table.
struct PostgresStatementStore: StatementStore {
    let client: PostgresClient
    let schema: String
    let logger: Logger
    var timeLimit: Duration = .seconds(5)

    func list(customer: String, window: StatementWindow, issuedBy today: CivilDate?) async throws -> [StatementSummary] {
        let query = Self.listQuery(schema: schema, customer: customer, months: window.months, issuedBy: today)
        return try await classifyingFaults(within: timeLimit) { [client, logger] in
            let rows = try await client.query(query, logger: logger)
            var statements: [StatementSummary] = []
            for try await row in rows.decode((Int32, Int64, Int64, String, String, String, String).self) {
                statements.append(
                    StatementSummary(
                        month: try BillingMonth(storageKey: Int(row.0)), total: Yen(row.1), tax: Yen(row.2),
                        issueDate: try CivilDate(validating: row.3), dueDate: try CivilDate(validating: row.4),
                        paymentMethod: try StoredChoice.read(row.5, field: "paymentMethod"),
                        paymentStatus: try StoredChoice.read(row.6, field: "paymentStatus")))
            }
            return statements
        }
    }

    func statement(customer: String, month: BillingMonth, issuedBy today: CivilDate?) async throws -> MonthlyStatement? {
        let query = Self.showQuery(schema: schema, customer: customer, month: month, issuedBy: today)
        return try await classifyingFaults(within: timeLimit) { [client, logger] in
            for try await document in try await client.query(query, logger: logger).decode(Data.self) {
                return try JSONCoding.decoder.decode(MonthlyStatement.self, from: document)
            }
            return nil
        }
    }

    /// The list's query: the customer's statements of `months`, newest first (for a
    /// customer, only those issued by `today`).
    static func listQuery(schema: String, customer: String, months: [BillingMonth], issuedBy today: CivilDate?) -> PostgresQuery {
        """
        SELECT month, total, tax, to_char(issue_date, 'YYYY-MM-DD'), to_char(due_date, 'YYYY-MM-DD'),
               payment_method, payment_status
        FROM \(unescaped: schema).statement
        WHERE customer_number = \(customer) AND month = ANY(\(months.map { Int64($0.storageKey) })::bigint[])
          AND issue_date <= \(lastIssueShown(by: today))::date
        ORDER BY month DESC
        """
    }

    /// The detail's query: one statement's document.
    static func showQuery(schema: String, customer: String, month: BillingMonth, issuedBy today: CivilDate?) -> PostgresQuery {
        """
        SELECT document FROM \(unescaped: schema).statement
        WHERE customer_number = \(customer) AND month = \(Int64(month.storageKey))
          AND issue_date <= \(lastIssueShown(by: today))::date
        """
    }
}

extension StatementDataset: PostgresImportDataset {
    /// Stores a page of statements in one statement: each replaces the stored one of its
    /// customer and month unless the two documents are the same byte for byte (then the
    /// row is left as it is, unchanged).
    func apply(staged batch: [Data], schema: String, on connection: PostgresConnection, logger: Logger) async throws
        -> [Result<ImportOutcome, ImportRowProblem>]
    {
        let listings = try batch.map { try StatementListing(staged: $0) }
        let rows = try await connection.query(
            """
            INSERT INTO \(unescaped: schema).statement
              (customer_number, month, issue_date, due_date, payment_method, payment_status, total, tax, document)
            SELECT customer_number, month, issue_date::date, due_date::date, payment_method, payment_status, total, tax, document
            FROM unnest(
              \(listings.map(\.customerNumber))::text[], \(listings.map { Int64($0.month.storageKey) })::bigint[],
              \(listings.map(\.issueDate))::text[], \(listings.map(\.dueDate))::text[],
              \(listings.map(\.paymentMethod))::text[], \(listings.map(\.paymentStatus))::text[],
              \(listings.map(\.total))::bigint[], \(listings.map(\.tax))::bigint[],
              \(batch.map { ByteBuffer(bytes: $0) })::bytea[])
              AS incoming (customer_number, month, issue_date, due_date, payment_method, payment_status, total, tax, document)
            ON CONFLICT (customer_number, month) DO UPDATE SET
              issue_date = excluded.issue_date, due_date = excluded.due_date, payment_method = excluded.payment_method,
              payment_status = excluded.payment_status, total = excluded.total, tax = excluded.tax, document = excluded.document
            WHERE statement.document IS DISTINCT FROM excluded.document
            RETURNING customer_number, month, xmax = 0
            """, logger: logger)
        // A row the statement did not return was the same as the one stored.
        var written: [String: ImportOutcome] = [:]
        for try await (customer, month, inserted) in rows.decode((String, Int32, Bool).self) {
            written["\(customer) \(month)"] = inserted ? .inserted : .updated
        }
        return listings.map { .success(written["\($0.customerNumber) \($0.month.storageKey)"] ?? .unchanged) }
    }
}

/// The billing schema in PostgreSQL: the statements, one row per customer and month, as
/// in the SQLite file (`BillingSchema`), with typed dates.
enum BillingPostgresSchema {
    static func registerMigrations(in migrator: inout PostgresMigrator) {
        let schema = migrator.schema
        migrator.registerMigration(
            "billing-v1",
            [
                """
                CREATE TABLE \(schema).statement (
                    customer_number text NOT NULL,
                    -- year × 100 + month: sorts as months do.
                    month integer NOT NULL,
                    issue_date date NOT NULL,
                    due_date date NOT NULL,
                    payment_method text NOT NULL,
                    payment_status text NOT NULL,
                    total bigint NOT NULL,
                    tax bigint NOT NULL,
                    -- The statement in full, as its JSON encoding writes it.
                    document bytea NOT NULL,
                    PRIMARY KEY (customer_number, month)
                      INCLUDE (issue_date, due_date, payment_method, payment_status, total, tax))
                """
            ])
    }
}
