import ArgumentParser
import ServiceKit
import BillingAPI
import MadoguchiModels

/// The billing service's own flags.
@DirectlyParsable
public struct BillingOptions: ParsableArguments, Sendable {
    @Option(help: "How each rate's consumption tax is rounded to whole yen: down (切り捨て), up or half-up.")
    public var taxRounding: TaxRounding = .down

    @Option(help: "The issuer's qualified-invoice registration number (T + 13 digits), for imported statements that do not carry their own.")
    public var issuerRegistrationNumber: InvoiceRegistrationNumber?

    @Option(help: "Years a statement is kept after its month when its customer's data is erased (customer.erase): copies of issued qualified invoices are kept 7 years.")
    public var statementRetentionYears: Int = 7

    public init() {}

    public func validate() throws {
        // Zero would let an erasure remove statements still within their legal retention.
        guard statementRetentionYears >= 1 else { throw ValidationError("--statement-retention-years is at least 1.") }
    }
}

extension TaxRounding: ExpressibleByArgument {}

extension InvoiceRegistrationNumber: ExpressibleByArgument {
    public init?(argument: String) {
        guard let number = try? InvoiceRegistrationNumber(validating: argument) else { return nil }
        self = number
    }
}
