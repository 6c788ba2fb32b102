//! What becomes of a message after one try, without IO: sent, given up, or tried again
//! later with exponential back-off until the retry period is over.

use std::time::Duration;

use porter_store::outbox::{MailMessage, MailState};

/// What one try to hand a message to the SMTP server came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Sent,
    /// Refused for good (a 5xx answer, an address that cannot be written): not retried.
    Refused(String),
    /// Refused for now (a 4xx answer): retried later.
    Deferred(String),
    /// The server could not be reached or the connection broke: retried later, and the
    /// sender pauses.
    Unreachable(String),
}

/// First wait after a failure; it doubles with each further one.
const FIRST_BACKOFF: Duration = Duration::from_secs(5);
/// Longest wait between two tries.
const MAX_BACKOFF: Duration = Duration::from_secs(600);

/// The wait after the `n`th consecutive failure (n ≥ 1).
pub(crate) fn backoff(n: u32) -> Duration {
    FIRST_BACKOFF
        .saturating_mul(1u32 << n.saturating_sub(1).min(16))
        .min(MAX_BACKOFF)
}

/// The message after a try at `now_ms`.
pub fn next_state(
    m: &MailMessage,
    outcome: &Outcome,
    now_ms: i64,
    retry_for: Duration,
) -> MailMessage {
    let attempts = m.state.attempts() + 1;
    let state = match outcome {
        Outcome::Sent => MailState::Sent {
            attempts,
            at_ms: now_ms,
        },
        Outcome::Refused(error) => MailState::Failed {
            attempts,
            at_ms: now_ms,
            error: error.clone(),
        },
        Outcome::Deferred(error) | Outcome::Unreachable(error) => {
            let retry_ms = i64::try_from(retry_for.as_millis()).unwrap_or(i64::MAX);
            if now_ms.saturating_sub(m.queued_ms) >= retry_ms {
                MailState::Failed {
                    attempts,
                    at_ms: now_ms,
                    error: format!("{error} (given up after {attempts} tries)"),
                }
            } else {
                let wait = i64::try_from(backoff(attempts).as_millis()).unwrap_or(i64::MAX);
                MailState::Pending {
                    attempts,
                    next_attempt_ms: now_ms.saturating_add(wait),
                    last_error: error.clone(),
                }
            }
        }
    };
    MailMessage { state, ..m.clone() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use porter_store::model::Language;
    use porter_store::outbox::{ApartmentLine, MailContent};

    fn queued_at(ms: i64) -> MailMessage {
        MailMessage {
            id: 1,
            dedupe: "k".into(),
            installer_id: 1,
            to: "a@example.com".into(),
            to_name: "A".into(),
            language: Language::English,
            content: MailContent::Renewal {
                apartment: ApartmentLine {
                    community_id: 1,
                    community: "C".into(),
                    building: "B".into(),
                    apartment: "1".into(),
                    date: "2027-01-01".into(),
                },
            },
            queued_ms: ms,
            state: MailState::Pending {
                attempts: 0,
                next_attempt_ms: ms,
                last_error: String::new(),
            },
        }
    }

    #[test]
    fn failures_back_off_then_give_up() {
        let day = Duration::from_secs(86_400);
        let m = queued_at(0);
        let once = next_state(&m, &Outcome::Unreachable("refused".into()), 1_000, day);
        assert_eq!(
            once.state,
            MailState::Pending {
                attempts: 1,
                next_attempt_ms: 6_000,
                last_error: "refused".into()
            }
        );
        let twice = next_state(&once, &Outcome::Deferred("451".into()), 6_000, day);
        assert_eq!(twice.state.due_ms(), Some(16_000));
        assert_eq!(backoff(30), MAX_BACKOFF);
        let late = next_state(&twice, &Outcome::Deferred("451".into()), 86_400_000, day);
        assert!(
            matches!(late.state, MailState::Failed { attempts: 3, ref error, .. }
            if error.contains("given up after 3 tries"))
        );
        let refused = next_state(&m, &Outcome::Refused("550 no such user".into()), 1, day);
        assert!(matches!(
            refused.state,
            MailState::Failed { attempts: 1, .. }
        ));
        let sent = next_state(&once, &Outcome::Sent, 7_000, day);
        assert_eq!(
            sent.state,
            MailState::Sent {
                attempts: 2,
                at_ms: 7_000
            }
        );
    }
}
