import Foundation
import JSONRPC
import ServiceContract

/// Printing for `madoctl`.
enum Output {
    static func standardError(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    /// `value` as indented JSON with sorted keys, for people.
    static func pretty(_ value: JSONValue) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? value.jsonText
    }
}

extension Output {
    /// Calls a typed method on `service` and prints its result: `show` for people, the
    /// result as JSON with `--json`. Failures exit as `Failure` says.
    static func call<M: RPCMethod>(
        _ method: M.Type, _ params: M.Params, on service: ServiceName, with connection: ConnectionOptions,
        timeout: Duration? = nil, show: (M.Result) -> String
    ) async throws {
        do {
            let client = try await connection.connect(to: service)
            let result = try await client.call(method, params, timeout: timeout ?? connection.callTimeout)
            await client.close()
            print(connection.json ? (try JSONValue(encoding: result)).jsonText : show(result))
        } catch {
            throw Failure.exit(error, json: connection.json)
        }
    }
}
