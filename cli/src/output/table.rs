//! Lists as aligned tables with the manual's columns (and the id a later command needs),
//! one per type of list item. Cells read the answer as `text::for_people` left it.

use serde_json::Value;

use super::text::scalar;

/// One column: its heading and how a row's cell is made.
pub struct Column {
    pub heading: &'static str,
    pub cell: fn(&Value) -> String,
}

const fn col(heading: &'static str, cell: fn(&Value) -> String) -> Column {
    Column { heading, cell }
}

fn field(v: &Value, key: &str) -> String {
    v.get(key).and_then(scalar).unwrap_or_else(|| "-".into())
}

fn name(v: &Value) -> String {
    let full = format!(
        "{} {}",
        v["first_name"].as_str().unwrap_or_default(),
        v["last_name"].as_str().unwrap_or_default()
    );
    if full.trim().is_empty() {
        "-".into()
    } else {
        full.trim().to_owned()
    }
}

static COMMUNITY: &[Column] = &[
    col("ID", |v| field(v, "id")),
    col("Name", |v| field(v, "name")),
    col("Device Count", |v| field(v, "device_count")),
    col("End User Count", |v| field(v, "end_user_count")),
    col("Property Managers", |v| field(v, "property_managers")),
];

static BUILDING: &[Column] = &[
    col("ID", |v| field(v, "id")),
    col("Name", |v| field(v, "name")),
    col("Apartments", |v| field(v, "apartment_count")),
    col("Devices", |v| field(v, "device_count")),
    col("Created Time", |v| field(v, "created_at")),
];

static APARTMENT: &[Column] = &[
    col("ID", |v| field(v, "id")),
    col("APT", |v| field(v, "apt_number")),
    col("APT Name", |v| field(v, "apt_name")),
    col("Resident", |v| name(&v["resident"])),
    col("Email", |v| field(&v["resident"], "email")),
    col("Mobile Number", |v| field(&v["resident"], "mobile")),
    col("Active", |v| field(v, "active")),
    col("Created Time", |v| field(v, "created_at")),
    col("Expiration Time(App)", |v| field(v, "expires_at")),
];

static RESIDENT: &[Column] = &[
    col("APT ID", |v| field(v, "apartment_id")),
    col("Resident", name),
    col("Email", |v| field(v, "email")),
    col("Building", |v| field(v, "building_name")),
    col("APT", |v| field(v, "apt_number")),
    col("APT Name", |v| field(v, "apt_name")),
    col("Active", |v| field(v, "active")),
    col("Created Time", |v| field(v, "created_at")),
    col("Expiration Time", |v| field(v, "expires_at")),
];

static DEVICE: &[Column] = &[
    col("ID", |v| field(v, "id")),
    col("MAC", |v| field(v, "mac")),
    col("Device Name", |v| field(v, "name")),
    col("Resident", |v| field(v, "resident_name")),
    col("APT", |v| field(v, "apt_number")),
    col("Building", |v| field(v, "building_name")),
    col("Device Type", |v| field(v, "device_type")),
    col("SIP", |v| field(v, "sip_number")),
    col("Status", |v| {
        if v["online"].as_bool() == Some(true) {
            "Online".into()
        } else {
            "Offline".into()
        }
    }),
    col("Created Time", |v| field(v, "created_at")),
];

static CAMERA: &[Column] = &[
    col("ID", |v| field(v, "id")),
    col("Device Name", |v| field(v, "name")),
    col("Link Device", |v| field(v, "linked_device_name")),
    col("RTSP Address", |v| field(v, "rtsp_url")),
    col("Created Time", |v| field(v, "created_at")),
];

static MAC: &[Column] = &[
    col("MAC", |v| field(v, "mac")),
    col("Installer", |v| field(v, "installer")),
    col("Owner", |v| field(v, "owner")),
    col("Created Time", |v| field(v, "created_at")),
];

static PROPERTY_MANAGER: &[Column] = &[
    col("ID", |v| field(v, "id")),
    col("Name", name),
    col("Email", |v| field(v, "email")),
    col("Community", |v| {
        let names: Vec<&str> = v["assignments"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|x| x["community_name"].as_str())
                    .collect()
            })
            .unwrap_or_default();
        if names.is_empty() {
            "-".into()
        } else {
            names.join(", ")
        }
    }),
];

static FIRMWARE: &[Column] = &[
    col("ID", |v| field(v, "id")),
    col("Version", |v| field(v, "version")),
    col("Model", |v| field(v, "models")),
    col("Version Log", |v| field(v, "change_log")),
    col("Created Time", |v| field(v, "created_at")),
];

static UPGRADE: &[Column] = &[
    col("ID", |v| field(v, "id")),
    col("Version", |v| field(v, "version")),
    col("Device", |v| {
        v["devices"].as_array().map_or(0, Vec::len).to_string()
    }),
    col("Status", |v| field(v, "status")),
    col("Upgrade Time", |v| field(v, "start_at")),
    col("Created Time", |v| field(v, "created_at")),
];

static ORDER: &[Column] = &[
    col("ID", |v| field(v, "id")),
    col("Order Number", |v| field(v, "number")),
    col("Type", |v| field(v, "kind")),
    col("Apartments", |v| {
        v["apartment_ids"]
            .as_array()
            .map_or(0, Vec::len)
            .to_string()
    }),
    col("Status", |v| field(v, "order_status")),
    col("Created Time", |v| field(v, "created_at")),
];

static CANDIDATE: &[Column] = &[
    col("Device ID", |v| field(v, "device_id")),
    col("Device Name", |v| field(v, "name")),
    col("Owner", |v| field(v, "owner")),
    col("MAC", |v| field(v, "mac")),
    col("Model", |v| field(v, "model")),
    col("Current Version", |v| field(v, "firmware_version")),
    col("Status", |v| {
        if v["online"].as_bool() == Some(true) {
            "Online".into()
        } else {
            "Offline".into()
        }
    }),
];

static EVENT: &[Column] = &[
    col("Seq", |v| field(v, "seq")),
    col("Time", |v| field(v, "at")),
    col("Device", |v| field(v, "device_name")),
    col("Kind", |v| field(v, "kind")),
    col("Details", |v| {
        let kind = v["kind"].as_str().unwrap_or_default();
        match v.get(kind).and_then(Value::as_object) {
            Some(d) => d
                .iter()
                .map(|(k, x)| format!("{k}={}", scalar(x).unwrap_or_default()))
                .collect::<Vec<_>>()
                .join(" "),
            None => "-".into(),
        }
    }),
];

static AUDIT: &[Column] = &[
    col("Seq", |v| field(v, "seq")),
    col("Time", |v| field(v, "at")),
    col("User", |v| field(v, "username")),
    col("Action", |v| field(v, "action")),
    col("Target", |v| field(v, "target")),
    col("Detail", |v| v["detail"].to_string()),
];

static OUTBOX: &[Column] = &[
    col("ID", |v| field(v, "id")),
    col("Kind", |v| field(v, "kind")),
    col("To", |v| field(v, "to")),
    col("Language", |v| field(v, "language")),
    col("State", |v| field(v, "state")),
    col("Attempts", |v| field(v, "attempts")),
    col("Queued Time", |v| field(v, "queued")),
    col("Error", |v| field(v, "error")),
];

static ACCOUNT: &[Column] = &[
    col("ID", |v| field(v, "id")),
    col("Name", |v| field(v, "username")),
    col("Email", |v| field(v, "email")),
    col("Phone", |v| field(v, "phone")),
    col("Created Time", |v| field(v, "created_at")),
];

/// The columns for a list of `item` (a message's full protobuf name).
pub fn columns(item: &str) -> Option<&'static [Column]> {
    let short = item.strip_prefix("porter.admin.v1.")?;
    Some(match short {
        "Community" => COMMUNITY,
        "Building" => BUILDING,
        "Apartment" => APARTMENT,
        "ResidentRow" => RESIDENT,
        "Device" => DEVICE,
        "Camera" => CAMERA,
        "MacEntry" => MAC,
        "PropertyManager" => PROPERTY_MANAGER,
        "Firmware" => FIRMWARE,
        "UpgradeStrategy" => UPGRADE,
        "SubscriptionOrder" => ORDER,
        "UpgradeCandidate" => CANDIDATE,
        "DeviceEvent" => EVENT,
        "AuditEntry" => AUDIT,
        "OutboxMessage" => OUTBOX,
        "AccountInfo" => ACCOUNT,
        _ => return None,
    })
}

/// `rows` under `columns`, aligned; an empty list says so.
pub fn render(columns: &[Column], rows: &[Value], out: &mut String) {
    if rows.is_empty() {
        out.push_str("(none)\n");
        return;
    }
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| columns.iter().map(|c| one_line((c.cell)(r))).collect())
        .collect();
    let widths: Vec<usize> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            cells
                .iter()
                .map(|row| row[i].chars().count())
                .chain([c.heading.chars().count()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |values: Vec<&str>, out: &mut String| {
        let mut text = String::new();
        for (i, v) in values.iter().enumerate() {
            if i > 0 {
                text.push_str("  ");
            }
            text.push_str(v);
            text.push_str(&" ".repeat(widths[i].saturating_sub(v.chars().count())));
        }
        out.push_str(text.trim_end());
        out.push('\n');
    };
    line(columns.iter().map(|c| c.heading).collect(), out);
    for row in &cells {
        line(row.iter().map(String::as_str).collect(), out);
    }
}

/// Cells stay on one line, and long ones end in an ellipsis.
fn one_line(text: String) -> String {
    const MAX: usize = 60;
    let flat: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if flat.chars().count() <= MAX {
        flat
    } else {
        let mut cut: String = flat.chars().take(MAX - 1).collect();
        cut.push('…');
        cut
    }
}
