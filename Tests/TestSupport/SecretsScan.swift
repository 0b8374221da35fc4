import Foundation
import GRDB
import ServiceClient
import ServiceKit

/// Looks for secrets in clear where none may be: every log in a sandbox and every text
/// value (or UTF-8 blob) of every table of every database in it. The spool is not
/// scanned: it is the SMS, voice and mail gateways' input, where codes and links belong.
///
/// The secrets are the PINs and passwords the multi-process tests send (listed here and
/// kept complete by `SecretsListTests`, which reads the tests' sources), and every code,
/// link token and temporary password the services sent in the sandbox (read from its
/// spool). PINs and codes match only as a whole token (no letter or digit either side), so
/// one inside an ICCID is not a hit; passwords and tokens match anywhere. Any random token
/// (sessions, journeys) is also found by its shape.
///
/// A 4-digit PIN (and, less often, a 5- or 6-digit code) is bound to equal some number a
/// service made itself, so digits are not looked for where only such numbers can be
/// (`isServiceMadeNumber`): numbers typed as numbers (integer and real database values,
/// which are not text and are not scanned as text), a group of a UUID (every id the
/// services make is one, and a third group that is all digits starts with 4, so "4821" is
/// one id in 4096), and the value of a log metadata item whose key names a count, an id,
/// a process's credentials or a limit (`serviceNumberKeys`). A secret cannot reach any of
/// these places through a service (one is text and comes from a request, the others are
/// made from integers or random bytes), so this removes chance hits and no leak: a PIN
/// or code anywhere else in a log line or a text value, JSON or not, is still a hit.
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

    /// Log metadata keys whose values are numbers a service makes itself (`pid=4821` in a
    /// refused connection's peer, `outbox-id=`, `rows=`…): never one a caller sent.
    public static let serviceNumberKeys: Set<String> = [
        "pid", "uid", "gid", "outbox-id", "job", "attempts", "count", "messages", "rows", "inserted", "updated", "unchanged",
        "open-file-limit", "needed", "max-connections", "failed-accepts",
    ]

    /// Where in `folder` a secret appears: "file: table.column" or "file", with the kind
    /// of secret (never the secret itself, which would put it in the test log).
    public static func hits(in folder: String, spool: String) -> [String] {
        let generated = generatedSecrets(inSpool: spool)
        // Every PIN a test uses goes to auth, so the PINs are looked for where auth ran;
        // elsewhere (a billing sandbox of thousands of generated customer numbers) they are
        // ordinary numbers.
        let authRan = FileManager.default.fileExists(atPath: folder + "/auth/auth.sqlite")
            || ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).contains {
                $0.hasPrefix("auth") && $0.hasSuffix(".log")  // auth on PostgreSQL leaves no file of its own
            }
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

    /// The kind of secret in clear in `dump` (a PostgreSQL database's `pg_dump`), if any:
    /// the tests' PINs and passwords, and the codes and tokens sent to `spools`.
    public static func secret(inDump dump: String, spools: [String]) -> String? {
        var digits = testPINs
        var words = testPasswords
        for spool in spools {
            let generated = generatedSecrets(inSpool: spool)
            digits.formUnion(generated.digits)
            words.formUnion(generated.words)
        }
        return secret(in: dump, digits: digits, words: words)
    }

    /// Codes, link tokens and temporary passwords in the messages of `spool`.
    static func generatedSecrets(inSpool spool: String) -> (digits: Set<String>, words: Set<String>) {
        var digits: Set<String> = []
        var words: Set<String> = []
        for entry in SpoolReader.entries(in: spool) {
            let body = entry.body
            if let code = SpooledCode.code(in: body) { digits.insert(code) }
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
        if digits.contains(where: { occurs($0, in: bytes, edge: isAlphanumeric, unless: isServiceMadeNumber) }) {
            return "a PIN or code"
        }
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
            let start = bytes.startIndex + offset - run
            // A stored password hash's last field (`$scrypt$…$salt$hash`, in a dump
            // among other rows) is 32 bytes in base64, which can take this shape.
            let afterHashField = start > bytes.startIndex && bytes[start - 1] == UInt8(ascii: "$")
            if run == RandomToken.length, letters, digits, !afterHashField {
                return String(decoding: bytes[max(bytes.startIndex, start - 24)..<start], as: UTF8.self)
            }
            run = 0
            letters = false
            digits = false
        }
        return nil
    }

    /// Whether `secret` occurs in `bytes` with no `edge` byte just before or after it (a
    /// PIN inside a longer number, or inside a hex id, is not that PIN), at a place that
    /// is not `unless`.
    private static func occurs(
        _ secret: String, in bytes: Data, edge: ((UInt8) -> Bool)?, unless excluded: (Range<Int>, Data) -> Bool = { _, _ in false }
    ) -> Bool {
        let needle = Data(secret.utf8)
        var from = bytes.startIndex
        while let found = bytes.range(of: needle, in: from..<bytes.endIndex) {
            guard let edge else { return true }
            let before = found.lowerBound > bytes.startIndex ? bytes[found.lowerBound - 1] : nil
            let after = found.upperBound < bytes.endIndex ? bytes[found.upperBound] : nil
            if !(before.map(edge) ?? false), !(after.map(edge) ?? false), !excluded(found, bytes) { return true }
            from = found.lowerBound + 1
        }
        return false
    }

    /// Whether the digits at `range` are a number a service made: a group of a UUID, or
    /// the whole value of a log metadata item keyed in `serviceNumberKeys`.
    static func isServiceMadeNumber(_ range: Range<Int>, in bytes: Data) -> Bool {
        isInsideUUID(range, in: bytes) || isServiceNumberValue(range, in: bytes)
    }

    /// Whether `range` lies within a UUID (8-4-4-4-12 hexadecimal digits).
    static func isInsideUUID(_ range: Range<Int>, in bytes: Data) -> Bool {
        let groups = [8, 4, 4, 4, 12]
        let first = max(bytes.startIndex, range.upperBound - 36)
        guard first <= range.lowerBound else { return false }
        return (first...range.lowerBound).contains { start in
            guard start + 36 <= bytes.endIndex else { return false }
            // Not part of a longer run of hex digits or groups either side.
            if start > bytes.startIndex, isHexOrDash(bytes[start - 1]) { return false }
            if start + 36 < bytes.endIndex, isHexOrDash(bytes[start + 36]) { return false }
            var offset = start
            for (index, length) in groups.enumerated() {
                if index > 0 {
                    guard bytes[offset] == UInt8(ascii: "-") else { return false }
                    offset += 1
                }
                guard bytes[offset..<offset + length].allSatisfy(isHex) else { return false }
                offset += length
            }
            return true
        }
    }

    /// Whether `range` is the whole value of a log metadata item `key=value` whose key is
    /// in `serviceNumberKeys` (the value ends at a space, a line's end or the text's).
    static func isServiceNumberValue(_ range: Range<Int>, in bytes: Data) -> Bool {
        if range.upperBound < bytes.endIndex, ![UInt8(ascii: " "), UInt8(ascii: "\n")].contains(bytes[range.upperBound]) {
            return false
        }
        guard range.lowerBound > bytes.startIndex, bytes[range.lowerBound - 1] == UInt8(ascii: "=") else { return false }
        var keyStart = range.lowerBound - 1
        while keyStart > bytes.startIndex, isKeyCharacter(bytes[keyStart - 1]) { keyStart -= 1 }
        // The key starts the item: after a space, or after "=" when it is a part of a value
        // (`peer=pid=4821 uid=0 gid=0`).
        if keyStart > bytes.startIndex, ![UInt8(ascii: " "), UInt8(ascii: "=")].contains(bytes[keyStart - 1]) { return false }
        return serviceNumberKeys.contains(String(decoding: bytes[keyStart..<range.lowerBound - 1], as: UTF8.self))
    }

    private static func isHex(_ byte: UInt8) -> Bool {
        (0x30...0x39).contains(byte) || (0x41...0x46).contains(byte) || (0x61...0x66).contains(byte)
    }

    private static func isHexOrDash(_ byte: UInt8) -> Bool { isHex(byte) || byte == UInt8(ascii: "-") }

    private static func isKeyCharacter(_ byte: UInt8) -> Bool { (0x61...0x7A).contains(byte) || byte == UInt8(ascii: "-") }

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
