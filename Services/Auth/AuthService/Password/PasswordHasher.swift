import AuthAPI
import Crypto
import CryptoExtras
import Foundation
import NIOPosix
import ServiceKit

/// Password hashes: the password is first keyed with the server secret (HMAC), then
/// stretched by scrypt, memory-hard, and written in a self-describing form
/// (`$scrypt$ln=14,r=8,p=1$salt$hash`) so that hashes made with weaker parameters are
/// recognised and re-hashed at the next successful login.
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
    private let key: SymmetricKey
    private let pool: NIOThreadPool

    public init(secret: ServerSecret, parameters: Parameters = .init(), threads: Int) {
        self.parameters = parameters
        key = secret.derivedKey(for: "password")
        pool = NIOThreadPool(numberOfThreads: max(1, threads))
        pool.start()
    }

    deinit { try? pool.syncShutdownGracefully() }

    /// A new encoded hash of `password`.
    public func hash(_ password: String) async throws -> String {
        let salt = SecretHasher.makeSalt()
        let parameters = parameters
        let derived = try await pool.runIfActive { [key] in
            try Self.derive(password, salt: salt, parameters: parameters, key: key)
        }
        return "$scrypt$ln=\(parameters.logRounds),r=\(parameters.blockSize),p=\(parameters.parallelism)$"
            + salt.base64EncodedString() + "$" + derived.base64EncodedString()
    }

    /// Whether `password` matches `encoded` (compared in constant time), and whether the
    /// hash should be replaced because its parameters are weaker than today's.
    public func verify(_ password: String, against encoded: String) async throws -> (matches: Bool, needsRehash: Bool) {
        guard let stored = Self.decode(encoded) else { return (false, false) }
        let derived = try await pool.runIfActive { [key] in
            try Self.derive(password, salt: stored.salt, parameters: stored.parameters, key: key)
        }
        // Compare the MACs of both hashes: a constant-time comparison of equal-length values.
        let matches = HMAC<SHA256>.isValidAuthenticationCode(
            HMAC<SHA256>.authenticationCode(for: stored.hash, using: key), authenticating: derived, using: key)
        return (matches, stored.parameters.logRounds < parameters.logRounds)
    }

    private static func derive(_ password: String, salt: Data, parameters: Parameters, key: SymmetricKey) throws -> Data {
        let keyed = Data(HMAC<SHA256>.authenticationCode(for: Data(password.utf8), using: key))
        let stretched = try KDF.Scrypt.deriveKey(
            from: keyed, salt: salt, outputByteCount: 32, rounds: 1 << parameters.logRounds,
            blockSize: parameters.blockSize, parallelism: parameters.parallelism)
        return stretched.withUnsafeBytes { Data($0) }
    }

    static func decode(_ encoded: String) -> (parameters: Parameters, salt: Data, hash: Data)? {
        let parts = encoded.split(separator: "$")
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
        return (parameters, salt, hash)
    }
}
