import Foundation
import GRDB

/// The SQLite file's record of the server keys it is sealed with (`ServerKeyRule`): each
/// version's fingerprint (`ServerSecret.fingerprint`) and whether it is retired.
///
/// - a database with no recorded key and no row (a first start) takes the keys it is
///   given, and `<state-dir>/pepper` is created for development when there are none;
/// - a database older than the fingerprint that already holds rows records the keys it
///   starts with (there is no other way to learn which key it had), but only keys that
///   exist: a missing `pepper` is never created beside such a database;
/// - otherwise `ServerKeyRule` decides.
public enum ServerSecretRecord {
    /// The first record, of the one key there was (version 1), kept for databases made
    /// before keys had versions; `serverKey` holds every version since.
    static let table = "serverSecret"
    static let keysTable = "serverKey"

    static func registerMigrations(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("server-secret-v1") { db in
            try db.create(table: table) { table in
                // One row: the key's fingerprint.
                table.primaryKey("id", .integer).check { $0 == 1 }
                table.column("fingerprint", .blob).notNull()
            }
        }
        // Key rotation (issue 26): one row per key version; the one key recorded before is version 1.
        migrator.registerMigration("server-keys-v1") { db in
            try db.create(table: keysTable) { table in
                table.primaryKey("version", .integer)
                table.column("fingerprint", .blob).notNull()
                table.column("retiredAt", .datetime)
                table.column("retiredBy", .integer)
            }
            try db.execute(sql: "INSERT INTO \(keysTable) (version, fingerprint) SELECT 1, fingerprint FROM \(table)")
        }
    }

    /// Records the fingerprints of `versions` of `keys` (those not recorded yet).
    static func record(_ versions: [Int], of keys: ServerKeys, in db: Database) throws {
        for version in versions {
            try db.execute(
                sql: "INSERT INTO \(keysTable) (version, fingerprint) VALUES (?, ?) ON CONFLICT (version) DO NOTHING",
                arguments: [version, try keys.secret(version).fingerprint])
        }
    }

    /// The key versions recorded in `db`, oldest first: from `serverKey`, or for a
    /// database older than it, its one key as version 1.
    static func recorded(in db: Database) throws -> [RecordedServerKey] {
        if try db.tableExists(keysTable) {
            return try Row.fetchAll(db, sql: "SELECT version, fingerprint, retiredAt FROM \(keysTable) ORDER BY version").map {
                RecordedServerKey(version: $0["version"], fingerprint: $0["fingerprint"], retiredAt: $0["retiredAt"])
            }
        }
        guard try db.tableExists(table), let fingerprint = try Data.fetchOne(db, sql: "SELECT fingerprint FROM \(table)") else {
            return []
        }
        return [RecordedServerKey(version: 1, fingerprint: fingerprint, retiredAt: nil)]
    }

    /// The keys for the database `inspection` describes, by the rules above, and the
    /// versions to record; throws `StartupRefusal` saying what to restore.
    public static func loadKeys(
        for inspection: DatabaseInspection, files source: ServerKeyFiles, databasePath: String
    ) throws -> (keys: ServerKeys, toRecord: [Int]) {
        let firstStart = inspection.recordedKeys.isEmpty && !inspection.holdsRows
        var files = try source.files()
        if files.isEmpty, firstStart, case .stateFolder(let folder) = source {
            do {
                _ = try ServerSecret.load(path: nil, stateDirectory: folder, createIfMissing: true)
            } catch let error as ServerSecretError {
                throw StartupRefusal("\(error): name a file of at least 16 random bytes with --secret-file")
            }
            files = try source.files()
        }
        guard !files.isEmpty else {
            throw StartupRefusal(
                "the server secret (\(source.describedForOperators)) is missing, but the database \(databasePath) holds "
                    + "data sealed with a key: a new key would make every stored PIN, password, session and queued "
                    + "message unusable. Nothing was changed. Restore the original key file (or name it with "
                    + "--secret-file) and start again")
        }
        return try ServerKeyRule.keys(
            held: try ServerKeyRule.load(files), recorded: inspection.recordedKeys, files: files,
            database: "the database \(databasePath)")
    }
}

extension ServerKeyFiles {
    /// Where the keys were looked for, as a refusal says it.
    var describedForOperators: String {
        switch self {
        case .named(let paths): "named: " + paths.joined(separator: ", ")
        case .credentials(let folder): "pepper or pepper.N in the credentials folder \(folder)"
        case .stateFolder(let folder): "pepper or pepper.N in the state folder \(folder)"
        }
    }
}
