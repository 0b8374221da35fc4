import AuthAPI
import Foundation
import GRDB
import JSONRPC
import MadoguchiModels
import TestSupport
import Testing

/// Retention on the service clock: ended sessions and expired codes go a day after they
/// ended, audit rows after `--audit-retention-days` (a year by default), without a restart.
@Suite(.sandboxed) struct RetentionTests {
    @Test(arguments: StorageEngine.allCases) func sessionsCodesAndAudit_areRemovedOnceTheirTimeIsPast(_ engine: StorageEngine) async throws {
        let sandbox = try await ServiceSandbox.make(now: "2026-11-21T12:00:00+09:00", engine: engine)
        _ = try await sandbox.startActivated("auth")
        let auth = try await sandbox.client("auth")
        let line = PINSubject.line(try PhoneNumber(validating: "09012345678"))
        _ = try await auth.call(PINSet.self, .init(subject: line, kind: .network, pin: try PIN(validating: "4821")))
        _ = await refusal { try await auth.call(PINVerify.self, .init(subject: line, kind: .network, pin: try PIN(validating: "1593"))) }
        _ = try await auth.call(SessionOpen.self, .init(.phonePIN(try PhoneNumber(validating: "09012345678"), try PIN(validating: "4821"))))
        _ = try await auth.call(
            OTPIssue.self, .init(purpose: try CodePurpose(validating: "signup"), destination: try CodeDestination(channel: .sms, to: "09012345678")))
        let audit = { try await auth.call(AuditList.self, .init(subject: line)) }
        #expect(try await audit().count >= 2)
        if engine == .sqlite { #expect(try Self.rows(sandbox) == Rows(sessions: 1, codes: 1, audit: try await audit().count)) }

        // Two days on: the session (30 minutes) and the code (10 minutes) ended over a day ago.
        try sandbox.setClock("2026-11-23T12:00:00+09:00")
        if engine == .sqlite {
            try await waitUntil("the ended session and the expired code to go") { try Self.rows(sandbox).sessions == 0 && Self.rows(sandbox).codes == 0 }
        }
        #expect(try await audit().count >= 2)

        // A year and a day on: the audit rows are past their retention.
        try sandbox.setClock("2027-11-22T12:00:00+09:00")
        try await waitUntil("the audit rows to go") { try await audit().isEmpty }
        await auth.close()
    }

    struct Rows: Equatable {
        var sessions: Int
        var codes: Int
        var audit: Int
    }

    static func rows(_ sandbox: ServiceSandbox) throws -> Rows {
        var configuration = Configuration()
        configuration.readonly = true
        let database = try DatabaseQueue(path: sandbox.root.file("auth/auth.sqlite"), configuration: configuration)
        defer { try? database.close() }
        return try database.read { db in
            Rows(
                sessions: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM session") ?? -1,
                codes: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM oneTimeCode") ?? -1,
                audit: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM audit") ?? -1)
        }
    }
}
