import Foundation
import GRDB
import ServiceKit
import TestSupport
import Testing

/// Reads on the calling thread beside the service's pool.
@Suite struct InlineReadersTests {
    /// A service's database holding one row of one column (`counter.value`, 0), and
    /// `count` inline readers of it.
    func withDatabase(readers count: Int, _ body: (DatabasePool, InlineReaders) async throws -> Void) async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let secret = try ServerSecret.load(path: nil, stateDirectory: directory.path, createIfMissing: true)
        let pool = try ServiceDatabase.open(path: directory.file("test.sqlite"), secret: secret) { migrator in
            migrator.registerMigration("counter") { try $0.execute(sql: "CREATE TABLE counter (value INTEGER NOT NULL); INSERT INTO counter VALUES (0)") }
        }
        defer { try? pool.close() }
        try await body(pool, InlineReaders(path: directory.file("test.sqlite"), count: count))
    }

    /// Each read sees what the pool's writer committed before it, through every connection.
    @Test func aRead_seesTheLastCommit_onEveryConnection() async throws {
        try await withDatabase(readers: 3) { pool, readers in
            for value in 1...6 {
                try await pool.write { try $0.execute(sql: "UPDATE counter SET value = ?", arguments: [value]) }
                #expect(try readers.read { try Int.fetchOne($0, sql: "SELECT value FROM counter") } == value)
            }
            #expect(throws: DatabaseError.self, "read-only") { try readers.read { try $0.execute(sql: "UPDATE counter SET value = 0") } }
        }
    }

    /// Many tasks reading at once through a single inline connection, while others hold
    /// every reader of the pool with async reads, all finish: a read waits only for
    /// another read of its connection, not for the cooperative pool (a synchronous read
    /// through the pool could wait on a reader that only a cooperative thread releases).
    @Test(.timeLimit(.minutes(1))) func readsAtOnce_besideThePoolsAsyncReads_allFinish() async throws {
        try await withDatabase(readers: 1) { pool, readers in
            try await pool.write { try $0.execute(sql: "UPDATE counter SET value = 42") }
            let read = try await withThrowingTaskGroup(of: Int.self) { group in
                for index in 0..<400 {
                    if index.isMultiple(of: 2) {
                        group.addTask { try readers.read { try Int.fetchOne($0, sql: "SELECT value FROM counter") ?? 0 } }
                    } else {
                        group.addTask { try await pool.read { try Int.fetchOne($0, sql: "SELECT value FROM counter") ?? 0 } }
                    }
                }
                return try await group.reduce(0, +)
            }
            #expect(read == 400 * 42)
        }
    }

    /// A file that cannot be opened fails the read that needed it (the check it serves
    /// fails closed), and the next read opens it once it is there.
    @Test func aFileThatCannotBeOpened_failsTheRead_andTheNextReadTriesAgain() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("late.sqlite")
        let readers = InlineReaders(path: path, count: 1)
        #expect(throws: DatabaseError.self) { try readers.read { try Int.fetchOne($0, sql: "SELECT 1") } }
        let secret = try ServerSecret.load(path: nil, stateDirectory: directory.path, createIfMissing: true)
        try ServiceDatabase.open(path: path, secret: secret) { _ in }.close()
        #expect(try readers.read { try Int.fetchOne($0, sql: "SELECT 1") } == 1)
    }
}
