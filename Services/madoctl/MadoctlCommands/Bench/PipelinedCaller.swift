import Histogram
import NIOCore

/// One benchmark connection: keeps `pipeline` calls in flight, one more sent as each
/// answer arrives, until its quota or the deadline, recording each round trip.
///
/// Runs on its channel's event loop only, so it keeps its own histogram and counters
/// without locks; the driver adds them up at the end. Answers are matched by `id`
/// (a service may answer a connection's calls out of order), read with a byte scan
/// rather than a JSON parse, so the tool stays cheaper than the service it measures.
final class PipelinedCaller: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    struct Outcome: Sendable {
        var latencies: Histogram<UInt64>
        var calls: Int
        var errors: Int
        /// The first error answer, to say why calls failed.
        var firstError: String?
    }

    private let requests: BenchRequests
    private let pipeline: Int
    private var quota: Int?
    private let deadline: NIODeadline?
    private let done: EventLoopPromise<Outcome>
    private var sentAt: [Int: NIODeadline] = [:]
    private var nextID: Int
    private var nextParams: Int
    private var outcome: Outcome

    init(requests: BenchRequests, pipeline: Int, quota: Int?, deadline: NIODeadline?, firstID: Int, firstParams: Int, done: EventLoopPromise<Outcome>) {
        self.requests = requests
        self.pipeline = pipeline
        self.quota = quota
        self.deadline = deadline
        self.done = done
        nextID = firstID
        nextParams = firstParams
        outcome = Outcome(latencies: Self.latencyHistogram(), calls: 0, errors: 0, firstError: nil)
    }

    /// Round trips in µs, 1 µs to 60 s at three significant digits.
    static func latencyHistogram() -> Histogram<UInt64> { Histogram(highestTrackableValue: 60_000_000) }

    func channelActive(context: ChannelHandlerContext) {
        for _ in 0..<pipeline where mayStartAnother() { send(context: context) }
        context.flush()
        finishIfDone(context: context)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let now = NIODeadline.now()
        let line = unwrapInboundIn(data)
        guard let id = Self.id(in: line), let started = sentAt.removeValue(forKey: id) else {
            outcome.errors += 1
            context.close(promise: nil)
            return
        }
        _ = outcome.latencies.record(UInt64(max(0, (now - started).nanoseconds / 1000)))
        outcome.calls += 1
        if Self.isError(line) {
            outcome.errors += 1
            if outcome.firstError == nil { outcome.firstError = String(buffer: line) }
        }
        if mayStartAnother() {
            send(context: context)
            context.flush()
        }
        finishIfDone(context: context)
    }

    func channelInactive(context: ChannelHandlerContext) {
        // Calls still in flight when the service closed count as errors.
        outcome.errors += sentAt.count
        sentAt.removeAll()
        done.succeed(outcome)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    private func mayStartAnother() -> Bool {
        if let deadline, NIODeadline.now() >= deadline { return false }
        if let quota { return quota > 0 }
        return true
    }

    private func send(context: ChannelHandlerContext) {
        if let remaining = quota { quota = remaining - 1 }
        let id = nextID
        nextID += 1
        var buffer = context.channel.allocator.buffer(capacity: 256)
        requests.write(id: id, paramsIndex: nextParams, into: &buffer)
        nextParams += 1
        sentAt[id] = .now()
        context.write(wrapOutboundOut(buffer), promise: nil)
    }

    private func finishIfDone(context: ChannelHandlerContext) {
        if sentAt.isEmpty, !mayStartAnother() { context.close(promise: nil) }
    }

    /// The number after the first `"id":` of an answer line.
    static func id(in line: ByteBuffer) -> Int? {
        let bytes = line.readableBytesView
        guard let key = offset(of: idKey, in: line) else { return nil }
        let digits = bytes[(bytes.startIndex + key + idKey.count)...].drop { $0 == UInt8(ascii: " ") }
            .prefix { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
        guard !digits.isEmpty else { return nil }
        return digits.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
    }

    /// Whether an answer line is an error answer (it has a top-level `"error":` member;
    /// a result never names one, as the services answer errors only that way).
    static func isError(_ line: ByteBuffer) -> Bool {
        offset(of: errorKey, in: line) != nil
    }

    private static let idKey = Array(#""id":"#.utf8)
    private static let errorKey = Array(#""error":"#.utf8)

    /// Where `needle` first occurs in the line's readable bytes: a plain loop over the
    /// raw bytes, since the generic `firstRange(of:)` on a buffer view took over half the
    /// tool's CPU on 2 kB statement lists (the tool, not the service, was the limit), and
    /// Glibc's `memmem` is not visible to Swift.
    static func offset(of needle: [UInt8], in line: ByteBuffer) -> Int? {
        line.withUnsafeReadableBytes { haystack in
            guard needle.count <= haystack.count else { return nil }
            for start in 0...(haystack.count - needle.count) where haystack[start] == needle[0] {
                if needle.indices.allSatisfy({ haystack[start + $0] == needle[$0] }) { return start }
            }
            return nil
        }
    }
}
