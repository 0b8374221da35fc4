import AuthAPI
import JSONRPC
import LinkingAPI
import RegistrationAPI
import ServiceClient
import ServiceKit

/// Who a session belongs to, as madoguchi-auth and madoguchi-registration say over their
/// sockets: linking keeps no credentials and no carrier ID records of its own.
struct CarrierGateway: Sendable {
    let auth: PeerService
    let registration: PeerService

    /// The key of the carrier ID (or My Page account) a password session belongs to:
    /// auth's login ID.
    func loginKey(of session: String) async throws -> String {
        guard let key = try await auth.call(SessionCheck.self, SessionToken(token: session)).loginID else {
            throw LinkingError.sessionNotApplicable
        }
        return key
    }

    /// The carrier ID behind a session, with its key; a My Page account's session is refused.
    func carrier(of session: String) async throws -> (key: String, profile: CarrierIDProfile) {
        let key = try await loginKey(of: session)
        do {
            return (key, try await registration.call(CarrierIDShow.self, SessionParams(session: session)))
        } catch let refusal as RPCError where refusal.is(RegistrationError.Reason.sessionNotApplicable) {
            throw LinkingError.sessionNotApplicable
        }
    }
}
