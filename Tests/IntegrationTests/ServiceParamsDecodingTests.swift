import AuthAPI
import Foundation
import JSONRPC
import LinesAPI
import LinkingAPI
import Logging
import MadoguchiModels
import ServiceContract
import ServiceKit
import Testing

/// The services' own params types through the dispatcher's decoding, in process: what
/// their Swift clients send is read back whole (the members a type writes are the members
/// it reads), nested objects have their unknown members refused, and a type's own errors
/// reach the caller as they are.
@Suite(.sandboxed) struct ServiceParamsDecodingTests {
    /// Answers every call, once its params decode, with the refusal `decoded`.
    struct Decoded: RPCErrorConvertible {
        var rpcError: RPCError { RPCError(code: ErrorCode(1), message: "decoded", reason: "decoded") }
    }

    let dispatcher: Dispatcher = {
        // Root is an operator and a service: every method's params are reached.
        let operators = OperatorPolicy(groupName: "madoguchi-operators")
        var registry = MethodRegistry(access: CallerAccess(callers: ServiceCallerPolicy(operators: operators, services: operators)))
        func add<M: RPCMethod>(_ method: M.Type) { registry.register(M.self) { _, _ in throw Decoded() } }
        add(SessionOpen.self)
        add(SessionCheck.self)
        add(PINVerify.self)
        add(PINSet.self)
        add(PINReset.self)
        add(OTPIssue.self)
        add(AuditList.self)
        add(LineForwardStart.self)
        add(LineVoicemailSave.self)
        add(LineBlockList.self)
        add(LinkUnlink.self)
        return Dispatcher(registry: registry, logger: Logger(label: "test"))
    }()

    /// The reason and field of the answer to `method` with `params` (JSON text).
    func answer(_ method: String, _ params: String) async -> (reason: String?, field: String?) {
        let line = #"{"jsonrpc":"2.0","id":1,"method":"\#(method)","params":\#(params)}"#
        let reply = await dispatcher.reply(to: Data(line.utf8), peer: PeerCredentials(pid: 1, uid: 0, gid: 0))
        let error = reply.flatMap { try? JSONValue.parse($0) }?["error"]
        return (error?["data"]?["reason"]?.stringValue, error?["data"]?["field"]?.stringValue)
    }

    func answer<M: RPCMethod>(_ method: M.Type, _ params: M.Params) async throws -> String? {
        await answer(M.name, String(decoding: try JSONCoding.encoder.encode(params), as: UTF8.self)).reason
    }

    @Test func paramsAsTheSwiftClientsSendThem_decode() async throws {
        let phone = try PhoneNumber(validating: "09012345678")
        let pin = try PIN(validating: "4821")
        let subject = try PINSubject(validating: "line:09012345678")
        let key = try IdempotencyKey(validating: "retry-0001")
        // SessionToken writes `session` and `token` both.
        #expect(try await answer(SessionCheck.self, SessionToken(token: "S1")) == "decoded")
        for login in [SessionLogin.phonePIN(phone, pin), .password(try LoginID(validating: "taro.yamada"), "Sakura2026")] {
            #expect(try await answer(SessionOpen.self, SessionOpenParams(login, origin: "192.0.2.1")) == "decoded")
        }
        #expect(
            try await answer(
                PINVerify.self, .init(subject: subject, kind: .network, pin: pin, origin: "o", idempotencyKey: key)) == "decoded")
        #expect(
            try await answer(
                PINSet.self,
                .init(
                    subject: subject, kind: .network, pin: pin, birthDate: try CivilDate(year: 1990, month: 4, day: 1),
                    phoneNumbers: [phone], cardPIN: try PIN(validating: "1357"), issued: true, channel: .web)) == "decoded")
        #expect(
            try await answer(PINReset.self, .init(subject: subject, kind: .network, pin: pin, staff: "Sato", reason: "ticket 12"))
                == "decoded")
        #expect(
            try await answer(
                OTPIssue.self,
                .init(
                    purpose: try CodePurpose(validating: "signup"),
                    destination: try CodeDestination(channel: .mail, to: "taro@example.jp"), idempotencyKey: key)) == "decoded")
        for access in [LineAccess.session("S1"), .pin(phone, pin)] {
            #expect(try await answer(LineForwardStart.self, .init(access: access, destination: phone, origin: "o")) == "decoded")
            #expect(try await answer(LineVoicemailSave.self, .init(access: access, id: 7, origin: "o")) == "decoded")
        }
        #expect(
            try await answer(
                LinkUnlink.self,
                .init(session: "S1", customerNumber: try ISPCustomerNumber(validating: "N123456789"), staff: "Sato", reason: "asked"))
                == "decoded")
    }

    @Test func unknownMembers_areRefusedAtEveryLevel() async {
        #expect(await answer("session.check", #"{"session":"S1","tokn":"S1"}"#) == ("unknown_member", "tokn"))
        #expect(await answer("session.open", #"{"method":"password","loginId":"taro.yamada","password":"Sakura2026","pin":"4821"}"#)
            == ("unknown_member", "pin"))
        #expect(await answer("otp.issue", #"{"purpose":"signup","destination":{"channel":"mail","to":"taro@example.jp","cc":"x"}}"#)
            == ("unknown_member", "destination.cc"))
        #expect(await answer("line.block.list", #"{"access":{"session":"S1","origin":"o"}}"#) == ("unknown_member", "access.origin"))
        #expect(await answer("line.block.list", #"{"access":{"session":"S1","pin":null}}"#).reason == "decoded")
    }

    @Test func errorsNameTheMember() async {
        // A line's access throws its own RPCError from inside the params.
        #expect(await answer("line.block.list", #"{"access":{"session":"S1","pin":"4821"}}"#) == ("invalid_access", "access"))
        #expect(await answer("line.voicemail.save", #"{"access":{"session":"S1"},"id":1e20}"#) == ("invalid_value", "id"))
        #expect(await answer("line.voicemail.save", #"{"access":{"session":"S1"},"id":"7"}"#) == ("wrong_type", "id"))
        #expect(await answer("audit.list", #"{"limit":1.5}"#) == ("invalid_value", "limit"))
        #expect(await answer("otp.issue", #"{"purpose":"signup","destination":{"channel":"mail"}}"#)
            == ("missing_member", "destination.to"))
        #expect(await answer("otp.issue", #"{"purpose":"signup","destination":{"channel":"sms","to":"0312345678"}}"#)
            == ("invalid_value", "destination.to"))
        #expect(await answer("pin.reset", #"{"subject":"line:09012345678","kind":"network","pin":"4821","staff":" ","reason":"r"}"#)
            == ("invalid_value", "staff"))
    }
}
