import Foundation
import JSONRPC
import RegistrationAPI

/// Account IDs and carrier IDs are login IDs in madoguchi-auth, one namespace: a name is
/// taken while an active or unexpired provisional account, an issued carrier ID or an
/// unexpired issuance journey holds it (each store checks it in its own tables).
enum LoginNames {
    static let takenReason = RegistrationError.Reason.idTaken
    static let takenMessage = "This ID is already in use; choose another."
    /// The refusal of a taken name.
    static var taken: RegistrationError { .idUnavailable(reason: takenReason, message: takenMessage) }
}

/// A contract's services, stored as a JSON list of names.
enum StoredServices {
    static func read(_ stored: String) -> [String] {
        (try? JSONCoding.decoder.decode([String].self, from: Data(stored.utf8))) ?? []
    }
}
