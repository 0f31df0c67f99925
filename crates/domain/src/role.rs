//! Staff roles and what each may do. Every route checks these on the server.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    FrontDesk,
    Clinician,
    Manager,
    Admin,
    /// A machine account for an EHR's interface engine: only the interop
    /// doors (FHIR), never a staff page or the staff API.
    Integration,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::FrontDesk,
        Role::Clinician,
        Role::Manager,
        Role::Admin,
        Role::Integration,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::FrontDesk => "front_desk",
            Role::Clinician => "clinician",
            Role::Manager => "manager",
            Role::Admin => "admin",
            Role::Integration => "integration",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::FrontDesk => "Front desk",
            Role::Clinician => "Clinician",
            Role::Manager => "Manager",
            Role::Admin => "Admin",
            Role::Integration => "Integration (EHR interface)",
        }
    }

    /// Every staff role checks patients in, acknowledges them and moves
    /// visits; an integration account is no staff member.
    pub fn can_work_the_lobby(self) -> bool {
        self != Role::Integration
    }

    /// A person's account: every role but `integration`, which may use only
    /// the interop doors (and no page, nor the staff API).
    pub fn is_staff(self) -> bool {
        self != Role::Integration
    }

    /// Who may exchange the schedule and visits with an EHR over FHIR:
    /// integration accounts and admins.
    pub fn can_use_interop(self) -> bool {
        matches!(self, Role::Integration | Role::Admin)
    }

    /// Managers and admins change a location's settings and see the audit log.
    pub fn can_change_settings(self) -> bool {
        matches!(self, Role::Manager | Role::Admin)
    }

    /// Managers and admins read the scorecard and own service recovery.
    pub fn reads_scorecard(self) -> bool {
        matches!(self, Role::Manager | Role::Admin)
    }

    /// Managers and admins are told when an acknowledgement clock escalates.
    pub fn receives_escalations(self) -> bool {
        matches!(self, Role::Manager | Role::Admin)
    }

    /// Managers and admins read every patient's data and the audit log, so
    /// they sign in with a second factor; until they set one up, their
    /// session can do nothing else.
    pub fn needs_second_factor(self) -> bool {
        matches!(self, Role::Manager | Role::Admin)
    }

    /// Only admins add and remove staff accounts.
    pub fn can_manage_users(self) -> bool {
        matches!(self, Role::Admin)
    }
}

/// Whether a staff member who works at `their` locations may see and act at
/// `location`. No locations means every location (a one-site practice never
/// lists any); otherwise only the ones listed, and anything elsewhere is, to
/// them, not there at all.
pub fn works_at(their: &[String], location: &str) -> bool {
    their.is_empty() || their.iter().any(|l| l == location)
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown role {0:?}; use front_desk, clinician, manager, admin or integration")]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s.trim())
            .ok_or_else(|| UnknownRole(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn staff_see_their_locations_or_all_when_they_list_none() {
        let none: Vec<String> = Vec::new();
        assert!(works_at(&none, "north"));
        let two = vec!["north".to_string(), "south".to_string()];
        assert!(works_at(&two, "south"));
        assert!(!works_at(&two, "east"));
        assert!(!works_at(&two, "North"), "ids are exact");
    }

    #[test]
    fn only_managers_and_admins_change_settings_and_hear_escalations() {
        assert!(!Role::FrontDesk.can_change_settings());
        assert!(!Role::Clinician.can_change_settings());
        assert!(Role::Manager.can_change_settings());
        assert!(Role::Admin.can_change_settings());
        assert!(!Role::FrontDesk.receives_escalations());
        assert!(Role::Manager.receives_escalations());
    }

    #[test]
    fn managers_and_admins_need_a_second_factor() {
        for r in Role::ALL {
            assert_eq!(
                r.needs_second_factor(),
                matches!(r, Role::Manager | Role::Admin)
            );
        }
    }

    #[test]
    fn only_admins_manage_users() {
        for r in Role::ALL {
            assert_eq!(r.can_manage_users(), r == Role::Admin);
            assert_eq!(r.can_work_the_lobby(), r != Role::Integration);
        }
    }

    #[test]
    fn integration_accounts_use_only_the_interop_doors() {
        for r in Role::ALL {
            assert_eq!(r.is_staff(), r != Role::Integration);
            assert_eq!(
                r.can_use_interop(),
                matches!(r, Role::Integration | Role::Admin)
            );
        }
        assert!(!Role::Integration.needs_second_factor());
        assert!(!Role::Integration.can_change_settings());
    }

    #[test]
    fn parses_its_names() {
        for r in Role::ALL {
            assert_eq!(r.as_str().parse::<Role>(), Ok(r));
        }
        assert!("doctor".parse::<Role>().is_err());
    }
}
