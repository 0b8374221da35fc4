import Foundation
import GRDB
import JSONRPC
import PostgresNIO
import ServiceContract
import TestSupport
import Testing

/// A long import as an operator runs it: progress on a terminal (and nothing extra
/// without one), Ctrl-C cancelling it on the service with its staged rows — customers'
/// personal data in clear — removed at once, and rows a crash left removed at the next
/// start.
@Suite(.sandboxed) struct ImportInterruptTests {
    /// Generated contracts, enough that staging them takes seconds (and no benchmark call
    /// sets: writing those is CPU work a loaded test machine need not do).
    static func contracts(in sandbox: ServiceSandbox, customers: Int) async throws -> String {
        let generated = try await sandbox.madoctl(
            ["generate", "customers", "--customers", "\(customers)", "--calls", "1", "--accounts", "0", "--output", sandbox.root.file("generated")],
            timeout: .seconds(180))
        #expect(generated.status == 0, "\(generated.stderr)")
        return sandbox.root.file("generated/contracts.jsonl")
    }

    /// Rows staged in registration's file, read beside the running service.
    static func staged(_ sandbox: ServiceSandbox) throws -> (jobs: Int, rows: Int) {
        var configuration = Configuration()
        configuration.readonly = true
        let database = try DatabaseQueue(path: sandbox.root.file("registration/registration.sqlite"), configuration: configuration)
        defer { try? database.close() }
        return try database.read { db in
            (try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM import_job") ?? 0, try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM import_row") ?? 0)
        }
    }

    @Test func ctrlC_cancelsTheImportOnTheService_andItsStagedRowsGoAtOnce() async throws {
        let sandbox = try ServiceSandbox()
        _ = try await sandbox.startActivated("registration")
        let file = try await Self.contracts(in: sandbox, customers: 40000)
        let madoctl = try ChildProcess(
            Executables.path("madoctl"), ["contracts", "import", file], logPath: sandbox.root.file("import.log"),
            environment: ["MADOGUCHI_RUNTIME_DIR": sandbox.runtimeDirectory])
        try await waitUntil("rows to be staged") { (try? Self.staged(sandbox).rows) ?? 0 > 0 || !madoctl.isRunning }
        try #require(madoctl.isRunning, "the import ended before it could be interrupted: \(madoctl.log)")
        madoctl.signal(SIGINT)
        #expect(try await madoctl.waitForExit(timeout: .seconds(30)) == 130, "\(madoctl.log)")
        #expect(madoctl.log.contains("the import was cancelled on registration; its staged rows are removed"), "\(madoctl.log)")
        // Gone when madoctl has exited, not a day later; and nothing was applied.
        let left = try Self.staged(sandbox)
        #expect(left.jobs == 0 && left.rows == 0, "\(left)")
        let shown = try await sandbox.madoctl(["contracts", "show", "1", "--json"])
        #expect(shown.status == 1, "\(shown)")
    }

    /// Rows staged in registration's PostgreSQL schema.
    static func stagedInPostgres(_ sandbox: ServiceSandbox) async throws -> (jobs: Int, rows: Int) {
        try await PostgresCluster.shared().withClient(database: try #require(sandbox.postgresDatabase)) { client in
            var counts: [Int] = []
            for table in ["import_job", "import_row"] {
                for try await count in try await client.query(PostgresQuery(unsafeSQL: "SELECT count(*) FROM registration.\(table)"))
                    .decode(Int64.self) { counts.append(Int(count)) }
            }
            return (counts[0], counts[1])
        }
    }

    static func staged(_ sandbox: ServiceSandbox, _ engine: StorageEngine) async throws -> (jobs: Int, rows: Int) {
        engine == .sqlite ? try staged(sandbox) : try await stagedInPostgres(sandbox)
    }

    /// On SQLite the next start removes every staged import (the file is this host's); on
    /// PostgreSQL, where another host may be importing, those without a batch for ten
    /// minutes of the service clock (and no commit holding them).
    @Test(arguments: StorageEngine.allCases) func rowsStagedWhenTheServiceCrashed_areRemovedAtItsNextStart(
        _ engine: StorageEngine
    ) async throws {
        let sandbox = try await ServiceSandbox.make(engine: engine)
        var registration = try await sandbox.startActivated("registration")
        let client = try await sandbox.client("registration")
        let begun = try await client.call(method: "contracts.import.begin", params: nil)
        let id = try #require(begun["importId"]?.stringValue)
        let row = #"{"customerNumber":"1","name":"山田　誠","kana":"ヤマダ　マコト","birthDate":"1997-07-27","phoneNumbers":["09000000001"],"iccids":["8981100000000000028"],"services":["mobile-voice"]}"#
        _ = try await client.call(
            method: "contracts.import.rows",
            params: .object(["importId": .string(id), "rows": .array([.object(["row": 1, "fields": try JSONValue.parse(Data(row.utf8))])])]))
        #expect(try await Self.staged(sandbox, engine).rows == 1)
        await client.close()
        registration.signal(SIGKILL)
        _ = try await registration.waitForExit()

        func startAgain() async throws {
            registration = try await sandbox.startActivated("registration")
            let again = try await sandbox.client("registration")
            _ = try await again.call(ServicePing.self)
            await again.close()
        }
        if engine == .postgres {
            // A batch nine minutes ago: maybe another host's import going on; kept.
            try sandbox.setClock("2026-11-21T12:09:00+09:00")
            try await startAgain()
            #expect(try await Self.staged(sandbox, engine).rows == 1)
            #expect(try await registration.terminate() == 0)
            try sandbox.setClock("2026-11-21T12:11:00+09:00")
        }
        try await startAgain()
        let left = try await Self.staged(sandbox, engine)
        #expect(left.jobs == 0 && left.rows == 0, "\(left)")
    }

    @Test func progress_showsOnATerminal_andNothingExtraWithout() async throws {
        let sandbox = try ServiceSandbox()
        _ = try await sandbox.startActivated("registration")
        let file = try await Self.contracts(in: sandbox, customers: 4000)
        let terminal = try PseudoTerminal()
        let onTerminal = try ChildProcess(
            Executables.path("madoctl"), ["contracts", "import", file], terminal: terminal.path,
            environment: ["MADOGUCHI_RUNTIME_DIR": sandbox.runtimeDirectory])
        let shown = try await terminal.read(timeout: .seconds(120)) { $0.contains("Imported 4,000") || $0.contains("Imported 4000") }
        #expect(try await onTerminal.waitForExit(timeout: .seconds(60)) == 0, "\(shown)")
        #expect(shown.contains("rows/s") && shown.contains("%") && shown.contains("left"), "\(shown)")

        // The same file again (nothing changes) through a pipe: the result line alone.
        let piped = try await sandbox.madoctl(["contracts", "import", file], timeout: .seconds(180))
        #expect(piped.status == 0, "\(piped.stderr)")
        #expect(piped.stdout == "Imported 4000 rows of contracts: 0 new, 0 updated, 4000 unchanged.\n", "\(piped.stdout)")
        #expect(piped.stderr.isEmpty, "\(piped.stderr)")
    }
}
