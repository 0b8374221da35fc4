import Foundation
import Logging
import PostgresNIO
import ServiceClient
import ServiceKit
import TestSupport
import Testing

/// The outbox on PostgreSQL with two hosts' deliverers running at once (two clients of
/// the tests' private cluster, each delivering into a spool of its own): every message
/// reaches exactly one spool, once; a claim taken by a deliverer that died lapses, and
/// another host sends its messages then. Time is the test clock's.
@Suite struct OutboxQueueTests {
    let logger = {
        var logger = Logger(label: "outbox-queue-test")
        logger.logLevel = .warning
        return logger
    }()

    /// Two queues ("hosts") over one migrated schema, with the outbox and the clock.
    func withHosts(_ body: (_ queues: [PostgresOutboxQueue], _ client: PostgresClient, _ outbox: Outbox, _ clock: String, _ folder: TemporaryDirectory) async throws -> Void) async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let clock = folder.file("clock")
        try "2026-12-01T10:00:00+09:00".write(toFile: clock, atomically: true, encoding: .utf8)
        let secret = try ServerSecret.load(path: nil, stateDirectory: folder.path, createIfMissing: true)
        let outbox = Outbox(secret: secret, clock: try FileClock(path: clock))
        try await PostgresCluster.withTwoHosts(logger: logger) { first, second, _ in
            var migrator = PostgresMigrator(schema: "auth")
            PostgresServiceTables.registerMigrations(in: &migrator)
            try await migrator.migrate(first, logger: logger)
            let queues = [first, second].map { PostgresOutboxQueue(client: $0, schema: "auth", logger: logger) }
            try await body(queues, first, outbox, clock, folder)
        }
    }

    func enqueue(_ count: Int, outbox: Outbox, client: PostgresClient) async throws {
        try await client.withTransaction(logger: logger) { connection in
            for index in 0..<count {
                try await PostgresServiceTables.enqueue(
                    OutboxMessage(channel: .sms, to: "09012345678", body: "確認コード \(100_000 + index)"), outbox: outbox,
                    schema: "auth", on: connection, logger: logger)
            }
        }
    }

    /// The spooled files of one host: the outbox ids they carry.
    func spooled(_ spool: String) throws -> [Int64] {
        let folder = spool + "/sms/new"
        guard FileManager.default.fileExists(atPath: folder) else { return [] }
        return try FileManager.default.contentsOfDirectory(atPath: folder).map { name in
            try JSONDecoder().decode(SpooledMessage.self, from: Data(contentsOf: URL(fileURLWithPath: folder + "/" + name))).id
        }
    }

    @Test func bothHostsDelivering_sendEachMessageOnce() async throws {
        try await withHosts { queues, client, outbox, clock, folder in
            try await enqueue(60, outbox: outbox, client: client)
            let spools = [folder.file("spool-a"), folder.file("spool-b")]
            let deliverers = try zip(queues, spools).map { queue, spool in
                OutboxDeliverer(
                    queue: queue, outbox: outbox, clock: try FileClock(path: clock),
                    transport: SpoolTransport(directory: spool, serviceName: "auth"), logger: logger)
            }
            // Both poll at once until neither finds anything due.
            while true {
                async let a = deliverers[0].deliverDue()
                async let b = deliverers[1].deliverDue()
                if await a + b == 0 { break }
            }
            let delivered = try spools.flatMap(spooled)
            #expect(delivered.count == 60)
            #expect(Set(delivered).count == 60)
            var undelivered = -1
            for try await count in try await client.query("SELECT count(*) FROM auth.outbox WHERE delivered_at IS NULL").decode(Int.self) {
                undelivered = count
            }
            #expect(undelivered == 0)
        }
    }

    @Test func aClaimOfADelivererThatDied_lapsesToTheOtherHost() async throws {
        try await withHosts { queues, client, outbox, clock, _ in
            try await enqueue(3, outbox: outbox, client: client)
            let now = try FileClock(path: clock).now()
            // Host A takes them and dies before marking any.
            #expect(try await queues[0].claimDue(at: now, limit: 10).count == 3)
            #expect(try await queues[1].claimDue(at: now, limit: 10).isEmpty)
            #expect(try await queues[1].claimDue(at: now.addingTimeInterval(59), limit: 10).isEmpty)
            let retaken = try await queues[1].claimDue(at: now.addingTimeInterval(61), limit: 10)
            #expect(retaken.count == 3)
            try await queues[1].markDelivered(retaken[0].id, at: now.addingTimeInterval(62))
            // A failed one waits for its retry, claimed by nobody.
            try await queues[1].markFailed(retaken[1].id, attempts: 1, retryAt: now.addingTimeInterval(900), error: "sendmail exited 75")
            #expect(try await queues[0].claimDue(at: now.addingTimeInterval(700), limit: 10).map(\.id) == [retaken[2].id])
            try await queues[0].markDelivered(retaken[2].id, at: now.addingTimeInterval(701))
            #expect(try await queues[0].claimDue(at: now.addingTimeInterval(901), limit: 10).map(\.id) == [retaken[1].id])
        }
    }
}
