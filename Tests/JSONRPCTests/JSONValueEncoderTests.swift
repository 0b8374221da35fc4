import Foundation
@testable import JSONRPC
import Testing

/// `JSONValueEncoder.json` writes byte for byte what `JSONCoding.encoder` writes, for the
/// shapes results and params take, and hands `JSONEncoder` what it would not write so.
@Suite struct JSONValueEncoderTests {
    enum Kind: String, Codable { case network, phone }

    struct Inner: Codable {
        var name: String
        var count: Int
        var note: String?
    }

    struct Outer: Codable {
        var kind: Kind
        var isSet: Bool
        var failures: Int
        var attemptsLeft: Int?
        var unlocksAt: String?
        var inner: Inner
        var inners: [Inner]
        var tags: [String]
        var byName: [String: Int]
        var byNumber: [Int: String]
        var extra: JSONValue?
        var ratio: Double
        var small: Int8
        var large: UInt64
        var nested: [[Int]]
    }

    static let outer = Outer(
        kind: .phone, isSet: true, failures: 2, attemptsLeft: nil, unlocksAt: "2026-12-04T00:00:00+09:00",
        inner: Inner(name: "相込 \"太郎\" /\\\n\t\u{1}", count: -7, note: nil),
        inners: [Inner(name: "a", count: 1, note: "n"), Inner(name: "", count: 0, note: nil)], tags: ["x", "y/z", ""],
        byName: ["zeta": 1, "Alpha": 2, "alpha": 3, "a10": 4, "a9": 5, "_u": 6, "aZ": 7, "ab": 8],
        byNumber: [10: "ten", 9: "nine"], extra: ["k": [1, .double(2.5), "s", nil, true], "e": [:]], ratio: 0.1, small: -128,
        large: UInt64(Int64.max), nested: [[], [1, 2], [3]])

    @Test func results_areWrittenAsTheEncoderWritesThem() throws {
        // Written by this encoder itself (`directJSON` has no fallback), not handed over.
        #expect(try JSONValueEncoder.directJSON(Self.outer) == (try JSONCoding.encoder.encode(Self.outer)))
        #expect(try JSONValueEncoder.json(Self.outer) == (try JSONCoding.encoder.encode(Self.outer)))
        var empty = Self.outer
        (empty.attemptsLeft, empty.extra, empty.inners, empty.byName, empty.ratio) = (3, JSONValue.null, [], [:], 1e300)
        #expect(try JSONValueEncoder.json(empty) == (try JSONCoding.encoder.encode(empty)))
        // A value written without JSONEncoder, not handed over to it.
        #expect(try JSONValueEncoder().encode(Self.outer).compactJSON == (try JSONCoding.encoder.encode(Self.outer)))
    }

    /// Keys in JSONEncoder's order (UTF-8 bytes, not Unicode's canonical order), every
    /// escape, the extreme integers.
    @Test func keysEscapesAndIntegers_areWrittenAsTheEncoderWritesThem() throws {
        let keys = ["e\u{301}": 1, "f": 2, "Z": 4, "a": 5, "10": 6, "9": 7, "\u{e9}x": 8]
        #expect(try JSONValueEncoder.directJSON(keys) == (try JSONCoding.encoder.encode(keys)))
        let escapes = ["\u{8}\u{c}\r\n\t\u{1f}\u{7f}\u{2028}\u{2029}\"\\/ é 🇯🇵"]
        #expect(try JSONValueEncoder.directJSON(escapes) == (try JSONCoding.encoder.encode(escapes)))
        let integers = [Int64.min, Int64.max, 0, -1]
        #expect(try JSONValueEncoder.directJSON(integers) == (try JSONCoding.encoder.encode(integers)))
        #expect(try JSONValueEncoder.directJSON(Wide(small: 5, large: 7)) == (try JSONCoding.encoder.encode(Wide(small: 5, large: 7))))
        #expect(throws: JSONValueEncoder.Unsupported.self) { try JSONValueEncoder.directJSON(Wide(small: .max, large: 0)) }
    }

    struct Wide: Encodable {
        var small: Int128
        var large: UInt128
    }

    /// A finished value asked for again as a container: JSONEncoder adds to it, so the
    /// value goes to JSONEncoder whole.
    @Test func aValueWrittenOver_isHandedToJSONEncoder() throws {
        #expect(throws: JSONValueEncoder.Unsupported.self) { try JSONValueEncoder.directJSON(Overwritten()) }
        #expect(try JSONValueEncoder.json(Overwritten()) == (try JSONCoding.encoder.encode(Overwritten())))
    }

    struct Overwritten: Encodable {
        enum CodingKeys: String, CodingKey { case a, b }
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(JSONValue.object(["x": 1]), forKey: .a)
            var nested = container.nestedContainer(keyedBy: CodingKeys.self, forKey: .a)
            try nested.encode(2, forKey: .b)
        }
    }

    /// A dictionary of many members, and one key written twice (the last is kept).
    @Test func largeObjects_andKeysWrittenAgain_areWrittenAsTheEncoderWritesThem() throws {
        let many = Dictionary(uniqueKeysWithValues: (0..<500).map { ("key\($0)", $0) })
        #expect(try JSONValueEncoder().encode(many).compactJSON == (try JSONCoding.encoder.encode(many)))
        #expect(try JSONValueEncoder.json(Twice()) == (try JSONCoding.encoder.encode(Twice())))
        #expect(try JSONValueEncoder.json(["a": Twice()]) == (try JSONCoding.encoder.encode(["a": Twice()])))
    }

    struct Twice: Encodable {
        enum CodingKeys: String, CodingKey { case a, b }
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(1, forKey: .b)
            try container.encode("first", forKey: .a)
            try container.encode("second", forKey: .a)
        }
    }

    @Test func topLevelValues_andOptionals_areWrittenAsTheEncoderWritesThem() throws {
        let texts: [Data] = [
            try JSONValueEncoder.json("a/b"), try JSONValueEncoder.json(42), try JSONValueEncoder.json(true),
            try JSONValueEncoder.json([Int]()), try JSONValueEncoder.json(Optional<Int>.none), try JSONValueEncoder.json(Kind.network),
        ]
        let expected: [Data] = [
            try JSONCoding.encoder.encode("a/b"), try JSONCoding.encoder.encode(42), try JSONCoding.encoder.encode(true),
            try JSONCoding.encoder.encode([Int]()), try JSONCoding.encoder.encode(Optional<Int>.none),
            try JSONCoding.encoder.encode(Kind.network),
        ]
        #expect(texts == expected)
    }

    struct Special: Codable {
        var at: Date
        var bytes: Data
        var link: URL
        var precise: Float
    }

    /// What only JSONEncoder writes exactly is refused by the encoder and written by
    /// JSONEncoder through `json`; an error JSONEncoder throws is thrown.
    @Test func whatOnlyJSONEncoderWritesExactly_isHandedToIt() throws {
        let special = Special(
            at: Date(timeIntervalSince1970: 1_796_000_000.25), bytes: Data([0, 1, 254]), link: URL(string: "https://example.jp/a")!,
            precise: 0.1)
        #expect(throws: JSONValueEncoder.Unsupported.self) { try JSONValueEncoder().encode(special) }
        #expect(try JSONValueEncoder.json(special) == (try JSONCoding.encoder.encode(special)))
        #expect(throws: JSONValueEncoder.Unsupported.self) { try JSONValueEncoder().encode(UInt64.max) }
        #expect(try JSONValueEncoder.json([UInt64.max]) == (try JSONCoding.encoder.encode([UInt64.max])))
        #expect(throws: EncodingError.self) { try JSONValueEncoder.json([Double.nan]) }
    }

    final class Base: Encodable {
        var id = 1
    }

    final class Derived: Encodable {
        var base = Base()
        var name = "d"
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(name, forKey: .name)
            try base.encode(to: container.superEncoder())
            var list = container.nestedUnkeyedContainer(forKey: .list)
            try list.encode(1)
            var member = list.nestedContainer(keyedBy: CodingKeys.self)
            try member.encodeNil(forKey: .name)
        }
        enum CodingKeys: String, CodingKey { case name, list }
    }

    /// Containers asked for by hand: a super encoder, nested keyed and unkeyed containers.
    @Test func handWrittenEncodings_areWrittenAsTheEncoderWritesThem() throws {
        #expect(try JSONValueEncoder().encode(Derived()).compactJSON == (try JSONCoding.encoder.encode(Derived())))
    }
}
