import Foundation
import JSONRPC
import TestSupport
import Testing

/// The outbox an operator can see and steer, through madoctl against the real auth: a
/// message whose channel keeps failing (a real sendmail that exits 1) is set aside as dead
/// after its last allowed attempt while the others are delivered, is listed with where it
/// goes and why it failed but never what it says, and is requeued or dropped, audited.
@Suite(.sandboxed) struct OutboxOperationsTests {
    @Test(arguments: StorageEngine.allCases) func aFailingMessage_isSetAsideDead_withoutHoldingUpOthers_thenRequeuedOrDropped(
        _ engine: StorageEngine
    ) async throws {
        let sandbox = try await ServiceSandbox.make(engine: engine)
        let failingMail = ["--mail-transport", "sendmail", "--sendmail-path", "/bin/false", "--outbox-max-attempts", "3"]
        let auth = try await sandbox.startActivated("auth", extraArguments: failingMail)
        for to in ["ichiro@example.jp", "jiro@example.jp"] {
            let issued = try await sandbox.madoctl(["otp", "issue", "signup", "--channel", "mail", "--to", to])
            #expect(issued.status == 0, "\(issued.stderr)")
        }
        let sms = try await sandbox.madoctl(["otp", "issue", "signup", "--channel", "sms", "--to", "090-1111-2222"])
        #expect(sms.status == 0, "\(sms.stderr)")
        // The SMS leaves at once: the failing mails hold nothing up.
        _ = try await sandbox.code(to: "09011112222")

        // Each failure waits its back-off on the service clock: move it on an hour at a
        // time until both mails have had their three attempts.
        var hours = 0
        try await waitUntil("both mails to be set aside as dead") {
            hours += 1
            try sandbox.setClock(String(format: "2026-11-21T%02d:00:00+09:00", 12 + min(hours, 11)))
            let dead = try await sandbox.madoctl(["outbox", "queue", "auth", "--dead", "--json"])
            return dead.stdout.components(separatedBy: #""deadAt""#).count == 3
        }
        let dead = try await sandbox.madoctl(["outbox", "queue", "auth", "--dead"])
        #expect(dead.status == 0)
        #expect(dead.stdout.contains("[mail] to ichiro@example.jp, 3 attempts, dead since"), "\(dead.stdout)")
        #expect(dead.stdout.contains("last error:"), "\(dead.stdout)")
        let json = try await sandbox.madoctl(["outbox", "queue", "auth", "--dead", "--json"])
        #expect(!json.stdout.contains("body") && !json.stdout.contains("確認コード"), "the content was shown: \(json.stdout)")
        #expect(try await sandbox.madoctl(["outbox", "queue", "auth"]).stdout.contains("Nothing waits to be sent."))
        let ids = try Self.ids(json.stdout)
        let (ichiro, jiro) = (try #require(ids["ichiro@example.jp"]), try #require(ids["jiro@example.jp"]))

        // Only operators.
        let byNobody = try await sandbox.madoctlAsNobody(
            "auth", ["outbox", "requeue", "auth", "\(ichiro)", "--runtime-dir", sandbox.runtimeDirectory])
        #expect(byNobody.status == 1 && byNobody.stderr.contains("operator_only"), "\(byNobody)")

        // Jiro's is dropped; dropped, it is no dead message any more.
        #expect(try await sandbox.madoctl(["outbox", "drop", "auth", "\(jiro)"]).stdout.contains("#\(jiro) dropped"))
        let again = try await sandbox.madoctl(["outbox", "requeue", "auth", "\(jiro)"])
        #expect(again.status == 1 && again.stderr.contains("outbox_message_not_dead"), "\(again)")

        // Mail works again (auth restarted on the spool): ichiro's, requeued, is delivered.
        #expect(try await auth.terminate() == 0)
        _ = try await sandbox.startActivated("auth")
        #expect(try await sandbox.madoctl(["outbox", "requeue", "auth", "\(ichiro)"]).stdout.contains("#\(ichiro) requeued"))
        _ = try await sandbox.code(to: "ichiro@example.jp")
        #expect(sandbox.messages(to: "jiro@example.jp").isEmpty)

        let audit = try await sandbox.madoctl(["outbox", "audit", "auth"])
        #expect(audit.stdout.contains("#\(ichiro) [mail] requeued by uid 0"), "\(audit.stdout)")
        #expect(audit.stdout.contains("#\(jiro) [mail] dropped by uid 0"), "\(audit.stdout)")
    }

    /// Each dead message's id by recipient, from `outbox queue --json`.
    static func ids(_ json: String) throws -> [String: Int64] {
        let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
        let messages = object?["messages"] as? [[String: Any]] ?? []
        return Dictionary(
            messages.compactMap { message in (message["to"] as? String).map { ($0, (message["id"] as? NSNumber)?.int64Value ?? 0) } },
            uniquingKeysWith: { first, _ in first })
    }
}
