import JSONRPC

/// The error answer `call` got, or `nil` when it succeeded (or failed otherwise): for
/// tests that check which refusal a service gives.
public func refusal<T>(_ call: () async throws -> T) async -> RPCError? {
    do {
        _ = try await call()
        return nil
    } catch {
        return error as? RPCError
    }
}
