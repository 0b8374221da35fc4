import Foundation
import JSONRPC
import Testing
import TestSupport

/// `compose/load-demo`, which the README's run command calls: it loads contracts, 15
/// months of statements and ISP contracts into running services through their own import
/// paths, and loading again changes nothing.
@Suite(.sandboxed) struct DemoDataTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    /// On PostgreSQL, the services that can keep their state there do (auth, billing,
    /// lines), as `compose/dev-run --postgres` runs them.
    @Test(arguments: StorageEngine.allCases) func loadDemo_loadsEveryDataset_andLoadingAgainChangesNothing(_ engine: StorageEngine) async throws {
        // The script generates statements up to this month in Japan time, so the services'
        // clock is today's.
        let sandbox = try await ServiceSandbox.make(now: ISO8601DateFormatter().string(from: Date()), engine: engine)
        var processes: [ChildProcess] = []
        for service in ServiceSandbox.services {
            processes.append(try await sandbox.startActivated(service))
        }
        let environment = ["MADOGUCHI_RUNTIME_DIR": sandbox.runtimeDirectory, "MADOGUCHI_SPOOL_DIR": sandbox.spoolDirectory]
        let script = Self.repository + "/compose/load-demo"
        let first = try await ChildProcess.run(script, [Executables.directory], environment: environment)
        #expect(first.status == 0, "\(first.stdout)\(first.stderr)")
        #expect(first.stdout.contains("Imported 3 rows of contracts: 3 new"))
        #expect(first.stdout.contains("Imported 2 rows of ispContracts: 2 new"))
        let again = try await ChildProcess.run(script, [Executables.directory], environment: environment)
        #expect(again.status == 0 && again.stdout.contains("3 unchanged") && again.stdout.contains("2 unchanged"), "\(again)")

        // A new user finds what the README promises.
        let statements = try await sandbox.madoctl(["statements", "list", "--customer", "1", "--json"])
        guard case .array(let listed)? = try JSONValue.parse(Data(statements.stdout.utf8))["statements"] else {
            Issue.record("no statements in \(statements)")
            return
        }
        // Operators see every month of the window as imported.
        #expect(listed.count == 15)
        let contract = try await sandbox.madoctl(["contracts", "show", "2"])
        #expect(contract.stdout.contains("佐藤　花子"), "\(contract)")
        let isp = try await sandbox.madoctl(["link", "show", "N100000002"])
        #expect(isp.stdout.contains("N100000002 (ADSL single plan): 0 link(s)"), "\(isp)")
        #expect(first.stdout.contains("Imported 3 rows of lines: 3 new") && again.stdout.contains("Imported 3 rows of lines: 0 new, 0 updated, 3 unchanged"))
        let line = try await sandbox.madoctl(["line", "status", "--line", "090-1234-5678"], input: "4821\n")
        #expect(line.status == 0 && line.stdout.contains("voicemail: off"), "\(line)")
        let dataOnly = try await sandbox.madoctl(["line", "status", "--line", "080-1111-2222"], input: "4821\n")
        #expect(dataOnly.status == 1 && dataOnly.stderr.contains("data-only"), "\(dataOnly)")
        for process in processes { _ = try await process.terminate() }
    }
}
