//! A real SMTP server for tests: aiosmtpd (installed by scripts/test.sh) writing a
//! Maildir, read back with Python's own email parser.

use std::path::{Path, PathBuf};
use std::time::Duration;

/// aiosmtpd on 127.0.0.1:`port`, keeping what it receives in a Maildir.
pub struct SmtpServer {
    pub child: tokio::process::Child,
    pub port: u16,
    maildir: PathBuf,
}

impl SmtpServer {
    pub async fn start(port: u16, maildir: &Path) -> SmtpServer {
        let child = tokio::process::Command::new("python3")
            .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}")])
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            .arg(maildir)
            .kill_on_drop(true)
            .spawn()
            .expect("python3 -m aiosmtpd (pip install aiosmtpd)");
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
            {
                return SmtpServer {
                    child,
                    port,
                    maildir: maildir.to_owned(),
                };
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("aiosmtpd did not listen on {port} within 10 s");
    }

    /// Every message received, decoded by Python's own email parser: (To, Subject,
    /// Content-Language, Message-ID, plain text).
    pub fn messages(&self) -> Vec<Received> {
        let script = r#"
import email, email.policy, json, mailbox, sys
out = []
for m in mailbox.Maildir(sys.argv[1], factory=None, create=False):
    msg = email.message_from_bytes(m.as_bytes(), policy=email.policy.default)
    text = msg.get_body(preferencelist=('plain',)).get_content()
    html = msg.get_body(preferencelist=('html',)).get_content()
    out.append([str(msg['To']), str(msg['Subject']), str(msg['Content-Language']),
                str(msg['Message-ID']), text, html])
print(json.dumps(out))
"#;
        let output = std::process::Command::new("python3")
            .args(["-c", script])
            .arg(&self.maildir)
            .output()
            .unwrap();
        assert!(output.status.success(), "{output:?}");
        let rows: Vec<Vec<String>> = serde_json::from_slice(&output.stdout).unwrap();
        rows.into_iter()
            .map(|r| Received {
                to: r[0].clone(),
                subject: r[1].clone(),
                language: r[2].clone(),
                message_id: r[3].clone(),
                text: r[4].clone(),
                html: r[5].clone(),
            })
            .collect()
    }
}

#[derive(Debug)]
pub struct Received {
    pub to: String,
    pub subject: String,
    pub language: String,
    pub message_id: String,
    pub text: String,
    pub html: String,
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The link in a message's text (the first `https://` word).
pub fn link_in(text: &str) -> String {
    text.split_whitespace()
        .find(|w| w.starts_with("https://"))
        .unwrap_or_else(|| panic!("no link in {text}"))
        .to_owned()
}

pub async fn wait_for_mail(smtp: &SmtpServer, to: &str, count: usize) -> Vec<Received> {
    for _ in 0..300 {
        let mine: Vec<Received> = smtp
            .messages()
            .into_iter()
            .filter(|m| m.to.contains(to))
            .collect();
        if mine.len() >= count {
            return mine;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no {count} message(s) to {to} within 30 s");
}

/// aiosmtpd, and `porter serve` sending through it with the portal at
/// https://portal.example (for links); both keep their files under `dir`.
pub async fn server_with_mail(dir: &Path) -> (SmtpServer, super::Server) {
    let port = free_port();
    let smtp = SmtpServer::start(port, &dir.join("maildir")).await;
    let smtp_url = format!("smtp://127.0.0.1:{port}");
    let server = super::Server::start_with(
        &dir.join("data"),
        &[
            "--smtp-url",
            &smtp_url,
            "--portal-url",
            "https://portal.example",
        ],
    )
    .await;
    (smtp, server)
}
