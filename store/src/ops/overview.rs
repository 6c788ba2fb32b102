//! A community at a glance (the portal's overview): its devices by type, upgrades under way,
//! apartments whose service ends soon, and door openings per day over two weeks in the
//! community's time zone. Presence is the caller's to add: the store lists the devices.

use chrono::{Duration, NaiveDate, TimeZone};

use crate::directory::Actor;
use crate::error::Result;
use crate::events::{EventFilter, EventKind};
use crate::model::upgrade::StrategyStatus;
use crate::model::{ActiveStatus, DeviceType, Id};
use crate::store::Store;

/// Days of door openings shown, today included.
pub const DOOR_DAYS: usize = 14;
/// "Expiring soon": the service ends within this many days.
pub const EXPIRING_DAYS: i64 = 30;
/// The most door events read for one overview; beyond, the oldest days are partial.
const MAX_DOOR_EVENTS: usize = 50_000;
const EVENT_PAGE: usize = 500;
const DAY_MS: i64 = 86_400_000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OverviewDevice {
    pub id: Id,
    pub mac: String,
    pub device_type: DeviceType,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DoorDay {
    /// "YYYY-MM-DD" in the community's time zone.
    pub day: String,
    pub opened: u32,
    pub refused: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommunityOverview {
    pub devices: Vec<OverviewDevice>,
    pub upgrades_pending: u32,
    pub upgrades_processing: u32,
    pub apartments: u32,
    pub apartments_inactivated: u32,
    pub apartments_expired: u32,
    /// Normal, and the service ends within `EXPIRING_DAYS`.
    pub apartments_expiring: u32,
    /// Oldest first, `DOOR_DAYS` of them, the last one today.
    pub door_days: Vec<DoorDay>,
    /// False when more door events than could be read fell in the window.
    pub door_days_complete: bool,
}

impl Store {
    pub async fn community_overview(
        &self,
        actor: &Actor,
        community_id: Id,
    ) -> Result<CommunityOverview> {
        let now = self.now_ms();
        let (mut overview, zone) = self.read(|dir| {
            let community = dir.community_of(actor, community_id)?;
            let devices = dir
                .devices_of_community(community_id)
                .map(|d| OverviewDevice {
                    id: d.id,
                    mac: d.mac.clone(),
                    device_type: d.device_type,
                })
                .collect();
            let mut o = CommunityOverview {
                devices,
                upgrades_pending: 0,
                upgrades_processing: 0,
                apartments: 0,
                apartments_inactivated: 0,
                apartments_expired: 0,
                apartments_expiring: 0,
                door_days: Vec::new(),
                door_days_complete: true,
            };
            for u in dir.upgrades().filter(|u| u.community_id == community_id) {
                match u.status() {
                    StrategyStatus::Pending => o.upgrades_pending += 1,
                    StrategyStatus::Processing => o.upgrades_processing += 1,
                    _ => {}
                }
            }
            for b in dir.buildings_in(community_id) {
                for a in dir.apartments_in(b.id) {
                    o.apartments += 1;
                    match a.active_status(now) {
                        ActiveStatus::Inactivated => o.apartments_inactivated += 1,
                        ActiveStatus::Expired => o.apartments_expired += 1,
                        ActiveStatus::Normal => {
                            if a.expires_at_ms
                                .is_some_and(|at| at - now <= EXPIRING_DAYS * DAY_MS)
                            {
                                o.apartments_expiring += 1;
                            }
                        }
                    }
                }
            }
            Ok::<_, crate::error::StoreError>((o, community.time_zone.clone()))
        })?;
        let tz: chrono_tz::Tz = zone.parse().unwrap_or(chrono_tz::UTC);
        let (days, complete) = self.door_days(community_id, tz, now).await?;
        overview.door_days = days;
        overview.door_days_complete = complete;
        Ok(overview)
    }

    /// Door openings and refusals per day of the last `DOOR_DAYS` days in `tz`.
    async fn door_days(
        &self,
        community_id: Id,
        tz: chrono_tz::Tz,
        now: i64,
    ) -> Result<(Vec<DoorDay>, bool)> {
        let day_of = |ms: i64| tz.timestamp_millis_opt(ms).single().map(|t| t.date_naive());
        let today = day_of(now).unwrap_or_default();
        let first = today - Duration::days(DOOR_DAYS as i64 - 1);
        let since = tz
            .from_local_datetime(&first.and_hms_opt(0, 0, 0).unwrap_or_default())
            .earliest()
            .map_or(now - DOOR_DAYS as i64 * DAY_MS, |t| t.timestamp_millis());
        let mut counts = vec![(0u32, 0u32); DOOR_DAYS];
        let filter = EventFilter {
            kind: "door_log".into(),
            ..EventFilter::default()
        };
        let mut before = u64::MAX;
        let mut read = 0;
        let complete = loop {
            let page = self
                .backend()
                .events_page(community_id, before, &filter, EVENT_PAGE, MAX_DOOR_EVENTS)
                .await?;
            for e in &page {
                // Events arrive in order: one received before the window ends the walk.
                if e.received_ms < since {
                    return Ok((days_from(first, &counts), true));
                }
                let EventKind::DoorLog { success, .. } = e.kind else {
                    continue;
                };
                if let Some(i) = day_of(e.at_ms).and_then(|d| index_in(first, d)) {
                    if success {
                        counts[i].0 += 1;
                    } else {
                        counts[i].1 += 1;
                    }
                }
            }
            read += page.len();
            match page.last() {
                Some(last) if page.len() == EVENT_PAGE && read < MAX_DOOR_EVENTS => {
                    before = last.seq
                }
                _ => break page.len() < EVENT_PAGE,
            }
        };
        Ok((days_from(first, &counts), complete))
    }
}

fn index_in(first: NaiveDate, day: NaiveDate) -> Option<usize> {
    let i = (day - first).num_days();
    (0..DOOR_DAYS as i64).contains(&i).then_some(i as usize)
}

fn days_from(first: NaiveDate, counts: &[(u32, u32)]) -> Vec<DoorDay> {
    counts
        .iter()
        .enumerate()
        .map(|(i, &(opened, refused))| DoorDay {
            day: (first + Duration::days(i as i64))
                .format("%Y-%m-%d")
                .to_string(),
            opened,
            refused,
        })
        .collect()
}
