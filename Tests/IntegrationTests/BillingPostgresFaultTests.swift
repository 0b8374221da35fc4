import BillingAPI
import Foundation
import JSONRPC
import MadoguchiModels
import ServiceKit
import Testing
import TestSupport

/// Billing on PostgreSQL with the server hung (its first process and every process serving
/// the database stopped with SIGSTOP, on a cluster of the test's own): a statement list
/// and an import's start are answered `storage_unavailable` within the stores' time
/// limits, never hang and never answer from elsewhere; once the server answers again,
/// the list is served as before.
@Suite struct BillingPostgresFaultTests {
    @Test func aHungDatabase_answersStorageUnavailable_untilItAnswersAgain() async throws {
        let cluster = try await PostgresCluster.own()
        let sandbox = try ServiceSandbox(postgresURL: try await cluster.freshDatabase())
        defer { sandbox.remove() }
        let billing = try await sandbox.startBound("billing")
        let client = try await sandbox.client("billing", timeout: .seconds(60))
        let handle = try await client.call(ImportBegin<StatementRecords>.self, NoParams())
        _ = try await client.call(
            ImportRows<StatementRecords>.self,
            .init(importId: handle.importId, rows: [ImportRow(row: 1, fields: try TwoHostImportTests.statement(customer: 7))]))
        #expect(try await client.call(ImportCommit<StatementRecords>.self, handle).inserted == 1)
        let owner = StatementOwner(customerNumber: try CustomerNumber(validating: "00000007"))
        #expect(try await client.call(StatementsList.self, owner).statements.count == 1)

        let backends = try await cluster.backends(of: try #require(sandbox.postgresDatabase)) + [try #require(cluster.postmaster)]
        for backend in backends { kill(backend, SIGSTOP) }
        let started = ContinuousClock.now
        let list = await refusal { try await client.call(StatementsList.self, owner) }
        let begin = await refusal { try await client.call(ImportBegin<StatementRecords>.self, NoParams()) }
        let waited = ContinuousClock.now - started
        for backend in backends { kill(backend, SIGCONT) }
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
}
