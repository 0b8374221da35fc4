import Foundation
import GRDB

/// The database's record of the key it is sealed with (`ServerSecret.fingerprint`), and the
/// rule that pairs a key with a database at start.
///
/// Every PIN and password hash, session token hash and outbox message depends on the key; a
/// database paired with another key starts fine and then fails every customer (each PIN
/// "incorrect", the right one three times locks the line, the outbox retries forever). So:
/// - a database with a recorded fingerprint starts only with the key that matches it; a
///   missing or different key is refused and nothing is written (no new `pepper` either);
/// - a database with no fingerprint and no row (a first start) takes the key it is given,
///   and `<state-dir>/pepper` is created for development when no `--secret-file` is named;
/// - a database older than the fingerprint that already holds rows records the fingerprint
///   of the key it starts with (there is no other way to learn which key it had), but only
///   of a key that exists: a missing `pepper` is never created beside such a database.
public enum ServerSecretRecord {
    static let table = "serverSecret"

    static func registerMigrations(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("server-secret-v1") { db in
            try db.create(table: table) { table in
                // One row: the key's fingerprint.
                table.primaryKey("id", .integer).check { $0 == 1 }
                table.column("fingerprint", .blob).notNull()
            }
        }
    }

    /// Records `secret`'s fingerprint unless one is recorded already (checked at start).
    static func record(_ secret: ServerSecret, in db: Database) throws {
        try db.execute(
            sql: "INSERT INTO \(table) (id, fingerprint) VALUES (1, ?) ON CONFLICT (id) DO NOTHING",
            arguments: [secret.fingerprint])
    }

    /// The key for the database `inspection` describes, by the rule above; throws
    /// `StartupRefusal` saying what to restore.
    public static func loadSecret(
        for inspection: DatabaseInspection, secretFile: String?, stateDirectory: String, databasePath: String
    ) throws -> ServerSecret {
        let file = secretFile ?? ServerSecret.defaultFile(in: stateDirectory)
        let firstStart = inspection.fingerprint == nil && !inspection.holdsRows
        guard firstStart || FileManager.default.fileExists(atPath: file) else {
            throw StartupRefusal(
                "the server secret \(file) is missing, but the database \(databasePath) holds data sealed with a "
                    + "key: a new key would make every stored PIN, password, session and queued message unusable. "
                    + "Nothing was changed. Restore the original key file (or name it with --secret-file) and start "
                    + "again")
        }
        let secret: ServerSecret
        do {
            secret = try ServerSecret.load(path: secretFile, stateDirectory: stateDirectory, createIfMissing: firstStart)
        } catch let error as ServerSecretError {
            throw StartupRefusal("\(error): name a file of at least 16 random bytes with --secret-file")
        }
        if let recorded = inspection.fingerprint, recorded != secret.fingerprint {
            throw StartupRefusal(
                "the server secret \(file) is not the key the database \(databasePath) was sealed with (its "
                    + "fingerprint differs): every stored PIN, password, session and queued message would be "
                    + "unusable. Nothing was changed. Start with the original key file (--secret-file, or systemd's "
                    + "LoadCredential=pepper:…)")
        }
        return secret
    }
}
