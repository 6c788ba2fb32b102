//! The domain model: plain records with validating constructors. Records reference each
//! other by id; `Directory` keeps the indexes.

pub mod account;
pub mod apartment;
pub mod autop;
pub mod building;
pub mod camera;
pub mod community;
pub mod credential;
pub mod device;
pub mod end_user;
pub mod firmware;
pub mod mac;
pub mod property_manager;
pub mod subscription;
pub mod upgrade;

pub use account::{Account, BillingInfo, CustomerService, Role, Session, SitePolicy, Tenant};
pub use apartment::{
    ActiveStatus, Apartment, ApartmentInput, AppStatus, CallMode, FamilyMember, FamilyMemberInput,
    Language, Resident, ResidentInput,
};
pub use autop::{AutopCommand, Maintenance, SipTransportKind};
pub use building::Building;
pub use camera::{Camera, CameraInput};
pub use community::{
    AccessControl, Address, ChargeMode, Community, CommunitySettings, DateFormat, FeaturePlan,
    PinMode, ResidentFeatures, TimeFormat,
};
pub use credential::{
    Credential, DoorChoice, Doors, FacePhoto, Holder, KeyFormat, KeyTerms, Method, PhotoFormat,
    Repeat, Validity,
};
pub use device::{
    ContactDisplay, Device, DeviceInput, DeviceScope, DeviceType, MAX_RELAYS, Relay, UnlockMethod,
};
pub use end_user::{AccountLink, EndUser, EndUserRef, LinkOwner, LinkPurpose, end_users_of};
pub use firmware::{Firmware, FirmwareInput};
pub use mac::MacEntry;
pub use property_manager::{
    PASSWORD_REMINDER_INTERVAL_MS, PmAssignment, PmPermissions, PropertyManager,
    PropertyManagerInput,
};
pub use subscription::{OrderFilter, OrderInput, OrderKind, OrderStatus, SubscriptionOrder};
pub use upgrade::{
    DeviceUpgrade, DeviceUpgradeStatus, RolloutPolicy, StrategyStatus, UpgradeStrategy,
    UpgradeTiming,
};

/// Record identifiers: one sequence shared by all record kinds, never reused.
pub type Id = u64;
