import Foundation

/// Decodes any `Decodable` type straight from a parsed `JSONValue`, in one pass: no JSON
/// text is written or read again.
///
/// It reads values as `JSONCoding.decoder` reads the same value written out as JSON text
/// (the same `DecodingError`s, with the same coding paths and wording), except that:
/// - a `JSONValue` member is the value as it is, not one found by trial and error;
/// - a number that does not fit its type (out of range, a fraction for an integer) is
///   `dataCorrupted` at its own path, saying the range but never the number, where
///   Foundation said "not valid JSON" at no path;
/// - a whole number past 2^53 written with an exponent or a fraction is refused for an
///   integer, as the `Double` it was parsed into may not be the number sent;
/// - `Date`, `Data`, `URL` and `Decimal`, which no params use, are refused with
///   `UnsupportedType` rather than read by their own `Decodable` conformance, which would
///   not read what `JSONDecoder` reads.
public struct JSONValueDecoder: Sendable {
    public init() {}

    /// Decodes `type` from `value`; members the type does not read are ignored.
    public func decode<T: Decodable>(_ type: T.Type, from value: JSONValue) throws -> T {
        try JSONValueDecoding(root: value, state: DecodingState(recordsReads: false)).decodeValue(T.self)
    }

    /// Decodes `type` from `value`, and names the first member of an object, at any depth,
    /// that the type did not read and that is not `null` (a dotted path, in sorted order);
    /// `nil` when there is none.
    ///
    /// A member counts as read when it was asked for in any way (`decode`,
    /// `decodeIfPresent`, `contains`, `decodeNil`, a nested container, a super decoder) or
    /// listed by `allKeys` (as a dictionary reads its members). Reads made by a decode that
    /// failed (one a type tried and caught) do not count, and its objects are not checked.
    func decodeFindingUnreadMember<T: Decodable>(_ type: T.Type, from value: JSONValue) throws -> (
        value: T, unreadMember: String?
    ) {
        let state = DecodingState(recordsReads: true)
        let decoded = try JSONValueDecoding(root: value, state: state).decodeValue(T.self)
        return (decoded, state.firstUnreadMember())
    }

    /// The members `type` asks for when it decodes `value` — those it reads and those it
    /// looks for and does not find — as dotted paths, whether or not the decode succeeds:
    /// a type's `Codable` keys, for the contract test to hold its schema against.
    public func keysAsked<T: Decodable>(_ type: T.Type, from value: JSONValue) -> Set<String> {
        let state = DecodingState(recordsReads: false, logsAskedKeys: true)
        _ = try? JSONValueDecoding(root: value, state: state).decodeValue(T.self)
        return state.askedKeys ?? []
    }

    /// A type `JSONValueDecoder` does not decode: a programming error in the type being
    /// decoded, never the sender's, so it is not a `DecodingError`.
    public struct UnsupportedType: Error, CustomStringConvertible {
        /// The type asked for.
        public var type: String
        /// Where it was asked for.
        public var codingPath: [any CodingKey]

        public var description: String {
            "JSONValueDecoder does not decode \(type) (at \"\(JSONValueDecoder.dottedPath(codingPath))\"); "
                + "decode a String and convert it, or add the type to JSONValueDecoder."
        }
    }

    /// A coding path as `data.field` names it: keys and array indices joined with dots.
    static func dottedPath(_ path: [any CodingKey]) -> String {
        path.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
    }
}

/// What one decode shares among all its decoders: the objects whose reads are recorded.
final class DecodingState {
    let recordsReads: Bool
    private(set) var objects: [ObjectReads] = []
    /// Every member asked for, present or not, as dotted paths; nil (and not kept) unless
    /// the decode is `keysAsked`'s.
    private(set) var askedKeys: Set<String>?

    init(recordsReads: Bool, logsAskedKeys: Bool = false) {
        self.recordsReads = recordsReads
        askedKeys = logsAskedKeys ? [] : nil
    }

    func noteAsked(_ path: [any CodingKey]) { askedKeys?.insert(JSONValueDecoder.dottedPath(path)) }

    func record(_ object: ObjectReads) { objects.append(object) }

    /// A mark to roll back to when a decode fails: what it opened is forgotten.
    var mark: Int { objects.count }

    func rollBack(to mark: Int) {
        if objects.count > mark { objects.removeSubrange(mark...) }
    }

    func firstUnreadMember() -> String? {
        // The common answer, found without building a single path.
        guard objects.contains(where: \.mayHaveUnread) else { return nil }
        // One object can be read through several decoders (a member decoded twice, or a
        // value decoded again through a single-value container): its reads add up.
        var merged: [[PathComponent]: (object: ObjectReads, read: Set<String>, readsAll: Bool)] = [:]
        for object in objects {
            let id = object.codingPath.map(PathComponent.init)
            if var entry = merged[id] {
                entry.read.formUnion(object.readKeys)
                entry.readsAll = entry.readsAll || object.readsAll
                merged[id] = entry
            } else {
                merged[id] = (object, object.readKeys, object.readsAll)
            }
        }
        var first: String?
        for (object, read, readsAll) in merged.values where !readsAll {
            let prefix = JSONValueDecoder.dottedPath(object.codingPath)
            for (key, value) in object.members where value != .null && !read.contains(key) {
                let field = prefix.isEmpty ? key : prefix + "." + key
                if first.map({ field < $0 }) ?? true { first = field }
            }
        }
        return first.map { String($0.prefix(100)) }
    }

    /// A coding key reduced to what tells two paths apart.
    private struct PathComponent: Hashable {
        var string: String
        var int: Int?
        init(_ key: any CodingKey) {
            string = key.stringValue
            int = key.intValue
        }
    }
}

/// The members of one object, and which of them were read.
final class ObjectReads {
    typealias Index = [String: JSONValue].Index

    let codingPath: [any CodingKey]
    let members: [String: JSONValue]
    /// Kept as the indices the look-ups found, not as names: a `Set` of names would hash
    /// every name read a second time, a good part of the cost of decoding a login.
    private var read: [Index] = []
    private(set) var readsAll = false

    init(codingPath: [any CodingKey], members: [String: JSONValue]) {
        self.codingPath = codingPath
        self.members = members
        read.reserveCapacity(members.count)
    }

    func markRead(_ index: Index) { read.append(index) }
    func markAllRead() { readsAll = true }

    /// Whether a member that is not `null` was not read (params have a handful of
    /// members, so a scan of the few indices read is cheap).
    var mayHaveUnread: Bool {
        !readsAll && members.indices.contains { !read.contains($0) && members[$0].value != .null }
    }

    /// The names of the members read.
    var readKeys: Set<String> { Set(read.map { members[$0].key }) }
}
