import AuthAPI
import Foundation
import JSONRPC
import LinesAPI
import MadoguchiModels
import ServiceClient
import ServiceContract
import ServiceKit

/// A voice line a caller has proved they may manage, and how.
struct OpenedLine: Sendable {
    var phone: PhoneNumber
    /// `pin` or `session`, for the audit trail.
    var via: String
}

/// The way into a line's options: the line must be a voice line of the inventory, and the
/// caller must give its network PIN (checked by madoguchi-auth, where wrong entries count
/// towards the midnight lock and the caller's throttle) or a session opened with it.
struct LineGate: Sendable {
    let store: any LineStore
    let auth: PeerService
    let origins: OriginRelay

    /// The voice line `access` opens, or the refusal: unknown line, data-only SIM, a
    /// session not a line's, or auth's PIN answer (wrong, locked, throttled). `origin` is
    /// what `caller` claims; auth hears it only from a trusted front end.
    func open(_ access: LineAccess, origin: String?, caller: PeerCredentials) async throws -> OpenedLine {
        switch access {
        case .pin(let phone, let pin):
            // A data-only SIM has no PIN to check: it is refused before any PIN is tried.
            try await requireVoiceLine(phone)
            let origin = origins.origin(claimed: origin, by: caller)
            _ = try await auth.call(PINVerify.self, .init(subject: .line(phone), kind: .network, pin: pin, origin: origin))
            return OpenedLine(phone: phone, via: "pin")
        case .session(let token):
            let session = try await auth.call(SessionCheck.self, .init(token: token))
            guard session.method == "phone-pin", session.principal.hasPrefix("line:"),
                let phone = try? PhoneNumber(validating: String(session.principal.dropFirst("line:".count)))
            else { throw LinesError.sessionNotForLine }
            try await requireVoiceLine(phone)
            // A PIN locked after the session was opened shuts the session's options too:
            // the lock means "nothing with this PIN until midnight". Auth decides whether
            // the lock still holds (its status is read against its clock).
            let status = try await auth.call(PINStatusMethod.self, .init(subject: .line(phone), kind: .network))
            if status.locked {
                // A lock whose end auth did not say is a lock all the same.
                guard let unlocks = status.unlocksAt.flatMap(ISO8601.parse) else { throw RPCError.internalError() }
                throw AuthError.pinLocked(unlocksAt: unlocks)
            }
            return OpenedLine(phone: phone, via: "session")
        }
    }

    func requireVoiceLine(_ phone: PhoneNumber) async throws {
        try refuseUnlessVoice(try await store.kind(of: phone.digits))
    }
}
