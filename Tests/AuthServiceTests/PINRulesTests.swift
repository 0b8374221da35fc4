import AuthAPI
@testable import AuthService
import Foundation
import MadoguchiModels
import ServiceKit
import ServiceContract
import Testing

@Suite struct GuessablePINTests {
    let holder = PINHolderFacts(
        birthDate: try! CivilDate(validating: "1985-04-07"),
        phoneNumbers: [try! PhoneNumber(validating: "090-1234-5820")])

    @Test(arguments: [
        ("0000", GuessablePIN.repeatedDigits), ("7777", .repeatedDigits),
        ("1234", .straightRun), ("4321", .straightRun), ("0123", .straightRun), ("3210", .straightRun),
        ("7890", .straightRun), ("0987", .straightRun),
        ("0407", .birthday), ("0704", .birthday), ("1985", .birthday), ("8504", .birthday),
        ("5820", .phoneNumber),
    ])
    func guessablePINs_areRefusedWithTheRuleThatFailed(_ digits: String, _ rule: GuessablePIN) throws {
        #expect(GuessablePIN.check(try PIN(validating: digits), kind: .network, holder: holder) == rule)
    }

    @Test(arguments: ["4821", "1357", "2580", "9182", "0408", "1986"])
    func ordinaryPINs_pass(_ digits: String) throws {
        #expect(GuessablePIN.check(try PIN(validating: digits), kind: .network, holder: holder) == nil)
    }

    @Test func phonePIN_mustDifferFromTheCardPIN_butANetworkPINNeedNot() throws {
        var facts = holder
        facts.cardPIN = try PIN(validating: "4821")
        #expect(GuessablePIN.check(try PIN(validating: "4821"), kind: .phone, holder: facts) == .sameAsCardPIN)
        #expect(GuessablePIN.check(try PIN(validating: "4821"), kind: .network, holder: facts) == nil)
    }
}

@Suite struct LockoutTests {
    @Test(arguments: [
        ("2026-11-21T22:00:00+09:00", "2026-11-22T00:00:00+09:00"),
        ("2026-11-21T23:59:59+09:00", "2026-11-22T00:00:00+09:00"),
        ("2026-11-22T00:00:01+09:00", "2026-11-23T00:00:00+09:00"),
        ("2026-11-21T08:00:00+09:00", "2026-11-22T00:00:00+09:00"),
        // 23:30 UTC is already 08:30 the next day in Tokyo.
        ("2026-11-21T23:30:00Z", "2026-11-23T00:00:00+09:00"),
        ("2026-12-31T23:00:00+09:00", "2027-01-01T00:00:00+09:00"),
    ])
    func lockedPIN_opensAtTheNextMidnightInTokyo(_ lockedAt: String, _ opens: String) throws {
        let instant = try #require(ISO8601.parse(lockedAt))
        #expect(ISO8601.tokyo(Lockout.unlockInstant(lockedAt: instant)) == opens)
    }
}
