//! Firmware images, stored by content: an image's name is the SHA-256 of its bytes, so the
//! same image uploaded twice is kept once, a download can be checked against its name, and
//! nothing needs a database to find it.
//!
//! Layout under the root: `images/ab/abcdef…` (the first two hex digits fan the files out)
//! and `incoming/` for uploads in progress. An upload is streamed into `incoming/` while it
//! is hashed and counted; only a complete image within the size limit is flushed to disk and
//! renamed into place, so a crash or a refused upload never leaves a partial image behind.

use std::io::SeekFrom;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncSeekExt, AsyncWriteExt};

/// What can go wrong; every error names what was wrong.
#[derive(Debug, thiserror::Error)]
pub enum FirmwareError {
    #[error("the image is larger than the limit of {limit} bytes")]
    TooLarge { limit: u64 },
    #[error("the image is empty")]
    Empty,
    #[error("{0:?} is not an image id (64 lower-case hex digits of a SHA-256)")]
    BadId(String),
    #[error("no image {0}")]
    NotFound(ImageId),
    #[error("the image's SHA-256 is {actual}, not the expected {expected}")]
    Mismatch { expected: ImageId, actual: ImageId },
    #[error("byte range {start}-{end} is outside the image's {size} bytes")]
    BadRange { start: u64, end: u64, size: u64 },
    #[error("firmware storage: {0}")]
    Io(#[from] std::io::Error),
}

pub type Result<T> = std::result::Result<T, FirmwareError>;

/// An image's name: the lower-case hex SHA-256 of its bytes.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ImageId(String);

impl ImageId {
    pub fn parse(s: &str) -> Result<ImageId> {
        let ok = s.len() == 64
            && s.bytes()
                .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c));
        if ok {
            Ok(ImageId(s.to_owned()))
        } else {
            Err(FirmwareError::BadId(s.chars().take(80).collect()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for ImageId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// An image just stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredImage {
    pub id: ImageId,
    pub size: u64,
    /// The same bytes were already there (nothing new was written).
    pub already_stored: bool,
}

/// The firmware images of one server.
#[derive(Clone, Debug)]
pub struct FirmwareStore {
    root: PathBuf,
    max_image_bytes: u64,
}

/// Read and hash in pieces this large.
const CHUNK: usize = 64 * 1024;

/// The largest image a server takes unless configured otherwise (512 MiB).
pub const DEFAULT_MAX_IMAGE_BYTES: u64 = 512 << 20;

impl FirmwareStore {
    /// Opens (creating) the store under `root`; uploads that a crash interrupted are removed.
    pub async fn open(root: impl Into<PathBuf>, max_image_bytes: u64) -> Result<FirmwareStore> {
        let root = root.into();
        tokio::fs::create_dir_all(root.join("images")).await?;
        let incoming = root.join("incoming");
        if tokio::fs::try_exists(&incoming).await? {
            tokio::fs::remove_dir_all(&incoming).await?;
        }
        tokio::fs::create_dir_all(&incoming).await?;
        Ok(FirmwareStore {
            root,
            max_image_bytes,
        })
    }

    pub fn max_image_bytes(&self) -> u64 {
        self.max_image_bytes
    }

    /// A new file name among the uploads in progress (removed at the next `open` if left
    /// behind), for bytes on their way in from elsewhere before `put_expecting`.
    pub fn scratch_path(&self) -> Result<PathBuf> {
        Ok(self
            .root
            .join("incoming")
            .join(format!("{}.fetch", random_name()?)))
    }

    /// Where an image's bytes are (whether or not it is stored).
    pub fn path(&self, id: &ImageId) -> PathBuf {
        self.root.join("images").join(&id.0[..2]).join(&id.0)
    }

    /// Streams an image in. Nothing is kept when it is empty, too large or unreadable.
    pub async fn put<R: AsyncRead + Unpin>(&self, reader: R) -> Result<StoredImage> {
        self.put_checked(reader, None).await
    }

    /// Like `put`, and refuses the image unless its SHA-256 is `expected`.
    pub async fn put_expecting<R: AsyncRead + Unpin>(
        &self,
        reader: R,
        expected: &ImageId,
    ) -> Result<StoredImage> {
        self.put_checked(reader, Some(expected)).await
    }

    async fn put_checked<R: AsyncRead + Unpin>(
        &self,
        mut reader: R,
        expected: Option<&ImageId>,
    ) -> Result<StoredImage> {
        let temp = self.root.join("incoming").join(random_name()?);
        let written = self.receive(&mut reader, &temp).await;
        let (id, size) = match written {
            Ok(w) => w,
            Err(e) => {
                let _ = tokio::fs::remove_file(&temp).await;
                return Err(e);
            }
        };
        if let Some(expected) = expected
            && *expected != id
        {
            let _ = tokio::fs::remove_file(&temp).await;
            return Err(FirmwareError::Mismatch {
                expected: expected.clone(),
                actual: id,
            });
        }
        let target = self.path(&id);
        if tokio::fs::try_exists(&target).await? {
            tokio::fs::remove_file(&temp).await?;
            return Ok(StoredImage {
                id,
                size,
                already_stored: true,
            });
        }
        let dir = target.parent().map(Path::to_path_buf).unwrap_or_default();
        tokio::fs::create_dir_all(&dir).await?;
        tokio::fs::rename(&temp, &target).await?;
        // The rename itself must survive a power cut, not only the bytes.
        tokio::fs::File::open(&dir).await?.sync_all().await?;
        Ok(StoredImage {
            id,
            size,
            already_stored: false,
        })
    }

    /// Copies `reader` into `temp`, hashing and counting; flushed to disk at the end.
    async fn receive<R: AsyncRead + Unpin>(
        &self,
        reader: &mut R,
        temp: &Path,
    ) -> Result<(ImageId, u64)> {
        let mut file = tokio::fs::File::create(temp).await?;
        let mut hasher = Sha256::new();
        let mut size: u64 = 0;
        let mut buf = vec![0u8; CHUNK];
        loop {
            let n = reader.read(&mut buf).await?;
            if n == 0 {
                break;
            }
            size += n as u64;
            if size > self.max_image_bytes {
                return Err(FirmwareError::TooLarge {
                    limit: self.max_image_bytes,
                });
            }
            hasher.update(&buf[..n]);
            file.write_all(&buf[..n]).await?;
        }
        if size == 0 {
            return Err(FirmwareError::Empty);
        }
        file.sync_all().await?;
        Ok((ImageId(hex::encode(hasher.finalize())), size))
    }

    /// The size of a stored image.
    pub async fn size(&self, id: &ImageId) -> Result<u64> {
        match tokio::fs::metadata(self.path(id)).await {
            Ok(m) => Ok(m.len()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                Err(FirmwareError::NotFound(id.clone()))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// A reader of bytes `start..=end` of an image (an HTTP Range), and the image's size.
    pub async fn read_range(
        &self,
        id: &ImageId,
        start: u64,
        end: u64,
    ) -> Result<(tokio::io::Take<tokio::fs::File>, u64)> {
        let size = self.size(id).await?;
        if start > end || end >= size {
            return Err(FirmwareError::BadRange { start, end, size });
        }
        let mut file = tokio::fs::File::open(self.path(id)).await?;
        file.seek(SeekFrom::Start(start)).await?;
        Ok((file.take(end - start + 1), size))
    }

    /// Removes an image; false when there was none.
    pub async fn remove(&self, id: &ImageId) -> Result<bool> {
        match tokio::fs::remove_file(self.path(id)).await {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(e.into()),
        }
    }
}

fn random_name() -> Result<String> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes)
        .map_err(|e| std::io::Error::other(format!("no randomness for a file name: {e}")))?;
    Ok(hex::encode(bytes))
}

#[cfg(test)]
mod tests;
