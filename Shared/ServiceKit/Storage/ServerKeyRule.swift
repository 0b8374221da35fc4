import Foundation

/// A key version as the database records it: which key it was (its fingerprint) and
/// whether an operator has retired it.
public struct RecordedServerKey: Sendable, Equatable {
    public var version: Int
    public var fingerprint: Data
    public var retiredAt: Date?
}

/// The rule that pairs the keys a process holds with the keys its database recorded, at
/// start, on either engine. A database paired with a wrong or missing key starts fine and
/// then fails every customer (each PIN "incorrect", the outbox retrying forever), so:
/// - a held key whose version is recorded must be the recorded key (same fingerprint);
/// - every recorded version that is not retired must be held: records may depend on it;
/// - the newest held version that is not retired makes everything new; held versions not
///   yet recorded are recorded (by the caller) before the service serves; a retired
///   version still held still checks what it made (a record another host made with it
///   after it was retired there is not lost).
enum ServerKeyRule {
    /// The keys to serve with, and the held versions to record; throws `StartupRefusal`.
    static func keys(
        held: [Int: ServerSecret], recorded: [RecordedServerKey], files: [ServerKeyFiles.File], database: String
    ) throws -> (keys: ServerKeys, toRecord: [Int]) {
        func path(_ version: Int) -> String { files.first { $0.version == version }?.path ?? "version \(version)" }
        for key in recorded {
            if let secret = held[key.version], secret.fingerprint != key.fingerprint {
                throw StartupRefusal(
                    "the server secret \(path(key.version)) is not the key \(database) was sealed with as version "
                        + "\(key.version) (its fingerprint differs): every stored PIN, password, session and queued message it "
                        + "protects would be unusable. Nothing was changed. Start with the original key file for that "
                        + "version (--secret-file, or systemd's LoadCredential=pepper…)")
            }
            if held[key.version] == nil, key.retiredAt == nil {
                throw StartupRefusal(
                    "the server key version \(key.version) is missing, but \(database) may hold records sealed with it "
                        + "and it is not retired. Nothing was changed. Restore its file (pepper\(key.version == 1 ? "" : ".\(key.version)")), "
                        + "start, and retire it with `madoctl keys retire` once `madoctl keys` shows it protects nothing")
            }
        }
        let retired = Set(recorded.filter { $0.retiredAt != nil }.map(\.version))
        guard let current = held.keys.filter({ !retired.contains($0) }).max() else {
            throw StartupRefusal(
                "every server key held is retired for \(database): add a new key file (pepper.N with N above "
                    + "\(recorded.map(\.version).max() ?? 0)) and start again")
        }
        let recordedVersions = Set(recorded.map(\.version))
        return (ServerKeys(secrets: held, currentVersion: current), held.keys.filter { !recordedVersions.contains($0) }.sorted())
    }

    /// Reads every key file; throws `StartupRefusal` naming one that cannot be used.
    static func load(_ files: [ServerKeyFiles.File]) throws -> [Int: ServerSecret] {
        var held: [Int: ServerSecret] = [:]
        for file in files {
            do {
                held[file.version] = try ServerSecret.load(path: file.path, stateDirectory: "", createIfMissing: false)
            } catch let error as ServerSecretError {
                throw StartupRefusal("\(error): a key file holds at least 16 random bytes")
            }
        }
        return held
    }
}
