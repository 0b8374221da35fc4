import Foundation
import GRDB
import Logging
import ServiceClient
import ServiceKit
import TestSupport
import Testing

/// The outbox over a real SQLite file and a real spool folder.
@Suite struct OutboxTests {
    struct Fixture {
        let directory: TemporaryDirectory
        let database: DatabasePool
        let outbox: Outbox
        let clock: FileClock
        var spool: String { directory.file("spool") }

        init() throws {
            directory = try TemporaryDirectory()
            try Data("2026-11-21T10:00:00+09:00".utf8).write(to: URL(fileURLWithPath: directory.file("clock")))
            clock = try FileClock(path: directory.file("clock"))
            // A service never creates its state folder.
            try FileManager.default.createDirectory(atPath: directory.file("state"), withIntermediateDirectories: false)
            let secret = try ServerSecret.load(path: nil, stateDirectory: directory.path, createIfMissing: true)
            database = try ServiceDatabase.open(path: directory.file("state/test.sqlite"), secret: secret) { _ in }
            outbox = Outbox(secret: secret, clock: clock)
        }

        func setClock(_ instant: String) throws {
            try Data(instant.utf8).write(to: URL(fileURLWithPath: directory.file("clock")))
        }

        func deliverer(_ transport: any OutboxTransport) -> OutboxDeliverer {
            OutboxDeliverer(database: database, outbox: outbox, clock: clock, transport: transport, logger: Logger(label: "outbox"))
        }

        var spoolTransport: SpoolTransport { SpoolTransport(directory: spool, serviceName: "test") }

        /// A deliverer whose mail goes to `sendmail -t -i` as the shell script `body`.
        func sendmailDeliverer(script body: String) throws -> (deliverer: OutboxDeliverer, script: String) {
            let script = directory.file("sendmail")
            try body.write(toFile: script, atomically: true, encoding: .utf8)
            chmod(script, 0o755)
            var options = try ServiceOptions.parse(["--mail-transport", "sendmail", "--sendmail-path", script])
            options.spoolDir = spool
            let transport = ConfiguredTransport(
                configuration: ServiceConfiguration(service: .auth, options: options, environment: [:]))
            return (deliverer(transport), script)
        }
    }

    let code = OutboxMessage(channel: .mail, to: "taro@example.jp", subject: "確認コード", body: "あなたの確認コードは 493817 です。")

    @Test func messageEnqueuedInARolledBackTransaction_isNeverSent() async throws {
        let fixture = try Fixture()
        defer { fixture.directory.remove() }
        struct Abort: Error {}
        _ = try? await fixture.database.write { db in
            try fixture.outbox.enqueue(code, in: db)
            throw Abort()
        }
        #expect(await fixture.deliverer(fixture.spoolTransport).deliverDue() == 0)
        #expect(SpoolReader.entries(in: fixture.spool).isEmpty)
    }

    @Test func committedMail_landsInTheMaildirAsRFC5322_andReadsBack() async throws {
        let fixture = try Fixture()
        defer { fixture.directory.remove() }
        try await fixture.database.write { db in try fixture.outbox.enqueue(code, in: db) }
        #expect(await fixture.deliverer(fixture.spoolTransport).deliverDue() == 1)
        let entries = SpoolReader.entries(in: fixture.spool)
        #expect(entries.count == 1)
        #expect(entries.first?.to == "taro@example.jp")
        #expect(entries.first?.subject == "確認コード")
        #expect(entries.first?.body == code.body)
        let file = try #require(entries.first?.file)
        #expect(file.hasPrefix("mail/new/"))
        let raw = try String(contentsOfFile: fixture.spool + "/" + file, encoding: .utf8)
        #expect(raw.contains("\r\nSubject: =?UTF-8?B?"))
        #expect(raw.contains("\r\nContent-Type: text/plain; charset=UTF-8\r\n"))
        #expect(raw.contains("Date: Sat, 21 Nov 2026 10:00:00 +0900"))
        // Delivered once: a second pass sends nothing more.
        #expect(await fixture.deliverer(fixture.spoolTransport).deliverDue() == 0)
    }

    @Test func smsVoiceAndLetters_landAsJSONFiles() async throws {
        let fixture = try Fixture()
        defer { fixture.directory.remove() }
        try await fixture.database.write { db in
            try fixture.outbox.enqueue(.init(channel: .sms, to: "09012345678", body: "認証コード 12345"), in: db)
            try fixture.outbox.enqueue(.init(channel: .voice, to: "0312345678", body: "認証コードは 1 2 3 4 5 です"), in: db)
            try fixture.outbox.enqueue(.init(channel: .letter, to: "東京都千代田区1-1", subject: "ご案内", body: "新しいパスワード"), in: db)
        }
        #expect(await fixture.deliverer(fixture.spoolTransport).deliverDue() == 3)
        let channels = SpoolReader.entries(in: fixture.spool).map(\.channel.rawValue).sorted()
        #expect(channels == ["letter", "sms", "voice"])
    }

    @Test func pendingMessage_survivesARestart() async throws {
        let directory: TemporaryDirectory
        do {
            let fixture = try Fixture()
            directory = fixture.directory
            try await fixture.database.write { db in try fixture.outbox.enqueue(code, in: db) }
            try fixture.database.close()
        }
        // A new process: the same files, opened again.
        let clock = try FileClock(path: directory.file("clock"))
        let secret = try ServerSecret.load(path: nil, stateDirectory: directory.path, createIfMissing: true)
        let database = try ServiceDatabase.open(path: directory.file("state/test.sqlite"), secret: secret) { _ in }
        let outbox = Outbox(secret: secret, clock: clock)
        let deliverer = OutboxDeliverer(
            database: database, outbox: outbox, clock: clock,
            transport: SpoolTransport(directory: directory.file("spool"), serviceName: "test"), logger: Logger(label: "outbox"))
        #expect(await deliverer.deliverDue() == 1)
        #expect(SpoolReader.entries(in: directory.file("spool")).first?.body == code.body)
        directory.remove()
    }

    @Test func sameDeduplicationKey_isEnqueuedOnce() async throws {
        let fixture = try Fixture()
        defer { fixture.directory.remove() }
        for _ in 0..<3 {
            try await fixture.database.write { db in try fixture.outbox.enqueue(code, deduplicationKey: "signup-42", in: db) }
        }
        #expect(await fixture.deliverer(fixture.spoolTransport).deliverDue() == 1)
    }

    @Test func deliveryRepeatedAfterACrash_addsNoSecondFile() async throws {
        let fixture = try Fixture()
        defer { fixture.directory.remove() }
        let date = Date()
        // As if the process died between writing the file and recording the delivery.
        try fixture.spoolTransport.deliver(code, id: 7, createdAt: date)
        try fixture.spoolTransport.deliver(code, id: 7, createdAt: date)
        #expect(SpoolReader.entries(in: fixture.spool).count == 1)
    }

    @Test func failedDelivery_isRetriedWithBackOff_onTheServiceClock() async throws {
        let fixture = try Fixture()
        defer { fixture.directory.remove() }
        // A real sendmail stand-in that fails until a flag file exists.
        let flag = fixture.directory.file("relay-up")
        let received = fixture.directory.file("received.eml")
        let (deliverer, _) = try fixture.sendmailDeliverer(
            script: """
                #!/bin/sh
                [ -e "\(flag)" ] || exit 75
                cat > "\(received)"
                """)
        try await fixture.database.write { db in try fixture.outbox.enqueue(code, in: db) }

        #expect(await deliverer.deliverDue() == 0)  // relay down: attempt 1 fails
        _ = FileManager.default.createFile(atPath: flag, contents: nil)
        #expect(await deliverer.deliverDue() == 0)  // not due yet: back-off of 5 s
        try fixture.setClock("2026-11-21T10:00:04+09:00")
        #expect(await deliverer.deliverDue() == 0)
        try fixture.setClock("2026-11-21T10:00:05+09:00")
        #expect(await deliverer.deliverDue() == 1)
        let mail = try String(contentsOfFile: received, encoding: .utf8)
        #expect(mail.contains("To: taro@example.jp"))
    }

    /// An hour's step back of the clock (the file rewritten) delays no retry past its
    /// back-off, and a message queued just before it is sent at once.
    @Test func clockMovedBackAnHour_delaysNoMessagePastItsBackOff() async throws {
        let fixture = try Fixture()
        defer { fixture.directory.remove() }
        // A sendmail stand-in that fails, replaced by one that works.
        let received = fixture.directory.file("received")
        let (deliverer, script) = try fixture.sendmailDeliverer(script: "#!/bin/sh\nexit 75\n")
        try await fixture.database.write { db in try fixture.outbox.enqueue(code, in: db) }
        #expect(await deliverer.deliverDue() == 0)  // attempt 1 fails at 10:00:00: retry at 10:00:05
        try fixture.setClock("2026-11-21T10:00:05+09:00")
        #expect(await deliverer.deliverDue() == 0)  // attempt 2 fails: retry at 10:00:15
        try fixture.setClock("2026-11-21T10:00:06+09:00")
        let second = OutboxMessage(channel: .mail, to: "hanako@example.jp", subject: "確認コード", body: "あなたの確認コードは 604152 です。")
        try await fixture.database.write { db in try fixture.outbox.enqueue(second, in: db) }  // due at 10:00:06

        try "#!/bin/sh\ncat >> \"\(received)\"\n".write(toFile: script, atomically: true, encoding: .utf8)
        chmod(script, 0o755)
        try fixture.setClock("2026-11-21T09:00:06+09:00")
        // The new message goes at once; the retry waits its back-off of 10 s from now.
        #expect(await deliverer.deliverDue() == 1)
        #expect(try String(contentsOfFile: received, encoding: .utf8).contains("To: hanako@example.jp"))
        try fixture.setClock("2026-11-21T09:00:15+09:00")
        #expect(await deliverer.deliverDue() == 0)
        try fixture.setClock("2026-11-21T09:00:16+09:00")
        #expect(await deliverer.deliverDue() == 1)
        #expect(try String(contentsOfFile: received, encoding: .utf8).contains("To: taro@example.jp"))
    }

    @Test func theDatabaseNeverHoldsTheMessageInClear() async throws {
        let fixture = try Fixture()
        defer { fixture.directory.remove() }
        try await fixture.database.write { db in try fixture.outbox.enqueue(code, in: db) }
        _ = try await fixture.database.writeWithoutTransaction { db in try db.checkpoint(.truncate) }
        // Control: the scan does find what is stored in clear (the channel column).
        #expect(try databaseFilesContain("mail", in: fixture.directory.file("state")))
        #expect(try !databaseFilesContain("493817", in: fixture.directory.file("state")))
        #expect(await fixture.deliverer(fixture.spoolTransport).deliverDue() == 1)
        #expect(try !databaseFilesContain("493817", in: fixture.directory.file("state")))
        #expect(try !databaseFilesContain("taro@example.jp", in: fixture.directory.file("state")))
    }

    private func databaseFilesContain(_ needle: String, in folder: String) throws -> Bool {
        for name in try FileManager.default.contentsOfDirectory(atPath: folder) {
            let data = try Data(contentsOf: URL(fileURLWithPath: folder + "/" + name))
            if data.range(of: Data(needle.utf8)) != nil { return true }
        }
        return false
    }
}
