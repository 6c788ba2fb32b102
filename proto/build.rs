//! Compiles the device protocol's `.proto` file, and with the `admin` feature the admin API's
//! with its gRPC stubs, with a vendored protoc, so a fresh machine needs no system protoc.

use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let protoc = protoc_bin_vendored::protoc_bin_path()?;
    let out_dir = PathBuf::from(std::env::var("OUT_DIR")?);
    let admin = std::env::var_os("CARGO_FEATURE_ADMIN").is_some();
    let mut config = tonic_prost_build::Config::new();
    config.protoc_executable(protoc);
    // `prost::Name` on every message: clients find its descriptor (porter-cli prints enum
    // fields by name through it).
    config.enable_type_names();
    let mut files = vec!["porter/device/v1/device.proto"];
    if admin {
        files.push("porter/admin/v1/admin.proto");
    }
    tonic_prost_build::configure()
        .build_server(admin)
        .build_client(admin)
        .file_descriptor_set_path(out_dir.join("porter_v1_descriptor.bin"))
        .type_attribute(".porter.admin.v1", "#[derive(serde::Serialize)]")
        .type_attribute(".porter.device.v1", "#[derive(serde::Serialize)]")
        .compile_with_config(config, &files, &["."])?;
    println!("cargo:rerun-if-changed=porter");
    Ok(())
}
