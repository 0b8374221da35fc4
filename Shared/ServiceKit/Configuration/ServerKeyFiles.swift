import Foundation

/// Where a service finds its server keys, and which version each file is.
///
/// A key's version is its file name's numeric suffix: `pepper` is version 1, `pepper.2`
/// version 2, and so on (a file named with `--secret-file` and no such suffix is version
/// 1). Under systemd each key is a credential of its own (`LoadCredential=pepper.2:…`,
/// README "Rotating the server secret"); in development they sit in the state folder.
public enum ServerKeyFiles: Sendable, Equatable {
    /// Files named on the command line (`--secret-file`, repeatable).
    case named([String])
    /// Every `pepper` and `pepper.N` in a folder: systemd's `$CREDENTIALS_DIRECTORY`.
    case credentials(String)
    /// Every `pepper` and `pepper.N` in the state folder, where the first start creates
    /// `pepper` (development).
    case stateFolder(String)

    /// One key file and the version its name gives.
    public struct File: Sendable, Equatable {
        public var version: Int
        public var path: String
    }

    /// The key files, by version; throws `StartupRefusal` when two name one version or a
    /// suffix is not a version.
    public func files() throws -> [File] {
        let files: [File]
        switch self {
        case .named(let paths):
            files = try paths.map {
                File(version: try Self.version(ofFileNamed: ($0 as NSString).lastPathComponent, path: $0, inFolder: false) ?? 1, path: $0)
            }
        case .credentials(let folder), .stateFolder(let folder):
            let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
            files = try names.sorted().compactMap { name in
                guard name == "pepper" || name.hasPrefix("pepper.") else { return nil }
                return File(version: try Self.version(ofFileNamed: name, path: folder + "/" + name, inFolder: true) ?? 1, path: folder + "/" + name)
            }
        }
        var seen: [Int: String] = [:]
        for file in files {
            if let other = seen[file.version] {
                throw StartupRefusal("the key files \(other) and \(file.path) are both version \(file.version): name each version once")
            }
            seen[file.version] = file.path
        }
        return files.sorted { $0.version < $1.version }
    }

    /// The version `name`'s numeric suffix gives (`pepper.2` → 2), nil when it has none.
    /// In a folder a `pepper.…` that is not `pepper.N` is refused (`pepper.old` beside the
    /// keys is a mistake to name, not to guess at); a file named on the command line with
    /// another suffix (`pepper.key`) is version 1.
    static func version(ofFileNamed name: String, path: String, inFolder: Bool) throws -> Int? {
        guard let dot = name.lastIndex(of: "."), name.index(after: dot) < name.endIndex else { return nil }
        let suffix = name[name.index(after: dot)...]
        guard suffix.allSatisfy(\.isNumber) else {
            if inFolder { throw StartupRefusal("the key file \(path) is not named pepper.N (N a version from 1 to \(maximumKeyVersion)): rename or remove it") }
            return nil
        }
        guard let version = Int(suffix), (1...maximumKeyVersion).contains(version) else {
            throw StartupRefusal("the key file \(path) names version \(suffix): a version is 1 to \(maximumKeyVersion)")
        }
        return version
    }
}
