import Foundation
import ServiceClient
import ServiceKit
import TestSupport
import Testing

/// Auth's methods that set a credential without the old one or send a code answer only
/// Madoguchi services (the service group) and operators; every socket caller is in the
/// socket's group, so that group grants nothing. Callers run under other uids with setpriv.
@Suite(.sandboxed) struct ServiceCallerTests {
    static let password = #"{"loginId":"intruder01","password":"Intrude2026"}"#
    static let pin = #"{"subject":"line:09012345678","kind":"network","pin":"8642"}"#
    static let code = #"{"purpose":"signup","destination":{"channel":"sms","to":"09012345678"}}"#

    @Test func otherCallers_cannotSetCredentialsOrSendCodes_butMayCheckThem() async throws {
        let sandbox = try ServiceSandbox()
        let auth = try await sandbox.startActivated("auth")
        func asNobody(_ method: String, _ params: String) async throws -> (status: Int32, stdout: String, stderr: String) {
            try await sandbox.madoctlAsNobody("auth", ["call", "auth", method, params, "--runtime-dir", sandbox.runtimeDirectory])
        }
        for (method, params) in [("password.set", Self.password), ("pin.set", Self.pin), ("otp.issue", Self.code)] {
            let refused = try await asNobody(method, params)
            #expect(refused.status == 1 && refused.stderr.contains("service_only"), "\(method): \(refused)")
        }
        // Checking is open to every caller: the answer is about the secret, not the caller.
        let check = try await asNobody("password.verify", Self.password)
        #expect(check.status == 1 && check.stderr.contains("password_incorrect"), "\(check)")
        #expect(SpoolReader.entries(in: sandbox.spoolDirectory).isEmpty)
        _ = try await auth.terminate()
    }

    @Test func membersOfTheServiceGroup_setCredentials() async throws {
        let sandbox = try ServiceSandbox()
        // nobody's primary group, nogroup (65534), stands for madoguchi-services here.
        let auth = try await sandbox.startActivated("auth", extraArguments: ["--service-group", "nogroup"])
        let set = try await sandbox.madoctlAsNobody(
            "auth", ["call", "auth", "password.set", Self.password, "--runtime-dir", sandbox.runtimeDirectory])
        #expect(set.status == 0, "\(set)")
        _ = try await auth.terminate()
    }
}
