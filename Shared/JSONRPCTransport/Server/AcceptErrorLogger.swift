import JSONRPC
import Logging
import NIOCore

#if canImport(Glibc)
import Glibc
#endif

/// Logs the listening socket's failures to accept for want of file descriptors (`EMFILE`,
/// `ENFILE`), which otherwise pass silently: the kernel keeps the connection waiting in
/// the backlog, and `AcceptPauseHandler` and NIO's `AcceptBackoffHandler` (after this one
/// in the pipeline, and still given the error) pause accepting for a moment.
///
/// At most one line per `interval`: the first failure is logged at once with a count of
/// one; failures within the next `interval` are counted and logged together when it ends.
final class AcceptErrorLogger: ChannelInboundHandler {
    typealias InboundIn = Channel

    private let logger: Logger
    private let interval: TimeAmount
    private var lastLogged: NIODeadline?
    private var unlogged = 0
    private var flushScheduled = false
    /// The last failure's errno, by name.
    private var errnoName = "EMFILE"

    init(logger: Logger, interval: TimeAmount = .seconds(10)) {
        self.logger = logger
        self.interval = interval
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let error = error as? IOError, error.errnoCode == EMFILE || error.errnoCode == ENFILE {
            unlogged += 1
            errnoName = error.errnoCode == EMFILE ? "EMFILE" : "ENFILE"
            if let lastLogged, NIODeadline.now() < lastLogged + interval {
                scheduleFlush(at: lastLogged + interval, on: context.eventLoop)
            } else {
                flush()
            }
        }
        context.fireErrorCaught(error)
    }

    private func flush() {
        guard unlogged > 0 else { return }
        logger.error(
            "cannot accept connections: out of file descriptors; they wait unaccepted (raise LimitNOFILE= or lower --max-connections)",
            metadata: ["errno": "\(errnoName)", "failed-accepts": "\(unlogged)"])
        unlogged = 0
        lastLogged = .now()
    }

    private func scheduleFlush(at deadline: NIODeadline, on eventLoop: any EventLoop) {
        guard !flushScheduled else { return }
        flushScheduled = true
        let bound = NIOLoopBound(self, eventLoop: eventLoop)
        eventLoop.scheduleTask(deadline: deadline) {
            bound.value.flushScheduled = false
            bound.value.flush()
        }
    }
}
