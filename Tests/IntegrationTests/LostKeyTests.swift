import AuthAPI
import Foundation
import GRDB
import JSONRPC
import MadoguchiModels
import Testing
import TestSupport

/// A database sealed with one key never starts with another (or none): the real
/// madoguchi-auth on real files, its key deleted, replaced or renamed between starts.
@Suite(.sandboxed) struct LostKeyTests {
    let line = try! PINSubject(validating: "line:09012345678")
    let right = try! PIN(validating: "4821")

    /// Starts auth, sets a PIN and stops it: a database holding a sealed secret.
    func authWithAPIN(_ sandbox: ServiceSandbox, extraArguments: [String] = []) async throws {
        let process = try await sandbox.startBound("auth", extraArguments: extraArguments)
        let auth = try await sandbox.client("auth")
        _ = try await auth.call(PINSet.self, .init(subject: line, kind: .network, pin: right))
        await auth.close()
        #expect(try await process.terminate() == 0)
    }

    /// Starts auth again and checks the PIN set before is still the right one.
    func rightPINStillVerifies(_ sandbox: ServiceSandbox, extraArguments: [String] = []) async throws {
        let process = try await sandbox.startBound("auth", extraArguments: extraArguments)
        let auth = try await sandbox.client("auth")
        let verified = try await auth.call(PINVerify.self, .init(subject: line, kind: .network, pin: right))
        #expect(verified.failures == 0 && verified.attemptsLeft == 3)
        await auth.close()
        #expect(try await process.terminate() == 0)
    }

    @Test func missingOrReplacedPepper_refusesToStart_andChangesNothing() async throws {
        let sandbox = try ServiceSandbox()
        try await authWithAPIN(sandbox)
        let folder = sandbox.root.file("auth")
        let pepper = folder + "/pepper"
        let original = try Data(contentsOf: URL(fileURLWithPath: pepper))

        try FileManager.default.removeItem(atPath: pepper)
        let before = StateFiles(folder, service: "auth")
        let missing = try await sandbox.refusedStart("auth")
        #expect(missing.status == 78)
        #expect(missing.log.contains("the server secret (pepper or pepper.N in the state folder \(folder)) is missing"), "\(missing.log)")
        #expect(missing.log.contains("Restore the original key file"))
        #expect(!FileManager.default.fileExists(atPath: pepper), "a new pepper was written")
        #expect(StateFiles(folder, service: "auth") == before)

        let other = Data((0..<32).map { _ in UInt8.random(in: 0...255) })
        try other.write(to: URL(fileURLWithPath: pepper))
        let replacedBefore = StateFiles(folder, service: "auth")
        let replaced = try await sandbox.refusedStart("auth")
        #expect(replaced.status == 78)
        #expect(replaced.log.contains("is not the key the database"), "\(replaced.log)")
        #expect(StateFiles(folder, service: "auth") == replacedBefore)

        try original.write(to: URL(fileURLWithPath: pepper))
        try await rightPINStillVerifies(sandbox)
    }

    @Test func anotherSecretFile_orNone_refusesToStart_andTheRightOneStillWorks() async throws {
        let sandbox = try ServiceSandbox()
        let keys = sandbox.root.file("keys")
        try FileManager.default.createDirectory(atPath: keys, withIntermediateDirectories: false)
        for name in ["a", "b"] {
            try Data((0..<32).map { _ in UInt8.random(in: 0...255) }).write(to: URL(fileURLWithPath: keys + "/" + name))
        }
        try await authWithAPIN(sandbox, extraArguments: ["--secret-file", keys + "/a"])
        let folder = sandbox.root.file("auth")
        let before = StateFiles(folder, service: "auth")

        let other = try await sandbox.refusedStart("auth", extraArguments: ["--secret-file", keys + "/b"])
        #expect(other.status == 78)
        #expect(other.log.contains("the server secret \(keys)/b is not the key"), "\(other.log)")
        // Without --secret-file the development pepper would be made: not beside this database.
        let none = try await sandbox.refusedStart("auth")
        #expect(none.status == 78)
        #expect(none.log.contains("is missing, but the database"), "\(none.log)")
        #expect(!FileManager.default.fileExists(atPath: folder + "/pepper"))
        #expect(StateFiles(folder, service: "auth") == before)

        // A wrong path to something endless is refused at once, not read to the end.
        let endless = try await sandbox.refusedStart("auth", extraArguments: ["--secret-file", "/dev/zero"])
        #expect(endless.status == 78)
        #expect(endless.log.contains("the server secret /dev/zero holds more than 1024 bytes: it is not a key file"), "\(endless.log)")
        #expect(StateFiles(folder, service: "auth") == before)

        try await rightPINStillVerifies(sandbox, extraArguments: ["--secret-file", keys + "/a"])
    }

    @Test func missingStateFolder_refusesToStart_andIsNotCreated() async throws {
        let sandbox = try ServiceSandbox()
        try await authWithAPIN(sandbox)
        // The whole folder lost (pepper and database), as after a wrong path or a wipe.
        let lost = sandbox.root.file("lost-auth")
        let refused = try await sandbox.refusedStart("auth", extraArguments: ["--state-dir", lost])
        #expect(refused.status == 78)
        #expect(refused.log.contains("the state folder \(lost) does not exist"), "\(refused.log)")
        #expect(!FileManager.default.fileExists(atPath: lost))
    }

    /// A database from before the fingerprint, holding rows, records the key it starts with;
    /// from then on it is refused without that key.
    @Test func databaseOlderThanTheFingerprint_recordsItsKey_thenRefusesAnother() async throws {
        let sandbox = try ServiceSandbox()
        try await authWithAPIN(sandbox)
        let folder = sandbox.root.file("auth")
        let database = try DatabaseQueue(path: folder + "/auth.sqlite")
        try await database.write { db in
            try db.execute(sql: "DROP TABLE serverSecret")
            try db.execute(sql: "DELETE FROM grdb_migrations WHERE identifier = 'server-secret-v1'")
        }
        try database.close()

        try await rightPINStillVerifies(sandbox)
        // Recorded: another key is now refused (before, it would have been recorded instead).
        let pepper = folder + "/pepper"
        let original = try Data(contentsOf: URL(fileURLWithPath: pepper))
        try Data((0..<32).map { _ in UInt8.random(in: 0...255) }).write(to: URL(fileURLWithPath: pepper))
        let refused = try await sandbox.refusedStart("auth")
        #expect(refused.status == 78)
        #expect(refused.log.contains("is not the key the database"), "\(refused.log)")
        try original.write(to: URL(fileURLWithPath: pepper))
    }
}
