import ServiceContract

/// The operator's line inventory, imported as `lines.import.*`: which numbers are voice
/// lines (with a network PIN and voice options) and which are data-only SIMs.
public enum LineRecords: ImportKind {
    public static let name = "lines"
    public static let rowSummary =
        "phoneNumber, customerNumber, iccid (19 digits), kind (voice or data: a data-only SIM has no network PIN)"
}

/// What a SIM carries.
public enum LineKind: String, Codable, Sendable, Hashable, CaseIterable {
    case voice, data
}
