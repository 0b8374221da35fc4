import Foundation
import GRDB
import JSONRPC
import PostgresNIO
import ServiceContract

/// Backups and integrity checks of a service's SQLite database while it serves.
enum DatabaseBackup {
    /// Copies the database with `VACUUM INTO` — a consistent snapshot read on a reader
    /// connection, so calls go on writing meanwhile — to
    /// `<state-dir>/backups/<service>-<UTC time>.sqlite` (mode 0600, synced), then checks
    /// the copy with `PRAGMA integrity_check`. The copy is made under a `.partial` name and
    /// renamed only once synced and checked: one that fails (a full disk) is removed,
    /// nothing half-written is left in `backups/` to be taken for a backup, an earlier
    /// backup of the same name is untouched, and the call answers `storage_unavailable`.
    static func backUp(_ database: DatabasePool, stateDirectory: String, service: String, now: Date) throws -> ServiceBackup.Result {
        let folder = stateDirectory + "/backups"
        if mkdir(folder, 0o700) != 0 && errno != EEXIST { throw BackupFileFault(errno: errno) }
        let stamp = ISO8601DateFormatter().string(from: now).replacingOccurrences(of: ":", with: "")
        let file = "\(folder)/\(service)-\(stamp).sqlite"
        // Each call its own partial file: two backups in one second never share one.
        let partial = file + "." + UUID().uuidString.prefix(8).lowercased() + ".partial"
        do {
            try database.unsafeRead { db in try db.execute(sql: "VACUUM INTO ?", arguments: [partial]) }
            chmod(partial, 0o600)
            try sync(partial)
            var configuration = Configuration()
            configuration.readonly = true
            let copy = try DatabaseQueue(path: partial, configuration: configuration)
            let problems = try copy.read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check(100)") }
            try copy.close()
            // A second backup in the same second replaces the first.
            guard rename(partial, file) == 0 else { throw BackupFileFault(errno: errno) }
            try sync(folder)
            let bytes = (try FileManager.default.attributesOfItem(atPath: file)[.size] as? NSNumber)?.int64Value ?? 0
            return ServiceBackup.Result(file: file, bytes: bytes, integrity: problems.joined(separator: "; "))
        } catch {
            unlink(partial)
            throw error
        }
    }

    /// Every page of the database checked (`PRAGMA integrity_check`), on a reader: what it
    /// found, at most 100 lines, or `["ok"]`.
    static func check(_ database: DatabasePool) throws -> [String] {
        try database.read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check(100)") }
    }

    /// The file's content (or the folder's entries) on disk before the backup is reported made.
    private static func sync(_ path: String) throws {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw BackupFileFault(errno: errno) }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else { throw BackupFileFault(errno: errno) }
    }
}

/// The backup's folder or file could not be made or synced: a storage fault like SQLite's
/// own (a full disk is `full`), answered `storage_unavailable`.
struct BackupFileFault: ClassifiedStorageFault, CustomStringConvertible {
    let errno: Int32
    var storageFaultKind: StorageFaults.Kind {
        switch errno {
        case ENOSPC, EDQUOT: .full
        case EROFS: .readOnly
        default: .ioError
        }
    }
    var description: String { "backup file: \(String(cString: strerror(errno)))" }
}

extension MethodRegistry {
    /// `service.backup` and `service.check`, for a service on `storage` (`migrations`: what
    /// its schema must have, when that is PostgreSQL).
    mutating func registerBackupMethods(
        storage: ServiceStorage, migrations: PostgresMigrator, configuration: ServiceConfiguration, clock: any ServiceClock
    ) {
        register(ServiceBackup.self) { _, context in
            guard case .sqlite(let database) = storage else {
                throw RPCError(
                    CommonReason.backupByPostgreSQL,
                    message: "This service keeps its state in PostgreSQL: back it up with pg_basebackup and WAL archiving.")
            }
            let result = try DatabaseBackup.backUp(
                database, stateDirectory: configuration.stateDirectory, service: configuration.serviceName, now: clock.now())
            context.logger.notice(
                "backup made", metadata: ["file": "\(result.file)", "bytes": "\(result.bytes)", "integrity": "\(result.integrity)", "uid": "\(context.peer.uid)"])
            return result
        }
        register(ServiceCheck.self) { _, context in
            switch storage {
            case .sqlite(let database):
                let found = try DatabaseBackup.check(database)
                if found != ["ok"] { context.logger.error("integrity check found damage", metadata: ["found": "\(found.prefix(5))"]) }
                return ServiceCheck.Result(engine: "sqlite", ok: found == ["ok"], problems: found == ["ok"] ? [] : found)
            case .postgres(let client, _):
                // Pages are PostgreSQL's to check (data checksums, amcheck); this checks what
                // is the service's: that its schema answers and has exactly the migrations
                // this build knows.
                let logger = context.logger
                let found = try await classifyingFaults(within: .seconds(5)) {
                    try await migrations.problems(client, logger: logger)
                }
                if !found.isEmpty { context.logger.error("schema check found problems", metadata: ["found": "\(found.prefix(5))"]) }
                return ServiceCheck.Result(engine: "postgres", ok: found.isEmpty, problems: Array(found.prefix(100)))
            }
        }
    }
}
