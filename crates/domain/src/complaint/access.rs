//! Who may read and work a complaint.

use crate::Role;

fn same_person(a: &str, b: &str) -> bool {
    let (a, b) = (a.trim(), b.trim());
    !a.is_empty() && a == b
}

/// Who may read a complaint: managers and admins read every complaint. Front
/// desk and clinicians read the complaints they own, and those whose owner is
/// not a manager or admin (or that nobody owns yet); when the location allows
/// all staff to read all complaints (`staff_read_all`), they read every one.
pub fn can_read(
    viewer: Role,
    viewer_name: &str,
    owner: Option<(&str, Role)>,
    staff_read_all: bool,
) -> bool {
    if matches!(viewer, Role::Manager | Role::Admin) || staff_read_all {
        return true;
    }
    match owner {
        None => true,
        Some((name, role)) => {
            same_person(name, viewer_name) || !matches!(role, Role::Manager | Role::Admin)
        }
    }
}

/// Who may work a complaint (acknowledge, pause, resume, reply, resolve,
/// assign): its owner, managers and admins. A complaint nobody owns yet is
/// for managers and admins to assign.
pub fn can_work(viewer: Role, viewer_name: &str, owner: Option<&str>) -> bool {
    matches!(viewer, Role::Manager | Role::Admin)
        || owner.is_some_and(|o| same_person(o, viewer_name))
}

#[cfg(test)]
mod tests;
