import ArgumentParser
import AuthAPI
import Foundation
import JSONRPC
import MadoguchiModels
import ServiceContract

extension Madoctl {
    /// `madoctl pin set|verify|status`.
    struct PINCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "pin", abstract: "Set, check and inspect PINs (madoguchi-auth).",
            subcommands: [Set.self, Verify.self, Change.self, Status.self, Reset.self])
    }
}

/// Options naming one PIN.
struct PINTarget: ParsableArguments {
    @Argument(help: "What the PIN belongs to, e.g. line:09012345678.", transform: PINSubject.argument)
    var subject: PINSubject

    @Option(help: "Which PIN.")
    var kind: PINKind = .network

    func validated() -> (PINSubject, PINKind) { (subject, kind) }
}

/// Reads a PIN from `--pin` or, safer (not visible in the process list), standard input.
struct PINInput: ParsableArguments {
    @Option(help: "The PIN. Without it, the first line of standard input is read (not shown in ps).")
    var pin: String?

    func read() throws -> PIN {
        try Self.pin(pin ?? Terminal.readWithoutEcho(prompt: "PIN: "))
    }

    /// `text` as a PIN, or a usage error that never repeats it.
    static func pin(_ text: String?) throws -> PIN {
        guard let text else { throw ValidationError("No PIN given.") }
        return try Input.value(text)
    }
}

/// Where a PIN request comes from: a phone PIN is set and changed only through the IVR.
struct PINChannel: ParsableArguments {
    @Option(help: "Where the request comes from (default web); a phone PIN only ivr, on business days.")
    var channel: Channel?
}

extension Madoctl.PINCommand {
    struct Set: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Set a PIN (refused with the rule when guessable).")
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var target: PINTarget
        @OptionGroup var input: PINInput
        @Option(help: "The holder's birth date, YYYY-MM-DD, to refuse birthday PINs.", transform: CivilDate.argument) var birthDate: CivilDate?
        @Option(help: "The holder's phone numbers, to refuse their last four digits.", transform: PhoneNumber.argument)
        var phone: [PhoneNumber] = []
        @Flag(help: "An issued initial PIN (e.g. the MVNO's 1234): accepted, reported mustChange.") var issued = false
        @OptionGroup var channel: PINChannel

        func run() async throws {
            let (subject, kind) = target.validated()
            let pin = try input.read()
            let params = PINSet.Params(
                subject: subject, kind: kind, pin: pin, birthDate: birthDate,
                phoneNumbers: phone, issued: issued, channel: channel.channel)
            try await Output.call(PINSet.self, params, on: .auth, with: connection, show: PINStatusText.describe)
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Check a PIN (wrong entries count towards the lock).")
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var target: PINTarget
        @OptionGroup var input: PINInput

        func run() async throws {
            let (subject, kind) = target.validated()
            let params = PINVerify.Params(subject: subject, kind: kind, pin: try input.read())
            try await Output.call(PINVerify.self, params, on: .auth, with: connection) { status in
                "PIN correct." + (status.mustChange ? " It must be changed." : "")
            }
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show whether a PIN is set, must change, or is locked.")
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var target: PINTarget

        func run() async throws {
            let (subject, kind) = target.validated()
            try await Output.call(
                PINStatusMethod.self, .init(subject: subject, kind: kind), on: .auth, with: connection,
                show: PINStatusText.describe)
        }
    }
}

extension Madoctl.PINCommand {
    struct Change: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Change a PIN: the current and the new PIN are read as two lines of standard input.")
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var target: PINTarget
        @Option(help: "Where to mail the completion notice of a delayed (MVNO) change.", transform: EmailAddress.argument) var email: EmailAddress?
        @OptionGroup var channel: PINChannel

        func run() async throws {
            let (subject, kind) = target.validated()
            let current = try PINInput.pin(Terminal.readWithoutEcho(prompt: "Current PIN: "))
            let new = try PINInput.pin(Terminal.readWithoutEcho(prompt: "New PIN: "))
            let params = PINChange.Params(
                subject: subject, kind: kind, currentPIN: current, newPIN: new, email: email,
                channel: channel.channel)
            try await Output.call(PINChange.self, params, on: .auth, with: connection, show: PINStatusText.describe)
        }
    }

    struct Reset: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Operators: set a new PIN after checking the customer by other means (it must be changed).")
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var target: PINTarget
        @OptionGroup var input: PINInput
        @Option(help: "Who resets it (the staff member).") var staff: String
        @Option(help: "Why: how the customer was verified, the ticket.") var reason: String

        func run() async throws {
            let (subject, kind) = target.validated()
            let params = PINReset.Params(subject: subject, kind: kind, pin: try input.read(), staff: staff, reason: reason)
            try await Output.call(PINReset.self, params, on: .auth, with: connection, show: PINStatusText.describe)
        }
    }
}

enum PINStatusText {
    static func describe(_ status: PINStatus) -> String {
        guard status.isSet else { return "No \(status.kind.rawValue) PIN is set." }
        var lines = ["\(status.kind.rawValue) PIN is set."]
        if status.mustChange { lines.append("It must be changed (an issued initial PIN).") }
        if let due = status.pendingChangeDueAt { lines.append("A change is pending until \(due).") }
        if status.locked {
            lines.append("Locked until \(status.unlocksAt ?? "?").")
        } else {
            lines.append("Failures: \(status.failures); attempts left: \(status.attemptsLeft ?? 0).")
        }
        return lines.joined(separator: "\n")
    }
}
