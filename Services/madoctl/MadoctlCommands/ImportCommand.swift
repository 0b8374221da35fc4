import ArgumentParser
import Foundation
import JSONRPC
import ServiceContract

/// The options of every `madoctl <dataset> import FILE`.
struct ImportOptions: ParsableArguments {
    @Argument(help: "The file: CSV with a header row, or JSON lines.") var file: String
    @Option(help: "csv or jsonl (default: from the file name).") var format: String?
}

extension Output {
    /// Sends a file's rows to `<Kind>.import.*` on `service` in batches and commits them
    /// all at once: the service applies every row or none. On a terminal it shows its
    /// progress; Ctrl-C cancels the import on the service, which removes the staged rows
    /// at once (`ImportInterrupt`), and exits 130.
    static func importFile<Kind: ImportKind>(
        _ kind: Kind.Type, options: ImportOptions, on service: ServiceName, with connection: ConnectionOptions
    ) async throws {
        let format = try options.format.map { text in
            guard let format = ImportFile.Format(rawValue: text) else { throw ValidationError("--format is csv or jsonl.") }
            return format
        }
        do {
            // An unreadable file is refused before the service is called.
            let file = try ImportFile(path: options.file, format: format, items: Kind.itemColumns)
            let progress = ImportProgress(totalBytes: file.size)
            let client = try await connection.connect(to: service)
            let handle = try await client.call(ImportBegin<Kind>.self, NoParams())
            let interrupt = ImportInterrupt { await cancel(Kind.self, handle, on: service, with: connection) }
            defer { interrupt.stop() }
            do {
                try await sendRows(of: file, as: Kind.self, to: handle, on: service, with: connection, progress: progress)
            } catch {
                await interrupt.waitIfInterrupted()
                progress.finish()
                throw error
            }
            progress.finish()
            // A file of a million rows is checked and applied in one transaction.
            let report = try await client.call(ImportCommit<Kind>.self, handle, timeout: .seconds(3600))
            await client.close()
            print(
                connection.json
                    ? (try JSONValue(encoding: report)).jsonText
                    : "Imported \(report.rows) rows of \(Kind.name): \(report.inserted) new, \(report.updated) updated, \(report.unchanged) unchanged.")
        } catch let error as ImportFileError {
            Output.standardError("error: \(error.description)")
            throw ExitCode(1)
        } catch let error as RPCError where error.is(CommonReason.importRejected) {
            if !connection.json, case .array(let rows)? = error.data?["rejected"] {
                for row in rows {
                    Output.standardError(
                        "row \(row["row"]?.jsonText ?? "?")"
                            + (row["field"]?.stringValue.map { " (\($0))" } ?? "")
                            + ": \(row["message"]?.stringValue ?? "")")
                }
            }
            throw Failure.exit(error, json: connection.json)
        } catch {
            throw Failure.exit(error, json: connection.json)
        }
    }

    /// Sends the batches over two connections, one batch in flight on each, so that the
    /// service parses one batch while it stores the other and this reads the file.
    private static func sendRows<Kind: ImportKind>(
        of file: ImportFile, as kind: Kind.Type, to handle: ImportHandle, on service: ServiceName,
        with connection: ConnectionOptions, progress: ImportProgress
    ) async throws {
        let clients = [try await connection.connect(to: service), try await connection.connect(to: service)]
        try await withThrowingTaskGroup(of: Int.self) { group in
            var free = Array(clients.indices)
            try await file.forEachBatch { batch, bytesRead in
                if free.isEmpty, let done = try await group.next() { free.append(done) }
                let slot = free.removeLast()
                group.addTask {
                    let params = ImportRowsParams.encoded(importId: handle.importId, rows: batch)
                    // Staging a batch may take the service 30 s on PostgreSQL: wait for its answer.
                    _ = try await clients[slot].call(
                        ImportRows<Kind>.self, encodedParams: params, timeout: connection.callTimeout(unlessGiven: .seconds(60)))
                    progress.sent(batch.count, bytesRead: bytesRead)
                    return slot
                }
            }
            try await group.waitForAll()
        }
        for client in clients { await client.close() }
    }
}

extension Output {
    /// Ctrl-C during an import: cancels it on the service (its staged rows go at once),
    /// says so, and exits 130.
    fileprivate static func cancel<Kind: ImportKind>(
        _ kind: Kind.Type, _ handle: ImportHandle, on service: ServiceName, with connection: ConnectionOptions
    ) async {
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
        do {
            let client = try await connection.connect(to: service)
            _ = try await client.call(ImportCancel<Kind>.self, handle)
            await client.close()
            standardError("interrupted: the import was cancelled on \(service.rawValue); its staged rows are removed.")
        } catch let error as RPCError where error.is(CommonReason.importNotFound) {
            standardError("interrupted: nothing to cancel on \(service.rawValue) (the import was applied or is gone).")
        } catch {
            standardError("interrupted: the import could not be cancelled (\(error)); \(service.rawValue) drops it within a day or at its next start.")
        }
    }
}
