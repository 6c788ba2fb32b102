//! Captured images: pictures a device takes at the door (someone entering, a call, motion),
//! kept with its community's events and read with Log Access Control. Each is an event
//! (`EventKind::Capture`) with its bytes beside it, so the events' retention and an
//! apartment's reset take them too; a community keeps at most `CAPTURES_PER_COMMUNITY`.

use crate::directory::Actor;
use crate::error::{Result, StoreError};
use crate::events::{DeviceEventRecord, EventFilter, EventKind, capture_image_key};
use crate::model::Id;
use crate::model::credential::{MAX_FACE_SIDE, image_info};
use crate::store::Store;

/// Largest image taken: a door phone's snapshot is tens of kilobytes.
pub const MAX_CAPTURE_BYTES: usize = 512 * 1024;
/// Newest captured images a community keeps (at most 512 MiB).
pub const CAPTURES_PER_COMMUNITY: usize = 1_000;
/// What makes a device take a picture.
pub const CAPTURE_REASONS: [&str; 3] = ["door_log", "call", "motion"];
/// Captures between two prunings of a community at upload (the periodic pruning catches
/// the rest).
const PRUNE_EVERY: u64 = 64;

impl Store {
    /// Keeps a picture device `device_id` took at `at_ms` (0: now) because of `reason`.
    /// `None` when the device is gone meanwhile.
    pub async fn record_capture(
        &self,
        device_id: Id,
        at_ms: i64,
        reason: &str,
        image: &[u8],
    ) -> Result<Option<DeviceEventRecord>> {
        if !CAPTURE_REASONS.contains(&reason) {
            return Err(StoreError::invalid(
                "reason",
                format!("must be one of {}", CAPTURE_REASONS.join(", ")),
            ));
        }
        let kind = capture_kind(reason, image)?;
        let Some(device) = self.read(|d| d.device(device_id).cloned()) else {
            return Ok(None);
        };
        let record = self.event_record(&device, at_ms, self.now_ms(), kind);
        self.backend().append_capture(&record, image)?;
        if record.seq.is_multiple_of(PRUNE_EVERY) {
            self.prune_captures_of(record.community_id, CAPTURES_PER_COMMUNITY)
                .await?;
        }
        self.publish_event(record.clone());
        Ok(Some(record))
    }

    /// The bytes of captured image `seq` of a community, with its content type.
    pub async fn capture_image(
        &self,
        actor: &Actor,
        community_id: Id,
        seq: u64,
    ) -> Result<(String, Vec<u8>)> {
        self.require_log_access(actor, community_id)?;
        let missing = || StoreError::not_found(format!("captured image {seq}"));
        let filter = EventFilter {
            kind: "capture".into(),
            ..EventFilter::default()
        };
        let event = self
            .backend()
            .events_page(community_id, seq.saturating_add(1), &filter, 1, 1)
            .await?
            .into_iter()
            .find(|e| e.seq == seq)
            .ok_or_else(missing)?;
        let EventKind::Capture { content_type, .. } = event.kind else {
            return Err(missing());
        };
        let bytes = self
            .backend()
            .blob(&capture_image_key(community_id, seq))
            .await?
            .ok_or_else(missing)?;
        Ok((content_type, bytes))
    }

    /// Keeps the newest `keep` captured images of a community; returns how many went.
    pub(crate) async fn prune_captures_of(&self, community_id: Id, keep: usize) -> Result<usize> {
        let filter = EventFilter {
            kind: "capture".into(),
            ..EventFilter::default()
        };
        let newest = self
            .backend()
            .events_page(community_id, u64::MAX, &filter, keep + 1, usize::MAX)
            .await?;
        if newest.len() <= keep {
            return Ok(0);
        }
        let oldest_kept = newest[keep - 1].seq;
        Ok(self
            .backend()
            .prune_events(community_id, usize::MAX, &move |e| {
                matches!(e.kind, EventKind::Capture { .. }) && e.seq < oldest_kept
            })
            .await?)
    }
}

/// The event of an image, checked by its own bytes.
fn capture_kind(reason: &str, image: &[u8]) -> Result<EventKind> {
    let refuse = |why: String| StoreError::invalid("image", why);
    if image.len() > MAX_CAPTURE_BYTES {
        return Err(refuse(format!(
            "is {} bytes; a captured image may be at most {} KiB",
            image.len(),
            MAX_CAPTURE_BYTES / 1024
        )));
    }
    let Some((format, width, height)) = image_info(image) else {
        return Err(refuse("is not a JPEG or PNG image".into()));
    };
    if width == 0 || height == 0 || width.max(height) > MAX_FACE_SIDE {
        return Err(refuse(format!(
            "is {width}×{height} pixels; a captured image needs 1 to {MAX_FACE_SIDE} pixels on each side"
        )));
    }
    Ok(EventKind::Capture {
        reason: reason.to_owned(),
        content_type: format.content_type().to_owned(),
        width,
        height,
        size: u32::try_from(image.len()).unwrap_or(u32::MAX),
    })
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::ManualClock;
    use crate::fixtures::{operator_store, premium_community, public_door_phone};
    use crate::model::credential::face::tests::png;

    #[tokio::test]
    async fn pictures_are_kept_checked_and_pruned_with_their_bytes() {
        let clock = Arc::new(ManualClock::new(1_700_000_000_000));
        let (store, actor) = operator_store(clock).await.unwrap();
        let community = premium_community(&store, &actor, "C").await.unwrap();
        let gate = public_door_phone(&store, &actor, community, "0C1100000001")
            .await
            .unwrap();
        let err = store
            .record_capture(gate, 0, "selfie", &png(640, 480))
            .await;
        assert!(matches!(err, Err(StoreError::Invalid { ref field, .. }) if field == "reason"));
        let err = store.record_capture(gate, 0, "call", b"GIF89a").await;
        assert!(matches!(err, Err(StoreError::Invalid { ref field, .. }) if field == "image"));
        let big = [png(640, 480), vec![0; MAX_CAPTURE_BYTES]].concat();
        assert!(store.record_capture(gate, 0, "call", &big).await.is_err());

        let mut seqs = Vec::new();
        for i in 0..5 {
            let picture = [png(640, 480), vec![i]].concat();
            let e = store
                .record_capture(gate, 1_000 + i64::from(i), "door_log", &picture)
                .await
                .unwrap()
                .unwrap();
            seqs.push(e.seq);
        }
        let (content_type, bytes) = store
            .capture_image(&actor, community, seqs[4])
            .await
            .unwrap();
        assert_eq!(
            (content_type.as_str(), bytes.last()),
            ("image/png", Some(&4))
        );

        assert_eq!(store.prune_captures_of(community, 2).await.unwrap(), 3);
        assert!(
            store
                .capture_image(&actor, community, seqs[1])
                .await
                .is_err()
        );
        assert!(
            store
                .backend()
                .blob(&capture_image_key(community, seqs[1]))
                .await
                .unwrap()
                .is_none(),
            "a pruned capture's bytes go with it"
        );
        assert!(
            store
                .capture_image(&actor, community, seqs[3])
                .await
                .is_ok()
        );
        // The events' own retention takes the bytes too.
        store
            .record_device_events(
                gate,
                vec![(
                    1,
                    EventKind::ArmingState {
                        mode: "away".into(),
                    },
                )],
            )
            .unwrap();
        store.prune_events(1).await.unwrap();
        assert!(
            store
                .backend()
                .blob(&capture_image_key(community, seqs[4]))
                .await
                .unwrap()
                .is_none()
        );
    }
}
