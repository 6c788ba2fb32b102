//! The photo behind a face credential: a JPEG or PNG a door phone can enrol, checked by its
//! own bytes (never by the name or type the uploader claims).

use serde::{Deserialize, Serialize};

use crate::error::{Result, StoreError};

/// Largest photo kept: door phones enrol from a few hundred kilobytes at most.
pub const MAX_FACE_PHOTO_BYTES: usize = 2 * 1024 * 1024;
/// Smallest side a face can be found in, and the largest side kept.
pub const MIN_FACE_SIDE: u32 = 160;
pub const MAX_FACE_SIDE: u32 = 4096;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PhotoFormat {
    Jpeg,
    Png,
}

impl PhotoFormat {
    pub fn content_type(self) -> &'static str {
        match self {
            PhotoFormat::Jpeg => "image/jpeg",
            PhotoFormat::Png => "image/png",
        }
    }
}

/// What the directory keeps of a face photo; the bytes live in the store's blob space.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FacePhoto {
    pub format: PhotoFormat,
    pub width: u32,
    pub height: u32,
    pub size: u32,
    /// Hex SHA-256 of the bytes: what a door phone compares to know it has the photo.
    pub sha256: String,
}

impl FacePhoto {
    /// Checks an uploaded photo: type by signature, size, and dimensions from its header.
    pub fn check(field: &str, bytes: &[u8]) -> Result<Self> {
        let refuse = |why: String| StoreError::invalid(field, why);
        if bytes.len() > MAX_FACE_PHOTO_BYTES {
            return Err(refuse(format!(
                "is {} bytes; a face photo may be at most {} MiB",
                bytes.len(),
                MAX_FACE_PHOTO_BYTES / (1024 * 1024)
            )));
        }
        let Some((format, width, height)) = image_info(bytes) else {
            return Err(refuse("is not a JPEG or PNG image".into()));
        };
        if width.min(height) < MIN_FACE_SIDE || width.max(height) > MAX_FACE_SIDE {
            return Err(refuse(format!(
                "is {width}×{height} pixels; a face photo needs {MIN_FACE_SIDE} to {MAX_FACE_SIDE} pixels on each side"
            )));
        }
        use sha2::Digest;
        Ok(FacePhoto {
            format,
            width,
            height,
            size: u32::try_from(bytes.len()).unwrap_or(u32::MAX),
            sha256: hex::encode(sha2::Sha256::digest(bytes)),
        })
    }
}

/// The format and size of a JPEG or PNG, read from its own bytes (its header; no pixels).
pub fn image_info(bytes: &[u8]) -> Option<(PhotoFormat, u32, u32)> {
    if let Some((w, h)) = png_size(bytes) {
        Some((PhotoFormat::Png, w, h))
    } else {
        jpeg_size(bytes).map(|(w, h)| (PhotoFormat::Jpeg, w, h))
    }
}

/// Width and height from a PNG's IHDR chunk.
fn png_size(b: &[u8]) -> Option<(u32, u32)> {
    const SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";
    if !b.starts_with(SIGNATURE) || b.get(12..16)? != b"IHDR" {
        return None;
    }
    let w = u32::from_be_bytes(b.get(16..20)?.try_into().ok()?);
    let h = u32::from_be_bytes(b.get(20..24)?.try_into().ok()?);
    Some((w, h))
}

/// Width and height from a JPEG's first start-of-frame marker.
fn jpeg_size(b: &[u8]) -> Option<(u32, u32)> {
    if !b.starts_with(&[0xFF, 0xD8]) {
        return None;
    }
    let mut i = 2;
    while i + 4 <= b.len() {
        if b[i] != 0xFF {
            return None;
        }
        let marker = b[i + 1];
        // Fill bytes, and markers without a length.
        if marker == 0xFF {
            i += 1;
            continue;
        }
        if marker == 0x01 || (0xD0..=0xD7).contains(&marker) {
            i += 2;
            continue;
        }
        let len = usize::from(u16::from_be_bytes([b[i + 2], b[i + 3]]));
        if len < 2 {
            return None;
        }
        // SOF0..SOF15 but DHT (C4), JPG (C8) and DAC (CC).
        if (0xC0..=0xCF).contains(&marker) && !matches!(marker, 0xC4 | 0xC8 | 0xCC) {
            let h = u16::from_be_bytes([*b.get(i + 5)?, *b.get(i + 6)?]);
            let w = u16::from_be_bytes([*b.get(i + 7)?, *b.get(i + 8)?]);
            return Some((u32::from(w), u32::from(h)));
        }
        if marker == 0xDA {
            // Start of scan before any frame header.
            return None;
        }
        i += 2 + len;
    }
    None
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A PNG header of `w`×`h` (enough for the checks, which read no pixels).
    pub(crate) fn png(w: u32, h: u32) -> Vec<u8> {
        let mut b = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
        b.extend_from_slice(&w.to_be_bytes());
        b.extend_from_slice(&h.to_be_bytes());
        b.extend_from_slice(&[8, 2, 0, 0, 0]);
        b
    }

    fn jpeg(w: u16, h: u16) -> Vec<u8> {
        let mut b = vec![0xFF, 0xD8, 0xFF, 0xE0, 0, 4, 0, 0];
        b.extend_from_slice(&[0xFF, 0xC0, 0, 11, 8]);
        b.extend_from_slice(&h.to_be_bytes());
        b.extend_from_slice(&w.to_be_bytes());
        b.extend_from_slice(&[1, 1, 0x11, 0]);
        b
    }

    #[test]
    fn photos_are_known_by_their_bytes() {
        let p = FacePhoto::check("photo", &png(480, 640)).unwrap();
        assert_eq!((p.format, p.width, p.height), (PhotoFormat::Png, 480, 640));
        let j = FacePhoto::check("photo", &jpeg(800, 600)).unwrap();
        assert_eq!((j.format, j.width, j.height), (PhotoFormat::Jpeg, 800, 600));
        assert_eq!(j.sha256.len(), 64);
    }

    #[test]
    fn other_files_and_odd_sizes_are_refused() {
        for (bytes, why) in [
            (b"GIF89a....".to_vec(), "not a JPEG or PNG"),
            (Vec::new(), "not a JPEG or PNG"),
            (vec![0xFF, 0xD8, 0xFF, 0xDA, 0, 2], "not a JPEG or PNG"),
            (vec![0xFF, 0xD8, 0xFF, 0xE0, 0, 0], "not a JPEG or PNG"),
            (png(100, 100), "160 to 4096"),
            (png(5000, 300), "160 to 4096"),
            (vec![0; MAX_FACE_PHOTO_BYTES + 1], "at most 2 MiB"),
        ] {
            let err = FacePhoto::check("photo", &bytes).unwrap_err();
            assert!(err.to_string().contains(why), "{err}");
        }
    }
}
