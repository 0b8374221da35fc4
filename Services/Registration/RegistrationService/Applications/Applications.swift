import AuthAPI
import Foundation
import JSONRPC
import MadoguchiModels
import RegistrationAPI
import ServiceContract
import ServiceKit

/// Online applications (DOMAIN §2): a reception number and a network PIN (in auth) at
/// submit; afterwards the holder, logged in with reception number + phone + PIN, follows
/// the state, re-uploads an identity document when asked and activates the line, while
/// operators move review, shipping and delivery along.
struct Applications: Sendable {
    let store: any ApplicationStore
    let clock: any ServiceClock
    let auth: AuthGateway
    let idempotentCalls: IdempotentCalls

    /// Shipping normally follows approval by 3 days, and by up to a week when review ran long.
    static let usualShippingDays = 3
    static let latestShippingDays = 7

    func submit(_ params: ApplicationSubmit.Params, peer: PeerCredentials) async throws -> ApplicationSubmit.Result {
        guard params.phoneNumber.kind == .mobile else {
            throw RPCError.invalidParams("the applicant's number must be a mobile number.", reason: "not_mobile", field: "phoneNumber")
        }
        let reservation = try mnpReservation(of: params)
        // A repeat of a keyed call answers as the first did, before anything is done.
        let keyed = try params.idempotencyKey.map {
            try idempotentCalls.call(ApplicationSubmit.name, key: $0, params: params, peer: peer)
        }
        if let keyed, let first = try await store.recordedSubmit(keyed, at: clock.now()) { return first }
        let reception = ReceptionNumber.generate()
        // The PIN goes to auth first: a guessable PIN refuses the application before
        // anything is stored.
        _ = try await auth.call(
            PINSet.self,
            .init(
                subject: .application(reception, params.phoneNumber), kind: .network, pin: params.pin,
                birthDate: params.birthDate, phoneNumbers: [params.phoneNumber] + (params.portInNumber.map { [$0] } ?? [])))
        let now = clock.now()
        let submitted = ApplicationSubmit.Result(receptionNumber: reception.value, state: .received)
        return try await store.submit(
            NewApplication(
                receptionNumber: reception.value, phoneNumber: params.phoneNumber.digits, name: params.name.value,
                kana: params.kana.value, birthDate: params.birthDate.description, email: params.email.value,
                portInNumber: params.portInNumber?.digits, mnpReservationNumber: reservation?.number,
                mnpLastValidDay: reservation?.lastValidDay.description, actor: "customer"),
            mail: RegistrationMail.applicationReceived(to: params.email.value, reception: reception.value), keyed: keyed,
            answer: submitted, at: now)
    }

    /// The application a reception session belongs to.
    func reception(ofSession token: String) async throws -> ReceptionNumber {
        let session = try await auth.principal(of: token)
        guard session.method == "reception", let (reception, _) = PINSubject.applicationParts(of: session.principal) else {
            throw RegistrationError.sessionNotApplicable
        }
        return reception
    }

    func view(_ reception: ReceptionNumber) async throws -> ApplicationView {
        guard let application = try await store.application(reception.value) else { throw RegistrationError.applicationNotFound }
        return Self.view(application)
    }

    func uploadDocument(_ params: ApplicationUploadDocument.Params) async throws -> ApplicationView {
        let reception = try await reception(ofSession: params.session)
        let image = try IdentityDocument(type: params.documentType, contentType: params.contentType, base64: params.data)
        return try await move(reception.value, to: .resubmitted, actor: "customer", note: nil) { _, change in
            change.document = image
        }
    }

    /// A port-in's MNP reservation, which must be given with it and still hold today.
    private func mnpReservation(of params: ApplicationSubmit.Params) throws -> MNPReservation? {
        guard params.portInNumber != nil else {
            if params.mnpReservationNumber != nil || params.mnpIssuedOn != nil {
                throw RPCError.invalidParams(
                    "an MNP reservation goes with a port-in (portInNumber).", reason: "mnp_without_port_in",
                    field: "mnpReservationNumber")
            }
            return nil
        }
        guard let number = params.mnpReservationNumber, let issuedOn = params.mnpIssuedOn else {
            throw RPCError.invalidParams(
                "a port-in needs its MNP reservation number and the day it was issued.", reason: "missing_member",
                field: params.mnpReservationNumber == nil ? "mnpReservationNumber" : "mnpIssuedOn")
        }
        let reservation = try MNPReservation(number: number, issuedOn: issuedOn)
        guard reservation.holds(on: CivilDate(containing: clock.now())) else {
            throw RegistrationError.mnpReservationExpired(lastValidDay: reservation.lastValidDay)
        }
        return reservation
    }

    func activate(session: String) async throws -> ApplicationView {
        let reception = try await reception(ofSession: session)
        return try await move(reception.value, to: .activated, actor: "customer", note: nil) { application, change in
            // The number moves only while its MNP reservation holds (15 days from issue).
            if let lastValid = application.mnpLastValidDay, let lastValidDay = try? CivilDate(validating: lastValid),
                CivilDate(containing: change.at) > lastValidDay
            {
                throw RegistrationError.mnpReservationExpired(lastValidDay: lastValidDay)
            }
            // A port-in switches the old line off as the new one comes on.
            if application.portInNumber != nil { change.portedOutAt = change.at }
        }
    }

    func cancel(session: String) async throws -> ApplicationView {
        let reception = try await reception(ofSession: session)
        return try await move(reception.value, to: .cancelled, actor: "customer", note: nil)
    }

    /// An operator's move: review, documents, approval, shipping, delivery, cancellation.
    func advance(_ params: ApplicationAdvance.Params, peer: PeerCredentials) async throws -> ApplicationView {
        let actor = "operator:\(peer.uid)"
        switch params.to {
        case .resubmitted, .activated:
            // Only the holder uploads documents and activates the line.
            let current = try await view(params.receptionNumber).state
            throw RegistrationError.illegalTransition(current: current.rawValue, allowed: [])
        case .shipped:
            guard let tracking = params.trackingNumber?.trimmingCharacters(in: .whitespaces), !tracking.isEmpty,
                tracking.count <= 40
            else {
                throw RPCError.invalidParams("shipping needs a tracking number.", reason: "missing_member", field: "trackingNumber")
            }
            return try await move(params.receptionNumber.value, to: .shipped, actor: actor, note: params.note) { application, change in
                // A new line's number comes from the shipping record; only a port-in keeps
                // the number it brings. The applicant's contact phone is never the line's.
                guard let lineNumber = params.lineNumber?.digits ?? application.portInNumber else {
                    throw RPCError.invalidParams(
                        "shipping a new line needs its line number (only a port-in keeps its own).", reason: "missing_member",
                        field: "lineNumber")
                }
                change.trackingNumber = tracking
                change.lineNumber = lineNumber
            }
        case .approved:
            return try await move(params.receptionNumber.value, to: .approved, actor: actor, note: params.note) { _, change in
                change.approvedAt = change.at
            }
        default:
            return try await move(params.receptionNumber.value, to: params.to, actor: actor, note: params.note)
        }
    }

    /// Moves an application to `target` if its state allows it, with what `extra` adds to
    /// the change, in one transaction holding the application; an illegal move is refused
    /// with the current state.
    private func move(
        _ reception: String, to target: ApplicationState, actor: String, note: String?,
        extra: @escaping @Sendable (StoredApplication, inout ApplicationChange) throws -> Void = { _, _ in }
    ) async throws -> ApplicationView {
        let now = clock.now()
        let trimmedNote = note.map { String($0.prefix(500)) }
        let after = try await store.move(reception) { application in
            guard application.state.next.contains(target) else {
                let allowedFrom = ApplicationState.allCases.filter { $0.next.contains(target) }.map(\.rawValue)
                throw RegistrationError.illegalTransition(current: application.state.rawValue, allowed: allowedFrom)
            }
            var change = ApplicationChange(
                state: target, note: target == .documentsRequested ? trimmedNote : nil,
                event: .init(at: now, state: target, note: trimmedNote), actor: actor, at: now)
            try extra(application, &change)
            let shipment = (target == .shipped ? change.trackingNumber ?? application.trackingNumber : nil).map {
                RegistrationMail.Shipment(trackingNumber: $0, shippedOn: CivilDate(containing: now))
            }
            return (
                change,
                RegistrationMail.applicationUpdate(
                    to: application.email, reception: reception, state: target, note: trimmedNote, shipment: shipment)
            )
        }
        return Self.view(after)
    }

    private static func view(_ application: StoredApplication) -> ApplicationView {
        let approvalDay = application.approvedAt.map { CivilDate(containing: $0) }
        return ApplicationView(
            receptionNumber: application.receptionNumber, state: application.state, phoneNumber: application.phoneNumber,
            portInNumber: application.portInNumber,
            estimatedShipDate: approvalDay?.adding(days: Self.usualShippingDays).description,
            latestShipDate: approvalDay?.adding(days: Self.latestShippingDays).description,
            trackingNumber: application.trackingNumber, lineNumber: application.lineNumber,
            portedOutAt: application.portedOutAt.map(ISO8601.tokyo), note: application.note,
            history: application.history.map { .init(at: ISO8601.tokyo($0.at), state: $0.state.rawValue, note: $0.note) })
    }
}
