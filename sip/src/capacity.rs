//! Tables that grew under a burst give their room back once it has passed: a hash map or
//! queue keeps its capacity until told otherwise, so a load peak would otherwise stay in
//! RSS for good.

use std::collections::{HashMap, VecDeque};
use std::hash::Hash;

/// Tables this small keep what they have: shrinking them would only churn. Small, because
/// an idle server's tables at this floor are what a burst leaves behind for good: the
/// proxy's call and relay tables hold their entries inline, some 600 bytes each.
const KEEP: usize = 256;

/// Whether a table of `len` entries in room for `capacity` should shrink: under a quarter
/// used, so that after shrinking to twice its size it must halve again before the next
/// shrink (each costs a pass over the table).
fn oversized(len: usize, capacity: usize) -> bool {
    capacity > KEEP && len < capacity / 4
}

pub(crate) fn shrink_map<K: Eq + Hash, V>(map: &mut HashMap<K, V>) {
    if oversized(map.len(), map.capacity()) {
        map.shrink_to((map.len() * 2).max(KEEP));
    }
}

pub(crate) fn shrink_queue<T>(queue: &mut VecDeque<T>) {
    if oversized(queue.len(), queue.capacity()) {
        queue.shrink_to((queue.len() * 2).max(KEEP));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_table_left_mostly_empty_after_a_peak_shrinks_and_a_small_one_does_not() {
        let mut map: HashMap<u32, u32> = (0..100_000).map(|i| (i, i)).collect();
        map.retain(|k, _| *k < 1000);
        shrink_map(&mut map);
        assert!(map.capacity() < 4_000, "{}", map.capacity());
        assert_eq!(map.len(), 1000);

        let mut queue: VecDeque<u32> = (0..100_000).collect();
        queue.truncate(10);
        shrink_queue(&mut queue);
        assert!(queue.capacity() < 1_000, "{}", queue.capacity());

        let mut small: HashMap<u32, u32> = (0..100).map(|i| (i, i)).collect();
        small.clear();
        let before = small.capacity();
        shrink_map(&mut small);
        assert_eq!(small.capacity(), before, "under KEEP: left alone");
    }
}
