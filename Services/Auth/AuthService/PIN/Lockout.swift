import AuthAPI
import Foundation
import MadoguchiModels

/// When a locked PIN opens again: at 00:00 Japan time on the day after it locked.
public enum Lockout {
    /// The instant a PIN locked at `lockedAt` unlocks. Locked at 22:00 it opens two hours
    /// later; at 23:59:59, a second later; at 00:00:01, nearly a day later.
    public static func unlockInstant(lockedAt: Date) -> Date {
        CivilDate(containing: lockedAt).adding(days: 1).startInTokyo
    }
}
