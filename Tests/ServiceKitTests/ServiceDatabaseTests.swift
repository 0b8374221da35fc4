import Foundation
import GRDB
import ServiceKit
import TestSupport
import Testing

/// The SQLite side every service shares: durability and the key record.
@Suite struct ServiceDatabaseTests {
    @Test func theWriter_syncsTheLogAtEachCommit() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let secret = try ServerSecret.load(path: nil, stateDirectory: directory.path, createIfMissing: true)
        let database = try ServiceDatabase.open(path: directory.file("test.sqlite"), secret: secret) { _ in }
        // 2 is FULL: an acknowledged commit survives a power loss (NORMAL, 1, may not).
        #expect(try await database.write { try Int.fetchOne($0, sql: "PRAGMA synchronous") } == 2)
        #expect(try await database.read { try String.fetchOne($0, sql: "PRAGMA journal_mode") } == "wal")
        try database.close()
    }

    @Test func theKeyIsRecorded_andAnotherKeyIsRefused_whileTheFirstStillOpens() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("test.sqlite")
        #expect(try DatabaseInspection.inspect(path: path, integrityCheckLimit: .seconds(1)).exists == false)
        let (keys, toRecord) = try ServerSecretRecord.loadKeys(
            for: .absent, files: .stateFolder(directory.path), databasePath: path)
        #expect(toRecord == [1])
        try ServiceDatabase.open(path: path, keys: keys, recording: toRecord) { _ in }.close()

        let inspection = try DatabaseInspection.inspect(path: path, integrityCheckLimit: .seconds(1))
        #expect(inspection.recordedKeys.map(\.fingerprint) == [keys.current.fingerprint] && inspection.checkedCompletely)
        let other = directory.file("other")
        try Data(repeating: 7, count: 32).write(to: URL(fileURLWithPath: other))
        #expect(throws: StartupRefusal.self) {
            try ServerSecretRecord.loadKeys(for: inspection, files: .named([other]), databasePath: path)
        }
        let again = try ServerSecretRecord.loadKeys(for: inspection, files: .stateFolder(directory.path), databasePath: path)
        #expect(again.keys.current.fingerprint == keys.current.fingerprint && again.toRecord.isEmpty)
    }
}

@Suite struct PendingFailuresTests {
    /// Held failures are bounded by subject: past the limit a new subject is not held, one
    /// already held still counts, and a written failure frees its place.
    @Test func heldSubjects_areBounded() {
        let pending = PendingFailures(maximumSubjects: 2)
        #expect(pending.add("line:1") && pending.add("line:2"))
        #expect(!pending.add("line:3"))
        #expect(pending.count("line:3") == 0)
        #expect(pending.add("line:1") && pending.count("line:1") == 2)
        pending.remove("line:2", written: 1)
        #expect(pending.count("line:2") == 0 && pending.add("line:3"))
    }
}
