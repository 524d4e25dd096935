//! Hash maps keyed by the runtime's own ids (server ids, monitor
//! references): counters that nobody outside chooses. The hash keeps an
//! id's low bits, which pick its bucket, so that ids made one after the
//! other (a supervisor's children) land in neighbouring buckets and the
//! table is filled in order rather than at random; it mixes the top bits,
//! which the table compares first. `SipHash`, the default, costs more and
//! scatters them: each insert into a large table was a cache miss.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// Fibonacci hashing: the odd constant closest to 2^64 / φ.
const K: u64 = 0x9E37_79B9_7F4A_7C15;

/// The top 7 bits: the control byte of a hashbrown table.
const TOP: u64 = 0x7F << 57;

#[derive(Clone, Copy, Default)]
pub(crate) struct IdHasher(u64);

impl Hasher for IdHasher {
    fn write(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.write_u64(u64::from(*byte));
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = self.0.rotate_left(26) ^ n;
    }

    fn finish(&self) -> u64 {
        self.0 ^ (self.0.wrapping_mul(K) & TOP)
    }
}

/// A hash map keyed by one of the runtime's ids.
pub(crate) type IdMap<K, V> = HashMap<K, V, BuildHasherDefault<IdHasher>>;

#[cfg(test)]
mod tests {
    use std::hash::{BuildHasher, BuildHasherDefault, Hasher};

    use super::IdHasher;

    #[test]
    fn consecutive_ids_spread_over_the_high_bits() {
        let build = BuildHasherDefault::<IdHasher>::default();
        // The top 7 bits are the control byte of the hash table: consecutive
        // ids must not share them.
        let tops: std::collections::HashSet<u64> =
            (1..=128u64).map(|id| build.hash_one(id) >> 57).collect();
        assert!(tops.len() > 64, "only {} distinct top bits", tops.len());
        // And their low bits, which pick the bucket, stay in order.
        assert_eq!(build.hash_one(1000u64) & 0xFFFF, 1000);
        assert_eq!(build.hash_one(1001u64) & 0xFFFF, 1001);
    }

    /// What the runtime's ids never exercise (they are single words, far
    /// below 2^57), but a key of another shape would: bytes and several
    /// words all count, and set top bits are mixed too.
    #[test]
    fn bytes_words_and_top_bits_all_count() {
        let build = BuildHasherDefault::<IdHasher>::default();
        assert_ne!(build.hash_one([1u8, 2]), build.hash_one([1u8, 3]));
        // Each word is xored into the state, rotated by 26 bits.
        let mut hasher = IdHasher::default();
        hasher.write_u64(1);
        hasher.write_u64(1 << 26);
        assert_eq!(hasher.0, 0);
        assert_ne!(build.hash_one(u64::MAX) >> 57, 0x7F);
    }
}
