import Foundation
import JSONRPC
import ServiceClient
import ServiceKit
import TestSupport
import Testing

/// What `rpc.discover` advertises is what the services send and docs/errors.md lists:
/// every refusal reason a method declares is a documented one.
@Suite(.sandboxed) struct DiscoveryTruthTests {
    static let documented: Set<String> = {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/errors.md").path
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        return Set(text.matches(of: /`([a-z_]+)`/).map { String($0.1) })
    }()

    @Test func everyDeclaredReason_isDocumented() async throws {
        #expect(Self.documented.contains("pin_locked"))
        let sandbox = try ServiceSandbox()
        for service in ServiceSandbox.services {
            let process = try await sandbox.startActivated(service)
            let client = try await sandbox.client(service)
            let document = try await client.call(method: "rpc.discover", params: nil)
            guard case .array(let methods)? = document["methods"] else {
                Issue.record("\(service): no methods")
                continue
            }
            for method in methods {
                guard case .array(let errors)? = method["errors"] else { continue }
                for error in errors {
                    let reason = error["data"]?["reason"]?.stringValue ?? "(none)"
                    #expect(Self.documented.contains(reason), "\(service) \(method["name"]?.stringValue ?? ""): \(reason)")
                }
            }
            if service == "registration" {
                // The account ID's schema takes the full-width forms the service reads.
                let submit = methods.first { $0["name"] == "signup.submit" }
                var pattern: String?
                if case .array(let params)? = submit?["params"] {
                    pattern = params.first(where: { $0["name"] == "accountId" })?["schema"]?["pattern"]?.stringValue
                }
                let regex = try Regex(try #require(pattern, "no accountId schema on signup.submit"))
                #expect(try regex.wholeMatch(in: "ｔａｒｏ．ｙａｍａｄａ") != nil && regex.wholeMatch(in: "taro.yamada") != nil)
                #expect(try regex.wholeMatch(in: "taro yamada") == nil)
            }
            if service == "auth" {
                let verify = methods.first { $0["name"] == "pin.verify" }
                #expect(verify?["errors"]?.jsonText.contains("pin_locked") == true)
            }
            await client.close()
            _ = try await process.terminate()
        }
    }
}
