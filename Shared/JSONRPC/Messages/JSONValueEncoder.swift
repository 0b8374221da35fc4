import Foundation

/// Encodes an `Encodable` value as a `JSONValue`, in one pass, and through
/// `JSONValue.compactJSON` as the text `JSONCoding.encoder` writes (compact, sorted keys,
/// unescaped slashes): the mirror of `JSONValueDecoder`, for every call's result and every
/// peer call's params.
///
/// Foundation's `JSONEncoder` casts each value it meets to the types it treats apart
/// (dates, data, URLs, string-keyed dictionaries…), and those run-time casts and its
/// generic wrappers were the largest part of answering a small call (BENCHMARKS.md).
/// Here the types are told apart by comparing metatypes. What this encoder would not
/// write exactly as `JSONEncoder` does — a `Date`, `Data`, `URL`, `Decimal` or `Float`, an
/// unsigned integer past `Int64.max`, a number that is not finite, a value that encodes
/// nothing — throws `Unsupported`, and `json(_:)` hands the whole value to `JSONEncoder`,
/// so the text is always `JSONEncoder`'s.
public struct JSONValueEncoder: Sendable {
    public init() {}

    /// `value` as a `JSONValue`; `Unsupported` for what only `JSONEncoder` writes exactly.
    public func encode<T: Encodable>(_ value: T) throws -> JSONValue {
        try JSONValueEncoding.member(value, at: []).resolved()
    }

    /// `value` as JSON text, byte for byte what `JSONCoding.encoder` writes; written
    /// straight from what the value encoded, with no `JSONValue` made on the way.
    public static func json<T: Encodable>(_ value: T) throws -> Data {
        do {
            return try directJSON(value)
        } catch is Unsupported {
            return try JSONCoding.sharedEncoder.encode(value)
        }
    }

    /// `json` without the fallback: `Unsupported` for what it leaves to `JSONEncoder`.
    static func directJSON<T: Encodable>(_ value: T) throws -> Data {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(256)
        try JSONValueEncoding.member(value, at: []).write(into: &bytes)
        return Data(bytes)
    }

    /// A value this encoder leaves to `JSONEncoder` (see the type's summary).
    public struct Unsupported: Error {}
}

/// What has been encoded at one place in the value: a finished `JSONValue`, or an object
/// or array that containers are still filling.
enum EncodedMember {
    case value(JSONValue)
    case slot(EncodedSlot)

    func resolved() throws -> JSONValue {
        switch self {
        case .value(let value): value
        case .slot(let slot): try slot.resolved()
        }
    }

    func write(into bytes: inout [UInt8]) throws {
        switch self {
        case .value(let value): value.write(into: &bytes)
        case .slot(let slot): try slot.write(into: &bytes)
        }
    }
}

/// The place an encoder writes to. A reference, so that containers handed out earlier
/// keep filling the same object or array.
final class EncodedSlot {
    enum Content {
        case empty
        case value(JSONValue)
        case object(EncodedObject)
        case array(EncodedArray)
    }

    var content = Content.empty
    /// Set when something written here was replaced or added to in a way `JSONEncoder`
    /// resolves otherwise (a finished value asked for as a container, a super encoder
    /// over members already there): the value then goes to `JSONEncoder`.
    var conflicted = false

    func resolved() throws -> JSONValue {
        if conflicted { throw JSONValueEncoder.Unsupported() }
        switch content {
        case .empty: throw JSONValueEncoder.Unsupported()
        case .value(let value): return value
        case .object(let object):
            return .object(try Dictionary(object.sortedMembers.map { ($0.key, try $0.member.resolved()) }, uniquingKeysWith: { $1 }))
        case .array(let array): return .array(try array.elements.map { try $0.resolved() })
        }
    }

    /// As `JSONValue.write` writes the value `resolved` makes.
    func write(into bytes: inout [UInt8]) throws {
        if conflicted { throw JSONValueEncoder.Unsupported() }
        switch content {
        case .empty: throw JSONValueEncoder.Unsupported()
        case .value(let value): value.write(into: &bytes)
        case .object(let object):
            bytes.append(UInt8(ascii: "{"))
            for (index, member) in object.sortedMembers.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                JSONText.writeString(member.key, into: &bytes)
                bytes.append(UInt8(ascii: ":"))
                try member.member.write(into: &bytes)
            }
            bytes.append(UInt8(ascii: "}"))
        case .array(let array):
            bytes.append(UInt8(ascii: "["))
            for (index, element) in array.elements.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                try element.write(into: &bytes)
            }
            bytes.append(UInt8(ascii: "]"))
        }
    }

    /// The object here, made if this place holds none yet (a type may ask for its keyed
    /// container more than once; each call adds to the same object).
    var object: EncodedObject {
        if case .object(let object) = content { return object }
        if case .empty = content {} else { conflicted = true }
        let object = EncodedObject()
        content = .object(object)
        return object
    }

    var array: EncodedArray {
        if case .array(let array) = content { return array }
        if case .empty = content {} else { conflicted = true }
        let array = EncodedArray()
        content = .array(array)
        return array
    }
}

/// An object's members in the order they were encoded: a struct's few members are kept
/// in a list, not hashed, and sorted once when written; a dictionary's many are also
/// indexed by key.
final class EncodedObject {
    private var members: [(key: String, member: EncodedMember)] = []
    /// Each key's place in `members`, once there are more than a few.
    private var places: [String: Int]?
    private static let listedAtMost = 16

    /// Sets `key`: a key encoded again replaces what it had, as in `JSONEncoder`.
    func set(_ key: String, _ member: EncodedMember) {
        if let index = place(of: key) {
            members[index].member = member
            return
        }
        members.append((key, member))
        if places != nil {
            places?[key] = members.count - 1
        } else if members.count > Self.listedAtMost {
            places = Dictionary(members.enumerated().map { ($0.element.key, $0.offset) }, uniquingKeysWith: { $1 })
        }
    }

    subscript(key: String) -> EncodedMember? { place(of: key).map { members[$0].member } }

    private func place(of key: String) -> Int? {
        if let places { return places[key] }
        return members.firstIndex { $0.key == key }
    }

    var sortedMembers: [(key: String, member: EncodedMember)] { members.sorted { JSONText.keyPrecedes($0.key, $1.key) } }
}

final class EncodedArray {
    var elements: [EncodedMember] = []
}

/// The `Encoder` a value's `encode(to:)` is given.
struct JSONValueEncoding: Encoder {
    let codingPath: [any CodingKey]
    let slot: EncodedSlot
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        KeyedEncodingContainer(JSONValueKeyedEncoding<Key>(object: slot.object, codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        JSONValueUnkeyedEncoding(array: slot.array, codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        JSONValueSingleEncoding(slot: slot, codingPath: codingPath)
    }

    /// `value` encoded at `path`: the common kinds at once, anything else by its own
    /// `encode(to:)` into a slot of its own.
    static func member<T: Encodable>(_ value: T, at path: @autoclosure () -> [any CodingKey]) throws -> EncodedMember {
        if T.self == String.self { return .value(.string(value as! String)) }
        if T.self == Int.self { return .value(.int(Int64(value as! Int))) }
        if T.self == Bool.self { return .value(.bool(value as! Bool)) }
        if T.self == JSONValue.self { return .value(value as! JSONValue) }
        if T.self == Int64.self { return .value(.int(value as! Int64)) }
        if T.self == Double.self { return .value(try number(value as! Double)) }
        if T.self == Date.self || T.self == Data.self || T.self == URL.self || T.self == Decimal.self || T.self == Float.self {
            throw JSONValueEncoder.Unsupported()
        }
        let slot = EncodedSlot()
        try value.encode(to: JSONValueEncoding(codingPath: path(), slot: slot))
        return .slot(slot)
    }

    static func number(_ value: Double) throws -> JSONValue {
        guard value.isFinite else { throw JSONValueEncoder.Unsupported() }
        return .double(value)
    }

    static func number<I: BinaryInteger>(_ value: I) throws -> JSONValue {
        guard let exact = Int64(exactly: value) else { throw JSONValueEncoder.Unsupported() }
        return .int(exact)
    }
}

struct JSONValueKeyedEncoding<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let object: EncodedObject
    let codingPath: [any CodingKey]

    private func put(_ value: JSONValue, _ key: Key) { object.set(key.stringValue, .value(value)) }

    mutating func encodeNil(forKey key: Key) throws { put(.null, key) }
    mutating func encode(_ value: Bool, forKey key: Key) throws { put(.bool(value), key) }
    mutating func encode(_ value: String, forKey key: Key) throws { put(.string(value), key) }
    mutating func encode(_ value: Double, forKey key: Key) throws { put(try JSONValueEncoding.number(value), key) }
    mutating func encode(_ value: Float, forKey key: Key) throws { throw JSONValueEncoder.Unsupported() }
    mutating func encode(_ value: Int, forKey key: Key) throws { put(.int(Int64(value)), key) }
    mutating func encode(_ value: Int8, forKey key: Key) throws { put(.int(Int64(value)), key) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { put(.int(Int64(value)), key) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { put(.int(Int64(value)), key) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { put(.int(value), key) }
    mutating func encode(_ value: UInt, forKey key: Key) throws { put(try JSONValueEncoding.number(value), key) }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { put(.int(Int64(value)), key) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { put(.int(Int64(value)), key) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { put(.int(Int64(value)), key) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { put(try JSONValueEncoding.number(value), key) }
    @available(macOS 15.0, *) mutating func encode(_ value: Int128, forKey key: Key) throws { put(try JSONValueEncoding.number(value), key) }
    @available(macOS 15.0, *) mutating func encode(_ value: UInt128, forKey key: Key) throws { put(try JSONValueEncoding.number(value), key) }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        object.set(key.stringValue, try JSONValueEncoding.member(value, at: codingPath + [key]))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy keyType: NestedKey.Type, forKey key: Key
    ) -> KeyedEncodingContainer<NestedKey> {
        KeyedEncodingContainer(JSONValueKeyedEncoding<NestedKey>(object: slot(key).object, codingPath: codingPath + [key]))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        JSONValueUnkeyedEncoding(array: slot(key).array, codingPath: codingPath + [key])
    }

    mutating func superEncoder() -> any Encoder {
        let key = JSONValueSuperKey.super
        let slot = EncodedSlot()
        object.set(key.stringValue, .slot(slot))
        return JSONValueEncoding(codingPath: codingPath + [key], slot: slot)
    }

    mutating func superEncoder(forKey key: Key) -> any Encoder {
        let slot = slot(key)
        // JSONEncoder replaces what was there; this slot would add to it.
        if case .empty = slot.content {} else { slot.conflicted = true }
        return JSONValueEncoding(codingPath: codingPath + [key], slot: slot)
    }

    /// The slot at `key`, made unless one is there; one made over a finished value is
    /// conflicted (JSONEncoder would have added to that value).
    private func slot(_ key: Key) -> EncodedSlot {
        let existing = object[key.stringValue]
        if case .slot(let slot) = existing { return slot }
        let slot = EncodedSlot()
        slot.conflicted = existing != nil
        object.set(key.stringValue, .slot(slot))
        return slot
    }
}

/// The key `JSONEncoder` gives a super encoder's value when none is named.
enum JSONValueSuperKey: String, CodingKey {
    case `super`
}

struct JSONValueUnkeyedEncoding: UnkeyedEncodingContainer, JSONValuePrimitives {
    let array: EncodedArray
    let codingPath: [any CodingKey]
    var count: Int { array.elements.count }

    func put(_ value: JSONValue) { array.elements.append(.value(value)) }
    // Declared here, not in `JSONValuePrimitives`: the standard library's own defaults for
    // these would be as near, and the two ambiguous.
    @available(macOS 15.0, *) mutating func encode(_ value: Int128) throws { put(try JSONValueEncoding.number(value)) }
    @available(macOS 15.0, *) mutating func encode(_ value: UInt128) throws { put(try JSONValueEncoding.number(value)) }
    private var nextKey: JSONValueIndexKey { JSONValueIndexKey(intValue: count) }

    mutating func encode<T: Encodable>(_ value: T) throws {
        let member = try JSONValueEncoding.member(value, at: codingPath + [nextKey])
        array.elements.append(member)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        let path = codingPath + [nextKey]
        return KeyedEncodingContainer(JSONValueKeyedEncoding<NestedKey>(object: appendSlot().object, codingPath: path))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let path = codingPath + [nextKey]
        return JSONValueUnkeyedEncoding(array: appendSlot().array, codingPath: path)
    }

    mutating func superEncoder() -> any Encoder {
        let path = codingPath + [nextKey]
        return JSONValueEncoding(codingPath: path, slot: appendSlot())
    }

    private func appendSlot() -> EncodedSlot {
        let slot = EncodedSlot()
        array.elements.append(.slot(slot))
        return slot
    }
}

/// An array element's place in a coding path.
struct JSONValueIndexKey: CodingKey {
    var intValue: Int?
    var stringValue: String { "Index \(intValue ?? 0)" }
    init(intValue: Int) { self.intValue = intValue }
    init?(stringValue: String) { nil }
}

struct JSONValueSingleEncoding: SingleValueEncodingContainer, JSONValuePrimitives {
    let slot: EncodedSlot
    let codingPath: [any CodingKey]

    func put(_ value: JSONValue) { slot.content = .value(value) }
    @available(macOS 15.0, *) mutating func encode(_ value: Int128) throws { put(try JSONValueEncoding.number(value)) }
    @available(macOS 15.0, *) mutating func encode(_ value: UInt128) throws { put(try JSONValueEncoding.number(value)) }

    mutating func encode<T: Encodable>(_ value: T) throws {
        switch try JSONValueEncoding.member(value, at: codingPath) {
        case .value(let value): put(value)
        case .slot(let inner): slot.content = inner.content
        }
    }
}

/// The primitive `encode` overloads an unkeyed and a single-value container both declare,
/// written once over where each puts a value.
protocol JSONValuePrimitives {
    func put(_ value: JSONValue)
}

extension JSONValuePrimitives {
    mutating func encodeNil() throws { put(.null) }
    mutating func encode(_ value: Bool) throws { put(.bool(value)) }
    mutating func encode(_ value: String) throws { put(.string(value)) }
    mutating func encode(_ value: Double) throws { put(try JSONValueEncoding.number(value)) }
    mutating func encode(_ value: Float) throws { throw JSONValueEncoder.Unsupported() }
    mutating func encode(_ value: Int) throws { put(.int(Int64(value))) }
    mutating func encode(_ value: Int8) throws { put(.int(Int64(value))) }
    mutating func encode(_ value: Int16) throws { put(.int(Int64(value))) }
    mutating func encode(_ value: Int32) throws { put(.int(Int64(value))) }
    mutating func encode(_ value: Int64) throws { put(.int(value)) }
    mutating func encode(_ value: UInt) throws { put(try JSONValueEncoding.number(value)) }
    mutating func encode(_ value: UInt8) throws { put(.int(Int64(value))) }
    mutating func encode(_ value: UInt16) throws { put(.int(Int64(value))) }
    mutating func encode(_ value: UInt32) throws { put(.int(Int64(value))) }
    mutating func encode(_ value: UInt64) throws { put(try JSONValueEncoding.number(value)) }
}
