use super::*;
use chrono::Utc;

fn zone_of(id: &str) -> Option<Tz> {
    match id {
        "main" => Some(chrono_tz::America::Chicago),
        "north" => Some(chrono_tz::UTC),
        _ => None,
    }
}

fn known(_: &str) -> bool {
    false
}

fn dir() -> Directory<'static> {
    Directory {
        zone_of: &zone_of,
        provider_known: &known,
        today: NaiveDate::from_ymd_opt(2026, 3, 5).unwrap(),
    }
}

pub const S12: &str = "MSH|^~\\&|EPIC|NORTHCLINIC|FRONTDESK|PRACTICE|20260305083000||SIU^S12^SIU_S12|MSG00001|P|2.5.1\r\
SCH|A-200^EPIC||||||ROUTINE^Routine visit|FOLLOWUP^Follow-up|20|MIN|^^20^202603050940^202603051000|||||||||||||Booked\r\
PID|1||MRN123^^^EPIC^MR||Moreno^Ana||19800229|F|||||^PRN^PH^^1^555^0101234~^NET^Internet^ana@example.org\r\
AIP|1||dr-lee^Lee^Jo|D\r\
AIL|1||main^^^MAIN\r";

fn with(text: &str, from: &str, to: &str) -> String {
    assert!(text.contains(from), "{from}");
    text.replace(from, to)
}

#[test]
fn an_s12_is_an_appointment_like_a_csv_row() {
    let msg = Message::parse(S12).unwrap();
    assert_eq!(msg.control_id(), "MSG00001");
    let change = read_siu(&msg, &dir()).unwrap();
    let a = &change.appointment;
    assert_eq!(a.appointment_id, "A-200");
    assert_eq!(change.system.as_deref(), Some("EPIC"));
    assert_eq!(change.status, ScheduleStatus::Booked);
    assert_eq!(a.location, "main");
    assert_eq!(a.provider, "dr-lee");
    assert_eq!(change.provider_name.as_deref(), Some("Jo Lee"));
    assert_eq!(a.visit_type.as_deref(), Some("Follow-up"));
    assert_eq!(
        a.scheduled_at,
        Utc.with_ymd_and_hms(2026, 3, 5, 15, 40, 0).unwrap()
    );
    assert_eq!(a.duration_min, Some(20));
    assert_eq!(a.patient.family_name, "Moreno");
    assert_eq!(a.patient.given_name, "Ana");
    assert_eq!(
        a.patient.date_of_birth,
        NaiveDate::from_ymd_opt(1980, 2, 29)
    );
    assert_eq!(a.patient.email.as_deref(), Some("ana@example.org"));
    assert!(a.patient.phone.is_some());
}

#[test]
fn events_say_what_happened_and_tq1_wins() {
    for (event, status) in [
        ("S13", ScheduleStatus::Booked),
        ("S14", ScheduleStatus::Booked),
        ("S15", ScheduleStatus::Cancelled),
        ("S26", ScheduleStatus::NoShow),
    ] {
        let text = with(S12, "SIU^S12^SIU_S12", &format!("SIU^{event}"));
        let change = read_siu(&Message::parse(&text).unwrap(), &dir()).unwrap();
        assert_eq!(change.status, status, "{event}");
    }
    let text = format!("{S12}TQ1|1||||||202603051100+0000|202603051130+0000\r");
    let change = read_siu(&Message::parse(&text).unwrap(), &dir()).unwrap();
    assert_eq!(
        change.appointment.scheduled_at,
        Utc.with_ymd_and_hms(2026, 3, 5, 11, 0, 0).unwrap()
    );
    assert_eq!(change.appointment.duration_min, Some(30));
}

#[test]
fn what_is_wrong_is_named_with_ae_or_ar() {
    let no_start = with(S12, "^^20^202603050940^202603051000", "^^20");
    let e = read_siu(&Message::parse(&no_start).unwrap(), &dir()).unwrap_err();
    assert_eq!(
        (e.ack, e.code.0, e.segment, e.field, e.component),
        ("AE", 101, "SCH", 11, 4)
    );
    assert!(e.text.contains("start time"), "{}", e.text);

    let adt = with(S12, "SIU^S12^SIU_S12", "ADT^A01");
    let e = read_siu(&Message::parse(&adt).unwrap(), &dir()).unwrap_err();
    assert_eq!((e.ack, e.code.0), ("AR", 200));
    let s99 = with(S12, "SIU^S12^SIU_S12", "SIU^S99");
    assert_eq!(
        read_siu(&Message::parse(&s99).unwrap(), &dir())
            .unwrap_err()
            .code
            .0,
        201
    );

    let bad_time = with(S12, "202603050940", "tomorrow");
    assert_eq!(
        read_siu(&Message::parse(&bad_time).unwrap(), &dir())
            .unwrap_err()
            .code
            .0,
        102
    );
    let elsewhere = with(S12, "main^^^MAIN", "south");
    let e = read_siu(&Message::parse(&elsewhere).unwrap(), &dir()).unwrap_err();
    assert_eq!((e.code.0, e.segment), (204, "AIL"));
    let nameless = with(S12, "Moreno^Ana", "Moreno");
    let e = read_siu(&Message::parse(&nameless).unwrap(), &dir()).unwrap_err();
    assert_eq!((e.segment, e.field, e.component), ("PID", 5, 2));
    assert!(Message::parse("PID|1\r").is_err());
}

#[test]
fn the_ack_echoes_the_control_id_and_names_the_error() {
    let msg = Message::parse(S12).unwrap();
    let now = Utc.with_ymd_and_hms(2026, 3, 5, 14, 0, 0).unwrap();
    let ok = ack(Some(&msg), Ok(()), now, "FD1");
    let lines: Vec<&str> = ok.split('\r').filter(|l| !l.is_empty()).collect();
    assert_eq!(lines.len(), 2);
    assert!(
        lines[0].starts_with(
            "MSH|^~\\&|FRONTDESK|PRACTICE|EPIC|NORTHCLINIC|20260305140000||ACK^S12^ACK|FD1|P|2.5.1"
        ),
        "{}",
        lines[0]
    );
    assert_eq!(lines[1], "MSA|AA|MSG00001");

    let no_start = with(S12, "^^20^202603050940^202603051000", "^^20");
    let msg = Message::parse(&no_start).unwrap();
    let e = read_siu(&msg, &dir()).unwrap_err();
    let bad = ack(Some(&msg), Err(&e), now, "FD2");
    let back = Message::parse(&bad).unwrap();
    let msa = back.segment("MSA").unwrap();
    assert_eq!((msa.field(1), msa.field(2)), ("AE", "MSG00001"));
    let err = back.segment("ERR").unwrap();
    assert_eq!(err.field(2), "SCH^1^11^1^4");
    assert_eq!(back.component(err, 3, 1), "101");
}

#[test]
fn escapes_and_times_read_back() {
    let msg =
        Message::parse("MSH|^~\\&|A|B|C|D|20260305||SIU^S12|1|P|2.5\rPID|1||||O\\S\\Neil^Dan\r")
            .unwrap();
    let pid = msg.segment("PID").unwrap();
    assert_eq!(msg.component(pid, 5, 1), "O^Neil");
    assert_eq!(escape("a|b^c"), "a\\F\\b\\S\\c");
    assert_eq!(
        parse_time("202603050940-0500", chrono_tz::UTC),
        Some(Utc.with_ymd_and_hms(2026, 3, 5, 14, 40, 0).unwrap())
    );
    assert_eq!(
        parse_time("20260305", chrono_tz::UTC),
        Some(Utc.with_ymd_and_hms(2026, 3, 5, 0, 0, 0).unwrap())
    );
    assert_eq!(parse_time("2026-03-05", chrono_tz::UTC), None);
    // Nothing a sender writes makes the reader panic.
    assert_eq!(parse_time("202603050940+1\u{e9}2", chrono_tz::UTC), None);
    assert_eq!(birth_date("1980\u{e9}0101"), None);
    for text in [
        "MSH\u{e9}^~\\&|x",
        "MSH|\u{e9}\u{e9}|A\rSCH|\u{e9}",
        "MSH||||||||||||",
        "MSH|^~\\&|\\F",
        "MSH|^~\\&|A|B|C|D|2026||SIU^S12|1\rSCH|\u{e9}||||||||||^^^\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\rPID|||||\u{e9}^\u{e9}||\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\rAIP|||\u{e9}",
    ] {
        if let Ok(m) = Message::parse(text) {
            let _ = read_siu(&m, &dir());
            let _ = ack(Some(&m), Ok(()), Utc::now(), "x");
        }
    }
}

proptest::proptest! {
    #[test]
    fn no_message_makes_the_reader_panic(body in "\\PC{0,300}", cut in 0usize..400) {
        // Arbitrary text, and a real message cut anywhere and spliced with it.
        let mut spliced: String = S12.chars().take(cut).collect();
        spliced.push_str(&body);
        for text in [body.clone(), format!("MSH|^~\\&|{body}"), spliced] {
            if let Ok(m) = Message::parse(&text) {
                let outcome = read_siu(&m, &dir());
                let _ = ack(Some(&m), outcome.as_ref().map(|_| ()), Utc::now(), "x");
            }
        }
    }
}
