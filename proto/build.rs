//! Compiles the admin API and device protocol `.proto` files with a vendored protoc, so a fresh machine needs
//! no system protoc.

use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let protoc = protoc_bin_vendored::protoc_bin_path()?;
    let out_dir = PathBuf::from(std::env::var("OUT_DIR")?);
    let mut config = tonic_prost_build::Config::new();
    config.protoc_executable(protoc);
    tonic_prost_build::configure()
        .file_descriptor_set_path(out_dir.join("porter_admin_v1_descriptor.bin"))
        .type_attribute(".porter.admin.v1", "#[derive(serde::Serialize)]")
        .type_attribute(".porter.device.v1", "#[derive(serde::Serialize)]")
        .compile_with_config(
            config,
            &[
                "porter/admin/v1/admin.proto",
                "porter/device/v1/device.proto",
            ],
            &["."],
        )?;
    println!("cargo:rerun-if-changed=porter");
    Ok(())
}
