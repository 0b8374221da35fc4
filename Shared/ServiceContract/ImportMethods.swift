import Foundation
import JSONRPC

/// A staged import's handle.
@WireObject
public struct ImportHandle: Codable, Sendable, Hashable {
    public var importId: String
}

/// One row of a file as sent: its number in the file (for the report) and its fields.
@WireObject
public struct ImportRow: Codable, Sendable, Hashable {
    @WireSchema(.integer(minimum: 1))
    public var row: Int
    @WireSchema(.object([:]))
    public var fields: [String: JSONValue]
}

/// A batch of rows for a staged import.
@WireObject
public struct ImportRowsParams: Codable, Sendable, Hashable {
    public var importId: String
    public var rows: [ImportRow]
}

/// A batch is read straight from the parsed message: its rows are most of a large import.
extension ImportRowsParams: JSONValueDecodable {
    public init(json: JSONValue) throws(RPCError) {
        let members = try json.members(known: ["importId", "rows"])
        guard case .string(let importId)? = members["importId"] else {
            throw .invalidParams("\"importId\" must be a string.", reason: "wrong_type", field: "importId")
        }
        guard case .array(let rows)? = members["rows"] else {
            throw .invalidParams("\"rows\" must be an array.", reason: "wrong_type", field: "rows")
        }
        var parsed: [ImportRow] = []
        parsed.reserveCapacity(rows.count)
        for (index, row) in rows.enumerated() {
            let path = "rows.\(index)"
            let fields = try row.members(known: ["row", "fields"], at: path)
            guard case .int(let number)? = fields["row"], number >= 1, number <= Int64(Int32.max) else {
                throw .invalidParams("\"\(path).row\" must be a row number.", reason: "wrong_type", field: path + ".row")
            }
            guard case .object(let values)? = fields["fields"] else {
                throw .invalidParams("\"\(path).fields\" must be an object.", reason: "wrong_type", field: path + ".fields")
            }
            parsed.append(ImportRow(row: Int(number), fields: values))
        }
        self.init(importId: importId, rows: parsed)
    }
}

/// One row as a caller sends it when it holds the row's fields as JSON text already (a
/// line of a JSON-lines file): its number in the file and that text, an object.
public struct EncodedImportRow: Sendable {
    public var row: Int
    public var fields: Data

    public init(row: Int, fields: Data) {
        self.row = row
        self.fields = fields
    }
}

extension ImportRowsParams {
    /// The params of a batch, written around the rows' own JSON text: a batch of a
    /// thousand statements is not parsed into values only to be written out again.
    public static func encoded(importId: String, rows: [EncodedImportRow]) -> Data {
        var params = Data(#"{"importId":"#.utf8)
        params.reserveCapacity(rows.reduce(64) { $0 + $1.fields.count + 24 })
        params.append(JSONValue.string(importId).compactJSON)
        params.append(contentsOf: #","rows":["#.utf8)
        for (index, row) in rows.enumerated() {
            if index > 0 { params.append(UInt8(ascii: ",")) }
            params.append(contentsOf: #"{"row":\#(row.row),"fields":"#.utf8)
            params.append(row.fields)
            params.append(UInt8(ascii: "}"))
        }
        params.append(contentsOf: "]}".utf8)
        return params
    }
}

/// How many rows the staged file holds once a batch is added.
@WireObject
public struct ImportStaged: Codable, Sendable, Hashable {
    @WireSchema(.integer(minimum: 0))
    public var staged: Int
}

/// What an applied import did.
@WireObject
public struct ImportReport: Codable, Sendable, Hashable {
    public var dataset: String
    @WireSchema(.integer(minimum: 0))
    public var rows: Int = 0
    @WireSchema(.integer(minimum: 0))
    public var inserted: Int = 0
    @WireSchema(.integer(minimum: 0))
    public var updated: Int = 0
    @WireSchema(.integer(minimum: 0))
    public var unchanged: Int = 0
}

/// `<dataset>.import.begin`: opens a staged import (operators only).
public enum ImportBegin<Dataset: ImportKind>: RPCMethod {
    public static var name: String { "\(Dataset.name).import.begin" }
    public static var access: MethodAccess { .operator }
    public static var summary: String {
        "Operators only: starts importing a file of \(Dataset.name) (\(Dataset.rowSummary)); send its rows with \(Dataset.name).import.rows, then \(Dataset.name).import.commit."
    }
    public typealias Result = ImportHandle
    }

/// `<dataset>.import.rows`: adds rows to a staged import.
public enum ImportRows<Dataset: ImportKind>: RPCMethod {
    public static var name: String { "\(Dataset.name).import.rows" }
    public static var access: MethodAccess { .operator }
    public static var summary: String { "Operators only: adds a batch of rows to a staged import of \(Dataset.name)." }
    public typealias Params = ImportRowsParams
    public typealias Result = ImportStaged
    public static var errors: [RPCError] { [ImportError.notFound.rpcError] }
}

/// `<dataset>.import.cancel`: drops a staged import and its rows at once.
public enum ImportCancel<Dataset: ImportKind>: RPCMethod {
    public static var name: String { "\(Dataset.name).import.cancel" }
    public static var access: MethodAccess { .operator }
    public static var summary: String {
        "Operators only: drops a staged import of \(Dataset.name) and removes its staged rows (personal data in clear) at once, instead of a day later."
    }
    public typealias Params = ImportHandle
    public typealias Result = ImportHandle
    public static var errors: [RPCError] { [ImportError.notFound.rpcError] }
}

/// `<dataset>.import.commit`: checks every row, then applies all of them or none.
public enum ImportCommit<Dataset: ImportKind>: RPCMethod {
    public static var name: String { "\(Dataset.name).import.commit" }
    public static var access: MethodAccess { .operator }
    public static var summary: String {
        "Operators only: checks every staged row of \(Dataset.name); applies them all in one transaction, or none with a report of the rejected rows. Importing the same file again changes nothing."
    }
    public typealias Params = ImportHandle
    public typealias Result = ImportReport
    public static var errors: [RPCError] {
        [ImportError.notFound.rpcError, ImportError.rejected(count: 1, rows: []).rpcError]
    }
}
