import CSV
import Foundation
import JSONRPC
import ServiceKit

/// Reads an import file into rows of fields: CSV with a header row (UTF-8, a BOM is
/// skipped), or JSON lines (one object per line). Rows are numbered as in the file
/// (CSV: the header is row 1), for the service's report.
struct ImportFile {
    enum Format: String { case csv, jsonl }

    let rows: [ImportRow]

    init(path: String, format: Format?) throws {
        guard let data = FileManager.default.contents(atPath: path) else { throw ImportFileError("cannot read \(path).") }
        let format = format ?? (path.lowercased().hasSuffix(".csv") ? .csv : .jsonl)
        var text = String(decoding: data, as: UTF8.self)
        if text.hasPrefix("\u{FEFF}") { text.removeFirst() }
        switch format {
        case .csv: rows = try Self.csvRows(text)
        case .jsonl: rows = try Self.jsonRows(text)
        }
    }

    private static func csvRows(_ text: String) throws -> [ImportRow] {
        let reader = try CSVReader(string: text, hasHeaderRow: true)
        guard let header = reader.headerRow else { return [] }
        var rows: [ImportRow] = []
        var number = 1
        while let cells = reader.next() {
            number += 1
            if cells.allSatisfy({ $0.isEmpty }) { continue }
            var fields: [String: JSONValue] = [:]
            for (name, cell) in zip(header, cells) where !cell.isEmpty { fields[name] = .string(cell) }
            rows.append(ImportRow(row: number, fields: fields))
        }
        if let error = reader.error { throw ImportFileError("CSV row \(number + 1): \(error)") }
        return rows
    }

    private static func jsonRows(_ text: String) throws -> [ImportRow] {
        var rows: [ImportRow] = []
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if line.allSatisfy({ $0 == " " || $0 == "\r" || $0 == "\t" }) { continue }
            guard case .object(let fields)? = try? JSONCoding.decoder.decode(JSONValue.self, from: Data(line.utf8)) else {
                throw ImportFileError("line \(index + 1) is not a JSON object; nothing was imported.")
            }
            rows.append(ImportRow(row: index + 1, fields: fields))
        }
        return rows
    }

    /// The rows in batches that keep each message well under the 1 MiB limit.
    func batches(maximumBytes: Int = 512 * 1024) throws -> [[ImportRow]] {
        var batches: [[ImportRow]] = []
        var current: [ImportRow] = []
        var size = 0
        for row in rows {
            let bytes = try JSONCoding.encoder.encode(row).count
            if size + bytes > maximumBytes, !current.isEmpty {
                batches.append(current)
                current = []
                size = 0
            }
            current.append(row)
            size += bytes
        }
        if !current.isEmpty { batches.append(current) }
        return batches
    }
}

struct ImportFileError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
