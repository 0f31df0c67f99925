use super::*;

#[test]
fn complaints_move_received_acknowledged_resolved() {
    use ComplaintAction as A;
    use ComplaintError as E;
    use ComplaintStatus as S;
    let cases = [
        (S::Received, false, A::Acknowledge, Ok(())),
        (S::Received, false, A::Resolve, Err(E::NotAcknowledged)),
        (S::Received, false, A::Pause, Ok(())),
        (S::Received, false, A::Resume, Err(E::NotPaused)),
        (S::Received, false, A::Assign, Ok(())),
        (S::Received, false, A::Reply, Ok(())),
        (S::Received, true, A::Pause, Err(E::AlreadyPaused)),
        (S::Received, true, A::Resume, Ok(())),
        (S::Received, true, A::Acknowledge, Ok(())),
        (
            S::Acknowledged,
            false,
            A::Acknowledge,
            Err(E::AlreadyAcknowledged),
        ),
        (S::Acknowledged, false, A::Resolve, Ok(())),
        (S::Acknowledged, true, A::Resolve, Ok(())),
        (S::Acknowledged, false, A::Pause, Ok(())),
        (S::Acknowledged, true, A::Pause, Err(E::AlreadyPaused)),
        (S::Acknowledged, false, A::Resume, Err(E::NotPaused)),
        (S::Acknowledged, true, A::Resume, Ok(())),
        (S::Acknowledged, false, A::Assign, Ok(())),
    ];
    for (status, paused, action, expected) in cases {
        assert_eq!(
            check_action(status, paused, action),
            expected,
            "{status} paused={paused} {action}"
        );
    }
}

#[test]
fn a_resolved_complaint_only_takes_replies() {
    for paused in [false, true] {
        for action in ComplaintAction::ALL {
            let r = check_action(ComplaintStatus::Resolved, paused, action);
            if action == ComplaintAction::Reply {
                assert_eq!(r, Ok(()));
            } else {
                assert_eq!(r, Err(ComplaintError::AlreadyResolved), "{action}");
            }
        }
    }
    assert_eq!(
        ComplaintError::AlreadyResolved.to_string(),
        "This complaint is already resolved"
    );
}

#[test]
fn an_acknowledgement_needs_a_named_staff_member() {
    assert_eq!(
        check_acknowledge(ComplaintStatus::Received, false, " ana "),
        Ok("ana".to_string())
    );
    let e = check_acknowledge(ComplaintStatus::Received, false, "  ").unwrap_err();
    assert_eq!(e, ComplaintError::NoStaffMember);
    assert_eq!(
        e.to_string(),
        "An acknowledgement needs a named staff member"
    );
    assert_eq!(
        check_acknowledge(ComplaintStatus::Acknowledged, false, "ana"),
        Err(ComplaintError::AlreadyAcknowledged)
    );
}

#[test]
fn the_status_after_an_action() {
    use ComplaintAction as A;
    use ComplaintStatus as S;
    assert_eq!(S::Received.after(A::Acknowledge), S::Acknowledged);
    assert_eq!(S::Acknowledged.after(A::Resolve), S::Resolved);
    assert_eq!(S::Received.after(A::Pause), S::Received);
    assert_eq!(S::Acknowledged.after(A::Reply), S::Acknowledged);
}
