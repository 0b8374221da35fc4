import BillingAPI
import Foundation
import GRDB
import JSONRPC
import MadoguchiModels
import ServiceKit

/// Statements in the service's SQLite file (`BillingSchema`).
struct SQLiteStatementStore: StatementStore {
    let database: DatabasePool

    func list(customer: String, window: StatementWindow, issuedBy today: CivilDate?) async throws -> [StatementSummary] {
        try await database.read { db in try StatementBook.list(customer: customer, window: window, issuedBy: today, in: db) }
    }

    func statement(customer: String, month: BillingMonth, issuedBy today: CivilDate?) async throws -> MonthlyStatement? {
        try await database.read { db in try StatementBook.statement(customer: customer, month: month, issuedBy: today, in: db) }
    }
}

/// Reading statements from SQLite. Both reads are point lookups on the unique (month,
/// customer) index — the list one per month of its window — so their cost does not grow
/// with the number of customers.
enum StatementBook {
    /// The customer's statements within `window`, newest first; for a customer, only
    /// those already issued by `today`.
    static func list(customer: String, window: StatementWindow, issuedBy today: CivilDate?, in db: Database) throws
        -> [StatementSummary]
    {
        // The window's months named one by one: with the month first in the index, a
        // range of months would scan every customer's statements of those months.
        let months = window.months.map(\.storageKey)
        let rows = try Row.fetchAll(
            try db.cachedStatement(sql: listSQL(months: months.count)),
            arguments: StatementArguments(months) + [customer, lastIssueShown(by: today)])
        // Columns by position, in listSQL's order: a name lookup lowercases the name on
        // every read, which showed in the list's profile.
        return try rows.map { row in
            StatementSummary(
                month: try BillingMonth(storageKey: row[0]), total: Yen(row[1]), tax: Yen(row[2]),
                issueDate: try CivilDate(validating: row[3]), dueDate: try CivilDate(validating: row[4]),
                paymentMethod: try StoredChoice.read(row[5], field: "paymentMethod"),
                paymentStatus: try StoredChoice.read(row[6], field: "paymentStatus"))
        }
    }

    /// The list's query for a window of `months` months (arguments: the months, the
    /// customer, the last issue date shown).
    static func listSQL(months: Int) -> String {
        """
        SELECT month, total, tax, issueDate, dueDate, paymentMethod, paymentStatus FROM statement
        WHERE month IN (\(databaseQuestionMarks(count: months))) AND customerNumber = ? AND issueDate <= ?
        ORDER BY month DESC
        """
    }

    /// The detail's query (arguments: the month, the customer, the last issue date shown).
    static let showSQL = "SELECT document FROM statement WHERE month = ? AND customerNumber = ? AND issueDate <= ?"

    /// One statement in full, if there is one (and, for a customer, it is issued).
    static func statement(customer: String, month: BillingMonth, issuedBy today: CivilDate?, in db: Database) throws
        -> MonthlyStatement?
    {
        let document = try Data.fetchOne(
            try db.cachedStatement(sql: showSQL),
            arguments: [month.storageKey, customer, lastIssueShown(by: today)])
        return try document.map { try JSONCoding.decoder.decode(MonthlyStatement.self, from: $0) }
    }
}
