import GRDB

/// The billing database: one row per customer and month. The list's columns are
/// plain; the statement in full (items, per-rate tax) is one JSON document read only by
/// the detail view, so a million customers' list rows stay small and the primary key
/// (customer, month) answers both views without a second index.
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
    }
}
