import JSONRPC
import ServiceKit

/// Madoguchi registration service: contract records, My Page sign-up, applications and recovery.
///
/// It answers the methods every service shares (`service.ping`, `service.info`,
/// `service.health`, `rpc.discover`); its domain methods are registered here as they
/// are built.
public struct RegistrationService: ServiceDefinition {
    public static let name = "registration"
    public static let dependencies = ["auth"]
    public static let title = "Madoguchi registration service: contract records, My Page sign-up, applications and recovery."

    public init(resources: ServiceResources, options: NoServiceOptions) {}

    public func registerMethods(in registry: inout MethodRegistry) {}
}
