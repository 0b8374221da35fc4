import Logging

/// Whether the fleet has recorded a server key this process does not hold: asked when a
/// token (a session, a mailed link, a journey) is found under none of this process's
/// keys (`SecretHasher.lookUp`). Such a token may have been made by a host that has the
/// newer key, so the miss says nothing about it: the answer is `storage_unavailable`
/// (`key_missing`), as for a PIN hashed with that key, never "invalid" or "expired".
///
/// Only PostgreSQL is asked: on SQLite the one host that writes the file recorded every
/// key it holds at start, and the start refuses a recorded key that is not held, so a
/// key no one here holds cannot be recorded. On PostgreSQL another host may add a key
/// while this one runs (README, "Rotating the server secret"). A retired key protects
/// nothing and is not asked about.
public struct UnheldKeys: Sendable {
    let storage: ServiceStorage
    let held: Set<Int>
    let logger: Logger
    /// How long the read may wait for the server before the call is a storage fault.
    var timeLimit: Duration = .seconds(5)

    public init(storage: ServiceStorage, keys: ServerKeys, logger: Logger) {
        self.storage = storage
        self.held = Set(keys.heldVersions)
        self.logger = logger
    }

    /// Throws `MissingServerKey` naming the first recorded, unretired key version this
    /// process does not hold; returns when there is none.
    public func refuseIfAnyIsRecorded() async throws {
        guard case .postgres(let client, let schema) = storage else { return }
        let recorded = try await classifyingFaults(within: timeLimit) { [logger] in
            try await PostgresSecretRecord.recorded(client: client, schema: schema, logger: logger)
        }
        if let unheld = recorded.first(where: { $0.retiredAt == nil && !held.contains($0.version) }) {
            throw MissingServerKey(version: unheld.version)
        }
    }
}
