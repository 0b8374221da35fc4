import AuthAPI
import Foundation
import JSONRPC
import MadoguchiModels
import Testing
import TestSupport

/// Login sessions through the real madoguchi-auth, with the test clock.
@Suite(.sandboxed) struct SessionTests {

    @Test(arguments: StorageEngine.allCases) func everyLoginMethod_opensAnExpiringSession_andNothingLeaksWhetherAnAccountExists(_ engine: StorageEngine) async throws {
        let sandbox = try await ServiceSandbox.make(now: "2026-11-21T12:00:00+09:00", engine: engine)
        let process = try await sandbox.startActivated("auth")
        let auth = try await sandbox.client("auth")
        let phone = try PhoneNumber(validating: "090-1234-5678")
        let pin = try PIN(validating: "4821")
        let reception = ReceptionNumber.generate()
        _ = try await auth.call(PINSet.self, .init(subject: try PINSubject(validating: "line:09012345678"), kind: .network, pin: pin))
        _ = try await auth.call(
            PINSet.self,
            .init(subject: .application(reception, phone), kind: .network, pin: pin))
        let login = try LoginID(validating: "taro.yamada")
        _ = try await auth.call(PasswordSet.self, .init(loginId: login, password: "Sakura2026"))

        // Phone number + network PIN.
        let byPhone = try await auth.call(SessionOpen.self, .init(.phonePIN(phone, pin)))
        let token = try #require(byPhone.token)
        #expect(byPhone.expiresAt == "2026-11-21T12:30:00+09:00")
        let checked = try await auth.call(SessionCheck.self, .init(token: token))
        #expect(checked.principal == "line:09012345678" && checked.method == "phone-pin" && checked.token == nil)

        // Reception number (any case) + the phone number given at application + PIN.
        #expect(try await auth.call(SessionOpen.self, .init(.reception(reception, phone, pin))).principal
            == "application:\(reception.value):09012345678")
        let otherPhone = try PhoneNumber(validating: "080-9999-0000")
        #expect(await refusal { try await auth.call(SessionOpen.self, .init(.reception(reception, otherPhone, pin))) }?.reason
            == "login_failed")
        #expect(await refusal {
            try await auth.call(SessionOpen.self, .init(.phonePIN(try PhoneNumber(validating: "070-0000-1111"), pin)))
        }?.reason == "login_failed")

        // Login ID (any case) + password.
        let byPassword = try await auth.call(
            SessionOpen.self, .init(.password(try LoginID(validating: "Taro.Yamada"), "Sakura2026")))
        #expect(byPassword.principal == "login:taro.yamada")
        #expect(await refusal { try await auth.call(SessionOpen.self, .init(.password(login, "Sakura2027"))) }?.reason
            == "password_incorrect")

        // PIN logins count towards the same lock as PIN checks.
        let wrong = try PIN(validating: "1357")
        for _ in 0..<2 { _ = await refusal { try await auth.call(SessionOpen.self, .init(.phonePIN(phone, wrong))) } }
        #expect(await refusal { try await auth.call(SessionOpen.self, .init(.phonePIN(phone, wrong))) }?.reason == "pin_locked")
        #expect(await refusal { try await auth.call(SessionOpen.self, .init(.phonePIN(phone, pin))) }?.reason == "pin_locked")

        // Close, and expiry on the service clock.
        #expect(try await auth.call(SessionClose.self, .init(token: token)).ok)
        #expect(await refusal { try await auth.call(SessionCheck.self, .init(token: token)) }?.reason == "session_invalid")
        let passwordToken = try #require(byPassword.token)
        try sandbox.setClock("2026-11-21T12:29:59+09:00")
        #expect(try await auth.call(SessionCheck.self, .init(token: passwordToken)).principal == "login:taro.yamada")
        try sandbox.setClock("2026-11-21T12:30:00+09:00")
        #expect(await refusal { try await auth.call(SessionCheck.self, .init(token: passwordToken)) }?.reason
            == "session_invalid")
        #expect(await refusal { try await auth.call(SessionCheck.self, .init(token: "guess")) }?.reason == "session_invalid")
        await auth.close()
        #expect(try await process.terminate() == 0)

        for file in try FileManager.default.contentsOfDirectory(atPath: sandbox.root.file("auth")) {
            let data = try Data(contentsOf: URL(fileURLWithPath: sandbox.root.file("auth/\(file)")))
            #expect(data.range(of: Data(token.utf8)) == nil, "\(file) holds a session token in clear")
            #expect(data.range(of: Data(passwordToken.utf8)) == nil)
        }
        #expect(!process.log.contains(token))
    }

    @Test(arguments: StorageEngine.allCases) func madoctlLogin_opensASession_readingTheSecretFromStandardInput(_ engine: StorageEngine) async throws {
        let sandbox = try await ServiceSandbox.make(engine: engine)
        let process = try await sandbox.startActivated("auth")
        #expect(try await sandbox.madoctl(["pin", "set", "line:09012345678"], input: "4821\n").status == 0)
        let login = try await sandbox.madoctl(["login", "--phone", "090-1234-5678"], input: "4821\n")
        #expect(login.status == 0, "\(login.stderr)")
        let lines = login.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 2 && lines.last == "line:09012345678 until 2026-11-21T12:30:00+09:00", "\(lines)")
        let token = try #require(lines.first)
        let check = try await sandbox.madoctl(["call", "auth", "session.check", #"{"token":"\#(token)"}"#, "--json"])
        #expect(GoldenJSON.parse(check.stdout)?["principal"] == "line:09012345678")
        let wrong = try await sandbox.madoctl(["login", "--login-id", "nobody.here"], input: "Sakura2026\n")
        #expect(wrong.status == 1 && wrong.stderr.contains("reason password_incorrect"))
        #expect(try await process.terminate() == 0)
    }

    /// A reception login tells no prober which reception number and phone number belong
    /// together: a phone number that is not the application's, a wrong PIN, and the right
    /// PIN while locked all get the same answer (code, message, data), through the client
    /// and madoctl; the wrong PINs still lock the application's PIN until midnight Tokyo.
    @Test(arguments: StorageEngine.allCases) func receptionLogin_answersAWrongPhoneAndAWrongPINAlike_whileTheLockCountsTheApplication(_ engine: StorageEngine) async throws {
        let sandbox = try await ServiceSandbox.make(now: "2026-11-21T22:00:00+09:00", engine: engine)
        let process = try await sandbox.startActivated("auth")
        let auth = try await sandbox.client("auth")
        let phone = try PhoneNumber(validating: "090-1234-5678")
        let otherPhone = try PhoneNumber(validating: "080-9999-0000")
        let reception = ReceptionNumber.generate()
        let application = PINSubject.application(reception, phone)
        let right = try PIN(validating: "4821")
        let wrong = try PIN(validating: "1593")
        _ = try await auth.call(PINSet.self, .init(subject: application, kind: .network, pin: right))
        let login = { (phone: PhoneNumber, pin: PIN) in
            await refusal { try await auth.call(SessionOpen.self, .init(.reception(reception, phone, pin))) }
        }

        let noSuchPair = try #require(await login(otherPhone, right))
        #expect(noSuchPair.code == ErrorCode(1141) && noSuchPair.reason == "login_failed")
        #expect(noSuchPair.data?["attemptsLeft"] == nil && noSuchPair.data?["unlocksAt"] == nil)
        for _ in 0..<3 {
            #expect(await login(phone, wrong) == noSuchPair)
            #expect(await login(otherPhone, wrong) == noSuchPair)
        }
        // Locked now: the right PIN is refused, and still looks like no such pair.
        #expect(await login(phone, right) == noSuchPair)
        let locked = try await auth.call(PINStatusMethod.self, .init(subject: application, kind: .network))
        #expect(locked.locked && locked.failures == 3 && locked.unlocksAt == "2026-11-22T00:00:00+09:00")
        let probed = PINSubject.application(reception, otherPhone)
        #expect(try await auth.call(PINStatusMethod.self, .init(subject: probed, kind: .network)).isSet == false)

        let byMadoctl = { (phone: String) in
            try await sandbox.madoctl(["login", "--reception", reception.value, "--phone", phone], input: "4821\n")
        }
        let lockedPair = try await byMadoctl("090-1234-5678")
        let unknownPair = try await byMadoctl("080-9999-0000")
        #expect(lockedPair.status == 1 && lockedPair.stderr.contains("reason login_failed"), "\(lockedPair.stderr)")
        #expect(lockedPair.stdout == unknownPair.stdout && lockedPair.stderr == unknownPair.stderr)
        #expect(lockedPair.status == unknownPair.status)

        // Both kinds of failure are audited under the subject tried.
        let audit = try await sandbox.madoctl(["call", "auth", "audit.list", #"{"subject":"\#(probed.value)"}"#, "--json"])
        guard case .array(let events)? = GoldenJSON.parse(audit.stdout) else {
            Issue.record("no audit: \(audit.stdout) \(audit.stderr)")
            return
        }
        #expect(events.count == 5 && events.allSatisfy { $0["event"] == "pin_failure_no_pin" })

        // Midnight in Tokyo: the application's PIN opens.
        try sandbox.setClock("2026-11-22T00:00:00+09:00")
        #expect(try await auth.call(SessionOpen.self, .init(.reception(reception, phone, right))).principal == application.value)
        await auth.close()
        #expect(try await process.terminate() == 0)
    }

    /// ...nor by its time: a pair with no PIN costs what a wrong PIN costs (a hash and a
    /// write with its disk sync), so their medians are close.
    @Test(arguments: StorageEngine.allCases) func receptionLogin_takesAsLongForAWrongPhoneAsForAWrongPIN(_ engine: StorageEngine) async throws {
        let sandbox = try await ServiceSandbox.make(engine: engine)
        let process = try await sandbox.startActivated(
            "auth", extraArguments: ["--caller-failure-limit", "1000"])
        let auth = try await sandbox.client("auth")
        let phone = try PhoneNumber(validating: "090-1234-5678")
        let reception = ReceptionNumber.generate()
        let right = PINVerify.Params(subject: .application(reception, phone), kind: .network, pin: try PIN(validating: "4821"))
        _ = try await auth.call(PINSet.self, .init(subject: right.subject, kind: .network, pin: right.pin))
        let wrong = try PIN(validating: "1593")
        var times: [Bool: [Duration]] = [true: [], false: []]
        for round in 0..<60 {
            let known = round % 2 == 0
            let tried = known ? phone : try PhoneNumber(validating: "080-9999-\(String(1000 + round))")
            let started = ContinuousClock.now
            let answer = await refusal { try await auth.call(SessionOpen.self, .init(.reception(reception, tried, wrong))) }
            times[known]?.append(ContinuousClock.now - started)
            #expect(answer?.reason == "login_failed")
            // Untimed: the right PIN clears the failure, so the lock never answers instead.
            if known { _ = try await auth.call(PINVerify.self, right) }
        }
        func median(_ values: [Duration]) -> Duration { values.sorted()[values.count / 2] }
        let gap = median(times[true]!) - median(times[false]!)
        #expect(gap < .milliseconds(20) && gap > .milliseconds(-20), "known \(median(times[true]!)), unknown \(median(times[false]!))")
        await auth.close()
        #expect(try await process.terminate() == 0)
    }
}
