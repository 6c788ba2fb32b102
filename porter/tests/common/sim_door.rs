//! The real `porter-sim` binary as one door phone, driven through `--control-stdin`:
//! people at the door, the network lost and back, pictures taken; each answer is a JSON
//! line on its standard output.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::process::{Child, ChildStdin, ChildStdout};

use super::{ADMIN_PASSWORD, ADMIN_USER, Server};

/// porter-sim, built next to porter by the workspace build.
pub fn porter_sim() -> PathBuf {
    let porter = PathBuf::from(env!("CARGO_BIN_EXE_porter"));
    porter.with_file_name("porter-sim")
}

pub struct Door {
    child: Child,
    stdin: ChildStdin,
    stdout: Lines<BufReader<ChildStdout>>,
}

impl Door {
    pub async fn start(server: &Server, device_id: u64) -> Door {
        Door::start_with(server, device_id, &[]).await
    }

    pub async fn start_with(server: &Server, device_id: u64, more: &[&str]) -> Door {
        let sim = porter_sim();
        assert!(
            sim.exists(),
            "{} is not built: build the workspace first",
            sim.display()
        );
        let mut child = tokio::process::Command::new(sim)
            .args([
                "--device",
                &device_id.to_string(),
                "--admin",
                &server.url(),
                "--user",
                ADMIN_USER,
                "--password",
                ADMIN_PASSWORD,
                "--gateway",
                &server.gateway_addr,
                "--ca",
                server.data_dir.join("gateway-cert.pem").to_str().unwrap(),
                "--hold-secs",
                "300",
                "--control-stdin",
            ])
            .args(more)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap()).lines();
        Door {
            child,
            stdin,
            stdout,
        }
    }

    /// Presents `line` (e.g. "pin 2580") and returns the door's answer.
    pub async fn present(&mut self, line: &str) -> serde_json::Value {
        self.answer(line, "entry").await
    }

    /// Gives `line` and returns the next answer of that `kind` ("entry", "capture").
    pub async fn answer(&mut self, line: &str, kind: &str) -> serde_json::Value {
        self.stdin
            .write_all(format!("{line}\n").as_bytes())
            .await
            .unwrap();
        loop {
            let next = tokio::time::timeout(Duration::from_secs(10), self.stdout.next_line())
                .await
                .expect("the door answered within 10 s")
                .unwrap()
                .expect("porter-sim is running");
            let v: serde_json::Value = match serde_json::from_str(&next) {
                Ok(v) => v,
                Err(_) => continue,
            };
            if let Some(answer) = v.get(kind) {
                return answer.clone();
            }
        }
    }

    /// Presents `line` until the door's answer to it is `opened` (bounded: 10 s).
    pub async fn until(&mut self, line: &str, opened: bool) -> serde_json::Value {
        for _ in 0..100 {
            let entry = self.present(line).await;
            if entry["opened"] == opened {
                return entry;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("{line}: the door never answered opened={opened}");
    }

    pub async fn say(&mut self, line: &str) {
        self.stdin
            .write_all(format!("{line}\n").as_bytes())
            .await
            .unwrap();
    }

    pub async fn stop(mut self) {
        let _ = self.child.start_kill();
        let _ = self.child.wait().await;
    }
}
