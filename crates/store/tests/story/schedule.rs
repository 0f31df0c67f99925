//! The schedule from an EHR: appointments made, changed, cancelled and marked
//! no-show by their identifier, in one transaction; the day read back.

use super::*;
use frontdesk_domain::schedule::{ScheduleChange, ScheduleSource, ScheduleStatus};

fn change(id: &str, minutes: i64, status: ScheduleStatus) -> ScheduleChange {
    ScheduleChange {
        appointment: Appointment {
            appointment_id: id.into(),
            location: "main".into(),
            provider: "dr-kim".into(),
            visit_type: Some("follow-up".into()),
            scheduled_at: t0() + Duration::minutes(minutes),
            duration_min: Some(15),
            patient: patient("Ana", "Moreno"),
        },
        system: Some("urn:oid:1.2.3".into()),
        provider_name: Some("Dr. Kim".into()),
        source: ScheduleSource::Hl7,
        status,
    }
}

story!(
    an_ehr_makes_changes_and_cancels_an_appointment_by_its_identifier,
    |store: Arc<dyn Store>| async move {
        let ehr = Actor::staff("ehr-feed");
        let made = store
            .apply_schedule(&[change("S-1", 60, ScheduleStatus::Booked)], &ehr, t0())
            .await
            .unwrap();
        assert_eq!(made[0].result, ScheduleResult::Created);
        let id = made[0].visit_id;
        let v = store.appointment_visit("main", "S-1").await.unwrap();
        assert_eq!((v.id, v.state), (id, VisitState::Expected));
        assert_eq!(
            v.provider.as_deref(),
            Some("dr-kim"),
            "a new provider arrives with it"
        );

        // Rescheduled: the same visit takes the new time.
        let moved = store
            .apply_schedule(&[change("S-1", 90, ScheduleStatus::Booked)], &ehr, t0())
            .await
            .unwrap();
        assert_eq!(
            moved[0],
            ScheduleOutcome {
                visit_id: id,
                result: ScheduleResult::Updated
            }
        );
        let s = store.scheduled_visit(id).await.unwrap();
        assert_eq!(s.visit.scheduled_at, Some(t0() + Duration::minutes(90)));
        assert_eq!(s.appointment_system.as_deref(), Some("urn:oid:1.2.3"));
        assert_eq!(s.appointment_source, Some(ScheduleSource::Hl7));

        // Cancelled: the guarded move, on the timeline.
        let gone = store
            .apply_schedule(&[change("S-1", 90, ScheduleStatus::Cancelled)], &ehr, t0())
            .await
            .unwrap();
        assert_eq!(gone[0].result, ScheduleResult::Updated);
        let (v, timeline) = store.visit(id, &ehr, t0()).await.unwrap();
        assert_eq!(v.state, VisitState::Cancelled);
        let kinds: Vec<&str> = timeline.iter().map(|e| e.kind.as_str()).collect();
        assert_eq!(kinds, ["scheduled", "rescheduled", "transitioned"]);
        assert!(
            timeline[1].describe().contains("time"),
            "{}",
            timeline[1].describe()
        );

        // Booking a cancelled one again changes nothing.
        let again = store
            .apply_schedule(&[change("S-1", 30, ScheduleStatus::Booked)], &ehr, t0())
            .await
            .unwrap();
        assert!(matches!(again[0].result, ScheduleResult::Unchanged(_)));

        // A day's read is audited, and carries the identifier's source.
        let day = store
            .schedule_day(
                "main",
                t0(),
                t0() + Duration::hours(24),
                &ehr,
                "fhir.appointment.search",
                t0(),
            )
            .await
            .unwrap();
        assert_eq!(day.len(), 1);
        let log = store.audit_log(20).await.unwrap();
        assert!(log.iter().any(|r| r.action == "fhir.appointment.search"));
        assert!(log.iter().any(|r| r.action == "appointment.create"));
    }
);

story!(
    once_the_patient_is_here_the_ehr_changes_nothing,
    |store: Arc<dyn Store>| async move {
        let ehr = Actor::staff("ehr-feed");
        let made = store
            .apply_schedule(&[change("S-2", 10, ScheduleStatus::Booked)], &ehr, t0())
            .await
            .unwrap();
        let id = made[0].visit_id;
        check_in_appointment(&store, "main", "S-2", &Actor::staff("maria"), t0())
            .await
            .unwrap();
        let late = store
            .apply_schedule(&[change("S-2", 10, ScheduleStatus::NoShow)], &ehr, t0())
            .await
            .unwrap();
        assert!(matches!(late[0].result, ScheduleResult::Unchanged(_)));
        assert_eq!(
            store.visit_record(id).await.unwrap().state,
            VisitState::Waiting
        );
    }
);

story!(a_bad_change_saves_none_of_the_others, |store: Arc<
    dyn Store,
>| async move {
    let ehr = Actor::staff("ehr-feed");
    let mut elsewhere = change("S-4", 10, ScheduleStatus::Booked);
    elsewhere.appointment.location = "nowhere".into();
    let e = store
        .apply_schedule(
            &[change("S-3", 10, ScheduleStatus::Booked), elsewhere],
            &ehr,
            t0(),
        )
        .await
        .unwrap_err();
    assert!(matches!(e, StoreError::Invalid(_)), "{e:?}");
    assert!(matches!(
        store.appointment_visit("main", "S-3").await,
        Err(StoreError::NotFound)
    ));
    // A CSV row keeps its identifier too, marked as the CSV's.
    store
        .import_appointments(
            &[change("C-1", 10, ScheduleStatus::Booked).appointment],
            &ehr,
            t0(),
        )
        .await
        .unwrap();
    let v = store.appointment_visit("main", "C-1").await.unwrap();
    let s = store.scheduled_visit(v.id).await.unwrap();
    assert_eq!(s.appointment_source, Some(ScheduleSource::Csv));
    assert_eq!(s.visit.appointment_id.as_deref(), Some("C-1"));
});
