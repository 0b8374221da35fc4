/// The elements of an array, for a `JSONValueDecoder` decode, read in order.
struct JSONValueUnkeyedContainer: UnkeyedDecodingContainer {
    let decoder: JSONValueDecoding
    let elements: [JSONValue]
    private(set) var currentIndex = 0

    init(decoder: JSONValueDecoding, elements: [JSONValue]) {
        self.decoder = decoder
        self.elements = elements
    }

    var codingPath: [any CodingKey] { decoder.codingPath }
    var count: Int? { elements.count }
    var isAtEnd: Bool { currentIndex >= elements.count }

    private var key: JSONValueCodingKey { JSONValueCodingKey(index: currentIndex) }

    /// The next element, not yet consumed; `valueNotFound` (worded as `JSONDecoder` words
    /// it) past the end.
    private func next(_ type: Any.Type, ending: String = "Unkeyed container is at end.") throws -> JSONValue {
        guard !isAtEnd else {
            throw DecodingError.valueNotFound(type, .init(codingPath: decoder.codingPath(adding: key), debugDescription: ending))
        }
        return elements[currentIndex]
    }

    mutating func decodeNil() throws -> Bool {
        guard try next(Never.self) == .null else { return false }
        currentIndex += 1
        return true
    }

    mutating func decode(_ type: Bool.Type) throws -> Bool { try scalar(JSONScalars.bool(_:at:)) }
    mutating func decode(_ type: String.Type) throws -> String { try scalar(JSONScalars.string(_:at:)) }
    mutating func decode(_ type: Double.Type) throws -> Double { try scalar(JSONScalars.double(_:at:)) }
    mutating func decode(_ type: Float.Type) throws -> Float { try scalar(JSONScalars.float(_:at:)) }
    mutating func decode(_ type: Int.Type) throws -> Int { try integer() }
    mutating func decode(_ type: Int8.Type) throws -> Int8 { try integer() }
    mutating func decode(_ type: Int16.Type) throws -> Int16 { try integer() }
    mutating func decode(_ type: Int32.Type) throws -> Int32 { try integer() }
    mutating func decode(_ type: Int64.Type) throws -> Int64 { try integer() }
    mutating func decode(_ type: UInt.Type) throws -> UInt { try integer() }
    mutating func decode(_ type: UInt8.Type) throws -> UInt8 { try integer() }
    mutating func decode(_ type: UInt16.Type) throws -> UInt16 { try integer() }
    mutating func decode(_ type: UInt32.Type) throws -> UInt32 { try integer() }
    mutating func decode(_ type: UInt64.Type) throws -> UInt64 { try integer() }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        let decoded = try decoder.decode(T.self, from: next(T.self), key: key)
        currentIndex += 1
        return decoded
    }

    /// Reads the next element with `read`, and consumes it only when that succeeded (as
    /// `JSONDecoder` does, so a caller may try another type).
    private mutating func scalar<T>(_ read: (JSONValue, () -> [any CodingKey]) throws -> T) throws -> T {
        let (decoder, key) = (self.decoder, self.key)
        let decoded = try read(next(T.self)) { decoder.codingPath(adding: key) }
        currentIndex += 1
        return decoded
    }

    private mutating func integer<I: FixedWidthInteger>() throws -> I {
        try scalar { value, path in try JSONScalars.integer(I.self, from: value, at: path) }
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws
        -> KeyedDecodingContainer<NestedKey>
    {
        let value = try next(
            KeyedDecodingContainer<NestedKey>.self, ending: "Cannot get nested keyed container -- unkeyed container is at end.")
        let container = try decoder.decoder(for: value, key: key).container(keyedBy: type)
        currentIndex += 1
        return container
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        let value = try next(
            (any UnkeyedDecodingContainer).self,
            ending: "Cannot get nested unkeyed container -- unkeyed container is at end.")
        let container = try decoder.decoder(for: value, key: key).unkeyedContainer()
        currentIndex += 1
        return container
    }

    mutating func superDecoder() throws -> any Decoder {
        let value = try next((any Decoder).self, ending: "Cannot get superDecoder() -- unkeyed container is at end.")
        defer { currentIndex += 1 }
        return decoder.decoder(for: value, key: key)
    }
}

/// The one value of a `JSONValueDecoder`'s decoder, read whole.
struct JSONValueSingleValueContainer: SingleValueDecodingContainer {
    let decoder: JSONValueDecoding

    var codingPath: [any CodingKey] { decoder.codingPath }
    private var value: JSONValue { decoder.value }
    private var path: () -> [any CodingKey] { { decoder.codingPath } }

    func decodeNil() -> Bool { value == .null }

    func decode(_ type: Bool.Type) throws -> Bool { try JSONScalars.bool(value, at: path) }
    func decode(_ type: String.Type) throws -> String { try JSONScalars.string(value, at: path) }
    func decode(_ type: Double.Type) throws -> Double { try JSONScalars.double(value, at: path) }
    func decode(_ type: Float.Type) throws -> Float { try JSONScalars.float(value, at: path) }
    func decode(_ type: Int.Type) throws -> Int { try JSONScalars.integer(Int.self, from: value, at: path) }
    func decode(_ type: Int8.Type) throws -> Int8 { try JSONScalars.integer(Int8.self, from: value, at: path) }
    func decode(_ type: Int16.Type) throws -> Int16 { try JSONScalars.integer(Int16.self, from: value, at: path) }
    func decode(_ type: Int32.Type) throws -> Int32 { try JSONScalars.integer(Int32.self, from: value, at: path) }
    func decode(_ type: Int64.Type) throws -> Int64 { try JSONScalars.integer(Int64.self, from: value, at: path) }
    func decode(_ type: UInt.Type) throws -> UInt { try JSONScalars.integer(UInt.self, from: value, at: path) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try JSONScalars.integer(UInt8.self, from: value, at: path) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try JSONScalars.integer(UInt16.self, from: value, at: path) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try JSONScalars.integer(UInt32.self, from: value, at: path) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try JSONScalars.integer(UInt64.self, from: value, at: path) }

    func decode<T: Decodable>(_ type: T.Type) throws -> T { try decoder.decode(T.self, from: value, key: nil) }
}
