//! Date arithmetic for the demo: days and business days from today, and the next due
//! date of a monthly bill. Holidays are ignored; weekends are not business days.

use jiff::ToSpan;
use jiff::civil::{Date, Weekday};

/// `date` moved by `days` calendar days (negative goes back); saturates at jiff's limits.
pub fn add_days(date: Date, days: i32) -> Date {
    date.saturating_add(days.days())
}

/// Whether the date is a Saturday or a Sunday.
pub fn is_weekend(date: Date) -> bool {
    matches!(date.weekday(), Weekday::Saturday | Weekday::Sunday)
}

/// The date itself when it is a business day, else the Monday after.
pub fn business_day_on_or_after(date: Date) -> Date {
    let mut day = date;
    while is_weekend(day) {
        day = add_days(day, 1);
    }
    day
}

/// `count` business days after `date`; with 0, the date itself or the next business day.
pub fn add_business_days(date: Date, count: u8) -> Date {
    let mut day = business_day_on_or_after(date);
    for _ in 0..count {
        day = business_day_on_or_after(add_days(day, 1));
    }
    day
}

/// The first date on or after `today` that falls on `due_day` (1 to 28) of its month.
pub fn next_monthly_due_date(today: Date, due_day: i8) -> Date {
    let this_month = today.first_of_month().saturating_add((due_day - 1).days());
    if this_month >= today {
        this_month
    } else {
        let next_month = today.first_of_month().saturating_add(1.month());
        next_month.saturating_add((due_day - 1).days())
    }
}

/// Calendar days from `earlier` to `later` (negative when `later` comes first).
pub fn days_between(earlier: Date, later: Date) -> i64 {
    later.duration_since(earlier).as_secs() / 86_400
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;

    #[test]
    fn business_days_skip_weekends() {
        // 2026-11-13 is a Friday.
        let friday = date(2026, 11, 13);
        assert_eq!(add_business_days(friday, 0), friday);
        assert_eq!(add_business_days(friday, 1), date(2026, 11, 16));
        assert_eq!(add_business_days(friday, 6), date(2026, 11, 23));
        let saturday = date(2026, 11, 14);
        assert_eq!(add_business_days(saturday, 0), date(2026, 11, 16));
        assert_eq!(add_business_days(saturday, 1), date(2026, 11, 17));
        assert_eq!(business_day_on_or_after(friday), friday);
    }

    #[test]
    fn monthly_due_dates_roll_into_the_next_month() {
        let today = date(2026, 12, 15);
        assert_eq!(next_monthly_due_date(today, 15), today);
        assert_eq!(next_monthly_due_date(today, 20), date(2026, 12, 20));
        assert_eq!(next_monthly_due_date(today, 3), date(2027, 1, 3));
        assert_eq!(
            next_monthly_due_date(date(2026, 1, 31), 28),
            date(2026, 2, 28)
        );
    }

    #[test]
    fn days_between_counts_calendar_days() {
        assert_eq!(days_between(date(2026, 2, 25), date(2026, 3, 5)), 8);
        assert_eq!(days_between(date(2026, 3, 5), date(2026, 2, 25)), -8);
        assert_eq!(add_days(date(2026, 3, 5), -8), date(2026, 2, 25));
    }
}
