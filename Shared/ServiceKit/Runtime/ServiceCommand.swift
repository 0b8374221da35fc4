import ArgumentParser
import Foundation
import Logging
import ServiceContract

/// The command line of every service executable: `madoguchi-<name> [options]`. A
/// service's `main.swift` is one line: `await ServiceCommand<MyService>.start()`.
public struct ServiceCommand<Definition: ServiceDefinition>: AsyncParsableCommand {
    public static var configuration: CommandConfiguration {
        CommandConfiguration(commandName: "madoguchi-\(Definition.name)", abstract: Definition.title, version: MadoguchiVersion.current)
    }

    @OptionGroup public var options: ServiceOptions
    @OptionGroup(title: "Service options") public var serviceOptions: Definition.Options

    public init() {}

    public func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let configuration = ServiceConfiguration(service: Definition.service, options: options, environment: environment)
        ServiceLogHandler.bootstrap(level: configuration.logLevel, environment: environment)
        let logger = Logger(label: "madoguchi-\(Definition.name)")
        do {
            try await ServiceApplication<Definition>(
                configuration: configuration, options: serviceOptions, logger: logger
            ).run()
        } catch let refusal as StartupRefusal {
            logger.critical("refusing to start: \(refusal)")
            throw ExitCode(StartupRefusal.exitCode)
        } catch {
            logger.critical("cannot run", metadata: ["error": "\(error)"])
            throw ExitCode.failure
        }
    }
}

extension AsyncParsableCommand {
    /// Parses the process's arguments and runs the chosen command, exiting with a message
    /// and the right status on bad usage or failure.
    ///
    /// Called from a top-level `main.swift`, `main()` resolves to the synchronous
    /// `ParsableCommand.main()`, which cannot run an async command; this entry point
    /// always awaits it.
    public static func start() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}
