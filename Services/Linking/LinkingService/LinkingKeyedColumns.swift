import ServiceKit

extension LinkingService {
    /// Every hash a server key made in linking: the link journeys' IDs.
    public static var keyedColumns: [KeyedColumn] {
        [KeyedColumn("link_journey", table: "link_journey", column: "journeyHash", postgresColumn: "journey_hash")]
    }
}
