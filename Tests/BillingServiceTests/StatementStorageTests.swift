import Foundation
import GRDB
import Testing

@testable import BillingService

/// The statement table as SQLite sees it: both reads are index lookups (their cost does
/// not grow with the number of customers), the list's from the index alone, and statements stored before the move to a
/// rowid table are all still there after it.
@Suite struct StatementStorageTests {
    @Test func list_readsOnlyTheCustomerIndex_andShow_searchesTheMonthCustomerIndex() throws {
        let database = try DatabaseQueue(path: temporaryFile())
        var migrator = DatabaseMigrator()
        BillingSchema.registerMigrations(in: &migrator)
        try migrator.migrate(database)
        try database.read { db in
            for (sql, count, index) in [
                (StatementBook.listSQL(months: 15), 17, "USING COVERING INDEX statement_customer_list (customerNumber=? AND month=?"),
                (StatementBook.showSQL, 3, "USING INDEX statement_month_customer (month=? AND customerNumber=?)"),
            ] {
                let plan = try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql, arguments: StatementArguments(Array(repeating: 1, count: count)))
                    .map { $0["detail"] as String }
                #expect(plan.contains { $0.contains(index) }, "\(plan)")
                #expect(!plan.contains { $0.hasPrefix("SCAN") }, "\(plan)")
            }
        }
    }

    @Test func movingToTheRowidTable_keepsEveryStatement() throws {
        let database = try DatabaseQueue(path: temporaryFile())
        var migrator = DatabaseMigrator()
        BillingSchema.registerMigrations(in: &migrator)
        try migrator.migrate(database, upTo: "billing-v1")
        try database.write { db in
            for (customer, month) in [("1", 202610), ("10", 202609), ("2", 202610)] {
                try db.execute(
                    sql: "INSERT INTO statement VALUES (?, ?, '2026-10-05', '2026-10-26', 'paid', 'credit_card', 100, 10, ?)",
                    arguments: [customer, month, Data("{}".utf8)])
            }
        }
        try migrator.migrate(database)
        try database.read { db in
            let rows = try Row.fetchAll(db, sql: "SELECT customerNumber, month FROM statement ORDER BY month, customerNumber")
            #expect(rows.map { "\($0["customerNumber"] as String) \($0["month"] as Int)" } == ["10 202609", "1 202610", "2 202610"])
        }
        #expect(throws: DatabaseError.self) {
            try database.write { db in
                try db.execute(
                    sql: "INSERT INTO statement VALUES ('1', 202610, '2026-10-05', '2026-10-26', 'paid', 'credit_card', 1, 0, x'')")
            }
        }
    }

    private func temporaryFile() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("billing-\(UUID().uuidString).sqlite").path
    }
}
