import BillingAPI
import Foundation
import MadoguchiModels
import TestSupport
import Testing

/// A service on PostgreSQL keeps a pool of a fixed size (`--database-connections`),
/// counted from the server's side (`pg_stat_activity`): opened at start, before any call
/// needs it; never more under load; and a connection the server drops is replaced.
@Suite(.sandboxed) struct PostgresPoolTests {
    @Test func aServicesConnections_areAFixedPool_openedAtStart_neverMore_andReplaced() async throws {
        let cluster = try await PostgresCluster.shared()
        let sandbox = try ServiceSandbox(postgresURL: try await cluster.freshDatabase())
        let database = try #require(sandbox.postgresDatabase)
        let billing = try await sandbox.startBound("billing", extraArguments: ["--database-connections", "3"])
        func backends() async throws -> [pid_t] { try await cluster.backends(of: database) }
        try await waitUntil("billing's three connections, before any call") { try await backends().count == 3 }

        let client = try await sandbox.client("billing")
        let owner = StatementOwner(customerNumber: try CustomerNumber(validating: "00000007"))
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<40 { group.addTask { _ = try await client.call(StatementsList.self, owner) } }
            try await group.waitForAll()
        }
        #expect(try await backends().count == 3)

        // The server ends one (as `pg_terminate_backend` does): the pool opens another.
        let dropped = try #require(try await backends().first)
        kill(dropped, SIGTERM)
        try await waitUntil("the dropped connection to be replaced") {
            let now = try await backends()
            return now.count == 3 && !now.contains(dropped)
        }
        #expect(try await client.call(StatementsList.self, owner).statements.isEmpty)
        await client.close()
        #expect(try await billing.terminate() == 0)
    }
}
