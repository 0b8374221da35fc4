import Foundation
import GRDB
import JSONRPC
import MadoguchiModels
import ServiceKit

/// Sets, checks and reports PINs, with lockout until the next midnight in Tokyo. Every
/// check that fails is written (and its lock, if it locks) before it is answered.
struct PINBook: Sendable {
    let database: DatabasePool
    let clock: any ServiceClock
    let hasher: SecretHasher
    let policy: PINPolicy

    func set(
        _ pin: PIN, subject: PINSubject, kind: PINKind, holder: PINHolderFacts, issued: Bool, channel: Channel,
        peer: PeerCredentials
    ) async throws -> PINStatus {
        // A card's phone PIN is chosen on the voice line after the card arrives, never online.
        if kind == .phone, channel != .ivr { throw AuthError.phonePINThroughIVROnly }
        return try await store(pin, subject: subject, kind: kind, holder: holder, issued: issued, peer: peer,
                               event: issued ? "pin_issued" : "pin_set", detail: nil)
    }

    /// Support staff set a new PIN after checking the customer by other means; the
    /// customer must change it. Recorded with who did it and why. A phone PIN is reset by
    /// the call centre, which is open on business days only.
    func reset(
        _ pin: PIN, subject: PINSubject, kind: PINKind, staff: String, reason: String, peer: PeerCredentials
    ) async throws -> PINStatus {
        if kind == .phone {
            let today = CivilDate(containing: clock.now())
            if !JapaneseHolidays.isBusinessDay(today) {
                var next = today.adding(days: 1)
                while !JapaneseHolidays.isBusinessDay(next) { next = next.adding(days: 1) }
                throw AuthError.callCentreClosed(nextBusinessDay: next)
            }
        }
        let detail = try String(decoding: JSONCoding.encoder.encode(["staff": staff, "reason": reason]), as: UTF8.self)
        return try await store(pin, subject: subject, kind: kind, holder: PINHolderFacts(), issued: true, peer: peer,
                               event: "pin_reset", detail: detail)
    }

    private func store(
        _ pin: PIN, subject: PINSubject, kind: PINKind, holder: PINHolderFacts, issued: Bool, peer: PeerCredentials,
        event: String, detail: String?
    ) async throws -> PINStatus {
        let expected = policy.length[kind] ?? 4
        guard pin.digits.count == expected else { throw AuthError.pinWrongLength(expected: expected) }
        // An issued initial PIN (the MVNO's 1234) is taken as issued, and must be changed.
        if !issued, let rule = GuessablePIN.check(pin, kind: kind, holder: holder) { throw AuthError.pinGuessable(rule) }
        let now = clock.now()
        let salt = SecretHasher.makeSalt()
        let record = PINRecord(
            subject: subject.value, kind: kind.rawValue, hash: hasher.hash(pin.digits, salt: salt), salt: salt,
            mustChange: issued, failures: 0, lockedUntil: nil, updatedAt: now)
        try await database.write { db in
            try record.save(db)
            try audit(event, record, peer: peer, at: now, detail: detail, in: db)
        }
        return PINStatus(record, now: now, policy: policy)
    }

    /// Checks `pin`; a correct one resets the failure count, a wrong one counts towards
    /// the lock. While locked even the right PIN is refused.
    func verify(_ pin: PIN, subject: PINSubject, kind: PINKind, peer: PeerCredentials) async throws -> PINStatus {
        let now = clock.now()
        let outcome: Result<PINStatus, AuthError> = try await database.write { db in
            guard var record = try PINRecord.fetchOne(db, key: ["subject": subject.value, "kind": kind.rawValue]) else {
                return .failure(.pinNotSet)
            }
            if let lockedUntil = record.lockedUntil {
                if lockedUntil > now { return .failure(.pinLocked(unlocksAt: lockedUntil)) }
                record.lockedUntil = nil
                record.failures = 0
                try audit("pin_unlocked", record, peer: peer, at: now, in: db)
            }
            if hasher.matches(pin.digits, salt: record.salt, hash: record.hash) {
                record.failures = 0
                record.updatedAt = now
                try record.update(db)
                return .success(PINStatus(record, now: now, policy: policy))
            }
            record.failures += 1
            record.updatedAt = now
            try audit("pin_failure", record, peer: peer, at: now, in: db)
            if record.failures >= policy.maximumFailures {
                let unlocksAt = Lockout.unlockInstant(lockedAt: now)
                record.lockedUntil = unlocksAt
                try record.update(db)
                try audit("pin_locked", record, peer: peer, at: now, in: db)
                return .failure(.pinLocked(unlocksAt: unlocksAt))
            }
            try record.update(db)
            return .failure(.pinIncorrect(attemptsLeft: policy.maximumFailures - record.failures))
        }
        return try outcome.get()
    }

    func status(subject: PINSubject, kind: PINKind) async throws -> PINStatus {
        let now = clock.now()
        let record = try await database.read { db in
            try PINRecord.fetchOne(db, key: ["subject": subject.value, "kind": kind.rawValue])
        }
        guard let record else { return PINStatus(kind: kind) }
        return PINStatus(record, now: now, policy: policy)
    }

    private func audit(
        _ event: String, _ record: PINRecord, peer: PeerCredentials, at now: Date, detail: String? = nil,
        in db: Database
    ) throws {
        let entry = AuditEvent(
            id: nil, at: now, event: event, subject: record.subject, kind: record.kind, peerUID: Int64(peer.uid),
            detail: detail)
        try entry.insert(db)
    }
}

/// What `pin.status` (and a successful set or verify) reports.
public struct PINStatus: Codable, Sendable, Hashable, JSONSchemaDescribing {
    public var kind: PINKind
    public var isSet: Bool
    public var mustChange: Bool
    public var failures: Int
    public var attemptsLeft: Int?
    public var locked: Bool
    /// When a locked PIN opens (ISO 8601, +09:00).
    public var unlocksAt: String?

    init(kind: PINKind) {
        self.kind = kind
        isSet = false
        mustChange = false
        failures = 0
        locked = false
    }

    init(_ record: PINRecord, now: Date, policy: PINPolicy) {
        kind = PINKind(rawValue: record.kind) ?? .network
        isSet = true
        mustChange = record.mustChange
        let lockedUntil = record.lockedUntil.flatMap { $0 > now ? $0 : nil }
        locked = lockedUntil != nil
        failures = lockedUntil == nil && record.lockedUntil != nil ? 0 : record.failures
        attemptsLeft = locked ? 0 : policy.maximumFailures - failures
        unlocksAt = lockedUntil.map(ISO8601.tokyo)
    }

    public static var jsonSchema: JSONSchema {
        .object(
            [
                "kind": .enumeration(PINKind.allCases.map(\.rawValue)), "isSet": .boolean, "mustChange": .boolean,
                "failures": .integer(minimum: 0), "attemptsLeft": .integer(minimum: 0), "locked": .boolean,
                "unlocksAt": .string(format: "date-time"),
            ],
            required: ["kind", "isSet", "mustChange", "failures", "locked"])
    }
}
