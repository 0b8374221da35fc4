import ArgumentParser
import LinesAPI
import MadoguchiModels
import ServiceContract

extension Madoctl.Line {
    /// `madoctl line forward start|stop|status`.
    struct Forward: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Call forwarding.", subcommands: [Start.self, Stop.self, Status.self])

        static func describe(_ status: ForwardingStatus) -> String {
            guard status.active, let destination = status.destination else { return "forwarding: off" }
            return "forwarding: to \(destination) since \(status.since ?? "?")"
        }

        struct Start: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Forward calls to a destination number.")
            @OptionGroup var connection: ConnectionOptions
            @OptionGroup var access: LineAccessOptions
            @Argument(help: "The number calls are forwarded to.", transform: PhoneNumber.argument) var destination: PhoneNumber

            func run() async throws {
                let params = LineForwardStart.Params(
                    access: try access.access(), destination: destination, origin: access.origin)
                try await Output.call(LineForwardStart.self, params, on: .lines, with: connection, show: describe)
            }
        }

        struct Stop: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Stop forwarding.")
            @OptionGroup var connection: ConnectionOptions
            @OptionGroup var access: LineAccessOptions

            func run() async throws {
                let params = try access.lineParams()
                try await Output.call(LineForwardStop.self, params, on: .lines, with: connection, show: describe)
            }
        }

        struct Status: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Whether and where calls are forwarded.")
            @OptionGroup var connection: ConnectionOptions
            @OptionGroup var access: LineAccessOptions

            func run() async throws {
                let params = try access.lineParams()
                try await Output.call(LineForwardStatus.self, params, on: .lines, with: connection, show: describe)
            }
        }
    }
}
