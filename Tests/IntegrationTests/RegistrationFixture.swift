import Foundation
import JSONRPC
import JSONRPCTransport
import MadoguchiModels
import RegistrationAPI
import ServiceClient
import ServiceContract
import ServiceKit
import TestSupport
import Testing

/// A sandbox running the real madoguchi-auth and madoguchi-registration under
/// `systemd-socket-activate`, with two contracts imported through `madoctl`.
struct RegistrationFixture {
    let sandbox: ServiceSandbox
    var auth: ChildProcess
    var registration: ChildProcess
    /// Flags registration is started with (again after a restart).
    let registrationArguments: [String]

    static let contracts = """
        {"customerNumber":"00012345","name":"相込　太郎","kana":"アイコム　タロウ","birthDate":"1985-04-12","phoneNumbers":["090-1234-5678"],"email":"taro@example.jp","postalCode":"100-0001","address":"東京都千代田区千代田1-1","iccids":["8981100000000000002"],"services":["mobile-voice"]}
        {"customerNumber":"67890","name":"佐藤　花子","kana":"サトウ　ハナコ","birthDate":"1990-02-03","phoneNumbers":"08011112222;03-1234-5678","email":"hanako@example.jp","iccids":"8981100000000000010","services":"fibre;mobile-data"}

        """

    init(
        now: String = "2026-11-21T12:00:00+09:00", engine: StorageEngine = .sqlite, importContracts: Bool = true,
        authArguments: [String] = [], registrationArguments: [String] = [], warmAuth: Bool = true
    ) async throws {
        try await self.init(
            in: try await ServiceSandbox.make(now: now, engine: engine), importContracts: importContracts,
            authArguments: authArguments, registrationArguments: registrationArguments, warmAuth: warmAuth)
    }

    /// The fixture in `sandbox` (a PostgreSQL sandbox on a cluster of the test's own, say).
    init(
        in sandbox: ServiceSandbox, importContracts: Bool = true, authArguments: [String] = [], registrationArguments: [String] = [],
        warmAuth: Bool = true
    ) async throws {
        self.sandbox = sandbox
        self.registrationArguments = registrationArguments
        auth = try await sandbox.startActivated("auth", extraArguments: authArguments)
        // Auth started before any journey (unless told not to: an auth with --idle-exit
        // would leave again): registration's first call to it would otherwise spend its
        // peer budget on a debug build's cold start under the other tests' load.
        if warmAuth {
            let warm = try await sandbox.client("auth", timeout: .seconds(30))
            _ = try await warm.call(ServicePing.self)
            await warm.close()
        }
        registration = try await sandbox.startActivated("registration", extraArguments: registrationArguments)
        if importContracts {
            let file = sandbox.root.file("contracts.jsonl")
            try Data(Self.contracts.utf8).write(to: URL(fileURLWithPath: file))
            let result = try await sandbox.madoctl(["contracts", "import", file])
            #expect(result.status == 0, "\(result.stderr)")
        }
    }

    func client() async throws -> RPCClient { try await sandbox.client("registration") }

    /// Signs customer 12345 up as `accountId` (taro@example.jp) with password Sakura2026.
    func signUpTaro(_ registration: RPCClient, accountId: String = "taro.yamada") async throws {
        try await signUp(
            registration, customer: "12345", phone: "09012345678", kana: "アイコム　タロウ", email: "taro@example.jp",
            nickname: "たろう", accountId: accountId)
    }

    /// Signs customer 67890 up as `accountId` (hanako@example.jp) with password Sakura2026.
    func signUpHanako(_ registration: RPCClient, accountId: String = "hanako.sato") async throws {
        try await signUp(
            registration, customer: "67890", phone: "08011112222", kana: "サトウ　ハナコ", email: "hanako@example.jp",
            nickname: "はなこ", accountId: accountId)
    }

    private func signUp(
        _ registration: RPCClient, customer: String, phone: String, kana: String, email: String,
        nickname: String, accountId: String
    ) async throws {
        let checked = try await registration.call(
            SignUpVerifyIdentity.self,
            .init(customerNumber: try CustomerNumber(validating: customer), phoneNumber: try PhoneNumber(validating: phone),
                  kana: try KanaName(validating: kana)))
        _ = try await registration.call(
            SignUpSubmit.self,
            .init(ticket: checked.ticket, accountId: try AccountID(validating: accountId), password: "Sakura2026",
                  email: try EmailAddress(validating: email), nickname: nickname))
        _ = try await registration.call(
            SignUpComplete.self, .init(token: try await linkToken(to: email), password: "Sakura2026"))
    }

    /// Waits until auth has closed every connection it accepted (the fixture's own, which
    /// started it, among them): for the tests that count auth's connections.
    func authConnectionsClosed() async throws {
        let authSocket = sandbox.socketPath("auth")
        try await waitUntil("auth to have no connection open") { try AcceptedUnixConnections.count(at: authSocket) == 0 }
    }

    /// Restarts the registration service (kill -9, then a fresh activation), with
    /// `arguments` (by default those it was started with).
    mutating func restartRegistration(arguments: [String]? = nil) async throws {
        registration = try await sandbox.restartKilled(registration, as: "registration", extraArguments: arguments ?? registrationArguments)
    }

    /// Starts auth again after a test stopped it.
    mutating func restartAuth() async throws {
        _ = try await auth.terminate()
        auth = try await sandbox.startActivated("auth")
    }

    /// The newest message to `to` once there are at least `count`.
    func message(to: String, count: Int = 1) async throws -> SpoolReader.Entry {
        try await sandbox.message(to: to, count: count)
    }

    /// The `token=` of the link in the newest message to `to`.
    func linkToken(to: String, count: Int = 1) async throws -> String {
        let body = try await message(to: to, count: count).body
        let start = try #require(body.range(of: "token="))
        return String(body[start.upperBound...].prefix { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })
    }

    /// The one-time code of the `number`th code message to `to`.
    func code(to: String, number: Int = 1) async throws -> String {
        try await sandbox.code(to: to, number: number)
    }

    /// Stops both services; `registrationActivated: false` when nothing called
    /// registration (its exit status says nothing then).
    func stop(registrationActivated: Bool = true) async throws {
        let status = try await registration.terminate()
        if registrationActivated { #expect(status == 0) }
        // Auth may never have been activated; its exit status says nothing then.
        _ = try await auth.terminate()
    }
}
