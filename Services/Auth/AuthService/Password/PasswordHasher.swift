import AuthAPI
import Crypto
import CryptoExtras
import Foundation
import NIOPosix
import ServiceKit

/// Password hashes: the password is first keyed with the server secret (HMAC), then
/// stretched by scrypt, memory-hard, and written in a self-describing form
/// (`$k2$scrypt$ln=14,r=8,p=1$salt$hash`: key version 2) so that hashes made with weaker
/// parameters or an older key are recognised and re-hashed at the next successful login.
/// A hash without `$k…` was written before hashes recorded their key: version 1's.
///
/// scrypt takes tens of milliseconds and 16 MiB; it runs on a thread pool of its own,
/// whose size bounds how many run at once, so PIN checks and other calls stay fast.
public final class PasswordHasher: Sendable {
    public struct Parameters: Sendable, Hashable {
        /// log2 of scrypt's N.
        public var logRounds = 14
        public var blockSize = 8
        public var parallelism = 1

        public init() {}
    }

    let parameters: Parameters
    private let keys: ServerKeys
    private let pool: NIOThreadPool

    public init(keys: ServerKeys, parameters: Parameters = .init(), threads: Int) {
        self.parameters = parameters
        self.keys = keys
        pool = NIOThreadPool(numberOfThreads: max(1, threads))
        pool.start()
    }

    /// One key, version 1 (tests).
    public convenience init(secret: ServerSecret, parameters: Parameters = .init(), threads: Int) {
        self.init(keys: ServerKeys(single: secret), parameters: parameters, threads: threads)
    }

    private func key(_ version: Int) throws(MissingServerKey) -> SymmetricKey {
        try keys.secret(version).derivedKey(for: "password")
    }

    deinit { try? pool.syncShutdownGracefully() }

    /// A new encoded hash of `password`.
    public func hash(_ password: String) async throws -> String {
        let salt = SecretHasher.makeSalt()
        let parameters = parameters
        let key = try key(keys.currentVersion)
        let derived = try await pool.runIfActive {
            try Self.derive(password, salt: salt, parameters: parameters, key: key)
        }
        return "$k\(keys.currentVersion)$scrypt$ln=\(parameters.logRounds),r=\(parameters.blockSize),p=\(parameters.parallelism)$"
            + salt.base64EncodedString() + "$" + derived.base64EncodedString()
    }

    /// Whether `password` matches `encoded` (compared in constant time), and whether the
    /// hash should be replaced because its parameters are weaker than today's or its key
    /// older. With no `encoded` (no such login) the work is done against a decoy under the
    /// current key and never matches. Throws `MissingServerKey` when the hash's key is not
    /// held: nothing is decided.
    public func verify(_ password: String, against encoded: String?) async throws -> (matches: Bool, needsRehash: Bool) {
        guard let encoded else {
            _ = try await verify(password, against: Self.decoy(keyVersion: keys.currentVersion))
            return (false, false)
        }
        guard let stored = Self.decode(encoded) else { return (false, false) }
        let key = try key(stored.keyVersion)
        let derived = try await pool.runIfActive {
            try Self.derive(password, salt: stored.salt, parameters: stored.parameters, key: key)
        }
        // Compare the MACs of both hashes: a constant-time comparison of equal-length values.
        let matches = HMAC<SHA256>.isValidAuthenticationCode(
            HMAC<SHA256>.authenticationCode(for: stored.hash, using: key), authenticating: derived, using: key)
        return (matches, stored.parameters.logRounds < parameters.logRounds || stored.keyVersion != keys.currentVersion)
    }

    /// A well-formed hash of nothing anyone can type, under key `keyVersion`.
    private static func decoy(keyVersion: Int) -> String {
        "$k\(keyVersion)$scrypt$ln=14,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
    }

    private static func derive(_ password: String, salt: Data, parameters: Parameters, key: SymmetricKey) throws -> Data {
        let keyed = Data(HMAC<SHA256>.authenticationCode(for: Data(password.utf8), using: key))
        let stretched = try KDF.Scrypt.deriveKey(
            from: keyed, salt: salt, outputByteCount: 32, rounds: 1 << parameters.logRounds,
            blockSize: parameters.blockSize, parallelism: parameters.parallelism)
        return stretched.withUnsafeBytes { Data($0) }
    }

    static func decode(_ encoded: String) -> (keyVersion: Int, parameters: Parameters, salt: Data, hash: Data)? {
        var parts = encoded.split(separator: "$")
        var keyVersion = 1
        if parts.count == 5, parts[0].hasPrefix("k"), let version = Int(parts[0].dropFirst()) {
            keyVersion = version
            parts.removeFirst()
        }
        guard parts.count == 4, parts[0] == "scrypt" else { return nil }
        var parameters = Parameters()
        for setting in parts[1].split(separator: ",") {
            let pair = setting.split(separator: "=")
            guard pair.count == 2, let value = Int(pair[1]) else { return nil }
            switch pair[0] {
            case "ln": parameters.logRounds = value
            case "r": parameters.blockSize = value
            case "p": parameters.parallelism = value
            default: return nil
            }
        }
        guard let salt = Data(base64Encoded: String(parts[2])), let hash = Data(base64Encoded: String(parts[3])) else {
            return nil
        }
        return (keyVersion, parameters, salt, hash)
    }
}
