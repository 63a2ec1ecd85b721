//! `Mapping` entries read and written straight from the host, for a contract's hottest
//! records.
//!
//! ink!'s `Mapping::get` encodes the key through ink!'s static buffer and decodes the value
//! with checks of its own, in a copy of that code for each value type. Reading the
//! consent registry's account records here instead took 223 bytes off its own build, which
//! every grant's and check's proof carries; reading the role members, the lots, the
//! packages and the cases here took 1,066 bytes off drug_provenance's, which every
//! dispense's and drug claim's proof carries, and reading a claim's plan, fee schedule
//! entries, membership, escrow, authorizations and credit took 700 off claim_settlement's,
//! which every claim's carries. [`get`] and [`get_at`] read the same storage
//! entry, under the same key, in the same encoding, so what a `Mapping` of the same prefix
//! writes is what they read; [`set_at`] writes it as the `Mapping`'s `insert` does (388
//! bytes less in drug_provenance's own build, 255 in claim_settlement's). Off chain they
//! are ink!'s, so unit tests see one storage.

use crate::AccountId;
use ink::scale::{Decode, Encode, Output};

/// The storage key ink! gives the entry of `Mapping<AccountId, V, ManualKey<prefix>>`
/// under `key`: the prefix's encoding (`u32`, little endian), then the account's.
/// [`with_key_of`]'s for an account, in fewer bytes of code (58 fewer in the registry's own
/// build, which reads nothing but accounts' entries and which every grant carries).
pub fn key_of(prefix: u32, key: &AccountId) -> [u8; 36] {
    let mut full = [0u8; 36];
    full[..4].copy_from_slice(&prefix.to_le_bytes());
    full[4..].copy_from_slice(key.as_ref());
    full
}

/// The longest `Mapping` key [`get_at`] encodes after the prefix: two 32-byte digests.
pub const MAX_KEY_LEN: usize = 64;

/// The storage key ink! gives the entry of a `Mapping<K, V, ManualKey<prefix>>`: the
/// prefix's encoding (`u32`, little endian), then the key's, built on the stack.
struct KeyOf {
    bytes: [u8; 4 + MAX_KEY_LEN],
    len: usize,
}

/// `use_key` of the storage key of the entry under `key` in the `Mapping` of prefix
/// `prefix`, as ink! encodes it: the prefix's `u32` little endian, then `key`'s encoding. A
/// key whose encoding is longer than [`MAX_KEY_LEN`] is a type of the contract's, never
/// input: it traps the call (panics off chain) rather than name another entry. (Built in
/// place: returning the key by value copies it, 39 more bytes of code in drug_provenance's
/// own build.)
#[allow(clippy::indexing_slicing)] // `write` keeps `len` within the array.
pub fn with_key_of<K: Encode, R>(prefix: u32, key: &K, use_key: impl FnOnce(&[u8]) -> R) -> R {
    let mut full = KeyOf {
        bytes: [0; 4 + MAX_KEY_LEN],
        len: 0,
    };
    (prefix, key).encode_to(&mut full);
    use_key(&full.bytes[..full.len])
}

impl Output for KeyOf {
    // `len` is at most the array's length and `bytes` one field of a key's type, so the
    // sum cannot overflow.
    #[allow(clippy::arithmetic_side_effects)]
    fn write(&mut self, bytes: &[u8]) {
        let Some(slot) = self.bytes.get_mut(self.len..self.len + bytes.len()) else {
            #[cfg(target_arch = "wasm32")]
            core::arch::wasm32::unreachable();
            #[cfg(not(target_arch = "wasm32"))]
            panic!("a storage key longer than MAX_KEY_LEN");
        };
        slot.copy_from_slice(bytes);
        self.len += bytes.len();
    }
}

/// The longest value [`read`] reads: the size of its buffer. A contract that reads a type
/// through it checks that the type's longest encoding fits.
pub const MAX_VALUE_LEN: usize = 8 * 1024;

/// [`read`]'s buffer: static, so it is zero-initialized memory (no data, no code) and is not
/// zeroed again on each read, as an array on the stack would be (58 million ref_time a
/// read on substrate-contracts-node, half as much again as a whole consent check).
#[cfg(target_arch = "wasm32")]
static mut BUFFER: [u8; MAX_VALUE_LEN] = [0; MAX_VALUE_LEN];

/// The value of `Mapping<AccountId, V, ManualKey<prefix>>` under `key`, if any: [`read`]
/// under [`key_of`].
pub fn get<V: Encode + Decode>(prefix: u32, key: &AccountId) -> Option<V> {
    #[cfg(target_arch = "wasm32")]
    {
        read(&key_of(prefix, key))
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        ink::env::get_contract_storage::<(u32, AccountId), V>(&(prefix, *key))
            .ok()
            .flatten()
    }
}

/// The value of `Mapping<K, V, ManualKey<prefix>>` under `key`, if any: [`read`] under
/// its key ([`with_key_of`]).
pub fn get_at<K: Encode, V: Encode + Decode>(prefix: u32, key: &K) -> Option<V> {
    #[cfg(target_arch = "wasm32")]
    {
        with_key_of(prefix, key, read)
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        ink::env::get_contract_storage::<(u32, &K), V>(&(prefix, key))
            .ok()
            .flatten()
    }
}

/// The value stored under the storage key `key` (as ink! encodes it: a `Lazy`'s `u32`
/// little endian, a `Mapping` entry's as [`with_key_of`] and [`key_of`]), if any. A value
/// longer than [`MAX_VALUE_LEN`] traps the call (the chain refuses to write it into a
/// smaller buffer), and so does a value that does not decode, as ink!'s reads do.
#[cfg(target_arch = "wasm32")]
pub fn read<V: Decode>(key: &[u8]) -> Option<V> {
    use pallet_contracts_uapi::{HostFn, HostFnImpl};
    // SAFETY: a contract runs on one thread, in memory of its own for each call, and this
    // is the buffer's only use: the borrow ends before `read` returns, and neither the host
    // function nor `V::decode` calls `read`, so no other borrow of it exists.
    let buffer = unsafe { &mut *core::ptr::addr_of_mut!(BUFFER) };
    let mut value = &mut buffer[..];
    if HostFnImpl::get_storage_v1(key, &mut value).is_err() {
        return None;
    }
    match V::decode(&mut &value[..]) {
        Ok(value) => Some(value),
        Err(_) => core::arch::wasm32::unreachable(),
    }
}

/// Writes `value` as the entry under `key` of the `Mapping<K, V, ManualKey<prefix>>`,
/// as its `insert` does: under [`with_key_of`]'s key, encoded into [`read`]'s buffer. A
/// value longer than [`MAX_VALUE_LEN`] traps the call (panics off chain): a contract that
/// writes a type through it checks that the type's longest encoding fits. Returns the
/// length of the entry that was there before, if any: the host answers it with the write,
/// so a caller that would otherwise read the entry first to know it spends one storage
/// access less.
pub fn set_at<K: Encode, V: Encode + Decode>(prefix: u32, key: &K, value: &V) -> Option<u32> {
    #[cfg(target_arch = "wasm32")]
    {
        with_key_of(prefix, key, |key| {
            use pallet_contracts_uapi::{HostFn, HostFnImpl};
            let mut was_there = None;
            with_encoded(value, |bytes| {
                was_there = HostFnImpl::set_storage_v2(key, bytes);
            });
            was_there
        })
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        assert!(
            value.encoded_size() <= MAX_VALUE_LEN,
            "a value longer than MAX_VALUE_LEN"
        );
        ink::env::set_contract_storage::<(u32, &K), V>(&(prefix, key), value)
    }
}

/// Whether there is an entry under `key` of the `Mapping<K, V, ManualKey<prefix>>`, as its
/// `contains` answers.
pub fn contains_at<K: Encode>(prefix: u32, key: &K) -> bool {
    #[cfg(target_arch = "wasm32")]
    {
        with_key_of(prefix, key, |key| {
            use pallet_contracts_uapi::{HostFn, HostFnImpl};
            HostFnImpl::contains_storage_v1(key).is_some()
        })
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        ink::env::contains_contract_storage::<(u32, &K)>(&(prefix, key)).is_some()
    }
}

/// Removes the entry under `key` of the `Mapping<K, V, ManualKey<prefix>>`, as its
/// `remove` does.
pub fn clear_at<K: Encode>(prefix: u32, key: &K) {
    #[cfg(target_arch = "wasm32")]
    with_key_of(prefix, key, |key| {
        use pallet_contracts_uapi::{HostFn, HostFnImpl};
        HostFnImpl::clear_storage_v1(key);
    });
    #[cfg(not(target_arch = "wasm32"))]
    ink::env::clear_contract_storage::<(u32, &K)>(&(prefix, key));
}

/// `use_bytes` of `value`'s SCALE encoding, encoded into [`read`]'s buffer: no allocation,
/// and one copy of the encoding's code for storage writes ([`set_at`]) and events
/// (`event::emit`). A value longer than [`MAX_VALUE_LEN`] traps the call.
#[cfg(target_arch = "wasm32")]
pub fn with_encoded<V: Encode + ?Sized>(value: &V, use_bytes: impl FnOnce(&[u8])) {
    // SAFETY: as in `read`: the borrow ends before `with_encoded` returns, and neither
    // `V::encode_to` nor `use_bytes` (a host function) calls `read`, `set_at` or this.
    let buffer = unsafe { &mut *core::ptr::addr_of_mut!(BUFFER) };
    let mut encoded = Encoded { buffer, len: 0 };
    value.encode_to(&mut encoded);
    let Encoded { buffer, len } = encoded;
    match buffer.get(..len) {
        Some(bytes) => use_bytes(bytes),
        None => core::arch::wasm32::unreachable(),
    }
}

/// A value being encoded into [`read`]'s buffer, `len` bytes of it so far. Writing past
/// the buffer's end traps the call.
///
/// [`KeyOf`]'s twin, kept apart on purpose: one slice-backed type for both measured 61
/// more bytes in drug_provenance's own build and 193 in claim_settlement's, since the
/// key's fixed-length array then becomes a slice too.
#[cfg(target_arch = "wasm32")]
struct Encoded<'a> {
    buffer: &'a mut [u8],
    len: usize,
}

#[cfg(target_arch = "wasm32")]
impl Output for Encoded<'_> {
    // `len` is at most the buffer's length, so the sum cannot overflow.
    #[allow(clippy::arithmetic_side_effects)]
    fn write(&mut self, bytes: &[u8]) {
        let Some(slot) = self.buffer.get_mut(self.len..self.len + bytes.len()) else {
            core::arch::wasm32::unreachable();
        };
        slot.copy_from_slice(bytes);
        self.len += bytes.len();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ink::storage::{
        traits::{ManualKey, StorageKey},
        Mapping,
    };

    const PREFIX: u32 = 0x6863_6361;

    /// The key the host is asked for is the one ink! encodes for the `Mapping`'s entry,
    /// for an account (both forms), a number and the longest key, two digests.
    #[test]
    fn the_key_is_the_mappings() {
        let account = AccountId::from([7; 32]);
        let mapping_key = <ManualKey<PREFIX> as StorageKey>::KEY;
        assert_eq!(
            key_of(PREFIX, &account).to_vec(),
            (&mapping_key, &account).encode()
        );
        assert_eq!(
            with_key_of(PREFIX, &account, <[u8]>::to_vec),
            key_of(PREFIX, &account)
        );
        assert_eq!(
            with_key_of(PREFIX, &0x0123_4567_89ab_cdefu64, <[u8]>::to_vec),
            (&mapping_key, &0x0123_4567_89ab_cdefu64).encode()
        );
        let longest = ([1u8; 32], [2u8; 32]);
        assert_eq!(longest.encode().len(), MAX_KEY_LEN);
        assert_eq!(
            with_key_of(PREFIX, &longest, <[u8]>::to_vec),
            (&mapping_key, &longest).encode()
        );
    }

    /// A key longer than `MAX_KEY_LEN` is refused, not cut short (a shorter key would name
    /// another entry).
    #[test]
    #[should_panic(expected = "a storage key longer than MAX_KEY_LEN")]
    fn a_longer_key_is_refused() {
        with_key_of(PREFIX, &([1u8; 32], [2u8; 32], 3u8), <[u8]>::to_vec);
    }

    /// What `set_at` writes is what a `Mapping` of the same prefix reads, under the same
    /// key: a new entry and a changed one, and no other entry; it answers the length of the
    /// one that was there, `contains_at` whether one is, and `clear_at` removes one, as the `Mapping`
    /// does.
    #[test]
    fn set_at_writes_what_the_mapping_reads() {
        ink::env::test::run_test::<ink::env::DefaultEnvironment, _>(|_| {
            let pairs = Mapping::<([u8; 32], [u8; 32]), (u64, [u8; 3]), ManualKey<PREFIX>>::new();
            let (key, other) = (([1u8; 32], [2u8; 32]), ([2u8; 32], [1u8; 32]));
            // It tells the length of the entry that was there; `clear_at` removes it as
            // `remove` does.
            assert_eq!(set_at(PREFIX, &key, &(9u64, *b"abc")), None);
            assert_eq!(pairs.get(key), Some((9, *b"abc")));
            assert_eq!(pairs.get(other), None);
            assert_eq!(set_at(PREFIX, &key, &(10u64, *b"xyz")), Some(11));
            assert_eq!(pairs.get(key), Some((10, *b"xyz")));
            assert!(contains_at(PREFIX, &key) && !contains_at(PREFIX, &other));
            clear_at(PREFIX, &key);
            assert_eq!(pairs.get(key), None);
            assert!(!contains_at(PREFIX, &key));
            assert_eq!(set_at(PREFIX, &key, &(10u64, *b"xyz")), None);
            assert_eq!(
                get_at::<_, (u64, [u8; 3])>(PREFIX, &key),
                Some((10, *b"xyz"))
            );
            let accounts = Mapping::<AccountId, u64, ManualKey<PREFIX>>::new();
            let account = AccountId::from([3; 32]);
            set_at(PREFIX, &account, &7u64);
            assert_eq!(accounts.get(account), Some(7));
            assert_eq!(get::<u64>(PREFIX, &account), Some(7));
            Ok(())
        })
        .unwrap();
    }

    /// A value longer than the buffer is refused whole, not written cut short.
    #[test]
    #[should_panic(expected = "a value longer than MAX_VALUE_LEN")]
    fn a_longer_value_is_refused() {
        ink::env::test::run_test::<ink::env::DefaultEnvironment, _>(|_| {
            set_at(PREFIX, &1u64, &ink::prelude::vec![0u8; MAX_VALUE_LEN]);
            Ok(())
        })
        .unwrap();
    }

    /// What a `Mapping` of the same prefix stores is what `get` and `get_at` read; a key
    /// with no entry has none.
    #[test]
    fn get_reads_what_the_mapping_stores() {
        ink::env::test::run_test::<ink::env::DefaultEnvironment, _>(|_| {
            let mut mapping = Mapping::<AccountId, (u64, [u8; 3]), ManualKey<PREFIX>>::new();
            let (stored, other) = (AccountId::from([1; 32]), AccountId::from([2; 32]));
            mapping.insert(stored, &(9, *b"abc"));
            assert_eq!(get::<(u64, [u8; 3])>(PREFIX, &stored), Some((9, *b"abc")));
            assert_eq!(get::<(u64, [u8; 3])>(PREFIX, &other), None);
            assert_eq!(get::<(u64, [u8; 3])>(PREFIX + 1, &stored), None);
            assert_eq!(
                get_at::<_, (u64, [u8; 3])>(PREFIX, &stored),
                Some((9, *b"abc"))
            );
            let mut pairs = Mapping::<([u8; 32], [u8; 32]), u64, ManualKey<PREFIX>>::new();
            pairs.insert(([1; 32], [2; 32]), &5);
            assert_eq!(get_at::<_, u64>(PREFIX, &([1u8; 32], [2u8; 32])), Some(5));
            assert_eq!(get_at::<_, u64>(PREFIX, &([2u8; 32], [1u8; 32])), None);
            Ok(())
        })
        .unwrap();
    }
}
