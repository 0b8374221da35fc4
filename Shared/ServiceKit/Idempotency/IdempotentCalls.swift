import Foundation
import GRDB
import JSONRPC
import ServiceContract

/// Answers of calls made with an `IdempotencyKey`, kept for a day, per caller uid and
/// method. A handler looks its key up before doing anything and records its answer in
/// the same transaction as its effect, so a repeat after a crash either finds the answer
/// or finds nothing done.
///
/// The params are kept only as a keyed hash (they may hold a PIN), to tell a repeat from
/// a different call reusing the key.
public struct IdempotentCalls: Sendable {
    /// How long an answer is kept: a retry comes within minutes; a day is generous.
    public static let lifetime: TimeInterval = 24 * 3600

    let hasher: SecretHasher
    let clock: any ServiceClock

    public init(keys: ServerKeys, clock: any ServiceClock) {
        hasher = SecretHasher(keys: keys, purpose: "idempotency")
        self.clock = clock
    }

    /// One key, version 1 (tests).
    public init(secret: ServerSecret, clock: any ServiceClock) {
        self.init(keys: ServerKeys(single: secret), clock: clock)
    }

    static func registerMigrations(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("idempotency-v1") { db in
            try db.create(table: "idempotent_call") { table in
                table.column("peerUID", .integer).notNull()
                table.column("method", .text).notNull()
                table.column("key", .text).notNull()
                table.column("paramsHash", .blob).notNull()
                table.column("answer", .blob).notNull()
                table.column("createdAt", .datetime).notNull().indexed()
                table.primaryKey(["peerUID", "method", "key"])
            }
        }
    }

    /// One keyed call: who made it, which method, and a keyed hash of its params.
    public struct Call: Sendable {
        public let peerUID: UInt32
        public let method: String
        public let key: String
        /// A keyed hash of the params under the current key, as it is recorded.
        public var paramsHash: Data { paramsHashes[0] }
        /// The params' hash under every key held, the current first: a repeat of a call
        /// recorded before a new key was added matches one of them.
        let paramsHashes: [Data]

        /// Returns when a call recorded with `stored` had these params; refuses the key
        /// sent with other params (`idempotency_key_reused`). A call recorded under a key
        /// this process does not hold (made on a host with a newer one) cannot be
        /// compared: that is `MissingServerKey` (`storage_unavailable`), not a reuse.
        public func requireParams(hashed stored: Data) throws {
            if paramsHashes.contains(stored) { return }
            if let version = KeyedHash.version(of: stored), !paramsHashes.contains(where: { KeyedHash.version(of: $0) == version }) {
                throw MissingServerKey(version: version)
            }
            throw RPCError.idempotencyKeyReused
        }
    }

    /// The call `method` with `params` under `key` from `peer`.
    public func call<Params: Encodable>(
        _ method: String, key: IdempotencyKey, params: Params, peer: PeerCredentials
    ) throws -> Call {
        let canonical = String(decoding: try JSONCoding.encoder.encode(params), as: UTF8.self)
        return Call(peerUID: peer.uid, method: method, key: key.value, paramsHashes: hasher.tokenHashes(canonical))
    }

    /// The answer recorded for `call` within the last day, or `nil`; the key sent with
    /// other params is refused.
    public func recorded<Answer: Decodable>(_ type: Answer.Type, for call: Call, in db: Database) throws -> Answer? {
        guard
            let row = try Row.fetchOne(
                db, sql: "SELECT paramsHash, answer FROM idempotent_call WHERE peerUID = ? AND method = ? AND key = ? AND createdAt > ?",
                arguments: [call.peerUID, call.method, call.key, clock.now().addingTimeInterval(-Self.lifetime)])
        else { return nil }
        try call.requireParams(hashed: row["paramsHash"])
        return try JSONCoding.decoder.decode(Answer.self, from: row["answer"] as Data)
    }

    /// Records `answer` for `call`, in the transaction that made its effect; answers
    /// older than a day go at the same time.
    public func record(_ answer: some Encodable, for call: Call, in db: Database) throws {
        let now = clock.now()
        try db.execute(sql: "DELETE FROM idempotent_call WHERE createdAt <= ?", arguments: [now.addingTimeInterval(-Self.lifetime)])
        try db.execute(
            sql: """
                INSERT OR REPLACE INTO idempotent_call (peerUID, method, key, paramsHash, answer, createdAt)
                VALUES (?, ?, ?, ?, ?, ?)
                """,
            arguments: [call.peerUID, call.method, call.key, call.paramsHash, try JSONCoding.encoder.encode(answer), now])
    }
}
