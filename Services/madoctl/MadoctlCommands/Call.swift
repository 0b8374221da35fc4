import ArgumentParser
import Foundation
import JSONRPC

extension Madoctl {
    /// `madoctl call SERVICE METHOD [JSON]`.
    struct Call: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Call any method of a service.")

        @OptionGroup var connection: ConnectionOptions

        @Argument(help: "A service's name, or a socket path.")
        var service: ServiceAddress

        @Argument(help: "The method, e.g. service.info.")
        var method: String

        @Argument(help: "The params as a JSON object or array (optional).")
        var params: String?

        func validate() throws {
            if let params, parsedParams(params) == nil {
                throw ValidationError("The params must be a JSON object or array.")
            }
        }

        func run() async throws {
            do {
                let client = try await connection.connect(to: service)
                defer { Task { await client.close() } }
                let result = try await client.call(method: method, params: params.flatMap(parsedParams))
                print(connection.json ? result.jsonText : Output.pretty(result))
            } catch {
                throw Failure.exit(error, json: connection.json)
            }
        }

        private func parsedParams(_ text: String) -> JSONValue? {
            guard let value = try? JSONCoding.decoder.decode(JSONValue.self, from: Data(text.utf8)) else { return nil }
            switch value {
            case .object, .array: return value
            default: return nil
            }
        }
    }
}
