import ServiceContract

/// What a commit has found so far, row by row in file order, on either engine: the
/// report, the refused rows (the first `ImportError.listedRejections` of them, and how
/// many in all), and the keys seen (a second row with a key already seen is refused).
struct ImportLedger {
    private(set) var report: ImportReport
    private var rejected: [RejectedRow] = []
    private var rejectedCount = 0
    private var keys = Set<String>()

    init(dataset: String) {
        report = ImportReport(dataset: dataset)
    }

    /// Whether staged row `number` is to be applied: not when it was refused as it was
    /// staged, repeats an earlier row's key, or comes after a refused row (once a row is
    /// refused nothing will be kept: the rest are only checked, for the report).
    mutating func admit(row number: Int, key: String, problem: ImportRowProblem?) -> Bool {
        if let problem {
            reject(row: number, problem)
            return false
        }
        guard keys.insert(key).inserted else {
            reject(
                row: number,
                ImportRowProblem(field: nil, reason: "duplicate_row", message: "The same record appears earlier in the file."))
            return false
        }
        guard rejectedCount == 0 else { return false }
        report.rows += 1
        return true
    }

    /// What applying an admitted row did.
    mutating func record(_ outcome: ImportOutcome) {
        switch outcome {
        case .inserted: report.inserted += 1
        case .updated: report.updated += 1
        case .unchanged: report.unchanged += 1
        }
    }

    /// An admitted row that clashes with what is stored (or was applied just before it).
    mutating func reject(row number: Int, _ problem: ImportRowProblem) {
        rejectedCount += 1
        if rejected.count < ImportError.listedRejections {
            rejected.append(RejectedRow(row: number, field: problem.field, reason: problem.reason, message: problem.message))
        }
    }

    /// The report, or the refusal that rolls back every row applied.
    func finish() throws -> ImportReport {
        guard rejectedCount == 0 else { throw ImportError.rejected(count: rejectedCount, rows: rejected) }
        return report
    }
}
