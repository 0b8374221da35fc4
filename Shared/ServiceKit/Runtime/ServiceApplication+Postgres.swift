import Foundation
import Logging
import PostgresNIO

extension ServiceApplication {
    /// How long the start may wait for PostgreSQL (connect, migrate, check the key) before
    /// the service refuses to start.
    static var postgresStartLimit: Duration { .seconds(15) }

    /// Every migration of the service's schema (named after the service), in order: the
    /// key's record, the tables every service keeps, then the service's own.
    static var postgresMigrator: PostgresMigrator {
        var migrator = PostgresMigrator(schema: Definition.name)
        PostgresSecretRecord.registerMigrations(in: &migrator)
        PostgresServiceTables.registerMigrations(in: &migrator)
        Definition.registerPostgresMigrations(in: &migrator)
        return migrator
    }

    /// The key and PostgreSQL for `--database postgres`, checked before the service
    /// serves: the service keeps its state there (`registerPostgresMigrations`), the key is named
    /// (every host must use the same one: none is ever created here), the connection
    /// string is readable, the schema is migrated (once, whichever host starts first) and
    /// sealed with this key. Throws `StartupRefusal` saying which. The returned task runs
    /// the client's connection pool until cancelled.
    func openPostgres() async throws -> (ServerKeys, ServiceStorage, Task<Void, Never>) {
        let keyFiles = try configuration.keyFiles.files()
        guard !keyFiles.isEmpty else {
            throw StartupRefusal(
                "with --database postgres every host must start with the same keys, so none is created: name them with "
                    + "--secret-file or systemd's LoadCredential=pepper:… (no key in \(configuration.keyFiles.describedForOperators))")
        }
        let held = try ServerKeyRule.load(keyFiles)
        let url: DatabaseURL
        do {
            url = try DatabaseURL.load(file: configuration.databaseURLFile, environment: ProcessInfo.processInfo.environment)
        } catch {
            throw StartupRefusal("\(error)")
        }
        let schema = Definition.name
        var clientConfiguration = url.clientConfiguration
        // A pool of a fixed size, opened at start and kept: postgres-nio arms an idle
        // timer (a task group of two tasks and a Dispatch timer) each time a connection
        // beyond the minimum goes idle — under load, after nearly every query — and
        // cancels it at the next lease; those timers were a quarter of auth's CPU per PIN
        // check (BENCHMARKS.md). The kept connections never idle out, so none has one.
        clientConfiguration.options.minimumConnections = configuration.databaseConnections
        clientConfiguration.options.maximumConnections = configuration.databaseConnections
        // Named prepared statements planned once, for any values: PostgreSQL otherwise
        // plans a statement again on each run for as long as a plan made for its values is
        // estimated cheaper than the generic one — always so for a batch of reads given as
        // arrays (`BatchedReads`: a generic plan assumes ten elements, a batch has fewer),
        // which then spent more on planning than on reading (BENCHMARKS.md). Every prepared
        // statement of the services reads or writes by a key, where the generic plan is the
        // plan. Statements sent unnamed are planned each time either way.
        clientConfiguration.options.additionalStartupParameters = [("plan_cache_mode", "force_generic_plan")]
        let client = PostgresClient(configuration: clientConfiguration, backgroundLogger: logger)
        let run = Task { await client.run() }
        let keys: ServerKeys
        do {
            keys = try await classifyingFaults(within: Self.postgresStartLimit) { [logger] in
                let applied = try await Self.postgresMigrator.migrate(client, logger: logger)
                if !applied.isEmpty { logger.notice("PostgreSQL schema migrated", metadata: ["schema": "\(schema)", "applied": "\(applied)"]) }
                return try await PostgresSecretRecord.keys(held, files: keyFiles, client: client, schema: schema, logger: logger)
            }
        } catch let refusal as StartupRefusal {
            run.cancel()
            throw refusal
        } catch let refusal as PostgresMigrator.Refusal {
            // The schema answered, and is a newer build's: no time limit was involved.
            run.cancel()
            throw StartupRefusal("PostgreSQL at \(url): \(refusal)")
        } catch {
            run.cancel()
            throw StartupRefusal("PostgreSQL at \(url) could not be prepared within \(Self.postgresStartLimit): \(error)")
        }
        logger.info("keeping state in PostgreSQL", metadata: ["database": "\(url)", "schema": "\(schema)"])
        return (keys, .postgres(client, schema: schema), run)
    }

    /// The claim on the key version everything new is made with (`ServerKeyLease`), taken
    /// before the service serves; nil on SQLite, where no other process makes records.
    func claimKey(_ keys: ServerKeys, storage: ServiceStorage, clock: any ServiceClock) async throws -> ServerKeyLease? {
        guard case .postgres(let client, let schema) = storage else { return nil }
        let lease = ServerKeyLease(client: client, schema: schema, version: keys.currentVersion, clock: clock, logger: logger)
        do {
            try await lease.renew()
        } catch {
            throw StartupRefusal("the claim on server key version \(keys.currentVersion) could not be taken: \(error)")
        }
        return lease
    }
}
