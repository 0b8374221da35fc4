import ArgumentParser

/// The command-line flags every Madoguchi service takes. Flags come first because
/// `systemd-socket-activate` passes a service almost no environment; the environment
/// variables systemd sets (`STATE_DIRECTORY`, `RUNTIME_DIRECTORY`, …) are fall-backs.
@DirectlyParsable
public struct ServiceOptions: ParsableArguments, Sendable {
    @Option(help: "Bind this Unix socket path when not socket-activated (default: <runtime-dir>/<service>.sock).")
    public var socket: String?

    @Option(help: "Folder for the service's database and key, which must exist (default: $STATE_DIRECTORY, else ./.madoguchi/<service>).")
    public var stateDir: String?

    @Option(help: "Folder holding every service's socket (default: $RUNTIME_DIRECTORY, else /run/madoguchi).")
    public var runtimeDir: String?

    @Option(help: "Spool folder the outbox delivers to (default: <state-dir>/spool).")
    public var spoolDir: String?

    @Option(help: "How e-mail leaves: spool (files in the spool folder) or sendmail.")
    public var mailTransport: MailTransportKind = .spool

    @Option(help: "The sendmail program for --mail-transport sendmail.")
    public var sendmailPath: String = "/usr/sbin/sendmail"

    @Option(help: "A file holding a server key (pepper); repeat it for each key version, read from the name's suffix: pepper is version 1, pepper.2 version 2; the highest makes everything new (default: pepper and pepper.N in $CREDENTIALS_DIRECTORY, else in <state-dir>, where pepper is created only on the database's first start).")
    public var secretFile: [String] = []

    @Option(help: "trace, debug, info, notice, warning, error or critical.")
    public var logLevel: String = "info"

    @Option(help: "Test clock: a file holding an ISO 8601 instant that is \"now\" for every time rule, re-read on each use.")
    public var clockFile: String?

    @Option(help: "Exit after this many seconds with no connection (socket activation starts it again).")
    public var idleExit: Double?

    @Option(help: "Close a connection that completes no message for this many seconds.")
    public var idleTimeout: Double = 300

    @Option(help: "Most open connections in all.")
    public var maxConnections: Int = 4096

    @Option(help: "Most open connections from one uid.")
    public var maxConnectionsPerUid: Int = 1024

    @Option(help: "Most connections to each service this one calls (default: twice the cores).")
    public var peerConnections: Int?

    @Option(help: "Close a connection to a service this one calls once it has carried no call for this many seconds.")
    public var peerIdleSeconds: Double = 30

    @Option(help: "Seconds a call to another Madoguchi service may take before this one answers `unavailable`.")
    public var peerTimeout: Double = 2

    @Option(help: "Members of this group (and root) may call operator methods.")
    public var operatorGroup: String = "madoguchi-operators"

    @Option(help: "Members of this group are Madoguchi services: they (and operators) may set credentials and send codes.")
    public var serviceGroup: String = "madoguchi-services"

    @Option(help: "Members of this group (and root) are front ends trusted to report their end users' origins.")
    public var frontEndGroup: String = "madoguchi-frontends"

    @Option(help: "Where the service keeps its state: sqlite (a file in the state folder, one host) or postgres (shared by every host running the service; see --database-url-file).")
    public var database: DatabaseEngine = .sqlite

    @Option(help: "File holding the PostgreSQL connection string for --database postgres (default: $CREDENTIALS_DIRECTORY/database-url, systemd LoadCredential=). Never put its password on a command line.")
    public var databaseUrlFile: String?

    @Option(help: "Connections this process keeps open to PostgreSQL (--database postgres): a pool of this fixed size.")
    public var databaseConnections: Int = 8

    @Option(help: "Milliseconds at least before an answer that must not tell whether an account, e-mail or ISP contract exists (above what a known one takes).")
    public var evenAnswerMs: Int = 400

    @Option(help: "Seconds in-flight calls get to finish after SIGTERM.")
    public var shutdownGrace: Double = 10

    @Option(help: "Seconds the integrity check at start (PRAGMA quick_check) may take before it stops, unfinished.")
    public var integrityCheckSeconds: Double = 1

    @Option(help: "Days audit rows are kept before they are removed (every service's audit trail).")
    public var auditRetentionDays: Int = 365

    @Option(help: "Delivery attempts an outbox message gets before it is set aside as dead (20: about 11 hours of back-off).")
    public var outboxMaxAttempts: Int = 20

    public init() {}

    public func validate() throws {
        guard ["trace", "debug", "info", "notice", "warning", "error", "critical"].contains(logLevel) else {
            throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical.")
        }
        if let idleExit, idleExit <= 0 { throw ValidationError("--idle-exit must be positive.") }
        guard (1...1000).contains(databaseConnections) else { throw ValidationError("--database-connections is 1 to 1000.") }
        guard idleTimeout > 0 else { throw ValidationError("--idle-timeout must be positive.") }
        guard maxConnections > 0, maxConnectionsPerUid > 0 else {
            throw ValidationError("Connection limits must be positive.")
        }
        if let peerConnections, peerConnections <= 0 { throw ValidationError("--peer-connections must be positive.") }
        guard peerTimeout > 0, peerTimeout <= 3600 else { throw ValidationError("--peer-timeout is more than 0 and at most 3600 seconds.") }
        guard peerIdleSeconds > 0 else { throw ValidationError("--peer-idle-seconds must be positive.") }
        guard evenAnswerMs >= 0 else { throw ValidationError("--even-answer-ms must not be negative.") }
        guard shutdownGrace >= 0 else { throw ValidationError("--shutdown-grace must not be negative.") }
        guard integrityCheckSeconds > 0 else { throw ValidationError("--integrity-check-seconds must be positive.") }
        guard (1...36500).contains(auditRetentionDays) else { throw ValidationError("--audit-retention-days is 1 to 36500.") }
        guard (1...1000).contains(outboxMaxAttempts) else { throw ValidationError("--outbox-max-attempts is 1 to 1000.") }
    }
}

/// How e-mail leaves the outbox.
/// Where a service keeps its state (`--database`).
public enum DatabaseEngine: String, ExpressibleByArgument, Sendable, CaseIterable {
    /// The service's SQLite file in its state folder.
    case sqlite
    /// PostgreSQL, in the service's own schema, shared by every host.
    case postgres
}

public enum MailTransportKind: String, ExpressibleByArgument, Sendable, CaseIterable {
    /// RFC 5322 files in the spool's Maildir.
    case spool
    /// A pipe to `sendmail -t -i`.
    case sendmail
}
