import AuthAPI
import Foundation
import JSONRPC
import MadoguchiModels
import Testing
import TestSupport

/// Login sessions through the real madoguchi-auth, with the test clock.
@Suite struct SessionTests {

    @Test func everyLoginMethod_opensAnExpiringSession_andNothingLeaksWhetherAnAccountExists() async throws {
        let sandbox = try ServiceSandbox(now: "2026-11-21T12:00:00+09:00")
        defer { sandbox.remove() }
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

    @Test func madoctlLogin_opensASession_readingTheSecretFromStandardInput() async throws {
        let sandbox = try ServiceSandbox()
        defer { sandbox.remove() }
        let process = try await sandbox.startActivated("auth")
        #expect(try await sandbox.madoctl(["pin", "set", "line:09012345678"], input: "4821\n").status == 0)
        let login = try await sandbox.madoctl(["login", "--phone", "090-1234-5678"], input: "4821\n")
        #expect(login.status == 0, "\(login.stderr)")
        #expect(login.stdout.contains("Logged in as line:09012345678 until 2026-11-21T12:30:00+09:00."))
        let token = try #require(login.stdout.split(separator: "\n").last?.replacingOccurrences(of: "token: ", with: ""))
        let check = try await sandbox.madoctl(["call", "auth", "session.check", #"{"token":"\#(token)"}"#, "--json"])
        #expect(GoldenJSON.parse(check.stdout)?["principal"] == "line:09012345678")
        let wrong = try await sandbox.madoctl(["login", "--login-id", "nobody.here"], input: "Sakura2026\n")
        #expect(wrong.status == 1 && wrong.stderr.contains("reason password_incorrect"))
        #expect(try await process.terminate() == 0)
    }
}
