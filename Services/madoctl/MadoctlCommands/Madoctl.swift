import ArgumentParser
import ServiceContract

/// `madoctl`: the operator's command line for Madoguchi services.
public struct Madoctl: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "madoctl",
        abstract: "Call and inspect Madoguchi services over their Unix sockets.",
        discussion: """
            Exit status: 0 on success, 1 when a service answered with an error, 69 when a \
            service could not be reached or did not answer in time, 64 on bad usage. The \
            connection options (--json, --runtime-dir, --timeout) may come before the \
            subcommand too: madoctl --json ping.
            """,
        version: MadoguchiVersion.current,
        subcommands: [
            Call.self, Methods.self, Ping.self, Services.self, Login.self, Audit.self, Outbox.self, Backup.self, Check.self, Keys.self, Customer.self,
            PINCommand.self, OTPCommand.self, Contracts.self, SignUp.self, Application.self, Recover.self, CarrierID.self,
            Statements.self, Link.self, ISPContracts.self, ISP.self, Line.self, Lines.self, Generate.self, Bench.self,
        ]
    )

    public init() {}

    /// `madoctl` alone: the usage, on standard error, as a usage error (64).
    public func run() async throws {
        Output.standardError(Self.helpMessage())
        throw ExitCode(64)
    }

    /// The command line with the connection options given before the subcommand moved to
    /// its end, where the subcommand's own `ConnectionOptions` read them (before a `--`,
    /// which ends the options).
    public static func withLeadingOptionsMoved(_ arguments: [String]) -> [String] {
        var leading: [String] = []
        var rest = arguments[...]
        while let first = rest.first {
            if first == "--json" {
                leading.append(first)
                rest = rest.dropFirst()
            } else if ["--runtime-dir", "--timeout"].contains(first), rest.count >= 2 {
                leading += rest.prefix(2)
                rest = rest.dropFirst(2)
            } else if first.hasPrefix("--runtime-dir=") || first.hasPrefix("--timeout=") {
                leading.append(first)
                rest = rest.dropFirst()
            } else {
                break
            }
        }
        guard !leading.isEmpty else { return arguments }
        var moved = Array(rest)
        moved.insert(contentsOf: leading, at: moved.firstIndex(of: "--") ?? moved.endIndex)
        return moved
    }
}
