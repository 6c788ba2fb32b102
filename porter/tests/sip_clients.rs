//! SIP clients no one here wrote: baresip (Debian's baresip-core, installed by
//! scripts/test.sh) registers an indoor monitor's account over TCP and over TLS and answers
//! the door phone's call (sipp) through Porter; the monitor is reached down the connection
//! it registered over. JsSIP (npm, driven by node: tests-external/jssip) registers a monitor
//! over secure WebSocket (RFC 7118) and answers the same way.

#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use common::Server;
use common::sipp::{Sipp, account_row, free_port};
use porter_proto::admin::v1 as pb;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// A building with apartment 101 (its monitor) and a lobby door phone: the two accounts.
async fn accounts(server: &Server) -> ((String, String), (String, String)) {
    let settings = common::community_settings("Client Court", pb::FeaturePlan::Premium);
    let site = server.admin().await.sip_site(settings, None).await;
    (site.monitor, site.door)
}

/// Two seconds of 8 kHz 16-bit mono silence, what baresip's monitor "says" (its sine
/// source only runs at 48 kHz, and no sound card is needed this way).
fn silence(dir: &Path) -> std::path::PathBuf {
    let samples: u32 = 16_000;
    let data = samples * 2;
    let mut wav = Vec::with_capacity(44 + data as usize);
    wav.extend_from_slice(b"RIFF");
    wav.extend_from_slice(&(36 + data).to_le_bytes());
    wav.extend_from_slice(b"WAVEfmt ");
    wav.extend_from_slice(&16u32.to_le_bytes());
    wav.extend_from_slice(&1u16.to_le_bytes()); // PCM
    wav.extend_from_slice(&1u16.to_le_bytes()); // mono
    wav.extend_from_slice(&8000u32.to_le_bytes());
    wav.extend_from_slice(&16000u32.to_le_bytes()); // bytes per second
    wav.extend_from_slice(&2u16.to_le_bytes()); // block align
    wav.extend_from_slice(&16u16.to_le_bytes()); // bits per sample
    wav.extend_from_slice(b"data");
    wav.extend_from_slice(&data.to_le_bytes());
    wav.resize(44 + data as usize, 0);
    let path = dir.join("silence.wav");
    std::fs::write(&path, wav).unwrap();
    path
}

/// baresip as an indoor monitor that answers every call, registered over `transport`
/// ("tcp" or "tls") to `server_addr`; returns once Porter has accepted its REGISTER.
async fn baresip(
    dir: &Path,
    server: &Server,
    account: &(String, String),
    server_addr: &str,
    transport: &str,
) -> Child {
    let home = dir.join(format!("baresip-{transport}"));
    std::fs::create_dir_all(&home).unwrap();
    let ca = server.data_dir.join("gateway-cert.pem");
    let config = format!(
        "poll_method epoll\n\
         sip_listen 127.0.0.1:{port}\n\
         sip_cafile {ca}\n\
         audio_player aufile,{out}\n\
         audio_alert aufile,{out}\n\
         audio_source aufile,{wav}\n\
         module_path /usr/lib/baresip/modules\n\
         module g711.so\n\
         module aufile.so\n\
         module_app account.so\n\
         module_app menu.so\n",
        port = free_port(),
        ca = ca.display(),
        out = home.join("heard.wav").display(),
        wav = silence(&home).display(),
    );
    std::fs::write(home.join("config"), config).unwrap();
    let accounts = format!(
        "<sip:{user}@{server_addr};transport={transport}>;auth_pass={password};answermode=auto;regint=600\n",
        user = account.0,
        password = account.1,
    );
    std::fs::write(home.join("accounts"), accounts).unwrap();
    let mut child = Command::new("baresip")
        .arg("-v")
        .arg("-f")
        .arg(&home)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .expect("baresip runs (Debian package baresip-core)");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let registered = tokio::time::timeout(Duration::from_secs(15), async {
        while let Ok(Some(line)) = lines.next_line().await {
            eprintln!("baresip: {line}");
            if line.contains("200 OK") {
                return true;
            }
        }
        false
    })
    .await;
    assert_eq!(registered, Ok(true), "baresip registers over {transport}");
    tokio::spawn(async move {
        while let Ok(Some(line)) = lines.next_line().await {
            eprintln!("baresip: {line}");
        }
    });
    child
}

async fn door_calls(server: &Server, dir: &Path, door: &(String, String)) -> bool {
    let row = account_row(&door.0, &door.1, &["101"]);
    Sipp {
        scenario: "door_call_answered.xml",
        transport: "u1",
        local_port: free_port(),
        remote: Some(&server.sip_addr),
        users: Some(&row),
        timeout_secs: 20,
    }
    .run(dir)
    .await
}

#[tokio::test]
async fn baresip_registers_over_tcp_and_tls_and_answers_a_door_phone() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path()).await;
    let (monitor, door) = accounts(&server).await;

    let mut over_tcp = baresip(dir.path(), &server, &monitor, &server.sip_addr, "tcp").await;
    assert!(
        door_calls(&server, dir.path(), &door).await,
        "baresip answers over TCP and the door phone hangs up"
    );
    over_tcp.kill().await.unwrap();

    let mut over_tls = baresip(dir.path(), &server, &monitor, &server.sip_tls_addr, "tls").await;
    assert!(
        door_calls(&server, dir.path(), &door).await,
        "baresip answers over TLS and the door phone hangs up"
    );
    over_tls.kill().await.unwrap();
    server.stop().await;
}

/// JsSIP registered over secure WebSocket as `account`; returns once it says so.
async fn jssip(
    server: &Server,
    account: &(String, String),
) -> (
    Child,
    tokio::io::Lines<BufReader<tokio::process::ChildStdout>>,
) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests-external/jssip/monitor.js");
    let mut child = Command::new("node")
        .arg(script)
        .arg(format!("wss://{}", server.sip_ws_addr))
        .arg(&account.0)
        .arg(&account.1)
        .env(
            "NODE_EXTRA_CA_CERTS",
            server.data_dir.join("gateway-cert.pem"),
        )
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .expect("node runs (scripts/test.sh installs nodejs and the client's packages)");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let registered = tokio::time::timeout(Duration::from_secs(15), async {
        while let Ok(Some(line)) = lines.next_line().await {
            eprintln!("jssip: {line}");
            if line == "registered" {
                return true;
            }
        }
        false
    })
    .await;
    assert_eq!(registered, Ok(true), "JsSIP registers over WebSocket");
    (child, lines)
}

#[tokio::test]
async fn jssip_registers_over_websocket_and_answers_a_door_phone() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path()).await;
    let (monitor, door) = accounts(&server).await;
    let (mut child, mut lines) = jssip(&server, &monitor).await;
    assert!(
        door_calls(&server, dir.path(), &door).await,
        "JsSIP answers over WebSocket and the door phone hangs up"
    );
    let mut said = Vec::new();
    while let Ok(Some(line)) = lines.next_line().await {
        eprintln!("jssip: {line}");
        said.push(line);
    }
    let status = child.wait().await.unwrap();
    assert!(status.success(), "JsSIP saw the call end: {said:?}");
    assert_eq!(said, vec!["confirmed", "ended"]);
    server.stop().await;
}
