/// A value that does not satisfy its type's rules.
///
/// The message names the rule, never the rejected value: some of these values are
/// secrets (PINs), and all of them are personal data.
public struct ModelValidationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The type that refused the value, e.g. `"phoneNumber"`.
    public let field: String
    /// A stable machine-readable reason, e.g. `"invalid_length"`.
    public let reason: String
    /// A sentence a caller can show.
    public let message: String

    public init(field: String, reason: String, message: String) {
        self.field = field
        self.reason = reason
        self.message = message
    }

    public var description: String { message }
}

/// A value type written as one JSON string and validated on the way in: conforming
/// gives it `Codable`, with a refusal reported as a decoding error that names the rule.
public protocol StringRepresentedValue: Codable, Sendable {
    init(validating text: String) throws(ModelValidationError)
    var canonicalText: String { get }
}

extension StringRepresentedValue {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do {
            try self.init(validating: text)
        } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.message)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(canonicalText)
    }
}
