import JSONRPC
import MadoguchiModels

/// A key a caller sends with a call it may have to repeat (its answer lost to a timeout
/// or a restart): the same key with the same params gets the first call's answer again
/// instead of applying the call twice. 8 to 64 of `A-Z a-z 0-9 - _` (a UUID fits).
public struct IdempotencyKey: StringRepresentedValue, Hashable, JSONSchemaDescribing {
    public let value: String

    public init(validating text: String) throws(ModelValidationError) {
        guard (8...64).contains(text.utf8.count),
            text.utf8.allSatisfy({
                (0x30...0x39).contains($0) || (0x41...0x5A).contains($0) || (0x61...0x7A).contains($0) || $0 == 0x2D
                    || $0 == 0x5F
            })
        else {
            throw ModelValidationError(
                field: "idempotencyKey", reason: "invalid_idempotency_key",
                message: "An idempotency key is 8 to 64 of A-Z, a-z, 0-9, - and _.")
        }
        value = text
    }

    public var canonicalText: String { value }

    public static var jsonSchema: JSONSchema {
        .string(description: "Repeat with the same params to get the first answer again instead of a second effect.")
    }
}

extension RPCError {
    /// The refusal of an idempotency key sent again with different params.
    public static let idempotencyKeyReused = RPCError(
        CommonReason.idempotencyKeyReused,
        message: "This idempotency key was used for a different call; use a new key for a new call.")
}
