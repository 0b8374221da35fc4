import Foundation
import GRDB
import ServiceKit
import Testing

/// `Statement.readFirstRow`: the row by position, nothing read that the statement did not select.
@Suite struct FirstRowReadTests {
    @Test func columns_areReadByPosition_andOnePastTheSelectionIsRefused_notNull() throws {
        let database = try DatabaseQueue()
        try database.write { db in
            try db.execute(sql: "CREATE TABLE pin (subject TEXT NOT NULL, failures INTEGER, lockedUntil TEXT)")
            try db.execute(sql: "INSERT INTO pin VALUES ('a', 2, NULL), ('b', 'many', NULL)")
            let statement = try db.cachedStatement(sql: "SELECT failures, lockedUntil FROM pin WHERE subject = ?")
            #expect(try statement.readFirstRow(arguments: ["a"]) { row -> Int in try row.value(0) } == 2)
            #expect(try statement.readFirstRow(arguments: ["a"]) { row -> String? in try row.optional(1) } == .some(nil))
            #expect(try statement.readFirstRow(arguments: ["z"]) { row -> Int in try row.value(0) } == nil)
            // SQLite itself answers NULL past the selection: a lock read there would be "none".
            #expect(throws: UnreadableColumn.self) { try statement.readFirstRow(arguments: ["a"]) { row -> String? in try row.optional(2) } }
            #expect(throws: UnreadableColumn.self) { try statement.readFirstRow(arguments: ["b"]) { row -> Int in try row.value(0) } }
        }
    }
}
