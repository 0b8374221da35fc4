import Foundation

/// The note a service leaves beside its database (`<database>-clean-stop`) when it stops
/// cleanly: the file's identity and last change as the kernel reports them (device, inode,
/// size, modification and status-change times, to the nanosecond).
///
/// The integrity check at start (`PRAGMA quick_check`) looks for damage done while the
/// service was not running: a crash or power loss mid-write, a disk fault, a file edited
/// or replaced by hand. After a clean stop with no storage fault, with the file exactly as
/// the note says — nothing has written, truncated, replaced or even touched its metadata
/// since (the status-change time cannot be set back) — and no write-ahead log left, there
/// was no such moment, so the next start skips the check and answers its first call
/// sooner: a cold start of a socket-activated service no longer reads the whole database.
/// Any doubt means a full check: no note, another file, a crash (the file changed after
/// the note, or a log is left), a fault met while running (no note is written).
///
/// What the note cannot see is a disk that silently returns other bytes than it was given
/// while the file was at rest; SQLite reports such damage when a call reads it (answered
/// `storage_unavailable` and logged as a corrupt database), and an unclean start checks
/// the whole file again.
struct CleanStopRecord: Codable, Equatable {
    var device: UInt64
    var inode: UInt64
    var size: Int64
    var modifiedNanoseconds: Int64
    var statusChangedNanoseconds: Int64

    /// Where the note of the database at `databasePath` is kept.
    static func path(forDatabase databasePath: String) -> String { databasePath + "-clean-stop" }

    /// The database file as it is now, or nil when it cannot be read.
    static func current(databasePath: String) -> CleanStopRecord? {
        var status = stat()
        guard stat(databasePath, &status) == 0 else { return nil }
        return CleanStopRecord(
            device: UInt64(status.st_dev), inode: UInt64(status.st_ino), size: Int64(status.st_size),
            modifiedNanoseconds: Int64(status.st_mtim.tv_sec) * 1_000_000_000 + Int64(status.st_mtim.tv_nsec),
            statusChangedNanoseconds: Int64(status.st_ctim.tv_sec) * 1_000_000_000 + Int64(status.st_ctim.tv_nsec))
    }

    /// Whether the database at `databasePath` is exactly as a clean stop left it, with no
    /// write-ahead log holding anything.
    static func matches(databasePath: String) -> Bool {
        // A note is ~150 bytes; anything larger (or a link to a device) is not one, and is
        // not read on: the start then checks in full, as without a note.
        guard let data = try? SmallFile.read(path(forDatabase: databasePath), limit: 4096),
            let recorded = try? JSONDecoder().decode(CleanStopRecord.self, from: data),
            recorded == current(databasePath: databasePath)
        else { return false }
        return logBytes(databasePath: databasePath) == 0
    }

    /// What the database's write-ahead log holds, in bytes (0 when there is none).
    private static func logBytes(databasePath: String) -> Int64 {
        var log = stat()
        return stat(databasePath + "-wal", &log) == 0 ? Int64(log.st_size) : 0
    }

    /// Notes the database at `databasePath` as it is now, after the service closed it.
    /// Written to a temporary file, synced and renamed over the old note, so a note is
    /// either whole or absent. Throws when the database has a write-ahead log left (another
    /// process still had it open) or the note cannot be written.
    static func write(databasePath: String) throws {
        let logged = logBytes(databasePath: databasePath)
        guard logged == 0 else { throw NotWritten(reason: "its write-ahead log still holds \(logged) bytes") }
        guard let record = current(databasePath: databasePath) else {
            throw NotWritten(reason: "the database file cannot be read: \(String(cString: strerror(errno)))")
        }
        let target = path(forDatabase: databasePath)
        let temporary = target + ".new"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw NotWritten(reason: "\(temporary): \(String(cString: strerror(errno)))") }
        let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        try handle.write(contentsOf: try JSONEncoder().encode(record))
        try handle.synchronize()
        try handle.close()
        guard rename(temporary, target) == 0 else { throw NotWritten(reason: "\(target): \(String(cString: strerror(errno)))") }
    }

    /// Removes the note once the start-up inspection has read it, so that a note on disk
    /// always means "the last run stopped cleanly". Were the removal to fail, the note
    /// would still not match the file after this run's first write.
    static func discard(databasePath: String) {
        unlink(path(forDatabase: databasePath))
    }

    /// Why no note was left.
    struct NotWritten: Error, CustomStringConvertible {
        var reason: String
        var description: String { "no clean-stop note: \(reason)" }
    }
}
