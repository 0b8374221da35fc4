/// The 13-character alphanumeric reception number (受付番号) an online application yields:
/// twelve characters drawn from an alphabet without look-alikes, then a check character.
///
/// The alphabet leaves out `0`, `1`, `I` and `O`, so nothing on a screen or a letter can be
/// read two ways. The check character is a Damm check over the field of 32 elements
/// (x∘y = 2x + y): it catches every single mistyped character and every swap of two
/// neighbours, so a typo is refused before any lookup. (Luhn mod 32 was tried first; it
/// misses a swap of `2` and `Z`, the alphabet's first and last characters.)
/// Letters are case-insensitive and stored in upper case; full-width characters are
/// normalised.
public struct ReceptionNumber: Hashable, Sendable, StringRepresentedValue, CustomStringConvertible {
    /// Thirteen characters of `alphabet`, the last one the check character.
    public let value: String

    /// Every reception number has this many characters.
    public static let length = 13
    /// The 32 characters a reception number is made of.
    public static let alphabet = Array("23456789ABCDEFGHJKLMNPQRSTUVWXYZ".utf8)

    public init(validating text: String) throws(ModelValidationError) {
        let normalized = HalfWidth.normalize(text).trimmingSpaces().uppercased()
        let bytes = Array(normalized.utf8)
        guard bytes.count == Self.length, let indexes = Self.indexes(of: bytes) else {
            throw ModelValidationError(
                field: "receptionNumber", reason: "invalid_format",
                message: "A reception number is \(Self.length) letters and digits (without 0, 1, I and O).")
        }
        guard Self.damm(indexes[...]) == 0 else {
            throw ModelValidationError(
                field: "receptionNumber", reason: "check_character_mismatch",
                message: "This reception number has a typo; check it against the confirmation e-mail.")
        }
        value = normalized
    }

    /// A new random reception number.
    public static func generate() -> ReceptionNumber {
        var generator = SystemRandomNumberGenerator()
        let body = (0..<(length - 1)).map { _ in Int.random(in: 0..<alphabet.count, using: &generator) }
        let characters = (body + [checkIndex(for: body[...])]).map { alphabet[$0] }
        return try! ReceptionNumber(validating: String(decoding: characters, as: UTF8.self))
    }

    private static func indexes(of bytes: [UInt8]) -> [Int]? {
        var result: [Int] = []
        for byte in bytes {
            guard let index = alphabet.firstIndex(of: byte) else { return nil }
            result.append(index)
        }
        return result
    }

    /// The check character's index for `body`: the one that brings the Damm fold to 0.
    static func checkIndex(for body: ArraySlice<Int>) -> Int {
        double(damm(body))
    }

    /// Folds `indexes` with x∘y = 2x + y in GF(32) (polynomial x⁵ + x² + 1). The
    /// operation is a quasigroup and (c∘x)∘y = (c∘y)∘x only when x = y, which is what
    /// makes single substitutions and adjacent swaps change the result.
    static func damm(_ indexes: ArraySlice<Int>) -> Int {
        indexes.reduce(0) { interim, index in double(interim) ^ index }
    }

    /// 2x in GF(32); addition there is XOR, so the check `c` with 2x + c = 0 is 2x.
    private static func double(_ value: Int) -> Int {
        let shifted = value << 1
        return shifted & 0x20 == 0 ? shifted : shifted ^ 0x25
    }

    public var canonicalText: String { value }
    public var description: String { value }
}
