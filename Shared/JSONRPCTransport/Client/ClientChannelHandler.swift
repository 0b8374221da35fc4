import Foundation
import JSONRPC
import NIOConcurrencyHelpers
import NIOCore
import NIOFoundationCompat

/// A call on its way out: the encoded line, and where its answer goes.
struct OutgoingCall {
    var id: Int64?
    var line: ByteBuffer
    var timeout: TimeAmount
    var promise: EventLoopPromise<JSONValue>?
}

/// Matches response lines to pending calls by id; fails every pending call when the
/// connection drops or a call's timeout passes. Lives on the channel's event loop.
final class ClientChannelHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = OutgoingCall
    typealias OutboundOut = ByteBuffer

    private struct Pending {
        var promise: EventLoopPromise<JSONValue>
        var timeout: Scheduled<Void>
    }

    private var pending: [Int64: Pending] = [:]
    private var isClosed = false
    /// Answers dropped because their call was no longer pending (shared with `RPCClient`).
    let lateAnswers: LateAnswerCount

    init(lateAnswers: LateAnswerCount) {
        self.lateAnswers = lateAnswers
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let call = unwrapOutboundIn(data)
        if let id = call.id, let answer = call.promise {
            guard !isClosed else {
                answer.fail(RPCClientError(.connectionClosed, "The connection to the service is closed."))
                promise?.fail(ChannelError.ioOnClosedChannel)
                return
            }
            let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            let timeout = context.eventLoop.scheduleTask(in: call.timeout) {
                let (handler, _) = loopBound.value
                handler.pending.removeValue(forKey: id)?.promise.fail(
                    RPCClientError(.timedOut, "No answer within \(call.timeout.nanoseconds / 1_000_000) ms."))
            }
            pending[id] = Pending(promise: answer, timeout: timeout)
        }
        context.write(wrapOutboundOut(call.line), promise: promise)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // Parsed once, here: the caller decodes its result from the same value.
        let buffer = unwrapInboundIn(data)
        guard let answer = buffer.withUnsafeReadableBytes({ try? JSONReader.read($0) }), case .object(let members) = answer
        else {
            failAll(RPCClientError(.invalidResponse, "The service sent a line that is not a JSON-RPC response."))
            context.close(promise: nil)
            return
        }
        switch members["id"] {
        case .int(let id)? where pending[id] != nil:
            let call = pending.removeValue(forKey: id)!
            call.timeout.cancel()
            call.promise.succeed(answer)
        case nil, .null?:
            // An error with a null id concerns the whole connection (a cap, a message
            // too large): every pending call fails with it.
            if let error = members["error"].flatMap({ try? JSONValueDecoder().decode(RPCError.self, from: $0) }) {
                failAll(error)
            }
        case .some:
            // The answer to a call that has already timed out (or an id we never sent):
            // it belongs to no pending call, so it is dropped. Handing it to another call
            // would give that caller someone else's answer.
            lateAnswers.add(1)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        isClosed = true
        failAll(RPCClientError(.connectionClosed, "The service closed the connection."))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        failAll(RPCClientError(.invalidResponse, "The connection failed: \(error)."))
        context.close(promise: nil)
    }

    private func failAll(_ error: any Error) {
        let calls = pending
        pending.removeAll()
        for call in calls.values {
            call.timeout.cancel()
            call.promise.fail(error)
        }
    }
}

/// How many answers a client dropped because no call was waiting for them any more.
final class LateAnswerCount: Sendable {
    private let count = NIOLockedValueBox(0)
    func add(_ n: Int) { count.withLockedValue { $0 += n } }
    var value: Int { count.withLockedValue { $0 } }
}
