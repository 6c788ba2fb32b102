//! A simulated device's camera: a picture (a generated PNG, different each time) uploaded
//! to the cloud with `POST /captures` on the AutoP server, with the device's MAC and
//! gateway credential, as a door phone captures someone at the door or a call.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use base64::Engine as _;
use bytes::Bytes;
use http::header;

use crate::https;

pub struct Camera {
    pub tls: Arc<rustls::ClientConfig>,
    /// `https://host:port` of the AutoP server.
    pub base: String,
    pub mac: String,
    pub credential: String,
    taken: AtomicU32,
}

impl Camera {
    pub fn new(
        tls: Arc<rustls::ClientConfig>,
        base: String,
        mac: String,
        credential: String,
    ) -> Self {
        Camera {
            tls,
            base,
            mac,
            credential,
            taken: AtomicU32::new(0),
        }
    }

    /// Takes and uploads a picture for `reason` at `at_ms`: the HTTP status (0 when the
    /// server was not reached) and the server's answer.
    pub async fn upload(&self, reason: &str, at_ms: i64) -> (u16, String) {
        let url = format!(
            "{}/captures?reason={reason}&at_ms={at_ms}",
            self.base.trim_end_matches('/')
        );
        let credentials = base64::engine::general_purpose::STANDARD
            .encode(format!("{}:{}", self.mac, self.credential));
        let headers = [
            (header::AUTHORIZATION, format!("Basic {credentials}")),
            (header::CONTENT_TYPE, "image/png".to_owned()),
        ];
        let n = self.taken.fetch_add(1, Ordering::Relaxed);
        match https::post(self.tls.clone(), &url, &headers, picture(n)).await {
            Ok((status, answer)) => (status.as_u16(), answer.trim().to_owned()),
            Err(e) => (0, e.to_string()),
        }
    }
}

/// A 640×480 PNG of one colour that changes with `n` (a door phone's snapshot in
/// miniature: a real image the portal can show, a few kilobytes).
fn picture(n: u32) -> Bytes {
    const WIDTH: u32 = 640;
    const HEIGHT: u32 = 480;
    let shade = (n.wrapping_mul(47) % 200) as u8;
    let colour = [40 + shade / 4, 90, 140 + shade / 2];
    // Each row: filter byte 0 (none), then the pixels.
    let row: Vec<u8> = std::iter::once(0)
        .chain(colour.iter().copied().cycle().take((WIDTH * 3) as usize))
        .collect();
    let rows = row.repeat(HEIGHT as usize);
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    let _ = std::io::Write::write_all(&mut z, &rows);
    let idat = z.finish().unwrap_or_default();
    let mut ihdr = Vec::with_capacity(13);
    ihdr.extend_from_slice(&WIDTH.to_be_bytes());
    ihdr.extend_from_slice(&HEIGHT.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]); // 8-bit RGB
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    for (kind, data) in [
        (b"IHDR", &ihdr[..]),
        (b"IDAT", &idat[..]),
        (b"IEND", &[][..]),
    ] {
        png.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let mut crc = flate2::Crc::new();
        crc.update(kind);
        crc.update(data);
        png.extend_from_slice(kind);
        png.extend_from_slice(data);
        png.extend_from_slice(&crc.sum().to_be_bytes());
    }
    Bytes::from(png)
}

#[cfg(test)]
mod tests {
    #[test]
    fn pictures_are_pngs_that_differ() {
        let (a, b) = (super::picture(0), super::picture(1));
        assert!(a.starts_with(b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR"));
        assert_eq!(&a[16..24], &[0, 0, 2, 128, 0, 0, 1, 224], "640×480");
        assert!(a.ends_with(&[0xAE, 0x42, 0x60, 0x82]), "IEND's CRC");
        assert_ne!(a, b);
        assert!(a.len() < 16 * 1024, "{} bytes", a.len());
    }
}
