import AuthAPI
import Foundation
import JSONRPC
import Testing
import TestSupport

/// One name for one thing: a session token is `session` in every service's params and
/// results; auth's old `token` is still written and read for one release.
@Suite(.sandboxed) struct SessionNamingTests {
    @Test func sessionOpenAndCheck_nameTheToken_session_andStillRead_token() async throws {
        let sandbox = try ServiceSandbox()
        let auth = try await sandbox.startActivated("auth")
        let client = try await sandbox.client("auth")
        _ = try await client.call(PasswordSet.self, .init(loginId: try LoginID(validating: "taro.yamada"), password: "Sakura2026"))
        let opened = try await client.call(
            method: "session.open", params: ["method": "password", "loginId": "taro.yamada", "password": "Sakura2026"])
        let session = try #require(opened["session"]?.stringValue)
        #expect(opened["token"]?.stringValue == session)
        let checked = try await client.call(method: "session.check", params: ["session": .string(session)])
        #expect(checked["principal"]?.stringValue == "login:taro.yamada")
        let old = try await client.call(method: "session.check", params: ["token": .string(session)])
        #expect(old["principal"]?.stringValue == "login:taro.yamada")
        _ = try await client.call(method: "session.close", params: ["session": .string(session)])
        let closed = await refusal { try await client.call(method: "session.check", params: ["session": .string(session)]) }
        #expect(closed?.reason == "session_invalid")
        await client.close()
        _ = try await auth.terminate()
    }
}
