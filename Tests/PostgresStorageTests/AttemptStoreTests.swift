import Foundation
import GRDB
import JSONRPC
import Logging
import PostgresNIO
import ServiceKit
import TestSupport
import Testing

/// `AttemptThrottle` on both engines, by the same tests: SQLite (the service's file, two
/// pools on it standing for two processes) and PostgreSQL (the tests' private cluster,
/// two clients standing for two hosts). Time is the test clock's (`FileClock`).
@Suite struct AttemptStoreTests {
    enum Engine: String, CaseIterable, CustomTestStringConvertible {
        case sqlite, postgres
        var testDescription: String { rawValue }
    }

    let rule = AttemptThrottle.Rule(limit: 5, window: 3600)
    let logger = {
        var logger = Logger(label: "attempt-store-test")
        logger.logLevel = .warning  // the pool logs each failed connection attempt at info
        return logger
    }()

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
            try await PostgresCluster.withTwoHosts(logger: logger) { first, second, _ in
                let clients = [first, second]
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

    /// A count whose window has ended is forgotten by the purge, whichever host runs it,
    /// and refused nothing meanwhile; a count whose window runs is kept. Keys per caller and
    /// origin would otherwise pile up for ever.
    @Test(arguments: Engine.allCases) func endedWindows_arePurged_andRunningOnesKept(_ engine: Engine) async throws {
        try await withHosts(engine) { hosts, clock, failures in
            _ = try await hosts[0].take(["origin:192.0.2.1": rule])  // 10:00, its window ends at 11:00
            try "2026-12-01T10:30:00+09:00".write(toFile: clock, atomically: true, encoding: .utf8)
            _ = try await hosts[1].take(["origin:192.0.2.2": rule])  // 10:30, ends at 11:30
            #expect(try await hosts[1].purgeEnded() == 0)
            try "2026-12-01T11:00:00+09:00".write(toFile: clock, atomically: true, encoding: .utf8)
            #expect(try await hosts[1].purgeEnded() == 1)
            #expect(try await failures("origin:192.0.2.1") == nil)
            #expect(try await failures("origin:192.0.2.2") == 1)
            // A window restarted by a later failure runs from then.
            _ = try await hosts[0].take(["origin:192.0.2.2": rule])
            try "2026-12-01T11:29:59+09:00".write(toFile: clock, atomically: true, encoding: .utf8)
            #expect(try await hosts[0].purgeEnded() == 0)
            try "2026-12-01T11:30:00+09:00".write(toFile: clock, atomically: true, encoding: .utf8)
            _ = try await hosts[0].take(["origin:192.0.2.2": rule])  // a new window: 11:30 to 12:30
            #expect(try await failures("origin:192.0.2.2") == 1)
            #expect(try await hosts[0].purgeEnded() == 0)
            try "2026-12-01T12:30:00+09:00".write(toFile: clock, atomically: true, encoding: .utf8)
            #expect(try await hosts[1].purgeEnded() == 1)
            #expect(try await failures("origin:192.0.2.2") == nil)
        }
    }

    /// Attempts counted on one host and the other add up: the limit reached across both
    /// refuses on both, counting nothing more, until the window ends by the clock, and then
    /// both allow again. An attempt that succeeds is taken back.
    @Test(arguments: Engine.allCases) func attemptsOnTwoHosts_addUp_andTheWindowEndsByTheClock(_ engine: Engine) async throws {
        try await withHosts(engine) { hosts, clock, failures in
            let key = ["customer:C0001": rule]
            for index in 0..<5 { _ = try await hosts[index % 2].take(key) }
            #expect(try await failures("customer:C0001") == 5)
            for host in hosts {
                let refused = await refusal { _ = try await host.take(key) }
                #expect(refused?.reason == "too_many_attempts")
                #expect(refused?.data?["retryAfter"] == .string("2026-12-01T11:00:00+09:00"))
            }
            #expect(try await failures("customer:C0001") == 5, "a refused attempt counts nothing")
            try "2026-12-01T11:00:00+09:00".write(toFile: clock, atomically: true, encoding: .utf8)
            _ = try await hosts[1].take(key)
            #expect(try await failures("customer:C0001") == 1, "a new window starts at the clock's now")
            let succeeding = try await hosts[0].take(key)
            #expect(try await failures("customer:C0001") == 2)
            try await hosts[1].succeeded(succeeding)
            #expect(try await failures("customer:C0001") == 1, "a success is taken back")
            try await hosts[0].succeeded(try await hosts[0].take(key), forgetting: "customer:C0001")
            #expect(try await failures("customer:C0001") == nil)
        }
    }

    /// Attempts sent together on two hosts never pass the limit: of 60 at once against a
    /// limit of 5, exactly 5 are let through and counted, every other is refused. (A check
    /// made before the failures were written let nearly all of them through.)
    @Test(arguments: Engine.allCases) func concurrentAttemptsOnTwoHosts_neverPassTheLimit(_ engine: Engine) async throws {
        try await withHosts(engine) { hosts, _, failures in
            let key = ["customer:C0004": rule]
            let admitted = try await withThrowingTaskGroup(of: Bool.self) { group in
                for index in 0..<60 {
                    group.addTask {
                        do {
                            _ = try await hosts[index % 2].take(key)
                            return true
                        } catch let refusal as RPCError where refusal.reason == "too_many_attempts" {
                            return false
                        }
                    }
                }
                return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            #expect(admitted == 5)
            #expect(try await failures("customer:C0004") == 5)
        }
    }

    /// One PostgreSQL "host" for the fault tests: a client with `configuration` (its pool
    /// running), the schema migrated, a throttle with a 1 s limit on the test clock, and the
    /// count of a key as the server holds it (read through a client of its own).
    func withFaultHost(
        _ configuration: PostgresClient.Configuration, database: String, faults: StorageFaults,
        _ body: (_ throttle: AttemptThrottle, _ failures: () async throws -> Int) async throws -> Void
    ) async throws {
        let cluster = try await PostgresCluster.shared()
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        try "2026-12-01T10:00:00+09:00".write(toFile: folder.file("clock"), atomically: true, encoding: .utf8)
        try await PostgresCluster.withClient(configuration, logger: logger) { (client) async throws in
            var migrator = PostgresMigrator(schema: "registration")
            PostgresAttemptStore.registerMigrations(in: &migrator)
            try await migrator.migrate(client, logger: logger)
            let throttle = AttemptThrottle(
                store: PostgresAttemptStore(client: client, schema: "registration", logger: logger, timeLimit: .seconds(1)),
                clock: try FileClock(path: folder.file("clock")), storageFaults: faults)
            try await body(throttle) {
                try await cluster.withClient(database: database) { (reader) async throws -> Int in
                    var count = 0
                    for try await failures in try await reader.query("SELECT failures FROM registration.attempt").decode(Int.self) {
                        count = failures
                    }
                    return count
                }
            }
        }
    }

    /// PostgreSQL out of reach (its socket gone): an attempt that cannot be counted is
    /// answered `storage_unavailable` and not made, every time, until the server is back;
    /// nothing is counted meanwhile and nothing lost.
    @Test func aServerOutOfReach_refusesEveryAttempt_untilItCanBeCounted() async throws {
        let cluster = try await PostgresCluster.shared()
        let real = try DatabaseURL(parsing: try await cluster.freshDatabase())
        // The service reaches the server through a link to its socket, which the test removes.
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let link = folder.file(".s.PGSQL.5432")
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: cluster.socketPath)
        let linked = try DatabaseURL(parsing: "postgresql://madoguchi@/\(real.database)?host=\(folder.path)")
        let faults = StorageFaults(logger: logger)
        try await withFaultHost(linked.clientConfiguration, database: real.database, faults: faults) { throttle, failures in
            let key = ["customer:C0002": rule]
            _ = try await throttle.take(key)

            try FileManager.default.removeItem(atPath: link)
            // Idle connections would still reach it: end them as a failover would.
            try await cluster.withClient(database: "postgres") { admin in
                try await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = \(real.database)")
            }
            #expect(await refusal { _ = try await throttle.take(key) }?.reason == "storage_unavailable")
            #expect(await refusal { _ = try await throttle.take(key) }?.reason == "storage_unavailable")
            #expect(faults.anyRecorded)

            try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: cluster.socketPath)
            // The pool reconnects after its own back-off (on a loaded machine, past the
            // store's 1 s limit): until then the key stays refused, and never otherwise.
            try await waitUntil("the pool to reach the server again") {
                do {
                    _ = try await throttle.take(key)
                    return true
                } catch {
                    #expect((error as? RPCError)?.reason == "storage_unavailable", "\(error)")
                    return false
                }
            }
            #expect(try await failures() == 2, "the first attempt and the one the server took when it came back")
        }
    }

    /// PostgreSQL hung mid-call (the backend serving the service stopped with SIGSTOP):
    /// the attempt is answered `storage_unavailable` within the store's time limit rather
    /// than waiting for the server, and not made; so is every attempt until the server
    /// runs again.
    @Test func aHungServer_isAFault_withinTheTimeLimit_andNoAttemptIsMade() async throws {
        let cluster = try await PostgresCluster.shared()
        let url = try DatabaseURL(parsing: try await cluster.freshDatabase())
        // One connection, whose backend the test stops: the pool cannot go round it.
        var configuration = url.clientConfiguration
        configuration.options.maximumConnections = 1
        try await withFaultHost(configuration, database: url.database, faults: StorageFaults(logger: logger)) { throttle, failures in
            // A limit no retry below reaches: every attempt the test makes may end up counted.
            let key = ["customer:C0003": AttemptThrottle.Rule(limit: 1000, window: 3600)]
            _ = try await throttle.take(key)

            let backends = try await cluster.backends(of: url.database)
            try #require(backends.count == 1)
            for backend in backends { kill(backend, SIGSTOP) }
            defer { for backend in backends { kill(backend, SIGCONT) } }  // also if an expectation throws
            do {
                _ = try await throttle.take(key)
                Issue.record("an attempt was counted by a stopped server")
            } catch {
                #expect((error as? RPCError)?.reason == "storage_unavailable", "\(error)")
            }
            #expect(await refusal { _ = try await throttle.take(key) }?.reason == "storage_unavailable")
            for backend in backends { kill(backend, SIGCONT) }

            // The first calls after the pause may still meet the requests the limit gave up on.
            try await waitUntil("an attempt to be counted again") { (try? await throttle.take(key)) != nil }
            // The count the limit gave up on was already with the stopped server, which may
            // apply it when it runs again: the refused attempt may count. Never less (an
            // attempt uncounted), possibly more (one refusal early): stricter, not looser.
            let count = try await failures()
            #expect(count >= 2, "the first attempt and the last, and any given up on that the server then made: \(count)")
        }
    }

    /// Two hosts counting the same key at once lose no attempt: 2 × 50 concurrent
    /// attempts are 100, not fewer (each is one atomic upsert, not a read and a write).
    @Test(arguments: Engine.allCases) func concurrentAttemptsOnTwoHosts_loseNoCount(_ engine: Engine) async throws {
        try await withHosts(engine) { hosts, _, failures in
            let key = ["origin:203.0.113.7": AttemptThrottle.Rule(limit: 1000, window: 3600)]
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<100 {
                    group.addTask { _ = try await hosts[index % 2].take(key) }
                }
                try await group.waitForAll()
            }
            #expect(try await failures("origin:203.0.113.7") == 100)
        }
    }
}
