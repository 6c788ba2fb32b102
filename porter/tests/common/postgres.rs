//! `porter serve` on PostgreSQL: the server the test command started (`PORTER_TEST_POSTGRES`,
//! see scripts/postgres-for-tests.sh), a schema of its own per test, and a sealing key.

use std::path::{Path, PathBuf};

pub struct Store {
    pub url: String,
    pub sealing_key: PathBuf,
    pub url_signing_key: PathBuf,
}

impl Store {
    /// A new empty store, its sealing key written in `dir`; `None` (with a note) when no
    /// server was given, as when `cargo test` runs without the README's test command.
    pub async fn fresh(dir: &Path) -> Option<Store> {
        let Ok(server) = std::env::var("PORTER_TEST_POSTGRES") else {
            eprintln!("PORTER_TEST_POSTGRES is not set: skipped (scripts/test.sh sets it)");
            return None;
        };
        let url = porter_store::backend::fresh_schema_url(&server)
            .await
            .expect("a schema on the test PostgreSQL");
        let sealing_key = dir.join("sealing.key");
        std::fs::write(&sealing_key, [7u8; 32]).unwrap();
        let url_signing_key = dir.join("url-signing.key");
        std::fs::write(&url_signing_key, [8u8; 32]).unwrap();
        Some(Store {
            url,
            sealing_key,
            url_signing_key,
        })
    }

    /// The flags that put `porter serve` on this store.
    pub fn flags(&self) -> Vec<&str> {
        vec![
            "--store",
            &self.url,
            "--sealing-key-file",
            self.sealing_key.to_str().unwrap(),
            "--url-signing-key-file",
            self.url_signing_key.to_str().unwrap(),
        ]
    }
}
