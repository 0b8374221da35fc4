import JSONRPC
import ServiceKit

/// Madoguchi auth/PIN service: PINs, passwords, sessions and one-time codes.
///
/// It answers the methods every service shares (`service.ping`, `service.info`,
/// `rpc.discover`); its domain methods are registered here as they are built.
public struct AuthService: ServiceDefinition {
    public static let name = "auth"
    public static let title = "Madoguchi auth/PIN service: PINs, passwords, sessions and one-time codes."

    public init(resources: ServiceResources) {}

    public func registerMethods(in registry: inout MethodRegistry) {}
}
