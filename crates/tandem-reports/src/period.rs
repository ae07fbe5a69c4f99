//! Report periods: a range of calendar days in the account's time zone, and day or week
//! buckets. The database groups by quarter hour of UTC ([`SLOT_MS`]); since every zone's offset
//! is a whole number of quarter hours, each slot falls inside one local day, and slots are
//! merged into local days and weeks here, DST changes included.

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{Span, Timestamp};

use crate::tally::Tally;

/// The width of the time slots the database groups by (15 minutes).
pub const SLOT_MS: i64 = 15 * 60 * 1000;

/// The longest range a report covers, in days.
pub const MAX_RANGE_DAYS: i32 = 366;

/// Why a range was refused; each names the query field at fault.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RangeError {
    #[error("{field}: not a date (expected YYYY-MM-DD)")]
    InvalidDate { field: &'static str },
    #[error("from: after to")]
    Reversed,
    #[error("to: the range is longer than {MAX_RANGE_DAYS} days")]
    TooLong,
}

impl RangeError {
    /// The query field at fault.
    pub fn field(&self) -> &'static str {
        match self {
            RangeError::InvalidDate { field } => field,
            RangeError::Reversed => "from",
            RangeError::TooLong => "to",
        }
    }
}

/// Looks up an IANA time zone by name (`America/Sao_Paulo`), in the system database or the
/// one bundled with jiff; `None` for an unknown name.
pub fn time_zone(name: &str) -> Option<TimeZone> {
    if name.is_empty() || name.len() > 64 {
        return None;
    }
    TimeZone::get(name).ok()
}

/// Calendar days `from..=to` in a time zone.
#[derive(Clone, Debug, PartialEq)]
pub struct DateRange {
    pub from: Date,
    pub to: Date,
    pub time_zone: TimeZone,
}

impl DateRange {
    /// Reads `from` and `to` (`YYYY-MM-DD`) as days in `time_zone`.
    pub fn parse(from: &str, to: &str, time_zone: TimeZone) -> Result<Self, RangeError> {
        let from: Date = from
            .parse()
            .map_err(|_| RangeError::InvalidDate { field: "from" })?;
        let to: Date = to
            .parse()
            .map_err(|_| RangeError::InvalidDate { field: "to" })?;
        if from > to {
            return Err(RangeError::Reversed);
        }
        let days = from.until(to).map_err(|_| RangeError::TooLong)?.get_days();
        if days >= MAX_RANGE_DAYS {
            return Err(RangeError::TooLong);
        }
        Ok(DateRange {
            from,
            to,
            time_zone,
        })
    }

    /// The first instant of `from`, local time.
    pub fn start(&self) -> Timestamp {
        day_start(self.from, &self.time_zone)
    }

    /// The first instant after `to`, local time.
    pub fn end(&self) -> Timestamp {
        match self.to.tomorrow() {
            Ok(next) => day_start(next, &self.time_zone),
            Err(_) => Timestamp::MAX,
        }
    }
}

fn day_start(date: Date, time_zone: &TimeZone) -> Timestamp {
    date.to_zoned(time_zone.clone())
        .map_or(Timestamp::MAX, |zoned| zoned.timestamp())
}

/// How a trend is cut.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bucket {
    Day,
    /// Weeks starting on Monday.
    Week,
}

impl Bucket {
    /// Reads `day` or `week`.
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "day" => Some(Bucket::Day),
            "week" => Some(Bucket::Week),
            _ => None,
        }
    }

    /// The first day of the bucket holding `date`.
    pub fn start_of(self, date: Date) -> Date {
        match self {
            Bucket::Day => date,
            Bucket::Week => {
                let back = i64::from(date.weekday().to_monday_zero_offset());
                date.checked_sub(Span::new().days(back)).unwrap_or(date)
            }
        }
    }
}

/// Tallies per bucket of the range, every bucket present (empty ones too), oldest first;
/// `slots` are (slot number = opened_at / [`SLOT_MS`], tally) pairs.
pub fn by_bucket(
    range: &DateRange,
    bucket: Bucket,
    slots: impl IntoIterator<Item = (i64, Tally)>,
) -> Vec<(Date, Tally)> {
    let mut buckets: Vec<(Date, Tally)> = Vec::new();
    let mut day = range.from;
    while day <= range.to {
        let start = bucket.start_of(day);
        if buckets.last().is_none_or(|(last, _)| *last != start) {
            buckets.push((start, Tally::default()));
        }
        match day.tomorrow() {
            Ok(next) => day = next,
            Err(_) => break,
        }
    }
    for (slot, tally) in slots {
        let Ok(at) = Timestamp::from_millisecond(slot * SLOT_MS) else {
            continue;
        };
        let start = bucket.start_of(at.to_zoned(range.time_zone.clone()).date());
        if let Ok(index) = buckets.binary_search_by_key(&start, |(date, _)| *date) {
            buckets[index].1 += tally;
        }
    }
    buckets
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zone(name: &str) -> TimeZone {
        TimeZone::get(name).unwrap()
    }

    #[test]
    fn a_range_covers_whole_local_days_across_a_dst_change() {
        // New York springs forward on 2026-03-08: that day has 23 hours.
        let range = DateRange::parse("2026-03-08", "2026-03-08", zone("America/New_York")).unwrap();
        assert_eq!(range.start().to_string(), "2026-03-08T05:00:00Z");
        assert_eq!(range.end().to_string(), "2026-03-09T04:00:00Z");
        let sao_paulo =
            DateRange::parse("2026-11-01", "2026-11-30", zone("America/Sao_Paulo")).unwrap();
        assert_eq!(sao_paulo.start().to_string(), "2026-11-01T03:00:00Z");
        assert_eq!(sao_paulo.end().to_string(), "2026-12-01T03:00:00Z");
    }

    #[test]
    fn zones_are_found_by_iana_name_only() {
        assert!(time_zone("America/Sao_Paulo").is_some());
        assert!(time_zone("UTC").is_some());
        assert!(time_zone("Mars/Olympus_Mons").is_none());
        assert!(time_zone("").is_none());
    }

    #[test]
    fn bad_ranges_name_the_field() {
        let utc = TimeZone::UTC;
        let cases = [
            ("2026-13-01", "2026-12-01", "from"),
            ("2026-01-01", "yesterday", "to"),
            ("2026-02-01", "2026-01-01", "from"),
            ("2025-01-01", "2026-01-02", "to"),
        ];
        for (from, to, field) in cases {
            let error = DateRange::parse(from, to, utc.clone()).unwrap_err();
            assert_eq!(error.field(), field, "{from}..{to}");
        }
        assert!(
            DateRange::parse("2025-01-01", "2026-01-01", utc).is_ok(),
            "366 days"
        );
    }

    #[test]
    fn slots_land_in_their_local_day_and_week() {
        let range = DateRange::parse("2026-10-24", "2026-10-26", zone("Europe/Lisbon")).unwrap();
        let one = Tally {
            conversations: 1,
            ..Tally::default()
        };
        // 2026-10-24T23:30Z is 00:30 on the 25th in Lisbon (summer time, +01:00); Lisbon falls
        // back on the 25th, so 2026-10-25T23:30Z is still the 25th (23:30, +00:00).
        let slot = |rfc: &str| rfc.parse::<Timestamp>().unwrap().as_millisecond() / SLOT_MS;
        let slots = [
            (slot("2026-10-24T22:45:00Z"), one),
            (slot("2026-10-24T23:30:00Z"), one),
            (slot("2026-10-25T23:30:00Z"), one),
            (slot("2026-10-26T00:00:00Z"), one),
        ];
        let days: Vec<(String, i64)> = by_bucket(&range, Bucket::Day, slots)
            .into_iter()
            .map(|(date, tally)| (date.to_string(), tally.conversations))
            .collect();
        assert_eq!(
            days,
            [
                ("2026-10-24".to_owned(), 1),
                ("2026-10-25".to_owned(), 2),
                ("2026-10-26".to_owned(), 1)
            ]
        );
        let weeks: Vec<(String, i64)> = by_bucket(&range, Bucket::Week, slots)
            .into_iter()
            .map(|(date, tally)| (date.to_string(), tally.conversations))
            .collect();
        // Saturday the 24th and Sunday the 25th are in the week of Monday the 19th.
        assert_eq!(
            weeks,
            [("2026-10-19".to_owned(), 3), ("2026-10-26".to_owned(), 1)]
        );
    }
}
