import AuthAPI
import Foundation
import JSONRPC
import MadoguchiModels
import RegistrationAPI
import ServiceContract
import ServiceKit
import TestSupport
import Testing

/// Calls whose repeat would apply twice (a second code sent, a second application made,
/// a second PIN failure counted)
/// take an idempotency key: the same key and params answer as the first call did, even
/// after a crash; the key with other params is refused; a day later it is forgotten.
@Suite(.sandboxed) struct IdempotencyTests {
    /// An IVR that lost the answer to a wrong PIN and asks again must not spend the
    /// customer's second try.
    @Test(arguments: StorageEngine.allCases) func repeatedPINCheck_answersTheFirstAnswer_andCountsOneFailure(_ engine: StorageEngine) async throws {
        let sandbox = try await ServiceSandbox.make(engine: engine)
        var process = try await sandbox.startActivated("auth")
        var auth = try await sandbox.client("auth")
        let line = try PINSubject(validating: "line:09012345678")
        _ = try await auth.call(PINSet.self, .init(subject: line, kind: .network, pin: try PIN(validating: "4821")))
        let key = try IdempotencyKey(validating: "8d2e7c1a-0b4f-4e6a-9a31-5c7d2e9f1b40")
        let wrong = PINVerify.Params(subject: line, kind: .network, pin: try PIN(validating: "6390"), idempotencyKey: key)

        let first = await refusal { try await auth.call(PINVerify.self, wrong) }
        #expect(first?.reason == "pin_incorrect")
        #expect(await refusal { try await auth.call(PINVerify.self, wrong) } == first)
        process = try await sandbox.restartKilled(process, as: "auth")
        auth = try await sandbox.client("auth")
        #expect(await refusal { try await auth.call(PINVerify.self, wrong) } == first)
        #expect(try await auth.call(PINStatusMethod.self, .init(subject: line, kind: .network)).failures == 1)

        // The key with another PIN is refused and counts nothing; a new key is a new check.
        let right = PINVerify.Params(subject: line, kind: .network, pin: try PIN(validating: "4821"), idempotencyKey: key)
        #expect(await refusal { try await auth.call(PINVerify.self, right) }?.reason == "idempotency_key_reused")
        #expect(try await auth.call(PINStatusMethod.self, .init(subject: line, kind: .network)).failures == 1)
        let fresh = try IdempotencyKey(validating: "0c5b8e21-7f3d-4a9e-b6c2-1e4d7a9f3b58")
        let second = await refusal {
            try await auth.call(PINVerify.self, .init(subject: line, kind: .network, pin: try PIN(validating: "6390"), idempotencyKey: fresh))
        }
        #expect(second?.reason == "pin_incorrect" && second != first)
        #expect(try await auth.call(PINStatusMethod.self, .init(subject: line, kind: .network)).failures == 2)
        await auth.close()
        _ = try await process.terminate()
    }

    @Test(arguments: StorageEngine.allCases) func repeatedCodeRequest_answersTheFirstCode_andSendsOneMessage(_ engine: StorageEngine) async throws {
        let sandbox = try await ServiceSandbox.make(now: "2026-11-21T12:00:00+09:00", engine: engine)
        var process = try await sandbox.startActivated("auth")
        var auth = try await sandbox.client("auth")
        let sms = try CodeDestination(channel: .sms, to: "090-1111-2222")
        let purpose = try CodePurpose(validating: "link-second-factor")
        let key = try IdempotencyKey(validating: "3f1c9a0e-5b7d-4e21-9c44-0a6f2d8e7b13")
        let request = OTPIssue.Params(purpose: purpose, destination: sms, idempotencyKey: key)

        let first = try await auth.call(OTPIssue.self, request)
        #expect(try await auth.call(OTPIssue.self, request) == first)
        // Durable: a crash between the call and its repeat changes nothing.
        process = try await sandbox.restartKilled(process, as: "auth")
        auth = try await sandbox.client("auth")
        #expect(try await auth.call(OTPIssue.self, request) == first)
        // On PostgreSQL the killed process may have claimed the message for delivery: the
        // claim lapses a minute later on the service clock, which here stands still unless
        // moved (on a real clock it moves by itself).
        try sandbox.setClock("2026-11-21T12:01:01+09:00")
        try await waitUntil("the code to be texted") { sandbox.messages(to: "09011112222").count >= 1 }

        // The same key for another call is refused and sends nothing.
        let other = OTPIssue.Params(
            purpose: purpose, destination: try CodeDestination(channel: .sms, to: "090-3333-4444"), idempotencyKey: key)
        #expect(await refusal { try await auth.call(OTPIssue.self, other) }?.reason == "idempotency_key_reused")
        // Without a key, each call is a new code.
        #expect(try await auth.call(OTPIssue.self, .init(purpose: purpose, destination: sms)).codeId != first.codeId)
        // A day later the key is forgotten: a new code.
        try sandbox.setClock("2026-11-22T12:00:01+09:00")
        #expect(try await auth.call(OTPIssue.self, request).codeId != first.codeId)
        try await waitUntil("three codes to be texted") { sandbox.messages(to: "09011112222").count >= 3 }
        #expect(sandbox.messages(to: "09011112222").count == 3)
        #expect(sandbox.messages(to: "09033334444").count == 0)
        // Since the restart: the repeat and the refused call made no code, the other two did.
        let metrics = try await auth.call(ServiceMetrics.self).text
        let issued = metrics.split(separator: "\n").filter { $0.hasPrefix("madoguchi_codes_issued_total{") && $0.contains(#"channel="sms""#) }
        #expect(issued.count == 1 && issued.first?.hasSuffix(" 2") == true, "\(issued)")
        await auth.close()
        #expect(try await process.terminate() == 0)
    }

    @Test(arguments: StorageEngine.allCases) func repeatedApplication_answersTheFirstReceptionNumber_andMakesOneApplication(_ engine: StorageEngine) async throws {
        let fixture = try await RegistrationFixture(engine: engine, importContracts: false)
        let registration = try await fixture.client()
        let key = try IdempotencyKey(validating: "application-7f3e2a91")
        let application = ApplicationSubmit.Params(
            phoneNumber: try PhoneNumber(validating: "090-5555-6666"), pin: try PIN(validating: "4821"),
            name: try PersonName(validating: "鈴木　一郎"), kana: try KanaName(validating: "スズキ　イチロウ"),
            birthDate: try CivilDate(validating: "1988-08-08"), email: try EmailAddress(validating: "ichiro@example.jp"),
            idempotencyKey: key)

        let first = try await registration.call(ApplicationSubmit.self, application)
        #expect(try await registration.call(ApplicationSubmit.self, application) == first)
        var changed = application
        changed.email = try EmailAddress(validating: "jiro@example.jp")
        #expect(await refusal { try await registration.call(ApplicationSubmit.self, changed) }?.reason == "idempotency_key_reused")

        _ = try await fixture.message(to: "ichiro@example.jp")
        // One application, one mail: a second would have a mail of its own by now, as the
        // outbox sends in order.
        let unkeyed = ApplicationSubmit.Params(
            phoneNumber: application.phoneNumber, pin: application.pin, name: application.name, kana: application.kana,
            birthDate: application.birthDate, email: try EmailAddress(validating: "saburo@example.jp"))
        _ = try await registration.call(ApplicationSubmit.self, unkeyed)
        _ = try await fixture.message(to: "saburo@example.jp")
        #expect(fixture.sandbox.messages(to: "ichiro@example.jp").count == 1)
        #expect(fixture.sandbox.messages(to: "jiro@example.jp").count == 0)
        await registration.close()
        try await fixture.stop()
    }
}
