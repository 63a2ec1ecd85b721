//! What one contract call has read from storage, or changed and not stored yet.
//!
//! pallet-contracts 38 charges every storage access a worst-case proof of 10 to 16 KB,
//! whatever the value's size, so a batch whose items share a record (a lot, an opened
//! case, a plan, an insurer's escrow) reads it once, keeps it here, and writes it once at
//! the end of the call. A few entries at most: a short list beats a map in code size.

use ink::prelude::vec::Vec;

/// Records of one call by key, in the order first seen, each marked whether the call
/// changed it: only changed records are stored at the end of the call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallCache<K, V> {
    entries: Vec<(K, V, bool)>,
}

impl<K, V> Default for CallCache<K, V> {
    fn default() -> Self {
        Self {
            entries: Vec::new(),
        }
    }
}

impl<K: PartialEq, V> CallCache<K, V> {
    /// The record under `key`, if this call has it.
    pub fn get(&self, key: &K) -> Option<&V> {
        self.entries
            .iter()
            .find(|(held, _, _)| held == key)
            .map(|(_, value, _)| value)
    }

    /// Keeps `value`, as read from storage, under `key` when the call has no copy yet:
    /// later reads find it, and it is not stored unless the call changes it.
    pub fn keep(&mut self, key: K, value: V) {
        if self.get(&key).is_none() {
            self.entries.push((key, value, false));
        }
    }

    /// Keeps `value` under `key` as changed, replacing what this call had.
    pub fn put(&mut self, key: K, value: V) {
        match self.entries.iter_mut().find(|(held, _, _)| *held == key) {
            Some((_, held, changed)) => {
                *held = value;
                *changed = true;
            }
            None => self.entries.push((key, value, true)),
        }
    }

    /// Changes this call's copy of the record under `key`, starting from `or` (as read
    /// from storage) when the call has none yet.
    pub fn update(&mut self, key: K, or: V, change: impl FnOnce(&mut V)) {
        match self.entries.iter_mut().find(|(held, _, _)| *held == key) {
            Some((_, held, changed)) => {
                change(held);
                *changed = true;
            }
            None => {
                let mut value = or;
                change(&mut value);
                self.entries.push((key, value, true));
            }
        }
    }

    /// The record under `key`: this call's copy, or else `read` (from storage), kept
    /// unchanged.
    pub fn read(&mut self, key: K, read: impl FnOnce(&K) -> V) -> V
    where
        V: Clone,
    {
        if let Some(value) = self.get(&key) {
            return value.clone();
        }
        let value = read(&key);
        self.entries.push((key, value.clone(), false));
        value
    }
}

/// A changed record, to store.
type Changed<K, V> = fn((K, V, bool)) -> Option<(K, V)>;

impl<K, V> IntoIterator for CallCache<K, V> {
    type Item = (K, V);
    type IntoIter = core::iter::FilterMap<ink::prelude::vec::IntoIter<(K, V, bool)>, Changed<K, V>>;

    /// The records the call changed, to store at the end of the call; those it only read
    /// are left out.
    fn into_iter(self) -> Self::IntoIter {
        self.entries
            .into_iter()
            .filter_map((|(key, value, changed)| changed.then_some((key, value))) as Changed<K, V>)
    }
}

#[cfg(test)]
mod tests {
    use super::CallCache;

    #[test]
    fn a_record_is_read_once_and_the_last_value_kept() {
        let mut cache = CallCache::default();
        let mut reads = 0;
        for _ in 0..3 {
            let value = cache.read(7u8, |_| {
                reads += 1;
                10u32
            });
            assert_eq!(value, 10);
        }
        assert_eq!(reads, 1);
        cache.put(7, 11);
        cache.put(8, 20);
        // An update starts from this call's copy, not from what storage had.
        cache.update(8, 0, |value| *value += 1);
        cache.update(9, 30, |value| *value += 1);
        assert_eq!(cache.get(&7), Some(&11));
        assert_eq!(cache.get(&9), Some(&31));
        assert_eq!(cache.get(&10), None);
        assert_eq!(
            cache.into_iter().collect::<Vec<_>>(),
            vec![(7, 11), (8, 21), (9, 31)]
        );
    }

    /// What a call only read is found again but not stored; once changed, it is stored.
    #[test]
    fn only_changed_records_are_stored() {
        let mut cache = CallCache::default();
        assert_eq!(cache.read(1u8, |_| 10u32), 10);
        cache.keep(2, 20);
        cache.keep(2, 99);
        cache.keep(3, 30);
        assert_eq!(cache.get(&2), Some(&20), "a kept copy is not replaced");
        assert_eq!(cache.read(2, |_| unreachable!("kept")), 20);
        cache.update(3, 0, |value| *value += 1);
        assert_eq!(cache.into_iter().collect::<Vec<_>>(), vec![(3, 31)]);
    }
}
