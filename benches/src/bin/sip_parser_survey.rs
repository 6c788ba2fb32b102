//! The evidence behind Porter's SIP parser choice (docs/ARCHITECTURE.md, "SIP"): every
//! message of `sip/tests/corpus` (RFC 4475 torture messages and messages in the shapes
//! baresip, sipp and JsSIP send) through Porter's parser, rsip 0.4.0 and rsipstack's copy
//! of the rsip types, and how fast each parses the common registrations.
//!
//! A valid message counts as handled when the parser gives the same Call-ID, Via branches,
//! From tag and Contact count as Porter's parser (whose answers the corpus test pins); an
//! invalid one when the parser or its typed accessors refuse it.
//!
//!   cargo run --release -p porter-benches --bin sip-parser-survey

use std::path::{Path, PathBuf};
use std::time::Instant;

use porter_sip::message::parse_datagram;

/// What a parser read from a message: Call-ID, Via branches, From tag, Contact count.
type Facts = (String, Vec<String>, Option<String>, usize);

fn porter(b: &[u8]) -> Result<Facts, String> {
    let m = parse_datagram(b).map_err(|e| e.to_string())?;
    m.check().map_err(|e| e.to_string())?;
    let h = m.headers();
    let vias = h.vias().map_err(|e| e.to_string())?;
    Ok((
        h.call_id().map_err(|e| e.to_string())?.to_owned(),
        vias.iter()
            .map(|v| v.branch().unwrap_or_default().to_owned())
            .collect(),
        h.from()
            .map_err(|e| e.to_string())?
            .tag()
            .map(str::to_owned),
        h.contacts().map_err(|e| e.to_string())?.len(),
    ))
}

macro_rules! rsip_like {
    ($name:ident, $krate:path) => {
        fn $name(b: &[u8]) -> Result<Facts, String> {
            use k::prelude::*;
            use $krate as k;
            let m = k::SipMessage::try_from(b).map_err(|e| e.to_string())?;
            let call_id = m
                .call_id_header()
                .map_err(|e| e.to_string())?
                .value()
                .to_owned();
            let mut branches = Vec::new();
            let mut contacts = 0;
            for h in m.headers().iter() {
                match h {
                    k::Header::Via(v) => {
                        let v = v.typed().map_err(|e| e.to_string())?;
                        branches.push(v.branch().map(|b| b.to_string()).unwrap_or_default());
                    }
                    k::Header::Contact(c) => {
                        c.typed().map_err(|e| e.to_string())?;
                        contacts += 1;
                    }
                    _ => {}
                }
            }
            let from = m.from_header().map_err(|e| e.to_string())?;
            let tag = from
                .tag()
                .map_err(|e| e.to_string())?
                .map(|t| t.to_string());
            m.cseq_header()
                .map_err(|e| e.to_string())?
                .typed()
                .map_err(|e| e.to_string())?;
            Ok((call_id, branches, tag, contacts))
        }
    };
}

rsip_like!(rsip_04, rsip);
rsip_like!(rsipstack_sip, rsipstack::sip);

type Parser = fn(&[u8]) -> Result<Facts, String>;
const PARSERS: [(&str, Parser); 3] = [
    ("porter", porter),
    ("rsip 0.4.0", rsip_04),
    ("rsipstack 0.7", rsipstack_sip),
];

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    v.sort();
    v
}

fn short(s: &str) -> String {
    let s = s.replace(['\r', '\n'], " ");
    s.chars().take(70).collect()
}

#[allow(clippy::print_stdout)]
fn main() -> anyhow::Result<()> {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../sip/tests/corpus");
    let mut handled = [0usize; 3];
    let mut total = 0;
    println!("| message | {} |", PARSERS.map(|p| p.0).join(" | "));
    println!("|---|---|---|---|");
    for (kind, valid) in [("valid", true), ("invalid", false)] {
        for path in files(&corpus.join(kind)) {
            let bytes = std::fs::read(&path)?;
            let reference = porter(&bytes);
            let mut cells = Vec::new();
            for (i, (_, parse)) in PARSERS.iter().enumerate() {
                let got = parse(&bytes);
                let ok = match (&got, valid) {
                    (Ok(f), true) => reference.as_ref().is_ok_and(|r| r == f),
                    (Err(_), false) => true,
                    _ => false,
                };
                handled[i] += usize::from(ok);
                cells.push(match (ok, got) {
                    (true, _) => "ok".to_owned(),
                    (false, Ok(f)) if valid => format!("wrong: {}", short(&format!("{f:?}"))),
                    (false, Ok(_)) => "accepted".to_owned(),
                    (false, Err(e)) => format!("refused: {}", short(&e)),
                });
            }
            total += 1;
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            println!("| {kind}/{name} | {} |", cells.join(" | "));
        }
    }
    for (i, (name, _)) in PARSERS.iter().enumerate() {
        println!(
            "handled_{} {}/{total}",
            name.replace([' ', '.'], "_"),
            handled[i]
        );
    }
    // Speed on the registrations a registrar sees most: median of 7 rounds.
    for file in ["valid/sipp-register.sip", "valid/jssip-register-ws.sip"] {
        let bytes = std::fs::read(corpus.join(file))?;
        for (name, parse) in PARSERS {
            if parse(&bytes).is_err() {
                println!("parse_ns {file} {name} n/a (refused)");
                continue;
            }
            let mut rounds: Vec<f64> = (0..7)
                .map(|_| {
                    let n = 20_000;
                    let t = Instant::now();
                    for _ in 0..n {
                        std::hint::black_box(parse(std::hint::black_box(&bytes)).is_ok());
                    }
                    t.elapsed().as_nanos() as f64 / f64::from(n)
                })
                .collect();
            rounds.sort_by(f64::total_cmp);
            println!("parse_ns {file} {name} {:.0}", rounds[3]);
        }
    }
    Ok(())
}
