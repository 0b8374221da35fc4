import Foundation
import GRDB

/// Opens a service's own SQLite database: WAL mode (readers never wait for the writer),
/// `synchronous=FULL`, foreign keys on, a busy timeout, and its migrations applied in order.
///
/// Services reach their data through narrow store protocols of their own; this type is
/// only the SQLite side, so a server database can be added behind those protocols later.
public enum ServiceDatabase {
    /// Opens (creating if needed) the database at `path`, migrates it and records the
    /// fingerprints of the key versions `recording` of `keys` (none when the start-up
    /// inspection saw them all: then no write is needed at start). The folder must exist:
    /// a service never creates its state folder, so a lost one is never silently replaced
    /// by an empty one. Check the database first (`DatabaseInspection`,
    /// `ServerSecretRecord.loadKeys`).
    public static func open(
        path: String, keys: ServerKeys, recording: [Int], migrations: (inout DatabaseMigrator) -> Void
    ) throws -> DatabasePool {
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        configuration.busyMode = .timeout(5)
        configuration.prepareDatabase { db in
            // Overwrite deleted content so that nothing removed lingers in free pages.
            try db.execute(sql: "PRAGMA secure_delete = ON")
        }
        let pool = try DatabasePool(path: path, configuration: configuration)
        // An acknowledged commit is on disk: in WAL mode NORMAL (which GRDB sets on the pool's
        // one writer connection once it is open) syncs only at checkpoints, so a power loss
        // could undo a PIN failure, a lock, a code or an outbox message already answered
        // for. FULL syncs the log at each commit. Only the writer commits.
        try pool.writeWithoutTransaction { try $0.execute(sql: "PRAGMA synchronous = FULL") }
        var migrator = DatabaseMigrator()
        ServerSecretRecord.registerMigrations(in: &migrator)
        OutboxStore.registerMigrations(in: &migrator)
        ImportStore.registerMigrations(in: &migrator)
        SQLiteAttemptStore.registerMigrations(in: &migrator)
        IdempotentCalls.registerMigrations(in: &migrator)
        CustomerErasure.registerMigrations(in: &migrator)
        migrations(&migrator)
        try migrator.migrate(pool)
        if !recording.isEmpty { try pool.write { try ServerSecretRecord.record(recording, of: keys, in: $0) } }
        return pool
    }

    /// Opens the database at `path` with the one key `secret` (tests and tools), recording it.
    public static func open(
        path: String, secret: ServerSecret, migrations: (inout DatabaseMigrator) -> Void
    ) throws -> DatabasePool {
        try open(path: path, keys: ServerKeys(single: secret), recording: [1], migrations: migrations)
    }

    /// Hands SQLite's own error log to `faults`, so that a full disk, an I/O error or
    /// corruption met at run time, by a call or by background work, is logged by name once
    /// per incident. Must run before any connection opens; later calls change nothing.
    public static func reportStorageFaults(to faults: StorageFaults) {
        guard Database.logError == nil else { return }
        Database.logError = { code, _ in faults.record(code: code) }
    }
}
