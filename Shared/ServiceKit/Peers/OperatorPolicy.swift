#if canImport(Glibc)
import Glibc
#endif
import JSONRPC

/// Who may call operator methods (resets, audit, imports): root, and members of the
/// operator group. The caller is known from `SO_PEERCRED`, the kernel's word.
///
/// Answers are kept for a few seconds per caller identity (`MembershipCache`): a change
/// of membership takes effect within `cacheTimeToLive`.
public struct OperatorPolicy: Sendable {
    /// The group whose members are operators.
    public let groupName: String
    /// How long an answer is kept.
    public static let cacheTimeToLive = Duration.seconds(5)

    private let answers: MembershipCache
    private let lookUp: @Sendable (_ groupName: String, _ peer: PeerCredentials) -> Bool

    public init(groupName: String) {
        self.init(groupName: groupName, now: { .now }, lookUp: Self.lookUp(groupName:peer:))
    }

    /// A policy that asks `lookUp` on a cache miss and reads the time from `now` (tests
    /// count the look-ups and move the time).
    init(
        groupName: String, timeToLive: Duration = cacheTimeToLive, capacity: Int = 4096,
        now: @escaping @Sendable () -> ContinuousClock.Instant,
        lookUp: @escaping @Sendable (_ groupName: String, _ peer: PeerCredentials) -> Bool
    ) {
        self.groupName = groupName
        self.answers = MembershipCache(timeToLive: timeToLive, capacity: capacity, now: now)
        self.lookUp = lookUp
    }

    /// Whether `peer` is an operator: root, or the group is its primary or one of its
    /// supplementary groups, or its user is listed as a member of the group.
    public func isOperator(_ peer: PeerCredentials) -> Bool {
        if peer.uid == 0 { return true }
        return answers.answer(for: peer) { lookUp(groupName, peer) }
    }

    /// Identities whose answers are held now.
    var cachedIdentities: Int { answers.count }

    /// Asks the group and user databases, with the reentrant `getgrnam_r` and
    /// `getpwuid_r`: calls are checked concurrently.
    static func lookUp(groupName: String, peer: PeerCredentials) -> Bool {
        var buffer = [CChar](repeating: 0, count: 16384)
        var group = group()
        var found: UnsafeMutablePointer<group>? = nil
        guard getgrnam_r(groupName, &group, &buffer, buffer.count, &found) == 0, found != nil else { return false }
        // Primary or supplementary (SO_PEERGROUPS: systemd's SupplementaryGroups= for a
        // dynamic user, which no /etc/group list names).
        if peer.isInGroup(group.gr_gid) { return true }
        var members: [String] = []
        var member = group.gr_mem
        while let entry = member?.pointee {
            members.append(String(cString: entry))
            member = member?.advanced(by: 1)
        }
        var userBuffer = [CChar](repeating: 0, count: 16384)
        var user = passwd()
        var foundUser: UnsafeMutablePointer<passwd>? = nil
        guard getpwuid_r(peer.uid, &user, &userBuffer, userBuffer.count, &foundUser) == 0, foundUser != nil,
            let name = user.pw_name
        else { return false }
        return members.contains(String(cString: name))
    }

    /// Throws `forbidden` unless `peer` is an operator.
    public func requireOperator(_ peer: PeerCredentials) throws {
        guard isOperator(peer) else { throw RPCError.operatorOnly }
    }
}
