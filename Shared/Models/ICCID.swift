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

    static func luhnValid(_ digits: String) -> Bool { luhnSum(digits) % 10 == 0 }

    /// The check digit that makes `body` (an ICCID without its last digit) a valid one:
    /// for issuing numbers, such as a generated data set's SIMs.
    public static func checkDigit(completing body: String) -> Int {
        // A trailing 0 adds nothing to the sum and puts every digit of `body` in its place.
        (10 - luhnSum(body + "0") % 10) % 10
    }

    /// Luhn's sum: every second digit from the right doubled (its digits added).
    private static func luhnSum(_ digits: String) -> Int {
        var sum = 0
        for (position, byte) in digits.utf8.reversed().enumerated() {
            var value = Int(byte - 48)
            if position % 2 == 1 {
                value *= 2
                if value > 9 { value -= 9 }
            }
            sum += value
        }
        return sum
    }

    public var canonicalText: String { digits }
    public var description: String { digits }
}
