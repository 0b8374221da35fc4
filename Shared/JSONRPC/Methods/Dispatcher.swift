import Foundation
import Logging

/// Answers one incoming line: parses it, runs each request's handler and encodes the
/// reply line, following the specification for notifications and batches.
///
/// It never throws and never crashes on input: every fault becomes an error response.
public struct Dispatcher: Sendable {
    public let registry: MethodRegistry
    public let logger: Logger

    public init(registry: MethodRegistry, logger: Logger) {
        self.registry = registry
        self.logger = logger
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
            return Response.line(for: [response], asBatch: false)
        case .batch(let entries):
            var responses: [Response] = []
            for entry in entries {
                if let response = await answer(entry, peer: peer) { responses.append(response) }
            }
            return responses.isEmpty ? nil : Response.line(for: responses, asBatch: true)
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
        let context = CallContext(peer: peer, requestID: request.id, logger: logger)
        do {
            let result = try await entry.invoke(request.params, context)
            logger.debug("call answered")
            return .result(result)
        } catch let error as any RPCErrorConvertible {
            let rpcError = error.rpcError
            logger.debug("call refused", metadata: ["code": "\(rpcError.code)", "reason": "\(rpcError.reason ?? "")"])
            return .error(rpcError)
        } catch {
            // Unexpected: log the type and description for operators, answer generically.
            logger.error("call failed", metadata: ["error": "\(String(reflecting: type(of: error)))"])
            return .error(.internalError())
        }
    }
}
