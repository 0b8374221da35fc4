import Foundation
import JSONRPC
import NIOCore
import NIOExtras
import NIOFoundationCompat

/// Serves one connection's messages concurrently, on the connection's event loop.
///
/// Each complete line (framed by `LineBasedFrameDecoder` before it) is read while earlier
/// ones are still being answered. A line the dispatcher can answer at once (a fault, an
/// immediate method such as `service.ping`) is answered on the spot, with no task and no
/// thread change; any other goes to `jobs`, which the connection's task runs concurrently,
/// and its answer comes back here. Answers leave as they complete, matched by `id`, and
/// the answers of one turn of the event loop leave in one write and one flush.
///
/// At most `maximumInFlight` messages are worked on at once. Past that, lines already read
/// wait here (at most one read's worth) and the socket is not read again until a slot
/// frees: back-pressure to the client, not buffering. Starting and reading also stop while
/// the client leaves answers unread (the channel is not writable, or a mebibyte of answers
/// waits to be handed to it).
///
/// Not `Sendable`: everything happens on the channel's event loop; jobs reach back
/// through `NIOLoopBound`.
final class RPCConnectionHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = Never
    typealias OutboundOut = ByteBuffer

    /// A call the dispatcher could not answer at once, for the connection's task to run.
    struct Job: Sendable {
        let message: Dispatcher.PendingMessage
        /// Takes the reply line (or `nil`) back to the connection's event loop.
        let answer: @Sendable (ByteBuffer?) -> Void
    }

    private let dispatcher: Dispatcher
    private let peer: PeerCredentials
    private let maximumMessageBytes: Int
    private let maximumInFlight: Int
    private let jobs: AsyncStream<Job>.Continuation
    private let gauge: CallGauge

    /// Lines being answered.
    private var inFlight = 0
    /// Lines read while `inFlight` was at its bound, in arrival order.
    private var waiting = CircularBuffer<ByteBuffer>()
    /// A read the pipeline asked for while full, done once a slot frees.
    private var readHeld = false
    /// `pump` is running: a line answered at once inside it only frees its slot, so that
    /// thousands of small waiting lines never nest calls on the stack.
    private var pumping = false
    /// Answers not yet written to the channel: all those of one turn of the event loop
    /// leave in one write and one flush.
    private var output: ByteBuffer
    /// A write is scheduled for `output`.
    private var writeScheduled = false
    /// No more lines will come (the client half-closed, a fault, or shutdown): close once
    /// every line read has been answered.
    private var inputEnded = false
    private var context: ChannelHandlerContext?

    init(
        dispatcher: Dispatcher, peer: PeerCredentials, maximumMessageBytes: Int, maximumInFlight: Int,
        jobs: AsyncStream<Job>.Continuation, gauge: CallGauge
    ) {
        self.dispatcher = dispatcher
        self.peer = peer
        self.maximumMessageBytes = maximumMessageBytes
        self.maximumInFlight = max(1, maximumInFlight)
        self.jobs = jobs
        self.gauge = gauge
        self.output = ByteBufferAllocator().buffer(capacity: 0)
    }

    // MARK: Reading

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        received(unwrapInboundIn(data), context: context)
    }

    private func received(_ line: ByteBuffer, context: ChannelHandlerContext) {
        guard !inputEnded else { return }
        waiting.append(line)
        pump(context: context)
    }

    func read(context: ChannelHandlerContext) {
        if mayStart(context: context) && waiting.isEmpty {
            context.read()
        } else {
            readHeld = true
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { pump(context: context) }
        context.fireChannelWritabilityChanged()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        switch event {
        case ChannelEvent.inputClosed:
            // The client half-closed: answer what it sent, then close.
            endInput(context: context)
        case let idle as IdleStateHandler.IdleStateEvent where idle == .read:
            // No complete message for the idle timeout. A call still being worked on keeps
            // the connection (a million-row import's commit is not an idle client), but
            // not one whose replies cannot leave because the client reads none: unread
            // replies fill the socket, the channel turns unwritable, and then it ends.
            if inFlight == 0 && waiting.isEmpty || !context.channel.isWritable { context.close(promise: nil) }
        default:
            context.fireUserInboundEventTriggered(event)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        switch error {
        case let leftOver as NIOExtrasErrors.LeftOverBytesError:
            // The client closed after a last message with no newline: answer it anyway.
            received(leftOver.leftOverBytes, context: context)
            endInput(context: context)
        case is ByteToMessageDecoderError.PayloadTooLargeError:
            refuseTooLarge(context: context)
        default:
            context.close(promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        // Calls still running finish; their answers have nowhere to go and are dropped.
        jobs.finish()
        waiting.removeAll()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        jobs.finish()
        self.context = nil
    }

    // MARK: Answering

    /// Answers written but not yet handed to the channel past which no further line is
    /// started: with the channel's own high-water mark, what bounds the memory a client
    /// that sends small requests for large answers (and reads none) can make us hold.
    private static let pendingOutputLimit = 1 << 20

    /// Whether another line may be started now: a slot is free and the answers made so far
    /// are leaving (the client reads them).
    private func mayStart(context: ChannelHandlerContext) -> Bool {
        inFlight < maximumInFlight && context.channel.isWritable && output.readableBytes < Self.pendingOutputLimit
    }

    /// Starts waiting lines while there is room, then reads on, or closes once the input
    /// has ended and every line is answered.
    private func pump(context: ChannelHandlerContext) {
        guard !pumping else { return }
        pumping = true
        while mayStart(context: context), let next = waiting.popFirst() {
            start(next, context: context)
        }
        pumping = false
        if inputEnded, inFlight == 0, waiting.isEmpty {
            closeOnceWritten(context: context)
        } else {
            resumeReading(context: context)
        }
    }

    private func start(_ line: ByteBuffer, context: ChannelHandlerContext) {
        inFlight += 1
        gauge.started()
        guard line.readableBytes <= maximumMessageBytes else {
            refuseTooLarge(context: context)
            done()
            return
        }
        let before = output.writerIndex
        guard let pending = dispatcher.start(line, peer: peer, reply: &output) else {
            if output.writerIndex != before { writeSoon(context: context) }
            done()
            return
        }
        let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
        let eventLoop = context.eventLoop
        let job = Job(message: pending) { reply in
            eventLoop.execute { loopBound.value.answered(reply) }
        }
        if case .terminated = jobs.yield(job) {
            // The connection is closing and its task has stopped taking calls.
            done()
        }
    }

    /// A job's answer, back on the event loop.
    private func answered(_ reply: ByteBuffer?) {
        done()
        guard let context else { return }
        if var reply {
            output.writeBuffer(&reply)
            writeSoon(context: context)
        }
        pump(context: context)
    }

    /// One line is answered: its slot is free.
    private func done() {
        inFlight -= 1
        gauge.finished()
    }

    /// Writes and flushes `output` once the event loop has done what is ready now: the
    /// answers to every line of a read, and of jobs that finish together, leave in one
    /// write.
    private func writeSoon(context: ChannelHandlerContext) {
        guard !writeScheduled else { return }
        writeScheduled = true
        context.eventLoop.assumeIsolated().execute {
            self.writeScheduled = false
            self.writeOutput()
        }
    }

    private func writeOutput() {
        guard let context, output.readableBytes > 0 else { return }
        let answers = output
        // A fresh buffer rather than clearing this one: the write still holds it.
        output = context.channel.allocator.buffer(capacity: min(answers.readableBytes, 64 << 10))
        context.writeAndFlush(wrapOutboundOut(answers), promise: nil)
        // Lines held back while the answers piled up may start now.
        if !waiting.isEmpty { pump(context: context) }
    }

    private func resumeReading(context: ChannelHandlerContext) {
        guard readHeld, mayStart(context: context), waiting.isEmpty, !inputEnded else { return }
        readHeld = false
        context.read()
    }

    /// No more lines will be read: close once those read are answered.
    private func endInput(context: ChannelHandlerContext) {
        guard !inputEnded else { return }
        inputEnded = true
        pump(context: context)
    }

    /// Closes after every answer written so far has reached the socket: writes complete in
    /// order, so an empty one completes last (a large answer may still be in NIO's queue,
    /// and closing at once would drop it).
    private func closeOnceWritten(context: ChannelHandlerContext) {
        writeOutput()
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(channel.allocator.buffer(capacity: 0)))
            .whenComplete { _ in channel.close(promise: nil) }
    }

    /// A line longer than the limit: say so (with a null id: it concerns the connection),
    /// answer what was read before it, and close.
    private func refuseTooLarge(context: ChannelHandlerContext) {
        guard !inputEnded else { return }
        let limit = maximumMessageBytes
        let error = RPCError(
            code: .messageTooLarge, message: "Message exceeds \(limit) bytes; closing the connection.",
            reason: "message_too_large", details: ["limit": .int(Int64(limit))])
        // Lines after the refused one are not answered: the connection is out of step.
        waiting.removeAll()
        Response.writeLine([.error(error, id: .null)], asBatch: false, into: &output)
        writeOutput()
        endInput(context: context)
    }
}
