//! Which changes a complaint in a given state may take.

use super::names::{ComplaintAction, ComplaintStatus};

impl ComplaintStatus {
    /// The status after `action` has been allowed by [`check_action`].
    pub fn after(self, action: ComplaintAction) -> ComplaintStatus {
        match action {
            ComplaintAction::Acknowledge => ComplaintStatus::Acknowledged,
            ComplaintAction::Resolve => ComplaintStatus::Resolved,
            _ => self,
        }
    }
}

/// Why a change to a complaint was refused, in words for the person who tried.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ComplaintError {
    #[error("This complaint is already resolved")]
    AlreadyResolved,
    #[error("This complaint is already acknowledged")]
    AlreadyAcknowledged,
    #[error("Acknowledge this complaint before resolving it")]
    NotAcknowledged,
    #[error("This complaint is already paused")]
    AlreadyPaused,
    #[error("This complaint is not paused")]
    NotPaused,
    #[error("An acknowledgement needs a named staff member")]
    NoStaffMember,
}

/// Whether `action` may be done to a complaint that is in `status` and
/// `paused` (or not). `received` → `acknowledged` → `resolved`, one step at a
/// time; once resolved nothing changes any more except that staff may still
/// reply to the patient. Pause and resume only while not resolved; a paused
/// complaint cannot be paused again, and only a paused one can be resumed. A
/// paused complaint may be acknowledged or resolved (resolving ends the pause).
/// That a resolution is complete is checked by [`validate_resolution`](super::validate_resolution), and
/// that the acknowledgement has a name by [`check_acknowledge`].
pub fn check_action(
    status: ComplaintStatus,
    paused: bool,
    action: ComplaintAction,
) -> Result<(), ComplaintError> {
    use ComplaintAction as A;
    use ComplaintStatus as S;
    match (status, action) {
        (_, A::Reply) => Ok(()),
        (S::Resolved, _) => Err(ComplaintError::AlreadyResolved),
        (S::Acknowledged, A::Acknowledge) => Err(ComplaintError::AlreadyAcknowledged),
        (S::Received, A::Resolve) => Err(ComplaintError::NotAcknowledged),
        (_, A::Pause) if paused => Err(ComplaintError::AlreadyPaused),
        (_, A::Resume) if !paused => Err(ComplaintError::NotPaused),
        _ => Ok(()),
    }
}

/// [`check_action`] for an acknowledgement, which also needs the name of the
/// staff member who gives it. Returns the name, trimmed.
pub fn check_acknowledge(
    status: ComplaintStatus,
    paused: bool,
    staff_member: &str,
) -> Result<String, ComplaintError> {
    check_action(status, paused, ComplaintAction::Acknowledge)?;
    let name = staff_member.trim();
    if name.is_empty() {
        Err(ComplaintError::NoStaffMember)
    } else {
        Ok(name.to_string())
    }
}

#[cfg(test)]
mod tests;
