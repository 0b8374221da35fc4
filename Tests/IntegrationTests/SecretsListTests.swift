import Foundation
import GRDB
import ServiceClient
import ServiceKit
import TestSupport
import Testing

/// The secrets scan looks for the PINs and passwords the tests use; this reads the
/// multi-process tests' sources (and the demo loader) for every PIN and password literal
/// they send, so that a new test's secret cannot slip past the scan unlisted.
@Suite(.sandboxed) struct SecretsListTests {
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

/// The scan itself: it finds a planted PIN, code and password in a log and a database, and
/// not a PIN's digits inside an ICCID, a UUID, or a number a service made.
@Suite(.sandboxed) struct SecretsScanTests {
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

    /// A code the services sent, in a sandbox where auth ran (so the tests' PINs count).
    static func sandboxWithACode(_ code: String) throws -> TemporaryDirectory {
        let folder = try TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: folder.file("auth"), withIntermediateDirectories: true)
        _ = try DatabaseQueue(path: folder.file("auth/auth.sqlite"))
        let sms = OutboxMessage(channel: .sms, to: "09012345678", subject: nil, body: "確認コード: \(code)")
        try SpoolTransport(directory: folder.file("spool"), serviceName: "auth").deliver(sms, id: 1, createdAt: Date())
        return folder
    }

    /// Numbers the services make equal a PIN or code by chance: an integer id or count in
    /// a database, a UUID's group, a process id or an outbox id in a log. None is a hit.
    @Test func integersUUIDGroupsAndLoggedCountsEqualToACodeOrPIN_areNotHits() throws {
        let folder = try Self.sandboxWithACode("604152")
        defer { folder.remove() }
        // The UUID's second and third groups are a PIN, and its fourth another.
        let uuid = "0f1e2d3c-4821-4821-8642-1234567890ab"
        let database = try DatabaseQueue(path: folder.file("auth/auth.sqlite"))
        try database.write { db in
            try db.execute(sql: "CREATE TABLE oneTimeCode (id TEXT, sequence INTEGER, tries INTEGER, ratio REAL)")
            try db.execute(sql: "INSERT INTO oneTimeCode VALUES (?, 604152, 4821, 604152.0)", arguments: [uuid])
        }
        try Data(
            """
            2026-11-21T03:00:00Z info auth: outbox message delivered channel=sms outbox-id=604152
            2026-11-21T03:00:00Z warning auth: connection refused peer=pid=4821 uid=0 gid=0 reason=connection_limit
            2026-11-21T03:00:00Z info billing: import applied dataset=statements import=\(uuid) rows=1593 updated=604152

            """.utf8
        ).write(to: URL(fileURLWithPath: folder.file("auth.log")))
        #expect(SecretsScan.hits(in: folder.path, spool: folder.file("spool")) == [])
    }

    /// The same code and PIN as text — a column, a JSON value, a log message or a metadata
    /// item that is no count — are still hits.
    @Test func aCodeOrPINInTextValuesAndLogLines_isStillAHit() throws {
        let folder = try Self.sandboxWithACode("604152")
        defer { folder.remove() }
        let database = try DatabaseQueue(path: folder.file("auth/auth.sqlite"))
        try database.write { db in
            try db.execute(sql: "CREATE TABLE note (text TEXT, json BLOB)")
            try db.execute(sql: "INSERT INTO note VALUES ('code 604152 sent', ?)", arguments: [Data("{\"id\":604152}".utf8)])
        }
        for (name, line) in [
            ("a.log", "info auth: call failed pin=4821"), ("b.log", "info auth: sms sent: 604152"),
            ("c.log", "info auth: otp code=604152 uid=0"), ("d.log", "info auth: ticket 0f1e2d3c-4821 (no UUID)"),
        ] {
            try Data((line + "\n").utf8).write(to: URL(fileURLWithPath: folder.file(name)))
        }
        let hits = SecretsScan.hits(in: folder.path, spool: folder.file("spool"))
        #expect(hits.count == 6, "\(hits)")
        #expect(hits.contains { $0.hasSuffix("note.text holds a PIN or code") })
        #expect(hits.contains { $0.hasSuffix("note.json holds a PIN or code") })
        for name in ["a.log", "b.log", "c.log", "d.log"] {
            #expect(hits.contains { $0.hasSuffix("\(name): a PIN or code") }, "\(name)")
        }
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

        // In a pg_dump a password hash is one row among others: its last field (43
        // base64 characters after a `$`) is no token; a token elsewhere in the dump is.
        let hash = "$scrypt$ln=14,r=8,p=1$k5iA2racgFEdkoWMpO/pw==$" + String(repeating: "a1", count: 21) + "Z"
        #expect(SecretsScan.secret(inDump: "COPY auth.password (login_id, hash) FROM stdin;\ntaro\t\(hash)\n", spools: []) == nil)
        #expect(SecretsScan.secret(inDump: "taro\t\(hash)\nsession\t\(RandomToken.make())\n", spools: [])?.contains("random token") == true)
    }
}
