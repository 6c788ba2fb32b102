//! Porter's domain model and its persistence.
//!
//! - `model`: records and their validating constructors; `rules`: every input rule.
//! - `Directory`: all records in memory with their indexes; changed only by `apply`.
//! - `Store`: the one write path (validate → atomic commit to a `Backend` → apply →
//!   durable), and the operations in `ops`, which check tenancy through the `Actor`.
//! - `backend`: sled (default) and memory; PostgreSQL implements the same trait later.
//!
//! Only this crate touches sled.

pub mod access;
pub mod auth;
pub mod auth_failures;
pub mod backend;
pub mod clock;
pub mod credential_index;
mod directory;
mod end_users;
pub mod error;
pub mod events;
pub mod fixtures;
pub mod last_seen;
pub mod lease;
pub mod live;
pub mod model;
pub mod ops;
pub mod outbox;
pub mod presence;
pub mod record;
pub mod revocation;
pub mod rules;
pub mod secrets;
mod store;
pub mod tabular;
pub mod template;
pub mod two_factor;

pub use clock::{Clock, ManualClock, SystemClock};
pub use directory::{Actor, CommunityCounts, Directory};
pub use error::{BackendError, Result, RowError, StoreError};
pub use ops::accounts::{AccountEdit, AccountInput, NewAccount};
pub use ops::apartments::ApartmentView;
pub use ops::buildings::BuildingView;
pub use ops::calls::{ApartmentCall, CallDestination, CallRefusal, DoorRelays};
pub use ops::cameras::CameraView;
pub use ops::communities::{CommunitySort, CommunityView};
pub use ops::credentials::{CredentialFilter, CredentialInput, KeyInput};
pub use ops::devices::{
    DeviceFilter, DeviceSecrets, DeviceSort, DeviceView, SipAccount, SipAccountOwner,
};
pub use ops::end_users::Home as EndUserHome;
pub use ops::import::TemplateImport;
pub use ops::listing::{Page, PageRequest};
pub use ops::login::{LoginOutcome, MAX_SESSIONS_PER_ACCOUNT, Principal};
pub use ops::macs::{MacImport, MacView};
pub use ops::maintenance::MaintenanceEdit;
pub use ops::order_candidates::{CandidateFilter, Candidates, OrderCandidate};
pub use ops::overview::{CommunityOverview, DoorDay, OverviewDevice};
pub use ops::property_managers::NewPropertyManager;
pub use ops::scope::ScopeRequest;
pub use ops::search::{ApartmentSort, ResidentFilter, ResidentSort};
pub use ops::upgrades::{UpgradeFilter, UpgradeInput};
pub use record::AuditEntry;
pub use revocation::{DeviceBinding, Revocation, RevokeReason};
pub use store::{ChangedCommunities, Revocations, Store};
