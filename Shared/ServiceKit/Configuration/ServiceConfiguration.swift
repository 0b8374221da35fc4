import Foundation
import Logging
import ServiceClient
import ServiceContract

/// Everything a service needs to start, resolved once from flags and environment.
public struct ServiceConfiguration: Sendable {
    /// Which service, whose name (`auth`) names its socket and folders.
    public var service: ServiceName
    /// The service's short name, `auth`.
    public var serviceName: String { service.rawValue }
    /// Where the service's database and secret live.
    public var stateDirectory: String
    /// Where every service's socket lives.
    public var runtimeDirectory: String
    /// This service's own socket path when it binds itself.
    public var socketPath: String
    public var spoolDirectory: String
    public var mailTransport: MailTransportKind
    public var sendmailPath: String
    /// Where the server keys are: named files, systemd's credentials, or the state folder.
    public var keyFiles: ServerKeyFiles
    /// `--database`: SQLite in the state folder, or PostgreSQL.
    public var databaseEngine: DatabaseEngine
    /// The file holding the PostgreSQL connection string (`--database-url-file`, else the
    /// credential `database-url`), when there is one.
    public var databaseURLFile: String?
    /// The most connections the process keeps to PostgreSQL.
    public var databaseConnections: Int
    public var logLevel: Logger.Level
    public var clockFile: String?
    public var idleExit: Duration?
    public var idleTimeout: Duration
    public var maximumConnections: Int
    public var maximumConnectionsPerUID: Int
    public var shutdownGrace: Duration
    /// The pool of connections to each service this one calls.
    public var peerPool: PeerService.Pool
    /// How long a call to a peer may take (`--peer-timeout`).
    public var peerTimeout: Duration
    /// Delivery attempts before an outbox message is set aside as dead.
    public var outboxMaximumAttempts: Int
    /// How long audit rows are kept (`--audit-retention-days`).
    public var auditRetention: TimeInterval
    /// How long the integrity check at start may take before it stops, unfinished.
    public var integrityCheckLimit: Duration
    /// How long at least an answer takes that must not tell whether something exists.
    public var evenAnswerFloor: Duration
    /// Who may call operator methods.
    public var operators: OperatorPolicy
    /// Who may call the methods kept for services and operators.
    public var serviceCallers: ServiceCallerPolicy
    /// Which callers' reported end-user origins are passed on to auth as they are.
    public var origins: OriginRelay

    /// Resolves `options` against `environment` for `service`.
    public init(service: ServiceName, options: ServiceOptions, environment: [String: String]) {
        self.service = service
        let serviceName = service.rawValue
        let stateDirectory =
            options.stateDir ?? environment["STATE_DIRECTORY"]?.firstPathInList
            ?? FileManager.default.currentDirectoryPath + "/.madoguchi/" + serviceName
        self.stateDirectory = stateDirectory
        let runtimeDirectory = options.runtimeDir ?? environment["RUNTIME_DIRECTORY"]?.firstPathInList ?? "/run/madoguchi"
        self.runtimeDirectory = runtimeDirectory
        socketPath = options.socket ?? ServiceDirectory(runtimeDirectory: runtimeDirectory).socketPath(of: service)
        spoolDirectory = options.spoolDir ?? stateDirectory + "/spool"
        mailTransport = options.mailTransport
        sendmailPath = options.sendmailPath
        if !options.secretFile.isEmpty {
            keyFiles = .named(options.secretFile)
        } else if let credentials = environment["CREDENTIALS_DIRECTORY"] {
            keyFiles = .credentials(credentials)
        } else {
            keyFiles = .stateFolder(stateDirectory)
        }
        databaseEngine = options.database
        databaseURLFile = options.databaseUrlFile ?? environment["CREDENTIALS_DIRECTORY"].map { $0 + "/database-url" }
        databaseConnections = options.databaseConnections
        logLevel = Logger.Level(rawValue: options.logLevel) ?? .info
        clockFile = options.clockFile
        idleExit = options.idleExit.map { .milliseconds(Int64($0 * 1000)) }
        idleTimeout = .milliseconds(Int64(options.idleTimeout * 1000))
        maximumConnections = options.maxConnections
        maximumConnectionsPerUID = options.maxConnectionsPerUid
        shutdownGrace = .milliseconds(Int64(options.shutdownGrace * 1000))
        var peerPool = PeerService.Pool(idleTimeout: .milliseconds(Int64(options.peerIdleSeconds * 1000)))
        if let peerConnections = options.peerConnections { peerPool.maximumConnections = peerConnections }
        self.peerPool = peerPool
        peerTimeout = .milliseconds(Int64(options.peerTimeout * 1000))
        outboxMaximumAttempts = options.outboxMaxAttempts
        auditRetention = TimeInterval(options.auditRetentionDays) * 86400
        integrityCheckLimit = .milliseconds(Int64(options.integrityCheckSeconds * 1000))
        evenAnswerFloor = .milliseconds(options.evenAnswerMs)
        operators = OperatorPolicy(groupName: options.operatorGroup)
        serviceCallers = ServiceCallerPolicy(operators: operators, services: OperatorPolicy(groupName: options.serviceGroup))
        origins = OriginRelay(frontEnds: OperatorPolicy(groupName: options.frontEndGroup))
    }

    /// The service's SQLite database file.
    public var databasePath: String { stateDirectory + "/" + serviceName + ".sqlite" }
}

extension String {
    /// systemd passes several directories separated by `:`; a service uses the first.
    fileprivate var firstPathInList: String? {
        split(separator: ":").first.map(String.init)
    }
}
