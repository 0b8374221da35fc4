import Foundation
import JSONRPC
import LinesAPI
import MadoguchiModels
import Testing
import TestSupport

/// `madoctl line …` and `madoctl lines import` against the real auth and lines processes.
@Suite(.sandboxed) struct LinesCLITests {
    typealias F = LinesFixture

    @Test(arguments: StorageEngine.allCases) func madoctl_drivesEveryOption_withThePINOrASession(_ engine: StorageEngine) async throws {
        let fixture = try await LinesFixture(engine: engine)
        func madoctl(_ arguments: [String], pin: String? = "4821") async throws -> String {
            let result = try await fixture.sandbox.madoctl(arguments, input: pin.map { $0 + "\n" })
            #expect(result.status == 0, "\(arguments): \(result.stderr)")
            return result.stdout
        }
        let line = ["--line", "090-1234-5678"]
        #expect(try await madoctl(["line", "block", "add", "０３－１２３４－５６７８"] + line).contains("0312345678"))
        _ = try await madoctl(["call", "lines", "line.call.route", #"{"phoneNumber":"09012345678","caller":"05011112222"}"#], pin: nil)
        let listed = try await madoctl(["line", "block", "add", "--last-caller"] + line)
        #expect(listed.contains("block list: 2 of 30") && listed.contains("05011112222"))
        #expect(try await madoctl(["line", "block", "remove", "03-1234-5678"] + line).contains("block list: 1 of 30"))
        #expect(try await madoctl(["line", "block", "list"] + line).contains("05011112222"))

        // A session opened once serves the next calls with no PIN.
        let session = try await madoctl(["login", "--for", "line", "--phone", "09012345678"]).split(separator: "\n").first.map(String.init) ?? ""
        let bySession = ["--session", session]
        #expect(try await madoctl(["line", "voicemail", "start"] + bySession, pin: nil).contains("voicemail: on, answers after 15 s"))
        #expect(try await madoctl(["line", "voicemail", "ring-time", "30"] + bySession, pin: nil).contains("answers after 30 s"))
        let badRing = try await fixture.sandbox.madoctl(["line", "voicemail", "ring-time", "33"] + bySession)
        #expect(badRing.status == 1 && badRing.stderr.contains("0 to 120 seconds in steps of 5"), "\(badRing)")
        _ = try await madoctl(
            ["call", "lines", "line.voicemail.deposit", #"{"phoneNumber":"09012345678","caller":"0312345678","seconds":42}"#], pin: nil)
        let messages = try await madoctl(["line", "voicemail", "messages", "--box", "new"] + bySession, pin: nil)
        #expect(messages.contains("#1 2026-11-21T12:00:00+09:00 from 0312345678, 42 s"), "\(messages)")
        #expect(try await madoctl(["line", "voicemail", "save", "1"] + line).contains("(saved)"))
        #expect(try await madoctl(["line", "voicemail", "delete", "1"] + line).contains("0 new, 0 saved"))
        #expect(try await madoctl(["line", "voicemail", "stop"] + line).contains("voicemail: off"))

        #expect(try await madoctl(["line", "forward", "start", "080-9999-0000"] + line).contains("forwarding: to 08099990000"))
        let status = try await madoctl(["line", "status"] + bySession, pin: nil)
        #expect(status.contains("line 09012345678") && status.contains("forwarding: to 08099990000") && status.contains("block list: 1 of 30"))
        let toItself = try await fixture.sandbox.madoctl(["line", "forward", "start", "09012345678"] + bySession)
        #expect(toItself.status == 1 && toItself.stderr.contains("forwarding_destination_invalid"), "\(toItself)")
        #expect(try await madoctl(["line", "forward", "stop"] + line).contains("forwarding: off"))
        #expect(try await madoctl(["line", "forward", "status"] + line).contains("forwarding: off"))

        let audit = try await madoctl(["line", "audit", "--line", "09012345678"], pin: nil)
        #expect(audit.split(separator: "\n").count == 10 && audit.contains("voicemail_ring_time 15s → 30s (session"), "\(audit)")
        #expect(try await fixture.sms(count: 10).count == 10)
        try await fixture.stop()
    }

    @Test(arguments: StorageEngine.allCases) func madoctl_showsTheLock_andTheDataOnlyRefusal(_ engine: StorageEngine) async throws {
        let fixture = try await LinesFixture(engine: engine)
        try fixture.sandbox.setClock("2026-11-21T08:00:00+09:00")
        for _ in 1...3 { _ = try await fixture.sandbox.madoctl(["line", "block", "list", "--line", F.voice], input: "1593\n") }
        for command in [["block", "list"], ["voicemail", "start"], ["forward", "start", "08099990000"]] {
            let locked = try await fixture.sandbox.madoctl(["line"] + command + ["--line", F.voice], input: "4821\n")
            #expect(locked.status == 1 && locked.stderr.contains("locked until 2026-11-22T00:00:00+09:00"), "\(command): \(locked)")
        }
        try fixture.sandbox.setClock("2026-11-22T00:00:00+09:00")
        let open = try await fixture.sandbox.madoctl(["line", "block", "list", "--line", F.voice], input: "4821\n")
        #expect(open.status == 0 && open.stdout.contains("block list: 0 of 30"), "\(open)")

        let dataOnly = try await fixture.sandbox.madoctl(["line", "voicemail", "start", "--line", F.dataOnly], input: "4821\n")
        #expect(dataOnly.status == 1 && dataOnly.stderr.contains("data-only"), "\(dataOnly)")
        let bad = try await fixture.sandbox.madoctl(["line", "block", "add", "--line", F.voice], input: "4821\n")
        #expect(bad.status != 0 && bad.stderr.contains("--last-caller"), "\(bad)")

        // The import is all or nothing: a bad row refuses the file and changes nothing.
        let rows = fixture.sandbox.root.file("more-lines.jsonl")
        try """
            {"phoneNumber":"09055556666","customerNumber":"00012345","iccid":"8981100000000000036","kind":"voice"}
            {"phoneNumber":"0312345678","customerNumber":"00012345","iccid":"8981100000000000044","kind":"fax"}
            """.write(toFile: rows, atomically: true, encoding: .utf8)
        let refused = try await fixture.sandbox.madoctl(["lines", "import", rows])
        #expect(refused.status == 1 && refused.stderr.contains("row 2") && refused.stderr.contains("not a mobile"), "\(refused)")
        let notImported = try await fixture.sandbox.madoctl(["line", "block", "list", "--line", "09055556666"], input: "4821\n")
        #expect(notImported.status == 1 && notImported.stderr.contains("line_not_found"), "\(notImported)")

        // An M2M (020) number is a data-only line, and takes no code by SMS or voice.
        let m2m = fixture.sandbox.root.file("m2m.jsonl")
        try #"{"phoneNumber":"020-1234-5678","customerNumber":"00012345","iccid":"8981100000000000051","kind":"voice"}"#
            .write(toFile: m2m, atomically: true, encoding: .utf8)
        let m2mVoice = try await fixture.sandbox.madoctl(["lines", "import", m2m])
        #expect(m2mVoice.status == 1 && m2mVoice.stderr.contains("M2M (020) number is a data-only line"), "\(m2mVoice)")
        try #"{"phoneNumber":"020-1234-5678","customerNumber":"00012345","iccid":"8981100000000000051","kind":"data"}"#
            .write(toFile: m2m, atomically: true, encoding: .utf8)
        let m2mData = try await fixture.sandbox.madoctl(["lines", "import", m2m])
        #expect(m2mData.status == 0, "\(m2mData)")
        let dataOnlyM2M = try await fixture.sandbox.madoctl(["line", "voicemail", "start", "--line", "02012345678"], input: "4821\n")
        #expect(dataOnlyM2M.status == 1 && dataOnlyM2M.stderr.contains("data-only"), "\(dataOnlyM2M)")
        for channel in ["sms", "voice"] {
            let code = try await fixture.sandbox.madoctl(["otp", "issue", "signup", "--channel", channel, "--to", "02012345678"])
            #expect(code.status != 0 && code.stderr.contains("takes neither SMS nor voice"), "\(code)")
        }
        try await fixture.stop()
    }
}
