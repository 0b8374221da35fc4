import Foundation

/// The methods a server answers: each registered with its handler, decoded once, and
/// described for `rpc.discover`.
public struct MethodRegistry: Sendable {
    /// A registered method, type-erased for dispatch.
    struct Entry: Sendable {
        var description: MethodDescription
        var invoke: @Sendable (_ params: JSONValue?, _ context: CallContext) async throws -> Data
        /// Decodes the params as `invoke` would, and stops there.
        var checkParams: @Sendable (_ params: JSONValue?) throws -> Void
    }

    private(set) var entries: [String: Entry] = [:]

    public init() {}

    /// Registers `method`, replacing any earlier handler of the same name.
    ///
    /// `deeperCheck` is a check of the params that the handler makes itself, beyond
    /// decoding (an import batch's rows): `checkingParamsOnly` runs it too, so the fuzzer
    /// reaches it without the handler's state.
    public mutating func register<M: RPCMethod>(
        _ method: M.Type,
        deeperCheck: (@Sendable (M.Params) throws -> Void)? = nil,
        handler: @escaping @Sendable (M.Params, CallContext) async throws -> M.Result
    ) {
        entries[M.name] = Entry(
            description: MethodDescription(M.self),
            invoke: { params, context in
                let decoded = try ParamsDecoding.decode(M.Params.self, from: params)
                let result = try await handler(decoded, context)
                return try JSONCoding.encoder.encode(result)
            },
            checkParams: { params in
                let decoded = try ParamsDecoding.decode(M.Params.self, from: params)
                try deeperCheck?(decoded)
            })
    }

    /// The same methods, each answering `null` once its params decode instead of running
    /// its handler: the whole parse, dispatch and params-decoding path with no state
    /// behind it, for the fuzzer.
    public func checkingParamsOnly() -> MethodRegistry {
        var copy = self
        for (name, entry) in entries {
            copy.entries[name]?.invoke = { params, _ in
                try entry.checkParams(params)
                return Data("null".utf8)
            }
        }
        return copy
    }

    /// The methods of both, `other`'s where a name is in both.
    public func merging(_ other: MethodRegistry) -> MethodRegistry {
        var copy = self
        copy.entries.merge(other.entries) { _, theirs in theirs }
        return copy
    }

    /// The descriptions of every registered method, sorted by name.
    public var descriptions: [MethodDescription] {
        entries.values.map(\.description).sorted { $0.name < $1.name }
    }

    func entry(named name: String) -> Entry? { entries[name] }
}

/// What discovery says of a method.
public struct MethodDescription: Sendable, Hashable {
    public var name: String
    public var summary: String
    public var params: JSONSchema
    public var result: JSONSchema
    public var errors: [RPCError]

    public init<M: RPCMethod>(_ method: M.Type) {
        name = M.name
        summary = M.summary
        params = M.Params.jsonSchema
        result = M.Result.jsonSchema
        errors = M.errors
    }
}
