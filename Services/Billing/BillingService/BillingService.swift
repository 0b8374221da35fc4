import JSONRPC
import ServiceKit

/// Madoguchi billing service: monthly statements for the last 15 months.
///
/// It answers the methods every service shares (`service.ping`, `service.info`,
/// `service.health`, `rpc.discover`); its domain methods are registered here as they
/// are built.
public struct BillingService: ServiceDefinition {
    public static let name = "billing"
    public static let dependencies = ["auth"]
    public static let title = "Madoguchi billing service: monthly statements for the last 15 months."

    public init(resources: ServiceResources, options: NoServiceOptions) {}

    public func registerMethods(in registry: inout MethodRegistry) {}
}
