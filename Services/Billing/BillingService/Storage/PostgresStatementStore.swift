import BillingAPI
import Foundation
import JSONRPC
import Logging
import MadoguchiModels
import NIOCore
import PostgresNIO
import ServiceKit

/// Statements in PostgreSQL (`billing.statement`), shared by every host. Both reads are
/// one index range on the primary key (customer, month), whose included columns answer
/// the list without reading the table.
struct PostgresStatementStore: StatementStore {
    let client: PostgresClient
    let logger: Logger
    var timeLimit: Duration = .seconds(5)

    func list(customer: String, window: StatementWindow, issuedBy today: CivilDate?) async throws -> [StatementSummary] {
        let statement = ListStatements(customer: customer, months: window.months, issuedBy: today)
        return try await classifyingFaults(within: timeLimit) { [client, logger] in
            var statements: [StatementSummary] = []
            for try await summary in try await client.execute(statement, logger: logger) { statements.append(summary) }
            return statements
        }
    }

    func statement(customer: String, month: BillingMonth, issuedBy today: CivilDate?) async throws -> MonthlyStatement? {
        let statement = ShowStatement(customer: customer, month: month, issuedBy: today)
        return try await classifyingFaults(within: timeLimit) { [client, logger] in
            for try await document in try await client.execute(statement, logger: logger) {
                return try JSONCoding.decoder.decode(MonthlyStatement.self, from: document)
            }
            return nil
        }
    }

    /// The list: the customer's statements of `months`, newest first (for a customer,
    /// only those issued by `today`). Both reads are named prepared statements, parsed and
    /// planned once per connection (planning cost the server more than the index range
    /// it plans; BENCHMARKS.md); their SQL names the schema billing always has
    /// (`BillingStores` opens this store on the schema named after the service).
    struct ListStatements: PostgresPreparedStatement {
        static let name = "billing_list_statements_v1"
        static let sql = """
            SELECT month, total, tax, to_char(issue_date, 'YYYY-MM-DD'), to_char(due_date, 'YYYY-MM-DD'),
                   payment_method, payment_status
            FROM billing.statement
            WHERE customer_number = $1 AND month = ANY($2) AND issue_date <= $3::date
            ORDER BY month DESC
            """
        static let bindingDataTypes: [PostgresDataType] = [.text, .int8Array, .text]
        typealias Row = StatementSummary

        var customer: String
        var months: [BillingMonth]
        var issuedBy: CivilDate?

        func makeBindings() -> PostgresBindings {
            var bindings = PostgresBindings(capacity: 3)
            bindings.append(customer)
            bindings.append(months.map { Int64($0.storageKey) })
            bindings.append(lastIssueShown(by: issuedBy))
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> StatementSummary {
            let (month, total, tax, issued, due, method, status) = try row.decode((Int32, Int64, Int64, String, String, String, String).self)
            return StatementSummary(
                month: try BillingMonth(storageKey: Int(month)), total: Yen(total), tax: Yen(tax),
                issueDate: try CivilDate(validating: issued), dueDate: try CivilDate(validating: due),
                paymentMethod: try StoredChoice.read(method, field: "paymentMethod"),
                paymentStatus: try StoredChoice.read(status, field: "paymentStatus"))
        }
    }

    /// The detail: one statement's document (for a customer, only one issued by `today`).
    struct ShowStatement: PostgresPreparedStatement {
        static let name = "billing_show_statement_v1"
        static let sql = """
            SELECT document FROM billing.statement
            WHERE customer_number = $1 AND month = $2 AND issue_date <= $3::date
            """
        static let bindingDataTypes: [PostgresDataType] = [.text, .int8, .text]
        typealias Row = Data

        var customer: String
        var month: BillingMonth
        var issuedBy: CivilDate?

        func makeBindings() -> PostgresBindings {
            var bindings = PostgresBindings(capacity: 3)
            bindings.append(customer)
            bindings.append(Int64(month.storageKey))
            bindings.append(lastIssueShown(by: issuedBy))
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> Data { try row.decode(Data.self) }
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
