import AuthAPI
import JSONRPC
import RegistrationAPI
import ServiceClient
import ServiceKit

/// madoguchi-auth as registration uses it, over auth's socket: every credential is
/// stored there, never here.
struct AuthGateway: Sendable {
    let auth: PeerService

    /// Who holds `token`; an invalid session is auth's own `session_invalid` error.
    func principal(of token: String) async throws -> SessionInfo {
        try await auth.call(SessionCheck.self, SessionToken(token: token))
    }

    /// The login ID of a password session (`login:<id>`), or `sessionNotApplicable`.
    func loginID(of token: String) async throws -> String {
        guard let loginID = try await principal(of: token).loginID else { throw RegistrationError.sessionNotApplicable }
        return loginID
    }

    func call<M: RPCMethod>(_ method: M.Type, _ params: M.Params) async throws -> M.Result {
        try await auth.call(method, params)
    }
}
