import AuthAPI
import Foundation
import JSONRPC
import JSONRPCTransport
import Logging
import MadoguchiModels
import PostgresNIO
import ServiceClient
import ServiceKit
import Synchronization
import TestSupport
import Testing

/// Two "hosts" of the real madoguchi-auth on one PostgreSQL (the tests' private cluster):
/// each host its own sandbox — runtime folder, sockets, spool, log — and both processes
/// started with `--database postgres`, the same key file and the same connection string.
/// Every guarantee is checked by going through both.
@Suite(.sandboxed) struct TwoHostTests {
    let pin = try! PIN(validating: "4821")
    let wrong = try! PIN(validating: "1593")

    /// Both hosts, their clients, and a client of the database they share.
    struct Hosts {
        var sandboxes: [ServiceSandbox]
        var processes: [ChildProcess]
        var clients: [RPCClient]
        var arguments: [String]

        func setClock(_ instant: String) throws { for sandbox in sandboxes { try sandbox.setClock(instant) } }
        /// Every message both hosts' spools hold.
        var spooled: [SpoolReader.Entry] { sandboxes.flatMap { SpoolReader.entries(in: $0.spoolDirectory) } }
    }

    func withHosts(
        on cluster: PostgresCluster? = nil, extraArguments: [String] = [], _ body: (Hosts, PostgresClient) async throws -> Void
    ) async throws {
        let cluster = if let cluster { cluster } else { try await PostgresCluster.shared() }
        let url = try await cluster.freshDatabase()
        let first = try ServiceSandbox(postgresURL: url)
        let sandboxes = [first, try ServiceSandbox(sharingDatabaseOf: first)]
        // The database, the connection string's file and the key come with the sandboxes.
        let arguments = extraArguments
        var processes: [ChildProcess] = []
        for sandbox in sandboxes { processes.append(try await sandbox.startBound("auth", extraArguments: arguments)) }
        var clients: [RPCClient] = []
        for sandbox in sandboxes { clients.append(try await sandbox.client("auth")) }
        var logger = Logger(label: "two-host-test")
        logger.logLevel = .warning
        let databaseURL = try DatabaseURL(parsing: url)
        try await PostgresCluster.withClient(databaseURL.clientConfiguration, logger: logger) { database in
            try await body(Hosts(sandboxes: sandboxes, processes: processes, clients: clients, arguments: arguments), database)
        }
        // No PIN, password, code or token in clear in any table (the logs are scanned as
        // each sandbox is removed).
        let dump = try await cluster.dump(database: databaseURL.database)
        #expect(dump.contains("COPY auth.pin"))
        #expect(SecretsScan.secret(inDump: dump, spools: sandboxes.map(\.spoolDirectory)) == nil)
        for client in clients { await client.close() }
        for process in processes where process.isRunning { #expect(try await process.terminate() == 0) }
    }

    /// Two wrong PINs on one host and one on the other lock the line on both; wrong PINs
    /// sent to both hosts at once are all counted (each host with a pool of two
    /// connections, so the calls also wait for one).
    @Test func wrongPINsOnBothHosts_lockTheLineOnBoth_andAllCount() async throws {
        try await withHosts(extraArguments: ["--pin-maximum-failures", "10", "--database-connections", "2"]) { hosts, _ in
            let (a, b) = (hosts.clients[0], hosts.clients[1])
            let (wrong, pin) = (wrong, pin)
            let line = try PINSubject(validating: "line:09012345678")
            _ = try await a.call(PINSet.self, .init(subject: line, kind: .network, pin: pin))
            for left in [9, 8] {
                #expect(await refusal { try await a.call(PINVerify.self, .init(subject: line, kind: .network, pin: wrong)) }?
                    .data?["attemptsLeft"] == .int(Int64(left)))
            }
            #expect(await refusal { try await b.call(PINVerify.self, .init(subject: line, kind: .network, pin: wrong)) }?
                .data?["attemptsLeft"] == 7)
            await withTaskGroup(of: Void.self) { group in
                for index in 0..<7 {
                    let client = hosts.clients[index % 2]
                    group.addTask { _ = try? await client.call(PINVerify.self, .init(subject: line, kind: .network, pin: wrong)) }
                }
            }
            for client in [a, b] {
                let status = try await client.call(PINStatusMethod.self, .init(subject: line, kind: .network))
                #expect(status.locked && status.failures == 10)
            }
            #expect(await refusal { try await a.call(PINVerify.self, .init(subject: line, kind: .network, pin: pin)) }?.reason == "pin_locked")
            // Midnight in Tokyo opens it on both.
            try hosts.setClock("2026-11-22T00:00:01+09:00")
            #expect(try await b.call(PINVerify.self, .init(subject: line, kind: .network, pin: pin)).failures == 0)
        }
    }

    /// One caller's wrong PINs on different lines count for the fleet: two on one host and
    /// one on the other spend a limit of three, and the caller is refused on both — also on
    /// the host that saw one of them, and on the one that saw two — until the window that
    /// began with the first ends.
    @Test func aCallersWrongPINsOnBothHosts_throttleItOnBoth() async throws {
        try await withHosts(extraArguments: ["--caller-failure-limit", "3", "--caller-failure-window", "600"]) { hosts, _ in
            let (a, b) = (hosts.clients[0], hosts.clients[1])
            let (wrong, pin) = (wrong, pin)
            let lines = try (0..<5).map { try PINSubject(validating: "line:0902222000\($0)") }
            for line in lines { _ = try await a.call(PINSet.self, .init(subject: line, kind: .network, pin: pin)) }
            #expect(try await b.call(PINVerify.self, .init(subject: lines[4], kind: .network, pin: pin)).isSet)
            for (line, host) in zip(lines.prefix(3), [a, a, b]) {
                #expect(await refusal { try await host.call(PINVerify.self, .init(subject: line, kind: .network, pin: wrong)) }?
                    .reason == "pin_incorrect")
            }
            for host in [b, a] {
                let refused = await refusal { try await host.call(PINVerify.self, .init(subject: lines[3], kind: .network, pin: pin)) }
                #expect(refused?.reason == "too_many_failures")
                #expect(refused?.data?["retryAfter"] == "2026-11-21T12:10:00+09:00")
            }
            try hosts.setClock("2026-11-21T12:10:00+09:00")
            for host in [a, b] { #expect(try await host.call(PINVerify.self, .init(subject: lines[3], kind: .network, pin: pin)).isSet) }
        }
    }

    /// A code issued through one host and tried on both at once is used once; with both
    /// hosts' deliverers running, each message reaches exactly one spool, once.
    @Test func aCodeTriedOnBothHostsAtOnce_isUsedOnce_andEachMessageIsSentOnce() async throws {
        try await withHosts { hosts, database in
            let purpose = try CodePurpose(validating: "isp-link")
            let mail = try CodeDestination(channel: .mail, to: "hanako@example.jp")
            _ = try await hosts.clients[0].call(OTPIssue.self, .init(purpose: purpose, destination: mail))
            try await waitUntil("the code's mail in either spool") { !hosts.spooled.isEmpty }
            let code = try #require(hosts.spooled.compactMap { SpooledCode.code(in: $0.body) }.first)
            let successes = await withTaskGroup(of: Bool.self) { group in
                for index in 0..<6 {
                    let client = hosts.clients[index % 2]
                    group.addTask {
                        (try? await client.call(OTPVerify.self, .init(purpose: purpose, destination: mail, code: code))) != nil
                    }
                }
                return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            #expect(successes == 1)

            for index in 0..<12 {
                let to = try CodeDestination(channel: .mail, to: "customer\(index)@example.jp")
                _ = try await hosts.clients[index % 2].call(OTPIssue.self, .init(purpose: purpose, destination: to))
            }
            try await waitUntil("every message delivered") {
                var waiting = -1
                for try await count in try await database.query("SELECT count(*) FROM auth.outbox WHERE delivered_at IS NULL")
                    .decode(Int.self)
                { waiting = count }
                return waiting == 0
            }
            let recipients = hosts.spooled.map(\.to)
            #expect(recipients.count == 13)
            #expect(Set(recipients).count == 13)
        }
    }

    /// A mailer slow enough that a batch outlasts its claim: the messages of the batch
    /// that another host has taken meanwhile are that host's to send, so each is sent
    /// once. (Before, the first host went on through its whole batch, and every message
    /// after the lapse was sent by both.) The message in the mailer's hands keeps its
    /// claim as the clock moves on, so the other host never takes it (before, it went
    /// twice).
    @Test func aBatchThatOutlastsItsClaim_leavesTheMessagesTakenSinceToTheOtherHost() async throws {
        let cluster = try await PostgresCluster.shared()
        let first = try ServiceSandbox(postgresURL: try await cluster.freshDatabase())
        let second = try ServiceSandbox(sharingDatabaseOf: first)
        // A sendmail that notes each recipient, and holds a message while the test's
        // file for its recipient is there.
        let (script, sent) = (first.root.file("slow-sendmail"), first.root.file("sent"))
        let hold = { (index: Int) in first.root.file("hold-customer\(index)@example.jp") }
        try """
            #!/bin/sh
            to=$(cat | grep -m1 '^To:' | tr -d '\\r')
            echo "$to" >> \(sent)
            i=0
            while [ -e "\(first.root.path)/hold-${to#To: }" ] && [ $i -lt 1200 ]; do sleep 0.05; i=$((i+1)); done
            """.write(toFile: script, atomically: true, encoding: .utf8)
        chmod(script, 0o755)
        for index in 0...1 { FileManager.default.createFile(atPath: hold(index), contents: nil) }
        let mailer = ["--mail-transport", "sendmail", "--sendmail-path", script]
        let lines = { (try? String(contentsOfFile: sent, encoding: .utf8))?.split(whereSeparator: \.isNewline).map(String.init) ?? [] }
        let sends = { (index: Int) in lines().filter { $0 == "To: customer\(index)@example.jp" }.count }

        // Host A held on a first message while three more are queued, which it then takes
        // in one batch, and is held again on the first of them.
        let hostA = try await first.startBound("auth", extraArguments: mailer + ["--log-level", "debug"])
        let clientA = try await first.client("auth")
        let purpose = try CodePurpose(validating: "isp-link")
        let issue = { (index: Int) in
            _ = try await clientA.call(
                OTPIssue.self, .init(purpose: purpose, destination: try CodeDestination(channel: .mail, to: "customer\(index)@example.jp")))
        }
        try await issue(0)
        try await waitUntil("host A to be sending the first message") { sends(0) == 1 }
        for index in 1...3 { try await issue(index) }
        try FileManager.default.removeItem(atPath: hold(0))
        try await waitUntil("host A to be sending its batch of three") { sends(1) == 1 }
        // A minute on, that batch's claim has lapsed but for the message in the mailer's
        // hands, whose claim host A keeps as the clock moves.
        for sandbox in [first, second] { try sandbox.setClock("2026-11-21T12:01:01+09:00") }
        try await waitUntil("host A to keep the claim of the message it is sending") {
            hostA.log.contains("outbox claim kept during a send")
        }
        // Host B takes the other two, and not the one host A is sending.
        let hostB = try await second.startBound("auth", extraArguments: mailer)
        try await waitUntil("host B to have sent the other two") { sends(2) >= 1 && sends(3) >= 1 }
        try FileManager.default.removeItem(atPath: hold(1))
        // Host A checks the rest of its batch as soon as its first message is done (a
        // second is ample for two queries; without the check it mails both again).
        try await waitUntil("host A to have sent its batch's first message") {
            hostA.log.components(separatedBy: "outbox message delivered").count - 1 >= 2
        }
        try await Task.sleep(for: .seconds(1))
        #expect(sends(0) == 1 && sends(1) == 1 && sends(2) == 1 && sends(3) == 1, "\(lines())")
        await clientA.close()
        for host in [hostA, hostB] { #expect(try await host.terminate() == 0) }
    }

    /// A session opened through one host is valid on the other, and closed there it is
    /// closed on both.
    @Test func aSessionOpenedOnOneHost_isClosedOnTheOther() async throws {
        try await withHosts { hosts, _ in
            let (a, b) = (hosts.clients[0], hosts.clients[1])
            let phone = try PhoneNumber(validating: "080-2222-3333")
            _ = try await b.call(PINSet.self, .init(subject: .line(phone), kind: .network, pin: pin))
            let token = try #require(try await a.call(SessionOpen.self, .init(.phonePIN(phone, pin))).token)
            #expect(try await b.call(SessionCheck.self, .init(token: token)).principal == "line:08022223333")
            _ = try await b.call(SessionClose.self, .init(token: token))
            #expect(await refusal { try await a.call(SessionCheck.self, .init(token: token)) }?.reason == "session_invalid")
        }
    }

    /// A host started with another key refuses to start, and changes nothing: the schema
    /// was sealed with the first key.
    @Test func aHostWithAnotherKey_refusesToStart() async throws {
        try await withHosts { hosts, _ in
            // The hosts' key file replaced while they run (they read it at start), then put back.
            let keyFile = hosts.sandboxes[1].keyFile("auth", version: 1)
            let original = try Data(contentsOf: URL(fileURLWithPath: keyFile))
            try Data((0..<32).map { _ in UInt8.random(in: 0...255) }).write(to: URL(fileURLWithPath: keyFile))
            let third = try await hosts.sandboxes[1].startBound(
                "auth", socket: hosts.sandboxes[1].root.file("third.sock"), extraArguments: hosts.arguments, waitForSocket: false)
            #expect(try await third.waitForExit() == 78)
            try original.write(to: URL(fileURLWithPath: keyFile))
            #expect(third.log.contains("fingerprint differs"))
            // The first two still answer.
            _ = try await hosts.clients[1].call(PINStatusMethod.self, .init(subject: try PINSubject(validating: "line:1"), kind: .network))
        }
    }

    /// `kill -9` of one host's auth while it counts wrong PINs loses none it answered for:
    /// the other host sees every acknowledged failure, and keeps serving.
    @Test func killingOneHostUnderLoad_losesNoAcknowledgedFailure() async throws {
        try await withHosts(extraArguments: ["--pin-maximum-failures", "10"]) { hosts, _ in
            let (a, b) = (hosts.clients[0], hosts.clients[1])
            let line = try PINSubject(validating: "line:07044445555")
            _ = try await a.call(PINSet.self, .init(subject: line, kind: .network, pin: pin))
            let acknowledged = Counter()
            let (wrong, process) = (wrong, hosts.processes[0])
            await withTaskGroup(of: Void.self) { group in
                for _ in 0..<3 {
                    group.addTask {
                        while true {
                            do {
                                _ = try await a.call(PINVerify.self, .init(subject: line, kind: .network, pin: wrong))
                                return
                            } catch let answer as RPCError where ["pin_incorrect", "pin_locked"].contains(answer.reason) {
                                // Answered: the failure was committed before the answer.
                                acknowledged.add()
                                if acknowledged.value >= 4 { process.signal(SIGKILL) }
                            } catch {
                                return  // the host is gone
                            }
                        }
                    }
                }
            }
            _ = try await process.waitForExit()
            let status = try await b.call(PINStatusMethod.self, .init(subject: line, kind: .network))
            // Each call the killed host answered was committed first; the three in flight
            // at the kill may have been too.
            #expect(acknowledged.value >= 4)
            #expect(status.failures >= acknowledged.value && status.failures <= acknowledged.value + 3)
            // The other host goes on serving: the right PIN clears the count.
            #expect(try await b.call(PINVerify.self, .init(subject: line, kind: .network, pin: pin)).failures == 0)
        }
    }
}

extension TwoHostTests {
    /// PostgreSQL hung (every process of the server stopped with SIGSTOP,
    /// `stopEveryProcess()`, so no connection old or new answers): a PIN check is
    /// answered `storage_unavailable` within the store's time limit, right PIN or wrong,
    /// and no check succeeds until the server answers again.
    @Test func aHungDatabase_failsChecksClosed_untilItAnswersAgain() async throws {
        let cluster = try await PostgresCluster.own()
        try await withHosts(on: cluster) { hosts, _ in
            let a = hosts.clients[0]
            let line = try PINSubject(validating: "line:09077778888")
            _ = try await a.call(PINSet.self, .init(subject: line, kind: .network, pin: pin))
            let stopped = try cluster.stopEveryProcess()
            #expect(stopped.count > 1)
            let wrongWhileHung = await refusal {
                try await a.call(PINVerify.self, .init(subject: line, kind: .network, pin: wrong), timeout: .seconds(30))
            }
            let rightWhileHung = await refusal {
                try await a.call(PINVerify.self, .init(subject: line, kind: .network, pin: pin), timeout: .seconds(30))
            }
            cluster.resume(stopped)
            #expect(wrongWhileHung?.reason == "storage_unavailable")
            #expect(rightWhileHung?.reason == "storage_unavailable")
            // Answering again, the right PIN is accepted.
            try await waitUntil("auth to answer again") {
                (try? await a.call(PINVerify.self, .init(subject: line, kind: .network, pin: pin))) != nil
            }
        }
    }
}

extension TwoHostTests {
    /// PostgreSQL hung while a host's claim on its key lapses (the clock moved past it):
    /// every call waits for the claim to be renewed, which cannot reach the server, so a
    /// check is answered `storage_unavailable` within the renewal's time limit, right PIN
    /// or wrong, and counts nothing; once the server answers, the claim is renewed and the
    /// right PIN accepted.
    @Test func aHungDatabase_whileTheKeyClaimLapses_failsChecksClosed_untilItIsRenewed() async throws {
        let cluster = try await PostgresCluster.own()
        try await withHosts(on: cluster) { hosts, _ in
            let a = hosts.clients[0]
            let line = try PINSubject(validating: "line:09077779999")
            _ = try await a.call(PINSet.self, .init(subject: line, kind: .network, pin: pin))
            let stopped = try cluster.stopEveryProcess()
            try hosts.setClock("2026-11-21T12:05:00+09:00")
            let asked = ContinuousClock.now
            var whileHung: [String?] = []
            for guess in [wrong, pin] {
                whileHung.append(await refusal {
                    try await a.call(PINVerify.self, .init(subject: line, kind: .network, pin: guess), timeout: .seconds(30))
                }?.reason)
            }
            let waited = ContinuousClock.now - asked
            cluster.resume(stopped)
            #expect(whileHung == ["storage_unavailable", "storage_unavailable"], "\(whileHung)")
            #expect(waited < .seconds(25), "each answered within the renewal's 5 s limit, not the caller's 30 s")
            try await waitUntil("auth to answer again") {
                (try? await a.call(PINVerify.self, .init(subject: line, kind: .network, pin: pin))) != nil
            }
            #expect(try await a.call(PINStatusMethod.self, .init(subject: line, kind: .network)).failures == 0)
        }
    }
}

/// A count shared by a test's tasks.
private final class Counter: Sendable {
    private let count = Mutex(0)
    var value: Int { count.withLock { $0 } }
    func add() { count.withLock { $0 += 1 } }
}
