import Foundation
import GRDB
import JSONRPC
import LinesAPI
import ServiceContract
import ServiceKit

/// The inventory and the lines' options in the service's SQLite file (`LinesSchema`). A
/// change is one write transaction: SQLite runs one at a time, so each holds its line.
struct SQLiteLineStore: LineStore {
    let database: DatabasePool
    let outbox: Outbox
    /// The line's kind, which every call reads first, on the calling thread: a relayed
    /// `line.login` is one such read and a call to auth, and the hand-off to a pool
    /// reader's thread and back was a fair share of lines' part of it (BENCHMARKS.md).
    let inlineReaders: InlineReaders

    func kind(of phone: String) async throws -> LineKind? {
        try inlineReaders.read { db in
            // Cached, as every read of a call's path: compiling these reads on each call
            // (GRDB's authorizer walking their tables each time) cost lines ~220 of its
            // ~540 µs of CPU per `line.block.list` (BENCHMARKS.md, issue 23 fourth pass).
            try String.fetchOne(db.cachedStatement(sql: "SELECT kind FROM line WHERE phoneNumber = ?"), arguments: [phone])
                .map { try StoredChoice.read($0, field: "line.kind") }
        }
    }

    func line(_ phone: String) async throws -> StoredLine {
        try await database.read { db in try Self.line(phone, in: db) }
    }

    func change(_ phone: String, _ decide: @escaping @Sendable (StoredLine) throws -> LineChange?) async throws
        -> (line: StoredLine, changed: Bool)
    {
        try await database.write { [outbox] db in
            let before = try Self.line(phone, in: db)
            guard let change = try decide(before) else { return (before, false) }
            try Self.apply(change.edit, to: phone, in: db)
            let changed = db.changesCount > 0
            if changed, let entry = change.journal {
                try db.execute(
                    sql: "INSERT INTO line_audit (at, phoneNumber, event, detail, via, peerUID) VALUES (?, ?, ?, ?, ?, ?)",
                    arguments: [entry.at, phone, entry.event, entry.detail, entry.via, entry.peerUID])
                try outbox.enqueue(entry.message(to: phone), in: db)
            }
            return (try Self.line(phone, in: db), changed)
        }
    }

    func messages(of phone: String, saved: Bool?) async throws -> [VoicemailMessage] {
        try await database.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT id, caller, receivedAt, seconds, saved FROM voicemail_message
                    WHERE phoneNumber = ? AND (? IS NULL OR saved = ?) ORDER BY receivedAt DESC, id DESC
                    """,
                arguments: [phone, saved, saved]
            ).map(Self.message)
        }
    }

    func message(_ id: Int64, of phone: String) async throws -> VoicemailMessage? {
        try await database.read { db in try Self.message(id, of: phone, in: db) }
    }

    func deposit(on phone: String, caller: String?, seconds: Int, at now: Date) async throws -> VoicemailMessage {
        try await database.write { db in
            try db.execute(
                sql: "INSERT INTO voicemail_message (phoneNumber, caller, receivedAt, seconds) VALUES (?, ?, ?, ?)",
                arguments: [phone, caller, now, seconds])
            return try Self.message(db.lastInsertedRowID, of: phone, in: db)!
        }
    }

    func audit(phone: String?, limit: Int) async throws -> [LineAuditEntry] {
        try await database.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT at, phoneNumber, event, detail, via, peerUID FROM line_audit
                    WHERE ? IS NULL OR phoneNumber = ? ORDER BY id DESC LIMIT ?
                    """,
                arguments: [phone, phone, limit]
            ).map { row in
                LineAuditEntry(
                    at: ISO8601.tokyo(row["at"]), phoneNumber: row["phoneNumber"], event: row["event"], detail: row["detail"],
                    via: row["via"], peerUID: row["peerUID"])
            }
        }
    }

    /// Makes `edit`; `db.changesCount` then says whether it changed anything.
    private static func apply(_ edit: LineEdit, to phone: String, in db: Database) throws {
        switch edit {
        case .block(let number, let at):
            try db.execute(
                sql: "INSERT OR IGNORE INTO blocked_number (phoneNumber, number, addedAt) VALUES (?, ?, ?)",
                arguments: [phone, number, at])
        case .unblock(let number):
            try db.execute(sql: "DELETE FROM blocked_number WHERE phoneNumber = ? AND number = ?", arguments: [phone, number])
        case .voicemail(let voicemail):
            try db.execute(
                sql: """
                    INSERT INTO voicemail (phoneNumber, enabled, ringSeconds) VALUES (?, ?, ?)
                    ON CONFLICT (phoneNumber) DO UPDATE SET enabled = excluded.enabled, ringSeconds = excluded.ringSeconds
                    """,
                arguments: [phone, voicemail.enabled, voicemail.ringSeconds])
        case .forward(let forwarding):
            try db.execute(
                sql: """
                    INSERT INTO forwarding (phoneNumber, destination, since) VALUES (?, ?, ?)
                    ON CONFLICT (phoneNumber) DO UPDATE SET destination = excluded.destination, since = excluded.since
                    """,
                arguments: [phone, forwarding.destination, forwarding.since])
        case .stopForwarding:
            try db.execute(sql: "DELETE FROM forwarding WHERE phoneNumber = ?", arguments: [phone])
        case .saveMessage(let id):
            try db.execute(
                sql: "UPDATE voicemail_message SET saved = 1 WHERE id = ? AND phoneNumber = ? AND saved = 0", arguments: [id, phone])
        case .deleteMessage(let id):
            try db.execute(sql: "DELETE FROM voicemail_message WHERE id = ? AND phoneNumber = ?", arguments: [id, phone])
        case .lastCaller(let caller, let at):
            try db.execute(
                sql: """
                    INSERT INTO last_caller (phoneNumber, caller, at) VALUES (?, ?, ?)
                    ON CONFLICT (phoneNumber) DO UPDATE SET caller = excluded.caller, at = excluded.at
                    """,
                arguments: [phone, caller, at])
        }
    }

    private static func line(_ phone: String, in db: Database) throws -> StoredLine {
        guard
            let row = try Row.fetchOne(
                db.cachedStatement(
                    sql: """
                    SELECT line.kind, voicemail.enabled, voicemail.ringSeconds, forwarding.destination, forwarding.since,
                      last_caller.caller,
                      (SELECT COUNT(*) FROM voicemail_message WHERE phoneNumber = line.phoneNumber AND saved = 0),
                      (SELECT COUNT(*) FROM voicemail_message WHERE phoneNumber = line.phoneNumber AND saved = 1)
                    FROM line
                    LEFT JOIN voicemail USING (phoneNumber) LEFT JOIN forwarding USING (phoneNumber)
                    LEFT JOIN last_caller USING (phoneNumber)
                    WHERE line.phoneNumber = ?
                    """),
                arguments: [phone])
        else { throw LinesError.lineNotFound }
        let blocked = try Row.fetchAll(
            db.cachedStatement(sql: "SELECT number, addedAt FROM blocked_number WHERE phoneNumber = ? ORDER BY addedAt, rowid"),
            arguments: [phone]
        ).map { StoredLine.Blocked(number: $0[0], addedAt: $0[1]) }
        let enabled: Bool? = row[1]
        let destination: String? = row[3]
        return StoredLine(
            kind: try StoredChoice.read(row[0], field: "line.kind"), blocked: blocked,
            voicemail: enabled.map { StoredLine.Voicemail(enabled: $0, ringSeconds: row[2]) },
            newMessages: row[6], savedMessages: row[7],
            forwarding: destination.map { StoredLine.Forwarding(destination: $0, since: row[4]) }, lastCaller: row[5])
    }

    private static func message(_ id: Int64, of phone: String, in db: Database) throws -> VoicemailMessage? {
        try Row.fetchOne(
            db, sql: "SELECT id, caller, receivedAt, seconds, saved FROM voicemail_message WHERE id = ? AND phoneNumber = ?",
            arguments: [id, phone]
        ).map(Self.message)
    }

    private static func message(_ row: Row) -> VoicemailMessage {
        VoicemailMessage(
            id: row["id"], caller: row["caller"], receivedAt: ISO8601.tokyo(row["receivedAt"]), seconds: row["seconds"],
            saved: row["saved"])
    }
}
