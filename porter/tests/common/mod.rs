//! A real `porter serve` process on an ephemeral port, and gRPC clients for it.

#![allow(dead_code, clippy::unwrap_used)]

pub mod cluster;
pub mod postgres;
pub mod sim_door;
pub mod sipp;
pub mod smtp;
pub mod upgrades;

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use pb::{
    account_service_client::AccountServiceClient, apartment_service_client::ApartmentServiceClient,
    audit_service_client::AuditServiceClient, auth_service_client::AuthServiceClient,
    building_service_client::BuildingServiceClient, camera_service_client::CameraServiceClient,
    community_service_client::CommunityServiceClient,
    credential_service_client::CredentialServiceClient, device_service_client::DeviceServiceClient,
    device_settings_service_client::DeviceSettingsServiceClient,
    event_service_client::EventServiceClient, firmware_service_client::FirmwareServiceClient,
    mac_library_service_client::MacLibraryServiceClient, mail_service_client::MailServiceClient,
    property_manager_service_client::PropertyManagerServiceClient,
    resident_service_client::ResidentServiceClient,
    subscription_service_client::SubscriptionServiceClient,
    template_service_client::TemplateServiceClient, upgrade_service_client::UpgradeServiceClient,
};
use porter_proto::admin::v1 as pb;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use tonic::service::interceptor::InterceptedService;
use tonic::transport::Channel;
use tonic::{Code, Request, Status};

pub const ADMIN_USER: &str = "admin";
pub const ADMIN_PASSWORD: &str = "first-admin-pw";

pub struct Server {
    child: Child,
    pub addr: String,
    /// The device gateway (TLS) address.
    pub gateway_addr: String,
    /// The device gateway over WebSocket (TLS) address.
    pub gateway_ws_addr: String,
    /// The HTTPS listener (remote control).
    pub https_addr: String,
    /// The plain-TCP gateway, when started with `--gateway-plain-listen`.
    pub gateway_plain_addr: Option<String>,
    /// SIP over UDP and TCP (one port).
    pub sip_addr: String,
    pub sip_tls_addr: String,
    pub sip_ws_addr: String,
    /// The AutoP client-certificate listener, when started with `--autop-mtls-listen`.
    pub autop_mtls_addr: Option<String>,
    /// The installers' web portal (HTTPS, with the admin API over gRPC-Web).
    pub portal_addr: String,
    pub data_dir: PathBuf,
}

impl Server {
    /// Starts `porter serve` on `data_dir` and waits until the admin API listens.
    pub async fn start(data_dir: &Path) -> Server {
        Self::start_with(data_dir, &[]).await
    }

    pub async fn start_with(data_dir: &Path, extra: &[&str]) -> Server {
        Self::spawn(data_dir, "127.0.0.1", extra, None, &[]).await
    }

    /// The server with every listener on loopback address `host` (127.0.0.2, say: one
    /// node of a cluster per address).
    pub async fn start_on(data_dir: &Path, host: &str, extra: &[&str]) -> Server {
        Self::spawn(data_dir, host, extra, None, &[]).await
    }

    /// The server with its wall clock `offset` ahead ("+74h"), under Debian's libfaketime
    /// loaded into porter itself; monotonic time stays real, so timers behave.
    pub async fn start_faked(data_dir: &Path, extra: &[&str], offset: &str) -> Server {
        let library = ["x86_64-linux-gnu", "aarch64-linux-gnu"]
            .iter()
            .map(|arch| format!("/usr/lib/{arch}/faketime/libfaketimeMT.so.1"))
            .find(|p| Path::new(p).exists())
            .expect("libfaketime is not installed (apt-get install faketime)");
        let env = [
            ("LD_PRELOAD", library.as_str()),
            ("FAKETIME", offset),
            ("FAKETIME_DONT_FAKE_MONOTONIC", "1"),
        ];
        Self::spawn(data_dir, "127.0.0.1", extra, None, &env).await
    }

    /// The server with its open-file limit (soft and hard) at `open_files`, as under
    /// `ulimit -n`.
    pub async fn start_with_open_files(data_dir: &Path, open_files: u64) -> Server {
        Self::spawn(data_dir, "127.0.0.1", &[], Some(open_files), &[]).await
    }

    async fn spawn(
        data_dir: &Path,
        host: &str,
        extra: &[&str],
        open_files: Option<u64>,
        env: &[(&str, &str)],
    ) -> Server {
        let porter = env!("CARGO_BIN_EXE_porter");
        let mut command = match open_files {
            // util-linux's prlimit runs the server with the limit and becomes it (exec).
            Some(n) => {
                let mut c = Command::new("prlimit");
                c.arg(format!("--nofile={n}:{n}")).arg("--").arg(porter);
                c
            }
            None => Command::new(porter),
        };
        let mut child = command
            .arg("serve")
            .arg("--data-dir")
            .arg(data_dir)
            .args(
                [
                    "--admin-listen",
                    "--gateway-listen",
                    "--gateway-ws-listen",
                    "--https-listen",
                    "--portal-listen",
                    "--sip-listen",
                    "--sip-tls-listen",
                    "--sip-ws-listen",
                ]
                .iter()
                .flat_map(|flag| [flag.to_string(), format!("{host}:0")]),
            )
            // PORTER_TEST_LOG (a tracing filter) shows more when a test needs looking into.
            .args([
                "--log",
                &std::env::var("PORTER_TEST_LOG").unwrap_or("warn".into()),
            ])
            .args(extra)
            .env("PORTER_ADMIN_USER", ADMIN_USER)
            .env("PORTER_ADMIN_PASSWORD", ADMIN_PASSWORD)
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .expect("spawn porter");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        let (mut sip_tls_addr, mut sip_ws_addr) = (String::new(), String::new());
        let mut autop_mtls_addr = None;
        let mut portal_addr = String::new();
        let (addr, gateway_addr, gateway_ws_addr, gateway_plain_addr, https_addr, sip_addr) =
            tokio::time::timeout(Duration::from_secs(60), async {
                let (mut gateway, mut ws, mut plain) = (String::new(), String::new(), None);
                let (mut https, mut sip) = (String::new(), String::new());
                while let Some(line) = lines.next_line().await.expect("read stdout") {
                    if let Some(addr) = line.strip_prefix("porter: gateway listening on ") {
                        gateway = addr.to_owned();
                    }
                    if let Some(addr) = line.strip_prefix("porter: gateway-ws listening on ") {
                        ws = addr.to_owned();
                    }
                    if let Some(addr) = line.strip_prefix("porter: gateway-plain listening on ") {
                        plain = Some(addr.to_owned());
                    }
                    if let Some(addr) = line.strip_prefix("porter: https listening on ") {
                        https = addr.to_owned();
                    }
                    if let Some(addr) = line.strip_prefix("porter: sip listening on ") {
                        sip = addr.to_owned();
                    }
                    if let Some(addr) = line.strip_prefix("porter: sip-tls listening on ") {
                        sip_tls_addr = addr.to_owned();
                    }
                    if let Some(addr) = line.strip_prefix("porter: sip-ws listening on ") {
                        sip_ws_addr = addr.to_owned();
                    }
                    if let Some(addr) = line.strip_prefix("porter: autop-mtls listening on ") {
                        autop_mtls_addr = Some(addr.to_owned());
                    }
                    if let Some(addr) = line.strip_prefix("porter: portal listening on ") {
                        portal_addr = addr.to_owned();
                    }
                    if let Some(addr) = line.strip_prefix("porter: admin listening on ") {
                        return (addr.to_owned(), gateway, ws, plain, https, sip);
                    }
                }
                panic!("porter exited before listening");
            })
            .await
            .expect("porter did not start within 60 s");
        // Keep draining stdout so the server never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Server {
            child,
            addr,
            gateway_addr,
            gateway_ws_addr,
            gateway_plain_addr,
            https_addr,
            sip_addr,
            sip_tls_addr,
            sip_ws_addr,
            autop_mtls_addr,
            portal_addr,
            data_dir: data_dir.to_owned(),
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub async fn channel(&self) -> Channel {
        Channel::from_shared(self.url())
            .unwrap()
            .connect()
            .await
            .expect("connect")
    }

    /// Logs in and returns a client carrying the token.
    pub async fn login(&self, username: &str, password: &str) -> Client {
        self.try_login(username, password)
            .await
            .unwrap_or_else(|s| panic!("login {username}: {s}"))
    }

    pub async fn try_login(&self, username: &str, password: &str) -> Result<Client, Status> {
        let channel = self.channel().await;
        let resp = AuthServiceClient::new(channel.clone())
            .login(pb::LoginRequest {
                username: username.into(),
                password: password.into(),
                ..Default::default()
            })
            .await?
            .into_inner();
        Ok(Client {
            channel,
            token: resp.token,
            account: resp.account.unwrap(),
        })
    }

    /// A second installer (tenant), created by the operator `by`, logged in.
    pub async fn other_installer(&self, by: &Client, username: &str) -> Client {
        let created = by
            .account()
            .create_installer(pb::CreateInstallerRequest {
                username: username.into(),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
        self.login(username, &created.generated_password).await
    }

    pub async fn admin(&self) -> Client {
        self.login(ADMIN_USER, ADMIN_PASSWORD).await
    }

    /// SIGKILL: no shutdown code runs.
    pub async fn kill(mut self) {
        self.child.start_kill().expect("kill");
        self.child.wait().await.expect("wait");
    }

    /// SIGTERM and wait for a clean exit.
    pub async fn stop(mut self) {
        let pid = self.child.id().expect("pid");
        let status = std::process::Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status()
            .expect("kill -TERM");
        assert!(status.success());
        let exit = tokio::time::timeout(Duration::from_secs(30), self.child.wait())
            .await
            .expect("server did not stop within 30 s after SIGTERM")
            .expect("wait");
        assert!(exit.success(), "porter exited with {exit}");
    }
}

#[derive(Clone)]
pub struct Bearer(String);

impl tonic::service::Interceptor for Bearer {
    fn call(&mut self, mut req: Request<()>) -> Result<Request<()>, Status> {
        req.metadata_mut().insert(
            "authorization",
            format!("Bearer {}", self.0).parse().unwrap(),
        );
        Ok(req)
    }
}

type Svc = InterceptedService<Channel, Bearer>;

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("account", &self.account)
            .finish()
    }
}

#[derive(Clone)]
pub struct Client {
    pub channel: Channel,
    pub token: String,
    pub account: pb::AccountInfo,
}

impl Client {
    fn bearer(&self) -> Bearer {
        Bearer(self.token.clone())
    }
    pub fn auth(&self) -> AuthServiceClient<Svc> {
        AuthServiceClient::with_interceptor(self.channel.clone(), self.bearer())
    }
    pub fn account(&self) -> AccountServiceClient<Svc> {
        AccountServiceClient::with_interceptor(self.channel.clone(), self.bearer())
    }
    pub fn community(&self) -> CommunityServiceClient<Svc> {
        CommunityServiceClient::with_interceptor(self.channel.clone(), self.bearer())
    }
    pub fn building(&self) -> BuildingServiceClient<Svc> {
        BuildingServiceClient::with_interceptor(self.channel.clone(), self.bearer())
    }
    pub fn apartment(&self) -> ApartmentServiceClient<Svc> {
        ApartmentServiceClient::with_interceptor(self.channel.clone(), self.bearer())
    }
    pub fn cameras(&self) -> CameraServiceClient<Svc> {
        CameraServiceClient::with_interceptor(self.channel.clone(), self.bearer())
    }
    pub fn devices(&self) -> DeviceServiceClient<Svc> {
        DeviceServiceClient::with_interceptor(self.channel.clone(), self.bearer())
    }
    pub fn templates(&self) -> TemplateServiceClient<Svc> {
        TemplateServiceClient::with_interceptor(self.channel.clone(), self.bearer())
    }
    pub fn credentials(&self) -> CredentialServiceClient<Svc> {
        CredentialServiceClient::with_interceptor(self.channel.clone(), self.bearer())
    }
    pub fn events(&self) -> EventServiceClient<Svc> {
        EventServiceClient::with_interceptor(self.channel.clone(), self.bearer())
    }
    pub fn macs(&self) -> MacLibraryServiceClient<Svc> {
        MacLibraryServiceClient::with_interceptor(self.channel.clone(), self.bearer())
    }
    pub fn pm(&self) -> PropertyManagerServiceClient<Svc> {
        PropertyManagerServiceClient::with_interceptor(self.channel.clone(), self.bearer())
    }
    pub fn resident(&self) -> ResidentServiceClient<Svc> {
        ResidentServiceClient::with_interceptor(self.channel.clone(), self.bearer())
    }
    pub fn mail(&self) -> MailServiceClient<Svc> {
        MailServiceClient::with_interceptor(self.channel.clone(), self.bearer())
    }
    pub fn audit(&self) -> AuditServiceClient<Svc> {
        AuditServiceClient::with_interceptor(self.channel.clone(), self.bearer())
    }
    pub fn device_settings(&self) -> DeviceSettingsServiceClient<Svc> {
        DeviceSettingsServiceClient::with_interceptor(self.channel.clone(), self.bearer())
    }
    pub fn firmware(&self) -> FirmwareServiceClient<Svc> {
        FirmwareServiceClient::with_interceptor(self.channel.clone(), self.bearer())
    }
    pub fn upgrades(&self) -> UpgradeServiceClient<Svc> {
        UpgradeServiceClient::with_interceptor(self.channel.clone(), self.bearer())
    }
    pub fn subscriptions(&self) -> SubscriptionServiceClient<Svc> {
        SubscriptionServiceClient::with_interceptor(self.channel.clone(), self.bearer())
    }

    /// A device as the admin API shows it (with its connection state).
    pub async fn device(&self, id: u64) -> pb::Device {
        self.devices()
            .get_device(pb::GetDeviceRequest { id })
            .await
            .unwrap()
            .into_inner()
    }

    pub async fn create_community(&self, name: &str, plan: pb::FeaturePlan) -> pb::Community {
        self.community()
            .create_community(pb::CreateCommunityRequest {
                settings: Some(community_settings(name, plan)),
            })
            .await
            .unwrap()
            .into_inner()
    }

    pub async fn create_building(&self, community_id: u64, name: &str) -> pb::Building {
        self.building()
            .create_building(pb::CreateBuildingRequest {
                community_id,
                name: name.into(),
            })
            .await
            .unwrap()
            .into_inner()
    }

    pub async fn create_apartment(
        &self,
        building_id: u64,
        apt: &str,
        resident: Option<pb::ResidentInput>,
    ) -> Result<pb::Apartment, Status> {
        self.apartment()
            .create_apartment(pb::CreateApartmentRequest {
                building_id,
                apartment: Some(pb::ApartmentInput {
                    apt_number: Some(apt.into()),
                    ..Default::default()
                }),
                resident,
                indoor_monitor: None,
            })
            .await
            .map(|r| r.into_inner())
    }

    /// An apartment with its indoor monitor; the MAC is added to the library first.
    pub async fn create_apartment_with_monitor(
        &self,
        building_id: u64,
        apt: &str,
        resident: Option<pb::ResidentInput>,
        mac: &str,
    ) -> Result<pb::Apartment, Status> {
        self.macs()
            .add_mac(pb::AddMacRequest { mac: mac.into() })
            .await?;
        self.apartment()
            .create_apartment(pb::CreateApartmentRequest {
                building_id,
                apartment: Some(pb::ApartmentInput {
                    apt_number: Some(apt.into()),
                    ..Default::default()
                }),
                resident,
                indoor_monitor: Some(pb::DeviceInput {
                    mac: Some(mac.into()),
                    name: Some(format!("Monitor {apt}")),
                    ..Default::default()
                }),
            })
            .await
            .map(|r| r.into_inner())
    }

    /// A device's SIP account as (number, password).
    pub async fn sip_account(&self, device_id: u64) -> (String, String) {
        let s = self
            .devices()
            .get_device_secrets(pb::GetDeviceRequest { id: device_id })
            .await
            .expect("secrets")
            .into_inner();
        (s.sip_number, s.sip_password)
    }

    pub async fn audit_count(&self) -> usize {
        self.audit()
            .list_audit(pb::ListAuditRequest {
                before_seq: 0,
                limit: 500,
            })
            .await
            .unwrap()
            .into_inner()
            .entries
            .len()
    }
}

/// A community for SIP tests: building B1 with apartment 101 (its indoor monitor, MAC
/// 0C11050B9901) and a door phone in the lobby (MAC 0C11050B9902).
pub struct SipSite {
    pub community_id: u64,
    pub apartment_id: u64,
    pub door_id: u64,
    pub monitor_id: u64,
    /// (SIP number, password) of each device.
    pub door: (String, String),
    pub monitor: (String, String),
}

impl Client {
    pub async fn set_call_type(&self, apartment_id: u64, call_type: u32) {
        self.apartment()
            .update_apartment(pb::UpdateApartmentRequest {
                id: apartment_id,
                apartment: Some(pb::ApartmentInput {
                    call_type: Some(call_type),
                    ..Default::default()
                }),
                resident: None,
            })
            .await
            .expect("call type");
    }

    /// The apartment's family SIP account (number, password): its SmartPlus apps'.
    pub async fn family_sip_account(&self, apartment_id: u64) -> (String, String) {
        let account = self
            .apartment()
            .get_apartment_sip_account(pb::GetApartmentRequest { id: apartment_id })
            .await
            .expect("family SIP account")
            .into_inner();
        (account.sip_number, account.sip_password)
    }

    /// The apartment's SmartPlus service, ordered by the installer and paid: the operator
    /// (the test's admin, also an installer) confirms the payment.
    pub async fn pay_subscription(&self, apartment_id: u64) {
        let now_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis() as i64;
        let order = self
            .subscriptions()
            .create_order(pb::CreateOrderRequest {
                kind: pb::OrderKind::Activation as i32,
                apartment_ids: vec![apartment_id],
                expires_at_ms: now_ms + 30 * 24 * 3600 * 1000,
            })
            .await
            .expect("order")
            .into_inner();
        let paid = self
            .subscriptions()
            .confirm_payment(pb::ConfirmPaymentRequest {
                order_id: order.id,
                payment_reference: "INV-1".into(),
            })
            .await
            .expect("payment")
            .into_inner();
        assert_eq!(paid.apartments_changed, 1);
    }

    /// The door's door-log entries of DTMF unlocks, newest first.
    pub async fn dtmf_door_log(
        &self,
        community_id: u64,
        door_id: u64,
    ) -> Vec<porter_proto::device::v1::DoorLog> {
        use porter_proto::device::v1::UnlockMethod;
        self.events()
            .list_events(pb::ListEventsRequest {
                community_id,
                kind: "door_log".into(),
                device_id: door_id,
                ..Default::default()
            })
            .await
            .expect("door log")
            .into_inner()
            .events
            .into_iter()
            .filter_map(|e| match e.detail {
                Some(pb::device_event::Detail::DoorLog(l))
                    if l.method == UnlockMethod::Dtmf as i32 =>
                {
                    Some(l)
                }
                _ => None,
            })
            .collect()
    }

    /// `sip_site` in a Premium community named Lakeside, without a resident.
    pub async fn lakeside(&self) -> SipSite {
        self.sip_site(
            community_settings("Lakeside", pb::FeaturePlan::Premium),
            None,
        )
        .await
    }

    pub async fn sip_site(
        &self,
        settings: pb::CommunitySettings,
        resident: Option<pb::ResidentInput>,
    ) -> SipSite {
        let c = self
            .community()
            .create_community(pb::CreateCommunityRequest {
                settings: Some(settings),
            })
            .await
            .expect("community")
            .into_inner();
        let b = self.create_building(c.id, "B1").await;
        let apt = self
            .create_apartment_with_monitor(b.id, "101", resident, "0C11050B9901")
            .await
            .expect("apartment");
        self.macs()
            .add_mac(pb::AddMacRequest {
                mac: "0C11050B9902".into(),
            })
            .await
            .expect("mac");
        let door = self
            .devices()
            .create_device(pb::CreateDeviceRequest {
                scope: Some(pb::create_device_request::Scope::BuildingId(b.id)),
                device: Some(pb::DeviceInput {
                    device_type: Some(0),
                    mac: Some("0C11050B9902".into()),
                    name: Some("Lobby".into()),
                    ..Default::default()
                }),
            })
            .await
            .expect("door phone")
            .into_inner();
        let devices = self
            .devices()
            .list_devices(pb::ListDevicesRequest {
                community_id: c.id,
                ..Default::default()
            })
            .await
            .expect("list")
            .into_inner();
        let monitor = devices
            .devices
            .iter()
            .find(|d| d.id != door.id)
            .expect("monitor");
        SipSite {
            community_id: c.id,
            apartment_id: apt.id,
            door_id: door.id,
            monitor_id: monitor.id,
            door: self.sip_account(door.id).await,
            monitor: self.sip_account(monitor.id).await,
        }
    }
}

pub fn community_settings(name: &str, plan: pb::FeaturePlan) -> pb::CommunitySettings {
    pb::CommunitySettings {
        name: Some(name.into()),
        feature_plan: Some(plan as i32),
        apartment_count: Some(200),
        address: Some(pb::Address {
            country: "Germany".into(),
            state: "Berlin".into(),
            city: "Berlin".into(),
            post_code: "10115".into(),
            street: "Invalidenstr. 1".into(),
        }),
        time_zone: Some("Europe/Berlin".into()),
        ..Default::default()
    }
}

pub fn resident(first: &str, last: &str, email: &str) -> pb::ResidentInput {
    pb::ResidentInput {
        first_name: Some(first.into()),
        last_name: Some(last.into()),
        email: Some(email.into()),
        ..Default::default()
    }
}

/// Asserts a gRPC error's code and that its message names `field`.
#[track_caller]
pub fn assert_status<T: std::fmt::Debug>(result: Result<T, Status>, code: Code, field: &str) {
    match result {
        Ok(v) => panic!("expected {code:?} naming {field:?}, got Ok({v:?})"),
        Err(s) => {
            assert_eq!(s.code(), code, "{s:?}");
            assert!(
                s.message().contains(field),
                "message {:?} should name {field:?}",
                s.message()
            );
        }
    }
}

/// Asserts that no file under `dir` holds any of `secrets` in clear; returns bytes scanned.
pub fn assert_no_file_contains(dir: &Path, secrets: &[&str]) -> usize {
    let mut stack = vec![dir.to_owned()];
    let mut scanned = 0;
    while let Some(p) = stack.pop() {
        if p.is_dir() {
            stack.extend(std::fs::read_dir(&p).unwrap().map(|e| e.unwrap().path()));
        } else {
            let bytes = std::fs::read(&p).unwrap();
            for secret in secrets {
                assert!(
                    !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
                    "{} holds a secret in clear",
                    p.display()
                );
            }
            scanned += bytes.len();
        }
    }
    scanned
}

/// Runs curl (installed by the test command) and returns (HTTP status, body as text).
pub async fn curl(args: &[&str]) -> (String, String) {
    let out = tokio::process::Command::new("curl")
        .args(["-sS", "--max-time", "20", "-w", "\n%{http_code}"])
        .args(args)
        .output()
        .await
        .expect("curl is installed by the test command");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let (body, code) = text.rsplit_once('\n').unwrap_or((&text, ""));
    (code.to_owned(), body.to_owned())
}

/// A porter-sim connector to the server's gateway over `transport`, trusting its certificate.
pub fn connector(
    server: &Server,
    transport: porter_sim::link::Transport,
) -> std::sync::Arc<porter_sim::link::Connector> {
    use porter_sim::link::{Connector, Transport};
    let addr = match transport {
        Transport::Tls | Transport::Quic => server.gateway_addr.clone(),
        Transport::Ws => server.gateway_ws_addr.clone(),
        Transport::Tcp => server
            .gateway_plain_addr
            .clone()
            .expect("plain TCP enabled"),
    };
    let ca = std::fs::read(server.data_dir.join("gateway-cert.pem")).unwrap();
    std::sync::Arc::new(
        Connector::new(
            transport,
            addr.parse().unwrap(),
            "127.0.0.1",
            &ca,
            vec![],
            false,
        )
        .unwrap(),
    )
}

/// The server's Prometheus page (`/metrics` on the admin listener).
pub async fn metrics(server: &Server) -> String {
    let text = admin_get(server, "/metrics").await;
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    text
}

/// A plain HTTP/1.1 GET of `path` on the admin listener: the whole response.
pub async fn admin_get(server: &Server, path: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut tcp = tokio::net::TcpStream::connect(&server.addr).await.unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: porter\r\nConnection: close\r\n\r\n");
    tcp.write_all(request.as_bytes()).await.unwrap();
    let mut text = String::new();
    tcp.read_to_string(&mut text).await.unwrap();
    text
}

/// A porter-sim device online on the gateway over TLS, until `stop`.
pub struct SimDevice {
    pub counters: std::sync::Arc<porter_sim::device::Counters>,
    stop: tokio::sync::watch::Sender<bool>,
    _storm: tokio::sync::watch::Sender<u64>,
    task: tokio::task::JoinHandle<()>,
}

impl SimDevice {
    /// Connects device `device_id` (its MAC and credential from the admin API) as a
    /// `model`, and waits until the admin API shows it online.
    pub async fn connect(
        server: &Server,
        admin: &Client,
        device_id: u64,
        model: &str,
    ) -> SimDevice {
        Self::connect_with(server, admin, device_id, model, Default::default()).await
    }

    /// Like `connect`, with the device behaving as `behaviour` says.
    pub async fn connect_with(
        server: &Server,
        admin: &Client,
        device_id: u64,
        model: &str,
        behaviour: porter_sim::device::Behaviour,
    ) -> SimDevice {
        use porter_sim::device::{self, Controls, Counters, DeviceSpec};
        use porter_sim::link::{Connector, Transport};

        let ca = std::fs::read(server.data_dir.join("gateway-cert.pem")).unwrap();
        let connector = Connector::new(
            Transport::Tls,
            server.gateway_addr.parse().unwrap(),
            "127.0.0.1",
            &ca,
            vec![],
            false,
        )
        .unwrap();
        let view = admin.device(device_id).await;
        let credential = admin
            .devices()
            .get_device_secrets(pb::GetDeviceRequest { id: device_id })
            .await
            .unwrap()
            .into_inner()
            .credential;
        let spec = DeviceSpec {
            mac: view.mac.clone(),
            credential,
            model: model.into(),
            firmware_version: "29.30.2.805".into(),
            device_type: 0,
        };
        let (stop, stop_rx) = tokio::sync::watch::channel(false);
        let (storm, storm_rx) = tokio::sync::watch::channel(0);
        let counters = std::sync::Arc::new(Counters::default());
        let task = tokio::spawn({
            let counters = counters.clone();
            async move {
                let _ = device::run(
                    spec,
                    std::sync::Arc::new(connector),
                    0,
                    behaviour,
                    counters,
                    Controls {
                        stop: stop_rx,
                        storm: storm_rx,
                        instructions: None,
                    },
                    None,
                )
                .await;
            }
        });
        for _ in 0..200 {
            if admin.device(device_id).await.online {
                return SimDevice {
                    counters,
                    stop,
                    _storm: storm,
                    task,
                };
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the simulated device {} did not come online", view.mac);
    }

    pub async fn stop(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }
}

/// A building's door phone named `name` with `mac` (added to the installer's library first).
pub async fn building_door(client: &Client, building_id: u64, mac: &str, name: &str) -> u64 {
    client
        .macs()
        .add_mac(pb::AddMacRequest { mac: mac.into() })
        .await
        .unwrap();
    client
        .devices()
        .create_device(pb::CreateDeviceRequest {
            scope: Some(pb::create_device_request::Scope::BuildingId(building_id)),
            device: Some(pb::DeviceInput {
                device_type: Some(0),
                mac: Some(mac.into()),
                name: Some(name.into()),
                ..Default::default()
            }),
        })
        .await
        .unwrap()
        .into_inner()
        .id
}

/// A public-area door phone with `mac` (added to the installer's library first).
pub async fn door_phone(client: &Client, community_id: u64, mac: &str) -> u64 {
    client
        .macs()
        .add_mac(pb::AddMacRequest { mac: mac.into() })
        .await
        .unwrap();
    client
        .devices()
        .create_device(pb::CreateDeviceRequest {
            scope: Some(pb::create_device_request::Scope::PublicArea(
                pb::PublicArea {
                    community_id,
                    building_ids: vec![],
                },
            )),
            device: Some(pb::DeviceInput {
                device_type: Some(0),
                mac: Some(mac.into()),
                name: Some(format!("Gate {mac}")),
                ..Default::default()
            }),
        })
        .await
        .unwrap()
        .into_inner()
        .id
}

/// A face photo big enough to be taken (a PNG header; no pixels are read); `seed` makes
/// photos differ.
#[allow(dead_code)]
pub fn face_png(seed: u8) -> Vec<u8> {
    let mut b = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
    b.extend_from_slice(&480u32.to_be_bytes());
    b.extend_from_slice(&640u32.to_be_bytes());
    b.extend_from_slice(&[8, 2, 0, 0, 0, seed]);
    b
}

/// POST `body` to /captures as device `mac`: (status, answer).
#[allow(dead_code)]
pub async fn upload_capture(
    server: &Server,
    mac: &str,
    password: &str,
    query: &str,
    body: &[u8],
) -> (String, String) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("image");
    std::fs::write(&file, body).unwrap();
    let ca = server.data_dir.join("gateway-cert.pem");
    let auth = format!("{mac}:{password}");
    let data = format!("@{}", file.display());
    let url = format!("https://{}/captures?{query}", server.https_addr);
    curl(&[
        "--cacert",
        ca.to_str().unwrap(),
        "-u",
        &auth,
        "-H",
        "Content-Type: image/png",
        "--data-binary",
        &data,
        &url,
    ])
    .await
}
