import AuthAPI
import BillingAPI
import Foundation
import JSONRPC
import JSONRPCTransport
import MadoguchiModels
import TestSupport
import Testing

/// Backups made while the services serve, restored into a fresh installation as README
/// "Backup and restore" says: the restored services answer exactly as at the backup —
/// PIN failures and locks, sessions, statements — and a backup without its key does not
/// start at all.
@Suite(.sandboxed) struct BackupRestoreTests {
    let locked = PINSubject.line(try! PhoneNumber(validating: "09012345678"))
    let failing = PINSubject.line(try! PhoneNumber(validating: "08011112222"))
    let right = try! PIN(validating: "4821")
    let wrong = try! PIN(validating: "1593")

    @Test func backupsMadeWhileServing_restoreIntoAFreshInstallation_answeringAsBefore() async throws {
        let fixture = try await BillingFixture(engine: .sqlite)
        let imported = try await fixture.importStatements(BillingFixture.months(from: (2026, 1), through: (2026, 11)).map {
            BillingFixture.monthly("12345", $0)
        })
        #expect(imported.status == 0, "\(imported.stderr)")
        let auth = try await fixture.sandbox.client("auth")
        for subject in [locked, failing] { _ = try await auth.call(PINSet.self, .init(subject: subject, kind: .network, pin: right)) }
        for _ in 0..<3 { _ = await refusal { try await auth.call(PINVerify.self, .init(subject: locked, kind: .network, pin: wrong)) } }
        _ = await refusal { try await auth.call(PINVerify.self, .init(subject: failing, kind: .network, pin: wrong)) }
        let session = try #require(try await auth.call(SessionOpen.self, .init(.phonePIN(try PhoneNumber(validating: "08011112222"), right))).token)
        // (The right PIN cleared the failure; one more wrong one makes a failure to keep.)
        _ = await refusal { try await auth.call(PINVerify.self, .init(subject: failing, kind: .network, pin: wrong)) }
        let before = try await answers(auth: auth, billing: try await fixture.client(), session: session)
        #expect(before.locked.locked && before.failing.failures == 1)

        let backups = try TemporaryDirectory()
        defer { backups.remove() }
        for service in ["auth", "billing"] {
            let made = try await fixture.sandbox.madoctl(["backup", service, backups.path])
            #expect(made.status == 0 && made.stdout.contains("integrity ok"), "\(made)")
            let check = try await fixture.sandbox.madoctl(["check", service])
            #expect(check.status == 0 && check.stdout.contains("\(service): integrity ok (sqlite)"), "\(check)")
        }
        // Changes after the backup are not in it.
        _ = await refusal { try await auth.call(PINVerify.self, .init(subject: failing, kind: .network, pin: wrong)) }
        _ = try await auth.call(SessionClose.self, SessionToken(token: session))
        await auth.close()

        // Restore: a fresh installation, each database file and — kept apart — its key.
        let restored = try ServiceSandbox()
        for service in ["auth", "billing"] {
            let copy = try #require(try FileManager.default.contentsOfDirectory(atPath: backups.path).first { $0.hasPrefix(service + "-") })
            try FileManager.default.copyItem(atPath: backups.file(copy), toPath: restored.root.file("\(service)/\(service).sqlite"))
            try FileManager.default.copyItem(
                atPath: fixture.sandbox.root.file("\(service)/pepper"), toPath: restored.root.file("\(service)/pepper"))
        }
        _ = try await restored.startActivated("auth")
        _ = try await restored.startActivated("billing")
        let after = try await answers(
            auth: try await restored.client("auth"), billing: try await restored.client("billing"), session: session)
        #expect(after == before)

        // Without its key the copy is refused at start (78), never opened with a new one.
        let keyless = try ServiceSandbox()
        try FileManager.default.copyItem(
            atPath: restored.root.file("auth/auth.sqlite"), toPath: keyless.root.file("auth/auth.sqlite"))
        let refused = try await keyless.startBound("auth", waitForSocket: false)
        #expect(try await refused.waitForExit() == 78, "\(refused.log)")
    }

    @Test func aBackupOfAServiceOnPostgreSQL_isLeftToPostgreSQL() async throws {
        let sandbox = try await ServiceSandbox.make(engine: .postgres)
        let running = try await sandbox.startActivated("auth")
        let made = try await sandbox.madoctl(["backup", "auth", sandbox.root.path])
        #expect(made.status == 1 && made.stderr.contains("backup_by_postgresql"), "\(made)")
        let check = try await sandbox.madoctl(["check", "auth"])
        #expect(check.status == 0 && check.stdout.contains("auth: integrity ok (postgres)"), "\(check)")
        // A schema that lost a migration (a restore from before it) or has one this build
        // does not know (a newer build's) is named, and the check fails.
        let database = try #require(sandbox.postgresDatabase)
        try await PostgresCluster.shared().withClient(database: database) { client in
            try await client.query("DELETE FROM auth.migrations WHERE name = 'auth-pins-v1'")
            try await client.query("INSERT INTO auth.migrations (name) VALUES ('auth-from-a-newer-build')")
        }
        let found = try await sandbox.madoctl(["check", "auth"])
        #expect(found.status == 1, "\(found)")
        #expect(found.stdout.contains("migration auth-pins-v1 of this build is not applied to schema auth"), "\(found)")
        #expect(found.stdout.contains("has migration auth-from-a-newer-build, which this build does not know"), "\(found)")
        // A start on a newer build's schema is refused, saying why (not as a time limit).
        #expect(try await running.terminate() == 0)
        let refused = try await sandbox.startBound("auth", waitForSocket: false)
        #expect(try await refused.waitForExit() == 78, "\(refused.log)")
        #expect(refused.log.contains("has migration auth-from-a-newer-build, which this build does not know"), "\(refused.log)")
        #expect(!refused.log.contains("could not be prepared within"), "\(refused.log)")
    }

    /// What the checks compare: both PINs' status, the session, the statements.
    struct Answers: Equatable {
        var locked: PINStatus
        var failing: PINStatus
        var session: SessionInfo
        var statements: StatementsList.Result
    }

    func answers(auth: RPCClient, billing: RPCClient, session: String) async throws -> Answers {
        Answers(
            locked: try await auth.call(PINStatusMethod.self, .init(subject: locked, kind: .network)),
            failing: try await auth.call(PINStatusMethod.self, .init(subject: failing, kind: .network)),
            session: try await auth.call(SessionCheck.self, SessionToken(token: session)),
            statements: try await billing.call(StatementsList.self, StatementOwner(customerNumber: try CustomerNumber(validating: "12345"))))
    }
}
