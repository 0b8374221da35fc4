import Foundation
import NIOCore
import NIOFoundationCompat

/// A call on its way out: the encoded line, and where its answer goes.
struct OutgoingCall {
    var id: Int64?
    var line: ByteBuffer
    var timeout: TimeAmount
    var promise: EventLoopPromise<Data>?
}

/// Matches response lines to pending calls by id; fails every pending call when the
/// connection drops or a call's timeout passes. Lives on the channel's event loop.
final class ClientChannelHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = OutgoingCall
    typealias OutboundOut = ByteBuffer

    private struct Pending {
        var promise: EventLoopPromise<Data>
        var timeout: Scheduled<Void>
    }

    private var pending: [Int64: Pending] = [:]
    private var isClosed = false

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
        let line = Data(buffer: unwrapInboundIn(data))
        guard let probe = try? JSONCoding.decoder.decode(IDProbe.self, from: line) else {
            failAll(RPCClientError(.invalidResponse, "The service sent a line that is not a JSON-RPC response."))
            context.close(promise: nil)
            return
        }
        if case .int(let id)? = probe.id, let call = pending.removeValue(forKey: id) {
            call.timeout.cancel()
            call.promise.succeed(line)
        } else if let error = probe.error {
            // An error with no id of ours concerns the whole connection (limit, size).
            failAll(error)
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

    private struct IDProbe: Decodable {
        var id: RequestID?
        var error: RPCError?
    }
}
