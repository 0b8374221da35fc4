import ArgumentParser
import BillingAPI
import MadoguchiModels

/// The billing service's own flags.
public struct BillingOptions: ParsableArguments, Sendable {
    @Option(help: "How each rate's consumption tax is rounded to whole yen: down (切り捨て), up or half-up.")
    public var taxRounding: TaxRounding = .down

    @Option(help: "The issuer's qualified-invoice registration number (T + 13 digits), for imported statements that do not carry their own.")
    public var issuerRegistrationNumber: InvoiceRegistrationNumber?

    public init() {}
}

extension TaxRounding: ExpressibleByArgument {}

extension InvoiceRegistrationNumber: ExpressibleByArgument {
    public init?(argument: String) {
        guard let number = try? InvoiceRegistrationNumber(validating: argument) else { return nil }
        self = number
    }
}
