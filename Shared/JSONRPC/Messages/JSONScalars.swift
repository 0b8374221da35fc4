/// The scalars of a `JSONValueDecoder` decode, read as `JSONDecoder` reads them from text,
/// with its errors; `path` is called only to build one.
enum JSONScalars {
    static func string(_ value: JSONValue, at path: () -> [any CodingKey]) throws -> String {
        guard case .string(let text) = value else { throw mismatch(String.self, value, path) }
        return text
    }

    static func bool(_ value: JSONValue, at path: () -> [any CodingKey]) throws -> Bool {
        guard case .bool(let flag) = value else { throw mismatch(Bool.self, value, path) }
        return flag
    }

    /// An integer of type `I`: a whole number in its range, written with an exponent or a
    /// fraction of zero too (`1e3`, `2.0`), as `JSONDecoder` reads them, up to 2^53.
    ///
    /// Past 2^53 a `Double` no longer holds every whole number, so the number parsed may
    /// not be the one sent (`-9223372036854775809` parses as `Int64.min`, and
    /// `10000000000000000001` as 10^19): such a number is refused rather than guessed.
    /// (`JSONDecoder`, reading the `Double` written out again, took some of them.)
    static func integer<I: FixedWidthInteger>(_ type: I.Type, from value: JSONValue, at path: () -> [any CodingKey])
        throws -> I
    {
        let fitting: I?
        switch value {
        case .int(let number): fitting = I(exactly: number)
        case .double(let number): fitting = number.magnitude < 0x1p53 ? I(exactly: number) : nil
        default: throw mismatch(I.self, value, path)
        }
        guard let fitting else {
            // The range, never the number: it may be anything a caller sent.
            throw DecodingError.dataCorrupted(
                .init(codingPath: path(), debugDescription: "Expected a whole number from \(I.min) to \(I.max)."))
        }
        return fitting
    }

    static func double(_ value: JSONValue, at path: () -> [any CodingKey]) throws -> Double {
        switch value {
        case .double(let number): return number
        case .int(let number): return Double(number)
        default: throw mismatch(Double.self, value, path)
        }
    }

    /// A `Float` is read as a `Double` first, and refused when beyond `Float`'s range
    /// rather than turned into infinity, or so small that it would be zero (as
    /// `JSONDecoder` refuses it).
    static func float(_ value: JSONValue, at path: () -> [any CodingKey]) throws -> Float {
        let number: Double
        switch value {
        case .double(let double): number = double
        case .int(let integer): number = Double(integer)
        default: throw mismatch(Float.self, value, path)
        }
        guard number.magnitude <= Double(Float.greatestFiniteMagnitude), Float(number) != 0 || number == 0 else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: path(), debugDescription: "Expected a number within the range of Float."))
        }
        return Float(number)
    }

    /// `valueNotFound` for `null`, `typeMismatch` for any other wrong kind.
    private static func mismatch(_ type: Any.Type, _ value: JSONValue, _ path: () -> [any CodingKey]) -> DecodingError {
        if value == .null {
            return .valueNotFound(
                type, .init(codingPath: path(), debugDescription: "Cannot get value of type \(type) -- found null value instead"))
        }
        return .typeMismatch(type, value: value, at: path())
    }
}
