import AuthAPI
import BillingAPI
import Foundation
import JSONRPC
import JSONRPCTransport
import MadoguchiModels
import RegistrationAPI
import ServiceClient
import ServiceKit
import TestSupport
import Testing

/// SIGKILL in the middle of a write load, then a fresh activation on the same state:
/// every acknowledged write is there, no step is half-applied, the outbox spools each
/// message exactly once, and PIN lock state matches the failures stored.
@Suite(.sandboxed) struct CrashSafetyTests {
    enum PINAck: Sendable {
        case wrongPIN(line: Int)
        case codeSent(line: Int)
    }

    static func lineNumber(_ index: Int) -> String { "0901000" + String(format: "%04d", index) }

    @Test(arguments: StorageEngine.allCases)
    func pinFailuresAndCodes_killedMidLoad_keepEveryAcknowledgedFailureAndSpoolEachCodeOnce(_ engine: StorageEngine) async throws {
        let sandbox = try await ServiceSandbox.make(now: "2026-11-21T12:00:00+09:00", engine: engine)
        // One test process makes every failure: lift the per-caller throttle out of the way.
        let arguments = ["--caller-failure-limit", "1000000"]
        let process = try await sandbox.startActivated("auth", extraArguments: arguments)
        let lines = try (0..<120).map { try PINSubject(validating: "line:" + Self.lineNumber($0)) }
        let setup = try await sandbox.client("auth")
        for line in lines {
            _ = try await setup.call(PINSet.self, .init(subject: line, kind: .network, pin: try PIN(validating: "4821")))
        }
        await setup.close()

        // Each line belongs to one worker, so at most one call per line is in flight.
        let workers = 4
        let acks = try await CrashLoad.run(
            killing: process, after: 400, workers: workers, connect: { try await sandbox.client("auth") }
        ) { client, worker, iteration in
            let index = (iteration * workers + worker) % lines.count
            if iteration % 5 == 4 {
                let sms = try CodeDestination(channel: .sms, to: Self.lineNumber(index))
                _ = try await client.call(OTPIssue.self, .init(purpose: try CodePurpose(validating: "crash-test"), destination: sms))
                return PINAck.codeSent(line: index)
            }
            do {
                _ = try await client.call(
                    PINVerify.self, .init(subject: lines[index], kind: .network, pin: try PIN(validating: "1111")))
                throw Unexpected(what: "a wrong PIN was accepted")
            } catch let error as RPCError where error.reason == "pin_incorrect" || error.reason == "pin_locked" {
                return PINAck.wrongPIN(line: index)
            }
        }
        #expect(acks.count >= 400)

        // On PostgreSQL the killed deliverer's claims lapse after a minute of the service
        // clock; then the restarted one sends what it had taken.
        try sandbox.setClock("2026-11-21T12:01:01+09:00")
        let restarted = try await sandbox.startActivated("auth", extraArguments: arguments)
        let auth = try await sandbox.client("auth")
        for (index, line) in lines.enumerated() {
            let acknowledged = acks.filter { if case .wrongPIN(index) = $0 { true } else { false } }.count
            let status = try await auth.call(PINStatusMethod.self, .init(subject: line, kind: .network))
            // Every acknowledged failure counts (up to the lock); at most the one call in
            // flight at the kill counts beyond them.
            #expect(status.failures >= min(acknowledged, 3), "line \(index)")
            #expect(status.failures <= min(acknowledged + 1, 3), "line \(index)")
            #expect(status.locked == (status.failures >= 3), "line \(index)")
        }
        // Every acknowledged code went out, and the spool holds each message once.
        let spool = sandbox.spoolDirectory
        #expect(
            try await CrashLoad.outboxDeliveredExactlyOnce(service: "auth", in: sandbox))
        let texted = Set(SpoolReader.entries(in: spool).filter { $0.channel == .sms }.map(\.to))
        for case .codeSent(let index) in acks { #expect(texted.contains(Self.lineNumber(index))) }
        await auth.close()
        #expect(try await restarted.terminate() == 0)
    }

    @Test(arguments: StorageEngine.allCases)
    func signUps_killedMidLoad_leaveEachAccountWithExactlyItsOneMail(_ engine: StorageEngine) async throws {
        let sandbox = try await ServiceSandbox.make(now: "2026-11-21T12:00:00+09:00", engine: engine)
        let auth = try await sandbox.startActivated("auth")
        let registration = try await sandbox.startActivated("registration")
        let customers = 48
        let contracts = (0..<customers).map { index in
            JSONValue.object([
                "customerNumber": .string("\(70_000 + index)"), "name": "山田　太郎", "kana": "ヤマダ　タロウ",
                "birthDate": "1980-01-01", "phoneNumbers": .array([.string(Self.lineNumber(index))]),
                "email": .string("contract\(index)@example.jp"), "services": .array(["mobile-voice"]),
            ]).jsonText
        }
        let file = sandbox.root.file("contracts.jsonl")
        try Data((contracts.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: file))
        let imported = try await sandbox.madoctl(["contracts", "import", file])
        #expect(imported.status == 0, "\(imported.stderr)")

        let workers = 3
        let acks = try await CrashLoad.run(
            killing: registration, after: 12, workers: workers, connect: { try await sandbox.client("registration") }
        ) { client, worker, iteration -> Int? in
            let index = iteration * workers + worker
            guard index < customers else { throw Unexpected(what: "no customer left") }
            // Auth's 2-second budget can run out on a loaded machine (scrypt in a debug
            // build): registration then answers `unavailable` and keeps nothing, which
            // is an answer too, but no sign-up.
            do {
                return try await Self.signUp(client, index)
            } catch let refusal as RPCError where refusal.reason == "unavailable" {
                return nil
            }
        }
        #expect(acks.count >= 12)
        let signedUp = acks.compactMap { $0 }

        // On PostgreSQL other hosts may be mid-sign-up, so a cut-off reservation goes once
        // it is ten minutes old (SQLite's go at start): the clock moves past that, and the
        // checks wait for the sweep's first pass.
        if engine == .postgres { try sandbox.setClock("2026-11-21T12:11:00+09:00") }
        let restarted = try await sandbox.startActivated("registration")
        let client = try await sandbox.client("registration")
        if let database = sandbox.postgresDatabase {
            try await waitUntil("the cut-off reservations swept") {
                try await PostgresCluster.shared().withClient(database: database) { client in
                    var reserving = -1
                    for try await count in try await client.query(
                        "SELECT count(*) FROM registration.account WHERE state = 'reserving'"
                    ).decode(Int.self) { reserving = count }
                    return reserving == 0
                }
            }
        }
        var taken: Set<Int> = []
        for index in 0..<customers {
            let check = try await client.call(SignUpCheckAccountID.self, .init(accountId: "crash.user\(index)"))
            if !check.available { taken.insert(index) }
        }
        // Every acknowledged sign-up is there; one in flight at the kill may be too.
        #expect(Set(signedUp).isSubset(of: taken))
        #expect(taken.count <= signedUp.count + workers)
        #expect(
            try await CrashLoad.outboxDeliveredExactlyOnce(service: "registration", in: sandbox))
        // No half-applied step: an account ID is taken exactly when its one mail went out.
        let mailed = SpoolReader.entries(in: sandbox.spoolDirectory).filter { $0.channel == .mail }.map(\.to)
        for index in 0..<customers {
            #expect(mailed.filter { $0 == "user\(index)@example.jp" }.count == (taken.contains(index) ? 1 : 0), "\(index) acknowledged: \(signedUp.contains(index))")
        }
        await client.close()
        #expect(try await restarted.terminate() == 0)
        #expect(try await auth.terminate() == 0)
    }

/// Sign-up of test customer `index`, both steps.
static func signUp(_ client: RPCClient, _ index: Int) async throws -> Int {
        let identity = try await client.call(
            SignUpVerifyIdentity.self,
            .init(
                customerNumber: try CustomerNumber(validating: "\(70_000 + index)"),
                phoneNumber: try PhoneNumber(validating: Self.lineNumber(index)),
                kana: try KanaName(validating: "ヤマダ タロウ")))
        _ = try await client.call(
            SignUpSubmit.self,
            .init(
                ticket: identity.ticket, accountId: try AccountID(validating: "crash.user\(index)"),
                password: "Sakura2026", email: try EmailAddress(validating: "user\(index)@example.jp"), nickname: "たろう"))
        return index
    }

    @Test(arguments: StorageEngine.allCases)
    func statementImport_killedWhileCommitting_isAllOrNothing_andRunsAgainCleanly(_ engine: StorageEngine) async throws {
        let sandbox = try await ServiceSandbox.make(now: "2026-11-21T12:00:00+09:00", engine: engine)
        let billing = try await sandbox.startActivated("billing")
        let customers = 8_000
        let generated = try await sandbox.madoctl([
            "generate", "statements", "--customers", "\(customers)", "--months", "1", "--through", "2026-10",
            "--output", sandbox.root.path,
        ])
        #expect(generated.status == 0, "\(generated.stderr)")
        let file = sandbox.root.file("statements-2026-10.jsonl")
        let environment = ["MADOGUCHI_RUNTIME_DIR": sandbox.runtimeDirectory]
        let importing = try ChildProcess(
            Executables.path("madoctl"), ["statements", "import", file], logPath: sandbox.root.file("import.log"),
            environment: environment)

        // Killed the moment every row is staged: the commit is starting or under way. A
        // commit quicker than the polling can leave no moment with every row seen staged:
        // then the import has ended, acknowledged, and the kill comes after it.
        try await waitUntil("every row to be staged, or the import to end", timeout: .seconds(120)) {
            // Before the service has made its tables, there are none to count.
            ((try? await CrashLoad.stagedRows(of: "billing", in: sandbox)) ?? 0) >= customers || !importing.isRunning
        }
        billing.signal(SIGKILL)
        _ = try await billing.waitForExit()
        let acknowledged = try await importing.waitForExit() == 0

        let restarted = try await sandbox.startActivated("billing")
        let client = try await sandbox.client("billing")
        func statementCount(_ customer: Int) async throws -> Int {
            try await client.call(
                StatementsList.self, StatementOwner(customerNumber: try CustomerNumber(validating: "\(customer)"))
            ).statements.count
        }
        let present = try await [1, customers / 2, customers].asyncMap { try await statementCount($0) }
        #expect(present == (acknowledged ? [1, 1, 1] : [0, 0, 0]), "acknowledged: \(acknowledged)")

        let again = try await sandbox.madoctl(["statements", "import", file])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(try await [1, customers / 2, customers].asyncMap { try await statementCount($0) } == [1, 1, 1])
        await client.close()
        #expect(try await restarted.terminate() == 0)
    }
}

struct Unexpected: Error, CustomStringConvertible {
    let what: String
    var description: String { what }
}

extension Array {
    /// `map` for an async transform, one element after another.
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var results: [T] = []
        for element in self { results.append(try await transform(element)) }
        return results
    }
}
