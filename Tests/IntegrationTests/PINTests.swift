import AuthAPI
import Foundation
import JSONRPC
import JSONRPCTransport
import MadoguchiModels
import ServiceClient
import ServiceKit
import TestSupport
import Testing

/// PINs through the real madoguchi-auth process, with the test clock.
@Suite(.sandboxed) struct PINTests {
    let line = try! PINSubject(validating: "line:09012345678")

    func pin(_ digits: String) -> PIN { try! PIN(validating: digits) }

    /// Auth refusing a caller after 5 wrong PINs in 10 minutes, with the network PIN of
    /// each of `lines` set to 4821, at 12:00 Tokyo on the test clock.
    func authLimitingCallers(
        _ engine: StorageEngine, settingPINsOf lines: [PINSubject]
    ) async throws -> (ServiceSandbox, ChildProcess, RPCClient) {
        let sandbox = try await ServiceSandbox.make(now: "2026-11-21T12:00:00+09:00", engine: engine)
        let process = try await sandbox.startActivated(
            "auth", extraArguments: ["--caller-failure-limit", "5", "--caller-failure-window", "600"])
        let auth = try await sandbox.client("auth")
        for line in lines { _ = try await auth.call(PINSet.self, .init(subject: line, kind: .network, pin: pin("4821"))) }
        return (sandbox, process, auth)
    }

    @Test(arguments: StorageEngine.allCases) func guessablePINs_areRefusedSayingWhichRuleFailed(_ engine: StorageEngine) async throws {
        let sandbox = try await ServiceSandbox.make(engine: engine)
        let process = try await sandbox.startActivated("auth")
        let auth = try await sandbox.client("auth")
        let holder = { (digits: String) in
            PINSet.Params(
                subject: line, kind: .network, pin: pin(digits), birthDate: try! CivilDate(validating: "1987-06-15"),
                phoneNumbers: [try! PhoneNumber(validating: "090-1234-5820")])
        }
        for (digits, reason) in [
            ("0615", "pin_is_birthday"), ("1506", "pin_is_birthday"), ("1987", "pin_is_birthday"),
            ("8706", "pin_is_birthday"), ("5820", "pin_is_phone_digits"), ("3333", "pin_is_repeated_digits"),
            ("6543", "pin_is_straight_run"),
        ] {
            let error = await refusal { try await auth.call(PINSet.self, holder(digits)) }
            #expect(error?.code == ErrorCode(1104), "\(digits)")
            #expect(error?.reason == reason, "\(digits)")
            #expect(error?.message.contains(digits) == false)
        }
        let wrongLength = await refusal { try await auth.call(PINSet.self, holder("48213")) }
        #expect(wrongLength?.reason == "pin_wrong_length")
        let status = try await auth.call(PINSet.self, holder("4821"))
        #expect(status.isSet && !status.mustChange && status.failures == 0)
        await auth.close()
        #expect(try await process.terminate() == 0)
    }

    /// A right PIN clears earlier failures (a write), and with none to clear is answered
    /// without one; either way the count read back is zero.
    @Test(arguments: StorageEngine.allCases) func aRightPIN_clearsEarlierFailures(_ engine: StorageEngine) async throws {
        let sandbox = try await ServiceSandbox.make(engine: engine)
        let process = try await sandbox.startActivated("auth")
        let auth = try await sandbox.client("auth")
        _ = try await auth.call(PINSet.self, .init(subject: line, kind: .network, pin: pin("4821")))
        let right = PINVerify.Params(subject: line, kind: .network, pin: pin("4821"))
        #expect(try await auth.call(PINVerify.self, right).attemptsLeft == 3)
        for attemptsLeft in [2, 1] {
            let wrong = await refusal { try await auth.call(PINVerify.self, .init(subject: line, kind: .network, pin: pin("1593"))) }
            #expect(wrong?.data?["attemptsLeft"]?.jsonText == String(attemptsLeft))
        }
        #expect(try await auth.call(PINStatusMethod.self, .init(subject: line, kind: .network)).failures == 2)
        let cleared = try await auth.call(PINVerify.self, right)
        #expect(cleared.failures == 0 && cleared.attemptsLeft == 3)
        #expect(try await auth.call(PINStatusMethod.self, .init(subject: line, kind: .network)).failures == 0)
        await auth.close()
        _ = try await process.terminate()
    }

    @Test(arguments: StorageEngine.allCases) func threeWrongPINs_lockUntilMidnightTokyo_evenAgainstTheRightPIN(_ engine: StorageEngine) async throws {
        let sandbox = try await ServiceSandbox.make(now: "2026-11-21T22:00:00+09:00", engine: engine)
        var process = try await sandbox.startActivated("auth")
        var auth = try await sandbox.client("auth")
        _ = try await auth.call(PINSet.self, .init(subject: line, kind: .network, pin: pin("4821")))
        let verify = { (client: RPCClient, digits: String) in
            try await client.call(PINVerify.self, .init(subject: line, kind: .network, pin: pin(digits)))
        }

        let first = await refusal { try await verify(auth, "1111") }
        #expect(first?.reason == "pin_incorrect")
        #expect(first?.data?["attemptsLeft"] == 2)

        // The failure count is durable: it survives a crash of the service.
        process = try await sandbox.restartKilled(process, as: "auth")
        auth = try await sandbox.client("auth")
        #expect(try await auth.call(PINStatusMethod.self, .init(subject: line, kind: .network)).failures == 1)

        let second = await refusal { try await verify(auth, "2222") }
        #expect(second?.data?["attemptsLeft"] == 1)
        let third = await refusal { try await verify(auth, "3333") }
        #expect(third?.code == ErrorCode(1103))
        #expect(third?.reason == "pin_locked")
        #expect(third?.data?["unlocksAt"] == "2026-11-22T00:00:00+09:00")

        // Locked: even the right PIN is refused, with the unlock instant.
        let right = await refusal { try await verify(auth, "4821") }
        #expect(right?.reason == "pin_locked")
        try sandbox.setClock("2026-11-21T23:59:59+09:00")
        #expect(await refusal { try await verify(auth, "4821") }?.reason == "pin_locked")
        let locked = try await auth.call(PINStatusMethod.self, .init(subject: line, kind: .network))
        #expect(locked.locked && locked.unlocksAt == "2026-11-22T00:00:00+09:00" && locked.attemptsLeft == 0)

        // Midnight in Tokyo: open again, and the right PIN resets the count.
        try sandbox.setClock("2026-11-22T00:00:00+09:00")
        let opened = try await verify(auth, "4821")
        #expect(!opened.locked && opened.failures == 0 && opened.attemptsLeft == 3)

        // Locked just after midnight: shut for nearly a whole day.
        try sandbox.setClock("2026-11-22T00:00:01+09:00")
        for digits in ["1111", "2222"] { _ = await refusal { try await verify(auth, digits) } }
        let lockedAgain = await refusal { try await verify(auth, "3333") }
        #expect(lockedAgain?.data?["unlocksAt"] == "2026-11-23T00:00:00+09:00")
        try sandbox.setClock("2026-11-22T23:59:59+09:00")
        #expect(await refusal { try await verify(auth, "4821") }?.reason == "pin_locked")

        // A correct PIN between failures resets the count.
        try sandbox.setClock("2026-11-23T00:00:00+09:00")
        _ = await refusal { try await verify(auth, "1111") }
        _ = await refusal { try await verify(auth, "2222") }
        _ = try await verify(auth, "4821")
        #expect(await refusal { try await verify(auth, "1111") }?.data?["attemptsLeft"] == 2)

        await auth.close()
        #expect(try await process.terminate() == 0)

        // No PIN in clear anywhere the service wrote.
        for file in try FileManager.default.contentsOfDirectory(atPath: sandbox.root.file("auth")) {
            let data = try Data(contentsOf: URL(fileURLWithPath: sandbox.root.file("auth/\(file)")))
            #expect(data.range(of: Data("4821".utf8)) == nil, "\(file)")
        }
        #expect(!process.log.contains("4821"))
    }

    @Test(arguments: StorageEngine.allCases) func issuedInitialPIN_isAcceptedButMustChange(_ engine: StorageEngine) async throws {
        let sandbox = try await ServiceSandbox.make(engine: engine)
        let process = try await sandbox.startActivated("auth")
        let auth = try await sandbox.client("auth")
        let issued = try await auth.call(
            PINSet.self, .init(subject: line, kind: .network, pin: pin("1234"), issued: true))
        #expect(issued.mustChange)
        let verified = try await auth.call(PINVerify.self, .init(subject: line, kind: .network, pin: pin("1234")))
        #expect(verified.mustChange)
        let unset = await refusal {
            try await auth.call(PINVerify.self, .init(subject: line, kind: .phone, pin: pin("1234")))
        }
        #expect(unset?.reason == "pin_not_set")
        await auth.close()
        #expect(try await process.terminate() == 0)
    }

    @Test(arguments: StorageEngine.allCases) func madoctl_setsVerifiesAndShowsPINs_readingThePINFromStandardInput(_ engine: StorageEngine) async throws {
        let sandbox = try await ServiceSandbox.make(now: "2026-11-21T22:00:00+09:00", engine: engine)
        let process = try await sandbox.startActivated("auth")
        let set = try await sandbox.madoctl(["pin", "set", "line:09011112222", "--birth-date", "1987-06-15"], input: "0615\n")
        #expect(set.status == 1)
        #expect(set.stderr.contains("reason pin_is_birthday"))
        #expect(!set.stderr.contains("0615"))
        #expect(try await sandbox.madoctl(["pin", "set", "line:09011112222"], input: "4821\n").status == 0)
        let right = try await sandbox.madoctl(["pin", "verify", "line:09011112222"], input: "4821\n")
        #expect(right.status == 0 && right.stdout.contains("PIN correct."))
        for _ in 0..<3 { _ = try await sandbox.madoctl(["pin", "verify", "line:09011112222", "--pin", "1357"]) }
        let status = try await sandbox.madoctl(["pin", "status", "line:09011112222"])
        #expect(status.stdout.contains("Locked until 2026-11-22T00:00:00+09:00."))
        let json = try await sandbox.madoctl(["pin", "status", "line:09011112222", "--json"])
        #expect(GoldenJSON.parse(json.stdout)?["locked"] == true)
        #expect(try await process.terminate() == 0)
    }

    @Test(arguments: StorageEngine.allCases) func phonePIN_isSetOnlyThroughTheIVR_andResetOnlyOnBusinessDays(_ engine: StorageEngine) async throws {
        let sandbox = try await ServiceSandbox.make(now: "2026-11-23T10:00:00+09:00", engine: engine)  // 勤労感謝の日, a Monday
        let process = try await sandbox.startActivated("auth")
        let auth = try await sandbox.client("auth")
        let card = try PINSubject(validating: "card:4980001234567890")

        let online = await refusal {
            try await auth.call(PINSet.self, .init(subject: card, kind: .phone, pin: pin("4821"), channel: .web))
        }
        #expect(online?.reason == "phone_pin_ivr_only")
        // The voice line is the call centre's: closed on the holiday too.
        let set = PINSet.Params(subject: card, kind: .phone, pin: pin("4821"), channel: .ivr)
        #expect(await refusal { try await auth.call(PINSet.self, set) }?.data?["nextBusinessDay"] == "2026-11-24")
        try sandbox.setClock("2026-11-24T10:00:00+09:00")
        #expect(try await auth.call(PINSet.self, set).isSet)
        try sandbox.setClock("2026-11-23T10:00:00+09:00")

        let reset = PINReset.Params(
            subject: card, kind: .phone, pin: pin("6390"), staff: "suzuki", reason: "verified by card and birth date")
        let holiday = await refusal { try await auth.call(PINReset.self, reset) }
        #expect(holiday?.reason == "call_centre_closed")
        #expect(holiday?.data?["nextBusinessDay"] == "2026-11-24")
        try sandbox.setClock("2026-11-28T10:00:00+09:00")  // Saturday
        #expect(await refusal { try await auth.call(PINReset.self, reset) }?.data?["nextBusinessDay"] == "2026-11-30")
        try sandbox.setClock("2026-11-24T10:00:00+09:00")
        let done = try await auth.call(PINReset.self, reset)
        #expect(done.mustChange)
        #expect(try await auth.call(PINVerify.self, .init(subject: card, kind: .phone, pin: pin("6390"))).mustChange)
        await auth.close()
        #expect(try await process.terminate() == 0)
    }

    @Test(.enabled(if: getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv")), arguments: StorageEngine.allCases)
    func pinReset_isRefusedToCallersWhoAreNotOperators(_ engine: StorageEngine) async throws {
        let sandbox = try await ServiceSandbox.make(engine: engine)
        let process = try await sandbox.startBound("auth")
        let params = #"{"subject":"line:09011112222","kind":"network","pin":"6390","staff":"x","reason":"y"}"#
        let asNobody = try await sandbox.madoctlAsNobody("auth", ["call", sandbox.socketPath("auth"), "pin.reset", params, "--json"])
        #expect(asNobody.status == 1, "\(asNobody.stderr)")
        #expect(GoldenJSON.parse(asNobody.stdout)?["error"]?["data"]?["reason"] == "operator_only")
        let asRoot = try await sandbox.madoctl(["call", sandbox.socketPath("auth"), "pin.reset", params])
        #expect(asRoot.status == 0, "\(asRoot.stderr)")
        #expect(try await process.terminate() == 0)

        // With nobody's group as the operator group, nobody is an operator.
        let withGroup = try await sandbox.startBound("auth", extraArguments: ["--operator-group", "nogroup"])
        let asOperator = try await sandbox.madoctlAsNobody("auth", ["call", sandbox.socketPath("auth"), "pin.reset", params])
        #expect(asOperator.status == 0, "\(asOperator.stderr)")
        #expect(try await withGroup.terminate() == 0)
    }

    @Test(arguments: StorageEngine.allCases) func mvnoPINChange_isPendingForFourDays_thenAppliedAndMailed(_ engine: StorageEngine) async throws {
        let sandbox = try await ServiceSandbox.make(now: "2026-11-21T12:00:00+09:00", engine: engine)
        let process = try await sandbox.startActivated("auth", extraArguments: ["--pin-change-delay", "345600"])
        let auth = try await sandbox.client("auth")
        _ = try await auth.call(PINSet.self, .init(subject: line, kind: .network, pin: pin("4821")))
        let wrongCurrent = await refusal {
            try await auth.call(
                PINChange.self, .init(subject: line, kind: .network, currentPIN: pin("1357"), newPIN: pin("6390")))
        }
        #expect(wrongCurrent?.reason == "pin_incorrect")
        let guessable = await refusal {
            try await auth.call(
                PINChange.self, .init(subject: line, kind: .network, currentPIN: pin("4821"), newPIN: pin("0000")))
        }
        #expect(guessable?.reason == "pin_is_repeated_digits")

        let accepted = try await auth.call(
            PINChange.self,
            .init(
                subject: line, kind: .network, currentPIN: pin("4821"), newPIN: pin("6390"),
                email: try EmailAddress(validating: "taro@example.jp")))
        #expect(accepted.pendingChangeDueAt == "2026-11-25T12:00:00+09:00")
        // Until it reaches the network, the old PIN is the one that works.
        #expect(try await auth.call(PINVerify.self, .init(subject: line, kind: .network, pin: pin("4821"))).isSet)
        try sandbox.setClock("2026-11-25T11:59:59+09:00")
        let status = try await auth.call(PINStatusMethod.self, .init(subject: line, kind: .network))
        #expect(status.pendingChangeDueAt == "2026-11-25T12:00:00+09:00")

        try sandbox.setClock("2026-11-25T12:00:00+09:00")
        try await waitUntil("the change to be applied") {
            try await auth.call(PINStatusMethod.self, .init(subject: line, kind: .network)).pendingChangeDueAt == nil
        }
        _ = try await auth.call(PINVerify.self, .init(subject: line, kind: .network, pin: pin("6390")))
        #expect(await refusal {
            try await auth.call(PINVerify.self, .init(subject: line, kind: .network, pin: pin("4821")))
        }?.reason == "pin_incorrect")
        try await waitUntil("the completion mail") {
            SpoolReader.entries(in: sandbox.spoolDirectory).contains { $0.to == "taro@example.jp" }
        }
        let mail = try #require(SpoolReader.entries(in: sandbox.spoolDirectory).first)
        #expect(mail.subject == "ネットワーク暗証番号の変更が完了しました")
        #expect(!mail.body.contains("6390") && !mail.body.contains("4821"))
        await auth.close()
        #expect(try await process.terminate() == 0)
    }

    @Test(arguments: StorageEngine.allCases) func pinChange_withoutDelay_appliesAtOnce(_ engine: StorageEngine) async throws {
        let sandbox = try await ServiceSandbox.make(engine: engine)
        let process = try await sandbox.startActivated("auth")
        let auth = try await sandbox.client("auth")
        _ = try await auth.call(PINSet.self, .init(subject: line, kind: .network, pin: pin("1234"), issued: true))
        let changed = try await auth.call(
            PINChange.self, .init(subject: line, kind: .network, currentPIN: pin("1234"), newPIN: pin("6390")))
        #expect(!changed.mustChange && changed.pendingChangeDueAt == nil)
        #expect(!(try await auth.call(PINVerify.self, .init(subject: line, kind: .network, pin: pin("6390")))).mustChange)
        await auth.close()
        #expect(try await process.terminate() == 0)
    }

    @Test(arguments: StorageEngine.allCases) func oneCallerTryingManyLines_isThrottledAcrossSubjects_andEveryEventIsAudited(_ engine: StorageEngine) async throws {
        let lines = try (0..<7).map { try PINSubject(validating: "line:0901111000\($0)") }
        let (sandbox, process, auth) = try await authLimitingCallers(engine, settingPINsOf: lines)
        // One wrong guess on each of five lines: no line is locked, but the caller is spent.
        for line in lines.prefix(5) {
            #expect(await refusal {
                try await auth.call(PINVerify.self, .init(subject: line, kind: .network, pin: pin("1357")))
            }?.reason == "pin_incorrect")
        }
        let throttled = await refusal {
            try await auth.call(PINVerify.self, .init(subject: lines[5], kind: .network, pin: pin("4821")))
        }
        #expect(throttled?.reason == "too_many_failures")
        #expect(throttled?.data?["retryAfter"] == "2026-11-21T12:10:00+09:00")
        try sandbox.setClock("2026-11-21T12:10:00+09:00")
        #expect(try await auth.call(PINVerify.self, .init(subject: lines[6], kind: .network, pin: pin("4821"))).isSet)

        let audit = try await auth.call(AuditList.self, .init(subject: lines[0]))
        #expect(audit.map(\.event) == ["pin_failure", "pin_set"])
        #expect(audit.first?.peerUID == Int64(getuid()))
        let all = try await auth.call(AuditList.self, .init(limit: 3))
        #expect(all.count == 3)
        await auth.close()
        #expect(try await process.terminate() == 0)
    }

    /// Guesses sent all at once cannot beat a line's lock: the checks of one line take
    /// turns, so of 40 wrong PINs and then the right one, written in one go on one
    /// connection, the lock is made by the third wrong one and the right one, last in
    /// line, is refused. (Before, every guess read the line as it was before any of them
    /// counted, and the right one was answered from that read: a burst tried as many PINs
    /// as it held.)
    @Test(arguments: StorageEngine.allCases) func guessesSentTogether_takeTurns_soTheLockHoldsAfterThree(_ engine: StorageEngine) async throws {
        let sandbox = try await ServiceSandbox.make(now: "2026-11-21T12:00:00+09:00", engine: engine)
        let process = try await sandbox.startActivated("auth")
        let auth = try await sandbox.client("auth")
        _ = try await auth.call(PINSet.self, .init(subject: line, kind: .network, pin: pin("4821")))
        let guesses = (0..<40).map { String(5000 + $0) } + ["4821"]
        let reasons = try sandbox.pinChecksInOneWrite(guesses.map { ("line:09012345678", $0) })
        #expect(reasons[40] == "pin_locked", "the right PIN, after 40 wrong ones: \(reasons[40] ?? "no answer")")
        #expect(reasons.values.filter { $0 == "pin_incorrect" }.count == 2, "\(reasons)")
        #expect(try await auth.call(PINStatusMethod.self, .init(subject: line, kind: .network)).locked)
        await auth.close()
        #expect(try await process.terminate() == 0)
    }

    /// One caller's guesses on many lines, sent all at once, are held to its limit: its
    /// checks in flight count with its failures, so of 40 wrong PINs on 40 lines written in
    /// one go, 5 are checked and the rest refused `too_many_failures`. (Before, each found
    /// the caller under its limit and all 40 were checked.)
    @Test(arguments: StorageEngine.allCases) func oneCallersGuessesSentTogether_areHeldToItsLimit(_ engine: StorageEngine) async throws {
        let lines = (0..<40).map { "line:090222\(String(10_000 + $0).suffix(5))" }
        let (sandbox, process, auth) = try await authLimitingCallers(engine, settingPINsOf: try lines.map { try PINSubject(validating: $0) })
        let reasons = try sandbox.pinChecksInOneWrite(lines.map { ($0, "1357") }).values
        #expect(reasons.filter { $0 == "pin_incorrect" }.count == 5, "\(reasons)")
        #expect(reasons.filter { $0 == "too_many_failures" }.count == 35, "\(reasons)")
        await auth.close()
        #expect(try await process.terminate() == 0)
    }

    @Test(arguments: StorageEngine.allCases) func madoctl_changesAndResetsPINs(_ engine: StorageEngine) async throws {
        let sandbox = try await ServiceSandbox.make(now: "2026-11-24T10:00:00+09:00", engine: engine)
        let process = try await sandbox.startActivated("auth")
        #expect(try await sandbox.madoctl(["pin", "set", "line:09033334444"], input: "4821\n").status == 0)
        let change = try await sandbox.madoctl(["pin", "change", "line:09033334444"], input: "4821\n6390\n")
        #expect(change.status == 0, "\(change.stderr)")
        #expect(try await sandbox.madoctl(["pin", "verify", "line:09033334444", "--pin", "6390"]).status == 0)
        let reset = try await sandbox.madoctl(
            ["pin", "reset", "line:09033334444", "--staff", "tanaka", "--reason", "checked ID at the shop"], input: "7214\n")
        #expect(reset.status == 0, "\(reset.stderr)")
        #expect(reset.stdout.contains("must be changed"))
        let audit = try await sandbox.madoctl(["call", "auth", "audit.list", #"{"subject":"line:09033334444"}"#, "--json"])
        guard case .array(let events)? = GoldenJSON.parse(audit.stdout) else {
            Issue.record("no audit: \(audit.stdout) \(audit.stderr)")
            return
        }
        #expect(events.first?["event"] == "pin_reset")
        #expect(events.first?["detail"]?.stringValue?.contains("tanaka") == true)
        #expect(try await process.terminate() == 0)
    }

    @Test(arguments: StorageEngine.allCases) func aTrustedFrontEndsEndUsers_areThrottledByTheirOrigin(_ engine: StorageEngine) async throws {
        let sandbox = try await ServiceSandbox.make(engine: engine)
        // The test runs as root, which is a trusted front end.
        let process = try await sandbox.startActivated("auth", extraArguments: ["--caller-failure-limit", "3"])
        let auth = try await sandbox.client("auth")
        let lines = try (0..<5).map { try PINSubject(validating: "line:0902222000\($0)") }
        for line in lines { _ = try await auth.call(PINSet.self, .init(subject: line, kind: .network, pin: pin("4821"))) }
        for line in lines.prefix(3) {
            _ = await refusal {
                try await auth.call(PINVerify.self, .init(subject: line, kind: .network, pin: pin("1357"), origin: "198.51.100.7"))
            }
        }
        #expect(await refusal {
            try await auth.call(PINVerify.self, .init(subject: lines[3], kind: .network, pin: pin("4821"), origin: "198.51.100.7"))
        }?.reason == "too_many_failures")
        // Another end user behind the same front end is not held back.
        #expect(try await auth.call(
            PINVerify.self, .init(subject: lines[3], kind: .network, pin: pin("4821"), origin: "198.51.100.8")).isSet)
        // Nor is the front end's own uid, counted apart from its end users.
        #expect(try await auth.call(PINVerify.self, .init(subject: lines[4], kind: .network, pin: pin("4821"))).isSet)
        await auth.close()
        #expect(try await process.terminate() == 0)
    }

    @Test(arguments: StorageEngine.allCases) func recordsTheServiceHolds_refuseDerivedPINs_andLengthsAreConfiguration(_ engine: StorageEngine) async throws {
        let sandbox = try await ServiceSandbox.make(now: "2026-11-24T10:00:00+09:00", engine: engine)  // a business day, for the phone PIN
        let process = try await sandbox.startActivated("auth", extraArguments: ["--pin-length", "card=6"])
        let auth = try await sandbox.client("auth")
        let card = try PINSubject(validating: "card:4980001111222233")
        #expect(await refusal {
            try await auth.call(PINSet.self, .init(subject: card, kind: .card, pin: pin("4821")))
        }?.data?["length"] == 6)
        _ = try await auth.call(PINSet.self, .init(subject: card, kind: .card, pin: pin("482193")))
        _ = try await auth.call(PINSet.self, .init(subject: card, kind: .card, pin: pin("739104")))
        // The phone PIN is checked against the card PIN the service holds, not one passed in.
        _ = try await auth.call(PINSet.self, .init(subject: card, kind: .phone, pin: pin("7391"), channel: .ivr))

        // Birth date and phone number given when the PIN was set still count at a change.
        _ = try await auth.call(
            PINSet.self,
            .init(
                subject: line, kind: .network, pin: pin("4821"), birthDate: try CivilDate(validating: "1987-06-15"),
                phoneNumbers: [try PhoneNumber(validating: "090-1234-5820")]))
        for (digits, reason) in [("0615", "pin_is_birthday"), ("5820", "pin_is_phone_digits")] {
            #expect(await refusal {
                try await auth.call(
                    PINChange.self, .init(subject: line, kind: .network, currentPIN: pin("4821"), newPIN: pin(digits)))
            }?.reason == reason)
        }
        await auth.close()
        #expect(try await process.terminate() == 0)
    }

    @Test(arguments: StorageEngine.allCases) func phonePIN_equalToTheStoredCardPIN_isRefused(_ engine: StorageEngine) async throws {
        let sandbox = try await ServiceSandbox.make(now: "2026-11-24T10:00:00+09:00", engine: engine)  // a business day, for the phone PIN
        let process = try await sandbox.startActivated("auth")
        let auth = try await sandbox.client("auth")
        let card = try PINSubject(validating: "card:4980001111222244")
        _ = try await auth.call(PINSet.self, .init(subject: card, kind: .card, pin: pin("7391")))
        #expect(await refusal {
            try await auth.call(PINSet.self, .init(subject: card, kind: .phone, pin: pin("7391"), channel: .ivr))
        }?.reason == "pin_same_as_card_pin")
        #expect(try await auth.call(PINSet.self, .init(subject: card, kind: .phone, pin: pin("2864"), channel: .ivr)).isSet)
        await auth.close()
        #expect(try await process.terminate() == 0)
    }
}
