//! The post-visit survey: a few CG-CAHPS-style questions sent by the outbox
//! after a visit is done, and service recovery on a low answer.
//!
//! The rules, with no I/O and the time passed in: when the survey goes
//! (a delay after the visit is done, per location, default 2 hours), to whom
//! (at most once per patient's address in 30 days, never after an opt-out),
//! how long its link works (14 days, one answer), what an answer holds and
//! which answers are low enough to call the patient back.

use crate::duration::{format_duration, parse_duration};
use crate::fields::FieldErrors;
use crate::{Timestamp, VisitState};
use chrono::Duration;

/// The default delay between the end of a visit and its survey.
pub fn default_delay() -> Duration {
    Duration::hours(2)
}

/// The longest delay a location may set.
pub fn max_delay() -> Duration {
    Duration::hours(24)
}

/// A survey link works this long after it was sent.
pub fn valid_for() -> Duration {
    Duration::days(14)
}

/// A patient's address is asked at most once in this long.
pub fn once_per() -> Duration {
    Duration::days(30)
}

/// A visit whose survey was not sent within this long after it was due
/// (the server was down, or the setting changed) is not surveyed any more:
/// asking about a visit weeks later helps nobody.
pub fn give_up_after() -> Duration {
    Duration::days(2)
}

/// The most a comment may hold, in characters.
pub const COMMENT_MAX: usize = 4000;

/// Read a location's survey delay: `2h`, `90m`, `0m` (at once) up to 24
/// hours, or `off` (`None`: no surveys at this location).
pub fn parse_delay(text: &str) -> Result<Option<Duration>, String> {
    let text = text.trim();
    if ["off", "none", "no", "false"]
        .iter()
        .any(|w| text.eq_ignore_ascii_case(w))
    {
        return Ok(None);
    }
    if matches!(text, "0" | "0s" | "0m" | "0h") {
        return Ok(Some(Duration::zero()));
    }
    let d = parse_duration(text).map_err(|e| format!("{e}; or off (got {text:?})"))?;
    if d < Duration::zero() || d > max_delay() {
        return Err(format!(
            "the delay must be between 0m and {} (got {text:?})",
            format_duration(max_delay())
        ));
    }
    Ok(Some(d))
}

/// As written in settings (`2h`, `off`).
pub fn format_delay(delay: Option<Duration>) -> String {
    delay.map_or_else(|| "off".to_string(), format_duration)
}

/// When a done visit's survey is due.
pub fn due_at(done_at: Timestamp, delay: Duration) -> Timestamp {
    done_at + delay
}

/// Whether a visit may be surveyed at `now`: it is done, its delay has
/// passed, and not so long ago that asking would be odd.
pub fn may_send(state: VisitState, done_at: Timestamp, delay: Duration, now: Timestamp) -> bool {
    let due = due_at(done_at, delay);
    state == VisitState::Done && due <= now && now - due <= give_up_after()
}

/// An address as it is compared for "once in 30 days" and opt-outs:
/// e-mail lower-cased, a phone number as its digits (with a leading `+`).
pub fn address_key(address: &str) -> Option<String> {
    let a = address.trim();
    if a.is_empty() {
        return None;
    }
    if a.contains('@') {
        return Some(format!("email:{}", a.to_lowercase()));
    }
    let digits: String = a.chars().filter(char::is_ascii_digit).collect();
    if digits.is_empty() {
        return None;
    }
    let plus = if a.starts_with('+') { "+" } else { "" };
    Some(format!("phone:{plus}{digits}"))
}

/// How often, in CG-CAHPS's words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Frequency {
    Never,
    Sometimes,
    Usually,
    Always,
}

impl Frequency {
    pub const ALL: [Frequency; 4] = [
        Frequency::Never,
        Frequency::Sometimes,
        Frequency::Usually,
        Frequency::Always,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Frequency::Never => "never",
            Frequency::Sometimes => "sometimes",
            Frequency::Usually => "usually",
            Frequency::Always => "always",
        }
    }

    /// `never` or `sometimes`: an answer that calls for service recovery.
    pub fn is_low(self) -> bool {
        matches!(self, Frequency::Never | Frequency::Sometimes)
    }

    /// `always`: CG-CAHPS's "top box".
    pub fn is_top_box(self) -> bool {
        self == Frequency::Always
    }

    fn parse(text: &str) -> Option<Frequency> {
        let t = text.trim();
        Self::ALL
            .into_iter()
            .find(|f| f.as_str().eq_ignore_ascii_case(t))
    }
}

/// The questions that are answered with a [`Frequency`], in page order.
pub const FREQUENCY_ITEMS: [&str; 3] = ["helpful", "courteous", "listened"];

/// One answer to the survey, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SurveyAnswer {
    /// How often were the front-desk staff as helpful as you thought they should be?
    pub helpful: Frequency,
    /// How often did they treat you with courtesy and respect?
    pub courteous: Frequency,
    /// How often did the people you saw listen carefully to you?
    pub listened: Frequency,
    /// Were you seen by the time we told you?
    pub wait_as_promised: bool,
    /// 0 (worst) to 10 (best).
    pub overall: u8,
    /// In the patient's words; `None` when left empty.
    pub comment: Option<String>,
    /// The practice manager may contact them.
    pub contact_me: bool,
}

impl SurveyAnswer {
    /// Low enough to call the patient back: overall 6 or less, or `never`
    /// or `sometimes` on any staff item.
    pub fn is_low(&self) -> bool {
        self.overall <= 6 || self.frequencies().iter().any(|(_, f)| f.is_low())
    }

    /// A low answer from a patient who asked to be contacted: with a
    /// comment, it is also taken as a complaint (channel `survey`).
    pub fn opens_complaint(&self) -> bool {
        self.contact_me && self.is_low()
    }

    /// The three frequency items with their names.
    pub fn frequencies(&self) -> [(&'static str, Frequency); 3] {
        [
            ("helpful", self.helpful),
            ("courteous", self.courteous),
            ("listened", self.listened),
        ]
    }

    /// Why it is low, in words for the manager who calls back.
    pub fn low_because(&self) -> Vec<String> {
        let mut why = Vec::new();
        if self.overall <= 6 {
            why.push(format!("overall {} of 10", self.overall));
        }
        for (name, f) in self.frequencies() {
            if f.is_low() {
                why.push(format!("{name}: {}", f.as_str()));
            }
        }
        why
    }
}

/// An answer as sent (form or JSON), every field as text; `None` when absent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RawAnswer {
    pub helpful: Option<String>,
    pub courteous: Option<String>,
    pub listened: Option<String>,
    pub wait_as_promised: Option<String>,
    pub overall: Option<String>,
    pub comment: Option<String>,
    pub contact_me: Option<String>,
}

pub const FREQUENCY_INVALID: &str = "Choose never, sometimes, usually or always";
pub const YES_NO_INVALID: &str = "Choose yes or no";
pub const OVERALL_INVALID: &str = "Choose a number from 0 to 10";
pub const COMMENT_TOO_LONG: &str = "Too long (at most 4,000 characters)";
pub const CONTROL_CHARS: &str = crate::fields::CONTROL_CHARS;

fn yes_no(text: &str) -> Option<bool> {
    match text.trim().to_lowercase().as_str() {
        "true" | "yes" | "1" | "on" | "si" | "sí" => Some(true),
        "false" | "no" | "0" | "off" => Some(false),
        _ => None,
    }
}

/// Check an answer: every question but the comment and `contact_me` must be
/// answered; the first problem with each field is named.
pub fn validate(raw: &RawAnswer) -> Result<SurveyAnswer, FieldErrors> {
    let mut errors = FieldErrors::new();
    let mut frequency = |name: &str, v: &Option<String>| match v.as_deref().map(str::trim) {
        None | Some("") => {
            errors.add(name, crate::fields::REQUIRED);
            None
        }
        Some(t) => {
            let f = Frequency::parse(t);
            if f.is_none() {
                errors.add(name, FREQUENCY_INVALID);
            }
            f
        }
    };
    let helpful = frequency("helpful", &raw.helpful);
    let courteous = frequency("courteous", &raw.courteous);
    let listened = frequency("listened", &raw.listened);
    let wait_as_promised = match raw.wait_as_promised.as_deref().map(str::trim) {
        None | Some("") => {
            errors.add("wait_as_promised", crate::fields::REQUIRED);
            None
        }
        Some(t) => {
            let v = yes_no(t);
            if v.is_none() {
                errors.add("wait_as_promised", YES_NO_INVALID);
            }
            v
        }
    };
    let overall = match raw.overall.as_deref().map(str::trim) {
        None | Some("") => {
            errors.add("overall", crate::fields::REQUIRED);
            None
        }
        Some(t) => {
            let v = t.parse::<u8>().ok().filter(|n| *n <= 10);
            if v.is_none() {
                errors.add("overall", OVERALL_INVALID);
            }
            v
        }
    };
    let comment = match raw.comment.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(t) if t.chars().count() > COMMENT_MAX => {
            errors.add("comment", COMMENT_TOO_LONG);
            None
        }
        Some(t)
            if t.chars()
                .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t') =>
        {
            errors.add("comment", CONTROL_CHARS);
            None
        }
        Some(t) => Some(t.to_string()),
    };
    let contact_me = match raw.contact_me.as_deref().map(str::trim) {
        None | Some("") => Some(false),
        Some(t) => {
            let v = yes_no(t);
            if v.is_none() {
                errors.add("contact_me", YES_NO_INVALID);
            }
            v
        }
    };
    match (
        helpful,
        courteous,
        listened,
        wait_as_promised,
        overall,
        contact_me,
    ) {
        (
            Some(helpful),
            Some(courteous),
            Some(listened),
            Some(wait),
            Some(overall),
            Some(contact),
        ) if errors.is_empty() => Ok(SurveyAnswer {
            helpful,
            courteous,
            listened,
            wait_as_promised: wait,
            overall,
            comment,
            contact_me: contact,
        }),
        _ => Err(errors),
    }
}

/// Where a survey link stands when someone opens it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkState {
    /// Open for its one answer.
    Open,
    /// Answered already.
    Answered,
    /// Past its 14 days.
    Expired,
}

pub fn link_state(sent_at: Timestamp, answered: bool, now: Timestamp) -> LinkState {
    if answered {
        LinkState::Answered
    } else if now >= sent_at + valid_for() {
        LinkState::Expired
    } else {
        LinkState::Open
    }
}

/// What the survey message says (subject, body): the practice, the link and
/// how to stop these messages, in English and Spanish.
pub fn survey_message(
    first_name: &str,
    location_name: &str,
    link: &str,
    opt_out_link: &str,
) -> (String, String) {
    let subject = format!("How was your visit to {location_name}?");
    let body = format!(
        "Hi {first_name}, thank you for visiting {location_name}. Would you tell us how we did? \
         It takes a minute: {link} (this link works for 14 days). \
         / ¿Nos cuenta cómo le atendimos? Toma un minuto: {link}\n\
         No more surveys? / ¿No quiere más encuestas? {opt_out_link}"
    );
    (subject, body)
}

/// The due time of the call-back a low answer opens: one business day,
/// counted by the caller in the location's opening hours.
pub const RECOVERY_BUSINESS_DAYS: u32 = 1;

/// The note on the recovery promise: what to do and why.
pub fn recovery_note(answer: &SurveyAnswer) -> String {
    format!(
        "Call the patient back about their survey ({})",
        answer.low_because().join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use chrono::Utc;

    fn raw() -> RawAnswer {
        RawAnswer {
            helpful: Some("always".into()),
            courteous: Some("usually".into()),
            listened: Some("always".into()),
            wait_as_promised: Some("true".into()),
            overall: Some("9".into()),
            comment: Some("  Thanks!  ".into()),
            contact_me: None,
        }
    }

    #[test]
    fn a_full_answer_reads_back() {
        let a = validate(&raw()).unwrap();
        assert_eq!(a.helpful, Frequency::Always);
        assert_eq!(a.courteous, Frequency::Usually);
        assert!(a.wait_as_promised);
        assert_eq!(a.overall, 9);
        assert_eq!(a.comment.as_deref(), Some("Thanks!"));
        assert!(!a.contact_me);
        assert!(!a.is_low());
    }

    #[test]
    fn every_bad_field_is_named() {
        let bad = RawAnswer {
            helpful: Some("often".into()),
            courteous: None,
            listened: Some("always".into()),
            wait_as_promised: Some("maybe".into()),
            overall: Some("11".into()),
            comment: Some("x".repeat(COMMENT_MAX + 1)),
            contact_me: Some("perhaps".into()),
        };
        let e = validate(&bad).unwrap_err();
        assert_eq!(e.get("helpful"), Some(FREQUENCY_INVALID));
        assert_eq!(e.get("courteous"), Some(crate::fields::REQUIRED));
        assert_eq!(e.get("listened"), None);
        assert_eq!(e.get("wait_as_promised"), Some(YES_NO_INVALID));
        assert_eq!(e.get("overall"), Some(OVERALL_INVALID));
        assert_eq!(e.get("comment"), Some(COMMENT_TOO_LONG));
        assert_eq!(e.get("contact_me"), Some(YES_NO_INVALID));
        let mut r = raw();
        r.overall = Some("-1".into());
        assert_eq!(
            validate(&r).unwrap_err().get("overall"),
            Some(OVERALL_INVALID)
        );
    }

    #[test]
    fn low_answers_are_overall_six_or_less_or_a_never_or_sometimes() {
        let mut a = validate(&raw()).unwrap();
        a.overall = 7;
        assert!(!a.is_low());
        a.overall = 6;
        assert!(a.is_low());
        assert_eq!(a.low_because(), vec!["overall 6 of 10"]);
        a.overall = 10;
        a.courteous = Frequency::Sometimes;
        assert!(a.is_low());
        a.courteous = Frequency::Usually;
        a.listened = Frequency::Never;
        assert_eq!(a.low_because(), vec!["listened: never"]);
        a.listened = Frequency::Usually;
        assert!(!a.is_low());
    }

    #[test]
    fn a_low_answer_asking_to_be_contacted_opens_a_complaint() {
        let mut a = validate(&raw()).unwrap();
        a.overall = 3;
        a.contact_me = false;
        assert!(!a.opens_complaint(), "low, but not asked to be contacted");
        a.contact_me = true;
        assert!(a.opens_complaint());
        a.overall = 9;
        assert!(!a.opens_complaint(), "asked, but not low");
    }

    #[test]
    fn the_delay_reads_a_duration_or_off() {
        assert_eq!(parse_delay("2h"), Ok(Some(Duration::hours(2))));
        assert_eq!(parse_delay("0m"), Ok(Some(Duration::zero())));
        assert_eq!(parse_delay("off"), Ok(None));
        assert_eq!(parse_delay("24h"), Ok(Some(Duration::hours(24))));
        assert!(parse_delay("25h").is_err());
        assert!(parse_delay("soon").is_err());
        assert_eq!(format_delay(Some(Duration::hours(2))), "2h");
        assert_eq!(format_delay(None), "off");
    }

    #[test]
    fn a_survey_goes_after_its_delay_and_not_days_later() {
        let done = Utc.with_ymd_and_hms(2026, 3, 2, 15, 0, 0).unwrap();
        let d = Duration::hours(2);
        assert!(!may_send(
            VisitState::Done,
            done,
            d,
            done + Duration::minutes(119)
        ));
        assert!(may_send(
            VisitState::Done,
            done,
            d,
            done + Duration::hours(2)
        ));
        assert!(may_send(
            VisitState::Done,
            done,
            d,
            done + Duration::hours(50)
        ));
        assert!(!may_send(
            VisitState::Done,
            done,
            d,
            done + Duration::hours(51)
        ));
        assert!(!may_send(
            VisitState::LeftWithoutBeingSeen,
            done,
            d,
            done + Duration::hours(3)
        ));
    }

    #[test]
    fn addresses_compare_without_case_or_punctuation() {
        assert_eq!(
            address_key(" Ana@Example.org "),
            address_key("ana@example.org")
        );
        assert_eq!(address_key("(555) 010-2000"), address_key("555.010.2000"));
        assert_ne!(address_key("+15550102000"), address_key("15550102000"));
        assert_eq!(address_key("  "), None);
    }

    #[test]
    fn a_link_takes_one_answer_for_fourteen_days() {
        let sent = Utc.with_ymd_and_hms(2026, 3, 2, 17, 0, 0).unwrap();
        assert_eq!(
            link_state(sent, false, sent + Duration::days(13)),
            LinkState::Open
        );
        assert_eq!(
            link_state(sent, false, sent + Duration::days(14)),
            LinkState::Expired
        );
        assert_eq!(link_state(sent, true, sent), LinkState::Answered);
    }

    #[test]
    fn the_message_carries_the_link_and_the_way_out() {
        let (subject, body) = survey_message(
            "Ana",
            "Main St",
            "https://x/survey/T",
            "https://x/survey/T/stop",
        );
        assert!(subject.contains("Main St"));
        assert!(body.contains("https://x/survey/T "));
        assert!(body.contains("https://x/survey/T/stop"));
        assert!(body.contains("¿"));
    }
}
