//! `porter admin account|sub-account|installer`: the installer's own settings, sub-installer
//! accounts, and installer accounts (site operator only).

use clap::{Args, Subcommand};
use porter_proto::admin::v1 as pb;

use crate::commands::community::{DateFmt, Hours};
use crate::context::Ctx;
use crate::error::CliError;

#[derive(Debug, Subcommand)]
pub enum AccountCmd {
    /// Set the account's time zone (IANA name).
    TimeZone {
        time_zone: String,
        /// How times outside a community are shown (unchanged when not given).
        #[arg(long)]
        time_format: Option<Hours>,
        #[arg(long)]
        date_format: Option<DateFmt>,
    },
    /// Show, or with any flag set, the customer service contact.
    CustomerService {
        #[arg(long)]
        phone: Option<String>,
        #[arg(long)]
        email: Option<String>,
        #[arg(long)]
        receive_feedback: Option<bool>,
    },
    /// Show, or with any flag set, the billing information.
    Billing(BillingArgs),
    /// Show, or set, distributor access ("Permission Granted").
    Setting {
        #[arg(long)]
        distributor_access: Option<bool>,
    },
}

#[derive(Debug, Args)]
pub struct BillingArgs {
    #[arg(long)]
    company: Option<String>,
    #[arg(long)]
    attn: Option<String>,
    #[arg(long)]
    street: Option<String>,
    #[arg(long)]
    city: Option<String>,
    #[arg(long)]
    post_code: Option<String>,
    #[arg(long)]
    country: Option<String>,
    #[arg(long)]
    tel: Option<String>,
    #[arg(long)]
    fax: Option<String>,
    #[arg(long)]
    email: Option<String>,
}

impl BillingArgs {
    pub fn is_empty(&self) -> bool {
        [
            &self.company,
            &self.attn,
            &self.street,
            &self.city,
            &self.post_code,
            &self.country,
            &self.tel,
            &self.fax,
            &self.email,
        ]
        .iter()
        .all(|f| f.is_none())
    }

    pub fn merge(self, cur: pb::BillingInfo) -> pb::BillingInfo {
        pb::BillingInfo {
            company: self.company.unwrap_or(cur.company),
            attn: self.attn.unwrap_or(cur.attn),
            street: self.street.unwrap_or(cur.street),
            city: self.city.unwrap_or(cur.city),
            post_code: self.post_code.unwrap_or(cur.post_code),
            country: self.country.unwrap_or(cur.country),
            tel: self.tel.unwrap_or(cur.tel),
            fax: self.fax.unwrap_or(cur.fax),
            email: self.email.unwrap_or(cur.email),
        }
    }
}

/// A new installer or sub-installer account.
#[derive(Debug, Args)]
pub struct NewAccount {
    #[arg(long)]
    username: String,
    #[arg(long)]
    email: Option<String>,
    #[arg(long)]
    phone: Option<String>,
    /// Without it a password is generated and shown once.
    #[arg(long)]
    password: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum SubAccountCmd {
    /// New sub-account; without --password one is generated and shown once.
    Create(NewAccount),
    /// Your sub-installer accounts.
    List,
    /// Change a sub-installer's email, phone or password.
    Update {
        id: u64,
        #[arg(long)]
        email: Option<String>,
        #[arg(long)]
        phone: Option<String>,
        #[arg(long)]
        password: Option<String>,
    },
    /// Delete a sub-installer account.
    Delete { id: u64 },
}

#[derive(Debug, Subcommand)]
pub enum InstallerCmd {
    /// New installer account (tenant); without --password one is generated.
    Create(NewAccount),
}

impl AccountCmd {
    pub async fn run(self, ctx: &Ctx) -> Result<(), CliError> {
        let mut c = ctx.account();
        match self {
            AccountCmd::TimeZone {
                time_zone,
                time_format,
                date_format,
            } => {
                ctx.print(c.set_time_zone(pb::SetTimeZoneRequest {
                    time_zone,
                    time_format: time_format.map_or(0, Hours::pb),
                    date_format: date_format.map_or(0, DateFmt::pb),
                }))
                .await?
            }
            AccountCmd::CustomerService {
                phone,
                email,
                receive_feedback,
            } => {
                let r = if phone.is_none() && email.is_none() && receive_feedback.is_none() {
                    c.get_customer_service(pb::Empty {}).await
                } else {
                    let cur = c.get_customer_service(pb::Empty {}).await?.into_inner();
                    c.set_customer_service(pb::CustomerService {
                        phone: phone.unwrap_or(cur.phone),
                        email: email.unwrap_or(cur.email),
                        receive_feedback: receive_feedback.unwrap_or(cur.receive_feedback),
                    })
                    .await
                };
                ctx.show(&r?.into_inner()).await?;
            }
            AccountCmd::Billing(b) => {
                let cur = c.get_billing_info(pb::Empty {}).await?.into_inner();
                let r = if b.is_empty() {
                    cur
                } else {
                    c.set_billing_info(b.merge(cur)).await?.into_inner()
                };
                ctx.show(&r).await?;
            }
            AccountCmd::Setting { distributor_access } => {
                let r = match distributor_access {
                    None => c.get_account_setting(pb::Empty {}).await,
                    Some(on) => {
                        c.set_account_setting(pb::AccountSetting {
                            distributor_access: on,
                        })
                        .await
                    }
                };
                ctx.show(&r?.into_inner()).await?;
            }
        }

        Ok(())
    }
}

impl SubAccountCmd {
    pub async fn run(self, ctx: &Ctx) -> Result<(), CliError> {
        let mut c = ctx.account();
        match self {
            SubAccountCmd::Create(a) => {
                ctx.print(c.create_sub_installer(pb::CreateSubInstallerRequest {
                    username: a.username,
                    email: a.email.unwrap_or_default(),
                    phone: a.phone.unwrap_or_default(),
                    password: a.password.unwrap_or_default(),
                }))
                .await?
            }
            SubAccountCmd::List => ctx.print(c.list_sub_installers(pb::Empty {})).await?,
            SubAccountCmd::Update {
                id,
                email,
                phone,
                password,
            } => {
                ctx.print(c.update_sub_installer(pb::UpdateSubInstallerRequest {
                    id,
                    email,
                    phone,
                    password,
                }))
                .await?
            }
            SubAccountCmd::Delete { id } => {
                ctx.done(c.delete_sub_installer(pb::DeleteSubInstallerRequest { id }))
                    .await?;
            }
        }

        Ok(())
    }
}

impl InstallerCmd {
    pub async fn run(self, ctx: &Ctx) -> Result<(), CliError> {
        let InstallerCmd::Create(a) = self;
        ctx.print(ctx.account().create_installer(pb::CreateInstallerRequest {
            username: a.username,
            email: a.email.unwrap_or_default(),
            phone: a.phone.unwrap_or_default(),
            password: a.password.unwrap_or_default(),
        }))
        .await
    }
}
