import Foundation

/// A stored column whose values a server key made — a keyed hash, a password hash, a sealed
/// message — declared by each service (`ServiceDefinition.keyedColumns`) so that
/// `service.keys` can count, per key version, the records each key still protects.
public struct KeyedColumn: Sendable {
    /// How a value records its key version.
    public enum Form: Sendable {
        /// A `KeyedHash` (its length and first two bytes name the version).
        case hash
        /// A password hash (`$k2$scrypt$…`; without `$k…`, version 1).
        case passwordHash
        /// A version column beside the value (SQLite's name, PostgreSQL's name).
        case versionColumn(String, postgres: String)
    }

    /// What the records are, as `service.keys` reports them (`pin`, `session`…).
    public var records: String
    public var table: String
    public var column: String
    public var postgresTable: String
    public var postgresColumn: String
    public var form: Form

    /// `records` are the non-null values of `column` in `table` (SQLite) and of
    /// `postgresColumn` in `postgresTable` (PostgreSQL, in the service's schema).
    public init(
        _ records: String, table: String, column: String, postgresTable: String? = nil, postgresColumn: String? = nil,
        form: Form = .hash
    ) {
        self.records = records
        self.table = table
        self.column = column
        self.postgresTable = postgresTable ?? table
        self.postgresColumn = postgresColumn ?? column
        self.form = form
    }

    /// The columns every service has: its outbox and its idempotency records.
    static let shared: [KeyedColumn] = [
        KeyedColumn(
            "outbox", table: "outbox", column: "payload", form: .versionColumn("keyVersion", postgres: "key_version")),
        KeyedColumn("idempotency", table: "idempotent_call", column: "paramsHash", postgresColumn: "params_hash"),
    ]

    /// The query that counts the column's values by what names their version, in the
    /// SQLite file or (with `postgresSchema`) in PostgreSQL: rows of (length, prefix,
    /// count) for a hash, (prefix, count) for a password hash, (version, count) for a
    /// version column.
    func countQuery(postgresSchema: String?) -> String {
        let (table, column) = postgresSchema.map { ("\($0).\(postgresTable)", postgresColumn) } ?? (table, column)
        switch form {
        case .hash:
            return "SELECT length(\(column)), substr(\(column), 1, 2), count(*) FROM \(table) WHERE \(column) IS NOT NULL GROUP BY 1, 2"
        case .passwordHash:
            return "SELECT substr(\(column), 1, 8), count(*) FROM \(table) WHERE \(column) IS NOT NULL GROUP BY 1"
        case .versionColumn(let sqlite, let postgres):
            return "SELECT \(postgresSchema == nil ? sqlite : postgres), count(*) FROM \(table) WHERE \(column) IS NOT NULL GROUP BY 1"
        }
    }

    /// The key version a password hash's first 8 characters name.
    static func passwordKeyVersion(prefix: String) -> Int? {
        guard prefix.hasPrefix("$k") else { return prefix.hasPrefix("$scrypt$") ? 1 : nil }
        return Int(prefix.dropFirst(2).prefix { $0.isNumber })
    }
}

/// How many records each key version protects: version → records kind → count.
public typealias KeyUsage = [Int: [String: Int]]
