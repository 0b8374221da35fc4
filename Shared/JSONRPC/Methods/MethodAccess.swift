/// Who may call a method: declared with the method (`RPCMethod.access`), checked by the
/// registry before the params are read or the handler runs, so that no handler can forget
/// it, and shown in `rpc.discover` (`x-access`).
///
/// A trusted front end is not a level of its own: membership of `--front-end-group`
/// changes only whether the end user's `origin` it reports is believed, not what it may
/// call.
public enum MethodAccess: String, Sendable, Hashable, CaseIterable, Codable {
    /// Anyone who can open the socket (its group). The method decides the rest from what
    /// the call carries — a session, a PIN, a login — and some also serve operators more
    /// (a customer number instead of a session).
    case anyCaller = "any"
    /// The Madoguchi services (members of the service group) and operators: setting a
    /// credential without the old one, sending a code at someone else's cost.
    case service
    /// Operators (root and the operator group): resets, audit, imports.
    case `operator`

    /// What a caller without this access is answered; nil for `anyCaller`.
    public var refusal: RPCError? {
        switch self {
        case .anyCaller: nil
        case .service: .serviceOnly
        case .operator: .operatorOnly
        }
    }
}

/// Whether a caller has a method's access. The services' is `ServiceKit.CallerAccess`
/// (the operator and service groups, from `SO_PEERCRED`).
public protocol MethodAccessPolicy: Sendable {
    /// Whether `peer` may call a method declared `access`; never asked for `anyCaller`.
    func allows(_ access: MethodAccess, peer: PeerCredentials) -> Bool
}

/// Grants nothing beyond `anyCaller`: the policy of a registry made without one, so that a
/// method declared for operators is refused to everyone rather than open to all.
struct NoPrivilegedCallers: MethodAccessPolicy {
    func allows(_ access: MethodAccess, peer: PeerCredentials) -> Bool { false }
}

/// The refusals of `MethodAccess`.
public enum AccessReason: String, ErrorReason {
    /// An operator method called by someone who is not an operator.
    case operatorOnly = "operator_only"
    /// A method for Madoguchi services (and operators) called by anyone else.
    case serviceOnly = "service_only"

    public var code: ErrorCode {
        switch self {
        case .operatorOnly: 1002
        case .serviceOnly: 1007
        }
    }
}

extension RPCError {
    /// An operator method called by someone who is not an operator.
    public static let operatorOnly = RPCError(AccessReason.operatorOnly, message: "This method is for operators.")

    /// A method for Madoguchi services (and operators) called by anyone else.
    public static let serviceOnly = RPCError(
        AccessReason.serviceOnly, message: "This method is for Madoguchi services and operators.")
}
