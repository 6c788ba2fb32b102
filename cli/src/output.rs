//! How `porter admin` prints: JSON with `--json`, else readable `key: value` lines.

use porter_proto::admin::v1 as pb;
use serde::Serialize;
use serde_json::Value;

#[allow(clippy::print_stdout)]
pub fn emit<T: Serialize>(json: bool, value: &T) -> Result<(), crate::error::CliError> {
    let mut value = serde_json::to_value(value)?;
    name_enums(&mut value);
    if !json {
        readable_times(&mut value);
    }
    if json {
        println!("{}", serde_json::to_string_pretty(&value)?);
    } else {
        let mut out = String::new();
        human(&value, 0, &mut out);
        print!("{out}");
    }
    Ok(())
}

fn scalar(v: &Value) -> Option<String> {
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

fn human(v: &Value, indent: usize, out: &mut String) {
    let pad = "  ".repeat(indent);
    match v {
        Value::Object(map) => {
            for (k, v) in map {
                match scalar(v) {
                    Some(s) => out.push_str(&format!("{pad}{k}: {s}\n")),
                    None => {
                        out.push_str(&format!("{pad}{k}:\n"));
                        human(v, indent + 1, out);
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
                human(item, indent + 1, out);
            }
        }
        other => out.push_str(&format!("{pad}{}\n", scalar(other).unwrap_or_default())),
    }
}

/// The protobuf name of an enum field's value, without its type prefix
/// (`FEATURE_PLAN_PREMIUM` → `PREMIUM`), as protobuf's JSON mapping prints names.
fn enum_name(field: &str, v: i32) -> Option<String> {
    fn strip(full: &str, prefix: &str) -> String {
        full.strip_prefix(prefix).unwrap_or(full).to_owned()
    }
    match field {
        "role" => pb::AccountRole::try_from(v)
            .ok()
            .map(|e| strip(e.as_str_name(), "ACCOUNT_ROLE_")),
        "feature_plan" => pb::FeaturePlan::try_from(v)
            .ok()
            .map(|e| strip(e.as_str_name(), "FEATURE_PLAN_")),
        "time_format" => pb::TimeFormat::try_from(v)
            .ok()
            .map(|e| strip(e.as_str_name(), "TIME_FORMAT_")),
        "date_format" => pb::DateFormat::try_from(v)
            .ok()
            .map(|e| strip(e.as_str_name(), "DATE_FORMAT_")),
        "access_control" => pb::AccessControlPermission::try_from(v)
            .ok()
            .map(|e| strip(e.as_str_name(), "ACCESS_CONTROL_PERMISSION_")),
        "pin_mode" => pb::PinMode::try_from(v)
            .ok()
            .map(|e| strip(e.as_str_name(), "PIN_MODE_")),
        "charge_mode" => pb::ChargeMode::try_from(v)
            .ok()
            .map(|e| strip(e.as_str_name(), "CHARGE_MODE_")),
        "call_mode" => pb::CallMode::try_from(v)
            .ok()
            .map(|e| strip(e.as_str_name(), "CALL_MODE_")),
        "language" => pb::Language::try_from(v)
            .ok()
            .map(|e| strip(e.as_str_name(), "LANGUAGE_")),
        "app_status" => pb::AppStatus::try_from(v)
            .ok()
            .map(|e| strip(e.as_str_name(), "APP_STATUS_")),
        "active" => pb::ActiveStatus::try_from(v)
            .ok()
            .map(|e| strip(e.as_str_name(), "ACTIVE_STATUS_")),
        // Only subscription orders have an integer `kind`; only upgrades a `status`.
        "kind" => pb::OrderKind::try_from(v)
            .ok()
            .map(|e| strip(e.as_str_name(), "ORDER_KIND_")),
        "order_status" => pb::OrderStatus::try_from(v)
            .ok()
            .map(|e| strip(e.as_str_name(), "ORDER_STATUS_")),
        "status" => pb::UpgradeStatus::try_from(v)
            .ok()
            .map(|e| strip(e.as_str_name(), "UPGRADE_STATUS_")),
        "connection_type" => pb::SipTransportType::try_from(v)
            .ok()
            .map(|e| strip(e.as_str_name(), "SIP_TRANSPORT_TYPE_")),
        _ => None,
    }
}

fn name_enums(v: &mut Value) {
    match v {
        Value::Object(map) => {
            for (k, v) in map.iter_mut() {
                if let Some(name) = v
                    .as_i64()
                    .and_then(|n| i32::try_from(n).ok())
                    .and_then(|n| enum_name(k, n))
                {
                    *v = Value::String(name);
                } else {
                    name_enums(v);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(name_enums),
        _ => {}
    }
}

/// `*_ms` timestamps as UTC date and time for people (0 means none).
fn readable_times(v: &mut Value) {
    match v {
        Value::Object(map) => {
            for (k, v) in map.iter_mut() {
                if k.ends_with("_at_ms") {
                    if let Some(ms) = v.as_i64() {
                        *v = if ms == 0 {
                            Value::Null
                        } else {
                            chrono::DateTime::from_timestamp_millis(ms)
                                .map(|t| {
                                    Value::String(t.format("%Y-%m-%d %H:%M:%S UTC").to_string())
                                })
                                .unwrap_or(Value::Null)
                        };
                    }
                } else {
                    readable_times(v);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(readable_times),
        _ => {}
    }
}
