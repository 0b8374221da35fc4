import GRDB

/// The registration database: contracts (imported), My Page accounts, applications,
/// recoveries and carrier IDs. Secrets live in madoguchi-auth; links and tickets are
/// kept here only as keyed hashes.
enum RegistrationSchema {
    static func registerMigrations(in migrator: inout DatabaseMigrator) {
        // The first version, one function per part of the service it serves.
        migrator.registerMigration("registration-v1") { db in
            try createContracts(db)
            try createAccounts(db)
            try createApplications(db)
            try createRecoveries(db)
            try createCarrierIDs(db)
        }
        // Letters leave from a queue (`RecoveryLetters`) instead of inside the request:
        // the temporary password's hash no longer shows in the request's time. Letters
        // queued before this were sent with their request.
        migrator.registerMigration("registration-v2-letter-queue") { db in
            try db.alter(table: "letter_job") { table in
                table.add(column: "sentAt", .datetime)
                table.add(column: "retryAt", .datetime)
            }
            try db.execute(sql: "UPDATE letter_job SET sentAt = createdAt")
            try db.execute(sql: "CREATE INDEX letter_job_unsent ON letter_job (retryAt) WHERE sentAt IS NULL")
        }
        // A port-in carries its MNP reservation; applications from before have none, and
        // activate as they did.
        migrator.registerMigration("registration-v3-mnp-reservation") { db in
            try db.alter(table: "application") { table in
                table.add(column: "mnpReservationNumber", .text)
                table.add(column: "mnpLastValidDay", .text)
            }
        }
        // What expires is deleted by its time through these, not by a scan under the
        // writer: recovery links by retention (`RetentionPurge`), identity tickets and
        // carrier ID journeys as the next one is made.
        migrator.registerMigration("registration-v4-expiry-indexes") { db in
            try db.create(index: "recovery_link_expires", on: "recovery_link", columns: ["expiresAt"])
            try db.create(index: "identity_ticket_expires", on: "identity_ticket", columns: ["expiresAt"])
            try db.create(index: "carrier_journey_expires", on: "carrier_journey", columns: ["expiresAt"])
        }
    }

    /// Contract records (imported) and the identity check's tickets.
    private static func createContracts(_ db: Database) throws {
        try db.create(table: "contract") { table in
            table.primaryKey("customerNumber", .text)
            table.column("name", .text).notNull()
            table.column("kana", .text).notNull()
            table.column("birthDate", .text).notNull()
            table.column("email", .text)
            table.column("postalCode", .text)
            table.column("address", .text)
            table.column("services", .text).notNull()
            table.column("fingerprint", .text).notNull()
        }
        try db.create(index: "contract_email", on: "contract", columns: ["email"])
        try db.create(table: "contract_phone") { table in
            table.column("customerNumber", .text).notNull().references("contract", onDelete: .cascade)
            table.column("digits", .text).notNull()
            table.primaryKey(["customerNumber", "digits"])
        }
        try db.create(index: "contract_phone_digits", on: "contract_phone", columns: ["digits"])
        try db.create(table: "contract_sim") { table in
            table.primaryKey("iccid", .text)
            table.column("customerNumber", .text).notNull().references("contract", onDelete: .cascade)
        }
        try db.create(index: "contract_sim_customer", on: "contract_sim", columns: ["customerNumber"])

        try db.create(table: "identity_ticket") { table in
            table.primaryKey("ticketHash", .blob)
            table.column("customerNumber", .text).notNull()
            table.column("expiresAt", .datetime).notNull()
        }
    }

    /// My Page accounts: provisional until the mailed link is used, then active.
    private static func createAccounts(_ db: Database) throws {
        try db.create(table: "account") { table in
            table.primaryKey("accountKey", .text)
            table.column("accountId", .text).notNull()
            table.column("customerNumber", .text).notNull()
            table.column("email", .text).notNull()
            table.column("nickname", .text).notNull()
            table.column("state", .text).notNull()
            table.column("linkHash", .blob).unique()
            table.column("createdAt", .datetime).notNull()
            table.column("expiresAt", .datetime)
            table.column("activatedAt", .datetime)
        }
        try db.create(index: "account_customer", on: "account", columns: ["customerNumber"])
        try db.create(index: "account_email", on: "account", columns: ["email"])
    }

    /// Online applications, their history and identity documents.
    private static func createApplications(_ db: Database) throws {
        try db.create(table: "application") { table in
            table.primaryKey("receptionNumber", .text)
            table.column("phoneNumber", .text).notNull()
            table.column("name", .text).notNull()
            table.column("kana", .text).notNull()
            table.column("birthDate", .text).notNull()
            table.column("email", .text).notNull()
            table.column("portInNumber", .text)
            table.column("state", .text).notNull()
            table.column("note", .text)
            table.column("approvedAt", .datetime)
            table.column("trackingNumber", .text)
            table.column("lineNumber", .text)
            table.column("portedOutAt", .datetime)
            table.column("updatedAt", .datetime).notNull()
        }
        try db.create(table: "application_event") { table in
            table.autoIncrementedPrimaryKey("id")
            table.column("receptionNumber", .text).notNull().references("application")
            table.column("at", .datetime).notNull()
            table.column("state", .text).notNull()
            table.column("actor", .text).notNull()
            table.column("note", .text)
        }
        try db.create(index: "application_event_by", on: "application_event", columns: ["receptionNumber", "id"])
        try db.create(table: "application_document") { table in
            table.autoIncrementedPrimaryKey("id")
            table.column("receptionNumber", .text).notNull().references("application")
            table.column("documentType", .text).notNull()
            table.column("contentType", .text).notNull()
            table.column("bytes", .blob).notNull()
            table.column("uploadedAt", .datetime).notNull()
        }
    }

    /// Member recovery: mailed links and queued letters.
    private static func createRecoveries(_ db: Database) throws {
        try db.create(table: "recovery_link") { table in
            table.primaryKey("linkHash", .blob)
            table.column("accountKey", .text).notNull()
            table.column("expiresAt", .datetime).notNull()
            table.column("usedAt", .datetime)
        }
        try db.create(table: "letter_job") { table in
            table.autoIncrementedPrimaryKey("id")
            table.column("accountKey", .text).notNull()
            table.column("createdAt", .datetime).notNull()
            table.column("dueBy", .datetime).notNull()
        }
    }

    /// Carrier ID journeys and the IDs issued.
    private static func createCarrierIDs(_ db: Database) throws {
        try db.create(table: "carrier_journey") { table in
            table.primaryKey("journeyHash", .blob)
            table.column("email", .text).notNull()
            table.column("step", .text).notNull()
            table.column("carrierKey", .text)
            table.column("carrierId", .text)
            table.column("details", .text)
            table.column("updatedAt", .datetime).notNull()
            table.column("expiresAt", .datetime).notNull()
        }
        try db.create(index: "carrier_journey_id", on: "carrier_journey", columns: ["carrierKey"])
        try db.create(table: "carrier_id") { table in
            table.primaryKey("carrierKey", .text)
            table.column("carrierId", .text).notNull()
            table.column("email", .text).notNull()
            table.column("details", .text).notNull()
            table.column("shareWithLinking", .boolean).notNull()
            table.column("dontAskAgain", .boolean).notNull()
            table.column("issuedAt", .datetime).notNull()
        }
    }
}
