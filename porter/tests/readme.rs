//! The README's walkthrough, run as written: its shell block goes to bash against a fresh
//! server, with `porter` and `porter-sim` on the path, in a folder laid out like the
//! repository root (the server's data in `porter-data/`, the examples in `docs/`).

#![allow(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};

use common::{ADMIN_PASSWORD, Server};

/// The walkthrough's script: the shell block that logs in.
fn walkthrough(readme: &str) -> String {
    let section = readme
        .split("## Walkthrough with the admin CLI")
        .nth(1)
        .expect("the README has the walkthrough");
    section
        .split("```sh\n")
        .skip(1)
        .filter_map(|block| block.split("```").next())
        .find(|block| block.contains("porter admin login"))
        .expect("a shell block that logs in")
        .to_owned()
}

fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn the_readme_walkthrough_works_as_written() {
    let readme = std::fs::read_to_string(repository().join("README.md")).unwrap();
    let script = walkthrough(&readme);
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::os::unix::fs::symlink(repository().join("docs"), root.join("docs")).unwrap();
    let server = Server::start(&root.join("porter-data")).await;
    let bin = Path::new(env!("CARGO_BIN_EXE_porter")).parent().unwrap();
    assert!(
        bin.join("porter-sim").exists(),
        "porter-sim is not built next to porter: build the workspace first (scripts/test.sh does)"
    );
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = tokio::process::Command::new("bash")
        .args(["-euo", "pipefail", "-c", &script])
        .current_dir(root)
        .env("PATH", path)
        .env("HOME", root)
        .env("PORTER_ADMIN_PASSWORD", ADMIN_PASSWORD)
        .env("PORTER_SERVER", server.url())
        .env("PORTER_SIM_GATEWAY", &server.gateway_addr)
        .env_remove("PORTER_TOKEN")
        .env_remove("PORTER_TOKEN_FILE")
        .output()
        .await
        .unwrap();
    let said = String::from_utf8_lossy(&out.stdout);
    let complaints = String::from_utf8_lossy(&out.stderr);
    let sim = std::fs::read_to_string(root.join("sim.log")).unwrap_or_default();
    assert!(
        out.status.success(),
        "the walkthrough failed:\n{said}\n--- stderr\n{complaints}\n--- sim.log\n{sim}"
    );
    // What it set out to show did happen.
    assert!(said.contains("Lakeside"), "{said}");
    assert!(
        said.contains("relay 1 opened") || said.contains("opened"),
        "{said}"
    );
    assert!(said.contains("/remote/"), "a remote-control link: {said}");
    assert!(said.contains("Multi-tenant door phone"), "{said}");
    assert!(
        said.contains("INV-1042") || said.contains("SUCCEED"),
        "{said}"
    );
    server.stop().await;
}
