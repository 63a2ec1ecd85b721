//! The floor of the benchmarks: for each job a healthchain message does, the least a
//! contract can do for it. `make bench` reports every real message as a ratio to its
//! floor, which says how close to the limit the suite runs.
//!
//! - a grant or a dispense: one storage write of a record of the same size, one event;
//! - a check: one storage read;
//! - two storage reads (`read_two`): against `read`, what one access costs;
//! - a cross-contract check: one call to another contract that returns a bool.
//!
//! Built with `--features admin`, it also carries the suite's shared admin, role, pause
//! and upgrade block (`AccessControl` and every `AccessControlled` message), and `write`
//! makes the pause check each suite message makes: `make bench` measures that build as
//! `floor_admin`, to show what the block costs a contract.
#![cfg_attr(not(feature = "std"), no_std, no_main)]

/// The shared admin block in the `admin` build; nothing otherwise.
#[cfg(feature = "admin")]
pub type AdminBlock = healthchain_common::access::AccessControl;
#[cfg(not(feature = "admin"))]
pub type AdminBlock = NoAdminBlock;

/// The plain floor's stand-in for the admin block: no storage, no code.
#[cfg(not(feature = "admin"))]
#[ink::storage_item]
#[derive(Default, Debug)]
pub struct NoAdminBlock {}

#[cfg(feature = "admin")]
fn admin_block(admin: ink::primitives::AccountId, library: ink::primitives::Hash) -> AdminBlock {
    use healthchain_common::access::RoleSet;
    AdminBlock::new(admin, RoleSet::of(&[]), None, 0, library)
}
#[cfg(not(feature = "admin"))]
fn admin_block(_admin: ink::primitives::AccountId, _library: ink::primitives::Hash) -> AdminBlock {
    NoAdminBlock {}
}

/// The pause check every suite message makes, in the `admin` build.
#[cfg(feature = "admin")]
fn paused(block: &AdminBlock) -> bool {
    block.ensure_not_paused().is_err()
}
#[cfg(not(feature = "admin"))]
fn paused(_block: &AdminBlock) -> bool {
    false
}

#[ink::contract]
pub mod floor {
    // Named by the admin build's messages, whose signatures ink! checks in every build.
    #[allow(unused_imports)]
    use healthchain_common::access::{admin_arg, AccessError, PendingChange, Role};
    use ink::{prelude::vec::Vec, storage::Mapping};

    /// The admin block first, as in the suite's contracts (the admin library reads it
    /// from the front of the root).
    #[ink(storage)]
    pub struct Floor {
        access: crate::AdminBlock,
        records: Mapping<AccountId, Vec<u8>>,
    }

    /// The one event of a write.
    #[ink(event)]
    pub struct Written {
        #[ink(topic)]
        key: AccountId,
    }

    impl Floor {
        /// An empty store. `admin_library` is the uploaded admin library's code hash,
        /// which the `admin` build delegates its admin messages to (the plain build
        /// ignores it, so both builds are deployed alike).
        #[ink(constructor)]
        pub fn new(admin_library: Hash) -> Self {
            Self {
                access: crate::admin_block(Self::env().caller(), admin_library),
                records: Mapping::default(),
            }
        }

        /// One storage write of `record` under `key`, and one event (none while paused,
        /// in the admin build).
        #[ink(message)]
        pub fn write(&mut self, key: AccountId, record: Vec<u8>) {
            if crate::paused(&self.access) {
                return;
            }
            self.records.insert(key, &record);
            self.env().emit_event(Written { key });
        }

        /// One storage read: whether `key` has a record.
        #[ink(message)]
        pub fn read(&self, key: AccountId) -> bool {
            self.records.contains(key)
        }

        /// Two storage reads: whether `first` or `second` has a record. Against `read`, what
        /// pallet-contracts charges for one storage access, whatever the contract.
        #[ink(message)]
        pub fn read_two(&self, first: AccountId, second: AccountId) -> bool {
            // Both read: `||` would skip the second when the first is found.
            let first = self.records.contains(first);
            let second = self.records.contains(second);
            first | second
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

    // The shared block's messages, each handed to the admin library as the suite's
    // contracts' `AccessControlled` messages are, under the trait's selectors, which the
    // library answers (ink! takes `cfg` on messages, not on trait impls).
    impl Floor {
        /// The admin.
        #[cfg(feature = "admin")]
        #[ink(message, selector = 0x7f094c54)]
        pub fn admin(&self) -> AccountId {
            healthchain_common::admin_message!(self.access, admin())
        }

        /// The proposed next admin, if any.
        #[cfg(feature = "admin")]
        #[ink(message, selector = 0x8c385f2b)]
        pub fn pending_admin(&self) -> Option<AccountId> {
            healthchain_common::admin_message!(self.access, pending_admin())
        }

        /// Whether `account` holds `role`.
        #[cfg(feature = "admin")]
        #[ink(message, selector = 0x5c1d9403)]
        pub fn has_role(&self, account: admin_arg::AccountId, role: admin_arg::Role) -> bool {
            healthchain_common::admin_message!(self.access, has_role(account, role))
        }

        /// Whether the floor is paused.
        #[cfg(feature = "admin")]
        #[ink(message, selector = 0x626d1a0d)]
        pub fn paused(&self) -> bool {
            healthchain_common::admin_message!(self.access, is_paused())
        }

        /// Proposes a new admin. Admin only.
        #[cfg(feature = "admin")]
        #[ink(message, selector = 0xdb621ae0)]
        pub fn transfer_admin(
            &mut self,
            new_admin: admin_arg::AccountId,
        ) -> Result<(), AccessError> {
            healthchain_common::admin_message!(self.access, transfer_admin(new_admin))
        }

        /// Accepts the admin role proposed to the caller.
        #[cfg(feature = "admin")]
        #[ink(message, selector = 0xa5a08424)]
        pub fn accept_admin(&mut self) -> Result<(), AccessError> {
            healthchain_common::admin_message!(self.access, accept_admin())
        }

        /// Gives `role` to `account`. Admin only.
        #[cfg(feature = "admin")]
        #[ink(message, selector = 0x29527424)]
        pub fn grant_role(
            &mut self,
            role: admin_arg::Role,
            account: admin_arg::AccountId,
        ) -> Result<(), AccessError> {
            healthchain_common::admin_message!(self.access, grant_role(role, account))
        }

        /// Takes `role` from `account`. Admin only.
        #[cfg(feature = "admin")]
        #[ink(message, selector = 0x1b2ccf19)]
        pub fn revoke_role(
            &mut self,
            role: admin_arg::Role,
            account: admin_arg::AccountId,
        ) -> Result<(), AccessError> {
            healthchain_common::admin_message!(self.access, revoke_role(role, account))
        }

        /// Gives up one of the caller's roles.
        #[cfg(feature = "admin")]
        #[ink(message, selector = 0xdbcb018c)]
        pub fn renounce_role(&mut self, role: admin_arg::Role) -> Result<(), AccessError> {
            healthchain_common::admin_message!(self.access, renounce_role(role))
        }

        /// Pauses the floor. Admin only.
        #[cfg(feature = "admin")]
        #[ink(message, selector = 0xe5bc899a)]
        pub fn pause(&mut self) -> Result<(), AccessError> {
            healthchain_common::admin_message!(self.access, pause())
        }

        /// Resumes the floor. Admin only.
        #[cfg(feature = "admin")]
        #[ink(message, selector = 0x8b3b9ec3)]
        pub fn unpause(&mut self) -> Result<(), AccessError> {
            healthchain_common::admin_message!(self.access, unpause())
        }

        /// The delay between proposing and applying an upgrade.
        #[cfg(feature = "admin")]
        #[ink(message, selector = 0x6427e58d)]
        pub fn change_delay(&self) -> Timestamp {
            healthchain_common::admin_message!(self.access, change_delay())
        }

        /// The pending upgrade, if any.
        #[cfg(feature = "admin")]
        #[ink(message, selector = 0x86bba23b)]
        pub fn pending_change(&self) -> Option<PendingChange> {
            healthchain_common::admin_message!(self.access, pending_change())
        }

        /// Proposes an upgrade. Admin only.
        #[cfg(feature = "admin")]
        #[ink(message, selector = 0x5ffc2f28)]
        pub fn propose_code(
            &mut self,
            code_hash: admin_arg::Hash,
            migration: admin_arg::Option<Hash>,
        ) -> Result<Timestamp, AccessError> {
            healthchain_common::admin_message!(self.access, propose_code(code_hash, migration))
        }

        /// Applies the proposed upgrade. Admin only.
        #[cfg(feature = "admin")]
        #[ink(message, selector = 0xb9671577)]
        pub fn apply_code(&mut self) -> Result<(), AccessError> {
            healthchain_common::admin_message!(self.access, apply_code())
        }

        /// Cancels the pending upgrade. Admin only.
        #[cfg(feature = "admin")]
        #[ink(message, selector = 0xfae24d2d)]
        pub fn cancel_change(&mut self) -> Result<(), AccessError> {
            healthchain_common::admin_message!(self.access, cancel_change())
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[ink::test]
        fn a_written_record_is_read() {
            let mut floor = Floor::new(Hash::from([0xA1; 32]));
            let key = AccountId::from([1; 32]);
            assert!(!floor.read(key));
            floor.write(key, vec![0; 100]);
            assert!(floor.read(key));
            assert_eq!(ink::env::test::recorded_events().count(), 1);
        }
    }
}
