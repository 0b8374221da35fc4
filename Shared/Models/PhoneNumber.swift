/// A Japanese phone number in its canonical form: half-width digits, no hyphens
/// (`09012345678`).
///
/// Full-width digits, hyphens (ASCII, full-width, Unicode hyphen and minus) and spaces are
/// normalised away rather than refused, because that is how numbers are typed and printed.
public struct PhoneNumber: Hashable, Sendable, StringRepresentedValue, CustomStringConvertible {
    /// What kind of line a number belongs to, from its prefix.
    public enum Kind: String, Sendable, Codable {
        /// 060, 070, 080, 090 + 8 digits: can take an SMS.
        case mobile
        /// 050 + 8 digits.
        case ipPhone
        /// 020 + 8 digits: machine-to-machine (IoT) data SIMs, which take neither SMS nor
        /// voice calls.
        case machineToMachine
        /// Any other 10-digit number starting with 0 (fixed line; takes voice calls only).
        case landline
    }

    /// Half-width digits only.
    public let digits: String

    public init(validating text: String) throws(ModelValidationError) {
        let separators: Set<Character> = ["-", "\u{2010}", "\u{2011}", "\u{2012}", "\u{2013}", "\u{2212}", " ", "(", ")"]
        let normalized = String(HalfWidth.normalize(text).filter { !separators.contains($0) })
        guard HalfWidth.isDigits(normalized) else {
            throw ModelValidationError(
                field: "phoneNumber", reason: "not_digits",
                message: "A phone number is made of digits (hyphens are ignored).")
        }
        guard normalized.first == "0", normalized.count == 10 || normalized.count == 11 else {
            throw ModelValidationError(
                field: "phoneNumber", reason: "invalid_length",
                message: "A Japanese phone number starts with 0 and has 10 or 11 digits.")
        }
        if normalized.count == 11, !Self.elevenDigitPrefixes.contains(String(normalized.prefix(3))) {
            throw ModelValidationError(
                field: "phoneNumber", reason: "invalid_prefix",
                message: "Only mobile (060/070/080/090), IP (050) and M2M (020) numbers have 11 digits.")
        }
        digits = normalized
    }

    private static let elevenDigitPrefixes: Set<String> = ["020", "050", "060", "070", "080", "090"]

    /// The kind of line, from the number's prefix.
    public var kind: Kind {
        if digits.count == 11 {
            if digits.hasPrefix("050") { return .ipPhone }
            if digits.hasPrefix("020") { return .machineToMachine }
            return .mobile
        }
        return .landline
    }

    /// The last four digits, which a PIN must not repeat.
    public var lastFourDigits: String { String(digits.suffix(4)) }

    public var canonicalText: String { digits }
    public var description: String { digits }
}
