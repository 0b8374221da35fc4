/// The 13-character alphanumeric reception number (受付番号) an online application yields.
///
/// Letters are case-insensitive and stored in upper case; full-width characters are
/// normalised.
public struct ReceptionNumber: Hashable, Sendable, StringRepresentedValue, CustomStringConvertible {
    /// Thirteen upper-case letters and digits.
    public let value: String

    /// Every reception number has this many characters.
    public static let length = 13

    public init(validating text: String) throws(ModelValidationError) {
        let normalized = HalfWidth.normalize(text).trimmingSpaces().uppercased()
        guard normalized.utf8.count == Self.length, normalized.count == Self.length,
            normalized.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A) })
        else {
            throw ModelValidationError(
                field: "receptionNumber", reason: "invalid_format",
                message: "A reception number is \(Self.length) letters and digits.")
        }
        value = normalized
    }

    public var canonicalText: String { value }
    public var description: String { value }
}
