use super::*;
use crate::complaint::test_support::*;
use crate::complaint::{ClockStatus, ComplaintPolicy, clocks};
use chrono_tz::America::New_York;
use proptest::prelude::*;

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
    let same =
        BusinessHours::parse_week("monday - FRIDAY: 8:00 – 18:00;\nSaturday 9:00-12:00").unwrap();
    assert_eq!(same, w);
    let w =
        BusinessHours::parse_week("Mon-Fri 08:00-18:00, Wed closed, Thurs 10:00-20:00").unwrap();
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

// --- properties ----------------------------------------------------------

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
    }
}
