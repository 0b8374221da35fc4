import Foundation
import JSONRPC

/// Golden-JSON comparison: both sides parsed and compared as values, so key order and
/// spacing do not matter but every member and value does.
public enum GoldenJSON {
    public static func parse(_ text: String) -> JSONValue? {
        try? JSONCoding.decoder.decode(JSONValue.self, from: Data(text.utf8))
    }

    /// Whether `actual` is the same JSON as `expected`.
    public static func matches(_ actual: String?, _ expected: String) -> Bool {
        guard let actual, let left = parse(actual), let right = parse(expected) else { return false }
        return left == right
    }
}
