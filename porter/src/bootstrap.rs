//! The first installer account, created on an empty data directory.

use anyhow::Context;
use porter_store::Store;

use crate::serve::announce;

/// On an empty data directory, creates the first installer from `PORTER_ADMIN_USER` /
/// `PORTER_ADMIN_PASSWORD`, or generates a password and prints it once.
pub async fn first_installer(store: &Store) -> anyhow::Result<()> {
    let username = std::env::var("PORTER_ADMIN_USER").unwrap_or_else(|_| "admin".to_owned());
    let password = std::env::var("PORTER_ADMIN_PASSWORD")
        .ok()
        .filter(|p| !p.is_empty());
    if let Some(created) = store
        .bootstrap(&username, password)
        .await
        .context("creating the first installer account")?
    {
        tracing::info!(username = %created.account.username, "created the first installer account");
        if let Some(pw) = created.generated_password {
            announce(&format!(
                "first installer account {:?} created with password {pw} (shown once; change it with `porter admin password`)",
                created.account.username
            ));
        }
    }
    Ok(())
}
