//! Staff accounts and sessions, and locations' settings.

use super::*;

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

/// The RFC 6238 test seed, as the base32 secret an app would be given.
const SECRET: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

fn code(at: Timestamp) -> u32 {
    use frontdesk_domain::second_factor;
    let key = second_factor::secret_key(SECRET).unwrap();
    second_factor::code_at(&key, at).parse().unwrap()
}

async fn session_for(store: &Arc<dyn Store>, user_id: i64, hash: &str) {
    store
        .create_session(&NewSession {
            token_hash: hash.into(),
            user_id,
            csrf_token: "c".into(),
            created_at: t0(),
            expires_at: t0() + Duration::hours(12),
        })
        .await
        .unwrap();
}

story!(
    a_second_factor_is_offered_confirmed_checked_once_per_code_and_reset,
    |store: Arc<dyn Store>| async move {
        let boss = store
            .create_user(
                &new_user("boss", Role::Manager, &[]),
                &Actor::system(),
                t0(),
            )
            .await
            .unwrap();
        let live = |hash: &'static str| {
            let store = store.clone();
            async move {
                let now = t0() + Duration::minutes(1);
                store
                    .live_session(hash, now, now - Duration::minutes(15))
                    .await
                    .unwrap()
            }
        };
        assert_eq!(
            store.second_factor(boss.id).await.unwrap(),
            SecondFactorState::Off
        );
        // Nothing offered yet: nothing to confirm.
        let err = store
            .confirm_second_factor(&boss, code(t0()), t0(), &[], "", t0())
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");

        // Offering again replaces the secret offered before.
        store
            .begin_second_factor(&boss, "MZXW6YTBOI", t0())
            .await
            .unwrap();
        store
            .begin_second_factor(&boss, SECRET, t0())
            .await
            .unwrap();
        assert_eq!(
            store.second_factor(boss.id).await.unwrap(),
            SecondFactorState::Enrolling {
                secret: SECRET.into()
            }
        );
        session_for(&store, boss.id, "before").await;
        session_for(&store, boss.id, "confirming").await;
        assert!(!live("before").await.unwrap().second_factor);

        // A wrong code names the field and changes nothing.
        let err = store
            .confirm_second_factor(&boss, code(t0()) ^ 1, t0(), &[], "confirming", t0())
            .await
            .unwrap_err();
        match err {
            StoreError::Invalid(fields) => assert!(fields.get("code").is_some()),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            store.second_factor(boss.id).await.unwrap(),
            SecondFactorState::Enrolling { .. }
        ));

        let hashes = vec!["r1".to_string(), "r2".to_string()];
        store
            .confirm_second_factor(&boss, code(t0()), t0(), &hashes, "confirming", t0())
            .await
            .unwrap();
        assert_eq!(
            store.second_factor(boss.id).await.unwrap(),
            SecondFactorState::On {
                since: t0(),
                recovery_codes_left: 2
            }
        );
        // The session that proved the code goes on; one started before ends.
        assert!(live("confirming").await.unwrap().second_factor);
        assert!(live("before").await.is_none());
        let err = store
            .begin_second_factor(&boss, "MZXW6YTBOI", t0())
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");

        // Each step's code once: the one that confirmed is spent.
        let check = |attempt: CodeAttempt, at: Timestamp| {
            let (store, boss) = (store.clone(), boss.clone());
            async move {
                store
                    .check_second_factor(&boss, &attempt, at, at)
                    .await
                    .unwrap()
            }
        };
        let t1 = t0() + Duration::seconds(20);
        assert_eq!(
            check(CodeAttempt::Code(code(t0())), t1).await,
            CodeOutcome::Reused
        );
        let next = t0() + Duration::seconds(30);
        assert_eq!(
            check(CodeAttempt::Code(code(next)), t1).await,
            CodeOutcome::Accepted
        );
        assert_eq!(
            check(CodeAttempt::Code(code(next)), t1).await,
            CodeOutcome::Reused
        );
        assert_eq!(
            check(CodeAttempt::Code(code(next) ^ 1), t1).await,
            CodeOutcome::Wrong
        );
        // A recovery code works once.
        let r1 = || CodeAttempt::RecoveryCodeHash("r1".into());
        assert_eq!(
            check(r1(), t1).await,
            CodeOutcome::RecoveryCodeUsed { left: 1 }
        );
        assert_eq!(check(r1(), t1).await, CodeOutcome::Wrong);

        // Five wrong in a row (the spent recovery code was the first) stop
        // even a right code for fifteen minutes.
        for _ in 0..4 {
            assert_eq!(check(CodeAttempt::Code(0), t1).await, CodeOutcome::Wrong);
        }
        let later = t0() + Duration::minutes(2);
        assert_eq!(
            check(CodeAttempt::Code(code(later)), later).await,
            CodeOutcome::Locked
        );
        let after = t1 + Duration::minutes(15);
        assert_eq!(
            check(CodeAttempt::Code(code(after)), after).await,
            CodeOutcome::Accepted
        );

        // Someone without a second factor needs no code.
        let desk = store
            .create_user(
                &new_user("desk", Role::FrontDesk, &[]),
                &Actor::system(),
                t0(),
            )
            .await
            .unwrap();
        assert_eq!(
            store
                .check_second_factor(&desk, &CodeAttempt::Code(1), t1, t1)
                .await
                .unwrap(),
            CodeOutcome::NotOn
        );

        // A reset for a lost phone removes it and signs the user out.
        let admin = Actor::staff("root");
        assert!(store.reset_second_factor("boss", &admin, t1).await.unwrap());
        assert_eq!(
            store.second_factor(boss.id).await.unwrap(),
            SecondFactorState::Off
        );
        assert!(live("confirming").await.is_none());
        assert!(!store.reset_second_factor("boss", &admin, t1).await.unwrap());
        assert!(matches!(
            store.reset_second_factor("nobody", &admin, t1).await,
            Err(StoreError::NotFound)
        ));

        // Everything is audited, and no secret or code is in the log.
        let log = store.audit_log(100).await.unwrap();
        let actions: Vec<&str> = log.iter().map(|a| a.action.as_str()).collect();
        for action in [
            "second_factor.enroll",
            "second_factor.confirm",
            "second_factor.recovery_code_used",
            "second_factor.reset",
        ] {
            assert!(actions.contains(&action), "{action} in {actions:?}");
        }
        let confirm = log
            .iter()
            .find(|a| a.action == "second_factor.confirm")
            .unwrap();
        assert_eq!(
            (confirm.actor.as_str(), confirm.subject.as_str()),
            ("boss", "user:boss")
        );
        assert_eq!(confirm.detail, "2 recovery codes");
        let reset = log
            .iter()
            .find(|a| a.action == "second_factor.reset")
            .unwrap();
        assert_eq!(reset.actor, "root");
        for row in &log {
            let text = format!("{} {} {}", row.subject, row.detail, row.actor);
            assert!(
                !text.contains(SECRET) && !text.contains("MZXW6") && !text.contains("r1"),
                "{text}"
            );
        }
    }
);
