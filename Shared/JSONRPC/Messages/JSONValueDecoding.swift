import Foundation

/// The `Decoder` of one value inside a `JSONValueDecoder` decode.
///
/// Its coding path is kept as a link to its parent and its own key, built into an array
/// only when asked for (an error, an object whose reads are recorded): most values are
/// decoded without anyone asking.
final class JSONValueDecoding: Decoder {
    let value: JSONValue
    let state: DecodingState
    private let parent: JSONValueDecoding?
    private let key: (any CodingKey)?
    /// Shared by every keyed container of this value, so that a type reading its members
    /// through two containers (`SessionOpenParams`) has them all counted.
    private var reads: ObjectReads?

    convenience init(root value: JSONValue, state: DecodingState) {
        self.init(value: value, state: state, parent: nil, key: nil)
    }

    private init(value: JSONValue, state: DecodingState, parent: JSONValueDecoding?, key: (any CodingKey)?) {
        self.value = value
        self.state = state
        self.parent = parent
        self.key = key
    }

    var codingPath: [any CodingKey] {
        var keys: [any CodingKey] = []
        var node: JSONValueDecoding? = self
        while let current = node, let key = current.key {
            keys.append(key)
            node = current.parent
        }
        return keys.reversed()
    }

    var userInfo: [CodingUserInfoKey: Any] { [:] }

    /// The path of a member of this value (of this value, when `key` is nil).
    func codingPath(adding key: (any CodingKey)?) -> [any CodingKey] { key.map { codingPath + [$0] } ?? codingPath }

    // MARK: Containers

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .object(let members) = value else {
            throw mismatch(expected: [String: Any].self, container: "keyed decoding container")
        }
        if state.recordsReads, reads == nil {
            let object = ObjectReads(codingPath: codingPath, members: members)
            state.record(object)
            reads = object
        }
        return KeyedDecodingContainer(JSONValueKeyedContainer<Key>(decoder: self, members: members, reads: reads))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case .array(let elements) = value else {
            throw mismatch(expected: [Any].self, container: "unkeyed decoding container")
        }
        return JSONValueUnkeyedContainer(decoder: self, elements: elements)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        JSONValueSingleValueContainer(decoder: self)
    }

    /// What `JSONDecoder` throws for a container of the wrong kind: `valueNotFound` for
    /// `null`, `typeMismatch` for anything else.
    private func mismatch(expected: Any.Type, container: String) -> DecodingError {
        if value == .null {
            return .valueNotFound(
                expected, .init(codingPath: codingPath, debugDescription: "Cannot get \(container) -- found null value instead"))
        }
        return DecodingError.typeMismatch(expected, value: value, at: codingPath)
    }

    // MARK: Values

    /// Decodes `T` from this decoder's own value.
    func decodeValue<T: Decodable>(_ type: T.Type) throws -> T {
        if let special = try decodeSpecial(T.self, from: value, at: { self.codingPath }) { return special }
        return try T(from: self)
    }

    /// Decodes `T` from `value`: the member `key` of this decoder's value, or (no key) this
    /// decoder's value again, read through its single-value container.
    func decode<T: Decodable>(_ type: T.Type, from value: JSONValue, key: (any CodingKey)?) throws -> T {
        if let special = try decodeSpecial(T.self, from: value, at: { self.codingPath(adding: key) }) { return special }
        // A value read again gets a decoder of its own at the same path, so that a failed
        // try rolls back cleanly; the reads of its object add up with this one's.
        let child = key.map { JSONValueDecoding(value: value, state: state, parent: self, key: $0) }
            ?? JSONValueDecoding(value: value, state: state, parent: parent, key: self.key)
        let mark = state.mark
        do {
            return try T(from: child)
        } catch {
            // A failed decode may be one a type tries and catches: the objects it opened
            // are forgotten, their reads and unread members alike.
            state.rollBack(to: mark)
            throw error
        }
    }

    /// A decoder for `value`, the member `key`, for `superDecoder` and nested containers.
    func decoder(for value: JSONValue, key: any CodingKey) -> JSONValueDecoding {
        JSONValueDecoding(value: value, state: state, parent: self, key: key)
    }

    /// The types read without a decoder of their own: `JSONValue` as it is, the scalars
    /// (by far the commonest members), and the Foundation types refused.
    private func decodeSpecial<T: Decodable>(
        _ type: T.Type, from value: JSONValue, at path: () -> [any CodingKey]
    ) throws -> T? {
        if T.self == JSONValue.self { return (value as! T) }
        switch value {
        case .string(let text) where T.self == String.self: return (text as! T)
        case .bool(let flag) where T.self == Bool.self: return (flag as! T)
        case .int(let number) where T.self == Int.self: if let fitting = Int(exactly: number) { return (fitting as! T) }
        case .int(let number) where T.self == Int64.self: return (number as! T)
        default: break
        }
        if T.self == Date.self || T.self == Data.self || T.self == URL.self || T.self == Decimal.self {
            throw JSONValueDecoder.UnsupportedType(type: "\(T.self)", codingPath: path())
        }
        return nil
    }
}

extension DecodingError {
    /// `typeMismatch` worded as `JSONDecoder` words it.
    static func typeMismatch(_ expected: Any.Type, value: JSONValue, at path: [any CodingKey]) -> DecodingError {
        let found = value.kindDescription
        return .typeMismatch(
            expected, .init(codingPath: path, debugDescription: "Expected to decode \(expected) but found \(found) instead."))
    }
}

extension JSONValue {
    /// The value's kind as `JSONDecoder`'s messages name it.
    var kindDescription: String {
        switch self {
        case .null: "null"
        case .bool: "bool"
        case .int, .double: "number"
        case .string: "a string"
        case .array: "an array"
        case .object: "a dictionary"
        }
    }
}
