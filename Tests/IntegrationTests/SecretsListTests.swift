import Foundation
import GRDB
import ServiceKit
import Testing
import TestSupport

/// The secrets scan looks for the PINs and passwords the tests use; this reads the
/// multi-process tests' sources (and the demo loader) for every PIN and password literal
/// they send, so that a new test's secret cannot slip past the scan unlisted.
@Suite struct SecretsListTests {
    static let packageRoot = URL(filePath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static func sources() throws -> String {
        let folder = packageRoot.appendingPathComponent("Tests/IntegrationTests")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".swift") }
        return try (names.map { folder.appendingPathComponent($0) } + [packageRoot.appendingPathComponent("compose/load-demo")])
            .map { try String(contentsOf: $0, encoding: .utf8) }.joined(separator: "\n")
    }

    @Test func everyPINAndPasswordTheTestsSend_isScannedFor() throws {
        let text = try Self.sources()
        var found: Set<String> = []
        let patterns: [Regex<(Substring, Substring)>] = [
            /PIN\(validating: "([0-9]+)"\)/, /pin\("([0-9]+)"\)/, /"--pin", "([0-9]+)"/, /"(?:new|current)?(?:pin|PIN)":"([0-9]+)"/,
            /[pP]assword: "([^"]+)"/, /"(?:new|current)?[pP]assword":"([^"]+)"/, /input: "([^"\\]+)\\n/,
            /echo ([A-Za-z0-9]+) \| "\$madoctl"/,
        ]
        for pattern in patterns {
            for match in text.matches(of: pattern) { found.insert(String(match.1)) }
        }
        #expect(found.count >= 20, "the patterns found too little: \(found.count)")
        let listed = SecretsScan.testPINs.union(SecretsScan.testPasswords).union(SecretsScan.notScanned)
        #expect(found.subtracting(listed).isEmpty, "not in SecretsScan's lists: \(found.subtracting(listed).sorted())")
    }
}

/// The scan itself: it finds a planted PIN and password in a log and a database, and not
/// a PIN's digits inside an ICCID or a UUID.
@Suite struct SecretsScanTests {
    @Test func plantedSecrets_areFound_digitsInsideLongerTokensAreNot() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        try FileManager.default.createDirectory(atPath: folder.file("auth"), withIntermediateDirectories: true)
        let database = try DatabaseQueue(path: folder.file("auth/auth.sqlite"))
        try database.write { db in
            try db.execute(sql: "CREATE TABLE t (text TEXT, blob BLOB)")
            try db.execute(
                sql: "INSERT INTO t VALUES (?, ?)", arguments: ["8981100000004821000 3f1c4821-aa", Data("{\"n\":\"x4821\"}".utf8)])
        }
        try Data("ok uid=0 line=09012344821\n".utf8).write(to: URL(fileURLWithPath: folder.file("auth.log")))
        #expect(SecretsScan.hits(in: folder.path, spool: folder.file("spool")).isEmpty)

        try database.write { db in try db.execute(sql: "INSERT INTO t VALUES (NULL, ?)", arguments: [Data("{\"pin\":\"4821\"}".utf8)]) }
        try Data("login password=Sakura2026\n".utf8).write(to: URL(fileURLWithPath: folder.file("registration.log")))
        let hits = SecretsScan.hits(in: folder.path, spool: folder.file("spool"))
        #expect(hits.count == 2, "\(hits)")
        #expect(hits.contains { $0.hasSuffix("t.blob holds a PIN or code") })
        #expect(hits.contains { $0.hasSuffix("registration.log: a password or token") })
    }

    /// Session tokens and journey IDs reach no spool; the scan knows them by their shape.
    @Test func randomTokens_areFoundByTheirShape_butNotUUIDsHashesOrLongNames() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let database = try DatabaseQueue(path: folder.file("linking.sqlite"))
        try database.write { db in
            try db.execute(sql: "CREATE TABLE t (text TEXT)")
            for harmless in [
                UUID().uuidString,
                "$scrypt$ln=14,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA==$" + String(repeating: "A1", count: 21) + "B=",
                "identity_ticket_expires_at_the_end_of_the_day",
            ] {
                try db.execute(sql: "INSERT INTO t VALUES (?)", arguments: [harmless])
            }
        }
        try Data("journey started id=\(UUID().uuidString)\n".utf8).write(to: URL(fileURLWithPath: folder.file("linking.log")))
        #expect(SecretsScan.hits(in: folder.path, spool: folder.file("spool")).isEmpty)

        try Data("session=\(RandomToken.make())\n".utf8).write(to: URL(fileURLWithPath: folder.file("auth.log")))
        try database.write { db in try db.execute(sql: "INSERT INTO t VALUES (?)", arguments: ["{\"journey\":\"\(RandomToken.make())\"}"]) }
        let hits = SecretsScan.hits(in: folder.path, spool: folder.file("spool"))
        #expect(hits.count == 2, "\(hits)")
        #expect(hits.contains { $0.hasSuffix("auth.log: a random token (session, journey or link) after \"session=\"") })
        #expect(hits.contains { $0.hasSuffix("t.text holds a random token (session, journey or link) after \"{\"journey\":\"\"") })
    }
}
