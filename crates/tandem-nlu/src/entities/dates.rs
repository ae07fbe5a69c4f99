//! Date recognition in pt/es/en: numeric and ISO dates, "5 de março", "March 5th", and
//! relative expressions ("amanhã", "pasado mañana", "next Monday", "em 3 dias") resolved
//! against a day passed in by the caller.

use jiff::civil::{Date, Weekday};
use jiff::{Span, ToSpan};
use regex::{Captures, Regex};

use crate::language::Language;
use crate::normalize::fold;

/// A date found in a text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct FoundDate {
    pub(super) start: usize,
    pub(super) end: usize,
    pub(super) date: Date,
}

#[derive(Debug, Clone)]
pub(super) struct DatePatterns {
    iso: Regex,
    numeric: Regex,
    day_month_name: Regex,
    month_name_day: Regex,
    relative_day: Regex,
    days_from_now: Regex,
    days_ago: Regex,
    next_week: Regex,
    weekday: Regex,
}

const PT_ES_MONTHS: &str = "janeiro|fevereiro|mar[çc]o|abril|maio|junho|julho|agosto|setembro|outubro|novembro|dezembro|enero|febrero|marzo|mayo|junio|julio|septiembre|setiembre|octubre|noviembre|diciembre";
const EN_MONTHS: &str = "january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec";

fn compile(pattern: &str) -> Regex {
    match Regex::new(pattern) {
        Ok(regex) => regex,
        // The patterns are literals in this module and each is exercised by the entity
        // tests, so a compile failure is a programming error caught before release.
        Err(error) => unreachable!("built-in date pattern failed to compile: {error}"),
    }
}

impl DatePatterns {
    pub(super) fn new() -> Self {
        DatePatterns {
            iso: compile(r"\b(\d{4})-(\d{2})-(\d{2})\b"),
            numeric: compile(
                r"\b(\d{1,2})/(\d{1,2})(?:/(\d{4}|\d{2}))?\b|\b(\d{1,2})[.-](\d{1,2})[.-](\d{4})\b",
            ),
            day_month_name: compile(&format!(
                r"(?i)\b(\d{{1,2}})(?:º|°|st|nd|rd|th)?\s+(?:de\s+|of\s+)?({PT_ES_MONTHS}|{EN_MONTHS})\b(?:,?\s+(?:de\s+)?(\d{{4}}))?"
            )),
            month_name_day: compile(&format!(
                r"(?i)\b({EN_MONTHS})\s+(\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+(\d{{4}}))?"
            )),
            relative_day: compile(
                r"(?i)\b(?:depois\s+de\s+amanh[ãa]|amanh[ãa]|hoje|anteontem|ontem|pasado\s+ma[ñn]ana|ma[ñn]ana|hoy|anteayer|ayer|day\s+after\s+tomorrow|tomorrow|today|yesterday)\b",
            ),
            days_from_now: compile(
                r"(?i)\b(?:(?:em|daqui\s+a|dentro\s+de|en)\s+(\d{1,3})\s+d[ií]as?|in\s+(\d{1,3})\s+days?)\b",
            ),
            days_ago: compile(
                r"(?i)\b(?:(\d{1,3})\s+dias\s+atr[áa]s|hace\s+(\d{1,3})\s+d[ií]as|(\d{1,3})\s+days\s+ago)\b",
            ),
            next_week: compile(
                r"(?i)\b(?:semana\s+que\s+vem|pr[óo]xima\s+semana|semana\s+que\s+viene|next\s+week)\b",
            ),
            weekday: compile(
                r"(?i)\b(?:(pr[óo]xim[ao]|nest[ae]|ness[ae]|n[ao]|el|este|next|this|on)\s+)?(segunda|ter[çc]a|quarta|quinta|sexta|s[áa]bado|domingo|lunes|martes|mi[ée]rcoles|jueves|viernes|monday|tuesday|wednesday|thursday|friday|saturday|sunday)(-feira|\s+feira)?(\s+que\s+(?:vem|viene))?\b",
            ),
        }
    }

    /// Every date in `text`, possibly overlapping (the caller resolves overlaps).
    pub(super) fn find(&self, text: &str, language: Language, today: Date) -> Vec<FoundDate> {
        let mut found = Vec::new();
        let mut add = |captures: &Captures<'_>, date: Option<Date>| {
            if let (Some(whole), Some(date)) = (captures.get(0), date) {
                found.push(FoundDate {
                    start: whole.start(),
                    end: whole.end(),
                    date,
                });
            }
        };
        for captures in self.iso.captures_iter(text) {
            let date = build(
                number(&captures, 1),
                number(&captures, 2),
                number(&captures, 3),
            );
            add(&captures, date);
        }
        for captures in self.numeric.captures_iter(text) {
            let (first, second, year) = if captures.get(1).is_some() {
                (
                    number(&captures, 1),
                    number(&captures, 2),
                    captures.get(3).map(|y| y.as_str()),
                )
            } else {
                (
                    number(&captures, 4),
                    number(&captures, 5),
                    captures.get(6).map(|y| y.as_str()),
                )
            };
            let year = match year {
                Some(digits) if digits.len() == 2 => digits.parse::<i32>().ok().map(|y| 2000 + y),
                Some(digits) => digits.parse::<i32>().ok(),
                None => Some(i32::from(today.year())),
            };
            // English speakers (mostly the US here) write month first; pt and es day first.
            let (month, day) = if language == Language::English {
                (first, second)
            } else {
                (second, first)
            };
            let date = build(year, month, day).or_else(|| build(year, day, month));
            add(&captures, date);
        }
        for captures in self.day_month_name.captures_iter(text) {
            let month = captures.get(2).and_then(|m| month_number(m.as_str()));
            let year = number(&captures, 3).or(Some(i32::from(today.year())));
            add(&captures, build(year, month, number(&captures, 1)));
        }
        for captures in self.month_name_day.captures_iter(text) {
            let month = captures.get(1).and_then(|m| month_number(m.as_str()));
            let year = number(&captures, 3).or(Some(i32::from(today.year())));
            add(&captures, build(year, month, number(&captures, 2)));
        }
        for captures in self.relative_day.captures_iter(text) {
            let phrase = captures
                .get(0)
                .map(|m| fold(m.as_str()))
                .unwrap_or_default();
            let offset = match phrase.split_whitespace().collect::<Vec<_>>().as_slice() {
                ["hoje"] | ["hoy"] | ["today"] => 0,
                ["amanha"] | ["manana"] | ["tomorrow"] => 1,
                ["ontem"] | ["ayer"] | ["yesterday"] => -1,
                ["anteontem"] | ["anteayer"] => -2,
                _ if phrase.starts_with("depois")
                    || phrase.starts_with("pasado")
                    || phrase.starts_with("day") =>
                {
                    2
                }
                _ => continue,
            };
            add(&captures, shift(today, offset.days()));
        }
        for captures in self.days_from_now.captures_iter(text) {
            let days = number(&captures, 1).or_else(|| number(&captures, 2));
            add(&captures, days.and_then(|d| shift(today, d.days())));
        }
        for captures in self.days_ago.captures_iter(text) {
            let days = number(&captures, 1)
                .or_else(|| number(&captures, 2))
                .or_else(|| number(&captures, 3));
            add(&captures, days.and_then(|d| shift(today, (-d).days())));
        }
        for captures in self.next_week.captures_iter(text) {
            add(&captures, shift(today, 7.days()));
        }
        for captures in self.weekday.captures_iter(text) {
            let Some(name) = captures.get(2).map(|m| fold(m.as_str())) else {
                continue;
            };
            let Some(target) = weekday(&name) else {
                continue;
            };
            let has_qualifier =
                captures.get(1).is_some() || captures.get(3).is_some() || captures.get(4).is_some();
            // "segunda", "terça", "quarta", "quinta" and "sexta" are also ordinals ("segunda
            // via do boleto"), so in Portuguese they count as days only when qualified.
            let is_ambiguous_ordinal = matches!(
                name.as_str(),
                "segunda" | "terca" | "quarta" | "quinta" | "sexta"
            );
            if is_ambiguous_ordinal && !has_qualifier {
                continue;
            }
            add(&captures, Some(next_weekday(today, target)));
        }
        found
    }
}

fn number(captures: &Captures<'_>, group: usize) -> Option<i32> {
    captures.get(group).and_then(|m| m.as_str().parse().ok())
}

fn build(year: Option<i32>, month: Option<i32>, day: Option<i32>) -> Option<Date> {
    let year = i16::try_from(year?).ok()?;
    let month = i8::try_from(month?).ok()?;
    let day = i8::try_from(day?).ok()?;
    Date::new(year, month, day).ok()
}

fn shift(today: Date, span: Span) -> Option<Date> {
    today.checked_add(span).ok()
}

/// The first `target` weekday strictly after `today` ("next Monday" said on a Monday is in
/// seven days).
fn next_weekday(today: Date, target: Weekday) -> Date {
    let ahead =
        (target.to_monday_zero_offset() - today.weekday().to_monday_zero_offset()).rem_euclid(7);
    let ahead = if ahead == 0 { 7 } else { ahead };
    today.saturating_add(i64::from(ahead).days())
}

fn weekday(folded_name: &str) -> Option<Weekday> {
    Some(match folded_name {
        "segunda" | "lunes" | "monday" => Weekday::Monday,
        "terca" | "martes" | "tuesday" => Weekday::Tuesday,
        "quarta" | "miercoles" | "wednesday" => Weekday::Wednesday,
        "quinta" | "jueves" | "thursday" => Weekday::Thursday,
        "sexta" | "viernes" | "friday" => Weekday::Friday,
        "sabado" | "saturday" => Weekday::Saturday,
        "domingo" | "sunday" => Weekday::Sunday,
        _ => return None,
    })
}

fn month_number(name: &str) -> Option<i32> {
    let folded = fold(name);
    Some(match folded.as_str() {
        "janeiro" | "enero" | "january" | "jan" => 1,
        "fevereiro" | "febrero" | "february" | "feb" => 2,
        "marco" | "marzo" | "march" | "mar" => 3,
        "abril" | "april" | "apr" => 4,
        "maio" | "mayo" | "may" => 5,
        "junho" | "junio" | "june" | "jun" => 6,
        "julho" | "julio" | "july" | "jul" => 7,
        "agosto" | "august" | "aug" => 8,
        "setembro" | "septiembre" | "setiembre" | "september" | "sep" | "sept" => 9,
        "outubro" | "octubre" | "october" | "oct" => 10,
        "novembro" | "noviembre" | "november" | "nov" => 11,
        "dezembro" | "diciembre" | "december" | "dec" => 12,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn next_weekday_is_strictly_in_the_future() {
        let monday = date(2026, 11, 23);
        assert_eq!(next_weekday(monday, Weekday::Monday), date(2026, 11, 30));
        assert_eq!(next_weekday(monday, Weekday::Tuesday), date(2026, 11, 24));
        assert_eq!(next_weekday(monday, Weekday::Sunday), date(2026, 11, 29));
    }

    #[test]
    fn impossible_dates_are_ignored() {
        let patterns = DatePatterns::new();
        assert!(
            patterns
                .find("31/02/2026", Language::Portuguese, date(2026, 1, 1))
                .is_empty()
        );
    }
}
