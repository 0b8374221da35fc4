import Foundation
import JSONRPC
import TestSupport
import Testing

extension ServiceSandbox {
    /// `pin.verify` of each (subject, PIN) written to auth in one go, as JSON-RPC lines with
    /// ids 0, 1, …, each with the caller's `deadline` when `deadline` gives one: every
    /// answer's refusal reason by id, or "verified". Sent together, the checks are read and
    /// started together, as a burst from a prober would be.
    func pinChecksInOneWrite(
        _ checks: [(subject: String, pin: String)], deadline: (Int) -> CallDeadline? = { _ in nil }
    ) throws -> [Int: String] {
        let socket = try RawSocket(path: socketPath("auth"), readTimeout: .seconds(30))
        #expect(socket.send(checks.enumerated().map { id, check in
            let deadline = deadline(id).map { #","deadline":\#($0.nanoseconds)"# } ?? ""
            return #"{"jsonrpc":"2.0","id":\#(id),"method":"pin.verify","params":{"subject":"\#(check.subject)","kind":"network","pin":"\#(check.pin)"}\#(deadline)}"#
        }.joined(separator: "\n") + "\n"))
        var reasons: [Int: String] = [:]
        for _ in checks.indices {
            let line = try #require(try socket.readLine())
            let answer = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let error = answer["error"] as? [String: Any]
            reasons[try #require(answer["id"] as? Int)] = (error?["data"] as? [String: Any])?["reason"] as? String ?? "verified"
        }
        return reasons
    }
}
