import AuthAPI
import Foundation
import JSONRPC
import ServiceKit
import TestSupport
import Testing

/// One-time codes through the real madoguchi-auth: sent only through the outbox (read
/// here from the spool), single use, expiring, with limited tries.
@Suite(.sandboxed) struct OneTimeCodeTests {
    let purpose = try! CodePurpose(validating: "isp-link")

    @Test(arguments: StorageEngine.allCases) func mailedCode_verifiesOnce_andNeverTravelsInTheAnswer(_ engine: StorageEngine) async throws {
        let sandbox = try await ServiceSandbox.make(engine: engine)
        let process = try await sandbox.startActivated("auth")
        let auth = try await sandbox.client("auth")
        let mail = try CodeDestination(channel: .mail, to: "Hanako@Example.JP")
        let issued = try await auth.call(OTPIssue.self, .init(purpose: purpose, destination: mail))
        #expect(issued.digits == 6)
        #expect(issued.expiresAt == "2026-11-21T12:10:00+09:00")
        let code = try await sandbox.code(to: "Hanako@example.jp")
        #expect(code.count == 6)
        #expect(!(try JSONValue(encoding: issued).jsonText.contains(code)))

        let wrong = code == "000000" ? "111111" : "000000"
        let miss = await refusal { try await auth.call(OTPVerify.self, .init(purpose: purpose, destination: mail, code: wrong)) }
        #expect(miss?.reason == "code_incorrect")
        #expect(miss?.data?["triesLeft"] == 4)
        let other = try CodePurpose(validating: "signup")
        #expect(await refusal {
            try await auth.call(OTPVerify.self, .init(purpose: other, destination: mail, code: code))
        }?.reason == "code_not_found")
        #expect(try await auth.call(OTPVerify.self, .init(purpose: purpose, destination: mail, code: code)).verified)
        #expect(await refusal {
            try await auth.call(OTPVerify.self, .init(purpose: purpose, destination: mail, code: code))
        }?.reason == "code_not_found")
        await auth.close()
        #expect(try await process.terminate() == 0)
    }

    @Test(arguments: StorageEngine.allCases) func codes_expireAfterTenMinutes_allowFiveTries_andANewOneVoidsTheOld(_ engine: StorageEngine) async throws {
        let sandbox = try await ServiceSandbox.make(now: "2026-11-21T12:00:00+09:00", engine: engine)
        let process = try await sandbox.startActivated("auth")
        let auth = try await sandbox.client("auth")
        let sms = try CodeDestination(channel: .sms, to: "090-1111-2222")

        _ = try await auth.call(OTPIssue.self, .init(purpose: purpose, destination: sms))
        let first = try await sandbox.code(to: "09011112222")
        try sandbox.setClock("2026-11-21T12:10:00+09:00")
        #expect(await refusal {
            try await auth.call(OTPVerify.self, .init(purpose: purpose, destination: sms, code: first))
        }?.reason == "code_expired")

        _ = try await auth.call(OTPIssue.self, .init(purpose: purpose, destination: sms))
        let second = try await sandbox.code(to: "09011112222", number: 2)
        _ = try await auth.call(OTPIssue.self, .init(purpose: purpose, destination: sms))
        let third = try await sandbox.code(to: "09011112222", number: 3)
        // The voided code no longer works: it is just a wrong try against the live one.
        var tries = 0
        if second != third {
            #expect(await refusal {
                try await auth.call(OTPVerify.self, .init(purpose: purpose, destination: sms, code: second))
            }?.reason == "code_incorrect")
            tries = 1
        }
        let wrong = third == "000000" ? "111111" : "000000"
        var last: RPCError?
        for _ in tries..<5 {
            last = await refusal { try await auth.call(OTPVerify.self, .init(purpose: purpose, destination: sms, code: wrong)) }
        }
        #expect(last?.reason == "code_too_many_tries")
        #expect(await refusal {
            try await auth.call(OTPVerify.self, .init(purpose: purpose, destination: sms, code: third))
        }?.reason == "code_not_found")
        await auth.close()
        #expect(try await process.terminate() == 0)
    }

    /// At most 5 codes an hour go to one destination, whatever their purpose, each
    /// counted before it is made: of 12 asked for at once, 5 are sent and the rest refused
    /// `too_many_attempts` until the hour has passed. A new code voids the old and brings
    /// 5 new tries, so without the limit a journey started again and again (a carrier ID
    /// for someone else's address) gave unlimited guesses at a 6-digit code.
    @Test(arguments: StorageEngine.allCases) func codesToOneDestination_areLimitedPerHour_evenAskedForAtOnce(_ engine: StorageEngine) async throws {
        let sandbox = try await ServiceSandbox.make(now: "2026-11-21T12:00:00+09:00", engine: engine)
        let process = try await sandbox.startActivated("auth")
        let auth = try await sandbox.client("auth")
        let mail = try CodeDestination(channel: .mail, to: "hanako@example.jp")
        let purposes = try ["isp-link", "carrier-id", "signup"].map { try CodePurpose(validating: $0) }
        let reasons = await withTaskGroup(of: String.self) { group in
            for index in 0..<12 {
                group.addTask {
                    await refusal { try await auth.call(OTPIssue.self, .init(purpose: purposes[index % 3], destination: mail)) }?.reason ?? "sent"
                }
            }
            return await group.reduce(into: [String]()) { $0.append($1) }
        }
        #expect(reasons.filter { $0 == "sent" }.count == 5, "\(reasons)")
        #expect(reasons.filter { $0 == "too_many_attempts" }.count == 7, "\(reasons)")
        let refused = await refusal { try await auth.call(OTPIssue.self, .init(purpose: purpose, destination: mail)) }
        #expect(refused?.data?["retryAfter"] == "2026-11-21T13:00:00+09:00")
        // Another destination is not held up; and after the hour, codes go again.
        _ = try await auth.call(OTPIssue.self, .init(purpose: purpose, destination: try CodeDestination(channel: .mail, to: "taro@example.jp")))
        try sandbox.setClock("2026-11-21T13:00:00+09:00")
        _ = try await auth.call(OTPIssue.self, .init(purpose: purpose, destination: mail))
        await auth.close()
        #expect(try await process.terminate() == 0)
    }

    @Test(arguments: StorageEngine.allCases) func voiceCalls_readOutFiveDigits_andLandlinesTakeOnlyVoice(_ engine: StorageEngine) async throws {
        let sandbox = try await ServiceSandbox.make(engine: engine)
        let process = try await sandbox.startActivated("auth")
        let auth = try await sandbox.client("auth")
        #expect(throws: (any Error).self) { try CodeDestination(channel: .sms, to: "03-1234-5678") }
        let smsToLandline = try await sandbox.madoctl(
            ["call", "auth", "otp.issue", #"{"purpose":"isp-link","destination":{"channel":"sms","to":"0312345678"}}"#])
        #expect(smsToLandline.status == 1)
        #expect(smsToLandline.stderr.contains("landline"))
        let voice = try CodeDestination(channel: .voice, to: "03-1234-5678")
        let issued = try await auth.call(OTPIssue.self, .init(purpose: purpose, destination: voice))
        #expect(issued.digits == 5)
        let code = try await sandbox.code(to: "0312345678")
        #expect(code.count == 5)
        #expect(try await auth.call(OTPVerify.self, .init(purpose: purpose, destination: voice, code: code)).verified)
        await auth.close()
        #expect(try await process.terminate() == 0)

        for file in try FileManager.default.contentsOfDirectory(atPath: sandbox.root.file("auth")) {
            let data = try Data(contentsOf: URL(fileURLWithPath: sandbox.root.file("auth/\(file)")))
            #expect(data.range(of: Data(code.utf8)) == nil, "\(file) holds the code in clear")
        }
    }

    @Test(arguments: StorageEngine.allCases) func madoctl_issuesAndVerifiesCodes(_ engine: StorageEngine) async throws {
        let sandbox = try await ServiceSandbox.make(engine: engine)
        let process = try await sandbox.startActivated("auth")
        let issue = try await sandbox.madoctl(["otp", "issue", "signup", "--channel", "mail", "--to", "jiro@example.jp"])
        #expect(issue.status == 0, "\(issue.stderr)")
        #expect(issue.stdout.contains("Sent a 6-digit code, valid until 2026-11-21T12:10:00+09:00."))
        let code = try await sandbox.code(to: "jiro@example.jp")
        let outbox = try await sandbox.madoctl(["outbox", "--to", "jiro@example.jp"])
        #expect(outbox.stdout.contains("確認コードのお知らせ"))
        let verify = try await sandbox.madoctl(
            ["otp", "verify", "signup", "--channel", "mail", "--to", "jiro@example.jp"], input: code + "\n")
        #expect(verify.status == 0 && verify.stdout.contains("Code correct."))
        let again = try await sandbox.madoctl(
            ["otp", "verify", "signup", "--channel", "mail", "--to", "jiro@example.jp", "--code", code])
        #expect(again.status == 1 && again.stderr.contains("reason code_not_found"))
        #expect(try await process.terminate() == 0)
    }
}
