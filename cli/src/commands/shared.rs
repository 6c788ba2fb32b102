//! Arguments several commands share.

use clap::{Args, ValueEnum};
use porter_proto::admin::v1 as pb;

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Lang {
    English,
    SimplifiedChinese,
    Korean,
    Japanese,
    Turkish,
    Polish,
    Russian,
    Spanish,
    Bosnian,
    Danish,
    Vietnamese,
    French,
}

#[derive(Debug, Args)]
pub struct PageArgs {
    #[arg(long, default_value_t = 1)]
    page: u32,
    #[arg(long, default_value_t = 10)]
    page_size: u32,
}

impl PageArgs {
    pub fn into_pb(self) -> pb::Page {
        pb::Page {
            page: self.page,
            page_size: self.page_size,
        }
    }
}

impl Lang {
    pub fn to_pb(self) -> i32 {
        (match self {
            Lang::English => pb::Language::English,
            Lang::SimplifiedChinese => pb::Language::SimplifiedChinese,
            Lang::Korean => pb::Language::Korean,
            Lang::Japanese => pb::Language::Japanese,
            Lang::Turkish => pb::Language::Turkish,
            Lang::Polish => pb::Language::Polish,
            Lang::Russian => pb::Language::Russian,
            Lang::Spanish => pb::Language::Spanish,
            Lang::Bosnian => pb::Language::Bosnian,
            Lang::Danish => pb::Language::Danish,
            Lang::Vietnamese => pb::Language::Vietnamese,
            Lang::French => pb::Language::French,
        }) as i32
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Transport {
    Udp,
    Tcp,
    Tls,
}

/// A time as milliseconds since the epoch: a date (midnight UTC), an RFC 3339 time, `now`,
/// or relative to now (`+365d`, `-7d`, `-12h`, `+30m`), so scripts need no date arithmetic.
pub fn parse_time_ms(s: &str) -> Result<i64, String> {
    let s = s.trim();
    if let Some(ms) = relative_ms(s) {
        return Ok(chrono::Utc::now().timestamp_millis() + ms);
    }
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(s) {
        return Ok(t.timestamp_millis());
    }
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc().timestamp_millis())
        .ok_or_else(|| {
            format!("{s:?} is not a date (YYYY-MM-DD), an RFC 3339 time, now, or +7d / -12h / +30m")
        })
}

/// `now`, or `±N` followed by d, h or m, in milliseconds from now.
fn relative_ms(s: &str) -> Option<i64> {
    if s == "now" {
        return Some(0);
    }
    let sign = match s.as_bytes().first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let unit_ms: i64 = match s.as_bytes().last()? {
        b'd' => 86_400_000,
        b'h' => 3_600_000,
        b'm' => 60_000,
        _ => return None,
    };
    let n: i64 = s.get(1..s.len() - 1)?.parse().ok()?;
    n.checked_mul(unit_ms)?.checked_mul(sign)
}

impl From<Transport> for pb::SipTransportType {
    fn from(t: Transport) -> Self {
        match t {
            Transport::Udp => pb::SipTransportType::Udp,
            Transport::Tcp => pb::SipTransportType::Tcp,
            Transport::Tls => pb::SipTransportType::Tls,
        }
    }
}

/// Where a new device or camera goes: exactly one of the public area (with its buildings),
/// a building, an apartment.
pub enum Placement {
    PublicArea(pb::PublicArea),
    Building(u64),
    Apartment(u64),
}

impl Placement {
    pub fn from_flags(
        public_area: Option<u64>,
        buildings: Vec<u64>,
        building: Option<u64>,
        apartment: Option<u64>,
    ) -> Result<Placement, crate::error::CliError> {
        Ok(match (public_area, building, apartment) {
            (Some(community_id), None, None) => Placement::PublicArea(pb::PublicArea {
                community_id,
                building_ids: buildings,
            }),
            (None, Some(b), None) => Placement::Building(b),
            (None, None, Some(a)) => Placement::Apartment(a),
            _ => crate::bail!("give one of --public-area COMMUNITY, --building ID, --apartment ID"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_dates_rfc3339_or_relative_to_now() {
        assert_eq!(parse_time_ms("2026-01-02"), Ok(1_767_312_000_000));
        assert_eq!(parse_time_ms("2026-01-02T00:00:01Z"), Ok(1_767_312_001_000));
        let now = chrono::Utc::now().timestamp_millis();
        let week = parse_time_ms("-7d").expect("relative");
        assert!((now - 7 * 86_400_000 - week).abs() < 5_000);
        assert!(parse_time_ms("+12h").expect("relative") > now);
        assert!(parse_time_ms("7d").is_err());
        assert!(parse_time_ms("yesterday").is_err());
    }
}
