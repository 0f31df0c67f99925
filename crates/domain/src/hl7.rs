//! HL7 v2 in: SIU scheduling messages (S12 new, S13 rescheduled, S14
//! modified, S15 cancelled, S26 no-show) read into the same appointments a
//! CSV row gives, and the ACK each one is answered with. A small hand-written
//! reader, pure: the MLLP framing and the socket are the server's.
//!
//! Fields read (docs/interop.md has the table): MSH-9 type, MSH-10 control id;
//! SCH-1 placer appointment id (SCH-2 filler id when it is empty), SCH-7/8
//! reason/type → visit type, SCH-9/10 duration, SCH-11 start and end
//! (components 4 and 5; TQ1-7/8 win when present); PID-5 name, PID-7 birth
//! date, PID-13 phone and e-mail; AIP-3 provider; AIL-3 location (point of
//! care, else facility; none → `main`).

use crate::Timestamp;
use crate::appointment::Appointment;
use crate::fhir::Directory;
use crate::fields;
use crate::patient::NewPatient;
use crate::schedule::{ScheduleChange, ScheduleSource, ScheduleStatus, provider_id};
use chrono::{NaiveDate, NaiveDateTime, TimeZone};
use chrono_tz::Tz;

/// MLLP framing: a message is `0x0B` … `0x1C 0x0D`.
pub const START_BLOCK: u8 = 0x0B;
pub const END_BLOCK: [u8; 2] = [0x1C, 0x0D];

/// One segment: its name and fields (for MSH, field 1 is the separator and
/// field 2 the encoding characters, as the standard counts them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    pub name: String,
    fields: Vec<String>,
}

/// A message, split into segments, with its separators.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub segments: Vec<Segment>,
    component: char,
    repetition: char,
    escape: char,
    subcomponent: char,
    field: char,
}

/// Why a message was not applied: the acknowledgement code (`AR` rejected
/// as a message, `AE` an error in what it says), HL7 table 0357's error code,
/// where (segment, field, component) and what, in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hl7Error {
    pub ack: &'static str,
    pub code: (u16, &'static str),
    pub segment: &'static str,
    pub field: u16,
    pub component: u16,
    pub text: String,
}

const REQUIRED_MISSING: (u16, &str) = (101, "Required field missing");
const DATA_TYPE: (u16, &str) = (102, "Data type error");
const SEGMENT_ERROR: (u16, &str) = (100, "Segment sequence error");
const UNSUPPORTED_TYPE: (u16, &str) = (200, "Unsupported message type");
const UNSUPPORTED_EVENT: (u16, &str) = (201, "Unsupported event code");
const UNKNOWN_KEY: (u16, &str) = (204, "Unknown key identifier");

fn error(
    ack: &'static str,
    code: (u16, &'static str),
    segment: &'static str,
    field: u16,
    component: u16,
    text: impl Into<String>,
) -> Hl7Error {
    Hl7Error {
        ack,
        code,
        segment,
        field,
        component,
        text: text.into(),
    }
}

impl Segment {
    /// Field `n` as the standard numbers it ('' when absent).
    pub fn field(&self, n: usize) -> &str {
        self.fields.get(n).map(String::as_str).unwrap_or("")
    }
}

impl Message {
    /// Split a message (segments ended by CR, LF or CRLF). The first must be
    /// MSH, whose fourth character is the field separator.
    pub fn parse(text: &str) -> Result<Message, Hl7Error> {
        let text = text.trim_start_matches(['\u{b}', '\r', '\n', ' ']);
        if !text.starts_with("MSH") || text.len() < 8 {
            return Err(error(
                "AR",
                SEGMENT_ERROR,
                "MSH",
                1,
                0,
                "The message must start with an MSH segment",
            ));
        }
        let field = text[3..].chars().next().unwrap_or('|');
        let encoding: Vec<char> = text[3 + field.len_utf8()..]
            .chars()
            .take_while(|c| *c != field)
            .collect();
        let at = |i: usize, d: char| encoding.get(i).copied().unwrap_or(d);
        let (component, repetition, escape, subcomponent) =
            (at(0, '^'), at(1, '~'), at(2, '\\'), at(3, '&'));
        let mut segments = Vec::new();
        for line in text.split(['\r', '\n']).filter(|l| !l.trim().is_empty()) {
            let mut parts: Vec<String> = line.split(field).map(str::to_string).collect();
            let name = parts.first().cloned().unwrap_or_default();
            if name == "MSH" {
                // MSH-1 is the separator itself.
                parts.insert(1, field.to_string());
            }
            segments.push(Segment {
                name: name.trim().to_string(),
                fields: parts,
            });
        }
        Ok(Message {
            segments,
            component,
            repetition,
            escape,
            subcomponent,
            field,
        })
    }

    pub fn segment(&self, name: &str) -> Option<&Segment> {
        self.segments.iter().find(|s| s.name == name)
    }

    fn msh(&self) -> &Segment {
        &self.segments[0]
    }

    /// Component `c` (1-based) of the first repetition of a field, unescaped.
    pub fn component(&self, seg: &Segment, field: usize, c: usize) -> String {
        let first = seg.field(field).split(self.repetition).next().unwrap_or("");
        let part = first.split(self.component).nth(c - 1).unwrap_or("");
        let part = part.split(self.subcomponent).next().unwrap_or("");
        self.unescape(part.trim())
    }

    /// Every repetition of a field.
    fn repetitions<'a>(&self, seg: &'a Segment, field: usize) -> Vec<&'a str> {
        seg.field(field)
            .split(self.repetition)
            .filter(|r| !r.is_empty())
            .collect()
    }

    fn unescape(&self, text: &str) -> String {
        if !text.contains(self.escape) {
            return text.to_string();
        }
        let mut out = String::new();
        let mut rest = text;
        while let Some(i) = rest.find(self.escape) {
            out.push_str(&rest[..i]);
            let after = &rest[i + self.escape.len_utf8()..];
            match after.find(self.escape) {
                Some(j) => {
                    match &after[..j] {
                        "F" => out.push(self.field),
                        "S" => out.push(self.component),
                        "T" => out.push(self.subcomponent),
                        "R" => out.push(self.repetition),
                        "E" => out.push(self.escape),
                        _ => {}
                    }
                    rest = &after[j + self.escape.len_utf8()..];
                }
                None => {
                    rest = after;
                }
            }
        }
        out.push_str(rest);
        out
    }

    /// MSH-10, the control id the ACK echoes.
    pub fn control_id(&self) -> String {
        self.unescape(self.msh().field(10).trim())
    }

    /// MSH-9's type and event (`SIU`, `S12`).
    pub fn kind(&self) -> (String, String) {
        let msh = self.msh();
        (self.component(msh, 9, 1), self.component(msh, 9, 2))
    }
}

/// An HL7 time (`YYYYMMDD[HHMM[SS[.S+]]][+/-ZZZZ]`); without an offset, in `zone`.
pub fn parse_time(text: &str, zone: Tz) -> Option<Timestamp> {
    let text = text.trim();
    if !text.is_ascii() {
        return None;
    }
    let (digits, offset) = match text.find(['+', '-']) {
        Some(i) => (&text[..i], Some(&text[i..])),
        None => (text, None),
    };
    let digits = digits.split('.').next().unwrap_or("");
    if digits.len() < 8 || !digits.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let padded = format!("{digits:0<14}");
    let naive = NaiveDateTime::parse_from_str(&padded[..14], "%Y%m%d%H%M%S").ok()?;
    match offset {
        Some(o) if o.len() == 5 => {
            let sign = if o.starts_with('-') { -1 } else { 1 };
            let hours: i32 = o[1..3].parse().ok()?;
            let minutes: i32 = o[3..5].parse().ok()?;
            let fixed = chrono::FixedOffset::east_opt(sign * (hours * 3600 + minutes * 60))?;
            fixed
                .from_local_datetime(&naive)
                .single()
                .map(|t| t.with_timezone(&chrono::Utc))
        }
        Some(_) => None,
        None => zone
            .from_local_datetime(&naive)
            .earliest()
            .map(|t| t.with_timezone(&chrono::Utc)),
    }
}

fn birth_date(text: &str) -> Option<NaiveDate> {
    let t = text.trim();
    if t.len() < 8 || !t.is_ascii() {
        return None;
    }
    NaiveDate::parse_from_str(&t[..8], "%Y%m%d").ok()
}

/// Read an SIU message into an appointment change. Any other message type,
/// or an SIU event we do not take, is rejected (`AR`); a message that lacks
/// what an appointment needs, or says it wrongly, is an error (`AE`).
pub fn read_siu(msg: &Message, dir: &Directory) -> Result<ScheduleChange, Hl7Error> {
    let (kind, event) = msg.kind();
    if kind != "SIU" {
        return Err(error(
            "AR",
            UNSUPPORTED_TYPE,
            "MSH",
            9,
            1,
            format!("Message type {kind:?} not taken: send SIU (S12, S13, S14, S15, S26)"),
        ));
    }
    let status = match event.as_str() {
        "S12" | "S13" | "S14" => ScheduleStatus::Booked,
        "S15" => ScheduleStatus::Cancelled,
        "S26" => ScheduleStatus::NoShow,
        _ => {
            return Err(error(
                "AR",
                UNSUPPORTED_EVENT,
                "MSH",
                9,
                2,
                format!("Event {event:?} not taken: send S12, S13, S14, S15 or S26"),
            ));
        }
    };
    let missing = |segment: &'static str| {
        error(
            "AE",
            REQUIRED_MISSING,
            segment,
            0,
            0,
            format!("The message has no {segment} segment"),
        )
    };
    let sch = msg.segment("SCH").ok_or_else(|| missing("SCH"))?;
    let pid = msg.segment("PID").ok_or_else(|| missing("PID"))?;

    // The appointment's id: the placer's, else the filler's.
    let (mut id, mut system) = (msg.component(sch, 1, 1), msg.component(sch, 1, 2));
    if id.is_empty() {
        id = msg.component(sch, 2, 1);
        system = msg.component(sch, 2, 2);
    }
    if id.is_empty() {
        return Err(error(
            "AE",
            REQUIRED_MISSING,
            "SCH",
            1,
            1,
            "Missing appointment id (SCH-1 placer appointment id, or SCH-2)",
        ));
    }
    let appointment_id = fields::required_text(&id)
        .map_err(|m| error("AE", DATA_TYPE, "SCH", 1, 1, format!("SCH-1: {m}")))?;

    // Where: AIL-3 (point of care, else facility); none → main.
    let location = match msg.segment("AIL") {
        None => crate::MAIN_LOCATION.to_string(),
        Some(ail) => {
            let poc = msg.component(ail, 3, 1);
            let facility = msg.component(ail, 3, 4);
            match [poc.as_str(), facility.as_str()]
                .into_iter()
                .find(|l| !l.is_empty() && (dir.zone_of)(l).is_some())
            {
                Some(l) => l.to_string(),
                None if poc.is_empty() && facility.is_empty() => crate::MAIN_LOCATION.to_string(),
                None => {
                    return Err(error(
                        "AE",
                        UNKNOWN_KEY,
                        "AIL",
                        3,
                        1,
                        format!(
                            "Unknown location {:?} (AIL-3)",
                            if poc.is_empty() { &facility } else { &poc }
                        ),
                    ));
                }
            }
        }
    };
    let zone = (dir.zone_of)(&location).ok_or_else(|| {
        error(
            "AE",
            UNKNOWN_KEY,
            "AIL",
            3,
            1,
            format!("Unknown location {location:?}"),
        )
    })?;

    // When: TQ1-7/8 when present, else SCH-11.4/5.
    let tq1 = msg.segment("TQ1");
    let (start_text, start_at, end_text) = match tq1 {
        Some(t) if !msg.component(t, 7, 1).is_empty() => (
            msg.component(t, 7, 1),
            ("TQ1", 7u16, 1u16),
            msg.component(t, 8, 1),
        ),
        _ => (
            msg.component(sch, 11, 4),
            ("SCH", 11, 4),
            msg.component(sch, 11, 5),
        ),
    };
    if start_text.is_empty() {
        return Err(error(
            "AE",
            REQUIRED_MISSING,
            start_at.0,
            start_at.1,
            start_at.2,
            "Missing start time (SCH-11.4, or TQ1-7)",
        ));
    }
    let scheduled_at = parse_time(&start_text, zone).ok_or_else(|| {
        error(
            "AE",
            DATA_TYPE,
            start_at.0,
            start_at.1,
            start_at.2,
            format!("Start time {start_text:?} not understood: write it YYYYMMDDHHMM[SS][+ZZZZ]"),
        )
    })?;
    let mut duration_min = None;
    if !end_text.is_empty() {
        let end = parse_time(&end_text, zone).ok_or_else(|| {
            error(
                "AE",
                DATA_TYPE,
                start_at.0,
                start_at.1 + if start_at.0 == "TQ1" { 1 } else { 0 },
                5,
                format!("End time {end_text:?} not understood"),
            )
        })?;
        let minutes = (end - scheduled_at).num_minutes();
        match u32::try_from(minutes) {
            Ok(m) if (1..=480).contains(&m) => duration_min = Some(m),
            _ => {
                return Err(error(
                    "AE",
                    DATA_TYPE,
                    "SCH",
                    11,
                    5,
                    "The end must be 1 minute to 8 hours after the start",
                ));
            }
        }
    } else {
        let minutes = msg.component(sch, 9, 1);
        let units = msg.component(sch, 10, 1).to_ascii_uppercase();
        if !minutes.is_empty() {
            let factor = match units.as_str() {
                "" | "MIN" | "M" => Some(1),
                "H" | "HR" | "HRS" => Some(60),
                "S" | "SEC" => None,
                _ => None,
            };
            match (minutes.parse::<u32>().ok(), factor) {
                (Some(m), Some(f)) if (1..=480).contains(&(m * f)) => duration_min = Some(m * f),
                _ => {
                    return Err(error(
                        "AE",
                        DATA_TYPE,
                        "SCH",
                        9,
                        1,
                        "Duration must be 1 to 480 minutes (SCH-9, units in SCH-10)",
                    ));
                }
            }
        }
    }

    // Who: PID-5, PID-7, PID-13.
    let family = msg.component(pid, 5, 1);
    let given = msg.component(pid, 5, 2);
    let family_name = fields::required_text(&family).map_err(|m| {
        error(
            "AE",
            REQUIRED_MISSING,
            "PID",
            5,
            1,
            format!("Patient family name (PID-5.1): {m}"),
        )
    })?;
    let given_name = fields::required_text(&given).map_err(|m| {
        error(
            "AE",
            REQUIRED_MISSING,
            "PID",
            5,
            2,
            format!("Patient given name (PID-5.2): {m}"),
        )
    })?;
    let dob_text = msg.component(pid, 7, 1);
    let date_of_birth = if dob_text.is_empty() {
        None
    } else {
        let d = birth_date(&dob_text).ok_or_else(|| {
            error(
                "AE",
                DATA_TYPE,
                "PID",
                7,
                1,
                format!("Date of birth {dob_text:?} not understood: write it YYYYMMDD"),
            )
        })?;
        let d = fields::date_of_birth(&d.to_string(), dir.today)
            .map_err(|m| error("AE", DATA_TYPE, "PID", 7, 1, format!("PID-7: {m}")))?;
        Some(d)
    };
    let (mut phone, mut email) = (None, None);
    for rep in msg.repetitions(pid, 13) {
        let parts: Vec<String> = rep
            .split(msg.component)
            .map(|p| msg.unescape(p.trim()))
            .collect();
        let get = |i: usize| parts.get(i).cloned().unwrap_or_default();
        if !get(3).is_empty() && email.is_none() {
            email = fields::email(&get(3)).ok();
        } else if phone.is_none() {
            let number = if get(0).is_empty() {
                format!("{}{}", get(5), get(6))
            } else {
                get(0)
            };
            if !number.is_empty() {
                phone = fields::phone(&number).ok();
            }
        }
    }

    // The provider: AIP-3's id (else its family name).
    let aip = msg.segment("AIP").ok_or_else(|| {
        error(
            "AE",
            REQUIRED_MISSING,
            "AIP",
            3,
            1,
            "Missing provider: the message has no AIP segment",
        )
    })?;
    let mut personnel = msg.component(aip, 3, 1);
    if personnel.is_empty() {
        personnel = msg.component(aip, 3, 2);
    }
    if personnel.is_empty() {
        return Err(error(
            "AE",
            REQUIRED_MISSING,
            "AIP",
            3,
            1,
            "Missing provider id (AIP-3)",
        ));
    }
    let provider = provider_id(&personnel).map_err(|m| {
        error(
            "AE",
            DATA_TYPE,
            "AIP",
            3,
            1,
            format!("Provider id {personnel:?} (AIP-3): {m}"),
        )
    })?;

    let provider_name = {
        let (family, given, prefix) = (
            msg.component(aip, 3, 2),
            msg.component(aip, 3, 3),
            msg.component(aip, 3, 6),
        );
        let name = [prefix.as_str(), given.as_str(), family.as_str()]
            .iter()
            .filter(|p| !p.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join(" ");
        fields::required_text(&name).ok()
    };
    let visit_type = [
        msg.component(sch, 8, 2),
        msg.component(sch, 8, 1),
        msg.component(sch, 7, 2),
        msg.component(sch, 7, 1),
    ]
    .into_iter()
    .find(|t| !t.is_empty())
    .map(|t| t.chars().take(100).collect());

    Ok(ScheduleChange {
        appointment: Appointment {
            appointment_id,
            location,
            provider,
            visit_type,
            scheduled_at,
            duration_min,
            patient: NewPatient {
                given_name,
                family_name,
                preferred_name: None,
                date_of_birth,
                phone,
                email,
            },
        },
        system: Some(system).filter(|s| !s.is_empty()),
        provider_name,
        source: ScheduleSource::Hl7,
        status,
    })
}

/// The ACK for a message: `AA` when applied, else the error's code with an
/// ERR segment; MSA-2 is the message's control id. `msg` is `None` when the
/// message could not even be split (then MSH fields are our own).
pub fn ack(
    msg: Option<&Message>,
    outcome: Result<(), &Hl7Error>,
    now: Timestamp,
    ack_id: &str,
) -> String {
    let get = |f: usize, c: usize| match msg {
        Some(m) => escape(&m.component(m.msh(), f, c)),
        None => String::new(),
    };
    let control = msg.map(|m| escape(&m.control_id())).unwrap_or_default();
    let version = Some(get(12, 1))
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| "2.5.1".into());
    let processing = Some(get(11, 1))
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| "P".into());
    let event = get(9, 2);
    let mut out = format!(
        "MSH|^~\\&|FRONTDESK|{}|{}|{}|{}||ACK^{}^ACK|{}|{}|{}\r",
        get(6, 1),
        get(3, 1),
        get(4, 1),
        now.format("%Y%m%d%H%M%S"),
        event,
        escape(ack_id),
        processing,
        version
    );
    match outcome {
        Ok(()) => out.push_str(&format!("MSA|AA|{control}\r")),
        Err(e) => {
            out.push_str(&format!("MSA|{}|{control}|{}\r", e.ack, escape(&e.text)));
            let location = match (e.field, e.component) {
                (0, _) => e.segment.to_string(),
                (f, 0) => format!("{}^1^{f}", e.segment),
                (f, c) => format!("{}^1^{f}^1^{c}", e.segment),
            };
            out.push_str(&format!(
                "ERR||{location}|{}^{}^HL70357|E||||{}\r",
                e.code.0,
                e.code.1,
                escape(&e.text)
            ));
        }
    }
    out
}

/// Escape text for a field with the standard separators.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\E\\"),
            '|' => out.push_str("\\F\\"),
            '^' => out.push_str("\\S\\"),
            '&' => out.push_str("\\T\\"),
            '~' => out.push_str("\\R\\"),
            '\r' | '\n' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests;
