import Foundation
import ServiceKit

/// Every store of the auth service, on the engine its resources name: the SQLite file, or
/// PostgreSQL shared by every host (where the callers' failure counts are shared too).
struct AuthStores: Sendable {
    var pins: any PINStore
    var codes: any CodeStore
    var sessions: any SessionStore
    var passwords: any PasswordStore
    var audit: any AuditTrail
    /// The callers' failures counted for the whole fleet; nil on one host.
    var sharedCallerFailures: (any AttemptStore)?
    /// Counts kept in the service's own storage (codes sent per destination).
    var attempts: any AttemptStore

    init(_ resources: ServiceResources) {
        switch resources.storage {
        case .sqlite(let database):
            pins = SQLitePINStore(
                database: database, outbox: resources.outbox, idempotentCalls: resources.idempotentCalls,
                inlineReaders: InlineReaders(path: database.path))
            codes = SQLiteCodeStore(database: database, outbox: resources.outbox, idempotentCalls: resources.idempotentCalls)
            sessions = SQLiteSessionStore(database: database)
            passwords = SQLitePasswordStore(database: database)
            audit = SQLiteAuditTrail(database: database)
            sharedCallerFailures = nil
            attempts = SQLiteAttemptStore(database: database)
        case .postgres(let client, let schema):
            let (outbox, clock, logger) = (resources.outbox, resources.clock, resources.logger)
            pins = PostgresPINStore(client: client, schema: schema, outbox: outbox, clock: clock, logger: logger)
            codes = PostgresCodeStore(client: client, schema: schema, outbox: outbox, clock: clock, logger: logger)
            sessions = PostgresSessionStore(client: client, schema: schema, logger: logger)
            passwords = PostgresPasswordStore(client: client, schema: schema, logger: logger)
            audit = PostgresAuditTrail(client: client, schema: schema, logger: logger)
            sharedCallerFailures = PostgresAttemptStore(client: client, schema: schema, logger: logger)
            attempts = PostgresAttemptStore(client: client, schema: schema, logger: logger)
        }
    }
}
