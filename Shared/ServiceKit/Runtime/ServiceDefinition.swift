import ArgumentParser
import Foundation
import GRDB
import JSONRPC
import Logging
import PostgresNIO
import ServiceClient
import ServiceContract
import ServiceLifecycle

/// What makes one Madoguchi service: its name, its database migrations and its methods.
/// Everything else (sockets, activation, limits, outbox, shutdown) is the same for all of
/// them and lives in `ServiceApplication`.
public protocol ServiceDefinition: Sendable {
    /// Which service it is: names the socket (`auth.sock`), the state folder, the
    /// PostgreSQL schema and the executable (`madoguchi-auth`).
    static var service: ServiceName { get }
    /// One line for `--help` and discovery.
    static var title: String { get }
    /// The services this one calls (for `service.health`).
    static var dependencies: [ServiceName] { get }
    /// The longest message the service reads (1 MiB unless it takes uploads).
    static var maximumMessageBytes: Int { get }
    /// Registers the service's own migrations (the outbox's are added for it).
    static func registerMigrations(in migrator: inout DatabaseMigrator)
    /// Registers the service's tables in PostgreSQL, for `--database postgres` (the
    /// outbox's, the idempotency records', the throttles', staged imports' and the key's
    /// fingerprint are added for it).
    static func registerPostgresMigrations(in migrator: inout PostgresMigrator)

    /// The refusals its methods answer with, beside the common ones (`AuthError.Reason`):
    /// the contract test checks each is declared and documented.
    associatedtype Reason: ErrorReason

    /// Flags of this service alone (`NoServiceOptions` when it has none): a struct of
    /// `@Option(help:)` properties marked `@DirectlyParsable`, so that a start reads them
    /// without swift-argument-parser's reflection (`ServiceCommand.start`).
    associatedtype Options: DirectlyParsable & Sendable = NoServiceOptions

    /// Creates the service from its resources and its own flags.
    init(resources: ServiceResources, options: Options) throws
    /// Registers the service's methods (the common ones are added for it).
    func registerMethods(in registry: inout MethodRegistry)
    /// Long-running jobs of the service beyond the server and the outbox.
    var backgroundServices: [any Service] { get }
    /// The service's own rows kept only for so long (`RetentionPurge`), beside the
    /// outbox's; `auditRetention` is `--audit-retention-days`.
    static func retentionRules(auditRetention: TimeInterval) -> [RetentionRule]
    /// The service's own columns whose values a server key made (hashes, sealed values),
    /// beside the outbox's and the idempotency records': what `service.keys` counts.
    static var keyedColumns: [KeyedColumn] { get }
    /// What `customer.erase` removes (and keeps, saying why) of a former customer, in
    /// order: children before the rows they reference.
    func erasureRules(for subject: ErasureSubject) -> [ErasureRule]
    /// What the service knows a customer by, for the services erased after it
    /// (registration: the contract's phone numbers, the accounts' login IDs).
    func erasureIdentities(of customerNumber: String) async throws -> (phones: [String], logins: [String])
}

extension ServiceDefinition {
    /// The short name, `auth`.
    public static var name: String { service.rawValue }
    public static var dependencies: [ServiceName] { [] }
    public static var maximumMessageBytes: Int { 1 << 20 }
    public static func registerMigrations(in migrator: inout DatabaseMigrator) {}
    public var backgroundServices: [any Service] { [] }
    public static func retentionRules(auditRetention: TimeInterval) -> [RetentionRule] { [] }
    public static var keyedColumns: [KeyedColumn] { [] }
    public func erasureRules(for subject: ErasureSubject) -> [ErasureRule] { [] }
    public func erasureIdentities(of customerNumber: String) async throws -> (phones: [String], logins: [String]) { ([], []) }
}

/// The flags of a service that has none of its own.
@DirectlyParsable
public struct NoServiceOptions: ParsableArguments, Sendable {
    public init() {}
}

/// The resources every service is built from.
public struct ServiceResources: Sendable {
    public var configuration: ServiceConfiguration
    /// Where the service's state is.
    public var storage: ServiceStorage
    public var clock: any ServiceClock
    /// The server keys: every hash and sealed value is made with `keys.currentVersion`.
    public var keys: ServerKeys
    /// Whether another host holds a key this process lacks: for a token lookup's miss.
    public var unheldKeys: UnheldKeys
    public var outbox: Outbox
    /// Answers of calls made with an idempotency key.
    public var idempotentCalls: IdempotentCalls
    /// The floor for answers that must not tell whether something exists.
    public var evenAnswers: EvenAnswers
    /// Clients for the other services, over their sockets.
    public var peers: ServiceDirectory
    /// Storage faults, logged once per incident; calls hit by one answer `storage_unavailable`.
    public var storageFaults: StorageFaults
    public var logger: Logger
}

/// Where a service keeps its state.
public enum ServiceStorage: Sendable {
    /// Its SQLite file in the state folder: one host.
    case sqlite(DatabasePool)
    /// PostgreSQL, in the service's own schema, shared by every host.
    case postgres(PostgresClient, schema: String)
}
