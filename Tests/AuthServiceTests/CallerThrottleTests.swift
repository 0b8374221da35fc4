@testable import AuthService
import AuthAPI
import Foundation
import Logging
import PostgresNIO
import ServiceKit
import Testing
import TestSupport

@Suite struct CallerThrottleTests {
    /// Callers whose failures have all aged out are swept, so a stream of fresh origins
    /// does not grow the table past one window's worth.
    @Test func callersWhoseWindowHasPassed_areSweptAway() {
        let throttle = CallerThrottle(limit: 50, window: 600)
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        for index in 0..<CallerThrottle.sweepEvery {
            throttle.recordHere(.origin("old-\(index)"), at: start)
        }
        #expect(throttle.trackedCallers == CallerThrottle.sweepEvery)
        let later = start.addingTimeInterval(601)
        for index in 0..<CallerThrottle.sweepEvery {
            throttle.recordHere(.origin("new-\(index)"), at: later)
        }
        #expect(throttle.trackedCallers == CallerThrottle.sweepEvery)
    }
}

/// The caller throttle with several hosts: each host's throttle also counts into the
/// store the fleet shares (PostgreSQL here, the tests' private cluster), so a caller that
/// spreads its guesses over hosts is refused on all of them once the sum reaches the limit.
@Suite struct SharedCallerThrottleTests {
    @Test func failuresOnTwoHosts_refuseTheCallerOnBoth() async throws {
        var logger = Logger(label: "caller-throttle-test")
        logger.logLevel = .warning
        let cluster = try await PostgresCluster.shared()
        let url = try DatabaseURL(parsing: try await cluster.freshDatabase())
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        try await PostgresCluster.withClient(url.clientConfiguration, logger: logger) { (first) async throws in
            try await PostgresCluster.withClient(url.clientConfiguration, logger: logger) { (second) async throws in
                var migrator = PostgresMigrator(schema: "auth")
                PostgresAttemptStore.registerMigrations(in: &migrator)
                try await migrator.migrate(first, logger: logger)
                let (a, b) = (first, second)
                let hosts = [a, b].map { client in
                    CallerThrottle(
                        limit: 3, window: 600, shared: PostgresAttemptStore(client: client, schema: "auth", logger: logger),
                        storageFaults: StorageFaults(logger: logger))
                }
                let caller = Caller.origin("203.0.113.7")
                await hosts[0].recordFailure(caller, at: start)
                await hosts[0].recordFailure(caller, at: start)
                // Two failures: under the limit on each host and in the fleet.
                try await hosts[1].checkFleet(caller, now: start)
                await hosts[1].recordFailure(caller, at: start)
                for host in hosts {
                    await #expect(throws: AuthError.self) { try await host.checkFleet(caller, now: start.addingTimeInterval(1)) }
                }
                // Another caller is not touched, and the window's end frees this one everywhere.
                try await hosts[0].checkFleet(.origin("198.51.100.2"), now: start.addingTimeInterval(1))
                try await hosts[1].checkFleet(caller, now: start.addingTimeInterval(601))
            }
        }
    }

    /// The shared store out of reach (no server at its socket): a failure the fleet cannot
    /// count is a storage fault, kept in this host's memory, and the caller's next check
    /// fails closed — it is refused rather than let through uncounted by the fleet.
    @Test func aSharedStoreOutOfReach_keepsTheFailureHere_andFailsTheNextCheckClosed() async throws {
        var logger = Logger(label: "caller-throttle-test")
        logger.logLevel = .critical  // the pool logs each failed connection attempt
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let nowhere = PostgresClient.Configuration(
            unixSocketPath: folder.file(".s.PGSQL.5432"), username: "madoguchi", password: nil, database: "madoguchi")
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        try await PostgresCluster.withClient(nowhere, logger: logger) { (client) async throws in
            let faults = StorageFaults(logger: logger)
            let throttle = CallerThrottle(
                limit: 3, window: 600,
                shared: PostgresAttemptStore(client: client, schema: "auth", logger: logger, timeLimit: .seconds(1)),
                storageFaults: faults)
            let caller = Caller.origin("203.0.113.7")
            await throttle.recordFailure(caller, at: start)
            #expect(faults.anyRecorded)
            #expect(throttle.trackedCallers == 1)
            let refusal = await #expect(throws: (any Error).self) { try await throttle.checkFleet(caller, now: start) }
            #expect((refusal as? any ClassifiedStorageFault)?.storageFaultKind == .unreachable, "\(String(describing: refusal))")
        }
    }
}
