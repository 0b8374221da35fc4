import BillingAPI
import Foundation
import MadoguchiModels
import ServiceKit

/// Where billing reads the statements its imports stored: what the list and the detail
/// view need, in the service's words.
protocol StatementStore: Sendable {
    /// The customer's statements within `window`, newest first; for a customer, only
    /// those already issued by `today`.
    func list(customer: String, window: StatementWindow, issuedBy today: CivilDate?) async throws -> [StatementSummary]
    /// One statement in full, if there is one (and, for a customer, it is issued).
    func statement(customer: String, month: BillingMonth, issuedBy today: CivilDate?) async throws -> MonthlyStatement?
}

/// The last issue date a read shows, as both engines compare it: `today` for a
/// customer (a statement not yet issued stays hidden), no limit for an operator.
func lastIssueShown(by today: CivilDate?) -> String {
    today?.description ?? "9999-12-31"
}

/// The statements' store and import on the service's engine.
struct BillingStores: Sendable {
    var statements: any StatementStore
    var imports: StagedImports<StatementDataset>

    init(_ resources: ServiceResources, dataset: StatementDataset) {
        switch resources.storage {
        case .sqlite(let database):
            statements = SQLiteStatementStore(database: database)
        case .postgres(let client, _):
            // Its prepared reads name the schema billing always has (`billing`).
            statements = PostgresStatementStore(client: client, logger: resources.logger)
        }
        imports = StagedImports(dataset: dataset, storage: resources.storage, clock: resources.clock, logger: resources.logger)
    }
}

