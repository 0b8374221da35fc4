import JSONRPC

/// The end-user origin a service passes on to auth, which throttles wrong PINs and
/// passwords per origin when a trusted caller reports one.
///
/// A service is trusted by auth, so it must not pass on whatever its own caller claims:
/// a caller could pick a fresh origin for every guess and never be throttled. Only a
/// trusted front end (root, or a member of `--front-end-group`) has its origin passed on;
/// any other caller is named by its uid from `SO_PEERCRED` (`uid:1000`), so that it can
/// neither escape its throttle nor share one bucket with every other caller.
public struct OriginRelay: Sendable {
    /// The front ends' group.
    public let frontEnds: OperatorPolicy

    public init(frontEnds: OperatorPolicy) {
        self.frontEnds = frontEnds
    }

    /// What to pass to auth as the origin of a call from `peer` that claimed `claimed`.
    public func origin(claimed: String?, by peer: PeerCredentials) -> String {
        if let claimed, frontEnds.isOperator(peer) { return claimed }
        return "uid:\(peer.uid)"
    }
}

/// Params that carry an end user's `origin`.
public protocol CarriesOrigin {
    var origin: String? { get set }
}

extension CarriesOrigin {
    /// These params with `origin` as `relay` passes it on for a call from `peer`.
    public func relayed(by peer: PeerCredentials, through relay: OriginRelay) -> Self {
        var relayed = self
        relayed.origin = relay.origin(claimed: origin, by: peer)
        return relayed
    }
}
