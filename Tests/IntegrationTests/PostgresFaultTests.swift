import AuthAPI
import BillingAPI
import Foundation
import JSONRPC
import JSONRPCTransport
import LinesAPI
import LinkingAPI
import Logging
import MadoguchiModels
import PostgresNIO
import RegistrationAPI
import ServiceContract
import ServiceKit
import TestSupport
import Testing

/// Services on PostgreSQL with the server hung (every process of it stopped with SIGSTOP,
/// `stopEveryProcess()`, on a cluster of the test's own): calls are
/// answered `storage_unavailable` within the stores' time limits, never hang, never
/// answer from elsewhere and change nothing; once the server answers again, the service
/// serves as before.
@Suite(.sandboxed) struct PostgresFaultTests {
    /// Billing: a statement list and an import's start.
    @Test func billing_onAHungDatabase_answersStorageUnavailable_untilItAnswersAgain() async throws {
        let cluster = try await PostgresCluster.own()
        let sandbox = try ServiceSandbox(postgresURL: try await cluster.freshDatabase())
        let billing = try await sandbox.startBound("billing")
        let client = try await sandbox.client("billing", timeout: .seconds(60))
        let handle = try await client.call(ImportBegin<StatementRecords>.self, NoParams())
        _ = try await client.call(
            ImportRows<StatementRecords>.self,
            .init(importId: handle.importId, rows: [ImportRow(row: 1, fields: try TwoHostImportTests.statement(customer: 7))]))
        #expect(try await client.call(ImportCommit<StatementRecords>.self, handle).inserted == 1)
        let owner = StatementOwner(customerNumber: try CustomerNumber(validating: "00000007"))
        #expect(try await client.call(StatementsList.self, owner).statements.count == 1)

        let stopped = try cluster.stopEveryProcess()
        let started = ContinuousClock.now
        let list = await refusal { try await client.call(StatementsList.self, owner) }
        let begin = await refusal { try await client.call(ImportBegin<StatementRecords>.self, NoParams()) }
        let waited = ContinuousClock.now - started
        cluster.resume(stopped)
        #expect(list?.reason == "storage_unavailable", "\(String(describing: list))")
        #expect(begin?.reason == "storage_unavailable", "\(String(describing: begin))")
        // The list's limit is 5 s, staging's 30 s: bounded, not a hang.
        #expect(waited < .seconds(45), "the calls took \(waited)")

        try await waitUntil("billing to answer again") {
            (try? await client.call(StatementsList.self, owner))?.statements.count == 1
        }
        await client.close()
        #expect(try await billing.terminate() == 0)
    }

    /// Lines: a change through the PIN is refused before any PIN is tried (the line cannot
    /// be read), as is a call's routing; nothing is blocked and no SMS leaves for them.
    @Test func lines_onAHungDatabase_changeNothing_untilItAnswersAgain() async throws {
        typealias F = LinesFixture
        let cluster = try await PostgresCluster.own()
        let fixture = try await LinesFixture(importingInto: try ServiceSandbox(postgresURL: try await cluster.freshDatabase()))
        let lines = try await fixture.sandbox.client("lines", timeout: .seconds(60))
        _ = try await lines.call(LineBlockAdd.self, .init(access: F.byPIN(), number: F.number("0312345678")))

        let stopped = try cluster.stopEveryProcess()
        let started = ContinuousClock.now
        let add = await refusal { try await lines.call(LineBlockAdd.self, .init(access: F.byPIN(), number: F.number("0312340000"))) }
        let route = await refusal { try await lines.call(LineCallRoute.self, .init(phoneNumber: F.number(F.voice), caller: nil)) }
        let waited = ContinuousClock.now - started
        cluster.resume(stopped)
        #expect(add?.reason == "storage_unavailable", "\(String(describing: add))")
        #expect(route?.reason == "storage_unavailable", "\(String(describing: route))")
        #expect(waited < .seconds(20), "the calls took \(waited)")

        try await waitUntil("lines to answer again") {
            (try? await lines.call(LineBlockList.self, .init(access: F.byPIN())))?.numbers.map(\.number) == ["0312345678"]
        }
        #expect(try await lines.call(LineAudit.self, .init(phoneNumber: F.number(F.voice))).count == 1)
        // A delivery the hang cut short may have left its message claimed: the claim
        // lapses after a minute of the service clock, and then the message leaves.
        try fixture.sandbox.setClock("2026-11-21T12:02:00+09:00")
        #expect(try await fixture.sms(count: 1).count == 1)
        await lines.close()
        try await fixture.stop()
    }

    /// Registration: an identity check (its throttle and the contract records) and an
    /// operator's contract view answer `storage_unavailable`; nothing is counted against
    /// the customer meanwhile, and both serve again once the server answers.
    @Test func registration_onAHungDatabase_answersStorageUnavailable_andCountsNothing() async throws {
        let cluster = try await PostgresCluster.own()
        // One failed check per customer: a failure counted while the server hung would
        // refuse the right check after it.
        let fixture = try await RegistrationFixture(
            in: try ServiceSandbox(postgresURL: try await cluster.freshDatabase()), registrationArguments: ["--identity-failure-limit", "1"])
        let registration = try await fixture.sandbox.client("registration", timeout: .seconds(60))
        let identity = SignUpVerifyIdentity.Params(
            customerNumber: try CustomerNumber(validating: "12345"), phoneNumber: try PhoneNumber(validating: "09012345678"),
            kana: try KanaName(validating: "アイコム　タロウ"))
        _ = try await registration.call(SignUpVerifyIdentity.self, identity)

        let stopped = try cluster.stopEveryProcess()
        let started = ContinuousClock.now
        var wrong = identity
        wrong.kana = try KanaName(validating: "サトウ　ハナコ")
        let check = await refusal { try await registration.call(SignUpVerifyIdentity.self, wrong) }
        let show = await refusal { try await registration.call(ContractShow.self, .init(customerNumber: try CustomerNumber(validating: "12345"))) }
        let waited = ContinuousClock.now - started
        cluster.resume(stopped)
        #expect(check?.reason == "storage_unavailable", "\(String(describing: check))")
        #expect(show?.reason == "storage_unavailable", "\(String(describing: show))")
        #expect(waited < .seconds(20), "the calls took \(waited)")

        try await waitUntil("registration to answer again") {
            (try? await registration.call(ContractShow.self, .init(customerNumber: try CustomerNumber(validating: "12345"))))?.name == "相込　太郎"
        }
        _ = try await registration.call(SignUpVerifyIdentity.self, identity)
        // The limit holds: a wrong check now is counted, and the right one is refused.
        #expect(await refusal { try await registration.call(SignUpVerifyIdentity.self, wrong) }?.reason == "details_mismatch")
        #expect(await refusal { try await registration.call(SignUpVerifyIdentity.self, identity) }?.reason == "too_many_attempts")
        await registration.close()
        try await fixture.stop()
    }

    /// Auth: an operator's `service.check` (the schema's migrations) answers
    /// `storage_unavailable` within the store's limit instead of waiting for the server, and
    /// `madoctl check` fails; once the server answers, the check passes again. A session
    /// token it cannot find (whose miss also asks which keys the fleet holds) is
    /// `storage_unavailable` meanwhile, never `session_invalid`.
    @Test func check_onAHungDatabase_answersStorageUnavailable_untilItAnswersAgain() async throws {
        let cluster = try await PostgresCluster.own()
        let sandbox = try ServiceSandbox(postgresURL: try await cluster.freshDatabase())
        let auth = try await sandbox.startBound("auth")
        let client = try await sandbox.client("auth", timeout: .seconds(60))
        #expect(try await client.call(ServiceCheck.self, NoParams()) == .init(engine: "postgres", ok: true, problems: []))
        let unknownToken = String(repeating: "A", count: 43)
        #expect(await refusal { try await client.call(SessionCheck.self, .init(token: unknownToken)) }?.reason == "session_invalid")

        let stopped = try cluster.stopEveryProcess()
        let started = ContinuousClock.now
        let check = await refusal { try await client.call(ServiceCheck.self, NoParams()) }
        let byOperator = try await sandbox.madoctl(["check", "auth"], timeout: .seconds(60))
        let waited = ContinuousClock.now - started
        let sessionStarted = ContinuousClock.now
        let session = await refusal { try await client.call(SessionCheck.self, .init(token: unknownToken)) }
        let sessionWaited = ContinuousClock.now - sessionStarted
        cluster.resume(stopped)
        #expect(check?.reason == "storage_unavailable", "\(String(describing: check))")
        #expect(session?.reason == "storage_unavailable", "\(String(describing: session))")
        #expect(sessionWaited < .seconds(12), "the session check took \(sessionWaited)")  // the store's 5 s limit, not a hang
        #expect(byOperator.status == 1 && byOperator.stderr.contains("storage_unavailable"), "\(byOperator)")
        #expect(waited < .seconds(20), "the checks took \(waited)")

        try await waitUntil("the check to pass again") { (try? await client.call(ServiceCheck.self, NoParams()))?.ok == true }
        #expect(try await sandbox.madoctl(["check", "auth"]).status == 0)
        await client.close()
        #expect(try await auth.terminate() == 0)
    }

    /// Auth: PIN checks made while the server hangs — more at once than the statements of
    /// checks' reads that may be out (`BatchedReads`), so that some wait for a slot the hung
    /// ones hold — are each answered `storage_unavailable`, never a PIN's answer, and count
    /// nothing. Once the server answers, the slots are free again: checks made at once
    /// are each answered for their own line, as its own failures say.
    @Test func pinChecks_onAHungDatabase_answerStorageUnavailable_thenEachTheirOwn() async throws {
        let cluster = try await PostgresCluster.own()
        let sandbox = try ServiceSandbox(postgresURL: try await cluster.freshDatabase())
        let auth = try await sandbox.startBound("auth")
        let setUp = try await sandbox.client("auth", timeout: .seconds(60))
        let lines = (0..<12).map { PINSubject.line(LinesFixture.number("0901234\(String(format: "%04d", $0))")) }
        let (right, wrong) = (try PIN(validating: "4821"), try PIN(validating: "1593"))
        // Line i has i % 3 failures before the hang.
        for (index, line) in lines.enumerated() {
            _ = try await setUp.call(PINSet.self, .init(subject: line, kind: .network, pin: right))
            for _ in 0..<(index % 3) { _ = await refusal { try await setUp.call(PINVerify.self, .init(subject: line, kind: .network, pin: wrong)) } }
        }
        await setUp.close()
        // A connection of its own for each line, so that the checks are in flight together.
        var clients: [RPCClient] = []
        for _ in lines { clients.append(try await sandbox.client("auth", timeout: .seconds(60))) }
        func checkAll(_ pin: PIN) async -> [RPCError?] {
            await withTaskGroup(of: (Int, RPCError?).self) { group in
                for (index, line) in lines.enumerated() {
                    let client = clients[index]
                    group.addTask { (index, await refusal { try await client.call(PINVerify.self, .init(subject: line, kind: .network, pin: pin)) }) }
                }
                return await group.reduce(into: Array(repeating: nil, count: lines.count)) { $0[$1.0] = $1.1 }
            }
        }

        let stopped = try cluster.stopEveryProcess()
        let started = ContinuousClock.now
        let rightDuringHang = await checkAll(right)
        let wrongDuringHang = await checkAll(wrong)
        let waited = ContinuousClock.now - started
        cluster.resume(stopped)
        #expect((rightDuringHang + wrongDuringHang).allSatisfy { $0?.reason == "storage_unavailable" }, "\(rightDuringHang) \(wrongDuringHang)")
        #expect(waited < .seconds(40), "the checks took \(waited)")  // two rounds within the 5 s limits, not a hang

        try await waitUntil("auth to answer again") {
            await refusal { try await clients[0].call(PINVerify.self, .init(subject: lines[0], kind: .network, pin: right)) } == nil
        }
        // The wrong PINs entered during the hang were never counted: a wrong PIN now is
        // each line's first, second or third since the set.
        let after = await checkAll(wrong)
        for (index, answer) in after.enumerated() {
            if index % 3 == 2 {
                #expect(answer?.reason == "pin_locked", "line \(index): \(String(describing: answer))")
            } else {
                #expect(answer?.reason == "pin_incorrect" && answer?.data?["attemptsLeft"] == .int(Int64(2 - index % 3)), "line \(index): \(String(describing: answer))")
            }
        }
        for client in clients { await client.close() }
        #expect(try await auth.terminate() == 0)
    }

    /// Linking: an operator's view of a contract's links and an ISP password set through
    /// it answer `storage_unavailable` (the password is not set in auth); both serve again
    /// once the server answers.
    @Test func linking_onAHungDatabase_answersStorageUnavailable_andSetsNoPassword() async throws {
        let cluster = try await PostgresCluster.own()
        let fixture = try await LinkingFixture(in: try ServiceSandbox(postgresURL: try await cluster.freshDatabase()))
        let linking = try await fixture.sandbox.client("linking", timeout: .seconds(60))
        let fibre = try ISPCustomerNumber(validating: LinkingFixture.fibre)
        #expect(try await linking.call(LinkShow.self, .init(customerNumber: fibre)).links.isEmpty)

        let stopped = try cluster.stopEveryProcess()
        let started = ContinuousClock.now
        let show = await refusal { try await linking.call(LinkShow.self, .init(customerNumber: fibre)) }
        let password = await refusal { try await linking.call(ISPContractSetPassword.self, .init(customerNumber: fibre, password: "Tsubaki2026")) }
        let waited = ContinuousClock.now - started
        cluster.resume(stopped)
        #expect(show?.reason == "storage_unavailable", "\(String(describing: show))")
        #expect(password?.reason == "storage_unavailable", "\(String(describing: password))")
        #expect(waited < .seconds(20), "the calls took \(waited)")

        try await waitUntil("linking to answer again") {
            (try? await linking.call(LinkShow.self, .init(customerNumber: fibre)))?.links.isEmpty == true
        }
        // The ISP password is still the one set before the hang.
        let auth = try await fixture.sandbox.client("auth")
        _ = try await auth.call(
            PasswordVerify.self, .init(loginId: try LoginID(validating: LinkingFixture.fibre), password: "Hikari2026", realm: .isp))
        await auth.close()
        await linking.close()
        // Nothing here called registration, so its activation never started it.
        try await fixture.stop(registrationActivated: false)
    }

    /// A PIN check whose write the server cancels (the database's `statement_timeout`
    /// reached while an operator's transaction holds the PIN's row): the wrong PIN is held
    /// and answered `storage_unavailable`, right or wrong, until it is written — not an
    /// internal error that counts nothing while the right PIN still answers.
    @Test func aWrongPINWhoseWriteTheServerCancels_isHeld_untilItCounts() async throws {
        let cluster = try await PostgresCluster.shared()
        let lines = try await AuthWithTwoLines(engine: .postgres) { database in
            try await cluster.withClient(database: "postgres") { admin in
                _ = try await admin.query("ALTER DATABASE \(unescaped: database) SET statement_timeout = '1s'")
            }
        }
        let (database, lineA, lineB) = (try #require(lines.sandbox.postgresDatabase), lines.lineA, lines.lineB)

        // An operator's session holds every PIN's row until it is let go.
        let (locked, lockTaken) = AsyncStream<Void>.makeStream()
        let (released, release) = AsyncStream<Void>.makeStream()
        let operatorSession = Task {
            try await cluster.withClient(database: database) { session in
                try await session.withTransaction(logger: Logger(label: "operator")) { connection in
                    try await connection.query("SELECT 1 FROM auth.pin FOR UPDATE", logger: Logger(label: "operator"))
                    lockTaken.yield()
                    for await _ in released { break }
                }
            }
        }
        for await _ in locked { break }

        #expect(await lines.verify(lineA, "1593")?.reason == "storage_unavailable")
        #expect(await lines.verify(lineA, "4821")?.reason == "storage_unavailable")
        // A right PIN with nothing to write only reads, which no row lock holds up.
        #expect(await lines.verify(lineB, "4821") == nil)
        #expect(lines.auth.log.contains("storage fault: database busy"), "\(lines.auth.log)")

        release.yield()
        try await operatorSession.value
        try await lines.expectTheHeldFailureCounted()
    }

    /// A database that turns read-only under auth (a standby after a failover, or
    /// `default_transaction_read_only`; here the latter, its sessions ended so that the
    /// pool opens new ones): reads go on, a wrong PIN is held and answered
    /// `storage_unavailable` right or wrong, and counts once the database takes writes.
    @Test func aReadOnlyDatabase_neverLetsAPINGuessGoUncounted() async throws {
        let cluster = try await PostgresCluster.shared()
        let lines = try await AuthWithTwoLines(engine: .postgres)
        let (database, lineA, lineB) = (try #require(lines.sandbox.postgresDatabase), lines.lineA, lines.lineB)
        /// Sets whether new sessions of the database are read-only, and ends auth's, so
        /// that its pool opens new ones that are.
        func readOnly(_ on: Bool) async throws {
            let ended = Set(try await cluster.backends(of: database))
            try await cluster.withClient(database: "postgres") { admin in
                try await admin.query("ALTER DATABASE \(unescaped: database) SET default_transaction_read_only = \(unescaped: on ? "on" : "off")")
                try await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = \(database) AND pid <> pg_backend_pid()")
            }
            // Every connection of the pool opened again (none left from before).
            try await waitUntil("auth's pool to open its connections again") {
                let now = Set(try await cluster.backends(of: database))
                return now.count == ended.count && now.isDisjoint(with: ended)
            }
        }

        try await readOnly(true)
        #expect(await lines.verify(lineA, "1593")?.reason == "storage_unavailable")
        #expect(await lines.verify(lineA, "4821")?.reason == "storage_unavailable")
        #expect(await lines.verify(lineB, "4821") == nil)
        #expect(lines.auth.log.contains("storage fault: database is read-only"), "\(lines.auth.log)")

        try await readOnly(false)
        try await lines.expectTheHeldFailureCounted()
    }
}
