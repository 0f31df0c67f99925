//! The names a complaint is sorted and worked by: its channel, category,
//! severity and status, the ladder's levels, a clock's status and the actions
//! staff take, each with a stored name, words for people and a forgiving parser.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A name given for an enum value that is not one of its names.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} {value:?}; use {choices}")]
pub struct UnknownName {
    /// What was being named: `channel`, `category`, ...
    pub what: &'static str,
    /// The name as given.
    pub value: String,
    /// The names that would have been understood, in words.
    pub choices: String,
}

impl UnknownName {
    /// The message for a form field, such as
    /// "Unknown channel; use desk, phone, status_page, web_form, email, letter or survey".
    pub fn field_message(&self) -> String {
        format!("Unknown {}; use {}", self.what, self.choices)
    }
}

/// "a, b or c".
fn in_words(names: &[&str]) -> String {
    match names {
        [] => String::new(),
        [one] => (*one).to_string(),
        [rest @ .., last] => format!("{} or {}", rest.join(", "), last),
    }
}

/// Forms and people write `Status page`, `status-page` or `STATUS_PAGE`; all
/// mean `status_page`.
fn normalize_name(s: &str) -> String {
    s.trim()
        .to_lowercase()
        .chars()
        .map(|c| if c == ' ' || c == '-' { '_' } else { c })
        .collect()
}

/// A small enum with stored names (`as_str`), words for people (`label`),
/// `ALL`, `Display` and a forgiving `FromStr` (case, spaces and dashes do not
/// matter; the label is understood too).
macro_rules! named_enum {
    (
        $(#[$meta:meta])*
        $name:ident, $what:literal {
            $( $(#[$vmeta:meta])* $variant:ident => $str:literal, $label:literal; )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        pub enum $name {
            $( $(#[$vmeta])* #[serde(rename = $str)] $variant, )+
        }

        impl $name {
            pub const ALL: [$name; [$($str),+].len()] = [$($name::$variant),+];

            /// The stored and sent name, `snake_case`.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $str,)+
                }
            }

            /// Words for a person.
            pub fn label(self) -> &'static str {
                match self {
                    $($name::$variant => $label,)+
                }
            }

            /// The stored names, in words: "a, b or c".
            pub fn choices() -> String {
                in_words(&[$($str),+])
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = UnknownName;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                let wanted = normalize_name(s);
                $name::ALL
                    .into_iter()
                    .find(|v| v.as_str() == wanted || normalize_name(v.label()) == wanted)
                    .ok_or_else(|| UnknownName {
                        what: $what,
                        value: s.to_string(),
                        choices: $name::choices(),
                    })
            }
        }
    };
}

named_enum! {
    /// How a complaint reached the practice.
    Channel, "channel" {
        /// Said in person at the front desk.
        Desk => "desk", "Desk";
        /// Said on the phone.
        Phone => "phone", "Phone";
        /// Written on the patient's own status page.
        StatusPage => "status_page", "Status page";
        /// Sent through the public feedback form.
        WebForm => "web_form", "Web form";
        /// Sent by email.
        Email => "email", "Email";
        /// Sent by post.
        Letter => "letter", "Letter";
        /// Written in a post-visit survey's comment, by a patient who asked
        /// to be contacted.
        Survey => "survey", "Survey";
    }
}

named_enum! {
    /// What a complaint is about.
    Category, "category" {
        Waiting => "waiting", "Waiting time";
        Communication => "communication", "Communication";
        StaffAttitude => "staff_attitude", "Staff attitude";
        Billing => "billing", "Billing";
        Appointments => "appointments", "Appointments";
        ClinicalCare => "clinical_care", "Clinical care";
        Privacy => "privacy", "Privacy";
        Facilities => "facilities", "Facilities";
        Other => "other", "Other";
    }
}

named_enum! {
    /// How serious a complaint is, as judged when it is taken. Ordered from low to high.
    Severity, "severity" {
        Low => "low", "Low";
        Medium => "medium", "Medium";
        High => "high", "High";
    }
}

named_enum! {
    /// Where a complaint stands: `received` → `acknowledged` → `resolved`.
    ComplaintStatus, "complaint status" {
        /// Taken, nobody has acknowledged it yet.
        Received => "received", "Received";
        /// A named staff member has acknowledged it.
        Acknowledged => "acknowledged", "Acknowledged";
        /// Closed with a resolution letter.
        Resolved => "resolved", "Resolved";
    }
}

named_enum! {
    /// The escalation ladder: who has to act on a complaint now. Ordered from
    /// the owner up.
    Level, "level" {
        /// The complaint's owner; nothing has run out.
        Owner => "owner", "Owner";
        /// A clock has run out: the managers are told.
        Manager => "manager", "Manager";
        /// A clock ran out long ago: the admins are told.
        Admin => "admin", "Admin";
    }
}

named_enum! {
    /// How one complaint clock stands. A running clock is `on_time`,
    /// `due_soon` (the last quarter of its window), `overdue` or `paused`;
    /// a stopped clock is `met` (stopped at or before its due time) or `missed`.
    ClockStatus, "clock status" {
        OnTime => "on_time", "On time";
        DueSoon => "due_soon", "Due soon";
        Overdue => "overdue", "Overdue";
        Paused => "paused", "Paused";
        Met => "met", "Met";
        Missed => "missed", "Missed";
    }
}

named_enum! {
    /// Something staff do to a complaint.
    ComplaintAction, "action" {
        Acknowledge => "acknowledge", "Acknowledge";
        Pause => "pause", "Pause";
        Resume => "resume", "Resume";
        Resolve => "resolve", "Resolve";
        Assign => "assign", "Assign";
        Reply => "reply", "Reply";
    }
}

#[cfg(test)]
mod tests;
