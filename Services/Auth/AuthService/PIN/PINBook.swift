import AuthAPI
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
    let outbox: Outbox
    let throttle: CallerThrottle
    let frontEnds: FrontEndPolicy
    let idempotentCalls: IdempotentCalls
    let storageFaults: StorageFaults
    /// Wrong PINs the disk refused to record, by `failureKey`; see `PINBook+Unrecorded`.
    let unrecorded: PendingFailures

    func set(
        _ pin: PIN, subject: PINSubject, kind: PINKind, holder: PINHolderFacts, issued: Bool, channel: Channel,
        peer: PeerCredentials
    ) async throws -> PINStatus {
        // A card's phone PIN is chosen on the voice line after the card arrives, never online.
        if kind == .phone { try CallCentre.requireVoiceLine(channel, at: clock.now()) }
        return try await store(pin, subject: subject, kind: kind, holder: holder, issued: issued, peer: peer,
                               event: issued ? "pin_issued" : "pin_set", detail: nil)
    }

    /// Support staff set a new PIN after checking the customer by other means; the
    /// customer must change it. Recorded with who did it and why. A phone PIN is reset by
    /// the call centre, which is open on business days only.
    func reset(
        _ pin: PIN, subject: PINSubject, kind: PINKind, staff: String, reason: String, peer: PeerCredentials
    ) async throws -> PINStatus {
        if kind == .phone { try CallCentre.requireOpen(at: clock.now()) }
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
        if !issued, let rule = GuessablePIN.check(pin, kind: kind, holder: holder.including(subject)) {
            throw AuthError.pinGuessable(rule)
        }
        let now = clock.now()
        let salt = SecretHasher.makeSalt()
        let record = PINRecord(
            subject: subject.value, kind: kind.rawValue, hash: hasher.hash(pin.digits, salt: salt), salt: salt,
            mustChange: issued, failures: 0, lockedUntil: nil, updatedAt: now,
            holderBirthDate: holder.birthDate?.description,
            holderPhones: holder.phoneNumbers.isEmpty ? nil : holder.phoneNumbers.map(\.digits).joined(separator: ","))
        try await database.write { db in
            if !issued { try refuseCardPIN(pin, subject: subject, kind: kind, in: db) }
            try record.save(db)
            try audit(event, record, peer: peer, at: now, detail: detail, in: db)
        }
        return PINStatus(record, now: now, policy: policy)
    }

    /// Checks `pin`; a correct one resets the failure count, a wrong one counts towards
    /// the lock. While locked even the right PIN is refused.
    ///
    /// `countingMissing` (a reception login) treats a subject with no PIN as a wrong PIN
    /// in all but the count it cannot make: it is audited and counted against the caller
    /// in a write of its own, so that it costs what a wrong PIN costs.
    func verify(
        _ pin: PIN, subject: PINSubject, kind: PINKind, peer: PeerCredentials, origin: String? = nil,
        repeating keyed: IdempotentCalls.Call? = nil, countingMissing: Bool = false
    ) async throws -> PINStatus {
        let now = clock.now()
        let caller = try Caller(peer: peer, origin: origin, frontEnds: frontEnds)
        try throttle.check(caller, now: now)
        // A wrong PIN the disk refused is written before this PIN is looked at again; if it
        // still cannot be, the answer is `storage_unavailable`, whatever the PIN.
        try await writeUnrecordedFailures(subject: subject, kind: kind, peer: peer, at: now)
        // The common case, a right PIN on a line with no failures and no lock, changes
        // nothing: it is answered from a read, which runs beside other reads, rather than
        // a write transaction (one at a time, a disk sync each). Anything else, and any
        // call that must be recorded for its idempotency key, takes the write below,
        // which reads the record again inside it.
        if keyed == nil,
            let status = try await database.read({ db in
                try rightPINChangingNothing(pin, subject: subject, kind: kind, at: now, in: db)
            })
        {
            return status
        }
        let wrongPIN = WrongPINSeen()
        let checked: Checked
        do {
            checked = try await database.write { db -> Checked in
                if let keyed, let first = try idempotentCalls.recorded(RecordedPINCheck.self, for: keyed, in: db) {
                    return .repeated(first)
                }
                let outcome = try check(
                    pin, subject: subject, kind: kind, peer: peer, at: now, wrongPIN: wrongPIN,
                    countingMissing: countingMissing, in: db)
                if let keyed { try idempotentCalls.record(RecordedPINCheck(outcome.mapError(\.rpcError)), for: keyed, in: db) }
                return .checked(outcome)
            }
        } catch {
            guard let answer = storageFaults.record(error) else { throw error }
            // The disk refused to count a wrong PIN: hold it, so that this PIN answers
            // nothing but `storage_unavailable` until it is written, and count it against
            // the caller now.
            if wrongPIN.seen {
                unrecorded.add(Self.failureKey(subject: subject, kind: kind))
                throttle.recordFailure(caller, at: now)
            }
            throw answer
        }
        switch checked {
        case .repeated(let first):
            // Answered as the first check was; the caller's failure was counted then.
            return try first.outcome.get()
        case .checked(let outcome):
            switch outcome {
            case .failure(.pinIncorrect), .failure(.pinLocked): throttle.recordFailure(caller, at: now)
            case .failure(.pinNotSet) where countingMissing: throttle.recordFailure(caller, at: now)
            default: break
            }
            return try outcome.get()
        }
    }

    /// Compared against when there is no PIN, so that a check of a missing one hashes too.
    private static let decoySalt = Data(count: 32)

    private enum Checked {
        case checked(Result<PINStatus, AuthError>)
        case repeated(RecordedPINCheck)
    }

    /// The status answered for `pin` when it is right and the record has no failures and
    /// no lock (so a check would write nothing); nil otherwise.
    private func rightPINChangingNothing(
        _ pin: PIN, subject: PINSubject, kind: PINKind, at now: Date, in db: Database
    ) throws -> PINStatus? {
        guard let record = try PINRecord.find(subject: subject.value, kind: kind.rawValue, in: db),
            record.failures == 0, record.lockedUntil == nil,
            hasher.matches(pin.digits, salt: record.salt, hash: record.hash)
        else { return nil }
        return PINStatus(record, now: now, policy: policy)
    }

    /// One PIN check inside the caller's transaction: the failure (and the lock it makes)
    /// is written even when the answer is an error, so the error is returned, not thrown.
    private func check(
        _ pin: PIN, subject: PINSubject, kind: PINKind, peer: PeerCredentials, at now: Date, wrongPIN: WrongPINSeen,
        countingMissing: Bool = false, in db: Database
    ) throws -> Result<PINStatus, AuthError> {
        guard var record = try PINRecord.find(subject: subject.value, kind: kind.rawValue, in: db) else {
            if countingMissing {
                // The work of a wrong PIN: a hash, and a write with its disk sync.
                _ = hasher.matches(pin.digits, salt: Self.decoySalt, hash: Self.decoySalt)
                try AuditEvent(
                    id: nil, at: now, event: "pin_failure_no_pin", subject: subject.value, kind: kind.rawValue,
                    peerUID: Int64(peer.uid), detail: nil
                ).insert(db)
            }
            return .failure(.pinNotSet)
        }
        var unlocked = false
        if let lockedUntil = record.lockedUntil {
            if lockedUntil > now { return .failure(.pinLocked(unlocksAt: lockedUntil)) }
            record.lockedUntil = nil
            record.failures = 0
            unlocked = true
            try audit("pin_unlocked", record, peer: peer, at: now, in: db)
        }
        if hasher.matches(pin.digits, salt: record.salt, hash: record.hash) {
            if record.failures != 0 || unlocked {
                record.failures = 0
                record.updatedAt = now
                try record.update(db)
            }
            return .success(PINStatus(record, now: now, policy: policy))
        }
        wrongPIN.note()
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

    /// Changes a PIN with the current one: at once, or (with a change delay) accepted now
    /// and applied by `PendingPINChanges` when due, which then mails `email`. A phone PIN
    /// changes only through the call centre's voice line, on a business day; the current
    /// PIN is not even looked at otherwise.
    func change(
        current: PIN, new pin: PIN, subject: PINSubject, kind: PINKind, holder: PINHolderFacts, email: EmailAddress?,
        channel: Channel, peer: PeerCredentials
    ) async throws -> PINStatus {
        if kind == .phone { try CallCentre.requireVoiceLine(channel, at: clock.now()) }
        _ = try await verify(current, subject: subject, kind: kind, peer: peer)
        let expected = policy.length[kind] ?? 4
        guard pin.digits.count == expected else { throw AuthError.pinWrongLength(expected: expected) }
        let holder = try await facts(holder, subject: subject, kind: kind).including(subject)
        if let rule = GuessablePIN.check(pin, kind: kind, holder: holder) { throw AuthError.pinGuessable(rule) }
        let now = clock.now()
        let salt = SecretHasher.makeSalt()
        let hash = hasher.hash(pin.digits, salt: salt)
        return try await database.write { db in
            guard var record = try PINRecord.find(subject: subject.value, kind: kind.rawValue, in: db) else {
                throw AuthError.pinNotSet
            }
            try refuseCardPIN(pin, subject: subject, kind: kind, in: db)
            record.updatedAt = now
            if policy.changeDelay > 0 {
                record.pendingHash = hash
                record.pendingSalt = salt
                record.pendingDueAt = now.addingTimeInterval(policy.changeDelay)
                record.pendingEmail = email?.value
                try record.update(db)
                try audit("pin_change_accepted", record, peer: peer, at: now, in: db)
            } else {
                record.hash = hash
                record.salt = salt
                record.mustChange = false
                try record.update(db)
                try audit("pin_changed", record, peer: peer, at: now, in: db)
                if let email { try outbox.enqueue(PINChangeMail.message(to: email.value, kind: kind), in: db) }
            }
            return PINStatus(record, now: now, policy: policy)
        }
    }

    /// Applies every pending change that is due, each with its completion mail in the
    /// same transaction; returns how many it applied.
    @discardableResult
    func applyDueChanges() async throws -> Int {
        let now = clock.now()
        return try await database.write { db in
            let due = try PINRecord.filter(Column("pendingDueAt") <= now).fetchAll(db)
            for var record in due {
                guard let hash = record.pendingHash, let salt = record.pendingSalt else { continue }
                record.hash = hash
                record.salt = salt
                record.mustChange = false
                record.failures = 0
                record.lockedUntil = nil
                let email = record.pendingEmail
                record.pendingHash = nil
                record.pendingSalt = nil
                record.pendingDueAt = nil
                record.pendingEmail = nil
                record.updatedAt = now
                try record.update(db)
                try audit("pin_change_applied", record, peer: PeerCredentials(pid: 0, uid: 0, gid: 0), at: now, in: db)
                if let email {
                    try outbox.enqueue(PINChangeMail.message(to: email, kind: PINKind(rawValue: record.kind) ?? .network), in: db)
                }
            }
            return due.count
        }
    }

    func status(subject: PINSubject, kind: PINKind) async throws -> PINStatus {
        let now = clock.now()
        let record = try await database.read { db in
            try PINRecord.find(subject: subject.value, kind: kind.rawValue, in: db)
        }
        guard let record else { return PINStatus(kind: kind) }
        return PINStatus(record, now: now, policy: policy)
    }

    /// A phone PIN must differ from the card PIN the service holds for the same card.
    private func refuseCardPIN(_ pin: PIN, subject: PINSubject, kind: PINKind, in db: Database) throws {
        guard kind == .phone,
            let card = try PINRecord.find(subject: subject.value, kind: PINKind.card.rawValue, in: db),
            hasher.matches(pin.digits, salt: card.salt, hash: card.hash)
        else { return }
        throw AuthError.pinGuessable(.sameAsCardPIN)
    }

    /// The holder facts given with the call, completed by those kept with the PIN.
    private func facts(_ given: PINHolderFacts, subject: PINSubject, kind: PINKind) async throws -> PINHolderFacts {
        let record = try await database.read { db in
            try PINRecord.find(subject: subject.value, kind: kind.rawValue, in: db)
        }
        var facts = given
        if facts.birthDate == nil, let stored = record?.holderBirthDate { facts.birthDate = try? CivilDate(validating: stored) }
        if facts.phoneNumbers.isEmpty, let stored = record?.holderPhones {
            facts.phoneNumbers = stored.split(separator: ",").compactMap { try? PhoneNumber(validating: String($0)) }
        }
        return facts
    }

    func audit(
        _ event: String, _ record: PINRecord, peer: PeerCredentials, at now: Date, detail: String? = nil,
        in db: Database
    ) throws {
        let entry = AuditEvent(
            id: nil, at: now, event: event, subject: record.subject, kind: record.kind, peerUID: Int64(peer.uid),
            detail: detail)
        try entry.insert(db)
    }
}

/// A keyed `pin.verify`'s answer, right or wrong, as recorded for its repeats.
struct RecordedPINCheck: Codable {
    var status: PINStatus?
    var error: RPCError?

    init(_ outcome: Result<PINStatus, RPCError>) {
        switch outcome {
        case .success(let status): self.status = status
        case .failure(let error): self.error = error
        }
    }

    var outcome: Result<PINStatus, RPCError> {
        if let status { return .success(status) }
        return .failure(error ?? RPCError.internalError())
    }
}
