import AuthAPI
import Foundation
import JSONRPC
import JSONRPCTransport
import LinesAPI
import MadoguchiModels
import RegistrationAPI
import ServiceContract
import TestSupport
import Testing

/// Faults that must fail closed, made for real: a hung peer (SIGSTOP), a full file system
/// (a 2 MiB tmpfs), a peer that is down, hostile batches, callers that pick their own
/// origins, and clients that never read.
@Suite(.sandboxed) struct FailClosedTests {
    /// Auth hung with calls pending: the calls time out (`unavailable`), their late answers
    /// reach none of the eight callers waiting when auth resumes, and the wrong PINs of the calls that gave
    /// up are not counted (their deadline had passed).
    @Test func aHungAuthsLateAnswers_reachNoOtherCaller_andCallsThatGaveUpCountNothing() async throws {
        let fixture = try await LinesFixture(linesArguments: ["--peer-timeout", "2"], authBound: true)
        // Activate lines and its connection to auth first.
        let warm = try await fixture.sandbox.client("lines")
        _ = try await warm.call(LineStatus.self, .init(access: LinesFixture.byPIN(LinesFixture.otherVoice)))
        await warm.close()

        try await fixture.auth.stop()
        func status(_ access: LineAccess) async -> Result<LineOptions, RPCError> {
            do {
                let client = try await fixture.sandbox.client("lines")
                defer { Task { await client.close() } }
                return .success(try await client.call(LineStatus.self, .init(access: access)))
            } catch let error as RPCError {
                return .failure(error)
            } catch {
                return .failure(RPCError(code: ErrorCode(0), message: "\(error)"))
            }
        }
        // Three wrong PINs while auth is hung: each gives up after the 2 s peer budget.
        let wrong = await withTaskGroup(of: Result<LineOptions, RPCError>.self) { group in
            for _ in 0..<3 { group.addTask { await status(LinesFixture.byPIN(LinesFixture.voice, "1593")) } }
            return await group.reduce(into: []) { $0.append($1) }
        }
        for outcome in wrong { #expect(outcome.failureReason == "unavailable", "\(outcome)") }

        // Right PINs sent while auth is still hung, so that they wait behind the late
        // answers; then auth resumes.
        let right = Task {
            await withTaskGroup(of: (String, Result<LineOptions, RPCError>).self) { group in
                for line in Array(repeating: [LinesFixture.voice, LinesFixture.otherVoice], count: 4).joined() {
                    group.addTask { (line, await status(LinesFixture.byPIN(line))) }
                }
                return await group.reduce(into: []) { $0.append($1) }
            }
        }
        try await Task.sleep(for: .milliseconds(500))  // ordering only: the calls must be on their way
        fixture.auth.resume()
        // Each caller gets its own line's options: no late answer, and no lock from the
        // wrong PINs whose callers gave up.
        for (line, outcome) in await right.value {
            #expect((try? outcome.get())?.phoneNumber == line, "\(line): \(outcome)")
        }

        let auth = try await fixture.sandbox.client("auth")
        let pin = try await auth.call(
            PINStatusMethod.self, .init(subject: .line(LinesFixture.number(LinesFixture.voice)), kind: .network))
        #expect(pin.failures == 0 && !pin.locked, "\(pin)")
        #expect(fixture.auth.log.contains("deadline had passed"))
        await auth.close()
        try await fixture.stop()
    }

    /// Auth's state on a full 2 MiB tmpfs: a wrong PIN cannot be recorded, so that PIN
    /// answers `storage_unavailable` right or wrong until the failure is written; the
    /// fault is logged once by name; once space returns the held failure counts.
    @Test func aFullDisk_neverLetsAPINGuessGoUncounted() async throws {
        let disk = try await FullDiskAuth()
        let auth = disk.client
        let (lineA, lineB) = (PINSubject.line(LinesFixture.number("09012345678")), PINSubject.line(LinesFixture.number("08011112222")))
        for line in [lineA, lineB] {
            _ = try await auth.call(PINSet.self, .init(subject: line, kind: .network, pin: try PIN(validating: "4821")))
        }
        func verify(_ subject: PINSubject, _ digits: String) async -> RPCError? {
            await refusal { try await auth.call(PINVerify.self, .init(subject: subject, kind: .network, pin: try PIN(validating: digits))) }
        }
        try await disk.fill()
        #expect(await verify(lineA, "1593")?.reason == "storage_unavailable")
        // The right PIN is not told apart from a wrong one while the failure is held.
        #expect(await verify(lineA, "4821")?.reason == "storage_unavailable")
        #expect(await verify(lineA, "7391")?.reason == "storage_unavailable")
        // Another line's right PIN changes nothing and is answered; its wrong one is held.
        #expect(await verify(lineB, "4821") == nil)
        #expect(await verify(lineB, "1593")?.reason == "storage_unavailable")
        #expect(await verify(lineB, "4821")?.reason == "storage_unavailable")
        #expect(disk.process.log.components(separatedBy: "storage fault: database or disk is full").count - 1 == 1, "\(disk.process.log)")
        #expect(!disk.process.log.contains("call failed"))

        try disk.free()
        // The held failure is written first: one more wrong PIN leaves one try.
        let after = await verify(lineA, "1593")
        #expect(after?.reason == "pin_incorrect" && after?.data?["attemptsLeft"] == .int(1), "\(String(describing: after))")
        #expect(await verify(lineA, "4821") == nil)
        #expect(disk.process.log.contains("storage works again"))
        try await disk.stop()
    }

    /// Auth's file locked by another connection (an operator's session in a write
    /// transaction) past auth's busy timeout: a wrong PIN cannot be recorded, so it is
    /// held and answered `storage_unavailable` as on a full disk — not an internal error
    /// that counts nothing while a right PIN still answers. Once the lock is let go the
    /// held failure counts.
    @Test func aDatabaseLockedByAnotherConnection_neverLetsAPINGuessGoUncounted() async throws {
        let lines = try await AuthWithTwoLines(engine: .sqlite)
        let operatorSession = try await Self.writeLockedByAnotherProcess(lines.sandbox)

        #expect(await lines.verify(lines.lineA, "1593")?.reason == "storage_unavailable")
        #expect(await lines.verify(lines.lineA, "4821")?.reason == "storage_unavailable")
        // Reads are not held up by a writer (WAL): another line's right PIN is answered.
        #expect(await lines.verify(lines.lineB, "4821") == nil)
        let log = lines.auth.log
        #expect(log.components(separatedBy: "storage fault: database busy").count - 1 == 1, "\(log)")
        #expect(!log.contains("call failed"))

        _ = try await operatorSession.terminate()
        try await lines.expectTheHeldFailureCounted()
    }

    /// Another process holding auth's file's write lock, as an operator's `sqlite3` in a
    /// write transaction would: until the process ends.
    static func writeLockedByAnotherProcess(_ sandbox: ServiceSandbox) async throws -> ChildProcess {
        let operatorSession = try ChildProcess(
            "/usr/bin/python3",
            [
                "-c",
                """
                import sqlite3, sys, time
                database = sqlite3.connect(sys.argv[1], isolation_level=None)
                database.execute("BEGIN IMMEDIATE")
                print("locked", flush=True)
                time.sleep(600)
                """,
                sandbox.root.file("auth/auth.sqlite"),
            ], logPath: sandbox.root.file("operator-session.log"))
        for _ in 0..<500 where !operatorSession.log.contains("locked") { try await Task.sleep(for: .milliseconds(10)) }
        try #require(operatorSession.log.contains("locked"), "\(operatorSession.log)")
        return operatorSession
    }

    /// Checks of one PIN take turns; a check whose caller's deadline passed while it
    /// waited for its turn is not made (the caller has been answered `unavailable`, which
    /// must mean "not done"): `deadline_exceeded` as soon as the turn comes. Here the first
    /// of four wrong PINs, sent together, holds the turn for auth's 5 s busy timeout (its
    /// file locked by another process); the three sent with it with a 1 s deadline are
    /// not checked, so once the lock is gone only the first one's failure counts.
    @Test func checksWhoseCallerGaveUpWhileWaitingForTheirTurn_areNotMade() async throws {
        let lines = try await AuthWithTwoLines(engine: .sqlite)
        let operatorSession = try await Self.writeLockedByAnotherProcess(lines.sandbox)
        let giveUp = CallDeadline.after(.seconds(1))
        let wrong = (0..<4).map { ("line:09012345678", String(1593 + $0)) }
        let reasons = try lines.sandbox.pinChecksInOneWrite(wrong, deadline: { $0 == 0 ? nil : giveUp })
        #expect(reasons == [0: "storage_unavailable", 1: "deadline_exceeded", 2: "deadline_exceeded", 3: "deadline_exceeded"], "\(reasons)")

        _ = try await operatorSession.terminate()
        try await lines.expectTheHeldFailureCounted()
    }

    /// The same for a check that waits for its caller's slot (a caller's checks in flight
    /// count with its failures; a password check has no turn to wait for besides). With
    /// auth's file locked by another process and a limit of 3: one wrong password is held
    /// (its failure cannot be written), and the two right ones sent after it for the same
    /// login each try to write it first, holding their slots for auth's 5 s busy timeout.
    /// A right password of another login, sent then with a 1 s deadline, waits for a slot
    /// and is then not checked (`deadline_exceeded`).
    @Test func aCheckWhoseCallerGaveUpWhileWaitingForASlot_isNotMade() async throws {
        let sandbox = try ServiceSandbox()
        let auth = try await sandbox.startBound("auth", extraArguments: ["--caller-failure-limit", "3"])
        let client = try await sandbox.client("auth", timeout: .seconds(30))
        let (taro, hanako) = (try LoginID(validating: "taro.yamada"), try LoginID(validating: "hanako.sato"))
        for login in [taro, hanako] { _ = try await client.call(PasswordSet.self, .init(loginId: login, password: "Sakura2026")) }
        let operatorSession = try await Self.writeLockedByAnotherProcess(sandbox)
        let held = await refusal { try await client.call(PasswordVerify.self, .init(loginId: taro, password: "Wrong2026x")) }
        #expect(held?.reason == "storage_unavailable")

        let first = try RawSocket(path: sandbox.socketPath("auth"), readTimeout: .seconds(30))
        #expect(first.send(
            try RawCalls.passwordVerify(id: 0, loginId: "taro.yamada", password: "Sakura2026")
                + RawCalls.passwordVerify(id: 1, loginId: "taro.yamada", password: "Sakura2026")))
        try await waitUntil("both checks to be in flight") { (try await client.call(ServiceInfo.self)).callsInFlight >= 3 }
        let second = try RawSocket(path: sandbox.socketPath("auth"), readTimeout: .seconds(30))
        #expect(second.send(try RawCalls.passwordVerify(id: 2, loginId: "hanako.sato", password: "Sakura2026", deadline: .after(.seconds(1)))))

        let reasons = try RawCalls.reasons(from: first, count: 2).merging(try RawCalls.reasons(from: second, count: 1)) { $1 }
        #expect(reasons == [0: "storage_unavailable", 1: "storage_unavailable", 2: "deadline_exceeded"], "\(reasons)")
        _ = try await operatorSession.terminate()
        await client.close()
        #expect(try await auth.terminate() == 0)
    }

    /// A write refused for a reason no rule foresaw — an operator's change to auth's audit
    /// table that refuses every new row — answers `internal`, and the wrong PIN it did not
    /// record is held all the same: the right PIN is refused too until the failure is
    /// written, and it counts once the change is undone.
    @Test(arguments: StorageEngine.allCases) func aWriteRefusedForAnUnforeseenReason_stillHoldsTheWrongPIN(_ engine: StorageEngine) async throws {
        let lines = try await AuthWithTwoLines(engine: engine)
        let (refuse, allow) =
            engine == .sqlite
            ? ("CREATE TRIGGER refuse_audit BEFORE INSERT ON audit BEGIN SELECT RAISE(ABORT, 'no audit today'); END", "DROP TRIGGER refuse_audit")
            : ("ALTER TABLE auth.audit ADD CONSTRAINT refuse_audit CHECK (false) NOT VALID", "ALTER TABLE auth.audit DROP CONSTRAINT refuse_audit")

        try await lines.sandbox.operatorRuns(refuse, in: "auth")
        #expect(await lines.verify(lines.lineA, "1593")?.reason == "internal")
        #expect(await lines.verify(lines.lineA, "4821")?.reason == "internal")
        try await lines.sandbox.operatorRuns(allow, in: "auth")
        try await lines.expectTheHeldFailureCounted()
    }

    /// A disk full at a graceful stop: the database cannot be emptied of its log or the
    /// clean-stop note cannot be written, so none is left, the stop says the next start
    /// checks the whole database, and it does (the PIN set before is all there).
    @Test func aFullDiskAtStop_leavesNoCleanStopNote_andTheNextStartChecksInFull() async throws {
        let disk = try await FullDiskAuth()
        let line = PINSubject.line(LinesFixture.number("09012345678"))
        _ = try await disk.client.call(PINSet.self, .init(subject: line, kind: .network, pin: try PIN(validating: "4821")))
        try await disk.fill()
        await disk.client.close()
        #expect(try await disk.process.terminate() == 0)
        #expect(disk.process.log.contains("the next start checks the whole"), "\(disk.process.log)")
        #expect(!FileManager.default.fileExists(atPath: disk.state + "/auth.sqlite-clean-stop"))

        try disk.free()
        let again = try await disk.sandbox.startBound("auth")
        #expect(!again.log.contains("the integrity check at start is not needed"), "\(again.log)")
        let client = try await disk.sandbox.client("auth")
        #expect(try await client.call(PINVerify.self, .init(subject: line, kind: .network, pin: try PIN(validating: "4821"))).failures == 0)
        await client.close()
        #expect(try await again.terminate() == 0)
        _ = umount2(disk.state, Int32(MNT_DETACH))
    }

    /// A backup on a full disk answers `storage_unavailable` and leaves nothing half-written
    /// beside the backup made before it (of the same name, the test clock standing still),
    /// which is untouched; the service goes on answering, and once space returns a backup
    /// is made again.
    @Test func aBackupOnAFullDisk_leavesNoPartialCopy_andTheEarlierBackupStands() async throws {
        let disk = try await FullDiskAuth()
        let line = PINSubject.line(LinesFixture.number("09012345678"))
        _ = try await disk.client.call(PINSet.self, .init(subject: line, kind: .network, pin: try PIN(validating: "4821")))
        let first = try await disk.client.call(ServiceBackup.self)
        let backups = disk.state + "/backups"
        let before = try Data(contentsOf: URL(fileURLWithPath: first.file))
        try await disk.fill()
        let refused = await refusal { try await disk.client.call(ServiceBackup.self) }
        #expect(refused?.reason == "storage_unavailable", "\(String(describing: refused))")
        #expect(try FileManager.default.contentsOfDirectory(atPath: backups) == [(first.file as NSString).lastPathComponent])
        #expect(try Data(contentsOf: URL(fileURLWithPath: first.file)) == before)
        #expect(try await disk.client.call(PINVerify.self, .init(subject: line, kind: .network, pin: try PIN(validating: "4821"))).failures == 0)
        try disk.free()
        let again = try await disk.client.call(ServiceBackup.self)
        #expect(again.integrity == "ok" && again.file == first.file)
        try await disk.stop()
    }

    /// An erasure on a full disk answers `storage_unavailable` and removes nothing (one
    /// transaction); once space returns it removes everything.
    @Test func anErasureOnAFullDisk_removesNothing_untilItCan() async throws {
        let disk = try await FullDiskAuth()
        let line = PINSubject.line(LinesFixture.number("09012345678"))
        _ = try await disk.client.call(PINSet.self, .init(subject: line, kind: .network, pin: try PIN(validating: "4821")))
        _ = try await disk.client.call(
            PasswordSet.self, .init(loginId: try LoginID(validating: "taro.yamada"), password: "Sakura2026", customerNumber: try CustomerNumber(validating: "12345")))
        let erase = CustomerErase.Params(
            customerNumber: try CustomerNumber(validating: "12345"), phoneNumbers: ["09012345678"], loginIds: ["taro.yamada"])
        try await disk.fill()
        let refused = await refusal { try await disk.client.call(CustomerErase.self, erase) }
        #expect(refused?.reason == "storage_unavailable", "\(String(describing: refused))")
        #expect(try await disk.client.call(PINStatusMethod.self, .init(subject: line, kind: .network)).isSet)
        try disk.free()
        let report = try await disk.client.call(CustomerErase.self, erase)
        #expect(report.removed.map(\.what) == ["PINs", "passwords"], "\(report)")
        #expect(try await disk.client.call(PINStatusMethod.self, .init(subject: line, kind: .network)).isSet == false)
        try await disk.stop()
    }

    /// The same for passwords and one-time codes: a wrong one the disk refused holds that
    /// login (or code) at `storage_unavailable`, right or wrong, until it is written.
    @Test func aFullDisk_neverLetsAPasswordOrCodeGuessGoUncounted() async throws {
        let disk = try await FullDiskAuth()
        let auth = disk.client
        let login = try LoginID(validating: "taro.yamada")
        _ = try await auth.call(PasswordSet.self, .init(loginId: login, password: "Sakura2026"))
        let purpose = try CodePurpose(validating: "signup")
        let destination = try CodeDestination(channel: .mail, to: "taro@example.jp")
        _ = try await auth.call(OTPIssue.self, .init(purpose: purpose, destination: destination))
        let code = try await disk.sandbox.code(to: "taro@example.jp")
        let wrongCode = String((Int(code)! + 1) % 1_000_000).leftPadded(to: code.count)
        func password(_ text: String) async -> RPCError? {
            await refusal { try await auth.call(PasswordVerify.self, .init(loginId: login, password: text)) }
        }
        func otp(_ text: String) async -> RPCError? {
            await refusal { try await auth.call(OTPVerify.self, .init(purpose: purpose, destination: destination, code: text)) }
        }
        try await disk.fill()
        #expect(await password("Wrong2026x")?.reason == "storage_unavailable")
        #expect(await password("Sakura2026")?.reason == "storage_unavailable")
        #expect(await otp(wrongCode)?.reason == "storage_unavailable")
        #expect(await otp(code)?.reason == "storage_unavailable")

        try disk.free()
        #expect(await password("Sakura2026") == nil)
        // The held wrong code counts: this wrong one is the second of five.
        let second = await otp(wrongCode)
        #expect(second?.reason == "code_incorrect" && second?.data?["triesLeft"] == .int(3), "\(String(describing: second))")
        #expect(await otp(code) == nil)
        try await disk.stop()
    }

    /// A code asked for on a full disk cannot be counted against its address's hourly
    /// allowance, so none is made: `storage_unavailable`, no mail. The refused asks spend
    /// none of the allowance, and the limit holds once space returns.
    @Test func aFullDisk_makesNoCode_andSpendsNoneOfTheHoursAllowance() async throws {
        let disk = try await FullDiskAuth(extraArguments: ["--code-issue-limit", "2"])
        let signup = try CodePurpose(validating: "signup")
        let mail = try CodeDestination(channel: .mail, to: "hanako@example.jp")
        func issue() async -> RPCError? {
            await refusal { try await disk.client.call(OTPIssue.self, .init(purpose: signup, destination: mail)) }
        }
        try await disk.fill()
        for _ in 0..<3 { #expect(await issue()?.reason == "storage_unavailable") }

        try disk.free()
        #expect(await issue() == nil)
        #expect(await issue() == nil)
        #expect(await issue()?.reason == "too_many_attempts")
        // The outbox delivers in order: a message the refused asks had queued would be
        // in the spool before these two.
        _ = try await disk.sandbox.code(to: "hanako@example.jp", number: 2)
        #expect(disk.sandbox.messages(to: "hanako@example.jp").count == 2)
        try await disk.stop()
    }

    /// An operator's requeue or drop of a dead outbox message on a full disk answers
    /// `storage_unavailable` and changes nothing: the message stays dead, no audit line is
    /// written. Once space returns, each works and is audited.
    @Test func anOutboxRequeueOrDropOnAFullDisk_changesNothing_untilItCan() async throws {
        let failingMail = ["--mail-transport", "sendmail", "--sendmail-path", "/bin/false", "--outbox-max-attempts", "1"]
        let disk = try await FullDiskAuth(extraArguments: failingMail)
        let sandbox = disk.sandbox
        for to in ["ichiro@example.jp", "jiro@example.jp"] {
            let destination = try CodeDestination(channel: .mail, to: to)
            _ = try await disk.client.call(OTPIssue.self, .init(purpose: try CodePurpose(validating: "signup"), destination: destination))
        }
        let deadList = { try await sandbox.madoctl(["outbox", "queue", "auth", "--dead", "--json"]).stdout }
        try await waitUntil("both mails to be set aside as dead") { try await deadList().components(separatedBy: #""deadAt""#).count == 3 }
        let ids = try OutboxOperationsTests.ids(try await deadList())
        let (ichiro, jiro) = (try #require(ids["ichiro@example.jp"]), try #require(ids["jiro@example.jp"]))

        try await disk.fill()
        let requeue = try await sandbox.madoctl(["outbox", "requeue", "auth", "\(ichiro)"])
        #expect(requeue.status == 1 && requeue.stderr.contains("storage_unavailable"), "\(requeue)")
        let drop = try await sandbox.madoctl(["outbox", "drop", "auth", "\(jiro)"])
        #expect(drop.status == 1 && drop.stderr.contains("storage_unavailable"), "\(drop)")
        #expect(try OutboxOperationsTests.ids(try await deadList()) == ids)
        let audit = { try await sandbox.madoctl(["outbox", "audit", "auth"]).stdout }
        let auditWhileFull = try await audit()
        #expect(!auditWhileFull.contains("requeued by") && !auditWhileFull.contains("dropped by"), "\(auditWhileFull)")

        try disk.free()
        #expect(try await sandbox.madoctl(["outbox", "drop", "auth", "\(jiro)"]).stdout.contains("#\(jiro) dropped"))
        #expect(try await sandbox.madoctl(["outbox", "requeue", "auth", "\(ichiro)"]).stdout.contains("#\(ichiro) requeued"))
        #expect(try await audit().contains("#\(ichiro) [mail] requeued by uid 0"))
        #expect(try await audit().contains("#\(jiro) [mail] dropped by uid 0"))
        try await disk.stop()
    }

    /// A retention pass on a full disk removes nothing (each rule one transaction) and says
    /// so once; it is made again at the next look, not an hour of the service clock later,
    /// so the ended session and the expired code go as soon as space returns, the clock
    /// standing still.
    @Test func aRetentionPassOnAFullDisk_removesNothing_andIsMadeAgainOnceSpaceReturns() async throws {
        let disk = try await FullDiskAuth()
        let auth = disk.client
        let phone = try PhoneNumber(validating: "09012345678")
        _ = try await auth.call(PINSet.self, .init(subject: .line(phone), kind: .network, pin: try PIN(validating: "4821")))
        _ = try await auth.call(SessionOpen.self, .init(.phonePIN(phone, try PIN(validating: "4821"))))
        _ = try await auth.call(
            OTPIssue.self, .init(purpose: try CodePurpose(validating: "signup"), destination: try CodeDestination(channel: .sms, to: "09012345678")))
        let rows = { try RetentionTests.rows(disk.sandbox) }
        #expect(try rows().sessions == 1 && rows().codes == 1)

        try await disk.fill()
        // Two days on: both ended over a day ago.
        try disk.sandbox.setClock("2026-11-23T12:00:00+09:00")
        try await waitUntil("the pass to fail") { disk.process.log.contains("retention: removing ended sessions failed") }
        #expect(try rows().sessions == 1 && rows().codes == 1)
        #expect(try await auth.call(PINStatusMethod.self, .init(subject: .line(phone), kind: .network)).isSet)

        try disk.free()
        try await waitUntil("the ended session and the expired code to go") { try rows().sessions == 0 && rows().codes == 0 }
        #expect(disk.process.log.contains("retention: removing ended sessions works again"), "\(disk.process.log)")
        #expect(disk.process.log.components(separatedBy: "retention: removing ended sessions failed").count == 2, "\(disk.process.log)")
        try await disk.stop()
    }

    /// With auth down, a login to a known account and to an unknown one answer alike.
    @Test func myPageLogin_withAuthDown_answersAlikeForKnownAndUnknownAccounts() async throws {
        var fixture = try await RegistrationFixture()
        let registration = try await fixture.client()
        try await fixture.signUpTaro(registration)
        _ = try await fixture.auth.terminate()
        let known = await refusal { try await registration.call(MyPageLogin.self, .init(loginId: "taro.yamada", password: "Wrong2026x")) }
        let unknown = await refusal { try await registration.call(MyPageLogin.self, .init(loginId: "nobody.here", password: "Wrong2026x")) }
        let byEmail = await refusal { try await registration.call(MyPageLogin.self, .init(loginId: "nobody@example.jp", password: "Wrong2026x")) }
        #expect(known?.reason == "unavailable")
        #expect(unknown == known && byEmail == known, "\(String(describing: known)) / \(String(describing: unknown)) / \(String(describing: byEmail))")
        await registration.close()
        try await fixture.restartAuth()
        try await fixture.stop()
    }

    /// One line cannot make a service build an unbounded reply, nor grow auth's
    /// per-caller table with huge origins.
    @Test func batchesRepliesAndOrigins_areBounded() async throws {
        let sandbox = try ServiceSandbox()
        let process = try await sandbox.startBound("auth")
        let socket = try RawSocket(path: sandbox.socketPath("auth"))
        let discover = #"{"jsonrpc":"2.0","id":1,"method":"rpc.discover"}"#
        #expect(socket.send("[" + Array(repeating: discover, count: 101).joined(separator: ",") + "]\n"))
        let refused = try #require(try socket.readLine())
        let refusedWhole = refused.contains("batch_too_large") && refused.contains("-32004") && refused.utf8.count < 400
        #expect(refusedWhole, "\(refused.prefix(300))")

        // The largest batch taken, of the largest answer auth has: under the reply cap,
        // and auth's memory stays small (the cap itself: DispatcherTests).
        for _ in 0..<5 {
            #expect(socket.send("[" + Array(repeating: discover, count: 100).joined(separator: ",") + "]\n"))
            let reply = try #require(try socket.readLine())
            let answered = reply.components(separatedBy: #""openrpc""#).count - 1
            #expect(answered == 100 && reply.utf8.count <= 4 << 20, "\(answered) answers, \(reply.utf8.count) bytes")
        }
        let rss = try #require(Self.residentMegabytes(of: process.pid))
        #expect(rss < 150, "auth holds \(rss) MB after the batches")

        let client = try await sandbox.client("auth")
        let longOrigin = String(repeating: "x", count: 129)
        let tooLong = await refusal {
            try await client.call(
                PINVerify.self,
                .init(subject: .line(LinesFixture.number("09012345678")), kind: .network, pin: try PIN(validating: "1593"), origin: longOrigin))
        }
        #expect(tooLong?.reason == "origin_too_long")
        await client.close()
        #expect(try await process.terminate() == 0)
    }

    /// Each method that takes an end user's origin bounds it at 128 bytes before it checks
    /// or changes anything: after a 129-byte origin the PIN and the password are unchanged.
    @Test func aLongOrigin_isRefusedByEachMethodThatTakesOne_andChangesNothing() async throws {
        let sandbox = try ServiceSandbox()
        let process = try await sandbox.startActivated("auth")
        let auth = try await sandbox.client("auth")
        let line = PINSubject.line(LinesFixture.number("09012345678"))
        let login = try LoginID(validating: "taro.yamada")
        let (pin, newPIN) = (try PIN(validating: "4821"), try PIN(validating: "7391"))
        _ = try await auth.call(PINSet.self, .init(subject: line, kind: .network, pin: pin))
        _ = try await auth.call(PasswordSet.self, .init(loginId: login, password: "Sakura2026"))
        let long = String(repeating: "x", count: 129)

        let refusals = [
            await refusal { try await auth.call(PINChange.self, .init(subject: line, kind: .network, currentPIN: pin, newPIN: newPIN, origin: long)) },
            await refusal {
                try await auth.call(PasswordChange.self, .init(loginId: login, currentPassword: "Sakura2026", newPassword: "Kaede2026x", origin: long))
            },
            await refusal { try await auth.call(PasswordVerify.self, .init(loginId: login, password: "Sakura2026", origin: long)) },
            await refusal { try await auth.call(SessionOpen.self, .init(.password(login, "Sakura2026"), origin: long)) },
        ]
        for answer in refusals { #expect(answer?.reason == "origin_too_long" && answer?.data?["field"] == "origin", "\(String(describing: answer))") }
        _ = try await auth.call(PINVerify.self, .init(subject: line, kind: .network, pin: pin))
        _ = try await auth.call(PasswordVerify.self, .init(loginId: login, password: "Sakura2026"))
        await auth.close()
        #expect(try await process.terminate() == 0)
    }

    /// A caller of lines that is not a trusted front end cannot pick a fresh origin per
    /// guess: auth counts its wrong PINs by its uid, and another uid is not held back.
    @Test func untrustedCallersOfLines_areThrottledByUID_whateverOriginTheyClaim() async throws {
        let sandbox = try ServiceSandbox()
        let auth = try await sandbox.startActivated("auth", extraArguments: ["--caller-failure-limit", "4"])
        let lines = try await sandbox.startActivated("lines")
        let fixtureLines = sandbox.root.file("lines.csv")
        try """
            phoneNumber,customerNumber,iccid,kind
            090-1234-5678,00012345,8981100000000000002,voice
            080-1111-2222,00012345,8981100000000000010,voice
            """.write(toFile: fixtureLines, atomically: true, encoding: .utf8)
        #expect(try await sandbox.madoctl(["lines", "import", fixtureLines]).status == 0)
        let client = try await sandbox.client("auth")
        for line in ["09012345678", "08011112222"] {
            _ = try await client.call(
                PINSet.self, .init(subject: .line(LinesFixture.number(line)), kind: .network, pin: try PIN(validating: "4821")))
        }
        await client.close()
        func guess(as uid: UInt32, line: String, origin: String) async throws -> String {
            let params = #"{"access":{"phoneNumber":"\#(line)","pin":"1593"},"origin":"\#(origin)"}"#
            let result = try await sandbox.madoctlAs(uid: uid, "lines", ["call", sandbox.socketPath("lines"), "line.status", params, "--json"])
            return result.stdout + result.stderr
        }
        for (index, line) in ["09012345678", "09012345678", "09012345678", "08011112222"].enumerated() {
            let answer = try await guess(as: 65534, line: line, origin: "198.51.100.\(index)")
            #expect(answer.contains("pin_incorrect") || answer.contains("pin_locked"), "\(answer)")
        }
        let fifth = try await guess(as: 65534, line: "08011112222", origin: "203.0.113.99")
        #expect(fifth.contains("too_many_failures"), "\(fifth)")
        let other = try await guess(as: 65533, line: "08011112222", origin: "203.0.113.99")
        #expect(!other.contains("too_many_failures"), "\(other)")
        #expect(try await lines.terminate() == 0)
        _ = try await auth.terminate()
    }

    /// A client that sends calls and never reads the replies is closed once they back up
    /// for the idle timeout, instead of holding its connection forever.
    @Test func aClientThatNeverReads_isClosedAfterTheIdleTimeout() async throws {
        let sandbox = try ServiceSandbox()
        let process = try await sandbox.startBound("auth", extraArguments: ["--idle-timeout", "1"])
        let socket = try RawSocket(path: sandbox.socketPath("auth"), readTimeout: .seconds(15))
        let discover = #"{"jsonrpc":"2.0","id":1,"method":"rpc.discover"}"# + "\n"
        var sent = 0
        // Replies are far larger than calls: the server's socket fills long before ours.
        while sent < 2000, socket.send(discover) { sent += 1 }
        #expect(try socket.waitForClose())
        // Still serving: a raw socket sends at once (a client slower than the 1 s idle
        // timeout on a loaded machine would itself be closed as idle).
        let other = try RawSocket(path: sandbox.socketPath("auth"))
        #expect(other.send(#"{"jsonrpc":"2.0","id":1,"method":"service.ping"}"# + "\n"))
        #expect(try other.readLine()?.contains(#""service":"auth""#) == true)
        #expect(try await process.terminate() == 0)
    }

    static func residentMegabytes(of pid: pid_t) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
            let kilobytes = Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "")
        else { return nil }
        return kilobytes / 1024
    }
}

extension Result where Failure == RPCError {
    var failureReason: String? {
        if case .failure(let error) = self { return error.reason }
        return nil
    }
}

/// A service's state folder on a 2 MiB tmpfs that a test fills and frees: mounted before
/// the service starts, so that its database lives there.
struct SmallDisk {
    let state: String

    init(for service: String, in sandbox: ServiceSandbox) async throws {
        state = sandbox.root.file(service)
        try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)
        let mounted = try await ChildProcess.run("/bin/mount", ["-t", "tmpfs", "-o", "size=2m", "tmpfs", state])
        try #require(mounted.status == 0, "\(mounted.stderr)")
    }

    /// Fills the file system to the last block.
    func fill() async throws {
        let fill = try await ChildProcess.run("/bin/dd", ["if=/dev/zero", "of=\(state)/filler", "bs=4k"])
        #expect(fill.stderr.contains("No space left"), "\(fill.stderr)")
    }

    func free() throws {
        try FileManager.default.removeItem(atPath: state + "/filler")
    }

    /// Lets go of the mount once the service has stopped.
    func unmount() {
        _ = umount2(state, Int32(MNT_DETACH))
    }
}

/// madoguchi-auth with its state folder on a `SmallDisk`.
struct FullDiskAuth {
    let sandbox: ServiceSandbox
    let disk: SmallDisk
    let process: ChildProcess
    let client: RPCClient

    var state: String { disk.state }

    init(extraArguments: [String] = []) async throws {
        sandbox = try ServiceSandbox()
        disk = try await SmallDisk(for: "auth", in: sandbox)
        process = try await sandbox.startBound("auth", extraArguments: extraArguments)
        client = try await sandbox.client("auth")
    }

    func fill() async throws { try await disk.fill() }

    func free() throws { try disk.free() }

    func stop() async throws {
        await client.close()
        #expect(try await process.terminate() == 0)
        disk.unmount()
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        String(repeating: "0", count: max(0, width - count)) + self
    }
}
