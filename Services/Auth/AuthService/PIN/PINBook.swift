import AuthAPI
import CoreMetrics
import Foundation
import JSONRPC
import Logging
import MadoguchiModels
import ServiceContract
import ServiceKit

/// Sets, checks and reports PINs, with lockout until the next midnight in Tokyo. Every
/// check that fails is written (and its lock, if it locks) before it is answered.
struct PINBook: Sendable {
    let store: any PINStore
    let clock: any ServiceClock
    let hasher: SecretHasher
    let policy: PINPolicy
    let throttle: CallerThrottle
    let frontEnds: FrontEndPolicy
    let idempotentCalls: IdempotentCalls
    let storageFaults: StorageFaults
    /// Wrong PINs the disk refused to record, by `failureKey`; see `PINBook+Unrecorded`.
    let unrecorded: PendingFailures
    /// The checks of one PIN, by `failureKey`, one at a time.
    let turns = TakingTurns<String>()

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
            subject: subject.value, kind: kind, hash: hasher.hash(pin.digits, salt: salt), salt: salt,
            mustChange: issued, failures: 0, lockedUntil: nil, updatedAt: now,
            holderBirthDate: holder.birthDate?.description,
            holderPhones: holder.phoneNumbers.isEmpty ? nil : holder.phoneNumbers.map(\.digits).joined(separator: ","))
        if !issued { try await refuseCardPIN(pin, subject: subject, kind: kind) }
        let entry = auditEntry(event, record, peer: peer, at: now, detail: detail)
        _ = try await store.update(PINKey(subject, kind), keyedCheck: nil) { stored, changes in
            stored = record
            changes.audit.append(entry)
        }
        return PINStatus(record, now: now, policy: policy)
    }

    /// Checks `pin`; a correct one resets the failure count, a wrong one counts towards
    /// the lock. While locked even the right PIN is refused.
    ///
    /// `countingMissing` (a reception login) treats a subject with no PIN as a wrong PIN
    /// in all but the count it cannot make: it is audited and counted against the caller
    /// in a write of its own, so that it costs what a wrong PIN costs.
    ///
    /// Guesses sent all at once are held to the same limits as guesses sent one by one:
    /// the caller's checks in flight count against its limit with its failures
    /// (`CallerThrottle.admitting`), and the checks of one PIN take turns (`TakingTurns`),
    /// each reading what the one before it wrote, so the third wrong one still locks it.
    func verify(
        _ pin: PIN, subject: PINSubject, kind: PINKind, peer: PeerCredentials, origin: String? = nil,
        repeating keyed: IdempotentCalls.Call? = nil, countingMissing: Bool = false
    ) async throws -> PINStatus {
        let caller = try Caller(peer: peer, origin: origin, frontEnds: frontEnds)
        return try await throttle.admitting(caller, now: clock.now()) {
            try await turns.inTurn(Self.failureKey(subject: subject, kind: kind)) {
                try await verifyInTurn(
                    pin, subject: subject, kind: kind, peer: peer, caller: caller, repeating: keyed, countingMissing: countingMissing)
            }
        }
    }

    private func verifyInTurn(
        _ pin: PIN, subject: PINSubject, kind: PINKind, peer: PeerCredentials, caller: Caller,
        repeating keyed: IdempotentCalls.Call?, countingMissing: Bool
    ) async throws -> PINStatus {
        let now = clock.now()
        // A wrong PIN the disk refused is written before this PIN is looked at again; if it
        // still cannot be, the answer is `storage_unavailable`, whatever the PIN.
        try await writeUnrecordedFailures(subject: subject, kind: kind, peer: peer, at: now)
        // The check is made on the record as read (`writeIfUnchanged`). The common case, a
        // right PIN on a line with no failures and no lock, changes nothing: it is answered
        // from that read, which runs beside other reads, rather than a write transaction
        // (one at a time, a disk sync each). Anything else is written against the record
        // as read, if no one wrote it since, else in a transaction that reads it again; a
        // call that must be recorded for its idempotency key always takes the transaction.
        //
        // The read and the caller's check go together: on PostgreSQL each was a round trip
        // (the fleet's count of the caller's failures, then the PIN's row), one after the
        // other most of a check's time (BENCHMARKS.md); the store reads both at once. A
        // caller over its limit is refused whatever the record says.
        let key = PINKey(subject, kind)
        var read: PINRecord?
        if keyed == nil {
            let found = try await store.findForCheck(key, callerFailures: throttle.fleetKey(caller))
            try throttle.checkFleet(caller, now: now, count: found.callerFailures)
            read = found.record
        } else {
            try await throttle.checkFleet(caller, now: now)
        }
        // What each attempt found: the one whose outcome is answered is what is counted
        // and logged; either, if the storage then fails, holds the entry as unrecorded.
        let firstTry = WrongEntrySeen()
        let wrongPIN = WrongEntrySeen()
        let checked: PINUpdate<Result<PINStatus, AuthError>>
        // Whether the write of a wrong entry also counted it against the caller for the fleet.
        var countedForFleet = false
        do {
            if let read, let checkedOnRead = try await writeIfUnchanged(
                pin, key: key, read: read, caller: caller, peer: peer, at: now, wrongPIN: firstTry,
                countingMissing: countingMissing)
            {
                if firstTry.seen { wrongPIN.note() }
                countedForFleet = checkedOnRead.countedForFleet
                checked = .changed(checkedOnRead.outcome)
            } else {
                checked = try await store.update(key, keyedCheck: keyed) { record, changes in
                    let outcome = try check(
                        pin, key: key, record: &record, changes: &changes, peer: peer, at: now, wrongPIN: wrongPIN,
                        countingMissing: countingMissing)
                    if keyed != nil { changes.recordedCheck = RecordedPINCheck(outcome.mapError(\.rpcError)) }
                    return outcome
                }
            }
        } catch {
            let answer = storageFaults.record(error)
            // A wrong PIN the storage did not count: hold it, so that this PIN answers
            // nothing but a refusal until it is written, and count it against the caller now.
            if wrongPIN.seen || firstTry.seen, StorageFaults.mustHoldFailure(after: error) {
                unrecorded.add(Self.failureKey(subject: subject, kind: kind))
                await throttle.recordFailure(caller, at: now)
            }
            throw answer ?? error
        }
        switch checked {
        case .repeated(let first):
            // Answered as the first check was; the caller's failure was counted then.
            return try first.outcome.get()
        case .changed(let outcome):
            Self.count(outcome, kind: kind, wrongPINEntered: wrongPIN.seen)
            if wrongPIN.seen, case .failure(.pinLocked(let unlocksAt)) = outcome {
                // One line per lock, when it is made (not for each refused try after it).
                Self.logger.notice(
                    "PIN locked after \(policy.maximumFailures) wrong entries",
                    metadata: ["subject": "\(subject)", "kind": "\(kind.rawValue)", "unlocks-at": "\(ISO8601.tokyo(unlocksAt))"])
            }
            switch outcome {
            case .failure(.pinIncorrect), .failure(.pinLocked):
                await throttle.recordFailure(caller, at: now, countedForFleet: countedForFleet)
            case .failure(.pinNotSet) where countingMissing: await throttle.recordFailure(caller, at: now)
            default: break
            }
            return try outcome.get()
        }
    }

    /// Counts a committed check: a wrong PIN entered (`madoguchi_pin_failures_total`) and a
    /// lock it made (`madoguchi_pin_locks_total`), by PIN kind. A check refused because the
    /// PIN was already locked enters nothing and is counted by its call's outcome.
    private static func count(_ outcome: Result<PINStatus, AuthError>, kind: PINKind, wrongPINEntered: Bool) {
        guard wrongPINEntered else { return }
        Counter(label: "madoguchi_pin_failures_total", dimensions: [("kind", kind.rawValue)]).increment()
        if case .failure(.pinLocked) = outcome {
            Counter(label: "madoguchi_pin_locks_total", dimensions: [("kind", kind.rawValue)]).increment()
        }
    }

    private static let logger = Logger(label: "madoguchi-auth")

    /// The check of `pin` against the record as the check's first read found it: an
    /// outcome that changes nothing (a right PIN on a line with no failures, a lock still
    /// running) is answered from the read; any other is written only if the row is still
    /// so (`PINStore.replace`: on PostgreSQL one statement where the transaction below
    /// takes five round trips, and holds the row for none of them); nil when another
    /// writer changed the row since, and the check must be made again in the transaction
    /// (which then decides what is counted: a lock another host made in between is that
    /// host's to count and log). A wrong entry is noted before the write,
    /// so that a write the storage refuses is held as unrecorded; so is one whose retry
    /// the storage refuses (it was wrong against the PIN it was made to: fail closed). A
    /// hash made with a key this process lacks may have been re-hashed since the read by
    /// a host that has it: the transaction reads again before that is an answer. A wrong
    /// entry's count against its caller for the fleet goes in the same write where the
    /// store can (on PostgreSQL one commit for both, not two in a row).
    private func writeIfUnchanged(
        _ pin: PIN, key: PINKey, read: PINRecord, caller: Caller, peer: PeerCredentials, at now: Date,
        wrongPIN: WrongEntrySeen, countingMissing: Bool
    ) async throws -> CheckedOnRead? {
        var record: PINRecord? = read
        var changes = PINChanges()
        let outcome: Result<PINStatus, AuthError>
        do {
            outcome = try check(
                pin, key: key, record: &record, changes: &changes, peer: peer, at: now, wrongPIN: wrongPIN,
                countingMissing: countingMissing)
        } catch {
            return nil
        }
        // A check never removes a PIN nor mails; were it ever to, the transaction does it.
        guard let after = record, changes.mail.isEmpty else { return nil }
        if after == read, changes.audit.isEmpty { return CheckedOnRead(outcome: outcome, countedForFleet: false) }
        let failure = wrongPIN.seen ? throttle.fleetFailure(caller, at: now) : nil
        switch try await store.replace(read, with: after, audit: changes.audit, callerFailure: failure) {
        case .notWritten: return nil
        case .written(let counted): return CheckedOnRead(outcome: outcome, countedForFleet: counted)
        }
    }

    /// A check answered on its first read (`writeIfUnchanged`).
    private struct CheckedOnRead {
        var outcome: Result<PINStatus, AuthError>
        /// The caller's failure is already counted for the fleet, in the same write.
        var countedForFleet: Bool
    }

    /// One PIN check on the record as the store holds it: the failure (and the lock it
    /// makes) is written even when the answer is an error, so the error is returned, not
    /// thrown. A right PIN whose hash an older key made is re-hashed under the newest. A
    /// record whose key this process lacks throws `MissingServerKey`: nothing is written.
    private func check(
        _ pin: PIN, key: PINKey, record stored: inout PINRecord?, changes: inout PINChanges, peer: PeerCredentials,
        at now: Date, wrongPIN: WrongEntrySeen, countingMissing: Bool
    ) throws(MissingServerKey) -> Result<PINStatus, AuthError> {
        guard var record = stored else {
            if countingMissing {
                // The work of a wrong PIN: a hash, and a write with its disk sync.
                hasher.spendCheck(pin.digits)
                changes.audit.append(
                    AuditEvent(
                        id: nil, at: now, event: "pin_failure_no_pin", subject: key.subject, kind: key.kind.rawValue,
                        peerUID: Int64(peer.uid), detail: nil))
            }
            return .failure(.pinNotSet)
        }
        defer { stored = record }
        var unlocked = false
        if let lockedUntil = record.lockedUntil {
            if lockedUntil > now { return .failure(.pinLocked(unlocksAt: lockedUntil)) }
            record.lockedUntil = nil
            record.failures = 0
            unlocked = true
            changes.audit.append(auditEntry("pin_unlocked", record, peer: peer, at: now))
        }
        if try hasher.matches(pin.digits, salt: record.salt, hash: record.hash) {
            if record.failures != 0 || unlocked {
                record.failures = 0
                record.updatedAt = now
            }
            if hasher.isStale(record.hash) {
                record.salt = SecretHasher.makeSalt()
                record.hash = hasher.hash(pin.digits, salt: record.salt)
            }
            return .success(PINStatus(record, now: now, policy: policy))
        }
        wrongPIN.note()
        record.failures += 1
        record.updatedAt = now
        changes.audit.append(auditEntry("pin_failure", record, peer: peer, at: now))
        if record.failures >= policy.maximumFailures {
            let unlocksAt = Lockout.unlockInstant(lockedAt: now)
            record.lockedUntil = unlocksAt
            changes.audit.append(auditEntry("pin_locked", record, peer: peer, at: now))
            return .failure(.pinLocked(unlocksAt: unlocksAt))
        }
        return .failure(.pinIncorrect(attemptsLeft: policy.maximumFailures - record.failures))
    }

    /// Changes a PIN with the current one: at once, or (with a change delay) accepted now
    /// and applied by `PendingPINChanges` when due, which then mails `email`. A phone PIN
    /// changes only through the call centre's voice line, on a business day; the current
    /// PIN is not even looked at otherwise.
    func change(
        current: PIN, new pin: PIN, subject: PINSubject, kind: PINKind, holder: PINHolderFacts, email: EmailAddress?,
        channel: Channel, peer: PeerCredentials, origin: String? = nil
    ) async throws -> PINStatus {
        if kind == .phone { try CallCentre.requireVoiceLine(channel, at: clock.now()) }
        _ = try await verify(current, subject: subject, kind: kind, peer: peer, origin: origin)
        let expected = policy.length[kind] ?? 4
        guard pin.digits.count == expected else { throw AuthError.pinWrongLength(expected: expected) }
        let holder = try await facts(holder, subject: subject, kind: kind).including(subject)
        if let rule = GuessablePIN.check(pin, kind: kind, holder: holder) { throw AuthError.pinGuessable(rule) }
        let now = clock.now()
        let salt = SecretHasher.makeSalt()
        let hash = hasher.hash(pin.digits, salt: salt)
        try await refuseCardPIN(pin, subject: subject, kind: kind)
        let update = try await store.update(PINKey(subject, kind), keyedCheck: nil) { stored, changes in
            guard var record = stored else { throw AuthError.pinNotSet }
            record.updatedAt = now
            if policy.changeDelay > 0 {
                record.pendingHash = hash
                record.pendingSalt = salt
                record.pendingDueAt = now.addingTimeInterval(policy.changeDelay)
                record.pendingEmail = email?.value
                changes.audit.append(auditEntry("pin_change_accepted", record, peer: peer, at: now))
            } else {
                record.hash = hash
                record.salt = salt
                record.mustChange = false
                changes.audit.append(auditEntry("pin_changed", record, peer: peer, at: now))
                if let email { changes.mail.append(PINChangeMail.message(to: email.value, kind: kind)) }
            }
            stored = record
            return PINStatus(record, now: now, policy: policy)
        }
        guard case .changed(let status) = update else { throw RPCError.internalError() }
        return status
    }

    /// Applies every pending change that is due, each with its completion mail in the
    /// same transaction; returns how many it applied.
    @discardableResult
    func applyDueChanges() async throws -> Int {
        let now = clock.now()
        var applied = 0
        for key in try await store.dueChanges(at: now, limit: 100) {
            // Each in a transaction of its own, decided on the record as it is held then:
            // another host's job may have applied it since it was listed.
            let update = try await store.update(key, keyedCheck: nil) { stored, changes -> Bool in
                guard var record = stored, let due = record.pendingDueAt, due <= now, let hash = record.pendingHash,
                    let salt = record.pendingSalt
                else { return false }
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
                changes.audit.append(auditEntry("pin_change_applied", record, peer: PeerCredentials(pid: 0, uid: 0, gid: 0), at: now))
                if let email { changes.mail.append(PINChangeMail.message(to: email, kind: key.kind)) }
                stored = record
                return true
            }
            if case .changed(true) = update { applied += 1 }
        }
        return applied
    }

    /// The PIN as stored, with the failures held for it written first: a status that left
    /// them out could say "not locked" of a PIN its held wrong entries lock (lines opens a
    /// session's options on this answer). While they cannot be written, the answer is
    /// `storage_unavailable`, as a check's would be.
    func status(subject: PINSubject, kind: PINKind, peer: PeerCredentials) async throws -> PINStatus {
        let now = clock.now()
        let key = Self.failureKey(subject: subject, kind: kind)
        if unrecorded.count(key) > 0 {
            // In the PIN's turn, as a check writes them: never the same held failures twice.
            try await turns.inTurn(key) { try await writeUnrecordedFailures(subject: subject, kind: kind, peer: peer, at: now) }
        }
        guard let record = try await store.find(PINKey(subject, kind)) else { return PINStatus(kind: kind) }
        return PINStatus(record, now: now, policy: policy)
    }

    /// A phone PIN must differ from the card PIN the service holds for the same card.
    private func refuseCardPIN(_ pin: PIN, subject: PINSubject, kind: PINKind) async throws {
        guard kind == .phone, let card = try await store.find(PINKey(subject, .card)),
            try hasher.matches(pin.digits, salt: card.salt, hash: card.hash)
        else { return }
        throw AuthError.pinGuessable(.sameAsCardPIN)
    }

    /// The holder facts given with the call, completed by those kept with the PIN.
    private func facts(_ given: PINHolderFacts, subject: PINSubject, kind: PINKind) async throws -> PINHolderFacts {
        let record = try await store.find(PINKey(subject, kind))
        var facts = given
        if facts.birthDate == nil, let stored = record?.holderBirthDate { facts.birthDate = try? CivilDate(validating: stored) }
        if facts.phoneNumbers.isEmpty, let stored = record?.holderPhones {
            facts.phoneNumbers = stored.split(separator: ",").compactMap { try? PhoneNumber(validating: String($0)) }
        }
        return facts
    }

    func auditEntry(
        _ event: String, _ record: PINRecord, peer: PeerCredentials, at now: Date, detail: String? = nil
    ) -> AuditEvent {
        AuditEvent(
            id: nil, at: now, event: event, subject: record.subject, kind: record.kind.rawValue, peerUID: Int64(peer.uid),
            detail: detail)
    }
}

/// A keyed `pin.verify`'s answer, right or wrong, as recorded for its repeats.
struct RecordedPINCheck: Codable, Sendable {
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
