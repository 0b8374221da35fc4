import Crypto
import Foundation

/// Keyed hashes of short secrets (PINs, codes): HMAC-SHA256 under a key derived from the
/// server secret, over a per-record salt and the secret. A 4-digit PIN has only 10,000
/// values, so without the key (which never enters the database) a stolen hash is useless.
public struct SecretHasher: Sendable {
    private let key: SymmetricKey

    public init(secret: ServerSecret, purpose: String) {
        key = secret.derivedKey(for: purpose)
    }

    /// A fresh random salt.
    public static func makeSalt() -> Data {
        SymmetricKey(size: .bits128).withUnsafeBytes { Data($0) }
    }

    public func hash(_ secret: String, salt: Data) -> Data {
        Data(HMAC<SHA256>.authenticationCode(for: salt + Data(secret.utf8), using: key))
    }

    /// The keyed hash of a `RandomToken` (session, mailed link, ticket): 256 random bits
    /// need no salt to make their hash unguessable, and an unsalted hash is a lookup key.
    public func tokenHash(_ token: String) -> Data {
        hash(token, salt: Data())
    }

    /// Whether `secret` matches `hash`, compared in constant time.
    public func matches(_ secret: String, salt: Data, hash: Data) -> Bool {
        HMAC<SHA256>.isValidAuthenticationCode(hash, authenticating: salt + Data(secret.utf8), using: key)
    }
}
