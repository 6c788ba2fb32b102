//! Where `porter admin` connects and which token it sends. A successful `login` saves the
//! token (mode 0600) so later commands need no flags.

use std::path::PathBuf;

use tonic::metadata::AsciiMetadataValue;
use tonic::service::Interceptor;
use tonic::transport::Channel;
use tonic::{Request, Status};

use crate::error::CliError;

/// Adds `authorization: Bearer <token>` to every call.
#[derive(Clone)]
pub struct Bearer(Option<AsciiMetadataValue>);

impl Interceptor for Bearer {
    fn call(&mut self, mut req: Request<()>) -> Result<Request<()>, Status> {
        if let Some(v) = &self.0 {
            req.metadata_mut().insert("authorization", v.clone());
        }
        Ok(req)
    }
}

pub fn token_file() -> Option<PathBuf> {
    if let Ok(p) = std::env::var("PORTER_TOKEN_FILE") {
        return Some(PathBuf::from(p));
    }
    std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config/porter/token"))
}

pub fn save_token(token: &str) -> Result<Option<PathBuf>, CliError> {
    let Some(path) = token_file() else {
        return Ok(None);
    };
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|e| CliError::io(format!("creating {}", parent.display()), e))?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let written = options
        .open(&path)
        .and_then(|mut file| std::io::Write::write_all(&mut file, token.as_bytes()));
    written.map_err(|e| CliError::io(format!("writing {}", path.display()), e))?;
    Ok(Some(path))
}

pub fn forget_token() {
    if let Some(path) = token_file() {
        let _ = std::fs::remove_file(path);
    }
}

/// The token from `--token`/`PORTER_TOKEN`, else the saved one.
pub fn load_token(explicit: Option<&str>) -> Option<String> {
    explicit.map(str::to_owned).or_else(|| {
        token_file()
            .and_then(|p| std::fs::read_to_string(p).ok())
            .map(|t| t.trim().to_owned())
            .filter(|t| !t.is_empty())
    })
}

pub async fn connect(server: &str, token: Option<String>) -> Result<(Channel, Bearer), CliError> {
    let channel = Channel::from_shared(server.to_owned())
        .map_err(|_| {
            CliError::Usage(format!(
                "{server:?} is not a server URL (e.g. http://127.0.0.1:50051)"
            ))
        })?
        .connect()
        .await
        .map_err(|source| CliError::Connect {
            server: server.to_owned(),
            source,
        })?;
    let bearer = match token {
        Some(t) => Some(
            format!("Bearer {t}")
                .parse()
                .map_err(|_| CliError::Usage("the token is not valid header text".into()))?,
        ),
        None => None,
    };
    Ok((channel, Bearer(bearer)))
}
