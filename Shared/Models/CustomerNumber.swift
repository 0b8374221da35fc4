/// A contract's customer number (お客さま番号).
///
/// Customers type it without leading zeros, and records may hold it with them; both name
/// the same customer, so the canonical form has none. Full-width digits are accepted.
public struct CustomerNumber: Hashable, Sendable, StringRepresentedValue, CustomStringConvertible {
    /// The digits with no leading zeros.
    public let digits: String

    /// The longest customer number, in significant digits.
    public static let maximumDigits = 12

    public init(validating text: String) throws(ModelValidationError) {
        let normalized = HalfWidth.normalize(text).trimmingSpaces()
        guard HalfWidth.isDigits(normalized) else {
            throw ModelValidationError(
                field: "customerNumber", reason: "not_digits",
                message: "A customer number is made of digits only.")
        }
        let significant = normalized.drop { $0 == "0" }
        guard !significant.isEmpty, significant.count <= Self.maximumDigits else {
            throw ModelValidationError(
                field: "customerNumber", reason: "invalid_length",
                message: "A customer number has 1 to \(Self.maximumDigits) significant digits.")
        }
        digits = String(significant)
    }

    public var canonicalText: String { digits }
    public var description: String { digits }
}

extension String {
    /// The string without leading and trailing ASCII spaces and tabs.
    func trimmingSpaces() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first, let last, isSpace(first) || isSpace(last) else { return self }
        return String(self.drop(while: isSpace).reversed().drop(while: isSpace).reversed())
    }
}
