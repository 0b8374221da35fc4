import AuthAPI
import Foundation
import JSONRPC
import JSONRPCTransport
import MadoguchiModels
import RegistrationAPI
import Testing
import TestSupport

/// My Page sign-up across the real registration and auth processes, with the mailed link
/// read from the spool.
@Suite(.sandboxed) struct SignUpTests {
    func identity(_ customer: String, _ phone: String, _ kana: String) throws -> SignUpVerifyIdentity.Params {
        .init(customerNumber: try CustomerNumber(validating: customer), phoneNumber: try PhoneNumber(validating: phone),
              kana: try KanaName(validating: kana))
    }

    @Test(arguments: StorageEngine.allCases) func signUp_normalisesInput_mailsASingleUseLink_andLogsInByIDOrEmail(_ engine: StorageEngine) async throws {
        var fixture = try await RegistrationFixture(engine: engine)
        var registration = try await fixture.client()

        // Leading zeros, full-width digits, hyphens, half-width kana and an ASCII space.
        let checked = try await registration.call(
            SignUpVerifyIdentity.self, try identity("０００12345", "０９０－１２３４－５６７８", "ｱｲｺﾑ ﾀﾛｳ"))

        let badID = try await registration.call(SignUpCheckAccountID.self, .init(accountId: "taro"))
        #expect(!badID.available && badID.reason == "invalid_length")
        let spaced = try await registration.call(SignUpCheckAccountID.self, .init(accountId: "taro yamada"))
        #expect(!spaced.available && spaced.reason == "invalid_characters")
        #expect(try await registration.call(SignUpCheckAccountID.self, .init(accountId: "Taro.Yamada")).available)

        let weak = await refusal {
            try await registration.call(
                SignUpSubmit.self,
                .init(ticket: checked.ticket, accountId: try AccountID(validating: "Taro.Yamada"), password: "password",
                      email: try EmailAddress(validating: "taro@example.jp"), nickname: "たろう"))
        }
        #expect(weak?.reason == "password_kinds")
        let submitted = try await registration.call(
            SignUpSubmit.self,
            .init(ticket: checked.ticket, accountId: try AccountID(validating: "Taro.Yamada"), password: "Sakura2026",
                  email: try EmailAddress(validating: "taro@example.jp"), nickname: "たろう"))
        #expect(submitted.expiresAt == "2026-11-22T12:00:00+09:00")
        // Taken while provisional, whatever the letter case.
        let taken = try await registration.call(SignUpCheckAccountID.self, .init(accountId: "TARO.YAMADA"))
        #expect(!taken.available && taken.reason == "id_taken")
        // Not usable before main registration.
        #expect(await refusal {
            try await registration.call(MyPageLogin.self, .init(loginId: "taro.yamada", password: "Sakura2026"))
        }?.reason == "password_incorrect")

        // A restart between the two steps loses nothing.
        await registration.close()
        try await fixture.restartRegistration()
        registration = try await fixture.client()

        let token = try await fixture.linkToken(to: "taro@example.jp")
        #expect(await refusal {
            try await registration.call(SignUpComplete.self, .init(token: token, password: "Sakura2027"))
        }?.reason == "password_incorrect")
        #expect(try await registration.call(SignUpComplete.self, .init(token: token, password: "Sakura2026")).accountId == "Taro.Yamada")
        #expect(await refusal {
            try await registration.call(SignUpComplete.self, .init(token: token, password: "Sakura2026"))
        }?.reason == "link_invalid")

        for loginId in ["Taro.Yamada", "taro@example.jp"] {
            let login = try await registration.call(MyPageLogin.self, .init(loginId: loginId, password: "Sakura2026"))
            let profile = try await registration.call(MyPageProfile.self, .init(session: login.session))
            #expect(profile == .init(accountId: "Taro.Yamada", nickname: "たろう", email: "taro@example.jp", customerNumber: "12345"))
        }
        let wrong = await refusal { try await registration.call(MyPageLogin.self, .init(loginId: "Taro.Yamada", password: "Sakura2027")) }
        let unknown = await refusal { try await registration.call(MyPageLogin.self, .init(loginId: "nobody@example.jp", password: "Sakura2026")) }
        #expect(wrong != nil && wrong == unknown)

        // One account per contract.
        let again = try await registration.call(SignUpVerifyIdentity.self, try identity("12345", "09012345678", "アイコム　タロウ"))
        #expect(await refusal {
            try await registration.call(
                SignUpSubmit.self,
                .init(ticket: again.ticket, accountId: try AccountID(validating: "taro2"), password: "Sakura2026",
                      email: try EmailAddress(validating: "taro@example.jp"), nickname: "x"))
        }?.reason == "already_registered")
        await registration.close()
        // Where the accounts are: the sandbox's engine, and no SQLite file beside it.
        let stateFiles = try FileManager.default.contentsOfDirectory(atPath: fixture.sandbox.root.file("registration"))
        #expect(stateFiles.contains("registration.sqlite") == (engine == .sqlite), "\(stateFiles)")
        try await fixture.stop()
    }

    @Test(arguments: StorageEngine.allCases) func mismatch_neverNamesTheField_andRepeatedMismatchesAreThrottled(_ engine: StorageEngine) async throws {
        let fixture = try await RegistrationFixture(engine: engine)
        let registration = try await fixture.client()
        let wrongNumber = await refusal { try await registration.call(SignUpVerifyIdentity.self, try identity("12346", "09012345678", "アイコム　タロウ")) }
        let wrongPhone = await refusal { try await registration.call(SignUpVerifyIdentity.self, try identity("12345", "09012345679", "アイコム　タロウ")) }
        let wrongName = await refusal { try await registration.call(SignUpVerifyIdentity.self, try identity("12345", "09012345678", "アイコム　ジロウ")) }
        #expect(wrongNumber?.reason == "details_mismatch")
        #expect(wrongNumber == wrongPhone && wrongPhone == wrongName)
        #expect(wrongNumber?.data?["field"] == nil)
        // Five mismatches for one customer number: even the right details wait an hour.
        for _ in 0..<3 {
            _ = await refusal { try await registration.call(SignUpVerifyIdentity.self, try identity("12345", "09000000000", "ア　イ")) }
        }
        let throttled = await refusal { try await registration.call(SignUpVerifyIdentity.self, try identity("12345", "09012345678", "アイコム　タロウ")) }
        #expect(throttled?.reason == "too_many_attempts")
        #expect(throttled?.data?["retryAfter"] == "2026-11-21T13:00:00+09:00")
        try fixture.sandbox.setClock("2026-11-21T13:00:01+09:00")
        _ = try await registration.call(SignUpVerifyIdentity.self, try identity("12345", "09012345678", "アイコム　タロウ"))
        await registration.close()
        try await fixture.stop()
    }

    /// Identity checks sent all at once, on several connections, cannot beat the limit:
    /// each is counted before the details are compared, so of 40 wrong ones at most 5
    /// are compared (and answered `details_mismatch`), and the right details sent with
    /// them are refused like the rest once the 5 are used.
    @Test(arguments: StorageEngine.allCases) func identityChecksSentTogether_neverPassTheLimit(_ engine: StorageEngine) async throws {
        let fixture = try await RegistrationFixture(engine: engine)
        var clients: [RPCClient] = []
        for _ in 0..<4 { clients.append(try await fixture.client()) }
        let wrong = try identity("12345", "09012345678", "アイコム　ジロウ")
        let reasons = await withTaskGroup(of: String?.self) { group in
            for index in 0..<40 {
                let client = clients[index % clients.count]
                group.addTask { await refusal { try await client.call(SignUpVerifyIdentity.self, wrong) }?.reason }
            }
            return await group.reduce(into: [String?]()) { $0.append($1) }
        }
        #expect(reasons.filter { $0 == "details_mismatch" }.count == 5, "\(reasons)")
        #expect(reasons.filter { $0 == "too_many_attempts" }.count == 35, "\(reasons)")
        let right = await refusal { try await clients[0].call(SignUpVerifyIdentity.self, try identity("12345", "09012345678", "アイコム　タロウ")) }
        #expect(right?.reason == "too_many_attempts")
        for client in clients { await client.close() }
        try await fixture.stop()
    }

    /// Registration's state on a full disk: an identity check that cannot be counted is
    /// not made. Right and wrong details alike answer `storage_unavailable` (a wrong one is
    /// not told apart by a `details_mismatch`), and none of them spends one of the
    /// customer's 5 checks for the hour: once space returns, 5 more wrong ones are compared.
    @Test func aFullDisk_comparesNoDetails_andSpendsNoneOfTheChecks() async throws {
        let sandbox = try ServiceSandbox(now: "2026-11-21T12:00:00+09:00")
        let disk = try await SmallDisk(for: "registration", in: sandbox)
        let fixture = try await RegistrationFixture(in: sandbox)
        let registration = try await fixture.client()
        let (wrong, right) = (try identity("12345", "09012345678", "アイコム　ジロウ"), try identity("12345", "09012345678", "アイコム　タロウ"))
        func check(_ details: SignUpVerifyIdentity.Params) async -> String? {
            await refusal { try await registration.call(SignUpVerifyIdentity.self, details) }?.reason
        }

        try await disk.fill()
        for details in [wrong, wrong, right, wrong, wrong, wrong, right] { #expect(await check(details) == "storage_unavailable") }

        try disk.free()
        for _ in 0..<5 { #expect(await check(wrong) == "details_mismatch") }
        #expect(await check(right) == "too_many_attempts")
        await registration.close()
        try await fixture.stop()
        disk.unmount()
    }

    /// A match whose success cannot be recorded (an operator's trigger refuses to forget
    /// the customer's count) issues no ticket, and the check it took stays counted: once
    /// the trigger is gone, 4 more wrong details use up the customer's 5, and the right
    /// ones are refused too.
    @Test(arguments: StorageEngine.allCases) func aMatchWhoseSuccessCannotBeRecorded_issuesNoTicket_andStaysCounted(
        _ engine: StorageEngine
    ) async throws {
        let fixture = try await RegistrationFixture(engine: engine)
        let registration = try await fixture.client()
        let (wrong, right) = (try identity("12345", "09012345678", "アイコム　ジロウ"), try identity("12345", "09012345678", "アイコム　タロウ"))
        func check(_ details: SignUpVerifyIdentity.Params) async -> String? {
            await refusal { try await registration.call(SignUpVerifyIdentity.self, details) }?.reason
        }
        let trigger = Self.attemptWritesRefused("DELETE", engine)
        for sql in trigger.refuse { try await fixture.sandbox.operatorRuns(sql, in: "registration") }
        #expect(await check(right) == "internal")
        for sql in trigger.allow { try await fixture.sandbox.operatorRuns(sql, in: "registration") }
        for _ in 0..<4 { #expect(await check(wrong) == "details_mismatch") }
        #expect(await check(right) == "too_many_attempts")
        await registration.close()
        try await fixture.stop()
    }

    /// An operator's trigger on registration's `attempt` table refusing every `operation`
    /// (`DELETE`, `UPDATE`) on `engine`: the statements that add it and those that drop it.
    static func attemptWritesRefused(_ operation: String, _ engine: StorageEngine) -> (refuse: [String], allow: [String]) {
        let name = "refuse_\(operation.lowercased())"
        return engine == .sqlite
            ? (["CREATE TRIGGER \(name) BEFORE \(operation) ON attempt BEGIN SELECT RAISE(ABORT, 'not today'); END"], ["DROP TRIGGER \(name)"])
            : (["CREATE FUNCTION registration.\(name)() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'not today'; END $$",
                "CREATE TRIGGER \(name) BEFORE \(operation) ON registration.attempt FOR EACH ROW EXECUTE FUNCTION registration.\(name)()"],
               ["DROP TRIGGER \(name) ON registration.attempt"])
    }

    /// The details match, but the attempt cannot be taken back from the caller's count
    /// (an operator's trigger refuses the write): no ticket is issued, and the caller's
    /// attempt stays counted — the closed side — so that with the caller's limit at 4,
    /// three more failed checks from the same caller reach it.
    @Test(arguments: StorageEngine.allCases) func aMatchWhoseAttemptCannotBeGivenBack_issuesNoTicket_andStaysCountedForTheCaller(
        _ engine: StorageEngine
    ) async throws {
        // Each customer's limit 1, and so each caller's 4.
        let fixture = try await RegistrationFixture(engine: engine, registrationArguments: ["--identity-failure-limit", "1"])
        let registration = try await fixture.client()
        let right = try identity("12345", "09012345678", "アイコム　タロウ")
        func check(_ details: SignUpVerifyIdentity.Params) async -> String? {
            await refusal { try await registration.call(SignUpVerifyIdentity.self, details) }?.reason
        }
        // A giving back is an UPDATE of the count; counting a first attempt and forgetting
        // the customer's (a DELETE) go on.
        let trigger = Self.attemptWritesRefused("UPDATE", engine)
        for sql in trigger.refuse { try await fixture.sandbox.operatorRuns(sql, in: "registration") }
        #expect(await check(right) == "internal")
        for sql in trigger.allow { try await fixture.sandbox.operatorRuns(sql, in: "registration") }
        // Three failures on customers of their own: with the attempt that was not given
        // back, the caller's fourth.
        for customer in ["11111", "22222", "33333"] {
            #expect(await check(try identity(customer, "09012345678", "アイコム　タロウ")) == "details_mismatch")
        }
        #expect(await check(right) == "too_many_attempts")
        await registration.close()
        try await fixture.stop()
    }

    /// One person's wrong passwords at main registration count against their own origin
    /// in auth, not against registration's uid, which every customer's completion shares:
    /// they throttle that person, and another customer completes as usual. (Before, two
    /// wrong tries on one's own link, with auth's caller limit at 4, refused everyone's.)
    @Test(arguments: StorageEngine.allCases) func wrongPasswordsAtCompletion_throttleTheirOrigin_notEveryCustomer(_ engine: StorageEngine) async throws {
        let fixture = try await RegistrationFixture(engine: engine, authArguments: ["--caller-failure-limit", "4"])
        let registration = try await fixture.client()
        for (customer, phone, kana, email, accountId) in [
            ("12345", "09012345678", "アイコム　タロウ", "taro@example.jp", "taro.yamada"),
            ("67890", "08011112222", "サトウ　ハナコ", "hanako@example.jp", "hanako.sato"),
        ] {
            let checked = try await registration.call(SignUpVerifyIdentity.self, try identity(customer, phone, kana))
            _ = try await registration.call(
                SignUpSubmit.self,
                .init(ticket: checked.ticket, accountId: try AccountID(validating: accountId), password: "Sakura2026",
                      email: try EmailAddress(validating: email), nickname: "ななし"))
        }
        let taro = try await fixture.linkToken(to: "taro@example.jp")
        for _ in 0..<2 {
            let wrong = await refusal {
                try await registration.call(SignUpComplete.self, .init(token: taro, password: "Sakura2027", origin: "203.0.113.9"))
            }
            #expect(wrong?.reason == "password_incorrect", "\(String(describing: wrong))")
        }
        #expect(await refusal {
            try await registration.call(SignUpComplete.self, .init(token: taro, password: "Sakura2026", origin: "203.0.113.9"))
        }?.reason == "too_many_failures")
        let hanako = try await fixture.linkToken(to: "hanako@example.jp")
        let completed = try await registration.call(SignUpComplete.self, .init(token: hanako, password: "Sakura2026", origin: "198.51.100.4"))
        #expect(completed.accountId == "hanako.sato")
        await registration.close()
        try await fixture.stop()
    }

    /// A submit sent twice at once (a double click) leaves one provisional account whose
    /// mailed link works: each submit confirms only its own reservation. (Before, the first
    /// could confirm the second's reservation and mail its own link, which then matched
    /// nothing.)
    @Test(arguments: StorageEngine.allCases) func aSubmitSentTwiceAtOnce_mailsALinkThatWorks(_ engine: StorageEngine) async throws {
        let fixture = try await RegistrationFixture(engine: engine)
        let registration = try await fixture.client()
        let checked = try await registration.call(SignUpVerifyIdentity.self, try identity("12345", "09012345678", "アイコム　タロウ"))
        let socket = try RawSocket(path: fixture.sandbox.socketPath("registration"), readTimeout: .seconds(30))
        let submit = { (id: Int) in
            #"{"jsonrpc":"2.0","id":\#(id),"method":"signup.submit","params":{"ticket":"\#(checked.ticket)","accountId":"taro.yamada","password":"Sakura2026","email":"taro@example.jp","nickname":"たろう"}}"#
        }
        #expect(socket.send(submit(1) + "\n" + submit(2) + "\n"))
        var answers: [String] = []
        for _ in 0..<2 { answers.append(try #require(try socket.readLine())) }
        #expect(answers.filter { $0.contains(#""result""#) }.count >= 1, "\(answers)")
        let token = try await fixture.linkToken(to: "taro@example.jp")
        #expect(try await registration.call(SignUpComplete.self, .init(token: token, password: "Sakura2026")).accountId == "taro.yamada")
        await registration.close()
        try await fixture.stop()
    }

    @Test(arguments: StorageEngine.allCases) func provisionalRegistration_expiresAfter24Hours_andFreesTheAccountID(_ engine: StorageEngine) async throws {
        let fixture = try await RegistrationFixture(engine: engine)
        let registration = try await fixture.client()
        let checked = try await registration.call(SignUpVerifyIdentity.self, try identity("12345", "09012345678", "アイコム　タロウ"))
        _ = try await registration.call(
            SignUpSubmit.self,
            .init(ticket: checked.ticket, accountId: try AccountID(validating: "taro.yamada"), password: "Sakura2026",
                  email: try EmailAddress(validating: "taro@example.jp"), nickname: "たろう"))
        let token = try await fixture.linkToken(to: "taro@example.jp")
        try fixture.sandbox.setClock("2026-11-22T12:00:00+09:00")
        #expect(await refusal {
            try await registration.call(SignUpComplete.self, .init(token: token, password: "Sakura2026"))
        }?.reason == "link_expired")
        #expect(try await registration.call(SignUpCheckAccountID.self, .init(accountId: "taro.yamada")).available)

        // Starting again from step 1, the other customer may now take that ID.
        let other = try await registration.call(SignUpVerifyIdentity.self, try identity("67890", "03-1234-5678", "サトウ　ハナコ"))
        _ = try await registration.call(
            SignUpSubmit.self,
            .init(ticket: other.ticket, accountId: try AccountID(validating: "Taro.Yamada"), password: "Momiji2026",
                  email: try EmailAddress(validating: "hanako@example.jp"), nickname: "はなこ"))
        let second = try await fixture.linkToken(to: "hanako@example.jp")
        #expect(try await registration.call(SignUpComplete.self, .init(token: second, password: "Momiji2026")).accountId == "Taro.Yamada")
        let login = try await registration.call(MyPageLogin.self, .init(loginId: "taro.yamada", password: "Momiji2026"))
        #expect(try await registration.call(MyPageProfile.self, .init(session: login.session)).customerNumber == "67890")
        await registration.close()
        let stateDirectory = fixture.sandbox.root.file("registration")
        try await fixture.stop()

        // Registration holds no password and no link token in clear, in any file or log.
        for file in try FileManager.default.contentsOfDirectory(atPath: stateDirectory) {
            let data = try Data(contentsOf: URL(fileURLWithPath: stateDirectory + "/" + file))
            for secret in ["Sakura2026", "Momiji2026", token, second] {
                #expect(data.range(of: Data(secret.utf8)) == nil, "\(file) holds a secret in clear")
            }
        }
        #expect(!fixture.registration.log.contains("Sakura2026") && !fixture.registration.log.contains(second))
    }
}
