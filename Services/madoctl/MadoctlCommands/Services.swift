import ArgumentParser
import ServiceContract

extension Madoctl {
    /// `madoctl services`: the list of services, one name a line, from `ServiceName`: what
    /// the compose scripts and the installer read, so that no script keeps a list of its own.
    struct Services: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the Madoguchi services, one name a line (what the compose scripts read).")

        @Flag(help: "Print each executable's name (madoguchi-auth) instead.")
        var executables = false

        func run() {
            for service in ServiceName.allCases {
                print(executables ? service.executable : service.rawValue)
            }
        }
    }
}
