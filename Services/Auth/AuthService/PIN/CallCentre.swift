import AuthAPI
import Foundation
import MadoguchiModels

/// The card issuer's call centre, the only place a phone PIN is set, changed or reset:
/// through its voice line (IVR) or its staff, and only on business days (closed
/// Saturdays, Sundays and Japanese public holidays, so at year-end and in Golden Week).
enum CallCentre {
    /// Refuses a phone-PIN request that does not come through the voice line, or comes
    /// while the call centre is closed.
    static func requireVoiceLine(_ channel: Channel, at now: Date) throws(AuthError) {
        // Never online, never by mail: a web front end must not set or change it.
        guard channel == .ivr else { throw AuthError.phonePINThroughIVROnly }
        try requireOpen(at: now)
    }

    /// Refuses when `now` (Japan time) is not a business day, naming the next one.
    static func requireOpen(at now: Date) throws(AuthError) {
        let today = CivilDate(containing: now)
        guard !JapaneseHolidays.isBusinessDay(today) else { return }
        var next = today.adding(days: 1)
        while !JapaneseHolidays.isBusinessDay(next) { next = next.adding(days: 1) }
        throw AuthError.callCentreClosed(nextBusinessDay: next)
    }
}
