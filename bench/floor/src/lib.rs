//! The floor of the benchmarks: for each job a healthchain message does, the least a
//! contract can do for it. `make bench` reports every real message as a ratio to its
//! floor, which says how close to the limit the suite runs.
//!
//! - a grant or a dispense: one storage write of a record of the same size, one event;
//! - a check: one storage read;
//! - a cross-contract check: one call to another contract that returns a bool.
#![cfg_attr(not(feature = "std"), no_std, no_main)]

#[ink::contract]
pub mod floor {
    use ink::{prelude::vec::Vec, storage::Mapping};

    #[ink(storage)]
    #[derive(Default)]
    pub struct Floor {
        records: Mapping<AccountId, Vec<u8>>,
    }

    /// The one event of a write.
    #[ink(event)]
    pub struct Written {
        #[ink(topic)]
        key: AccountId,
    }

    impl Floor {
        /// An empty store.
        #[ink(constructor)]
        pub fn new() -> Self {
            Self::default()
        }

        /// One storage write of `record` under `key`, and one event.
        #[ink(message)]
        pub fn write(&mut self, key: AccountId, record: Vec<u8>) {
            self.records.insert(key, &record);
            self.env().emit_event(Written { key });
        }

        /// One storage read: whether `key` has a record.
        #[ink(message)]
        pub fn read(&self, key: AccountId) -> bool {
            self.records.contains(key)
        }

        /// One cross-contract call: `read(key)` on the floor contract at `callee`. A
        /// failed call answers false, as the suite's callers deny rather than trap.
        #[ink(message)]
        pub fn read_remote(&self, callee: AccountId, key: AccountId) -> bool {
            use ink::env::call::{build_call, ExecutionInput, Selector};
            build_call::<ink::env::DefaultEnvironment>()
                .call(callee)
                .exec_input(
                    ExecutionInput::new(Selector::new(ink::selector_bytes!("read"))).push_arg(key),
                )
                .returns::<bool>()
                .try_invoke()
                .ok()
                .and_then(|answer| answer.ok())
                .unwrap_or(false)
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[ink::test]
        fn a_written_record_is_read() {
            let mut floor = Floor::new();
            let key = AccountId::from([1; 32]);
            assert!(!floor.read(key));
            floor.write(key, vec![0; 100]);
            assert!(floor.read(key));
            assert_eq!(ink::env::test::recorded_events().count(), 1);
        }
    }
}
