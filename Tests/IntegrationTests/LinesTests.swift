import AuthAPI
import Foundation
import JSONRPC
import LinesAPI
import MadoguchiModels
import ServiceKit
import TestSupport
import Testing

/// madoguchi-lines through the Swift client: each voice option, the PIN and session ways
/// in, the lock until midnight Tokyo, and the data-only SIM.
@Suite(.sandboxed) struct LinesTests {
    typealias F = LinesFixture

    @Test(arguments: StorageEngine.allCases) func blockList_normalisesNumbers_capsEntries_andBlocksTheLastCaller(_ engine: StorageEngine) async throws {
        let fixture = try await LinesFixture(engine: engine, linesArguments: ["--block-list-limit", "3"])
        let lines = try await fixture.sandbox.client("lines")

        let added = try await lines.call(LineBlockAdd.self, .init(access: F.byPIN(), number: F.number("０３－１２３４－５６７８")))
        #expect(added.numbers.map(\.number) == ["0312345678"] && added.limit == 3)
        // The same number typed another way is the same entry: nothing changes, no SMS.
        let again = try await lines.call(LineBlockAdd.self, .init(access: F.byPIN(), number: F.number("03 1234 5678")))
        #expect(again.numbers.count == 1)

        // The last caller: the network reports a call, the customer blocks its number.
        let route = try await lines.call(LineCallRoute.self, .init(phoneNumber: F.number(F.voice), caller: F.number("050-1111-2222")))
        #expect(route.action == .ring)
        let last = try await lines.call(LineBlockAdd.self, .init(access: F.byPIN(), lastCaller: true))
        #expect(last.numbers.map(\.number) == ["0312345678", "05011112222"])
        let blocked = try await lines.call(LineCallRoute.self, .init(phoneNumber: F.number(F.voice), caller: F.number("05011112222")))
        #expect(blocked.action == .reject)
        // A withheld last caller cannot be blocked.
        _ = try await lines.call(LineCallRoute.self, .init(phoneNumber: F.number(F.voice), caller: nil))
        #expect(await refusal { try await lines.call(LineBlockAdd.self, .init(access: F.byPIN(), lastCaller: true)) }?.reason == "no_last_caller")
        // Neither or both of number and lastCaller is a params error.
        #expect(await refusal { try await lines.call(LineBlockAdd.self, .init(access: F.byPIN())) }?.code == .invalidParams)

        _ = try await lines.call(LineBlockAdd.self, .init(access: F.byPIN(), number: F.number("0120-000-111")))
        let full = await refusal { try await lines.call(LineBlockAdd.self, .init(access: F.byPIN(), number: F.number("0312340000"))) }
        #expect(full?.reason == "block_list_full" && full?.data?["limit"] == 3)
        #expect(try await lines.call(LineBlockList.self, .init(access: F.byPIN())).numbers.count == 3)

        let removed = try await lines.call(LineBlockRemove.self, .init(access: F.byPIN(), number: F.number("03-1234-5678")))
        #expect(removed.numbers.map(\.number) == ["05011112222", "0120000111"])
        #expect(await refusal { try await lines.call(LineBlockRemove.self, .init(access: F.byPIN(), number: F.number("0312345678"))) }?.reason == "not_blocked")
        // Another line's list is its own.
        #expect(try await lines.call(LineBlockList.self, .init(access: F.byPIN(F.otherVoice))).numbers.isEmpty)

        // Four changes, four SMS to the line, each naming the number; four audit lines.
        let sms = try await fixture.sms(count: 4)
        #expect(sms.count == 4 && sms[0].contains("0312345678") && sms[1].contains("05011112222") && sms[3].contains("削除"))
        let audit = try await lines.call(LineAudit.self, .init(phoneNumber: F.number(F.voice)))
        #expect(audit.map(\.event) == ["unblocked", "blocked", "blocked", "blocked"])
        #expect(audit[2].detail == "05011112222 (last caller)" && audit.allSatisfy { $0.via == "pin" })
        await lines.close()
        // Where the options are: the sandbox's engine, and no SQLite file beside it.
        let stateFiles = try FileManager.default.contentsOfDirectory(atPath: fixture.sandbox.root.file("lines"))
        #expect(stateFiles.contains("lines.sqlite") == (engine == .sqlite), "\(stateFiles)")
        #expect(fixture.lines.log.contains("keeping state in PostgreSQL") == (engine == .postgres))
        try await fixture.stop()
    }

    @Test(arguments: StorageEngine.allCases) func voicemail_startsStops_takesRingTimesInSteps_andKeepsMessages(_ engine: StorageEngine) async throws {
        let fixture = try await LinesFixture(engine: engine)
        let lines = try await fixture.sandbox.client("lines")
        let initial = try await lines.call(LineVoicemailStatus.self, .init(access: F.byPIN()))
        #expect(!initial.enabled && initial.ringSeconds == 15 && initial.ringSecondsAllowed == RingTimeRange(minimum: 0, maximum: 120, step: 5))
        #expect(try await lines.call(LineVoicemailStart.self, .init(access: F.byPIN())).enabled)
        #expect(try await lines.call(LineCallRoute.self, .init(phoneNumber: F.number(F.voice), caller: nil)).voicemailAfterSeconds == 15)

        for seconds in [-5, 7, 125] {
            let refused = await refusal { try await lines.call(LineVoicemailRingTime.self, .init(access: F.byPIN(), seconds: seconds)) }
            #expect(refused?.reason == "ring_time_invalid" && refused?.data?["step"] == 5, "\(seconds)")
        }
        #expect(try await lines.call(LineVoicemailRingTime.self, .init(access: F.byPIN(), seconds: 0)).ringSeconds == 0)
        #expect(try await lines.call(LineVoicemailRingTime.self, .init(access: F.byPIN(), seconds: 120)).ringSeconds == 120)

        // The voicemail platform reports two messages; the customer lists, saves, deletes.
        let first = try await lines.call(LineVoicemailDeposit.self, .init(phoneNumber: F.number(F.voice), caller: F.number("0312345678"), seconds: 42))
        try fixture.sandbox.setClock("2026-11-21T12:05:00+09:00")
        let second = try await lines.call(LineVoicemailDeposit.self, .init(phoneNumber: F.number(F.voice), caller: nil, seconds: 9))
        let all = try await lines.call(LineVoicemailMessages.self, .init(access: F.byPIN()))
        #expect(all.map(\.id) == [second.id, first.id] && all[1].caller == "0312345678" && all[1].seconds == 42 && all[0].caller == nil)
        #expect(all[1].receivedAt == "2026-11-21T12:00:00+09:00")
        #expect(try await lines.call(LineVoicemailSave.self, .init(access: F.byPIN(), id: first.id)).saved)
        #expect(try await lines.call(LineVoicemailMessages.self, .init(access: F.byPIN(), box: .new)).map(\.id) == [second.id])
        #expect(try await lines.call(LineVoicemailMessages.self, .init(access: F.byPIN(), box: .saved)).map(\.id) == [first.id])
        let afterDelete = try await lines.call(LineVoicemailDelete.self, .init(access: F.byPIN(), id: second.id))
        #expect(afterDelete.newMessages == 0 && afterDelete.savedMessages == 1)
        // Another line cannot touch this line's messages.
        #expect(await refusal { try await lines.call(LineVoicemailDelete.self, .init(access: F.byPIN(F.otherVoice), id: first.id)) }?.reason == "message_not_found")
        #expect(try await lines.call(LineVoicemailStop.self, .init(access: F.byPIN())).enabled == false)

        let sms = try await fixture.sms(count: 6)
        #expect(sms.count == 6 && sms[0].contains("開始") && sms[1].contains("0 秒") && sms[5].contains("停止"))
        await lines.close()
        try await fixture.stop()
    }

    @Test(arguments: StorageEngine.allCases) func forwarding_validatesTheDestination_andRoutesCalls(_ engine: StorageEngine) async throws {
        let fixture = try await LinesFixture(engine: engine)
        let lines = try await fixture.sandbox.client("lines")
        for destination in [F.voice, "0570-000-123"] {
            let refused = await refusal { try await lines.call(LineForwardStart.self, .init(access: F.byPIN(), destination: F.number(destination))) }
            #expect(refused?.reason == "forwarding_destination_invalid", "\(destination)")
        }
        // A number that is no Japanese number does not get past the params.
        let short = try JSONValue.parse(Data(#"{"access":{"phoneNumber":"09012345678","pin":"4821"},"destination":"110"}"#.utf8))
        #expect(await refusal { try await lines.call(method: "line.forward.start", params: short) }?.code == .invalidParams)
        #expect(try await lines.call(LineForwardStatus.self, .init(access: F.byPIN())).active == false)

        let started = try await lines.call(LineForwardStart.self, .init(access: F.byPIN(), destination: F.number("080-9999-0000")))
        #expect(started.active && started.destination == "08099990000" && started.since == "2026-11-21T12:00:00+09:00")
        let routed = try await lines.call(LineCallRoute.self, .init(phoneNumber: F.number(F.voice), caller: F.number("0312345678")))
        #expect(routed.action == .forward && routed.destination == "08099990000")
        #expect(try await lines.call(LineForwardStop.self, .init(access: F.byPIN())).active == false)
        #expect(try await lines.call(LineCallRoute.self, .init(phoneNumber: F.number(F.voice), caller: nil)).action == .ring)
        let sms = try await fixture.sms(count: 2)
        #expect(sms[0].contains("08099990000") && sms[1].contains("停止") && sms.allSatisfy { !$0.contains("4821") })
        await lines.close()
        try await fixture.stop()
    }

    /// A wrong PIN auth holds because its storage would not record it (here an operator's
    /// trigger or constraint on auth's audit) locks the line as surely as a recorded one:
    /// a session opened before opens nothing while it is held — `pin.status` writes the
    /// held failure first, or refuses — and once it is written the lock it makes holds.
    /// (Before, the status read only the stored count, two, and the option went through.)
    @Test(arguments: StorageEngine.allCases) func aWrongPINAuthHolds_shutsASessionsOptions_too(_ engine: StorageEngine) async throws {
        let fixture = try await LinesFixture(engine: engine)
        let lines = try await fixture.sandbox.client("lines")
        let session = try await lines.call(LineLogin.self, .init(phoneNumber: F.number(F.voice), pin: try PIN(validating: "4821")))
        for _ in 0..<2 {
            #expect(await refusal { try await lines.call(LineBlockList.self, .init(access: F.byPIN(F.voice, "1593"))) }?.reason == "pin_incorrect")
        }
        let (refuse, allow) =
            engine == .sqlite
            ? ("CREATE TRIGGER refuse_audit BEFORE INSERT ON audit BEGIN SELECT RAISE(ABORT, 'no audit today'); END", "DROP TRIGGER refuse_audit")
            : ("ALTER TABLE auth.audit ADD CONSTRAINT refuse_audit CHECK (false) NOT VALID", "ALTER TABLE auth.audit DROP CONSTRAINT refuse_audit")
        try await fixture.sandbox.operatorRuns(refuse, in: "auth")
        #expect(await refusal { try await lines.call(LineBlockList.self, .init(access: F.byPIN(F.voice, "1593"))) }?.reason == "internal")
        let whileHeld = await refusal {
            try await lines.call(LineForwardStart.self, .init(access: .session(session.session), destination: F.number("08099990000")))
        }
        #expect(whileHeld?.reason == "internal", "\(String(describing: whileHeld))")
        try await fixture.sandbox.operatorRuns(allow, in: "auth")
        let locked = await refusal {
            try await lines.call(LineForwardStart.self, .init(access: .session(session.session), destination: F.number("08099990000")))
        }
        #expect(locked?.reason == "pin_locked", "\(String(describing: locked))")
        #expect(try await lines.call(LineForwardStatus.self, .init(access: F.byPIN(F.otherVoice))).active == false)
        await lines.close()
        try await fixture.stop()
    }

    /// Three wrong PINs through the lines service lock the line's PIN in madoguchi-auth:
    /// every option refuses, the right PIN and a session opened before included, until
    /// 00:00 Tokyo.
    @Test(arguments: StorageEngine.allCases) func aLockedPIN_refusesEveryOption_untilMidnightTokyo(_ engine: StorageEngine) async throws {
        let fixture = try await LinesFixture(engine: engine)
        let lines = try await fixture.sandbox.client("lines")
        try fixture.sandbox.setClock("2026-11-21T21:50:00+09:00")
        let session = try await lines.call(LineLogin.self, .init(phoneNumber: F.number(F.voice), pin: try PIN(validating: "4821")))
        #expect(try await lines.call(LineStatus.self, .init(access: .session(session.session))).phoneNumber == F.voice)

        try fixture.sandbox.setClock("2026-11-21T22:00:00+09:00")
        for attemptsLeft in [2, 1] {
            let wrong = await refusal { try await lines.call(LineVoicemailStart.self, .init(access: F.byPIN(F.voice, "1593"))) }
            #expect(wrong?.reason == "pin_incorrect" && wrong?.data?["attemptsLeft"] == .int(Int64(attemptsLeft)))
        }
        let third = await refusal { try await lines.call(LineBlockList.self, .init(access: F.byPIN(F.voice, "1593"))) }
        #expect(third?.reason == "pin_locked" && third?.data?["unlocksAt"] == "2026-11-22T00:00:00+09:00")
        // The session opened before the lock is still valid, but opens nothing now.
        let bySession = await refusal {
            try await lines.call(LineForwardStart.self, .init(access: .session(session.session), destination: F.number("08099990000")))
        }
        #expect(bySession?.reason == "pin_locked" && bySession?.data?["unlocksAt"] == "2026-11-22T00:00:00+09:00")

        try fixture.sandbox.setClock("2026-11-21T23:59:59+09:00")
        let everyOption: [(String, () async throws -> Void)] = [
            ("status", { _ = try await lines.call(LineStatus.self, .init(access: F.byPIN())) }),
            ("block.add", { _ = try await lines.call(LineBlockAdd.self, .init(access: F.byPIN(), number: F.number("0312345678"))) }),
            ("block.list", { _ = try await lines.call(LineBlockList.self, .init(access: F.byPIN())) }),
            ("block.remove", { _ = try await lines.call(LineBlockRemove.self, .init(access: F.byPIN(), number: F.number("0312345678"))) }),
            ("voicemail.start", { _ = try await lines.call(LineVoicemailStart.self, .init(access: F.byPIN())) }),
            ("voicemail.stop", { _ = try await lines.call(LineVoicemailStop.self, .init(access: F.byPIN())) }),
            ("voicemail.status", { _ = try await lines.call(LineVoicemailStatus.self, .init(access: F.byPIN())) }),
            ("voicemail.ringTime", { _ = try await lines.call(LineVoicemailRingTime.self, .init(access: F.byPIN(), seconds: 20)) }),
            ("voicemail.messages", { _ = try await lines.call(LineVoicemailMessages.self, .init(access: F.byPIN())) }),
            ("voicemail.save", { _ = try await lines.call(LineVoicemailSave.self, .init(access: F.byPIN(), id: 1)) }),
            ("voicemail.delete", { _ = try await lines.call(LineVoicemailDelete.self, .init(access: F.byPIN(), id: 1)) }),
            ("forward.start", { _ = try await lines.call(LineForwardStart.self, .init(access: F.byPIN(), destination: F.number("08099990000"))) }),
            ("forward.stop", { _ = try await lines.call(LineForwardStop.self, .init(access: F.byPIN())) }),
            ("forward.status", { _ = try await lines.call(LineForwardStatus.self, .init(access: F.byPIN())) }),
            ("login", { _ = try await lines.call(LineLogin.self, .init(phoneNumber: F.number(F.voice), pin: try PIN(validating: "4821"))) }),
        ]
        for (name, call) in everyOption {
            let refused = await refusal { try await call() }
            #expect(refused?.reason == "pin_locked", "\(name)")
        }
        // The other line is not affected, and nothing changed on the locked one.
        #expect(try await lines.call(LineBlockList.self, .init(access: F.byPIN(F.otherVoice))).numbers.isEmpty)

        try fixture.sandbox.setClock("2026-11-22T00:00:00+09:00")
        #expect(try await lines.call(LineForwardStatus.self, .init(access: F.byPIN())).active == false)
        #expect(try await lines.call(LineBlockList.self, .init(access: F.byPIN())).numbers.isEmpty)
        #expect(try await lines.call(LineVoicemailStart.self, .init(access: F.byPIN())).enabled)
        await lines.close()
        try await fixture.stop()
    }

    @Test(arguments: StorageEngine.allCases) func aDataOnlySIM_isRefusedBeforeAnyPINIsTried_andUnknownLinesAndForeignSessionsToo(_ engine: StorageEngine) async throws {
        let fixture = try await LinesFixture(engine: engine)
        let lines = try await fixture.sandbox.client("lines")
        let dataOnly: [(String, () async throws -> Void)] = [
            ("block.list", { _ = try await lines.call(LineBlockList.self, .init(access: F.byPIN(F.dataOnly))) }),
            ("voicemail.start", { _ = try await lines.call(LineVoicemailStart.self, .init(access: F.byPIN(F.dataOnly))) }),
            ("forward.start", { _ = try await lines.call(LineForwardStart.self, .init(access: F.byPIN(F.dataOnly), destination: F.number("08099990000"))) }),
            ("login", { _ = try await lines.call(LineLogin.self, .init(phoneNumber: F.number(F.dataOnly), pin: try PIN(validating: "4821"))) }),
            ("route", { _ = try await lines.call(LineCallRoute.self, .init(phoneNumber: F.number(F.dataOnly), caller: nil)) }),
        ]
        for (name, call) in dataOnly {
            let refused = await refusal { try await call() }
            #expect(refused?.reason == "data_only" && refused?.code == ErrorCode(1502), "\(name)")
            #expect(refused?.message.contains("data-only") == true)
        }
        #expect(await refusal { try await lines.call(LineBlockList.self, .init(access: F.byPIN("09000000000"))) }?.reason == "line_not_found")

        // A session that is no line's (a My Page password login) opens no line.
        let auth = try await fixture.sandbox.client("auth")
        _ = try await auth.call(PasswordSet.self, .init(loginId: try LoginID(validating: "taro.web"), password: "Kaede2026x"))
        let web = try await auth.call(SessionOpen.self, .init(.password(try LoginID(validating: "taro.web"), "Kaede2026x")))
        #expect(await refusal { try await lines.call(LineBlockList.self, .init(access: .session(web.token ?? ""))) }?.reason == "session_not_for_line")
        await auth.close()
        // Network-side methods are for services and operators, not for anyone on the socket.
        let nobody = try await fixture.sandbox.madoctlAsNobody(
            "lines",
            ["call", "lines", "line.call.route", #"{"phoneNumber":"09012345678"}"#, "--runtime-dir", fixture.sandbox.runtimeDirectory])
        #expect(nobody.status == 1 && nobody.stderr.contains("service_only"), "\(nobody)")
        await lines.close()
        try await fixture.stop()
    }

    /// A line whose stored kind this build does not know (a row an operator's tool wrote):
    /// every call reads the kind first, on the calling thread (`InlineReaders`), and that
    /// read failing fails the call before any PIN is tried — the line is never taken for a
    /// voice line, nothing opens — while the other lines go on. Once the row is mended the
    /// line has all its tries: none was spent meanwhile.
    @Test func aLineWhoseStoredKindIsUnknown_isRefusedBeforeAnyPINIsTried() async throws {
        let fixture = try await LinesFixture(engine: .sqlite)
        let lines = try await fixture.sandbox.client("lines")
        func setKind(_ kind: String) async throws {
            let tool = try ChildProcess(
                "/usr/bin/python3",
                [
                    "-c",
                    """
                    import sqlite3, sys
                    database = sqlite3.connect(sys.argv[1], isolation_level=None)
                    database.execute("UPDATE line SET kind = ? WHERE phoneNumber = ?", (sys.argv[2], sys.argv[3]))
                    """,
                    fixture.sandbox.root.file("lines/lines.sqlite"), kind, F.voice,
                ], logPath: fixture.sandbox.root.file("operator-tool.log"))
            try #require(try await tool.waitForExit() == 0, "\(tool.log)")
        }
        try await setKind("satellite")

        let calls: [(String, () async throws -> Void)] = [
            ("block.list, wrong PIN", { _ = try await lines.call(LineBlockList.self, .init(access: F.byPIN(F.voice, "1593"))) }),
            ("voicemail.start", { _ = try await lines.call(LineVoicemailStart.self, .init(access: F.byPIN())) }),
            ("login", { _ = try await lines.call(LineLogin.self, .init(phoneNumber: F.number(F.voice), pin: try PIN(validating: "4821"))) }),
            ("route", { _ = try await lines.call(LineCallRoute.self, .init(phoneNumber: F.number(F.voice), caller: nil)) }),
        ]
        for (name, call) in calls {
            let refused = await refusal { try await call() }
            #expect(refused?.code == ErrorCode.internalError && refused?.message.contains("satellite") == false, "\(name): \(String(describing: refused))")
        }
        #expect(try await lines.call(LineBlockList.self, .init(access: F.byPIN(F.otherVoice))).numbers.isEmpty)

        try await setKind("voice")
        #expect(try await lines.call(LineVoicemailStatus.self, .init(access: F.byPIN())).enabled == false)
        let wrong = await refusal { try await lines.call(LineBlockList.self, .init(access: F.byPIN(F.voice, "1593"))) }
        #expect(wrong?.reason == "pin_incorrect" && wrong?.data?["attemptsLeft"] == .int(2), "\(String(describing: wrong))")
        await lines.close()
        try await fixture.stop()
    }

    /// A SIM moves between numbers in file order, on either engine: a number that frees
    /// its SIM before another takes it is one import; two numbers swapping SIMs in one
    /// file are refused (the first row would take a SIM still held) and change nothing.
    @Test(arguments: StorageEngine.allCases) func inventoryImport_movesASIMInFileOrder_andRefusesASwap(_ engine: StorageEngine) async throws {
        let fixture = try await LinesFixture(engine: engine)
        let file = fixture.sandbox.root.file("moves.csv")
        func importing(_ rows: String) async throws -> (status: Int32, stdout: String, stderr: String) {
            try "phoneNumber,customerNumber,iccid,kind\n\(rows)".write(toFile: file, atomically: true, encoding: .utf8)
            return try await fixture.sandbox.madoctl(["lines", "import", file])
        }
        // 080 takes a new SIM, then 090 takes 080's old one.
        let moved = try await importing(
            "080-1111-2222,00012345,8981100000000000036,voice\n090-1234-5678,00012345,8981100000000000010,voice\n")
        #expect(moved.status == 0 && moved.stdout.contains("0 new, 2 updated, 0 unchanged"), "\(moved)")
        // The same rows again are no change.
        let again = try await importing(
            "080-1111-2222,00012345,8981100000000000036,voice\n090-1234-5678,00012345,8981100000000000010,voice\n")
        #expect(again.status == 0 && again.stdout.contains("0 new, 0 updated, 2 unchanged"), "\(again)")
        // A swap in one file: the first row's SIM is still the other number's.
        let swap = try await importing(
            "090-1234-5678,00012345,8981100000000000036,voice\n080-1111-2222,00012345,8981100000000000010,voice\n")
        #expect(swap.status != 0 && swap.stderr.contains("row 2 (iccid): 8981100000000000036 is the SIM of 08011112222 already."), "\(swap)")
        #expect(swap.stderr.contains("nothing was imported"))
        #expect(try await importing(
            "080-1111-2222,00012345,8981100000000000036,voice\n090-1234-5678,00012345,8981100000000000010,voice\n"
        ).stdout.contains("0 new, 0 updated, 2 unchanged"))
        // A new number cannot take a SIM held by another either; nothing of the file lands.
        let taken = try await importing(
            "090-5555-6666,00012345,8981100000000000044,voice\n090-7777-8888,00012345,8981100000000000028,voice\n")
        #expect(taken.status != 0 && taken.stderr.contains("row 3 (iccid): 8981100000000000028 is the SIM of 07033334444"), "\(taken)")
        let lines = try await fixture.sandbox.client("lines")
        #expect(await refusal { try await lines.call(LineBlockList.self, .init(access: F.byPIN("09055556666"))) }?.reason == "line_not_found")
        await lines.close()
        try await fixture.stop()
    }
}
