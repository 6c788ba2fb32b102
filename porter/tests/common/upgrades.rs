//! Firmware images and upgrade strategies, as the upgrade tests drive them.

use std::time::Duration;

use futures_util::stream;
use porter_proto::admin::v1::{self as pb, upload_firmware_request::Part};

use super::Client;

/// Uploads a 300 kB random image of `version` for `models`.
pub async fn upload(admin: &Client, version: &str, models: &[&str]) -> pb::Firmware {
    let mut image = vec![0u8; 300_000];
    getrandom::fill(&mut image).expect("random bytes");
    let messages = vec![
        pb::UploadFirmwareRequest {
            part: Some(Part::Header(pb::FirmwareHeader {
                version: version.into(),
                models: models.iter().map(|m| m.to_string()).collect(),
                ..Default::default()
            })),
        },
        pb::UploadFirmwareRequest {
            part: Some(Part::Chunk(image)),
        },
    ];
    admin
        .firmware()
        .upload_firmware(stream::iter(messages))
        .await
        .expect("firmware upload")
        .into_inner()
}

/// Polls strategy `id` until `done` holds, for at most `limit`.
pub async fn wait_for(
    admin: &Client,
    id: u64,
    limit: Duration,
    done: impl Fn(&pb::UpgradeStrategy) -> bool,
) -> pb::UpgradeStrategy {
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        let s = admin
            .upgrades()
            .get_upgrade(pb::UpgradeRef { id })
            .await
            .expect("get_upgrade")
            .into_inner();
        if done(&s) {
            return s;
        }
        if tokio::time::Instant::now() > deadline {
            panic!("the strategy did not get there within {limit:?}: {s:#?}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
