/// A SIM card's ICCID: 19 or 20 digits starting with 89 (telecom), the last a Luhn check
/// digit. Spaces and hyphens, as printed on the card's frame, are ignored.
public struct ICCID: Hashable, Sendable, StringRepresentedValue, CustomStringConvertible {
    public let digits: String

    public init(validating text: String) throws(ModelValidationError) {
        let normalized = HalfWidth.normalize(text).filter { $0 != " " && $0 != "-" }
        guard HalfWidth.isDigits(normalized), (19...20).contains(normalized.count), normalized.hasPrefix("89") else {
            throw ModelValidationError(
                field: "iccid", reason: "invalid_format", message: "An ICCID is 19 or 20 digits starting with 89.")
        }
        guard Self.luhnValid(normalized) else {
            throw ModelValidationError(
                field: "iccid", reason: "check_digit_mismatch", message: "This ICCID has a typo (its check digit does not match).")
        }
        digits = normalized
    }

    static func luhnValid(_ digits: String) -> Bool {
        var sum = 0
        for (position, byte) in digits.utf8.reversed().enumerated() {
            var value = Int(byte - 48)
            if position % 2 == 1 {
                value *= 2
                if value > 9 { value -= 9 }
            }
            sum += value
        }
        return sum % 10 == 0
    }

    public var canonicalText: String { digits }
    public var description: String { digits }
}
