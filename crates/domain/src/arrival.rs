//! Arrival links: before a booked patient's appointment the outbox sends
//! them a private link for that appointment alone. On it they say "I'm here"
//! (which checks them in and turns the link into their status page), "I'm
//! running late" or "I can't come". It is the only way to check in from
//! afar: the kiosk needs a paired tablet in the lobby, and staff check
//! people in themselves.
//!
//! The rules, with no I/O and the time passed in: when the reminder carrying
//! the link goes out, which day the link works on, what the patient may do
//! with it as the visit stands, what "running late" carries, and the words of
//! the message.

use crate::duration::{format_duration, parse_duration};
use crate::{Timestamp, VisitState};
use chrono::{Duration, NaiveDate, NaiveTime, TimeZone};
use chrono_tz::Tz;

/// When the reminder with the arrival link goes out, a server-wide setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReminderTiming {
    /// No reminders (staff can still make and send links by hand).
    Off,
    /// This long before the appointment, but never before the appointment's
    /// day starts (the link works on that day only).
    Before(Duration),
    /// At this local time on the appointment's day, or [`FALLBACK_LEAD`]
    /// before an appointment too early for that (never before the day starts).
    OnTheDayAt(NaiveTime),
}

/// The default: two hours before the appointment.
pub fn default_lead() -> Duration {
    Duration::hours(2)
}

impl Default for ReminderTiming {
    fn default() -> Self {
        ReminderTiming::Before(default_lead())
    }
}

/// With [`ReminderTiming::OnTheDayAt`], an appointment earlier than that
/// time (plus this) is reminded this long before it instead.
pub const FALLBACK_LEAD: Duration = Duration::hours(1);

/// The shortest lead time that is still useful to someone on their way.
pub fn min_lead() -> Duration {
    Duration::minutes(5)
}

impl ReminderTiming {
    /// Read the setting: `2h` or `90m` (a lead time, 5 minutes to 24 hours),
    /// `07:30` (that time on the appointment's day), or `off`.
    pub fn parse(text: &str) -> Result<ReminderTiming, String> {
        let text = text.trim();
        if ["off", "none", "no", "false"]
            .iter()
            .any(|w| text.eq_ignore_ascii_case(w))
        {
            return Ok(ReminderTiming::Off);
        }
        if text.contains(':') {
            return NaiveTime::parse_from_str(text, "%H:%M")
                .map(ReminderTiming::OnTheDayAt)
                .map_err(|_| {
                    format!("time of day not understood; write it like 07:30 (got {text:?})")
                });
        }
        let lead = parse_duration(text)
            .map_err(|e| format!("{e}; or a time of day like 07:30, or off (got {text:?})"))?;
        if lead < min_lead() {
            return Err(format!(
                "a reminder needs at least {} of notice (got {text:?})",
                format_duration(min_lead())
            ));
        }
        Ok(ReminderTiming::Before(lead))
    }

    /// As written in the configuration (`2h`, `07:30`, `off`).
    pub fn as_setting(&self) -> String {
        match self {
            ReminderTiming::Off => "off".into(),
            ReminderTiming::Before(lead) => format_duration(*lead),
            ReminderTiming::OnTheDayAt(t) => t.format("%H:%M").to_string(),
        }
    }

    /// In words, for staff pages and `--help`.
    pub fn describe(&self) -> String {
        match self {
            ReminderTiming::Off => "no reminders are sent".into(),
            ReminderTiming::Before(lead) => {
                format!("{} before the appointment", format_duration(*lead))
            }
            ReminderTiming::OnTheDayAt(t) => format!(
                "at {} on the appointment's day ({} before an earlier appointment)",
                t.format("%H:%M"),
                format_duration(FALLBACK_LEAD)
            ),
        }
    }
}

/// The first moment of a local date in a zone. A zone whose clocks skip
/// midnight (a daylight-saving change at 00:00) starts that day at the first
/// local time that exists.
fn start_of(date: NaiveDate, zone: Tz) -> Timestamp {
    let midnight = date.and_time(NaiveTime::MIN);
    (0..=3)
        .find_map(|h| {
            zone.from_local_datetime(&(midnight + Duration::hours(h)))
                .earliest()
        })
        .map(|t| t.with_timezone(&chrono::Utc))
        // No zone skips more than a few hours; read the date as UTC if one did.
        .unwrap_or_else(|| midnight.and_utc())
}

/// A local time on a date, or the first moment after it that exists (in a
/// daylight-saving gap).
fn local_at(date: NaiveDate, time: NaiveTime, zone: Tz) -> Timestamp {
    let wanted = date.and_time(time);
    (0..=180)
        .step_by(30)
        .find_map(|m| {
            zone.from_local_datetime(&(wanted + Duration::minutes(m)))
                .earliest()
        })
        .map(|t| t.with_timezone(&chrono::Utc))
        .unwrap_or_else(|| wanted.and_utc())
}

/// The local day (in the location's zone) that `t` falls on: its first
/// moment and the first moment of the next day.
pub fn local_day(t: Timestamp, zone: Tz) -> (Timestamp, Timestamp) {
    let date = t.with_timezone(&zone).date_naive();
    let next = date.succ_opt().unwrap_or(date);
    (start_of(date, zone), start_of(next, zone))
}

/// When an arrival link works: from the start of the appointment's local day
/// until the start of the next. Not before (a link sent the evening before
/// would check in someone who is not here yet), not after (yesterday's link
/// is nobody's key).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Validity {
    pub valid_from: Timestamp,
    pub expires_at: Timestamp,
}

impl Validity {
    pub fn works_at(&self, now: Timestamp) -> bool {
        self.valid_from <= now && now < self.expires_at
    }
}

/// The validity of a link for an appointment at `scheduled_at`.
pub fn link_validity(scheduled_at: Timestamp, zone: Tz) -> Validity {
    let (valid_from, expires_at) = local_day(scheduled_at, zone);
    Validity {
        valid_from,
        expires_at,
    }
}

/// Whether a link can still be made for an appointment: its day is not over.
pub fn link_can_be_made(scheduled_at: Timestamp, zone: Tz, now: Timestamp) -> bool {
    now < link_validity(scheduled_at, zone).expires_at
}

/// When the reminder for an appointment at `scheduled_at` is due (`None`
/// when reminders are off). Never before the appointment's day starts, so
/// the link in it always works when it arrives.
pub fn reminder_due_at(
    scheduled_at: Timestamp,
    zone: Tz,
    timing: ReminderTiming,
) -> Option<Timestamp> {
    let (day_start, _) = local_day(scheduled_at, zone);
    let due = match timing {
        ReminderTiming::Off => return None,
        ReminderTiming::Before(lead) => scheduled_at - lead,
        ReminderTiming::OnTheDayAt(time) => {
            let date = scheduled_at.with_timezone(&zone).date_naive();
            local_at(date, time, zone).min(scheduled_at - FALLBACK_LEAD)
        }
    };
    Some(due.max(day_start))
}

/// Which appointments' reminders are due at `now` at a location: those
/// scheduled after `now` and at most at the time returned (`None` when
/// reminders are off). The same set as "still ahead and
/// [`reminder_due_at`] ≤ now", as one range the store can query.
pub fn reminders_due_until(now: Timestamp, zone: Tz, timing: ReminderTiming) -> Option<Timestamp> {
    let (_, tomorrow) = local_day(now, zone);
    let end_of_today = tomorrow - Duration::milliseconds(1);
    let until = match timing {
        ReminderTiming::Off => return None,
        ReminderTiming::Before(lead) => now + lead,
        ReminderTiming::OnTheDayAt(time) => {
            let date = now.with_timezone(&zone).date_naive();
            if local_at(date, time, zone) <= now {
                end_of_today
            } else {
                now + FALLBACK_LEAD
            }
        }
    };
    Some(until.min(end_of_today))
}

/// A reminder goes only to an appointment still expected and still ahead:
/// never to a patient already checked in, cancelled, marked a no-show, or
/// whose appointment time has passed.
pub fn may_remind(state: VisitState, scheduled_at: Timestamp, now: Timestamp) -> bool {
    state == VisitState::Expected && scheduled_at > now
}

/// What a working arrival link shows, as the visit stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkLeadsTo {
    /// Still expected: "I'm here", "I'm running late", "I can't come".
    Choices,
    /// Checked in (by this link or any other door): their status page.
    StatusPage,
    /// Cancelled or a no-show before arriving: nothing to do here but call.
    Closed,
}

/// Where a link leads for a visit in `state`; `arrived` says whether the
/// patient ever checked in.
pub fn leads_to(state: VisitState, arrived: bool) -> LinkLeadsTo {
    match state {
        VisitState::Expected => LinkLeadsTo::Choices,
        VisitState::NoShow | VisitState::Cancelled if !arrived => LinkLeadsTo::Closed,
        _ => LinkLeadsTo::StatusPage,
    }
}

/// "I can't come" cancels the appointment. Of the two ways out of
/// `expected`, `no_show` means the patient did not come *and did not tell
/// us*; a patient who told us ahead has cancelled, and counting them as a
/// no-show would be wrong twice: in the no-show figures and in how we
/// treat them next time. It also takes them off the day's expected list,
/// so nobody waits for them.
pub const CANT_COME: VisitState = VisitState::Cancelled;

/// The choices for "I'm running late", in minutes.
pub const LATE_CHOICES: [u32; 4] = [5, 10, 15, 30];

/// What the form says when no choice (or an unknown one) was sent.
pub const LATE_CHOOSE: &str = "Choose how late you will be";

/// "I'm running late" carries how many minutes: one of [`LATE_CHOICES`].
pub fn late_minutes(input: &str) -> Result<u32, &'static str> {
    input
        .trim()
        .parse::<u32>()
        .ok()
        .filter(|m| LATE_CHOICES.contains(m))
        .ok_or(LATE_CHOOSE)
}

/// A patient may say they are running late this many times on one visit
/// (each alerts every board; past this they are asked to call).
pub const MAX_LATE_NOTICES: i64 = 4;

/// Whether one more "running late" may be recorded after `so_far`.
pub fn late_notice_allowed(so_far: i64) -> bool {
    so_far < MAX_LATE_NOTICES
}

/// When the patient now expects to arrive: the appointment time (or now, if
/// that has passed) plus the minutes they said.
pub fn late_arrival(scheduled_at: Timestamp, now: Timestamp, minutes: u32) -> Timestamp {
    scheduled_at.max(now) + Duration::minutes(i64::from(minutes))
}

/// The appointment's time in words for the message: "today at 14:30",
/// "tomorrow at 09:00" or "on Friday 6 March at 09:00", in the location's zone.
pub fn appointment_when(scheduled_at: Timestamp, zone: Tz, now: Timestamp) -> String {
    let local = scheduled_at.with_timezone(&zone);
    let today = now.with_timezone(&zone).date_naive();
    let time = local.format("%H:%M");
    if local.date_naive() == today {
        format!("today at {time}")
    } else if today.succ_opt() == Some(local.date_naive()) {
        format!("tomorrow at {time}")
    } else {
        format!("on {} at {time}", local.format("%A %-d %B"))
    }
}

/// The reminder: (subject for e-mail, body). Plain and short, fit for a text
/// message: the first name, the practice, when, and the link. Nothing
/// clinical (no provider, no visit type): a phone's lock screen shows it.
pub fn reminder_message(
    first_name: &str,
    location_name: &str,
    when: &str,
    link: &str,
) -> (String, String) {
    let subject = format!("Your appointment {when} at {location_name}");
    let body = format!(
        "Hi {first_name}, this is {location_name} about your appointment {when}. When you arrive, \
         tap \"I'm here\" to check in. Running late or can't come? Tell us on the same page: \
         {link} (this link works on the day of your appointment only)."
    );
    (subject, body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;
    use proptest::prelude::*;

    const CHICAGO: Tz = chrono_tz::America::Chicago;

    /// A local time in Chicago.
    fn chicago(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> Timestamp {
        CHICAGO
            .with_ymd_and_hms(y, mo, d, h, mi, 0)
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn the_setting_reads_a_lead_time_a_time_of_day_or_off() {
        assert_eq!(
            ReminderTiming::parse("2h"),
            Ok(ReminderTiming::Before(Duration::hours(2)))
        );
        assert_eq!(
            ReminderTiming::parse(" 90m "),
            Ok(ReminderTiming::Before(Duration::minutes(90)))
        );
        assert_eq!(
            ReminderTiming::parse("07:30"),
            Ok(ReminderTiming::OnTheDayAt(
                NaiveTime::from_hms_opt(7, 30, 0).unwrap()
            ))
        );
        assert_eq!(ReminderTiming::parse("OFF"), Ok(ReminderTiming::Off));
        assert_eq!(
            ReminderTiming::default(),
            ReminderTiming::Before(Duration::hours(2))
        );
        for bad in ["soon", "25:00", "2m", "", "30h"] {
            let e = ReminderTiming::parse(bad).unwrap_err();
            assert!(e.contains(&format!("{bad:?}")), "{bad}: {e}");
        }
        for setting in ["2h", "1h30m", "07:30", "off"] {
            assert_eq!(
                ReminderTiming::parse(setting).unwrap().as_setting(),
                setting
            );
        }
        assert_eq!(
            ReminderTiming::default().describe(),
            "2h before the appointment"
        );
    }

    #[test]
    fn a_link_works_on_the_appointments_local_day_only() {
        // 22:30 in Chicago is already the next day in UTC: the local day counts.
        let appointment = chicago(2026, 3, 5, 22, 30);
        let v = link_validity(appointment, CHICAGO);
        assert_eq!(v.valid_from, chicago(2026, 3, 5, 0, 0));
        assert_eq!(v.expires_at, chicago(2026, 3, 6, 0, 0));
        assert!(
            !v.works_at(chicago(2026, 3, 4, 23, 59)),
            "not the evening before"
        );
        assert!(v.works_at(chicago(2026, 3, 5, 0, 0)));
        assert!(
            v.works_at(chicago(2026, 3, 5, 23, 59)),
            "all day, after the time too"
        );
        assert!(!v.works_at(chicago(2026, 3, 6, 0, 0)), "not the day after");
        assert!(link_can_be_made(
            appointment,
            CHICAGO,
            chicago(2026, 3, 5, 23, 0)
        ));
        assert!(!link_can_be_made(
            appointment,
            CHICAGO,
            chicago(2026, 3, 6, 8, 0)
        ));
    }

    #[test]
    fn a_day_with_a_clock_change_is_as_long_as_it_is() {
        // Clocks go forward on 8 March 2026 in Chicago: a 23-hour day.
        let v = link_validity(chicago(2026, 3, 8, 10, 0), CHICAGO);
        assert_eq!(v.expires_at - v.valid_from, Duration::hours(23));
        // A zone that skips midnight itself (Santiago, September 2026).
        let santiago = chrono_tz::America::Santiago;
        let day = NaiveDate::from_ymd_opt(2026, 9, 6).unwrap();
        let start = start_of(day, santiago);
        assert_eq!(
            start.with_timezone(&santiago).date_naive(),
            day,
            "the day starts at its first existing moment"
        );
    }

    #[test]
    fn the_reminder_goes_the_lead_time_before_but_not_before_the_day() {
        let two_hours = ReminderTiming::Before(Duration::hours(2));
        assert_eq!(
            reminder_due_at(chicago(2026, 3, 5, 14, 30), CHICAGO, two_hours),
            Some(chicago(2026, 3, 5, 12, 30))
        );
        // An early appointment: at midnight, not the evening before.
        assert_eq!(
            reminder_due_at(chicago(2026, 3, 5, 0, 45), CHICAGO, two_hours),
            Some(chicago(2026, 3, 5, 0, 0))
        );
        assert_eq!(
            reminder_due_at(chicago(2026, 3, 5, 14, 30), CHICAGO, ReminderTiming::Off),
            None
        );
    }

    #[test]
    fn the_morning_of_or_an_hour_before_an_earlier_appointment() {
        let morning = ReminderTiming::parse("07:00").unwrap();
        assert_eq!(
            reminder_due_at(chicago(2026, 3, 5, 14, 30), CHICAGO, morning),
            Some(chicago(2026, 3, 5, 7, 0))
        );
        assert_eq!(
            reminder_due_at(chicago(2026, 3, 5, 7, 30), CHICAGO, morning),
            Some(chicago(2026, 3, 5, 6, 30)),
            "too early for 07:00: an hour before"
        );
        assert_eq!(
            reminder_due_at(chicago(2026, 3, 5, 0, 30), CHICAGO, morning),
            Some(chicago(2026, 3, 5, 0, 0))
        );
    }

    #[test]
    fn the_due_range_is_todays_appointments_within_the_lead_time() {
        let now = chicago(2026, 3, 5, 23, 0);
        let two_hours = ReminderTiming::Before(Duration::hours(2));
        // At 23:00 a 00:30 appointment is within two hours but on tomorrow's
        // date: its link would not work yet, so it waits for midnight.
        assert_eq!(
            reminders_due_until(now, CHICAGO, two_hours),
            Some(chicago(2026, 3, 6, 0, 0) - Duration::milliseconds(1))
        );
        let now = chicago(2026, 3, 5, 9, 0);
        assert_eq!(
            reminders_due_until(now, CHICAGO, two_hours),
            Some(chicago(2026, 3, 5, 11, 0))
        );
        let morning = ReminderTiming::parse("07:00").unwrap();
        assert_eq!(
            reminders_due_until(chicago(2026, 3, 5, 6, 0), CHICAGO, morning),
            Some(chicago(2026, 3, 5, 7, 0)),
            "before 07:00 only appointments within the hour"
        );
        assert_eq!(
            reminders_due_until(chicago(2026, 3, 5, 7, 0), CHICAGO, morning),
            Some(chicago(2026, 3, 6, 0, 0) - Duration::milliseconds(1)),
            "from 07:00 the rest of the day"
        );
        assert_eq!(reminders_due_until(now, CHICAGO, ReminderTiming::Off), None);
    }

    proptest! {
        /// The range the store queries holds exactly the appointments still
        /// ahead whose reminder is due, for either kind of setting, in a
        /// zone with clock changes.
        #[test]
        fn the_due_range_agrees_with_the_due_time(
            now_min in 0i64..(60 * 24 * 400),
            ahead_min in 1i64..(60 * 48),
            lead_min in 5i64..(60 * 24),
            at_min in 0u32..(60 * 24),
            morning in any::<bool>(),
        ) {
            let base = chicago(2026, 1, 1, 0, 0);
            let now = base + Duration::minutes(now_min);
            let scheduled = now + Duration::minutes(ahead_min);
            let timing = if morning {
                ReminderTiming::OnTheDayAt(NaiveTime::from_hms_opt(at_min / 60, at_min % 60, 0).unwrap())
            } else {
                ReminderTiming::Before(Duration::minutes(lead_min))
            };
            let until = reminders_due_until(now, CHICAGO, timing).unwrap();
            let due = reminder_due_at(scheduled, CHICAGO, timing).unwrap();
            prop_assert_eq!(scheduled <= until, due <= now, "scheduled {} now {} due {} until {}", scheduled, now, due, until);
            // Whenever the reminder goes, its link works.
            prop_assert!(link_validity(scheduled, CHICAGO).works_at(due));
        }
    }

    #[test]
    fn only_an_expected_appointment_still_ahead_is_reminded() {
        let at = chicago(2026, 3, 5, 14, 30);
        let before = at - Duration::hours(1);
        assert!(may_remind(VisitState::Expected, at, before));
        assert!(
            !may_remind(VisitState::Expected, at, at),
            "its time has come"
        );
        assert!(!may_remind(
            VisitState::Expected,
            at,
            at + Duration::minutes(5)
        ));
        for state in VisitState::ALL {
            if state != VisitState::Expected {
                assert!(!may_remind(state, at, before), "{state}");
            }
        }
    }

    #[test]
    fn the_link_leads_to_choices_then_the_status_page() {
        use VisitState::*;
        assert_eq!(leads_to(Expected, false), LinkLeadsTo::Choices);
        for s in [
            Waiting,
            Roomed,
            WithProvider,
            Checkout,
            Done,
            LeftWithoutBeingSeen,
        ] {
            assert_eq!(leads_to(s, true), LinkLeadsTo::StatusPage, "{s}");
        }
        assert_eq!(leads_to(Cancelled, false), LinkLeadsTo::Closed);
        assert_eq!(leads_to(NoShow, false), LinkLeadsTo::Closed);
        assert_eq!(
            leads_to(Cancelled, true),
            LinkLeadsTo::StatusPage,
            "cancelled after arriving: their page says so"
        );
    }

    #[test]
    fn cant_come_is_a_cancellation_the_rules_allow_from_expected() {
        assert_eq!(CANT_COME, VisitState::Cancelled);
        assert!(VisitState::Expected.can_move_to(CANT_COME));
        assert!(!VisitState::Waiting.can_move_to(VisitState::NoShow));
    }

    #[test]
    fn running_late_carries_one_of_the_offered_minutes() {
        for m in LATE_CHOICES {
            assert_eq!(late_minutes(&m.to_string()), Ok(m));
        }
        assert_eq!(late_minutes(" 15 "), Ok(15));
        for bad in ["", "0", "7", "-5", "60", "ten", "10.5", "99999999999"] {
            assert_eq!(late_minutes(bad), Err(LATE_CHOOSE), "{bad:?}");
        }
        assert!(late_notice_allowed(0));
        assert!(late_notice_allowed(MAX_LATE_NOTICES - 1));
        assert!(!late_notice_allowed(MAX_LATE_NOTICES));
        let at = chicago(2026, 3, 5, 14, 30);
        assert_eq!(
            late_arrival(at, at - Duration::hours(1), 10),
            at + Duration::minutes(10)
        );
        assert_eq!(
            late_arrival(at, at + Duration::minutes(20), 10),
            at + Duration::minutes(30),
            "already past the time: from now"
        );
    }

    #[test]
    fn the_message_says_when_where_and_the_link_and_nothing_clinical() {
        let now = chicago(2026, 3, 5, 12, 30);
        assert_eq!(
            appointment_when(chicago(2026, 3, 5, 14, 30), CHICAGO, now),
            "today at 14:30"
        );
        assert_eq!(
            appointment_when(chicago(2026, 3, 6, 9, 0), CHICAGO, now),
            "tomorrow at 09:00"
        );
        assert_eq!(
            appointment_when(chicago(2026, 3, 9, 9, 0), CHICAGO, now),
            "on Monday 9 March at 09:00"
        );
        let (subject, body) = reminder_message(
            "Ana",
            "Main clinic",
            "today at 14:30",
            "https://desk.example.org/a/abc",
        );
        assert_eq!(subject, "Your appointment today at 14:30 at Main clinic");
        assert!(
            body.starts_with("Hi Ana, this is Main clinic about your appointment today at 14:30.")
        );
        assert!(body.contains("\"I'm here\""));
        assert!(body.contains("https://desk.example.org/a/abc (this link works"));
        assert!(
            body.len() < 320,
            "two text messages at most: {}",
            body.len()
        );
    }
}
