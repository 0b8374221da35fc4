import Foundation

extension JSONValue {
    /// Parses JSON text with Foundation's `JSONSerialization`.
    ///
    /// Decoding `JSONValue` through `Codable` has to guess each value's type by trying
    /// one after another, and every wrong guess builds a `DecodingError`: measured on a
    /// statements import, that was most of the service's time. `JSONSerialization` knows
    /// the type of what it read; this only maps its tree.
    public static func parse(_ data: Data) throws -> JSONValue {
        try JSONValue(foundation: JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]))
    }

    /// The class of `JSONSerialization`'s booleans, which are `NSNumber`s too: only the
    /// class tells `true` from `1`.
    private static let booleanClass: ObjectIdentifier = {
        let parsed = try? JSONSerialization.jsonObject(with: Data("true".utf8), options: [.fragmentsAllowed])
        return ObjectIdentifier(type(of: parsed as AnyObject))
    }()

    private init(foundation value: Any) throws {
        // Containers and strings first: asking whether a Swift dictionary is an
        // `NSNumber` or `NSNull` bridges it to Objective-C, which costs more than the parse.
        switch value {
        case let members as [String: Any]:
            self = .object(try members.mapValues(JSONValue.init(foundation:)))
        case let elements as [Any]:
            self = .array(try elements.map(JSONValue.init(foundation:)))
        case let text as String:
            self = .string(text)
        case let number as NSNumber:
            if ObjectIdentifier(type(of: number as AnyObject)) == Self.booleanClass {
                self = .bool(number.boolValue)
            } else {
                switch UInt8(bitPattern: number.objCType.pointee) {
                case UInt8(ascii: "d"), UInt8(ascii: "f"):
                    self = .double(number.doubleValue)
                case UInt8(ascii: "Q"):
                    // Above Int64.max: only a Double holds it.
                    let unsigned = number.uint64Value
                    self = unsigned <= UInt64(Int64.max) ? .int(Int64(unsigned)) : .double(number.doubleValue)
                default:
                    self = .int(number.int64Value)
                }
            }
        case is NSNull:
            self = .null
        default:
            throw JSONValueParseError()
        }
    }
}

/// JSON text that `JSONSerialization` read into something that is not JSON.
struct JSONValueParseError: Error {}
