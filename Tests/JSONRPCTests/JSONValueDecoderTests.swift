import Foundation
import JSONRPC
import Testing

/// `JSONValueDecoder` reads what `JSONDecoder` reads from the same JSON written out as
/// text (the way params were decoded before it), value for value and error for error.
@Suite struct JSONValueDecoderTests {
    // MARK: The same values as Foundation

    @Test(arguments: [
        #"{"s":"text","b":true,"i":-9223372036854775808,"i8":-128,"i16":-32768,"i32":-2147483648,"i64":9223372036854775807,"u":9223372036854775807,"u8":255,"u16":65535,"u32":4294967295,"u64":9223372036854775807,"d":1.5,"f":0.25}"#,
        #"{"s":"","b":false,"i":0,"i8":127,"i16":32767,"i32":2147483647,"i64":-9223372036854775808,"u":0,"u8":0,"u16":0,"u32":0,"u64":0,"d":-0.0,"f":-0}"#,
        // Whole numbers written with an exponent or a zero fraction are read as integers.
        #"{"s":"\u00e9\"\\\n日本🇯🇵","b":true,"i":1e3,"i8":2.0,"i16":-1E2,"i32":0.0,"i64":9007199254740991.0,"u":5.0,"u8":2.55e2,"u16":-0,"u32":1e9,"u64":1e15,"d":1e300,"f":1}"#,
        #"{"s":"x","b":false,"i":1,"i8":1,"i16":1,"i32":1,"i64":1,"u":1,"u8":1,"u16":1,"u32":1,"u64":1,"d":9007199254740993,"f":16777217}"#,
        #"{"s":"x","b":false,"i":1,"i8":1,"i16":1,"i32":1,"i64":1,"u":1,"u8":1,"u16":1,"u32":1,"u64":1,"d":1.7976931348623157e308,"f":3.4028234663852886e38}"#,
        #"{"s":"x","b":false,"i":1,"i8":1,"i16":1,"i32":1,"i64":1,"u":1,"u8":1,"u16":1,"u32":1,"u64":1,"d":5e-324,"f":1}"#,
        #"{"s":"x","b":false,"i":1,"i8":1,"i16":1,"i32":1,"i64":1,"u":1,"u8":1,"u16":1,"u32":1,"u64":1,"d":1,"f":1e-40}"#,
        #"{"s":"x","b":false,"i":1,"i8":1,"i16":1,"i32":1,"i64":1,"u":1,"u8":1,"u16":1,"u32":1,"u64":1,"d":1,"f":1.2e-38}"#,
        #"{"s":"x","b":false,"i":1,"i8":1,"i16":1,"i32":1,"i64":1,"u":1,"u8":1,"u16":1,"u32":1,"u64":1,"d":1,"f":1.1e-38}"#,
        #"{"s":"x","b":false,"i":1,"i8":1,"i16":1,"i32":1,"i64":1,"u":1,"u8":1,"u16":1,"u32":1,"u64":1,"d":1e-310,"f":1}"#,
        #"{"s":"x","b":false,"i":1,"i8":1,"i16":1,"i32":1,"i64":1,"u":1,"u8":1,"u16":1,"u32":1,"u64":1,"d":0.1,"f":-1.25e-7}"#,
    ])
    func scalars_decodeAsFoundationDecodes(_ text: String) throws {
        try expectSameAsFoundation(Scalars.self, text)
    }

    @Test(arguments: [
        #"{}"#, #"{"s":null,"i":null,"inner":null,"list":null}"#,
        #"{"s":"a","i":-3,"inner":{"name":"n","tags":[]},"list":[1,2,3]}"#,
    ])
    func optionals_decodeAsFoundationDecodes(_ text: String) throws {
        try expectSameAsFoundation(Optionals.self, text)
    }

    @Test(arguments: [
        #"{"matrix":[],"map":{},"nested":{},"optionals":[]}"#,
        #"{"matrix":[[1,2],[],[3]],"map":{"a":1,"b.c":2,"日本":3,"":4},"nested":{"k":[{"name":"x","tags":["t","u"]}]},"optionals":[1,null,3]}"#,
    ])
    func collections_decodeAsFoundationDecodes(_ text: String) throws {
        try expectSameAsFoundation(Collections.self, text)
    }

    @Test(arguments: [
        #"{"colour":"red","level":1,"colours":["green","red"],"levels":{"x":2}}"#,
        #"{"colour":"green","level":2,"colours":[],"levels":{}}"#,
    ])
    func enums_decodeAsFoundationDecodes(_ text: String) throws {
        try expectSameAsFoundation(WithEnums.self, text)
    }

    @Test func topLevelValues_decodeAsFoundationDecodes() throws {
        try expectSameAsFoundation([Int].self, "[1,2,3]")
        try expectSameAsFoundation([[String]].self, #"[["a"],[]]"#)
        try expectSameAsFoundation([String: [Int]].self, #"{"a":[1],"b":[]}"#)
        try expectSameAsFoundation(String.self, #""text""#)
        try expectSameAsFoundation(Int.self, "42")
        try expectSameAsFoundation(Double.self, "2.5")
        try expectSameAsFoundation(Bool.self, "true")
        try expectSameAsFoundation(Int?.self, "null")
        try expectSameAsFoundation([Inner?].self, #"[null,{"name":"n","tags":["a"]}]"#)
        try expectSameAsFoundation(Positional.self, #"[7,"seven",[true]]"#)
    }

    @Test func superDecoders_decodeAsFoundationDecodes() throws {
        let text = #"{"name":"derived","super":{"id":7},"base":{"id":8}}"#
        let ours = try decode(Derived.self, text)
        let theirs = try foundationDecode(Derived.self, text)
        #expect(ours.name == theirs.name && ours.id == theirs.id && ours.otherID == theirs.otherID)
        #expect(ours.id == 7 && ours.otherID == 8)
    }

    // MARK: JSONValue members

    /// A `JSONValue` member is the value as parsed, not what trial and error would guess
    /// (`2.0` stays a Double, `1e3` too).
    @Test func jsonValueMembers_areTheValueAsItIs() throws {
        let text = #"{"any":{"whole":2.0,"e":1e3,"n":null,"big":18446744073709551615,"s":"1","a":[1,1.5,false]},"list":[2.0,{}],"maybe":null}"#
        let value = try JSONValue.parse(Data(text.utf8))
        let decoded = try JSONValueDecoder().decode(WithJSON.self, from: value)
        #expect(decoded.any == value["any"])
        #expect(decoded.any["whole"] == .double(2) && decoded.any["e"] == .double(1000))
        #expect(decoded.list == [.double(2), .object([:])])
        #expect(decoded.maybe == nil)
        #expect(try JSONValueDecoder().decode(JSONValue.self, from: value) == value)
        #expect(try value.decode(as: JSONValue.self) == value)
    }

    // MARK: The same errors as Foundation

    @Test(arguments: [
        // Missing members, at every depth.
        (#"{}"#, "keyNotFound  name"),
        (#"{"name":"n","inner":{"tags":[]}}"#, "keyNotFound inner name"),
        (#"{"name":"n","inner":{"name":"m","tags":[]},"items":[{"name":"a","tags":[]},{"tags":[]}]}"#, "keyNotFound items.1 name"),
        // Wrong types.
        (#"{"name":5}"#, "typeMismatch name Expected to decode String but found number instead."),
        (#"{"name":true}"#, "typeMismatch name Expected to decode String but found bool instead."),
        (#"{"name":"n","count":"3"}"#, "typeMismatch count Expected to decode Int but found a string instead."),
        (#"{"name":"n","count":true}"#, "typeMismatch count Expected to decode Int but found bool instead."),
        (#"{"name":"n","flag":1}"#, "typeMismatch flag Expected to decode Bool but found number instead."),
        (#"{"name":"n","inner":[]}"#, "typeMismatch inner Expected to decode Dictionary<String, Any> but found an array instead."),
        (#"{"name":"n","items":{}}"#, "typeMismatch items Expected to decode Array<Any> but found a dictionary instead."),
        (#"{"name":"n","inner":{"name":"m","tags":["a",2]}}"#, "typeMismatch inner.tags.1 Expected to decode String but found number instead."),
        (#"{"name":"n","ratio":"x"}"#, "typeMismatch ratio Expected to decode Double but found a string instead."),
        (#"[]"#, "typeMismatch  Expected to decode Dictionary<String, Any> but found an array instead."),
        // null where a value must be.
        (#"{"name":null}"#, "valueNotFound name Cannot get value of type String -- found null value instead"),
        (#"{"name":"n","counts":[1,null]}"#, "valueNotFound counts.1 Cannot get value of type Int -- found null value instead"),
        // Values that do not fit (the wording is this decoder's own, below).
        (#"{"name":"n","count":1.5}"#, "dataCorrupted count"),
        (#"{"name":"n","small":1e300}"#, "dataCorrupted small"),
        (#"{"name":"n","small":-1e-50}"#, "dataCorrupted small"),
        (#"{"name":"n","colour":"purple"}"#, "dataCorrupted colour"),
    ])
    func errors_areFoundationsErrors(_ text: String, _ expected: String) throws {
        #expect(summary(of: decodingError { try decode(Mixed.self, text) }) == expected)
        let foundations = summary(of: decodingError { try foundationDecode(Mixed.self, text) })
        if expected.hasPrefix("dataCorrupted"), !text.contains("purple") {
            // A number that does not fit: Foundation's "not valid JSON", at no path.
            #expect(foundations == "dataCorrupted ")
        } else {
            #expect(foundations == expected)
        }
    }

    @Test(arguments: [
        (#"{"inner":null,"items":[]}"#, "valueNotFound inner Cannot get keyed decoding container -- found null value instead"),
        (#"{"inner":{"name":"n","tags":null},"items":[]}"#,
         "valueNotFound inner.tags Cannot get unkeyed decoding container -- found null value instead"),
        (#"{"inner":{"name":"n","tags":[]},"items":[null]}"#,
         "valueNotFound items.0 Cannot get keyed decoding container -- found null value instead"),
    ])
    func nullContainers_areFoundationsErrors(_ text: String, _ expected: String) throws {
        #expect(summary(of: decodingError { try decode(Nest.self, text) }) == expected)
        #expect(summary(of: decodingError { try foundationDecode(Nest.self, text) }) == expected)
    }

    /// Where this decoder parts from Foundation on purpose: a whole number past 2^53
    /// written with an exponent is refused, as it may not be the number sent.
    @Test func wholeNumbersPast2To53WithAnExponent_areRefused() throws {
        #expect(try foundationDecode([Int64].self, "[1e18]") == [1_000_000_000_000_000_000])
        #expect(
            summary(of: decodingError { try decode([Int64].self, "[1e18]") }, withDescription: true)
                == "dataCorrupted 0 Expected a whole number from -9223372036854775808 to 9223372036854775807.")
        #expect(try decode([Int64].self, "[9007199254740991.0, -9.007199254740991e15]") == [9_007_199_254_740_991, -9_007_199_254_740_991])
    }

    @Test func positionalParamsPastTheEnd_areFoundationsError() {
        let expected = "valueNotFound 2 Unkeyed container is at end."
        #expect(summary(of: decodingError { try decode(Positional.self, "[1,\"a\"]") }) == expected)
        #expect(summary(of: decodingError { try foundationDecode(Positional.self, "[1,\"a\"]") }) == expected)
    }

    /// Every integer width refuses a number one past either end of its range, at the
    /// member's path, naming the range and never the number. (Foundation refuses them too,
    /// but those past 64 bits as "not valid JSON", at no path.)
    @Test(arguments: [
        ("i8", "-129", "-128 to 127"), ("i8", "128", "-128 to 127"),
        ("i16", "-32769", "-32768 to 32767"), ("i16", "32768", "-32768 to 32767"),
        ("i32", "-2147483649", "-2147483648 to 2147483647"), ("i32", "2147483648", "-2147483648 to 2147483647"),
        ("i64", "-9223372036854775809", "-9223372036854775808 to 9223372036854775807"),
        ("i64", "9223372036854775808", "-9223372036854775808 to 9223372036854775807"),
        ("i", "99999999999999999999", "-9223372036854775808 to 9223372036854775807"),
        ("u", "-1", "0 to 18446744073709551615"),
        ("u8", "-1", "0 to 255"), ("u8", "256", "0 to 255"),
        ("u16", "-1", "0 to 65535"), ("u16", "65536", "0 to 65535"),
        ("u32", "-1", "0 to 4294967295"), ("u32", "4294967296", "0 to 4294967295"),
        ("u64", "-1", "0 to 18446744073709551615"), ("u64", "18446744073709551616", "0 to 18446744073709551615"),
        ("u64", "1.5", "0 to 18446744073709551615"), ("i", "-0.5", "-9223372036854775808 to 9223372036854775807"),
    ])
    func integersOutOfRange_areDataCorruptedAtTheirPath(_ member: String, _ number: String, _ range: String) throws {
        var fields = try #require(try JSONValue.parse(Data(Self.ones.utf8)).objectMembers)
        fields[member] = try JSONValue.parse(Data(number.utf8))
        let text = JSONValue.object(fields).jsonText
        let expected = "dataCorrupted \(member) Expected a whole number from \(range)."
        #expect(summary(of: decodingError { try decode(Scalars.self, text) }, withDescription: true) == expected)
        #expect(summary(of: decodingError { try foundationDecode(Scalars.self, text) }).hasPrefix("dataCorrupted"))
    }

    @Test func integersOutOfRange_inArraysAndAtTheTop_areDataCorruptedAtTheirPath() {
        #expect(
            summary(of: decodingError { try decode([Int8].self, "[1,128]") }, withDescription: true)
                == "dataCorrupted 1 Expected a whole number from -128 to 127.")
        #expect(
            summary(of: decodingError { try decode(UInt16.self, "-1") }, withDescription: true)
                == "dataCorrupted  Expected a whole number from 0 to 65535.")
    }

    @Test func floatsOutOfRange_areDataCorruptedAtTheirPath() throws {
        var fields = try #require(try JSONValue.parse(Data(Self.ones.utf8)).objectMembers)
        fields["f"] = .double(1e39)
        #expect(
            summary(of: decodingError { try decode(Scalars.self, JSONValue.object(fields).jsonText) }, withDescription: true)
                == "dataCorrupted f Expected a number within the range of Float.")
        #expect(summary(of: decodingError { try foundationDecode(Scalars.self, JSONValue.object(fields).jsonText) }) == "dataCorrupted ")
    }

    /// Types no params use and whose own `Decodable` would not read what `JSONDecoder`
    /// reads: refused as a programming error, not as the sender's.
    @Test func foundationTypesNoParamsUse_areRefusedAsUnsupported() throws {
        func refusal<T: Decodable>(_ type: T.Type, _ text: String) -> JSONValueDecoder.UnsupportedType? {
            do {
                _ = try JSONValueDecoder().decode(Holder<T>.self, from: JSONValue.parse(Data(#"{"value":\#(text)}"#.utf8)))
                return nil
            } catch {
                return error as? JSONValueDecoder.UnsupportedType
            }
        }
        for refused in [
            refusal(Date.self, #""2026-11-22T00:00:00Z""#), refusal(Data.self, #""AAE=""#),
            refusal(URL.self, #""https://example.jp""#), refusal(Decimal.self, "1.5"), refusal([Date].self, "[0]"),
        ] {
            #expect(refused?.description.contains("does not decode") == true, "\(String(describing: refused))")
        }
        #expect(refusal(Date.self, "0")?.type == "Date")
        #expect(refusal([URL].self, #"["x"]"#)?.codingPath.map(\.stringValue) == ["value", "Index 0"])
    }
}

// MARK: Helpers

extension JSONValueDecoderTests {
    static let ones = #"{"s":"x","b":false,"i":1,"i8":1,"i16":1,"i32":1,"i64":1,"u":1,"u8":1,"u16":1,"u32":1,"u64":1,"d":1,"f":1}"#

    func decode<T: Decodable>(_ type: T.Type, _ text: String) throws -> T {
        try JSONValueDecoder().decode(T.self, from: JSONValue.parse(Data(text.utf8)))
    }

    /// As params were decoded before `JSONValueDecoder`: the parsed value written out as
    /// JSON text again and read by Foundation.
    func foundationDecode<T: Decodable>(_ type: T.Type, _ text: String) throws -> T {
        try JSONCoding.decoder.decode(T.self, from: JSONCoding.encoder.encode(JSONValue.parse(Data(text.utf8))))
    }

    /// Decodes `text` both ways and expects the same value, compared as written out.
    func expectSameAsFoundation<T: Codable>(_ type: T.Type, _ text: String, sourceLocation: SourceLocation = #_sourceLocation)
        throws
    {
        let ours = try JSONCoding.encoder.encode(decode(T.self, text))
        let theirs = try JSONCoding.encoder.encode(foundationDecode(T.self, text))
        #expect(
            String(decoding: ours, as: UTF8.self) == String(decoding: theirs, as: UTF8.self), "\(text)",
            sourceLocation: sourceLocation)
    }

    func decodingError(_ body: () throws -> Any) -> DecodingError? {
        do {
            _ = try body()
            return nil
        } catch {
            return error as? DecodingError
        }
    }

    /// The kind, the dotted path, and (but for `dataCorrupted`, worded by each decoder in
    /// its own way, unless asked for) the description of a decoding error.
    func summary(of error: DecodingError?, withDescription: Bool = false) -> String {
        func path(_ context: DecodingError.Context) -> String {
            context.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
        }
        switch error {
        case .keyNotFound(let key, let context)?: return "keyNotFound \(path(context)) \(key.stringValue)"
        case .typeMismatch(_, let context)?: return "typeMismatch \(path(context)) \(context.debugDescription)"
        case .valueNotFound(_, let context)?: return "valueNotFound \(path(context)) \(context.debugDescription)"
        case .dataCorrupted(let context)?:
            return "dataCorrupted \(path(context))" + (withDescription ? " \(context.debugDescription)" : "")
        case nil: return "no error"
        @unknown default: return "\(String(describing: error))"
        }
    }
}

extension JSONValue {
    fileprivate var objectMembers: [String: JSONValue]? {
        if case .object(let members) = self { return members }
        return nil
    }
}

// MARK: Types to decode

private struct Scalars: Codable {
    var s: String, b: Bool, i: Int, i8: Int8, i16: Int16, i32: Int32, i64: Int64
    var u: UInt, u8: UInt8, u16: UInt16, u32: UInt32, u64: UInt64, d: Double, f: Float
}

private struct Inner: Codable {
    var name: String
    var tags: [String]
}

private struct Optionals: Codable {
    var s: String?
    var i: Int?
    var inner: Inner?
    var list: [Int]?
}

private struct Collections: Codable {
    var matrix: [[Int]]
    var map: [String: Int]
    var nested: [String: [Inner]]
    var optionals: [Int?]
}

private enum Colour: String, Codable { case red, green }
private enum Level: Int, Codable { case low = 1, high = 2 }

private struct WithEnums: Codable {
    var colour: Colour
    var level: Level
    var colours: [Colour]
    var levels: [String: Level]
}

private struct WithJSON: Codable {
    var any: JSONValue
    var list: [JSONValue]
    var maybe: JSONValue?
}

/// Every kind of member, all but `name` optional, for the error paths.
private struct Mixed: Codable {
    var name: String
    var count: Int?
    var small: Float?
    var ratio: Double?
    var flag: Bool?
    var colour: Colour?
    var inner: Inner?
    var items: [Inner]?
    var counts: [Int]?
}

/// Nested values that must be there.
private struct Nest: Codable {
    var inner: Inner
    var items: [Inner]
}

/// Params by position, read with an unkeyed container.
private struct Positional: Codable {
    var number: Int
    var text: String
    var flags: [Bool]

    init(from decoder: any Decoder) throws {
        var list = try decoder.unkeyedContainer()
        number = try list.decode(Int.self)
        text = try list.decode(String.self)
        flags = try list.decode([Bool].self)
    }

    func encode(to encoder: any Encoder) throws {
        var list = encoder.unkeyedContainer()
        try list.encode(number)
        try list.encode(text)
        try list.encode(flags)
    }
}

private class Base: Decodable {
    var id: Int
    enum CodingKeys: String, CodingKey { case id }
    required init(from decoder: any Decoder) throws {
        id = try decoder.container(keyedBy: CodingKeys.self).decode(Int.self, forKey: .id)
    }
}

/// A subclass reading its superclass through `superDecoder()` and a second one through
/// `superDecoder(forKey:)`.
private final class Derived: Base {
    var name: String
    var otherID: Int
    enum Keys: String, CodingKey { case name, base }
    required init(from decoder: any Decoder) throws {
        let members = try decoder.container(keyedBy: Keys.self)
        name = try members.decode(String.self, forKey: .name)
        otherID = try Base(from: members.superDecoder(forKey: .base)).id
        try super.init(from: members.superDecoder())
    }
}

/// One member of any type.
private struct Holder<T: Decodable>: Decodable {
    var value: T
}
