import Foundation
import Logging

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

    public let registry: MethodRegistry
    public let logger: Logger
    public let limits: Limits
    private let translate: ErrorTranslator

    public init(
        registry: MethodRegistry, logger: Logger, limits: Limits = Limits(),
        translateError: @escaping ErrorTranslator = { _, _ in nil }
    ) {
        self.registry = registry
        self.logger = logger
        self.limits = limits
        self.translate = translateError
    }

    /// The reply line (ending in `\n`) for `line`, or `nil` when nothing is to be sent
    /// (a notification, an all-notification batch, a blank line).
    public func reply(to line: Data, peer: PeerCredentials) async -> Data? {
        if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { return nil }
        switch MessageParser.parse(line) {
        case .unreadable(let error):
            return Response.line(for: [.error(error, id: .null)], asBatch: false)
        case .single(let entry):
            guard let response = await answer(entry, peer: peer) else { return nil }
            return Response.line(for: [capped(response, replySoFar: 0)], asBatch: false)
        case .batch(let entries):
            guard entries.count <= limits.maximumBatchEntries else {
                return Response.line(for: [.error(.batchTooLarge(limit: limits.maximumBatchEntries), id: .null)], asBatch: false)
            }
            return await batchReply(entries, peer: peer)
        }
    }

    /// Runs a batch's entries in order, stopping (and answering the rest `reply_too_large`)
    /// once the reply would pass its cap, so one line never builds an unbounded reply.
    private func batchReply(_ entries: [IncomingEntry], peer: PeerCredentials) async -> Data? {
        var encoded: [Data] = []
        var size = 2
        var full = false
        for entry in entries {
            let response: Response?
            if full {
                response = Self.requestID(of: entry).map { .error(.replyTooLarge(limit: limits.maximumReplyBytes), id: $0) }
            } else {
                response = await answer(entry, peer: peer).map { capped($0, replySoFar: size) }
            }
            guard let response else { continue }
            if case .error(let error) = response.outcome, error.code == .replyTooLarge { full = true }
            let bytes = response.encoded()
            size += bytes.count + 1
            encoded.append(bytes)
        }
        return encoded.isEmpty ? nil : Response.line(encoded: encoded, asBatch: true)
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

    /// The response to one entry, or `nil` for a notification.
    public func answer(_ entry: IncomingEntry, peer: PeerCredentials) async -> Response? {
        switch entry {
        case .invalid(let error, let id):
            return .error(error, id: id)
        case .request(let request):
            let outcome = await run(request, peer: peer)
            guard let id = request.id else { return nil }
            return Response(id: id, outcome: outcome)
        }
    }

    private func run(_ request: Request, peer: PeerCredentials) async -> Response.Outcome {
        guard let entry = registry.entry(named: request.method) else {
            return .error(.methodNotFound(request.method))
        }
        var logger = logger
        logger[metadataKey: "method"] = "\(request.method)"
        if let id = request.id { logger[metadataKey: "request-id"] = "\(id)" }
        // A caller that has given up must find nothing done: a request that waited past
        // its deadline (a backlog after a stall) is not started.
        if let deadline = request.deadline, deadline.hasPassed {
            logger.info("call not started: the caller's deadline had passed")
            return .error(.deadlineExceeded())
        }
        let context = CallContext(peer: peer, requestID: request.id, logger: logger)
        do {
            let result = try await CallDeadline.$current.withValue(request.deadline) {
                try await entry.invoke(request.params, context)
            }
            logger.debug("call answered")
            return .result(result)
        } catch let error as any RPCErrorConvertible {
            let rpcError = error.rpcError
            logger.debug("call refused", metadata: ["code": "\(rpcError.code)", "reason": "\(rpcError.reason ?? "")"])
            return .error(rpcError)
        } catch {
            if let translated = translate(error, logger) { return .error(translated) }
            // Unexpected: log the type and description for operators, answer generically.
            logger.error("call failed", metadata: ["error": "\(String(reflecting: type(of: error)))"])
            return .error(.internalError())
        }
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
