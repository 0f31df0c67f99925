//! Staff accounts and sessions, and locations' settings.

use super::*;

fn new_user(name: &str, role: Role, locations: &[&str]) -> NewUser {
    NewUser {
        username: name.into(),
        role,
        password_hash: "$argon2id$hash".into(),
        locations: locations.iter().map(|l| l.to_string()).collect(),
    }
}

story!(
    staff_work_at_their_locations,
    |store: Arc<dyn Store>| async move {
        let root = Actor::staff("root");
        let north = store
            .add_location("north", "North clinic", "Europe/London", &root, t0())
            .await
            .unwrap();
        assert_eq!(
            (north.name.as_str(), north.time_zone.as_str()),
            ("North clinic", "Europe/London")
        );
        let again = store
            .add_location("north", "Another", "UTC", &root, t0())
            .await
            .unwrap_err();
        assert!(matches!(again, StoreError::Conflict(_)), "{again:?}");
        let ana = store
            .create_user(
                &new_user("ana", Role::FrontDesk, &["north", "main", "north"]),
                &root,
                t0(),
            )
            .await
            .unwrap();
        assert_eq!(ana.locations, ["main", "north"]);
        assert!(ana.works_at("north") && !ana.works_at("south"));
        let bo = store
            .create_user(&new_user("bo", Role::Manager, &[]), &root, t0())
            .await
            .unwrap();
        assert!(bo.locations.is_empty() && bo.works_at("anywhere"));
        // An unknown location saves nothing.
        let err = store
            .create_user(&new_user("cy", Role::FrontDesk, &["south"]), &root, t0())
            .await
            .unwrap_err();
        match err {
            StoreError::Invalid(f) => assert_eq!(f.get("location"), Some("Unknown location")),
            other => panic!("{other:?}"),
        }
        assert!(store.user_credentials("cy").await.unwrap().is_none());
        let creds = store.user_credentials("ana").await.unwrap().unwrap();
        assert_eq!(creds.user.locations, ["main", "north"]);
        let users = store.users().await.unwrap();
        let listed: Vec<(&str, Vec<String>)> = users
            .iter()
            .map(|u| (u.username.as_str(), u.locations.clone()))
            .collect();
        assert_eq!(
            listed,
            [
                ("ana", vec!["main".to_string(), "north".to_string()]),
                ("bo", vec![])
            ]
        );
        let audit = store.audit_log(10).await.unwrap();
        assert!(
            audit
                .iter()
                .any(|a| a.action == "location.add" && a.subject == "location:north")
        );
        assert!(
            audit
                .iter()
                .any(|a| a.action == "user.add" && a.detail == "front_desk at main, north")
        );
    }
);

story!(
    staff_accounts_and_sessions,
    |store: Arc<dyn Store>| async move {
        let user = store
            .create_user(
                &new_user("maria", Role::FrontDesk, &[]),
                &Actor::system(),
                t0(),
            )
            .await
            .unwrap();
        assert_eq!(user.role, Role::FrontDesk);
        let err = store
            .create_user(&new_user("maria", Role::Admin, &[]), &Actor::system(), t0())
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
        let creds = store.user_credentials("maria").await.unwrap().unwrap();
        assert_eq!(creds.password_hash, "$argon2id$hash");
        assert!(store.user_credentials("nobody").await.unwrap().is_none());

        store
            .create_session(&NewSession {
                token_hash: "h1".into(),
                user_id: user.id,
                csrf_token: "c1".into(),
                created_at: t0(),
                expires_at: t0() + Duration::hours(12),
            })
            .await
            .unwrap();
        let idle = Duration::minutes(15);
        let now = t0() + Duration::minutes(10);
        let s = store
            .live_session("h1", now, now - idle)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(s.user.username, "maria");
        assert_eq!(s.csrf_token, "c1");
        // Idle past the limit: gone.
        let now = t0() + Duration::minutes(16);
        assert!(
            store
                .live_session("h1", now, now - idle)
                .await
                .unwrap()
                .is_none()
        );
        // Activity keeps it alive.
        store
            .touch_session("h1", t0() + Duration::minutes(14))
            .await
            .unwrap();
        assert!(
            store
                .live_session("h1", now, now - idle)
                .await
                .unwrap()
                .is_some()
        );
        // Past the absolute limit, activity does not help.
        let late = t0() + Duration::hours(13);
        store.touch_session("h1", late).await.unwrap();
        assert!(
            store
                .live_session("h1", late, late - idle)
                .await
                .unwrap()
                .is_none()
        );
        store.delete_session("h1").await.unwrap();
        assert!(
            store
                .live_session("h1", now, now - idle)
                .await
                .unwrap()
                .is_none()
        );
    }
);

story!(acknowledgement_policy_is_kept_per_location, |store: Arc<
    dyn Store,
>| async move {
    let loc = store.location("main").await.unwrap();
    assert_eq!(loc.ack_policy, AckPolicy::default());
    assert_eq!(loc.time_zone, "America/Chicago");
    let policy = AckPolicy {
        first_within: Duration::seconds(90),
        recheck_every: Duration::minutes(10),
        escalate_after: Duration::minutes(3),
    };
    store
        .save_ack_policy("main", policy, &Actor::staff("boss"), t0())
        .await
        .unwrap();
    assert_eq!(store.location("main").await.unwrap().ack_policy, policy);
    // Ensuring an existing location leaves its settings alone.
    store.ensure_location("main", "Other", "UTC").await.unwrap();
    assert_eq!(store.location("main").await.unwrap().ack_policy, policy);
    assert!(matches!(
        store.location("nowhere").await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        store
            .save_ack_policy("nowhere", policy, &Actor::staff("boss"), t0())
            .await,
        Err(StoreError::NotFound)
    ));
});
