//! A minimal streaming zip writer: stored (uncompressed) entries, written one at a time, then
//! the central directory. Each entry is one policy's JSON, small and complete in memory, so
//! its CRC-32 and size are known before its local header is written and no data descriptor
//! is needed (which every unzip tool reads, unlike descriptors on stored entries).
//!
//! Why not a crate: `zip` writes through `Write + Seek` (a synchronous writer) and
//! `async_zip` brings its own tokio-util/compression stack; this is ~100 lines on
//! `crc32fast`, which the build already has. No zip64: an export refuses more than 65,535
//! entries or 4 GiB (`ZipError`), far above a tenant's Intune configuration.

use chrono::{DateTime, Datelike, Timelike, Utc};

const LOCAL_HEADER: u32 = 0x0403_4b50;
const CENTRAL_HEADER: u32 = 0x0201_4b50;
const END_OF_CENTRAL_DIRECTORY: u32 = 0x0605_4b50;
/// General purpose flag bit 11: names are UTF-8.
const UTF8_NAMES: u16 = 1 << 11;
/// 2.0: the version that introduced stored entries in folders.
const VERSION: u16 = 20;

#[derive(Debug, thiserror::Error)]
#[error("the archive is too large for a zip without zip64 extensions")]
pub struct ZipError;

struct CentralEntry {
    name: String,
    crc: u32,
    size: u32,
    offset: u32,
}

/// Produces the archive's bytes in pieces: `entry` for each file, then `finish`.
pub struct ZipStream {
    offset: u64,
    entries: Vec<CentralEntry>,
    time: u16,
    date: u16,
}

impl ZipStream {
    /// Every entry gets `modified` as its time (the backup set's creation).
    pub fn new(modified: DateTime<Utc>) -> Self {
        let year = (modified.year().clamp(1980, 2107) - 1980) as u16;
        Self {
            offset: 0,
            entries: Vec::new(),
            time: ((modified.hour() as u16) << 11)
                | ((modified.minute() as u16) << 5)
                | (modified.second() as u16 / 2),
            date: (year << 9) | ((modified.month() as u16) << 5) | modified.day() as u16,
        }
    }

    /// The local header and data of one file.
    pub fn entry(&mut self, name: &str, data: &[u8]) -> Result<Vec<u8>, ZipError> {
        let size = u32::try_from(data.len()).map_err(|_| ZipError)?;
        let offset = u32::try_from(self.offset).map_err(|_| ZipError)?;
        let name_length = u16::try_from(name.len()).map_err(|_| ZipError)?;
        if self.entries.len() >= usize::from(u16::MAX) {
            return Err(ZipError);
        }
        let crc = crc32fast::hash(data);
        let mut out = Vec::with_capacity(30 + name.len() + data.len());
        put32(&mut out, LOCAL_HEADER);
        put16(&mut out, VERSION);
        put16(&mut out, UTF8_NAMES);
        put16(&mut out, 0); // stored
        put16(&mut out, self.time);
        put16(&mut out, self.date);
        put32(&mut out, crc);
        put32(&mut out, size);
        put32(&mut out, size);
        put16(&mut out, name_length);
        put16(&mut out, 0); // no extra field
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(data);
        self.offset += out.len() as u64;
        self.entries.push(CentralEntry {
            name: name.to_owned(),
            crc,
            size,
            offset,
        });
        Ok(out)
    }

    /// The central directory and its end record.
    pub fn finish(self) -> Result<Vec<u8>, ZipError> {
        let start = u32::try_from(self.offset).map_err(|_| ZipError)?;
        let mut out = Vec::new();
        for entry in &self.entries {
            put32(&mut out, CENTRAL_HEADER);
            put16(&mut out, VERSION); // made by
            put16(&mut out, VERSION); // needed
            put16(&mut out, UTF8_NAMES);
            put16(&mut out, 0);
            put16(&mut out, self.time);
            put16(&mut out, self.date);
            put32(&mut out, entry.crc);
            put32(&mut out, entry.size);
            put32(&mut out, entry.size);
            put16(&mut out, entry.name.len() as u16);
            put16(&mut out, 0); // extra
            put16(&mut out, 0); // comment
            put16(&mut out, 0); // disk
            put16(&mut out, 0); // internal attributes
            put32(&mut out, 0); // external attributes
            put32(&mut out, entry.offset);
            out.extend_from_slice(entry.name.as_bytes());
        }
        let size = u32::try_from(out.len()).map_err(|_| ZipError)?;
        let count = self.entries.len() as u16;
        put32(&mut out, END_OF_CENTRAL_DIRECTORY);
        put16(&mut out, 0);
        put16(&mut out, 0);
        put16(&mut out, count);
        put16(&mut out, count);
        put32(&mut out, size);
        put32(&mut out, start);
        put16(&mut out, 0); // comment
        Ok(out)
    }
}

fn put16(out: &mut Vec<u8>, value: u16) {
    out.extend_from_slice(&value.to_le_bytes());
}

fn put32(out: &mut Vec<u8>, value: u32) {
    out.extend_from_slice(&value.to_le_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_archive_lists_its_entries_in_the_central_directory() {
        let mut zip = ZipStream::new(Utc::now());
        let mut bytes = zip.entry("a/b.json", b"{}").unwrap();
        bytes.extend(zip.entry("manifest.json", b"[1]").unwrap());
        let entries_end = bytes.len();
        bytes.extend(zip.finish().unwrap());
        let end = &bytes[bytes.len() - 22..];
        assert_eq!(&end[..4], &END_OF_CENTRAL_DIRECTORY.to_le_bytes());
        assert_eq!(u16::from_le_bytes([end[10], end[11]]), 2);
        let start = u32::from_le_bytes([end[16], end[17], end[18], end[19]]) as usize;
        assert_eq!(start, entries_end);
        assert_eq!(&bytes[start..start + 4], &CENTRAL_HEADER.to_le_bytes());
        assert_eq!(
            crc32fast::hash(b"{}"),
            u32::from_le_bytes([bytes[14], bytes[15], bytes[16], bytes[17]])
        );
    }
}
