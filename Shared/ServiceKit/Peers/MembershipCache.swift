import JSONRPC
import NIOConcurrencyHelpers

/// Answers of one group-membership check, kept briefly per caller identity (uid, gid and
/// supplementary groups), so that authorisation on every call does not read the user and
/// group databases every time.
///
/// Those reads (`getgrnam_r`, `getpwuid_r`) go through NSS: files at best, sssd or LDAP
/// at worst, and they block the thread, a thread of Swift's small cooperative pool here.
/// The price is that a change of membership in `/etc/group` (or the directory) takes
/// effect within `timeToLive`, not at once; a caller's supplementary groups are the
/// kernel's at connect time anyway. Time is the monotonic clock: setting the wall clock
/// neither keeps an answer forever nor expires them all.
final class MembershipCache: Sendable {
    /// The identity an answer belongs to; the pid plays no part.
    struct Key: Hashable {
        var uid: UInt32
        var gid: UInt32
        var groups: [UInt32]

        init(_ peer: PeerCredentials) {
            (uid, gid, groups) = (peer.uid, peer.gid, peer.groups)
        }
    }

    private struct Entry {
        var answer: Bool
        var expires: ContinuousClock.Instant
    }

    let timeToLive: Duration
    /// The most identities kept: callers cannot grow the table past it.
    let capacity: Int
    private let now: @Sendable () -> ContinuousClock.Instant
    private let entries = NIOLockedValueBox<[Key: Entry]>([:])

    init(timeToLive: Duration, capacity: Int, now: @escaping @Sendable () -> ContinuousClock.Instant) {
        self.timeToLive = timeToLive
        self.capacity = max(1, capacity)
        self.now = now
    }

    /// The answer for `peer`: remembered if fresh, else `lookUp()`'s, remembered.
    func answer(for peer: PeerCredentials, lookUp: () -> Bool) -> Bool {
        let key = Key(peer)
        let asked = now()
        if let cached = entries.withLockedValue({ $0[key] }), cached.expires > asked { return cached.answer }
        // Looked up outside the lock, which must never wait on NSS; two first calls of
        // one identity may both look up, and the answers agree.
        let answer = lookUp()
        let entry = Entry(answer: answer, expires: asked + timeToLive)
        entries.withLockedValue { entries in
            if entries[key] == nil, entries.count >= capacity {
                entries = entries.filter { $0.value.expires > asked }
                // Still full of fresh answers: forget the one that would expire first.
                if entries.count >= capacity, let oldest = entries.min(by: { $0.value.expires < $1.value.expires }) {
                    entries.removeValue(forKey: oldest.key)
                }
            }
            entries[key] = entry
        }
        return answer
    }

    /// Identities held now.
    var count: Int { entries.withLockedValue(\.count) }
}
