import Foundation

/// A contract holder's name in full-width katakana, family and given name separated by a
/// full-width space (アイコム　タロウ), as the contract records hold it.
///
/// What customers type is normalised rather than refused: half-width katakana (ｱｲｺﾑ, with
/// its separate voicing marks) becomes full-width, and ASCII or repeated spaces become one
/// full-width space.
public struct KanaName: Hashable, Sendable, StringRepresentedValue, CustomStringConvertible {
    public let value: String

    public init(validating text: String) throws(ModelValidationError) {
        let widened = (text.applyingTransform(.fullwidthToHalfwidth, reverse: true) ?? text)
            .precomposedStringWithCanonicalMapping
        let parts = widened.split(whereSeparator: { $0 == " " || $0 == "\u{3000}" })
        guard parts.count >= 2, parts.allSatisfy({ $0.unicodeScalars.allSatisfy(Self.isKatakana) }) else {
            throw ModelValidationError(
                field: "kana", reason: "invalid_kana",
                message: "Give the name in katakana, family name and given name separated by a space (アイコム　タロウ).")
        }
        let joined = parts.joined(separator: "\u{3000}")
        guard joined.count <= 60 else {
            throw ModelValidationError(field: "kana", reason: "invalid_length", message: "A name has at most 60 characters.")
        }
        value = joined
    }

    /// Full-width katakana, the prolonged sound mark and the middle dot.
    private static func isKatakana(_ scalar: Unicode.Scalar) -> Bool {
        (0x30A1...0x30FC).contains(scalar.value)
    }

    public var canonicalText: String { value }
    public var description: String { value }
}

/// A person's name as written (kanji, kana or Latin letters): trimmed, with runs of
/// spaces made one full-width space, so that two ways of typing it compare equal.
public struct PersonName: Hashable, Sendable, StringRepresentedValue, CustomStringConvertible {
    public let value: String

    public init(validating text: String) throws(ModelValidationError) {
        let parts = text.precomposedStringWithCanonicalMapping.split(whereSeparator: { $0 == " " || $0 == "\u{3000}" })
        let joined = parts.joined(separator: "\u{3000}")
        guard !joined.isEmpty, joined.count <= 60, joined.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value != 0x7F })
        else {
            throw ModelValidationError(field: "name", reason: "invalid_name", message: "A name has 1 to 60 characters.")
        }
        value = joined
    }

    public var canonicalText: String { value }
    public var description: String { value }
}
