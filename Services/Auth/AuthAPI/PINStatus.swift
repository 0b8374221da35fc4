import JSONRPC

/// What `pin.status` (and a successful set or verify) reports.
public struct PINStatus: Codable, Sendable, Hashable, JSONSchemaDescribing {
    public var kind: PINKind
    public var isSet: Bool
    public var mustChange: Bool
    public var failures: Int
    public var attemptsLeft: Int?
    public var locked: Bool
    /// When a locked PIN opens (ISO 8601, +09:00).
    public var unlocksAt: String?
    /// When an accepted change reaches the network (ISO 8601, +09:00).
    public var pendingChangeDueAt: String?

    public init(
        kind: PINKind, isSet: Bool = false, mustChange: Bool = false, failures: Int = 0, attemptsLeft: Int? = nil,
        locked: Bool = false, unlocksAt: String? = nil, pendingChangeDueAt: String? = nil
    ) {
        self.kind = kind
        self.isSet = isSet
        self.mustChange = mustChange
        self.failures = failures
        self.attemptsLeft = attemptsLeft
        self.locked = locked
        self.unlocksAt = unlocksAt
        self.pendingChangeDueAt = pendingChangeDueAt
    }

    public static var jsonSchema: JSONSchema {
        .object(
            [
                "kind": .enumeration(PINKind.allCases.map(\.rawValue)), "isSet": .boolean, "mustChange": .boolean,
                "failures": .integer(minimum: 0), "attemptsLeft": .integer(minimum: 0), "locked": .boolean,
                "unlocksAt": .string(format: "date-time"), "pendingChangeDueAt": .string(format: "date-time"),
            ],
            required: ["kind", "isSet", "mustChange", "failures", "locked"])
    }
}
