import Foundation
import JSONRPC
import NIOCore

/// The calls a benchmark sends: one method, with params drawn in turn from a list (so
/// PIN checks hit many lines, not one), each already encoded once, ahead of the run.
/// Each connection takes its own stretch of the list, so a count of calls equal to the
/// list's length sends every line once (how `pin.set` loads a data set's PINs).
struct BenchRequests: Sendable {
    let method: String
    private let params: [String]

    /// `params` are JSON values, one per call in turn; none means no params.
    init(method: String, params: [String]) throws {
        self.method = method
        for (number, text) in params.enumerated() {
            guard (try? JSONValue.parse(Data(text.utf8))) != nil else {
                throw BenchError("params line \(number + 1) is not JSON")
            }
        }
        self.params = params
    }

    /// Reads params from a JSON Lines file (blank lines skipped).
    ///
    /// Split and trimmed as bytes: a data set's call file has a million lines, and
    /// Foundation's `trimmingCharacters` on each (through `NSString`) took longer than
    /// the run it prepared.
    static func params(inFile path: String) throws -> [String] {
        guard let data = FileManager.default.contents(atPath: path) else { throw BenchError("cannot read \(path)") }
        let isBlank = { (byte: UInt8) in byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\r") }
        let lines = data.split(separator: UInt8(ascii: "\n")).compactMap { line -> String? in
            guard let first = line.firstIndex(where: { !isBlank($0) }), let last = line.lastIndex(where: { !isBlank($0) }) else { return nil }
            return String(decoding: line[first...last], as: UTF8.self)
        }
        guard !lines.isEmpty else { throw BenchError("\(path) holds no params") }
        return lines
    }

    /// How many params the calls take in turn (0: none).
    var paramsCount: Int { params.count }

    /// Writes call `id` with params number `paramsIndex` (modulo the list) as one line.
    func write(id: Int, paramsIndex: Int, into buffer: inout ByteBuffer) {
        buffer.writeString(#"{"jsonrpc":"2.0","id":"#)
        buffer.writeString(String(id))
        buffer.writeString(#","method":""#)
        buffer.writeString(method)
        if params.isEmpty {
            buffer.writeString("\"}\n")
        } else {
            buffer.writeString(#"","params":"#)
            buffer.writeString(params[paramsIndex % params.count])
            buffer.writeString("}\n")
        }
    }
}

/// A benchmark that cannot run as asked.
struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
