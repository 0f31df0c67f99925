use super::*;
use crate::complaint::test_support::*;
use proptest::prelude::*;

#[test]
fn escalations_go_to_managers_then_admins() {
    assert_eq!(Level::Owner.role(), None);
    assert_eq!(Level::Manager.role(), Some(Role::Manager));
    assert_eq!(Level::Admin.role(), Some(Role::Admin));
    assert_eq!(Level::Admin.role(), Some(Role::Admin));
}

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

// --- properties ----------------------------------------------------------

proptest! {
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
