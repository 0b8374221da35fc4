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

    /// Whether `peer` is an operator: root, or the group is its primary group, or its
    /// user is listed as a member of the group.
    public func isOperator(_ peer: PeerCredentials) -> Bool {
        if peer.uid == 0 { return true }
        guard let group = getgrnam(groupName) else { return false }
        if group.pointee.gr_gid == peer.gid { return true }
        guard let user = getpwuid(peer.uid), let name = user.pointee.pw_name.map({ String(cString: $0) }) else {
            return false
        }
        var member = group.pointee.gr_mem
        while let entry = member?.pointee {
            if String(cString: entry) == name { return true }
            member = member?.advanced(by: 1)
        }
        return false
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
