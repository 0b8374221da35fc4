import AuthService
import BillingService
import Foundation
import JSONRPC
import LinesService
import LinkingService
import Logging
import RegistrationService
import ServiceContract
import ServiceKit

/// Every service's method table, the one it serves (`ServiceApplication.prepare`), for
/// the fuzzer and the contract test: a method added to a service is fuzzed and checked
/// without being listed here.
public enum ServiceTables {
    /// Builds the five tables in a scratch folder, removed again before returning (the
    /// tables keep no file open that a params check uses).
    public static func all() throws -> [Table] {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("madoguchi-tables-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let logger = Logger(label: "madoguchi-tables") { _ in SwiftLogNoOpLogHandler() }
        return try [
            methods(of: AuthService.self, scratch: scratch, logger: logger),
            methods(of: RegistrationService.self, scratch: scratch, logger: logger),
            methods(of: BillingService.self, scratch: scratch, logger: logger),
            methods(of: LinkingService.self, scratch: scratch, logger: logger),
            methods(of: LinesService.self, scratch: scratch, logger: logger),
        ]
    }

    /// One service's methods, and the refusals it declares its own.
    public struct Table: Sendable {
        public var service: ServiceName
        public var registry: MethodRegistry
        /// Every case of the service's `Reason`, as (code, `data.reason`).
        public var reasons: [(code: Int, reason: String)]
    }

    private static func methods<Definition: ServiceDefinition>(
        of: Definition.Type, scratch: String, logger: Logger
    ) throws -> Table {
        // A service never creates its state folder.
        try FileManager.default.createDirectory(
            atPath: scratch + "/" + Definition.name, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let options = try ServiceOptions.parse(["--state-dir", scratch + "/" + Definition.name, "--runtime-dir", scratch])
        let configuration = ServiceConfiguration(service: Definition.service, options: options, environment: [:])
        let application = ServiceApplication<Definition>(
            configuration: configuration, options: try Definition.Options.parse([]), logger: logger)
        return Table(
            service: Definition.service, registry: try application.prepareOnSQLite().registry,
            reasons: Definition.Reason.allCases.map { ($0.code.rawValue, $0.rawValue) })
    }
}
