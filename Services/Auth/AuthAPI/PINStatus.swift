import JSONRPC

/// What `pin.status` (and a successful set or verify) reports.
@WireObject
public struct PINStatus: Codable, Sendable, Hashable {
    @WireSchema(.enumeration(PINKind.allCases.map(\.rawValue)))
    public var kind: PINKind
    public var isSet: Bool = false
    public var mustChange: Bool = false
    @WireSchema(.integer(minimum: 0))
    public var failures: Int = 0
    @WireSchema(.integer(minimum: 0))
    public var attemptsLeft: Int?
    public var locked: Bool = false
    /// When a locked PIN opens (ISO 8601, +09:00).
    @WireSchema(.string(format: "date-time"))
    public var unlocksAt: String?
    /// When an accepted change reaches the network (ISO 8601, +09:00).
    @WireSchema(.string(format: "date-time"))
    public var pendingChangeDueAt: String?
}
