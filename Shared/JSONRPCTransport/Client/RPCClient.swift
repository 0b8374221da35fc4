import Foundation
import JSONRPC
import NIOConcurrencyHelpers
import NIOCore
import NIOExtras
import NIOFoundationCompat
import NIOPosix

/// A JSON-RPC client on one Unix socket connection. Calls may run concurrently; they are
/// pipelined on the connection and matched to answers by id.
///
/// Every call has a timeout, sent to the service as the call's deadline (`CallDeadline`),
/// and every pending call fails when the connection drops, so a caller never hangs on a
/// dead service. An answer that arrives after its call timed out is dropped, never given
/// to another call.
public final class RPCClient: Sendable {
    /// The timeout of calls that do not name their own.
    public let defaultTimeout: Duration
    private let channel: Channel
    private let nextID = NIOLockedValueBox<Int64>(1)
    private let lateAnswerCount: LateAnswerCount

    private init(channel: Channel, defaultTimeout: Duration, lateAnswers: LateAnswerCount) {
        self.channel = channel
        self.defaultTimeout = defaultTimeout
        self.lateAnswerCount = lateAnswers
    }

    /// Answers that arrived after their call had timed out, and were dropped.
    public var lateAnswers: Int { lateAnswerCount.value }

    /// Connects to the service listening on `socketPath`.
    public static func connect(
        socketPath: String,
        defaultTimeout: Duration = .seconds(5),
        maximumMessageBytes: Int = 16 << 20,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws -> RPCClient {
        let lateAnswers = LateAnswerCount()
        let bootstrap = ClientBootstrap(group: eventLoopGroup)
            .connectTimeout(TimeAmount(defaultTimeout))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        ByteToMessageHandler(LineBasedFrameDecoder(), maximumBufferSize: maximumMessageBytes))
                    try channel.pipeline.syncOperations.addHandler(ClientChannelHandler(lateAnswers: lateAnswers))
                }
            }
        do {
            let channel = try await bootstrap.connect(unixDomainSocketPath: socketPath).get()
            return RPCClient(channel: channel, defaultTimeout: defaultTimeout, lateAnswers: lateAnswers)
        } catch let error as IOError {
            throw RPCClientError(.connectFailed, "Cannot connect to \(socketPath): \(Self.explain(error.errnoCode)).")
        } catch {
            throw RPCClientError(.connectFailed, "Cannot connect to \(socketPath): \(error).")
        }
    }

    private static func explain(_ errno: Int32) -> String {
        switch errno {
        case ENOENT: "no socket there (is the service running?)"
        case ECONNREFUSED: "nothing is listening on it"
        case EACCES, EPERM: "permission denied"
        case EAGAIN: "the service's accept queue is full"
        default: String(cString: strerror(errno))
        }
    }

    /// Calls a typed method and decodes its result; an error answer is thrown as `RPCError`.
    public func call<M: RPCMethod>(_ method: M.Type, _ params: M.Params, timeout: Duration? = nil) async throws
        -> M.Result
    {
        let answer = try await send(method: M.name, params: JSONValueEncoder.json(params), timeout: timeout)
        return try Self.result(M.Result.self, of: answer)
    }

    /// Calls a typed method with params already written as JSON (an object), for callers
    /// that send large batches of JSON they already hold as text (an import file's lines)
    /// and would otherwise parse it only to have an encoder write it out again.
    public func call<M: RPCMethod>(_ method: M.Type, encodedParams: Data, timeout: Duration? = nil) async throws
        -> M.Result
    {
        let answer = try await send(method: M.name, params: encodedParams, timeout: timeout)
        return try Self.result(M.Result.self, of: answer)
    }

    /// Calls a typed method that takes no params.
    public func call<M: RPCMethod>(_ method: M.Type, timeout: Duration? = nil) async throws -> M.Result
    where M.Params == NoParams {
        try await call(method, NoParams(), timeout: timeout)
    }

    /// Calls a method by name with untyped params (for tools like `madoctl`).
    public func call(method: String, params: JSONValue?, timeout: Duration? = nil) async throws -> JSONValue {
        let answer = try await send(method: method, params: params.map { $0.compactJSON }, timeout: timeout)
        return try Self.result(JSONValue.self, of: answer)
    }

    /// Sends a notification: no answer is expected or waited for.
    public func notify(method: String, params: JSONValue?) async throws {
        let line = Self.requestLine(id: nil, method: method, params: try params.map { try JSONCoding.encoder.encode($0) })
        try await channel.writeAndFlush(OutgoingCall(id: nil, line: line, timeout: .seconds(0), promise: nil))
    }

    /// Closes the connection; pending calls fail with `connectionClosed`.
    public func close() async {
        try? await channel.close()
    }

    /// Starts closing the connection and returns at once, for callers that cannot await
    /// (a timer on an event loop); pending calls fail with `connectionClosed`.
    public func closeWithoutWaiting() {
        channel.close(promise: nil)
    }

    /// Whether the connection is still open.
    public var isConnected: Bool { channel.isActive }

    private func send(method: String, params: Data?, timeout: Duration?) async throws -> JSONValue {
        let id = nextID.withLockedValue { value in
            defer { value += 1 }
            return value
        }
        // Wait no longer than the call this one serves (if any) may wait, and tell the
        // callee when we give up, a little early, so that an answer it sends just in
        // time still reaches us: it then refuses or rolls back work that would come too
        // late, and our `timedOut` means "not done".
        var budget = timeout ?? defaultTimeout
        if let served = CallDeadline.current { budget = min(budget, served.remaining) }
        guard budget > .zero else { throw RPCError.deadlineExceeded() }
        let deadline = CallDeadline.after(budget - min(budget / 10, .milliseconds(100)))
        let promise = channel.eventLoop.makePromise(of: JSONValue.self)
        let call = OutgoingCall(
            id: id, line: Self.requestLine(id: id, method: method, params: params, deadline: deadline),
            timeout: TimeAmount(budget), promise: promise)
        channel.writeAndFlush(call).whenFailure { error in
            promise.fail(RPCClientError(.connectionClosed, "Cannot send to the service: \(error)."))
        }
        return try await promise.futureResult.get()
    }

    private static func requestLine(id: Int64?, method: String, params: Data?, deadline: CallDeadline? = nil)
        -> ByteBuffer
    {
        var buffer = ByteBuffer()
        buffer.writeString(#"{"jsonrpc":"2.0","#)
        if let id { buffer.writeString(#""id":\#(id),"#) }
        if let deadline { buffer.writeString(#""deadline":\#(deadline.nanoseconds),"#) }
        buffer.writeString(#""method":"#)
        buffer.writeBytes(JSONValue.string(method).compactJSON)
        if let params {
            buffer.writeString(#","params":"#)
            buffer.writeBytes(params)
        }
        buffer.writeString("}\n")
        return buffer
    }

    /// The result of an answer (parsed by `ClientChannelHandler`), decoded in one pass; an
    /// error answer is thrown as `RPCError`.
    private static func result<Result: Decodable>(_ type: Result.Type, of answer: JSONValue) throws -> Result {
        let decoder = JSONValueDecoder()
        if let error = answer["error"], error != .null {
            guard let refusal = try? decoder.decode(RPCError.self, from: error) else {
                throw RPCClientError(.invalidResponse, "The service's error answer could not be read.")
            }
            throw refusal
        }
        guard let result = answer["result"] else {
            throw RPCClientError(.invalidResponse, "The service's answer has neither result nor error.")
        }
        do {
            return try decoder.decode(Result.self, from: result)
        } catch {
            throw RPCClientError(.invalidResponse, "The service's answer could not be read: \(error).")
        }
    }
}
