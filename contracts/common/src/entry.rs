//! A `Mapping` entry under an account, read straight from the host, for a contract's
//! hottest record.
//!
//! ink!'s `Mapping::get` encodes the key through ink!'s static buffer and decodes the value
//! with checks of its own: reading the consent registry's account records here instead took
//! 223 bytes off its own build, which every grant's and check's proof carries. [`get`]
//! reads the same storage entry, under the same key, in the same encoding, so what a
//! `Mapping` of the same prefix writes is what it reads. Off chain it is ink!'s, so unit
//! tests see one storage.

use crate::AccountId;
use ink::scale::{Decode, Encode};

/// The storage key ink! gives the entry of `Mapping<AccountId, V, ManualKey<prefix>>`
/// under `key`: the prefix's encoding (`u32`, little endian), then the account's.
pub fn key_of(prefix: u32, key: &AccountId) -> [u8; 36] {
    let mut full = [0u8; 36];
    full[..4].copy_from_slice(&prefix.to_le_bytes());
    full[4..].copy_from_slice(key.as_ref());
    full
}

/// The longest value [`read`] reads: the size of its buffer. A contract that reads a type
/// through it checks at compile time that the type's longest encoding fits.
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

/// The value stored under the storage key `key` (as ink! encodes it: a `Lazy`'s `u32`
/// little endian, a `Mapping` entry's as [`key_of`]), if any. A value longer than
/// [`MAX_VALUE_LEN`] traps the call (the chain refuses to write it into a smaller buffer),
/// and so does a value that does not decode, as ink!'s reads do.
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

#[cfg(test)]
mod tests {
    use super::*;
    use ink::storage::{
        traits::{ManualKey, StorageKey},
        Mapping,
    };

    const PREFIX: u32 = 0x6863_6361;

    /// The key the host is asked for is the one ink! encodes for the `Mapping`'s entry.
    #[test]
    fn the_key_is_the_mappings() {
        let account = AccountId::from([7; 32]);
        assert_eq!(
            key_of(PREFIX, &account).to_vec(),
            (PREFIX, account).encode()
        );
        assert_eq!(
            key_of(PREFIX, &account).to_vec(),
            (&<ManualKey<PREFIX> as StorageKey>::KEY, &account).encode()
        );
    }

    /// What a `Mapping` of the same prefix stores is what `get` reads; an account with no
    /// entry has none.
    #[test]
    fn get_reads_what_the_mapping_stores() {
        ink::env::test::run_test::<ink::env::DefaultEnvironment, _>(|_| {
            let mut mapping = Mapping::<AccountId, (u64, [u8; 3]), ManualKey<PREFIX>>::new();
            let (stored, other) = (AccountId::from([1; 32]), AccountId::from([2; 32]));
            mapping.insert(stored, &(9, *b"abc"));
            assert_eq!(get::<(u64, [u8; 3])>(PREFIX, &stored), Some((9, *b"abc")));
            assert_eq!(get::<(u64, [u8; 3])>(PREFIX, &other), None);
            assert_eq!(get::<(u64, [u8; 3])>(PREFIX + 1, &stored), None);
            Ok(())
        })
        .unwrap();
    }
}
