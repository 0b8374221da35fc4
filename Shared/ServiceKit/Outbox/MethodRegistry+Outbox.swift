import Foundation
import JSONRPC
import ServiceContract

extension MethodRegistry {
    /// The operator's view of the outbox, the same in every service: `outbox.list` (where
    /// each waiting or dead message goes and how its delivery fares — the recipient read
    /// from the sealed message, its content never shown), `outbox.requeue` and
    /// `outbox.drop` of a dead message (audited with the operator's uid), `outbox.audit`.
    mutating func registerOutboxMethods(queue: any OutboxQueue, outbox: Outbox, clock: any ServiceClock) {
        register(OutboxList.self) { params, _ in
            let queued = try await queue.list(dead: params.dead ?? false, limit: min(params.limit ?? 100, 1000))
            return OutboxList.Result(messages: queued.map { Self.entry($0, outbox: outbox) })
        }
        register(OutboxRequeue.self) { params, context in
            guard try await queue.requeue(params.id, at: clock.now(), peerUID: Int64(context.peer.uid)) else {
                throw RPCError.outboxMessageNotDead
            }
            context.logger.notice("dead outbox message requeued", metadata: ["outbox-id": "\(params.id)", "uid": "\(context.peer.uid)"])
            return params
        }
        register(OutboxDrop.self) { params, context in
            guard try await queue.drop(params.id, at: clock.now(), peerUID: Int64(context.peer.uid)) else {
                throw RPCError.outboxMessageNotDead
            }
            context.logger.notice("dead outbox message dropped", metadata: ["outbox-id": "\(params.id)", "uid": "\(context.peer.uid)"])
            return params
        }
        register(OutboxAudit.self) { _, _ in
            OutboxAudit.Result(
                entries: try await queue.audit(limit: 1000).map {
                    .init(at: ISO8601.tokyo($0.at), outboxId: $0.outboxID, channel: $0.channel, action: $0.action, peerUid: $0.peerUID)
                })
        }
    }

    private static func entry(_ queued: OutboxQueued, outbox: Outbox) -> OutboxEntry {
        OutboxEntry(
            id: queued.id, channel: queued.channel, to: queued.payload.flatMap { try? outbox.open($0, keyVersion: queued.keyVersion).to },
            createdAt: ISO8601.tokyo(queued.createdAt), attempts: queued.attempts, lastError: queued.lastError,
            nextAttemptAt: queued.deadAt == nil ? ISO8601.tokyo(queued.nextAttemptAt) : nil,
            deadAt: queued.deadAt.map(ISO8601.tokyo))
    }
}
