import AuthService
import BillingService
import Foundation
import JSONRPC
import LinesService
import LinkingService
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
        return try [
            methods(of: AuthService.self, scratch: scratch),
            methods(of: RegistrationService.self, scratch: scratch),
            methods(of: BillingService.self, scratch: scratch),
            methods(of: LinkingService.self, scratch: scratch),
            methods(of: LinesService.self, scratch: scratch),
        ]
    }

    /// One service's methods, and the refusals it declares its own.
    public struct Table: Sendable {
        public var service: ServiceName
        public var registry: MethodRegistry
        /// Every case of the service's `Reason`, as (code, `data.reason`).
        public var reasons: [(code: Int, reason: String)]
    }

    private static func methods<Definition: ServiceDefinition>(of: Definition.Type, scratch: String) throws -> Table {
        let application = try EveryService.application(of: Definition.self, in: scratch)
        return Table(
            service: Definition.service, registry: try application.prepareOnSQLite().registry,
            reasons: Definition.Reason.allCases.map { ($0.code.rawValue, $0.rawValue) })
    }
}
