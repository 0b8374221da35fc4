import AuthAPI
import Foundation
import JSONRPC
import MadoguchiModels
import RegistrationAPI
import ServiceContract
import Testing
import TestSupport

/// Member recovery and carrier ID issuance across the real registration and auth processes.
@Suite(.sandboxed) struct RecoveryAndCarrierIDTests {
    @Test(arguments: StorageEngine.allCases) func recovery_answersTheSameForAnyone_andItsLinkShowsTheIDForOneHour(_ engine: StorageEngine) async throws {
        let fixture = try await RegistrationFixture(engine: engine)
        let registration = try await fixture.client()
        try await fixture.signUpTaro(registration)
        let birth = try CivilDate(validating: "1985-04-12")
        let matched = try await registration.call(
            RecoveryRequest.self,
            .init(email: try EmailAddress(validating: "taro@example.jp"), name: try PersonName(validating: "相込 太郎"), birthDate: birth, route: .screen))
        let unmatched = try await registration.call(
            RecoveryRequest.self,
            .init(email: try EmailAddress(validating: "taro@example.jp"), name: try PersonName(validating: "相込 太郎"),
                  birthDate: try CivilDate(validating: "1985-04-13"), route: .screen))
        #expect(matched == unmatched)
        let token = try await fixture.linkToken(to: "taro@example.jp", count: 3)
        #expect(try await registration.call(RecoveryOpen.self, .init(token: token)).accountId == "taro.yamada")
        try fixture.sandbox.setClock("2026-11-21T13:00:00+09:00")
        #expect(await refusal { try await registration.call(RecoveryOpen.self, .init(token: token)) }?.reason == "link_expired")

        // By SIM and phone, a fresh link sets a new password, once.
        _ = try await registration.call(
            RecoveryRequest.self,
            .init(iccid: try ICCID(validating: "8981100000000000002"), phoneNumber: try PhoneNumber(validating: "090-1234-5678"),
                  birthDate: birth, route: .screen))
        let second = try await fixture.linkToken(to: "taro@example.jp", count: 4)
        // A password auth refuses gives the link back; of two sent at once, one is set.
        #expect(await refusal { try await registration.call(RecoverySetPassword.self, .init(token: second, password: "abcdefgh")) } != nil)
        let other = try await fixture.client()
        async let first = refusal { try await registration.call(RecoverySetPassword.self, .init(token: second, password: "Kaede2026")) }
        async let racing = refusal { try await other.call(RecoverySetPassword.self, .init(token: second, password: "Momiji2026")) }
        let raced = await [first, racing]
        await other.close()
        #expect(raced.filter { $0 == nil }.count == 1 && raced.compactMap { $0?.reason } == ["link_invalid"], "\(raced)")
        #expect(await refusal { try await registration.call(RecoveryOpen.self, .init(token: second)) }?.reason == "link_invalid")
        // The one that was set is the password now.
        _ = try await registration.call(MyPageLogin.self, .init(loginId: "taro.yamada", password: raced[0] == nil ? "Kaede2026" : "Momiji2026"))

        // By post: a registered letter with the ID and a temporary password that works.
        _ = try await registration.call(
            RecoveryRequest.self,
            .init(iccid: try ICCID(validating: "8981100000000000002"), phoneNumber: try PhoneNumber(validating: "09012345678"),
                  birthDate: birth, route: .post))
        let letter = try await fixture.message(to: "〒100-0001 東京都千代田区千代田1-1")
        #expect(letter.channel == .letter && letter.body.contains("taro.yamada") && letter.body.contains("2026-11-28"))
        let temporary = try #require(letter.body.split(separator: "\n").first { $0.hasPrefix("仮パスワード: ") }?.dropFirst("仮パスワード: ".count))
        _ = try await registration.call(MyPageLogin.self, .init(loginId: "taro@example.jp", password: String(temporary)))
        await registration.close()
        try await fixture.stop()
    }

    /// A recovery link whose password auth sets after registration stopped waiting (auth's
    /// one hashing thread busy past `--peer-timeout`) is not given back: the call answers
    /// `unavailable`, the password it asked for is set all the same, and the link sets no
    /// second one. (Before, the link was given back on any failure, and set another.)
    @Test(arguments: StorageEngine.allCases) func aRecoveryLinkAuthAnsweredTooLateFor_staysUsed(_ engine: StorageEngine) async throws {
        var fixture = try await RegistrationFixture(engine: engine, authArguments: ["--hash-threads", "1"])
        var registration = try await fixture.client()
        try await fixture.signUpTaro(registration)
        _ = try await registration.call(
            RecoveryRequest.self,
            .init(email: try EmailAddress(validating: "taro@example.jp"), name: try PersonName(validating: "相込 太郎"),
                  birthDate: try CivilDate(validating: "1985-04-12"), route: .screen))
        let token = try await fixture.linkToken(to: "taro@example.jp", count: 3)
        // Registration again, now waiting half a second for auth.
        await registration.close()
        try await fixture.restartRegistration(arguments: ["--peer-timeout", "0.5"])
        registration = try await fixture.sandbox.client("registration", timeout: .seconds(30))

        // Auth's one hashing thread kept busy for seconds by logins sent straight to it.
        let auth = try await fixture.sandbox.client("auth", timeout: .seconds(60))
        let busy = Task {
            await withTaskGroup(of: Void.self) { group in
                for _ in 0..<12 {
                    group.addTask { _ = try? await auth.call(PasswordVerify.self, .init(loginId: try LoginID(validating: "taro.yamada"), password: "Sakura2026")) }
                }
            }
        }
        // Hashes queued behind one another: seconds of work before the next one runs.
        let watcher = try await fixture.sandbox.client("auth", timeout: .seconds(60))
        try await waitUntil("auth to be hashing the logins") {
            (try await watcher.call(ServiceInfo.self)).callsInFlight >= 10
        }
        await watcher.close()
        let late = await refusal { try await registration.call(RecoverySetPassword.self, .init(token: token, password: "Kaede2026")) }
        #expect(late?.reason == "unavailable", "\(String(describing: late))")
        await busy.value
        try await waitUntil("auth to have set the password it was asked for") {
            (try? await auth.call(PasswordVerify.self, .init(loginId: try LoginID(validating: "taro.yamada"), password: "Kaede2026"))) != nil
        }
        #expect(await refusal { try await registration.call(RecoverySetPassword.self, .init(token: token, password: "Momiji2026")) }?.reason == "link_invalid")
        await auth.close()
        await registration.close()
        try await fixture.stop()
    }

    @Test(arguments: StorageEngine.allCases) func carrierID_isIssuedStepByStep_survivesARestart_andThenLogsIn(_ engine: StorageEngine) async throws {
        var fixture = try await RegistrationFixture(engine: engine, importContracts: false)
        var registration = try await fixture.client()
        let email = try EmailAddress(validating: "jiro@example.jp")
        let started = try await registration.call(CarrierIDStart.self, .init(email: email))
        #expect(started.step == .key)
        let journey = started.journeyId
        let early = await refusal {
            try await registration.call(CarrierIDChooseID.self, .init(journeyId: journey, useEmail: true))
        }
        #expect(early?.reason == "journey_step" && early?.data?["expected"] == "key")
        let key = try await fixture.code(to: "jiro@example.jp")
        #expect(try await registration.call(CarrierIDVerifyKey.self, .init(journeyId: journey, code: key)).step == .chooseId)

        // A pause and a restart in the middle lose nothing.
        await registration.close()
        try await fixture.restartRegistration()
        registration = try await fixture.client()
        #expect(try await registration.call(CarrierIDStatus.self, .init(journeyId: journey)).step == .chooseId)

        #expect(try await registration.call(CarrierIDChooseID.self, .init(journeyId: journey, useEmail: true)).carrierId == "jiro@example.jp")
        _ = try await registration.call(
            CarrierIDDetails.self,
            .init(journeyId: journey, password: "Tsubaki2026", name: try PersonName(validating: "佐藤 次郎"),
                  kana: try KanaName(validating: "ｻﾄｳ ｼﾞﾛｳ"), gender: .male, birthDate: try CivilDate(validating: "1992-05-05"),
                  contactMobile: try PhoneNumber(validating: "080-3333-4444")))
        #expect(await refusal {
            try await registration.call(CarrierIDConfirm.self, .init(journeyId: journey, acceptTerms: false))
        }?.reason == "terms_not_accepted")
        _ = try await registration.call(CarrierIDConfirm.self, .init(journeyId: journey, acceptTerms: true))
        let auth = try await fixture.sandbox.client("auth")
        // Not usable until issued.
        #expect(await refusal {
            try await auth.call(SessionOpen.self, .init(.password(try LoginID(validating: "jiro@example.jp"), "Tsubaki2026")))
        } != nil)
        #expect(try await registration.call(CarrierIDConsent.self, .init(journeyId: journey, share: true, dontAskAgain: true)).step == .issued)
        #expect(try await fixture.message(to: "jiro@example.jp", count: 2).subject?.contains("発行完了") == true)

        let session = try await auth.call(SessionOpen.self, .init(.password(try LoginID(validating: "jiro@example.jp"), "Tsubaki2026")))
        let profile = try await registration.call(CarrierIDShow.self, .init(session: try #require(session.token)))
        #expect(profile.kana == "サトウ\u{3000}ジロウ" && profile.shareWithLinking && profile.dontAskAgain)
        // The ID is taken now, for carrier IDs and My Page alike.
        #expect(try await registration.call(SignUpCheckAccountID.self, .init(accountId: "JIRO@example.jp")).available == false)
        await auth.close()
        await registration.close()
        try await fixture.stop()
    }

    @Test(arguments: StorageEngine.allCases) func abandonedJourney_expiresAfter24HoursWithoutAStep(_ engine: StorageEngine) async throws {
        let fixture = try await RegistrationFixture(engine: engine, importContracts: false)
        let registration = try await fixture.client()
        let started = try await registration.call(CarrierIDStart.self, .init(email: try EmailAddress(validating: "saburo@example.jp")))
        try fixture.sandbox.setClock("2026-11-22T11:59:59+09:00")
        #expect(try await registration.call(CarrierIDStatus.self, .init(journeyId: started.journeyId)).step == .key)
        try fixture.sandbox.setClock("2026-11-22T12:00:00+09:00")
        #expect(await refusal {
            try await registration.call(CarrierIDStatus.self, .init(journeyId: started.journeyId))
        }?.reason == "journey_not_found")
        await registration.close()
        try await fixture.stop()
    }
}
