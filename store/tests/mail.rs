//! The outbox: the manual's expiration schedule on an injected clock, one message per
//! recipient, kind and day however often the schedule runs, and renewal confirmations
//! queued in the payment's own write.

#![allow(clippy::unwrap_used)]

mod common;

use porter_store::model::{
    CommunitySettings, FamilyMemberInput, OrderInput, OrderKind, PmPermissions,
};
use porter_store::outbox::{Audience, MailContent, MailMessage, MailState};
use porter_store::{Actor, ManualClock, Store};

const DAY_MS: i64 = 24 * 3600 * 1000;

struct Site {
    store: Store,
    operator: Actor,
    installer: Actor,
    clock: ManualClock,
    community: u64,
    apartment: u64,
}

/// One installer's community with an apartment whose family master and one family member
/// have emails, a property manager assigned, and the apartment activated until `expires`
/// days from the start.
async fn site(send_expiration_email: bool, expires_days: i64) -> Site {
    let (store, operator, clock) = common::operator_store().await;
    let installer = common::installer(&store, &operator, "ryan", "password-2").await;
    let community = common::community(&store, &installer, "Luna").await;
    store
        .update_community(
            &installer,
            community,
            CommunitySettings {
                send_expiration_email: Some(send_expiration_email),
                send_renew_email: Some(true),
                ..CommunitySettings::default()
            },
        )
        .await
        .unwrap();
    let building = common::building(&store, &installer, community, "B1").await;
    let apartment =
        common::lily_apartment(&store, &installer, building, "101", "lily@example.com").await;
    store
        .add_family_member(
            &installer,
            apartment,
            FamilyMemberInput {
                first_name: Some("Max".into()),
                last_name: Some("Zheng".into()),
                email: Some("max@example.com".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let (pm, _) = common::new_property_manager(&store, &installer, "pat@example.com", false).await;
    store
        .assign_property_manager(&installer, community, pm, PmPermissions::default())
        .await
        .unwrap();
    let s = Site {
        store,
        operator,
        installer,
        clock,
        community,
        apartment,
    };
    s.pay(
        OrderKind::Activation,
        common::START_MS + expires_days * DAY_MS,
    )
    .await;
    s
}

impl Site {
    async fn pay(&self, kind: OrderKind, expires_at_ms: i64) {
        let order = self
            .store
            .create_subscription_order(
                &self.installer,
                OrderInput {
                    kind,
                    apartments: vec![self.apartment],
                    expires_at_ms,
                },
            )
            .await
            .unwrap();
        self.store
            .confirm_subscription_payment(&self.operator, order.id, "bank-1")
            .await
            .unwrap();
    }

    /// The outbox oldest first, without the end users' account invitations (their own
    /// tests are in end_users.rs).
    async fn outbox(&self) -> Vec<MailMessage> {
        let mut all = self
            .store
            .outbox_page(&self.operator, 0, 500)
            .await
            .unwrap();
        all.retain(|m| !is_invitation(m));
        all.reverse();
        all
    }

    async fn due(&self) -> Vec<MailMessage> {
        let mut due = self.store.mail_due(50).await.unwrap();
        due.retain(|m| !is_invitation(m));
        due
    }

    /// (recipient, days) of every expiration notice in the outbox, oldest first.
    async fn notices(&self) -> Vec<(String, u32)> {
        self.outbox()
            .await
            .into_iter()
            .filter_map(|m| match m.content {
                MailContent::ExpirationNotice { days, .. } => Some((m.to, days)),
                _ => None,
            })
            .collect()
    }

    /// Runs the schedule every six hours for `days` days.
    async fn run_days(&self, days: i64) {
        for _ in 0..days * 4 {
            self.store.queue_expiration_notices().await.unwrap();
            self.store.queue_expiration_notices().await.unwrap();
            self.clock.advance_ms(DAY_MS / 4);
        }
    }
}

/// Account mail (end users' invitations, the property manager's account email), which the
/// site's setup sends before anything these tests look at.
fn is_invitation(m: &MailMessage) -> bool {
    matches!(
        m.content,
        MailContent::AccountInvitation { .. } | MailContent::ManagerAccount { .. }
    )
}

fn pairs(v: &[(&str, u32)]) -> Vec<(String, u32)> {
    v.iter().map(|(to, d)| (to.to_string(), *d)).collect()
}

#[tokio::test]
async fn expiration_notices_follow_the_manuals_schedule_once_each() {
    let s = site(true, 2).await;
    s.run_days(25).await;
    assert_eq!(
        s.notices().await,
        pairs(&[
            ("lily@example.com", 1),
            ("max@example.com", 1),
            ("lily@example.com", 3),
            ("max@example.com", 3),
            ("pat@example.com", 5),
            ("ryan@example.com", 5),
            ("ryan@example.com", 15),
        ])
    );
    let first = &s.outbox().await[0];
    assert!(matches!(
        first.state,
        MailState::Pending { attempts: 0, .. }
    ));
    match &first.content {
        MailContent::ExpirationNotice {
            audience,
            apartments,
            ..
        } => {
            assert_eq!(*audience, Audience::EndUser);
            assert_eq!(apartments.len(), 1);
            assert_eq!(
                (
                    apartments[0].building.as_str(),
                    apartments[0].apartment.as_str()
                ),
                ("B1", "101")
            );
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn with_the_switch_off_only_the_installer_hears() {
    let s = site(false, 2).await;
    s.run_days(25).await;
    assert_eq!(
        s.notices().await,
        pairs(&[("ryan@example.com", 5), ("ryan@example.com", 15)])
    );
}

#[tokio::test]
async fn a_day_missed_while_down_is_caught_up_once_and_older_ones_are_not() {
    let s = site(true, 2).await;
    // Down from before expiry until day 4 (expired late on 16 November, Berlin time; back
    // at noon on the 20th): day 3's notice comes late, day 1's never.
    s.clock.advance_ms(5 * DAY_MS + DAY_MS / 2);
    s.store.queue_expiration_notices().await.unwrap();
    s.store.queue_expiration_notices().await.unwrap();
    assert_eq!(
        s.notices().await,
        pairs(&[("lily@example.com", 3), ("max@example.com", 3)])
    );
}

#[tokio::test]
async fn a_renewal_confirmation_goes_with_the_payment() {
    let s = site(true, 30).await;
    assert!(
        s.outbox().await.is_empty(),
        "a first activation is no renewal"
    );
    s.pay(OrderKind::Renewal, common::START_MS + 400 * DAY_MS)
        .await;
    let renewals: Vec<_> = s
        .outbox()
        .await
        .into_iter()
        .map(|m| (m.to, m.content))
        .collect();
    assert_eq!(renewals.len(), 2, "{renewals:?}");
    assert_eq!(renewals[0].0, "lily@example.com");
    assert!(
        matches!(&renewals[0].1, MailContent::Renewal { apartment } if apartment.community_id == s.community)
    );
    // Another installer sees none of them.
    let other = common::installer(&s.store, &s.operator, "other", "password-3").await;
    assert!(s.store.outbox_page(&other, 0, 50).await.unwrap().is_empty());
    // Two renewals, two invitations and the property manager's account email.
    assert_eq!(
        s.store
            .outbox_page(&s.installer, 0, 50)
            .await
            .unwrap()
            .len(),
        5
    );
}

#[tokio::test]
async fn settling_moves_a_message_out_of_the_due_list() {
    let s = site(true, 30).await;
    s.pay(OrderKind::Renewal, common::START_MS + 400 * DAY_MS)
        .await;
    let due = s.due().await;
    assert_eq!(due.len(), 2);
    let mut later = due[0].clone();
    later.state = MailState::Pending {
        attempts: 1,
        next_attempt_ms: s.store.now_ms() + 60_000,
        last_error: "connection refused".into(),
    };
    s.store.settle_mail(&due[0], &later).await.unwrap();
    let mut sent = due[1].clone();
    sent.state = MailState::Sent {
        attempts: 1,
        at_ms: s.store.now_ms(),
    };
    s.store.settle_mail(&due[1], &sent).await.unwrap();
    assert!(s.due().await.is_empty());
    s.clock.advance_ms(60_000);
    assert_eq!(s.due().await, vec![later]);
    // After the retention period they go, the sent and the still pending alike (the
    // account mail, never sent here, too).
    s.clock.advance_ms(61 * DAY_MS);
    assert_eq!(s.store.prune_mail().await.unwrap(), 5);
    assert!(s.store.mail_due(10).await.unwrap().is_empty());
    assert!(
        s.store
            .outbox_page(&s.operator, 0, 50)
            .await
            .unwrap()
            .is_empty()
    );
}
