//! What one contract call has read from storage, or changed and not stored yet.
//!
//! pallet-contracts 38 charges every storage access a worst-case proof of 10 to 16 KB,
//! whatever the value's size, so a batch whose items share a record (a lot, an opened
//! case, a plan, an insurer's escrow) reads it once, keeps it here, and writes it once at
//! the end of the call. A few entries at most: a short list beats a map in code size.

use ink::prelude::vec::Vec;

/// Records of one call by key, in the order first seen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallCache<K, V> {
    entries: Vec<(K, V)>,
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
            .find(|(held, _)| held == key)
            .map(|(_, value)| value)
    }

    /// Keeps `value` under `key`, replacing what this call had.
    pub fn put(&mut self, key: K, value: V) {
        match self.entries.iter_mut().find(|(held, _)| *held == key) {
            Some((_, held)) => *held = value,
            None => self.entries.push((key, value)),
        }
    }

    /// Changes this call's copy of the record under `key`, starting from `or` (as read
    /// from storage) when the call has none yet.
    pub fn update(&mut self, key: K, or: V, change: impl FnOnce(&mut V)) {
        match self.entries.iter_mut().find(|(held, _)| *held == key) {
            Some((_, held)) => change(held),
            None => {
                let mut value = or;
                change(&mut value);
                self.entries.push((key, value));
            }
        }
    }

    /// The record under `key`: this call's copy, or else `read` (from storage), kept.
    pub fn read(&mut self, key: K, read: impl FnOnce(&K) -> V) -> V
    where
        V: Clone,
    {
        if let Some(value) = self.get(&key) {
            return value.clone();
        }
        let value = read(&key);
        self.entries.push((key, value.clone()));
        value
    }
}

impl<K, V> IntoIterator for CallCache<K, V> {
    type Item = (K, V);
    type IntoIter = ink::prelude::vec::IntoIter<(K, V)>;

    /// The records, to store at the end of the call.
    fn into_iter(self) -> Self::IntoIter {
        self.entries.into_iter()
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
}
