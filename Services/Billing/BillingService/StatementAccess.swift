import AuthAPI
import BillingAPI
import JSONRPC
import ServiceClient
import ServiceKit

/// Who may read whose statements: a session, checked with madoguchi-auth over its
/// socket, reads its own customer's only; operators (by `SO_PEERCRED`) read anyone's.
struct StatementAccess: Sendable {
    let auth: PeerService
    let operators: OperatorPolicy

    /// A reader and the customer whose statements it reads.
    struct Grant: Sendable {
        let customer: String
        /// Customers see a statement from its issue date; operators see it as imported.
        let isCustomer: Bool
    }

    func grant(_ owner: StatementOwner, peer: PeerCredentials) async throws -> Grant {
        if let session = owner.session {
            // Auth down or slow answers `unavailable` within the peer timeout, never hangs.
            let info = try await auth.call(SessionCheck.self, SessionToken(token: session))
            guard let customer = info.customerNumber else { throw BillingError.sessionNotApplicable }
            if let asked = owner.customerNumber, asked.digits != customer { throw BillingError.notOwnStatements }
            return Grant(customer: customer, isCustomer: true)
        }
        try operators.requireOperator(peer)
        guard let customer = owner.customerNumber else { throw BillingError.ownerMissing }
        return Grant(customer: customer.digits, isCustomer: false)
    }
}
