//! Business-hours calendars: whether a team is open, open-time arithmetic for SLA deadlines, and
//! the local date and time a bot quotes when it says when the team is back.
//!
//! Shifts are written in local wall-clock time and turned into instants one local date at a
//! time, so daylight-saving changes follow the time zone: a shift starting in a spring-forward
//! gap starts later by the gap ("compatible" disambiguation), a repeated hour counts twice.

use std::collections::{BTreeMap, BTreeSet};
use std::iter;

use jiff::SignedDuration;
use jiff::civil::{Date, DateTime, Time, Weekday};
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};
use tandem_domain::Timestamp;
use tandem_domain::validation::{ValidationError, Validator};

/// Keys of [`CalendarSpec::weekly`], Monday first.
const DAY_KEYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// Minutes in a day: the minute of a "24:00" shift end.
const MINUTES_PER_DAY: u16 = 24 * 60;

/// How many local dates are scanned when looking for the next opening or closing.
const SEARCH_DAYS: usize = 400;

/// A calendar as written by people (JSON): validated into a [`Calendar`] by [`CalendarSpec::parse`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CalendarSpec {
    /// IANA time zone name, e.g. "America/Sao_Paulo".
    pub time_zone: String,
    /// Shifts per day ("mon".."sun"), each `["08:00", "12:00"]`; "24:00" ends at midnight.
    #[serde(default)]
    pub weekly: BTreeMap<String, Vec<[String; 2]>>,
    /// Local dates ("2026-12-25") closed all day.
    #[serde(default)]
    pub holidays: Vec<String>,
}

impl CalendarSpec {
    /// Validates the spec, reporting every problem under `field` (e.g. `field.weekly.mon[1]`).
    pub fn parse(&self, field: &str) -> Result<Calendar, ValidationError> {
        let mut validator = Validator::new();
        let time_zone = TimeZone::get(&self.time_zone)
            .ok()
            .filter(|zone| zone.iana_name().is_some())
            .unwrap_or_else(|| {
                validator.reject(
                    &format!("{field}.time_zone"),
                    "unknown_time_zone",
                    format!("\"{}\" is not an IANA time zone name", self.time_zone),
                );
                // A placeholder only: the rejection above makes `finish` fail.
                TimeZone::UTC
            });
        let mut weekly: [Vec<Shift>; 7] = Default::default();
        for (day, shifts) in &self.weekly {
            let path = format!("{field}.weekly.{day}");
            match DAY_KEYS.iter().position(|key| key == day) {
                Some(index) => weekly[index] = parse_shifts(&mut validator, &path, shifts),
                None => validator.reject(
                    &path,
                    "unknown_day",
                    "must be one of mon, tue, wed, thu, fri, sat, sun",
                ),
            }
        }
        let mut holidays = BTreeSet::new();
        for (index, holiday) in self.holidays.iter().enumerate() {
            match parse_date(holiday) {
                Some(date) => {
                    holidays.insert(date);
                }
                None => validator.reject(
                    &format!("{field}.holidays[{index}]"),
                    "invalid_date",
                    "must be a date written YYYY-MM-DD",
                ),
            }
        }
        validator.finish()?;
        Ok(Calendar {
            time_zone,
            weekly,
            holidays,
        })
    }
}

/// Checks one day's shifts and returns them sorted by start.
fn parse_shifts(validator: &mut Validator, path: &str, shifts: &[[String; 2]]) -> Vec<Shift> {
    let mut valid = Vec::with_capacity(shifts.len());
    for (index, [start, end]) in shifts.iter().enumerate() {
        let path = format!("{path}[{index}]");
        match (parse_time(start), parse_time(end)) {
            (Some(start), Some(end)) if start < end => valid.push((index, Shift { start, end })),
            (Some(_), Some(_)) => {
                validator.reject(&path, "empty_shift", "must end after it starts")
            }
            _ => validator.reject(
                &path,
                "invalid_time",
                "times must be written HH:MM, from 00:00 to 24:00",
            ),
        }
    }
    valid.sort_by_key(|&(_, shift)| shift);
    let mut latest_end = 0;
    for &(index, shift) in &valid {
        if shift.start < latest_end {
            validator.reject(
                &format!("{path}[{index}]"),
                "overlapping_shifts",
                "overlaps another shift of the same day",
            );
        }
        latest_end = latest_end.max(shift.end);
    }
    valid.into_iter().map(|(_, shift)| shift).collect()
}

/// Minutes since midnight of an "HH:MM" time from "00:00" to "24:00".
fn parse_time(text: &str) -> Option<u16> {
    let (hours, minutes) = text.split_once(':')?;
    let is_two_digits = |part: &str| part.len() == 2 && part.bytes().all(|b| b.is_ascii_digit());
    if !is_two_digits(hours) || !is_two_digits(minutes) {
        return None;
    }
    let (hours, minutes): (u16, u16) = (hours.parse().ok()?, minutes.parse().ok()?);
    let minute = hours * 60 + minutes;
    (minutes < 60 && minute <= MINUTES_PER_DAY).then_some(minute)
}

/// A "YYYY-MM-DD" date (jiff alone would also accept other ISO 8601 shapes).
fn parse_date(text: &str) -> Option<Date> {
    let is_shaped = text.len() == 10
        && text
            .bytes()
            .enumerate()
            .all(|(position, byte)| match position {
                4 | 7 => byte == b'-',
                _ => byte.is_ascii_digit(),
            });
    is_shaped.then(|| text.parse().ok()).flatten()
}

/// Writes minutes since midnight as "HH:MM" (1440 is "24:00").
fn format_time(minute: u16) -> String {
    format!("{:02}:{:02}", minute / 60, minute % 60)
}

/// A validated business-hours calendar: weekly shifts and holidays in one time zone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Calendar {
    time_zone: TimeZone,
    /// Shifts per weekday, Monday first, each day sorted and free of overlaps.
    weekly: [Vec<Shift>; 7],
    holidays: BTreeSet<Date>,
}

/// One shift of a weekday, in minutes since local midnight; `start < end <= 1440`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Shift {
    start: u16,
    end: u16,
}

/// Open time between two instants, `start < end`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Period {
    start: Timestamp,
    end: Timestamp,
}

impl Calendar {
    /// A calendar open at every instant, in UTC: for teams without business hours.
    pub fn always_open() -> Calendar {
        let whole_day = Shift {
            start: 0,
            end: MINUTES_PER_DAY,
        };
        Calendar {
            time_zone: TimeZone::UTC,
            weekly: std::array::from_fn(|_| vec![whole_day]),
            holidays: BTreeSet::new(),
        }
    }

    /// The normalised spec of this calendar (shifts and holidays sorted): parses back to it.
    pub fn spec(&self) -> CalendarSpec {
        let weekly = DAY_KEYS
            .iter()
            .zip(&self.weekly)
            .filter(|(_, shifts)| !shifts.is_empty())
            .map(|(day, shifts)| {
                let shifts = shifts
                    .iter()
                    .map(|shift| [format_time(shift.start), format_time(shift.end)])
                    .collect();
                ((*day).to_owned(), shifts)
            })
            .collect();
        CalendarSpec {
            // Never empty: `parse` only accepts named zones and `always_open` uses UTC.
            time_zone: self.time_zone.iana_name().unwrap_or_default().to_owned(),
            weekly,
            holidays: self.holidays.iter().map(Date::to_string).collect(),
        }
    }

    /// The calendar's time zone.
    pub fn time_zone(&self) -> &TimeZone {
        &self.time_zone
    }

    /// The local wall-clock date and time at `at`.
    pub fn local(&self, at: Timestamp) -> DateTime {
        self.time_zone.to_datetime(at)
    }

    /// The local date at `at`.
    pub fn today(&self, at: Timestamp) -> Date {
        self.local(at).date()
    }

    /// Whether the calendar is open at `at`.
    pub fn is_open(&self, at: Timestamp) -> bool {
        self.first_period_ending_after(at, 2)
            .is_some_and(|period| period.start <= at)
    }

    /// `at` when open, else the next instant the calendar opens; `None` if it does not open
    /// within about 400 days.
    pub fn next_opening(&self, at: Timestamp) -> Option<Timestamp> {
        self.first_period_ending_after(at, SEARCH_DAYS)
            .map(|period| period.start.max(at))
    }

    /// When the open period containing `at` ends (contiguous shifts count as one period);
    /// `None` when closed. A period lasting beyond the 400-day search ends at its limit.
    pub fn closes_at(&self, at: Timestamp) -> Option<Timestamp> {
        let mut periods = self
            .periods(self.dates_from(at).take(SEARCH_DAYS))
            .skip_while(|period| period.end <= at);
        let mut end = periods.next().filter(|period| period.start <= at)?.end;
        for period in periods {
            if period.start != end {
                break;
            }
            end = period.end;
        }
        Some(end)
    }

    /// The instant at which `duration` of open time has passed since `start` (a zero or negative
    /// duration gives [`Calendar::next_opening`]); `None` if the calendar never opens.
    pub fn add_open_time(&self, start: Timestamp, duration: SignedDuration) -> Option<Timestamp> {
        if self.weekly.iter().all(Vec::is_empty) {
            return None;
        }
        let mut remaining = duration.max(SignedDuration::ZERO);
        for period in self.periods(self.dates_from(start)) {
            if period.end <= start {
                continue;
            }
            let from = period.start.max(start);
            let available = period.end.duration_since(from);
            if remaining <= available {
                return from.checked_add(remaining).ok();
            }
            remaining -= available;
        }
        None
    }

    /// Open time within `[from, to)`; zero when `to <= from`.
    pub fn open_time_between(&self, from: Timestamp, to: Timestamp) -> SignedDuration {
        if to <= from {
            return SignedDuration::ZERO;
        }
        let last = self.today(to);
        self.periods(self.dates_from(from).take_while(|date| *date <= last))
            .map(|period| {
                let (start, end) = (period.start.max(from), period.end.min(to));
                if start < end {
                    end.duration_since(start)
                } else {
                    SignedDuration::ZERO
                }
            })
            .sum()
    }

    /// The first open period ending after `at`, among the periods of `days` local dates.
    fn first_period_ending_after(&self, at: Timestamp, days: usize) -> Option<Period> {
        self.periods(self.dates_from(at).take(days))
            .find(|period| period.end > at)
    }

    /// Local dates from the day before `at`'s own (a margin for DST edges) onwards.
    fn dates_from(&self, at: Timestamp) -> impl Iterator<Item = Date> + use<> {
        let today = self.today(at);
        iter::successors(today.yesterday().ok().or(Some(today)), |date| {
            date.tomorrow().ok()
        })
    }

    /// The open periods of consecutive local dates, in order and disjoint (periods of adjacent
    /// dates may touch).
    fn periods(&self, dates: impl Iterator<Item = Date>) -> impl Iterator<Item = Period> {
        dates.map_while(|date| self.day_periods(date)).flatten()
    }

    /// The open periods of one local date, sorted and merged; `None` beyond jiff's range.
    fn day_periods(&self, date: Date) -> Option<Vec<Period>> {
        let shifts = &self.weekly[weekday_index(date.weekday())];
        if shifts.is_empty() || self.holidays.contains(&date) {
            return Some(Vec::new());
        }
        // Clamped to the day's own span, so DST oddities never make two dates overlap.
        let day_start = self.instant(date, 0)?;
        let day_end = self.instant(date, MINUTES_PER_DAY)?;
        let mut bounds = shifts
            .iter()
            .map(|shift| {
                let start = self.instant(date, shift.start)?;
                let end = self.instant(date, shift.end)?;
                Some((
                    start.clamp(day_start, day_end),
                    end.clamp(day_start, day_end),
                ))
            })
            .collect::<Option<Vec<_>>>()?;
        // Gap times move forward by the gap, which can reorder shifts near a DST change.
        bounds.sort();
        let mut periods: Vec<Period> = Vec::with_capacity(bounds.len());
        for (start, end) in bounds {
            match periods.last_mut() {
                Some(last) if start <= last.end => last.end = last.end.max(end),
                _ if start < end => periods.push(Period { start, end }),
                _ => {}
            }
        }
        Some(periods)
    }

    /// The instant of local wall-clock `minute` (up to 1440, the next midnight) on `date`.
    fn instant(&self, date: Date, minute: u16) -> Option<Timestamp> {
        let civil = date
            .to_datetime(Time::midnight())
            .checked_add(SignedDuration::from_mins(i64::from(minute)))
            .ok()?;
        self.time_zone
            .to_ambiguous_timestamp(civil)
            .compatible()
            .ok()
    }
}

/// Index of `weekday` in [`DAY_KEYS`] and [`Calendar::weekly`].
fn weekday_index(weekday: Weekday) -> usize {
    match weekday {
        Weekday::Monday => 0,
        Weekday::Tuesday => 1,
        Weekday::Wednesday => 2,
        Weekday::Thursday => 3,
        Weekday::Friday => 4,
        Weekday::Saturday => 5,
        Weekday::Sunday => 6,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn calendar(json: &str) -> Calendar {
        serde_json::from_str::<CalendarSpec>(json)
            .unwrap()
            .parse("business_hours")
            .unwrap()
    }

    /// Split shifts on weekdays, a Saturday morning and Christmas off, in São Paulo.
    fn office() -> Calendar {
        let day = r#"[["08:00","12:00"],["13:00","18:00"]]"#;
        calendar(&format!(
            r#"{{"time_zone":"America/Sao_Paulo",
                "weekly":{{"mon":{day},"tue":{day},"wed":{day},"thu":{day},"fri":{day},
                           "sat":[["09:00","13:00"]]}},
                "holidays":["2026-12-25"]}}"#
        ))
    }

    /// 08:00–18:00 Monday to Friday in `zone`; Carnival Monday (2026-02-16) off.
    fn weekdays(zone: &str) -> Calendar {
        let day = r#"[["08:00","18:00"]]"#;
        calendar(&format!(
            r#"{{"time_zone":"{zone}",
                "weekly":{{"mon":{day},"tue":{day},"wed":{day},"thu":{day},"fri":{day}}},
                "holidays":["2026-02-16"]}}"#
        ))
    }

    /// The instant of a local wall-clock time such as "2026-03-06T17:30" in the calendar's zone.
    fn at(calendar: &Calendar, local: &str) -> Timestamp {
        local
            .parse::<DateTime>()
            .unwrap()
            .to_zoned(calendar.time_zone().clone())
            .unwrap()
            .timestamp()
    }

    fn utc(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    /// The local time of `instant`, with its weekday, e.g. "Mon 2026-03-09T08:30".
    fn local(calendar: &Calendar, instant: Timestamp) -> String {
        calendar
            .local(instant)
            .strftime("%a %Y-%m-%dT%H:%M")
            .to_string()
    }

    fn hours(hours: i64) -> SignedDuration {
        SignedDuration::from_hours(hours)
    }

    fn mins(minutes: i64) -> SignedDuration {
        SignedDuration::from_mins(minutes)
    }

    #[test]
    fn open_during_shifts_closed_at_lunch_weekends_and_holidays() {
        let office = office();
        for (local_time, open) in [
            ("2026-03-02T07:59", false), // Monday, before opening
            ("2026-03-02T08:00", true),
            ("2026-03-02T11:59", true),
            ("2026-03-02T12:00", false), // lunch break
            ("2026-03-02T12:59", false),
            ("2026-03-02T13:00", true),
            ("2026-03-02T17:59", true),
            ("2026-03-02T18:00", false),
            ("2026-03-07T09:00", true), // Saturday morning
            ("2026-03-07T13:00", false),
            ("2026-03-08T10:00", false), // Sunday
            ("2026-12-24T10:00", true),
            ("2026-12-25T10:00", false), // Christmas, a Friday
        ] {
            assert_eq!(
                office.is_open(at(&office, local_time)),
                open,
                "{local_time}"
            );
        }
    }

    #[test]
    fn closes_at_is_the_end_of_the_current_period() {
        let office = office();
        for (local_time, closes) in [
            ("2026-03-02T08:00", Some("Mon 2026-03-02T12:00")),
            ("2026-03-02T13:30", Some("Mon 2026-03-02T18:00")),
            ("2026-03-07T12:59", Some("Sat 2026-03-07T13:00")),
            ("2026-03-02T12:30", None),
            ("2026-03-02T18:00", None),
            ("2026-03-08T10:00", None),
        ] {
            let closes_at = office.closes_at(at(&office, local_time));
            assert_eq!(
                closes_at.map(|instant| local(&office, instant)).as_deref(),
                closes,
                "{local_time}"
            );
        }
    }

    #[test]
    fn shifts_meeting_at_midnight_form_one_period() {
        let nights = calendar(
            r#"{"time_zone":"America/Sao_Paulo",
                "weekly":{"mon":[["20:00","24:00"]],"tue":[["00:00","02:00"],["08:00","10:00"]]}}"#,
        );
        let local_at = |text| at(&nights, text);
        assert!(nights.is_open(local_at("2026-03-02T23:59")));
        assert!(nights.is_open(local_at("2026-03-03T00:00")));
        assert!(!nights.is_open(local_at("2026-03-03T02:00")));
        for (from, closes) in [
            ("2026-03-02T21:00", "Tue 2026-03-03T02:00"),
            ("2026-03-03T01:00", "Tue 2026-03-03T02:00"),
            ("2026-03-03T09:00", "Tue 2026-03-03T10:00"),
        ] {
            let closes_at = nights.closes_at(local_at(from)).unwrap();
            assert_eq!(local(&nights, closes_at), closes, "{from}");
        }
        assert_eq!(
            nights.next_opening(local_at("2026-03-03T02:00")),
            Some(local_at("2026-03-03T08:00"))
        );
        assert_eq!(
            nights.add_open_time(local_at("2026-03-02T23:00"), hours(2)),
            Some(local_at("2026-03-03T01:00"))
        );
        assert_eq!(
            nights.open_time_between(local_at("2026-03-02T20:00"), local_at("2026-03-03T10:00")),
            hours(8)
        );
    }

    #[test]
    fn next_opening_finds_the_next_shift() {
        let (weekdays, office) = (weekdays("America/Sao_Paulo"), office());
        for (calendar, from, opens) in [
            (&weekdays, "2026-03-04T10:00", "Wed 2026-03-04T10:00"), // open: now
            (&weekdays, "2026-03-04T07:00", "Wed 2026-03-04T08:00"),
            (&weekdays, "2026-03-06T19:00", "Mon 2026-03-09T08:00"), // Friday evening
            (&weekdays, "2026-03-07T12:00", "Mon 2026-03-09T08:00"),
            (&weekdays, "2026-02-13T19:00", "Tue 2026-02-17T08:00"), // holiday Monday
            (&office, "2026-03-02T12:15", "Mon 2026-03-02T13:00"),   // lunch break
            (&office, "2026-12-24T19:00", "Sat 2026-12-26T09:00"),   // Christmas
        ] {
            let opening = calendar.next_opening(at(calendar, from)).unwrap();
            assert_eq!(local(calendar, opening), opens, "{from}");
        }
    }

    #[test]
    fn holidays_only_delay_the_next_opening() {
        let sundays = calendar(
            r#"{"time_zone":"UTC","weekly":{"sun":[["10:00","11:00"]]},
                "holidays":["2026-03-08","2026-03-15"]}"#,
        );
        assert_eq!(
            sundays.next_opening(utc("2026-03-06T12:00Z")),
            Some(utc("2026-03-22T10:00Z"))
        );
    }

    #[test]
    fn a_calendar_without_shifts_never_opens() {
        let never = calendar(r#"{"time_zone":"UTC","weekly":{"sun":[]}}"#);
        let now = utc("2026-03-06T12:00Z");
        assert!(!never.is_open(now));
        assert_eq!(never.next_opening(now), None);
        assert_eq!(never.closes_at(now), None);
        assert_eq!(never.add_open_time(now, SignedDuration::ZERO), None);
        assert_eq!(never.add_open_time(now, hours(1)), None);
        assert_eq!(
            never.open_time_between(now, utc("2036-03-06T12:00Z")),
            SignedDuration::ZERO
        );
    }

    #[test]
    fn add_open_time_counts_only_open_time() {
        let weekdays = weekdays("America/Sao_Paulo");
        for (start, duration, due) in [
            // Friday evening; then exactly at closing time
            ("2026-03-06T17:30", mins(60), "Mon 2026-03-09T08:30"),
            ("2026-03-06T17:00", mins(60), "Fri 2026-03-06T18:00"),
            // Starting while closed
            ("2026-03-07T10:00", mins(60), "Mon 2026-03-09T09:00"),
            // Zero (or negative) duration: the next opening
            ("2026-03-04T10:00", mins(0), "Wed 2026-03-04T10:00"),
            ("2026-03-07T10:00", mins(0), "Mon 2026-03-09T08:00"),
            ("2026-03-07T10:00", mins(-30), "Mon 2026-03-09T08:00"),
            // A whole week of open time, and one hour more
            ("2026-03-02T08:00", hours(50), "Fri 2026-03-06T18:00"),
            ("2026-03-02T08:00", hours(51), "Mon 2026-03-09T09:00"),
            // Over a holiday Monday
            ("2026-02-13T17:30", mins(60), "Tue 2026-02-17T08:30"),
        ] {
            let deadline = weekdays.add_open_time(at(&weekdays, start), duration);
            assert_eq!(
                local(&weekdays, deadline.unwrap()),
                due,
                "{start} + {duration}"
            );
        }
        let office = office();
        for (start, duration, due) in [
            // Over the lunch break; through Saturday's shift into Monday
            ("2026-03-02T11:30", mins(60), "Mon 2026-03-02T13:30"),
            ("2026-03-07T12:00", hours(2), "Mon 2026-03-09T09:00"),
        ] {
            let deadline = office.add_open_time(at(&office, start), duration);
            assert_eq!(
                local(&office, deadline.unwrap()),
                due,
                "{start} + {duration}"
            );
        }
    }

    #[test]
    fn open_time_between_counts_only_open_time() {
        let office = office();
        for (from, to, open) in [
            ("2026-03-02T07:00", "2026-03-02T13:30", mins(270)),
            ("2026-03-02T00:00", "2026-03-09T00:00", hours(49)), // 5 × 9 h + Saturday's 4 h
            ("2026-12-21T00:00", "2026-12-28T00:00", hours(40)), // Christmas week
            ("2026-03-02T12:00", "2026-03-02T13:00", SignedDuration::ZERO),
            ("2026-03-02T10:00", "2026-03-02T10:00", SignedDuration::ZERO),
            ("2026-03-02T11:00", "2026-03-02T10:00", SignedDuration::ZERO), // reversed
        ] {
            assert_eq!(
                office.open_time_between(at(&office, from), at(&office, to)),
                open,
                "{from} .. {to}"
            );
        }
    }

    #[test]
    fn sao_paulo_has_no_daylight_saving() {
        let weekdays = weekdays("America/Sao_Paulo");
        for date in ["2026-01-05", "2026-03-09", "2026-07-06", "2026-11-02"] {
            let opening = at(&weekdays, &format!("{date}T08:00"));
            assert_eq!(opening, utc(&format!("{date}T11:00Z")), "{date}");
            assert!(weekdays.is_open(opening));
        }
    }

    #[test]
    fn new_york_hours_follow_daylight_saving() {
        let new_york = weekdays("America/New_York");
        // 08:00 is 13:00 UTC in standard time, 12:00 UTC after the spring-forward Sunday.
        assert!(new_york.is_open(utc("2026-03-06T13:00Z")));
        assert!(!new_york.is_open(utc("2026-03-06T12:59Z")));
        assert!(new_york.is_open(utc("2026-03-09T12:00Z")));
        assert!(!new_york.is_open(utc("2026-03-09T11:59Z")));
        assert_eq!(
            new_york.next_opening(at(&new_york, "2026-03-06T18:30")),
            Some(utc("2026-03-09T12:00Z"))
        );
        for (start, due_local, due_utc) in [
            (
                "2026-03-06T17:30",
                "Mon 2026-03-09T08:30",
                "2026-03-09T12:30Z",
            ),
            (
                "2026-10-30T17:30",
                "Mon 2026-11-02T08:30",
                "2026-11-02T13:30Z",
            ),
        ] {
            let start = at(&new_york, start);
            let due = new_york.add_open_time(start, hours(1)).unwrap();
            assert_eq!(
                (local(&new_york, due).as_str(), due),
                (due_local, utc(due_utc))
            );
            assert_eq!(new_york.open_time_between(start, due), hours(1));
        }
    }

    #[test]
    fn new_york_transition_sundays_last_what_the_clock_shows() {
        let night =
            calendar(r#"{"time_zone":"America/New_York","weekly":{"sun":[["01:30","03:30"]]}}"#);
        for (sunday, open) in [
            ("2026-03-08", hours(1)), // 02:00 → 03:00 skips an hour
            ("2026-03-15", hours(2)),
            ("2026-11-01", hours(3)), // 02:00 → 01:00 repeats an hour
        ] {
            let from = at(&night, &format!("{sunday}T00:00"));
            let to = from.checked_add(hours(24)).unwrap();
            assert_eq!(night.open_time_between(from, to), open, "{sunday}");
        }
        // Spring forward: 01:30 EST is 06:30 UTC, 03:30 EDT is 07:30 UTC.
        assert!(night.is_open(utc("2026-03-08T06:30Z")));
        assert_eq!(
            local(&night, utc("2026-03-08T07:29Z")),
            "Sun 2026-03-08T03:29"
        );
        assert!(night.is_open(utc("2026-03-08T07:29Z")));
        assert!(!night.is_open(utc("2026-03-08T07:30Z")));
        assert_eq!(
            night.closes_at(utc("2026-03-08T06:45Z")),
            Some(utc("2026-03-08T07:30Z"))
        );
        // Fall back: the repeated 01:30 opens at its first occurrence (EDT).
        assert_eq!(
            night.next_opening(utc("2026-11-01T04:00Z")),
            Some(utc("2026-11-01T05:30Z"))
        );
    }

    #[test]
    fn a_shift_starting_in_the_gap_starts_later_by_the_gap() {
        let early =
            calendar(r#"{"time_zone":"America/New_York","weekly":{"sun":[["02:30","05:00"]]}}"#);
        // "Compatible" disambiguation: 02:30 does not exist that night and becomes 03:30 EDT.
        let opening = early.next_opening(at(&early, "2026-03-08T00:00")).unwrap();
        assert_eq!(opening, utc("2026-03-08T07:30Z"));
        assert_eq!(local(&early, opening), "Sun 2026-03-08T03:30");
        assert_eq!(early.closes_at(opening), Some(utc("2026-03-08T09:00Z")));
    }

    #[test]
    fn santiago_changes_clocks_at_midnight() {
        let nights = calendar(
            r#"{"time_zone":"America/Santiago",
                "weekly":{"sat":[["22:00","24:00"]],"sun":[["00:00","02:00"]]}}"#,
        );
        // 2026-04-05 00:00 (-03) falls back to Saturday 23:00 (-04): 23:00–24:00 happens twice.
        let opens = at(&nights, "2026-04-04T22:00");
        assert_eq!(opens, utc("2026-04-05T01:00Z"));
        assert_eq!(nights.closes_at(opens), Some(utc("2026-04-05T06:00Z")));
        assert_eq!(
            nights.open_time_between(opens, utc("2026-04-06T00:00Z")),
            hours(5)
        );
        // 2026-09-06 00:00 (-04) springs forward to 01:00 (-03): Saturday's 24:00 is 01:00.
        let opens = at(&nights, "2026-09-05T22:00");
        assert_eq!(opens, utc("2026-09-06T02:00Z"));
        assert_eq!(nights.closes_at(opens), Some(utc("2026-09-06T05:00Z")));
        assert_eq!(
            local(&nights, utc("2026-09-06T04:00Z")),
            "Sun 2026-09-06T01:00"
        );
        assert!(nights.is_open(utc("2026-09-06T04:00Z")));
        assert_eq!(
            nights.open_time_between(opens, utc("2026-09-07T00:00Z")),
            hours(3)
        );

        let weekdays = weekdays("America/Santiago");
        assert!(weekdays.is_open(utc("2026-09-04T12:00Z"))); // Friday 08:00 (-04)
        let due = weekdays
            .add_open_time(at(&weekdays, "2026-09-04T17:30"), hours(1))
            .unwrap();
        assert_eq!(
            (local(&weekdays, due).as_str(), due),
            ("Mon 2026-09-07T08:30", utc("2026-09-07T11:30Z"))
        );
    }

    #[test]
    fn lisbon_spring_forward_sunday_has_23_open_hours() {
        let sundays =
            calendar(r#"{"time_zone":"Europe/Lisbon","weekly":{"sun":[["00:00","24:00"]]}}"#);
        for (sunday, open) in [
            ("2026-03-22", hours(24)),
            ("2026-03-29", hours(23)),
            ("2026-10-25", hours(25)),
        ] {
            let from = at(&sundays, &format!("{sunday}T00:00"));
            let to = from.checked_add(hours(30)).unwrap();
            assert_eq!(sundays.open_time_between(from, to), open, "{sunday}");
        }
        let weekdays = weekdays("Europe/Lisbon");
        let due = weekdays
            .add_open_time(at(&weekdays, "2026-03-27T17:30"), hours(1))
            .unwrap();
        assert_eq!(
            (local(&weekdays, due).as_str(), due),
            ("Mon 2026-03-30T08:30", utc("2026-03-30T07:30Z"))
        );
    }

    /// Calendars with split shifts, holidays, night shifts and DST changes.
    fn sample_calendars() -> Vec<Calendar> {
        vec![
            office(),
            weekdays("America/New_York"),
            weekdays("America/Santiago"),
            calendar(
                r#"{"time_zone":"America/Santiago",
                    "weekly":{"sat":[["22:00","24:00"]],"sun":[["00:00","02:00"]]},
                    "holidays":["2026-05-03"]}"#,
            ),
            Calendar::always_open(),
        ]
    }

    #[test]
    fn open_time_between_measures_what_add_open_time_adds() {
        for calendar in sample_calendars() {
            for start in [
                "2026-03-06T17:30Z",
                "2026-04-04T23:30Z",
                "2026-11-01T05:45Z",
            ] {
                let start = utc(start);
                for duration in [mins(0), mins(1), mins(90), hours(10), hours(100)] {
                    let due = calendar.add_open_time(start, duration).unwrap();
                    assert_eq!(calendar.open_time_between(start, due), duration);
                }
            }
        }
    }

    proptest! {
        #[test]
        fn add_open_time_round_trips_through_open_time_between(
            index in 0..5usize,
            start_seconds in 1_767_225_600i64..1_798_761_600, // during 2026
            minutes in 0i64..10_000,
        ) {
            let calendar = &sample_calendars()[index];
            let start = Timestamp::from_second(start_seconds).unwrap();
            let due = calendar.add_open_time(start, mins(minutes)).unwrap();
            prop_assert!(due >= start);
            prop_assert_eq!(calendar.open_time_between(start, due), mins(minutes));
            // The deadline is an opening (zero duration) or the end of some open time.
            let last_open = if minutes == 0 { due } else { due - SignedDuration::from_nanos(1) };
            prop_assert!(calendar.is_open(last_open));
        }
    }

    #[test]
    fn parse_reports_every_problem_at_its_path() {
        let spec: CalendarSpec = serde_json::from_str(
            r#"{"time_zone":"Mars/Olympus_Mons",
                "weekly":{
                    "funday":[["08:00","12:00"]],
                    "mon":[["08:00","12:00"],["11:00","13:00"],["25:00","26:00"],
                           ["14:00","14:00"],["10:00","10:30"]],
                    "tue":[["8:00","12:00"],["18:00","17:00"],["12:00","18:00"]]
                },
                "holidays":["2026-02-30","2026-12-25","25/12/2026"]}"#,
        )
        .unwrap();
        let mut errors: Vec<(String, &str)> = spec
            .parse("business_hours")
            .unwrap_err()
            .0
            .into_iter()
            .map(|error| (error.field, error.code))
            .collect();
        errors.sort();
        let expected = [
            ("business_hours.holidays[0]", "invalid_date"),
            ("business_hours.holidays[2]", "invalid_date"),
            ("business_hours.time_zone", "unknown_time_zone"),
            ("business_hours.weekly.funday", "unknown_day"),
            ("business_hours.weekly.mon[1]", "overlapping_shifts"),
            ("business_hours.weekly.mon[2]", "invalid_time"),
            ("business_hours.weekly.mon[3]", "empty_shift"),
            ("business_hours.weekly.mon[4]", "overlapping_shifts"),
            ("business_hours.weekly.tue[0]", "invalid_time"),
            ("business_hours.weekly.tue[1]", "empty_shift"),
        ];
        assert_eq!(
            errors,
            expected.map(|(field, code)| (field.to_owned(), code))
        );
    }

    #[test]
    fn times_are_hh_mm_up_to_24_00() {
        for (text, minute) in [
            ("00:00", Some(0)),
            ("08:30", Some(510)),
            ("23:59", Some(1439)),
            ("24:00", Some(1440)),
            ("24:01", None),
            ("12:60", None),
            ("8:00", None),
            ("+8:00", None),
            ("08:00:00", None),
            ("08h00", None),
            ("", None),
        ] {
            assert_eq!(parse_time(text), minute, "{text:?}");
        }
    }

    #[test]
    fn holidays_are_yyyy_mm_dd_dates() {
        for (text, valid) in [
            ("2026-12-25", true),
            ("2028-02-29", true),
            ("2026-02-29", false),
            ("2026-1-05", false),
            ("20261225", false),
            ("2026-12-25T00:00", false),
        ] {
            assert_eq!(parse_date(text).is_some(), valid, "{text:?}");
        }
    }

    #[test]
    fn a_shift_may_not_start_at_24_00_or_cross_midnight() {
        for shift in [r#"["24:00","24:00"]"#, r#"["22:00","02:00"]"#] {
            let json = format!(r#"{{"time_zone":"UTC","weekly":{{"fri":[{shift}]}}}}"#);
            let error = serde_json::from_str::<CalendarSpec>(&json)
                .unwrap()
                .parse("hours")
                .unwrap_err();
            assert_eq!(
                error,
                ValidationError::field(
                    "hours.weekly.fri[0]",
                    "empty_shift",
                    "must end after it starts"
                )
            );
        }
    }

    #[test]
    fn unknown_and_missing_fields_are_rejected() {
        let error =
            serde_json::from_str::<CalendarSpec>(r#"{"time_zone":"UTC","opening_hours":{}}"#)
                .unwrap_err();
        assert!(
            error.to_string().contains("unknown field `opening_hours`"),
            "{error}"
        );
        assert!(serde_json::from_str::<CalendarSpec>(r#"{"weekly":{}}"#).is_err());
    }

    #[test]
    fn spec_round_trips_in_normal_form() {
        let example = r#"{"time_zone":"America/Sao_Paulo","weekly":{"mon":[["08:00","12:00"],["13:00","18:00"]],"sat":[["09:00","13:00"]]},"holidays":["2026-12-25"]}"#;
        let parsed = calendar(example);
        assert_eq!(serde_json::to_string(&parsed.spec()).unwrap(), example);

        let messy = calendar(
            r#"{"time_zone":"america/sao_paulo",
                "weekly":{"sat":[["09:00","13:00"]],"mon":[["13:00","18:00"],["08:00","12:00"]],
                          "sun":[]},
                "holidays":["2026-12-25","2026-01-01","2026-12-25"]}"#,
        );
        let normal = messy.spec();
        assert_eq!(
            serde_json::to_string(&normal).unwrap(),
            example.replace(r#"["2026-12-25"]"#, r#"["2026-01-01","2026-12-25"]"#)
        );
        assert_eq!(normal.parse("business_hours").unwrap(), messy);
        assert_eq!(normal.parse("business_hours").unwrap().spec(), normal);
    }

    #[test]
    fn always_open_is_open_at_every_instant() {
        let always = Calendar::always_open();
        for text in [
            "1970-01-01T00:00Z",
            "2026-03-08T07:30Z",
            "2026-12-25T12:00Z",
            "2026-12-31T23:59:59.999Z",
        ] {
            let instant = utc(text);
            assert!(always.is_open(instant), "{text}");
            assert_eq!(always.next_opening(instant), Some(instant));
            assert_eq!(
                always.add_open_time(instant, hours(3)),
                instant.checked_add(hours(3)).ok()
            );
            assert_eq!(
                always.open_time_between(instant, instant.checked_add(hours(30)).unwrap()),
                hours(30)
            );
            assert!(always.closes_at(instant) > instant.checked_add(hours(24 * 300)).ok());
        }
        let spec = always.spec();
        let whole_day = r#"[["00:00","24:00"]]"#;
        assert_eq!(
            serde_json::to_string(&spec).unwrap(),
            format!(
                r#"{{"time_zone":"UTC","weekly":{{"fri":{d},"mon":{d},"sat":{d},"sun":{d},"thu":{d},"tue":{d},"wed":{d}}},"holidays":[]}}"#,
                d = whole_day
            )
        );
        assert_eq!(spec.parse("business_hours").unwrap(), always);
    }

    #[test]
    fn local_time_and_date_are_in_the_calendar_zone() {
        let weekdays = weekdays("America/Sao_Paulo");
        let late_evening = utc("2026-03-09T02:00Z");
        assert_eq!(
            weekdays.local(late_evening),
            "2026-03-08T23:00".parse::<DateTime>().unwrap()
        );
        assert_eq!(weekdays.today(late_evening), jiff::civil::date(2026, 3, 8));
        assert_eq!(weekdays.time_zone().iana_name(), Some("America/Sao_Paulo"));
    }
}
