import GRDB

/// The linking database: ISP contracts (imported), linking journeys and links with their
/// audit trail. ISP passwords live in madoguchi-auth; journey IDs are kept here only as
/// keyed hashes.
enum LinkingSchema {
    static func registerMigrations(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("linking-v1") { db in
            try createContractsAndJourneys(db)
            try createLinks(db)
        }
        // Retention deletes the audit by time through it (`RetentionPurge`).
        migrator.registerMigration("linking-v2-audit-at") { db in
            try db.create(index: "link_audit_at", on: "link_audit", columns: ["at"])
        }
    }

    /// ISP contracts (imported) and linking journeys.
    private static func createContractsAndJourneys(_ db: Database) throws {
        try db.create(table: "isp_contract") { table in
            table.primaryKey("customerNumber", .text)
            table.column("description", .text).notNull()
            // One ISP address names one contract: the journey finds the contract by it.
            table.column("email", .text).notNull().unique()
            table.column("phoneNumber", .text).notNull()
            table.column("phoneKind", .text).notNull()
            table.column("holderName", .text).notNull()
            table.column("fingerprint", .text).notNull()
        }
        try db.create(table: "link_journey") { table in
            table.primaryKey("journeyHash", .blob)
            table.column("carrierKey", .text).notNull()
            table.column("carrierId", .text).notNull()
            table.column("carrierEmail", .text).notNull()
            table.column("enteredName", .text).notNull()
            table.column("enteredKana", .text).notNull()
            table.column("enteredBirthDate", .text).notNull()
            table.column("ispEmail", .text).notNull()
            // Null when the address is no ISP contract's: the journey looks the same.
            table.column("customerNumber", .text)
            table.column("step", .text).notNull()
            table.column("tries", .integer).notNull().defaults(to: 0)
            table.column("codeSentAt", .datetime).notNull()
            table.column("codeSentBy", .text)
            table.column("linkNumber", .text)
            table.column("updatedAt", .datetime).notNull()
            table.column("expiresAt", .datetime).notNull()
        }
        try db.create(index: "link_journey_expiry", on: "link_journey", columns: ["expiresAt"])
    }

    /// Links and their audit trail.
    private static func createLinks(_ db: Database) throws {
        try db.create(table: "isp_link") { table in
            table.primaryKey("linkNumber", .text)
            table.column("customerNumber", .text).notNull().references("isp_contract")
            table.column("carrierKey", .text).notNull()
            table.column("carrierId", .text).notNull()
            table.column("carrierEmail", .text).notNull()
            table.column("enteredName", .text).notNull()
            table.column("enteredKana", .text).notNull()
            table.column("enteredBirthDate", .text).notNull()
            table.column("holderMatchesContract", .boolean).notNull()
            table.column("linkedAt", .datetime).notNull()
            table.column("unlinkedAt", .datetime)
            table.column("unlinkedBy", .text)
            table.column("unlinkReason", .text)
        }
        // One ISP contract ↔ at most one carrier ID at a time, kept by the database
        // itself, so that two journeys finishing together cannot both link.
        try db.execute(
            sql: "CREATE UNIQUE INDEX isp_link_contract_live ON isp_link (customerNumber) WHERE unlinkedAt IS NULL")
        try db.execute(sql: "CREATE UNIQUE INDEX isp_link_carrier_live ON isp_link (carrierKey) WHERE unlinkedAt IS NULL")
        try db.create(index: "isp_link_contract", on: "isp_link", columns: ["customerNumber", "linkedAt"])
        try db.create(table: "link_audit") { table in
            table.autoIncrementedPrimaryKey("id")
            table.column("at", .datetime).notNull()
            table.column("event", .text).notNull()
            table.column("linkNumber", .text).notNull()
            table.column("customerNumber", .text).notNull()
            table.column("carrierKey", .text).notNull()
            table.column("peerUID", .integer).notNull()
            table.column("detail", .text)
        }
    }
}
