//! Moments, opening hours and complaints the tests of the complaint modules share.

use super::*;
use crate::Timestamp;
use chrono::{Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::America::New_York;
use chrono_tz::Tz;
use proptest::prelude::*;

/// A moment in New York local time (must exist and be unambiguous).
pub(super) fn ny(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> Timestamp {
    New_York
        .with_ymd_and_hms(y, mo, d, h, mi, 0)
        .single()
        .expect("a plain New York time")
        .with_timezone(&Utc)
}

pub(super) fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> Timestamp {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
}

pub(super) fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

pub(super) fn hm(h: u32, m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).unwrap()
}

pub(super) fn hours() -> BusinessHours {
    BusinessHours::weekdays_8_to_6(New_York)
}

pub(super) fn closed_on(dates: &[NaiveDate]) -> BusinessHours {
    let mut h = hours();
    h.closed = dates.iter().copied().collect();
    h
}

pub(super) fn input(received: Timestamp) -> ClockInput<'static> {
    ClockInput {
        received_at: received,
        acknowledged_at: None,
        resolved_at: None,
        pauses: &[],
    }
}

pub(super) fn at(c: &ClockInput, now: Timestamp) -> ComplaintClocks {
    clocks(&hours(), &ComplaintPolicy::default(), c, now)
}

// 2026-11-27 is a Friday.
pub(super) fn friday_3pm() -> Timestamp {
    ny(2026, 11, 27, 15, 0)
}

pub(super) fn zone() -> impl Strategy<Value = Tz> {
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
pub(super) fn quarter_hour(i: u32) -> NaiveTime {
    if i >= 96 {
        NaiveTime::MIN
    } else {
        NaiveTime::from_hms_opt(i / 4, (i % 4) * 15, 0).unwrap()
    }
}

pub(super) fn day_hours() -> impl Strategy<Value = Option<(NaiveTime, NaiveTime)>> {
    proptest::option::of(
        (0u32..96)
            .prop_flat_map(|o| (Just(o), (o + 1)..=96))
            .prop_map(|(o, c)| (quarter_hour(o), quarter_hour(c))),
    )
}

pub(super) fn any_hours() -> impl Strategy<Value = BusinessHours> {
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

pub(super) fn moment() -> impl Strategy<Value = Timestamp> {
    (0i64..400 * 86_400).prop_map(|s| utc(2026, 1, 1, 0, 0) + Duration::seconds(s))
}
