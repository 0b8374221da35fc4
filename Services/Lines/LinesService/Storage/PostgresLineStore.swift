import Foundation
import LinesAPI
import Logging
import PostgresNIO
import ServiceContract
import ServiceKit

/// The inventory and the lines' options in PostgreSQL (`LinesPostgresSchema`), shared by
/// every host. A change locks the line's inventory row (`FOR UPDATE`) for its
/// transaction, so changes to one line from any host take turns and each decides on what
/// the one before it wrote. Times are the service clock's, never the server's `now()`.
struct PostgresLineStore: LineStore {
    let client: PostgresClient
    let schema: String
    let outbox: Outbox
    let logger: Logger
    /// How long one operation may wait for the server before it is a storage fault.
    var timeLimit: Duration = .seconds(5)

    func kind(of phone: String) async throws -> LineKind? {
        try await classifyingFaults(within: timeLimit) { [client, schema, logger] in
            for try await kind in try await client.query(
                "SELECT kind FROM \(unescaped: schema).line WHERE phone_number = \(phone)", logger: logger
            ).decode(String.self) {
                return try StoredChoice.read(kind, field: "line.kind") as LineKind
            }
            return nil
        }
    }

    func line(_ phone: String) async throws -> StoredLine {
        try await classifyingFaults(within: timeLimit) { [self] in
            try await client.withConnection { connection in try await line(phone, on: connection) }
        }
    }

    func change(_ phone: String, _ decide: @escaping @Sendable (StoredLine) throws -> LineChange?) async throws
        -> (line: StoredLine, changed: Bool)
    {
        try await classifyingFaults(within: timeLimit) { [self] in
            try await client.withTransaction(logger: logger) { connection in
                // The lock first, in a statement of its own: in READ COMMITTED a statement
                // that waits for a row lock sees the locked row as its holder left it, but
                // reads every other table (the block list) as of its own start — before
                // the change it waited for. The read after the lock starts after it.
                try await connection.query(
                    "SELECT 1 FROM \(unescaped: schema).line WHERE phone_number = \(phone) FOR UPDATE", logger: logger)
                let before = try await line(phone, on: connection)
                guard let change = try decide(before) else { return (before, false) }
                let changed = try await apply(change.edit, to: phone, on: connection)
                if changed, let entry = change.journal {
                    try await connection.query(
                        """
                        INSERT INTO \(unescaped: schema).line_audit (at, phone_number, event, detail, via, peer_uid)
                        VALUES (\(entry.at), \(phone), \(entry.event), \(entry.detail), \(entry.via), \(entry.peerUID))
                        """, logger: logger)
                    try await PostgresServiceTables.enqueue(
                        entry.message(to: phone), outbox: outbox, schema: schema, on: connection, logger: logger)
                }
                return (try await line(phone, on: connection), changed)
            }
        }
    }

    func messages(of phone: String, saved: Bool?) async throws -> [VoicemailMessage] {
        try await classifyingFaults(within: timeLimit) { [client, schema, logger] in
            try await Self.messages(
                client.query(
                    """
                    SELECT \(unescaped: Self.messageColumns) FROM \(unescaped: schema).voicemail_message
                    WHERE phone_number = \(phone) AND (\(saved)::boolean IS NULL OR saved = \(saved))
                    ORDER BY received_at DESC, id DESC
                    """, logger: logger))
        }
    }

    func message(_ id: Int64, of phone: String) async throws -> VoicemailMessage? {
        try await classifyingFaults(within: timeLimit) { [client, schema, logger] in
            try await Self.messages(
                client.query(
                    """
                    SELECT \(unescaped: Self.messageColumns) FROM \(unescaped: schema).voicemail_message
                    WHERE id = \(id) AND phone_number = \(phone)
                    """, logger: logger)
            ).first
        }
    }

    func deposit(on phone: String, caller: String?, seconds: Int, at now: Date) async throws -> VoicemailMessage {
        try await classifyingFaults(within: timeLimit) { [client, schema, logger] in
            let deposited = try await Self.messages(
                client.query(
                    """
                    INSERT INTO \(unescaped: schema).voicemail_message (phone_number, caller, received_at, seconds)
                    VALUES (\(phone), \(caller), \(now), \(seconds)) RETURNING \(unescaped: Self.messageColumns)
                    """, logger: logger))
            return deposited[0]
        }
    }

    func audit(phone: String?, limit: Int) async throws -> [LineAuditEntry] {
        try await classifyingFaults(within: timeLimit) { [client, schema, logger] in
            let rows = try await client.query(
                """
                SELECT at, phone_number, event, detail, via, peer_uid FROM \(unescaped: schema).line_audit
                WHERE \(phone)::text IS NULL OR phone_number = \(phone) ORDER BY id DESC LIMIT \(limit)
                """, logger: logger)
            var entries: [LineAuditEntry] = []
            for try await (at, phone, event, detail, via, peerUID) in rows.decode((Date, String, String, String?, String, Int64).self) {
                entries.append(
                    LineAuditEntry(at: ISO8601.tokyo(at), phoneNumber: phone, event: event, detail: detail, via: via, peerUID: peerUID))
            }
            return entries
        }
    }

    /// Makes `edit`; true when it changed a row.
    private func apply(_ edit: LineEdit, to phone: String, on connection: PostgresConnection) async throws -> Bool {
        let query: PostgresQuery =
            switch edit {
            case .block(let number, let at):
                """
                INSERT INTO \(unescaped: schema).blocked_number (phone_number, number, added_at) VALUES (\(phone), \(number), \(at))
                ON CONFLICT DO NOTHING RETURNING 1
                """
            case .unblock(let number):
                "DELETE FROM \(unescaped: schema).blocked_number WHERE phone_number = \(phone) AND number = \(number) RETURNING 1"
            case .voicemail(let voicemail):
                """
                INSERT INTO \(unescaped: schema).voicemail (phone_number, enabled, ring_seconds)
                VALUES (\(phone), \(voicemail.enabled), \(voicemail.ringSeconds))
                ON CONFLICT (phone_number) DO UPDATE SET enabled = excluded.enabled, ring_seconds = excluded.ring_seconds
                RETURNING 1
                """
            case .forward(let forwarding):
                """
                INSERT INTO \(unescaped: schema).forwarding (phone_number, destination, since)
                VALUES (\(phone), \(forwarding.destination), \(forwarding.since))
                ON CONFLICT (phone_number) DO UPDATE SET destination = excluded.destination, since = excluded.since
                RETURNING 1
                """
            case .stopForwarding:
                "DELETE FROM \(unescaped: schema).forwarding WHERE phone_number = \(phone) RETURNING 1"
            case .saveMessage(let id):
                """
                UPDATE \(unescaped: schema).voicemail_message SET saved = true
                WHERE id = \(id) AND phone_number = \(phone) AND NOT saved RETURNING 1
                """
            case .deleteMessage(let id):
                "DELETE FROM \(unescaped: schema).voicemail_message WHERE id = \(id) AND phone_number = \(phone) RETURNING 1"
            case .lastCaller(let caller, let at):
                """
                INSERT INTO \(unescaped: schema).last_caller (phone_number, caller, at) VALUES (\(phone), \(caller), \(at))
                ON CONFLICT (phone_number) DO UPDATE SET caller = excluded.caller, at = excluded.at RETURNING 1
                """
            }
        return try await connection.returnsRow(query, logger: logger)
    }

    /// The line and its options, in one statement.
    private func line(_ phone: String, on connection: PostgresConnection) async throws -> StoredLine {
        let rows = try await connection.query(
            """
            SELECT line.kind, voicemail.enabled, voicemail.ring_seconds, forwarding.destination, forwarding.since,
              last_caller.caller,
              (SELECT count(*) FROM \(unescaped: schema).voicemail_message AS m WHERE m.phone_number = line.phone_number AND NOT m.saved),
              (SELECT count(*) FROM \(unescaped: schema).voicemail_message AS m WHERE m.phone_number = line.phone_number AND m.saved),
              ARRAY(SELECT number FROM \(unescaped: schema).blocked_number AS b WHERE b.phone_number = line.phone_number ORDER BY added_at, id),
              ARRAY(SELECT added_at FROM \(unescaped: schema).blocked_number AS b WHERE b.phone_number = line.phone_number ORDER BY added_at, id)
            FROM \(unescaped: schema).line
              LEFT JOIN \(unescaped: schema).voicemail USING (phone_number)
              LEFT JOIN \(unescaped: schema).forwarding USING (phone_number)
              LEFT JOIN \(unescaped: schema).last_caller USING (phone_number)
            WHERE line.phone_number = \(phone)
            """, logger: logger)
        for try await row in rows.decode((String, Bool?, Int?, String?, Date?, String?, Int, Int, [String], [Date]).self) {
            // A joined row's columns are all there or all null (theirs are NOT NULL).
            let voicemail: StoredLine.Voicemail? =
                if let enabled = row.1, let ringSeconds = row.2 { .init(enabled: enabled, ringSeconds: ringSeconds) } else { nil }
            let forwarding: StoredLine.Forwarding? =
                if let destination = row.3, let since = row.4 { .init(destination: destination, since: since) } else { nil }
            return StoredLine(
                kind: try StoredChoice.read(row.0, field: "line.kind"),
                blocked: zip(row.8, row.9).map { StoredLine.Blocked(number: $0, addedAt: $1) }, voicemail: voicemail,
                newMessages: row.6, savedMessages: row.7, forwarding: forwarding, lastCaller: row.5)
        }
        throw LinesError.lineNotFound
    }

    private static let messageColumns = "id, caller, received_at, seconds, saved"

    private static func messages(_ rows: PostgresRowSequence) async throws -> [VoicemailMessage] {
        var messages: [VoicemailMessage] = []
        for try await (id, caller, receivedAt, seconds, saved) in rows.decode((Int64, String?, Date, Int, Bool).self) {
            messages.append(VoicemailMessage(id: id, caller: caller, receivedAt: ISO8601.tokyo(receivedAt), seconds: seconds, saved: saved))
        }
        return messages
    }
}
