import Foundation
import Logging
import PostgresNIO
import Synchronization

/// This process's claim, in PostgreSQL, on the key version it makes everything new with:
/// what keeps `service.keys.retire` on another host from retiring a version that a host
/// not yet restarted with a newer key is still making records with.
///
/// The claim is a row of `<schema>.server_key_lease` that lasts `length` and is renewed
/// every `renewalInterval` (`ServerKeyLeaseRenewal`); a clean stop ends it. A call that
/// may make records waits for a held claim first (`ensureHeld`, the gate of every method
/// but `service.*`), and the outbox seals nothing without one. A renewal takes the key's
/// row `FOR SHARE` and a retirement takes it `FOR UPDATE`, so the two never cross: a
/// renewal after a retirement finds the version retired and the claim stays lapsed —
/// every call answered `storage_unavailable` (`key_missing`) until the host restarts
/// with the newer key. A retirement waits until every claim on the version ended at
/// least `settleTime` ago, so a call that passed the gate just before its claim ended
/// has written what it made.
///
/// Only PostgreSQL needs one: on SQLite the one process that writes the file is the one
/// asked to retire, and it never retires the version it makes records with.
public final class ServerKeyLease: Sendable {
    /// How long one renewal holds the claim.
    public static let length: TimeInterval = 120
    /// How often the claim is renewed: four renewals a claim, so that one missed (a
    /// database slow for a minute) does not let it lapse.
    public static let renewalInterval: Duration = .seconds(30)
    /// How long after a claim ends a retirement still counts it.
    public static let settleTime: TimeInterval = 120

    let client: PostgresClient
    let schema: String
    /// The version claimed: the one everything new is made with.
    public let version: Int
    /// Names this process's row: unique per process, so that a reused pid never inherits one.
    let holder = UUID().uuidString
    /// The host's name and this process's id, as a refused retirement names them.
    let host = ServerKeyLease.hostName()
    let pid = Int(getpid())
    let clock: any ServiceClock
    let logger: Logger
    /// How long one renewal may wait for the server.
    let timeLimit: Duration = .seconds(5)
    /// Until when the claim holds, as the service clock counts; nil before the first renewal.
    private let until = Mutex<Date?>(nil)
    /// The renewal under way, which a call finding the claim lapsed waits for rather than
    /// starting another.
    private let renewing = Mutex<Task<Void, any Error>?>(nil)
    /// Set once a renewal found the version retired: for good, since a retired version
    /// is never current again, so no call asks the database again.
    private let retired = Atomic<Bool>(false)

    init(client: PostgresClient, schema: String, version: Int, clock: any ServiceClock, logger: Logger) {
        self.client = client
        self.schema = schema
        self.version = version
        self.clock = clock
        self.logger = logger
    }

    /// Whether the claim holds at `now`.
    public func isHeld(at now: Date) -> Bool {
        until.withLock { $0.map { now < $0 } ?? false }
    }

    /// Returns once the claim holds, renewing it if it has lapsed; throws
    /// `ServerKeyRetired` when the version was retired meanwhile, or the storage fault that
    /// kept it from being renewed.
    public func ensureHeld() async throws {
        if isHeld(at: clock.now()) { return }
        if retired.load(ordering: .relaxed) { throw ServerKeyRetired(version: version) }
        let renewal = renewing.withLock { task in
            if let task { return task }
            let started = Task { [self] in
                defer { renewing.withLock { $0 = nil } }
                try await renew()
            }
            task = started
            return started
        }
        try await renewal.value
    }

    /// Renews the claim for another `length`, in one transaction that takes the key's row
    /// `FOR SHARE`: a retirement either committed before it (then the claim is refused)
    /// or waits for it (and then sees the claim).
    public func renew() async throws {
        if retired.load(ordering: .relaxed) { throw ServerKeyRetired(version: version) }
        let now = clock.now()
        let claimedUntil = now.addingTimeInterval(Self.length)
        let isFirst = until.withLock { $0 == nil }
        try await classifyingFaults(within: timeLimit) { [self] in
            try await client.withTransaction(logger: logger) { connection in
                // No row at all (the record rewritten by hand) refuses the claim too.
                var versionRetired = true
                for try await retiredAt in try await connection.query(
                    "SELECT retired_at FROM \(unescaped: schema).server_key WHERE version = \(version) FOR SHARE", logger: logger
                ).decode(Date?.self) {
                    versionRetired = retiredAt != nil
                }
                guard !versionRetired else {
                    retired.store(true, ordering: .relaxed)
                    until.withLock { $0 = nil }
                    throw ServerKeyRetired(version: version)
                }
                try await connection.query(
                    """
                    INSERT INTO \(unescaped: schema).server_key_lease (holder, version, host, pid, until)
                    VALUES (\(holder), \(version), \(host), \(pid), \(claimedUntil))
                    ON CONFLICT (holder) DO UPDATE SET until = excluded.until
                    """, logger: logger)
                if isFirst {
                    // Claims of processes that ended without a clean stop (a crash, kill -9),
                    // long lapsed: at each start, so the table stays as small as the fleet.
                    try await connection.query(
                        "DELETE FROM \(unescaped: schema).server_key_lease WHERE until < \(now.addingTimeInterval(-86_400))",
                        logger: logger)
                }
            }
        }
        until.withLock { $0 = claimedUntil }
    }

    /// Ends the claim at a clean stop, now rather than when it would lapse: a retirement may
    /// go ahead `settleTime` later, by when a write that a call cut short by the stop's
    /// grace left to the server has committed or failed.
    public func release() async {
        until.withLock { $0 = nil }
        let now = clock.now()
        do {
            try await classifyingFaults(within: timeLimit) { [self] in
                try await client.query(
                    "UPDATE \(unescaped: schema).server_key_lease SET until = \(now) WHERE holder = \(holder) AND until > \(now)",
                    logger: logger)
            }
        } catch {
            logger.warning("the claim on the server key could not be ended: it lapses by itself", metadata: ["error": "\(error)"])
        }
    }
}

extension ServerKeyLease {
    /// The host's name as the kernel knows it (`gethostname`: no lookup that could wait).
    static func hostName() -> String {
        var name = [CChar](repeating: 0, count: 256)
        guard gethostname(&name, name.count - 1) == 0 else { return "unknown host" }
        return String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// The key version this process makes records with was retired by another host (which
/// found no live claim on it): nothing more is made with it, and the process must be
/// restarted with the newer key.
public struct ServerKeyRetired: ClassifiedStorageFault, CustomStringConvertible {
    public let version: Int
    public var storageFaultKind: StorageFaults.Kind { .keyMissing }
    public var description: String {
        "server key version \(version), which this process makes records with, was retired: restart it with the newer key"
    }
}

/// A live claim on a key version: the host and process still making records with it.
public struct ServerKeyClaim: Sendable, CustomStringConvertible {
    public var host: String
    public var pid: Int
    public var until: Date
    public var description: String { "\(host) pid \(pid)" }
}
