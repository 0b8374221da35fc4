import Foundation
import JSONRPC
import JSONRPCTransport
import TestSupport
import Testing

/// The real madoguchi-auth, madoguchi-registration and madoguchi-billing under
/// `systemd-socket-activate` in one sandbox, with the two sample contracts imported, and
/// helpers that write statement files and import them through `madoctl`.
struct BillingFixture {
    var registration: RegistrationFixture
    var billing: ChildProcess
    var sandbox: ServiceSandbox { registration.sandbox }

    /// The carrier's registration number (NTT Docomo's corporate number, a real one, so
    /// the check digit is tested against the world and not against our own arithmetic).
    static let issuer = "T1010001067912"

    init(now: String = "2026-11-21T12:00:00+09:00", engine: StorageEngine = .sqlite, billingArguments: [String] = []) async throws {
        registration = try await RegistrationFixture(now: now, engine: engine)
        billing = try await registration.sandbox.startActivated("billing", extraArguments: billingArguments)
    }

    func client() async throws -> RPCClient { try await sandbox.client("billing") }

    /// Restarts billing with other flags (kill -9, then a fresh activation).
    mutating func restartBilling(arguments: [String]) async throws {
        billing = try await sandbox.restartKilled(billing, as: "billing", extraArguments: arguments)
    }

    /// One statement as a JSON line.
    static func statement(
        _ customer: String, _ month: String, items: [JSONValue], issued: String? = nil, due: String? = nil,
        status: String = "paid", total: Int64? = nil
    ) -> String {
        var fields: [String: JSONValue] = [
            "customerNumber": .string(customer), "month": .string(month),
            "issueDate": .string(issued ?? "\(month)-05"), "dueDate": .string(due ?? "\(month)-26"),
            "paymentMethod": "credit_card", "paymentStatus": .string(status), "issuerRegistrationNumber": .string(issuer),
            "items": .array(items),
        ]
        if let total { fields["total"] = .int(total) }
        return JSONValue.object(fields).jsonText
    }

    /// One line item.
    static func item(_ code: String, _ description: String, _ quantity: Int64, _ unitPrice: Int64, _ tax: String) -> JSONValue {
        .object([
            "code": .string(code), "description": .string(description), "quantity": .int(quantity),
            "unitPrice": .int(unitPrice), "amount": .int(quantity * unitPrice), "taxCategory": .string(tax),
        ])
    }

    /// A plain monthly statement whose base fee tells the month apart (3000 + month number).
    static func monthly(_ customer: String, _ month: String) -> String {
        let number = Int64(month.suffix(2))! + Int64(month.prefix(4))! % 100 * 100
        return statement(customer, month, items: [item("B001", "基本料金", 1, 3_000 + number, "10%")])
    }

    /// Writes `lines` to a file and imports it with `madoctl statements import`.
    @discardableResult
    func importStatements(_ lines: [String], name: String = "statements.jsonl") async throws -> (
        status: Int32, stdout: String, stderr: String
    ) {
        let file = sandbox.root.file(name)
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: file))
        return try await sandbox.madoctl(["statements", "import", file])
    }

    /// Every month from `first` through `last`, as `YYYY-MM`.
    static func months(from first: (Int, Int), through last: (Int, Int)) -> [String] {
        var months: [String] = []
        var (year, month) = first
        while (year, month) <= last {
            months.append(String(format: "%04d-%02d", year, month))
            (year, month) = month == 12 ? (year + 1, 1) : (year, month + 1)
        }
        return months
    }

    func stop() async throws {
        #expect(try await billing.terminate() == 0)
        try await registration.stop()
    }
}
