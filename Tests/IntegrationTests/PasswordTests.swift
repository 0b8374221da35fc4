import AuthAPI
import Foundation
import JSONRPC
import Testing
import TestSupport

/// Passwords through the real madoguchi-auth.
@Suite(.sandboxed) struct PasswordTests {

    @Test(arguments: StorageEngine.allCases) func passwords_areCheckedStretchedAndNeverStoredInClear(_ engine: StorageEngine) async throws {
        let sandbox = try await ServiceSandbox.make(engine: engine)
        let process = try await sandbox.startActivated("auth")
        let auth = try await sandbox.client("auth")
        let login = try LoginID(validating: "Taro.Yamada")

        let weak = await refusal { try await auth.call(PasswordSet.self, .init(loginId: login, password: "abcdefgh")) }
        #expect(weak?.code == ErrorCode(1131) && weak?.reason == "password_kinds")
        #expect(try await auth.call(PasswordSet.self, .init(loginId: login, password: "Sakura2026")).ok)

        // Login IDs are case-insensitive.
        let other = try LoginID(validating: "TARO.YAMADA")
        #expect(try await auth.call(PasswordVerify.self, .init(loginId: other, password: "Sakura2026")).ok)
        let wrong = await refusal { try await auth.call(PasswordVerify.self, .init(loginId: login, password: "Sakura2027")) }
        let unknown = await refusal {
            try await auth.call(PasswordVerify.self, .init(loginId: try LoginID(validating: "nobody.here"), password: "Sakura2026"))
        }
        #expect(wrong?.reason == "password_incorrect")
        #expect(unknown == wrong)  // never tells whether the account exists

        let change = await refusal {
            try await auth.call(
                PasswordChange.self, .init(loginId: login, currentPassword: "Sakura2027", newPassword: "Momiji2026"))
        }
        #expect(change?.reason == "password_incorrect")
        #expect(try await auth.call(
            PasswordChange.self, .init(loginId: login, currentPassword: "Sakura2026", newPassword: "Momiji2026")).ok)
        #expect(try await auth.call(PasswordVerify.self, .init(loginId: login, password: "Momiji2026")).ok)
        await auth.close()
        #expect(try await process.terminate() == 0)

        var sawScrypt = false
        for (file, data) in try await sandbox.authStorage() {
            for secret in ["Sakura2026", "Momiji2026", "Sakura2027"] {
                #expect(data.range(of: Data(secret.utf8)) == nil, "\(file) holds a password in clear")
            }
            if data.range(of: Data("$scrypt$ln=14,r=8,p=1$".utf8)) != nil { sawScrypt = true }
        }
        #expect(sawScrypt)
        #expect(!process.log.contains("Sakura2026"))
    }

    @Test(arguments: StorageEngine.allCases) func pendingPassword_logsNobodyIn_untilActivatedWithTheSamePassword(_ engine: StorageEngine) async throws {
        let sandbox = try await ServiceSandbox.make(engine: engine)
        let process = try await sandbox.startActivated("auth")
        let auth = try await sandbox.client("auth")
        let login = try LoginID(validating: "hanako.sato")

        #expect(try await auth.call(PasswordSet.self, .init(loginId: login, password: "Kaede2026", pending: true)).ok)
        let early = await refusal { try await auth.call(PasswordVerify.self, .init(loginId: login, password: "Kaede2026")) }
        #expect(early?.reason == "password_incorrect")
        let wrong = await refusal {
            try await auth.call(PasswordActivate.self, .init(loginId: login, password: "Kaede2027"))
        }
        #expect(wrong?.reason == "password_incorrect")
        #expect(try await auth.call(PasswordActivate.self, .init(loginId: login, password: "Kaede2026")).ok)
        #expect(try await auth.call(PasswordVerify.self, .init(loginId: login, password: "Kaede2026")).ok)
        // Activated once: there is nothing pending left to activate.
        let again = await refusal { try await auth.call(PasswordActivate.self, .init(loginId: login)) }
        #expect(again?.reason == "password_incorrect")
        await auth.close()
        #expect(try await process.terminate() == 0)
    }
}
