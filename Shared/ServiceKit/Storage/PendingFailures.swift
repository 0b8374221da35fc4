import Synchronization

/// Failed checks (a wrong PIN, a wrong code, a mismatched identity) whose record the
/// storage refused, or that any error but the call's cancellation kept from being written
/// (`StorageFaults.mustHoldFailure(after:)`), kept in memory by subject until they are
/// written.
///
/// While a subject has one, its checks first try to write it, and answer
/// `storage_unavailable` without looking at the secret when that fails: a disk that
/// cannot count failures must never let guesses go uncounted, nor let a right guess be
/// told apart from a wrong one. A restart forgets what is held here (at most the one
/// failure per subject the disk refused).
///
/// At most `maximumSubjects` subjects are held, so an incident that lasts while a prober
/// invents subjects cannot grow the table without bound; past it a new subject's failure
/// is not held (it was still answered `storage_unavailable`, and auth's per-caller
/// throttle, kept in memory, still counts it).
public final class PendingFailures: Sendable {
    private let counts = Mutex<[String: Int]>([:])
    /// How many subjects may have failures held at once.
    public let maximumSubjects: Int

    public init(maximumSubjects: Int = 100_000) {
        self.maximumSubjects = maximumSubjects
    }

    /// Failures of `subject` not yet written.
    public func count(_ subject: String) -> Int {
        counts.withLock { $0[subject] ?? 0 }
    }

    /// Holds one more failure of `subject`; false when the table is full and `subject`
    /// was not in it.
    @discardableResult
    public func add(_ subject: String) -> Bool {
        counts.withLock { table in
            guard table[subject] != nil || table.count < maximumSubjects else { return false }
            table[subject, default: 0] += 1
            return true
        }
    }

    /// Forgets `written` failures of `subject`, once they are on disk.
    public func remove(_ subject: String, written: Int) {
        counts.withLock { table in
            let left = (table[subject] ?? 0) - written
            table[subject] = left > 0 ? left : nil
        }
    }
}
