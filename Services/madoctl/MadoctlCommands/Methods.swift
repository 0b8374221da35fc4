import ArgumentParser
import JSONRPC

extension Madoctl {
    /// `madoctl methods SERVICE`: the service's methods, from `rpc.discover`.
    struct Methods: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a service's methods and their params.")

        @OptionGroup var connection: ConnectionOptions

        @Argument(help: "A service's name, or a socket path.")
        var service: ServiceAddress

        func run() async throws {
            let document: JSONValue
            do {
                let client = try await connection.connect(to: service)
                document = try await client.call(RPCDiscover.self).document
                await client.close()
            } catch {
                throw Failure.exit(error, json: connection.json)
            }
            if connection.json {
                print(document.jsonText)
                return
            }
            guard case .array(let methods)? = document["methods"] else { return }
            for method in methods {
                print("\(method["name"]?.stringValue ?? "?")  —  \(method["summary"]?.stringValue ?? "")")
                if case .array(let params)? = method["params"] {
                    for param in params {
                        let name = param["name"]?.stringValue ?? "?"
                        let type = param["schema"]?["type"]?.stringValue ?? "any"
                        let required = param["required"] == .bool(true) ? "required" : "optional"
                        print("    \(name): \(type) (\(required))")
                    }
                }
            }
        }
    }
}
