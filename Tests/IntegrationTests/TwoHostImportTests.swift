import BillingAPI
import Foundation
import JSONRPC
import JSONRPCTransport
import MadoguchiModels
import ServiceContract
import ServiceKit
import TestSupport
import Testing

/// A statement import across two billing "hosts" on one PostgreSQL database (two real
/// processes, each in a sandbox of its own): batches sent to either host stage into one
/// import, and a commit sent to both at once applies it once — one host answers the
/// report, the other finds the import gone — all or nothing.
@Suite(.sandboxed) struct TwoHostImportTests {
    @Test func anImportStagedOnBothHosts_isAppliedOnce_whenBothCommitAtOnce() async throws {
        let first = try ServiceSandbox(postgresURL: try await PostgresCluster.shared().freshDatabase())
        let second = try ServiceSandbox(sharingDatabaseOf: first)
        let processes = [try await first.startBound("billing"), try await second.startBound("billing")]
        let clients = [try await first.client("billing"), try await second.client("billing")]

        let handle = try await clients[0].call(ImportBegin<StatementRecords>.self, NoParams())
        for batch in 0..<4 {
            let rows = try (1...100).map { index in
                let row = batch * 100 + index
                return ImportRow(row: row, fields: try Self.statement(customer: row))
            }
            let staged = try await clients[batch % 2].call(ImportRows<StatementRecords>.self, .init(importId: handle.importId, rows: rows))
            #expect(staged.staged == (batch + 1) * 100)
        }

        func commit(on client: RPCClient) async -> Result<ImportReport, RPCError> {
            do {
                return .success(try await client.call(ImportCommit<StatementRecords>.self, handle, timeout: .seconds(60)))
            } catch let error as RPCError {
                return .failure(error)
            } catch {
                return .failure(RPCError(code: .internalError, message: "\(error)"))
            }
        }
        async let onFirst = commit(on: clients[0])
        async let onSecond = commit(on: clients[1])
        let outcomes = await [onFirst, onSecond]
        let reports = outcomes.compactMap { try? $0.get() }
        #expect(reports.map(\.inserted) == [400], "\(outcomes)")
        let refusals = outcomes.compactMap { outcome -> String? in
            if case .failure(let error) = outcome { return error.reason }
            return nil
        }
        #expect(refusals == ["import_not_found"], "\(outcomes)")

        // Both hosts read what the one commit stored.
        for client in clients {
            let list = try await client.call(StatementsList.self, StatementOwner(customerNumber: try CustomerNumber(validating: "00000400")))
            #expect(list.statements.map(\.month.description) == ["2026-10"])
        }
        for client in clients { await client.close() }
        for process in processes { #expect(try await process.terminate() == 0) }
    }

    /// Customer `customer`'s statement for October 2026, as a file's row.
    static func statement(customer: Int) throws -> [String: JSONValue] {
        let line = BillingFixture.statement(
            String(format: "%08d", customer), "2026-10", items: [BillingFixture.item("BASIC", "基本料", 1, 980, "standard")])
        guard case .object(let fields) = try JSONValue.parse(Data(line.utf8)) else { throw Unexpected(what: "a statement is an object") }
        return fields
    }
}
