import JSONRPC
import ServiceKit

/// Madoguchi account-linking service: ISP contracts linked to carrier IDs.
///
/// It answers the methods every service shares (`service.ping`, `service.info`,
/// `service.health`, `rpc.discover`); its domain methods are registered here as they
/// are built.
public struct LinkingService: ServiceDefinition {
    public static let name = "linking"
    public static let dependencies = ["auth", "registration"]
    public static let title = "Madoguchi account-linking service: ISP contracts linked to carrier IDs."

    public init(resources: ServiceResources, options: NoServiceOptions) {}

    public func registerMethods(in registry: inout MethodRegistry) {}
}
