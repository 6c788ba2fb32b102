//! Start-up: the generated first password, the TOML config file, environment variables.

#![allow(clippy::unwrap_used)]

use std::process::Stdio;
use std::time::Duration;

use porter_proto::admin::v1 as pb;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

/// Reads stdout lines until the admin address; returns (address, lines seen).
async fn wait_listening(child: &mut tokio::process::Child) -> (String, Vec<String>) {
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let mut seen = Vec::new();
    tokio::time::timeout(Duration::from_secs(60), async {
        while let Some(line) = lines.next_line().await.unwrap() {
            if let Some(addr) = line.strip_prefix("porter: admin listening on ") {
                return (addr.to_owned(), seen);
            }
            seen.push(line);
        }
        panic!("porter exited: {seen:?}");
    })
    .await
    .unwrap()
}

async fn login(addr: &str, user: &str, password: &str) -> Result<pb::LoginResponse, tonic::Status> {
    let mut auth = pb::auth_service_client::AuthServiceClient::connect(format!("http://{addr}"))
        .await
        .unwrap();
    auth.login(pb::LoginRequest {
        username: user.into(),
        password: password.into(),
        ..Default::default()
    })
    .await
    .map(|r| r.into_inner())
}

#[tokio::test]
async fn generated_first_password_is_printed_once_and_config_file_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("porter.toml");
    std::fs::write(
        &config,
        format!(
            "data_dir = {:?}\nlog = \"warn\"\n[admin]\nlisten = \"127.0.0.1:0\"\ntoken_ttl_secs = 120\n[gateway]\nlisten = \"127.0.0.1:0\"\nws_listen = \"127.0.0.1:0\"\n[https]\nlisten = \"127.0.0.1:0\"\n[portal]\nlisten = \"127.0.0.1:0\"\n[sip]\nlisten = \"127.0.0.1:0\"\ntls_listen = \"127.0.0.1:0\"\nws_listen = \"127.0.0.1:0\"\n",
            dir.path().join("data")
        ),
    )
    .unwrap();
    let start = || {
        Command::new(env!("CARGO_BIN_EXE_porter"))
            .args(["serve", "--config"])
            .arg(&config)
            .env_remove("PORTER_ADMIN_PASSWORD")
            .env("PORTER_ADMIN_USER", "owner")
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap()
    };
    let mut child = start();
    let (addr, lines) = wait_listening(&mut child).await;
    let line = lines
        .iter()
        .find(|l| l.contains("created with password"))
        .expect("password line");
    let password = line
        .split("created with password ")
        .nth(1)
        .unwrap()
        .split(' ')
        .next()
        .unwrap();
    let resp = login(&addr, "owner", password).await.unwrap();
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let ttl = resp.expires_at_ms - now_ms;
    assert!(
        (100_000..=120_000).contains(&ttl),
        "token_ttl_secs from the file: {ttl} ms"
    );
    child.kill().await.unwrap();

    // Second start: the data directory from the file has the account; nothing printed.
    let mut child = start();
    let (addr, lines) = wait_listening(&mut child).await;
    assert!(lines.iter().all(|l| !l.contains("password")), "{lines:?}");
    login(&addr, "owner", password).await.unwrap();
    child.kill().await.unwrap();
}

#[tokio::test]
async fn environment_overrides_the_file_and_bad_config_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("porter.toml");
    std::fs::write(
        &config,
        "data_dir = \"/nonexistent/should-not-be-used\"\n[admin]\nlisten = \"127.0.0.1:1\"\n",
    )
    .unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_porter"))
        .args(["serve", "--config"])
        .arg(&config)
        .env("PORTER_ADMIN_LISTEN", "127.0.0.1:0")
        .env("PORTER_GATEWAY_LISTEN", "127.0.0.1:0")
        .env("PORTER_GATEWAY_WS_LISTEN", "127.0.0.1:0")
        .env("PORTER_HTTPS_LISTEN", "127.0.0.1:0")
        .env("PORTER_SIP_LISTEN", "127.0.0.1:0")
        .env("PORTER_DATA_DIR", dir.path().join("data"))
        .env("PORTER_ADMIN_PASSWORD", "env-password-1")
        .env("PORTER_LOG", "warn")
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let (addr, _) = wait_listening(&mut child).await;
    login(&addr, "admin", "env-password-1").await.unwrap();
    child.kill().await.unwrap();

    std::fs::write(&config, "[admin]\nlisten = \"not an address\"\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_porter"))
        .args(["serve", "--config"])
        .arg(&config)
        .output()
        .await
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("porter.toml") && err.contains("listen"),
        "{err}"
    );
}
