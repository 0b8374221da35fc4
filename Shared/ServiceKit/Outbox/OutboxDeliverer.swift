import CoreMetrics
import Foundation
import GRDB
import Logging
import NIOConcurrencyHelpers
import ServiceLifecycle

/// Sends what the outbox holds, oldest first, and records each delivery. A failed
/// delivery is retried with exponential back-off (5 s, 10 s, 20 s… up to an hour),
/// measured on the service clock so tests can move past it. A clock moved back never
/// makes a message wait longer than its back-off: at the first poll and whenever the
/// clock reads earlier than at the poll before, a retry scheduled further ahead than its
/// back-off (a new message: at all) is brought forward to that back-off from now.
///
/// It polls the table rather than being woken by commits: a quarter-second poll of an
/// indexed query costs nothing, and there is no wake-up path to lose across a restart.
public final class OutboxDeliverer: Service, Sendable {
    private let queue: any OutboxQueue
    private let outbox: Outbox
    private let clock: any ServiceClock
    private let transport: any OutboxTransport
    private let logger: Logger
    private let pollInterval: Duration
    /// Attempts before a message is set aside as dead (`--outbox-max-attempts`).
    private let maximumAttempts: Int
    /// "Now" at the last poll: an earlier "now" means the clock has moved back.
    private let lastPoll = NIOLockedValueBox<Date?>(nil)
    /// Where a message sealed with a key this process lacks is told (once per incident).
    private let faults: StorageFaults?

    public init(
        queue: any OutboxQueue, outbox: Outbox, clock: any ServiceClock, transport: any OutboxTransport,
        logger: Logger, pollInterval: Duration = .milliseconds(250), maximumAttempts: Int = 20,
        faults: StorageFaults? = nil
    ) {
        self.faults = faults
        self.maximumAttempts = maximumAttempts
        self.queue = queue
        self.outbox = outbox
        self.clock = clock
        self.transport = transport
        self.logger = logger
        self.pollInterval = pollInterval
    }

    /// Delivers from the service's SQLite file.
    public convenience init(
        database: DatabasePool, outbox: Outbox, clock: any ServiceClock, transport: any OutboxTransport,
        logger: Logger, pollInterval: Duration = .milliseconds(250)
    ) {
        self.init(
            queue: SQLiteOutboxQueue(database: database), outbox: outbox, clock: clock, transport: transport, logger: logger,
            pollInterval: pollInterval)
    }

    /// Polls until graceful shutdown, then makes a last pass: the service stops its
    /// server before its deliverer (`ServiceApplication`), so the last pass sends what the
    /// last calls wrote instead of leaving it until the next start. Cancelled (the
    /// shutdown grace has run out), it stops at once.
    public func run() async throws {
        await repeatUntilShutdown(every: pollInterval) { await deliverDue() }
        // Each pass takes at most a batch; a full one may have left more behind.
        while !Task.isCancelled, await deliverDue() == Self.batchSize {}
    }

    /// The most messages one pass reads.
    static let batchSize = 100

    /// Delivers every message that is due now (at most `batchSize`); returns how many
    /// were delivered.
    @discardableResult
    public func deliverDue() async -> Int {
        var delivered = 0
        do {
            let now = clock.now()
            let movedBack = lastPoll.withLockedValue { last in
                defer { last = now }
                return last.map { now < $0 } ?? true
            }
            if movedBack {
                let moved = try await queue.bringForward(now: now, longestWait: Self.longestWait(afterAttempts:))
                if moved > 0 {
                    logger.notice("the clock is behind the outbox's schedule; messages brought forward to their back-off", metadata: ["messages": "\(moved)"])
                }
            }
            let pending = try await queue.claimDue(at: now, limit: Self.batchSize)
            for message in pending {
                // A slow transport can outlast the batch's claim: a message another
                // deliverer has taken since is that one's to send, never both.
                guard let held = try await queue.keepClaim(message, at: clock.now()) else { continue }
                if await deliverKeepingClaim(held) { delivered += 1 }
            }
        } catch {
            logger.error("outbox read failed", metadata: ["error": "\(error)"])
        }
        return delivered
    }

    /// How far the clock moves during a send before the message's claim is renewed: well
    /// within PostgreSQL's minute-long claim.
    static let claimRenewal: TimeInterval = 5

    /// Delivers `pending` while keeping its claim: a send that takes long (a slow
    /// sendmail) renews the claim as the clock moves on, so that another deliverer does
    /// not take the message while it is in the mailer's hands. Only a claim this process
    /// could not renew for the claim's whole length (the database out of reach) lapses
    /// during a send, and then the message may go twice. A message held without a claim
    /// (SQLite's queue: one host, one deliverer) is simply delivered.
    private func deliverKeepingClaim(_ pending: OutboxPending) async -> Bool {
        guard pending.claimedUntil != nil else { return await deliver(pending) }
        return await withTaskGroup(of: Bool?.self) { group in
            group.addTask { await self.deliver(pending) }
            group.addTask {
                await self.keepClaim(of: pending)
                return nil
            }
            var delivered = false
            for await outcome in group {
                guard let outcome else { continue }
                delivered = outcome
                group.cancelAll()
            }
            return delivered
        }
    }

    /// Renews `pending`'s claim every `claimRenewal` of the clock until cancelled (the send
    /// is over) or until the claim is found taken by another deliverer.
    private func keepClaim(of pending: OutboxPending) async {
        var held = pending
        var renewedAt = clock.now()
        while (try? await Task.sleep(for: pollInterval)) != nil {
            let now = clock.now()
            guard now.timeIntervalSince(renewedAt) >= Self.claimRenewal else { continue }
            // A failed renewal is tried again `claimRenewal` later: the claim lasts a minute.
            renewedAt = now
            do {
                guard let kept = try await queue.keepClaim(held, at: now) else { return }
                held = kept
                logger.debug("outbox claim kept during a send", metadata: ["outbox-id": "\(pending.id)"])
            } catch {
                logger.warning("outbox claim could not be renewed during a send", metadata: ["outbox-id": "\(pending.id)", "error": "\(error)"])
            }
        }
    }

    private func deliver(_ pending: OutboxPending) async -> Bool {
        // A message that cannot be opened (its key is gone) has no channel to count under.
        var channel = "unknown"
        do {
            let message = try outbox.open(pending.payload, keyVersion: pending.keyVersion)
            channel = message.channel.rawValue
            try await transport.deliver(message, id: pending.id, createdAt: pending.createdAt)
            let now = clock.now()
            try await queue.markDelivered(pending.id, at: now)
            logger.info("outbox message delivered", metadata: ["outbox-id": "\(pending.id)", "channel": "\(message.channel)"])
            Counter(label: "madoguchi_outbox_delivered_total", dimensions: [("channel", channel)]).increment()
            return true
        } catch let missing as MissingServerKey {
            // Sealed by a host that already has a newer key: not this message's fault, so no
            // attempt is counted; its claim lapses and a host holding the key delivers it.
            if faults?.record(missing) == nil {
                logger.error("outbox message sealed with a key this process lacks", metadata: ["outbox-id": "\(pending.id)", "version": "\(missing.version)"])
            }
            return false
        } catch {
            Counter(label: "madoguchi_outbox_delivery_failures_total", dimensions: [("channel", channel)]).increment()
            let attempts = pending.attempts + 1
            // Its last allowed attempt: set aside, so it is not retried forever; the others
            // were never held up by it (each message is tried on its own).
            guard attempts < maximumAttempts else {
                logger.error(
                    "outbox message set aside as dead after its last attempt; `madoctl outbox requeue` or `drop` it",
                    metadata: ["outbox-id": "\(pending.id)", "channel": "\(channel)", "attempts": "\(attempts)", "error": "\(error)"])
                Counter(label: "madoguchi_outbox_dead_letters_total", dimensions: [("channel", channel)]).increment()
                try? await queue.markDead(pending.id, attempts: attempts, at: clock.now(), error: "\(error)")
                return false
            }
            let retryAt = clock.now().addingTimeInterval(Self.backOff(afterAttempts: attempts))
            logger.warning(
                "outbox delivery failed; will retry",
                metadata: ["outbox-id": "\(pending.id)", "attempts": "\(attempts)", "error": "\(error)"])
            try? await queue.markFailed(pending.id, attempts: attempts, retryAt: retryAt, error: "\(error)")
            return false
        }
    }

    /// The longest a message may wait for its next attempt: none before the first, the
    /// back-off after a failure.
    static func longestWait(afterAttempts attempts: Int) -> TimeInterval {
        attempts == 0 ? 0 : backOff(afterAttempts: attempts)
    }

    /// Seconds to wait after `attempts` failures: 5 s doubled each time, at most an hour.
    static func backOff(afterAttempts attempts: Int) -> TimeInterval {
        min(5 * pow(2, Double(min(attempts, 20) - 1)), 3600)
    }
}
