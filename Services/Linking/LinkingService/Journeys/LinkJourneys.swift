import AuthAPI
import Foundation
import JSONRPC
import LinkingAPI
import MadoguchiModels
import ServiceClient
import ServiceContract
import ServiceKit

/// Linking an ISP contract to a carrier ID (DOMAIN §5, second half): details and the ISP
/// address → the mailed 6-digit code → ISP login → 2-step check on the phone on file →
/// linked. Each step is stored, so the journey resumes after a pause or a restart; one
/// untouched for `--journey-hours` is gone.
///
/// An outsider must not learn whether an ISP address exists: for an unknown address the
/// journey is stored and answered the same, no code is sent, and its code step counts
/// tries and expiry itself exactly as auth does for a real code. Both paths ask auth for
/// the session first (a down auth fails them alike), and `LinkingService` holds both
/// answers to the same floor (`EvenAnswers`), so the extra call a known address makes
/// does not show in the time.
struct LinkJourneys: Sendable {
    let store: any LinkingStore
    let clock: any ServiceClock
    let auth: PeerService
    let carriers: CarrierGateway
    let links: LinkBook
    let journeyIDs: SecretHasher
    let options: LinkingOptions

    static let emailPurpose = try! CodePurpose(validating: "isp-link")
    static let phonePurpose = try! CodePurpose(validating: "isp-link-phone")
    /// Auth's one-time codes last 10 minutes; the e-mail step keeps the same clock.
    static let codeLifetime: TimeInterval = 600

    private var lifetime: TimeInterval { TimeInterval(options.journeyHours) * 3600 }

    func start(_ params: LinkStart.Params) async throws -> LinkJourney {
        let carrier = try await carriers.carrier(of: params.session)
        let token = RandomToken.make()
        let now = clock.now()
        if try await store.liveLink(.carrier(carrier.key)) != nil { throw LinkingError.carrierIDAlreadyLinked }
        let contract = try await store.contract(email: params.ispEmail.value)
        let journey = JourneyRow(
            journeyHash: journeyIDs.tokenHash(token), carrierKey: carrier.key, carrierId: carrier.profile.carrierId,
            carrierEmail: carrier.profile.email, enteredName: params.name.value, enteredKana: params.kana.value,
            enteredBirthDate: params.birthDate.description, ispEmail: params.ispEmail.value.lowercased(),
            customerNumber: contract?.customerNumber, step: .emailCode, tries: 0, codeSentAt: now, codeSentBy: nil,
            linkNumber: nil, updatedAt: now, expiresAt: now.addingTimeInterval(lifetime))
        try await store.startJourney(journey, endingExpiredBy: now)
        if let contract {
            do {
                _ = try await auth.call(
                    OTPIssue.self,
                    .init(purpose: Self.emailPurpose, destination: try CodeDestination(channel: .mail, to: contract.email)))
            } catch let refusal as RPCError where refusal.is(CommonReason.tooManyAttempts) {
                // The address had its codes for the hour. Only a contract's address gets
                // codes, so saying so would tell that it is one: the journey is answered
                // as for an unknown address, with no mail this time.
            }
        }
        // The session was checked above: answer from the row just stored.
        return journey.view(journeyId: token, contract: contract, link: nil)
    }

    func status(session: String, journeyId: String) async throws -> LinkJourney {
        let journey = try await load(session: session, journeyId: journeyId)
        return try await view(journeyId, journey)
    }

    func code(_ params: LinkCodeParams) async throws -> LinkJourney {
        var journey = try await load(session: params.session, journeyId: params.journeyId, expecting: .emailCode)
        let now = clock.now()
        guard now < journey.codeSentAt.addingTimeInterval(Self.codeLifetime) else {
            try await end(journey)
            throw LinkingError.codeExpired
        }
        try await takeTry(&journey)
        var matches = false
        if let customerNumber = journey.customerNumber,
            let contract = try await store.contract(customerNumber)
        {
            matches = try await verifies(
                .init(purpose: Self.emailPurpose, destination: try CodeDestination(channel: .mail, to: contract.email), code: params.code))
        }
        guard matches else { throw try await failedTry(journey, LinkingError.codeIncorrect) }
        return try await advance(params.journeyId, &journey, to: .ispLogin)
    }

    func ispLogin(_ params: LinkISPLogin.Params) async throws -> LinkJourney {
        var journey = try await load(session: params.session, journeyId: params.journeyId, expecting: .ispLogin)
        try await takeTry(&journey)
        let contract = try await contract(of: journey)
        var matches = false
        if params.ispEmail.value.lowercased() == contract.email {
            do {
                _ = try await auth.call(
                    PasswordVerify.self,
                    .init(
                        loginId: try LoginID(validating: contract.customerNumber), password: params.password,
                        origin: params.origin, realm: .isp))
                matches = true
            } catch let refusal as RPCError where refusal.is(AuthError.Reason.passwordIncorrect) {}
        }
        guard matches else { throw try await failedTry(journey, LinkingError.ispLoginFailed) }
        // Only the contract's own holder, who has just proved it, learns that it is taken.
        if try await store.liveLink(.contract(contract.customerNumber)) != nil {
            throw LinkingError.ispContractAlreadyLinked
        }
        return try await advance(params.journeyId, &journey, to: .secondFactor)
    }

    func sendSecondFactor(_ params: LinkSecondFactorSend.Params) async throws -> LinkJourney {
        var journey = try await load(session: params.session, journeyId: params.journeyId, expecting: .secondFactor)
        let contract = try await contract(of: journey)
        if params.channel == .sms, contract.phoneKind == .landline { throw LinkingError.landlineTakesVoiceOnly }
        _ = try await auth.call(OTPIssue.self, .init(purpose: Self.phonePurpose, destination: try destination(params.channel, contract)))
        journey.codeSentBy = params.channel
        journey.codeSentAt = clock.now()
        return try await advance(params.journeyId, &journey, to: .secondFactor)
    }

    func verifySecondFactor(_ params: LinkCodeParams, peer: PeerCredentials) async throws -> LinkJourney {
        var journey = try await load(session: params.session, journeyId: params.journeyId, expecting: .secondFactor)
        guard let channel = journey.codeSentBy else { throw LinkingError.journeyStep(expected: "second_factor_send") }
        let contract = try await contract(of: journey)
        // Auth counts the tries of this code (5, then send a new one) and answers for itself.
        _ = try await auth.call(
            OTPVerify.self, .init(purpose: Self.phonePurpose, destination: try destination(channel, contract), code: params.code))
        let now = clock.now()
        let link = try await links.link(journey, contract: contract, at: now, peer: peer)
        journey.step = .linked
        journey.linkNumber = link.linkNumber
        return journey.view(journeyId: params.journeyId, contract: contract, link: link.confirmation(description: contract.description))
    }

    // MARK: - Steps

    /// The caller's journey: the session must be the carrier ID that started it, and
    /// anything else answers like an unknown journey.
    private func load(session: String, journeyId: String, expecting step: LinkStep? = nil) async throws -> JourneyRow {
        let key = try await carriers.loginKey(of: session)
        let now = clock.now()
        guard let (journey, _) = try await journeyIDs.lookUp(journeyId, { try await store.journey($0, at: now) }),
            journey.carrierKey == key
        else {
            throw LinkingError.journeyNotFound
        }
        if step != nil, journey.step == .linked { throw LinkingError.journeyNotFound }
        if let step, journey.step != step { throw LinkingError.journeyStep(expected: journey.step.rawValue) }
        return journey
    }

    private func contract(of journey: JourneyRow) async throws -> ISPContract {
        guard let customerNumber = journey.customerNumber,
            let contract = try await store.contract(customerNumber)
        else { throw LinkingError.journeyNotFound }
        return contract
    }

    /// Checks a one-time code with auth: true when it matches, false for any refusal of
    /// the code itself (the journey counts those).
    private func verifies(_ params: OTPVerify.Params) async throws -> Bool {
        do {
            _ = try await auth.call(OTPVerify.self, params)
            return true
        } catch let refusal as RPCError where refusal.reason?.hasPrefix("code_") == true {
            return false
        }
    }

    /// Counts a try of the journey's step before it is made (one `UPDATE … RETURNING`, so
    /// that tries sent together, or on two hosts, each take one and no more than the
    /// step's tries are ever made); throws `tooManyTries`, ending the journey, once they
    /// are used up — also when an earlier last try could not end it. A try the store does
    /// not count is not made: the store's error is the answer, the right one's too.
    private func takeTry(_ journey: inout JourneyRow) async throws {
        guard let tries = try await store.takeTry(journey.journeyHash) else { throw LinkingError.journeyNotFound }
        journey.tries = tries
        if tries > options.journeyTries {
            try await end(journey)
            throw LinkingError.tooManyTries
        }
    }

    /// A try `takeTry` counted that failed: the journey ends with its last try, else
    /// `refusal` with the tries left.
    private func failedTry(_ journey: JourneyRow, _ refusal: (Int) -> LinkingError) async throws -> LinkingError {
        guard journey.tries < options.journeyTries else {
            try await end(journey)
            return .tooManyTries
        }
        return refusal(options.journeyTries - journey.tries)
    }

    private func end(_ journey: JourneyRow) async throws {
        try await store.endJourney(journey.journeyHash)
    }

    /// Stores the journey at `step` and keeps it alive for another lifetime.
    private func advance(_ journeyId: String, _ journey: inout JourneyRow, to step: LinkStep) async throws -> LinkJourney {
        let now = clock.now()
        let resettingTries = journey.step != step
        if resettingTries { journey.tries = 0 }
        journey.step = step
        journey.updatedAt = now
        journey.expiresAt = now.addingTimeInterval(lifetime)
        try await store.advance(journey, resettingTries: resettingTries)
        return try await view(journeyId, journey)
    }

    private func view(_ journeyId: String, _ journey: JourneyRow) async throws -> LinkJourney {
        var contract: ISPContract?
        if let customerNumber = journey.customerNumber { contract = try await store.contract(customerNumber) }
        var link: LinkRow?
        if let linkNumber = journey.linkNumber { link = try await store.link(number: linkNumber) }
        return journey.view(
            journeyId: journeyId, contract: contract,
            link: contract.flatMap { contract in link.map { $0.confirmation(description: contract.description) } })
    }

    private func destination(_ channel: PhoneChannel, _ contract: ISPContract) throws -> CodeDestination {
        try CodeDestination(channel: channel == .sms ? .sms : .voice, to: contract.phoneNumber)
    }
}
