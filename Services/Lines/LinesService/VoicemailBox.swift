import Foundation
import JSONRPC
import LinesAPI
import MadoguchiModels
import ServiceKit

/// Lines' voicemail: on or off, the ring time before it answers, and the messages left
/// (their metadata; the recordings stay on the voicemail platform).
struct VoicemailBox: Sendable {
    let store: any LineStore
    let clock: any ServiceClock
    let ringTimes: RingTimeRange
    let defaultRingSeconds: Int

    func status(_ line: OpenedLine) async throws -> VoicemailSettings {
        settings(try await store.line(line.phone.digits))
    }

    func setEnabled(_ enabled: Bool, on line: OpenedLine, peer: PeerCredentials) async throws -> VoicemailSettings {
        let now = clock.now()
        let after = try await store.change(line.phone.digits) { [self] stored in
            let current = settings(stored)
            // Starting what is on (or stopping what is off) is no change: no audit, no SMS.
            guard current.enabled != enabled else { return nil }
            return LineChange(
                edit: .voicemail(.init(enabled: enabled, ringSeconds: current.ringSeconds)),
                journal: LineJournalEntry(
                    enabled ? "voicemail_started" : "voicemail_stopped", detail: nil,
                    sms: enabled ? LinesSMS.voicemailStarted : LinesSMS.voicemailStopped, on: line, peer: peer, at: now))
        }
        return settings(after.line)
    }

    func setRingTime(_ seconds: Int, on line: OpenedLine, peer: PeerCredentials) async throws -> VoicemailSettings {
        guard ringTimes.allows(seconds) else {
            throw LinesError.ringTimeInvalid(minimum: ringTimes.minimum, maximum: ringTimes.maximum, step: ringTimes.step)
        }
        let now = clock.now()
        let after = try await store.change(line.phone.digits) { [self] stored in
            let current = settings(stored)
            guard current.ringSeconds != seconds else { return nil }
            return LineChange(
                edit: .voicemail(.init(enabled: current.enabled, ringSeconds: seconds)),
                journal: LineJournalEntry(
                    "voicemail_ring_time", detail: "\(current.ringSeconds)s → \(seconds)s", sms: LinesSMS.ringTime(seconds),
                    on: line, peer: peer, at: now))
        }
        return settings(after.line)
    }

    func messages(_ line: OpenedLine, box: LineVoicemailMessages.Params.Box) async throws -> [VoicemailMessage] {
        let saved: Bool? =
            switch box {
            case .new: false
            case .saved: true
            case .all: nil
            }
        return try await store.messages(of: line.phone.digits, saved: saved)
    }

    func save(_ id: Int64, on line: OpenedLine, peer: PeerCredentials) async throws -> VoicemailMessage {
        let now = clock.now()
        // The store saves a message of this line that is not saved yet: one already saved
        // is no change (no audit, no SMS), and one of another line is none of this one.
        _ = try await store.change(line.phone.digits) { _ in
            LineChange(
                edit: .saveMessage(id),
                journal: LineJournalEntry(
                    "voicemail_message_saved", detail: "\(id)", sms: LinesSMS.messageSaved(id), on: line, peer: peer, at: now))
        }
        guard let message = try await store.message(id, of: line.phone.digits) else { throw LinesError.messageNotFound }
        return message
    }

    func delete(_ id: Int64, on line: OpenedLine, peer: PeerCredentials) async throws -> VoicemailSettings {
        let now = clock.now()
        let after = try await store.change(line.phone.digits) { _ in
            LineChange(
                edit: .deleteMessage(id),
                journal: LineJournalEntry(
                    "voicemail_message_deleted", detail: "\(id)", sms: LinesSMS.messageDeleted(id), on: line, peer: peer, at: now))
        }
        guard after.changed else { throw LinesError.messageNotFound }
        return settings(after.line)
    }

    /// The line's voicemail as a caller sees it: stored settings, or the defaults.
    func settings(_ line: StoredLine) -> VoicemailSettings {
        VoicemailSettings(
            enabled: line.voicemail?.enabled ?? false, ringSeconds: line.voicemail?.ringSeconds ?? defaultRingSeconds,
            ringSecondsAllowed: ringTimes, newMessages: line.newMessages, savedMessages: line.savedMessages)
    }
}
