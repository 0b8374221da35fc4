import CoreMetrics
import Foundation
import GRDB
import JSONRPC
import JSONRPCTransport
import Logging
import ServiceClient
import ServiceContract
import ServiceLifecycle
import Systemd

/// Builds and runs one service process: resolves its socket (inherited from systemd or
/// bound here), opens its database, and runs the RPC server, the outbox deliverer and the
/// watchdog in one `ServiceGroup` that shuts down gracefully on SIGTERM or SIGINT: the
/// server first, so that the deliverer's last pass sends what the last calls wrote.
public struct ServiceApplication<Definition: ServiceDefinition>: Sendable {
    public let configuration: ServiceConfiguration
    private let options: Definition.Options
    let logger: Logger

    public init(configuration: ServiceConfiguration, options: Definition.Options, logger: Logger) {
        self.configuration = configuration
        self.options = options
        self.logger = logger
    }

    /// The service opened (folders, secret, database, migrations) with the method table it
    /// answers, before anything listens: what `run` serves, and what in-process tools such
    /// as the fuzzer dispatch to.
    public struct Prepared: Sendable {
        public let service: Definition
        public let resources: ServiceResources
        /// The common methods (`service.*`, `rpc.discover`) and the service's own.
        public let registry: MethodRegistry
        let address: ListenAddress
        let openFileLimit: UInt64
        /// `--max-connections`, or fewer when the open-file limit has no room for it.
        let maximumConnections: Int
        /// Calls being answered, as `service.info` reports them.
        let calls: CallGauge
        /// The outbox's queue in the service's storage: what the deliverer sends from and
        /// the `outbox.*` methods show and steer.
        let outboxQueue: any OutboxQueue
        /// The PostgreSQL client's connection pool at work (`--database postgres`): ended
        /// once the service has stopped.
        let postgresRun: Task<Void, Never>?
        /// On PostgreSQL, the claim on the key version this process makes records with:
        /// renewed while it serves, ended at a clean stop.
        let keyLease: ServerKeyLease?

        /// Ends what `prepare` opened that outlives it (the PostgreSQL client's run; a
        /// SQLite pool closes when released): for in-process tools, not `run`.
        public func close() { postgresRun?.cancel() }

        /// The dispatcher that serves `registry`: a storage fault a handler throws is
        /// answered `storage_unavailable` and logged once per incident, not `internal`.
        public func dispatcher(logger: Logger) -> Dispatcher {
            let faults = resources.storageFaults
            return Dispatcher(registry: registry, logger: logger, observeCalls: ProcessMetrics.observeCalls) { error, _ in
                faults.record(error)
            }
        }
    }

    /// Opens the service's state (`--database`) and builds its method table without
    /// serving.
    public func prepare() async throws -> Prepared {
        guard configuration.databaseEngine == .postgres else { return try prepareOnSQLite() }
        let (storageFaults, openFiles, clock) = try startingUp()
        let (keys, storage, postgresRun) = try await openPostgres()
        do {
            let keyLease = try await claimKey(keys, storage: storage, clock: clock)
            return try prepare(
                keys: keys, storage: storage, postgresRun: postgresRun, keyLease: keyLease, clock: clock, openFiles: openFiles,
                storageFaults: storageFaults)
        } catch {
            postgresRun.cancel()
            throw error
        }
    }

    /// `prepare()` for a service on its SQLite file, synchronously: what in-process tools
    /// such as the fuzzer use.
    public func prepareOnSQLite() throws -> Prepared {
        let (storageFaults, openFiles, clock) = try startingUp()
        let (keys, database) = try openState()
        return try prepare(
            keys: keys, storage: .sqlite(database), postgresRun: nil, keyLease: nil, clock: clock, openFiles: openFiles,
            storageFaults: storageFaults)
    }

    /// What every start sets up first: where storage faults are told, the open-file limit,
    /// the clock.
    /// The open-file limit is checked here, before any state is opened: a limit with room
    /// for no connection refuses the start with nothing written.
    private func startingUp() throws -> (StorageFaults, OpenFileBudget, any ServiceClock) {
        let storageFaults = StorageFaults(logger: logger)
        ServiceDatabase.reportStorageFaults(to: storageFaults)
        let limit = ProcessLimits.raiseOpenFileLimit()
        let budget = OpenFileBudget(limit: limit, maximumConnections: try connectionsWithinOpenFileLimit(limit))
        return (storageFaults, budget, try makeClock())
    }

    /// The open-file limit, and the connections the service serves within it.
    struct OpenFileBudget {
        var limit: UInt64
        var maximumConnections: Int
    }

    private func prepare(
        keys: ServerKeys, storage: ServiceStorage, postgresRun: Task<Void, Never>?, keyLease: ServerKeyLease?,
        clock: any ServiceClock, openFiles: OpenFileBudget, storageFaults: StorageFaults
    ) throws -> Prepared {
        let outbox = Outbox(keys: keys, clock: clock, keyLease: keyLease)
        let resources = ServiceResources(
            configuration: configuration, storage: storage, clock: clock, keys: keys,
            unheldKeys: UnheldKeys(storage: storage, keys: keys, logger: logger), outbox: outbox,
            idempotentCalls: IdempotentCalls(keys: keys, clock: clock),
            evenAnswers: EvenAnswers(floor: configuration.evenAnswerFloor),
            peers: ServiceDirectory(
                runtimeDirectory: configuration.runtimeDirectory, pool: configuration.peerPool, timeout: configuration.peerTimeout),
            storageFaults: storageFaults, logger: logger)
        let service = try Definition(resources: resources, options: options)

        let address = listenAddress()
        let calls = CallGauge()
        let started = ServiceInfo.Started(
            name: Definition.name, socketActivated: address.isInherited, clock: clock,
            clockKind: configuration.clockFile == nil ? "system" : "file", openFileLimit: openFiles.limit, calls: calls)
        var registry = MethodRegistry(access: CallerAccess(callers: configuration.serviceCallers))
        registry.registerConstant(ServicePing.self, result: ServicePing.Result(service: Definition.name))
        registry.registerImmediate(ServiceInfo.self) { _, _ in started.info() }
        let dependencies = Definition.dependencies.map { resources.peers.peer($0) }
        registry.register(ServiceHealth.self) { _, _ in
            await ServiceHealth.check(service: Definition.name, peers: dependencies)
        }
        registry.register(ServiceMetrics.self) { _, _ in ServiceMetrics.Result(text: await ProcessMetrics.exposition()) }
        let outboxQueue: any OutboxQueue =
            switch storage {
            case .sqlite(let database): SQLiteOutboxQueue(database: database)
            case .postgres(let client, let schema): PostgresOutboxQueue(client: client, schema: schema, logger: logger)
            }
        registry.registerOutboxMethods(queue: outboxQueue, outbox: outbox, clock: clock)
        registry.registerBackupMethods(
            storage: storage, migrations: Self.postgresMigrator, configuration: configuration, clock: clock)
        registry.registerKeyMethods(
            store: ServerKeyStore(storage: storage, columns: KeyedColumn.shared + Definition.keyedColumns, logger: logger),
            keys: keys, clock: clock)
        registry.registerErasure(service, storage: storage, clock: clock, logger: logger)
        service.registerMethods(in: &registry)
        registry.registerDiscovery(title: "madoguchi-\(Definition.name)", version: MadoguchiVersion.current)
        if let keyLease {
            // Every call that may make a record waits for the claim on the key; the
            // `service.*` methods (ping, health, keys, backups) make none.
            registry = registry.gating({ !$0.hasPrefix("service.") }, with: keyLease.ensureHeld)
        }
        return Prepared(
            service: service, resources: resources, registry: registry, address: address, openFileLimit: openFiles.limit,
            maximumConnections: openFiles.maximumConnections,
            calls: calls, outboxQueue: outboxQueue, postgresRun: postgresRun, keyLease: keyLease)
    }

    /// Every row the service keeps only for so long: the outbox's and the audits every
    /// service has, then its own (`ServiceDefinition.retentionRules`).
    public static func retentionRules(auditRetention: TimeInterval) -> [RetentionRule] {
        [RetentionRule.deliveredOutbox, .outboxAudit(keep: auditRetention), CustomerErasure.retention(keep: auditRetention)]
            + Definition.retentionRules(auditRetention: auditRetention)
    }

    /// Runs until shut down. Returns normally after a graceful shutdown.
    public func run() async throws {
        // A peer that goes away mid-write (sendmail, a client) is an error to handle, not
        // a reason for the process to die.
        signal(SIGPIPE, SIG_IGN)
        ProcessMetrics.bootstrap(service: Definition.name)
        let notifier = ServiceNotifier()
        let prepared = try await prepare()
        let purged: Int
        switch prepared.resources.storage {
        case .sqlite(let database):
            purged = try ImportStore.purgeAll(in: database)
        case .postgres(let client, let schema):
            do {
                purged = try await PostgresImportPurge.abandoned(
                    client: client, schema: schema, at: prepared.resources.clock.now(), logger: logger)
            } catch {
                // A clean-up, not a condition of serving: the next start (or the day-old purge) tries again.
                logger.warning("abandoned imports could not be removed at start", metadata: ["error": "\(error)"])
                purged = 0
            }
        }
        if purged > 0 { logger.notice("staged imports left by a crash removed with their rows", metadata: ["imports": "\(purged)"]) }
        if let missing = RunningMarker.hold(runtimeDirectory: configuration.runtimeDirectory, service: Definition.name) {
            logger.warning("running marker not held; the exporter will report this service down", metadata: ["why": "\(missing)"])
        }
        defer { prepared.postgresRun?.cancel() }
        let (service, address) = (prepared.service, prepared.address)
        let (storage, outbox, clock) = (prepared.resources.storage, prepared.resources.outbox, prepared.resources.clock)

        logger.info(
            "starting",
            metadata: [
                "socket": "\(address)", "state-dir": "\(configuration.stateDirectory)",
                "open-file-limit": "\(prepared.openFileLimit)",
            ])
        var serverConfiguration = RPCServer.Configuration(address: address)
        serverConfiguration.maximumConnections = prepared.maximumConnections
        serverConfiguration.maximumConnectionsPerUID = configuration.maximumConnectionsPerUID
        serverConfiguration.idleTimeout = configuration.idleTimeout
        serverConfiguration.idleExit = configuration.idleExit
        serverConfiguration.maximumMessageBytes = Definition.maximumMessageBytes
        let server = RPCServer(
            configuration: serverConfiguration, dispatcher: prepared.dispatcher(logger: logger),
            logger: logger, gauge: prepared.calls,
            onReady: { notifier.ready(status: "Serving on \(address)") },
            onStopping: { notifier.stopping() })
        let queue = prepared.outboxQueue
        let deliverer = OutboxDeliverer(
            queue: queue, outbox: outbox, clock: clock, transport: ConfiguredTransport(configuration: configuration),
            logger: logger, maximumAttempts: configuration.outboxMaximumAttempts, faults: prepared.resources.storageFaults)
        Self.measureAtScrape(server: server, queue: queue, clock: clock, faults: prepared.resources.storageFaults)
        let attempts: any AttemptStore =
            switch storage {
            case .sqlite(let database): SQLiteAttemptStore(database: database)
            case .postgres(let client, let schema): PostgresAttemptStore(client: client, schema: schema, logger: logger)
            }

        // A ServiceGroup stops its services in reverse order, each once the one after it
        // has returned. So the server, last here, stops first: it stops accepting and
        // answers what its connections have sent. Then the background jobs, which may
        // still queue mail; then the outbox deliverer, whose last pass sends what the
        // last calls and jobs wrote; the watchdog, first, keeps systemd told meanwhile.
        //
        // Each is named here: left unnamed, ServiceLifecycle names a service by printing
        // it, which walks every stored property by reflection (milliseconds of a cold
        // start) and would put whatever a service holds into the debug log.
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
        if let interval = notifier.watchdogInterval {
            services.append(.init(service: WatchdogService(notifier: notifier, interval: interval), serviceName: "watchdog"))
        }
        services.append(.init(service: deliverer, serviceName: "outbox-deliverer"))
        services.append(.init(service: AttemptPurge(store: attempts, clock: clock, logger: logger), serviceName: "attempt-purge"))
        let retention = Self.retentionRules(auditRetention: configuration.auditRetention)
        services.append(
            .init(service: RetentionPurge(rules: retention, storage: storage, clock: clock, logger: logger), serviceName: "retention"))
        if let keyLease = prepared.keyLease {
            services.append(.init(service: ServerKeyLeaseRenewal(lease: keyLease, logger: logger), serviceName: "key-lease"))
        }
        services += service.backgroundServices.map { .init(service: $0, serviceName: _typeName(type(of: $0), qualified: false)) }
        // The server returning (idle exit) ends the whole process, in the same order.
        services.append(
            .init(service: server, successTerminationBehavior: .gracefullyShutdownGroup, serviceName: "rpc-server"))
        var groupConfiguration = ServiceGroupConfiguration(services: services, logger: logger)
        groupConfiguration.gracefulShutdownSignals = [.sigterm, .sigint]
        groupConfiguration.maximumGracefulShutdownDuration = configuration.shutdownGrace
        try await ServiceGroup(configuration: groupConfiguration).run()
        if case .sqlite(let database) = storage { noteCleanStop(of: database, faults: prepared.resources.storageFaults) }
        await prepared.keyLease?.release()
        logger.info("stopped")
    }

    /// `--max-connections`, or fewer when the open-file limit has no room for that many
    /// besides the peer pools, the PostgreSQL connections and the service's own files
    /// (`ProcessLimits.connectionsAffordable`): said in the log at start. Refuses to start
    /// when the limit leaves room for no connection at all.
    private func connectionsWithinOpenFileLimit(_ openFileLimit: UInt64) throws -> Int {
        guard openFileLimit > 0 else { return configuration.maximumConnections }
        let peerConnections = Definition.dependencies.count * configuration.peerPool.maximumConnections
        let databaseConnections = configuration.databaseEngine == .postgres ? configuration.databaseConnections : 0
        let affordable = ProcessLimits.connectionsAffordable(
            openFileLimit: openFileLimit, peerConnections: peerConnections, databaseConnections: databaseConnections)
        guard affordable < configuration.maximumConnections else { return configuration.maximumConnections }
        let needed = ProcessLimits.openFilesNeeded(
            maximumConnections: configuration.maximumConnections, peerConnections: peerConnections,
            databaseConnections: databaseConnections)
        guard affordable > 0 else {
            throw StartupRefusal(
                "the open-file limit (\(openFileLimit)) leaves no room for a connection beside the service's own "
                    + "\(needed - UInt64(configuration.maximumConnections)) descriptors: raise LimitNOFILE= "
                    + "(--max-connections \(configuration.maximumConnections) needs \(needed))")
        }
        logger.warning(
            "the open-file limit leaves room for fewer connections than --max-connections: serving at most that many; raise LimitNOFILE= or lower --max-connections",
            metadata: [
                "open-file-limit": "\(openFileLimit)", "needed": "\(needed)",
                "max-connections": "\(configuration.maximumConnections)", "serving-at-most": "\(affordable)",
            ])
        return affordable
    }

    /// After a graceful stop, empties the database's write-ahead log into the file, closes
    /// it and notes the file as it is left, so that the next start may skip its integrity
    /// check (`CleanStopRecord`). Not after a storage fault met while running: then the
    /// next start checks the whole file.
    private func noteCleanStop(of database: DatabasePool, faults: StorageFaults) {
        guard !faults.anyRecorded else {
            logger.notice("a storage fault was met while running: the next start checks the whole database")
            return
        }
        do {
            // Readers close read-only and cannot checkpoint: the log is emptied here, while
            // nothing reads, so the file noted holds every commit.
            _ = try database.writeWithoutTransaction { try $0.checkpoint(.truncate) }
            try database.close()
            try CleanStopRecord.write(databasePath: configuration.databasePath)
        } catch {
            logger.notice(
                "the database could not be noted as cleanly stopped: the next start checks the whole of it",
                metadata: ["error": "\(error)"])
        }
    }

    /// The state folder's key and database, checked before anything is written: the folder
    /// exists (never created here), the database is sound (`DatabaseInspection`), and the key
    /// is the one it was sealed with (`ServerSecretRecord`). Throws `StartupRefusal`.
    private func openState() throws -> (ServerKeys, DatabasePool) {
        let folder = configuration.stateDirectory
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw StartupRefusal(
                "the state folder \(folder) does not exist. The service never creates it, so a lost folder is not "
                    + "replaced by an empty one: create it (mode 0700, owned by the service's user; systemd's "
                    + "StateDirectory= does) or, if it was lost, restore it from a backup")
        }
        let path = configuration.databasePath
        let inspection = try DatabaseInspection.inspect(path: path, integrityCheckLimit: configuration.integrityCheckLimit)
        if inspection.unchangedSinceCleanStop {
            logger.info(
                "the database is as its last clean stop left it: the integrity check at start is not needed",
                metadata: ["database": "\(path)"])
        } else if !inspection.checkedCompletely {
            logger.notice(
                "the integrity check at start stopped unfinished after its time limit; damage in the rest is reported when read",
                metadata: ["database": "\(path)", "limit": "\(configuration.integrityCheckLimit)"])
        }
        let (keys, toRecord) = try ServerSecretRecord.loadKeys(
            for: inspection, files: configuration.keyFiles, databasePath: path)
        if inspection.recordedKeys.isEmpty, inspection.holdsRows {
            logger.notice(
                "recording the fingerprint of the server secret in a database that predates it; from now on it starts only with this key",
                metadata: ["database": "\(path)"])
        } else if !inspection.recordedKeys.isEmpty, !toRecord.isEmpty {
            logger.notice(
                "new server key recorded: everything new is made with it; older keys still check what they made",
                metadata: ["versions": "\(toRecord)", "current": "\(keys.currentVersion)"])
        }
        CleanStopRecord.discard(databasePath: path)
        let database = try ServiceDatabase.open(path: path, keys: keys, recording: toRecord) {
            Definition.registerMigrations(in: &$0)
        }
        return (keys, database)
    }

    private func makeClock() throws -> any ServiceClock {
        guard let path = configuration.clockFile else { return SystemClock() }
        let clock = try FileClock(path: path)
        logger.warning("using the TEST clock: \"now\" is read from a file", metadata: ["clock-file": "\(path)"])
        return clock
    }

    /// The inherited socket when socket-activated (the one named after the service if
    /// several came), otherwise the configured path.
    private func listenAddress() -> ListenAddress {
        let inherited = SocketActivation.inheritedSockets()
        if let socket = inherited.first(where: { $0.name == Definition.name }) ?? inherited.first {
            return .inherited(fileDescriptor: socket.fileDescriptor, name: socket.name)
        }
        return .path(configuration.socketPath)
    }
}

extension ServiceApplication {
    /// The gauges read when scraped: open connections, and the outbox's backlog per
    /// channel (messages waiting, age of the oldest). A channel with nothing waiting reads
    /// 0, not its last value; a backlog the database cannot give is a storage fault,
    /// counted, and leaves the gauges as they were.
    static func measureAtScrape(server: RPCServer, queue: any OutboxQueue, clock: any ServiceClock, faults: StorageFaults) {
        ProcessMetrics.beforeEachScrape {
            Gauge(label: "madoguchi_connections_open").record(server.openConnections)
            let backlog: [OutboxBacklog]
            do {
                backlog = try await queue.backlog()
            } catch {
                faults.record(error)
                return
            }
            let now = clock.now()
            for channel in OutboxMessage.Channel.allCases.map(\.rawValue) {
                let waiting = backlog.first { $0.channel == channel }
                Gauge(label: "madoguchi_outbox_pending", dimensions: [("channel", channel)]).record(waiting?.pending ?? 0)
                Gauge(label: "madoguchi_outbox_oldest_pending_age_seconds", dimensions: [("channel", channel)])
                    .record(max(0, waiting.map { now.timeIntervalSince($0.oldestCreatedAt) } ?? 0))
            }
        }
    }
}
