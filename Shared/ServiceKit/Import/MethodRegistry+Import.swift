import Foundation
import JSONRPC
import Logging
import ServiceContract

extension MethodRegistry {
    /// Registers `<dataset>.import.begin|rows|commit|cancel`, for operators only.
    public mutating func registerImport<Dataset: ImportDataset>(
        _ imports: StagedImports<Dataset>, operators: OperatorPolicy
    ) {
        register(ImportBegin<Dataset.Kind>.self) { _, context in
            let handle = try await imports.begin(peer: context.peer)
            context.logger.info(
                "import started", metadata: ["dataset": "\(Dataset.Kind.name)", "import": "\(handle.importId)", "uid": "\(context.peer.uid)"])
            return handle
        }
        register(ImportRows<Dataset.Kind>.self, deeperCheck: { imports.check($0.rows) }) { params, context in
            return try await imports.add(params.rows, to: params.importId)
        }
        register(ImportCancel<Dataset.Kind>.self) { params, context in
            guard try await imports.cancel(params.importId) else { throw ImportError.notFound }
            context.logger.notice("import cancelled; its staged rows are removed", metadata: ["import": "\(params.importId)", "uid": "\(context.peer.uid)"])
            return params
        }
        register(ImportCommit<Dataset.Kind>.self) { params, context in
            // An operator's import is rare and large: what it did, and how long it took.
            let started = ContinuousClock.now
            let report = try await imports.commit(params.importId)
            context.logger.info(
                "import applied",
                metadata: [
                    "import": "\(params.importId)", "dataset": "\(report.dataset)", "rows": "\(report.rows)", "inserted": "\(report.inserted)",
                    "updated": "\(report.updated)", "unchanged": "\(report.unchanged)",
                    "commit-seconds": "\(String(format: "%.1f", (ContinuousClock.now - started) / .seconds(1)))",
                ])
            return report
        }
    }
}
