//! The mailer's counters for `/metrics`: what each try came to, so an operator sees mail
//! flowing, a server refusing it or one that cannot be reached.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::retry::Outcome;

#[derive(Debug, Default)]
pub struct MailMetrics {
    sent: AtomicU64,
    refused: AtomicU64,
    deferred: AtomicU64,
    unreachable: AtomicU64,
}

impl MailMetrics {
    pub(crate) fn record(&self, outcome: &Outcome) {
        let counter = match outcome {
            Outcome::Sent => &self.sent,
            Outcome::Refused(_) => &self.refused,
            Outcome::Deferred(_) => &self.deferred,
            Outcome::Unreachable(_) => &self.unreachable,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// Messages the SMTP server took since the process started.
    pub fn sent(&self) -> u64 {
        self.sent.load(Ordering::Relaxed)
    }

    /// Prometheus text.
    pub fn render(&self, out: &mut String) {
        let _ = writeln!(
            out,
            "# HELP porter_mail_tries_total Tries to hand a message to the SMTP server, by what \
             they came to (refused: given up; deferred: a 4xx answer, tried again; unreachable: \
             no answer, tried again)."
        );
        let _ = writeln!(out, "# TYPE porter_mail_tries_total counter");
        for (result, counter) in [
            ("sent", &self.sent),
            ("refused", &self.refused),
            ("deferred", &self.deferred),
            ("unreachable", &self.unreachable),
        ] {
            let _ = writeln!(
                out,
                "porter_mail_tries_total{{result=\"{result}\"}} {}",
                counter.load(Ordering::Relaxed)
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_outcome_counts_under_its_own_label() {
        let m = MailMetrics::default();
        m.record(&Outcome::Sent);
        m.record(&Outcome::Sent);
        m.record(&Outcome::Unreachable("refused".into()));
        let mut text = String::new();
        m.render(&mut text);
        assert!(text.contains("porter_mail_tries_total{result=\"sent\"} 2\n"));
        assert!(text.contains("porter_mail_tries_total{result=\"unreachable\"} 1\n"));
        assert!(text.contains("porter_mail_tries_total{result=\"refused\"} 0\n"));
        assert_eq!(m.sent(), 2);
    }
}
