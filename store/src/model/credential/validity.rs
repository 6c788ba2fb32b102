//! When a visitor or delivery key works: a window, an optional daily or weekly repeat in
//! the community's time zone, and a number of uses.

use chrono::{Datelike, TimeZone, Timelike};
use serde::{Deserialize, Serialize};

use crate::error::{Result, StoreError};

/// The longest window a key may have.
pub const MAX_KEY_WINDOW_MS: i64 = 366 * 24 * 3600 * 1000;
/// The most uses a key may be given (none: unlimited within its window).
pub const MAX_KEY_USES: u32 = 1000;
const MINUTES_PER_DAY: u16 = 24 * 60;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Repeat {
    /// Any time inside the window.
    Never,
    /// Each day, between the day's start and end minutes.
    Daily,
    /// On these weekdays (bit 0 Monday … bit 6 Sunday), between the start and end minutes.
    Weekly { days: u8 },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Validity {
    pub from_ms: i64,
    pub until_ms: i64,
    pub repeat: Repeat,
    /// Minutes after local midnight (repeating keys only); end is exclusive, and an end at
    /// or before the start runs past midnight.
    pub day_start_min: u16,
    pub day_end_min: u16,
    /// `None`: unlimited within the window.
    pub max_uses: Option<u32>,
}

impl Validity {
    /// Checks a new key's validity at `now_ms`.
    pub fn checked(self, now_ms: i64) -> Result<Self> {
        if self.until_ms <= self.from_ms {
            return Err(StoreError::invalid(
                "validity.until",
                "must be after the start of the window",
            ));
        }
        if self.until_ms <= now_ms {
            return Err(StoreError::invalid(
                "validity.until",
                "is already past: a key must be usable at some time to come",
            ));
        }
        if self.until_ms - self.from_ms > MAX_KEY_WINDOW_MS {
            return Err(StoreError::invalid(
                "validity.until",
                "a key's window may be at most a year",
            ));
        }
        if self.repeat != Repeat::Never {
            for (field, m) in [
                ("validity.day_start", self.day_start_min),
                ("validity.day_end", self.day_end_min),
            ] {
                if m >= MINUTES_PER_DAY {
                    return Err(StoreError::invalid(
                        field,
                        "must be a time of day (00:00 to 23:59)",
                    ));
                }
            }
            if self.day_start_min == self.day_end_min {
                return Err(StoreError::invalid(
                    "validity.day_end",
                    "must differ from the start time",
                ));
            }
        }
        if let Repeat::Weekly { days } = self.repeat
            && (days == 0 || days & 0x80 != 0)
        {
            return Err(StoreError::invalid(
                "validity.days",
                "choose at least one weekday",
            ));
        }
        if let Some(n) = self.max_uses
            && !(1..=MAX_KEY_USES).contains(&n)
        {
            return Err(StoreError::invalid(
                "validity.max_uses",
                format!("must be 1 to {MAX_KEY_USES}, or unlimited"),
            ));
        }
        Ok(self)
    }

    /// Whether the key opens at `at_ms` (local time in `tz`) after `uses` uses.
    pub fn allows(&self, at_ms: i64, uses: u32, tz: chrono_tz::Tz) -> bool {
        if at_ms < self.from_ms || at_ms >= self.until_ms {
            return false;
        }
        if self.max_uses.is_some_and(|max| uses >= max) {
            return false;
        }
        let Some(local) = tz.timestamp_millis_opt(at_ms).single() else {
            return false;
        };
        let minute = u16::try_from(local.hour() * 60 + local.minute()).unwrap_or(0);
        let weekday = local.weekday().num_days_from_monday();
        let (start, end) = (self.day_start_min, self.day_end_min);
        // A span past midnight counts for the day it started on.
        let (in_span, started_weekday) = if start < end {
            (minute >= start && minute < end, weekday)
        } else if minute >= start {
            (true, weekday)
        } else {
            (minute < end, (weekday + 6) % 7)
        };
        match self.repeat {
            Repeat::Never => true,
            Repeat::Daily => in_span,
            Repeat::Weekly { days } => in_span && days & (1 << started_weekday) != 0,
        }
    }

    /// Whether no time to come can open: past the window, or every use spent.
    pub fn spent(&self, now_ms: i64, uses: u32) -> bool {
        now_ms >= self.until_ms || self.max_uses.is_some_and(|max| uses >= max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR: i64 = 3_600_000;
    // 2026-12-07 00:00 UTC, a Monday.
    const MONDAY: i64 = 1_796_601_600_000;

    fn key(repeat: Repeat, start: u16, end: u16) -> Validity {
        Validity {
            from_ms: MONDAY,
            until_ms: MONDAY + 14 * 24 * HOUR,
            repeat,
            day_start_min: start,
            day_end_min: end,
            max_uses: Some(3),
        }
    }

    #[test]
    fn a_window_and_its_uses() {
        let k = key(Repeat::Never, 0, 0).checked(MONDAY).unwrap();
        let utc = chrono_tz::UTC;
        assert!(!k.allows(MONDAY - 1, 0, utc));
        assert!(k.allows(MONDAY, 0, utc));
        assert!(k.allows(MONDAY, 2, utc));
        assert!(!k.allows(MONDAY, 3, utc), "three uses spent");
        assert!(!k.allows(k.until_ms, 0, utc));
        assert!(k.spent(k.until_ms, 0) && k.spent(MONDAY, 3) && !k.spent(MONDAY, 2));
    }

    #[test]
    fn weekly_hours_in_the_community_time_zone() {
        // Mondays and Wednesdays, 09:00 to 17:00 in Berlin (UTC+1 in December).
        let k = key(Repeat::Weekly { days: 0b101 }, 9 * 60, 17 * 60);
        let berlin = chrono_tz::Europe::Berlin;
        assert!(!k.allows(MONDAY + 7 * HOUR, 0, berlin), "08:00 Berlin");
        assert!(k.allows(MONDAY + 8 * HOUR, 0, berlin), "09:00 Berlin");
        assert!(!k.allows(MONDAY + 16 * HOUR, 0, berlin), "17:00 Berlin");
        assert!(
            !k.allows(MONDAY + 24 * HOUR + 10 * HOUR, 0, berlin),
            "Tuesday"
        );
        assert!(
            k.allows(MONDAY + 48 * HOUR + 10 * HOUR, 0, berlin),
            "Wednesday"
        );
    }

    #[test]
    fn a_night_span_belongs_to_the_day_it_starts() {
        // Fridays 22:00 to 02:00 UTC.
        let k = key(Repeat::Weekly { days: 1 << 4 }, 22 * 60, 2 * 60);
        let utc = chrono_tz::UTC;
        let friday = MONDAY + 4 * 24 * HOUR;
        assert!(k.allows(friday + 23 * HOUR, 0, utc));
        assert!(k.allows(friday + 25 * HOUR, 0, utc), "01:00 Saturday");
        assert!(
            !k.allows(friday + HOUR, 0, utc),
            "01:00 Friday is Thursday's night"
        );
        let daily = key(Repeat::Daily, 22 * 60, 2 * 60);
        assert!(daily.allows(friday + HOUR, 0, utc));
    }

    #[test]
    fn bad_windows_are_refused() {
        let now = MONDAY;
        let mut past = key(Repeat::Never, 0, 0);
        past.until_ms = now;
        past.from_ms = now - HOUR;
        let mut backwards = key(Repeat::Never, 0, 0);
        backwards.until_ms = backwards.from_ms;
        let mut long = key(Repeat::Never, 0, 0);
        long.until_ms = long.from_ms + MAX_KEY_WINDOW_MS + 1;
        let mut uses = key(Repeat::Never, 0, 0);
        uses.max_uses = Some(0);
        for (v, field) in [
            (past, "validity.until"),
            (backwards, "validity.until"),
            (long, "validity.until"),
            (uses, "validity.max_uses"),
            (key(Repeat::Daily, 600, 600), "validity.day_end"),
            (key(Repeat::Daily, 1440, 60), "validity.day_start"),
            (key(Repeat::Weekly { days: 0 }, 60, 120), "validity.days"),
        ] {
            let err = v.checked(now).unwrap_err();
            assert!(err.to_string().starts_with(field), "{err}");
        }
    }
}
