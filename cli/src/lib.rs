//! `porter admin`: every admin API operation from the shell, as a gRPC client that depends
//! on `porter-proto` only. `commands/` holds one file per admin service (its clap commands
//! and how each runs); `context` connects and holds the one call-then-print step; `output`
//! prints (`--json` or readable text); `session` keeps the login token; `error` says what
//! went wrong.

pub mod commands;
mod confirm;
mod context;
pub mod error;
mod output;
mod progress;
mod session;
mod upload;

use clap::{Args, Subcommand};

use commands::{
    account::{AccountCmd, InstallerCmd, SubAccountCmd},
    apartment::{ApartmentCmd, FamilyCmd, ResidentCmd},
    audit::AuditCmd,
    building::BuildingCmd,
    camera::CameraCmd,
    community::CommunityCmd,
    credential::CredentialCmd,
    device::DeviceCmd,
    device_settings::SettingsCmd,
    event::EventCmd,
    firmware::FirmwareCmd,
    mac::MacCmd,
    mail::MailCmd,
    property_manager::PmCmd,
    subscription::SubscriptionCmd,
    template::TemplateCmd,
    upgrade::UpgradeCmd,
};
use context::Ctx;
pub use error::CliError;

#[derive(Debug, Args)]
pub struct AdminArgs {
    /// Admin API address.
    #[arg(
        long,
        env = "PORTER_SERVER",
        default_value = "http://127.0.0.1:50051",
        global = true
    )]
    pub server: String,
    /// Bearer token (default: the one `porter admin login` saved).
    #[arg(long, env = "PORTER_TOKEN", global = true, hide_env_values = true)]
    pub token: Option<String>,
    /// Print responses (and failures) as JSON.
    #[arg(long, global = true)]
    pub json: bool,
    /// Print only this field of the answer (a dotted path such as `id` or
    /// `account.username`), for scripts: `ID=$(porter admin --get id community create …)`.
    #[arg(long, global = true, value_name = "FIELD", conflicts_with = "json")]
    pub get: Option<String>,
    /// Answer yes to the confirmation that deleting a community or building or resetting an
    /// apartment asks for (needed when not on a terminal).
    #[arg(long, short = 'y', global = true)]
    pub yes: bool,
    #[command(subcommand)]
    pub command: TopCmd,
}

#[derive(Debug, Subcommand)]
pub enum TopCmd {
    /// Log in and save the token (to ~/.config/porter/token, or PORTER_TOKEN_FILE) for later
    /// commands. The password comes from --password, PORTER_PASSWORD, or the first line of
    /// standard input.
    Login {
        #[arg(long, env = "PORTER_USER")]
        username: String,
        #[arg(long)]
        password: Option<String>,
        /// The authentication code of an account with two-factor login (its app's 6 digits,
        /// or a recovery code).
        #[arg(long)]
        code: Option<String>,
        /// Also print the token (for a script that passes it on as PORTER_TOKEN); by default
        /// it is only saved.
        #[arg(long)]
        print_token: bool,
    },
    /// End the session and forget the saved token.
    Logout,
    /// Show the logged-in account.
    Whoami,
    /// Change the password (other sessions end).
    Password {
        #[arg(long)]
        old: String,
        #[arg(long)]
        new: String,
    },
    /// The installer's time zone, customer service, billing information, account setting.
    #[command(subcommand)]
    Account(AccountCmd),
    /// Sub-installer accounts.
    #[command(subcommand)]
    SubAccount(SubAccountCmd),
    /// Installer accounts (site operator only).
    #[command(subcommand)]
    Installer(InstallerCmd),
    /// Communities with every setting of the manual's community form.
    #[command(subcommand)]
    Community(CommunityCmd),
    /// Buildings of a community.
    #[command(subcommand)]
    Building(BuildingCmd),
    /// Apartments with their resident (family master).
    #[command(subcommand)]
    Apartment(ApartmentCmd),
    /// Community-level resident search.
    #[command(subcommand)]
    Resident(ResidentCmd),
    /// Family members of an apartment.
    #[command(subcommand)]
    Family(FamilyCmd),
    /// Intercom devices.
    #[command(subcommand)]
    Device(DeviceCmd),
    /// What devices reported.
    #[command(subcommand)]
    Event(EventCmd),
    /// Third-party RTSP cameras.
    #[command(subcommand)]
    Camera(CameraCmd),
    /// PIN codes, RF cards, faces and visitor/delivery keys.
    #[command(subcommand)]
    Credential(CredentialCmd),
    /// The resident and device import template.
    #[command(subcommand)]
    Template(TemplateCmd),
    /// The MAC library.
    #[command(subcommand)]
    Mac(MacCmd),
    /// Property manager accounts and their community assignments.
    #[command(subcommand, name = "pm")]
    PropertyManager(PmCmd),
    /// The audit trail: who changed what, newest first.
    #[command(subcommand)]
    Audit(AuditCmd),
    /// Email: the outbox and what became of each message.
    #[command(subcommand)]
    Mail(MailCmd),
    /// The firmware list: upload, list, delete images.
    #[command(subcommand)]
    Firmware(FirmwareCmd),
    /// Upgrade strategies of a community.
    #[command(subcommand)]
    Upgrade(UpgradeCmd),
    /// A device's Settings dialog: connection type, AutoP commands, one-time AutoP.
    #[command(subcommand)]
    DeviceSettings(SettingsCmd),
    /// Subscription orders (activation, renewal) and the operator's payment confirmation.
    #[command(subcommand)]
    Subscription(SubscriptionCmd),
}

/// Runs one `porter admin` command; on failure prints what went wrong (as JSON with
/// `--json`) and returns false.
pub async fn main(args: AdminArgs) -> bool {
    let json = args.json;
    match run(args).await {
        Ok(()) => true,
        Err(e) => {
            report(&e, json);
            false
        }
    }
}

/// How a failure reads: `error: …` on standard error, or with `--json` the error object on
/// standard output (where the answer would have been).
#[allow(clippy::print_stdout, clippy::print_stderr)]
fn report(e: &CliError, json: bool) {
    if json {
        println!("{}", e.to_json());
    } else {
        eprintln!("error: {e}");
    }
}

/// Runs one `porter admin` command.
pub async fn run(args: AdminArgs) -> Result<(), CliError> {
    let token = session::load_token(args.token.as_deref());
    let had_token = token.is_some();
    let (channel, bearer) = session::connect(&args.server, token).await?;
    let ctx = Ctx::new(channel, bearer, args.json, args.yes, args.get);
    let logging_in = matches!(args.command, TopCmd::Login { .. });
    dispatch(&ctx, args.command).await.map_err(|e| match e {
        CliError::Status {
            code: tonic::Code::Unauthenticated,
            ..
        } if !logging_in => CliError::NotLoggedIn { expired: had_token },
        other => other,
    })
}

async fn dispatch(ctx: &Ctx, command: TopCmd) -> Result<(), CliError> {
    match command {
        TopCmd::Login {
            username,
            password,
            code,
            print_token,
        } => commands::auth::login(ctx, username, password, code, print_token).await,
        TopCmd::Logout => commands::auth::logout(ctx).await,
        TopCmd::Whoami => commands::auth::whoami(ctx).await,
        TopCmd::Password { old, new } => commands::auth::password(ctx, old, new).await,
        TopCmd::Account(c) => c.run(ctx).await,
        TopCmd::SubAccount(c) => c.run(ctx).await,
        TopCmd::Installer(c) => c.run(ctx).await,
        TopCmd::Community(c) => c.run(ctx).await,
        TopCmd::Building(c) => c.run(ctx).await,
        TopCmd::Apartment(c) => c.run(ctx).await,
        TopCmd::Resident(c) => c.run(ctx).await,
        TopCmd::Family(c) => c.run(ctx).await,
        TopCmd::Device(c) => c.run(ctx).await,
        TopCmd::Event(c) => c.run(ctx).await,
        TopCmd::Camera(c) => c.run(ctx).await,
        TopCmd::Credential(c) => c.run(ctx).await,
        TopCmd::Template(c) => c.run(ctx).await,
        TopCmd::Mac(c) => c.run(ctx).await,
        TopCmd::PropertyManager(c) => c.run(ctx).await,
        TopCmd::Audit(c) => c.run(ctx).await,
        TopCmd::Mail(c) => c.run(ctx).await,
        TopCmd::Firmware(c) => c.run(ctx).await,
        TopCmd::Upgrade(c) => c.run(ctx).await,
        TopCmd::DeviceSettings(c) => c.run(ctx).await,
        TopCmd::Subscription(c) => c.run(ctx).await,
    }
}
