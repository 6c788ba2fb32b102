//! A firmware image as an `UploadFirmware` client stream: the header (with the file's
//! SHA-256 and size, so the server refuses a transfer that went wrong), then the bytes.

use futures_util::stream::{self, Stream};
use porter_proto::admin::v1::{self as pb, upload_firmware_request::Part};
use sha2::{Digest, Sha256};
use tokio::io::AsyncReadExt;

use crate::error::CliError;

/// Bytes per message: well under the server's 4 MiB message limit.
const CHUNK: usize = 1024 * 1024;

/// The upload of the image at `path`; `bar` follows the bytes as they are sent.
pub async fn request(
    path: &std::path::Path,
    mut header: pb::FirmwareHeader,
    bar: indicatif::ProgressBar,
) -> Result<impl Stream<Item = pb::UploadFirmwareRequest> + Send + 'static, CliError> {
    bar.set_message(format!("checking {}", path.display()));
    let (sha256, size) = digest(path).await?;
    bar.set_length(size);
    bar.set_message(format!("uploading {}", path.display()));
    header.sha256 = sha256;
    header.size = size;
    let file = tokio::fs::File::open(path)
        .await
        .map_err(|e| CliError::io(format!("opening {}", path.display()), e))?;
    let first = pb::UploadFirmwareRequest {
        part: Some(Part::Header(header)),
    };
    // A read error ends the stream early; the server then refuses the short image by its
    // size and checksum.
    let chunks = stream::unfold((file, bar), |(mut file, bar)| async move {
        let mut buf = vec![0u8; CHUNK];
        match file.read(&mut buf).await {
            Ok(0) | Err(_) => None,
            Ok(n) => {
                buf.truncate(n);
                bar.inc(n as u64);
                let message = pb::UploadFirmwareRequest {
                    part: Some(Part::Chunk(buf)),
                };
                Some((message, (file, bar)))
            }
        }
    });
    Ok(futures_util::StreamExt::chain(
        stream::iter([first]),
        chunks,
    ))
}

async fn digest(path: &std::path::Path) -> Result<(String, u64), CliError> {
    let mut file = tokio::fs::File::open(path)
        .await
        .map_err(|e| CliError::io(format!("opening {}", path.display()), e))?;
    let mut hasher = Sha256::new();
    let mut size = 0u64;
    let mut buf = vec![0u8; CHUNK];
    loop {
        let n = file
            .read(&mut buf)
            .await
            .map_err(|e| CliError::io(format!("reading {}", path.display()), e))?;
        if n == 0 {
            break;
        }
        size += n as u64;
        hasher.update(&buf[..n]);
    }
    Ok((hex::encode(hasher.finalize()), size))
}
