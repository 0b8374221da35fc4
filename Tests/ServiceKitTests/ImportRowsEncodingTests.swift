import Foundation
import JSONRPC
import ServiceContract
import ServiceKit
import Testing

/// A batch written around its rows' JSON text reads back as the same params.
@Suite struct ImportRowsEncodingTests {
    @Test func encodedBatch_readsBackAsTheRows() throws {
        let lines = [#"{"customerNumber":"1","items":[{"code":"B001","amount":-1100}]}"#, #" {"name":"\"山田\"\n"} "#]
        let rows = lines.enumerated().map { EncodedImportRow(row: $0.offset + 2, fields: Data($0.element.utf8)) }
        let encoded = ImportRowsParams.encoded(importId: "job \"1\"", rows: rows)
        let read = try ImportRowsParams(json: JSONValue.parse(encoded))
        #expect(read.importId == "job \"1\"")
        #expect(read.rows.map(\.row) == [2, 3])
        #expect(read.rows.map { JSONValue.object($0.fields) } == (try lines.map { try JSONValue.parse(Data($0.utf8)) }))
        // The same params as the Codable encoding of the parsed rows.
        #expect(try JSONValue.parse(encoded) == JSONValue(encoding: read))
    }
}
