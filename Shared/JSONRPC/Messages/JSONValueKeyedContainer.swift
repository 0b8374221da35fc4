/// The members of an object, for a `JSONValueDecoder` decode; records each member asked
/// for, so that the members nobody read can be named afterwards.
struct JSONValueKeyedContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let decoder: JSONValueDecoding
    let members: [String: JSONValue]
    /// Nil when the decode does not look for unread members.
    let reads: ObjectReads?

    var codingPath: [any CodingKey] { decoder.codingPath }

    /// Listing the keys reads them: a dictionary takes every member it is given.
    var allKeys: [Key] {
        let keys = members.keys.compactMap { Key(stringValue: $0) }
        if let reads {
            if keys.count == members.count {
                reads.markAllRead()
            } else {
                for key in keys { _ = index(key) }
            }
        }
        return keys
    }

    func contains(_ key: Key) -> Bool { index(key) != nil }

    /// Where the member `key` is, nil when there is none; a member found is read.
    private func index(_ key: Key) -> ObjectReads.Index? {
        if decoder.state.askedKeys != nil { decoder.state.noteAsked(path(key)) }
        guard let index = members.index(forKey: key.stringValue) else { return nil }
        reads?.markRead(index)
        return index
    }

    /// The member `key`; `keyNotFound` when there is none.
    private func member(_ key: Key) throws -> JSONValue {
        guard let index = index(key) else {
            let description = "No value associated with key \(key) (\"\(key.stringValue)\")."
            throw DecodingError.keyNotFound(key, .init(codingPath: codingPath, debugDescription: description))
        }
        return members[index].value
    }

    /// The member `key`, nil when there is none or it is `null`.
    private func presentMember(_ key: Key) -> JSONValue? {
        guard let index = index(key) else { return nil }
        let value = members[index].value
        // Not a `? nil :` expression: `nil` would be read as the literal of `JSONValue.null`.
        guard value != .null else { return Optional.none }
        return value
    }

    private func path(_ key: Key) -> [any CodingKey] { decoder.codingPath(adding: key) }

    // MARK: Required members

    func decodeNil(forKey key: Key) throws -> Bool { try member(key) == .null }

    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try JSONScalars.bool(member(key)) { path(key) } }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { try JSONScalars.string(member(key)) { path(key) } }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try JSONScalars.double(member(key)) { path(key) } }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float { try JSONScalars.float(member(key)) { path(key) } }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try integer(key) }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try integer(key) }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try integer(key) }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try integer(key) }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try integer(key) }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try integer(key) }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try integer(key) }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try integer(key) }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try integer(key) }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try integer(key) }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        try decoder.decode(T.self, from: member(key), key: key)
    }

    private func integer<I: FixedWidthInteger>(_ key: Key) throws -> I {
        try JSONScalars.integer(I.self, from: member(key)) { path(key) }
    }

    // MARK: Optional members, one look-up each (the defaults take three)

    func decodeIfPresent(_ type: Bool.Type, forKey key: Key) throws -> Bool? {
        try presentMember(key).map { try JSONScalars.bool($0) { path(key) } }
    }
    func decodeIfPresent(_ type: String.Type, forKey key: Key) throws -> String? {
        try presentMember(key).map { try JSONScalars.string($0) { path(key) } }
    }
    func decodeIfPresent(_ type: Double.Type, forKey key: Key) throws -> Double? {
        try presentMember(key).map { try JSONScalars.double($0) { path(key) } }
    }
    func decodeIfPresent(_ type: Float.Type, forKey key: Key) throws -> Float? {
        try presentMember(key).map { try JSONScalars.float($0) { path(key) } }
    }
    func decodeIfPresent(_ type: Int.Type, forKey key: Key) throws -> Int? { try optionalInteger(key) }
    func decodeIfPresent(_ type: Int8.Type, forKey key: Key) throws -> Int8? { try optionalInteger(key) }
    func decodeIfPresent(_ type: Int16.Type, forKey key: Key) throws -> Int16? { try optionalInteger(key) }
    func decodeIfPresent(_ type: Int32.Type, forKey key: Key) throws -> Int32? { try optionalInteger(key) }
    func decodeIfPresent(_ type: Int64.Type, forKey key: Key) throws -> Int64? { try optionalInteger(key) }
    func decodeIfPresent(_ type: UInt.Type, forKey key: Key) throws -> UInt? { try optionalInteger(key) }
    func decodeIfPresent(_ type: UInt8.Type, forKey key: Key) throws -> UInt8? { try optionalInteger(key) }
    func decodeIfPresent(_ type: UInt16.Type, forKey key: Key) throws -> UInt16? { try optionalInteger(key) }
    func decodeIfPresent(_ type: UInt32.Type, forKey key: Key) throws -> UInt32? { try optionalInteger(key) }
    func decodeIfPresent(_ type: UInt64.Type, forKey key: Key) throws -> UInt64? { try optionalInteger(key) }

    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        try presentMember(key).map { try decoder.decode(T.self, from: $0, key: key) }
    }

    private func optionalInteger<I: FixedWidthInteger>(_ key: Key) throws -> I? {
        try presentMember(key).map { try JSONScalars.integer(I.self, from: $0) { path(key) } }
    }

    // MARK: Nested containers and super decoders

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws
        -> KeyedDecodingContainer<NestedKey>
    {
        try decoder.decoder(for: member(key), key: key).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try decoder.decoder(for: member(key), key: key).unkeyedContainer()
    }

    /// The member `super`, or `null` when there is none (as `JSONDecoder` does).
    func superDecoder() throws -> any Decoder { superDecoder(named: JSONValueCodingKey.super) }

    func superDecoder(forKey key: Key) throws -> any Decoder { superDecoder(named: key) }

    private func superDecoder(named key: any CodingKey) -> any Decoder {
        let index = members.index(forKey: key.stringValue)
        if let index { reads?.markRead(index) }
        return decoder.decoder(for: index.map { members[$0].value } ?? .null, key: key)
    }
}

/// The coding keys this decoder makes itself: array indices, and `super`.
struct JSONValueCodingKey: CodingKey {
    var stringValue: String
    var intValue: Int?

    init(index: Int) {
        stringValue = "Index \(index)"
        intValue = index
    }

    init?(stringValue: String) {
        self.stringValue = stringValue
        intValue = nil
    }

    init?(intValue: Int) { self.init(index: intValue) }

    static let `super` = JSONValueCodingKey(stringValue: "super")!
}
