import Crypto
import Foundation

/// The server-side secret (pepper) every hash and sealed value is keyed with. A 4-digit
/// PIN has only 10,000 values, so a stolen database must be useless without this key,
/// which lives apart from it (systemd's `LoadCredential=` in production).
public struct ServerSecret: Sendable {
    let key: SymmetricKey

    /// The most a key file may hold (a key is 32 bytes; some tools write it as hex or
    /// base64, with a newline).
    static let maximumBytes = 1024

    /// Reads the secret from `path`; with no path, uses `<stateDirectory>/pepper`, creating
    /// it (32 random bytes, mode 0600) when `createIfMissing` — only on a database's first
    /// start (`ServerSecretRecord.loadSecret` decides), never beside a database sealed with a key.
    public static func load(path: String?, stateDirectory: String, createIfMissing: Bool) throws -> ServerSecret {
        let file = path ?? defaultFile(in: stateDirectory)
        if path == nil, createIfMissing, !FileManager.default.fileExists(atPath: file) {
            let fresh = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }
            guard FileManager.default.createFile(atPath: file, contents: fresh, attributes: [.posixPermissions: 0o600])
            else { throw ServerSecretError("cannot create the server secret \(file)") }
        }
        var bytes = Data()
        do {
            bytes = try SmallFile.read(file, limit: maximumBytes)
        } catch .tooLarge(let limit) {
            throw ServerSecretError("the server secret \(file) holds more than \(limit) bytes: it is not a key file")
        } catch {
            // Unreadable: refused below as missing.
        }
        guard bytes.count >= 16 else { throw ServerSecretError("the server secret \(file) is missing or shorter than 16 bytes") }
        return ServerSecret(key: SymmetricKey(data: bytes))
    }

    /// `<stateDirectory>/pepper`, the development secret's place.
    public static func defaultFile(in stateDirectory: String) -> String {
        stateDirectory + "/pepper"
    }

    /// What the database records of its key: an HMAC of a fixed label under a key derived
    /// for this purpose alone, so it tells two keys apart and reveals nothing of either.
    public var fingerprint: Data {
        Data(HMAC<SHA256>.authenticationCode(
            for: Data("madoguchi server secret fingerprint v1".utf8), using: derivedKey(for: "fingerprint")))
    }

    /// A key for one purpose (`"outbox"`, `"pin"`…), so no two uses share key material.
    public func derivedKey(for purpose: String) -> SymmetricKey {
        HKDF<SHA256>.deriveKey(
            inputKeyMaterial: key, salt: Data("madoguchi".utf8), info: Data(purpose.utf8), outputByteCount: 32)
    }
}

/// The server secret could not be read or created.
public struct ServerSecretError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// Seals values at rest with AES-GCM under a key derived from the server secret: what
/// the outbox holds (codes, links) must not sit in the database in clear.
public struct SecretBox: Sendable {
    private let key: SymmetricKey

    public init(secret: ServerSecret, purpose: String) {
        key = secret.derivedKey(for: purpose)
    }

    public func seal(_ plaintext: Data) throws -> Data {
        guard let combined = try AES.GCM.seal(plaintext, using: key).combined else {
            throw ServerSecretError("AES-GCM produced no combined box")
        }
        return combined
    }

    public func open(_ sealed: Data) throws -> Data {
        try AES.GCM.open(AES.GCM.SealedBox(combined: sealed), using: key)
    }
}
