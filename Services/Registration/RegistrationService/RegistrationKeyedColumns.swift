import ServiceKit

extension RegistrationService {
    /// Every hash a server key made in registration: identity tickets, the links mailed
    /// for sign-up and recovery, carrier-ID journeys.
    public static var keyedColumns: [KeyedColumn] {
        [
            KeyedColumn("ticket", table: "identity_ticket", column: "ticketHash", postgresColumn: "ticket_hash"),
            KeyedColumn("signup_link", table: "account", column: "linkHash", postgresColumn: "link_hash"),
            KeyedColumn("recovery_link", table: "recovery_link", column: "linkHash", postgresColumn: "link_hash"),
            KeyedColumn("carrier_journey", table: "carrier_journey", column: "journeyHash", postgresColumn: "journey_hash"),
        ]
    }
}
