import JSONRPC

/// Who may call the methods that set credentials without knowing the old ones or that send
/// messages at someone else's cost (`pin.set`, `password.set`, `otp.issue`…): the Madoguchi
/// services themselves (members of the service group, `--service-group`) and operators.
///
/// Every caller of a socket is in the `madoguchi` group that owns it, so that group says
/// nothing; the service group is one only the services' units join. Each group's answers
/// are kept briefly by its own `OperatorPolicy`, so a check costs no look-up on most calls.
public struct ServiceCallerPolicy: Sendable {
    /// Root and the operator group.
    public let operators: OperatorPolicy
    /// The group the services' units join (`SupplementaryGroups=`).
    public let services: OperatorPolicy

    public init(operators: OperatorPolicy, services: OperatorPolicy) {
        self.operators = operators
        self.services = services
    }

    /// Whether `peer` is a Madoguchi service or an operator.
    public func isServiceOrOperator(_ peer: PeerCredentials) -> Bool {
        operators.isOperator(peer) || services.isOperator(peer)
    }
}

/// The services' `MethodAccessPolicy`: operators are root and the operator group; services
/// the service group (and operators).
public struct CallerAccess: MethodAccessPolicy {
    public let callers: ServiceCallerPolicy

    public init(callers: ServiceCallerPolicy) { self.callers = callers }

    public func allows(_ access: MethodAccess, peer: PeerCredentials) -> Bool {
        switch access {
        case .anyCaller: true
        case .service: callers.isServiceOrOperator(peer)
        case .operator: callers.operators.isOperator(peer)
        }
    }
}
