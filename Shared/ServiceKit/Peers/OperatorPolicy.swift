#if canImport(Glibc)
import Glibc
#endif
import JSONRPC

/// Who may call operator methods (resets, audit, imports): root, and members of the
/// operator group. The caller is known from `SO_PEERCRED`, the kernel's word.
public struct OperatorPolicy: Sendable {
    /// The group whose members are operators.
    public let groupName: String

    public init(groupName: String) {
        self.groupName = groupName
    }

    /// Whether `peer` is an operator: root, or the group is its primary or one of its
    /// supplementary groups, or its user is listed as a member of the group. Uses the
    /// reentrant `getgrnam_r` and `getpwuid_r`: calls are checked concurrently.
    public func isOperator(_ peer: PeerCredentials) -> Bool {
        if peer.uid == 0 { return true }
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

extension ErrorCode {
    /// The caller may not use this method.
    public static let forbidden = ErrorCode(1002)
}

extension RPCError {
    /// An operator method called by someone who is not an operator.
    public static let operatorOnly = RPCError(
        code: .forbidden, message: "This method is for operators.", reason: "operator_only")
}
