use tokio::io::AsyncReadExt;

use super::*;

fn sha(bytes: &[u8]) -> ImageId {
    ImageId::parse(&hex::encode(Sha256::digest(bytes))).expect("id")
}

#[tokio::test]
async fn an_image_is_stored_under_its_sha256_once() {
    let dir = tempfile::tempdir().expect("dir");
    let store = FirmwareStore::open(dir.path(), 1 << 20)
        .await
        .expect("open");
    let image = vec![7u8; 200_000];
    let first = store.put(&image[..]).await.expect("put");
    assert_eq!(first.id, sha(&image));
    assert_eq!(first.size, 200_000);
    assert!(!first.already_stored);
    let again = store.put(&image[..]).await.expect("put again");
    assert!(again.already_stored, "the same bytes are kept once");
    assert_eq!(store.size(&first.id).await.expect("size"), 200_000);
    let on_disk = tokio::fs::read(store.path(&first.id)).await.expect("read");
    assert_eq!(on_disk, image);
    assert!(store.remove(&first.id).await.expect("remove"));
    assert!(!store.remove(&first.id).await.expect("remove again"));
    assert!(matches!(
        store.size(&first.id).await,
        Err(FirmwareError::NotFound(_))
    ));
}

#[tokio::test]
async fn refused_uploads_leave_nothing_behind() {
    let dir = tempfile::tempdir().expect("dir");
    let store = FirmwareStore::open(dir.path(), 1000).await.expect("open");
    assert!(matches!(
        store.put(&[1u8; 1001][..]).await,
        Err(FirmwareError::TooLarge { limit: 1000 })
    ));
    assert!(matches!(
        store.put(&[][..]).await,
        Err(FirmwareError::Empty)
    ));
    let wrong = sha(b"something else");
    assert!(matches!(
        store.put_expecting(&b"firmware"[..], &wrong).await,
        Err(FirmwareError::Mismatch { .. })
    ));
    let ok = store
        .put_expecting(&b"firmware"[..], &sha(b"firmware"))
        .await
        .expect("matching");
    assert_eq!(ok.size, 8);
    let mut incoming = tokio::fs::read_dir(dir.path().join("incoming"))
        .await
        .expect("dir");
    assert!(
        incoming.next_entry().await.expect("entry").is_none(),
        "no partial uploads kept"
    );
}

#[tokio::test]
async fn ranges_read_what_was_asked_and_bad_ones_are_named() {
    let dir = tempfile::tempdir().expect("dir");
    let store = FirmwareStore::open(dir.path(), 1 << 20)
        .await
        .expect("open");
    let image: Vec<u8> = (0..=255u8).cycle().take(10_000).collect();
    let id = store.put(&image[..]).await.expect("put").id;
    let (mut part, size) = store.read_range(&id, 100, 1099).await.expect("range");
    let mut got = Vec::new();
    part.read_to_end(&mut got).await.expect("read");
    assert_eq!(size, 10_000);
    assert_eq!(got, image[100..1100]);
    assert!(matches!(
        store.read_range(&id, 9_000, 10_000).await,
        Err(FirmwareError::BadRange { .. })
    ));
    assert!(ImageId::parse("ABC").is_err());
    assert!(
        ImageId::parse(&"A".repeat(64)).is_err(),
        "upper case is not an id"
    );
}

#[tokio::test]
async fn an_upload_interrupted_by_a_crash_is_cleared_at_open() {
    let dir = tempfile::tempdir().expect("dir");
    let store = FirmwareStore::open(dir.path(), 1 << 20)
        .await
        .expect("open");
    tokio::fs::write(dir.path().join("incoming/partial"), b"half an image")
        .await
        .expect("write");
    drop(store);
    FirmwareStore::open(dir.path(), 1 << 20)
        .await
        .expect("reopen");
    assert!(!dir.path().join("incoming/partial").exists());
}
