//! `porter`: the server (`porter serve`) and its admin command-line client (`porter admin`).

mod allocator;
mod bootstrap;
mod calls;
mod config;
mod descriptors;
mod housekeeping;
mod serve;
mod signal;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "porter",
    version,
    about = "Porter: the cloud platform for apartment intercoms"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the server: device gateway, SIP, HTTPS for devices (AutoP, firmware, remote
    /// control) and the admin API.
    Serve(Box<config::Settings>),
    /// Manage communities, buildings, apartments, residents and accounts from the shell.
    Admin(Box<porter_cli::AdminArgs>),
}

fn main() -> std::process::ExitCode {
    match Cli::parse().command {
        Command::Serve(settings) => match serve(*settings) {
            Ok(()) => std::process::ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: {}", describe(&e));
                std::process::ExitCode::FAILURE
            }
        },
        Command::Admin(args) => admin(*args),
    }
}

/// The error and its causes, each once: library errors often show their cause in their own
/// message too, and printing the whole chain would repeat it.
fn describe(e: &anyhow::Error) -> String {
    let mut out = String::new();
    for cause in e.chain() {
        let text = cause.to_string();
        if !out.contains(&text) {
            if !out.is_empty() {
                out.push_str(": ");
            }
            out.push_str(&text);
        }
    }
    out
}

fn serve(settings: config::Settings) -> anyhow::Result<()> {
    let config = config::ServeConfig::resolve(settings)?;
    init_tracing(&config.log);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(serve::run(config, signal::shutdown()))
}

/// `porter admin`: the CLI prints its own errors (as JSON with `--json`).
fn admin(args: porter_cli::AdminArgs) -> std::process::ExitCode {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: starting the runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    if runtime.block_on(porter_cli::main(args)) {
        std::process::ExitCode::SUCCESS
    } else {
        std::process::ExitCode::FAILURE
    }
}

fn init_tracing(filter: &str) {
    let filter = tracing_subscriber::EnvFilter::try_new(filter)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn causes_already_in_a_message_are_not_repeated() {
        let io = std::io::Error::other("could not acquire lock");
        let e = anyhow::Error::new(io)
            .context("sled: IO error: could not acquire lock")
            .context("opening the store in ./data");
        assert_eq!(
            describe(&e),
            "opening the store in ./data: sled: IO error: could not acquire lock"
        );
        let plain = anyhow::anyhow!("inner").context("outer");
        assert_eq!(describe(&plain), "outer: inner");
    }
}
