import ArgumentParser
import Foundation
import ServiceContract

extension Madoctl {
    /// `madoctl backup SERVICE DEST`: a consistent copy of a running service's database,
    /// moved from its state folder to `DEST` (a file, or a folder to put it in).
    struct Backup: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Back up a running service's SQLite database to DEST (operators; reading the state folder needs root).",
            discussion: """
                The service copies its database while it serves (VACUUM INTO) into its state folder's backups/, \
                checks the copy, and this command moves it to DEST. The server secret (pepper) is not in it: back it \
                up separately, or the copy is useless.
                """)
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "The service.") var service: ServiceName
        @Argument(help: "Where to put the copy: a file, or an existing folder.") var destination: String

        func run() async throws {
            let client = try await connection.connect(to: service)
            let made: ServiceBackup.Result
            do {
                made = try await client.call(ServiceBackup.self, timeout: connection.callTimeout(unlessGiven: Self.longestWait))
                await client.close()
            } catch {
                await client.close()
                throw Failure.exit(error, json: connection.json)
            }
            guard made.integrity == "ok" else {
                Output.standardError("error: the copy at \(made.file) failed its integrity check: \(made.integrity)")
                throw ExitCode(1)
            }
            var isFolder: ObjCBool = false
            let target =
                FileManager.default.fileExists(atPath: destination, isDirectory: &isFolder) && isFolder.boolValue
                ? destination + "/" + URL(fileURLWithPath: made.file).lastPathComponent : destination
            do {
                try Self.move(made.file, to: target)
            } catch {
                Output.standardError("error: the copy is at \(made.file) but could not be moved to \(target): \(error)")
                throw ExitCode(1)
            }
            print(connection.json ? #"{"file":"\#(target)","bytes":\#(made.bytes),"integrity":"ok"}"# : "\(service.rawValue) backed up to \(target) (\(made.bytes) bytes, integrity ok)")
        }

        /// How long a backup or a check waits for its answer unless `--timeout` says: each goes
        /// through every page of the database (billing's is gigabytes).
        static let longestWait = Duration.seconds(3600)

        /// Renames, or copies and removes across file systems; the copy is synced first.
        static func move(_ source: String, to target: String) throws {
            if rename(source, target) == 0 { return }
            guard errno == EXDEV else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
            if FileManager.default.fileExists(atPath: target) { try FileManager.default.removeItem(atPath: target) }
            try FileManager.default.copyItem(atPath: source, toPath: target)
            let descriptor = open(target, O_RDONLY)
            if descriptor >= 0 {
                fsync(descriptor)
                close(descriptor)
            }
            try FileManager.default.removeItem(atPath: source)
        }
    }

    /// `madoctl check SERVICE`: a full integrity check of the service's database.
    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check every page of a service's database while it serves (operators); exits 1 when damage is found.")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "The service.") var service: ServiceName

        func run() async throws {
            var damaged = false
            let timeout = connection.callTimeout(unlessGiven: Backup.longestWait)
            try await Output.call(ServiceCheck.self, .init(), on: service, with: connection, timeout: timeout) { result in
                damaged = !result.ok
                return result.ok
                    ? "\(service.rawValue): integrity ok (\(result.engine))"
                    : "\(service.rawValue): damage found:\n" + result.problems.map { "    \($0)" }.joined(separator: "\n")
            }
            if damaged { throw ExitCode(1) }
        }
    }
}
