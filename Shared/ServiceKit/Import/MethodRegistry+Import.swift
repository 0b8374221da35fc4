import JSONRPC

extension MethodRegistry {
    /// Registers `<dataset>.import.begin|rows|commit`, for operators only.
    public mutating func registerImport<Dataset: ImportDataset>(
        _ imports: StagedImports<Dataset>, operators: OperatorPolicy
    ) {
        register(ImportBegin<Dataset.Kind>.self) { _, context in
            try operators.requireOperator(context.peer)
            return try await imports.begin(peer: context.peer)
        }
        register(ImportRows<Dataset.Kind>.self) { params, context in
            try operators.requireOperator(context.peer)
            return try await imports.add(params.rows, to: params.importId)
        }
        register(ImportCommit<Dataset.Kind>.self) { params, context in
            try operators.requireOperator(context.peer)
            return try await imports.commit(params.importId)
        }
    }
}
