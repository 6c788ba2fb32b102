//! Driving sipp (Debian's sip-tester, installed by scripts/test.sh) with the scenarios in
//! `sip/tests/sipp/`.

use std::path::{Path, PathBuf};
use std::process::Stdio;

use tokio::process::{Child, Command};

/// A local port for a sipp instance, free for both UDP and TCP (sipp binds it next).
/// Taken below Linux's ephemeral range (32768 and up), so an outgoing connection of
/// another test cannot be handed the same port between the check and sipp's bind, and
/// never twice in one test process.
pub fn free_port() -> u16 {
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(0);
    const FIRST: u32 = 20_000;
    const SPAN: u32 = 12_000;
    let offset = std::process::id().wrapping_mul(7919) % SPAN;
    for _ in 0..SPAN {
        let port = (FIRST + (offset + NEXT.fetch_add(1, Ordering::Relaxed)) % SPAN) as u16;
        let tcp = std::net::TcpListener::bind(("127.0.0.1", port));
        let udp = std::net::UdpSocket::bind(("127.0.0.1", port));
        if tcp.is_ok() && udp.is_ok() {
            return port;
        }
    }
    panic!("no free port for sipp between {FIRST} and {}", FIRST + SPAN);
}

pub fn scenario(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../sip/tests/sipp")
        .join(name)
}

/// One sipp run of one call: `remote` is the server's SIP address (None for a UAS, which
/// waits for a call), `users` the injection file's rows.
pub struct Sipp<'a> {
    pub scenario: &'a str,
    pub transport: &'a str,
    pub local_port: u16,
    pub remote: Option<&'a str>,
    pub users: Option<&'a str>,
    pub timeout_secs: u32,
}

impl Sipp<'_> {
    fn command(&self, dir: &Path) -> Command {
        let mut cmd = Command::new("sipp");
        if let Some(remote) = self.remote {
            cmd.arg(remote);
        }
        cmd.arg("-sf").arg(scenario(self.scenario));
        if let Some(users) = self.users {
            let inf = dir.join(format!("users-{}.csv", self.local_port));
            std::fs::write(&inf, format!("SEQUENTIAL\n{users}\n")).expect("users");
            cmd.arg("-inf").arg(inf);
        }
        cmd.args(["-t", self.transport, "-i", "127.0.0.1", "-p"])
            .arg(self.local_port.to_string())
            .args(["-m", "1", "-nostdin", "-timeout"])
            .arg(format!("{}s", self.timeout_secs))
            .args(["-trace_err", "-error_file"])
            .arg(self.error_file(dir))
            .current_dir(dir)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        cmd
    }

    fn error_file(&self, dir: &Path) -> PathBuf {
        dir.join(format!("errors-{}.log", self.local_port))
    }

    /// Starts sipp in the background (a UAS waiting for its call).
    pub fn spawn(&self, dir: &Path) -> Running {
        let child = self
            .command(dir)
            .spawn()
            .expect("sipp runs (Debian package sip-tester)");
        Running {
            child,
            label: format!("{} over {}", self.scenario, self.transport),
            error_file: self.error_file(dir),
            // sipp's own -timeout does not end a UAS stuck mid-call (seen waiting for an ACK).
            limit: std::time::Duration::from_secs(u64::from(self.timeout_secs) + 15),
        }
    }

    /// Runs sipp to the end; true when its call passed.
    pub async fn run(&self, dir: &Path) -> bool {
        self.spawn(dir).passed().await
    }
}

pub struct Running {
    child: Child,
    label: String,
    error_file: PathBuf,
    limit: std::time::Duration,
}

impl Running {
    /// Waits for sipp to end; true when its call passed (sipp's errors are printed if not).
    pub async fn passed(self) -> bool {
        // Dropping the wait on timeout kills sipp (kill_on_drop).
        let waited = tokio::time::timeout(self.limit, self.child.wait_with_output()).await;
        let Ok(out) = waited else {
            eprintln!(
                "sipp {}: still running after {:?}; killed",
                self.label, self.limit
            );
            return false;
        };
        let out = out.expect("sipp ends");
        if !out.status.success() {
            let errors = std::fs::read_to_string(&self.error_file).unwrap_or_default();
            eprintln!(
                "sipp {}: {}\n{errors}",
                self.label,
                String::from_utf8_lossy(&out.stderr)
            );
        }
        out.status.success()
    }
}

/// The injection row of an account: number;[authentication …] (sipp expands the keyword
/// when it comes from the file), then any further fields.
pub fn account_row(number: &str, password: &str, more: &[&str]) -> String {
    let mut row = format!("{number};[authentication username={number} password={password}]");
    for m in more {
        row.push(';');
        row.push_str(m);
    }
    row
}

/// A UAS on `port` playing `scenario` for one call over UDP.
pub fn uas(scenario: &str, port: u16) -> Sipp<'_> {
    Sipp {
        scenario,
        transport: "u1",
        local_port: port,
        remote: None,
        users: None,
        timeout_secs: 30,
    }
}

/// Registers `account` (number, password) at the SIP server `sip_addr` with its contact at
/// `port` over `transport` (a sipp `-t` value), where a UAS listens next; whether it did.
pub async fn register(
    sip_addr: &str,
    dir: &Path,
    account: &(String, String),
    port: u16,
    transport: &str,
) -> bool {
    let row = account_row(&account.0, &account.1, &[]);
    Sipp {
        scenario: "register_auth.xml",
        transport,
        local_port: port,
        remote: Some(sip_addr),
        users: Some(&row),
        timeout_secs: 10,
    }
    .run(dir)
    .await
}

/// `caller` (number, password) dials `dialed` at the SIP server `sip_addr` over `transport`;
/// whether `scenario`'s outcome came.
pub async fn call(
    sip_addr: &str,
    dir: &Path,
    caller: &(String, String),
    dialed: &str,
    scenario: &str,
    transport: &str,
) -> bool {
    let row = account_row(&caller.0, &caller.1, &[dialed]);
    Sipp {
        scenario,
        transport,
        local_port: free_port(),
        remote: Some(sip_addr),
        users: Some(&row),
        timeout_secs: 30,
    }
    .run(dir)
    .await
}
