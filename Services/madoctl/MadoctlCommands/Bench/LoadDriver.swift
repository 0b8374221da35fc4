import Histogram
import NIOCore
import NIOExtras
import NIOPosix

/// Drives one method of one service over its socket: `connections` connections, each
/// with `pipeline` calls in flight, for a duration or a count of calls.
struct LoadDriver {
    let socketPath: String
    let requests: BenchRequests
    let connections: Int
    let pipeline: Int
    let duration: TimeAmount?
    let count: Int?
    /// The params line the first connection starts from (later runs over the same data
    /// set can go on where an earlier one stopped).
    let paramsStart: Int
    let threads: Int

    struct Result: Sendable {
        var latencies: Histogram<UInt64>
        var calls: Int
        var errors: Int
        var firstError: String?
        var seconds: Double
    }

    func run() async throws -> Result {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
        do {
            let result = try await drive(group)
            try await group.shutdownGracefully()
            return result
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
    }

    private func drive(_ group: MultiThreadedEventLoopGroup) async throws -> Result {
        let deadline = duration.map { NIODeadline.now() + $0 }
        let started = NIODeadline.now()
        var outcomes: [EventLoopFuture<PipelinedCaller.Outcome>] = []
        var firstParams = paramsStart
        for number in 0..<connections {
            let loop = group.next()
            let done = loop.makePromise(of: PipelinedCaller.Outcome.self)
            // The count is shared out; the first connections take the remainder.
            let quota = count.map { $0 / connections + (number < $0 % connections ? 1 : 0) }
            let connectionParams = firstParams
            // A count gives each connection the stretch after the one before; a duration
            // spreads the connections evenly over the data set.
            firstParams += quota ?? max(1, requests.paramsCount / connections)
            let connected = ClientBootstrap(group: loop)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        // Made on the channel's loop, where it lives.
                        let caller = PipelinedCaller(
                            requests: requests, pipeline: pipeline, quota: quota, deadline: deadline,
                            firstID: number * 1_000_000_000, firstParams: connectionParams, done: done)
                        try channel.pipeline.syncOperations.addHandlers(
                            ByteToMessageHandler(LineBasedFrameDecoder(), maximumBufferSize: 64 << 20), caller)
                    }
                }
                .connect(unixDomainSocketPath: socketPath)
            outcomes.append(connected.flatMap { _ in done.futureResult })
        }
        var total = Result(latencies: PipelinedCaller.latencyHistogram(), calls: 0, errors: 0, firstError: nil, seconds: 0)
        for outcome in outcomes {
            let one = try await outcome.get()
            total.latencies.add(one.latencies)
            total.calls += one.calls
            total.errors += one.errors
            total.firstError = total.firstError ?? one.firstError
        }
        total.seconds = Double((NIODeadline.now() - started).nanoseconds) / 1e9
        return total
    }
}
