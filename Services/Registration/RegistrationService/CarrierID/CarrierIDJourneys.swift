import AuthAPI
import Foundation
import GRDB
import JSONRPC
import MadoguchiModels
import RegistrationAPI
import ServiceKit

/// Carrier ID issuance (DOMAIN §5, first half): e-mail → 6-digit key → ID → details →
/// confirm with the terms → consent to share with linking → issued. Each step is stored,
/// so the journey resumes after a pause or a restart; a journey untouched for
/// `--journey-hours` is gone.
struct CarrierIDJourneys: Sendable {
    let database: DatabasePool
    let clock: any ServiceClock
    let auth: AuthGateway
    let outbox: Outbox
    let links: SecretHasher
    let options: RegistrationOptions

    static let purpose = try! CodePurpose(validating: "carrier-id")

    /// The personal details, stored as JSON with the journey and then the ID.
    struct Details: Codable, Sendable {
        var name: String
        var kana: String
        var gender: Gender
        var birthDate: String
        var contactMobile: String
    }

    private struct Journey {
        var hash: Data
        var email: String
        var step: CarrierIDStep
        var carrierKey: String?
        var carrierId: String?
        var details: String?
        var expiresAt: Date
    }

    private var lifetime: TimeInterval { TimeInterval(options.journeyHours) * 3600 }

    func start(email: EmailAddress) async throws -> CarrierIDJourney {
        let token = RandomToken.make()
        let now = clock.now()
        try await database.write { db in
            try db.execute(sql: "DELETE FROM carrier_journey WHERE expiresAt <= ?", arguments: [now])
            try db.execute(
                sql: "INSERT INTO carrier_journey (journeyHash, email, step, updatedAt, expiresAt) VALUES (?, ?, 'key', ?, ?)",
                arguments: [links.tokenHash(token), email.value, now, now.addingTimeInterval(lifetime)])
        }
        _ = try await auth.call(
            OTPIssue.self, .init(purpose: Self.purpose, destination: try CodeDestination(channel: .mail, to: email.value)))
        return try await status(token)
    }

    func status(_ token: String) async throws -> CarrierIDJourney {
        let journey = try await load(token)
        return view(token, journey)
    }

    func verifyKey(_ token: String, code: String) async throws -> CarrierIDJourney {
        let journey = try await load(token, expecting: .key)
        _ = try await auth.call(
            OTPVerify.self,
            .init(purpose: Self.purpose, destination: try CodeDestination(channel: .mail, to: journey.email), code: code))
        return try await advance(token, journey, to: .chooseId)
    }

    func chooseID(_ token: String, carrierId: String?, useEmail: Bool) async throws -> CarrierIDJourney {
        let journey = try await load(token, expecting: .chooseId)
        guard let text = useEmail ? journey.email : carrierId else {
            throw RPCError.invalidParams("give a carrierId or useEmail: true.", reason: "missing_member", field: "carrierId")
        }
        let chosen: LoginID
        do {
            chosen = try LoginID(validating: text)
        } catch {
            throw RegistrationError.idUnavailable(reason: error.reason, message: error.message)
        }
        let display = HalfWidth.normalize(useEmail ? journey.email : carrierId ?? "")
        let now = clock.now()
        try await database.write { db in
            if try LoginNames.isTaken(chosen.value, at: now, in: db) {
                throw RegistrationError.idUnavailable(reason: LoginNames.takenReason, message: LoginNames.takenMessage)
            }
            try db.execute(
                sql: "UPDATE carrier_journey SET carrierKey = ?, carrierId = ? WHERE journeyHash = ?",
                arguments: [chosen.value, display, journey.hash])
        }
        return try await advance(token, journey, to: .details)
    }

    func details(_ params: CarrierIDDetails.Params) async throws -> CarrierIDJourney {
        let journey = try await load(params.journeyId, expecting: .details)
        guard let key = journey.carrierKey else { throw RegistrationError.journeyStep(expected: CarrierIDStep.chooseId.rawValue) }
        // The password lives in auth, pending until the ID is issued.
        _ = try await auth.call(PasswordSet.self, .init(loginId: try LoginID(validating: key), password: params.password, pending: true))
        let details = Details(
            name: params.name.value, kana: params.kana.value, gender: params.gender, birthDate: params.birthDate.description,
            contactMobile: params.contactMobile.digits)
        let encoded = String(decoding: try JSONCoding.encoder.encode(details), as: UTF8.self)
        try await database.write { db in
            try db.execute(sql: "UPDATE carrier_journey SET details = ? WHERE journeyHash = ?", arguments: [encoded, journey.hash])
        }
        return try await advance(params.journeyId, journey, to: .confirm)
    }

    func confirm(_ token: String, acceptTerms: Bool) async throws -> CarrierIDJourney {
        let journey = try await load(token, expecting: .confirm)
        guard acceptTerms else { throw RegistrationError.termsNotAccepted }
        return try await advance(token, journey, to: .consent)
    }

    /// Records the consent and issues the ID: the pending password becomes usable and the
    /// "issued" e-mail goes out.
    func consent(_ token: String, share: Bool, dontAskAgain: Bool) async throws -> CarrierIDJourney {
        let journey = try await load(token, expecting: .consent)
        guard let key = journey.carrierKey, let carrierId = journey.carrierId, let details = journey.details else {
            throw RegistrationError.journeyStep(expected: CarrierIDStep.details.rawValue)
        }
        do {
            _ = try await auth.call(PasswordActivate.self, .init(loginId: try LoginID(validating: key)))
        } catch let refusal as RPCError where refusal.reason == "password_incorrect" {
            // Nothing pending: activated before a crash that kept the journey here.
        }
        let now = clock.now()
        try await database.write { db in
            try db.execute(
                sql: """
                    INSERT INTO carrier_id (carrierKey, carrierId, email, details, shareWithLinking, dontAskAgain, issuedAt)
                    VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (carrierKey) DO NOTHING
                    """,
                arguments: [key, carrierId, journey.email, details, share, dontAskAgain, now])
            if db.changesCount == 1 {
                try outbox.enqueue(RegistrationMail.carrierIDIssued(to: journey.email, carrierId: carrierId), in: db)
            }
        }
        return try await advance(token, journey, to: .issued)
    }

    func show(session: String) async throws -> CarrierIDProfile {
        let key = try await auth.loginID(of: session)
        // The profile is made inside the read: a `Row` is not Sendable, and returning one
        // would pick GRDB's synchronous read, blocking a thread of the cooperative pool.
        guard
            let profile = try await database.read({ db -> CarrierIDProfile? in
                try Row.fetchOne(db, sql: "SELECT * FROM carrier_id WHERE carrierKey = ?", arguments: [key]).map { row in
                    let details = try JSONCoding.decoder.decode(Details.self, from: Data((row["details"] as String).utf8))
                    return CarrierIDProfile(
                        carrierId: row["carrierId"], email: row["email"], name: details.name, kana: details.kana,
                        gender: details.gender, birthDate: details.birthDate, contactMobile: details.contactMobile,
                        shareWithLinking: row["shareWithLinking"], dontAskAgain: row["dontAskAgain"],
                        issuedAt: ISO8601.tokyo(row["issuedAt"]))
                }
            })
        else { throw RegistrationError.sessionNotApplicable }
        return profile
    }

    private func load(_ token: String, expecting step: CarrierIDStep? = nil) async throws -> Journey {
        let hash = links.tokenHash(token)
        let now = clock.now()
        guard
            let journey = try await database.read({ db -> Journey? in
                try Row.fetchOne(
                    db, sql: "SELECT * FROM carrier_journey WHERE journeyHash = ? AND expiresAt > ?", arguments: [hash, now]
                ).map { row in
                    Journey(
                        hash: hash, email: row["email"], step: CarrierIDStep(rawValue: row["step"]) ?? .key,
                        carrierKey: row["carrierKey"], carrierId: row["carrierId"], details: row["details"],
                        expiresAt: row["expiresAt"])
                }
            })
        else { throw RegistrationError.journeyNotFound }
        if journey.step == .issued, step != nil { throw RegistrationError.journeyNotFound }
        if let step, journey.step != step { throw RegistrationError.journeyStep(expected: journey.step.rawValue) }
        return journey
    }

    /// Moves the journey on and keeps it alive for another lifetime.
    private func advance(_ token: String, _ journey: Journey, to step: CarrierIDStep) async throws -> CarrierIDJourney {
        let now = clock.now()
        try await database.write { db in
            try db.execute(
                sql: "UPDATE carrier_journey SET step = ?, updatedAt = ?, expiresAt = ? WHERE journeyHash = ?",
                arguments: [step.rawValue, now, now.addingTimeInterval(lifetime), journey.hash])
        }
        return try await status(token)
    }

    private func view(_ token: String, _ journey: Journey) -> CarrierIDJourney {
        CarrierIDJourney(
            journeyId: token, step: journey.step, email: journey.email, carrierId: journey.carrierId,
            expiresAt: ISO8601.tokyo(journey.expiresAt))
    }
}
