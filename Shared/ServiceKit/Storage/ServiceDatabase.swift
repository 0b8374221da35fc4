import Foundation
import GRDB

/// Opens a service's own SQLite database: WAL mode (readers never wait for the writer),
/// foreign keys on, a busy timeout, and its migrations applied in order.
///
/// Services reach their data through narrow store protocols of their own; this type is
/// only the SQLite side, so a server database can be added behind those protocols later.
public enum ServiceDatabase {
    /// Opens (creating if needed) the database at `path` and migrates it.
    public static func open(path: String, migrations: (inout DatabaseMigrator) -> Void) throws -> DatabasePool {
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true,
            attributes: [.posixPermissions: 0o700])
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        configuration.busyMode = .timeout(5)
        configuration.prepareDatabase { db in
            // Overwrite deleted content so that nothing removed lingers in free pages.
            try db.execute(sql: "PRAGMA secure_delete = ON")
        }
        let pool = try DatabasePool(path: path, configuration: configuration)
        var migrator = DatabaseMigrator()
        OutboxStore.registerMigrations(in: &migrator)
        ImportStore.registerMigrations(in: &migrator)
        AttemptThrottle.registerMigrations(in: &migrator)
        IdempotentCalls.registerMigrations(in: &migrator)
        migrations(&migrator)
        try migrator.migrate(pool)
        return pool
    }
}
