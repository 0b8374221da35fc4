import AuthAPI
import GRDB
import JSONRPC
import LinesAPI
import ServiceClient
import ServiceContract
import ServiceKit

/// Madoguchi lines service: the voice options of MVNO voice SIMs — nuisance-call block
/// list, voicemail, call forwarding — managed with the line's number and network PIN
/// (checked by madoguchi-auth, so lockout and throttling apply) or a session opened with
/// them. Every change is audited and confirmed to the line by SMS through the outbox.
public struct LinesService: ServiceDefinition {
    public static let service = ServiceName.lines
    public typealias Reason = LinesError.Reason
    public static let dependencies: [ServiceName] = [.auth]
    public static let title = "Madoguchi lines service: block list, voicemail and call forwarding of voice lines."

    private let stores: LinesStores
    private let gate: LineGate
    private let blockList: BlockListBook
    private let voicemail: VoicemailBox
    private let forwarding: CallForwarding
    private let network: CallControl
    private let auth: PeerService
    private let operators: OperatorPolicy
    private let services: ServiceCallerPolicy
    private let origins: OriginRelay

    public init(resources: ServiceResources, options: LinesOptions) throws {
        stores = LinesStores(resources)
        let lines = stores.lines
        auth = resources.peers.peer(.auth)
        operators = resources.configuration.operators
        services = resources.configuration.serviceCallers
        origins = resources.configuration.origins
        gate = LineGate(store: lines, auth: auth, origins: origins)
        blockList = BlockListBook(store: lines, clock: resources.clock, limit: options.blockListLimit)
        voicemail = VoicemailBox(
            store: lines, clock: resources.clock, ringTimes: options.ringTimes, defaultRingSeconds: options.ringSecondsDefault)
        forwarding = CallForwarding(store: lines, clock: resources.clock)
        network = CallControl(store: lines, clock: resources.clock, voicemail: voicemail)
    }

    public static func registerMigrations(in migrator: inout DatabaseMigrator) {
        LinesSchema.registerMigrations(in: &migrator)
    }

    /// Lines keeps its inventory, options and staged imports in PostgreSQL with
    /// `--database postgres`.
    public static func registerPostgresMigrations(in migrator: inout PostgresMigrator) {
        LinesPostgresSchema.registerMigrations(in: &migrator)
    }

    public func registerMethods(in registry: inout MethodRegistry) {
        registry.registerImport(stores.inventory, operators: operators)
        registerAccess(in: &registry)
        registerBlockList(in: &registry)
        registerVoicemail(in: &registry)
        registerForwarding(in: &registry)

        registry.register(LineCallRoute.self) { [network] params, context in
            return try await network.route(params)
        }
        registry.register(LineVoicemailDeposit.self) { [network] params, context in
            return try await network.deposit(params)
        }
        registry.register(LineAudit.self) { [stores] params, context in
            return try await stores.lines.audit(phone: params.phoneNumber?.digits, limit: min(max(params.limit ?? 100, 1), 1000))
        }
    }

    private func registerAccess(in registry: inout MethodRegistry) {
        registry.register(LineLogin.self) { [gate, auth, origins] params, context in
            // A data-only SIM is refused before any PIN is tried.
            try await gate.requireVoiceLine(params.phoneNumber)
            let session = try await auth.call(
                SessionOpen.self,
                .init(.phonePIN(params.phoneNumber, params.pin), origin: origins.origin(claimed: params.origin, by: context.peer)))
            return LineSession(session: session.token ?? "", phoneNumber: params.phoneNumber.digits, expiresAt: session.expiresAt)
        }
        registry.register(LineStatus.self) { [gate, blockList, voicemail, forwarding] params, context in
            let line = try await gate.open(params.access, origin: params.origin, caller: context.peer)
            return LineOptions(
                phoneNumber: line.phone.digits, blockList: try await blockList.list(line),
                voicemail: try await voicemail.status(line), forwarding: try await forwarding.status(line))
        }
    }

    private func registerBlockList(in registry: inout MethodRegistry) {
        registry.register(LineBlockAdd.self) { [gate, blockList] params, context in
            guard (params.number == nil) == (params.lastCaller == true) else {
                throw RPCError.invalidParams("Give number, or lastCaller: true.", reason: "number_or_last_caller", field: "number")
            }
            let line = try await gate.open(params.access, origin: params.origin, caller: context.peer)
            return try await blockList.add(params.number, to: line, peer: context.peer)
        }
        registry.register(LineBlockList.self) { [gate, blockList] params, context in
            try await blockList.list(try await gate.open(params.access, origin: params.origin, caller: context.peer))
        }
        registry.register(LineBlockRemove.self) { [gate, blockList] params, context in
            let line = try await gate.open(params.access, origin: params.origin, caller: context.peer)
            return try await blockList.remove(params.number, from: line, peer: context.peer)
        }
    }

    private func registerVoicemail(in registry: inout MethodRegistry) {
        registry.register(LineVoicemailStart.self) { [gate, voicemail] params, context in
            try await voicemail.setEnabled(true, on: try await gate.open(params.access, origin: params.origin, caller: context.peer), peer: context.peer)
        }
        registry.register(LineVoicemailStop.self) { [gate, voicemail] params, context in
            try await voicemail.setEnabled(false, on: try await gate.open(params.access, origin: params.origin, caller: context.peer), peer: context.peer)
        }
        registry.register(LineVoicemailStatus.self) { [gate, voicemail] params, context in
            try await voicemail.status(try await gate.open(params.access, origin: params.origin, caller: context.peer))
        }
        registry.register(LineVoicemailRingTime.self) { [gate, voicemail] params, context in
            let line = try await gate.open(params.access, origin: params.origin, caller: context.peer)
            return try await voicemail.setRingTime(params.seconds, on: line, peer: context.peer)
        }
        registry.register(LineVoicemailMessages.self) { [gate, voicemail] params, context in
            try await voicemail.messages(try await gate.open(params.access, origin: params.origin, caller: context.peer), box: params.box ?? .all)
        }
        registry.register(LineVoicemailSave.self) { [gate, voicemail] params, context in
            try await voicemail.save(params.id, on: try await gate.open(params.access, origin: params.origin, caller: context.peer), peer: context.peer)
        }
        registry.register(LineVoicemailDelete.self) { [gate, voicemail] params, context in
            try await voicemail.delete(params.id, on: try await gate.open(params.access, origin: params.origin, caller: context.peer), peer: context.peer)
        }
    }

    private func registerForwarding(in registry: inout MethodRegistry) {
        registry.register(LineForwardStart.self) { [gate, forwarding] params, context in
            let line = try await gate.open(params.access, origin: params.origin, caller: context.peer)
            return try await forwarding.start(to: params.destination, on: line, peer: context.peer)
        }
        registry.register(LineForwardStop.self) { [gate, forwarding] params, context in
            try await forwarding.stop(on: try await gate.open(params.access, origin: params.origin, caller: context.peer), peer: context.peer)
        }
        registry.register(LineForwardStatus.self) { [gate, forwarding] params, context in
            try await forwarding.status(try await gate.open(params.access, origin: params.origin, caller: context.peer))
        }
    }
}
