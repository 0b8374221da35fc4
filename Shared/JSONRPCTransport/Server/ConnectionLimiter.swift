import JSONRPC
import NIOConcurrencyHelpers

/// Caps open connections in all and per calling uid, as systemd's Varlink does, so that
/// one runaway caller cannot take every slot.
final class ConnectionLimiter: Sendable {
    private struct State {
        var total = 0
        var perUID: [UInt32: Int] = [:]
        var idleSince: ContinuousClock.Instant? = .now
    }

    private let maximumTotal: Int
    private let maximumPerUID: Int
    private let state = NIOLockedValueBox(State())

    init(maximumTotal: Int, maximumPerUID: Int) {
        self.maximumTotal = maximumTotal
        self.maximumPerUID = maximumPerUID
    }

    /// Takes a slot for `uid`, or says which cap is full.
    func admit(uid: UInt32) -> Result<Void, RPCError> {
        state.withLockedValue { state in
            if state.total >= maximumTotal {
                return .failure(
                    RPCError(
                        code: .tooManyConnections, message: "Too many connections to this service.",
                        reason: "connection_limit"))
            }
            if state.perUID[uid, default: 0] >= maximumPerUID {
                return .failure(
                    RPCError(
                        code: .tooManyConnections, message: "Too many connections from this user.",
                        reason: "connection_limit_per_user"))
            }
            state.total += 1
            state.idleSince = nil
            state.perUID[uid, default: 0] += 1
            return .success(())
        }
    }

    /// Gives back the slot taken for `uid`.
    func release(uid: UInt32) {
        state.withLockedValue { state in
            state.total -= 1
            if state.total == 0 { state.idleSince = .now }
            let remaining = state.perUID[uid, default: 1] - 1
            state.perUID[uid] = remaining > 0 ? remaining : nil
        }
    }

    /// Since when no connection has been open, or `nil` while one is.
    var idleSince: ContinuousClock.Instant? { state.withLockedValue { $0.idleSince } }

    /// Open connections right now.
    var openConnections: Int { state.withLockedValue { $0.total } }
}
