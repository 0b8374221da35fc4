import AuthAPI
import Foundation
import JSONRPC
import MadoguchiModels
import RegistrationAPI
import ServiceContract
import ServiceKit

/// Carrier ID issuance (DOMAIN §5, first half): e-mail → 6-digit key → ID → details →
/// confirm with the terms → consent to share with linking → issued. Each step is stored,
/// so the journey resumes after a pause or a restart; a journey untouched for
/// `--journey-hours` is gone.
struct CarrierIDJourneys: Sendable {
    let store: any CarrierIDStore
    let clock: any ServiceClock
    let auth: AuthGateway
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

    private var lifetime: TimeInterval { TimeInterval(options.journeyHours) * 3600 }

    func start(email: EmailAddress) async throws -> CarrierIDJourney {
        let token = RandomToken.make()
        let now = clock.now()
        try await store.startJourney(hash: links.tokenHash(token), email: email.value, at: now, expiresAt: now.addingTimeInterval(lifetime))
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
            // A login ID rule (its length, its characters) as the ID's own refusal.
            throw RegistrationError.idUnavailable(reason: .init(rawValue: error.reason) ?? .invalidLoginId, message: error.message)
        }
        let display = HalfWidth.normalize(useEmail ? journey.email : carrierId ?? "")
        let now = clock.now()
        try await store.choose(key: chosen.value, display: display, for: journey.hash, at: now)
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
        try await store.setDetails(encoded, for: journey.hash)
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
        } catch let refusal as RPCError where refusal.is(AuthError.Reason.passwordIncorrect) {
            // Nothing pending: activated before a crash that kept the journey here.
        }
        let now = clock.now()
        try await store.issue(
            IssuedCarrierID(
                key: key, carrierId: carrierId, email: journey.email, details: details, shareWithLinking: share,
                dontAskAgain: dontAskAgain, issuedAt: now),
            mail: RegistrationMail.carrierIDIssued(to: journey.email, carrierId: carrierId))
        return try await advance(token, journey, to: .issued)
    }

    func show(session: String) async throws -> CarrierIDProfile {
        let key = try await auth.loginID(of: session)
        guard let issued = try await store.carrierID(key) else { throw RegistrationError.sessionNotApplicable }
        let details = try JSONCoding.decoder.decode(Details.self, from: Data(issued.details.utf8))
        return CarrierIDProfile(
            carrierId: issued.carrierId, email: issued.email, name: details.name, kana: details.kana, gender: details.gender,
            birthDate: details.birthDate, contactMobile: details.contactMobile, shareWithLinking: issued.shareWithLinking,
            dontAskAgain: issued.dontAskAgain, issuedAt: ISO8601.tokyo(issued.issuedAt))
    }

    private func load(_ token: String, expecting step: CarrierIDStep? = nil) async throws -> CarrierJourney {
        let now = clock.now()
        guard let (journey, _) = try await links.lookUp(token, { try await store.journey($0, at: now) }) else {
            throw RegistrationError.journeyNotFound
        }
        if journey.step == .issued, step != nil { throw RegistrationError.journeyNotFound }
        if let step, journey.step != step { throw RegistrationError.journeyStep(expected: journey.step.rawValue) }
        return journey
    }

    /// Moves the journey on and keeps it alive for another lifetime.
    private func advance(_ token: String, _ journey: CarrierJourney, to step: CarrierIDStep) async throws -> CarrierIDJourney {
        let now = clock.now()
        try await store.advance(journey.hash, to: step, at: now, expiresAt: now.addingTimeInterval(lifetime))
        return try await status(token)
    }

    private func view(_ token: String, _ journey: CarrierJourney) -> CarrierIDJourney {
        CarrierIDJourney(
            journeyId: token, step: journey.step, email: journey.email, carrierId: journey.carrierId,
            expiresAt: ISO8601.tokyo(journey.expiresAt))
    }
}
