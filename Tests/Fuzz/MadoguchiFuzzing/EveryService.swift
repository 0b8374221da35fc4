import AuthService
import BillingService
import Foundation
import LinesService
import LinkingService
import Logging
import RegistrationService
import ServiceContract
import ServiceKit

/// Each of the five services opened in-process as it starts (`ServiceApplication.prepare`:
/// its state, storage and migrations), for tests of what every service's storage does —
/// a service added to this list is checked by them all.
public enum EveryService {
    /// One service opened: its storage, and the rows it keeps only for so long.
    public struct Opened: Sendable {
        public var service: ServiceName
        public var storage: ServiceStorage
        public var retentionRules: [RetentionRule]
        /// Ends what opening started (the PostgreSQL client's run).
        public var close: @Sendable () -> Void
    }

    /// Every service opened with its state folder in `folder`, and `arguments(service)`
    /// added to its options (`--database postgres` and the rest, for PostgreSQL).
    public static func open(in folder: String, arguments: (ServiceName) -> [String] = { _ in [] }) async throws -> [Opened] {
        var opened: [Opened] = []
        do {
            opened.append(try await open(AuthService.self, in: folder, arguments: arguments(.auth)))
            opened.append(try await open(RegistrationService.self, in: folder, arguments: arguments(.registration)))
            opened.append(try await open(BillingService.self, in: folder, arguments: arguments(.billing)))
            opened.append(try await open(LinkingService.self, in: folder, arguments: arguments(.linking)))
            opened.append(try await open(LinesService.self, in: folder, arguments: arguments(.lines)))
            return opened
        } catch {
            for service in opened { service.close() }
            throw error
        }
    }

    private static func open<Definition: ServiceDefinition>(
        _: Definition.Type, in folder: String, arguments: [String]
    ) async throws -> Opened {
        let application = try self.application(of: Definition.self, in: folder, arguments: arguments)
        let prepared = try await application.prepare()
        return Opened(
            service: Definition.service, storage: prepared.resources.storage,
            retentionRules: ServiceApplication<Definition>.retentionRules(auditRetention: application.configuration.auditRetention),
            close: prepared.close)
    }

    /// The service as its `main` makes it, with its state folder (made here: a service
    /// never creates its own) in `folder` and `arguments` added to its options; logging nothing.
    static func application<Definition: ServiceDefinition>(
        of: Definition.Type, in folder: String, arguments: [String] = []
    ) throws -> ServiceApplication<Definition> {
        let state = folder + "/" + Definition.name
        try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let options = try ServiceOptions.parse(["--state-dir", state, "--runtime-dir", folder] + arguments)
        return ServiceApplication<Definition>(
            configuration: ServiceConfiguration(service: Definition.service, options: options, environment: [:]),
            options: try Definition.Options.parse([]), logger: Logger(label: "madoguchi-in-process") { _ in SwiftLogNoOpLogHandler() })
    }
}
