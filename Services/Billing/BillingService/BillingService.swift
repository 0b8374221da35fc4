import BillingAPI
import GRDB
import JSONRPC
import MadoguchiModels
import ServiceContract
import ServiceKit

/// Madoguchi billing service: each customer's monthly statements for the last 15 months,
/// newest first, with their line items and the consumption tax per rate, imported by
/// operators from the rating system.
public struct BillingService: ServiceDefinition {
    public static let service = ServiceName.billing
    public typealias Reason = BillingError.Reason
    public static let dependencies: [ServiceName] = [.auth]
    public static let title = "Madoguchi billing service: monthly statements for the last 15 months."

    private let stores: BillingStores
    private let access: StatementAccess
    private let clock: any ServiceClock
    private let operators: OperatorPolicy
    /// How long a statement outlives its customer's erasure (`--statement-retention-years`).
    let statementRetentionYears: Int

    public init(resources: ServiceResources, options: BillingOptions) throws {
        stores = BillingStores(
            resources,
            dataset: StatementDataset(
                clock: resources.clock, rounding: options.taxRounding, issuer: options.issuerRegistrationNumber))
        operators = resources.configuration.operators
        access = StatementAccess(auth: resources.peers.peer(.auth), operators: operators)
        clock = resources.clock
        statementRetentionYears = options.statementRetentionYears
    }

    public static func registerMigrations(in migrator: inout DatabaseMigrator) {
        BillingSchema.registerMigrations(in: &migrator)
    }

    /// Billing keeps its statements and staged imports in PostgreSQL with `--database postgres`.
    public static func registerPostgresMigrations(in migrator: inout PostgresMigrator) {
        BillingPostgresSchema.registerMigrations(in: &migrator)
    }

    public func registerMethods(in registry: inout MethodRegistry) {
        registry.registerImport(stores.imports, operators: operators)
        registry.register(StatementsList.self) { params, context in try await list(params, peer: context.peer) }
        registry.register(StatementsShow.self) { params, context in try await statement(params, peer: context.peer) }
        registry.register(StatementsExport.self) { params, context in
            try StatementCSVFile.make(try await statement(params, peer: context.peer))
        }
    }

    private func list(_ owner: StatementOwner, peer: PeerCredentials) async throws -> StatementList {
        let grant = try await access.grant(owner, peer: peer)
        let now = clock.now()
        let window = StatementWindow(now: now)
        let today = grant.isCustomer ? CivilDate(containing: now) : nil
        let statements = try await stores.statements.list(customer: grant.customer, window: window, issuedBy: today)
        return StatementList(customerNumber: grant.customer, from: window.from, to: window.to, statements: statements)
    }

    private func statement(_ params: StatementMonthParams, peer: PeerCredentials) async throws -> MonthlyStatement {
        let grant = try await access.grant(params.owner, peer: peer)
        let now = clock.now()
        try StatementWindow(now: now).check(params.month)
        let today = grant.isCustomer ? CivilDate(containing: now) : nil
        guard
            let statement = try await stores.statements.statement(customer: grant.customer, month: params.month, issuedBy: today)
        else { throw BillingError.statementNotFound(month: params.month) }
        return statement
    }
}
