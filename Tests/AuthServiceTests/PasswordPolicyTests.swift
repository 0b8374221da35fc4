import AuthAPI
@testable import AuthService
import Testing
import ServiceKit

@Suite struct PasswordPolicyTests {
    let policy = PasswordPolicy()
    let login = try! LoginID(validating: "Taro.Yamada")

    @Test(arguments: [
        ("short1A", "password_length"), ("Abcdefgh12345678X", "password_length"),
        ("abcdefgh", "password_kinds"), ("ABCDEFGH", "password_kinds"), ("12345678", "password_kinds"),
        ("abcd 1234", "password_characters"), ("pässwort12", "password_characters"),
        ("xTaro.yamada1", "password_characters"), ("mytaro.yamada9", "password_characters"),
        ("Password1", "password_too_common"), ("QWERTY123", "password_too_common"),
    ])
    func refusedPasswords_sayWhy(_ password: String, _ reason: String) {
        #expect(policy.problem(with: password, loginID: login)?.reason.rawValue == reason)
    }

    @Test func passwordContainingTheAccountID_isRefused() throws {
        let id = try LoginID(validating: "hanako77")
        #expect(policy.problem(with: "Hanako77xyz", loginID: id)?.reason == .passwordContainsLoginId)
        let mail = try LoginID(validating: "suzuki@example.jp")
        #expect(policy.problem(with: "Suzuki2026", loginID: mail)?.reason == .passwordContainsLoginId)
    }

    @Test(arguments: ["Sakura2026", "k7Rm2pQx", "3kitsunebi", "MOCHI77mochi"])
    func goodPasswords_pass(_ password: String) {
        #expect(policy.problem(with: password, loginID: login) == nil)
    }

    @Test func loginIDs_areCaseInsensitive() throws {
        #expect(try LoginID(validating: "Taro.Yamada") == LoginID(validating: "taro.yamada"))
        #expect(try LoginID(validating: "Hanako@Example.JP").value == "hanako@example.jp")
    }
}
