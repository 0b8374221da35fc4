import ArgumentParser
import Foundation
import JSONRPC
import NIOCore

extension Madoctl {
    /// `madoctl bench`: a load tool for any method of any service (BENCHMARKS.md).
    struct Bench: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Drive one method of a service with many connections and pipelined calls; report calls/s and latency.")

        @OptionGroup var connection: ConnectionOptions

        @Argument(help: "A service's name, or a socket path.")
        var service: ServiceAddress

        @Argument(help: "The method, e.g. service.ping or pin.verify.")
        var method: String

        @Option(help: "Connections at once.")
        var connections = 1

        @Option(help: "Calls in flight on each connection.")
        var pipeline = 1

        @Option(help: "Seconds to run (default 10 unless --count is given).")
        var duration: Double?

        @Option(help: "Calls in all, instead of a duration.")
        var count: Int?

        @Option(help: "Params of every call, as JSON.")
        var params: String?

        @Option(help: "A JSON Lines file of params, one per call in turn (a data set).")
        var paramsFile: String?

        @Option(help: "The params line of the data set to start from (0 is the first).")
        var paramsStart = 0

        @Option(help: "Event loop threads of the tool (default: one per core).")
        var threads: Int = System.coreCount

        func validate() throws {
            guard connections > 0, pipeline > 0, threads > 0, paramsStart >= 0 else { throw ValidationError("--connections, --pipeline and --threads must be positive, --params-start not negative.") }
            if let count, count <= 0 { throw ValidationError("--count must be positive.") }
            if let duration, duration <= 0 { throw ValidationError("--duration must be positive.") }
            if params != nil, paramsFile != nil { throw ValidationError("Give --params or --params-file, not both.") }
        }

        func run() async throws {
            let requests: BenchRequests
            do {
                requests = try BenchRequests(
                    method: method, params: try paramsFile.map(BenchRequests.params(inFile:)) ?? params.map { [$0] } ?? [])
            } catch let error as BenchError {
                throw ValidationError(error.description)
            }
            let seconds = duration ?? (count == nil ? 10 : nil)
            let driver = LoadDriver(
                socketPath: connection.socketPath(for: service), requests: requests, connections: connections,
                pipeline: pipeline, duration: seconds.map { .nanoseconds(Int64($0 * 1e9)) }, count: count,
                paramsStart: paramsStart, threads: threads)
            let result: LoadDriver.Result
            do {
                result = try await driver.run()
            } catch {
                throw Failure.exit(Failure.unreachable("\(error)"), json: connection.json)
            }
            let report = BenchReport(
                service: service.description, method: method, connections: connections, pipeline: pipeline, result: result)
            print(connection.json ? report.json : report.table)
            if result.errors > 0 {
                Output.standardError("\(result.errors) calls answered with an error; the first: \(result.firstError ?? "(none read)")")
                throw ExitCode(1)
            }
        }
    }
}
