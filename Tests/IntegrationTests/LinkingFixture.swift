import AuthAPI
import Foundation
import GRDB
import JSONRPC
import JSONRPCTransport
import LinkingAPI
import MadoguchiModels
import RegistrationAPI
import ServiceClient
import ServiceKit
import TestSupport
import Testing

/// The real madoguchi-auth, madoguchi-registration and madoguchi-linking under
/// `systemd-socket-activate` in one sandbox, with two ISP contracts imported and their
/// passwords set through `madoctl`, and helpers that issue carrier IDs and log them in;
/// auth and linking keep their state on `engine`.
struct LinkingFixture {
    var registration: RegistrationFixture
    var linking: ChildProcess
    var sandbox: ServiceSandbox { registration.sandbox }

    /// A fibre contract whose phone on file is a mobile, and one with a landline.
    static let ispContracts = """
        {"customerNumber":"N100000001","description":"fibre with family plan","email":"ichiro@isp.example.ne.jp","phoneNumber":"090-5555-0001","phoneKind":"mobile","holderName":"山田　一郎"}
        {"customerNumber":"n100000002","description":"ADSL single plan","email":"Hanako@isp.example.ne.jp","phoneNumber":"03-5555-0002","phoneKind":"landline","holderName":"加藤 花子"}

        """
    static let ispPasswords = ["N100000001": "Hikari2026", "N100000002": "Denwa2026x"]
    static let fibre = "N100000001"
    static let adsl = "N100000002"

    init(
        now: String = "2026-11-21T12:00:00+09:00", engine: StorageEngine = .sqlite, authArguments: [String] = [],
        linkingArguments: [String] = []
    ) async throws {
        try await self.init(
            registration: try await RegistrationFixture(now: now, engine: engine, importContracts: false, authArguments: authArguments),
            linkingArguments: linkingArguments)
    }

    /// The fixture in `sandbox` (a PostgreSQL sandbox on a cluster of the test's own, say).
    init(in sandbox: ServiceSandbox) async throws {
        try await self.init(registration: try await RegistrationFixture(in: sandbox, importContracts: false), linkingArguments: [])
    }

    private init(registration: RegistrationFixture, linkingArguments: [String]) async throws {
        self.registration = registration
        linking = try await registration.sandbox.startActivated("linking", extraArguments: linkingArguments)
        let file = registration.sandbox.root.file("isp-contracts.jsonl")
        try Data(Self.ispContracts.utf8).write(to: URL(fileURLWithPath: file))
        let imported = try await registration.sandbox.madoctl(["isp-contracts", "import", file])
        #expect(imported.status == 0, "\(imported.stderr)")
        for (number, password) in Self.ispPasswords {
            let set = try await registration.sandbox.madoctl(["isp-contracts", "set-password", number], input: password + "\n")
            #expect(set.status == 0, "\(set.stderr)")
        }
    }

    func client() async throws -> RPCClient { try await sandbox.client("linking") }

    /// Issues a carrier ID (the e-mail address as the ID) through registration's journey,
    /// with the key read from the spool.
    func issueCarrierID(_ email: String, password: String, name: String, kana: String) async throws {
        let registration = try await self.registration.client()
        let started = try await registration.call(CarrierIDStart.self, .init(email: try EmailAddress(validating: email)))
        let key = try await self.registration.code(to: email)
        _ = try await registration.call(CarrierIDVerifyKey.self, .init(journeyId: started.journeyId, code: key))
        _ = try await registration.call(CarrierIDChooseID.self, .init(journeyId: started.journeyId, useEmail: true))
        _ = try await registration.call(
            CarrierIDDetails.self,
            .init(
                journeyId: started.journeyId, password: password, name: try PersonName(validating: name),
                kana: try KanaName(validating: kana), gender: .unspecified, birthDate: try CivilDate(validating: "1990-01-01"),
                contactMobile: try PhoneNumber(validating: "080-7777-0000")))
        _ = try await registration.call(CarrierIDConfirm.self, .init(journeyId: started.journeyId, acceptTerms: true))
        _ = try await registration.call(CarrierIDConsent.self, .init(journeyId: started.journeyId, share: true, dontAskAgain: false))
        await registration.close()
    }

    /// Starts a link journey for 山田 一郎 (born 1970-03-03) to the ISP address `ispEmail`.
    func startLink(_ linking: RPCClient, session: String, ispEmail: String) async throws -> LinkJourney {
        try await linking.call(
            LinkStart.self,
            .init(
                session: session, name: try PersonName(validating: "山田 一郎"), kana: try KanaName(validating: "ヤマダ イチロウ"),
                birthDate: try CivilDate(validating: "1970-03-03"), ispEmail: try EmailAddress(validating: ispEmail)))
    }

    /// A session token of a carrier ID (or any login), from auth.
    func login(_ loginId: String, _ password: String) async throws -> String {
        let auth = try await sandbox.client("auth")
        let session = try await auth.call(SessionOpen.self, .init(.password(try LoginID(validating: loginId), password)))
        await auth.close()
        return try #require(session.token)
    }

    /// The newest message to `to` once there are at least `count`.
    func message(to: String, count: Int = 1) async throws -> SpoolReader.Entry {
        try await registration.message(to: to, count: count)
    }

    /// The one-time code (mail, SMS or voice) of the `number`th code message to `to`;
    /// other messages, such as linking's notices, do not count.
    func code(to: String, number: Int = 1) async throws -> String {
        try await sandbox.code(to: to, number: number)
    }

    /// Waits for a message to `to` whose body contains `text` (messages of different
    /// services in the same second come in no set order).
    func message(to: String, containing text: String) async throws -> SpoolReader.Entry {
        try await waitUntil("a message to \(to) containing \(text)") {
            sandbox.messages(to: to).contains { $0.body.contains(text) }
        }
        return try #require(sandbox.messages(to: to).first { $0.body.contains(text) })
    }

    /// How many messages went to `to`.
    func messageCount(to: String) -> Int {
        sandbox.messages(to: to).count
    }

    /// Restarts the linking service (kill -9, then a fresh activation), with `arguments`.
    mutating func restartLinking(arguments: [String] = []) async throws {
        linking = try await sandbox.restartKilled(linking, as: "linking", extraArguments: arguments)
    }

    /// The linking database's audit trail, oldest first, as `event linkNumber`.
    func audit() async throws -> [String] {
        if let database = sandbox.postgresDatabase {
            return try await PostgresCluster.shared().withClient(database: database) { client in
                var entries: [String] = []
                for try await (event, linkNumber) in try await client.query(
                    "SELECT event, link_number FROM linking.link_audit ORDER BY id"
                ).decode((String, String).self) { entries.append("\(event) \(linkNumber)") }
                return entries
            }
        }
        let database = try DatabaseQueue(path: sandbox.root.file("linking") + "/linking.sqlite")
        return try await database.read { db in
            try Row.fetchAll(db, sql: "SELECT event, linkNumber FROM link_audit ORDER BY id").map {
                "\($0["event"] as String) \($0["linkNumber"] as String)"
            }
        }
    }

    func stop(registrationActivated: Bool = true) async throws {
        #expect(try await linking.terminate() == 0)
        try await registration.stop(registrationActivated: registrationActivated)
    }
}
