import Crypto
import Foundation

/// Keyed hashes of short secrets (PINs, codes): HMAC-SHA256 under a key derived from the
/// server secret, over a per-record salt and the secret. A 4-digit PIN has only 10,000
/// values, so without the key (which never enters the database) a stolen hash is useless.
///
/// Each hash records the key version that made it (`KeyedHash`), so that after a new key
/// is added the older one still checks what it made.
public struct SecretHasher: Sendable {
    private let keys: ServerKeys
    private let purpose: String
    /// An HMAC keyed with each held version's derived key (for this purpose), copied for
    /// each hash: keying one hashes two blocks, 15,000 instructions of every PIN check
    /// (BENCHMARKS.md), which a copy of a keyed one does not repeat.
    private let keyed: [Int: HMAC<SHA256>]
    /// Asked when a token is found under none of the held keys (`lookUp`).
    private let unheldKeys: UnheldKeys?

    /// `unheldKeys`, for a hasher whose `lookUp` finds tokens that other hosts may have
    /// made: a miss is a miss only when no host holds a key that this one lacks.
    public init(keys: ServerKeys, purpose: String, unheldKeys: UnheldKeys? = nil) {
        self.keys = keys
        self.purpose = purpose
        self.unheldKeys = unheldKeys
        var keyed: [Int: HMAC<SHA256>] = [:]
        for version in keys.heldVersions {
            if let key = try? keys.secret(version).derivedKey(for: purpose) { keyed[version] = HMAC(key: key) }
        }
        self.keyed = keyed
    }

    /// One key, version 1 (tests and tools).
    public init(secret: ServerSecret, purpose: String) {
        self.init(keys: ServerKeys(single: secret), purpose: purpose)
    }

    /// A fresh random salt.
    public static func makeSalt() -> Data {
        SymmetricKey(size: .bits128).withUnsafeBytes { Data($0) }
    }

    /// The hash of `secret` with `salt` under the current key, with its version.
    public func hash(_ secret: String, salt: Data) -> Data {
        KeyedHash.encode(version: keys.currentVersion, mac: mac(secret, salt: salt, version: keys.currentVersion))
    }

    /// The keyed hash of a `RandomToken` (session, mailed link, ticket) under the current
    /// key: 256 random bits need no salt to make their hash unguessable, and an unsalted
    /// hash is a lookup key.
    public func tokenHash(_ token: String) -> Data {
        hash(token, salt: Data())
    }

    /// Every form `token`'s hash may be stored in: under each held key, the current first
    /// (and, for version 1, the form written before hashes recorded their key). A lookup
    /// tries them in turn, so a session or link made before a new key keeps working.
    public func tokenHashes(_ token: String) -> [Data] {
        keys.versionsToTry.flatMap { version -> [Data] in
            let mac = mac(token, salt: Data(), version: version)
            let framed = KeyedHash.encode(version: version, mac: mac)
            return version == 1 ? [framed, mac] : [framed]
        }
    }

    /// The first record `find` returns for one of `token`'s hashes (`tokenHashes`), with
    /// the hash it was found under; nil when none is stored. When none is, and another
    /// host holds a key this process lacks (`UnheldKeys`), throws `MissingServerKey`: the
    /// token may be stored under that key's hash.
    public func lookUp<Found>(_ token: String, _ find: (Data) async throws -> Found?) async throws -> (Found, hash: Data)? {
        for hash in tokenHashes(token) {
            if let found = try await find(hash) { return (found, hash) }
        }
        try await unheldKeys?.refuseIfAnyIsRecorded()
        return nil
    }

    /// Whether `secret` matches `hash` (compared in constant time) under the key that made
    /// it; throws `MissingServerKey` when that key is not held, so that a check this process
    /// cannot make is neither passed nor counted as wrong.
    public func matches(_ secret: String, salt: Data, hash: Data) throws(MissingServerKey) -> Bool {
        guard let (version, mac) = KeyedHash.decode(hash) else { return false }
        guard let authenticator = keyed[version] else { throw MissingServerKey(version: version) }
        return Self.code(secret, salt: salt, authenticator) == mac  // MAC == bytes compares in constant time
    }

    /// The work of a check against nothing (a PIN that is not set), under the current key:
    /// so that a check of a missing record costs what a wrong one costs.
    public func spendCheck(_ secret: String) {
        _ = mac(secret, salt: Data(count: 32), version: keys.currentVersion)
    }

    /// Whether `hash` was made with an older key than the current one: a successful check
    /// re-hashes it.
    public func isStale(_ hash: Data) -> Bool {
        KeyedHash.version(of: hash) != keys.currentVersion
    }

    private func mac(_ secret: String, salt: Data, version: Int) -> Data {
        // Every held version has a keyed HMAC (built in init), and callers pass held versions.
        Data(Self.code(secret, salt: salt, keyed[version]!))
    }

    /// HMAC(salt ‖ secret) with a copy of `authenticator` (its key already set up).
    private static func code(_ secret: String, salt: Data, _ authenticator: HMAC<SHA256>) -> HashedAuthenticationCode<SHA256> {
        var authenticator = authenticator
        authenticator.update(data: salt)
        var secret = secret
        secret.withUTF8 { authenticator.update(data: $0) }
        return authenticator.finalize()
    }
}

/// How a keyed hash is stored: a marker byte, the key version in one byte, then the
/// HMAC-SHA256 (34 bytes). A hash of exactly 32 bytes was written before hashes recorded
/// their key, and is version 1's.
public enum KeyedHash {
    static let marker: UInt8 = 0x6B  // "k"
    static let macLength = 32

    static func encode(version: Int, mac: Data) -> Data {
        precondition((1...maximumKeyVersion).contains(version))
        return Data([marker, UInt8(version)]) + mac
    }

    static func decode(_ stored: Data) -> (version: Int, mac: Data)? {
        if stored.count == macLength { return (1, stored) }
        guard stored.count == macLength + 2, stored[stored.startIndex] == marker else { return nil }
        return (Int(stored[stored.startIndex + 1]), stored.dropFirst(2))
    }

    /// The key version of a stored hash, or nil when it is no keyed hash.
    public static func version(of stored: Data) -> Int? {
        decode(stored)?.version
    }

    /// The key version a stored hash's `length` and first two bytes (`prefix`) name: what
    /// the key count reads from the database without fetching every hash.
    static func version(length: Int, prefix: Data) -> Int? {
        if length == macLength { return 1 }
        guard length == macLength + 2, prefix.count == 2, prefix[prefix.startIndex] == marker else { return nil }
        return Int(prefix[prefix.startIndex + 1])
    }
}
