//! What the gateway counts, and its Prometheus text exposition (format 0.0.4). Counters are
//! atomics bumped on the connection paths; labels come from small closed sets, so the
//! number of series is fixed and memory stays bounded whatever devices send.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::Duration;

/// How a device reached the gateway.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    Tls,
    Quic,
    WebSocket,
    /// Plain TCP, only when explicitly enabled.
    Tcp,
}

impl Transport {
    const ALL: [Transport; 4] = [
        Transport::Tls,
        Transport::Quic,
        Transport::WebSocket,
        Transport::Tcp,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Transport::Tls => "tls",
            Transport::Quic => "quic",
            Transport::WebSocket => "websocket",
            Transport::Tcp => "tcp",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// Device type codes of the manual, and their metric labels.
const DEVICE_TYPES: [(u32, &str); 5] = [
    (0, "multi_tenant_door_phone"),
    (1, "single_tenant_door_phone"),
    (2, "indoor_monitor"),
    (3, "guard_phone"),
    (50, "access_control"),
];

fn device_type_index(code: u32) -> usize {
    DEVICE_TYPES
        .iter()
        .position(|(c, _)| *c == code)
        .unwrap_or(DEVICE_TYPES.len())
}

/// Why a connection was turned away before its session began.
#[derive(Debug, Clone, Copy)]
pub enum Refusal {
    /// The address opened connections faster than its budget.
    AcceptRate,
    /// The global connection limit is reached.
    ConnectionLimit,
    /// The address already holds its fill of connections that have not said Hello.
    Unauthenticated,
}

/// Command kinds, as labels.
pub const COMMAND_KINDS: [&str; 8] = [
    "unlock",
    "reboot",
    "set_sip_transport",
    "factory_reset",
    "config_changed",
    "autop_once",
    "upgrade_firmware",
    "other",
];

/// Command outcomes, as labels.
pub const COMMAND_OUTCOMES: [&str; 6] =
    ["ok", "failed", "timeout", "offline", "busy", "disconnected"];

/// Event kinds, as labels.
pub const EVENT_KINDS: [&str; 7] = [
    "door_log",
    "call_log",
    "alarm",
    "arming_state",
    "relay_status",
    "upgrade_progress",
    "unknown",
];

/// Upper bounds of the command-latency buckets, in seconds.
const LATENCY_BUCKETS: [f64; 12] = [
    0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0,
];

type PerTransport<T> = [T; 4];

#[derive(Debug, Default)]
pub struct GatewayMetrics {
    open_connections: PerTransport<AtomicI64>,
    /// Authenticated sessions by transport and device type (the last slot: unknown type).
    sessions: PerTransport<[AtomicI64; DEVICE_TYPES.len() + 1]>,
    handshakes_ok: PerTransport<AtomicU64>,
    handshakes_failed: PerTransport<AtomicU64>,
    refused_accept_rate: AtomicU64,
    refused_connection_limit: AtomicU64,
    refused_unauthenticated: AtomicU64,
    auth_failures: AtomicU64,
    auth_blocked: AtomicU64,
    sessions_revoked: AtomicU64,
    frame_errors: AtomicU64,
    commands: [[AtomicU64; COMMAND_OUTCOMES.len()]; COMMAND_KINDS.len()],
    latency_buckets: [AtomicU64; LATENCY_BUCKETS.len()],
    latency_count: AtomicU64,
    latency_sum_micros: AtomicU64,
    events: [AtomicU64; EVENT_KINDS.len()],
}

fn bump(c: &AtomicU64) {
    c.fetch_add(1, Ordering::Relaxed);
}

impl GatewayMetrics {
    pub fn connection_opened(&self, t: Transport) {
        self.open_connections[t.index()].fetch_add(1, Ordering::Relaxed);
    }

    pub fn connection_closed(&self, t: Transport) {
        self.open_connections[t.index()].fetch_sub(1, Ordering::Relaxed);
    }

    pub fn handshake(&self, t: Transport, ok: bool) {
        if ok {
            bump(&self.handshakes_ok[t.index()]);
        } else {
            bump(&self.handshakes_failed[t.index()]);
        }
    }

    pub fn refused(&self, why: Refusal) {
        match why {
            Refusal::AcceptRate => bump(&self.refused_accept_rate),
            Refusal::ConnectionLimit => bump(&self.refused_connection_limit),
            Refusal::Unauthenticated => bump(&self.refused_unauthenticated),
        }
    }

    pub fn session_started(&self, t: Transport, device_type: u32) {
        self.sessions[t.index()][device_type_index(device_type)].fetch_add(1, Ordering::Relaxed);
    }

    pub fn session_ended(&self, t: Transport, device_type: u32) {
        self.sessions[t.index()][device_type_index(device_type)].fetch_sub(1, Ordering::Relaxed);
    }

    pub fn auth_failed(&self) {
        bump(&self.auth_failures);
    }

    /// A hello refused because its address failed too often.
    pub fn auth_blocked(&self) {
        bump(&self.auth_blocked);
    }

    /// A session ended because its device was deleted, moved or re-keyed.
    pub fn session_revoked(&self) {
        bump(&self.sessions_revoked);
    }

    pub fn frame_error(&self) {
        bump(&self.frame_errors);
    }

    /// A command's end: its kind and outcome labels, and the time from send to answer.
    pub fn command(&self, kind: &str, outcome: &str, took: Duration) {
        let k = COMMAND_KINDS
            .iter()
            .position(|x| *x == kind)
            .unwrap_or(COMMAND_KINDS.len() - 1);
        let Some(o) = COMMAND_OUTCOMES.iter().position(|x| *x == outcome) else {
            return;
        };
        bump(&self.commands[k][o]);
        if outcome == "ok" || outcome == "failed" {
            let secs = took.as_secs_f64();
            for (bucket, le) in self.latency_buckets.iter().zip(LATENCY_BUCKETS) {
                if secs <= le {
                    bump(bucket);
                }
            }
            bump(&self.latency_count);
            self.latency_sum_micros
                .fetch_add(took.as_micros() as u64, Ordering::Relaxed);
        }
    }

    pub fn event(&self, kind: &str) {
        let k = EVENT_KINDS
            .iter()
            .position(|x| *x == kind)
            .unwrap_or(EVENT_KINDS.len() - 1);
        bump(&self.events[k]);
    }

    /// The Prometheus text exposition of everything above.
    pub fn render(&self, out: &mut String) {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        header(
            out,
            "porter_gateway_connections",
            "gauge",
            "Open device connections by transport, authenticated or not.",
        );
        for t in Transport::ALL {
            let v = self.open_connections[t.index()].load(Ordering::Relaxed);
            let _ = writeln!(
                out,
                "porter_gateway_connections{{transport=\"{}\"}} {v}",
                t.label()
            );
        }
        header(
            out,
            "porter_gateway_devices_online",
            "gauge",
            "Authenticated device sessions by transport and device type.",
        );
        for t in Transport::ALL {
            for (i, v) in self.sessions[t.index()].iter().enumerate() {
                let ty = DEVICE_TYPES.get(i).map_or("unknown", |(_, l)| l);
                let _ = writeln!(
                    out,
                    "porter_gateway_devices_online{{transport=\"{}\",device_type=\"{ty}\"}} {}",
                    t.label(),
                    v.load(Ordering::Relaxed)
                );
            }
        }
        header(
            out,
            "porter_gateway_handshakes_total",
            "counter",
            "Transport handshakes (TLS, QUIC, WebSocket upgrade) by result.",
        );
        for t in Transport::ALL {
            for (result, c) in [
                ("ok", &self.handshakes_ok[t.index()]),
                ("failed", &self.handshakes_failed[t.index()]),
            ] {
                let _ = writeln!(
                    out,
                    "porter_gateway_handshakes_total{{transport=\"{}\",result=\"{result}\"}} {}",
                    t.label(),
                    get(c)
                );
            }
        }
        header(
            out,
            "porter_gateway_refused_connections_total",
            "counter",
            "Connections turned away before their session began.",
        );
        let _ = writeln!(
            out,
            "porter_gateway_refused_connections_total{{reason=\"accept_rate\"}} {}",
            get(&self.refused_accept_rate)
        );
        let _ = writeln!(
            out,
            "porter_gateway_refused_connections_total{{reason=\"connection_limit\"}} {}",
            get(&self.refused_connection_limit)
        );
        let _ = writeln!(
            out,
            "porter_gateway_refused_connections_total{{reason=\"unauthenticated\"}} {}",
            get(&self.refused_unauthenticated)
        );
        header(
            out,
            "porter_gateway_auth_failures_total",
            "counter",
            "Hellos refused for an unknown or unbound MAC or a wrong credential.",
        );
        let _ = writeln!(
            out,
            "porter_gateway_auth_failures_total {}",
            get(&self.auth_failures)
        );
        header(
            out,
            "porter_gateway_auth_blocked_total",
            "counter",
            "Hellos refused because their address failed to authenticate too often.",
        );
        let _ = writeln!(
            out,
            "porter_gateway_auth_blocked_total {}",
            get(&self.auth_blocked)
        );
        header(
            out,
            "porter_gateway_sessions_revoked_total",
            "counter",
            "Sessions ended because their device was deleted, its MAC moved, its credential rotated or its client certificate removed.",
        );
        let _ = writeln!(
            out,
            "porter_gateway_sessions_revoked_total {}",
            get(&self.sessions_revoked)
        );
        header(
            out,
            "porter_gateway_frame_errors_total",
            "counter",
            "Connections closed for an oversized or malformed frame.",
        );
        let _ = writeln!(
            out,
            "porter_gateway_frame_errors_total {}",
            get(&self.frame_errors)
        );
        header(
            out,
            "porter_gateway_commands_total",
            "counter",
            "Commands sent to devices by kind and outcome.",
        );
        for (kind, row) in COMMAND_KINDS.iter().zip(&self.commands) {
            for (outcome, c) in COMMAND_OUTCOMES.iter().zip(row) {
                let _ = writeln!(
                    out,
                    "porter_gateway_commands_total{{kind=\"{kind}\",outcome=\"{outcome}\"}} {}",
                    get(c)
                );
            }
        }
        header(
            out,
            "porter_gateway_command_duration_seconds",
            "histogram",
            "Time from sending a command to the device's answer.",
        );
        for (le, c) in LATENCY_BUCKETS.iter().zip(&self.latency_buckets) {
            let _ = writeln!(
                out,
                "porter_gateway_command_duration_seconds_bucket{{le=\"{le}\"}} {}",
                get(c)
            );
        }
        let count = get(&self.latency_count);
        let _ = writeln!(
            out,
            "porter_gateway_command_duration_seconds_bucket{{le=\"+Inf\"}} {count}"
        );
        let _ = writeln!(
            out,
            "porter_gateway_command_duration_seconds_sum {}",
            get(&self.latency_sum_micros) as f64 / 1e6
        );
        let _ = writeln!(out, "porter_gateway_command_duration_seconds_count {count}");
        header(
            out,
            "porter_gateway_events_total",
            "counter",
            "Events reported by devices, by kind.",
        );
        for (kind, c) in EVENT_KINDS.iter().zip(&self.events) {
            let _ = writeln!(
                out,
                "porter_gateway_events_total{{kind=\"{kind}\"}} {}",
                get(c)
            );
        }
    }
}

fn header(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exposition_counts_and_buckets() {
        let m = GatewayMetrics::default();
        m.connection_opened(Transport::Quic);
        m.session_started(Transport::Quic, 2);
        m.command("unlock", "ok", Duration::from_millis(3));
        m.command("unlock", "offline", Duration::ZERO);
        m.event("door_log");
        let mut text = String::new();
        m.render(&mut text);
        for line in [
            "porter_gateway_connections{transport=\"quic\"} 1",
            "porter_gateway_devices_online{transport=\"quic\",device_type=\"indoor_monitor\"} 1",
            "porter_gateway_commands_total{kind=\"unlock\",outcome=\"ok\"} 1",
            "porter_gateway_commands_total{kind=\"unlock\",outcome=\"offline\"} 1",
            "porter_gateway_command_duration_seconds_bucket{le=\"0.002\"} 0",
            "porter_gateway_command_duration_seconds_bucket{le=\"0.005\"} 1",
            "porter_gateway_command_duration_seconds_count 1",
            "porter_gateway_events_total{kind=\"door_log\"} 1",
        ] {
            assert!(text.lines().any(|l| l == line), "missing {line}:\n{text}");
        }
    }
}
