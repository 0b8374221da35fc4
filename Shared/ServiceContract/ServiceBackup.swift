import JSONRPC

/// `service.backup`: a consistent copy of the service's SQLite database, made while it
/// serves, in its state folder for the operator to take away (`madoctl backup`).
public enum ServiceBackup: RPCMethod {
    public static let name = "service.backup"
    public static let access = MethodAccess.operator
    public static let summary =
        "Operators only: a consistent copy of the service's database made while it serves (SQLite's VACUUM INTO), integrity-checked, in the state folder's backups/ (mode 0600); the server secret is not in it and is backed up separately."

    @WireObject
    public struct Result: Codable, Sendable, Hashable {
        /// The copy's path, in the service's state folder.
        public var file: String
        public var bytes: Int64
        /// `ok`, or what `PRAGMA integrity_check` found in the copy.
        public var integrity: String
    }

    public static var errors: [RPCError] {
        [
            RPCError(
                CommonReason.backupByPostgreSQL,
                message: "This service keeps its state in PostgreSQL: back it up with pg_basebackup and WAL archiving.")
        ]
    }
}

/// `service.check`: a full integrity check of the service's database.
public enum ServiceCheck: RPCMethod {
    public static let name = "service.check"
    public static let access = MethodAccess.operator
    public static let summary =
        "Operators only: a full integrity check of the service's database (SQLite's PRAGMA integrity_check, every page; on PostgreSQL, that the schema has exactly the migrations this build knows), while it serves."

    @WireObject
    public struct Result: Codable, Sendable, Hashable {
        @WireSchema(.enumeration(["sqlite", "postgres"]))
        public var engine: String
        public var ok: Bool
        /// What the check found (at most 100 lines); empty when `ok`.
        public var problems: [String]
    }
}
