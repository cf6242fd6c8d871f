//! The console's built files (ui/dist, committed), embedded in the binary: building the
//! server needs no Node. Each file comes as it is and precompressed (gzip, brotli) by the
//! console's build (ui/scripts/compress.mjs), so nothing is compressed at request time.

use std::sync::OnceLock;

use sha2::{Digest, Sha256};

/// One embedded file and its compressed copies.
pub struct Asset {
    pub content_type: &'static str,
    pub identity: &'static [u8],
    pub gzip: &'static [u8],
    pub brotli: &'static [u8],
    version: OnceLock<String>,
}

impl Asset {
    /// The first 16 hex digits of the file's SHA-256: what ui/scripts/compress.mjs puts in
    /// index.html's URLs (`app.js?v=...`), and the file's ETag.
    pub fn version(&self) -> &str {
        self.version.get_or_init(|| {
            Sha256::digest(self.identity)
                .iter()
                .take(8)
                .map(|byte| format!("{byte:02x}"))
                .collect()
        })
    }
}

macro_rules! asset {
    ($path:literal, $content_type:literal) => {
        Asset {
            content_type: $content_type,
            identity: include_bytes!(concat!("../../ui/dist/", $path)),
            gzip: include_bytes!(concat!("../../ui/dist/", $path, ".gz")),
            brotli: include_bytes!(concat!("../../ui/dist/", $path, ".br")),
            version: OnceLock::new(),
        }
    };
}

pub static INDEX_HTML: Asset = asset!("index.html", "text/html; charset=utf-8");
pub static APP_JS: Asset = asset!("assets/app.js", "text/javascript; charset=utf-8");
pub static APP_CSS: Asset = asset!("assets/app.css", "text/css; charset=utf-8");

/// The files under `/assets/`, by name.
pub fn by_name(name: &str) -> Option<&'static Asset> {
    match name {
        "app.js" => Some(&APP_JS),
        "app.css" => Some(&APP_CSS),
        _ => None,
    }
}
