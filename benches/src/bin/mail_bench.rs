//! Email at scale: a site of 100,000 apartments, each with a resident who has an email, whose
//! service expired; the outbox drained to a local SMTP server. Driven by
//! `benches/mail-bench.sh`:
//!
//!   mail-bench setup ADMIN PASSWORD APARTMENTS
//!     communities of up to 50,000 apartments ("Send Expiration Email" on, UTC), each of
//!     its own installer, 100 buildings each, APARTMENTS apartments in all with a resident each (an email, the manual's twelve languages in turn), activated by
//!     paid orders until ten minutes from now. Every resident's invitation is queued.
//!   mail-bench watch ADMIN PID MESSAGES
//!     samples the server's sent counter (`/metrics`) and its RSS every 250 ms until MESSAGES
//!     more were sent (or nothing moved for a minute), then prints the rate and the memory.

#![allow(clippy::print_stdout, clippy::unwrap_used)]

use std::time::{Duration, Instant};

use porter_benches::admin::{Admin, each, now_ms};
use porter_proto::admin::v1 as pb;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const BUILDINGS: usize = 100;
/// Apartments of one installer's site: an installer has 99,999 family SIP numbers, so the
/// 100,000 apartments are two installers' sites.
const SITE_APARTMENTS: usize = 50_000;
const INSTALLER_PASSWORD: &str = "bench-installer-1";
/// Apartments one order takes at most (`MAX_ORDER_APARTMENTS`).
const ORDER_SIZE: usize = 3_000;
const LANGUAGES: [pb::Language; 12] = [
    pb::Language::English,
    pb::Language::SimplifiedChinese,
    pb::Language::Korean,
    pb::Language::Japanese,
    pb::Language::Turkish,
    pb::Language::Polish,
    pb::Language::Russian,
    pb::Language::Spanish,
    pb::Language::Bosnian,
    pb::Language::Danish,
    pb::Language::Vietnamese,
    pb::Language::French,
];

async fn setup(url: &str, password: &str, apartments: usize) {
    let t0 = Instant::now();
    let operator = Admin::login(url, password).await.unwrap();
    let expires_at_ms = now_ms() + 10 * 60_000;
    let mut first = 0;
    while first < apartments {
        let count = SITE_APARTMENTS.min(apartments - first);
        let username = format!("bench{}", first / SITE_APARTMENTS);
        operator
            .accounts()
            .create_installer(pb::CreateInstallerRequest {
                username: username.clone(),
                email: format!("{username}@bench.example"),
                password: INSTALLER_PASSWORD.into(),
                ..Default::default()
            })
            .await
            .unwrap();
        let installer = Admin::login_as(url, &username, INSTALLER_PASSWORD)
            .await
            .unwrap();
        let ids = site(&installer, first, count).await;
        for chunk in ids.chunks(ORDER_SIZE) {
            activate(&installer, &operator, chunk, expires_at_ms).await;
        }
        first += count;
    }
    println!("setup_secs {:.1}", t0.elapsed().as_secs_f64());
    println!("expires_at_ms {expires_at_ms}");
}

/// One installer's community of `count` apartments, residents numbered from `first`.
async fn site(installer: &Admin, first: usize, count: usize) -> Vec<u64> {
    let settings = pb::CommunitySettings {
        name: Some(format!("Mail bench {first}")),
        apartment_count: Some(u32::try_from(count).unwrap()),
        time_zone: Some("UTC".into()),
        send_expiration_email: Some(true),
        ..Default::default()
    };
    let (_, buildings) = installer
        .community_with_buildings(settings, BUILDINGS)
        .await
        .unwrap();
    let plan: Vec<(usize, u64)> = (0..count).map(|i| (i, buildings[i % BUILDINGS])).collect();
    let a = installer.clone();
    each(plan, move |(i, building)| {
        let a = a.clone();
        let resident = first + i;
        async move {
            let request = pb::CreateApartmentRequest {
                building_id: building,
                apartment: Some(pb::ApartmentInput {
                    apt_number: Some(format!("{}", 100 + i / BUILDINGS)),
                    ..Default::default()
                }),
                resident: Some(pb::ResidentInput {
                    first_name: Some(format!("R{resident}")),
                    last_name: Some("Bench".into()),
                    email: Some(format!("r{resident}@bench.example")),
                    language: Some(LANGUAGES[resident % LANGUAGES.len()] as i32),
                    ..Default::default()
                }),
                ..Default::default()
            };
            let made = a.apartments().create_apartment(request).await.unwrap();
            made.into_inner().id
        }
    })
    .await
}

/// Paid activation of `apartments` until `expires_at_ms`: ordered by the installer,
/// confirmed by the operator.
async fn activate(installer: &Admin, operator: &Admin, apartments: &[u64], expires_at_ms: i64) {
    let order = installer
        .subscriptions()
        .create_order(pb::CreateOrderRequest {
            kind: pb::OrderKind::Activation as i32,
            apartment_ids: apartments.to_vec(),
            expires_at_ms,
        })
        .await
        .unwrap()
        .into_inner();
    operator
        .subscriptions()
        .confirm_payment(pb::ConfirmPaymentRequest {
            order_id: order.id,
            payment_reference: format!("bench-{}", order.id),
        })
        .await
        .unwrap();
}

/// The server's `porter_mail_tries_total{result="sent"}`.
async fn sent(admin_addr: &str) -> Option<u64> {
    let mut tcp = tokio::net::TcpStream::connect(admin_addr).await.ok()?;
    let request = "GET /metrics HTTP/1.1\r\nHost: porter\r\nConnection: close\r\n\r\n";
    tcp.write_all(request.as_bytes()).await.ok()?;
    let mut text = String::new();
    tcp.read_to_string(&mut text).await.ok()?;
    text.lines()
        .find_map(|l| l.strip_prefix("porter_mail_tries_total{result=\"sent\"} "))
        .and_then(|v| v.trim().parse().ok())
}

fn rss_mb(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let kb: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0.0);
    kb / 1024.0
}

fn median(mut v: Vec<f64>) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

async fn watch(admin_addr: &str, pid: u32, messages: u64) {
    let t0 = Instant::now();
    // The server was just started: its counter began at 0, and may have moved already.
    let start = 0;
    let rss_start = rss_mb(pid);
    // (seconds since t0, sent since start, RSS MB)
    let mut samples: Vec<(f64, u64, f64)> = Vec::new();
    let mut last_move = Instant::now();
    let mut last = 0;
    loop {
        tokio::time::sleep(Duration::from_millis(250)).await;
        let done = sent(admin_addr).await.unwrap_or(start + last) - start;
        samples.push((t0.elapsed().as_secs_f64(), done, rss_mb(pid)));
        if done != last {
            last = done;
            last_move = Instant::now();
        }
        if done >= messages || last_move.elapsed() > Duration::from_secs(60) {
            break;
        }
    }
    let at = |share: f64| {
        let goal = (messages as f64 * share) as u64;
        samples
            .iter()
            .find(|s| s.1 >= goal)
            .map_or(f64::NAN, |s| s.0)
    };
    let first = samples.iter().find(|s| s.1 > 0).map_or(f64::NAN, |s| s.0);
    let per_second: Vec<f64> = samples
        .windows(5)
        .filter(|w| w[0].1 > 0 && w[4].1 < messages)
        .map(|w| (w[4].1 - w[0].1) as f64 / (w[4].0 - w[0].0))
        .collect();
    let rss: Vec<f64> = samples
        .iter()
        .filter(|s| s.1 < messages)
        .map(|s| s.2)
        .collect();
    println!("messages_sent {last}");
    println!("first_sent_after_secs {first:.1}");
    println!("all_sent_after_secs {:.1}", at(1.0));
    println!(
        "messages_per_sec_10_to_90 {:.0}",
        messages as f64 * 0.8 / (at(0.9) - at(0.1))
    );
    println!("messages_per_sec_median_1s {:.0}", median(per_second));
    println!("server_rss_start_mb {rss_start:.0}");
    println!("server_rss_draining_median_mb {:.0}", median(rss.clone()));
    println!(
        "server_rss_draining_max_mb {:.0}",
        rss.iter().copied().fold(0.0, f64::max)
    );
    println!(
        "server_rss_end_mb {:.0}",
        samples.last().map_or(0.0, |s| s.2)
    );
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("setup") => {
            let apartments = args.get(4).map_or(100_000, |n| n.parse().unwrap());
            setup(&args[2], &args[3], apartments).await;
        }
        Some("watch") => {
            watch(&args[2], args[3].parse().unwrap(), args[4].parse().unwrap()).await;
        }
        _ => println!("usage: mail-bench setup|watch … (see the source)"),
    }
}
