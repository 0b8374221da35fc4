import Foundation
import GRDB
import JSONRPC
import Logging
import PostgresNIO
import PostgresStorage
import ServiceKit
import Testing
import TestSupport

/// `AttemptThrottle` on both engines, by the same tests: SQLite (the service's file, two
/// pools on it standing for two processes) and PostgreSQL (the tests' private cluster,
/// two clients standing for two hosts). Time is the test clock's (`FileClock`).
@Suite struct AttemptStoreTests {
    enum Engine: String, CaseIterable, CustomTestStringConvertible {
        case sqlite, postgres
        var testDescription: String { rawValue }
    }

    let rule = AttemptThrottle.Rule(limit: 5, window: 3600)
    let logger = Logger(label: "attempt-store-test")

    /// Two throttles over one store's data ("hosts"), the test clock's file, and a way to
    /// read a key's count; `body` runs while they are open.
    func withHosts(
        _ engine: Engine,
        _ body: (_ hosts: [AttemptThrottle], _ clock: String, _ failures: @escaping @Sendable (String) async throws -> Int?) async throws -> Void
    ) async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let clock = folder.file("clock")
        try "2026-12-01T10:00:00+09:00".write(toFile: clock, atomically: true, encoding: .utf8)
        let faults = StorageFaults(logger: logger)
        switch engine {
        case .sqlite:
            let secret = try ServerSecret.load(path: nil, stateDirectory: folder.path, createIfMissing: true)
            let path = folder.file("registration.sqlite")
            let pools = try (0..<2).map { _ in try ServiceDatabase.open(path: path, secret: secret) { _ in } }
            let hosts = try pools.map { AttemptThrottle(database: $0, clock: try FileClock(path: clock), storageFaults: faults) }
            try await body(hosts, clock) { key in
                try await pools[0].read { try Int.fetchOne($0, sql: "SELECT failures FROM attempt WHERE key = ?", arguments: [key]) }
            }
            for pool in pools { try pool.close() }
        case .postgres:
            let cluster = try await PostgresCluster.shared()
            let url = try DatabaseURL(parsing: try await cluster.freshDatabase())
            let clients = (0..<2).map { _ in PostgresClient(configuration: url.clientConfiguration, backgroundLogger: logger) }
            try await withThrowingTaskGroup(of: Void.self) { running in
                for client in clients { running.addTask { await client.run() } }
                defer { running.cancelAll() }
                var migrator = PostgresMigrator(schema: "registration")
                PostgresAttemptStore.registerMigrations(in: &migrator)
                try await migrator.migrate(clients[0], logger: logger)
                let hosts = try clients.map { client in
                    AttemptThrottle(
                        store: PostgresAttemptStore(client: client, schema: "registration", logger: logger),
                        clock: try FileClock(path: clock), storageFaults: faults)
                }
                try await body(hosts, clock) { key in
                    var count: Int?
                    for try await failures in try await clients[0].query(
                        "SELECT failures FROM registration.attempt WHERE key = \(key)"
                    ).decode(Int.self) { count = failures }
                    return count
                }
            }
        }
    }

    func refusal(_ call: () async throws -> Void) async -> RPCError? {
        do {
            try await call()
            return nil
        } catch {
            return error as? RPCError
        }
    }

    /// Failures counted on one host and the other add up: the limit reached across both
    /// refuses on both until the window ends by the clock, and then both allow again.
    @Test(arguments: Engine.allCases) func failuresOnTwoHosts_addUp_andTheWindowEndsByTheClock(_ engine: Engine) async throws {
        try await withHosts(engine) { hosts, clock, failures in
            let key = ["customer:C0001": rule]
            for index in 0..<4 { try await hosts[index % 2].recordFailure(key) }
            try await hosts[0].check(key)
            try await hosts[1].check(key)
            try await hosts[1].recordFailure(key)
            #expect(try await failures("customer:C0001") == 5)
            for host in hosts {
                let refused = await refusal { try await host.check(key) }
                #expect(refused?.reason == "too_many_attempts")
                #expect(refused?.data?["retryAfter"] == .string("2026-12-01T11:00:00+09:00"))
            }
            try "2026-12-01T11:00:00+09:00".write(toFile: clock, atomically: true, encoding: .utf8)
            try await hosts[0].check(key)
            try await hosts[1].recordFailure(key)
            #expect(try await failures("customer:C0001") == 1, "a new window starts at the clock's now")
            try await hosts[0].reset("customer:C0001")
            #expect(try await failures("customer:C0001") == nil)
        }
    }

    /// Two hosts counting the same key at once lose no failure: 2 × 50 concurrent
    /// failures are 100, not fewer (each is one atomic upsert, not a read and a write).
    @Test(arguments: Engine.allCases) func concurrentFailuresOnTwoHosts_loseNoCount(_ engine: Engine) async throws {
        try await withHosts(engine) { hosts, _, failures in
            let key = ["origin:203.0.113.7": AttemptThrottle.Rule(limit: 1000, window: 3600)]
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<100 {
                    group.addTask { try await hosts[index % 2].recordFailure(key) }
                }
                try await group.waitForAll()
            }
            #expect(try await failures("origin:203.0.113.7") == 100)
        }
    }
}
