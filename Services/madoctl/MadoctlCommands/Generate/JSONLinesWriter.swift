import Foundation

/// Writes a JSON Lines file in 1 MiB blocks: data sets of millions of lines are written
/// in seconds, not through one `write` per line.
struct JSONLinesWriter: ~Copyable {
    private let handle: FileHandle
    private var buffer = ""
    private(set) var lines = 0

    init(path: String) throws {
        guard FileManager.default.createFile(atPath: path, contents: nil), let handle = FileHandle(forWritingAtPath: path) else {
            throw ImportFileError("cannot write \(path).")
        }
        self.handle = handle
        buffer.reserveCapacity(1 << 21)
    }

    /// Adds one line; `json` must be one JSON value with no newline in it.
    mutating func append(_ json: String) {
        buffer += json
        buffer += "\n"
        lines += 1
        if buffer.utf8.count > 1 << 20 { flush() }
    }

    /// Writes what is buffered and closes the file.
    consuming func close() throws {
        flush()
        try handle.close()
    }

    private mutating func flush() {
        handle.write(Data(buffer.utf8))
        buffer.removeAll(keepingCapacity: true)
    }
}
