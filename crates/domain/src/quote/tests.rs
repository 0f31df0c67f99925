//! The quote engine's rules, each with a test.

use super::*;
use chrono::TimeZone;

fn t(h: u32, m: u32) -> Timestamp {
    chrono::Utc.with_ymd_and_hms(2026, 3, 5, h, m, 0).unwrap()
}

fn pooled() -> QueueKey {
    QueueKey {
        location: "main".into(),
        provider: None,
    }
}

#[test]
fn the_normal_quantile_is_right() {
    assert!((normal_quantile(0.5)).abs() < 1e-9);
    assert!((normal_quantile(0.9) - 1.281_551_565_5).abs() < 1e-6);
    assert!((normal_quantile(0.01) + 2.326_347_874).abs() < 1e-6);
}

#[test]
fn promises_are_rounded_up_to_five_minutes() {
    let x = chrono::Utc
        .with_ymd_and_hms(2026, 3, 5, 10, 36, 10)
        .unwrap();
    assert_eq!(round_up(x, 5), t(10, 40));
    assert_eq!(round_up(t(10, 40), 5), t(10, 40));
}

#[test]
fn a_cold_start_says_so_and_is_generous() {
    let engine = QuoteEngine::new(QuoteConfig::default());
    let q = engine.quote(&pooled(), None, None, t(9, 0));
    assert!(q.cold_start);
    // One patient per 15 minutes, lognormal spread: well over the median.
    assert!(q.quantile_min > q.median_min * 2.0, "{q:?}");
    assert!(q.promised_by >= t(9, 0) + Duration::minutes(15));
}

#[test]
fn more_patients_ahead_never_shortens_the_quote() {
    let mut engine = QuoteEngine::new(QuoteConfig::default());
    let mut last = engine.quote(&pooled(), None, None, t(9, 0)).promised_by;
    for i in 0..30 {
        engine.arrive(&format!("p{i}"), &pooled(), None, None, t(9, 0));
        let q = engine.quote(&pooled(), None, None, t(9, 0));
        assert!(q.promised_by >= last);
        assert_eq!(q.ahead, i + 1);
        last = q.promised_by;
    }
}

#[test]
fn a_more_urgent_patient_is_quoted_no_later() {
    let mut engine = QuoteEngine::new(QuoteConfig::default());
    for (i, p) in [3, 3, 2, 5, 1, 4].iter().enumerate() {
        engine.arrive(&format!("p{i}"), &pooled(), Some(*p), None, t(9, 0));
    }
    let urgent = engine.quote(&pooled(), Some(1), None, t(9, 1));
    let routine = engine.quote(&pooled(), Some(4), None, t(9, 1));
    let untriaged = engine.quote(&pooled(), None, None, t(9, 1));
    assert_eq!(urgent.ahead, 1);
    assert_eq!(routine.ahead, 5);
    assert_eq!(untriaged.ahead, 6);
    assert!(urgent.promised_by <= routine.promised_by);
    assert!(routine.promised_by <= untriaged.promised_by);
}

#[test]
fn never_a_quote_in_the_past() {
    let mut engine = QuoteEngine::new(QuoteConfig::default());
    // An appointment long past, a provider running early: still not before now.
    engine.arrive("a", &pooled(), None, Some(t(7, 0)), t(7, 0));
    engine.seen("a", &pooled(), t(6, 50));
    let q = engine.quote(&pooled(), None, Some(t(8, 0)), t(11, 0));
    assert!(q.promised_by >= t(11, 0));
    assert!(q.likely_by >= t(11, 0));
}

#[test]
fn an_appointment_later_today_is_not_quoted_before_its_time() {
    let engine = QuoteEngine::new(QuoteConfig::default());
    let q = engine.quote(&pooled(), None, Some(t(10, 0)), t(9, 40));
    assert!(q.predicted_min >= 20.0);
    assert!(q.promised_by >= t(10, 0));
}

#[test]
fn the_service_rate_is_learned_from_patients_seen() {
    let mut engine = QuoteEngine::new(QuoteConfig::default());
    // Five patients an hour... then a quiet stretch slows the estimate.
    for i in 0..10 {
        engine.arrive(&format!("p{i}"), &pooled(), None, None, t(8, 0));
    }
    for i in 0..10u32 {
        engine.seen(
            &format!("p{i}"),
            &pooled(),
            t(8, 0) + Duration::minutes(i64::from(i) * 12),
        );
    }
    let busy = engine.quote(&pooled(), None, None, t(9, 50));
    let stalled = engine.quote(&pooled(), None, None, t(11, 0));
    assert!(!busy.cold_start || busy.predicted_min > 0.0);
    assert!(stalled.predicted_min > busy.predicted_min);
}

#[test]
fn a_new_session_starts_at_the_pace_of_past_sessions_not_last_nights() {
    let mut engine = QuoteEngine::new(QuoteConfig::default());
    // Two days of one patient seen every 6 minutes from 08:00 to 12:00.
    for day in 0..2 {
        for i in 0..40 {
            let at = t(8, 0) + Duration::days(day) + Duration::minutes(i * 6);
            let id = format!("{day}-{i}");
            engine.arrive(&id, &pooled(), None, None, at);
            engine.seen(&id, &pooled(), at + Duration::minutes(3));
        }
    }
    let cfg = engine.config();
    let state = &engine.queues[&pooled()];
    // Mid-afternoon the morning's pace slows with the stall, as before...
    let (stalled, _) = state.rate_per_min(&cfg, t(14, 0) + Duration::days(1));
    assert!(stalled < 1.0 / 6.0 * 0.9, "{stalled}");
    // ...but the next morning, before anyone is seen, the new session is
    // expected at the pace of the past ones (one in 6 minutes), not at
    // yesterday's last 20 patients spread over the night.
    let (morning, cold) = state.rate_per_min(&cfg, t(8, 0) + Duration::days(2));
    assert!(!cold);
    assert!((morning - 1.0 / 6.0).abs() < 0.02, "{morning}");
}

#[test]
fn the_three_readings_are_weighed_by_how_well_each_has_promised() {
    let mut state = QueueState::default();
    let readings = [(10.0, 20.0), (10.0, 40.0), (10.0, 80.0)];
    // Before any loss is known: their plain mean.
    let (_, even) = state.blend((1, ANY_KIND), &readings);
    assert!((even - 140.0 / 3.0).abs() < 1e-9);
    // The first reading has promised best: it counts most, the worst least.
    state.losses.insert((1, ANY_KIND), [1.0, 2.0, 4.0]);
    let (median, weighed) = state.blend((1, ANY_KIND), &readings);
    assert!((median - 10.0).abs() < 1e-9);
    let w = [1.0, 0.25, 0.0625];
    let expected = (20.0 * w[0] + 40.0 * w[1] + 80.0 * w[2]) / (w[0] + w[1] + w[2]);
    assert!((weighed - expected).abs() < 1e-9, "{weighed} {expected}");
    assert!(weighed < even);
}

/// Simulate a steady single-server queue and check calibration: about nine
/// in ten are seen by the promised time.
#[test]
fn quotes_are_calibrated_on_a_steady_queue() {
    use std::collections::VecDeque;
    let mut engine = QuoteEngine::new(QuoteConfig::default());
    let mut seed = 7u64;
    let mut uniform = move || {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((seed >> 11) as f64) / ((1u64 << 53) as f64)
    };
    let (mut kept, mut total) = (0, 0);
    for day in 0..20 {
        let start = t(8, 0) + Duration::days(day);
        // Arrivals every ~6 minutes, service ~5 minutes (exponential).
        let mut arrivals = Vec::new();
        let mut clock = 0.0;
        while clock < 480.0 {
            clock += -6.0 * (1.0 - uniform()).ln();
            arrivals.push(clock);
        }
        let mut free_at: f64 = 0.0;
        let mut queue: VecDeque<(usize, f64)> = VecDeque::new();
        let mut events: Vec<(f64, u8, usize)> = Vec::new();
        for (i, a) in arrivals.iter().enumerate() {
            queue.push_back((i, *a));
            let start_service = free_at.max(*a);
            free_at = start_service - 5.0 * (1.0 - uniform()).ln();
            events.push((*a, 0, i));
            events.push((start_service, 1, i));
        }
        events.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        let mut promised = vec![start; arrivals.len()];
        for (at, kind, i) in events {
            let now = start + Duration::milliseconds((at * 60_000.0) as i64);
            let id = format!("{day}-{i}");
            if kind == 0 {
                promised[i] = engine.arrive(&id, &pooled(), None, None, now).promised_by;
            } else {
                engine.seen(&id, &pooled(), now);
                if day >= 3 {
                    total += 1;
                    if now <= promised[i] {
                        kept += 1;
                    }
                }
            }
        }
    }
    let rate = f64::from(kept) / f64::from(total);
    assert!((0.86..=0.96).contains(&rate), "kept {rate:.3} of {total}");
}

#[test]
fn a_location_can_quote_at_its_own_quantile() {
    let t0 = chrono::DateTime::from_timestamp(1_800_000_000, 0).unwrap();
    let mut engine = QuoteEngine::new(QuoteConfig::default());
    let here = QueueKey {
        location: "main".into(),
        provider: None,
    };
    let there = QueueKey {
        location: "north".into(),
        provider: None,
    };
    for i in 0..5 {
        engine.arrive(&format!("m{i}"), &here, None, None, t0);
        engine.arrive(&format!("n{i}"), &there, None, None, t0);
    }
    let default = engine.quote(&there, None, None, t0);
    engine.set_location_quantile("main", Some(0.75));
    assert_eq!(engine.quantile_for(&here), 0.75);
    assert_eq!(engine.quantile_for(&there), 0.9);
    let lower = engine.quote(&here, None, None, t0);
    assert!(
        lower.quantile_min < default.quantile_min,
        "{lower:?} vs {default:?}"
    );
    engine.set_location_quantile("main", Some(1.5));
    assert_eq!(engine.quantile_for(&here), 0.99, "clamped");
    engine.set_location_quantile("main", None);
    assert_eq!(
        engine.quote(&here, None, None, t0).quantile_min,
        default.quantile_min
    );
}

/// A pooled queue where priority-2 patients are seen after 8–12 minutes
/// and priority-4 patients after anywhere from 10 to 120, whatever the
/// queue: twenty days of five patients of each an hour.
fn two_priorities(engine: &mut QuoteEngine, days: i64) -> (Vec<(u32, bool, f64)>, usize) {
    let mut seed = 3u64;
    let mut uniform = move || {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((seed >> 11) as f64) / ((1u64 << 53) as f64)
    };
    let mut out = Vec::new();
    let mut n = 0;
    for day in 0..days {
        let mut events: Vec<(Timestamp, bool, String, u32)> = Vec::new();
        for i in 0..80 {
            let at = t(8, 0) + Duration::days(day) + Duration::minutes(i * 6);
            let p = if i % 2 == 0 { 2 } else { 4 };
            let wait = if p == 2 {
                8.0 + 4.0 * uniform()
            } else {
                10.0 + 110.0 * uniform()
            };
            let id = format!("{day}-{i}");
            events.push((at, false, id.clone(), p));
            events.push((at + Duration::seconds((wait * 60.0) as i64), true, id, p));
        }
        events.sort();
        let mut promised = HashMap::new();
        for (at, seen, id, p) in events {
            if seen {
                engine.seen(&id, &pooled(), at);
                let by: Timestamp = promised[&id];
                out.push((p, at <= by, (by - at).num_seconds() as f64 / 60.0));
            } else {
                n += 1;
                let q = engine.arrive(&id, &pooled(), Some(p), None, at);
                promised.insert(id, q.promised_by);
            }
        }
    }
    (out, n)
}

#[test]
fn each_priority_is_calibrated_on_its_own_patients() {
    let mut engine = QuoteEngine::new(QuoteConfig::default());
    let (outcomes, _) = two_priorities(&mut engine, 30);
    // Judge the last twenty days.
    let judged = &outcomes[outcomes.len() * 10 / 30..];
    for p in [2, 4] {
        let mine: Vec<&(u32, bool, f64)> = judged.iter().filter(|o| o.0 == p).collect();
        let kept = mine.iter().filter(|o| o.1).count() as f64 / mine.len() as f64;
        assert!(
            (0.85..=0.96).contains(&kept),
            "priority {p}: kept {kept:.3}"
        );
        let mut slack: Vec<f64> = mine.iter().map(|o| o.2).collect();
        let median = quantile(&mut slack, 0.5).unwrap();
        if p == 2 {
            // Not padded for the priority-4 patients' spread.
            assert!(median < 12.0, "priority 2: median slack {median:.1}");
        }
    }
}

#[test]
fn a_broken_promise_raises_the_next_quotes_of_its_priority() {
    let mut engine = QuoteEngine::new(QuoteConfig::default());
    two_priorities(&mut engine, 10);
    let at = t(8, 0) + Duration::days(10);
    let shift_before = engine.queues[&pooled()].shifts[&(2, ANY_KIND)];
    // Ten priority-2 patients whose promises all break while they wait.
    for i in 0..10 {
        engine.arrive(&format!("late{i}"), &pooled(), Some(2), None, at);
    }
    let later = at + Duration::hours(12);
    engine.seen("late0", &pooled(), later);
    // All ten are known to have broken by then, not only the one seen.
    let moved = engine.queues[&pooled()].shifts[&(2, ANY_KIND)] - shift_before;
    let step = QuoteConfig::default().adapt_rate * 0.9;
    assert!((moved - 10.0 * step).abs() < 1e-9, "moved {moved}");
    // And a higher quantile never gives an earlier promise.
    let mut raised = engine.clone();
    raised
        .queues
        .get_mut(&pooled())
        .unwrap()
        .shifts
        .insert((2, ANY_KIND), 0.09);
    let now = later + Duration::minutes(1);
    assert!(
        raised.quote(&pooled(), Some(2), None, now).quantile_min
            >= engine.quote(&pooled(), Some(2), None, now).quantile_min
    );
}

#[test]
fn each_visit_type_is_calibrated_on_its_own_once_it_has_enough() {
    let mut engine = QuoteEngine::new(QuoteConfig::default());
    let kind = |i: i64| if i % 2 == 0 { "follow-up" } else { "walk-in" };
    for day in 0..10 {
        for i in 0..40 {
            let at = t(8, 0) + Duration::days(day) + Duration::minutes(i * 10);
            let id = format!("{day}-{i}");
            let arrival = Arrival {
                visit_type: Some(kind(i)),
                ..Arrival::default()
            };
            engine.arrive_with(&id, &pooled(), &arrival, at);
            // Follow-ups are seen in 5 minutes, walk-ins after 45 to 60.
            let wait = if i % 2 == 0 { 5 } else { 45 + (i * 7) % 16 };
            engine.seen(&id, &pooled(), at + Duration::minutes(wait));
        }
    }
    let now = t(10, 0) + Duration::days(10);
    let quote = |visit_type| {
        let arrival = Arrival {
            visit_type: Some(visit_type),
            ..Arrival::default()
        };
        engine.quote_arrival(&pooled(), &arrival, now)
    };
    let (follow_up, walk_in) = (quote("follow-up"), quote("walk-in"));
    assert!(!follow_up.cold_start);
    assert!(follow_up.quantile_min < 15.0, "{follow_up:?}");
    assert!(walk_in.quantile_min > 45.0, "{walk_in:?}");
    // A type never seen is quoted on the whole queue's history.
    let other = quote("annual physical");
    assert!(other.quantile_min > follow_up.quantile_min);
}

#[test]
fn a_booked_patient_is_never_promised_before_the_appointment_once_calibrated() {
    let mut engine = QuoteEngine::new(QuoteConfig::default());
    // Thirty days of patients seen within ten minutes of arriving.
    for day in 0..30 {
        for i in 0..20 {
            let at = t(8, 0) + Duration::days(day) + Duration::minutes(i * 15);
            let id = format!("{day}-{i}");
            engine.arrive(&id, &pooled(), None, None, at);
            engine.seen(&id, &pooled(), at + Duration::minutes(i % 10));
        }
    }
    let now = t(9, 0) + Duration::days(30);
    let walk_in = engine.quote(&pooled(), None, None, now);
    assert!(!walk_in.cold_start);
    assert!(walk_in.promised_by < now + Duration::minutes(30));
    let booked = engine.quote(&pooled(), None, Some(now + Duration::minutes(40)), now);
    assert!(
        booked.promised_by >= now + Duration::minutes(40),
        "{booked:?}"
    );
}

#[test]
fn a_broken_promise_stops_counting_when_the_patient_leaves_unseen() {
    let mut engine = QuoteEngine::new(QuoteConfig::default());
    two_priorities(&mut engine, 10);
    let at = t(8, 0) + Duration::days(10);
    let shift = |e: &QuoteEngine| e.queues[&pooled()].shifts[&(2, ANY_KIND)];
    let before = shift(&engine);
    engine.arrive("gone", &pooled(), Some(2), None, at);
    // Their promise breaks (learned at the next event), then they leave.
    engine.arrive("later", &pooled(), Some(4), None, at + Duration::hours(12));
    assert!(shift(&engine) > before);
    engine.left("gone", &pooled());
    assert!((shift(&engine) - before).abs() < 1e-12);
}

#[test]
fn requoting_a_queue_at_once_gives_each_patient_their_own_requote() {
    let mut engine = QuoteEngine::new(QuoteConfig::default());
    let q = pooled();
    // History, so quotes are calibrated (patients still waiting count too).
    for i in 0..40 {
        let id = format!("h{i}");
        engine.arrive(&id, &q, None, None, t(8, 0) + Duration::minutes(i));
        engine.seen(&id, &q, t(8, 10) + Duration::minutes(i));
    }
    // Two priorities, and patients arriving at the same moment.
    for i in 0..30 {
        let at = t(9, 0) + Duration::minutes(i / 3);
        let priority = if i % 4 == 0 { Some(1) } else { None };
        engine.arrive(&format!("w{i}"), &q, priority, None, at);
    }
    let now = t(9, 30);
    let all = engine.requote_queue(&q, |_| true, now);
    assert_eq!(all.len(), 30);
    for (id, quote) in &all {
        assert_eq!(Some(quote), engine.requote(id, &q, now).as_ref(), "{id}");
    }
    // Only those asked for.
    let some = engine.requote_queue(&q, |id| id == "w7", now);
    assert_eq!(some.len(), 1);
    assert_eq!(some[0].0, "w7");
    assert_eq!(engine.queues(), vec![q.clone()]);
}

#[test]
fn a_copy_of_one_queue_quotes_its_patients_as_the_engine_does() {
    let mut engine = QuoteEngine::new(QuoteConfig::default());
    let queue = |location: &str, provider: Option<&str>| QueueKey {
        location: location.into(),
        provider: provider.map(String::from),
    };
    let (a, b) = (queue("north", None), queue("south", Some("dr-b")));
    for (n, q) in [&a, &b].into_iter().enumerate() {
        for i in 0..40 {
            let id = format!("h{n}-{i}");
            engine.arrive(&id, q, None, None, t(8, 0) + Duration::minutes(i));
            engine.seen(&id, q, t(8, 5 + 10 * n as u32) + Duration::minutes(i));
        }
        for i in 0..12 {
            let at = t(9, 0) + Duration::minutes(i);
            engine.arrive(&format!("w{n}-{i}"), q, None, None, at);
        }
    }
    engine.set_location_quantile("south", Some(0.8));
    let now = t(9, 40);
    for q in [&a, &b] {
        let copy = engine.queue_copy(q);
        assert_eq!(copy.queues(), vec![q.clone()], "only its own queue");
        assert_eq!(
            copy.requote_queue(q, |_| true, now),
            engine.requote_queue(q, |_| true, now)
        );
        assert_eq!(copy.quantile_for(q), engine.quantile_for(q));
    }
    assert!(engine.waits_any(&a, |id| id == "w0-3"));
    assert!(!engine.waits_any(&b, |id| id == "w0-3"));
    assert!(
        !engine.waits_any(&a, |id| id == "h0-3"),
        "seen, not waiting"
    );
    // The two queues quote differently (the copy is not of the wrong one).
    assert_ne!(
        engine.requote_queue(&a, |_| true, now)[0].1.quantile_min,
        engine.requote_queue(&b, |_| true, now)[0].1.quantile_min
    );
}
