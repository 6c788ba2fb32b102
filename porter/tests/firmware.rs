//! The firmware list and downloads against a real `porter serve`: images uploaded as a
//! gRPC client stream (and by `porter admin firmware upload`), the refusals that keep
//! nothing, and a device's signed download link fetched by curl with ranges, ETag and a
//! resumed transfer.

#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;

use common::{Client, Server, assert_status, curl};
use futures_util::stream;
use porter_proto::admin::v1::{self as pb, upload_firmware_request::Part};
use sha2::{Digest, Sha256};
use tonic::Code;

fn random_image(len: usize) -> Vec<u8> {
    let mut bytes = vec![0u8; len];
    getrandom::fill(&mut bytes).unwrap();
    bytes
}

fn sha256(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn header(version: &str, models: &[&str]) -> pb::FirmwareHeader {
    pb::FirmwareHeader {
        version: version.into(),
        models: models.iter().map(|m| m.to_string()).collect(),
        change_log: format!("{version}_Log"),
        ..Default::default()
    }
}

/// Uploads `parts` as they are: a header (or not) and the bytes in 64 KiB messages.
async fn upload(
    client: &Client,
    header: Option<pb::FirmwareHeader>,
    image: &[u8],
) -> Result<pb::Firmware, tonic::Status> {
    let mut messages: Vec<pb::UploadFirmwareRequest> = header
        .into_iter()
        .map(|h| pb::UploadFirmwareRequest {
            part: Some(Part::Header(h)),
        })
        .collect();
    messages.extend(image.chunks(64 * 1024).map(|c| pb::UploadFirmwareRequest {
        part: Some(Part::Chunk(c.to_vec())),
    }));
    client
        .firmware()
        .upload_firmware(stream::iter(messages))
        .await
        .map(|r| r.into_inner())
}

/// Files in the firmware store's image directory.
fn stored_images(data_dir: &Path) -> usize {
    let images = data_dir.join("firmware/images");
    std::fs::read_dir(images)
        .map(|dirs| {
            dirs.flatten()
                .map(|d| std::fs::read_dir(d.path()).map_or(0, |f| f.count()))
                .sum()
        })
        .unwrap_or(0)
}

#[tokio::test]
async fn uploads_are_checked_before_and_after_the_bytes_and_refusals_keep_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_with(dir.path(), &["--firmware-max-mib", "1"]).await;
    let admin = server.admin().await;
    let image = random_image(700 * 1024);
    let mut first = header("29.30.2.805", &["r29", "R29C"]);
    first.sha256 = sha256(&image);
    first.size = image.len() as u64;
    let fw = upload(&admin, Some(first), &image).await.unwrap();
    assert_eq!(fw.sha256, sha256(&image));
    assert_eq!(fw.size, image.len() as u64);
    assert_eq!(fw.models, vec!["R29", "R29C"]);
    assert_eq!(stored_images(dir.path()), 1);

    // Refusals name what is wrong and leave the store as it was.
    assert_status(
        upload(&admin, Some(header("29.30.2.805", &["R29"])), &image).await,
        Code::AlreadyExists,
        "version",
    );
    assert_status(
        upload(&admin, None, &image).await,
        Code::InvalidArgument,
        "header",
    );
    assert_status(
        upload(&admin, Some(header("latest", &["R29"])), &image).await,
        Code::InvalidArgument,
        "version",
    );
    let mut too_big = header("29.30.2.806", &["R29"]);
    too_big.size = 2 * 1024 * 1024;
    assert_status(
        upload(&admin, Some(too_big), &image).await,
        Code::InvalidArgument,
        "size",
    );
    let big = random_image(1024 * 1024 + 1);
    assert_status(
        upload(&admin, Some(header("29.30.2.806", &["R29"])), &big).await,
        Code::InvalidArgument,
        "image",
    );
    let other = random_image(10_000);
    let mut wrong_sum = header("29.30.2.806", &["R29"]);
    wrong_sum.sha256 = sha256(&image);
    assert_status(
        upload(&admin, Some(wrong_sum), &other).await,
        Code::InvalidArgument,
        "sha256",
    );
    let mut short = header("29.30.2.806", &["R29"]);
    short.size = other.len() as u64 + 1;
    assert_status(
        upload(&admin, Some(short), &other).await,
        Code::InvalidArgument,
        "size",
    );
    assert_status(
        upload(&admin, Some(header("29.30.2.806", &["R29"])), &[]).await,
        Code::InvalidArgument,
        "image",
    );
    assert_eq!(
        stored_images(dir.path()),
        1,
        "refused uploads keep no bytes"
    );

    // The same bytes for another version are kept once; deleting one entry keeps them.
    let again = upload(&admin, Some(header("29.30.2.807", &["R29"])), &image)
        .await
        .unwrap();
    assert_eq!(stored_images(dir.path()), 1);
    let list = admin
        .firmware()
        .list_firmware(pb::ListFirmwareRequest {
            model: "r29c".into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(list.firmware.len(), 1, "only the first names R29C");
    let all = admin
        .firmware()
        .list_firmware(pb::ListFirmwareRequest::default())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        all.firmware.iter().map(|f| f.id).collect::<Vec<_>>(),
        vec![again.id, fw.id],
        "newest first"
    );
    admin
        .firmware()
        .delete_firmware(pb::FirmwareRef { firmware_id: fw.id })
        .await
        .unwrap();
    assert_eq!(stored_images(dir.path()), 1);
    admin
        .firmware()
        .delete_firmware(pb::FirmwareRef {
            firmware_id: again.id,
        })
        .await
        .unwrap();
    assert_eq!(
        stored_images(dir.path()),
        0,
        "the last entry takes the bytes"
    );

    // Another installer sees none of it.
    let other_installer = server.other_installer(&admin, "ryan").await;
    let theirs = upload(&other_installer, Some(header("1.2", &["X916"])), &other)
        .await
        .unwrap();
    assert_status(
        admin
            .firmware()
            .get_firmware(pb::FirmwareRef {
                firmware_id: theirs.id,
            })
            .await,
        Code::NotFound,
        "firmware",
    );

    // The CLI streams a file with its checksum.
    let file = dir.path().join("r29.bin");
    std::fs::write(&file, &image).unwrap();
    let token = admin.token.clone();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_porter"))
        .args(["admin", "--json", "firmware", "upload"])
        .arg(&file)
        .args(["--version", "29.30.2.900", "--model", "R29"])
        .env("PORTER_SERVER", server.url())
        .env("PORTER_TOKEN", token)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let uploaded: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(uploaded["sha256"], sha256(&image));
    server.stop().await;
}

#[tokio::test]
async fn a_device_downloads_its_firmware_by_link_with_ranges_and_resume() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path()).await;
    let admin = server.admin().await;
    let site = admin.lakeside().await;
    let image = random_image(3 * 1024 * 1024 + 17);
    let fw = upload(&admin, Some(header("28.30.10.7", &["R28"])), &image)
        .await
        .unwrap();
    let link = admin
        .firmware()
        .get_download_url(pb::GetDownloadUrlRequest {
            firmware_id: fw.id,
            device_id: site.door_id,
            valid_secs: 600,
        })
        .await
        .unwrap()
        .into_inner();
    assert!(
        link.url.starts_with(&format!(
            "https://{}/firmware/{}/",
            server.https_addr, site.door_id
        )),
        "{}",
        link.url
    );
    assert_status(
        admin
            .firmware()
            .get_download_url(pb::GetDownloadUrlRequest {
                firmware_id: fw.id,
                device_id: site.door_id,
                valid_secs: 30,
            })
            .await,
        Code::InvalidArgument,
        "valid_secs",
    );
    let ca = server.data_dir.join("gateway-cert.pem");
    let ca = ca.to_str().unwrap();
    let out = dir.path().join("download.bin");
    let out_s = out.to_str().unwrap();
    let headers = dir.path().join("headers.txt");
    let headers_s = headers.to_str().unwrap();
    let etag = format!("\"{}\"", fw.sha256);

    // Whole, verified against the gateway's certificate.
    let (code, _) = curl(&["--cacert", ca, "-o", out_s, "-D", headers_s, &link.url]).await;
    assert_eq!(code, "200");
    assert_eq!(sha256(&std::fs::read(&out).unwrap()), fw.sha256);
    let head = std::fs::read_to_string(&headers)
        .unwrap()
        .to_ascii_lowercase();
    assert!(
        head.contains(&format!("etag: {}", etag.to_ascii_lowercase())),
        "{head}"
    );
    assert!(head.contains("accept-ranges: bytes"), "{head}");

    // A range, and the last bytes.
    let (code, _) = curl(&[
        "--cacert", ca, "-r", "100-199", "-o", out_s, "-D", headers_s, &link.url,
    ])
    .await;
    assert_eq!(code, "206");
    assert_eq!(std::fs::read(&out).unwrap(), &image[100..200]);
    let head = std::fs::read_to_string(&headers)
        .unwrap()
        .to_ascii_lowercase();
    assert!(
        head.contains(&format!("content-range: bytes 100-199/{}", image.len())),
        "{head}"
    );
    let (code, _) = curl(&["--cacert", ca, "-r", "-17", "-o", out_s, &link.url]).await;
    assert_eq!(code, "206");
    assert_eq!(std::fs::read(&out).unwrap(), &image[image.len() - 17..]);
    let past = format!("{}-", image.len());
    let (code, _) = curl(&["--cacert", ca, "-r", &past, "-o", out_s, &link.url]).await;
    assert_eq!(code, "416");

    // A device that has the image already is told so; HEAD gives the size alone.
    let if_none = format!("If-None-Match: {etag}");
    let (code, _) = curl(&["--cacert", ca, "-H", &if_none, "-o", out_s, &link.url]).await;
    assert_eq!(code, "304");
    let (code, _) = curl(&["--cacert", ca, "-I", "-o", headers_s, &link.url]).await;
    assert_eq!(code, "200");
    let head = std::fs::read_to_string(&headers)
        .unwrap()
        .to_ascii_lowercase();
    assert!(
        head.contains(&format!("content-length: {}", image.len())),
        "{head}"
    );

    // An interrupted download resumes where it stopped (curl -C -).
    std::fs::write(&out, &image[..1_000_000]).unwrap();
    let (code, _) = curl(&["--cacert", ca, "-C", "-", "-o", out_s, &link.url]).await;
    assert_eq!(code, "206");
    assert_eq!(sha256(&std::fs::read(&out).unwrap()), fw.sha256);

    // A link changed by hand, or of a deleted device, leads nowhere.
    let forged = link.url.replacen(
        &format!("/firmware/{}/", site.door_id),
        &format!("/firmware/{}/", site.door_id + 1),
        1,
    );
    let (code, _) = curl(&["--cacert", ca, "-o", out_s, &forged]).await;
    assert_eq!(code, "404");
    admin
        .devices()
        .delete_device(pb::DeleteDeviceRequest { id: site.door_id })
        .await
        .unwrap();
    let (code, _) = curl(&["--cacert", ca, "-o", out_s, &link.url]).await;
    assert_eq!(code, "404");
    server.stop().await;
}
