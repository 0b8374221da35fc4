import AuthAPI
import Foundation
import JSONRPC
import MadoguchiModels
import Testing
import TestSupport

/// Damage to a stopped service's database files is noticed at start, named, and refused,
/// instead of starting on what SQLite silently makes of it: the real madoguchi-auth on
/// real files, bytes flipped in a page or in the write-ahead log, the log cut short.
@Suite(.sandboxed) struct DamagedDatabaseTests {
    let line = try! PINSubject(validating: "line:09012345678")
    let right = try! PIN(validating: "4821")
    let wrong = try! PIN(validating: "1593")

    @Test func flippedBytesInAPage_orTheHeader_refuseToStart_namingTheCorruption() async throws {
        let sandbox = try ServiceSandbox()
        let process = try await sandbox.startBound("auth")
        let auth = try await sandbox.client("auth")
        _ = try await auth.call(PINSet.self, .init(subject: line, kind: .network, pin: right))
        await auth.close()
        #expect(try await process.terminate() == 0)
        let folder = sandbox.root.file("auth")
        let database = folder + "/auth.sqlite"
        // The clean stop left its note, yet the damage below is found: the file changed since.
        #expect(FileManager.default.fileExists(atPath: database + "-clean-stop"))
        try FileDamage.checkpoint(database)

        // The PIN table's page: a disk fault in committed data.
        let page = try FileDamage.rootPageOffset(of: "pin", in: database)
        try FileDamage.flip(database, at: page, count: 8)
        let before = StateFiles(folder, service: "auth")
        let damagedPage = try await sandbox.refusedStart("auth")
        #expect(damagedPage.status == 78)
        #expect(damagedPage.log.contains("database is corrupt: \(database): PRAGMA quick_check found"), "\(damagedPage.log)")
        #expect(damagedPage.log.contains("restore the database from a backup"))
        #expect(StateFiles(folder, service: "auth") == before)
        try FileDamage.flip(database, at: page, count: 8)

        // The file header: not a database any more.
        try FileDamage.flip(database, at: 0, count: 16)
        let damagedHeader = try await sandbox.refusedStart("auth")
        #expect(damagedHeader.status == 78)
        #expect(damagedHeader.log.contains("database is corrupt: \(database): SQLite reports SQLITE_NOTADB"), "\(damagedHeader.log)")
        try FileDamage.flip(database, at: 0, count: 16)

        // Repaired, it starts and holds what it held.
        let again = try await sandbox.startBound("auth")
        let client = try await sandbox.client("auth")
        #expect(try await client.call(PINVerify.self, .init(subject: line, kind: .network, pin: right)).failures == 0)
        await client.close()
        #expect(try await again.terminate() == 0)
    }

    @Test func damagedOrTruncatedWriteAheadLog_refusesToStart_insteadOfDroppingCommits() async throws {
        let sandbox = try ServiceSandbox()
        let process = try await sandbox.startBound("auth")
        let auth = try await sandbox.client("auth")
        _ = try await auth.call(PINSet.self, .init(subject: line, kind: .network, pin: right))
        for _ in 0..<2 {
            _ = await refusal { try await auth.call(PINVerify.self, .init(subject: line, kind: .network, pin: self.wrong)) }
        }
        await auth.close()
        // Killed: the committed transactions are in the log, not yet in the database file.
        process.signal(SIGKILL)
        _ = try await process.waitForExit()
        let folder = sandbox.root.file("auth")
        let wal = folder + "/auth.sqlite-wal"
        let log = try Data(contentsOf: URL(fileURLWithPath: wal))
        let pageSize = Int(log[8]) << 24 | Int(log[9]) << 16 | Int(log[10]) << 8 | Int(log[11])
        let frameSize = 24 + pageSize
        let frames = (log.count - 32) / frameSize
        try #require(frames >= 3, "the log holds \(frames) frames")

        // A flipped byte in the first frame's page: SQLite would drop the whole log.
        try FileDamage.flip(wal, at: 32 + 24 + 100, count: 4)
        let before = StateFiles(folder, service: "auth")
        let damaged = try await sandbox.refusedStart("auth")
        #expect(damaged.status == 78)
        #expect(damaged.log.contains("database is corrupt"), "\(damaged.log)")
        #expect(damaged.log.contains("write-ahead log \(wal) is damaged at frame 1"), "\(damaged.log)")
        #expect(StateFiles(folder, service: "auth") == before)
        try FileDamage.flip(wal, at: 32 + 24 + 100, count: 4)

        // The last frame cut off: SQLite would drop the last failure.
        try FileHandle(forWritingTo: URL(fileURLWithPath: wal)).truncate(atOffset: UInt64(32 + (frames - 1) * frameSize))
        let truncated = try await sandbox.refusedStart("auth")
        #expect(truncated.status == 78)
        #expect(truncated.log.contains("but the log index says"), "\(truncated.log)")
        try log.write(to: URL(fileURLWithPath: wal))

        // The log whole again: both failures are still counted.
        let again = try await sandbox.startBound("auth")
        let client = try await sandbox.client("auth")
        #expect(try await client.call(PINStatusMethod.self, .init(subject: line, kind: .network)).failures == 2)
        await client.close()
        #expect(try await again.terminate() == 0)
    }

    /// No false alarm: a log SQLite restarted after a checkpoint keeps older frames behind
    /// the current ones, and a kill leaves it so; the service starts on it with every commit.
    @Test func aLogWithOlderFramesBehindTheCurrentOnes_afterAKill_startsWithEveryCommit() async throws {
        let sandbox = try ServiceSandbox()
        let process = try await sandbox.startBound("auth")
        let auth = try await sandbox.client("auth")
        // Enough writes to pass the 1,000-page automatic checkpoint, so the log restarts.
        let lines = (0..<600).map { try! PINSubject(validating: "line:0901\(String(format: "%07d", $0))") }
        for subject in lines {
            _ = try await auth.call(PINSet.self, .init(subject: subject, kind: .network, pin: right))
        }
        await auth.close()
        process.signal(SIGKILL)
        _ = try await process.waitForExit()
        let wal = sandbox.root.file("auth") + "/auth.sqlite-wal"
        let log = try Data(contentsOf: URL(fileURLWithPath: wal))
        let frameSize = 24 + (Int(log[8]) << 24 | Int(log[9]) << 16 | Int(log[10]) << 8 | Int(log[11]))
        let salts = log[16..<24]
        let frames = (log.count - 32) / frameSize
        let current = (0..<frames).prefix { log[32 + $0 * frameSize + 8..<32 + $0 * frameSize + 16] == salts }.count
        try #require(current < frames, "the log never restarted: \(frames) frames, all current")

        let again = try await sandbox.startBound("auth")
        let client = try await sandbox.client("auth")
        for subject in [lines[0], lines[599]] {
            #expect(try await client.call(PINStatusMethod.self, .init(subject: subject, kind: .network)).isSet)
        }
        await client.close()
        #expect(try await again.terminate() == 0)
    }

    /// Damage met while the service runs (a page no connection had read yet) is logged by
    /// name, once, and the call is answered `storage_unavailable`, not an internal error.
    @Test func corruptionMetWhileRunning_isLoggedAsADatabaseIsCorrupt() async throws {
        let sandbox = try ServiceSandbox()
        let first = try await sandbox.startBound("auth")
        let auth = try await sandbox.client("auth")
        _ = try await auth.call(PINSet.self, .init(subject: line, kind: .network, pin: right))
        await auth.close()
        #expect(try await first.terminate() == 0)
        let database = sandbox.root.file("auth") + "/auth.sqlite"
        try FileDamage.checkpoint(database)
        let page = try FileDamage.rootPageOffset(of: "pin", in: database)

        let process = try await sandbox.startBound("auth")
        try FileDamage.flip(database, at: page, count: 8)
        let client = try await sandbox.client("auth")
        let error = await refusal { try await client.call(PINVerify.self, .init(subject: line, kind: .network, pin: right)) }
        #expect(error?.reason == "storage_unavailable")
        _ = await refusal { try await client.call(PINVerify.self, .init(subject: line, kind: .network, pin: right)) }
        await client.close()
        #expect(try await process.terminate() == 0)
        let named = "storage fault: database is corrupt: stop the service and restore the database from a backup"
        #expect(process.log.components(separatedBy: named).count - 1 == 1, "\(process.log)")
        // A stop after a fault leaves no clean-stop note: the next start checks every page.
        #expect(!FileManager.default.fileExists(atPath: database + "-clean-stop"))
        #expect(process.log.contains("the next start checks the whole database"), "\(process.log)")
        try FileDamage.flip(database, at: page, count: 8)
    }

    /// A start after a clean stop, on a file nothing has touched since, skips the integrity
    /// check (a cold start then reads no more of the database than its first call needs);
    /// a start after a kill checks again, and so does one after the file was copied back.
    @Test func onlyAFileAsACleanStopLeftIt_skipsTheCheckAtStart() async throws {
        let sandbox = try ServiceSandbox()
        let skipped = "the integrity check at start is not needed"
        let database = sandbox.root.file("auth") + "/auth.sqlite"
        let first = try await sandbox.startBound("auth")
        let auth = try await sandbox.client("auth")
        _ = try await auth.call(PINSet.self, .init(subject: line, kind: .network, pin: right))
        await auth.close()
        #expect(try await first.terminate() == 0)
        #expect(!first.log.contains(skipped), "a first start has no note to trust")

        let afterCleanStop = try await sandbox.startBound("auth")
        #expect(afterCleanStop.log.contains(skipped), "\(afterCleanStop.log)")
        let client = try await sandbox.client("auth")
        _ = await refusal { try await client.call(PINVerify.self, .init(subject: line, kind: .network, pin: self.wrong)) }
        await client.close()
        // Killed after a write: the log holds the commit, the note no longer matches.
        afterCleanStop.signal(SIGKILL)
        _ = try await afterCleanStop.waitForExit()

        let afterKill = try await sandbox.startBound("auth")
        #expect(!afterKill.log.contains(skipped), "\(afterKill.log)")
        let checked = try await sandbox.client("auth")
        #expect(try await checked.call(PINStatusMethod.self, .init(subject: line, kind: .network)).failures == 1)
        await checked.close()
        #expect(try await afterKill.terminate() == 0)

        // The same bytes copied back over the file (a restore): another inode, checked again.
        let copy = database + ".copy"
        try FileManager.default.copyItem(atPath: database, toPath: copy)
        try FileManager.default.removeItem(atPath: database)
        try FileManager.default.moveItem(atPath: copy, toPath: database)
        let afterRestore = try await sandbox.startBound("auth")
        #expect(!afterRestore.log.contains(skipped), "\(afterRestore.log)")
        #expect(try await afterRestore.terminate() == 0)
    }

    /// A note that is no note — here a 2 GiB file (sparse: it takes no disk) — is not read
    /// past a few kilobytes: the service starts, checks in full and answers, without ever
    /// holding the file in memory.
    @Test func aHugeCleanStopNote_isNotReadOn_andTheStartChecksInFull() async throws {
        let sandbox = try ServiceSandbox()
        let note = sandbox.root.file("auth") + "/auth.sqlite-clean-stop"
        let first = try await sandbox.startBound("auth")
        #expect(try await first.terminate() == 0)
        let handle = try #require(FileHandle(forWritingAtPath: note))
        try handle.truncate(atOffset: 2 << 30)
        try handle.close()

        let started = try await sandbox.startBound("auth")
        #expect(!started.log.contains("the integrity check at start is not needed"), "\(started.log)")
        let client = try await sandbox.client("auth")
        _ = try await client.call(PINSet.self, .init(subject: line, kind: .network, pin: right))
        await client.close()
        // The most memory the service ever held: a read of the note would be 2 GiB of it.
        let status = try String(contentsOfFile: "/proc/\(started.pid)/status", encoding: .utf8)
        let peakKiB = status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") }
            .flatMap { Int($0.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") }
        #expect((peakKiB ?? .max) < 512 << 10, "peak resident memory \(peakKiB.map { "\($0) KiB" } ?? "unknown")")
        #expect(try await started.terminate() == 0)
    }
}
