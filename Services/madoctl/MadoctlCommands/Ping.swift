import ArgumentParser
import Foundation
import JSONRPC
import JSONRPCTransport
import ServiceClient
import ServiceContract

extension Madoctl {
    /// `madoctl ping`: `service.ping` on every service, with the round trip.
    struct Ping: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Ping every service (or those named) and show latency.")

        @OptionGroup var connection: ConnectionOptions

        @Argument(help: "Services to ping, by name or socket path (default: all).")
        var services: [ServiceAddress] = []

        struct Outcome: Codable {
            var service: String
            var ok: Bool
            var milliseconds: Double?
            var error: String?
        }

        func run() async throws {
            var outcomes: [Outcome] = []
            for service in services.isEmpty ? ServiceName.allCases.map(ServiceAddress.service) : services {
                outcomes.append(await ping(service))
            }
            if connection.json {
                print((try? JSONValue(encoding: outcomes).jsonText) ?? "[]")
            } else {
                for outcome in outcomes {
                    let name = outcome.service.padding(toLength: 14, withPad: " ", startingAt: 0)
                    if let milliseconds = outcome.milliseconds {
                        print("\(name) ok    \(String(format: "%.2f", milliseconds)) ms")
                    } else {
                        print("\(name) FAIL  \(outcome.error ?? "")")
                    }
                }
            }
            if outcomes.contains(where: { !$0.ok }) { throw ExitCode(69) }
        }

        private func ping(_ service: ServiceAddress) async -> Outcome {
            let started = ContinuousClock.now
            do {
                let client = try await RPCClient.connect(
                    socketPath: connection.socketPath(for: service), defaultTimeout: connection.callTimeout)
                _ = try await client.call(ServicePing.self)
                let elapsed = ContinuousClock.now - started
                await client.close()
                let milliseconds = Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000
                return Outcome(service: service.description, ok: true, milliseconds: milliseconds)
            } catch {
                return Outcome(service: service.description, ok: false, error: "\(error)")
            }
        }
    }
}
