//! The migration from `claims_release_0`'s root storage to claim_settlement's current one,
//! in ink!'s set-code-hash-migration pattern: its `#[ink(storage)]` is the *old* root, and
//! its `migrate` message (selector `MIGRATE_SELECTOR`) writes the *new* one. `apply_code`
//! runs it in the upgraded contract's storage (a delegate call) right before swapping the
//! code, so the admin check and the change delay are the access block's; the records under
//! their own keys (plans, escrows, roles) are not touched. Never instantiated.
#![cfg_attr(not(feature = "std"), no_std, no_main)]

#[ink::contract]
pub mod claims_migration {
    use healthchain_common::access::{AccessControl, Callees};
    use ink::{
        scale::{Encode, Output},
        storage::traits::{Storable, StorageKey},
    };

    /// `claims_release_0`'s root, field for field (mappings take no room in the root and
    /// are left out).
    #[ink(storage)]
    pub struct ClaimSettlement {
        access: AccessControl,
        consent_registry: AccountId,
        drug_provenance: AccountId,
        next_plan: u32,
        escrow_total: Balance,
        next_claim: u64,
        library: Hash,
    }

    /// Why a migration was refused.
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    #[derive(Debug, PartialEq, Eq)]
    pub enum MigrationError {
        /// This code is only ever run by `apply_code`, never deployed.
        NotDeployable,
    }

    /// claim_settlement's current root, in its field order: written, never read here.
    struct CurrentRoot<'a> {
        access: &'a AccessControl,
        /// the callees (consent_registry, drug_provenance), last_plan, escrow_total,
        /// last_claim, credit_total, last_authorization, the relay's chain, the library. The
        /// earlier release had no relay: its chain stays zero, so no relayed appeal is
        /// accepted until the contract is deployed anew (this migration is a test fixture;
        /// nothing earlier is live). Its library is carried over.
        rest: (Callees, u32, Balance, u64, Balance, u64, Hash, Hash),
    }

    impl Storable for CurrentRoot<'_> {
        fn encode<T: Output + ?Sized>(&self, dest: &mut T) {
            Storable::encode(self.access, dest);
            Encode::encode_to(&self.rest, dest);
        }

        fn decode<I: ink::scale::Input>(_input: &mut I) -> Result<Self, ink::scale::Error> {
            Err("the migration only writes the current root".into())
        }

        fn encoded_size(&self) -> usize {
            Storable::encoded_size(self.access).saturating_add(Encode::encoded_size(&self.rest))
        }
    }

    impl ClaimSettlement {
        /// Refuses: a migration is uploaded, not instantiated.
        #[ink(constructor)]
        pub fn new() -> Result<Self, MigrationError> {
            Err(MigrationError::NotDeployable)
        }

        /// Rewrites the root: the callees moved next to the access block, the last plan
        /// and claim ids from the next ones, no provider credits yet; everything else as
        /// it was.
        #[ink(message, selector = 0x6d696772)]
        pub fn migrate(&self) {
            let root = CurrentRoot {
                access: &self.access,
                rest: (
                    Callees::new(ink::prelude::vec![
                        self.consent_registry,
                        self.drug_provenance
                    ]),
                    self.next_plan.saturating_sub(1),
                    self.escrow_total,
                    self.next_claim.saturating_sub(1),
                    0,
                    0,
                    Hash::from([0; 32]),
                    self.library,
                ),
            };
            let _previous_size = ink::env::set_contract_storage(&<Self as StorageKey>::KEY, &root);
        }
    }
}
