import AuthAPI
import Foundation
import JSONRPC
import ServiceKit
import Synchronization

/// Wrong PINs the disk refused to record (a full or failing disk). A check whose failure
/// cannot be written must never let a guess go uncounted, nor answer a right PIN "ok"
/// while wrong ones fail: so the refused failure is held in memory, and every later check
/// of that PIN first writes it (with the lock it makes), answering `storage_unavailable`
/// without looking at the PIN for as long as that write fails.
extension PINBook {
    static func failureKey(subject: PINSubject, kind: PINKind) -> String {
        kind.rawValue + ":" + subject.value
    }

    /// Writes the failures held for this PIN, if any; throws `storage_unavailable` when the
    /// disk still refuses them.
    func writeUnrecordedFailures(subject: PINSubject, kind: PINKind, peer: PeerCredentials, at now: Date) async throws {
        let key = Self.failureKey(subject: subject, kind: kind)
        let held = unrecorded.count(key)
        guard held > 0 else { return }
        do {
            _ = try await store.update(PINKey(subject, kind), keyedCheck: nil) { stored, changes in
                guard var record = stored else { return }
                if let lockedUntil = record.lockedUntil {
                    // Locked already: the held failures add nothing. A lock that has run
                    // out opens as it would on a check, and the held failures count anew.
                    if lockedUntil > now { return }
                    record.lockedUntil = nil
                    record.failures = 0
                }
                record.failures += held
                record.updatedAt = now
                changes.audit.append(auditEntry("pin_failure", record, peer: peer, at: now, detail: #"{"recordedLate":\#(held)}"#))
                if record.failures >= policy.maximumFailures {
                    record.lockedUntil = Lockout.unlockInstant(lockedAt: now)
                    changes.audit.append(auditEntry("pin_locked", record, peer: peer, at: now))
                }
                stored = record
            }
        } catch {
            throw storageFaults.record(error) ?? error
        }
        unrecorded.remove(key, written: held)
        storageFaults.recordSuccess()
    }
}

/// Whether a check found the PIN or code wrong, noted before its writes (inside the
/// store's transaction, or before a PIN's one-statement write), so that a write the
/// storage refuses still tells what it would have recorded.
final class WrongEntrySeen: Sendable {
    private let wrong = Mutex(false)
    func note() { wrong.withLock { $0 = true } }
    var seen: Bool { wrong.withLock { $0 } }
}
