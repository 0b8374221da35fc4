import AuthAPI
import BillingAPI
import Foundation
import GRDB
import JSONRPC
import LinesAPI
import LinkingAPI
import MadoguchiModels
import RegistrationAPI
import ServiceContract
import Testing
import TestSupport

/// A former customer erased on request with `madoctl customer erase`, against the real
/// auth, registration, lines, billing and linking on both engines: a dry run changes
/// nothing; the erasure removes the contract, the My Page account, the PINs, password and
/// session, the lines and the statements past their retention — and nothing of another
/// customer — keeps what must be kept and says why, is audited, and a second run finds
/// nothing more to remove.
@Suite(.sandboxed) struct ErasureTests {
    @Test(arguments: StorageEngine.allCases) func aFormerCustomer_isErasedEverywhere_andNoOneElse(_ engine: StorageEngine) async throws {
        let fixture = try await RegistrationFixture(engine: engine)
        let sandbox = fixture.sandbox
        let registration = try await fixture.client()
        try await fixture.signUpTaro(registration)
        await registration.close()
        _ = try await sandbox.startActivated("lines")
        _ = try await sandbox.startActivated("linking")
        _ = try await sandbox.startActivated("billing", extraArguments: ["--statement-retention-years", "1"])

        let inventory = sandbox.root.file("lines.csv")
        try "phoneNumber,customerNumber,iccid,kind\n090-1234-5678,00012345,8981100000000000002,voice\n080-1111-2222,67890,8981100000000000010,voice\n"
            .write(toFile: inventory, atomically: true, encoding: .utf8)
        #expect(try await sandbox.madoctl(["lines", "import", inventory]).status == 0)
        let statements = sandbox.root.file("statements.jsonl")
        let months = BillingFixture.months(from: (2025, 1), through: (2026, 10))
        try ((months.map { BillingFixture.monthly("12345", $0) } + [BillingFixture.monthly("67890", "2026-10")]).joined(separator: "\n") + "\n")
            .write(toFile: statements, atomically: true, encoding: .utf8)
        let imported = try await sandbox.madoctl(["statements", "import", statements])
        #expect(imported.status == 0, "\(imported.stderr)")

        let auth = try await sandbox.client("auth")
        let (taro, hanako) = (PINSubject.line(try PhoneNumber(validating: "09012345678")), PINSubject.line(try PhoneNumber(validating: "08011112222")))
        // The PIN of an application for taro's number, which keeps the holder's birth date.
        let application = PINSubject.application(ReceptionNumber.generate(), try PhoneNumber(validating: "09012345678"))
        for line in [taro, hanako, application] {
            _ = try await auth.call(PINSet.self, .init(subject: line, kind: .network, pin: try PIN(validating: "4821")))
        }
        let session = try #require(
            try await auth.call(SessionOpen.self, .init(.password(try LoginID(validating: "taro.yamada"), "Sakura2026"))).token)

        let dry = try await sandbox.madoctl(["customer", "erase", "12345", "--dry-run"])
        #expect(dry.status == 0 && dry.stdout.contains("registration: would remove"), "\(dry)")
        #expect(dry.stdout.contains("1 contract") && dry.stdout.contains("2 PINs"), "\(dry.stdout)")
        #expect(try await auth.call(PINStatusMethod.self, .init(subject: taro, kind: .network)).isSet)

        let erased = try await sandbox.madoctl(["customer", "erase", "12345"])
        #expect(erased.status == 0, "\(erased)")
        for removed in [
            "registration: removed ", "1 My Page accounts", "1 contract phone numbers", "1 contract", "auth: removed 2 PINs, 1 passwords, 1 sessions",
            "lines: removed 1 lines", "billing: removed 10 statements before 2025-11", "kept 12 statements from 2025-11",
            "linking: removed nothing",
        ] {
            #expect(erased.stdout.contains(removed), "\(removed) in \(erased.stdout)")
        }
        #expect(erased.stdout.contains("kept") && erased.stdout.contains("security audit rows"), "\(erased.stdout)")

        // Gone: the contract, the login, the PIN, the session, the line; the recent statements stay.
        #expect(try await sandbox.madoctl(["contracts", "show", "12345"]).status == 1)
        #expect(try await auth.call(PINStatusMethod.self, .init(subject: taro, kind: .network)).isSet == false)
        #expect(try await auth.call(PINStatusMethod.self, .init(subject: application, kind: .network)).isSet == false)
        #expect(await refusal { try await auth.call(SessionCheck.self, .init(token: session)) }?.reason == "session_invalid")
        #expect(await refusal { try await auth.call(PasswordVerify.self, .init(loginId: try LoginID(validating: "taro.yamada"), password: "Sakura2026")) } != nil)
        let list = try await sandbox.madoctl(["statements", "list", "--customer", "12345"])
        #expect(list.stdout.contains("2025-11") && !list.stdout.contains("2025-10"), "\(list.stdout)")
        // Nothing of the other customer.
        #expect(try await auth.call(PINVerify.self, .init(subject: hanako, kind: .network, pin: try PIN(validating: "4821"))).failures == 0)
        #expect(try await sandbox.madoctl(["contracts", "show", "67890"]).status == 0)
        #expect(try await sandbox.madoctl(["statements", "list", "--customer", "67890"]).stdout.contains("2026-10"))
        await auth.close()

        // Audited with the operator's uid, never the data removed; and again, nothing more goes.
        #expect(fixture.registration.log.contains("customer's personal data erased on request"), "\(fixture.registration.log.suffix(2000))")
        if engine == .sqlite {
            var readOnly = Configuration()
            readOnly.readonly = true
            let database = try DatabaseQueue(path: sandbox.root.file("auth/auth.sqlite"), configuration: readOnly)
            let rows = try await database.read { try Row.fetchAll($0, sql: "SELECT customerNumber, peerUID, removed FROM erasure_audit") }
            #expect(rows.count == 1)
            #expect(rows.first?["customerNumber"] == "12345" && rows.first?["peerUID"] == Int64(getuid()))
            #expect(rows.first?["removed"] == "2 PINs, 1 passwords, 1 sessions")
            try database.close()
        }
        let again = try await sandbox.madoctl(["customer", "erase", "12345"])
        for service in ["registration", "auth", "lines", "linking"] {
            #expect(again.status == 0 && again.stdout.contains("\(service): removed nothing"), "\(again)")
        }
        #expect(again.stdout.contains("billing: removed nothing\n    kept 12 statements from 2025-11"), "\(again.stdout)")
    }

    /// A carrier ID named with the erasure: its link to an ISP contract, its journeys, the
    /// carrier ID itself and its password go; the ISP contract (the ISP's record) stays, and
    /// the link audit is kept for its retention.
    @Test(arguments: StorageEngine.allCases) func aCarrierIDNamed_losesItsLinksAndItself(_ engine: StorageEngine) async throws {
        let fixture = try await LinkingFixture(engine: engine)
        let sandbox = fixture.sandbox
        try await fixture.issueCarrierID(LinkingTests.ichiro, password: "Kaede2026x", name: "山田 一郎", kana: "ヤマダ イチロウ")
        let linking = try await fixture.client()
        let session = try await fixture.login(LinkingTests.ichiro, "Kaede2026x")
        let started = try await fixture.startLink(linking, session: session, ispEmail: LinkingTests.ichiroISP)
        let code = try await fixture.code(to: LinkingTests.ichiroISP)
        _ = try await linking.call(LinkCode.self, .init(session: session, journeyId: started.journeyId, code: code))
        _ = try await linking.call(
            LinkISPLogin.self,
            .init(session: session, journeyId: started.journeyId, ispEmail: try EmailAddress(validating: LinkingTests.ichiroISP), password: "Hikari2026"))
        _ = try await linking.call(LinkSecondFactorSend.self, .init(session: session, journeyId: started.journeyId, channel: .voice))
        let spoken = try await fixture.code(to: "09055550001")
        #expect(try await linking.call(LinkSecondFactorVerify.self, .init(session: session, journeyId: started.journeyId, code: spoken)).link != nil)
        await linking.close()
        for service in ["lines", "billing"] { _ = try await sandbox.startActivated(service) }

        let erased = try await sandbox.madoctl(["customer", "erase", "99999", "--carrier-id", LinkingTests.ichiro])
        #expect(erased.status == 0, "\(erased)")
        for removed in ["linking: removed ", "1 ISP links", "kept 1 link audit rows", "1 carrier IDs", "auth: removed 1 passwords"] {
            #expect(erased.stdout.contains(removed), "\(removed) in \(erased.stdout)")
        }
        let auth = try await sandbox.client("auth")
        #expect(await refusal { try await auth.call(SessionOpen.self, .init(.password(try LoginID(validating: LinkingTests.ichiro), "Kaede2026x"))) } != nil)
        await auth.close()
        let again = try await sandbox.madoctl(["customer", "erase", "99999", "--carrier-id", LinkingTests.ichiro])
        #expect(again.stdout.contains("linking: removed nothing") && again.stdout.contains("registration: removed nothing"), "\(again)")
    }

    /// A number the former customer's contract still lists but another contract holds now
    /// is the new holder's: their PIN, and applications for it, stay.
    @Test func aNumberSinceGivenToAnother_isLeftToItsNewHolder() async throws {
        let fixture = try await RegistrationFixture()
        let sandbox = fixture.sandbox
        let newHolder = sandbox.root.file("new-holder.jsonl")
        try #"{"customerNumber":"55555","name":"鈴木　一郎","kana":"スズキ　イチロウ","birthDate":"1970-01-01","phoneNumbers":["090-1234-5678"],"services":["mobile-voice"]}"#
            .appending("\n").write(toFile: newHolder, atomically: true, encoding: .utf8)
        let imported = try await sandbox.madoctl(["contracts", "import", newHolder])
        #expect(imported.status == 0, "\(imported.stderr)")
        for service in ["lines", "linking", "billing"] { _ = try await sandbox.startActivated(service) }
        let auth = try await sandbox.client("auth")
        let line = PINSubject.line(try PhoneNumber(validating: "09012345678"))
        _ = try await auth.call(PINSet.self, .init(subject: line, kind: .network, pin: try PIN(validating: "4821")))
        let erased = try await sandbox.madoctl(["customer", "erase", "12345"])
        #expect(erased.status == 0 && erased.stdout.contains("auth: removed nothing") && erased.stdout.contains("1 contract"), "\(erased)")
        #expect(try await auth.call(PINStatusMethod.self, .init(subject: line, kind: .network)).isSet)
        await auth.close()
    }

    /// A service that cannot be reached stops the erasure where it is: what was erased is
    /// reported, registration — asked last — still holds the contract and what the customer
    /// is known by, and a second run once the service is back finishes the job.
    @Test func aServiceDown_stopsTheErasure_andASecondRunFinishesIt() async throws {
        let fixture = try await RegistrationFixture()
        let sandbox = fixture.sandbox
        let registration = try await fixture.client()
        try await fixture.signUpTaro(registration)
        await registration.close()
        let auth = try await sandbox.client("auth")
        let taro = PINSubject.line(try PhoneNumber(validating: "09012345678"))
        _ = try await auth.call(PINSet.self, .init(subject: taro, kind: .network, pin: try PIN(validating: "4821")))

        // Lines (second in order) is not running.
        let cut = try await sandbox.madoctl(["customer", "erase", "12345"])
        #expect(cut.status == 69, "\(cut)")
        #expect(cut.stdout.contains("auth: removed 1 PINs, 1 passwords") && cut.stderr.contains("erasure incomplete after 1 of 5"), "\(cut)")
        #expect(try await auth.call(PINStatusMethod.self, .init(subject: taro, kind: .network)).isSet == false)
        #expect(try await sandbox.madoctl(["contracts", "show", "12345"]).stdout.contains("My Page taro.yamada"))

        for service in ["lines", "linking", "billing"] { _ = try await sandbox.startActivated(service) }
        let finished = try await sandbox.madoctl(["customer", "erase", "12345"])
        #expect(finished.status == 0 && finished.stdout.contains("registration: removed ") && finished.stdout.contains("1 contract"), "\(finished)")
        #expect(try await sandbox.madoctl(["contracts", "show", "12345"]).status == 1)
        await auth.close()
    }
}
