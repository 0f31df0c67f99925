//! Who asks a use case to act, and so where they may: a staff member sees
//! and acts only at the locations they work at (another location's visit,
//! lobby, question, complaint or promise is, to them, not found, exactly as a
//! wrong id); the server and the public doors act under their own name at the
//! location their token or device belongs to.

use crate::error::ApiError;
use frontdesk_store::{Actor, StaffUser};

pub enum Caller<'a> {
    /// A signed-in staff member.
    Staff(&'a StaffUser),
    /// The server itself or a public door (`system`, `kiosk`, `patient-link`).
    Door(Actor),
}

impl Caller<'_> {
    /// The name written to the timeline and the audit log.
    pub fn actor(&self) -> Actor {
        match self {
            Caller::Staff(u) => Actor::staff(&u.username),
            Caller::Door(a) => a.clone(),
        }
    }

    /// Not found, unless they may see `location`.
    pub fn check(&self, location: &str) -> Result<(), ApiError> {
        if self.may_see(location) {
            Ok(())
        } else {
            Err(ApiError::NotFound)
        }
    }

    pub fn may_see(&self, location: &str) -> bool {
        match self {
            Caller::Staff(u) => u.works_at(location),
            Caller::Door(_) => true,
        }
    }

    /// The staff member, if it is one.
    pub fn staff(&self) -> Option<&StaffUser> {
        match self {
            Caller::Staff(u) => Some(u),
            Caller::Door(_) => None,
        }
    }
}
