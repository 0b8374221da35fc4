import AuthAPI
import GRDB
import JSONRPC
import Logging
import RegistrationAPI
import ServiceContract
import ServiceKit
import ServiceLifecycle

/// Madoguchi registration service: contract records, My Page sign-up, applications by
/// reception number, member recovery and carrier ID issuance. Credentials are stored only
/// in madoguchi-auth, over its socket.
public struct RegistrationService: ServiceDefinition {
    public static let service = ServiceName.registration
    public typealias Reason = RegistrationError.Reason
    public static let dependencies: [ServiceName] = [.auth]
    public static let title =
        "Madoguchi registration service: contract records, My Page sign-up, applications, recovery and carrier IDs."
    /// An identity-document image (up to 4 MiB) travels base64-encoded in one message.
    public static let maximumMessageBytes = 6 << 20

    private let stores: RegistrationStores
    private let signUps: SignUps
    private let applications: Applications
    private let recoveries: Recoveries
    private let carrierIDs: CarrierIDJourneys
    private let operators: OperatorPolicy
    private let origins: OriginRelay
    private let evenAnswers: EvenAnswers
    private let letters: RecoveryLetters
    private let reservations: ReservationSweep
    /// For `erasureIdentities` (what the customer is known by).
    let storage: ServiceStorage
    let logger: Logger

    public init(resources: ServiceResources, options: RegistrationOptions) throws {
        stores = try RegistrationStores(resources)
        storage = resources.storage
        logger = resources.logger
        let auth = AuthGateway(auth: resources.peers.peer(.auth))
        let links = SecretHasher(keys: resources.keys, purpose: "registration-link", unheldKeys: resources.unheldKeys)
        let clock = resources.clock
        let throttle = AttemptThrottle(store: stores.attempts, clock: clock, storageFaults: resources.storageFaults)
        signUps = SignUps(store: stores.accounts, clock: clock, auth: auth, links: links, throttle: throttle, options: options)
        applications = Applications(store: stores.applications, clock: clock, auth: auth, idempotentCalls: resources.idempotentCalls)
        recoveries = Recoveries(
            store: stores.recoveries, clock: clock, auth: auth, links: links, throttle: throttle, options: options,
            logger: resources.logger)
        carrierIDs = CarrierIDJourneys(store: stores.carrierIDs, clock: clock, auth: auth, links: links, options: options)
        operators = resources.configuration.operators
        origins = resources.configuration.origins
        evenAnswers = resources.evenAnswers
        letters = RecoveryLetters(
            store: stores.recoveries, clock: clock, auth: auth, peerTimeout: resources.configuration.peerTimeout,
            logger: resources.logger)
        reservations = ReservationSweep(store: stores.accounts, clock: clock, logger: resources.logger)
    }

    public var backgroundServices: [any Service] { [letters, reservations] }

    public static func registerMigrations(in migrator: inout DatabaseMigrator) {
        RegistrationSchema.registerMigrations(in: &migrator)
    }

    /// Registration keeps its contracts, accounts, applications, recoveries, carrier IDs
    /// and staged imports in PostgreSQL with `--database postgres`.
    public static func registerPostgresMigrations(in migrator: inout PostgresMigrator) {
        RegistrationPostgresSchema.registerMigrations(in: &migrator)
    }

    public func registerMethods(in registry: inout MethodRegistry) {
        registry.registerImport(stores.contracts, operators: operators)
        registry.register(ContractShow.self) { [stores] params, context in
            guard let summary = try await stores.accounts.contractSummary(of: params.customerNumber.digits)
            else { throw RegistrationError.detailsMismatch }
            return summary
        }

        registry.register(SignUpVerifyIdentity.self) { [origins] params, context in
            try await signUps.verifyIdentity(params.relayed(by: context.peer, through: origins), peer: context.peer)
        }
        registry.register(SignUpCheckAccountID.self) { params, _ in try await signUps.checkAccountID(params.accountId) }
        registry.register(SignUpSubmit.self) { params, _ in try await signUps.submit(params) }
        registry.register(SignUpComplete.self) { [origins] params, context in
            let relayed = params.relayed(by: context.peer, through: origins)
            return try await signUps.complete(token: relayed.token, password: relayed.password, origin: relayed.origin)
        }
        registry.register(MyPageLogin.self) { [origins] params, context in
            try await signUps.login(params.relayed(by: context.peer, through: origins))
        }
        registry.register(MyPageProfile.self) { params, _ in try await signUps.profile(session: params.session) }

        registry.register(ApplicationSubmit.self) { params, context in try await applications.submit(params, peer: context.peer) }
        registry.register(ApplicationStatus.self) { params, _ in
            try await applications.view(try await applications.reception(ofSession: params.session))
        }
        registry.register(ApplicationUploadDocument.self) { params, _ in try await applications.uploadDocument(params) }
        registry.register(ApplicationActivate.self) { params, _ in try await applications.activate(session: params.session) }
        registry.register(ApplicationCancel.self) { params, _ in try await applications.cancel(session: params.session) }
        registry.register(ApplicationAdvance.self) { params, context in
            return try await applications.advance(params, peer: context.peer)
        }
        registry.register(ApplicationShow.self) { params, context in
            return try await applications.view(params.receptionNumber)
        }

        // Whether anyone matched must not show in the time either.
        registry.register(RecoveryRequest.self) { [evenAnswers] params, context in
            try await evenAnswers.answer { try await recoveries.request(params.relayed(by: context.peer, through: origins), peer: context.peer) }
        }
        registry.register(RecoveryOpen.self) { params, _ in try await recoveries.open(token: params.token) }
        registry.register(RecoverySetPassword.self) { params, _ in
            try await recoveries.setPassword(token: params.token, password: params.password)
        }

        registry.register(CarrierIDStart.self) { params, _ in try await carrierIDs.start(email: params.email) }
        registry.register(CarrierIDStatus.self) { params, _ in try await carrierIDs.status(params.journeyId) }
        registry.register(CarrierIDVerifyKey.self) { params, _ in try await carrierIDs.verifyKey(params.journeyId, code: params.code) }
        registry.register(CarrierIDChooseID.self) { params, _ in
            try await carrierIDs.chooseID(params.journeyId, carrierId: params.carrierId, useEmail: params.useEmail ?? false)
        }
        registry.register(CarrierIDDetails.self) { params, _ in try await carrierIDs.details(params) }
        registry.register(CarrierIDConfirm.self) { params, _ in try await carrierIDs.confirm(params.journeyId, acceptTerms: params.acceptTerms) }
        registry.register(CarrierIDConsent.self) { params, _ in
            try await carrierIDs.consent(params.journeyId, share: params.share, dontAskAgain: params.dontAskAgain ?? false)
        }
        registry.register(CarrierIDShow.self) { params, _ in try await carrierIDs.show(session: params.session) }
    }
}

extension RecoveryRequest.Params: CarriesOrigin {}
extension SignUpVerifyIdentity.Params: CarriesOrigin {}
extension MyPageLogin.Params: CarriesOrigin {}
extension SignUpComplete.Params: CarriesOrigin {}
