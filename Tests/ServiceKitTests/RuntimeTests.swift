import Foundation
import JSONRPC
import Logging
import MadoguchiModels
import ServiceContract
import ServiceKit
import TestSupport
import Testing

@Suite struct FileClockTests {
    @Test func now_isReReadOnEveryUse() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("clock")
        try "2026-11-21T22:00:00+09:00".write(toFile: path, atomically: true, encoding: .utf8)
        let clock = try FileClock(path: path)
        #expect(ISO8601.tokyo(clock.now()) == "2026-11-21T22:00:00+09:00")
        try "2026-11-22T00:00:01.500+09:00\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(ISO8601.tokyo(clock.now()) == "2026-11-22T00:00:01+09:00")
        try "2026-11-21T15:00:00Z".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(ISO8601.tokyo(clock.now()) == "2026-11-22T00:00:00+09:00")
    }

    @Test func unreadableFile_isRefusedAtStart_andAGarbledRewriteKeepsTheLastInstant() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("clock")
        #expect(throws: FileClockError.self) { try FileClock(path: path) }
        try "tomorrow".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: FileClockError.self) { try FileClock(path: path) }
        try "2026-11-21T22:00:00+09:00".write(toFile: path, atomically: true, encoding: .utf8)
        let clock = try FileClock(path: path)
        _ = clock.now()
        try "".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(ISO8601.tokyo(clock.now()) == "2026-11-21T22:00:00+09:00")
    }
}

@Suite struct ServiceConfigurationTests {
    @Test func flags_winOverEnvironment_whichWinsOverDefaults() throws {
        let environment = ["STATE_DIRECTORY": "/var/lib/madoguchi/auth:/other", "RUNTIME_DIRECTORY": "/run/x"]
        let fromEnvironment = ServiceConfiguration(service: .auth, options: try .parse([]), environment: environment)
        #expect(fromEnvironment.stateDirectory == "/var/lib/madoguchi/auth")
        #expect(fromEnvironment.runtimeDirectory == "/run/x")
        #expect(fromEnvironment.socketPath == "/run/x/auth.sock")
        #expect(fromEnvironment.databasePath == "/var/lib/madoguchi/auth/auth.sqlite")
        #expect(fromEnvironment.spoolDirectory == "/var/lib/madoguchi/auth/spool")

        let fromFlags = ServiceConfiguration(
            service: .auth,
            options: try .parse(["--state-dir", "/s", "--runtime-dir", "/r", "--idle-exit", "1.5", "--log-level", "debug"]),
            environment: environment)
        #expect(fromFlags.stateDirectory == "/s")
        #expect(fromFlags.socketPath == "/r/auth.sock")
        #expect(fromFlags.idleExit == .milliseconds(1500))
        #expect(fromFlags.logLevel == .debug)

        let defaults = ServiceConfiguration(service: .billing, options: try .parse([]), environment: [:])
        #expect(defaults.stateDirectory.hasSuffix("/.madoguchi/billing"))
        #expect(defaults.socketPath == "/run/madoguchi/billing.sock")
        #expect(defaults.maximumConnections == 4096)
        #expect(defaults.maximumConnectionsPerUID == 1024)
    }

    @Test func credentialsDirectory_providesThePepper() throws {
        let configuration = ServiceConfiguration(
            service: .auth, options: try .parse([]), environment: ["CREDENTIALS_DIRECTORY": "/run/credentials/x"])
        #expect(configuration.keyFiles == .credentials("/run/credentials/x"))
    }

    @Test func badFlags_areRefused() {
        #expect(throws: (any Error).self) { try ServiceOptions.parse(["--log-level", "loud"]) }
        #expect(throws: (any Error).self) { try ServiceOptions.parse(["--idle-exit", "0"]) }
        #expect(throws: (any Error).self) { try ServiceOptions.parse(["--mail-transport", "pigeon"]) }
    }
}

@Suite struct ServerSecretTests {
    @Test func developmentSecret_isCreatedOnceWithMode0600() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        _ = try ServerSecret.load(path: nil, stateDirectory: directory.path, createIfMissing: true)
        let first = try Data(contentsOf: URL(fileURLWithPath: directory.file("pepper")))
        _ = try ServerSecret.load(path: nil, stateDirectory: directory.path, createIfMissing: true)
        #expect(try Data(contentsOf: URL(fileURLWithPath: directory.file("pepper"))) == first)
        #expect(first.count == 32)
        let mode = try FileManager.default.attributesOfItem(atPath: directory.file("pepper"))[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }

    @Test func namedSecretFile_mustExist() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        #expect(throws: ServerSecretError.self) {
            try ServerSecret.load(path: directory.file("missing"), stateDirectory: directory.path, createIfMissing: true)
        }
    }
}

@Suite struct ErrorMappingTests {
    @Test func modelValidationErrors_becomeInvalidParams_namingFieldAndRule() throws {
        do {
            _ = try PhoneNumber(validating: "12-34")
        } catch {
            let rpc = error.rpcError
            #expect(rpc.code == .invalidParams)
            #expect(rpc.reason == "not_digits" || rpc.reason == "invalid_length")
            #expect(rpc.data?["field"] == "phoneNumber")
            #expect(!rpc.message.contains("12-34"))
        }
    }

    @Test func applicationCodes_lieOutsideTheReservedRange() {
        #expect(!ErrorCode.unavailable.isReserved)
        #expect(ErrorCode.messageTooLarge.isReserved)
        #expect(RPCError.unavailable(service: "auth", detail: "down").reason == "unavailable")
    }
}

@Suite struct LogHandlerTests {
    @Test func journalPriorities_followSyslog() {
        #expect(ServiceLogHandler.priorityPrefix(.critical) == "<2>")
        #expect(ServiceLogHandler.priorityPrefix(.error) == "<3>")
        #expect(ServiceLogHandler.priorityPrefix(.warning) == "<4>")
        #expect(ServiceLogHandler.priorityPrefix(.notice) == "<5>")
        #expect(ServiceLogHandler.priorityPrefix(.info) == "<6>")
        #expect(ServiceLogHandler.priorityPrefix(.debug) == "<7>")
    }
}
