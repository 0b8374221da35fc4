import Foundation

/// Reads JSON text (RFC 8259, UTF-8) straight into a `JSONValue`.
///
/// Foundation can only give a JSON document of unknown shape as `JSONSerialization`'s
/// tree of `NSDictionary`/`NSNumber` objects, which then has to be bridged and mapped,
/// or through `Codable`, which must guess each value's type by trying one after another.
/// On a statements import (a thousand rows of nested objects per message) either was
/// most of the service's time; reading the bytes once into the enum is several times
/// faster. It is strict where Foundation's reader is lenient (no trailing commas) and
/// refuses nesting deeper than `maximumDepth` instead of running out of stack.
package struct JSONReader: ~Copyable {
    /// Deeper nesting than any message of ours needs, far from exhausting a thread's stack.
    static let maximumDepth = 512

    private let bytes: UnsafeBufferPointer<UInt8>
    /// Members of the outermost object that are stepped over, not built.
    private let skipped: Set<String>
    private var index = 0
    private var depth = 0

    private init(_ bytes: UnsafeBufferPointer<UInt8>, skipping skipped: Set<String>) {
        self.bytes = bytes
        self.skipped = skipped
    }

    /// The one value the text holds, with nothing but whitespace around it. Members of
    /// the outermost object named in `skipped` are stepped over (structure checked) and left out: a
    /// caller that needs a record's few summary fields does not pay for its long lists.
    static func read(_ data: Data, skipping skipped: Set<String> = []) throws(JSONReadError) -> JSONValue {
        do {
            return try data.withUnsafeBytes { raw in try read(raw, skipping: skipped) }
        } catch let error as JSONReadError {
            throw error
        } catch {
            throw JSONReadError(offset: 0, reason: "unreadable")
        }
    }

    /// The same, of bytes in memory the caller holds for the call.
    package static func read(_ raw: UnsafeRawBufferPointer, skipping skipped: Set<String> = []) throws(JSONReadError) -> JSONValue {
        let buffer = raw.assumingMemoryBound(to: UInt8.self)
        var reader = JSONReader(buffer, skipping: skipped)
        let value = try reader.value()
        reader.skipWhitespace()
        guard reader.index == buffer.count else { throw reader.error("text after the value") }
        return value
    }

    /// The members JSON-RPC reads of a request object.
    struct RequestMembers {
        var jsonrpc: JSONValue?
        var id: JSONValue?
        var method: JSONValue?
        var params: JSONValue?
        var deadline: JSONValue?
    }

    /// A whole message: a request object's members, or any other value (a batch, or
    /// something that is not a request).
    enum Message {
        case request(RequestMembers)
        case other(JSONValue)
    }

    /// Reads a message as `read` would, except that a request object's members go straight
    /// into `RequestMembers`: no dictionary is built and no key becomes a `String`, which
    /// was a third of the cost of reading a small call. Other members are read (so the text
    /// is checked exactly as `read` checks it) and dropped.
    static func readMessage(_ raw: UnsafeRawBufferPointer) throws(JSONReadError) -> Message {
        let buffer = raw.assumingMemoryBound(to: UInt8.self)
        var reader = JSONReader(buffer, skipping: [])
        reader.skipWhitespace()
        let message: Message =
            reader.peek() == UInt8(ascii: "{") ? .request(try reader.requestObject()) : .other(try reader.value())
        reader.skipWhitespace()
        guard reader.index == buffer.count else { throw reader.error("text after the value") }
        return message
    }

    private mutating func requestObject() throws(JSONReadError) -> RequestMembers {
        var members = RequestMembers()
        guard try openObject() else { return members }
        repeat {
            try expectKey()
            let name = try requestMemberName()
            try expectColon()
            // Every request says `"jsonrpc":"2.0"`: recognised as bytes, not made a String.
            let member = name == .jsonrpc && Self.isVersion(bytes, at: index) ? Self.version : try value()
            if name == .jsonrpc, member == Self.version { index += 5 }
            // A repeated key: the last one counts, as in `object()`.
            switch name {
            case .jsonrpc: members.jsonrpc = member
            case .id: members.id = member
            case .method: members.method = member
            case .params: members.params = member
            case .deadline: members.deadline = member
            case nil: break
            }
        } while try nextMember()
        return members
    }

    /// The members of a request that JSON-RPC reads.
    private enum RequestMember: String {
        case jsonrpc, id, method, params, deadline
    }

    /// Which request member a key from its opening quote names, compared as bytes when the
    /// key has no escape (as always in practice); `nil` for any other key (still checked
    /// as UTF-8, as `string()` would).
    private mutating func requestMemberName() throws(JSONReadError) -> RequestMember? {
        let start = index + 1
        var end = start
        while end < bytes.count, bytes[end] != UInt8(ascii: "\""), bytes[end] != UInt8(ascii: "\\"), bytes[end] >= 0x20 {
            end += 1
        }
        guard end < bytes.count, bytes[end] == UInt8(ascii: "\"") else { return RequestMember(rawValue: try string()) }
        let key = UnsafeBufferPointer(rebasing: bytes[start..<end])
        let known: RequestMember? =
            switch key.count {
            case 2 where key[0] == UInt8(ascii: "i") && key[1] == UInt8(ascii: "d"): .id
            case 6 where Self.equal(key, "method"): .method
            case 6 where Self.equal(key, "params"): .params
            case 7 where Self.equal(key, "jsonrpc"): .jsonrpc
            case 8 where Self.equal(key, "deadline"): .deadline
            default: nil
            }
        if known == nil { _ = try utf8(start..<end) }
        index = end + 1
        return known
    }

    private static let version = JSONValue.string("2.0")

    /// Whether the text at `index` is the string `"2.0"`.
    private static func isVersion(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int) -> Bool {
        index + 5 <= bytes.count && memcmp(bytes.baseAddress! + index, "\"2.0\"", 5) == 0
    }

    private static func equal(_ bytes: UnsafeBufferPointer<UInt8>, _ word: StaticString) -> Bool {
        bytes.count == word.utf8CodeUnitCount && memcmp(bytes.baseAddress!, word.utf8Start, bytes.count) == 0
    }

    private mutating func value() throws(JSONReadError) -> JSONValue {
        skipWhitespace()
        guard index < bytes.count else { throw error("the text ends where a value should be") }
        switch bytes[index] {
        case UInt8(ascii: "{"): return try object()
        case UInt8(ascii: "["): return try array()
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
        default: throw error("not the start of a value")
        }
    }

    private mutating func object() throws(JSONReadError) -> JSONValue {
        // Most objects of ours have a handful of members: no regrowth for them.
        var members = [String: JSONValue](minimumCapacity: 8)
        guard try openObject() else { return .object(members) }
        repeat {
            try expectKey()
            let key = try string()
            try expectColon()
            if depth == 1, skipped.contains(key) {
                try skipValue()
            } else {
                members[key] = try value()
            }
        } while try nextMember()
        return .object(members)
    }

    /// Steps into an object at its `{`: `false` when it is empty (and already left).
    private mutating func openObject() throws(JSONReadError) -> Bool {
        try enter()
        index += 1
        skipWhitespace()
        guard peek() == UInt8(ascii: "}") else { return true }
        index += 1
        depth -= 1
        return false
    }

    /// Checks that a member's key starts here.
    private mutating func expectKey() throws(JSONReadError) {
        skipWhitespace()
        guard peek() == UInt8(ascii: "\"") else { throw error("an object key must be a string") }
    }

    /// Steps over the colon after a key, and the space around it.
    private mutating func expectColon() throws(JSONReadError) {
        skipWhitespace()
        guard peek() == UInt8(ascii: ":") else { throw error("a colon must follow an object key") }
        index += 1
        skipWhitespace()
    }

    /// After a member: `true` when another follows, `false` at the object's end (left).
    private mutating func nextMember() throws(JSONReadError) -> Bool {
        skipWhitespace()
        switch peek() {
        case UInt8(ascii: ","):
            index += 1
            return true
        case UInt8(ascii: "}"):
            index += 1
            depth -= 1
            return false
        default: throw error("a comma or } must follow an object member")
        }
    }

    private mutating func array() throws(JSONReadError) -> JSONValue {
        try enter()
        index += 1
        var elements: [JSONValue] = []
        skipWhitespace()
        if peek() == UInt8(ascii: "]") {
            index += 1
            depth -= 1
            return .array(elements)
        }
        while true {
            elements.append(try value())
            skipWhitespace()
            switch peek() {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "]"):
                index += 1
                depth -= 1
                return .array(elements)
            default: throw error("a comma or ] must follow an array element")
            }
        }
    }

    /// Steps over one value, checking its syntax, without building it.
    private mutating func skipValue() throws(JSONReadError) {
        skipWhitespace()
        switch peek() {
        case UInt8(ascii: "\""): try skipString()
        case UInt8(ascii: "["), UInt8(ascii: "{"):
            try enter()
            let closing = bytes[index] == UInt8(ascii: "[") ? UInt8(ascii: "]") : UInt8(ascii: "}")
            index += 1
            skipWhitespace()
            if peek() == closing {
                index += 1
                depth -= 1
                return
            }
            while true {
                if closing == UInt8(ascii: "}") {
                    skipWhitespace()
                    guard peek() == UInt8(ascii: "\"") else { throw error("an object key must be a string") }
                    try skipString()
                    skipWhitespace()
                    guard peek() == UInt8(ascii: ":") else { throw error("a colon must follow an object key") }
                    index += 1
                }
                try skipValue()
                skipWhitespace()
                switch peek() {
                case UInt8(ascii: ","): index += 1
                case closing:
                    index += 1
                    depth -= 1
                    return
                default: throw error("a comma or closing bracket must follow")
                }
            }
        default: _ = try value()
        }
    }

    /// Steps over a string from its opening quote (structure only: an escaped byte is
    /// passed over, UTF-8 is not validated — nothing is built from it).
    private mutating func skipString() throws(JSONReadError) {
        index += 1
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "\""):
                index += 1
                return
            case UInt8(ascii: "\\"): index += 2
            case 0..<0x20: throw error("a control character inside a string")
            default: index += 1
            }
        }
        throw error("a string is not closed")
    }

    private mutating func enter() throws(JSONReadError) {
        depth += 1
        guard depth <= Self.maximumDepth else { throw error("nested deeper than \(Self.maximumDepth)") }
    }

    /// A string from its opening quote: the bytes between the quotes as they are when
    /// there is no escape (the common case), decoded escape by escape otherwise.
    private mutating func string() throws(JSONReadError) -> String {
        index += 1
        let start = index
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                let text = try utf8(start..<index)
                index += 1
                return text
            }
            if byte == UInt8(ascii: "\\") { return try escapedString(from: start) }
            if byte < 0x20 { throw error("a control character inside a string") }
            index += 1
        }
        throw error("a string is not closed")
    }

    private mutating func escapedString(from start: Int) throws(JSONReadError) -> String {
        var decoded = Array(bytes[start..<index])
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                index += 1
                guard let text = String(validating: decoded, as: UTF8.self) else { throw error("invalid UTF-8") }
                return text
            case UInt8(ascii: "\\"):
                index += 1
                guard index < bytes.count else { break }
                let escape = bytes[index]
                index += 1
                switch escape {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): decoded.append(escape)
                case UInt8(ascii: "b"): decoded.append(0x08)
                case UInt8(ascii: "f"): decoded.append(0x0C)
                case UInt8(ascii: "n"): decoded.append(0x0A)
                case UInt8(ascii: "r"): decoded.append(0x0D)
                case UInt8(ascii: "t"): decoded.append(0x09)
                case UInt8(ascii: "u"): decoded.append(contentsOf: String(try unicodeEscape()).utf8)
                default: throw error("an unknown escape")
                }
            default:
                if byte < 0x20 { throw error("a control character inside a string") }
                decoded.append(byte)
                index += 1
            }
        }
        throw error("a string is not closed")
    }

    /// The scalar of a `\uXXXX` escape whose `\u` was read, joining a surrogate pair.
    private mutating func unicodeEscape() throws(JSONReadError) -> Unicode.Scalar {
        let unit = try hexQuad()
        if (0xD800..<0xDC00).contains(unit) {
            guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u")
            else { throw error("a lone surrogate") }
            index += 2
            let low = try hexQuad()
            guard (0xDC00..<0xE000).contains(low) else { throw error("a lone surrogate") }
            return Unicode.Scalar(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00))!
        }
        guard let scalar = Unicode.Scalar(unit) else { throw error("a lone surrogate") }
        return scalar
    }

    private mutating func hexQuad() throws(JSONReadError) -> UInt32 {
        guard index + 4 <= bytes.count else { throw error("a short \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw error("a \\u escape needs four hex digits")
            }
            value = value << 4 | UInt32(digit)
            index += 1
        }
        return value
    }

    /// An integer that fits in 64 bits stays exact; any other number is a `Double`.
    private mutating func number() throws(JSONReadError) -> JSONValue {
        let start = index
        if peek() == UInt8(ascii: "-") { index += 1 }
        guard let first = peek(), (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first) else {
            throw error("a digit must follow a minus sign")
        }
        if first == UInt8(ascii: "0") {
            index += 1
        } else {
            skipDigits()
        }
        var isInteger = true
        if peek() == UInt8(ascii: ".") {
            index += 1
            guard skipDigits() > 0 else { throw error("a digit must follow a decimal point") }
            isInteger = false
        }
        if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
            index += 1
            if peek() == UInt8(ascii: "+") || peek() == UInt8(ascii: "-") { index += 1 }
            guard skipDigits() > 0 else { throw error("a digit must follow an exponent") }
            isInteger = false
        }
        // A whole number of up to 18 digits (any id or counter of ours) fits in an Int64
        // as it is read, without making text of it first.
        let digits = index - start - (bytes[start] == UInt8(ascii: "-") ? 1 : 0)
        if isInteger, digits <= 18 {
            var magnitude: Int64 = 0
            for byte in bytes[(index - digits)..<index] { magnitude = magnitude &* 10 &+ Int64(byte &- UInt8(ascii: "0")) }
            return .int(bytes[start] == UInt8(ascii: "-") ? -magnitude : magnitude)
        }
        // Numbers are ASCII, so the bytes are a valid String as they are.
        let text = String(decoding: bytes[start..<index], as: UTF8.self)
        if isInteger, let integer = Int64(text) { return .int(integer) }
        guard let double = Double(text), double.isFinite else { throw error("a number out of range") }
        return .double(double)
    }

    @discardableResult
    private mutating func skipDigits() -> Int {
        let start = index
        while let byte = peek(), (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) { index += 1 }
        return index - start
    }

    private mutating func literal(_ word: StaticString) throws(JSONReadError) {
        let count = word.utf8CodeUnitCount
        guard index + count <= bytes.count,
            memcmp(bytes.baseAddress! + index, word.utf8Start, count) == 0
        else { throw error("not the start of a value") }
        index += count
    }

    private mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x0A, 0x0D, 0x09: index += 1
            default: return
            }
        }
    }

    private func peek() -> UInt8? {
        index < bytes.count ? bytes[index] : nil
    }

    private func utf8(_ range: Range<Int>) throws(JSONReadError) -> String {
        let text = UnsafeBufferPointer(rebasing: bytes[range])
        // ASCII (method names, ids, most values) is valid UTF-8 as it is, and checking it
        // byte by byte here costs a fraction of the generic validating initializer.
        if text.allSatisfy({ $0 < 0x80 }) { return String(decoding: text, as: UTF8.self) }
        guard let validated = String(validating: text, as: UTF8.self) else { throw error("invalid UTF-8") }
        return validated
    }

    private func error(_ reason: String) -> JSONReadError {
        JSONReadError(offset: index, reason: reason)
    }
}

/// Why JSON text could not be read, and where.
public struct JSONReadError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The byte offset at which reading stopped.
    public var offset: Int
    public var reason: String

    public var description: String { "not JSON at byte \(offset): \(reason)" }
}
