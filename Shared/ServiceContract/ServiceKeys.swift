import JSONRPC

/// One server key version as `service.keys` reports it.
@WireObject
public struct ServerKeyUse: Codable, Sendable, Hashable {
    public var version: Int
    /// The version everything new is made with.
    public var current: Bool
    /// Whether this process holds the key (its file is there): a retired key still held
    /// still checks what it made, but makes nothing new.
    public var held: Bool
    /// When an operator retired it; a retired key is no longer needed and its file may go.
    @WireSchema(.string(format: "date-time"))
    public var retiredAt: String?
    /// The stored records it still protects, by kind (`pin`, `password`, `session`,
    /// `outbox`…); a kind with none is left out.
    public var records: [KeyedRecordCount]
}

/// How many stored records of one kind a key version protects.
@WireObject
public struct KeyedRecordCount: Codable, Sendable, Hashable {
    public var kind: String
    public var count: Int
}

/// `service.keys`: how many records each server key version still protects.
public enum ServiceKeys: RPCMethod {
    public static let name = "service.keys"
    public static let access = MethodAccess.operator
    public static let summary =
        "Operators only: each server key (pepper) version the service has recorded — current, held, retired — with how many stored hashes and sealed messages it still protects, by kind. Never a key or a hash."

    @WireObject
    public struct Result: Codable, Sendable, Hashable {
        /// Oldest first.
        public var keys: [ServerKeyUse]
    }
}

/// `service.keys.retire`: marks a key version no longer needed, once nothing uses it.
public enum ServiceKeysRetire: RPCMethod {
    public static let name = "service.keys.retire"
    public static let access = MethodAccess.operator
    public static let summary =
        "Operators only: retires a server key version that is not the current one and protects no stored record, so that the service starts without its file; refused (key_in_use, with the records it still protects) otherwise. Recorded with the operator's uid."

    @WireObject
    public struct Params: Codable, Sendable, Hashable {
        @WireSchema(.integer(minimum: 1, maximum: 255))
        public var version: Int
    }

    public typealias Result = ServerKeyUse

    public static var errors: [RPCError] {
        [RPCError(CommonReason.keyInUse, message: "This key version is still in use; nothing was changed.")]
    }
}
