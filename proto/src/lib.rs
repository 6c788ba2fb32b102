//! Protobuf types for Porter, and the device protocol's framing.
//!
//! `device` (always built, prost only) is shared by the gateway and `porter-sim`; `admin`
//! (feature `admin`: the messages and tonic's gRPC stubs) by the admin API and its clients.
//! The rest of the workspace speaks `porter-store`'s domain types.

pub mod frame;

#[cfg(feature = "admin")]
#[allow(clippy::all, clippy::pedantic)]
pub mod admin {
    pub mod v1 {
        tonic::include_proto!("porter.admin.v1");

        /// Encoded `FileDescriptorSet` of the admin API (and the device protocol it
        /// refers to), for gRPC reflection.
        pub const FILE_DESCRIPTOR_SET: &[u8] =
            tonic::include_file_descriptor_set!("porter_v1_descriptor");
    }
}

#[allow(clippy::all, clippy::pedantic)]
pub mod device {
    pub mod v1 {
        include!(concat!(env!("OUT_DIR"), "/porter.device.v1.rs"));
    }
}
