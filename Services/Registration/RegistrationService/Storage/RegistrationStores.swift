import Foundation
import ServiceKit

/// Every store of the registration service, on the engine its resources name, with the
/// contracts' import and the throttle of identity checks and recoveries.
struct RegistrationStores: Sendable {
    var accounts: any AccountStore
    var applications: any ApplicationStore
    var carrierIDs: any CarrierIDStore
    var recoveries: any RecoveryStore
    var contracts: StagedImports<ContractDataset>
    var attempts: any AttemptStore

    init(_ resources: ServiceResources) throws {
        let outbox = resources.outbox
        switch resources.storage {
        case .sqlite(let database):
            let accountStore = SQLiteAccountStore(database: database, outbox: outbox)
            try accountStore.removeEveryReservation()
            accounts = accountStore
            applications = SQLiteApplicationStore(database: database, outbox: outbox, idempotentCalls: resources.idempotentCalls)
            carrierIDs = SQLiteCarrierIDStore(database: database, outbox: outbox)
            recoveries = SQLiteRecoveryStore(database: database, outbox: outbox)
            attempts = SQLiteAttemptStore(database: database)
        case .postgres(let client, let schema):
            let logger = resources.logger
            accounts = PostgresAccountStore(client: client, schema: schema, outbox: outbox, logger: logger)
            applications = PostgresApplicationStore(client: client, schema: schema, outbox: outbox, logger: logger)
            carrierIDs = PostgresCarrierIDStore(client: client, schema: schema, outbox: outbox, logger: logger)
            recoveries = PostgresRecoveryStore(client: client, schema: schema, outbox: outbox, logger: logger)
            attempts = PostgresAttemptStore(client: client, schema: schema, logger: logger)
        }
        contracts = StagedImports(dataset: ContractDataset(), storage: resources.storage, clock: resources.clock, logger: resources.logger)
    }
}
