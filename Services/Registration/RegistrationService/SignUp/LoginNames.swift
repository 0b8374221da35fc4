import Foundation
import GRDB
import RegistrationAPI

/// Account IDs and carrier IDs are login IDs in madoguchi-auth, one namespace: a name is
/// taken while an active or unexpired provisional account, an issued carrier ID or an
/// unexpired issuance journey holds it.
enum LoginNames {
    static func isTaken(_ key: String, at now: Date, in db: Database) throws -> Bool {
        try Bool.fetchOne(
            db,
            sql: """
                SELECT EXISTS (SELECT 1 FROM account WHERE accountKey = ? AND (state = 'active' OR expiresAt > ?))
                    OR EXISTS (SELECT 1 FROM carrier_id WHERE carrierKey = ?)
                    OR EXISTS (SELECT 1 FROM carrier_journey WHERE carrierKey = ? AND expiresAt > ?)
                """,
            arguments: [key, now, key, key, now]) ?? false
    }

    static let takenReason = RegistrationError.idTakenReason
    static let takenMessage = "This ID is already in use; choose another."
}
