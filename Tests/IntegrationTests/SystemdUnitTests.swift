import Foundation
import ServiceClient
import ServiceKit
import TestSupport
import Testing

/// The units in compose/systemd, as `compose/install` installs them: `systemd-analyze
/// verify` says nothing at all about them, `systemd-analyze security` rates every
/// service 1.0 or better, the sysusers and tmpfiles snippets apply, and uninstall
/// removes everything it installed.
@Suite(.serialized, .sandboxed) struct SystemdUnitTests {
    /// The package's root folder, where compose/ lives.
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path

    static let units = ServiceSandbox.services.flatMap { ["madoguchi@\($0).service", "madoguchi@\($0).socket"] }
        + ["madoguchi.target", "madoguchi-exporter.socket", "madoguchi-exporter.service"]

    /// Installs under a fresh prefix with the test build's binaries and runs `body`.
    func withInstall(_ body: (_ prefix: String) async throws -> Void) async throws {
        let prefix = try TemporaryDirectory()
        defer { prefix.remove() }
        let install = try await ChildProcess.run(
            Self.packageRoot + "/compose/install", ["--prefix", prefix.path, "--binaries", Executables.directory])
        #expect(install.status == 0, "\(install.stderr)")
        try await body(prefix.path)
    }

    func analyze(_ arguments: [String], unitPath: String) async throws -> (status: Int32, stdout: String, stderr: String) {
        try await ChildProcess.run(
            "/usr/bin/systemd-analyze", arguments, environment: ["SYSTEMD_UNIT_PATH": unitPath + ":", "SYSTEMD_LOG_COLOR": "0"])
    }

    @Test func verify_printsNothingForAnyUnit_andWouldCatchAMistake() async throws {
        try await withInstall { prefix in
            let unitPath = prefix + "/lib/systemd/system"
            let verify = try await analyze(["verify"] + Self.units, unitPath: unitPath)
            #expect(verify.status == 0)
            #expect(verify.stdout.isEmpty && verify.stderr.isEmpty, "verify said: \(verify.stdout)\(verify.stderr)")

            // Control: the same check does see a misspelt key.
            let service = try String(contentsOfFile: unitPath + "/madoguchi@.service", encoding: .utf8)
            try service.replacingOccurrences(of: "WatchdogSec=", with: "WatchdogSecs=")
                .write(toFile: unitPath + "/madoguchi@.service", atomically: true, encoding: .utf8)
            let broken = try await analyze(["verify", "madoguchi@auth.service"], unitPath: unitPath)
            #expect(!(broken.stdout + broken.stderr).isEmpty)
        }
    }

    @Test func security_ratesEveryServiceTwoOrBetter() async throws {
        try await withInstall { prefix in
            for unit in ServiceSandbox.services.map({ "madoguchi@\($0).service" }) + ["madoguchi-exporter.service"] {
                let security = try await analyze(["security", "--offline=true", unit], unitPath: prefix + "/lib/systemd/system")
                let line = security.stdout.split(separator: "\n").first { $0.contains("Overall exposure level for \(unit)") }
                let score = line.flatMap { $0.split(separator: ":").last?.split(separator: " ").first }.flatMap { Double($0) }
                let exposure = try #require(score, "no exposure in: \(security.stdout) \(security.stderr)")
                #expect(exposure <= 1.0, "\(unit): \(line ?? "")")
            }
        }
    }

    @Test func sysusersAndTmpfiles_createTheGroupAndTheSpool() async throws {
        try await withInstall { prefix in
            let root = try TemporaryDirectory()
            defer { root.remove() }
            try FileManager.default.createDirectory(atPath: root.file("etc"), withIntermediateDirectories: true)
            let sysusers = try await ChildProcess.run(
                "/usr/bin/systemd-sysusers", ["--root", root.path, prefix + "/lib/sysusers.d/madoguchi.conf"])
            #expect(sysusers.status == 0, "\(sysusers.stderr)")
            let groups = try String(contentsOfFile: root.file("etc/group"), encoding: .utf8)
            #expect(groups.contains("madoguchi:") && groups.contains("madoguchi-services:"))
            let tmpfiles = try await ChildProcess.run(
                "/usr/bin/systemd-tmpfiles", ["--create", "--root", root.path, prefix + "/lib/tmpfiles.d/madoguchi.conf"])
            #expect(tmpfiles.status == 0, "\(tmpfiles.stderr)")
            for folder in ["var/spool/madoguchi/mail/new", "var/spool/madoguchi/sms/tmp", "var/spool/madoguchi/letter/cur"] {
                let mode = try FileManager.default.attributesOfItem(atPath: root.file(folder))[.posixPermissions] as? Int
                #expect(mode == 0o2770, "\(folder)")
            }
            let secretMode = try FileManager.default.attributesOfItem(atPath: root.file("etc/madoguchi"))[.posixPermissions] as? Int
            #expect(secretMode == 0o700)
        }
    }

    @Test func installedUnits_nameTheInstalledBinaries_andUninstallRemovesEverything() async throws {
        let prefix = try TemporaryDirectory()
        defer { prefix.remove() }
        let install = try await ChildProcess.run(
            Self.packageRoot + "/compose/install", ["--prefix", prefix.path, "--binaries", Executables.directory])
        #expect(install.status == 0)
        let service = try String(contentsOfFile: prefix.file("lib/systemd/system/madoguchi@.service"), encoding: .utf8)
        #expect(service.contains("ExecStart=\(prefix.path)/bin/madoguchi-%i "))
        #expect(FileManager.default.isExecutableFile(atPath: prefix.file("bin/madoctl")))
        #expect(FileManager.default.isExecutableFile(atPath: prefix.file("bin/madoguchi-exporter")))
        // The man page and completions, made from madoctl itself.
        let manual = try String(contentsOfFile: prefix.file("share/man/man1/madoctl.1"), encoding: .utf8)
        #expect(manual.contains(".Nm madoctl") && manual.contains("backup"))
        let completion = try String(contentsOfFile: prefix.file("share/bash-completion/completions/madoctl"), encoding: .utf8)
        #expect(completion.contains("_madoctl") && completion.contains("outbox"))
        #expect(FileManager.default.fileExists(atPath: prefix.file("share/zsh/site-functions/_madoctl")))
        #expect(FileManager.default.fileExists(atPath: prefix.file("share/fish/vendor_completions.d/madoctl.fish")))

        let uninstall = try await ChildProcess.run(Self.packageRoot + "/compose/uninstall", ["--prefix", prefix.path])
        #expect(uninstall.status == 0, "\(uninstall.stderr)")
        let remaining = FileManager.default.enumerator(atPath: prefix.path)?.allObjects as? [String] ?? []
        let files = remaining.filter { path in
            var isDirectory: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: prefix.file(path), isDirectory: &isDirectory)
            return !isDirectory.boolValue
        }
        #expect(files.isEmpty, "left behind: \(files)")
    }
}
