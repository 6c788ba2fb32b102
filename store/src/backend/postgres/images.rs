//! Firmware images shared between nodes (cluster mode): the node that takes an upload
//! copies it here in 1 MiB chunks, one transaction; a node asked for an image it does not
//! have copies it to its own disk from here.

use std::path::Path;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::error::BackendError;

/// Bytes per chunk row.
const CHUNK: usize = 1 << 20;

fn io(e: std::io::Error) -> BackendError {
    BackendError::Unavailable(format!("reading or writing a firmware image: {e}"))
}

/// Copies the image at `path` (named by its `sha256`) into the database, unless it is
/// there already.
pub(super) async fn share(
    pool: &deadpool_postgres::Pool,
    sha256: &str,
    path: &Path,
) -> Result<(), BackendError> {
    let mut client = pool.get().await?;
    let there = client
        .query_opt(
            "SELECT 1 FROM firmware_images WHERE sha256 = $1",
            &[&sha256],
        )
        .await?;
    if there.is_some() {
        return Ok(());
    }
    let mut file = tokio::fs::File::open(path).await.map_err(io)?;
    let tx = client.transaction().await?;
    let insert = tx
        .prepare("INSERT INTO firmware_chunks (sha256, n, bytes) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
        .await?;
    let mut buffer = vec![0u8; CHUNK];
    let (mut n, mut size) = (0i32, 0i64);
    loop {
        let filled = fill(&mut file, &mut buffer).await.map_err(io)?;
        if filled == 0 {
            break;
        }
        tx.execute(&insert, &[&sha256, &n, &&buffer[..filled]])
            .await?;
        n += 1;
        size += filled as i64;
    }
    tx.execute(
        "INSERT INTO firmware_images (sha256, size, chunks) VALUES ($1, $2, $3) \
         ON CONFLICT DO NOTHING",
        &[&sha256, &size, &n],
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Reads until `buffer` is full or the file ends; how many bytes.
async fn fill(file: &mut tokio::fs::File, buffer: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buffer.len() {
        match file.read(&mut buffer[filled..]).await? {
            0 => break,
            read => filled += read,
        }
    }
    Ok(filled)
}

/// Writes image `sha256` from the database to `dest`; false when the database does not
/// have it. The caller checks the bytes against the name.
pub(super) async fn fetch(
    pool: &deadpool_postgres::Pool,
    sha256: &str,
    dest: &Path,
) -> Result<bool, BackendError> {
    let client = pool.get().await?;
    let Some(row) = client
        .query_opt(
            "SELECT chunks FROM firmware_images WHERE sha256 = $1",
            &[&sha256],
        )
        .await?
    else {
        return Ok(false);
    };
    let chunks: i32 = row.get(0);
    let mut file = tokio::fs::File::create(dest).await.map_err(io)?;
    let one = client
        .prepare("SELECT bytes FROM firmware_chunks WHERE sha256 = $1 AND n = $2")
        .await?;
    // One chunk in memory at a time, however large the image.
    for n in 0..chunks {
        let row = client.query_one(&one, &[&sha256, &n]).await?;
        let bytes: &[u8] = row.get(0);
        file.write_all(bytes).await.map_err(io)?;
    }
    file.sync_all().await.map_err(io)?;
    Ok(true)
}

/// Forgets image `sha256` (no firmware entry names it any more).
pub(super) async fn forget(
    pool: &deadpool_postgres::Pool,
    sha256: &str,
) -> Result<(), BackendError> {
    let mut client = pool.get().await?;
    let tx = client.transaction().await?;
    tx.execute("DELETE FROM firmware_images WHERE sha256 = $1", &[&sha256])
        .await?;
    tx.execute("DELETE FROM firmware_chunks WHERE sha256 = $1", &[&sha256])
        .await?;
    tx.commit().await?;
    Ok(())
}
