//! The admin library: the suite's admin, role, pause and upgrade messages
//! ([`AccessControlled`]), uploaded once (`upload_code`) and never instantiated.
//!
//! Each healthchain contract keeps its [`AccessControl`] as the first field of its root
//! storage and answers every `AccessControlled` message by handing the call, input and
//! all, to this code by delegate call (`healthchain_common::admin_message!`). The message
//! runs here in the contract's storage, with the contract's caller, and emits its events
//! from the contract's address; the contract carries only the forwarding.
//!
//! The library does not know the contract's layout, so its root is the contract's root
//! read as the [`AccessControl`] block followed by the rest as bytes ([`RootTail`]), which
//! it writes back unchanged. The one exception is the callee rewiring (`propose_callee`,
//! `apply_callee`), which only a contract with callees forwards: such a contract keeps its
//! [`Callees`] first in that rest, where the library reads and rewrites them in place.
#![cfg_attr(not(feature = "std"), no_std, no_main)]

use healthchain_common::access::Callees;
use ink::{
    prelude::vec::Vec,
    scale::{Decode, Encode, Error, Input, Output},
};

/// Whatever follows the [`AccessControl`](healthchain_common::access::AccessControl)
/// block in a contract's root storage, kept as the bytes it is: decoded by taking every
/// remaining byte, encoded by writing them back as they were.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RootTail(Vec<u8>);

impl RootTail {
    /// The contract's [`Callees`], which a contract with callees keeps first after its
    /// access block, and how many bytes they take.
    pub fn callees(&self) -> Option<(Callees, usize)> {
        let input = &mut &self.0[..];
        let callees = Decode::decode(input).ok()?;
        Some((callees, self.0.len().checked_sub(input.len())?))
    }

    /// Writes `callees` over the first `taken` bytes, the ones [`Self::callees`] read.
    /// Their number never changes, so they take the same room; returns false, writing
    /// nothing, if they would not.
    pub fn set_callees(&mut self, callees: &Callees, taken: usize) -> bool {
        let bytes = callees.encode();
        match self.0.get_mut(..taken) {
            Some(room) if room.len() == bytes.len() => {
                room.copy_from_slice(&bytes);
                true
            }
            _ => false,
        }
    }
}

/// Described as the bytes it is.
#[cfg(feature = "std")]
impl ink::scale_info::TypeInfo for RootTail {
    type Identity = Vec<u8>;

    fn type_info() -> ink::scale_info::Type {
        <Vec<u8> as ink::scale_info::TypeInfo>::type_info()
    }
}

impl Encode for RootTail {
    fn size_hint(&self) -> usize {
        self.0.len()
    }

    fn encode_to<T: Output + ?Sized>(&self, dest: &mut T) {
        dest.write(&self.0)
    }
}

impl Decode for RootTail {
    fn decode<I: Input>(input: &mut I) -> Result<Self, Error> {
        let len = input
            .remaining_len()?
            .ok_or("the root's length is unknown")?;
        let mut bytes = ink::prelude::vec![0u8; len];
        input.read(&mut bytes)?;
        Ok(Self(bytes))
    }
}

#[cfg(feature = "std")]
impl ink::storage::traits::StorageLayout for RootTail {
    fn layout(key: &ink::primitives::Key) -> ink::metadata::layout::Layout {
        use ink::metadata::layout::{Layout, LayoutKey, LeafLayout};
        Layout::Leaf(LeafLayout::from_key::<Vec<u8>>(LayoutKey::from(key)))
    }
}

/// The answer to an attempt to instantiate the library: it is code to delegate to, with
/// no storage of its own.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UploadOnly;

#[ink::contract]
pub mod access_library {
    use super::{RootTail, UploadOnly};
    use healthchain_common::access::{
        AccessControl, AccessControlled, AccessError, PendingChange, Role,
    };

    /// A healthchain contract's root, as far as the admin messages need it.
    #[ink(storage)]
    pub struct AccessLibrary {
        access: AccessControl,
        rest: RootTail,
    }

    impl AccessLibrary {
        /// Refuses: the library is uploaded with `upload_code` and reached by delegate
        /// call; an instance of it would have no contract to administer.
        #[ink(constructor)]
        pub fn new() -> Result<Self, UploadOnly> {
            Err(UploadOnly)
        }

        /// Proposes pointing the contract's callee number `callee` at `address`, with a
        /// `ChangeProposed` event; `apply_callee` makes the change once the change delay
        /// has passed. Admin only. Returns when it may be applied. Only a contract with
        /// callees (claim_settlement, trial_anchoring) forwards it, and keeps them right
        /// after its access block (`Callees`): not an `AccessControlled` message, so the
        /// contracts without callees carry nothing of it.
        #[ink(message)]
        pub fn propose_callee(
            &mut self,
            callee: u8,
            address: AccountId,
        ) -> Result<Timestamp, AccessError> {
            let (callees, _) = self.rest.callees().ok_or(AccessError::UnknownCallee)?;
            callees.propose(&mut self.access, callee, address)
        }

        /// Applies the proposed callee change once its delay has passed, with a
        /// `CalleeChanged` event. Admin only.
        #[ink(message)]
        pub fn apply_callee(&mut self) -> Result<(), AccessError> {
            let (mut callees, taken) = self.rest.callees().ok_or(AccessError::UnknownCallee)?;
            callees.apply(&mut self.access)?;
            // On chain an error reverts the whole message, the taken change included.
            if !self.rest.set_callees(&callees, taken) {
                return Err(AccessError::UnknownCallee);
            }
            Ok(())
        }
    }

    impl AccessControlled for AccessLibrary {
        /// The contract's admin.
        #[ink(message)]
        fn admin(&self) -> AccountId {
            self.access.admin()
        }

        /// The proposed next admin, if a transfer is pending.
        #[ink(message)]
        fn pending_admin(&self) -> Option<AccountId> {
            self.access.pending_admin()
        }

        /// Whether `account` holds `role` in the contract.
        #[ink(message)]
        fn has_role(&self, account: AccountId, role: Role) -> bool {
            self.access.has_role(account, role)
        }

        /// Whether the contract is paused.
        #[ink(message)]
        fn paused(&self) -> bool {
            self.access.is_paused()
        }

        /// Proposes a new admin; it takes over when it calls `accept_admin`. Admin only.
        #[ink(message)]
        fn transfer_admin(&mut self, new_admin: AccountId) -> Result<(), AccessError> {
            self.access.transfer_admin(new_admin)
        }

        /// Accepts the admin role proposed to the caller.
        #[ink(message)]
        fn accept_admin(&mut self) -> Result<(), AccessError> {
            self.access.accept_admin()
        }

        /// Gives `role` to `account`: the admin, or a holder of the contract's
        /// role-manager role for the other roles.
        #[ink(message)]
        fn grant_role(&mut self, role: Role, account: AccountId) -> Result<(), AccessError> {
            self.access.grant_role(role, account)
        }

        /// Takes `role` from `account`: the admin, or a holder of the role-manager role.
        #[ink(message)]
        fn revoke_role(&mut self, role: Role, account: AccountId) -> Result<(), AccessError> {
            self.access.revoke_role(role, account)
        }

        /// Gives up one of the caller's own roles.
        #[ink(message)]
        fn renounce_role(&mut self, role: Role) -> Result<(), AccessError> {
            self.access.renounce_role(role)
        }

        /// Pauses the contract (what that stops is the contract's own rule). Admin only.
        #[ink(message)]
        fn pause(&mut self) -> Result<(), AccessError> {
            self.access.pause()
        }

        /// Resumes the contract. Admin only.
        #[ink(message)]
        fn unpause(&mut self) -> Result<(), AccessError> {
            self.access.unpause()
        }

        /// The delay (milliseconds) between proposing and applying a change, fixed at
        /// construction.
        #[ink(message)]
        fn change_delay(&self) -> Timestamp {
            self.access.change_delay()
        }

        /// The proposed change waiting for its delay, if any.
        #[ink(message)]
        fn pending_change(&self) -> Option<PendingChange> {
            self.access.pending_change()
        }

        /// Proposes upgrading the contract to the uploaded code `code_hash`, with the
        /// uploaded `migration` when the new version's root storage differs. Admin only.
        #[ink(message)]
        fn propose_code(
            &mut self,
            code_hash: Hash,
            migration: Option<Hash>,
        ) -> Result<Timestamp, AccessError> {
            self.access.propose_code(code_hash, migration)
        }

        /// Applies the proposed upgrade once its delay has passed: runs its migration, if
        /// any, and swaps the contract's code, keeping its address and records. Admin only.
        #[ink(message)]
        fn apply_code(&mut self) -> Result<(), AccessError> {
            self.access.apply_code()
        }

        /// Cancels the pending change. Admin only.
        #[ink(message)]
        fn cancel_change(&mut self) -> Result<(), AccessError> {
            self.access.cancel_change()
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;
        use healthchain_common::access::Callees;
        use ink::{
            scale::{Decode, Encode},
            storage::traits::Storable,
        };

        /// A contract root (the block first, then the contract's own fields) decodes into
        /// the block and the rest, and encodes back to the same bytes.
        #[test]
        fn the_rest_of_a_root_is_written_back_as_it_was() {
            let admin = AccountId::from([1; 32]);
            let library = Hash::from([9; 32]);
            let block = (
                admin,
                None::<AccountId>,
                false,
                0b101u32,
                Some(Role::Regulator),
                7 as Timestamp,
                library,
            );
            let own_fields = (u128::MAX, vec![1u8, 2, 3], Some(AccountId::from([4; 32])));
            let bytes = Encode::encode(&(block, own_fields.clone()));
            let input = &mut &bytes[..];
            let access = <AccessControl as Storable>::decode(input).expect("the block decodes");
            let rest = <RootTail as Decode>::decode(input).expect("the rest decodes");
            assert_eq!(access.admin(), admin);
            assert_eq!(access.library(), library);
            assert!(!access.is_paused());
            assert_eq!(rest.0, Encode::encode(&own_fields));
            let mut written = Vec::new();
            Storable::encode(&access, &mut written);
            Storable::encode(&rest, &mut written);
            assert_eq!(written, bytes);
        }

        /// A contract's callees, right after its block, are read from the rest of the root
        /// and written back in place: the contract's other fields stay as they were.
        #[test]
        fn callees_are_found_and_changed_in_the_rest_of_the_root() {
            let callees = Callees::new(vec![AccountId::from([5; 32]), AccountId::from([6; 32])]);
            let own_fields = (7u32, vec![1u8, 2, 3]);
            let mut rest = RootTail(Encode::encode(&(&callees, &own_fields)));
            let (found, taken) = rest.callees().expect("the callees decode");
            assert_eq!(found, callees);
            assert_eq!(taken, 1 + 2 * 32);
            let changed = Callees::new(vec![AccountId::from([5; 32]), AccountId::from([8; 32])]);
            assert!(rest.set_callees(&changed, taken));
            assert_eq!(rest.0, Encode::encode(&(&changed, &own_fields)));
            assert_eq!(
                RootTail(vec![0x09]).callees(),
                None,
                "no room for the callees"
            );
            let longer = Callees::new(vec![AccountId::from([5; 32]); 3]);
            assert!(
                !rest.set_callees(&longer, taken),
                "a longer list is not written"
            );
            assert_eq!(rest.0, Encode::encode(&(&changed, &own_fields)));
        }
    }
}
