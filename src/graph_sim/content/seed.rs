//! Deterministic randomness: every generated value is a pure function of
//! (tenant, kind, index), so two reads of the same object give byte-identical JSON and two
//! simulators started from the same configuration agree on every id.

use chrono::{DateTime, Duration, TimeZone, Utc};
use sha2::{Digest, Sha256};

/// A small SplitMix64 stream seeded from a SHA-256 of the identity: fast, and good enough
/// to make names and values look varied.
#[derive(Debug, Clone)]
pub struct Seed {
    state: u64,
}

impl Seed {
    pub fn new(tenant: &str, kind: &str, index: usize) -> Self {
        let digest = digest(tenant, kind, index);
        let mut bytes = [0_u8; 8];
        bytes.copy_from_slice(&digest[..8]);
        Self {
            state: u64::from_le_bytes(bytes),
        }
    }

    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..bound` (0 when `bound` is 0).
    pub fn below(&mut self, bound: usize) -> usize {
        if bound == 0 {
            return 0;
        }
        (self.next_u64() % bound as u64) as usize
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// True `percent` times in a hundred.
    pub fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

fn digest(tenant: &str, kind: &str, index: usize) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(tenant.to_ascii_lowercase().as_bytes());
    hasher.update([0]);
    hasher.update(kind.as_bytes());
    hasher.update([0]);
    hasher.update((index as u64).to_le_bytes());
    let mut out = [0_u8; 32];
    out.copy_from_slice(&hasher.finalize());
    out
}

/// A stable GUID for (tenant, kind, index), shaped like the v4 GUIDs Graph hands out.
pub fn guid(tenant: &str, kind: &str, index: usize) -> String {
    let digest = digest(tenant, kind, index);
    let mut bytes = [0_u8; 16];
    bytes.copy_from_slice(&digest[16..]);
    uuid::Builder::from_random_bytes(bytes)
        .into_uuid()
        .to_string()
}

/// The instant an object was created: somewhere in 2024-2025, fixed per object.
pub fn created(seed: &mut Seed) -> DateTime<Utc> {
    let base = Utc
        .with_ymd_and_hms(2024, 1, 8, 7, 0, 0)
        .single()
        .unwrap_or_default();
    // Graph's timestamps have sub-second digits; keep 100 ns ticks like Intune's
    base + Duration::seconds((seed.next_u64() % (600 * 86_400)) as i64)
        + Duration::nanoseconds((seed.next_u64() % 10_000_000) as i64 * 100)
}

/// The last change: some days after creation, and one hour later per revision, so a
/// mutation always moves it forward.
pub fn modified(created: DateTime<Utc>, seed: &mut Seed, revision: u32) -> DateTime<Utc> {
    created
        + Duration::seconds((seed.next_u64() % (90 * 86_400)) as i64)
        + Duration::hours(i64::from(revision))
}

/// Graph's timestamp format, with the seven fractional digits Intune gives.
pub fn graph_time(at: DateTime<Utc>) -> String {
    format!(
        "{}.{:07}Z",
        at.format("%Y-%m-%dT%H:%M:%S"),
        at.timestamp_subsec_nanos() / 100
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_identity_gives_the_same_stream_and_guid() {
        let mut a = Seed::new("t", "deviceConfigurations", 3);
        let mut b = Seed::new("T", "deviceConfigurations", 3);
        assert_eq!(a.next_u64(), b.next_u64());
        assert_eq!(
            guid("t", "settingsCatalog", 1),
            guid("t", "settingsCatalog", 1)
        );
    }

    #[test]
    fn different_identities_give_different_guids() {
        assert_ne!(
            guid("t", "settingsCatalog", 1),
            guid("t", "settingsCatalog", 2)
        );
        assert_ne!(
            guid("t", "settingsCatalog", 1),
            guid("t", "remediations", 1)
        );
        assert_ne!(
            guid("t", "settingsCatalog", 1),
            guid("u", "settingsCatalog", 1)
        );
    }

    #[test]
    fn guids_look_like_v4() {
        let id = uuid::Uuid::parse_str(&guid("t", "x", 0)).unwrap();
        assert_eq!(id.get_version_num(), 4);
    }

    #[test]
    fn a_revision_moves_the_modification_time_forward() {
        let mut seed = Seed::new("t", "x", 0);
        let created = created(&mut seed);
        let first = modified(created, &mut seed.clone(), 0);
        let second = modified(created, &mut seed, 1);
        assert!(second > first);
        assert!(graph_time(first).ends_with('Z'));
    }
}
