import GRDB

/// The billing database: one row per customer and month. The list's columns are
/// plain; the statement in full (items, per-rate tax) is one JSON document read only by
/// the detail view.
///
/// Rows live in an ordinary rowid table, keyed by a unique index on (month, customer):
/// a month's import appends to the table and to the index in order, and the detail view
/// is a point lookup on that index. The list reads a covering index by customer (one
/// leaf page for the whole window). Neither cost grows with the number of customers.
enum BillingSchema {
    static func registerMigrations(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("billing-v1") { db in
            try db.create(table: "statement", options: [.withoutRowID]) { table in
                table.column("customerNumber", .text).notNull()
                /// `year × 100 + month`: sorts as months do.
                table.column("month", .integer).notNull()
                table.column("issueDate", .text).notNull()
                table.column("dueDate", .text).notNull()
                table.column("paymentMethod", .text).notNull()
                table.column("paymentStatus", .text).notNull()
                table.column("total", .integer).notNull()
                table.column("tax", .integer).notNull()
                table.column("document", .blob).notNull()
                table.primaryKey(["customerNumber", "month"])
            }
        }
        // A WITHOUT ROWID table keeps rows in index pages, where a row of more than about
        // a quarter of a page (a statement's document is ~1 KB) spills to an overflow page
        // of its own: a million statements took 4.2 GB instead of about 1.2 GB, and every
        // import wrote four times the bytes. Statements move to a rowid table.
        migrator.registerMigration("billing-v2-statement-rowid") { db in
            try db.create(table: "statement_v2") { table in
                table.column("customerNumber", .text).notNull()
                table.column("month", .integer).notNull()
                table.column("issueDate", .text).notNull()
                table.column("dueDate", .text).notNull()
                table.column("paymentMethod", .text).notNull()
                table.column("paymentStatus", .text).notNull()
                table.column("total", .integer).notNull()
                table.column("tax", .integer).notNull()
                table.column("document", .blob).notNull()
            }
            try db.execute(
                sql: """
                    INSERT INTO statement_v2
                      (customerNumber, month, issueDate, dueDate, paymentMethod, paymentStatus, total, tax, document)
                    SELECT customerNumber, month, issueDate, dueDate, paymentMethod, paymentStatus, total, tax, document
                    FROM statement ORDER BY month, customerNumber
                    """)
            try db.drop(table: "statement")
            try db.rename(table: "statement_v2", to: "statement")
            try db.create(index: "statement_month_customer", on: "statement", columns: ["month", "customerNumber"], unique: true)
        }
        // The list read one row per month of its window, each in a different part of the
        // table: 15 random page reads per list, 65 ms per call once 15 million
        // statements outgrew the page cache (BENCHMARKS.md). A covering index by customer
        // holds a customer's list columns side by side, so the list reads one leaf page
        // and never the table.
        migrator.registerMigration("billing-v3-customer-list-index") { db in
            try db.create(
                index: "statement_customer_list", on: "statement",
                columns: ["customerNumber", "month", "issueDate", "total", "tax", "dueDate", "paymentMethod", "paymentStatus"])
        }
    }
}
