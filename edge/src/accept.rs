//! Accepting TCP connections: `accept` waits for the next one or for shutdown, and
//! `AcceptBackoff` decides what an accept loop does when accepting fails, above all when the
//! process is out of descriptors (EMFILE), instead of failing every accept in a hot loop.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};
use tokio_util::sync::CancellationToken;

/// The next TCP connection, or `None` once `shutdown` is cancelled. Accept errors (out of
/// file descriptors and the like) back off briefly instead of spinning; `listener_name`
/// names the listener in the log.
pub async fn accept(
    listener: &TcpListener,
    listener_name: &str,
    backoff: &mut AcceptBackoff,
    shutdown: &CancellationToken,
) -> Option<(TcpStream, SocketAddr)> {
    loop {
        let pause = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => {
                    backoff.accepted();
                    return Some(a);
                }
                Err(e) => backoff.failed(listener_name, &e),
            },
            () = shutdown.cancelled() => return None,
        };
        tokio::select! {
            () = tokio::time::sleep(pause) => {}
            () = shutdown.cancelled() => return None,
        }
    }
}

/// Pauses between failed accepts: 50 ms for a passing error, and for running out of
/// descriptors (EMFILE, ENFILE) a pause that doubles from 10 ms to 1 s while it lasts, so
/// the loop neither spins nor stays slow once descriptors are free again. It logs once when
/// a shortage starts, not once per accept.
#[derive(Debug, Default)]
pub struct AcceptBackoff {
    pause: Option<Duration>,
}

const EMFILE: i32 = 24;
const ENFILE: i32 = 23;
const FIRST_PAUSE: Duration = Duration::from_millis(10);
const LONGEST_PAUSE: Duration = Duration::from_secs(1);

impl AcceptBackoff {
    /// An accept succeeded: the next shortage starts over.
    pub fn accepted(&mut self) {
        if self.pause.take().is_some() {
            tracing::info!("accepting connections again");
        }
    }

    /// An accept failed with `error`: how long to wait before the next.
    pub fn failed(&mut self, listener: &str, error: &std::io::Error) -> Duration {
        let out_of_descriptors = matches!(error.raw_os_error(), Some(EMFILE | ENFILE));
        if !out_of_descriptors {
            tracing::debug!(listener, %error, "accept failed");
            return Duration::from_millis(50);
        }
        let pause = match self.pause {
            None => {
                tracing::warn!(listener, %error, "out of file descriptors: accepting slower until some are free");
                FIRST_PAUSE
            }
            Some(p) => (p * 2).min(LONGEST_PAUSE),
        };
        self.pause = Some(pause);
        pause
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn running_out_of_descriptors_backs_off_then_recovers() {
        let mut b = AcceptBackoff::default();
        let emfile = std::io::Error::from_raw_os_error(EMFILE);
        let pauses: Vec<_> = (0..9).map(|_| b.failed("test", &emfile)).collect();
        assert_eq!(pauses[0], Duration::from_millis(10));
        assert_eq!(pauses[1], Duration::from_millis(20));
        assert_eq!(pauses[8], Duration::from_secs(1));
        b.accepted();
        assert_eq!(b.failed("test", &emfile), Duration::from_millis(10));
        let reset = std::io::Error::from(std::io::ErrorKind::ConnectionReset);
        assert_eq!(b.failed("test", &reset), Duration::from_millis(50));
    }
}
