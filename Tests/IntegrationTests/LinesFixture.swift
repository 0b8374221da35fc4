import AuthAPI
import Foundation
import JSONRPC
import LinesAPI
import MadoguchiModels
import Testing
import TestSupport

/// madoguchi-auth and madoguchi-lines under socket activation, with a line inventory of
/// two voice lines (network PIN 4821) and one data-only SIM, imported through `madoctl`;
/// both keep their state on `engine`.
struct LinesFixture {
    static let voice = "09012345678"
    static let otherVoice = "08011112222"
    static let dataOnly = "07033334444"

    let sandbox: ServiceSandbox
    let auth: ChildProcess
    let lines: ChildProcess

    /// `authBound`: auth binds its own socket, so that `auth.pid` is the service itself
    /// (for signals) from the start.
    init(engine: StorageEngine = .sqlite, linesArguments: [String] = [], authBound: Bool = false) async throws {
        try await self.init(importingInto: try await ServiceSandbox.make(engine: engine), linesArguments: linesArguments, authBound: authBound)
    }

    /// The fixture in `sandbox` (a PostgreSQL sandbox on a cluster of the test's own, say).
    init(importingInto sandbox: ServiceSandbox, linesArguments: [String] = [], authBound: Bool = false) async throws {
        try await self.init(sandbox: sandbox, linesArguments: linesArguments, authBound: authBound)
        let inventory = sandbox.root.file("lines.csv")
        try """
            phoneNumber,customerNumber,iccid,kind
            090-1234-5678,00012345,8981100000000000002,voice
            080-1111-2222,00012345,8981100000000000010,voice
            070-3333-4444,00067890,8981100000000000028,data
            """.write(toFile: inventory, atomically: true, encoding: .utf8)
        let imported = try await sandbox.madoctl(["lines", "import", inventory])
        #expect(imported.status == 0, "\(imported.stderr)")
        let client = try await sandbox.client("auth")
        for line in [Self.voice, Self.otherVoice] {
            _ = try await client.call(
                PINSet.self, .init(subject: .line(try PhoneNumber(validating: line)), kind: .network, pin: try PIN(validating: "4821")))
        }
        await client.close()
    }

    /// A second host of `other`'s PostgreSQL database: its own sandbox, auth and lines,
    /// the inventory and PINs already there.
    init(sharingDatabaseOf other: LinesFixture, linesArguments: [String] = []) async throws {
        try await self.init(sandbox: try ServiceSandbox(sharingDatabaseOf: other.sandbox), linesArguments: linesArguments, authBound: false)
    }

    private init(sandbox: ServiceSandbox, linesArguments: [String], authBound: Bool) async throws {
        self.sandbox = sandbox
        auth = authBound ? try await sandbox.startBound("auth") : try await sandbox.startActivated("auth")
        lines = try await sandbox.startActivated("lines", extraArguments: linesArguments)
    }

    /// Access to `line` with its network PIN (`4821` unless told).
    static func byPIN(_ line: String = voice, _ digits: String = "4821") -> LineAccess {
        .pin(try! PhoneNumber(validating: line), try! PIN(validating: digits))
    }

    static func number(_ text: String) -> PhoneNumber { try! PhoneNumber(validating: text) }

    /// The SMS sent to `line`, oldest first, once there are at least `count`.
    func sms(to line: String = voice, count: Int) async throws -> [String] {
        _ = try await sandbox.message(to: line, count: count)
        return sandbox.messages(to: line).filter { $0.channel == .sms }.map(\.body)
    }

    func stop() async throws {
        #expect(try await lines.terminate() == 0)
        #expect(try await auth.terminate() == 0)
    }
}
