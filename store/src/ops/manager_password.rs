//! Property managers' portal passwords by email: the account email "New Property Manager"
//! sends, the reset link of the installer's "Reset Password" and of the login page's
//! "Forgot password", and setting the password from such a link.

use super::login::end_sessions_of;
use crate::auth;
use crate::directory::Directory;
use crate::end_users::{link_refused, password_from_link, use_link};
use crate::error::Result;
use crate::model::end_user::{INVITATION_TTL_MS, MANAGER_RESET_TTL_MS};
use crate::model::{LinkOwner, LinkPurpose, PropertyManager};
use crate::outbox::MailContent;
use crate::record::Record;
use crate::store::{Store, Txn};

/// Queues the email that tells `pm` of its new account, with a link that sets its password.
pub(crate) fn send_account_email(
    dir: &Directory,
    txn: &mut Txn,
    pm: &PropertyManager,
) -> Result<()> {
    let token = new_link(dir, txn, pm, LinkPurpose::Invitation, INVITATION_TTL_MS)?;
    let installer = dir
        .account(pm.installer_id)
        .map(|a| a.username.clone())
        .unwrap_or_default();
    queue(
        txn,
        pm,
        "manager-account",
        &token,
        MailContent::ManagerAccount {
            token: token.clone(),
            installer,
        },
    );
    Ok(())
}

/// Queues a reset link to `pm` (its older links stop working).
pub(crate) fn send_reset_email(dir: &Directory, txn: &mut Txn, pm: &PropertyManager) -> Result<()> {
    let token = new_link(
        dir,
        txn,
        pm,
        LinkPurpose::PasswordReset,
        MANAGER_RESET_TTL_MS,
    )?;
    queue(
        txn,
        pm,
        "manager-password-reset",
        &token,
        MailContent::ManagerPasswordReset {
            token: token.clone(),
        },
    );
    Ok(())
}

fn new_link(
    dir: &Directory,
    txn: &mut Txn,
    pm: &PropertyManager,
    purpose: LinkPurpose,
    ttl_ms: i64,
) -> Result<String> {
    crate::end_users::new_link(
        dir,
        txn,
        LinkOwner::PropertyManager {
            property_manager_id: pm.id,
        },
        &pm.email,
        purpose,
        ttl_ms,
    )
}

fn queue(txn: &mut Txn, pm: &PropertyManager, kind: &str, token: &str, content: MailContent) {
    txn.queue_mail(super::mail::new_message(
        format!(
            "{}|{kind}|{}",
            pm.email.to_lowercase(),
            auth::token_hash(token)
        ),
        pm.installer_id,
        (&pm.email, pm.full_name()),
        pm.language,
        content,
    ));
}

impl Store {
    /// The login page's "Forgot password" for a property manager's email: a reset link, if
    /// one has that address. Says nothing either way, so it cannot tell who has an account.
    pub async fn forgot_manager_password(&self, email: &str) -> Result<()> {
        self.write(
            |dir, txn| match dir.property_manager_by_email(email.trim()) {
                Some(pm) => send_reset_email(dir, txn, pm),
                None => Ok(()),
            },
        )
        .await
    }

    /// Sets the portal password of the property manager a link was mailed to; the link is
    /// used up, and every session of the old password ends.
    pub async fn set_manager_password(&self, token: &str, password: &str) -> Result<()> {
        let (hash, token_hash) = password_from_link(token, password).await?;
        self.write(|dir, txn| {
            let link = use_link(dir, txn, &token_hash)?;
            let LinkOwner::PropertyManager {
                property_manager_id,
            } = link.owner
            else {
                return Err(link_refused());
            };
            let mut pm = dir
                .property_manager(property_manager_id)
                .filter(|pm| pm.email.eq_ignore_ascii_case(&link.email))
                .ok_or_else(link_refused)?
                .clone();
            pm.password_hash = hash;
            pm.password_changed_at_ms = txn.now_ms();
            txn.put(Record::PropertyManager(pm.clone()));
            end_sessions_of(dir, txn, pm.id, None);
            Ok(())
        })
        .await
    }
}
