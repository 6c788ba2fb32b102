//! Protobuf types and gRPC stubs for Porter, and the device protocol's framing.
//!
//! Only `admin-api` (server side) and the `porter admin` client use the admin types; the
//! device types are shared by the gateway and `porter-sim`. The rest of the workspace
//! speaks `porter-store`'s domain types.

pub mod frame;

#[allow(clippy::all, clippy::pedantic)]
pub mod admin {
    pub mod v1 {
        tonic::include_proto!("porter.admin.v1");

        /// Encoded `FileDescriptorSet` of the admin API, for gRPC reflection.
        pub const FILE_DESCRIPTOR_SET: &[u8] =
            tonic::include_file_descriptor_set!("porter_admin_v1_descriptor");
    }
}

#[allow(clippy::all, clippy::pedantic)]
pub mod device {
    pub mod v1 {
        tonic::include_proto!("porter.device.v1");
    }
}
