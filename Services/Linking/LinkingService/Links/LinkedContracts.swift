import AuthAPI
import Foundation
import JSONRPC
import LinkingAPI
import MadoguchiModels
import ServiceClient
import ServiceContract
import ServiceKit

/// What a link gives after the journey: the confirmation page, ISP login with the carrier
/// ID, and unlinking by the carrier ID or an operator.
struct LinkedContracts: Sendable {
    let store: any LinkingStore
    let clock: any ServiceClock
    let auth: PeerService
    let carriers: CarrierGateway
    let links: LinkBook
    let operators: OperatorPolicy

    func confirmation(session: String) async throws -> LinkConfirmation {
        let key = try await carriers.loginKey(of: session)
        let (link, contract) = try await live(carrierKey: key)
        return link.confirmation(description: contract.description)
    }

    /// Logs in to the ISP: the carrier ID's own password, through auth, and then its link.
    /// A wrong password and a carrier ID with no link answer alike.
    func login(_ params: ISPLogin.Params) async throws -> ISPSession {
        guard let loginID = try? LoginID(validating: params.loginId) else { throw LinkingError.loginFailed }
        let session: SessionInfo
        do {
            session = try await auth.call(SessionOpen.self, .init(.password(loginID, params.password), origin: params.origin))
        } catch let refusal as RPCError where refusal.is(AuthError.Reason.passwordIncorrect) || refusal.is(AuthError.Reason.loginFailed) {
            throw LinkingError.loginFailed
        }
        guard let token = session.token, let key = session.loginID else { throw LinkingError.loginFailed }
        do {
            let (link, contract) = try await live(carrierKey: key)
            return ISPSession(
                token: token, carrierId: link.carrierId, customerNumber: link.customerNumber,
                contractDescription: contract.description, expiresAt: session.expiresAt)
        } catch LinkingError.notLinked {
            _ = try? await auth.call(SessionClose.self, SessionToken(token: token))
            throw LinkingError.loginFailed
        }
    }

    /// Which ISP contract a session may use now: an unlink takes effect at once.
    func session(_ token: String) async throws -> ISPSession {
        let info = try await auth.call(SessionCheck.self, SessionToken(token: token))
        guard let key = info.loginID else { throw LinkingError.notLinked }
        let (link, contract) = try await live(carrierKey: key)
        return ISPSession(
            token: nil, carrierId: link.carrierId, customerNumber: link.customerNumber,
            contractDescription: contract.description, expiresAt: info.expiresAt)
    }

    func unlink(_ params: LinkUnlink.Params, peer: PeerCredentials) async throws -> LinkUnlink.Result {
        let now = clock.now()
        let ended: LinkRow
        if let session = params.session {
            let key = try await carriers.loginKey(of: session)
            ended = try await links.unlink(.carrier(key), by: "customer", reason: nil, at: now, peer: peer)
        } else {
            try operators.requireOperator(peer)
            guard let customerNumber = params.customerNumber else {
                throw RPCError.invalidParams(
                    "give session (the carrier ID's) or, as an operator, customerNumber.", reason: "missing_member",
                    field: "customerNumber")
            }
            // Present, they are not blank (refused when the params are read).
            guard let staff = params.staff else {
                throw RPCError.invalidParams(
                    "an operator's unlink names the staff member.", reason: "missing_member", field: "staff")
            }
            guard let reason = params.reason else {
                throw RPCError.invalidParams("an operator's unlink says why.", reason: "missing_member", field: "reason")
            }
            ended = try await links.unlink(.contract(customerNumber.value), by: staff, reason: reason, at: now, peer: peer)
        }
        return .init(linkNumber: ended.linkNumber, customerNumber: ended.customerNumber, unlinkedAt: ISO8601.tokyo(now))
    }

    func show(_ customerNumber: ISPCustomerNumber) async throws -> LinkShow.Result {
        guard let contract = try await store.contract(customerNumber.value) else { throw LinkingError.ispContractNotFound }
        return LinkShow.Result(
            customerNumber: contract.customerNumber, contractDescription: contract.description,
            links: try await store.history(customerNumber: contract.customerNumber).map { $0.record(contract: contract) })
    }

    private func live(carrierKey: String) async throws -> (LinkRow, ISPContract) {
        guard let link = try await store.liveLink(.carrier(carrierKey)), let contract = try await store.contract(link.customerNumber)
        else { throw LinkingError.notLinked }
        return (link, contract)
    }
}
