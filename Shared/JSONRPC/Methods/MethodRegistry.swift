import Foundation
import Synchronization

/// The methods a server answers: each registered with its handler, decoded once, and
/// described for `rpc.discover`.
public struct MethodRegistry: Sendable {
    /// A registered method, type-erased for dispatch. A class, so that looking one up per
    /// call costs one reference count rather than a copy of its description.
    final class Entry: Sendable {
        /// What discovery says of the method, made when asked: building every method's
        /// schemas at registration would lengthen each cold start for the few calls that
        /// read them.
        let describe: @Sendable () -> MethodDescription
        let handler: Handler
        /// Decodes the params as the handler would, and stops there.
        let checkParams: @Sendable (_ params: JSONValue?) throws -> Void
        /// The members the params type asks for when it decodes the given params.
        let keysAsked: @Sendable (_ params: JSONValue) -> Set<String>

        convenience init<M: RPCMethod>(
            _ method: M.Type, handler: Handler, checkParams: @escaping @Sendable (_ params: JSONValue?) throws -> Void
        ) {
            self.init(
                describe: { MethodDescription(M.self) }, handler: handler, checkParams: checkParams,
                keysAsked: { JSONValueDecoder().keysAsked(M.Params.self, from: $0) })
        }

        private init(
            describe: @escaping @Sendable () -> MethodDescription, handler: Handler,
            checkParams: @escaping @Sendable (_ params: JSONValue?) throws -> Void,
            keysAsked: @escaping @Sendable (_ params: JSONValue) -> Set<String>
        ) {
            self.describe = describe
            self.handler = handler
            self.checkParams = checkParams
            self.keysAsked = keysAsked
        }

        /// The same method with another handler.
        func with(_ handler: Handler) -> Entry {
            Entry(describe: describe, handler: handler, checkParams: checkParams, keysAsked: keysAsked)
        }
    }

    /// How a method runs: on the connection's event loop at once, or as a task.
    enum Handler: Sendable {
        /// The same result every time, encoded once: only the params are checked per call.
        case constant(check: @Sendable (_ params: JSONValue?) throws -> Void, result: Result<Data, any Error>)
        /// Answered where the message was read, without a hop to the cooperative pool.
        case immediate(@Sendable (_ params: JSONValue?, _ context: CallContext) throws -> Data)
        /// Run as a task: anything that waits (disk, peers, hashing).
        case async(@Sendable (_ params: JSONValue?, _ context: CallContext) async throws -> Data)
    }

    private(set) var entries: [String: Entry] = [:]
    /// Who has which `MethodAccess`.
    private let policy: any MethodAccessPolicy

    /// A registry whose methods are open to callers as `policy` says; without one, only
    /// methods open to any caller can be called.
    public init(access policy: any MethodAccessPolicy) {
        self.policy = policy
    }

    /// A registry without an access policy: only methods open to any caller can be called.
    public init() {
        self.init(access: NoPrivilegedCallers())
    }

    /// Throws the refusal of `M.access` unless the caller has it: the first thing every
    /// handler does, before its params are read.
    private func admission<M: RPCMethod>(_ method: M.Type) -> @Sendable (_ peer: PeerCredentials) throws -> Void {
        guard let refusal = M.access.refusal else { return { _ in } }
        let policy = policy
        return { peer in
            guard policy.allows(M.access, peer: peer) else { throw refusal }
        }
    }

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
        let decode: @Sendable (JSONValue?) throws -> M.Params = { try M.decodeParams($0) }
        let admit = admission(M.self)
        entries[M.name] = Entry(
            M.self,
            handler: .async { params, context in
                try admit(context.peer)
                return try JSONValueEncoder.json(try await handler(try decode(params), context))
            },
            checkParams: Self.paramsCheck(M.self, deeperCheck: deeperCheck))
    }

    /// Registers `method` with a handler answered on the connection's event loop the moment
    /// its message is read: no task is made and no thread is changed, which is most of the
    /// cost of a small call. Only for handlers that never wait or block — no disk, no
    /// peer, no hashing, no lock held for long — since every other message of the
    /// connections on that loop waits while one runs (`service.ping`, `service.info`,
    /// `rpc.discover`).
    public mutating func registerImmediate<M: RPCMethod>(
        _ method: M.Type,
        handler: @escaping @Sendable (M.Params, CallContext) throws -> M.Result
    ) {
        let decode: @Sendable (JSONValue?) throws -> M.Params = { try M.decodeParams($0) }
        let admit = admission(M.self)
        entries[M.name] = Entry(
            M.self,
            handler: .immediate { params, context in
                try admit(context.peer)
                return try JSONValueEncoder.json(try handler(try decode(params), context))
            },
            checkParams: Self.paramsCheck(M.self, deeperCheck: nil))
    }

    /// Registers `method` answering `result` every time (`service.ping`, `rpc.discover`):
    /// an immediate method whose result is encoded once, here, not per call.
    public mutating func registerConstant<M: RPCMethod>(_ method: M.Type, result: M.Result) {
        precondition(M.access == .anyCaller, "\(M.name): a constant answer is for any caller")
        entries[M.name] = Entry(
            M.self,
            handler: .constant(
                check: { _ = try M.decodeParams($0) }, result: Result { try JSONValueEncoder.json(result) }),
            checkParams: Self.paramsCheck(M.self, deeperCheck: nil))
    }

    /// Registers `method` answering the same result every time, made and encoded by
    /// `result` on the first call rather than here (`rpc.discover`, whose document of
    /// every method would otherwise be built at each start for the few calls that ask).
    mutating func registerLazyConstant<M: RPCMethod>(_ method: M.Type, result: @escaping @Sendable () -> M.Result) {
        precondition(M.access == .anyCaller, "\(M.name): a constant answer is for any caller")
        let encoded = Mutex<Result<Data, any Error>?>(nil)
        let check: @Sendable (JSONValue?) throws -> Void = { _ = try M.decodeParams($0) }
        entries[M.name] = Entry(
            M.self,
            handler: .immediate { params, _ in
                try check(params)
                return try encoded.withLock { cached in
                    if let cached { return try cached.get() }
                    let made = Result { try JSONValueEncoder.json(result()) }
                    cached = made
                    return try made.get()
                }
            },
            checkParams: Self.paramsCheck(M.self, deeperCheck: nil))
    }

    private static func paramsCheck<M: RPCMethod>(
        _ method: M.Type, deeperCheck: (@Sendable (M.Params) throws -> Void)?
    ) -> @Sendable (JSONValue?) throws -> Void {
        let decode: @Sendable (JSONValue?) throws -> M.Params = { try M.decodeParams($0) }
        // Decoded first, on a line of its own: inside `deeperCheck?(…)` the decode would be
        // skipped with the call whenever there is no deeper check.
        return { params in
            let decoded = try decode(params)
            try deeperCheck?(decoded)
        }
    }

    /// The same methods, each answering `null` once its params decode instead of running
    /// its handler: the whole parse, dispatch and params-decoding path with no state
    /// behind it, for the fuzzer.
    public func checkingParamsOnly() -> MethodRegistry {
        var copy = self
        for (name, entry) in entries {
            copy.entries[name] = entry.with(
                .async { params, _ in
                    try entry.checkParams(params)
                    return Data("null".utf8)
                })
        }
        return copy
    }

    /// The same methods, each run as a task and named by `applies` first waiting for
    /// `gate`: a condition of serving that can lapse while the process runs (a claim that
    /// must be renewed), which the gate renews or refuses by throwing. Methods answered
    /// on the event loop (`registerImmediate`, constants) never wait, so are left as they are.
    public func gating(
        _ applies: (_ method: String) -> Bool, with gate: @escaping @Sendable () async throws -> Void
    ) -> MethodRegistry {
        var copy = self
        for (name, entry) in entries where applies(name) {
            guard case .async(let handler) = entry.handler else { continue }
            copy.entries[name] = entry.with(
                .async { params, context in
                    try await gate()
                    return try await handler(params, context)
                })
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
        entries.values.map { $0.describe() }.sorted { $0.name < $1.name }
    }

    func entry(named name: String) -> Entry? { entries[name] }

    /// Every registered method's contract, sorted by name: what the contract test holds
    /// each method's declaration against.
    public var contracts: [MethodContract] {
        entries.values.map { entry in
            MethodContract(description: entry.describe(), checkParams: entry.checkParams, keysAsked: entry.keysAsked)
        }.sorted { $0.description.name < $1.description.name }
    }
}

/// A method as declared, with its params decoding, for checks of the whole contract.
public struct MethodContract: Sendable {
    /// What `rpc.discover` says of it.
    public var description: MethodDescription
    /// Decodes params as the method's handler would (the access check aside), and stops.
    public var checkParams: @Sendable (_ params: JSONValue?) throws -> Void
    /// The members its params type asks for when decoding the given params, found or not.
    public var keysAsked: @Sendable (_ params: JSONValue) -> Set<String>
}

/// What discovery says of a method.
public struct MethodDescription: Sendable, Hashable {
    public var name: String
    public var summary: String
    public var access: MethodAccess
    public var params: JSONSchema
    public var result: JSONSchema
    /// The method's own errors, and the refusal of its access first.
    public var errors: [RPCError]

    public init<M: RPCMethod>(_ method: M.Type) {
        name = M.name
        summary = M.summary
        access = M.access
        params = M.Params.jsonSchema
        result = M.Result.jsonSchema
        errors = (M.access.refusal.map { [$0] } ?? []) + M.errors
    }
}
