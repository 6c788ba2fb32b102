//! `porter admin` against a real server: the main paths an installer scripts.

#![allow(clippy::unwrap_used)]

mod common;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use common::{ADMIN_PASSWORD, Server};
use serde_json::Value;

fn porter(server: &Server, token_file: &Path, args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_porter"))
        .arg("admin")
        .args(args)
        .env("PORTER_SERVER", server.url())
        .env("PORTER_TOKEN_FILE", token_file)
        .env_remove("PORTER_TOKEN")
        .env_remove("PORTER_PASSWORD")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
    }
    drop(child.stdin.take());
    child.wait_with_output().unwrap()
}

fn json(out: &Output) -> Value {
    assert!(
        out.status.success(),
        "porter admin failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)))
}

#[tokio::test]
async fn installer_scripts_the_walkthrough() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("data")).await;
    let token = dir.path().join("token");
    let run = |args: &[&str]| porter(&server, &token, args, None);

    // Password on standard input; the token is saved for later commands (mode 0600).
    let login = json(&porter(
        &server,
        &token,
        &["--json", "login", "--username", "admin"],
        Some(&format!("{ADMIN_PASSWORD}\n")),
    ));
    assert!(
        login.get("token").is_none(),
        "login prints no token: {login}"
    );
    assert_eq!(login["account"]["username"], "admin");
    assert!(std::fs::read_to_string(&token).unwrap().starts_with("pt_"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&token).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    let me = json(&run(&["--json", "whoami"]));
    assert_eq!(me["username"], "admin");

    let community = json(&run(&[
        "--json",
        "community",
        "create",
        "--name",
        "Lakeside",
        "--feature-plan",
        "premium",
        "--country",
        "Germany",
        "--city",
        "Berlin",
        "--post-code",
        "10115",
        "--time-zone",
        "Europe/Berlin",
        "--date-format",
        "dmy",
        "--time-format",
        "12",
    ]));
    let cid = community["id"].as_u64().unwrap().to_string();
    assert_eq!(community["time_zone"], "Europe/Berlin");
    // Enums print by name, as protobuf's JSON mapping does.
    assert_eq!(community["feature_plan"], "PREMIUM");
    assert_eq!(community["date_format"], "DMY");
    assert_eq!(community["time_format"], "HOURS_12");
    let building = json(&run(&[
        "--json",
        "building",
        "create",
        "--community",
        &cid,
        "--name",
        "Building 1",
    ]));
    let bid = building["id"].as_u64().unwrap().to_string();
    let apartment = json(&run(&[
        "--json",
        "apartment",
        "create",
        "--building",
        &bid,
        "--apt",
        "101",
        "--floor",
        "1",
        "--call-type",
        "2",
        "--first-name",
        "Lily",
        "--last-name",
        "Zheng",
        "--email",
        "lily@example.com",
        "--landlines",
        "555 0101,555 0102",
    ]));
    assert_eq!(
        apartment["resident"]["landlines"].as_array().unwrap().len(),
        2
    );
    let aid = apartment["id"].as_u64().unwrap().to_string();
    json(&run(&[
        "--json",
        "family",
        "add",
        "--apartment",
        &aid,
        "--first-name",
        "Jim",
        "--last-name",
        "Wang",
    ]));

    let found = json(&run(&[
        "--json",
        "resident",
        "search",
        "--community",
        &cid,
        "--text",
        "zheng",
    ]));
    assert_eq!(found["total"], 1);
    assert_eq!(found["residents"][0]["apt_number"], "101");

    // Reset asks first with the manual's words; a script without --yes changes nothing.
    let family = json(&run(&["--json", "apartment", "get", &aid]))["family_members"]
        .as_array()
        .unwrap()
        .len();
    let unconfirmed = run(&["apartment", "reset", &aid]);
    assert_eq!(unconfirmed.status.code(), Some(1));
    let said = String::from_utf8_lossy(&unconfirmed.stderr);
    assert!(
        said.contains("Are you sure you want to reset the apartment?") && said.contains("--yes"),
        "{said}"
    );
    let kept = json(&run(&["--json", "apartment", "get", &aid]));
    assert_eq!(kept["family_members"].as_array().unwrap().len(), family);
    let reset = json(&run(&["--json", "--yes", "apartment", "reset", &aid]));
    assert_eq!(
        reset["reset_apartment"]["family_members"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
    assert_eq!(reset["family_members_removed"], family);
    let list = json(&run(&["--json", "community", "list"]));
    assert_eq!(list["communities"][0]["end_user_count"], 1);

    // The SmartPlus service: ordered, then paid (the admin is also the site operator).
    let until = (chrono::Utc::now() + chrono::Duration::days(365))
        .format("%Y-%m-%d")
        .to_string();
    let order = json(&run(&[
        "--json",
        "subscription",
        "order",
        "--kind",
        "activation",
        "--apartment",
        &aid,
        "--until",
        &until,
    ]));
    assert_eq!(order["order_status"], "PROCESSING");
    assert_eq!(order["kind"], "ACTIVATION");
    let oid = order["id"].as_u64().unwrap().to_string();
    let paid = json(&run(&[
        "--json",
        "subscription",
        "confirm",
        &oid,
        "--reference",
        "INV-2026-001",
    ]));
    assert_eq!(paid["order"]["order_status"], "SUCCEED");
    assert_eq!(paid["apartments_changed"], 1);
    let active = json(&run(&["--json", "apartment", "get", &aid]));
    assert_eq!(active["active"], "NORMAL");
    let bad = run(&[
        "subscription",
        "order",
        "--kind",
        "renewal",
        "--apartment",
        &aid,
        "--until",
        "soon",
    ]);
    assert!(String::from_utf8_lossy(&bad.stderr).contains("YYYY-MM-DD"));

    // Human output is readable text.
    let text = run(&["community", "get", &cid]);
    assert!(text.status.success());
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("name: Lakeside"), "{text}");
    assert!(text.contains("feature_plan: PREMIUM"), "{text}");
    assert!(
        text.contains(" CET\n") || text.contains(" CEST\n"),
        "created time is readable, in the community's zone: {text}"
    );

    // A rule broken: exit code 1 and the message names the field.
    let bad = run(&["apartment", "create", "--building", &bid, "--apt", "#101"]);
    assert_eq!(bad.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert!(
        stderr.contains("InvalidArgument") && stderr.contains("apt_number"),
        "{stderr}"
    );
    // Changing one address field keeps the others.
    let moved = json(&run(&[
        "--json",
        "community",
        "update",
        &cid,
        "--street",
        "Invalidenstr. 1",
    ]));
    assert_eq!(moved["address"]["city"], "Berlin");
    assert_eq!(moved["address"]["street"], "Invalidenstr. 1");
    let fixed = run(&["community", "update", &cid, "--feature-plan", "basic"]);
    assert!(String::from_utf8_lossy(&fixed.stderr).contains("feature_plan"));

    // Sub-account with a generated password, shown once.
    let sub = json(&run(&[
        "--json",
        "sub-account",
        "create",
        "--username",
        "helper",
        "--email",
        "h@example.com",
    ]));
    assert_eq!(sub["generated_password"].as_str().unwrap().len(), 16);
    let audit = json(&run(&["--json", "audit", "list", "--limit", "5"]));
    assert_eq!(audit["entries"][0]["action"], "sub_installer.create");

    // MAC library from a file; a bad file exits 1 and lists the rows.
    let good = dir.path().join("macs.csv");
    std::fs::write(&good, "MAC\n0C:11:05:0B:98:14\n0C11050B9815\n").unwrap();
    let report = json(&run(&["--json", "mac", "import", good.to_str().unwrap()]));
    assert_eq!(report["added"].as_array().unwrap().len(), 2);
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, "MAC\n0C11050B9816\nnope\n").unwrap();
    let out = run(&["mac", "import", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("row: 3"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let listed = json(&run(&["--json", "mac", "list", "--search", "98:15"]));
    assert_eq!(listed["total"], 1);

    // Devices and the import template from the shell.
    let gate = json(&run(&[
        "--json",
        "device",
        "create",
        "--public-area",
        &cid,
        "--type",
        "multi-tenant-door-phone",
        "--mac",
        "0c:11:05:0b:98:14",
        "--name",
        "Gate",
        "--relay",
        "Front Door:1:pin+rf-card",
        "--relay",
        "Garage:2",
    ]));
    assert_eq!(gate["owner"], "Public Device");
    assert_eq!(
        gate["relays"][0]["unlock_methods"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        gate["relays"][1]["unlock_methods"]
            .as_array()
            .unwrap()
            .len(),
        7
    );
    let secrets = json(&run(&[
        "--json",
        "device",
        "secrets",
        &gate["id"].as_u64().unwrap().to_string(),
    ]));
    assert_eq!(secrets["sip_password"].as_str().unwrap().len(), 16);
    let listed = run(&["device", "list", "--community", &cid]);
    let table = String::from_utf8_lossy(&listed.stdout);
    assert!(!table.contains(secrets["sip_password"].as_str().unwrap()));
    // Lists are tables with the manual's columns; codes and enums by name; times in the
    // community's zone (Europe/Berlin), in one format.
    let heading = table.lines().next().unwrap();
    for column in [
        "MAC",
        "Device Name",
        "Device Type",
        "SIP",
        "Status",
        "Created Time",
    ] {
        assert!(heading.contains(column), "{heading}");
    }
    assert!(
        table.contains("Multi-tenant door phone") && table.contains("Offline"),
        "{table}"
    );
    assert!(table.contains(" CET") || table.contains(" CEST"), "{table}");
    let shown = run(&["device", "get", &gate["id"].as_u64().unwrap().to_string()]);
    let shown = String::from_utf8_lossy(&shown.stdout);
    assert!(shown.contains("unlock_methods: "), "{shown}");
    assert!(
        !shown.contains("unlock_methods: 1") && !shown.contains("device_type: 0"),
        "{shown}"
    );
    let communities = run(&["community", "list"]);
    let communities = String::from_utf8_lossy(&communities.stdout);
    assert!(
        communities.starts_with("ID  Name") && communities.contains("End User Count"),
        "{communities}"
    );
    let audit = json(&run(&["--json", "audit", "list"]));
    assert!(
        audit["entries"][0]["detail"].is_object(),
        "audit details are JSON: {audit}"
    );
    let gate_id = gate["id"].as_u64().unwrap().to_string();
    let offline = run(&["device", "unlock", &gate_id, "--relay", "1"]);
    assert_eq!(offline.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&offline.stderr).contains("offline"),
        "{}",
        String::from_utf8_lossy(&offline.stderr)
    );
    let events = json(&run(&[
        "--json",
        "event",
        "list",
        "--community",
        &cid,
        "--kind",
        "door_log",
    ]));
    assert_eq!(events["events"].as_array().unwrap().len(), 0);

    // The device's Settings dialog: connection type and AutoP commands from a file.
    let autop = dir.path().join("gate.autop");
    std::fs::write(&autop, "Config.A = 1\nConfig.A = 2\n").unwrap();
    let settings = json(&run(&[
        "--json",
        "device-settings",
        "set",
        &gate_id,
        "--connection-type",
        "tls",
        "--autop-file",
        autop.to_str().unwrap(),
    ]));
    assert_eq!(settings["connection_type"], "TLS");
    assert_eq!(settings["autop_commands"], "Config.A = 2\n");
    let once = json(&run(&[
        "--json",
        "device-settings",
        "one-time-autop",
        &gate_id,
        "Config.Reboot = 1",
    ]));
    assert_eq!(once["pending_one_time_autop"], "Config.Reboot = 1\n");
    // Upgrades: the gate never connected, so it is no candidate yet, and the list is empty.
    let candidates = json(&run(&[
        "--json",
        "upgrade",
        "candidates",
        "--community",
        &cid,
        "--model",
        "R29",
    ]));
    assert!(
        candidates
            .get("devices")
            .is_none_or(|d| d.as_array().unwrap().is_empty())
    );
    let upgrades = json(&run(&["--json", "upgrade", "list", "--community", &cid]));
    assert!(
        upgrades
            .get("upgrades")
            .is_none_or(|d| d.as_array().unwrap().is_empty())
    );

    let tpl = dir.path().join("template.csv");
    json(&run(&[
        "--json",
        "template",
        "download",
        "--format",
        "csv",
        "--out",
        tpl.to_str().unwrap(),
    ]));
    let mut body = std::fs::read_to_string(&tpl).unwrap();
    body.push_str("Building 2,201,,\"Hall,0,0C11050B9815\",Ann,Lee,,,,,,,,\n");
    std::fs::write(&tpl, body).unwrap();
    let imported = json(&run(&[
        "--json",
        "template",
        "import",
        "--community",
        &cid,
        tpl.to_str().unwrap(),
    ]));
    assert_eq!(imported["committed"], true);
    assert_eq!(imported["devices"], 1);

    // Logout forgets the token.
    json(&run(&["--json", "logout"]));
    assert!(!token.exists());
    let after = run(&["whoami"]);
    assert_eq!(after.status.code(), Some(1));
}

#[tokio::test]
async fn failures_say_what_to_do_and_json_failures_are_objects() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("data")).await;
    let token = dir.path().join("token");
    let run = |args: &[&str]| porter(&server, &token, args, None);

    let anonymous = run(&["whoami"]);
    assert_eq!(anonymous.status.code(), Some(1));
    let said = String::from_utf8_lossy(&anonymous.stderr);
    assert!(
        said.contains("not logged in") && said.contains("porter admin login"),
        "{said}"
    );
    let anonymous = run(&["--json", "whoami"]);
    let error: Value = serde_json::from_slice(&anonymous.stdout).unwrap();
    assert_eq!(error["code"], "UNAUTHENTICATED");

    let login = porter(
        &server,
        &token,
        &["login", "--username", "admin"],
        Some(&format!("{ADMIN_PASSWORD}\n")),
    );
    assert!(login.status.success());
    assert!(
        !String::from_utf8_lossy(&login.stdout).contains("pt_"),
        "no token on screen"
    );

    // A refusal names the rule and the field, in JSON as an object.
    let refused = run(&["--json", "community", "create", "--name", ""]);
    assert_eq!(refused.status.code(), Some(1));
    let error: Value = serde_json::from_slice(&refused.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&refused.stdout)));
    assert_eq!(error["code"], "INVALID_ARGUMENT", "{error}");
    assert!(error["field"].is_string(), "{error}");
    assert!(!error["message"].as_str().unwrap().is_empty());
    let missing = run(&["--json", "community", "get", "999999"]);
    let error: Value = serde_json::from_slice(&missing.stdout).unwrap();
    assert_eq!(error["code"], "NOT_FOUND", "{error}");

    // Deleting asks first; it says what went.
    let community = json(&run(&[
        "--json",
        "community",
        "create",
        "--name",
        "Doomed",
        "--feature-plan",
        "premium",
        "--country",
        "DE",
    ]));
    let cid = community["id"].as_u64().unwrap().to_string();
    let building = json(&run(&[
        "--json",
        "building",
        "create",
        "--community",
        &cid,
        "--name",
        "B1",
    ]));
    let bid = building["id"].as_u64().unwrap().to_string();
    json(&run(&[
        "--json",
        "apartment",
        "create",
        "--building",
        &bid,
        "--apt",
        "101",
        "--floor",
        "1",
    ]));
    let unconfirmed = run(&["building", "delete", &bid, "--cascade"]);
    assert_eq!(unconfirmed.status.code(), Some(1));
    let said = String::from_utf8_lossy(&unconfirmed.stderr);
    assert!(
        said.contains("1 apartment(s)")
            && said.contains("Are you sure you want to delete this item?")
            && said.contains("--yes"),
        "{said}"
    );
    let gone = json(&run(&[
        "--json",
        "--yes",
        "building",
        "delete",
        &bid,
        "--cascade",
    ]));
    assert_eq!(gone["apartments"], 1, "{gone}");
    assert_eq!(gone["deleted_building"]["name"], "B1");
    assert!(
        !run(&["community", "delete", &cid]).status.success(),
        "asks first"
    );
    let gone = json(&run(&["--json", "community", "delete", &cid, "--yes"]));
    assert_eq!(gone["deleted_community"]["name"], "Doomed", "{gone}");
    assert_eq!(gone["buildings"], 0);

    // A session that ended: the saved token no longer works.
    assert!(run(&["logout"]).status.success());
    std::fs::write(&token, "pt_not-a-live-token").unwrap();
    let ended = run(&["whoami"]);
    assert!(
        String::from_utf8_lossy(&ended.stderr).contains("session has ended"),
        "{}",
        String::from_utf8_lossy(&ended.stderr)
    );

    // No server there.
    let nowhere = Command::new(env!("CARGO_BIN_EXE_porter"))
        .args(["admin", "--server", "http://127.0.0.1:1", "whoami"])
        .env("PORTER_TOKEN_FILE", &token)
        .output()
        .unwrap();
    assert_eq!(nowhere.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&nowhere.stderr).contains("is `porter serve` running"),
        "{}",
        String::from_utf8_lossy(&nowhere.stderr)
    );
}

#[tokio::test]
async fn long_operations_show_progress_on_a_terminal_and_nothing_when_piped() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("data")).await;
    let token = dir.path().join("token");
    let login = porter(
        &server,
        &token,
        &["login", "--username", "admin"],
        Some(&format!("{ADMIN_PASSWORD}\n")),
    );
    assert!(login.status.success());
    let image = dir.path().join("big.bin");
    std::fs::write(&image, vec![7u8; 24 * 1024 * 1024]).unwrap();
    let image = image.to_str().unwrap();

    let piped = porter(
        &server,
        &token,
        &[
            "firmware",
            "upload",
            image,
            "--version",
            "1.0.0.1",
            "--model",
            "R29",
        ],
        None,
    );
    assert!(piped.status.success());
    assert!(
        piped.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&piped.stderr)
    );

    // Under a terminal (script(1) gives the command one) the upload shows its bar.
    let command = format!(
        "{} admin firmware upload {image} --version 1.0.0.2 --model R29",
        env!("CARGO_BIN_EXE_porter")
    );
    let on_terminal = Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .env("PORTER_SERVER", server.url())
        .env("PORTER_TOKEN_FILE", &token)
        .output()
        .unwrap();
    assert!(on_terminal.status.success());
    let screen = String::from_utf8_lossy(&on_terminal.stdout);
    assert!(
        screen.contains("uploading") || screen.contains("checking"),
        "{screen}"
    );
}

#[tokio::test]
async fn credentials_are_issued_listed_and_withdrawn_from_a_script() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("data")).await;
    let token = dir.path().join("token");
    let run = |args: &[&str]| porter(&server, &token, args, None);
    json(&porter(
        &server,
        &token,
        &["--json", "login", "--username", "admin"],
        Some(&format!("{ADMIN_PASSWORD}\n")),
    ));
    let community = json(&run(&[
        "--json",
        "community",
        "create",
        "--name",
        "Elm",
        "--feature-plan",
        "premium",
        "--country",
        "Germany",
    ]));
    let cid = community["id"].as_u64().unwrap().to_string();
    assert_eq!(community["resident_features"]["pin_codes"], true);
    let building = json(&run(&[
        "--json",
        "building",
        "create",
        "--community",
        &cid,
        "--name",
        "A",
    ]));
    let bid = building["id"].as_u64().unwrap().to_string();
    let apartment = json(&run(&[
        "--json",
        "apartment",
        "create",
        "--building",
        &bid,
        "--apt",
        "101",
        "--first-name",
        "Lily",
        "--last-name",
        "Zheng",
    ]));
    let aid = apartment["id"].as_u64().unwrap().to_string();

    let pin = json(&run(&[
        "--json",
        "credential",
        "create",
        "--community",
        &cid,
        "--apartment",
        &aid,
        "--holder",
        "resident",
        "--pin",
        "2580",
    ]));
    assert_eq!(pin["method"], "PIN");
    assert_eq!(pin["holder"]["name"], "Lily Zheng");
    assert_eq!(pin["doors"]["area"], "ALL");
    let key = json(&run(&[
        "--json",
        "credential",
        "create",
        "--community",
        &cid,
        "--apartment",
        &aid,
        "--holder",
        "visitor:Ada",
        "--key",
        "qr",
        "--until",
        "+2d",
        "--repeat",
        "weekly",
        "--days",
        "mon,fri",
        "--start",
        "09:00",
        "--end",
        "17:30",
        "--uses",
        "3",
        "--floors",
        "4",
        "--doors",
        "public",
    ]));
    assert_eq!(key["value"].as_str().unwrap().len(), 8);
    assert_eq!(key["validity"]["weekdays"], 0b10001);
    assert_eq!(key["validity"]["day_end_minute"], 17 * 60 + 30);
    assert_eq!(key["validity"]["max_uses"], 3);
    // A clash says what is wrong and writes nothing.
    let clash = run(&[
        "--json",
        "credential",
        "create",
        "--community",
        &cid,
        "--apartment",
        &aid,
        "--holder",
        "resident",
        "--card",
        "1",
        "--pin",
        "1",
    ]);
    assert!(!clash.status.success());
    let listed = json(&run(&["--json", "credential", "list", "--community", &cid]));
    assert_eq!(listed["total"], 2);

    // The residents' switches: PIN codes off refuses a new resident PIN.
    let switched = json(&run(&[
        "--json",
        "community",
        "features",
        &cid,
        "--pin-codes",
        "false",
    ]));
    assert_eq!(switched["resident_features"]["pin_codes"], false);
    assert_eq!(switched["resident_features"]["qr_codes"], true);

    let pin_id = pin["id"].as_u64().unwrap().to_string();
    json(&run(&["--json", "--yes", "credential", "delete", &pin_id]));
    let moved = json(&run(&["--json", "--yes", "apartment", "move-out", &aid]));
    assert!(moved["resident"].is_null(), "{moved}");
    let listed = json(&run(&["--json", "credential", "list", "--community", &cid]));
    assert_eq!(listed["total"], 0, "{listed}");
    server.stop().await;
}

#[tokio::test]
async fn the_outbox_and_a_residents_password_reset_from_a_script() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("data")).await;
    let token = dir.path().join("token");
    let run = |args: &[&str]| porter(&server, &token, args, None);
    json(&porter(
        &server,
        &token,
        &["--json", "login", "--username", "admin"],
        Some(&format!("{ADMIN_PASSWORD}\n")),
    ));
    let get_id = |out: Output| String::from_utf8(stdout_of(out)).unwrap().trim().to_owned();
    let cid = get_id(run(&[
        "--get",
        "id",
        "community",
        "create",
        "--name",
        "Elm",
        "--feature-plan",
        "premium",
        "--country",
        "Germany",
    ]));
    let bid = get_id(run(&[
        "--get",
        "id",
        "building",
        "create",
        "--community",
        &cid,
        "--name",
        "A",
    ]));
    let aid = get_id(run(&[
        "--get",
        "id",
        "apartment",
        "create",
        "--building",
        &bid,
        "--apt",
        "101",
        "--first-name",
        "Lily",
        "--last-name",
        "Zheng",
        "--email",
        "lily@example.com",
    ]));
    stdout_of(run(&["apartment", "reset-password", &aid]));
    let outbox = json(&run(&["--json", "mail", "outbox"]));
    let kinds: Vec<&str> = outbox["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["password-reset", "invitation"], "{outbox}");
    // Without --smtp-url the messages wait, listed as pending.
    assert_eq!(outbox["messages"][0]["state"], "pending");
    let table = String::from_utf8(stdout_of(run(&["mail", "outbox"]))).unwrap();
    assert!(
        table.starts_with("ID ") && table.contains("lily@example.com"),
        "{table}"
    );
    server.stop().await;
}

/// A successful command's stdout.
fn stdout_of(out: Output) -> Vec<u8> {
    assert!(
        out.status.success(),
        "porter admin failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}
