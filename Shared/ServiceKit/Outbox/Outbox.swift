import Foundation
import GRDB
import JSONRPC
import ServiceClient

/// Where services put messages to customers. `enqueue` writes into the caller's own
/// transaction, so a message exists exactly when the change that causes it commits; the
/// `OutboxDeliverer` then sends it, surviving restarts.
///
/// Each message records the key version that sealed it (`keyVersion`), so a message queued
/// before a new key was added is still opened and delivered.
public struct Outbox: Sendable {
    private let keys: ServerKeys
    private let boxes: [Int: SecretBox]
    private let clock: any ServiceClock
    /// On PostgreSQL, this process's claim on the key it seals with: nothing is sealed
    /// without it (`ServerKeyLease`).
    private let keyLease: ServerKeyLease?

    public init(keys: ServerKeys, clock: any ServiceClock, keyLease: ServerKeyLease? = nil) {
        self.keys = keys
        self.keyLease = keyLease
        var boxes: [Int: SecretBox] = [:]
        for version in keys.heldVersions {
            if let secret = try? keys.secret(version) { boxes[version] = SecretBox(secret: secret, purpose: "outbox") }
        }
        self.boxes = boxes
        self.clock = clock
    }

    /// One key, version 1 (tests).
    public init(secret: ServerSecret, clock: any ServiceClock) {
        self.init(keys: ServerKeys(single: secret), clock: clock)
    }

    /// Adds `message` in the transaction of `db`. With a `deduplicationKey`, a message
    /// already enqueued under the same key is not added again (safe retries).
    public func enqueue(_ message: OutboxMessage, deduplicationKey: String? = nil, in db: Database) throws {
        let row = try seal(message)
        try db.execute(
            sql: """
                INSERT INTO outbox (channel, payload, keyVersion, deduplicationKey, createdAt, nextAttemptAt)
                VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (deduplicationKey) DO NOTHING
                """,
            arguments: [row.channel, row.payload, row.keyVersion, deduplicationKey, row.createdAt, row.createdAt])
    }

    /// Returns once the process may seal with its key (`ServerKeyLease.ensureHeld`): what a
    /// PostgreSQL transaction waits for before it seals a message.
    public func ensureKeyClaimed() async throws {
        try await keyLease?.ensureHeld()
    }

    /// `message` as the outbox stores it, for an engine that writes the row itself
    /// (PostgreSQL): its channel, its sealed content, and the service clock's now.
    public func seal(_ message: OutboxMessage) throws -> SealedOutboxMessage {
        let version = keys.currentVersion
        return SealedOutboxMessage(
            channel: message.channel.rawValue, payload: try boxes[version]!.seal(JSONCoding.encoder.encode(message)),
            keyVersion: version, createdAt: clock.now())
    }

    /// The message `sealed` under key `keyVersion`; throws `MissingServerKey` when that key
    /// is not held.
    func open(_ sealed: Data, keyVersion: Int) throws -> OutboxMessage {
        guard let box = boxes[keyVersion] else { throw MissingServerKey(version: keyVersion) }
        return try JSONCoding.decoder.decode(OutboxMessage.self, from: box.open(sealed))
    }
}

/// An outbox row before it is written: never the message in clear.
public struct SealedOutboxMessage: Sendable {
    public var channel: String
    /// AES-GCM sealed JSON of the message.
    public var payload: Data
    /// The version of the key that sealed it.
    public var keyVersion: Int
    public var createdAt: Date
}
