//! Open files: the process raises its soft limit to the hard one at start, and splits what
//! it may hold between the listeners, keeping a reserve for the admin API, the store and
//! the firmware files. Without the split, connections that never finish a handshake on one
//! listener took every descriptor and the others (and the admin API) could not accept.

/// Descriptors kept out of every listener's share: the admin API's connections, sled's
/// files, firmware reads and uploads, logs.
const RESERVE: u64 = 256;

/// How many connections each listener family may hold at most.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionBudget {
    pub gateway: usize,
    pub sip: usize,
    pub https: usize,
    pub portal: usize,
}

/// Raises the soft open-file limit as far as the hard limit allows and logs both; the
/// limit now in force.
pub fn raise_open_file_limit() -> u64 {
    let before = rlimit::getrlimit(rlimit::Resource::NOFILE);
    match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(now) => {
            let (soft, hard) = before.unwrap_or((now, now));
            tracing::info!(soft_before = soft, soft = now, hard, "open-file limit");
            now
        }
        Err(e) => {
            let soft = before.map_or(1024, |(s, _)| s);
            tracing::warn!(error = %e, soft, "could not raise the open-file limit");
            soft
        }
    }
}

/// What each listener may hold under `open_files` descriptors, never more than it is
/// configured for: the device gateway 60 % of what is left after the reserve, SIP 30 %,
/// the device HTTPS listeners 8 %, the installers' portal 2 %.
pub fn budget(open_files: u64, configured: ConnectionBudget) -> ConnectionBudget {
    let usable = open_files.saturating_sub(RESERVE).max(30);
    let share = |percent: u64, configured: usize| {
        usize::try_from(usable * percent / 100)
            .unwrap_or(usize::MAX)
            .clamp(1, configured.max(1))
    };
    ConnectionBudget {
        gateway: share(60, configured.gateway),
        sip: share(30, configured.sip),
        https: share(8, configured.https),
        portal: share(2, configured.portal),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_small_limit_is_shared_and_a_large_one_keeps_the_configured_maximums() {
        let configured = ConnectionBudget {
            gateway: 200_000,
            sip: 50_000,
            https: 10_000,
            portal: 2_000,
        };
        assert_eq!(
            budget(1024, configured),
            ConnectionBudget {
                gateway: 460,
                sip: 230,
                https: 61,
                portal: 15,
            }
        );
        assert_eq!(budget(1 << 20, configured), configured);
        let tiny = budget(10, configured);
        assert!(tiny.gateway >= 1 && tiny.sip >= 1 && tiny.https >= 1 && tiny.portal >= 1);
    }
}
