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
        try await Self.run(options: options, serviceOptions: serviceOptions)
    }

    /// Runs the service until it is stopped.
    static func run(options: ServiceOptions, serviceOptions: Definition.Options) async throws {
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

    /// Starts the service from the process's arguments. A command line of plain
    /// `--name value` options that both option groups know and accept is read directly
    /// (`DirectlyParsable`), which spares every start swift-argument-parser's reflection;
    /// anything else — help, the version, a mistake — is parsed by swift-argument-parser,
    /// which answers it as usual.
    public static func start() async {
        guard let (options, serviceOptions) = parsedDirectly(Array(CommandLine.arguments.dropFirst())) else {
            return await parseAndRun()
        }
        do {
            try await run(options: options, serviceOptions: serviceOptions)
        } catch {
            exit(withError: error)
        }
    }

    /// Both option groups read from `arguments` without swift-argument-parser, and
    /// validated; nil when that is not how `arguments` are read.
    public static func parsedDirectly(_ arguments: [String]) -> (ServiceOptions, Definition.Options)? {
        guard var values = DirectOptionValues(arguments) else { return nil }
        do {
            let options = try ServiceOptions.parseDirectly(&values)
            var serviceOptions = try Definition.Options.parseDirectly(&values)
            guard values.isEmpty else { return nil }
            try options.validate()
            try serviceOptions.validate()
            return (options, serviceOptions)
        } catch {
            return nil
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
        await parseAndRun()
    }

    /// `start()`, by swift-argument-parser's parse.
    public static func parseAndRun() async {
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
