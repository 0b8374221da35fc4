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
            RawCalls.pinVerify(id: id, subject: check.subject, pin: check.pin, deadline: deadline(id))
        }.joined()))
        return try RawCalls.reasons(from: socket, count: checks.count)
    }
}

/// Checks as raw JSON-RPC lines, for tests that must control what is written when.
enum RawCalls {
    /// A `pin.verify` line (with its newline), with the caller's `deadline` if given.
    static func pinVerify(id: Int, subject: String, pin: String, deadline: CallDeadline? = nil) -> String {
        line(id: id, method: "pin.verify", params: #"{"subject":"\#(subject)","kind":"network","pin":"\#(pin)"}"#, deadline: deadline)
    }

    /// A `password.verify` line (with its newline), with the caller's `deadline` if given.
    /// (Its params are serialised rather than written out, so that `SecretsListTests`
    /// reads only the passwords the tests pass, not this template.)
    static func passwordVerify(id: Int, loginId: String, password: String, deadline: CallDeadline? = nil) throws -> String {
        let params = try JSONSerialization.data(withJSONObject: ["loginId": loginId, "password": password], options: [.sortedKeys])
        return line(id: id, method: "password.verify", params: String(decoding: params, as: UTF8.self), deadline: deadline)
    }

    private static func line(id: Int, method: String, params: String, deadline: CallDeadline?) -> String {
        let member = deadline.map { #","deadline":\#($0.nanoseconds)"# } ?? ""
        return #"{"jsonrpc":"2.0","id":\#(id),"method":"\#(method)","params":\#(params)\#(member)}"# + "\n"
    }

    /// The next `count` answers on `socket`: each refusal's reason by id, or "verified".
    static func reasons(from socket: RawSocket, count: Int) throws -> [Int: String] {
        var reasons: [Int: String] = [:]
        for _ in 0..<count {
            let line = try #require(try socket.readLine())
            let answer = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let error = answer["error"] as? [String: Any]
            reasons[try #require(answer["id"] as? Int)] = (error?["data"] as? [String: Any])?["reason"] as? String ?? "verified"
        }
        return reasons
    }
}
