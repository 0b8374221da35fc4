import ArgumentParser
import Foundation
import JSONRPC
import JSONRPCTransport
import ServiceClient
import ServiceContract

/// How `madoctl` finds and talks to services.
struct ConnectionOptions: ParsableArguments {
    @Option(help: "Folder of the services' sockets (default: $MADOGUCHI_RUNTIME_DIR, else /run/madoguchi).")
    var runtimeDir: String?

    @Option(
        help: """
            Seconds to wait for each answer (default 10: longer than a service's usual 5 s limit \
            on its storage, so that a database out of reach is answered by name; longer by default \
            for what takes a service longer: import batches 60 s, an erasure 120 s, a check or a \
            backup, which read every page of a database, an hour).
            """)
    var timeout: Double?

    @Flag(help: "Print JSON for scripts instead of readable text.")
    var json = false

    var directory: ServiceDirectory {
        ServiceDirectory(
            runtimeDirectory: runtimeDir ?? ProcessInfo.processInfo.environment["MADOGUCHI_RUNTIME_DIR"] ?? "/run/madoguchi")
    }

    /// How long a call waits for its answer: `--timeout`, else 10 s.
    var callTimeout: Duration { callTimeout(unlessGiven: .seconds(10)) }

    /// `--timeout` when given, else `usual`: a call that works through a whole database (an
    /// integrity check, a backup) takes minutes on a large one.
    func callTimeout(unlessGiven usual: Duration) -> Duration { timeout.map { .milliseconds(Int64($0 * 1000)) } ?? usual }

    /// A service's socket in the runtime folder, or a socket path as given.
    func socketPath(for address: ServiceAddress) -> String {
        switch address {
        case .service(let name): directory.socketPath(of: name)
        case .socket(let path): path
        }
    }

    func connect(to service: ServiceName) async throws -> RPCClient {
        try await connect(to: .service(service))
    }

    func connect(to address: ServiceAddress) async throws -> RPCClient {
        do {
            return try await RPCClient.connect(socketPath: socketPath(for: address), defaultTimeout: callTimeout)
        } catch let error as RPCClientError {
            throw Failure.unreachable(error.message)
        }
    }
}

/// How a `madoctl` command fails, with the exit status each gets.
enum Failure: Error {
    /// The service answered with an error.
    case rpc(RPCError)
    /// The service could not be reached or did not answer.
    case unreachable(String)

    /// What the refusal says the caller can act on — tries left, when a lock ends, when
    /// to retry, the next business day — for the readable line, not only with `--json`.
    static func actionable(_ rpc: RPCError) -> String {
        let keys = ["attemptsLeft", "triesLeft", "unlocksAt", "retryAfter", "nextBusinessDay", "field"]
        let shown = keys.compactMap { key -> String? in
            guard let value = rpc.data?[key] else { return nil }
            return "\(key) \(value.stringValue ?? value.jsonText)"
        }
        return shown.isEmpty ? "" : "; " + shown.joined(separator: ", ")
    }

    /// Reports the failure on stderr (and as JSON on stdout with `--json`) and exits.
    static func exit(_ error: any Error, json: Bool) -> ExitCode {
        switch error {
        case let rpc as RPCError:
            return Self.exit(Failure.rpc(rpc), json: json)
        case let client as RPCClientError:
            return Self.exit(Failure.unreachable(client.message), json: json)
        case Failure.rpc(let rpc):
            if json { print(#"{"error":\#(((try? JSONValue(encoding: rpc)) ?? .null).jsonText)}"#) }
            Output.standardError(
                "error: \(rpc.message) (code \(rpc.code)\(rpc.reason.map { ", reason \($0)" } ?? "")\(actionable(rpc)))")
            return ExitCode(1)
        case Failure.unreachable(let message):
            Output.standardError("error: \(message)")
            return ExitCode(69)
        default:
            Output.standardError("error: \(error)")
            return ExitCode.failure
        }
    }
}
