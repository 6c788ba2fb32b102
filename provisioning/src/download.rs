//! The HTTP rules of a download (RFC 9110 §13–14): which part of an image a GET answers
//! with, given its Range, If-Range and If-None-Match headers and the image's strong ETag.

/// What to send.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Plan {
    /// 200 with the whole image.
    Full,
    /// 206 with bytes `start..=end`.
    Partial { start: u64, end: u64 },
    /// 304: the client's copy is current.
    NotModified,
    /// 416: no requested range overlaps the image.
    Unsatisfiable,
}

/// The request headers that decide the plan (absent: `None`).
#[derive(Clone, Copy, Debug, Default)]
pub struct Conditions<'a> {
    pub range: Option<&'a str>,
    pub if_range: Option<&'a str>,
    pub if_none_match: Option<&'a str>,
}

/// The plan for an image of `size` bytes whose ETag is `etag` (quoted, strong).
pub fn plan(c: &Conditions<'_>, etag: &str, size: u64) -> Plan {
    if let Some(tags) = c.if_none_match
        && if_none_match_hits(tags, etag)
    {
        return Plan::NotModified;
    }
    let Some(range) = c.range else {
        return Plan::Full;
    };
    // If-Range with another tag, or a date (Porter sends no Last-Modified): the client's
    // partial copy is of something else, so it gets the whole image.
    if let Some(validator) = c.if_range
        && validator.trim() != etag
    {
        return Plan::Full;
    }
    match parse_range(range, size) {
        RangeSpec::Ignored => Plan::Full,
        RangeSpec::Unsatisfiable => Plan::Unsatisfiable,
        RangeSpec::Bytes { start, end } => Plan::Partial { start, end },
    }
}

/// Whether an If-None-Match header names `etag` (or `*`): the client's copy is current.
/// The comparison is the weak one: `W/"x"` matches `"x"`.
pub fn if_none_match_hits(header: &str, etag: &str) -> bool {
    header
        .split(',')
        .map(str::trim)
        .any(|t| t == "*" || t.strip_prefix("W/").unwrap_or(t) == etag)
}

enum RangeSpec {
    /// Not a single byte range we serve (bad syntax, another unit, several ranges): a
    /// server may answer such a request with the whole representation.
    Ignored,
    Unsatisfiable,
    Bytes {
        start: u64,
        end: u64,
    },
}

fn parse_range(header: &str, size: u64) -> RangeSpec {
    let Some(set) = header.trim().strip_prefix("bytes=") else {
        return RangeSpec::Ignored;
    };
    let set = set.trim();
    if set.contains(',') {
        return RangeSpec::Ignored;
    }
    let Some((first, last)) = set.split_once('-') else {
        return RangeSpec::Ignored;
    };
    let (first, last) = (first.trim(), last.trim());
    let number = |s: &str| -> Option<u64> {
        if s.is_empty() || !s.bytes().all(|c| c.is_ascii_digit()) {
            None
        } else {
            s.parse().ok()
        }
    };
    if first.is_empty() {
        // A suffix: the last N bytes.
        return match number(last) {
            None => RangeSpec::Ignored,
            Some(0) => RangeSpec::Unsatisfiable,
            Some(_) if size == 0 => RangeSpec::Unsatisfiable,
            Some(n) => RangeSpec::Bytes {
                start: size.saturating_sub(n),
                end: size - 1,
            },
        };
    }
    let Some(start) = number(first) else {
        return RangeSpec::Ignored;
    };
    let end = if last.is_empty() {
        None
    } else {
        match number(last) {
            Some(end) if end >= start => Some(end),
            _ => return RangeSpec::Ignored,
        }
    };
    if start >= size {
        return RangeSpec::Unsatisfiable;
    }
    RangeSpec::Bytes {
        start,
        end: end.map_or(size - 1, |e| e.min(size - 1)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ETAG: &str = "\"abc\"";

    fn range(r: &str) -> Plan {
        plan(
            &Conditions {
                range: Some(r),
                ..Conditions::default()
            },
            ETAG,
            1000,
        )
    }

    #[test]
    fn byte_ranges() {
        assert_eq!(range("bytes=0-99"), Plan::Partial { start: 0, end: 99 });
        assert_eq!(
            range("bytes=900-"),
            Plan::Partial {
                start: 900,
                end: 999
            }
        );
        assert_eq!(
            range("bytes=-100"),
            Plan::Partial {
                start: 900,
                end: 999
            }
        );
        assert_eq!(range("bytes=-5000"), Plan::Partial { start: 0, end: 999 });
        assert_eq!(
            range("bytes=990-5000"),
            Plan::Partial {
                start: 990,
                end: 999
            }
        );
        assert_eq!(range("bytes=1000-"), Plan::Unsatisfiable);
        assert_eq!(range("bytes=-0"), Plan::Unsatisfiable);
    }

    #[test]
    fn ranges_we_do_not_serve_get_the_whole_image() {
        for r in [
            "items=0-1",
            "bytes=5-1",
            "bytes=a-b",
            "bytes=0-1,5-9",
            "bytes=",
            "bytes=+1-2",
        ] {
            assert_eq!(range(r), Plan::Full, "{r}");
        }
    }

    #[test]
    fn etag_conditions() {
        let with = |if_none_match, if_range| Conditions {
            range: Some("bytes=10-19"),
            if_range,
            if_none_match,
        };
        assert_eq!(plan(&with(Some(ETAG), None), ETAG, 1000), Plan::NotModified);
        assert_eq!(
            plan(&with(Some("\"x\", W/\"abc\""), None), ETAG, 1000),
            Plan::NotModified
        );
        assert_eq!(plan(&with(Some("*"), None), ETAG, 1000), Plan::NotModified);
        assert_eq!(
            plan(&with(Some("\"x\""), Some(ETAG)), ETAG, 1000),
            Plan::Partial { start: 10, end: 19 }
        );
        // A resumed download of other bytes starts over.
        assert_eq!(plan(&with(None, Some("\"old\"")), ETAG, 1000), Plan::Full);
        assert_eq!(
            plan(
                &with(None, Some("Tue, 24 Nov 2026 04:00:00 GMT")),
                ETAG,
                1000
            ),
            Plan::Full
        );
        assert_eq!(plan(&Conditions::default(), ETAG, 1000), Plan::Full);
    }
}
