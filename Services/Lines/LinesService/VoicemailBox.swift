import Foundation
import GRDB
import JSONRPC
import LinesAPI
import MadoguchiModels
import ServiceKit

/// Lines' voicemail: on or off, the ring time before it answers, and the messages left
/// (their metadata; the recordings stay on the voicemail platform).
struct VoicemailBox: Sendable {
    let database: DatabasePool
    let clock: any ServiceClock
    let journal: LineJournal
    let ringTimes: RingTimeRange
    let defaultRingSeconds: Int

    func status(_ line: OpenedLine) async throws -> VoicemailSettings {
        try await database.read { db in try settings(line.phone.digits, in: db) }
    }

    func setEnabled(_ enabled: Bool, on line: OpenedLine, peer: PeerCredentials) async throws -> VoicemailSettings {
        let now = clock.now()
        return try await database.write { db in
            let current = try settings(line.phone.digits, in: db)
            // Starting what is on (or stopping what is off) is no change: no audit, no SMS.
            guard current.enabled != enabled else { return current }
            try store(line.phone.digits, enabled: enabled, ringSeconds: current.ringSeconds, in: db)
            try journal.record(
                enabled ? "voicemail_started" : "voicemail_stopped", detail: nil,
                sms: enabled ? LinesSMS.voicemailStarted : LinesSMS.voicemailStopped, on: line, peer: peer, at: now, in: db)
            return try settings(line.phone.digits, in: db)
        }
    }

    func setRingTime(_ seconds: Int, on line: OpenedLine, peer: PeerCredentials) async throws -> VoicemailSettings {
        guard ringTimes.allows(seconds) else {
            throw LinesError.ringTimeInvalid(minimum: ringTimes.minimum, maximum: ringTimes.maximum, step: ringTimes.step)
        }
        let now = clock.now()
        return try await database.write { db in
            let current = try settings(line.phone.digits, in: db)
            guard current.ringSeconds != seconds else { return current }
            try store(line.phone.digits, enabled: current.enabled, ringSeconds: seconds, in: db)
            try journal.record(
                "voicemail_ring_time", detail: "\(current.ringSeconds)s → \(seconds)s", sms: LinesSMS.ringTime(seconds),
                on: line, peer: peer, at: now, in: db)
            return try settings(line.phone.digits, in: db)
        }
    }

    func messages(_ line: OpenedLine, box: LineVoicemailMessages.Params.Box) async throws -> [VoicemailMessage] {
        let saved: Bool? = switch box {
        case .new: false
        case .saved: true
        case .all: nil
        }
        return try await database.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT id, caller, receivedAt, seconds, saved FROM voicemail_message
                    WHERE phoneNumber = ? AND (? IS NULL OR saved = ?) ORDER BY receivedAt DESC, id DESC
                    """,
                arguments: [line.phone.digits, saved, saved]
            ).map(Self.message)
        }
    }

    func save(_ id: Int64, on line: OpenedLine, peer: PeerCredentials) async throws -> VoicemailMessage {
        let now = clock.now()
        return try await database.write { db in
            guard var message = try message(id, of: line.phone.digits, in: db) else { throw LinesError.messageNotFound }
            guard !message.saved else { return message }
            try db.execute(sql: "UPDATE voicemail_message SET saved = 1 WHERE id = ?", arguments: [id])
            try journal.record(
                "voicemail_message_saved", detail: "\(id)", sms: LinesSMS.messageSaved(id), on: line, peer: peer, at: now,
                in: db)
            message.saved = true
            return message
        }
    }

    func delete(_ id: Int64, on line: OpenedLine, peer: PeerCredentials) async throws -> VoicemailSettings {
        let now = clock.now()
        return try await database.write { db in
            try db.execute(
                sql: "DELETE FROM voicemail_message WHERE id = ? AND phoneNumber = ?", arguments: [id, line.phone.digits])
            guard db.changesCount == 1 else { throw LinesError.messageNotFound }
            try journal.record(
                "voicemail_message_deleted", detail: "\(id)", sms: LinesSMS.messageDeleted(id), on: line, peer: peer,
                at: now, in: db)
            return try settings(line.phone.digits, in: db)
        }
    }

    /// A message the voicemail platform reports as left; it is new until saved.
    func deposit(on phone: String, caller: String?, seconds: Int, in db: Database) throws -> VoicemailMessage {
        try db.execute(
            sql: "INSERT INTO voicemail_message (phoneNumber, caller, receivedAt, seconds) VALUES (?, ?, ?, ?)",
            arguments: [phone, caller, clock.now(), seconds])
        return try message(db.lastInsertedRowID, of: phone, in: db)!
    }

    func settings(_ phone: String, in db: Database) throws -> VoicemailSettings {
        let row = try Row.fetchOne(db, sql: "SELECT enabled, ringSeconds FROM voicemail WHERE phoneNumber = ?", arguments: [phone])
        let counts = try Row.fetchOne(
            db,
            sql: "SELECT COALESCE(SUM(saved = 0), 0) AS new, COALESCE(SUM(saved = 1), 0) AS saved FROM voicemail_message WHERE phoneNumber = ?",
            arguments: [phone])!
        return VoicemailSettings(
            enabled: row?["enabled"] ?? false, ringSeconds: row?["ringSeconds"] ?? defaultRingSeconds,
            ringSecondsAllowed: ringTimes, newMessages: counts["new"], savedMessages: counts["saved"])
    }

    private func store(_ phone: String, enabled: Bool, ringSeconds: Int, in db: Database) throws {
        try db.execute(
            sql: """
                INSERT INTO voicemail (phoneNumber, enabled, ringSeconds) VALUES (?, ?, ?)
                ON CONFLICT (phoneNumber) DO UPDATE SET enabled = excluded.enabled, ringSeconds = excluded.ringSeconds
                """,
            arguments: [phone, enabled, ringSeconds])
    }

    private func message(_ id: Int64, of phone: String, in db: Database) throws -> VoicemailMessage? {
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
