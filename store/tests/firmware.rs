//! The firmware list: adding, listing newest first, one version of a model once, tenancy,
//! deleting (and whether the image bytes are still named by another entry).

#![allow(clippy::unwrap_used)]

mod common;

use porter_store::StoreError;
use porter_store::model::FirmwareInput;

#[tokio::test]
async fn the_firmware_list() {
    let (store, actor, clock) = common::operator_store().await;
    let input = |version: &str, models: &[&str]| FirmwareInput {
        version: version.into(),
        models: models.iter().map(|m| m.to_string()).collect(),
        change_log: "Fixes".into(),
    };
    let sha = "a".repeat(64);
    let first = store
        .add_firmware(&actor, input("29.30.2.805", &["R29"]), &sha, 1000)
        .await
        .unwrap();
    clock.advance_ms(1);
    let second = store
        .add_firmware(&actor, input("29.30.2.806", &["R29", "r29c"]), &sha, 1000)
        .await
        .unwrap();
    assert_eq!(second.models, vec!["R29", "R29C"]);
    let err = store
        .add_firmware(&actor, input("29.30.2.805", &["R29C", "R29"]), &sha, 1000)
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::AlreadyExists { .. }), "{err}");
    let err = store
        .add_firmware(&actor, input("latest", &["R29"]), &sha, 1000)
        .await
        .unwrap_err();
    assert_eq!(err.field(), Some("version"));
    let list = store.list_firmware(&actor);
    assert_eq!(
        list.iter().map(|f| f.id).collect::<Vec<_>>(),
        vec![second.id, first.id],
        "newest first"
    );
    // The two entries share the bytes: deleting one keeps them.
    let (_, last) = store.delete_firmware(&actor, first.id).await.unwrap();
    assert!(!last);
    let (_, last) = store.delete_firmware(&actor, second.id).await.unwrap();
    assert!(last, "no entry names the image any more");
    assert!(matches!(
        store.firmware(&actor, second.id),
        Err(StoreError::NotFound(_))
    ));
}

#[tokio::test]
async fn bytes_named_by_another_installer_are_kept() {
    let (store, operator, _clock) = common::operator_store().await;
    let ryan = common::installer(&store, &operator, "ryan", "password-2").await;
    let input = || FirmwareInput {
        version: "28.30.10.7".into(),
        models: vec!["R28".into()],
        change_log: String::new(),
    };
    let sha = "b".repeat(64);
    let mine = store
        .add_firmware(&operator, input(), &sha, 10)
        .await
        .unwrap();
    // The checks an upload makes first: the same version again is refused before any byte.
    assert!(matches!(
        store.check_new_firmware(&operator, input()),
        Err(StoreError::AlreadyExists { .. })
    ));
    assert!(store.check_new_firmware(&ryan, input()).is_ok());
    store.add_firmware(&ryan, input(), &sha, 10).await.unwrap();
    let (_, last) = store.delete_firmware(&operator, mine.id).await.unwrap();
    assert!(!last, "ryan's entry still names the image");
    assert!(store.firmware_image_listed(&sha));
}
