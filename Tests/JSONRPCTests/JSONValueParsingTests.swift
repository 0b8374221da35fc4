import Foundation
import JSONRPC
import Testing

/// `JSONValue.parse` keeps every JSON type apart and refuses what is not JSON, including
/// nesting deep enough to exhaust a stack.
@Suite struct JSONValueParsingTests {
    @Test func parse_keepsEachTypeApart() throws {
        let value = try JSONValue.parse(
            Data(#"{"t":true,"f":false,"one":1,"zero":0,"half":0.5,"whole":2.0,"big":9223372036854775807,"huge":18446744073709551615,"s":"1","n":null,"a":[true,1,"x"]}"#.utf8))
        #expect(value["t"] == .bool(true) && value["f"] == .bool(false))
        #expect(value["one"] == .int(1) && value["zero"] == .int(0))
        #expect(value["half"] == .double(0.5) && value["whole"] == .double(2))
        #expect(value["big"] == .int(Int64.max))
        #expect(value["huge"] == .double(18446744073709551615))
        #expect(value["s"] == .string("1") && value["n"] == .null)
        #expect(value["a"] == .array([.bool(true), .int(1), .string("x")]))
    }

    @Test func parse_agreesWithTheCodableDecoding() throws {
        let text = #"{"jsonrpc":"2.0","id":7,"method":"m","params":{"items":[{"q":2,"p":-1100,"d":"家族割引","x":1.25,"ok":false}]}}"#
        #expect(try JSONValue.parse(Data(text.utf8)) == (try JSONCoding.decoder.decode(JSONValue.self, from: Data(text.utf8))))
    }

    @Test(arguments: [
        "", "{", "[1,,2]", "{a:1}", "01", "-", "1.", ".5", "1e", "+1", "NaN", "[1] x", "{\"a\" 1}", "1e400", "tru",
        #""\ud800""#, #""\ud800\u0041""#, #""\udc00""#, #""\x""#, #""\u12""#, "\"a\tb\"", "\"open",
        "[1,]", #"{"a":1,}"#, "[", #"{"a":}"#, "\u{FEFF}{}",
    ])
    func parse_refusesWhatIsNotJSON(_ text: String) {
        #expect(throws: JSONReadError.self) { try JSONValue.parse(Data(text.utf8)) }
    }

    /// Whitespace, escapes, surrogate pairs and exponents read as Foundation reads them.
    @Test(arguments: [
        #"  {"a" : [ 1 , 2 ] ,"b":{ } , "c":[], "d": null, "e": true}  "#,
        #""\"\\\/\b\f\n\r\t\u0041\u00e9\u65e5\ud83c\uddef\ud83c\uddf5 日本""#,
        #"[-0, 0.5, -1.25e-7, 1.2345E2, 2.5e-1, 123456789012, -9223372036854775808]"#,
    ])
    func parse_readsAsFoundationDoes(_ text: String) throws {
        #expect(try JSONValue.parse(Data(text.utf8)) == (try JSONCoding.decoder.decode(JSONValue.self, from: Data(text.utf8))))
    }

    @Test func parse_keepsEscapedTextExactly_andTheLastOfARepeatedKey() throws {
        #expect(try JSONValue.parse(Data(#""a\u0000b\ud83c\uddef\ud83c\uddf5""#.utf8)) == .string("a\u{0}b🇯🇵"))
        #expect(try JSONValue.parse(Data(#"{"k":"v","k":"last"}"#.utf8)) == .object(["k": "last"]))
        // An exponent makes a Double even when the value is whole (Codable would guess Int).
        #expect(try JSONValue.parse(Data("[1E3,-0]".utf8)) == .array([.double(1000), .int(0)]))
    }

    /// Skipped members of the outermost object are left out (their structure still
    /// checked); the same names deeper in are kept.
    @Test func parse_skippingMembers_leavesOutOnlyTheOutermostOnes() throws {
        let text = #"{"a":1,"items":[{"x":"\"]}","items":[2]},[],{}],"b":{"items":3},"taxes":"t"}"#
        let read = try JSONValue.parse(Data(text.utf8), skippingMembers: ["items", "taxes"])
        #expect(read == .object(["a": 1, "b": .object(["items": 3])]))
        for broken in [#"{"items":[1,}"#, #"{"items":{"k" 1}}"#, #"{"items":"open}"#, #"{"items":[1]"#] {
            #expect(throws: JSONReadError.self) { try JSONValue.parse(Data(broken.utf8), skippingMembers: ["items"]) }
        }
        let deep = "{\"items\":" + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000) + "}"
        #expect(throws: JSONReadError.self) { try JSONValue.parse(Data(deep.utf8), skippingMembers: ["items"]) }
    }

    @Test func parse_refusesDeepNesting_insteadOfExhaustingTheStack() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: (any Error).self) { try JSONValue.parse(Data(deep.utf8)) }
        #expect(throws: (any Error).self) { try JSONValue.parse(Data([0x22, 0xFF, 0xFE, 0x22])) }
    }
}

/// `compactJSON` writes exactly what `JSONCoding.encoder` writes.
@Suite struct JSONValueWritingTests {
    @Test(arguments: [
        #"{"b":[1,-2,true,false,null],"a":"x\"y\\z\n\t\r\u0001\u001f/","c":{"z":1,"y":"日本語 🇯🇵"},"d":0.5,"e":-1.25e-7,"f":1e300}"#,
        #"[]"#, #"{}"#, #""""#, #"[[[]],{"":{}}]"#, #"9223372036854775807"#, #"-9223372036854775808"#,
    ])
    func compactJSON_matchesTheEncoder(_ text: String) throws {
        let value = try JSONValue.parse(Data(text.utf8))
        #expect(value.compactJSON == (try JSONCoding.encoder.encode(value)))
    }
}
