//! What the outbox is fed with and how the mailer drains it (`crate::outbox` for the
//! records): the manual's expiration schedule, renewal confirmations, and the mailer's
//! reads and settlements.
//!
//! "Send Expiration Email To End User/PM": notices go out 1, 3, 5 and 15 days after an
//! apartment's service expired, by the community's calendar: to its end users on days 1
//! and 3, to its property managers and its installer on day 5, to the installer on day 15.
//! With the switch off, only the installer's notices go. A recipient gets one message per
//! kind and day, naming every apartment it concerns.

use std::collections::BTreeMap;

use chrono::{Days, NaiveDate, TimeZone};

use crate::directory::{Actor, Directory};
use crate::error::Result;
use crate::model::{Apartment, Community, Id, Language};
use crate::outbox::{ApartmentLine, Audience, MailContent, MailMessage, MailState};
use crate::store::Store;

/// Days after expiration and who hears of it then, with the switch on.
const SCHEDULE: [(u32, &[Audience]); 4] = [
    (1, &[Audience::EndUser]),
    (3, &[Audience::EndUser]),
    (5, &[Audience::PropertyManager, Audience::Installer]),
    (15, &[Audience::Installer]),
];

/// A notice whose day passed while the server was down still goes out this many days
/// later (its dedupe key is its own day, so it never goes twice).
const CATCH_UP_DAYS: i64 = 1;

/// Messages one write queues at most: a large site's notices go in several writes.
const QUEUE_CHUNK: usize = 1_000;

/// Outbox messages one page lists at most, and messages a page read scans at most.
pub const MAX_OUTBOX_PAGE: usize = 500;
const OUTBOX_SCAN_LIMIT: usize = 50_000;

impl Store {
    /// Queues the expiration notices due now (see the module docs); safe to run as often
    /// as wanted. Returns how many messages it offered the outbox (those queued before
    /// are dropped there).
    pub async fn queue_expiration_notices(&self) -> Result<usize> {
        let now_ms = self.now_ms();
        let notices = self.read(|dir| expiration_notices(dir, now_ms));
        for chunk in notices.chunks(QUEUE_CHUNK) {
            self.write(|_, txn| {
                for m in chunk {
                    txn.queue_mail(m.clone());
                }
                Ok(())
            })
            .await?;
        }
        Ok(notices.len())
    }

    /// Pending messages due now, earliest first.
    pub async fn mail_due(&self, limit: usize) -> Result<Vec<MailMessage>> {
        Ok(self.backend().mail_due(self.now_ms(), limit).await?)
    }

    /// Records what became of a message the mailer read as `before`; durable on return.
    pub async fn settle_mail(&self, before: &MailMessage, after: &MailMessage) -> Result<()> {
        self.backend().settle_mail(before, after).await?;
        self.backend().sync().await?;
        Ok(())
    }

    /// Waits until a write queues mail (or returns at once if one did since the last wait).
    pub async fn mail_queued_wait(&self) {
        self.mail_queued().notified().await;
    }

    /// Drops messages settled longer ago than `outbox::MAIL_RETENTION_MS`.
    pub async fn prune_mail(&self) -> Result<usize> {
        Ok(self.backend().prune_mail(self.now_ms()).await?)
    }

    /// The outbox, newest first: the site operator's is every installer's; an installer
    /// sees its own messages.
    pub async fn outbox_page(
        &self,
        actor: &Actor,
        before_id: u64,
        limit: usize,
    ) -> Result<Vec<MailMessage>> {
        super::require_staff(actor, "read the outbox")?;
        let installer = (!actor.operator).then_some(actor.installer_id);
        let before = if before_id == 0 { u64::MAX } else { before_id };
        Ok(self
            .backend()
            .mail_page(
                installer,
                before,
                limit.clamp(1, MAX_OUTBOX_PAGE),
                OUTBOX_SCAN_LIMIT,
            )
            .await?)
    }
}

/// A message not yet tried, due at once.
pub(crate) fn new_message(
    dedupe: String,
    installer_id: Id,
    to: (&str, String),
    language: Language,
    content: MailContent,
) -> MailMessage {
    MailMessage {
        id: 0,
        dedupe,
        installer_id,
        to: to.0.to_owned(),
        to_name: to.1,
        language,
        content,
        queued_ms: 0,
        state: MailState::Pending {
            attempts: 0,
            next_attempt_ms: 0,
            last_error: String::new(),
        },
    }
}

/// The apartment's end users with an email: (address, name, language).
fn end_users(a: &Apartment) -> Vec<(String, String, Language)> {
    crate::model::end_users_of(a)
        .into_iter()
        .filter(|u| !u.email.is_empty())
        .map(|u| (u.email, u.name, u.language))
        .collect()
}

/// The community's calendar date of an instant.
pub(crate) fn local_date(community: &Community, at_ms: i64) -> Option<NaiveDate> {
    let tz: chrono_tz::Tz = community.time_zone.parse().unwrap_or(chrono_tz::UTC);
    tz.timestamp_millis_opt(at_ms)
        .single()
        .map(|t| t.date_naive())
}

/// An apartment as a message names it, with `date` (a community date).
pub(crate) fn apartment_line(
    dir: &Directory,
    community: &Community,
    a: &Apartment,
    date: NaiveDate,
) -> ApartmentLine {
    ApartmentLine {
        community_id: community.id,
        community: community.name.clone(),
        building: dir
            .building(a.building_id)
            .map(|b| b.name.clone())
            .unwrap_or_default(),
        apartment: a.number.clone(),
        date: date.format("%Y-%m-%d").to_string(),
    }
}

/// One recipient's notice of one kind and day, gathering apartments.
struct Pending {
    installer_id: Id,
    name: String,
    language: Language,
    audience: Audience,
    days: u32,
    apartments: Vec<ApartmentLine>,
}

/// The expiration notices due at `now_ms` (before dedupe), one per recipient, kind and day.
fn expiration_notices(dir: &Directory, now_ms: i64) -> Vec<MailMessage> {
    // Keyed by the dedupe key, so one recipient's apartments land in one message.
    let mut notices: BTreeMap<String, Pending> = BTreeMap::new();
    for community_id in dir.all_community_ids() {
        let Some(community) = dir.community(community_id) else {
            continue;
        };
        let Some(today) = local_date(community, now_ms) else {
            continue;
        };
        for building in dir.buildings_in(community.id) {
            for a in dir.apartments_in(building.id) {
                let Some(expired_at) = a.expires_at_ms.filter(|at| a.activated && *at <= now_ms)
                else {
                    continue;
                };
                let Some(expired_on) = local_date(community, expired_at) else {
                    continue;
                };
                for (days, audiences) in SCHEDULE {
                    let Some(day) = expired_on.checked_add_days(Days::new(days.into())) else {
                        continue;
                    };
                    let late = (today - day).num_days();
                    if !(0..=CATCH_UP_DAYS).contains(&late) {
                        continue;
                    }
                    let line = apartment_line(dir, community, a, expired_on);
                    for audience in audiences {
                        if !community.send_expiration_email && *audience != Audience::Installer {
                            continue;
                        }
                        for (to, name, language) in recipients(dir, community, a, *audience) {
                            let key = format!(
                                "{}|expiration-{days}d|{}",
                                to.to_lowercase(),
                                day.format("%Y-%m-%d")
                            );
                            notices
                                .entry(key)
                                .or_insert_with(|| Pending {
                                    installer_id: community.installer_id,
                                    name,
                                    language,
                                    audience: *audience,
                                    days,
                                    apartments: Vec::new(),
                                })
                                .apartments
                                .push(line.clone());
                        }
                    }
                }
            }
        }
    }
    notices
        .into_iter()
        .map(|(key, p)| {
            let to = key.split('|').next().unwrap_or_default().to_owned();
            let contact = dir
                .tenant(p.installer_id)
                .map(|t| {
                    let cs = &t.customer_service;
                    [cs.phone.as_str(), cs.email.as_str()]
                        .into_iter()
                        .filter(|s| !s.is_empty())
                        .collect::<Vec<_>>()
                        .join(", ")
                })
                .unwrap_or_default();
            new_message(
                key,
                p.installer_id,
                (&to, p.name),
                p.language,
                MailContent::ExpirationNotice {
                    audience: p.audience,
                    days: p.days,
                    apartments: p.apartments,
                    contact,
                },
            )
        })
        .collect()
}

/// Who of `audience` hears about apartment `a`: (address, name, language).
fn recipients(
    dir: &Directory,
    community: &Community,
    a: &Apartment,
    audience: Audience,
) -> Vec<(String, String, Language)> {
    match audience {
        Audience::EndUser => end_users(a),
        Audience::PropertyManager => dir
            .property_managers_of(community.installer_id)
            .into_iter()
            .filter(|p| p.assignment(community.id).is_some() && !p.email.is_empty())
            .map(|p| (p.email.clone(), p.full_name(), p.language))
            .collect(),
        // The installer's own account; installers have no mail language: English.
        Audience::Installer => dir
            .account(community.installer_id)
            .filter(|acc| !acc.email.is_empty())
            .map(|acc| (acc.email.clone(), acc.username.clone(), Language::English))
            .into_iter()
            .collect(),
    }
}

/// Renewal confirmations for apartment `a`, renewed until `expires_at_ms`, when its
/// community's "Send Renew Email" is on.
pub(crate) fn renewal_messages(
    dir: &Directory,
    a: &Apartment,
    expires_at_ms: i64,
    today_ms: i64,
) -> Vec<MailMessage> {
    let Some(community) = dir.community(a.community_id) else {
        return Vec::new();
    };
    let (Some(until), Some(today)) = (
        local_date(community, expires_at_ms),
        local_date(community, today_ms),
    ) else {
        return Vec::new();
    };
    if !community.send_renew_email {
        return Vec::new();
    }
    let line = apartment_line(dir, community, a, until);
    end_users(a)
        .into_iter()
        .map(|(to, name, language)| {
            new_message(
                format!(
                    "{}|renewal|apt{}|{}",
                    to.to_lowercase(),
                    a.id,
                    today.format("%Y-%m-%d")
                ),
                community.installer_id,
                (&to, name),
                language,
                MailContent::Renewal {
                    apartment: line.clone(),
                },
            )
        })
        .collect()
}
