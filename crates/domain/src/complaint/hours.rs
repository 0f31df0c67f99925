//! Business hours: when a location is open, and how its clocks count open
//! time and business days.

use crate::Timestamp;
use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use std::collections::BTreeSet;

/// No clock counts further than this many days; settings allow far less.
const MAX_DAYS: u32 = 3660;

const DAY_ABBR: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const DAY_NAMES: [&str; 7] = [
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];

/// Opening hours of a location: per weekday an optional (open, close) local
/// time, the location's time zone, and dates it is closed (holidays).
///
/// A day is open from its opening time up to, not including, its closing
/// time. A closing time of `00:00` means midnight at the end of the day
/// (written `24:00`), so `00:00`–`24:00` is open all day. A day whose closing
/// time is not after its opening time is closed. Opening and closing times
/// that fall into a daylight-saving gap move to the first moment that exists;
/// in the hour that repeats, the first one counts.
///
/// Hours with no open day at all make every clock count calendar time, so
/// that a location whose hours were never set still has clocks that run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BusinessHours {
    pub zone: Tz,
    /// Monday first.
    pub week: [Option<(NaiveTime, NaiveTime)>; 7],
    pub closed: BTreeSet<NaiveDate>,
}

/// Open days from a date on, in order: (date, opens, closes). Stops after a
/// stretch of closed days longer than any the hours allow.
struct OpenDays<'a> {
    hours: &'a BusinessHours,
    next: Option<NaiveDate>,
    limit: usize,
}

impl Iterator for OpenDays<'_> {
    type Item = (NaiveDate, Timestamp, Timestamp);

    fn next(&mut self) -> Option<Self::Item> {
        let mut closed_in_a_row = 0;
        while let Some(date) = self.next {
            self.next = date.succ_opt();
            if let Some((opens, closes)) = self.hours.day_interval(date) {
                return Some((date, opens, closes));
            }
            closed_in_a_row += 1;
            if closed_in_a_row > self.limit {
                self.next = None;
            }
        }
        None
    }
}

pub(super) fn later(t: Timestamp, d: Duration) -> Timestamp {
    t.checked_add_signed(d).unwrap_or(Timestamp::MAX_UTC)
}

/// A day's hours make sense: open before close, or open until midnight.
fn valid_hours((open, close): (NaiveTime, NaiveTime)) -> bool {
    close == NaiveTime::MIN || close > open
}

impl BusinessHours {
    /// The default: Monday to Friday, 08:00 to 18:00, no closed dates.
    pub fn weekdays_8_to_6(zone: Tz) -> Self {
        let day = Some((
            NaiveTime::from_hms_opt(8, 0, 0).expect("valid time"),
            NaiveTime::from_hms_opt(18, 0, 0).expect("valid time"),
        ));
        BusinessHours {
            zone,
            week: [day, day, day, day, day, None, None],
            closed: BTreeSet::new(),
        }
    }

    /// True when no weekday has any opening hours; clocks then count calendar time.
    fn never_opens(&self) -> bool {
        !self.week.iter().flatten().any(|h| valid_hours(*h))
    }

    /// The moment a local wall-clock time happens in this zone. In the hour
    /// that repeats when clocks go back, the first; in the gap when clocks go
    /// forward, the first moment after the gap.
    fn instant(&self, local: NaiveDateTime) -> Timestamp {
        if let Some(t) = self.zone.from_local_datetime(&local).earliest() {
            return t.with_timezone(&Utc);
        }
        // Inside a gap. Gaps are whole minutes and at most a day long.
        let mut probe = local;
        for _ in 0..(2 * 24 * 60) {
            probe += Duration::minutes(1);
            if let Some(t) = self.zone.from_local_datetime(&probe).earliest() {
                return t.with_timezone(&Utc);
            }
        }
        local.and_utc()
    }

    fn local_date(&self, at: Timestamp) -> NaiveDate {
        at.with_timezone(&self.zone).date_naive()
    }

    /// When the location opens and closes on a date, or `None` when it is closed all day.
    pub fn day_interval(&self, date: NaiveDate) -> Option<(Timestamp, Timestamp)> {
        if self.closed.contains(&date) {
            return None;
        }
        let hours = self.week[date.weekday().num_days_from_monday() as usize]?;
        if !valid_hours(hours) {
            return None;
        }
        let (open, close) = hours;
        let opens = self.instant(date.and_time(open));
        let closes = if close == NaiveTime::MIN {
            self.instant(date.succ_opt()?.and_time(NaiveTime::MIN))
        } else {
            self.instant(date.and_time(close))
        };
        (opens < closes).then_some((opens, closes))
    }

    fn open_days_from(&self, date: NaiveDate) -> OpenDays<'_> {
        OpenDays {
            hours: self,
            next: Some(date),
            // Some weekday is open, so within any week one day is, unless it is
            // a closed date; a daylight-saving change can empty one more.
            limit: 7 * (self.closed.len() + 3) + 14,
        }
    }

    /// The open stretch that contains `at` or is the next one after it.
    fn open_stretch_from(&self, at: Timestamp) -> Option<(Timestamp, Timestamp)> {
        if self.never_opens() {
            return None;
        }
        self.open_days_from(self.local_date(at))
            .find(|(_, _, closes)| *closes > at)
            .map(|(_, opens, closes)| (opens, closes))
    }

    /// Whether the location is open at this moment.
    pub fn is_open(&self, at: Timestamp) -> bool {
        self.day_interval(self.local_date(at))
            .is_some_and(|(opens, closes)| opens <= at && at < closes)
    }

    /// `at` when the location is open then, otherwise the moment it next opens.
    pub fn next_open(&self, at: Timestamp) -> Timestamp {
        match self.open_stretch_from(at) {
            Some((opens, _)) => opens.max(at),
            None => at,
        }
    }

    /// How much of the time from `from` to `to` the location is open. Zero
    /// when `to` is not after `from`.
    pub fn open_time_between(&self, from: Timestamp, to: Timestamp) -> Duration {
        if to <= from {
            return Duration::zero();
        }
        if self.never_opens() {
            return to - from;
        }
        let last = self.local_date(to);
        self.open_days_from(self.local_date(from))
            .take_while(|(date, _, _)| *date <= last)
            .fold(Duration::zero(), |total, (_, opens, closes)| {
                let (s, e) = (opens.max(from), closes.min(to));
                if e > s { total + (e - s) } else { total }
            })
    }

    /// The earliest moment by which the location has been open for `open`
    /// since `start`. `start` itself when `open` is zero.
    pub fn add_open_time(&self, start: Timestamp, open: Duration) -> Timestamp {
        if open <= Duration::zero() {
            return start;
        }
        if self.never_opens() {
            return later(start, open);
        }
        let mut remaining = open;
        for (_, opens, closes) in self.open_days_from(self.local_date(start)) {
            let s = opens.max(start);
            if closes > s {
                let available = closes - s;
                if remaining <= available {
                    return s + remaining;
                }
                remaining -= available;
            }
        }
        later(start, open)
    }

    /// The same local wall-clock time `days` calendar days later (so across a
    /// daylight-saving change a "day" is 23 or 25 hours).
    pub fn add_calendar_days(&self, start: Timestamp, days: u32) -> Timestamp {
        let local = start.with_timezone(&self.zone).naive_local();
        match local.checked_add_days(chrono::Days::new(u64::from(days.min(MAX_DAYS)))) {
            Some(then) => self.instant(then),
            None => Timestamp::MAX_UTC,
        }
    }

    /// "Within N business days". The clock starts at `start` when the location
    /// is open then, otherwise when it next opens; it is due at the same
    /// position in the working day N open days later: as much open time after
    /// that day's opening as the start was after its own, or at that day's
    /// close when the day is shorter. Closed weekdays and closed dates are
    /// skipped. With Mon–Fri 08:00–18:00: received Fri 15:00 → due Mon 15:00;
    /// received Sat 10:00 → the clock starts Mon 08:00 → due Tue 08:00.
    /// Zero days is the moment the clock starts.
    pub fn add_business_days(&self, start: Timestamp, days: u32) -> Timestamp {
        let days = days.min(MAX_DAYS);
        if self.never_opens() {
            return self.add_calendar_days(start, days);
        }
        let mut open_days = self.open_days_from(self.local_date(start));
        let Some((_, first_opens, first_closes)) = open_days.find(|(_, _, closes)| *closes > start)
        else {
            return self.add_calendar_days(start, days);
        };
        let position = start.max(first_opens) - first_opens;
        let mut target = (first_opens, first_closes);
        for _ in 0..days {
            match open_days.next() {
                Some((_, opens, closes)) => target = (opens, closes),
                None => return self.add_calendar_days(start, days),
            }
        }
        (target.0 + position).min(target.1)
    }

    /// Parse a list of closed dates, one per line or separated by commas,
    /// written `YYYY-MM-DD`; `#` starts a comment. Errors name the line.
    pub fn parse_closed_dates(text: &str) -> Result<BTreeSet<NaiveDate>, String> {
        let mut dates = BTreeSet::new();
        for (i, line) in text.lines().enumerate() {
            let content = line.split('#').next().unwrap_or("");
            for item in content.split([',', ';']).flat_map(str::split_whitespace) {
                let date = NaiveDate::parse_from_str(item, "%Y-%m-%d").map_err(|_| {
                    format!(
                        "line {}: {:?} is not a date; write dates as YYYY-MM-DD",
                        i + 1,
                        item
                    )
                })?;
                dates.insert(date);
            }
        }
        Ok(dates)
    }

    /// Parse opening hours written like `Mon-Fri 08:00-18:00, Sat 09:00-12:00`.
    /// Entries are separated by commas, semicolons or lines; a day is a name
    /// or its first letters (`Mon`, `Tues`, `Thursday`), a range may wrap
    /// (`Sat-Sun`, `Fri-Mon`); `24:00` closes at midnight; `Sun closed`
    /// closes a day; a later entry overrides an earlier one for the same day.
    /// Days not named are closed. `closed` alone closes every day.
    pub fn parse_week(text: &str) -> Result<[Option<(NaiveTime, NaiveTime)>; 7], String> {
        let text = text.trim();
        let mut week = [None; 7];
        if text.eq_ignore_ascii_case("closed") {
            return Ok(week);
        }
        let entries: Vec<&str> = text
            .split([',', ';', '\n'])
            .map(str::trim)
            .filter(|e| !e.is_empty())
            .collect();
        if entries.is_empty() {
            return Err(
                "No opening hours given; write them like Mon-Fri 08:00-18:00, Sat 09:00-12:00"
                    .to_string(),
            );
        }
        for entry in entries {
            let (days_part, hours) = match entry.find(|c: char| c.is_ascii_digit()) {
                Some(i) => {
                    let hours = parse_hours(&entry[i..]).ok_or_else(|| {
                        format!("{entry:?}: write the hours as HH:MM-HH:MM, such as 08:00-18:00")
                    })?;
                    if !valid_hours(hours) {
                        return Err(format!(
                            "{entry:?}: the closing time must be after the opening time"
                        ));
                    }
                    (&entry[..i], Some(hours))
                }
                None => {
                    let cut = entry.len().saturating_sub("closed".len());
                    match entry.get(cut..) {
                        Some(tail) if tail.eq_ignore_ascii_case("closed") => (&entry[..cut], None),
                        _ => {
                            return Err(format!(
                                "{entry:?}: give the hours, such as 08:00-18:00, or write closed"
                            ));
                        }
                    }
                }
            };
            for day in parse_days(days_part).map_err(|e| format!("{entry:?}: {e}"))? {
                week[day] = hours;
            }
        }
        Ok(week)
    }

    /// The opening hours written the way [`BusinessHours::parse_week`] reads
    /// them: consecutive days with the same hours as a range,
    /// `Mon-Fri 08:00-18:00, Sat 09:00-12:00`; `closed` when never open.
    pub fn format_week(&self) -> String {
        format_week(&self.week)
    }
}

/// Write a week's hours as `Mon-Fri 08:00-18:00, Sat 09:00-12:00`.
pub fn format_week(week: &[Option<(NaiveTime, NaiveTime)>; 7]) -> String {
    let mut parts = Vec::new();
    let mut day = 0;
    while day < 7 {
        let Some(hours) = week[day] else {
            day += 1;
            continue;
        };
        let mut last = day;
        while last + 1 < 7 && week[last + 1] == Some(hours) {
            last += 1;
        }
        let days = if last == day {
            DAY_ABBR[day].to_string()
        } else {
            format!("{}-{}", DAY_ABBR[day], DAY_ABBR[last])
        };
        let close = if hours.1 == NaiveTime::MIN {
            "24:00".to_string()
        } else {
            hours.1.format("%H:%M").to_string()
        };
        parts.push(format!("{days} {}-{close}", hours.0.format("%H:%M")));
        day = last + 1;
    }
    if parts.is_empty() {
        "closed".to_string()
    } else {
        parts.join(", ")
    }
}

fn unify_dashes(s: &str) -> String {
    s.chars()
        .map(|c| {
            if matches!(c, '–' | '—' | '‐' | '‑') {
                '-'
            } else {
                c
            }
        })
        .filter(|c| !c.is_whitespace())
        .collect()
}

/// `08:00-18:00`, `8:00 – 18:00`, `20:00-24:00`.
fn parse_hours(text: &str) -> Option<(NaiveTime, NaiveTime)> {
    let text = unify_dashes(text);
    let (open, close) = text.split_once('-')?;
    let (open, open_is_24) = parse_clock_time(open)?;
    let (close, _) = parse_clock_time(close)?;
    if open_is_24 {
        return None;
    }
    Some((open, close))
}

/// `H:MM` or `HH:MM`; `24:00` is midnight at the end of the day.
fn parse_clock_time(text: &str) -> Option<(NaiveTime, bool)> {
    let (h, m) = text.split_once(':')?;
    let digits = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
    if !digits(h) || h.len() > 2 || !digits(m) || m.len() != 2 {
        return None;
    }
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    if h == 24 && m == 0 {
        return Some((NaiveTime::MIN, true));
    }
    NaiveTime::from_hms_opt(h, m, 0).map(|t| (t, false))
}

/// `Mon`, `mon-fri`, `Fri-Mon` (wraps) → weekday indexes, Monday = 0.
fn parse_days(text: &str) -> Result<Vec<usize>, String> {
    let text = unify_dashes(text);
    let text = text.trim_end_matches(':');
    if text.is_empty() {
        return Err("name the days, such as Mon-Fri".to_string());
    }
    let (first, last) = match text.split_once('-') {
        Some((a, b)) => (parse_day(a)?, parse_day(b)?),
        None => {
            let d = parse_day(text)?;
            (d, d)
        }
    };
    let mut days = vec![first];
    let mut d = first;
    while d != last {
        d = (d + 1) % 7;
        days.push(d);
    }
    Ok(days)
}

fn parse_day(text: &str) -> Result<usize, String> {
    let t = text.to_lowercase();
    let matches: Vec<usize> = (0..7)
        .filter(|&i| t.len() >= 2 && DAY_NAMES[i].starts_with(&t))
        .collect();
    match matches[..] {
        [one] => Ok(one),
        _ => Err(format!(
            "{text:?} is not a day of the week; use Mon, Tue, Wed, Thu, Fri, Sat or Sun"
        )),
    }
}

#[cfg(test)]
mod tests;
