import Foundation
import Logging
import NIOCore
import NIOFoundationCompat

/// Answers one incoming line: parses it, runs each request's handler and encodes the
/// reply line, following the specification for notifications and batches.
///
/// It never throws and never crashes on input: every fault becomes an error response.
/// The work and the reply of one line are bounded: a batch takes at most
/// `Limits.maximumBatchEntries` entries, and a reply line grows to at most
/// `Limits.maximumReplyBytes` (past it, answers become `reply_too_large` and the rest of
/// the batch is not run).
public struct Dispatcher: Sendable {
    /// Bounds on what one line may cost.
    public struct Limits: Sendable {
        /// Entries in one batch; a longer batch is refused whole (`batch_too_large`).
        public var maximumBatchEntries = 100
        /// Bytes of one reply line.
        public var maximumReplyBytes = 4 << 20

        public init() {}
    }

    /// Turns an error a handler threw that is not an `RPCErrorConvertible` into the answer
    /// to send (e.g. a storage fault into `storage_unavailable`), or `nil` for a plain
    /// internal error. Runs where the error happened, so it may also log or count it.
    public typealias ErrorTranslator = @Sendable (any Error, Logger) -> RPCError?

    /// Told of every call answered: the method (only a registered one's name — any other
    /// is `nil`, so a caller cannot mint new names for it to count), whether it succeeded
    /// or the refusal it got, and how long it took. What a service counts its calls with.
    public typealias CallObserver = @Sendable (_ method: String?, _ refusal: RPCError?, _ duration: Duration) -> Void

    public let registry: MethodRegistry
    public let logger: Logger
    public let limits: Limits
    private let translate: ErrorTranslator
    private let observe: CallObserver?

    public init(
        registry: MethodRegistry, logger: Logger, limits: Limits = Limits(),
        observeCalls: CallObserver? = nil,
        translateError: @escaping ErrorTranslator = { _, _ in nil }
    ) {
        self.registry = registry
        self.logger = logger
        self.limits = limits
        self.observe = observeCalls
        self.translate = translateError
    }

    /// The reply line (ending in `\n`) for `line`, or `nil` when nothing is to be sent
    /// (a notification, an all-notification batch, a blank line).
    public func reply(to line: Data, peer: PeerCredentials) async -> Data? {
        var reply = ByteBuffer()
        if let pending = start(ByteBuffer(data: line), peer: peer, reply: &reply) {
            reply = await finish(pending, peer: peer) ?? reply
        }
        return reply.readableBytes == 0 ? nil : Data(buffer: reply)
    }

    /// A parsed line whose calls are still to run.
    public struct PendingMessage: Sendable {
        fileprivate let message: IncomingMessage
    }

    /// Parses `line` and answers it on the spot when it can — a fault, a refusal, or calls
    /// whose methods are all immediate (`MethodRegistry.registerImmediate`) — appending
    /// the reply line, if any, to `reply`. Anything else is handed back to be `finish`ed in
    /// a task, so the caller (a connection's event loop) pays for a task only when a call
    /// waits.
    public func start(_ line: ByteBuffer, peer: PeerCredentials, reply: inout ByteBuffer) -> PendingMessage? {
        if line.readableBytesView.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { return nil }
        let message = MessageParser.parse(line)
        switch message {
        case .unreadable(let error):
            Response.writeLine([.error(error, id: .null)], asBatch: false, into: &reply)
        case .single(let entry):
            guard let response = answerImmediately(entry, peer: peer) else { return PendingMessage(message: message) }
            if let response { capped(response, replySoFar: 0).writeLine(into: &reply) }
        case .batch(let entries):
            guard entries.count <= limits.maximumBatchEntries else {
                Response.writeLine(
                    [.error(.batchTooLarge(limit: limits.maximumBatchEntries), id: .null)], asBatch: false, into: &reply)
                return nil
            }
            guard entries.allSatisfy(isImmediate) else { return PendingMessage(message: message) }
            var batch = BatchReply(limits: limits)
            for entry in entries {
                batch.add(entry, answer: batch.isFull ? nil : answerImmediately(entry, peer: peer)!, dispatcher: self)
            }
            batch.finish(into: &reply)
        }
        return nil
    }

    /// Runs the calls of a line `start` could not answer at once: the reply line, or `nil`.
    public func finish(_ pending: PendingMessage, peer: PeerCredentials) async -> ByteBuffer? {
        var reply = ByteBuffer()
        switch pending.message {
        case .unreadable(let error):
            Response.writeLine([.error(error, id: .null)], asBatch: false, into: &reply)
        case .single(let entry):
            guard let response = await answer(entry, peer: peer) else { return nil }
            capped(response, replySoFar: 0).writeLine(into: &reply)
        case .batch(let entries):
            // Entries run in order, one at a time: a batch is the caller's sequence.
            var batch = BatchReply(limits: limits)
            for entry in entries {
                batch.add(entry, answer: batch.isFull ? nil : await answer(entry, peer: peer), dispatcher: self)
            }
            batch.finish(into: &reply)
        }
        return reply.readableBytes == 0 ? nil : reply
    }

    /// A batch's reply as it is built: once it would pass its cap, the rest of the batch
    /// is not run and each of its requests is answered `reply_too_large`, so one line never
    /// builds an unbounded reply.
    private struct BatchReply {
        let limits: Limits
        private var line = ByteBuffer()
        private var count = 0
        private(set) var isFull = false

        init(limits: Limits) { self.limits = limits }

        /// Adds the answer to `entry` (`nil` for a notification, or when the reply is full).
        mutating func add(_ entry: IncomingEntry, answer: Response?, dispatcher: Dispatcher) {
            let response: Response?
            if isFull {
                response = Dispatcher.requestID(of: entry).map { .error(.replyTooLarge(limit: limits.maximumReplyBytes), id: $0) }
            } else {
                response = answer.map { dispatcher.capped($0, replySoFar: line.readableBytes + 2) }
            }
            guard let response else { return }
            if case .error(let error) = response.outcome, error.code == .replyTooLarge { isFull = true }
            line.writeStaticString(count == 0 ? "[" : ",")
            response.write(into: &line)
            count += 1
        }

        /// Appends the reply line, unless every entry was a notification.
        func finish(into reply: inout ByteBuffer) {
            guard count > 0 else { return }
            var line = line
            line.writeStaticString("]\n")
            reply.writeBuffer(&line)
        }
    }

    /// `response`, or `reply_too_large` in its place when it would take the reply line
    /// past the cap.
    private func capped(_ response: Response, replySoFar: Int) -> Response {
        guard case .result(let result) = response.outcome, replySoFar + result.count + 64 > limits.maximumReplyBytes
        else { return response }
        logger.warning("reply over the cap dropped", metadata: ["bytes": "\(result.count)", "request-id": "\(response.id)"])
        return .error(.replyTooLarge(limit: limits.maximumReplyBytes), id: response.id)
    }

    private static func requestID(of entry: IncomingEntry) -> RequestID? {
        switch entry {
        case .invalid(_, let id): id
        case .request(let request): request.id
        }
    }

    /// Whether `entry` can be answered without waiting: anything but a call of an
    /// async method that is still in time.
    private func isImmediate(_ entry: IncomingEntry) -> Bool {
        guard case .request(let request) = entry, let method = registry.entry(named: request.method),
            case .async = method.handler
        else { return true }
        return request.deadline?.hasPassed ?? false
    }

    /// The response to one entry, or `nil` for a notification.
    public func answer(_ entry: IncomingEntry, peer: PeerCredentials) async -> Response? {
        if let immediate = answerImmediately(entry, peer: peer) { return immediate }
        guard case .request(let request) = entry, case .async(let invoke)? = registry.entry(named: request.method)?.handler
        else { preconditionFailure("only a call of an async method is answered later") }
        let context = context(of: request, peer: peer)
        let started = observe == nil ? nil : ContinuousClock.now
        let outcome: Response.Outcome
        do {
            let result = try await CallDeadline.$current.withValue(request.deadline) {
                try await invoke(request.params, context)
            }
            outcome = .result(result)
        } catch {
            outcome = .error(rpcError(for: error, context: context))
        }
        if let observe, let started { observe(request.method, outcome.refusal, ContinuousClock.now - started) }
        return request.id.map { Response(id: $0, outcome: outcome) }
    }

    /// The answer to `entry` when it needs no waiting: `.some(nil)` for a notification,
    /// `nil` when it is a call of an async method that must run in a task.
    private func answerImmediately(_ entry: IncomingEntry, peer: PeerCredentials) -> Response?? {
        let request: Request
        switch entry {
        case .invalid(let error, let id): return .some(.error(error, id: id))
        case .request(let given): request = given
        }
        let started = observe == nil ? nil : ContinuousClock.now
        let outcome: Response.Outcome
        let known = registry.entry(named: request.method)
        if let entry = known {
            // A caller that has given up must find nothing done: a request that waited past
            // its deadline (a backlog after a stall) is not started.
            if let deadline = request.deadline, deadline.hasPassed {
                context(of: request, peer: peer).logger.info("call not started: the caller's deadline had passed")
                outcome = .error(.deadlineExceeded())
            } else {
                // No deadline to bind: an immediate handler never waits, so it cannot be late.
                switch entry.handler {
                case .constant(let check, let result):
                    do {
                        try check(request.params)
                        outcome = .result(try result.get())
                    } catch {
                        outcome = .error(rpcError(for: error, context: context(of: request, peer: peer)))
                    }
                case .immediate(let invoke):
                    let context = context(of: request, peer: peer)
                    do {
                        outcome = .result(try invoke(request.params, context))
                    } catch {
                        outcome = .error(rpcError(for: error, context: context))
                    }
                case .async:
                    return nil
                }
            }
        } else {
            outcome = .error(.methodNotFound(request.method))
        }
        if let observe, let started { observe(known == nil ? nil : request.method, outcome.refusal, ContinuousClock.now - started) }
        return .some(request.id.map { Response(id: $0, outcome: outcome) })
    }

    private func context(of request: Request, peer: PeerCredentials) -> CallContext {
        CallContext(peer: peer, requestID: request.id, method: request.method, logger: logger)
    }

    /// The answer for an error a handler threw.
    private func rpcError(for error: any Error, context: CallContext) -> RPCError {
        if let convertible = error as? any RPCErrorConvertible {
            let rpcError = convertible.rpcError
            context.logger.debug("call refused", metadata: ["code": "\(rpcError.code)", "reason": "\(rpcError.reason ?? "")"])
            return rpcError
        }
        if let translated = translate(error, context.logger) { return translated }
        // Unexpected: log the type and description for operators, answer generically.
        context.logger.error("call failed", metadata: ["error": "\(String(reflecting: type(of: error)))"])
        return .internalError()
    }
}

extension RPCError {
    /// A batch longer than the server takes; no entry was run.
    public static func batchTooLarge(limit: Int) -> RPCError {
        RPCError(
            code: .batchTooLarge, message: "A batch may hold at most \(limit) entries; none was run.",
            reason: "batch_too_large", details: ["limit": .int(Int64(limit))])
    }

    /// The reply would pass the reply cap; this call's result (if it ran) is dropped.
    public static func replyTooLarge(limit: Int) -> RPCError {
        RPCError(
            code: .replyTooLarge, message: "The reply would exceed \(limit) bytes; ask for less at a time.",
            reason: "reply_too_large", details: ["limit": .int(Int64(limit))])
    }
}
