/// A numeric PIN as typed by a customer (network PIN, phone PIN, card PIN).
///
/// The type only checks the shape (4 to 8 half-width digits after normalising full-width
/// ones); how long a PIN of a given kind must be, and which values are too easy to guess,
/// are policy and live in the auth service. Its description is redacted so that a PIN
/// never reaches a log by accident; only `digits` reveals it.
public struct PIN: Hashable, Sendable, StringRepresentedValue, CustomStringConvertible,
    CustomDebugStringConvertible
{
    /// The PIN's digits. Handle with care: this is the secret.
    public let digits: String

    /// The shortest and longest PIN any policy may ask for.
    public static let allowedLengths = 4...8

    public init(validating text: String) throws(ModelValidationError) {
        let normalized = HalfWidth.normalize(text)
        guard HalfWidth.isDigits(normalized), Self.allowedLengths.contains(normalized.count) else {
            throw ModelValidationError(
                field: "pin", reason: "invalid_format",
                message: "A PIN is \(Self.allowedLengths.lowerBound) to \(Self.allowedLengths.upperBound) digits.")
        }
        digits = normalized
    }

    public var canonicalText: String { digits }
    public var description: String { "PIN(redacted)" }
    public var debugDescription: String { description }
}
