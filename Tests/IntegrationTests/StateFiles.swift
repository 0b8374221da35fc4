import Foundation
import GRDB
import TestSupport

/// What a refused start must leave as it was: the database file, its write-ahead log (a
/// missing one counts as empty: a reader may create an empty log) and the key files of a
/// state folder. The `-shm` index is left out: every opener rebuilds it from the log.
struct StateFiles: Equatable, CustomStringConvertible {
    let files: [String: Data]

    init(_ folder: String, service: String) {
        var files: [String: Data] = [:]
        for name in [service + ".sqlite", service + ".sqlite-wal", "pepper"] {
            let contents = FileManager.default.contents(atPath: folder + "/" + name)
            if let contents, !(name.hasSuffix("-wal") && contents.isEmpty) { files[name] = contents }
        }
        self.files = files
    }

    var description: String { files.map { "\($0.key): \($0.value.count) bytes" }.sorted().joined(separator: ", ") }
}

extension ServiceSandbox {
    /// Starts `madoguchi-<service>` (binding its own socket) on a state it should refuse and
    /// returns its exit status and log once it has exited.
    func refusedStart(_ service: String, extraArguments: [String] = []) async throws -> (status: Int32, log: String) {
        let child = try await startBound(service, extraArguments: extraArguments, waitForSocket: false)
        let status = try await child.waitForExit(timeout: .seconds(30))
        return (status, child.log)
    }
}

/// Edits a stopped service's files as a disk fault or a careless operator would.
enum FileDamage {
    /// Inverts `count` bytes of `path` from `offset` (running it twice restores them).
    static func flip(_ path: String, at offset: Int, count: Int) throws {
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        try handle.seek(toOffset: UInt64(offset))
        let bytes = try handle.read(upToCount: count) ?? Data()
        try handle.seek(toOffset: UInt64(offset))
        try handle.write(contentsOf: Data(bytes.map { ~$0 }))
    }

    /// Copies every log frame into the database file and removes the log, so that the
    /// file alone holds the data (a damaged page then is damage to committed data).
    static func checkpoint(_ database: String) throws {
        let queue = try DatabaseQueue(path: database)
        try queue.writeWithoutTransaction { try $0.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
        try queue.close()
    }

    /// The byte offset of the root page of `table`, read with the service stopped.
    static func rootPageOffset(of table: String, in database: String) throws -> Int {
        var configuration = Configuration()
        configuration.readonly = true
        let queue = try DatabaseQueue(path: database, configuration: configuration)
        defer { try? queue.close() }
        return try queue.read { db in
            let pageSize = try Int.fetchOne(db, sql: "PRAGMA page_size") ?? 4096
            let root = try Int.fetchOne(db, sql: "SELECT rootpage FROM sqlite_master WHERE name = ?", arguments: [table]) ?? 0
            return (root - 1) * pageSize
        }
    }
}
