//! Giving back the room of a table that a wave of entries grew: the name
//! registry and the table of running servers keep their room while a
//! quarter of it is in use, and always a spare minimum.

use std::collections::HashMap;
use std::hash::{BuildHasher, Hash};

/// After a removal: shrinks `map` to room for twice its entries (and at
/// least `spare`) once they fill less than a quarter of it. The gap between
/// the two thresholds keeps a table that grows and shrinks around one size
/// from reallocating at every step.
pub(crate) fn give_back<K: Eq + Hash, V, S: BuildHasher>(map: &mut HashMap<K, V, S>, spare: usize) {
    if let Some(room) = room_to_keep(map.len(), map.capacity(), spare) {
        map.shrink_to(room);
    }
}

/// The room to shrink a table of `capacity` holding `len` entries to, if
/// it should shrink.
fn room_to_keep(len: usize, capacity: usize, spare: usize) -> Option<usize> {
    (capacity > spare && len < capacity / 4).then(|| (len * 2).max(spare))
}

#[cfg(test)]
mod tests {
    use super::{give_back, room_to_keep};
    use std::collections::HashMap;

    #[test]
    fn a_table_shrinks_to_twice_its_entries_once_three_quarters_empty() {
        assert_eq!(room_to_keep(200, 1_000, 256), Some(400));
        assert_eq!(room_to_keep(249, 1_000, 256), Some(498));
        // A quarter full or more: kept, so that a table going up and down
        // around one size does not reallocate each time.
        assert_eq!(room_to_keep(250, 1_000, 256), None);
        assert_eq!(room_to_keep(600, 1_000, 256), None);
    }

    #[test]
    fn a_table_keeps_its_spare_room_however_empty() {
        assert_eq!(room_to_keep(0, 1_000, 256), Some(256));
        assert_eq!(room_to_keep(10, 1_000, 256), Some(256));
        assert_eq!(room_to_keep(127, 1_000, 256), Some(256));
        assert_eq!(room_to_keep(129, 1_000, 256), Some(258));
        assert_eq!(room_to_keep(0, 257, 256), Some(256));
        // Within the spare: never shrunk.
        assert_eq!(room_to_keep(0, 256, 256), None);
        assert_eq!(room_to_keep(10, 200, 256), None);
    }

    #[test]
    fn a_map_emptied_by_a_wave_gives_its_room_back_and_keeps_the_spare() {
        let mut map: HashMap<u32, [u64; 4]> = HashMap::new();
        for key in 0..10_000 {
            map.insert(key, [0; 4]);
        }
        let full = map.capacity();
        for key in 0..10_000 {
            map.remove(&key);
            give_back(&mut map, 64);
        }
        assert!(
            map.capacity() < full / 10,
            "kept {} of {full}",
            map.capacity()
        );
        assert!(map.capacity() >= 64, "room for {} left", map.capacity());
    }
}
