import Foundation
import GRDB
import JSONRPC
import JSONRPCTransport
import PostgresNIO
import ServiceClient
import ServiceKit
import TestSupport

/// A write load against a service that is killed with SIGKILL part-way: each worker
/// calls one step after another on its own connection and records what the service
/// acknowledged; once `killAfter` steps are acknowledged the process is killed, and each
/// worker stops at its first transport error (any other error fails the test). What was acknowledged is what must survive.
enum CrashLoad {
    static func run<Ack: Sendable>(
        killing process: ChildProcess, after killAfter: Int, workers: Int,
        connect: @escaping @Sendable () async throws -> RPCClient,
        step: @escaping @Sendable (_ client: RPCClient, _ worker: Int, _ iteration: Int) async throws -> Ack
    ) async throws -> [Ack] {
        let ledger = Ledger<Ack>()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<workers {
                group.addTask {
                    defer { Task { await ledger.workerEnded() } }
                    let client = try await connect()
                    defer { Task { await client.close() } }
                    for iteration in 0..<100_000 {
                        do {
                            await ledger.add(try await step(client, worker, iteration))
                        } catch is RPCClientError {
                            return  // the kill: what was in flight is unknown
                        }
                    }
                }
            }
            group.addTask {
                try await waitUntil("\(killAfter) acknowledged writes", timeout: .seconds(120)) {
                    guard await ledger.endedWorkers < workers else { throw Unexpected(what: "the load ended before the kill") }
                    return await ledger.count >= killAfter
                }
                process.signal(SIGKILL)
            }
            try await group.waitForAll()
        }
        _ = try await process.waitForExit()
        return await ledger.entries
    }

    /// The outbox rows a service's database holds, and whether each was delivered.
    static func outbox(ofDatabase path: String) throws -> [(id: Int64, delivered: Bool)] {
        return try DatabaseQueue(path: path, configuration: readerConfiguration).read { db in
            try Row.fetchAll(db, sql: "SELECT id, deliveredAt IS NOT NULL AS delivered FROM outbox ORDER BY id").map {
                (id: $0["id"], delivered: $0["delivered"])
            }
        }
    }

    /// The outbox ids of `service`'s spool files (`<time>.M<id>P<service>.madoguchi`), one
    /// entry per file, so a message spooled twice shows twice.
    static func spooledIDs(of service: String, in spool: String) -> [Int64] {
        SpoolReader.entries(in: spool).compactMap { entry in
            let name = (entry.file as NSString).lastPathComponent
            guard name.hasSuffix("P\(service).madoguchi"), let m = name.firstIndex(of: "M"), let p = name.lastIndex(of: "P")
            else { return nil }
            return Int64(name[name.index(after: m)..<p])
        }
    }

    /// Waits until every outbox row of the service is delivered, then says whether the
    /// spool holds each exactly once and nothing else from that service.
    static func outboxDeliveredExactlyOnce(service: String, in sandbox: ServiceSandbox) async throws -> Bool {
        try await waitUntil("\(service)'s outbox to be delivered", timeout: .seconds(30)) {
            try await outbox(of: service, in: sandbox).allSatisfy(\.delivered)
        }
        let stored = try await outbox(of: service, in: sandbox).map(\.id)
        return spooledIDs(of: service, in: sandbox.spoolDirectory).sorted() == stored
    }

    /// The outbox of `service` in `sandbox`: its SQLite file's, or (on PostgreSQL) its
    /// schema's.
    static func outbox(of service: String, in sandbox: ServiceSandbox) async throws -> [(id: Int64, delivered: Bool)] {
        guard let database = postgresDatabase(of: service, in: sandbox) else {
            return try outbox(ofDatabase: sandbox.root.file(service) + "/\(service).sqlite")
        }
        return try await PostgresCluster.shared().withClient(database: database) { client in
            var rows: [(id: Int64, delivered: Bool)] = []
            for try await (id, delivered) in try await client.query(
                "SELECT id, delivered_at IS NOT NULL FROM \(unescaped: service).outbox ORDER BY id"
            ).decode((Int64, Bool).self) { rows.append((id, delivered)) }
            return rows
        }
    }

    /// How many rows the import under way in `service` has staged (0 when none is), in
    /// its SQLite file or its PostgreSQL schema.
    static func stagedRows(of service: String, in sandbox: ServiceSandbox) async throws -> Int {
        guard let database = postgresDatabase(of: service, in: sandbox) else {
            return try stagedRows(ofDatabase: sandbox.root.file(service) + "/\(service).sqlite")
        }
        return try await PostgresCluster.shared().withClient(database: database) { client in
            for try await staged in try await client.query(
                "SELECT COALESCE(MAX(staged), 0) FROM \(unescaped: service).import_job"
            ).decode(Int64.self) { return Int(staged) }
            return 0
        }
    }

    /// The PostgreSQL database `service` keeps its state in, in a PostgreSQL sandbox.
    private static func postgresDatabase(of service: String, in sandbox: ServiceSandbox) -> String? {
        ServiceSandbox.postgresServices.contains(service) ? sandbox.postgresDatabase : nil
    }
}

/// What a load's workers were told, gathered across them.
private actor Ledger<Ack: Sendable> {
    private(set) var entries: [Ack] = []
    private(set) var endedWorkers = 0
    func add(_ ack: Ack) { entries.append(ack) }
    func workerEnded() { endedWorkers += 1 }
    var count: Int { entries.count }
}

extension CrashLoad {
    /// Reads a database a service is writing (or a killed one left): waiting while it is
    /// busy, and not read-only, as a killed writer's WAL index is rebuilt by a write.
    static var readerConfiguration: Configuration {
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        return configuration
    }

    /// How many rows the import under way has staged (0 when none is).
    static func stagedRows(ofDatabase path: String) throws -> Int {
        guard FileManager.default.fileExists(atPath: path) else { return 0 }
        return try DatabaseQueue(path: path, configuration: readerConfiguration).read { db in
            // Before the service has migrated its database, there is no table yet.
            guard try db.tableExists("import_job") else { return 0 }
            return try Int.fetchOne(db, sql: "SELECT COALESCE(MAX(staged), 0) FROM import_job") ?? 0
        }
    }
}
