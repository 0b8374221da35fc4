import ArgumentParser
import Foundation
import ServiceClient
import ServiceContract

/// `madoctl keys`: the server key versions of a service and the records each protects,
/// and the retirement of one that protects none (README "Rotating the server secret").
struct Keys: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show a service's server key versions and how many records each still protects (operators).",
        subcommands: [Show.self, Retire.self], defaultSubcommand: Show.self)

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "show", abstract: "Each key version: current, held, retired, and the records it protects by kind.")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "The service.") var service: ServiceName

        func run() async throws {
            try await Output.call(ServiceKeys.self, .init(), on: service, with: connection) { result in
                result.keys.map(Keys.line).joined(separator: "\n")
            }
        }
    }

    struct Retire: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Retire a key version that is not current and protects no record; its file may then be removed.")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "The service.") var service: ServiceName
        @Argument(help: "The key version (1 for pepper, N for pepper.N).") var version: Int

        func run() async throws {
            try await Output.call(ServiceKeysRetire.self, .init(version: version), on: service, with: connection) { key in
                "\(service.rawValue): key version \(key.version) retired; its file (pepper\(key.version == 1 ? "" : ".\(key.version)")) is no longer needed"
            }
        }
    }

    /// One version as a line: `version 2 (current, held): 3 pin, 1 session`.
    static func line(_ key: ServerKeyUse) -> String {
        var state = [key.current ? "current" : nil, key.held ? "held" : "not held", key.retiredAt.map { "retired \($0)" }]
            .compactMap { $0 }
        if key.retiredAt != nil { state.removeAll { $0 == "not held" } }
        let records = key.records.isEmpty ? "protects nothing" : key.records.map { "\($0.count) \($0.kind)" }.joined(separator: ", ")
        return "version \(key.version) (\(state.joined(separator: ", "))): \(records)"
    }
}
