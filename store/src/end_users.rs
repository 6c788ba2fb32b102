//! The one home of what an apartment write means for its end users' app accounts, applied
//! by `Store::write` to every change set: an end user who gets an email (added with one, or
//! given one) is sent an invitation link in the same write; one who goes (moved out,
//! deleted, reset) or whose email or password changes loses their app sessions and links at
//! once.

use crate::auth;
use crate::directory::Directory;
use crate::error::Result;
use crate::model::end_user::INVITATION_TTL_MS;
use crate::model::{
    AccountLink, Apartment, EndUser, EndUserRef, LinkOwner, LinkPurpose, end_users_of,
};
use crate::outbox::MailContent;
use crate::record::{Change, Record, RecordKey};
use crate::store::Txn;

/// Adds to `txn` what its apartment changes mean for their end users (see the module docs).
pub(crate) fn follow(dir: &Directory, txn: &mut Txn) -> Result<()> {
    let mut written: Vec<Apartment> = Vec::new();
    let mut deleted = Vec::new();
    for change in txn.changes() {
        match change {
            Change::Put(Record::Apartment(a)) => written.push(a.clone()),
            Change::Delete(RecordKey::Apartment(id)) => deleted.push(*id),
            _ => {}
        }
    }
    for a in &written {
        let before = dir.apartment(a.id).map(end_users_of).unwrap_or_default();
        let after = end_users_of(a);
        for user in &after {
            let was = before.iter().find(|b| b.user == user.user);
            if !user.email.is_empty() && was.is_none_or(|b| !same_email(b, user)) {
                invite(dir, txn, a, user)?;
            }
        }
        for old in &before {
            let kept = after.iter().find(|u| u.user == old.user).is_some_and(|u| {
                !u.email.is_empty()
                    && same_email(old, u)
                    && (old.password_hash.is_none() || old.password_hash == u.password_hash)
            });
            if !kept {
                end_access(dir, txn, old.user);
            }
        }
    }
    for id in deleted {
        for old in dir.apartment(id).map(end_users_of).unwrap_or_default() {
            end_access(dir, txn, old.user);
        }
    }
    Ok(())
}

fn same_email(a: &EndUser, b: &EndUser) -> bool {
    a.email.eq_ignore_ascii_case(&b.email)
}

/// A new invitation link for `user` (older links of theirs stop working), and its email.
fn invite(dir: &Directory, txn: &mut Txn, a: &Apartment, user: &EndUser) -> Result<()> {
    let Some(community) = dir.community(a.community_id) else {
        return Ok(());
    };
    let token = new_link(
        dir,
        txn,
        LinkOwner::EndUser(user.user),
        &user.email,
        LinkPurpose::Invitation,
        INVITATION_TTL_MS,
    )?;
    let today = crate::ops::mail::local_date(community, txn.now_ms()).unwrap_or_default();
    let line = crate::ops::mail::apartment_line(dir, community, a, today);
    txn.queue_mail(crate::ops::mail::new_message(
        format!(
            "{}|invitation|{}",
            user.email.to_lowercase(),
            auth::token_hash(&token)
        ),
        community.installer_id,
        (&user.email, user.name.clone()),
        user.language,
        MailContent::AccountInvitation {
            token,
            apartment: line,
            family_master: user.user.member_id.is_none(),
        },
    ));
    Ok(())
}

/// A new single-use link of `purpose` for `user`, replacing the ones they had; returns its
/// token (the caller puts it in the email, and nowhere else).
pub(crate) fn new_link(
    dir: &Directory,
    txn: &mut Txn,
    owner: LinkOwner,
    email: &str,
    purpose: LinkPurpose,
    ttl_ms: i64,
) -> Result<String> {
    drop_links(dir, txn, owner);
    let token = auth::new_token()?;
    txn.put(Record::AccountLink(AccountLink {
        token_hash: auth::token_hash(&token),
        purpose,
        owner,
        email: email.to_owned(),
        expires_at_ms: txn.now_ms().saturating_add(ttl_ms),
    }));
    Ok(token)
}

/// The refusal of a link that is unknown, used, expired or no longer its owner's: one
/// message whatever the cause, so a link tells nothing about the account.
pub(crate) fn link_refused() -> crate::error::StoreError {
    crate::error::StoreError::invalid(
        "token",
        "the link is unknown, used or expired; ask for a new one",
    )
}

/// A new password from a link: the password's hash (checked and hashed before the write)
/// and the token's.
pub(crate) async fn password_from_link(token: &str, password: &str) -> Result<(String, String)> {
    crate::rules::password("password", password)?;
    let pw = password.to_owned();
    let hash = crate::ops::blocking(move || auth::hash_password(&pw)).await?;
    Ok((hash, auth::token_hash(token.trim())))
}

/// The live link with `token_hash`, used up in `txn`.
pub(crate) fn use_link<'d>(
    dir: &'d Directory,
    txn: &mut Txn,
    token_hash: &str,
) -> Result<&'d AccountLink> {
    let link = dir
        .account_link(token_hash)
        .filter(|l| l.expires_at_ms > txn.now_ms())
        .ok_or_else(link_refused)?;
    txn.delete(RecordKey::AccountLink(token_hash.to_owned()));
    Ok(link)
}

/// Drops the links of `owner`.
pub(crate) fn drop_links(dir: &Directory, txn: &mut Txn, owner: LinkOwner) {
    for link in dir.account_links().filter(|l| l.owner == owner) {
        txn.delete(RecordKey::AccountLink(link.token_hash.clone()));
    }
}

/// Ends `user`'s app sessions and links.
fn end_access(dir: &Directory, txn: &mut Txn, user: EndUserRef) {
    for s in dir
        .sessions_of(user.session_owner())
        .filter(|s| s.end_user == Some(user))
    {
        txn.delete(RecordKey::Session(s.token_hash.clone()));
    }
    drop_links(dir, txn, LinkOwner::EndUser(user));
}
