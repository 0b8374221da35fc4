import Foundation
import GRDB
import ServiceKit

/// Looks for secrets in clear where none may be: every log in a sandbox and every text
/// value (or UTF-8 blob) of every table of every database in it. The spool is not
/// scanned: it is the SMS, voice and mail gateways' input, where codes and links belong.
///
/// The secrets are the PINs and passwords the multi-process tests send (listed here and
/// kept complete by `SecretsListTests`, which reads the tests' sources), and every code,
/// link token and temporary password the services sent in the sandbox (read from its
/// spool). PINs and codes match only as a whole token (no letter or digit either side), so
/// one inside an ICCID or a UUID is not a hit; passwords and tokens match anywhere. Any
/// random token (sessions, journeys) is also found by its shape.
public enum SecretsScan {
    /// The PINs tests set or enter, refused ones included: a refused PIN must not be
    /// logged either.
    public static let testPINs: Set<String> = ["4821", "1593", "6390", "7391", "1357", "2864", "7214", "8642", "739104", "482193"]
    /// The passwords tests set or enter.
    public static let testPasswords: Set<String> = [
        "Sakura2026", "Sakura2027", "Kaede2026", "Kaede2026x", "Kaede2027", "Momiji2026", "Hikari2026", "Denwa2026x",
        "Tsubaki2026", "Wrong2026x", "Intrude2026", "Nobody2026", "Secret2026",
    ]
    /// Values tests send that are not scanned for, as they are also ordinary data in the
    /// same sandboxes: guessable PINs that are birth dates, years or phone groups
    /// (refused before anything is stored), the weak passwords "password" (a table's
    /// name) and "abcdefgh", and "1111", the wrong PIN of the lockout tests and a group of
    /// a test phone number (080-1111-2222).
    public static let notScanned: Set<String> = ["1111", "1234", "0000", "0615", "1987", "password", "abcdefgh"]

    /// Where in `folder` a secret appears: "file: table.column" or "file", with the kind
    /// of secret (never the secret itself, which would put it in the test log).
    public static func hits(in folder: String, spool: String) -> [String] {
        let generated = generatedSecrets(inSpool: spool)
        // Every PIN a test uses goes to auth, so the PINs are looked for where auth ran;
        // elsewhere (a billing sandbox of thousands of generated customer numbers) they are
        // ordinary numbers.
        let authRan = FileManager.default.fileExists(atPath: folder + "/auth/auth.sqlite")
        let digits = (authRan ? testPINs : []).union(generated.digits)
        let words = testPasswords.union(generated.words)
        var hits: [String] = []
        for file in files(in: folder, skipping: spool) {
            let name = (file as NSString).lastPathComponent
            if name.hasSuffix(".log") {
                let text = String(decoding: FileManager.default.contents(atPath: file) ?? Data(), as: UTF8.self)
                if let kind = secret(in: text, digits: digits, words: words) { hits.append("\(file): \(kind)") }
            } else if name.hasSuffix(".sqlite") {
                hits += databaseHits(file, digits: digits, words: words)
            }
        }
        return hits
    }

    /// Codes, link tokens and temporary passwords in the messages of `spool`.
    static func generatedSecrets(inSpool spool: String) -> (digits: Set<String>, words: Set<String>) {
        var digits: Set<String> = []
        var words: Set<String> = []
        for entry in SpoolReader.entries(in: spool) {
            let body = entry.body
            if let code = SentCode.code(in: body) { digits.insert(code) }
            for match in body.matches(of: /token=([A-Za-z0-9_-]+)/) { words.insert(String(match.1)) }
            for match in body.matches(of: /仮パスワード: ([!-~]+)/) { words.insert(String(match.1)) }
        }
        return (digits, words)
    }

    /// The kind of the first secret found in `text`, if any. Each secret is searched for
    /// with Foundation's byte search (this runs over whole databases in debug builds),
    /// and a find is then checked at its edges.
    static func secret(in text: String, digits: Set<String>, words: Set<String>) -> String? {
        let bytes = Data(text.utf8)
        // A stored password hash (`$scrypt$ln=…$salt$hash`) is base64 by design.
        let isPasswordHash = text.hasPrefix("$scrypt$")
        if digits.contains(where: { occurs($0, in: bytes, edge: isAlphanumeric) }) { return "a PIN or code" }
        if words.contains(where: { occurs($0, in: bytes, edge: nil) }) { return "a password or token" }
        if !isPasswordHash, let context = randomToken(in: bytes) {
            return "a random token (session, journey or link) after \"\(context)\""
        }
        return nil
    }

    /// Whether `bytes` hold something shaped like `RandomToken.make()`: a run of exactly
    /// 43 base64url characters, letters and digits among them. Session tokens and journey
    /// IDs reach no spool, only RPC answers, so they are found by their shape; what the
    /// services store of them is a keyed hash (binary), never this. The answer is the
    /// text just before the first such run (which says where it is, not what it is).
    static func randomToken(in bytes: Data) -> String? {
        var run = 0
        var letters = false
        var digits = false
        for (offset, byte) in (bytes + [0]).enumerated() {
            if isAlphanumeric(byte) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_") {
                run += 1
                if (0x30...0x39).contains(byte) { digits = true } else if byte != UInt8(ascii: "-"), byte != UInt8(ascii: "_") { letters = true }
                continue
            }
            if run == RandomToken.length, letters, digits {
                let start = bytes.startIndex + offset - run
                return String(decoding: bytes[max(bytes.startIndex, start - 24)..<start], as: UTF8.self)
            }
            run = 0
            letters = false
            digits = false
        }
        return nil
    }

    /// Whether `secret` occurs in `bytes` with no `edge` byte just before or after it (a
    /// PIN inside a longer number, or inside a hex id, is not that PIN).
    private static func occurs(_ secret: String, in bytes: Data, edge: ((UInt8) -> Bool)?) -> Bool {
        let needle = Data(secret.utf8)
        var from = bytes.startIndex
        while let found = bytes.range(of: needle, in: from..<bytes.endIndex) {
            guard let edge else { return true }
            let before = found.lowerBound > bytes.startIndex ? bytes[found.lowerBound - 1] : nil
            let after = found.upperBound < bytes.endIndex ? bytes[found.upperBound] : nil
            if !(before.map(edge) ?? false), !(after.map(edge) ?? false) { return true }
            from = found.lowerBound + 1
        }
        return false
    }

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
    }

    private static func databaseHits(_ path: String, digits: Set<String>, words: Set<String>) -> [String] {
        // Not read-only: a database left by a killed process needs its WAL index rebuilt,
        // which is a write (the sandbox is deleted right after).
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        do {
            return try DatabaseQueue(path: path, configuration: configuration).read { db in
                var hits: [String] = []
                let tables = try String.fetchAll(
                    db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
                for table in tables {
                    let rows = try Row.fetchCursor(db, sql: "SELECT * FROM \"\(table)\"")
                    while let row = try rows.next() {
                        for (column, value) in zip(row.columnNames, row.databaseValues) {
                            let text: String?
                            switch value.storage {
                            case .string(let string): text = string
                            // A blob that is UTF-8 is text kept as bytes (staged rows, JSON).
                            case .blob(let data): text = String(validatingUTF8: data)
                            default: text = nil
                            }
                            if let text, let kind = secret(in: text, digits: digits, words: words) {
                                hits.append("\(path): \(table).\(column) holds \(kind)")
                            }
                        }
                    }
                }
                return Array(Set(hits)).sorted()
            }
        } catch {
            return ["\(path): cannot be read (\(error))"]
        }
    }

    private static func files(in folder: String, skipping skipped: String) -> [String] {
        guard let walker = FileManager.default.enumerator(atPath: folder) else { return [] }
        var found: [String] = []
        while let relative = walker.nextObject() as? String {
            let path = folder + "/" + relative
            if path.hasPrefix(skipped) {
                walker.skipDescendants()
                continue
            }
            found.append(path)
        }
        return found
    }
}

extension String {
    /// `data` as text when it is valid UTF-8 with no NUL (random hash bytes almost never are).
    fileprivate init?(validatingUTF8 data: Data) {
        guard !data.contains(0), let text = String(data: data, encoding: .utf8) else { return nil }
        self = text
    }
}
