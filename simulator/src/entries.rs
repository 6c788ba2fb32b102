//! Someone at the door, and the network going away: instructions a test or an operator
//! gives running devices (`--control-stdin`), and what each device keeps between sessions
//! to act on them: its credential list, and the door-log entries it could not report yet.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use porter_proto::device::v1::{self as d, device_frame::Body};
use tokio::sync::{Notify, broadcast, mpsc};

use crate::camera::Camera;
use crate::door::{DoorList, Outcome, Presented};

/// Door-log entries kept while the cloud is unreachable; older ones go first.
pub const MAX_UNREPORTED: usize = 1000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    Present(Presented),
    /// Lose the network: drop the session and stay away.
    Offline,
    /// Network back: connect again.
    Online,
    /// Take a picture and upload it (door_log, call or motion).
    Capture(String),
}

/// For one device (by MAC) or every device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instruction {
    pub mac: Option<String>,
    pub action: Action,
}

/// One line of `--control-stdin`: `[MAC] pin CODE [APT] | card NUMBER | face SHA256 |
/// qr CODE | offline | online | capture [REASON]`.
pub fn parse(line: &str) -> Result<Instruction, String> {
    let mut words: Vec<&str> = line.split_whitespace().collect();
    let mac = match words.first() {
        Some(w) if w.len() == 12 && w.bytes().all(|b| b.is_ascii_hexdigit()) => {
            Some(w.to_ascii_uppercase())
        }
        _ => None,
    };
    if mac.is_some() {
        words.remove(0);
    }
    let present =
        |method, value: Option<&&str>, apartment: Option<&&str>| -> Result<Action, String> {
            let value = value.ok_or_else(|| format!("{line:?}: what was presented is missing"))?;
            Ok(Action::Present(Presented {
                method,
                value: (*value).to_owned(),
                apartment: apartment.map(|a| (*a).to_owned()).unwrap_or_default(),
            }))
        };
    let action = match words.first().copied() {
        // `pin CODE`, or `pin APT CODE` (PIN Mode APT+PIN).
        Some("pin") if words.len() > 2 => {
            present(d::UnlockMethod::Pin, words.get(2), words.get(1))?
        }
        Some("pin") => present(d::UnlockMethod::Pin, words.get(1), None)?,
        Some("card") => present(d::UnlockMethod::RfCard, words.get(1), None)?,
        Some("face") => present(d::UnlockMethod::Face, words.get(1), None)?,
        Some("qr") => present(d::UnlockMethod::QrCode, words.get(1), None)?,
        Some("offline") => Action::Offline,
        Some("online") => Action::Online,
        Some("capture") => Action::Capture(words.get(1).copied().unwrap_or("door_log").to_owned()),
        _ => {
            return Err(format!(
                "{line:?}: expected [MAC] pin [APT] CODE, card NUMBER, face SHA256, qr CODE, offline, online or capture [REASON]"
            ));
        }
    };
    Ok(Instruction { mac, action })
}

/// What one device keeps across its sessions.
#[derive(Default)]
pub struct DoorState {
    pub list: DoorList,
    pub unreported: VecDeque<d::Event>,
    /// The current session's way out, while there is one.
    pub session: Option<mpsc::Sender<d::DeviceFrame>>,
    /// Told to stay off the network.
    pub offline: bool,
    /// A pass fetching face photos is running (`crate::faces`).
    pub enrolling: bool,
}

pub struct Door {
    pub state: Mutex<DoorState>,
    /// Rung when `offline` changes.
    pub changed: Notify,
}

impl Door {
    pub fn new() -> Arc<Self> {
        Arc::new(Door {
            state: Mutex::new(DoorState::default()),
            changed: Notify::new(),
        })
    }

    pub fn lock(&self) -> std::sync::MutexGuard<'_, DoorState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn is_offline(&self) -> bool {
        self.lock().offline
    }
}

/// Follows the instructions for device `mac` until the sender goes; pictures go up
/// through `camera` (none without an AutoP server).
pub async fn follow(
    mac: String,
    door: Arc<Door>,
    camera: Option<Camera>,
    mut instructions: broadcast::Receiver<Instruction>,
) {
    loop {
        let i = match instructions.recv().await {
            Ok(i) => i,
            Err(broadcast::error::RecvError::Lagged(_)) => continue,
            Err(broadcast::error::RecvError::Closed) => return,
        };
        if i.mac.as_ref().is_some_and(|m| *m != mac) {
            continue;
        }
        match i.action {
            Action::Offline | Action::Online => {
                door.lock().offline = i.action == Action::Offline;
                door.changed.notify_waiters();
            }
            Action::Present(p) => present(&mac, &door, &p),
            Action::Capture(reason) => {
                let (status, answer) = match &camera {
                    Some(c) => {
                        c.upload(&reason, chrono::Utc::now().timestamp_millis())
                            .await
                    }
                    None => (0, "no --autop-url to upload to".to_owned()),
                };
                print_capture(&mac, &reason, status, &answer);
            }
        }
    }
}

fn present(mac: &str, door: &Door, p: &Presented) {
    let now = chrono::Utc::now().timestamp_millis();
    let mut state = door.lock();
    let outcome = state.list.check(p, now);
    let online = state.session.is_some();
    let log = d::DoorLog {
        relay: outcome.relays.first().copied().unwrap_or(1),
        method: p.method as i32,
        success: outcome.opened,
        who: if outcome.opened {
            outcome.holder.clone()
        } else {
            String::new()
        },
        credential_id: if outcome.opened {
            outcome.credential_id
        } else {
            0
        },
        offline: !online,
    };
    let event = d::Event {
        at_ms: now,
        kind: Some(d::event::Kind::DoorLog(log)),
    };
    let sent = state.session.as_ref().is_some_and(|s| {
        s.try_send(d::DeviceFrame {
            body: Some(Body::Event(event.clone())),
        })
        .is_ok()
    });
    if !sent {
        if state.unreported.len() == MAX_UNREPORTED {
            state.unreported.pop_front();
        }
        state.unreported.push_back(event);
    }
    drop(state);
    print_outcome(mac, p, &outcome, online);
}

#[allow(clippy::print_stdout)]
fn print_capture(mac: &str, reason: &str, status: u16, answer: &str) {
    let line = serde_json::json!({
        "capture": {"mac": mac, "reason": reason, "status": status, "answer": answer}
    });
    println!("{line}");
}

#[allow(clippy::print_stdout)]
fn print_outcome(mac: &str, p: &Presented, outcome: &Outcome, online: bool) {
    let line = serde_json::json!({
        "entry": {
            "mac": mac,
            "method": p.method.as_str_name(),
            "opened": outcome.opened,
            "credential_id": outcome.credential_id,
            "holder": outcome.holder,
            "relays": outcome.relays,
            "online": online,
        }
    });
    println!("{line}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instruction_lines() {
        let i = parse("0c1100000001 pin 101 2580").unwrap();
        assert_eq!(i.mac.as_deref(), Some("0C1100000001"));
        assert_eq!(
            i.action,
            Action::Present(Presented {
                method: d::UnlockMethod::Pin,
                value: "2580".into(),
                apartment: "101".into(),
            })
        );
        let i = parse("pin 2580").unwrap();
        assert!(i.mac.is_none());
        assert!(
            matches!(i.action, Action::Present(p) if p.value == "2580" && p.apartment.is_empty())
        );
        assert_eq!(parse("offline").unwrap().action, Action::Offline);
        assert!(parse("knock").is_err());
        assert!(parse("card").is_err());
    }
}
