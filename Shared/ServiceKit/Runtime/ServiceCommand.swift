import ArgumentParser
import Foundation
import Logging

/// The command line of every service executable: `madoguchi-<name> [options]`. A
/// service's `main.swift` is one line: `await ServiceCommand<MyService>.start()`.
public struct ServiceCommand<Definition: ServiceDefinition>: AsyncParsableCommand {
    public static var configuration: CommandConfiguration {
        CommandConfiguration(commandName: "madoguchi-\(Definition.name)", abstract: Definition.title)
    }

    @OptionGroup public var options: ServiceOptions

    public init() {}

    /// Parses the process's arguments and runs the service; exits with a message and a
    /// non-zero status on bad arguments or a failed start.
    public static func start() async {
        do {
            let command = try parseAsRoot()
            guard let service = command as? Self else {
                // --help and --version parse as other commands; running them prints and exits.
                var other = command
                try other.run()
                return
            }
            try await service.run()
        } catch {
            exit(withError: error)
        }
    }

    public func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let configuration = ServiceConfiguration(serviceName: Definition.name, options: options, environment: environment)
        ServiceLogHandler.bootstrap(level: configuration.logLevel, environment: environment)
        let logger = Logger(label: "madoguchi-\(Definition.name)")
        do {
            try await ServiceApplication<Definition>(configuration: configuration, logger: logger).run()
        } catch {
            logger.critical("cannot run", metadata: ["error": "\(error)"])
            throw ExitCode.failure
        }
    }
}
