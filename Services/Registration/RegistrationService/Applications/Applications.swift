import AuthAPI
import Foundation
import GRDB
import JSONRPC
import MadoguchiModels
import RegistrationAPI
import ServiceKit

/// Online applications (DOMAIN §2): a reception number and a network PIN (in auth) at
/// submit; afterwards the holder, logged in with reception number + phone + PIN, follows
/// the state, re-uploads an identity document when asked and activates the line, while
/// operators move review, shipping and delivery along.
struct Applications: Sendable {
    let database: DatabasePool
    let clock: any ServiceClock
    let auth: AuthGateway
    let outbox: Outbox
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
        if let keyed,
            let first = try await database.read({ db in try idempotentCalls.recorded(ApplicationSubmit.Result.self, for: keyed, in: db) })
        {
            return first
        }
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
        return try await database.write { db in
            // Two repeats racing: the first to get here made the application.
            if let keyed, let first = try idempotentCalls.recorded(ApplicationSubmit.Result.self, for: keyed, in: db) {
                return first
            }
            try db.execute(
                sql: """
                    INSERT INTO application (
                      receptionNumber, phoneNumber, name, kana, birthDate, email, portInNumber, mnpReservationNumber,
                      mnpLastValidDay, state, updatedAt)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'received', ?)
                    """,
                arguments: [
                    reception.value, params.phoneNumber.digits, params.name.value, params.kana.value,
                    params.birthDate.description, params.email.value, params.portInNumber?.digits, reservation?.number,
                    reservation?.lastValidDay.description, now,
                ])
            try record(reception.value, .received, actor: "customer", note: nil, at: now, in: db)
            try outbox.enqueue(RegistrationMail.applicationReceived(to: params.email.value, reception: reception.value), in: db)
            if let keyed { try idempotentCalls.record(submitted, for: keyed, in: db) }
            return submitted
        }
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
        try await database.read { db in try view(reception.value, in: db) }
    }

    func uploadDocument(_ params: ApplicationUploadDocument.Params) async throws -> ApplicationView {
        let reception = try await reception(ofSession: params.session)
        let image = try IdentityDocument(type: params.documentType, contentType: params.contentType, base64: params.data)
        return try await move(reception.value, to: .resubmitted, actor: "customer", note: nil) { db, now in
            try db.execute(
                sql: "INSERT INTO application_document (receptionNumber, documentType, contentType, bytes, uploadedAt) VALUES (?, ?, ?, ?, ?)",
                arguments: [reception.value, image.type, image.contentType, image.bytes, now])
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
        return try await move(reception.value, to: .activated, actor: "customer", note: nil) { db, now in
            // The number moves only while its MNP reservation holds (15 days from issue).
            if let lastValid = try String.fetchOne(
                db, sql: "SELECT mnpLastValidDay FROM application WHERE receptionNumber = ?", arguments: [reception.value]),
                let lastValidDay = try? CivilDate(validating: lastValid), CivilDate(containing: now) > lastValidDay
            {
                throw RegistrationError.mnpReservationExpired(lastValidDay: lastValidDay)
            }
            // A port-in switches the old line off as the new one comes on.
            try db.execute(
                sql: "UPDATE application SET portedOutAt = ? WHERE receptionNumber = ? AND portInNumber IS NOT NULL",
                arguments: [now, reception.value])
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
            return try await move(params.receptionNumber.value, to: .shipped, actor: actor, note: params.note) { db, _ in
                // A new line's number comes from the shipping record; only a port-in keeps
                // the number it brings. The applicant's contact phone is never the line's.
                let portIn = try String.fetchOne(
                    db, sql: "SELECT portInNumber FROM application WHERE receptionNumber = ?",
                    arguments: [params.receptionNumber.value])
                guard params.lineNumber != nil || portIn != nil else {
                    throw RPCError.invalidParams(
                        "shipping a new line needs its line number (only a port-in keeps its own).", reason: "missing_member",
                        field: "lineNumber")
                }
                try db.execute(
                    sql: "UPDATE application SET trackingNumber = ?, lineNumber = COALESCE(?, portInNumber) WHERE receptionNumber = ?",
                    arguments: [tracking, params.lineNumber?.digits, params.receptionNumber.value])
            }
        case .approved:
            return try await move(params.receptionNumber.value, to: .approved, actor: actor, note: params.note) { db, now in
                try db.execute(sql: "UPDATE application SET approvedAt = ? WHERE receptionNumber = ?", arguments: [now, params.receptionNumber.value])
            }
        default:
            return try await move(params.receptionNumber.value, to: params.to, actor: actor, note: params.note)
        }
    }

    /// Moves an application to `target` if its state allows it, with `extra` in the same
    /// transaction; an illegal move is refused with the current state.
    private func move(
        _ reception: String, to target: ApplicationState, actor: String, note: String?,
        extra: @escaping @Sendable (Database, Date) throws -> Void = { _, _ in }
    ) async throws -> ApplicationView {
        let now = clock.now()
        return try await database.write { db in
            guard
                let stateText = try String.fetchOne(
                    db, sql: "SELECT state FROM application WHERE receptionNumber = ?", arguments: [reception]),
                let current = ApplicationState(rawValue: stateText)
            else { throw RegistrationError.applicationNotFound }
            guard current.next.contains(target) else {
                let allowedFrom = ApplicationState.allCases.filter { $0.next.contains(target) }.map(\.rawValue)
                throw RegistrationError.illegalTransition(current: current.rawValue, allowed: allowedFrom)
            }
            let trimmedNote = note.map { String($0.prefix(500)) }
            try db.execute(
                sql: "UPDATE application SET state = ?, note = ?, updatedAt = ? WHERE receptionNumber = ?",
                arguments: [target.rawValue, target == .documentsRequested ? trimmedNote : nil, now, reception])
            try extra(db, now)
            try record(reception, target, actor: actor, note: trimmedNote, at: now, in: db)
            if let row = try Row.fetchOne(
                db, sql: "SELECT email, trackingNumber FROM application WHERE receptionNumber = ?", arguments: [reception]),
                let email = row["email"] as String?
            {
                let shipment = (target == .shipped ? row["trackingNumber"] as String? : nil).map {
                    RegistrationMail.Shipment(trackingNumber: $0, shippedOn: CivilDate(containing: now))
                }
                try outbox.enqueue(
                    RegistrationMail.applicationUpdate(
                        to: email, reception: reception, state: target, note: trimmedNote, shipment: shipment),
                    in: db)
            }
            return try view(reception, in: db)
        }
    }

    private func record(
        _ reception: String, _ state: ApplicationState, actor: String, note: String?, at now: Date, in db: Database
    ) throws {
        try db.execute(
            sql: "INSERT INTO application_event (receptionNumber, at, state, actor, note) VALUES (?, ?, ?, ?, ?)",
            arguments: [reception, now, state.rawValue, actor, note])
    }

    private func view(_ reception: String, in db: Database) throws -> ApplicationView {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM application WHERE receptionNumber = ?", arguments: [reception])
        else { throw RegistrationError.applicationNotFound }
        let events = try Row.fetchAll(
            db, sql: "SELECT at, state, note FROM application_event WHERE receptionNumber = ? ORDER BY id", arguments: [reception]
        ).map { ApplicationView.Event(at: ISO8601.tokyo($0["at"]), state: $0["state"], note: $0["note"]) }
        let approvedAt: Date? = row["approvedAt"]
        let approvalDay = approvedAt.map { CivilDate(containing: $0) }
        return ApplicationView(
            receptionNumber: reception, state: ApplicationState(rawValue: row["state"]) ?? .received,
            phoneNumber: row["phoneNumber"], portInNumber: row["portInNumber"],
            estimatedShipDate: approvalDay?.adding(days: Self.usualShippingDays).description,
            latestShipDate: approvalDay?.adding(days: Self.latestShippingDays).description,
            trackingNumber: row["trackingNumber"], lineNumber: row["lineNumber"],
            portedOutAt: (row["portedOutAt"] as Date?).map(ISO8601.tokyo), note: row["note"], history: events)
    }
}
