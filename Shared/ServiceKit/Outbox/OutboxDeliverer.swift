import Foundation
import GRDB
import Logging
import ServiceLifecycle

/// Sends what the outbox holds, oldest first, and records each delivery. A failed
/// delivery is retried with exponential back-off (5 s, 10 s, 20 s… up to an hour),
/// measured on the service clock so tests can move past it.
///
/// It polls the table rather than being woken by commits: a quarter-second poll of an
/// indexed query costs nothing, and there is no wake-up path to lose across a restart.
public final class OutboxDeliverer: Service, Sendable {
    private let database: DatabasePool
    private let outbox: Outbox
    private let clock: any ServiceClock
    private let transport: any OutboxTransport
    private let logger: Logger
    private let pollInterval: Duration

    public init(
        database: DatabasePool, outbox: Outbox, clock: any ServiceClock, transport: any OutboxTransport,
        logger: Logger, pollInterval: Duration = .milliseconds(250)
    ) {
        self.database = database
        self.outbox = outbox
        self.clock = clock
        self.transport = transport
        self.logger = logger
        self.pollInterval = pollInterval
    }

    public func run() async throws {
        await repeatUntilShutdown(every: pollInterval) { await deliverDue() }
    }

    /// Delivers every message that is due now; returns how many were delivered.
    @discardableResult
    public func deliverDue() async -> Int {
        var delivered = 0
        do {
            let now = clock.now()
            let pending = try await database.read { db in try OutboxStore.due(at: now, limit: 100, in: db) }
            for message in pending {
                if await deliver(message) { delivered += 1 }
            }
        } catch {
            logger.error("outbox read failed", metadata: ["error": "\(error)"])
        }
        return delivered
    }

    private func deliver(_ pending: OutboxStore.Pending) async -> Bool {
        do {
            let message = try outbox.open(pending.payload)
            try await transport.deliver(message, id: pending.id, createdAt: pending.createdAt)
            let now = clock.now()
            try await database.write { db in try OutboxStore.markDelivered(pending.id, at: now, in: db) }
            logger.info("outbox message delivered", metadata: ["outbox-id": "\(pending.id)", "channel": "\(message.channel)"])
            return true
        } catch {
            let attempts = pending.attempts + 1
            let retryAt = clock.now().addingTimeInterval(Self.backOff(afterAttempts: attempts))
            logger.warning(
                "outbox delivery failed; will retry",
                metadata: ["outbox-id": "\(pending.id)", "attempts": "\(attempts)", "error": "\(error)"])
            try? await database.write { db in
                try OutboxStore.markFailed(pending.id, attempts: attempts, retryAt: retryAt, error: "\(error)", in: db)
            }
            return false
        }
    }

    /// Seconds to wait after `attempts` failures: 5 s doubled each time, at most an hour.
    static func backOff(afterAttempts attempts: Int) -> TimeInterval {
        min(5 * pow(2, Double(min(attempts, 20) - 1)), 3600)
    }
}
