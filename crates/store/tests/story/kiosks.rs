//! Kiosks: paired once by a link that runs out, used by their device token,
//! renamed and revoked.

use super::*;

story!(kiosks_are_paired_once_and_revoked_at_once, |store: Arc<
    dyn Store,
>| async move {
    let boss = Actor::staff("boss");
    let k = store
        .add_kiosk(
            "main",
            "Lobby tablet",
            "code-1",
            t0() + Duration::minutes(15),
            &boss,
            t0(),
        )
        .await
        .unwrap();
    assert!(!k.in_service());
    // A wrong code, and the right one after it ran out, pair nothing.
    assert!(
        store
            .pair_kiosk("code-x", "device-1", t0())
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        store
            .pair_kiosk("code-1", "device-1", t0() + Duration::minutes(16))
            .await
            .unwrap()
            .is_none()
    );
    let k = store
        .new_kiosk_pairing(k.id, "code-2", t0() + Duration::hours(1), &boss, t0())
        .await
        .unwrap();
    let paired = store
        .pair_kiosk("code-2", "device-1", t0() + Duration::minutes(1))
        .await
        .unwrap()
        .unwrap();
    assert!(paired.in_service() && paired.pairing_expires_at.is_none());
    // The link works once.
    assert!(
        store
            .pair_kiosk("code-2", "device-2", t0())
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(
        store
            .kiosk_by_device("device-1")
            .await
            .unwrap()
            .map(|k| k.id),
        Some(k.id)
    );
    let renamed = store
        .rename_kiosk(k.id, "Front door", &boss, t0())
        .await
        .unwrap();
    assert_eq!(renamed.name, "Front door");
    assert!(renamed.in_service(), "a renamed kiosk keeps its pairing");
    store.revoke_kiosk(k.id, &boss, t0()).await.unwrap();
    assert!(store.kiosk_by_device("device-1").await.unwrap().is_none());
    assert!(matches!(
        store.revoke_kiosk(k.id, &boss, t0()).await,
        Err(StoreError::Refused(_))
    ));
    assert!(matches!(
        store
            .new_kiosk_pairing(k.id, "code-3", t0() + Duration::hours(1), &boss, t0())
            .await,
        Err(StoreError::Refused(_))
    ));
    assert!(matches!(
        store
            .add_kiosk("nowhere", "x", "code-4", t0(), &boss, t0())
            .await,
        Err(StoreError::Invalid(_))
    ));
    let listed = store.kiosks("main").await.unwrap();
    assert_eq!(listed.len(), 1);
    let actions: Vec<String> = store
        .audit_log(20)
        .await
        .unwrap()
        .into_iter()
        .filter(|a| a.subject == format!("kiosk:{}", k.id))
        .map(|a| a.action)
        .rev()
        .collect();
    assert_eq!(
        actions,
        [
            "kiosk.add",
            "kiosk.pairing",
            "kiosk.pair",
            "kiosk.rename",
            "kiosk.revoke"
        ]
    );
});
