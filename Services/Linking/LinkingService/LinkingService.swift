import AuthAPI
import GRDB
import JSONRPC
import LinkingAPI
import ServiceClient
import ServiceContract
import ServiceKit

/// Madoguchi account-linking service: ISP contracts (imported by operators) linked to
/// carrier IDs through a stored journey — the ISP address's code, the ISP login, a 2-step
/// check on the phone on file — and then ISP logins with the carrier ID. Credentials and
/// codes stay in madoguchi-auth; carrier IDs in madoguchi-registration.
public struct LinkingService: ServiceDefinition {
    public static let service = ServiceName.linking
    public typealias Reason = LinkingError.Reason
    public static let dependencies: [ServiceName] = [.auth, .registration]
    public static let title = "Madoguchi account-linking service: ISP contracts linked to carrier IDs."

    private let stores: LinkingStores
    private let journeys: LinkJourneys
    private let linked: LinkedContracts
    private let auth: PeerService
    private let operators: OperatorPolicy
    private let origins: OriginRelay
    private let evenAnswers: EvenAnswers

    public init(resources: ServiceResources, options: LinkingOptions) throws {
        stores = LinkingStores(resources)
        let store = stores.linking
        auth = resources.peers.peer(.auth)
        let carriers = CarrierGateway(auth: auth, registration: resources.peers.peer(.registration))
        let links = LinkBook(store: store)
        journeys = LinkJourneys(
            store: store, clock: resources.clock, auth: auth, carriers: carriers, links: links,
            journeyIDs: SecretHasher(keys: resources.keys, purpose: "link-journey", unheldKeys: resources.unheldKeys), options: options)
        operators = resources.configuration.operators
        origins = resources.configuration.origins
        linked = LinkedContracts(
            store: store, clock: resources.clock, auth: auth, carriers: carriers, links: links,
            operators: operators)
        evenAnswers = resources.evenAnswers
    }

    public static func registerMigrations(in migrator: inout DatabaseMigrator) {
        LinkingSchema.registerMigrations(in: &migrator)
    }

    /// Linking keeps its contracts, journeys, links and staged imports in PostgreSQL with
    /// `--database postgres`.
    public static func registerPostgresMigrations(in migrator: inout PostgresMigrator) {
        LinkingPostgresSchema.registerMigrations(in: &migrator)
    }

    public func registerMethods(in registry: inout MethodRegistry) {
        registry.registerImport(stores.contracts, operators: operators)
        registry.register(ISPContractSetPassword.self) { [stores, auth] params, context in
            guard try await stores.linking.contract(params.customerNumber.value) != nil else {
                throw LinkingError.ispContractNotFound
            }
            _ = try await auth.call(
                PasswordSet.self,
                .init(loginId: try LoginID(validating: params.customerNumber.value), password: params.password, realm: .isp))
            return Done()
        }

        // Whether the ISP address is a contract's must not show in the time either.
        registry.register(LinkStart.self) { [evenAnswers] params, _ in try await evenAnswers.answer { try await journeys.start(params) } }
        registry.register(LinkStatus.self) { params, _ in try await journeys.status(session: params.session, journeyId: params.journeyId) }
        registry.register(LinkCode.self) { [evenAnswers] params, _ in try await evenAnswers.answer { try await journeys.code(params) } }
        registry.register(LinkISPLogin.self) { [origins] params, context in
            try await journeys.ispLogin(params.relayed(by: context.peer, through: origins))
        }
        registry.register(LinkSecondFactorSend.self) { params, _ in try await journeys.sendSecondFactor(params) }
        registry.register(LinkSecondFactorVerify.self) { params, context in
            try await journeys.verifySecondFactor(params, peer: context.peer)
        }

        registry.register(LinkConfirm.self) { params, _ in try await linked.confirmation(session: params.session) }
        registry.register(LinkUnlink.self) { params, context in try await linked.unlink(params, peer: context.peer) }
        registry.register(LinkShow.self) { params, _ in try await linked.show(params.customerNumber) }
        registry.register(ISPLogin.self) { [origins] params, context in
            try await linked.login(params.relayed(by: context.peer, through: origins))
        }
        registry.register(ISPSessionCheck.self) { params, _ in try await linked.session(params.session) }
    }
}

extension LinkISPLogin.Params: CarriesOrigin {}
extension ISPLogin.Params: CarriesOrigin {}
