import GRDB

/// The lines database: the line inventory (imported), each voice line's options (block
/// list, voicemail and its messages' metadata, call forwarding), the last caller, and the
/// audit trail of changes. PINs live in madoguchi-auth; recordings on the voicemail
/// platform.
enum LinesSchema {
    static func registerMigrations(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("lines-v1") { db in
            try db.create(table: "line") { table in
                table.primaryKey("phoneNumber", .text)
                table.column("customerNumber", .text).notNull()
                table.column("iccid", .text).notNull().unique()
                table.column("kind", .text).notNull()
                table.column("fingerprint", .text).notNull()
            }
            try db.create(table: "blocked_number") { table in
                table.column("phoneNumber", .text).notNull().references("line")
                table.column("number", .text).notNull()
                table.column("addedAt", .datetime).notNull()
                table.primaryKey(["phoneNumber", "number"])
            }
            // One row per line once anything is set: absent means the defaults.
            try db.create(table: "voicemail") { table in
                table.primaryKey("phoneNumber", .text).references("line")
                table.column("enabled", .boolean).notNull()
                table.column("ringSeconds", .integer).notNull()
            }
            try db.create(table: "voicemail_message") { table in
                table.autoIncrementedPrimaryKey("id")
                table.column("phoneNumber", .text).notNull().references("line")
                table.column("caller", .text)
                table.column("receivedAt", .datetime).notNull()
                table.column("seconds", .integer).notNull()
                table.column("saved", .boolean).notNull().defaults(to: false)
            }
            try db.create(index: "voicemail_message_line", on: "voicemail_message", columns: ["phoneNumber", "receivedAt"])
            try db.create(table: "forwarding") { table in
                table.primaryKey("phoneNumber", .text).references("line")
                table.column("destination", .text).notNull()
                table.column("since", .datetime).notNull()
            }
            try db.create(table: "last_caller") { table in
                table.primaryKey("phoneNumber", .text).references("line")
                // Null when the last call came with its number withheld.
                table.column("caller", .text)
                table.column("at", .datetime).notNull()
            }
            try db.create(table: "line_audit") { table in
                table.autoIncrementedPrimaryKey("id")
                table.column("at", .datetime).notNull()
                table.column("phoneNumber", .text).notNull()
                table.column("event", .text).notNull()
                table.column("detail", .text)
                table.column("via", .text).notNull()
                table.column("peerUID", .integer).notNull()
            }
            try db.create(index: "line_audit_line", on: "line_audit", columns: ["phoneNumber", "at"])
        }
        // Retention deletes the audit by time through it (`RetentionPurge`).
        migrator.registerMigration("lines-v2-audit-at") { db in
            try db.create(index: "line_audit_at", on: "line_audit", columns: ["at"])
        }
    }
}
