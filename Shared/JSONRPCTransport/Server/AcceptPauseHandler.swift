import JSONRPC
import NIOCore

#if canImport(Glibc)
import Glibc
#endif

/// Stops the listening socket from spinning while accepts fail for want of descriptors
/// or memory: it stops reading the socket for `pause` and then tries again.
///
/// NIO's `AcceptBackoffHandler` delays the next read, but a failed `accept` leaves the
/// channel's read pending, so the socket stays registered and the event loop calls
/// `accept` again at once (about 70,000 times a second, one core busy) until a
/// descriptor frees. Turning `autoRead` off unregisters the socket; reads asked for
/// meanwhile (the back-off handler's among them) are held until it is turned on again.
final class AcceptPauseHandler: ChannelDuplexHandler {
    typealias InboundIn = Channel
    typealias OutboundIn = Channel

    private let pause: TimeAmount
    /// `autoRead` as it was before the pause, while paused.
    private var pausedAutoRead: Bool?
    private var resumption: Scheduled<Void>?

    init(pause: TimeAmount = .seconds(1)) {
        self.pause = pause
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if pausedAutoRead == nil, let error = error as? IOError,
            [EMFILE, ENFILE, ENOBUFS, ENOMEM].contains(error.errnoCode),
            let options = context.channel.syncOptions, let autoRead = try? options.getOption(.autoRead)
        {
            pausedAutoRead = autoRead
            try? options.setOption(.autoRead, value: false)
            let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            resumption = context.eventLoop.scheduleTask(in: pause) {
                let (handler, context) = bound.value
                handler.resume(context: context)
            }
        }
        context.fireErrorCaught(error)
    }

    func channelInactive(context: ChannelHandlerContext) {
        resumption?.cancel()
        resumption = nil
        pausedAutoRead = nil
        context.fireChannelInactive()
    }

    func read(context: ChannelHandlerContext) {
        if pausedAutoRead == nil { context.read() }
    }

    private func resume(context: ChannelHandlerContext) {
        guard let autoRead = pausedAutoRead else { return }
        pausedAutoRead = nil
        resumption = nil
        if autoRead {
            // Turning it on reads again.
            try? context.channel.syncOptions?.setOption(.autoRead, value: true)
        } else {
            context.read()
        }
    }
}
