use super::*;

#[test]
fn managers_and_admins_read_every_complaint() {
    for viewer in [Role::Manager, Role::Admin] {
        assert!(can_read(
            viewer,
            "boss",
            Some(("maria", Role::Manager)),
            false
        ));
        assert!(can_read(
            viewer,
            "boss",
            Some(("tom", Role::FrontDesk)),
            false
        ));
        assert!(can_read(viewer, "boss", None, false));
    }
}

#[test]
fn front_desk_and_clinicians_read_their_own_and_their_colleagues_complaints() {
    for viewer in [Role::FrontDesk, Role::Clinician] {
        assert!(can_read(
            viewer,
            "tom",
            Some(("tom", Role::FrontDesk)),
            false
        ));
        assert!(can_read(
            viewer,
            "tom",
            Some(("lee", Role::Clinician)),
            false
        ));
        assert!(can_read(
            viewer,
            "tom",
            Some(("sam", Role::FrontDesk)),
            false
        ));
        assert!(can_read(viewer, "tom", None, false), "nobody owns it yet");
        assert!(!can_read(
            viewer,
            "tom",
            Some(("maria", Role::Manager)),
            false
        ));
        assert!(!can_read(viewer, "tom", Some(("root", Role::Admin)), false));
        // Unless the location lets all staff read all complaints.
        assert!(can_read(
            viewer,
            "tom",
            Some(("maria", Role::Manager)),
            true
        ));
    }
    // Owning it is enough, whatever the owner's role is recorded as.
    assert!(can_read(
        Role::FrontDesk,
        "tom",
        Some(("tom", Role::Manager)),
        false
    ));
    // An empty name is nobody.
    assert!(!can_read(
        Role::FrontDesk,
        "",
        Some(("", Role::Manager)),
        false
    ));
}

#[test]
fn only_the_owner_managers_and_admins_work_a_complaint() {
    assert!(can_work(Role::FrontDesk, "tom", Some("tom")));
    assert!(can_work(Role::Clinician, "lee", Some(" lee ")));
    assert!(!can_work(Role::FrontDesk, "tom", Some("sam")));
    assert!(!can_work(Role::Clinician, "lee", None));
    assert!(!can_work(Role::FrontDesk, "", Some("")));
    for boss in [Role::Manager, Role::Admin] {
        assert!(can_work(boss, "maria", Some("tom")));
        assert!(can_work(boss, "maria", None));
    }
}
