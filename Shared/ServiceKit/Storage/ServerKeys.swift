import Foundation

/// The server keys (peppers) a service holds, by version, and the one it makes everything
/// new with.
///
/// A key is replaced by adding a newer version beside it, never by swapping the file: a
/// stored hash or sealed message records the version that made it (`KeyedHash`, the
/// outbox's `keyVersion`, a password hash's `$k2$`), so the older key still checks what it
/// made, a successful PIN or password check re-hashes under the newest key, and short-lived
/// records (sessions, codes, links) expire under the key they were made with. An operator
/// sees how many records each version still protects (`service.keys`) and retires a version
/// once none do (`service.keys.retire`); a retired key's file may then go.
public struct ServerKeys: Sendable {
    /// The version everything new is made with: the highest held and not retired.
    public let currentVersion: Int
    private let secrets: [Int: ServerSecret]

    /// The keys `secrets`, making new things with `currentVersion` (which must be held).
    public init(secrets: [Int: ServerSecret], currentVersion: Int) {
        precondition(secrets[currentVersion] != nil, "the current key version must be held")
        self.secrets = secrets
        self.currentVersion = currentVersion
    }

    /// One key, version 1: a service never rotated, and tests.
    public init(single secret: ServerSecret) {
        self.init(secrets: [1: secret], currentVersion: 1)
    }

    /// The key everything new is made with.
    public var current: ServerSecret { secrets[currentVersion]! }

    /// The versions held, oldest first.
    public var heldVersions: [Int] { secrets.keys.sorted() }

    /// The versions a record may have been made with, the current first (most records
    /// are), then the others newest first.
    public var versionsToTry: [Int] {
        [currentVersion] + secrets.keys.filter { $0 != currentVersion }.sorted(by: >)
    }

    /// The key of `version`; throws `MissingServerKey` when this process does not hold it
    /// (a record made by a host that already has a newer key): the call fails closed,
    /// answered `storage_unavailable`, and counts nothing against the customer.
    public func secret(_ version: Int) throws(MissingServerKey) -> ServerSecret {
        guard let secret = secrets[version] else { throw MissingServerKey(version: version) }
        return secret
    }
}

/// A stored record was made with a key version this process does not hold.
public struct MissingServerKey: ClassifiedStorageFault, CustomStringConvertible {
    public let version: Int
    public var storageFaultKind: StorageFaults.Kind { .keyMissing }
    public var description: String {
        "a record is sealed with server key version \(version), which this process does not hold"
    }
}

/// The highest key version a record can name (a hash records it in one byte).
let maximumKeyVersion = 255
