import CSV
import Foundation
import JSONRPC
import ServiceContract

/// Reads an import file as a stream of rows of fields, so that a file of a million
/// statements never sits in memory whole: CSV with a header row (UTF-8, a BOM is
/// skipped), or JSON lines (one object per line). Rows are numbered as in the file (CSV:
/// the header is row 1), for the service's report. Each row is handed on as its fields'
/// JSON text: a JSON line as it is in the file (checked to be an object), a CSV row as
/// written from its cells.
///
/// For a kind whose records have line items (statements), a CSV file has one line per
/// item: consecutive lines whose other columns are identical make one record, its items
/// gathered into a list of objects, numbered by its first line.
struct ImportFile {
    enum Format: String { case csv, jsonl }

    let path: String
    let format: Format
    let items: ImportItemColumns?

    init(path: String, format: Format?, items: ImportItemColumns? = nil) throws {
        guard FileManager.default.isReadableFile(atPath: path) else { throw ImportFileError("cannot read \(path).") }
        self.path = path
        self.format = format ?? (path.lowercased().hasSuffix(".csv") ? .csv : .jsonl)
        self.items = items
    }

    /// The file's size in bytes, when it is a regular file (not a pipe).
    var size: Int64? {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
            attributes[.type] as? FileAttributeType == .typeRegular
        else { return nil }
        return (attributes[.size] as? NSNumber)?.int64Value
    }

    /// Hands the rows to `send` in batches that keep each message well under the 1 MiB
    /// limit, with how far into the file the reading is (bytes; for progress).
    func forEachBatch(
        maximumBytes: Int = 512 * 1024, _ send: ([EncodedImportRow], _ bytesRead: Int64) async throws -> Void
    ) async throws {
        var batch: [EncodedImportRow] = []
        var size = 0
        let position = ReadPosition()
        try await forEachRow(position) { row in
            let bytes = row.fields.count + 24
            if size + bytes > maximumBytes, !batch.isEmpty {
                try await send(batch, position.bytes)
                batch = []
                size = 0
            }
            batch.append(row)
            size += bytes
        }
        if !batch.isEmpty { try await send(batch, position.bytes) }
    }

    /// How far the reader is into the file.
    final class ReadPosition {
        var bytes: Int64 = 0
    }

    private func forEachRow(_ position: ReadPosition, _ body: (EncodedImportRow) async throws -> Void) async throws {
        switch format {
        case .jsonl: try await forEachJSONRow(position, body)
        case .csv: try await forEachCSVRow(position, body)
        }
    }

    private func forEachJSONRow(_ position: ReadPosition, _ body: (EncodedImportRow) async throws -> Void) async throws {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw ImportFileError("cannot read \(path).") }
        defer { try? handle.close() }
        var lines = LineReader(handle: handle)
        var number = 0
        while var line = try lines.next() {
            number += 1
            position.bytes += Int64(line.count + 1)
            if number == 1, line.starts(with: [0xEF, 0xBB, 0xBF]) { line.removeFirst(3) }
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x0D || $0 == 0x09 }) { continue }
            guard case .object? = try? JSONValue.parse(line) else {
                throw ImportFileError("line \(number) is not a JSON object; nothing was imported.")
            }
            try await body(EncodedImportRow(row: number, fields: line))
        }
    }

    private func forEachCSVRow(_ position: ReadPosition, _ body: (EncodedImportRow) async throws -> Void) async throws {
        guard let stream = InputStream(fileAtPath: path) else { throw ImportFileError("cannot read \(path).") }
        let reader = try CSVReader(stream: stream, hasHeaderRow: true)
        guard let header = reader.headerRow else { return }
        let itemColumns = Set(items?.columns ?? [])
        var pending: (row: Int, record: [String: JSONValue], items: [JSONValue])?
        var number = 1
        func flush() async throws {
            guard var group = pending else { return }
            if let items { group.record[items.field] = .array(group.items) }
            try await body(EncodedImportRow(row: group.row, fields: JSONValue.object(group.record).compactJSON))
            pending = nil
        }
        while let cells = reader.next() {
            number += 1
            // The stream's offset runs a read buffer ahead of the parser: near enough for
            // a percentage.
            if let offset = stream.property(forKey: .fileCurrentOffsetKey) as? NSNumber { position.bytes = offset.int64Value }
            if cells.allSatisfy({ $0.isEmpty }) { continue }
            var record: [String: JSONValue] = [:]
            var item: [String: JSONValue] = [:]
            for (name, cell) in zip(header, cells) where !cell.isEmpty {
                if itemColumns.contains(name) { item[name] = .string(cell) } else { record[name] = .string(cell) }
            }
            if pending?.record != record || items == nil { try await flush() }
            if pending == nil { pending = (number, record, []) }
            if !item.isEmpty { pending?.items.append(.object(item)) }
        }
        try await flush()
        // On Linux a file stream claims bytes available until a read returns none, so
        // CSV.swift reports the end of the file as `cannotReadFile`: only an error before
        // the end is one.
        if let error = reader.error {
            let atEnd = stream.streamStatus == .atEnd
            if case CSVError.cannotReadFile = error, atEnd { return }
            throw ImportFileError("CSV row \(number + 1): \(error)")
        }
    }
}

/// Reads a file line by line, a megabyte at a time.
struct LineReader {
    let handle: FileHandle
    private var buffer = Data()
    private var atEnd = false

    init(handle: FileHandle) { self.handle = handle }

    /// The next line without its newline, or `nil` at the end of the file.
    mutating func next() throws -> Data? {
        while true {
            if let newline = buffer.firstIndex(of: 0x0A) {
                let line = buffer[buffer.startIndex..<newline]
                buffer = buffer[(newline + 1)...]
                return Data(line)
            }
            if atEnd {
                guard !buffer.isEmpty else { return nil }
                defer { buffer = Data() }
                return Data(buffer)
            }
            let chunk = try handle.read(upToCount: 1 << 20) ?? Data()
            if chunk.isEmpty { atEnd = true } else { buffer = Data(buffer) + chunk }
        }
    }
}

struct ImportFileError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
