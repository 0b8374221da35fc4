import Foundation
import JSONRPC
import Testing
import TestSupport

/// The whole fleet on two "hosts": the five services on each, with its own sockets and
/// spool, on one PostgreSQL database. The demo data loaded through host A is what host B
/// answers, and a customer's steps go back and forth between them — through lines to auth
/// on one host, then the other — and meet the same truth: a block list changed on one host
/// is the list on the other, a session opened on B serves on A, and a network PIN entered
/// wrong on both hosts locks on both.
@Suite(.sandboxed) struct TwoHostFleetTests {
    static let line = "090-1234-5678"
    static let pin = "4821"  // compose/load-demo's network PIN for this line

    @Test func theFleetOnTwoHosts_answersAsOne() async throws {
        // The demo's statements run up to this month in Japan time: the clock is today's.
        let now = ISO8601DateFormatter().string(from: Date())
        let a = try await ServiceSandbox.make(now: now, engine: .postgres)
        let b = try ServiceSandbox(sharingDatabaseOf: a, now: now)
        var processes: [ChildProcess] = []
        for host in [a, b] {
            for service in ServiceSandbox.services {
                processes.append(try await host.startActivated(service))
            }
        }
        let loaded = try await ChildProcess.run(
            DemoDataTests.repository + "/compose/load-demo", [Executables.directory],
            environment: ["MADOGUCHI_RUNTIME_DIR": a.runtimeDirectory, "MADOGUCHI_SPOOL_DIR": a.spoolDirectory])
        #expect(loaded.status == 0, "\(loaded.stdout)\(loaded.stderr)")

        // Imported through A (contracts in registration, statements in billing, ISP
        // contracts in linking, lines in lines, PINs in auth), answered by B.
        let statements = try await b.madoctl(["statements", "list", "--customer", "1", "--json"])
        let listed = try JSONValue.parse(Data(statements.stdout.utf8))["statements"]
        guard case .array(let months)? = listed else {
            Issue.record("no statements from host B: \(statements)")
            return
        }
        #expect(months.count == 15)
        #expect(try await b.madoctl(["contracts", "show", "2"]).stdout.contains("佐藤　花子"))
        #expect(try await b.madoctl(["link", "show", "N100000002"]).stdout.contains("N100000002 (ADSL single plan): 0 link(s)"))

        // A number blocked through A is on B's list; removed through B, it is off A's.
        let blocked = try await a.madoctl(["line", "block", "add", "--line", Self.line, "03-9999-0000"], input: Self.pin + "\n")
        #expect(blocked.status == 0, "\(blocked)")
        let onB = try await b.madoctl(["line", "block", "list", "--line", Self.line, "--json"], input: Self.pin + "\n")
        #expect(onB.status == 0 && onB.stdout.contains("0399990000"), "\(onB)")
        // A session opened through B (lines and auth of B) serves through A.
        let login = try await b.madoctl(["login", "--for", "line", "--phone", Self.line], input: Self.pin + "\n")
        let session = login.stdout.split(separator: "\n").first.map(String.init) ?? ""
        #expect(login.status == 0 && !session.isEmpty, "\(login)")
        let removed = try await b.madoctl(["line", "block", "remove", "--session", session, "03-9999-0000"])
        #expect(removed.status == 0, "\(removed)")
        let onA = try await a.madoctl(["line", "block", "list", "--session", session, "--json"])
        #expect(onA.status == 0 && !onA.stdout.contains("0399990000"), "\(onA)")

        // Three wrong PINs — two through A, one through B — lock the PIN on every host:
        // the right PIN is refused through both, and so is the session opened before.
        for host in [a, b, a] {
            let wrong = try await host.madoctl(["line", "status", "--line", Self.line], input: "0000\n")
            #expect(wrong.status != 0, "\(wrong)")
        }
        for host in [a, b] {
            let right = try await host.madoctl(["line", "status", "--line", Self.line], input: Self.pin + "\n")
            #expect(right.status != 0 && right.stderr.contains("locked"), "\(right)")
            let bySession = try await host.madoctl(["line", "status", "--session", session])
            #expect(bySession.status != 0 && bySession.stderr.contains("locked"), "\(bySession)")
        }

        try await TwoHostLinesTests.expectNoSecretInClear(
            database: try #require(a.postgresDatabase), table: "auth.pin", spools: [a, b])
        for process in processes { _ = try await process.terminate() }
    }
}
