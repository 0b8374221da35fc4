import Foundation
import RegistrationAPI

/// An uploaded identity-document image, checked before it is stored: a known document
/// type, a JPEG or PNG whose bytes really are that format, and at most 4 MiB.
struct IdentityDocument: Sendable {
    static let types: Set<String> = ["drivers_licence", "my_number_card", "passport", "residence_card"]
    static let maximumBytes = 4 << 20
    /// The file signatures of the accepted formats.
    static let signatures: [String: [UInt8]] = [
        "image/jpeg": [0xFF, 0xD8, 0xFF],
        "image/png": [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A],
    ]

    let type: String
    let contentType: String
    let bytes: Data

    init(type: String, contentType: String, base64: String) throws {
        guard Self.types.contains(type) else {
            throw RegistrationError.documentRejected(reason: .documentType,
                message: "The document is a driver's licence, My Number card, passport or residence card.")
        }
        guard let signature = Self.signatures[contentType] else {
            throw RegistrationError.documentRejected(reason: .documentFormat, message: "Upload a JPEG or PNG image.")
        }
        // Base64 is 4/3 of the data: refuse an oversize upload before decoding it.
        guard base64.utf8.count <= (Self.maximumBytes / 3 + 1) * 4 else {
            throw RegistrationError.documentRejected(reason: .documentTooLarge, message: "An image is at most 4 MiB.")
        }
        guard let bytes = Data(base64Encoded: base64) else {
            throw RegistrationError.documentRejected(reason: .documentFormat, message: "The image is not valid base64.")
        }
        guard bytes.count <= Self.maximumBytes else {
            throw RegistrationError.documentRejected(reason: .documentTooLarge, message: "An image is at most 4 MiB.")
        }
        guard bytes.count > signature.count, bytes.prefix(signature.count).elementsEqual(signature) else {
            throw RegistrationError.documentRejected(reason: .documentFormatMismatch, message: "The file is not a \(contentType == "image/png" ? "PNG" : "JPEG") image.")
        }
        self.type = type
        self.contentType = contentType
        self.bytes = bytes
    }
}
