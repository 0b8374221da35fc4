import Dispatch
import Foundation
import GRDB

/// What a service learns of its database before it writes anything: that the file, its
/// write-ahead log and its pages are sound, which key sealed it, and whether it holds any
/// row. Read through a read-only connection (which never checkpoints), so a refusal leaves
/// the files as they were.
public struct DatabaseInspection: Sendable {
    /// Whether the database file existed (false on a first start).
    public var exists: Bool
    /// The server key versions recorded in it (none on a first start).
    public var recordedKeys: [RecordedServerKey]
    /// Whether any table besides the migration record has a row.
    public var holdsRows: Bool
    /// Whether `quick_check` finished within its time limit (a big database is checked only
    /// partly at each start; damage in the rest is reported when a call reads it).
    public var checkedCompletely: Bool
    /// Whether `quick_check` was skipped because the file is exactly as the service left it
    /// at a clean stop (`CleanStopRecord`).
    public var unchangedSinceCleanStop = false

    /// A database that does not exist yet.
    public static let absent = DatabaseInspection(exists: false, recordedKeys: [], holdsRows: false, checkedCompletely: true)

    /// Inspects the database at `path`: its write-ahead log as a file (`WriteAheadLogCheck`),
    /// then `PRAGMA quick_check` stopped after `integrityCheckLimit` (unless the file is as a
    /// clean stop left it: `CleanStopRecord`), then its key record.
    /// Throws `StartupRefusal` naming the corruption.
    public static func inspect(path: String, integrityCheckLimit: Duration) throws -> DatabaseInspection {
        guard FileManager.default.fileExists(atPath: path) else {
            if let damage = WriteAheadLogCheck.damage(databasePath: path) {
                throw refusal(path, "the database file is missing and " + damage)
            }
            return .absent
        }
        if let damage = WriteAheadLogCheck.damage(databasePath: path) {
            throw refusal(path, damage)
        }
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(5)
        do {
            let unchanged = CleanStopRecord.matches(databasePath: path)
            let queue = try DatabaseQueue(path: path, configuration: configuration)
            let problems = unchanged ? ["ok"] : try quickCheck(queue, limit: integrityCheckLimit)
            if let problems, problems != ["ok"] {
                throw refusal(path, "PRAGMA quick_check found: " + problems.prefix(5).joined(separator: "; "))
            }
            let (recordedKeys, holdsRows) = try queue.read { db in
                (try ServerSecretRecord.recorded(in: db), try anyRow(db))
            }
            try queue.close()
            return DatabaseInspection(
                exists: true, recordedKeys: recordedKeys, holdsRows: holdsRows, checkedCompletely: problems != nil,
                unchangedSinceCleanStop: unchanged)
        } catch let error as DatabaseError where error.isCorruption {
            throw refusal(path, "SQLite reports \(error.resultCode.corruptionName ?? "\(error.resultCode)") (\(error.message ?? "no message"))")
        }
    }

    /// The rows `quick_check` reports (`["ok"]` when sound), or nil when the time limit
    /// interrupted it first.
    private static func quickCheck(_ queue: DatabaseQueue, limit: Duration) throws -> [String]? {
        let deadline = DispatchWorkItem { queue.interrupt() }
        let seconds = Double(limit.components.seconds) + Double(limit.components.attoseconds) / 1e18
        DispatchQueue.global().asyncAfter(deadline: .now() + seconds, execute: deadline)
        defer { deadline.cancel() }
        do {
            // At most 20 problems: enough to name the damage, quick to report.
            return try queue.read { try String.fetchAll($0, sql: "PRAGMA quick_check(20)") }
        } catch let error as DatabaseError where error.resultCode == .SQLITE_INTERRUPT {
            return nil
        } catch let error as DatabaseError where error.isCorruption {
            // Damage bad enough to stop the check (a page of no known type) is its finding.
            return ["\(error.resultCode.corruptionName ?? "") (\(error.message ?? "no message"))"]
        }
    }

    private static func anyRow(_ db: Database) throws -> Bool {
        let tables = try String.fetchAll(
            db,
            sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name != 'grdb_migrations'")
        for table in tables where try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM \"\(table)\")") == true {
            return true
        }
        return false
    }

    private static func refusal(_ path: String, _ finding: String) -> StartupRefusal {
        StartupRefusal(
            "database is corrupt: \(path): \(finding). Nothing was changed. Stop anything else using it, copy the "
                + "state folder aside, and restore the database from a backup (or recover what is readable with "
                + "sqlite3's .recover into a new file) before starting the service again")
    }
}

extension DatabaseError {
    /// Whether SQLite says the file is damaged or not a database at all.
    public var isCorruption: Bool { resultCode.corruptionName != nil }
}

extension ResultCode {
    /// `SQLITE_CORRUPT` or `SQLITE_NOTADB` when the code is one of them (extended or not).
    public var corruptionName: String? {
        switch primaryResultCode {
        case .SQLITE_CORRUPT: "SQLITE_CORRUPT"
        case .SQLITE_NOTADB: "SQLITE_NOTADB"
        default: nil
        }
    }
}
