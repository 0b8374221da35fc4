import ArgumentParser

/// `madoctl`: the operator's command line for Madoguchi services.
public struct Madoctl: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "madoctl",
        abstract: "Call and inspect Madoguchi services over their Unix sockets.",
        discussion: """
            Exit status: 0 on success, 1 when a service answered with an error, 69 when a \
            service could not be reached or did not answer in time, 64 on bad usage.
            """,
        subcommands: [
            Call.self, Methods.self, Ping.self, Services.self, Outbox.self, Backup.self, Check.self, PINCommand.self, OTPCommand.self, Login.self, Contracts.self,
            SignUp.self, Application.self, Recover.self, CarrierID.self, Statements.self, Link.self, ISPContracts.self, ISP.self,
            Line.self, Lines.self, Generate.self, Bench.self,
        ]
    )

    public init() {}
}
