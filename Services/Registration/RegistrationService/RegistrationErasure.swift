import Foundation
import GRDB
import PostgresNIO
import ServiceKit

extension RegistrationService {
    /// What registration removes of a former customer: the contract with its phone numbers
    /// and SIMs, identity tickets, My Page accounts with their recovery links and letters,
    /// applications for the customer's numbers with their events and documents, and the
    /// carrier IDs named (with their journeys).
    public func erasureRules(for subject: ErasureSubject) -> [ErasureRule] {
        let (customer, phones, logins) = (ErasureValue.text(subject.customerNumber), ErasureValue.list(subject.phoneNumbers), ErasureValue.list(subject.loginIDs))
        let inList = "IN (SELECT value FROM json_each(?1))"
        let applications = "receptionNumber IN (SELECT receptionNumber FROM application WHERE phoneNumber \(inList) OR lineNumber \(inList))"
        let postgresApplications =
            "reception_number IN (SELECT reception_number FROM {schema}.application WHERE phone_number = ANY($1) OR line_number = ANY($1))"
        return [
            ErasureRule("recovery links", sqlite: ("recovery_link", "accountKey \(inList)"), postgres: ("recovery_link", "account_key = ANY($1)"), values: [logins]),
            ErasureRule("recovery letters", sqlite: ("letter_job", "accountKey \(inList)"), postgres: ("letter_job", "account_key = ANY($1)"), values: [logins]),
            ErasureRule("My Page accounts", sqlite: ("account", "customerNumber = ?1"), postgres: ("account", "customer_number = $1"), values: [customer]),
            ErasureRule("identity tickets", sqlite: ("identity_ticket", "customerNumber = ?1"), postgres: ("identity_ticket", "customer_number = $1"), values: [customer]),
            ErasureRule("contract SIMs", sqlite: ("contract_sim", "customerNumber = ?1"), postgres: ("contract_sim", "customer_number = $1"), values: [customer]),
            ErasureRule("contract phone numbers", sqlite: ("contract_phone", "customerNumber = ?1"), postgres: ("contract_phone", "customer_number = $1"), values: [customer]),
            ErasureRule("contract", sqlite: ("contract", "customerNumber = ?1"), postgres: ("contract", "customer_number = $1"), values: [customer]),
            ErasureRule("application documents", sqlite: ("application_document", applications), postgres: ("application_document", postgresApplications), values: [phones]),
            ErasureRule("application events", sqlite: ("application_event", applications), postgres: ("application_event", postgresApplications), values: [phones]),
            ErasureRule("applications", sqlite: ("application", "phoneNumber \(inList) OR lineNumber \(inList)"), postgres: ("application", "phone_number = ANY($1) OR line_number = ANY($1)"), values: [phones]),
            ErasureRule("carrier ID journeys", sqlite: ("carrier_journey", "carrierKey \(inList)"), postgres: ("carrier_journey", "carrier_key = ANY($1)"), values: [logins]),
            ErasureRule("carrier IDs", sqlite: ("carrier_id", "carrierKey \(inList)"), postgres: ("carrier_id", "carrier_key = ANY($1)"), values: [logins]),
        ]
    }

    /// The contract's phone numbers — but not one another contract also lists (a number
    /// since given to someone else: their PIN and applications are theirs) — and the
    /// customer's My Page login IDs (account keys).
    public func erasureIdentities(of customerNumber: String) async throws -> (phones: [String], logins: [String]) {
        switch storage {
        case .sqlite(let database):
            return try await database.read { db in
                (
                    try String.fetchAll(
                        db,
                        sql: """
                            SELECT digits FROM contract_phone WHERE customerNumber = ?1
                            AND digits NOT IN (SELECT digits FROM contract_phone WHERE customerNumber <> ?1) ORDER BY digits
                            """, arguments: [customerNumber]),
                    try String.fetchAll(db, sql: "SELECT accountKey FROM account WHERE customerNumber = ? ORDER BY accountKey", arguments: [customerNumber])
                )
            }
        case .postgres(let client, let schema):
            return try await classifyingFaults(within: .seconds(10)) { [logger] in
                var (phones, logins): ([String], [String]) = ([], [])
                for try await phone in try await client.query(
                    """
                    SELECT digits FROM \(unescaped: schema).contract_phone WHERE customer_number = \(customerNumber)
                    AND digits NOT IN (SELECT digits FROM \(unescaped: schema).contract_phone WHERE customer_number <> \(customerNumber))
                    ORDER BY digits
                    """,
                    logger: logger
                ).decode(String.self) { phones.append(phone) }
                for try await login in try await client.query(
                    "SELECT account_key FROM \(unescaped: schema).account WHERE customer_number = \(customerNumber) ORDER BY account_key",
                    logger: logger
                ).decode(String.self) { logins.append(login) }
                return (phones, logins)
            }
        }
    }
}
