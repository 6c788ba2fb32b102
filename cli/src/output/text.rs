//! Answers for people: `key: value` lines (nested objects indented), every time in one
//! format and one time zone, codes by the manual's names, audit details as JSON.

use chrono_tz::Tz;
use serde_json::Value;

/// A `*_ms` value from this on is a point in time (2001 and later), not a duration.
const TIMESTAMP_FROM_MS: i64 = 1_000_000_000_000;

/// The one format every time is shown in.
pub fn time(ms: i64, tz: Tz) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| {
            t.with_timezone(&tz)
                .format("%Y-%m-%d %H:%M:%S %Z")
                .to_string()
        })
        .unwrap_or_else(|| ms.to_string())
}

/// Rewrites `v` for people: times (`…_ms` keys) in `tz` under the key without `_ms` (0 is
/// none), device types and call types by the manual's names.
pub fn for_people(v: &mut Value, tz: Tz) {
    match v {
        Value::Object(map) => {
            // A community (or an account) shows its own times in its own zone.
            let tz = map
                .get("time_zone")
                .and_then(Value::as_str)
                .and_then(|name| name.parse().ok())
                .unwrap_or(tz);
            if map.contains_key("apt_number")
                && let Some(ms) = map.get("expires_at_ms").and_then(Value::as_i64)
            {
                map.insert("active".into(), Value::String(active(ms).into()));
            }
            let keys: Vec<String> = map.keys().cloned().collect();
            for key in keys {
                let Some(mut value) = map.remove(&key) else {
                    continue;
                };
                let key = match (key.strip_suffix("_ms"), value.as_i64()) {
                    (Some(name), Some(ms)) if ms == 0 || ms >= TIMESTAMP_FROM_MS => {
                        value = if ms == 0 {
                            Value::Null
                        } else {
                            Value::String(time(ms, tz))
                        };
                        name.to_owned()
                    }
                    _ => {
                        name_code(&key, &mut value);
                        for_people(&mut value, tz);
                        key
                    }
                };
                map.insert(key, value);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|i| for_people(i, tz)),
        _ => {}
    }
}

/// The manual's Active status of an apartment: Inactivated until its first payment, Normal
/// while paid up, Expired after.
fn active(expires_at_ms: i64) -> &'static str {
    if expires_at_ms == 0 {
        "Inactivated"
    } else if expires_at_ms < chrono::Utc::now().timestamp_millis() {
        "Expired"
    } else {
        "Normal"
    }
}

/// Fields the API keeps as numeric codes, named as the manual names them.
fn name_code(key: &str, value: &mut Value) {
    let name = match (key, value.as_u64()) {
        ("device_type", Some(code)) => device_type(code),
        ("call_type", Some(code)) => call_type(code),
        _ => return,
    };
    *value = Value::String(name.to_owned());
}

/// The manual's device types.
pub fn device_type(code: u64) -> &'static str {
    match code {
        0 => "Multi-tenant door phone",
        1 => "Single-tenant door phone",
        2 => "Indoor monitor",
        3 => "Guard phone",
        50 => "Access control",
        _ => "Unknown",
    }
}

/// The manual's Call Type Code table.
pub fn call_type(code: u64) -> &'static str {
    match code {
        0 => "SmartPlus and indoor monitor",
        1 => "Phone and indoor monitor",
        2 => "SmartPlus and indoor monitor, with phone as backup",
        3 => "Indoor monitors with SmartPlus as backup",
        4 => "Indoor monitors with phone as backup",
        5 => "Indoor monitors with SmartPlus as backup, finally phone",
        _ => "Unknown",
    }
}

/// Audit details are JSON text in the API; both outputs show them as JSON.
pub fn parse_details(v: &mut Value) {
    match v {
        Value::Object(map) => {
            for (k, v) in map.iter_mut() {
                if k == "detail"
                    && let Some(parsed) = v.as_str().and_then(|s| serde_json::from_str(s).ok())
                {
                    *v = parsed;
                } else {
                    parse_details(v);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(parse_details),
        _ => {}
    }
}

/// A value on one line, or `None` for objects and lists of objects.
pub fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::Null => Some("-".into()),
        Value::Bool(b) => Some(if *b { "yes".into() } else { "no".into() }),
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) if s.is_empty() => Some("-".into()),
        Value::String(s) => Some(s.clone()),
        Value::Array(a) if a.iter().all(|x| !x.is_object() && !x.is_array()) => {
            Some(if a.is_empty() {
                "-".into()
            } else {
                a.iter().filter_map(scalar).collect::<Vec<_>>().join(", ")
            })
        }
        _ => None,
    }
}

/// `key: value` lines, nested objects indented under their key.
pub fn lines(v: &Value, indent: usize, out: &mut String) {
    let pad = "  ".repeat(indent);
    match v {
        Value::Object(map) => {
            for (k, v) in map {
                match scalar(v) {
                    Some(s) => out.push_str(&format!("{pad}{k}: {s}\n")),
                    None => {
                        out.push_str(&format!("{pad}{k}:\n"));
                        lines(v, indent + 1, out);
                    }
                }
            }
        }
        Value::Array(items) => {
            if items.is_empty() {
                out.push_str(&format!("{pad}(none)\n"));
            }
            for (i, item) in items.iter().enumerate() {
                out.push_str(&format!("{pad}- #{}\n", i + 1));
                lines(item, indent + 1, out);
            }
        }
        other => out.push_str(&format!("{pad}{}\n", scalar(other).unwrap_or_default())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_codes_and_details_read_as_people_expect() {
        let mut v = serde_json::json!({
            "created_at_ms": 1_767_312_000_000i64,
            "expires_at_ms": 0,
            "ring_ms": 30_000,
            "device_type": 2,
            "call_type": 5,
            "detail": "{\"name\":\"Lakeside\"}",
        });
        for_people(&mut v, chrono_tz::Europe::Berlin);
        parse_details(&mut v);
        assert_eq!(v["created_at"], "2026-01-02 01:00:00 CET");
        assert!(v["expires_at"].is_null());
        assert_eq!(v["ring_ms"], 30_000, "a duration stays a number");
        assert_eq!(v["device_type"], "Indoor monitor");
        assert_eq!(
            v["call_type"],
            "Indoor monitors with SmartPlus as backup, finally phone"
        );
        assert_eq!(v["detail"]["name"], "Lakeside");
    }
}
