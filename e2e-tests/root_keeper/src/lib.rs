//! A test contract for `healthchain_common::entry_points!`'s `runs_itself` list: its own
//! `call` runs `count`, `note` and `count_then_fail` itself (in its own build they are
//! plain functions, not ink! messages) and writes the root back only when it changed.
//! `count` changes the root (a counter in it), `note` only a mapping, `count_then_fail`
//! changes the root and then fails (the call reverts: nothing stays); `note_through_ink`
//! is `note` as ink!'s dispatch runs it. Its `leaves_root` list: `keep` writes a mapping
//! through a handle of its own key from `&self` (the root cannot change, so `call` neither
//! compares nor writes it back), `keep_then_fail` does too and fails (nothing stays).
#![cfg_attr(not(feature = "std"), no_std, no_main)]

#[ink::contract]
pub mod root_keeper {
    use ink::storage::{traits::ManualKey, Mapping};

    /// The kept notes' storage key, fixed so that `keep` writes them through a handle.
    const KEPT_KEY: u32 = 0x6863_6b6e; // "hckn"
    /// The kept notes: `RootKeeper::kept`, or a handle on it.
    type Kept = Mapping<u32, u32, ManualKey<KEPT_KEY>>;

    /// Why a message of the keeper fails.
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Error {
        /// The count is at its largest.
        CountFull,
        /// `count_then_fail` always fails, after changing the root and a note.
        Refused,
    }

    #[ink(storage)]
    pub struct RootKeeper {
        /// In the root: `count` changes it.
        count: u32,
        /// Not in the root: `note` writes here only.
        notes: Mapping<u32, u32>,
        /// Not in the root either: `keep` writes here through a handle, from `&self`.
        kept: Kept,
        /// Where `entry_points!` hands a selector this contract does not answer (none
        /// uploaded: such a call reverts).
        library: Hash,
    }

    impl Default for RootKeeper {
        fn default() -> Self {
            Self::new()
        }
    }

    impl RootKeeper {
        /// A keeper with a count of 0.
        #[ink(constructor)]
        pub fn new() -> Self {
            Self {
                count: 0,
                notes: Mapping::default(),
                kept: Mapping::default(),
                library: Hash::default(),
            }
        }

        /// Adds one to the count in the root and answers it.
        #[cfg(not(healthchain_contract))]
        #[ink(message)]
        pub fn count(&mut self) -> Result<u32, Error> {
            self.add_one()
        }

        /// Notes `value` under `key`, outside the root.
        #[cfg(not(healthchain_contract))]
        #[ink(message)]
        pub fn note(&mut self, key: u32, value: u32) -> Result<(), Error> {
            self.write_note(key, value)
        }

        /// Adds one to the count and a note, then fails: the call reverts.
        #[cfg(not(healthchain_contract))]
        #[ink(message)]
        pub fn count_then_fail(&mut self) -> Result<(), Error> {
            self.add_one_and_fail()
        }

        /// Keeps `value` under `key`, outside the root, in `call`'s `leaves_root` way.
        #[cfg(not(healthchain_contract))]
        #[ink(message)]
        pub fn keep(&mut self, key: u32, value: u32) -> Result<(), Error> {
            self.keep_note(key, value)
        }

        /// Keeps a note under `u32::MAX`, then fails: the call reverts.
        #[cfg(not(healthchain_contract))]
        #[ink(message)]
        pub fn keep_then_fail(&mut self) -> Result<(), Error> {
            self.keep_note_and_fail()
        }

        /// `keep`: `call` runs it itself, with the root as `&self`.
        fn keep_note(&self, key: u32, value: u32) -> Result<(), Error> {
            Kept::default().insert(key, &value);
            Ok(())
        }

        /// `keep_then_fail`: `call` runs it itself, with the root as `&self`.
        fn keep_note_and_fail(&self) -> Result<(), Error> {
            Kept::default().insert(u32::MAX, &self.count);
            Err(Error::Refused)
        }

        /// `count`: `call` runs it itself.
        fn add_one(&mut self) -> Result<u32, Error> {
            self.count = self.count.checked_add(1).ok_or(Error::CountFull)?;
            Ok(self.count)
        }

        /// `note`: `call` runs it itself.
        fn write_note(&mut self, key: u32, value: u32) -> Result<(), Error> {
            self.notes.insert(key, &value);
            Ok(())
        }

        /// `count_then_fail`: `call` runs it itself.
        fn add_one_and_fail(&mut self) -> Result<(), Error> {
            self.count = self.count.saturating_add(1);
            self.notes.insert(u32::MAX, &self.count);
            Err(Error::Refused)
        }

        /// `note` through ink!'s own dispatch (not listed below), which writes the root
        /// back after it although nothing in it changed: the tests compare the two.
        #[ink(message)]
        pub fn note_through_ink(&mut self, key: u32, value: u32) -> Result<(), Error> {
            self.notes.insert(key, &value);
            Ok(())
        }

        /// The count and the note under `key`.
        #[ink(message)]
        pub fn read(&self, key: u32) -> (u32, Option<u32>) {
            (self.count, self.notes.get(key))
        }

        /// The note `keep` kept under `key`, read through the root's field.
        #[ink(message)]
        pub fn kept(&self, key: u32) -> Option<u32> {
            self.kept.get(key)
        }
    }

    healthchain_common::entry_points!(
        RootKeeper,
        library,
        constructor: own,
        runs_itself: [
            "count" => add_one,
            "note" => write_note,
            "count_then_fail" => add_one_and_fail,
        ],
        leaves_root: ["keep" => keep_note, "keep_then_fail" => keep_note_and_fail]
    );
}
