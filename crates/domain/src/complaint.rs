//! Complaints: taken verbatim from any channel, worked on two clocks with an
//! escalation ladder, and closed with a printable resolution letter.
//!
//! A complaint is `received`, then `acknowledged` by a named staff member,
//! then `resolved` with a resolution (contact person, steps taken, result).
//! Two clocks run from the moment it is received: the acknowledge clock counts
//! the location's business hours (default: within 1 business day) and the
//! resolve clock counts calendar days (default: within 7). Either clock can be
//! paused, for example while waiting for the patient to call back. When a clock
//! runs out the complaint climbs a ladder: its owner, then the managers, then
//! the admins.
//!
//! Nothing here reads a clock or a database: the current time, the opening
//! hours and the complaint's history are passed in.

use crate::fields::{self, CONTROL_CHARS, REQUIRED};
use crate::{FieldErrors, Role, Timestamp};
use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

/// A name given for an enum value that is not one of its names.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} {value:?}; use {choices}")]
pub struct UnknownName {
    /// What was being named: `channel`, `category`, ...
    pub what: &'static str,
    /// The name as given.
    pub value: String,
    /// The names that would have been understood, in words.
    pub choices: String,
}

impl UnknownName {
    /// The message for a form field, such as
    /// "Unknown channel; use desk, phone, status_page, web_form, email or letter".
    pub fn field_message(&self) -> String {
        format!("Unknown {}; use {}", self.what, self.choices)
    }
}

/// "a, b or c".
fn in_words(names: &[&str]) -> String {
    match names {
        [] => String::new(),
        [one] => (*one).to_string(),
        [rest @ .., last] => format!("{} or {}", rest.join(", "), last),
    }
}

/// Forms and people write `Status page`, `status-page` or `STATUS_PAGE`; all
/// mean `status_page`.
fn normalize_name(s: &str) -> String {
    s.trim()
        .to_lowercase()
        .chars()
        .map(|c| if c == ' ' || c == '-' { '_' } else { c })
        .collect()
}

/// A small enum with stored names (`as_str`), words for people (`label`),
/// `ALL`, `Display` and a forgiving `FromStr` (case, spaces and dashes do not
/// matter; the label is understood too).
macro_rules! named_enum {
    (
        $(#[$meta:meta])*
        $name:ident, $what:literal {
            $( $(#[$vmeta:meta])* $variant:ident => $str:literal, $label:literal; )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        pub enum $name {
            $( $(#[$vmeta])* #[serde(rename = $str)] $variant, )+
        }

        impl $name {
            pub const ALL: [$name; [$($str),+].len()] = [$($name::$variant),+];

            /// The stored and sent name, `snake_case`.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $str,)+
                }
            }

            /// Words for a person.
            pub fn label(self) -> &'static str {
                match self {
                    $($name::$variant => $label,)+
                }
            }

            /// The stored names, in words: "a, b or c".
            pub fn choices() -> String {
                in_words(&[$($str),+])
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = UnknownName;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                let wanted = normalize_name(s);
                $name::ALL
                    .into_iter()
                    .find(|v| v.as_str() == wanted || normalize_name(v.label()) == wanted)
                    .ok_or_else(|| UnknownName {
                        what: $what,
                        value: s.to_string(),
                        choices: $name::choices(),
                    })
            }
        }
    };
}

named_enum! {
    /// How a complaint reached the practice.
    Channel, "channel" {
        /// Said in person at the front desk.
        Desk => "desk", "Desk";
        /// Said on the phone.
        Phone => "phone", "Phone";
        /// Written on the patient's own status page.
        StatusPage => "status_page", "Status page";
        /// Sent through the public feedback form.
        WebForm => "web_form", "Web form";
        /// Sent by email.
        Email => "email", "Email";
        /// Sent by post.
        Letter => "letter", "Letter";
    }
}

named_enum! {
    /// What a complaint is about.
    Category, "category" {
        Waiting => "waiting", "Waiting time";
        Communication => "communication", "Communication";
        StaffAttitude => "staff_attitude", "Staff attitude";
        Billing => "billing", "Billing";
        Appointments => "appointments", "Appointments";
        ClinicalCare => "clinical_care", "Clinical care";
        Privacy => "privacy", "Privacy";
        Facilities => "facilities", "Facilities";
        Other => "other", "Other";
    }
}

named_enum! {
    /// How serious a complaint is, as judged when it is taken. Ordered from low to high.
    Severity, "severity" {
        Low => "low", "Low";
        Medium => "medium", "Medium";
        High => "high", "High";
    }
}

named_enum! {
    /// Where a complaint stands: `received` → `acknowledged` → `resolved`.
    ComplaintStatus, "complaint status" {
        /// Taken, nobody has acknowledged it yet.
        Received => "received", "Received";
        /// A named staff member has acknowledged it.
        Acknowledged => "acknowledged", "Acknowledged";
        /// Closed with a resolution letter.
        Resolved => "resolved", "Resolved";
    }
}

named_enum! {
    /// The escalation ladder: who has to act on a complaint now. Ordered from
    /// the owner up.
    Level, "level" {
        /// The complaint's owner; nothing has run out.
        Owner => "owner", "Owner";
        /// A clock has run out: the managers are told.
        Manager => "manager", "Manager";
        /// A clock ran out long ago: the admins are told.
        Admin => "admin", "Admin";
    }
}

named_enum! {
    /// How one complaint clock stands. A running clock is `on_time`,
    /// `due_soon` (the last quarter of its window), `overdue` or `paused`;
    /// a stopped clock is `met` (stopped at or before its due time) or `missed`.
    ClockStatus, "clock status" {
        OnTime => "on_time", "On time";
        DueSoon => "due_soon", "Due soon";
        Overdue => "overdue", "Overdue";
        Paused => "paused", "Paused";
        Met => "met", "Met";
        Missed => "missed", "Missed";
    }
}

named_enum! {
    /// Something staff do to a complaint.
    ComplaintAction, "action" {
        Acknowledge => "acknowledge", "Acknowledge";
        Pause => "pause", "Pause";
        Resume => "resume", "Resume";
        Resolve => "resolve", "Resolve";
        Assign => "assign", "Assign";
        Reply => "reply", "Reply";
    }
}

impl ComplaintStatus {
    /// The status after `action` has been allowed by [`check_action`].
    pub fn after(self, action: ComplaintAction) -> ComplaintStatus {
        match action {
            ComplaintAction::Acknowledge => ComplaintStatus::Acknowledged,
            ComplaintAction::Resolve => ComplaintStatus::Resolved,
            _ => self,
        }
    }
}

impl Level {
    /// Who the escalation at this level goes to: `manager` → managers,
    /// `admin` → admins; the owner level is nobody's escalation.
    pub fn role(self) -> Option<Role> {
        match self {
            Level::Owner => None,
            Level::Manager => Some(Role::Manager),
            Level::Admin => Some(Role::Admin),
        }
    }
}

// ---------------------------------------------------------------------------
// Business hours
// ---------------------------------------------------------------------------

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

fn later(t: Timestamp, d: Duration) -> Timestamp {
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

// ---------------------------------------------------------------------------
// Clocks and the escalation ladder
// ---------------------------------------------------------------------------

/// How quickly a location promises to handle complaints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComplaintPolicy {
    /// Acknowledge within this many business days (default 1).
    pub acknowledge_business_days: u32,
    /// Resolve within this many calendar days (default 7).
    pub resolve_calendar_days: u32,
}

impl Default for ComplaintPolicy {
    fn default() -> Self {
        ComplaintPolicy {
            acknowledge_business_days: 1,
            resolve_calendar_days: 7,
        }
    }
}

/// The settings page allows 1 to 30 business days to acknowledge.
pub const MAX_ACKNOWLEDGE_DAYS: u32 = 30;
/// The settings page allows 1 to 365 calendar days to resolve.
pub const MAX_RESOLVE_DAYS: u32 = 365;

impl ComplaintPolicy {
    /// Read the two numbers from a settings form. Keys
    /// `acknowledge_business_days` (1 to 30) and `resolve_calendar_days`
    /// (1 to 365); empty is "Required field missing".
    pub fn parse(acknowledge: &str, resolve: &str) -> Result<ComplaintPolicy, FieldErrors> {
        fn days(input: &str, max: u32) -> Result<u32, String> {
            let text = input.trim();
            if text.is_empty() {
                return Err(REQUIRED.to_string());
            }
            match text.parse::<u32>() {
                Ok(n) if (1..=max).contains(&n) => Ok(n),
                _ => Err(format!("Enter a whole number of days from 1 to {max}")),
            }
        }
        let mut errors = FieldErrors::new();
        let ack = days(acknowledge, MAX_ACKNOWLEDGE_DAYS)
            .map_err(|m| errors.add("acknowledge_business_days", m))
            .ok();
        let res = days(resolve, MAX_RESOLVE_DAYS)
            .map_err(|m| errors.add("resolve_calendar_days", m))
            .ok();
        errors.into_result(|| ComplaintPolicy {
            acknowledge_business_days: ack.unwrap_or(1),
            resolve_calendar_days: res.unwrap_or(7),
        })
    }

    /// A one-line description for settings pages and logs.
    pub fn describe(&self) -> String {
        let plural = |n: u32| if n == 1 { "" } else { "s" };
        format!(
            "acknowledge within {} business day{}, resolve within {} calendar day{}",
            self.acknowledge_business_days,
            plural(self.acknowledge_business_days),
            self.resolve_calendar_days,
            plural(self.resolve_calendar_days)
        )
    }
}

/// A pause: from, and until (`None` = still paused).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pause {
    pub from: Timestamp,
    pub until: Option<Timestamp>,
}

/// Everything the clocks need to know about one complaint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClockInput<'a> {
    pub received_at: Timestamp,
    pub acknowledged_at: Option<Timestamp>,
    pub resolved_at: Option<Timestamp>,
    pub pauses: &'a [Pause],
}

/// One clock at one moment: when it is (or was) due, and how it stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClockView {
    pub due_at: Timestamp,
    pub status: ClockStatus,
}

/// Both clocks of a complaint and where it stands on the escalation ladder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComplaintClocks {
    pub acknowledge: ClockView,
    pub resolve: ClockView,
    pub level: Level,
}

/// The paused stretches between `start` and `end`, overlaps merged.
fn paused_spans(pauses: &[Pause], start: Timestamp, end: Timestamp) -> Vec<(Timestamp, Timestamp)> {
    let mut spans: Vec<(Timestamp, Timestamp)> = pauses
        .iter()
        .filter_map(|p| {
            let s = p.from.max(start);
            let e = p.until.unwrap_or(end).min(end);
            (e > s).then_some((s, e))
        })
        .collect();
    spans.sort();
    let mut merged: Vec<(Timestamp, Timestamp)> = Vec::with_capacity(spans.len());
    for (s, e) in spans {
        match merged.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => merged.push((s, e)),
        }
    }
    merged
}

/// The last quarter of a window, rounded up so it is never empty.
fn quarter(window: Duration) -> Duration {
    Duration::milliseconds((window.num_milliseconds() + 3) / 4)
}

fn stopped(at: Timestamp, due: Timestamp) -> ClockStatus {
    if at <= due {
        ClockStatus::Met
    } else {
        ClockStatus::Missed
    }
}

fn running(now: Timestamp, due: Timestamp, remaining: Duration, window: Duration) -> ClockStatus {
    if now >= due {
        ClockStatus::Overdue
    } else if remaining <= quarter(window) {
        ClockStatus::DueSoon
    } else {
        ClockStatus::OnTime
    }
}

/// Both clocks of a complaint at `now`, and its level on the ladder.
///
/// The acknowledge clock counts business hours: it is due
/// [`BusinessHours::add_business_days`] after the complaint was received,
/// pushed out by the paused *business* time; acknowledging (or resolving)
/// stops it. The resolve clock counts calendar days in the location's zone,
/// pushed out by the paused time; resolving stops it. A running clock is
/// `due_soon` in the last quarter of its window (business time for the
/// acknowledge clock), `overdue` from its due time on, and `paused` while a
/// pause is open; a stopped clock is `met` when stopped at or before its due
/// time, `missed` after.
///
/// The ladder: the owner while both running clocks are in time; the managers
/// as soon as either clock is overdue, or the acknowledge clock was missed and
/// the complaint is still unresolved; the admins from two calendar days after
/// the resolve clock's due time, or one further business day after the
/// acknowledge clock's. A paused clock does not escalate. A resolved complaint
/// is back with its owner, both clocks stopped.
pub fn clocks(
    hours: &BusinessHours,
    policy: &ComplaintPolicy,
    c: &ClockInput,
    now: Timestamp,
) -> ComplaintClocks {
    let received = c.received_at;
    let resolved = c.resolved_at;
    let ack_stop = match (c.acknowledged_at, resolved) {
        (Some(a), Some(r)) => Some(a.min(r)),
        (a, r) => a.or(r),
    };
    let paused_now = c
        .pauses
        .iter()
        .any(|p| p.from <= now && p.until.is_none_or(|u| u > now));

    // Acknowledge: business time.
    let ack_start = hours.next_open(received);
    let ack_base = hours.add_business_days(received, policy.acknowledge_business_days);
    let ack_window = hours.open_time_between(ack_start, ack_base);
    let ack_paused = paused_spans(c.pauses, received, ack_stop.unwrap_or(now))
        .into_iter()
        .fold(Duration::zero(), |sum, (s, e)| {
            sum + hours.open_time_between(s, e)
        });
    let ack_due = hours.add_open_time(ack_base, ack_paused);
    let ack_status = match ack_stop {
        Some(at) => stopped(at, ack_due),
        None if paused_now => ClockStatus::Paused,
        None => running(
            now,
            ack_due,
            hours.open_time_between(now, ack_due),
            ack_window,
        ),
    };

    // Resolve: calendar time.
    let res_base = hours.add_calendar_days(received, policy.resolve_calendar_days);
    let res_window = res_base - received;
    let res_paused = paused_spans(c.pauses, received, resolved.unwrap_or(now))
        .into_iter()
        .fold(Duration::zero(), |sum, (s, e)| sum + (e - s));
    let res_due = later(res_base, res_paused);
    let res_status = match resolved {
        Some(at) => stopped(at, res_due),
        None if paused_now => ClockStatus::Paused,
        None => running(now, res_due, res_due - now, res_window),
    };

    let mut level = Level::Owner;
    if resolved.is_none() {
        if matches!(ack_status, ClockStatus::Overdue | ClockStatus::Missed) {
            level = Level::Manager;
        }
        if ack_status == ClockStatus::Overdue && now >= hours.add_business_days(ack_due, 1) {
            level = Level::Admin;
        }
        if res_status == ClockStatus::Overdue {
            level = level.max(Level::Manager);
            if now >= hours.add_calendar_days(res_due, 2) {
                level = Level::Admin;
            }
        }
    }

    ComplaintClocks {
        acknowledge: ClockView {
            due_at: ack_due,
            status: ack_status,
        },
        resolve: ClockView {
            due_at: res_due,
            status: res_status,
        },
        level,
    }
}

// ---------------------------------------------------------------------------
// State rules
// ---------------------------------------------------------------------------

/// Why a change to a complaint was refused, in words for the person who tried.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ComplaintError {
    #[error("This complaint is already resolved")]
    AlreadyResolved,
    #[error("This complaint is already acknowledged")]
    AlreadyAcknowledged,
    #[error("Acknowledge this complaint before resolving it")]
    NotAcknowledged,
    #[error("This complaint is already paused")]
    AlreadyPaused,
    #[error("This complaint is not paused")]
    NotPaused,
    #[error("An acknowledgement needs a named staff member")]
    NoStaffMember,
}

/// Whether `action` may be done to a complaint that is in `status` and
/// `paused` (or not). `received` → `acknowledged` → `resolved`, one step at a
/// time; once resolved nothing changes any more except that staff may still
/// reply to the patient. Pause and resume only while not resolved; a paused
/// complaint cannot be paused again, and only a paused one can be resumed. A
/// paused complaint may be acknowledged or resolved (resolving ends the pause).
/// That a resolution is complete is checked by [`validate_resolution`], and
/// that the acknowledgement has a name by [`check_acknowledge`].
pub fn check_action(
    status: ComplaintStatus,
    paused: bool,
    action: ComplaintAction,
) -> Result<(), ComplaintError> {
    use ComplaintAction as A;
    use ComplaintStatus as S;
    match (status, action) {
        (_, A::Reply) => Ok(()),
        (S::Resolved, _) => Err(ComplaintError::AlreadyResolved),
        (S::Acknowledged, A::Acknowledge) => Err(ComplaintError::AlreadyAcknowledged),
        (S::Received, A::Resolve) => Err(ComplaintError::NotAcknowledged),
        (_, A::Pause) if paused => Err(ComplaintError::AlreadyPaused),
        (_, A::Resume) if !paused => Err(ComplaintError::NotPaused),
        _ => Ok(()),
    }
}

/// [`check_action`] for an acknowledgement, which also needs the name of the
/// staff member who gives it. Returns the name, trimmed.
pub fn check_acknowledge(
    status: ComplaintStatus,
    paused: bool,
    staff_member: &str,
) -> Result<String, ComplaintError> {
    check_action(status, paused, ComplaintAction::Acknowledge)?;
    let name = staff_member.trim();
    if name.is_empty() {
        Err(ComplaintError::NoStaffMember)
    } else {
        Ok(name.to_string())
    }
}

// ---------------------------------------------------------------------------
// Taking a complaint
// ---------------------------------------------------------------------------

/// The longest complaint, steps or result text, in characters.
pub const TEXT_MAX: usize = 10_000;
pub const TEXT_TOO_LONG: &str = "Too long (at most 10,000 characters)";

/// A new complaint as taken from any channel. The text is the patient's own
/// words, kept verbatim: only the whitespace around it is trimmed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewComplaint {
    pub text: String,
    pub channel: Channel,
    pub category: Category,
    pub severity: Severity,
    pub contact_name: Option<String>,
    pub contact_email: Option<String>,
    pub contact_phone: Option<String>,
}

/// Long free text (a complaint, the steps taken, the result): required,
/// trimmed but otherwise verbatim, line breaks and tabs kept, at most 10,000
/// characters, no other control characters.
pub fn long_text(input: &str) -> Result<String, &'static str> {
    let text = input.trim();
    if text.is_empty() {
        return Err(REQUIRED);
    }
    if text.chars().count() > TEXT_MAX {
        return Err(TEXT_TOO_LONG);
    }
    if text
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(CONTROL_CHARS);
    }
    Ok(text.to_string())
}

fn given(input: Option<&str>) -> Option<&str> {
    input.map(str::trim).filter(|s| !s.is_empty())
}

fn named<T: FromStr<Err = UnknownName>>(
    errors: &mut FieldErrors,
    key: &str,
    input: Option<&str>,
    default: T,
) -> Option<T> {
    match given(input) {
        None => Some(default),
        Some(s) => s
            .parse()
            .map_err(|e: UnknownName| errors.add(key, e.field_message()))
            .ok(),
    }
}

/// Field-level validation of a complaint from any channel. The text is
/// required ("Required field missing"); the channel is required and must be
/// one of the six; category (default `other`) and severity (default
/// `medium`) must be known when given; a contact name is at most 100
/// characters, an email address must be valid ("Email address invalid") and a
/// phone number too ("Phone number invalid"), each only when given. Keys:
/// `text`, `channel`, `category`, `severity`, `contact.name`,
/// `contact.email`, `contact.phone`.
pub fn validate_new(
    text: &str,
    channel: &str,
    category: Option<&str>,
    severity: Option<&str>,
    name: Option<&str>,
    email: Option<&str>,
    phone: Option<&str>,
) -> Result<NewComplaint, FieldErrors> {
    let mut errors = FieldErrors::new();
    let text = errors.check("text", long_text(text));
    let channel = match given(Some(channel)) {
        None => {
            errors.add("channel", REQUIRED);
            None
        }
        Some(c) => named(&mut errors, "channel", Some(c), Channel::Desk),
    };
    let category = named(&mut errors, "category", category, Category::Other);
    let severity = named(&mut errors, "severity", severity, Severity::Medium);
    let contact_name = errors
        .check("contact.name", fields::optional_text(name.unwrap_or("")))
        .flatten();
    let contact_email = given(email).and_then(|e| errors.check("contact.email", fields::email(e)));
    let contact_phone = given(phone).and_then(|p| errors.check("contact.phone", fields::phone(p)));
    errors.into_result(|| NewComplaint {
        text: text.unwrap_or_default(),
        channel: channel.unwrap_or(Channel::Desk),
        category: category.unwrap_or(Category::Other),
        severity: severity.unwrap_or(Severity::Medium),
        contact_name,
        contact_email,
        contact_phone,
    })
}

/// The public feedback form: name, email and message are all required (keys
/// `name`, `email`, `message`); the email address must be valid; a phone
/// number is optional but must be valid when given (key `phone`). The
/// complaint comes in on the `web_form` channel as category `other`,
/// severity `medium`, for staff to sort.
pub fn validate_feedback_form(
    name: &str,
    email: &str,
    message: &str,
    phone: &str,
) -> Result<NewComplaint, FieldErrors> {
    let mut errors = FieldErrors::new();
    let name = errors.check("name", fields::required_text(name));
    let email = errors.check("email", fields::email(email));
    let message = errors.check("message", long_text(message));
    let phone = given(Some(phone)).and_then(|p| errors.check("phone", fields::phone(p)));
    errors.into_result(|| NewComplaint {
        text: message.unwrap_or_default(),
        channel: Channel::WebForm,
        category: Category::Other,
        severity: Severity::Medium,
        contact_name: name,
        contact_email: email,
        contact_phone: phone,
    })
}

// ---------------------------------------------------------------------------
// Resolution and the letter
// ---------------------------------------------------------------------------

/// What the printable resolution letter says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resolution {
    /// Who the patient can talk to about it.
    pub contact_person: String,
    /// The steps the practice took.
    pub steps: String,
    /// What came of them.
    pub result: String,
}

/// All three parts are required (keys `contact_person`, `steps`, `result`);
/// the contact person is a name of at most 100 characters, the steps and the
/// result at most 10,000 characters each.
pub fn validate_resolution(
    contact_person: &str,
    steps: &str,
    result: &str,
) -> Result<Resolution, FieldErrors> {
    let mut errors = FieldErrors::new();
    let contact_person = errors.check("contact_person", fields::required_text(contact_person));
    let steps = errors.check("steps", long_text(steps));
    let result = errors.check("result", long_text(result));
    errors.into_result(|| Resolution {
        contact_person: contact_person.unwrap_or_default(),
        steps: steps.unwrap_or_default(),
        result: result.unwrap_or_default(),
    })
}

/// The resolution letter as plain text. Escaping for HTML or print is the
/// caller's job: the patient's words are kept exactly as they wrote them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Letter {
    /// "Dear Ana Silva," or "Dear patient,".
    pub greeting: String,
    /// The body, paragraph by paragraph.
    pub paragraphs: Vec<String>,
    /// The date the complaint was resolved, e.g. "27 November 2026".
    pub completed_on: String,
    pub contact_person: String,
}

/// A date as the letter writes it: "27 November 2026".
pub fn letter_date(at: Timestamp, zone: Tz) -> String {
    at.with_timezone(&zone).format("%-d %B %Y").to_string()
}

/// The letter: a greeting with the patient's name when known ("Dear patient"
/// otherwise); thanks; what they told us, quoted verbatim; the steps we took;
/// the result; who to contact; the date of completion in the location's
/// zone.
pub fn letter(
    practice_name: &str,
    patient_name: Option<&str>,
    complaint_text: &str,
    r: &Resolution,
    completed_at: Timestamp,
    zone: Tz,
) -> Letter {
    let practice = practice_name.trim();
    let practice = if practice.is_empty() {
        "our practice"
    } else {
        practice
    };
    let greeting = match given(patient_name) {
        Some(name) => format!("Dear {name},"),
        None => "Dear patient,".to_string(),
    };
    let completed_on = letter_date(completed_at, zone);
    let paragraphs = vec![
        format!(
            "Thank you for telling us about your experience with {practice}. This letter sets out what we did about it."
        ),
        "You told us:".to_string(),
        format!("“{}”", complaint_text.trim()),
        format!("The steps we took: {}", r.steps.trim()),
        format!("The result: {}", r.result.trim()),
        format!(
            "If you have any questions about this, please contact {} at {practice}. We want to hear from you.",
            r.contact_person.trim()
        ),
        format!("We completed our review of your complaint on {completed_on}."),
    ];
    Letter {
        greeting,
        paragraphs,
        completed_on,
        contact_person: r.contact_person.trim().to_string(),
    }
}

// ---------------------------------------------------------------------------
// Who may read and work a complaint
// ---------------------------------------------------------------------------

fn same_person(a: &str, b: &str) -> bool {
    let (a, b) = (a.trim(), b.trim());
    !a.is_empty() && a == b
}

/// Who may read a complaint: managers and admins read every complaint. Front
/// desk and clinicians read the complaints they own, and those whose owner is
/// not a manager or admin (or that nobody owns yet); when the location allows
/// all staff to read all complaints (`staff_read_all`), they read every one.
pub fn can_read(
    viewer: Role,
    viewer_name: &str,
    owner: Option<(&str, Role)>,
    staff_read_all: bool,
) -> bool {
    if matches!(viewer, Role::Manager | Role::Admin) || staff_read_all {
        return true;
    }
    match owner {
        None => true,
        Some((name, role)) => {
            same_person(name, viewer_name) || !matches!(role, Role::Manager | Role::Admin)
        }
    }
}

/// Who may work a complaint (acknowledge, pause, resume, reply, resolve,
/// assign): its owner, managers and admins. A complaint nobody owns yet is
/// for managers and admins to assign.
pub fn can_work(viewer: Role, viewer_name: &str, owner: Option<&str>) -> bool {
    matches!(viewer, Role::Manager | Role::Admin)
        || owner.is_some_and(|o| same_person(o, viewer_name))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fields::{EMAIL_INVALID, PHONE_INVALID, TOO_LONG};
    use chrono_tz::America::New_York;
    use proptest::prelude::*;

    /// A moment in New York local time (must exist and be unambiguous).
    fn ny(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> Timestamp {
        New_York
            .with_ymd_and_hms(y, mo, d, h, mi, 0)
            .single()
            .expect("a plain New York time")
            .with_timezone(&Utc)
    }

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> Timestamp {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
    }

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn hm(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap()
    }

    fn hours() -> BusinessHours {
        BusinessHours::weekdays_8_to_6(New_York)
    }

    fn closed_on(dates: &[NaiveDate]) -> BusinessHours {
        let mut h = hours();
        h.closed = dates.iter().copied().collect();
        h
    }

    fn input(received: Timestamp) -> ClockInput<'static> {
        ClockInput {
            received_at: received,
            acknowledged_at: None,
            resolved_at: None,
            pauses: &[],
        }
    }

    fn at(c: &ClockInput, now: Timestamp) -> ComplaintClocks {
        clocks(&hours(), &ComplaintPolicy::default(), c, now)
    }

    // 2026-11-27 is a Friday.
    fn friday_3pm() -> Timestamp {
        ny(2026, 11, 27, 15, 0)
    }

    // --- names ---------------------------------------------------------

    #[test]
    fn every_name_parses_back_and_labels_are_understood() {
        for c in Channel::ALL {
            assert_eq!(c.as_str().parse::<Channel>(), Ok(c));
            assert_eq!(c.label().parse::<Channel>(), Ok(c));
            assert_eq!(c.to_string(), c.as_str());
        }
        for c in Category::ALL {
            assert_eq!(c.as_str().parse::<Category>(), Ok(c));
            assert_eq!(c.label().parse::<Category>(), Ok(c));
        }
        for s in Severity::ALL {
            assert_eq!(s.as_str().parse::<Severity>(), Ok(s));
        }
        for s in ComplaintStatus::ALL {
            assert_eq!(s.as_str().parse::<ComplaintStatus>(), Ok(s));
        }
        for l in Level::ALL {
            assert_eq!(l.as_str().parse::<Level>(), Ok(l));
        }
        for s in ClockStatus::ALL {
            assert_eq!(s.as_str().parse::<ClockStatus>(), Ok(s));
        }
        for a in ComplaintAction::ALL {
            assert_eq!(a.as_str().parse::<ComplaintAction>(), Ok(a));
        }
        assert_eq!(" Status-Page ".parse::<Channel>(), Ok(Channel::StatusPage));
        assert_eq!("WEB FORM".parse::<Channel>(), Ok(Channel::WebForm));
        assert_eq!("Waiting time".parse::<Category>(), Ok(Category::Waiting));
    }

    #[test]
    fn stored_names_are_the_documented_ones() {
        let channels: Vec<&str> = Channel::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(
            channels,
            [
                "desk",
                "phone",
                "status_page",
                "web_form",
                "email",
                "letter"
            ]
        );
        let categories: Vec<&str> = Category::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(
            categories,
            [
                "waiting",
                "communication",
                "staff_attitude",
                "billing",
                "appointments",
                "clinical_care",
                "privacy",
                "facilities",
                "other"
            ]
        );
        assert_eq!(
            Severity::ALL.map(Severity::as_str),
            ["low", "medium", "high"]
        );
        assert_eq!(
            ComplaintStatus::ALL.map(ComplaintStatus::as_str),
            ["received", "acknowledged", "resolved"]
        );
        assert_eq!(Level::ALL.map(Level::as_str), ["owner", "manager", "admin"]);
        assert_eq!(
            ClockStatus::ALL.map(ClockStatus::as_str),
            ["on_time", "due_soon", "overdue", "paused", "met", "missed"]
        );
        assert_eq!(ClockStatus::DueSoon.label(), "Due soon");
        assert!(Level::Owner < Level::Manager && Level::Manager < Level::Admin);
        assert!(Severity::Low < Severity::High);
    }

    #[test]
    fn an_unknown_name_says_what_would_do() {
        let e = "fax".parse::<Channel>().unwrap_err();
        assert_eq!(
            e.to_string(),
            "unknown channel \"fax\"; use desk, phone, status_page, web_form, email or letter"
        );
        assert_eq!(
            e.field_message(),
            "Unknown channel; use desk, phone, status_page, web_form, email or letter"
        );
        assert_eq!(
            "urgent".parse::<Severity>().unwrap_err().to_string(),
            "unknown severity \"urgent\"; use low, medium or high"
        );
    }

    #[test]
    fn escalations_go_to_managers_then_admins() {
        assert_eq!(Level::Owner.role(), None);
        assert_eq!(Level::Manager.role(), Some(Role::Manager));
        assert_eq!(Level::Admin.role(), Some(Role::Admin));
        assert_eq!(Level::Admin.role(), Some(Role::Admin));
    }

    // --- business hours --------------------------------------------------

    #[test]
    fn the_default_is_weekdays_eight_to_six() {
        let h = hours();
        assert_eq!(h.format_week(), "Mon-Fri 08:00-18:00");
        assert!(h.closed.is_empty());
        // 2026-11-30 is a Monday.
        assert!(!h.is_open(ny(2026, 11, 30, 7, 59)));
        assert!(h.is_open(ny(2026, 11, 30, 8, 0)));
        assert!(h.is_open(ny(2026, 11, 30, 17, 59)));
        assert!(
            !h.is_open(ny(2026, 11, 30, 18, 0)),
            "closing time is closed"
        );
        assert!(!h.is_open(ny(2026, 11, 28, 10, 0)), "Saturday");
        assert!(!h.is_open(ny(2026, 11, 29, 10, 0)), "Sunday");
        // Opening hours are in the location's zone, not UTC: 08:00 UTC is 03:00 in New York.
        assert!(!h.is_open(utc(2026, 11, 30, 8, 0)));
    }

    #[test]
    fn received_friday_afternoon_is_due_monday_afternoon() {
        assert_eq!(
            hours().add_business_days(friday_3pm(), 1),
            ny(2026, 11, 30, 15, 0)
        );
        assert_eq!(
            hours().add_business_days(ny(2026, 11, 25, 10, 0), 3),
            ny(2026, 11, 30, 10, 0),
            "Wednesday + 3 business days is Monday"
        );
    }

    #[test]
    fn received_outside_hours_the_clock_starts_when_the_practice_opens() {
        let h = hours();
        // Saturday 10:00 → starts Monday 08:00 → due Tuesday 08:00.
        assert_eq!(h.next_open(ny(2026, 11, 28, 10, 0)), ny(2026, 11, 30, 8, 0));
        assert_eq!(
            h.add_business_days(ny(2026, 11, 28, 10, 0), 1),
            ny(2026, 12, 1, 8, 0)
        );
        // At closing time on Friday: the same.
        assert_eq!(
            h.add_business_days(ny(2026, 11, 27, 18, 0), 1),
            ny(2026, 12, 1, 8, 0)
        );
        // Early on Monday morning: from Monday 08:00 to Tuesday 08:00.
        assert_eq!(
            h.add_business_days(ny(2026, 11, 30, 6, 0), 1),
            ny(2026, 12, 1, 8, 0)
        );
        // Zero days: the moment the clock starts.
        assert_eq!(
            h.add_business_days(ny(2026, 11, 28, 10, 0), 0),
            ny(2026, 11, 30, 8, 0)
        );
        assert_eq!(h.add_business_days(friday_3pm(), 0), friday_3pm());
    }

    #[test]
    fn closed_dates_and_holidays_are_skipped() {
        // Thanksgiving, Thursday 2026-11-26.
        let h = closed_on(&[day(2026, 11, 26)]);
        assert_eq!(
            h.add_business_days(ny(2026, 11, 25, 10, 0), 1),
            ny(2026, 11, 27, 10, 0)
        );
        assert!(!h.is_open(ny(2026, 11, 26, 10, 0)));
        // Christmas on a Friday: Thursday 15:00 → Monday 15:00.
        let h = closed_on(&[day(2026, 12, 25)]);
        assert_eq!(
            h.add_business_days(ny(2026, 12, 24, 15, 0), 1),
            ny(2026, 12, 28, 15, 0)
        );
        // Received on the holiday itself: starts Monday 08:00, due Tuesday 08:00.
        assert_eq!(
            h.add_business_days(ny(2026, 12, 25, 9, 0), 1),
            ny(2026, 12, 29, 8, 0)
        );
        // A run of closed days, Monday to Wednesday.
        let h = closed_on(&[day(2026, 11, 30), day(2026, 12, 1), day(2026, 12, 2)]);
        assert_eq!(h.add_business_days(friday_3pm(), 1), ny(2026, 12, 3, 15, 0));
        assert_eq!(
            h.open_time_between(friday_3pm(), ny(2026, 12, 3, 15, 0)),
            Duration::hours(10)
        );
    }

    #[test]
    fn a_shorter_day_ends_the_clock_at_its_close() {
        let mut h = hours();
        h.week[5] = Some((hm(9, 0), hm(12, 0))); // Saturday 09:00–12:00
        // Friday 15:00 is 7 hours into the day; Saturday has only 3: due at its close.
        assert_eq!(
            h.add_business_days(friday_3pm(), 1),
            ny(2026, 11, 28, 12, 0)
        );
        // Friday 08:30 is half an hour in: Saturday 09:30.
        assert_eq!(
            h.add_business_days(ny(2026, 11, 27, 8, 30), 1),
            ny(2026, 11, 28, 9, 30)
        );
        // Saturday 11:00 is two hours in: Monday 10:00.
        assert_eq!(
            h.add_business_days(ny(2026, 11, 28, 11, 0), 1),
            ny(2026, 11, 30, 10, 0)
        );
    }

    #[test]
    fn business_days_across_the_spring_daylight_saving_change() {
        // Clocks go forward on Sunday 2026-03-08 in New York.
        let received = ny(2026, 3, 6, 15, 0);
        assert_eq!(received, utc(2026, 3, 6, 20, 0));
        let due = hours().add_business_days(received, 1);
        assert_eq!(due, ny(2026, 3, 9, 15, 0));
        assert_eq!(due, utc(2026, 3, 9, 19, 0), "15:00 EDT");
        assert_eq!(
            hours().open_time_between(received, due),
            Duration::hours(10)
        );
        assert_eq!(
            due - received,
            Duration::hours(71),
            "the weekend was an hour short"
        );
    }

    #[test]
    fn business_days_across_the_autumn_daylight_saving_change() {
        // Clocks go back on Sunday 2026-11-01.
        let received = ny(2026, 10, 30, 15, 0);
        assert_eq!(received, utc(2026, 10, 30, 19, 0));
        let due = hours().add_business_days(received, 1);
        assert_eq!(due, ny(2026, 11, 2, 15, 0));
        assert_eq!(due, utc(2026, 11, 2, 20, 0), "15:00 EST");
        assert_eq!(
            hours().open_time_between(received, due),
            Duration::hours(10)
        );
    }

    #[test]
    fn hours_inside_a_daylight_saving_gap_or_overlap() {
        let mut h = hours();
        // A Sunday shift 02:30–05:00: on 2026-03-08 02:30 does not exist; it opens at 03:00.
        h.week[6] = Some((hm(2, 30), hm(5, 0)));
        assert_eq!(
            h.day_interval(day(2026, 3, 8)),
            Some((ny(2026, 3, 8, 3, 0), ny(2026, 3, 8, 5, 0)))
        );
        assert_eq!(
            h.open_time_between(ny(2026, 3, 7, 0, 0), ny(2026, 3, 9, 0, 0)),
            Duration::hours(2)
        );
        // A Sunday shift 01:30–03:00 on 2026-11-01: 01:30 happens twice; the first counts.
        h.week[6] = Some((hm(1, 30), hm(3, 0)));
        assert_eq!(
            h.day_interval(day(2026, 11, 1)),
            Some((utc(2026, 11, 1, 5, 30), utc(2026, 11, 1, 8, 0)))
        );
    }

    #[test]
    fn open_all_day_every_day() {
        let h = BusinessHours {
            zone: New_York,
            week: BusinessHours::parse_week("Mon-Sun 00:00-24:00").unwrap(),
            closed: BTreeSet::new(),
        };
        assert_eq!(h.format_week(), "Mon-Sun 00:00-24:00");
        assert!(h.is_open(ny(2026, 11, 28, 3, 0)));
        assert!(h.is_open(ny(2026, 11, 28, 0, 0)));
        assert_eq!(
            h.add_business_days(friday_3pm(), 1),
            ny(2026, 11, 28, 15, 0)
        );
        // The spring-forward Sunday has 23 hours.
        assert_eq!(
            h.open_time_between(ny(2026, 3, 8, 0, 0), ny(2026, 3, 9, 0, 0)),
            Duration::hours(23)
        );
        assert_eq!(
            h.open_time_between(ny(2026, 3, 6, 12, 0), ny(2026, 3, 10, 12, 0)),
            ny(2026, 3, 10, 12, 0) - ny(2026, 3, 6, 12, 0)
        );
    }

    #[test]
    fn open_time_counts_only_business_hours() {
        let h = hours();
        assert_eq!(
            h.open_time_between(ny(2026, 11, 27, 17, 0), ny(2026, 11, 30, 9, 0)),
            Duration::hours(2)
        );
        assert_eq!(
            h.open_time_between(ny(2026, 11, 30, 9, 0), ny(2026, 11, 27, 17, 0)),
            Duration::zero(),
            "backwards is nothing"
        );
        assert_eq!(
            h.open_time_between(ny(2026, 11, 28, 9, 0), ny(2026, 11, 29, 17, 0)),
            Duration::zero(),
            "a weekend"
        );
        assert_eq!(
            h.open_time_between(ny(2026, 11, 23, 0, 0), ny(2026, 11, 30, 0, 0)),
            Duration::hours(50),
            "a whole week"
        );
        let h = closed_on(&[day(2026, 11, 26)]);
        assert_eq!(
            h.open_time_between(ny(2026, 11, 23, 0, 0), ny(2026, 11, 30, 0, 0)),
            Duration::hours(40),
            "a week with a holiday"
        );
    }

    #[test]
    fn adding_open_time_skips_closed_hours() {
        let h = hours();
        assert_eq!(
            h.add_open_time(ny(2026, 11, 27, 17, 0), Duration::hours(2)),
            ny(2026, 11, 30, 9, 0)
        );
        assert_eq!(
            h.add_open_time(ny(2026, 11, 27, 17, 0), Duration::hours(1)),
            ny(2026, 11, 27, 18, 0),
            "the earliest moment: closing time"
        );
        assert_eq!(
            h.add_open_time(ny(2026, 11, 28, 10, 0), Duration::zero()),
            ny(2026, 11, 28, 10, 0)
        );
        assert_eq!(
            h.add_open_time(ny(2026, 11, 28, 10, 0), Duration::minutes(30)),
            ny(2026, 11, 30, 8, 30)
        );
    }

    #[test]
    fn hours_that_never_open_count_calendar_time() {
        let h = BusinessHours {
            zone: New_York,
            week: [None; 7],
            closed: BTreeSet::new(),
        };
        assert!(!h.is_open(friday_3pm()));
        assert_eq!(
            h.add_business_days(friday_3pm(), 1),
            ny(2026, 11, 28, 15, 0)
        );
        assert_eq!(
            h.open_time_between(friday_3pm(), ny(2026, 11, 28, 15, 0)),
            Duration::hours(24)
        );
        assert_eq!(h.next_open(friday_3pm()), friday_3pm());
        let c = clocks(
            &h,
            &ComplaintPolicy::default(),
            &input(friday_3pm()),
            friday_3pm(),
        );
        assert_eq!(c.acknowledge.due_at, ny(2026, 11, 28, 15, 0));
        assert_eq!(c.acknowledge.status, ClockStatus::OnTime);
    }

    #[test]
    fn a_day_that_closes_before_it_opens_is_closed() {
        let mut h = hours();
        h.week[0] = Some((hm(18, 0), hm(8, 0)));
        assert!(!h.is_open(ny(2026, 11, 30, 10, 0)));
        assert!(!h.is_open(ny(2026, 11, 30, 20, 0)));
        assert_eq!(h.add_business_days(friday_3pm(), 1), ny(2026, 12, 1, 15, 0));
    }

    #[test]
    fn a_huge_number_of_days_does_not_hang_or_panic() {
        let h = hours();
        let due = h.add_business_days(friday_3pm(), u32::MAX);
        assert!(due > friday_3pm());
        assert!(h.add_calendar_days(friday_3pm(), u32::MAX) > friday_3pm());
        let far = Timestamp::MAX_UTC - Duration::days(3);
        assert_eq!(h.add_open_time(far, Duration::days(10)), Timestamp::MAX_UTC);
    }

    // --- parsing hours and closed dates -------------------------------------

    #[test]
    fn closed_dates_one_per_line_or_comma_separated() {
        let text = "# holidays\n2026-12-25\n2026-12-26, 2027-01-01  # New Year\n\n2026-12-25\n";
        let dates = BusinessHours::parse_closed_dates(text).unwrap();
        assert_eq!(
            dates.into_iter().collect::<Vec<_>>(),
            [day(2026, 12, 25), day(2026, 12, 26), day(2027, 1, 1)]
        );
        assert!(BusinessHours::parse_closed_dates("").unwrap().is_empty());
        assert!(
            BusinessHours::parse_closed_dates("  # nothing yet\n")
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn a_bad_closed_date_names_its_line() {
        assert_eq!(
            BusinessHours::parse_closed_dates("2026-12-25\n# x\n2026-12-26, 2026-13-01"),
            Err("line 3: \"2026-13-01\" is not a date; write dates as YYYY-MM-DD".to_string())
        );
        assert_eq!(
            BusinessHours::parse_closed_dates("25/12/2026"),
            Err("line 1: \"25/12/2026\" is not a date; write dates as YYYY-MM-DD".to_string())
        );
        assert!(BusinessHours::parse_closed_dates("2027-02-29").is_err());
    }

    #[test]
    fn weeks_are_read_the_way_people_write_them() {
        let w = BusinessHours::parse_week("Mon-Fri 08:00-18:00, Sat 09:00-12:00").unwrap();
        assert_eq!(w[0], Some((hm(8, 0), hm(18, 0))));
        assert_eq!(w[4], Some((hm(8, 0), hm(18, 0))));
        assert_eq!(w[5], Some((hm(9, 0), hm(12, 0))));
        assert_eq!(w[6], None);
        assert_eq!(format_week(&w), "Mon-Fri 08:00-18:00, Sat 09:00-12:00");
        let same = BusinessHours::parse_week("monday - FRIDAY: 8:00 – 18:00;\nSaturday 9:00-12:00")
            .unwrap();
        assert_eq!(same, w);
        let w = BusinessHours::parse_week("Mon-Fri 08:00-18:00, Wed closed, Thurs 10:00-20:00")
            .unwrap();
        assert_eq!(
            format_week(&w),
            "Mon-Tue 08:00-18:00, Thu 10:00-20:00, Fri 08:00-18:00"
        );
        let w = BusinessHours::parse_week("Fri-Mon 10:00-14:00").unwrap();
        assert_eq!(format_week(&w), "Mon 10:00-14:00, Fri-Sun 10:00-14:00");
        let w = BusinessHours::parse_week("Tu 20:00-24:00").unwrap();
        assert_eq!(w[1], Some((hm(20, 0), NaiveTime::MIN)));
        assert_eq!(format_week(&w), "Tue 20:00-24:00");
        assert_eq!(BusinessHours::parse_week(" Closed ").unwrap(), [None; 7]);
        assert_eq!(format_week(&[None; 7]), "closed");
    }

    #[test]
    fn bad_weeks_say_what_is_wrong() {
        let err = |s: &str| BusinessHours::parse_week(s).unwrap_err();
        assert_eq!(
            err(""),
            "No opening hours given; write them like Mon-Fri 08:00-18:00, Sat 09:00-12:00"
        );
        assert_eq!(
            err("Mon-Fry 08:00-18:00"),
            "\"Mon-Fry 08:00-18:00\": \"Fry\" is not a day of the week; \
             use Mon, Tue, Wed, Thu, Fri, Sat or Sun"
        );
        assert_eq!(
            err("Mon 18:00-08:00"),
            "\"Mon 18:00-08:00\": the closing time must be after the opening time"
        );
        assert_eq!(
            err("Mon 08:00-08:00"),
            "\"Mon 08:00-08:00\": the closing time must be after the opening time"
        );
        assert_eq!(
            err("Mon 8am-6pm"),
            "\"Mon 8am-6pm\": write the hours as HH:MM-HH:MM, such as 08:00-18:00"
        );
        assert_eq!(
            err("Mon-Fri"),
            "\"Mon-Fri\": give the hours, such as 08:00-18:00, or write closed"
        );
        assert!(err("T 08:00-09:00").contains("is not a day of the week"));
        assert!(err("08:00-18:00").contains("name the days"));
        assert!(err("Mon 24:00-24:00").contains("HH:MM-HH:MM"));
        assert!(err("Mon 08:60-09:00").contains("HH:MM-HH:MM"));
        assert!(err("Montag 08:00-18:00").contains("not a day"));
        // Text that is not ASCII must not trip the parser.
        assert!(BusinessHours::parse_week("İİİ closed").is_err());
        assert!(BusinessHours::parse_week("ß closed, 日 08:00-09:00").is_err());
    }

    // --- clocks ------------------------------------------------------------

    #[test]
    fn the_policy_defaults_to_one_business_day_and_seven_calendar_days() {
        let p = ComplaintPolicy::default();
        assert_eq!(p.acknowledge_business_days, 1);
        assert_eq!(p.resolve_calendar_days, 7);
        assert_eq!(
            p.describe(),
            "acknowledge within 1 business day, resolve within 7 calendar days"
        );
    }

    #[test]
    fn policy_settings_are_checked() {
        assert_eq!(
            ComplaintPolicy::parse(" 2 ", "14"),
            Ok(ComplaintPolicy {
                acknowledge_business_days: 2,
                resolve_calendar_days: 14
            })
        );
        let e = ComplaintPolicy::parse("", "0").unwrap_err();
        assert_eq!(e.get("acknowledge_business_days"), Some(REQUIRED));
        assert_eq!(
            e.get("resolve_calendar_days"),
            Some("Enter a whole number of days from 1 to 365")
        );
        let e = ComplaintPolicy::parse("31", "1.5").unwrap_err();
        assert_eq!(
            e.get("acknowledge_business_days"),
            Some("Enter a whole number of days from 1 to 30")
        );
        assert!(e.get("resolve_calendar_days").is_some());
    }

    #[test]
    fn a_fresh_complaint_is_on_time_with_its_owner() {
        let c = at(&input(friday_3pm()), ny(2026, 11, 27, 15, 5));
        assert_eq!(
            c.acknowledge,
            ClockView {
                due_at: ny(2026, 11, 30, 15, 0),
                status: ClockStatus::OnTime
            }
        );
        assert_eq!(
            c.resolve,
            ClockView {
                due_at: ny(2026, 12, 4, 15, 0),
                status: ClockStatus::OnTime
            }
        );
        assert_eq!(c.level, Level::Owner);
    }

    #[test]
    fn the_acknowledge_clock_is_due_soon_in_the_last_quarter_of_business_time() {
        let c = input(friday_3pm());
        // Window: Fri 15–18 and Mon 08–15, ten business hours; the last 2.5 are due soon.
        assert_eq!(
            at(&c, ny(2026, 11, 29, 23, 0)).acknowledge.status,
            ClockStatus::OnTime
        );
        assert_eq!(
            at(&c, ny(2026, 11, 30, 12, 29)).acknowledge.status,
            ClockStatus::OnTime
        );
        assert_eq!(
            at(&c, ny(2026, 11, 30, 12, 30)).acknowledge.status,
            ClockStatus::DueSoon
        );
        assert_eq!(
            at(&c, ny(2026, 11, 30, 14, 59)).acknowledge.status,
            ClockStatus::DueSoon
        );
        assert_eq!(at(&c, ny(2026, 11, 30, 14, 59)).level, Level::Owner);
    }

    #[test]
    fn an_overdue_acknowledgement_goes_to_a_manager_then_an_admin() {
        let c = input(friday_3pm());
        let now = at(&c, ny(2026, 11, 30, 15, 0));
        assert_eq!(now.acknowledge.status, ClockStatus::Overdue);
        assert_eq!(now.level, Level::Manager);
        // Overnight nothing changes ...
        assert_eq!(at(&c, ny(2026, 12, 1, 7, 0)).level, Level::Manager);
        assert_eq!(at(&c, ny(2026, 12, 1, 14, 59)).level, Level::Manager);
        // ... one further business day later it is an admin's.
        assert_eq!(at(&c, ny(2026, 12, 1, 15, 0)).level, Level::Admin);
        assert_eq!(
            at(&c, ny(2026, 12, 1, 15, 0)).resolve.status,
            ClockStatus::OnTime
        );
    }

    #[test]
    fn the_admin_step_skips_closed_days_too() {
        let h = closed_on(&[day(2026, 12, 1)]);
        let c = input(friday_3pm());
        let p = ComplaintPolicy::default();
        assert_eq!(
            clocks(&h, &p, &c, ny(2026, 12, 1, 16, 0)).level,
            Level::Manager
        );
        assert_eq!(
            clocks(&h, &p, &c, ny(2026, 12, 2, 15, 0)).level,
            Level::Admin
        );
    }

    #[test]
    fn acknowledging_in_time_meets_the_clock() {
        let c = ClockInput {
            acknowledged_at: Some(ny(2026, 11, 30, 15, 0)),
            ..input(friday_3pm())
        };
        let now = at(&c, ny(2026, 12, 2, 9, 0));
        assert_eq!(
            now.acknowledge.status,
            ClockStatus::Met,
            "at the due time is in time"
        );
        assert_eq!(now.acknowledge.due_at, ny(2026, 11, 30, 15, 0));
        assert_eq!(now.resolve.status, ClockStatus::OnTime);
        assert_eq!(now.level, Level::Owner);
    }

    #[test]
    fn acknowledging_late_misses_the_clock_and_keeps_the_manager_involved() {
        let c = ClockInput {
            acknowledged_at: Some(ny(2026, 11, 30, 16, 0)),
            ..input(friday_3pm())
        };
        let now = at(&c, ny(2026, 12, 1, 16, 0));
        assert_eq!(now.acknowledge.status, ClockStatus::Missed);
        assert_eq!(now.level, Level::Manager, "missed and still unresolved");
        let done = ClockInput {
            resolved_at: Some(ny(2026, 12, 2, 10, 0)),
            ..c
        };
        let now = at(&done, ny(2026, 12, 2, 10, 0));
        assert_eq!(now.acknowledge.status, ClockStatus::Missed);
        assert_eq!(now.resolve.status, ClockStatus::Met);
        assert_eq!(now.level, Level::Owner, "resolved is back with its owner");
    }

    #[test]
    fn the_resolve_clock_counts_calendar_days() {
        let c = ClockInput {
            acknowledged_at: Some(ny(2026, 11, 27, 16, 0)),
            ..input(friday_3pm())
        };
        // Seven days: 168 hours; the last 42 are due soon (from Wednesday 21:00).
        assert_eq!(
            at(&c, ny(2026, 12, 2, 20, 59)).resolve.status,
            ClockStatus::OnTime
        );
        assert_eq!(
            at(&c, ny(2026, 12, 2, 21, 0)).resolve.status,
            ClockStatus::DueSoon
        );
        let due = at(&c, ny(2026, 12, 4, 15, 0));
        assert_eq!(due.resolve.due_at, ny(2026, 12, 4, 15, 0));
        assert_eq!(due.resolve.status, ClockStatus::Overdue);
        assert_eq!(due.level, Level::Manager);
        assert_eq!(at(&c, ny(2026, 12, 6, 14, 59)).level, Level::Manager);
        assert_eq!(
            at(&c, ny(2026, 12, 6, 15, 0)).level,
            Level::Admin,
            "two days overdue"
        );
        // Resolved after that: missed, but back with the owner.
        let late = ClockInput {
            resolved_at: Some(ny(2026, 12, 7, 9, 0)),
            ..c
        };
        let now = at(&late, ny(2026, 12, 8, 9, 0));
        assert_eq!(now.resolve.status, ClockStatus::Missed);
        assert_eq!(now.acknowledge.status, ClockStatus::Met);
        assert_eq!(now.level, Level::Owner);
    }

    #[test]
    fn calendar_days_keep_the_wall_clock_time_across_daylight_saving() {
        let received = ny(2026, 10, 30, 15, 0); // EDT
        let c = at(&input(received), received);
        assert_eq!(c.resolve.due_at, ny(2026, 11, 6, 15, 0)); // EST
        assert_eq!(c.resolve.due_at - received, Duration::hours(7 * 24 + 1));
        let received = ny(2026, 3, 6, 15, 0);
        let c = at(&input(received), received);
        assert_eq!(c.resolve.due_at, ny(2026, 3, 13, 15, 0));
        assert_eq!(c.resolve.due_at - received, Duration::hours(7 * 24 - 1));
    }

    #[test]
    fn a_complaint_received_on_saturday_is_due_tuesday_morning() {
        let c = input(ny(2026, 11, 28, 10, 0));
        let now = at(&c, ny(2026, 11, 30, 8, 0));
        assert_eq!(now.acknowledge.due_at, ny(2026, 12, 1, 8, 0));
        assert_eq!(now.acknowledge.status, ClockStatus::OnTime);
        assert_eq!(now.resolve.due_at, ny(2026, 12, 5, 10, 0));
        assert_eq!(
            at(&c, ny(2026, 11, 30, 15, 29)).acknowledge.status,
            ClockStatus::OnTime
        );
        assert_eq!(
            at(&c, ny(2026, 11, 30, 15, 30)).acknowledge.status,
            ClockStatus::DueSoon
        );
        assert_eq!(
            at(&c, ny(2026, 11, 30, 23, 0)).acknowledge.status,
            ClockStatus::DueSoon
        );
        assert_eq!(
            at(&c, ny(2026, 12, 1, 8, 0)).acknowledge.status,
            ClockStatus::Overdue
        );
    }

    #[test]
    fn a_holiday_pushes_the_acknowledge_clock() {
        let h = closed_on(&[day(2026, 11, 30)]);
        let c = clocks(
            &h,
            &ComplaintPolicy::default(),
            &input(friday_3pm()),
            friday_3pm(),
        );
        assert_eq!(c.acknowledge.due_at, ny(2026, 12, 1, 15, 0));
        assert_eq!(
            c.resolve.due_at,
            ny(2026, 12, 4, 15, 0),
            "calendar days ignore holidays"
        );
    }

    #[test]
    fn a_pause_in_business_hours_pushes_both_clocks() {
        let pauses = [Pause {
            from: ny(2026, 11, 30, 9, 0),
            until: Some(ny(2026, 11, 30, 11, 0)),
        }];
        let c = ClockInput {
            pauses: &pauses,
            ..input(friday_3pm())
        };
        let now = at(&c, ny(2026, 11, 30, 16, 0));
        assert_eq!(now.acknowledge.due_at, ny(2026, 11, 30, 17, 0));
        assert_eq!(now.acknowledge.status, ClockStatus::DueSoon);
        assert_eq!(now.resolve.due_at, ny(2026, 12, 4, 17, 0));
        assert_eq!(now.level, Level::Owner);
    }

    #[test]
    fn a_weekend_pause_moves_only_the_calendar_clock() {
        let pauses = [Pause {
            from: ny(2026, 11, 28, 9, 0),
            until: Some(ny(2026, 11, 29, 21, 0)),
        }];
        let c = ClockInput {
            pauses: &pauses,
            ..input(friday_3pm())
        };
        let now = at(&c, ny(2026, 11, 30, 9, 0));
        assert_eq!(now.acknowledge.due_at, ny(2026, 11, 30, 15, 0));
        assert_eq!(now.resolve.due_at, ny(2026, 12, 6, 3, 0), "36 hours later");
    }

    #[test]
    fn a_pause_over_a_closing_time_counts_only_the_open_part() {
        // Friday 17:00 to Monday 10:00: one hour on Friday, two on Monday.
        let pauses = [Pause {
            from: ny(2026, 11, 27, 17, 0),
            until: Some(ny(2026, 11, 30, 10, 0)),
        }];
        let c = ClockInput {
            pauses: &pauses,
            ..input(friday_3pm())
        };
        let now = at(&c, ny(2026, 11, 30, 17, 59));
        assert_eq!(now.acknowledge.due_at, ny(2026, 11, 30, 18, 0));
        assert_eq!(now.acknowledge.status, ClockStatus::DueSoon);
        assert_eq!(
            at(&c, ny(2026, 11, 30, 18, 0)).acknowledge.status,
            ClockStatus::Overdue
        );
    }

    #[test]
    fn a_paused_complaint_does_not_escalate() {
        let pauses = [Pause {
            from: ny(2026, 11, 30, 9, 0),
            until: None,
        }];
        let c = ClockInput {
            pauses: &pauses,
            ..input(friday_3pm())
        };
        let now = at(&c, ny(2026, 12, 9, 16, 0));
        assert_eq!(now.acknowledge.status, ClockStatus::Paused);
        assert_eq!(now.resolve.status, ClockStatus::Paused);
        assert_eq!(now.level, Level::Owner);
        // The due time moves on while paused: it is the due time if resumed now.
        let monday_4pm = at(&c, ny(2026, 11, 30, 16, 0));
        assert_eq!(monday_4pm.acknowledge.due_at, ny(2026, 12, 1, 12, 0));
        assert_eq!(monday_4pm.resolve.due_at, ny(2026, 12, 4, 22, 0));
        // A pause that has not started yet changes nothing.
        let before = at(&c, ny(2026, 11, 30, 8, 30));
        assert_eq!(before.acknowledge.status, ClockStatus::OnTime);
        assert_eq!(before.acknowledge.due_at, ny(2026, 11, 30, 15, 0));
    }

    #[test]
    fn time_used_before_a_pause_still_counts() {
        // Overdue at Monday 16:00, paused until Tuesday 10:00 (four business hours).
        let pauses = [Pause {
            from: ny(2026, 11, 30, 16, 0),
            until: Some(ny(2026, 12, 1, 10, 0)),
        }];
        let c = ClockInput {
            pauses: &pauses,
            ..input(friday_3pm())
        };
        assert_eq!(at(&c, ny(2026, 11, 30, 15, 30)).level, Level::Manager);
        assert_eq!(
            at(&c, ny(2026, 11, 30, 17, 0)).level,
            Level::Owner,
            "paused"
        );
        let resumed = at(&c, ny(2026, 12, 1, 10, 0));
        assert_eq!(resumed.acknowledge.due_at, ny(2026, 12, 1, 9, 0));
        assert_eq!(resumed.acknowledge.status, ClockStatus::Overdue);
        assert_eq!(resumed.level, Level::Manager);
    }

    #[test]
    fn overlapping_pauses_are_not_counted_twice() {
        let pauses = [
            Pause {
                from: ny(2026, 11, 30, 10, 0),
                until: Some(ny(2026, 11, 30, 12, 0)),
            },
            Pause {
                from: ny(2026, 11, 30, 9, 0),
                until: Some(ny(2026, 11, 30, 11, 0)),
            },
            // Before the complaint was received: ignored.
            Pause {
                from: ny(2026, 11, 20, 9, 0),
                until: Some(ny(2026, 11, 20, 11, 0)),
            },
        ];
        let c = ClockInput {
            pauses: &pauses,
            ..input(friday_3pm())
        };
        let now = at(&c, ny(2026, 11, 30, 13, 0));
        assert_eq!(now.acknowledge.due_at, ny(2026, 11, 30, 18, 0));
        assert_eq!(now.resolve.due_at, ny(2026, 12, 4, 18, 0));
    }

    #[test]
    fn a_pause_after_acknowledgement_moves_only_the_resolve_clock() {
        let pauses = [Pause {
            from: ny(2026, 11, 30, 11, 0),
            until: Some(ny(2026, 11, 30, 13, 0)),
        }];
        let c = ClockInput {
            acknowledged_at: Some(ny(2026, 11, 30, 10, 0)),
            pauses: &pauses,
            ..input(friday_3pm())
        };
        let now = at(&c, ny(2026, 12, 1, 9, 0));
        assert_eq!(now.acknowledge.due_at, ny(2026, 11, 30, 15, 0));
        assert_eq!(now.acknowledge.status, ClockStatus::Met);
        assert_eq!(now.resolve.due_at, ny(2026, 12, 4, 17, 0));
    }

    #[test]
    fn a_missed_acknowledgement_stays_with_the_manager_while_paused() {
        let pauses = [Pause {
            from: ny(2026, 12, 1, 9, 0),
            until: None,
        }];
        let c = ClockInput {
            acknowledged_at: Some(ny(2026, 11, 30, 17, 0)),
            pauses: &pauses,
            ..input(friday_3pm())
        };
        let now = at(&c, ny(2026, 12, 3, 9, 0));
        assert_eq!(now.acknowledge.status, ClockStatus::Missed);
        assert_eq!(now.resolve.status, ClockStatus::Paused);
        assert_eq!(now.level, Level::Manager);
    }

    #[test]
    fn resolving_stops_both_clocks_and_ends_the_escalation() {
        // Never acknowledged, resolved long after every clock ran out.
        let c = ClockInput {
            resolved_at: Some(ny(2026, 12, 20, 10, 0)),
            ..input(friday_3pm())
        };
        let now = at(&c, ny(2026, 12, 21, 10, 0));
        assert_eq!(now.acknowledge.status, ClockStatus::Missed);
        assert_eq!(now.resolve.status, ClockStatus::Missed);
        assert_eq!(now.level, Level::Owner);
        // Resolved on the spot, while a pause was still open.
        let pauses = [Pause {
            from: ny(2026, 11, 27, 15, 10),
            until: None,
        }];
        let c = ClockInput {
            acknowledged_at: Some(ny(2026, 11, 27, 15, 20)),
            resolved_at: Some(ny(2026, 11, 27, 15, 30)),
            pauses: &pauses,
            ..input(friday_3pm())
        };
        let now = at(&c, ny(2026, 12, 20, 10, 0));
        assert_eq!(now.acknowledge.status, ClockStatus::Met);
        assert_eq!(now.resolve.status, ClockStatus::Met);
        assert_eq!(
            now.resolve.due_at,
            ny(2026, 12, 4, 15, 20),
            "paused 20 minutes"
        );
        assert_eq!(now.level, Level::Owner);
    }

    #[test]
    fn a_longer_policy_moves_both_due_times() {
        let p = ComplaintPolicy {
            acknowledge_business_days: 2,
            resolve_calendar_days: 14,
        };
        let c = clocks(&hours(), &p, &input(friday_3pm()), friday_3pm());
        assert_eq!(c.acknowledge.due_at, ny(2026, 12, 1, 15, 0));
        assert_eq!(c.resolve.due_at, ny(2026, 12, 11, 15, 0));
    }

    // --- state rules -----------------------------------------------------

    #[test]
    fn complaints_move_received_acknowledged_resolved() {
        use ComplaintAction as A;
        use ComplaintError as E;
        use ComplaintStatus as S;
        let cases = [
            (S::Received, false, A::Acknowledge, Ok(())),
            (S::Received, false, A::Resolve, Err(E::NotAcknowledged)),
            (S::Received, false, A::Pause, Ok(())),
            (S::Received, false, A::Resume, Err(E::NotPaused)),
            (S::Received, false, A::Assign, Ok(())),
            (S::Received, false, A::Reply, Ok(())),
            (S::Received, true, A::Pause, Err(E::AlreadyPaused)),
            (S::Received, true, A::Resume, Ok(())),
            (S::Received, true, A::Acknowledge, Ok(())),
            (
                S::Acknowledged,
                false,
                A::Acknowledge,
                Err(E::AlreadyAcknowledged),
            ),
            (S::Acknowledged, false, A::Resolve, Ok(())),
            (S::Acknowledged, true, A::Resolve, Ok(())),
            (S::Acknowledged, false, A::Pause, Ok(())),
            (S::Acknowledged, true, A::Pause, Err(E::AlreadyPaused)),
            (S::Acknowledged, false, A::Resume, Err(E::NotPaused)),
            (S::Acknowledged, true, A::Resume, Ok(())),
            (S::Acknowledged, false, A::Assign, Ok(())),
        ];
        for (status, paused, action, expected) in cases {
            assert_eq!(
                check_action(status, paused, action),
                expected,
                "{status} paused={paused} {action}"
            );
        }
    }

    #[test]
    fn a_resolved_complaint_only_takes_replies() {
        for paused in [false, true] {
            for action in ComplaintAction::ALL {
                let r = check_action(ComplaintStatus::Resolved, paused, action);
                if action == ComplaintAction::Reply {
                    assert_eq!(r, Ok(()));
                } else {
                    assert_eq!(r, Err(ComplaintError::AlreadyResolved), "{action}");
                }
            }
        }
        assert_eq!(
            ComplaintError::AlreadyResolved.to_string(),
            "This complaint is already resolved"
        );
    }

    #[test]
    fn an_acknowledgement_needs_a_named_staff_member() {
        assert_eq!(
            check_acknowledge(ComplaintStatus::Received, false, " ana "),
            Ok("ana".to_string())
        );
        let e = check_acknowledge(ComplaintStatus::Received, false, "  ").unwrap_err();
        assert_eq!(e, ComplaintError::NoStaffMember);
        assert_eq!(
            e.to_string(),
            "An acknowledgement needs a named staff member"
        );
        assert_eq!(
            check_acknowledge(ComplaintStatus::Acknowledged, false, "ana"),
            Err(ComplaintError::AlreadyAcknowledged)
        );
    }

    #[test]
    fn the_status_after_an_action() {
        use ComplaintAction as A;
        use ComplaintStatus as S;
        assert_eq!(S::Received.after(A::Acknowledge), S::Acknowledged);
        assert_eq!(S::Acknowledged.after(A::Resolve), S::Resolved);
        assert_eq!(S::Received.after(A::Pause), S::Received);
        assert_eq!(S::Acknowledged.after(A::Reply), S::Acknowledged);
    }

    // --- taking a complaint ------------------------------------------------

    #[test]
    fn a_complaint_is_kept_verbatim() {
        let text = "  I waited 2 HOURS!!\n\n   Nobody told me why.\t \n";
        let c = validate_new(text, "phone", None, None, None, None, None).unwrap();
        assert_eq!(c.text, "I waited 2 HOURS!!\n\n   Nobody told me why.");
        assert_eq!(c.channel, Channel::Phone);
        assert_eq!(c.category, Category::Other);
        assert_eq!(c.severity, Severity::Medium);
        assert_eq!(c.contact_name, None);
        assert_eq!(c.contact_email, None);
        assert_eq!(c.contact_phone, None);
    }

    #[test]
    fn a_complaint_with_every_field() {
        let c = validate_new(
            "The bill was wrong.",
            "email",
            Some("billing"),
            Some("high"),
            Some("  Ana   Silva "),
            Some(" ana@example.org "),
            Some("+1 (555) 010-2030"),
        )
        .unwrap();
        assert_eq!(c.category, Category::Billing);
        assert_eq!(c.severity, Severity::High);
        assert_eq!(c.contact_name.as_deref(), Some("Ana Silva"));
        assert_eq!(c.contact_email.as_deref(), Some("ana@example.org"));
        assert_eq!(c.contact_phone.as_deref(), Some("+1 (555) 010-2030"));
        // Empty optional fields are simply not given.
        let c = validate_new(
            "x",
            "desk",
            Some(""),
            Some(" "),
            Some(""),
            Some(""),
            Some(""),
        )
        .unwrap();
        assert_eq!(c.category, Category::Other);
        assert_eq!(c.severity, Severity::Medium);
        assert_eq!(c.contact_email, None);
    }

    #[test]
    fn every_bad_field_gets_its_own_message() {
        let e = validate_new(
            "   ",
            "",
            Some("vibes"),
            Some("urgent"),
            Some(&"x".repeat(101)),
            Some("ana@"),
            Some("12"),
        )
        .unwrap_err();
        assert_eq!(e.get("text"), Some("Required field missing"));
        assert_eq!(e.get("channel"), Some("Required field missing"));
        assert_eq!(
            e.get("category"),
            Some(
                "Unknown category; use waiting, communication, staff_attitude, billing, \
                 appointments, clinical_care, privacy, facilities or other"
            )
        );
        assert_eq!(
            e.get("severity"),
            Some("Unknown severity; use low, medium or high")
        );
        assert_eq!(e.get("contact.name"), Some(TOO_LONG));
        assert_eq!(e.get("contact.email"), Some("Email address invalid"));
        assert_eq!(e.get("contact.phone"), Some("Phone number invalid"));
        assert_eq!(e.0.len(), 7);

        let e = validate_new("x", "fax", None, None, None, None, None).unwrap_err();
        assert_eq!(
            e.get("channel"),
            Some("Unknown channel; use desk, phone, status_page, web_form, email or letter")
        );
        assert_eq!(e.0.len(), 1);
    }

    #[test]
    fn complaint_text_limits() {
        let ok = "a".repeat(TEXT_MAX);
        assert!(validate_new(&ok, "desk", None, None, None, None, None).is_ok());
        let long = "a".repeat(TEXT_MAX + 1);
        let e = validate_new(&long, "desk", None, None, None, None, None).unwrap_err();
        assert_eq!(e.get("text"), Some("Too long (at most 10,000 characters)"));
        // Characters, not bytes.
        let accented = "é".repeat(TEXT_MAX);
        assert!(validate_new(&accented, "desk", None, None, None, None, None).is_ok());
        let e = validate_new("bad\0byte", "desk", None, None, None, None, None).unwrap_err();
        assert_eq!(e.get("text"), Some(CONTROL_CHARS));
        // Markup is just text here; escaping happens when it is shown.
        let c = validate_new("<b>rude</b>", "desk", None, None, None, None, None).unwrap();
        assert_eq!(c.text, "<b>rude</b>");
    }

    #[test]
    fn the_feedback_form_needs_name_email_and_message() {
        let e = validate_feedback_form("", "", " ", "").unwrap_err();
        assert_eq!(e.get("name"), Some(REQUIRED));
        assert_eq!(e.get("email"), Some(REQUIRED));
        assert_eq!(e.get("message"), Some(REQUIRED));
        assert_eq!(e.get("phone"), None, "the phone is optional");
        assert_eq!(e.0.len(), 3);

        let e = validate_feedback_form("Ana", "ana.example.org", "Too long a wait", "call me")
            .unwrap_err();
        assert_eq!(e.get("email"), Some(EMAIL_INVALID));
        assert_eq!(e.get("phone"), Some(PHONE_INVALID));
        assert_eq!(e.0.len(), 2);

        let c = validate_feedback_form(" Ana Silva ", "ana@example.org", " Too long a wait. ", "")
            .unwrap();
        assert_eq!(c.channel, Channel::WebForm);
        assert_eq!(c.text, "Too long a wait.");
        assert_eq!(c.contact_name.as_deref(), Some("Ana Silva"));
        assert_eq!(c.contact_email.as_deref(), Some("ana@example.org"));
        assert_eq!(c.contact_phone, None);
        assert_eq!(c.category, Category::Other);
        assert_eq!(c.severity, Severity::Medium);
    }

    // --- resolution and letter ---------------------------------------------

    fn resolution() -> Resolution {
        validate_resolution(
            " Maria Lopez, practice manager ",
            "We spoke with the front-desk team and changed how we tell patients about delays.",
            "Patients now hear about any delay when they check in.",
        )
        .unwrap()
    }

    #[test]
    fn a_resolution_needs_all_three_parts() {
        let e = validate_resolution("", " ", "\n").unwrap_err();
        assert_eq!(e.get("contact_person"), Some(REQUIRED));
        assert_eq!(e.get("steps"), Some(REQUIRED));
        assert_eq!(e.get("result"), Some(REQUIRED));
        assert_eq!(e.0.len(), 3);
        let e = validate_resolution(&"m".repeat(101), "x", &"y".repeat(TEXT_MAX + 1)).unwrap_err();
        assert_eq!(e.get("contact_person"), Some(TOO_LONG));
        assert_eq!(e.get("result"), Some(TEXT_TOO_LONG));
        assert_eq!(e.get("steps"), None);
        assert_eq!(resolution().contact_person, "Maria Lopez, practice manager");
    }

    #[test]
    fn the_letter_says_what_we_heard_did_and_found() {
        let words = "I waited 2 hours & nobody said <why>.\nNot OK.";
        let l = letter(
            "Riverside Family Practice",
            Some("Ana Silva"),
            words,
            &resolution(),
            ny(2026, 11, 27, 15, 0),
            New_York,
        );
        assert_eq!(l.greeting, "Dear Ana Silva,");
        assert_eq!(l.completed_on, "27 November 2026");
        assert_eq!(l.contact_person, "Maria Lopez, practice manager");
        assert_eq!(
            l.paragraphs,
            [
                "Thank you for telling us about your experience with Riverside Family Practice. \
                 This letter sets out what we did about it.",
                "You told us:",
                "“I waited 2 hours & nobody said <why>.\nNot OK.”",
                "The steps we took: We spoke with the front-desk team and changed how we tell \
                 patients about delays.",
                "The result: Patients now hear about any delay when they check in.",
                "If you have any questions about this, please contact Maria Lopez, practice \
                 manager at Riverside Family Practice. We want to hear from you.",
                "We completed our review of your complaint on 27 November 2026.",
            ]
        );
    }

    #[test]
    fn a_letter_without_a_name_is_to_the_patient() {
        let l = letter("", None, "x", &resolution(), ny(2026, 3, 5, 9, 0), New_York);
        assert_eq!(l.greeting, "Dear patient,");
        assert!(l.paragraphs[0].contains("your experience with our practice."));
        assert_eq!(l.completed_on, "5 March 2026");
        let l = letter(
            "P",
            Some("  "),
            "x",
            &resolution(),
            ny(2026, 3, 5, 9, 0),
            New_York,
        );
        assert_eq!(l.greeting, "Dear patient,");
    }

    #[test]
    fn the_completion_date_is_the_locations_date() {
        // 03:00 UTC on the 28th is still the 27th in New York.
        let when = utc(2026, 11, 28, 3, 0);
        assert_eq!(letter_date(when, New_York), "27 November 2026");
        assert_eq!(letter_date(when, chrono_tz::UTC), "28 November 2026");
        assert_eq!(
            letter_date(when, chrono_tz::Asia::Tokyo),
            "28 November 2026"
        );
    }

    // --- permissions -------------------------------------------------------

    #[test]
    fn managers_and_admins_read_every_complaint() {
        for viewer in [Role::Manager, Role::Admin] {
            assert!(can_read(
                viewer,
                "boss",
                Some(("maria", Role::Manager)),
                false
            ));
            assert!(can_read(
                viewer,
                "boss",
                Some(("tom", Role::FrontDesk)),
                false
            ));
            assert!(can_read(viewer, "boss", None, false));
        }
    }

    #[test]
    fn front_desk_and_clinicians_read_their_own_and_their_colleagues_complaints() {
        for viewer in [Role::FrontDesk, Role::Clinician] {
            assert!(can_read(
                viewer,
                "tom",
                Some(("tom", Role::FrontDesk)),
                false
            ));
            assert!(can_read(
                viewer,
                "tom",
                Some(("lee", Role::Clinician)),
                false
            ));
            assert!(can_read(
                viewer,
                "tom",
                Some(("sam", Role::FrontDesk)),
                false
            ));
            assert!(can_read(viewer, "tom", None, false), "nobody owns it yet");
            assert!(!can_read(
                viewer,
                "tom",
                Some(("maria", Role::Manager)),
                false
            ));
            assert!(!can_read(viewer, "tom", Some(("root", Role::Admin)), false));
            // Unless the location lets all staff read all complaints.
            assert!(can_read(
                viewer,
                "tom",
                Some(("maria", Role::Manager)),
                true
            ));
        }
        // Owning it is enough, whatever the owner's role is recorded as.
        assert!(can_read(
            Role::FrontDesk,
            "tom",
            Some(("tom", Role::Manager)),
            false
        ));
        // An empty name is nobody.
        assert!(!can_read(
            Role::FrontDesk,
            "",
            Some(("", Role::Manager)),
            false
        ));
    }

    #[test]
    fn only_the_owner_managers_and_admins_work_a_complaint() {
        assert!(can_work(Role::FrontDesk, "tom", Some("tom")));
        assert!(can_work(Role::Clinician, "lee", Some(" lee ")));
        assert!(!can_work(Role::FrontDesk, "tom", Some("sam")));
        assert!(!can_work(Role::Clinician, "lee", None));
        assert!(!can_work(Role::FrontDesk, "", Some("")));
        for boss in [Role::Manager, Role::Admin] {
            assert!(can_work(boss, "maria", Some("tom")));
            assert!(can_work(boss, "maria", None));
        }
    }

    // --- properties ----------------------------------------------------------

    fn zone() -> impl Strategy<Value = Tz> {
        prop_oneof![
            Just(New_York),
            Just(chrono_tz::Europe::London),
            Just(chrono_tz::Australia::Lord_Howe), // half-hour daylight saving
            Just(chrono_tz::America::Santiago),    // changes at midnight
            Just(chrono_tz::Asia::Kolkata),
            Just(chrono_tz::UTC),
        ]
    }

    /// Quarter-hour index 0..=96 as a time; 96 is midnight at the end of the day.
    fn quarter_hour(i: u32) -> NaiveTime {
        if i >= 96 {
            NaiveTime::MIN
        } else {
            NaiveTime::from_hms_opt(i / 4, (i % 4) * 15, 0).unwrap()
        }
    }

    fn day_hours() -> impl Strategy<Value = Option<(NaiveTime, NaiveTime)>> {
        proptest::option::of(
            (0u32..96)
                .prop_flat_map(|o| (Just(o), (o + 1)..=96))
                .prop_map(|(o, c)| (quarter_hour(o), quarter_hour(c))),
        )
    }

    fn any_hours() -> impl Strategy<Value = BusinessHours> {
        (
            zone(),
            proptest::array::uniform7(day_hours()),
            proptest::collection::btree_set(0i64..400, 0..20),
        )
            .prop_map(|(zone, week, closed)| BusinessHours {
                zone,
                week,
                closed: closed
                    .into_iter()
                    .map(|d| day(2026, 1, 1) + Duration::days(d))
                    .collect(),
            })
    }

    fn moment() -> impl Strategy<Value = Timestamp> {
        (0i64..400 * 86_400).prop_map(|s| utc(2026, 1, 1, 0, 0) + Duration::seconds(s))
    }

    proptest! {
        #[test]
        fn business_days_land_on_open_time_or_a_closing_time(h in any_hours(), start in moment(), days in 0u32..12) {
            prop_assume!(!h.never_opens());
            let due = h.add_business_days(start, days);
            prop_assert!(due >= start);
            prop_assert!(h.is_open(due) || h.is_open(due - Duration::nanoseconds(1)), "due {due}");
            if days > 0 {
                prop_assert!(h.open_time_between(start, due) > Duration::zero());
            }
            prop_assert!(h.add_business_days(start, days + 1) > due);
        }

        #[test]
        fn open_time_is_additive(h in any_hours(), a in moment(), b in moment(), c in moment()) {
            let mut v = [a, b, c];
            v.sort();
            let [a, b, c] = v;
            prop_assert_eq!(
                h.open_time_between(a, c),
                h.open_time_between(a, b) + h.open_time_between(b, c)
            );
            prop_assert!(h.open_time_between(a, c) <= c - a);
        }

        #[test]
        fn adding_open_time_is_undone_by_measuring_it(h in any_hours(), start in moment(), minutes in 0i64..20_000) {
            let d = Duration::minutes(minutes);
            let end = h.add_open_time(start, d);
            prop_assert!(end >= start);
            prop_assert_eq!(h.open_time_between(start, end), d);
            if minutes > 0 && !h.never_opens() {
                prop_assert!(h.open_time_between(start, end - Duration::seconds(1)) < d, "earliest");
            }
        }

        #[test]
        fn each_business_day_of_regular_hours_is_ten_open_hours(
            zone in zone(),
            closed in proptest::collection::btree_set(0i64..400, 0..30),
            start in moment(),
            days in 0u32..15,
        ) {
            let mut h = BusinessHours::weekdays_8_to_6(zone);
            h.closed = closed.into_iter().map(|d| day(2026, 1, 1) + Duration::days(d)).collect();
            let due = h.add_business_days(start, days);
            prop_assert_eq!(h.open_time_between(start, due), Duration::hours(10 * i64::from(days)));
        }

        #[test]
        fn written_hours_read_back_the_same(week in proptest::array::uniform7(day_hours())) {
            prop_assume!(week.iter().any(Option::is_some));
            let h = BusinessHours { zone: New_York, week, closed: BTreeSet::new() };
            prop_assert_eq!(BusinessHours::parse_week(&h.format_week()), Ok(week));
        }

        #[test]
        fn no_text_crashes_the_parsers(text in ".{0,60}") {
            let _ = BusinessHours::parse_week(&text);
            let _ = BusinessHours::parse_closed_dates(&text);
            let _ = validate_new(&text, &text, Some(&text), Some(&text), Some(&text), Some(&text), Some(&text));
            let _ = validate_feedback_form(&text, &text, &text, &text);
        }

        #[test]
        fn escalation_never_steps_down_as_time_passes(
            received in moment(),
            ack_after in proptest::option::of(0i64..20 * 86_400),
            a in 0i64..30 * 86_400,
            b in 0i64..30 * 86_400,
        ) {
            let c = ClockInput {
                acknowledged_at: ack_after.map(|s| received + Duration::seconds(s)),
                ..input(received)
            };
            let (early, late) = (a.min(b), a.max(b));
            let first = at(&c, received + Duration::seconds(early));
            let second = at(&c, received + Duration::seconds(late));
            prop_assert!(first.level <= second.level);
            prop_assert_eq!(first.acknowledge.due_at, second.acknowledge.due_at);
            prop_assert_eq!(first.resolve.due_at, second.resolve.due_at);
            prop_assert!(first.acknowledge.due_at > received);
        }
    }
}
