/// Imported rows keyed by one value that also claim a second one no other row may hold
/// (a line's SIM, an ISP contract's address), judged one by one in file order: the same
/// row again is no change, a value freed by an earlier row may be taken by a later one,
/// and a value held by another key refuses the row. A page's stored rows are read once
/// into it; each row applied moves the claims as the database will after the page.
public struct ClaimedValues: Sendable {
    private var fingerprints: [String: String] = [:]  // by key
    private var claimOf: [String: String] = [:]  // key → claimed value
    private var holderOf: [String: String] = [:]  // claimed value → key

    public init() {}

    /// A stored row: its key, the value it claims, and its fingerprint (its staged form).
    public mutating func stored(key: String, claim: String, fingerprint: String) {
        fingerprints[key] = fingerprint
        claimOf[key] = claim
        holderOf[claim] = key
    }

    /// What applying the row does; `taken` makes the refusal of a value another key holds.
    /// A row that changes anything takes its claim from here on.
    public mutating func judge(
        key: String, claim: String, fingerprint: String, taken: (_ holder: String) -> ImportRowProblem
    ) -> Result<ImportOutcome, ImportRowProblem> {
        let outcome = Self.outcome(
            key: key, fingerprint: fingerprint, stored: fingerprints[key], holder: holderOf[claim], taken: taken)
        guard case .success(let done) = outcome, done != .unchanged else { return outcome }
        if let previous = claimOf[key] { holderOf[previous] = nil }
        holderOf[claim] = key
        claimOf[key] = claim
        fingerprints[key] = fingerprint
        return outcome
    }

    /// Judges a page's rows (each with its fingerprint) in file order: what each does,
    /// and the rows that change something, to be written.
    public mutating func judge<Row>(
        page: [(row: Row, fingerprint: String)], key: (Row) -> String, claim: (Row) -> String,
        taken: (Row, _ holder: String) -> ImportRowProblem
    ) -> (outcomes: [Result<ImportOutcome, ImportRowProblem>], changed: [(row: Row, fingerprint: String)]) {
        var outcomes: [Result<ImportOutcome, ImportRowProblem>] = []
        var changed: [(row: Row, fingerprint: String)] = []
        for (row, fingerprint) in page {
            let outcome = judge(key: key(row), claim: claim(row), fingerprint: fingerprint) { taken(row, $0) }
            outcomes.append(outcome)
            if case .success(let done) = outcome, done != .unchanged { changed.append((row, fingerprint)) }
        }
        return (outcomes, changed)
    }

    /// The rule, for a row alone: `stored` is the fingerprint stored for its key (nil: a
    /// new key), `holder` the key that holds its claimed value now.
    public static func outcome(
        key: String, fingerprint: String, stored: String?, holder: String?, taken: (_ holder: String) -> ImportRowProblem
    ) -> Result<ImportOutcome, ImportRowProblem> {
        if stored == fingerprint { return .success(.unchanged) }
        if let holder, holder != key { return .failure(taken(holder)) }
        return .success(stored == nil ? .inserted : .updated)
    }
}
