import ArgumentParser
import Foundation
import JSONRPC
import ServiceContract

extension Madoctl {
    /// `madoctl call SERVICE METHOD [JSON]`.
    struct Call: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Call any method of a service.")

        @OptionGroup var connection: ConnectionOptions

        @Argument(help: ArgumentHelp("A service (\(ServiceName.allCases.map(\.rawValue).joined(separator: ", "))) or a socket path."))
        var service: ServiceAddress

        @Argument(help: "The method, e.g. service.info.")
        var method: String

        @Argument(help: "The params as a JSON object or array (optional); - reads them from standard input (for secrets).")
        var params: String?

        func validate() throws {
            if let params, params != "-", parsedParams(params) == nil {
                throw ValidationError("The params must be a JSON object or array.")
            }
        }

        func run() async throws {
            var given = params.flatMap(parsedParams)
            if params == "-" {
                let text = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
                guard let read = parsedParams(text) else {
                    throw ValidationError("Standard input must hold the params as a JSON object or array.")
                }
                given = read
            }
            do {
                let client = try await connection.connect(to: service)
                let result: JSONValue
                do {
                    result = try await client.call(method: method, params: given)
                } catch {
                    await client.close()
                    throw error
                }
                await client.close()
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
