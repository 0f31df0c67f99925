//! Arrival links: the reminder goes once per appointment (even when two
//! writers race), a link works on its day only, "I'm here" checks in once
//! and marks the link used, "running late" and "can't come" are recorded.

use super::*;
use frontdesk_domain::arrival::{MAX_LATE_NOTICES, link_validity};

/// Today's schedule at `main` (Chicago; `t0()` is 08:00 there): Ana at 11:00
/// with a phone, Bo at 11:30 with nothing to reach him by, Cy at 12:00 with
/// an e-mail address only, Di at 08:30 with both.
async fn import_day(store: &Arc<dyn Store>) -> [Visit; 4] {
    let appointment =
        |id: &str, given: &str, at_min: i64, phone: Option<&str>, email: Option<&str>| {
            Appointment {
                appointment_id: id.into(),
                location: "main".into(),
                provider: "dr-lee".into(),
                visit_type: Some("follow-up".into()),
                scheduled_at: t0() + Duration::minutes(at_min),
                duration_min: Some(15),
                patient: NewPatient {
                    phone: phone.map(String::from),
                    email: email.map(String::from),
                    ..patient(given, "Ruiz")
                },
            }
        };
    store
        .import_appointments(
            &[
                appointment("A-1", "Ana", 180, Some("+1 555 010 1234"), None),
                appointment("A-2", "Bo", 210, None, Some("  ")),
                appointment("A-3", "Cy", 240, None, Some("cy@example.org")),
                appointment(
                    "A-4",
                    "Di",
                    30,
                    Some("+1 555 010 9999"),
                    Some("di@example.org"),
                ),
            ],
            &Actor::system(),
            t0(),
        )
        .await
        .unwrap();
    let mut out = Vec::new();
    for id in ["A-1", "A-2", "A-3", "A-4"] {
        out.push(store.appointment_visit("main", id).await.unwrap());
    }
    out.try_into().unwrap()
}

fn zone() -> chrono_tz::Tz {
    chrono_tz::America::Chicago
}

/// A link for a visit's appointment day, by a made-up hash.
fn new_link(hash: &str, visit: &Visit) -> NewArrivalLink {
    let v = link_validity(visit.scheduled_at.unwrap(), zone());
    NewArrivalLink {
        token_hash: hash.into(),
        valid_from: v.valid_from,
        expires_at: v.expires_at,
    }
}

fn sms(to: &str) -> NewOutboxMessage {
    NewOutboxMessage {
        location: "main".into(),
        visit_id: None,
        channel: MessageChannel::Sms,
        recipient: to.into(),
        subject: String::new(),
        body: "Hi Ana, … https://desk.example.org/a/secret".into(),
    }
}

fn issue(hash: &str, visit: &Visit, messages: Vec<NewOutboxMessage>) -> IssueArrivalLink {
    IssueArrivalLink {
        visit_id: visit.id,
        link: new_link(hash, visit),
        messages,
    }
}

fn names(due: &[ReminderDue]) -> Vec<&str> {
    due.iter().map(|d| d.visit.given_name.as_str()).collect()
}

story!(
    the_reminder_goes_once_to_expected_appointments_with_an_address,
    |store: Arc<dyn Store>| async move {
        let [ana, bo, cy, di] = import_day(&store).await;
        let until = t0() + Duration::hours(5);
        // Di is already here: no reminder for her.
        check_in_appointment(&store, "main", "A-4", &Actor::staff("maria"), t0())
            .await
            .unwrap();
        let due = store
            .reminders_due("main", t0(), until, true, true, 10)
            .await
            .unwrap();
        assert_eq!(
            names(&due),
            ["Ana", "Cy"],
            "soonest first; Bo has no address"
        );
        assert_eq!(due[0].contacts.phone.as_deref(), Some("+1 555 010 1234"));
        assert_eq!(due[0].contacts.email, None);
        assert_eq!(due[1].contacts.email.as_deref(), Some("cy@example.org"));
        // Only the channels that can be sent count.
        let sms_only = store
            .reminders_due("main", t0(), until, false, true, 10)
            .await
            .unwrap();
        assert_eq!(names(&sms_only), ["Ana"]);
        assert!(
            store
                .reminders_due("main", t0(), until, false, false, 10)
                .await
                .unwrap()
                .is_empty()
        );
        // The range is the caller's: nothing after `until`, nothing at or before `after`.
        let early = store
            .reminders_due("main", t0(), t0() + Duration::minutes(200), true, true, 10)
            .await
            .unwrap();
        assert_eq!(names(&early), ["Ana"]);
        assert!(
            store
                .reminders_due(
                    "main",
                    t0() + Duration::minutes(180),
                    until,
                    false,
                    true,
                    10
                )
                .await
                .unwrap()
                .is_empty()
        );
        assert!(
            store
                .reminders_due("north", t0(), until, true, true, 10)
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            store
                .reminders_due("main", t0(), until, true, true, 1)
                .await
                .unwrap()
                .len(),
            1
        );

        let now = t0() + Duration::minutes(1);
        assert!(
            store
                .remind_arrival(&issue("r-ana", &ana, vec![sms("+1 555 010 1234")]), now)
                .await
                .unwrap()
        );
        // Again (a second server, a later tick): nothing more.
        assert!(
            !store
                .remind_arrival(&issue("r-ana-2", &ana, vec![sms("+1 555 010 1234")]), now)
                .await
                .unwrap()
        );
        assert_eq!(
            store.arrival_link("r-ana-2", now).await.unwrap(),
            None,
            "the loser wrote nothing"
        );
        let due = store
            .reminders_due("main", now, until, true, true, 10)
            .await
            .unwrap();
        assert_eq!(names(&due), ["Cy"]);
        let messages = store.outbox_messages(10).await.unwrap();
        assert_eq!(messages.len(), 1);
        assert_eq!(messages[0].visit_id, Some(ana.id));
        assert_eq!(messages[0].recipient, "+1 555 010 1234");
        let link = store.arrival_link("r-ana", now).await.unwrap().unwrap();
        assert_eq!(
            (
                link.visit_id,
                link.location.as_str(),
                link.created_by.as_str()
            ),
            (ana.id, "main", "system")
        );
        assert_eq!(link.used_at, None);
        let (_, timeline) = store
            .visit(ana.id, &Actor::staff("maria"), now)
            .await
            .unwrap();
        let last = timeline.last().unwrap();
        assert_eq!(last.kind, EventKind::ArrivalLink);
        assert_eq!(
            last.describe(),
            "Arrival link sent by text message with the appointment reminder"
        );
        let audit = store.audit_log(10).await.unwrap();
        let actions: Vec<&str> = audit.iter().map(|a| a.action.as_str()).collect();
        assert!(
            actions.contains(&"arrival_link.create") && actions.contains(&"outbox.enqueue"),
            "{actions:?}"
        );
        assert!(
            audit.iter().all(|a| !a.detail.contains("555")),
            "no addresses in the audit log"
        );

        // Two writers racing for Cy's reminder: exactly one wins.
        let (one, other) = (issue("race-1", &cy, vec![]), issue("race-2", &cy, vec![]));
        let (a, b) = tokio::join!(
            store.remind_arrival(&one, now),
            store.remind_arrival(&other, now)
        );
        assert_eq!([a.unwrap(), b.unwrap()].iter().filter(|w| **w).count(), 1);
        assert_eq!(store.arrival_links(cy.id).await.unwrap().len(), 1);

        // Never for a visit no longer expected, or whose time has passed.
        assert!(
            !store
                .remind_arrival(&issue("r-di", &di, vec![]), now)
                .await
                .unwrap()
        );
        let later = t0() + Duration::hours(6);
        assert!(
            !store
                .remind_arrival(&issue("r-bo", &bo, vec![]), later)
                .await
                .unwrap()
        );
        assert!(store.arrival_links(bo.id).await.unwrap().is_empty());
    }
);

story!(
    a_link_works_on_its_day_and_staff_make_them_for_expected_visits_only,
    |store: Arc<dyn Store>| async move {
        let [ana, _, _, di] = import_day(&store).await;
        let desk = Actor::staff("maria");
        let made = store
            .issue_arrival_link(&issue("staff-1", &ana, vec![]), &desk, t0())
            .await
            .unwrap();
        let v = link_validity(ana.scheduled_at.unwrap(), zone());
        assert_eq!(
            (made.valid_from, made.expires_at, made.created_by.as_str()),
            (v.valid_from, v.expires_at, "maria")
        );
        assert_eq!(
            store
                .arrival_link("staff-1", v.valid_from - Duration::milliseconds(1))
                .await
                .unwrap(),
            None,
            "not before its day"
        );
        assert!(
            store
                .arrival_link("staff-1", v.valid_from)
                .await
                .unwrap()
                .is_some()
        );
        assert!(
            store
                .arrival_link("staff-1", v.expires_at - Duration::milliseconds(1))
                .await
                .unwrap()
                .is_some()
        );
        assert_eq!(
            store.arrival_link("staff-1", v.expires_at).await.unwrap(),
            None,
            "not after"
        );
        assert_eq!(store.arrival_link("nobody", t0()).await.unwrap(), None);
        // Shown to hand over: the reminder still goes.
        let until = t0() + Duration::hours(5);
        assert!(
            names(
                &store
                    .reminders_due("main", t0(), until, true, true, 10)
                    .await
                    .unwrap()
            )
            .contains(&"Ana")
        );
        // Sent by staff: that was the reminder.
        store
            .issue_arrival_link(
                &issue("staff-2", &ana, vec![sms("+1 555 010 1234")]),
                &desk,
                t0(),
            )
            .await
            .unwrap();
        assert!(
            !names(
                &store
                    .reminders_due("main", t0(), until, true, true, 10)
                    .await
                    .unwrap()
            )
            .contains(&"Ana")
        );
        assert_eq!(store.arrival_links(ana.id).await.unwrap().len(), 2);
        let (_, timeline) = store.visit(ana.id, &desk, t0()).await.unwrap();
        let said: Vec<String> = timeline
            .iter()
            .filter(|e| e.kind == EventKind::ArrivalLink)
            .map(|e| e.describe())
            .collect();
        assert_eq!(
            said,
            [
                "Arrival link made by maria, shown to staff to hand over",
                "Arrival link made by maria, sent by text message"
            ]
        );
        // The daily purge after their day deletes both (and nothing before).
        let plan = |now: Timestamp| PurgePlan {
            idle_cutoff: now - Duration::minutes(15),
            recipients_settled_by: now - Duration::days(30),
        };
        let before = v.expires_at - Duration::minutes(1);
        assert_eq!(
            store
                .purge_expired(&plan(before), before)
                .await
                .unwrap()
                .map(|p| p.arrival_links),
            Some(0)
        );
        let after = v.expires_at + Duration::days(1);
        assert_eq!(
            store
                .purge_expired(&plan(after), after)
                .await
                .unwrap()
                .map(|p| p.arrival_links),
            Some(2)
        );
        assert!(store.arrival_links(ana.id).await.unwrap().is_empty());
        assert_eq!(
            store.patient_contacts(di.id).await.unwrap(),
            PatientContacts {
                email: Some("di@example.org".into()),
                phone: Some("+1 555 010 9999".into())
            }
        );

        // Not for a patient already here.
        check_in_appointment(&store, "main", "A-4", &desk, t0())
            .await
            .unwrap();
        let err = store
            .issue_arrival_link(&issue("staff-3", &di, vec![]), &desk, t0())
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::Refused(_)), "{err:?}");
        assert!(store.arrival_links(di.id).await.unwrap().is_empty());
        let err = store
            .issue_arrival_link(
                &IssueArrivalLink {
                    visit_id: 999_999,
                    ..issue("x", &di, vec![])
                },
                &desk,
                t0(),
            )
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::NotFound), "{err:?}");
    }
);

story!(
    im_here_checks_in_once_and_leads_to_the_status_page,
    |store: Arc<dyn Store>| async move {
        let [ana, bo, ..] = import_day(&store).await;
        let desk = Actor::staff("maria");
        store
            .issue_arrival_link(&issue("ana-link", &ana, vec![]), &desk, t0())
            .await
            .unwrap();
        store
            .issue_arrival_link(&issue("bo-link", &bo, vec![]), &desk, t0())
            .await
            .unwrap();
        let here = |hash: &str, visit: &Visit, status: &str| CheckIn {
            status_link: Some(link(status, t0() + Duration::hours(10))),
            arrival_link: Some(hash.into()),
            ..CheckIn::of(Arrival::Expected { visit_id: visit.id })
        };
        let now = t0() + Duration::minutes(170);
        // Not before: no status link to lead to.
        assert_eq!(
            store
                .arrival_status_link(
                    "ana-link",
                    &link("ana-status", t0() + Duration::hours(10)),
                    now
                )
                .await
                .unwrap(),
            None
        );
        // Someone else's link does not check Ana in; nothing is saved.
        let err = store
            .check_in(
                &here("bo-link", &ana, "s-wrong"),
                &Actor::arrival_link(),
                now,
            )
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
        assert_eq!(
            store.visit_record(ana.id).await.unwrap().state,
            VisitState::Expected
        );
        assert_eq!(store.status_link_visit("s-wrong", now).await.unwrap(), None);
        // Nor does a link that no longer works.
        let next_day = t0() + Duration::days(1);
        let err = store
            .check_in(
                &here("ana-link", &ana, "s-late"),
                &Actor::arrival_link(),
                next_day,
            )
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
        // A link is for its appointment, never a walk-in.
        let err = store
            .check_in(
                &CheckIn {
                    arrival_link: Some("ana-link".into()),
                    ..arrive(walk_in("Eve", None))
                },
                &Actor::arrival_link(),
                now,
            )
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::Refused(_)), "{err:?}");
        assert!(store.lobby("main", None, now).await.unwrap().is_empty());

        // "I'm here".
        let v = store
            .check_in(
                &here("ana-link", &ana, "ana-status"),
                &Actor::arrival_link(),
                now,
            )
            .await
            .unwrap()
            .visit;
        assert_eq!((v.id, v.state), (ana.id, VisitState::Waiting));
        let used = store.arrival_link("ana-link", now).await.unwrap().unwrap();
        assert_eq!(used.used_at, Some(now));
        assert_eq!(
            store.status_link_visit("ana-status", now).await.unwrap(),
            Some(ana.id)
        );
        // Pressed twice: one visit, one arrival.
        let again = store
            .check_in(
                &here("ana-link", &ana, "ana-status-2"),
                &Actor::arrival_link(),
                now,
            )
            .await
            .unwrap_err();
        assert!(
            matches!(
                again,
                StoreError::InvalidTransition(_) | StoreError::Conflict(_)
            ),
            "{again:?}"
        );
        assert_eq!(store.lobby("main", None, now).await.unwrap().len(), 1);
        let (_, timeline) = store.visit(ana.id, &desk, now).await.unwrap();
        let arrived: Vec<&TimelineEvent> = timeline
            .iter()
            .filter(|e| e.kind == EventKind::Arrived)
            .collect();
        assert_eq!(arrived.len(), 1);
        assert_eq!(arrived[0].actor.as_deref(), Some("arrival-link"));
        assert_eq!(
            arrived[0].describe(),
            "Arrived (checked in on their arrival link: \u{201c}I'm here\u{201d})"
        );
        assert!(
            store
                .audit_log(50)
                .await
                .unwrap()
                .iter()
                .any(|a| a.action == "visit.check_in" && a.detail == "appointment; arrival link")
        );

        // After: the link leads to the status page (made once, kept).
        assert_eq!(
            store
                .arrival_status_link(
                    "ana-link",
                    &link("ana-status", t0() + Duration::hours(10)),
                    now
                )
                .await
                .unwrap(),
            Some(ana.id)
        );
        assert_eq!(
            store
                .arrival_status_link(
                    "ana-link",
                    &link("ana-derived", t0() + Duration::hours(10)),
                    now
                )
                .await
                .unwrap(),
            Some(ana.id)
        );
        assert_eq!(
            store
                .arrival_status_link(
                    "ana-link",
                    &link("ana-derived", t0() + Duration::hours(10)),
                    now
                )
                .await
                .unwrap(),
            Some(ana.id)
        );
        assert_eq!(
            store.status_link_visit("ana-derived", now).await.unwrap(),
            Some(ana.id)
        );
        let made = store
            .audit_log(100)
            .await
            .unwrap()
            .iter()
            .filter(|a| a.action == "status_link.create")
            .count();
        assert_eq!(made, 1, "only the new one is recorded");
        assert_eq!(
            store
                .arrival_status_link("ana-link", &link("x", t0()), next_day)
                .await
                .unwrap(),
            None,
            "not after its day"
        );
    }
);

story!(running_late_and_cant_come_reach_the_record, |store: Arc<
    dyn Store,
>| async move {
    let [ana, bo, ..] = import_day(&store).await;
    let desk = Actor::staff("maria");
    store
        .issue_arrival_link(&issue("ana-link", &ana, vec![]), &desk, t0())
        .await
        .unwrap();
    store
        .issue_arrival_link(&issue("bo-link", &bo, vec![]), &desk, t0())
        .await
        .unwrap();
    let now = t0() + Duration::hours(2);
    let late = |minutes: u32| ArrivalNotice::RunningLate {
        minutes,
        expected_at: ana.scheduled_at.unwrap() + Duration::minutes(i64::from(minutes)),
    };
    let out = store
        .arrival_notice("ana-link", &late(10), now)
        .await
        .unwrap();
    assert!(
        matches!(out, NoticeOutcome::Recorded(ref v) if v.id == ana.id),
        "{out:?}"
    );
    let marks = store.lobby_marks("main", t0()).await.unwrap();
    assert_eq!(marks.running_late, [(ana.id, 10)]);
    let (_, timeline) = store.visit(ana.id, &desk, now).await.unwrap();
    assert_eq!(
        timeline.last().unwrap().describe(),
        "The patient said they are running about 10 minutes late (arrival link); expected by 2026-03-05T17:10:00Z"
    );
    assert!(
        store
            .audit_log(5)
            .await
            .unwrap()
            .iter()
            .any(|a| a.action == "arrival.running_late" && a.actor == "arrival-link")
    );
    for _ in 1..MAX_LATE_NOTICES {
        let out = store
            .arrival_notice("ana-link", &late(15), now)
            .await
            .unwrap();
        assert!(matches!(out, NoticeOutcome::Recorded(_)));
    }
    let out = store
        .arrival_notice("ana-link", &late(30), now)
        .await
        .unwrap();
    assert!(matches!(out, NoticeOutcome::TooMany(_)), "{out:?}");
    assert_eq!(
        store.lobby_marks("main", t0()).await.unwrap().running_late,
        [(ana.id, 15)],
        "the latest word"
    );

    // "I can't come": cancelled, by the usual move, with its own entry.
    let out = store
        .arrival_notice("bo-link", &ArrivalNotice::CantCome, now)
        .await
        .unwrap();
    let NoticeOutcome::Recorded(v) = out else {
        panic!("{out:?}")
    };
    assert_eq!(v.state, VisitState::Cancelled);
    let (_, timeline) = store.visit(bo.id, &desk, now).await.unwrap();
    let kinds: Vec<EventKind> = timeline.iter().map(|e| e.kind).collect();
    assert_eq!(
        kinds[kinds.len() - 2..],
        [EventKind::Transitioned, EventKind::CantCome]
    );
    assert_eq!(
        timeline[kinds.len() - 2].actor.as_deref(),
        Some("arrival-link")
    );
    assert!(
        store
            .expected_visits("main", t0(), t0() + Duration::days(1))
            .await
            .unwrap()
            .iter()
            .all(|e| e.id != bo.id)
    );
    // Then the link has nothing more to do.
    let out = store
        .arrival_notice("bo-link", &ArrivalNotice::CantCome, now)
        .await
        .unwrap();
    assert!(
        matches!(out, NoticeOutcome::NotExpected(ref v) if v.state == VisitState::Cancelled),
        "{out:?}"
    );
    let out = store
        .arrival_notice("bo-link", &late(5), now)
        .await
        .unwrap();
    assert!(matches!(out, NoticeOutcome::NotExpected(_)), "{out:?}");
    // A link that does not work now is not found.
    let err = store
        .arrival_notice("ana-link", &late(5), t0() + Duration::days(1))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::NotFound), "{err:?}");
    let err = store
        .arrival_notice("nobody", &ArrivalNotice::CantCome, now)
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::NotFound), "{err:?}");
});
