import Foundation
import GRDB
import JSONRPC
import ServiceClient

/// Where services put messages to customers. `enqueue` writes into the caller's own
/// transaction, so a message exists exactly when the change that causes it commits; the
/// `OutboxDeliverer` then sends it, surviving restarts.
public struct Outbox: Sendable {
    private let box: SecretBox
    private let clock: any ServiceClock

    public init(secret: ServerSecret, clock: any ServiceClock) {
        self.box = SecretBox(secret: secret, purpose: "outbox")
        self.clock = clock
    }

    /// Adds `message` in the transaction of `db`. With a `deduplicationKey`, a message
    /// already enqueued under the same key is not added again (safe retries).
    public func enqueue(_ message: OutboxMessage, deduplicationKey: String? = nil, in db: Database) throws {
        let row = try seal(message)
        try db.execute(
            sql: """
                INSERT INTO outbox (channel, payload, deduplicationKey, createdAt, nextAttemptAt)
                VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (deduplicationKey) DO NOTHING
                """,
            arguments: [row.channel, row.payload, deduplicationKey, row.createdAt, row.createdAt])
    }

    /// `message` as the outbox stores it, for an engine that writes the row itself
    /// (PostgreSQL): its channel, its sealed content, and the service clock's now.
    public func seal(_ message: OutboxMessage) throws -> SealedOutboxMessage {
        SealedOutboxMessage(
            channel: message.channel.rawValue, payload: try box.seal(JSONCoding.encoder.encode(message)), createdAt: clock.now())
    }

    func open(_ sealed: Data) throws -> OutboxMessage {
        try JSONCoding.decoder.decode(OutboxMessage.self, from: box.open(sealed))
    }
}

/// An outbox row before it is written: never the message in clear.
public struct SealedOutboxMessage: Sendable {
    public var channel: String
    /// AES-GCM sealed JSON of the message.
    public var payload: Data
    public var createdAt: Date
}
