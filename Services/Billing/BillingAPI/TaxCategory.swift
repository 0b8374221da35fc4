import JSONRPC
import MadoguchiModels

/// How a line item is taxed: Japan's standard 10 %, the reduced 8 % (food, newspapers),
/// or outside consumption tax (non-taxable and tax-exempt charges, such as the universal
/// service fee's tax-free part or stamp duty).
public enum TaxCategory: String, Codable, Sendable, Hashable, CaseIterable, JSONSchemaDescribing {
    case standard
    case reduced
    case exempt

    /// The rate in percent.
    public var ratePercent: Int64 {
        switch self {
        case .standard: 10
        case .reduced: 8
        case .exempt: 0
        }
    }

    /// As printed on a Japanese statement.
    public var label: String {
        switch self {
        case .standard: "10%対象"
        case .reduced: "8%（軽減税率）対象"
        case .exempt: "非課税・不課税"
        }
    }

    /// Reads a rating system's spelling: the names, the rates ("10", "10%", "8%") or the
    /// Japanese terms (軽減, 非課税, 不課税).
    public init?(spelled text: String) {
        // The rating system's usual spelling first: this runs for every item of an import.
        if let category = TaxCategory(rawValue: text) {
            self = category
            return
        }
        let normalized = HalfWidth.normalize(text).lowercased().filter { $0 != " " }
        switch normalized {
        case "standard", "10", "10%", "標準": self = .standard
        case "reduced", "8", "8%", "8%軽減", "軽減": self = .reduced
        case "exempt", "0", "0%", "non-taxable", "nontaxable", "非課税", "不課税", "対象外": self = .exempt
        default: return nil
        }
    }
}

/// How the consumption tax of each rate is rounded to whole yen (once per rate per
/// statement, the qualified-invoice rule).
public enum TaxRounding: String, Codable, Sendable, Hashable, CaseIterable, JSONSchemaDescribing {
    /// 切り捨て: toward zero (the usual choice, and the default).
    case down
    /// 切り上げ: away from zero.
    case up
    /// 四捨五入: to the nearest yen, halves away from zero.
    case halfUp = "half-up"

    /// `amount × percent / 100`, rounded this way.
    public func tax(on amount: Int64, percent: Int64) -> Int64 {
        let product = amount * percent
        let quotient = product / 100
        let remainder = product % 100
        guard remainder != 0 else { return quotient }
        let awayFromZero: Int64 = product < 0 ? -1 : 1
        switch self {
        case .down: return quotient
        case .up: return quotient + awayFromZero
        case .halfUp: return remainder.magnitude >= 50 ? quotient + awayFromZero : quotient
        }
    }
}
