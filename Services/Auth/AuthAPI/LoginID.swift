import MadoguchiModels

/// What a customer logs in with: an account ID or an e-mail address. Case-insensitive,
/// so it is kept in lower case.
public struct LoginID: Hashable, Sendable, StringRepresentedValue, CustomStringConvertible {
    public let value: String

    public init(validating text: String) throws(ModelValidationError) {
        let normalized = HalfWidth.normalize(text).lowercased()
        guard (5...254).contains(normalized.utf8.count), normalized.utf8.allSatisfy({ $0 >= 0x21 && $0 <= 0x7E }) else {
            throw ModelValidationError(
                field: "loginId", reason: "invalid_login_id",
                message: "A login ID is an account ID or an e-mail address (5 to 254 characters, no spaces).")
        }
        value = normalized
    }

    public var canonicalText: String { value }
    public var description: String { value }
}
