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
                guard let input = try Self.standardInput(upTo: Self.longestParams) else {
                    throw ValidationError("Standard input holds more than \(Self.longestParams >> 20) MiB: no service reads params that long.")
                }
                guard let read = parsedParams(String(decoding: input, as: UTF8.self)) else {
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

        /// The longest params read from standard input: above the longest message any
        /// service reads (registration's 6 MiB), so that `/dev/zero` is refused at once.
        static let longestParams = 8 << 20

        /// Standard input to its end, or nil when it holds more than `limit` bytes.
        static func standardInput(upTo limit: Int) throws -> Data? {
            var data = Data()
            while let chunk = try FileHandle.standardInput.read(upToCount: 1 << 16), !chunk.isEmpty {
                data.append(chunk)
                if data.count > limit { return nil }
            }
            return data
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
