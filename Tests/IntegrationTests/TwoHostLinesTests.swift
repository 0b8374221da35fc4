import Foundation
import JSONRPC
import LinesAPI
import MadoguchiModels
import ServiceContract
import ServiceKit
import TestSupport
import Testing

/// Two "hosts" of madoguchi-auth and madoguchi-lines on one PostgreSQL database: each
/// host its own sandbox, sockets and spool. A line's options are one truth: a change on
/// either host is seen on the other, changes sent to both at once take turns (the block
/// list's limit holds), and each change's SMS leaves once.
@Suite(.sandboxed) struct TwoHostLinesTests {
    typealias F = LinesFixture

    @Test func blockAddsOnBothHostsAtOnce_keepTheLimit_andEachChangeIsSentOnce() async throws {
        let a = try await LinesFixture(engine: .postgres, linesArguments: ["--block-list-limit", "3"])
        let b = try await LinesFixture(sharingDatabaseOf: a, linesArguments: ["--block-list-limit", "3"])
        let clients = [try await a.sandbox.client("lines", timeout: .seconds(30)), try await b.sandbox.client("lines", timeout: .seconds(30))]

        // Eight different numbers, four through each host, all at once: three fit.
        let numbers = (0..<8).map { F.number("0312340\(String(format: "%03d", $0))") }
        let answers = await withTaskGroup(of: String.self) { group in
            for (index, number) in numbers.enumerated() {
                let client = clients[index % 2]
                group.addTask {
                    let refused = await refusal { try await client.call(LineBlockAdd.self, .init(access: F.byPIN(), number: number)) }
                    return refused.map { $0.reason ?? "\($0)" } ?? "added"
                }
            }
            return await group.reduce(into: [String]()) { $0.append($1) }
        }
        #expect(answers.filter { $0 == "added" }.count == 3, "\(answers)")
        #expect(answers.filter { $0 == "block_list_full" }.count == 5, "\(answers)")
        let onA = try await clients[0].call(LineBlockList.self, .init(access: F.byPIN()))
        let onB = try await clients[1].call(LineBlockList.self, .init(access: F.byPIN()))
        #expect(onA.numbers.count == 3 && onA == onB)

        // Three changes: three audit lines, three SMS across the two spools, none twice.
        #expect(try await clients[1].call(LineAudit.self, .init(phoneNumber: F.number(F.voice))).count == 3)
        let sent = { [a.sandbox, b.sandbox].flatMap { $0.messages(to: F.voice) } }
        try await waitUntil("three SMS in the spools") { sent().count >= 3 }
        #expect(sent().count == 3 && Set(sent().map(\.body)).count == 3)

        // A call routed through A is the last caller B blocks; B's voicemail rings on A.
        _ = try await clients[0].call(LineCallRoute.self, .init(phoneNumber: F.number(F.otherVoice), caller: F.number("050-9999-0000")))
        let last = try await clients[1].call(LineBlockAdd.self, .init(access: F.byPIN(F.otherVoice), lastCaller: true))
        #expect(last.numbers.map(\.number) == ["05099990000"])
        #expect(try await clients[0].call(LineCallRoute.self, .init(phoneNumber: F.number(F.otherVoice), caller: F.number("05099990000"))).action == .reject)
        _ = try await clients[1].call(LineVoicemailStart.self, .init(access: F.byPIN(F.otherVoice)))
        #expect(try await clients[0].call(LineCallRoute.self, .init(phoneNumber: F.number(F.otherVoice), caller: nil)).voicemailAfterSeconds == 15)
        // A message left through B is saved through A and counted on both.
        let left = try await clients[1].call(LineVoicemailDeposit.self, .init(phoneNumber: F.number(F.otherVoice), caller: nil, seconds: 30))
        #expect(try await clients[0].call(LineVoicemailSave.self, .init(access: F.byPIN(F.otherVoice), id: left.id)).saved)
        #expect(try await clients[1].call(LineVoicemailStatus.self, .init(access: F.byPIN(F.otherVoice))).savedMessages == 1)

        for client in clients { await client.close() }
        try await Self.expectNoSecretInClear(database: try #require(a.sandbox.postgresDatabase), table: "lines.line", spools: [a.sandbox, b.sandbox])
        try await b.stop()
        try await a.stop()
    }

    /// Two imports, one staged and committed on each host at once, give one new SIM to two
    /// new numbers: the commits take turns, so one stores its line and the other is
    /// refused row by row (`iccid_taken`, nothing of it stored) — never a raw error of the
    /// unique index.
    @Test func twoImportsClaimingOneSIMAtOnce_oneIsRefusedRowByRow() async throws {
        let a = try await LinesFixture(engine: .postgres)
        let b = try await LinesFixture(sharingDatabaseOf: a)
        // B's auth starts on its first call, as the fixture's stop expects of it.
        let bAuth = try await b.sandbox.client("auth")
        _ = try await bAuth.call(ServicePing.self)
        await bAuth.close()
        let clients = [try await a.sandbox.client("lines", timeout: .seconds(30)), try await b.sandbox.client("lines", timeout: .seconds(30))]
        var handles: [ImportHandle] = []
        for (index, client) in clients.enumerated() {
            let handle = try await client.call(ImportBegin<LineRecords>.self, NoParams())
            let fields: [String: JSONValue] = [
                "phoneNumber": .string("0905555000\(index + 1)"), "customerNumber": "00012345",
                "iccid": "8981100000000000044", "kind": "voice",
            ]
            _ = try await client.call(ImportRows<LineRecords>.self, .init(importId: handle.importId, rows: [ImportRow(row: 1, fields: fields)]))
            handles.append(handle)
        }
        let (one, two) = (handles[0], handles[1])
        async let first = refusal { try await clients[0].call(ImportCommit<LineRecords>.self, one) }
        async let second = refusal { try await clients[1].call(ImportCommit<LineRecords>.self, two) }
        let commits = await [first, second]
        #expect(commits.filter { $0 == nil }.count == 1, "\(commits)")
        #expect(commits.compactMap { $0?.reason } == ["import_rejected"], "\(commits)")
        let refused = commits.compactMap { $0 }.first?.data?["rejected"]
        #expect("\(String(describing: refused))".contains("iccid_taken"), "\(String(describing: refused))")
        for client in clients { await client.close() }
        try await b.stop()
        try await a.stop()
    }

    /// No PIN, password, code, link token or temporary password in clear in any table of
    /// `database` (its `pg_dump`, which must hold `table`): the tests' own and those the
    /// hosts' spools carry.
    static func expectNoSecretInClear(database: String, table: String, spools: [ServiceSandbox]) async throws {
        let dump = try await PostgresCluster.shared().dump(database: database)
        #expect(dump.contains("COPY \(table)"))
        #expect(SecretsScan.secret(inDump: dump, spools: spools.map(\.spoolDirectory)) == nil)
    }
}
