//! `porter admin event`: what devices reported (door logs, call logs, alarms).

use clap::Subcommand;
use porter_proto::admin::v1 as pb;

use crate::commands::shared::parse_time_ms;
use crate::context::Ctx;
use crate::error::CliError;

#[derive(Debug, Subcommand)]
pub enum EventCmd {
    /// Door logs, call logs, alarms, arming and relay status, newest first.
    List {
        #[arg(long)]
        community: u64,
        /// door_log, call_log, alarm, arming_state or relay_status.
        #[arg(long)]
        kind: Option<String>,
        #[arg(long)]
        device: Option<u64>,
        #[arg(long)]
        apartment: Option<u64>,
        /// From this time on, by the device's clock: a date, an RFC 3339 time, or relative
        /// (`-7d`, `-12h`).
        #[arg(long, value_parser = parse_time_ms, allow_hyphen_values = true)]
        since: Option<i64>,
        /// Before this time (same forms as --since).
        #[arg(long, value_parser = parse_time_ms, allow_hyphen_values = true)]
        until: Option<i64>,
        /// Events older than this sequence number (the next page of a long list).
        #[arg(long)]
        before: Option<u64>,
        #[arg(long)]
        limit: Option<u32>,
    },
    /// Devices going online and offline, and their events, as they happen (one answer per
    /// update; stops after --for-secs, or with Ctrl-C).
    Watch {
        #[arg(long)]
        community: u64,
        /// Stop after this many seconds (default: run until interrupted).
        #[arg(long)]
        for_secs: Option<u64>,
    },
}

impl EventCmd {
    pub async fn run(self, ctx: &Ctx) -> Result<(), CliError> {
        let (community, kind, device, apartment, since, until, before, limit) = match self {
            EventCmd::Watch {
                community,
                for_secs,
            } => return watch(ctx, community, for_secs).await,
            EventCmd::List {
                community,
                kind,
                device,
                apartment,
                since,
                until,
                before,
                limit,
            } => (
                community, kind, device, apartment, since, until, before, limit,
            ),
        };
        ctx.in_community(community);
        ctx.print(ctx.events().list_events(pb::ListEventsRequest {
            community_id: community,
            kind: kind.unwrap_or_default(),
            device_id: device.unwrap_or(0),
            apartment_id: apartment.unwrap_or(0),
            since_ms: since.unwrap_or(0),
            until_ms: until.unwrap_or(0),
            before_seq: before.unwrap_or(0),
            limit: limit.unwrap_or(0),
        }))
        .await
    }
}

/// Prints each live update of `community` until the stream ends, `for_secs` pass, or the
/// process is interrupted.
async fn watch(ctx: &Ctx, community: u64, for_secs: Option<u64>) -> Result<(), CliError> {
    ctx.in_community(community);
    let mut updates = ctx
        .events()
        .watch_community(pb::WatchCommunityRequest {
            community_id: community,
        })
        .await?
        .into_inner();
    let stop = async {
        match for_secs {
            Some(secs) => tokio::time::sleep(std::time::Duration::from_secs(secs)).await,
            None => std::future::pending().await,
        }
    };
    tokio::pin!(stop);
    loop {
        tokio::select! {
            () = &mut stop => return Ok(()),
            update = updates.message() => match update? {
                Some(u) => ctx.show(&u).await?,
                None => return Ok(()),
            },
        }
    }
}
