//! A hostile callee for the e2e tests: it answers `ConsentCheck::is_authorized` and
//! `ProvenanceCheck::dispensed_units` by looping until it runs out of gas. A caller that
//! gives it all its remaining gas runs out with it; one that gives it a limit fails the
//! question alone and answers for it (claim_settlement denies the claim as unverifiable).
#![cfg_attr(not(feature = "std"), no_std, no_main)]

#[ink::contract]
pub mod hostile_callee {
    use healthchain_common::{
        consent::{ConsentAnswer, ConsentCheck, ConsentQuery, DataClasses, Purpose},
        provenance::{DispensedUnit, ProvenanceCheck, UnitIds},
    };
    use ink::prelude::vec::Vec;

    #[ink(storage)]
    pub struct HostileCallee {
        /// Written in the loop, so that the optimiser cannot remove it.
        spins: u64,
    }

    impl Default for HostileCallee {
        fn default() -> Self {
            Self::new()
        }
    }

    impl HostileCallee {
        #[ink(constructor)]
        pub fn new() -> Self {
            Self { spins: 0 }
        }

        /// Spins until the gas runs out (it never returns).
        fn burn(&self) -> u64 {
            let mut spins = self.spins;
            loop {
                spins = core::hint::black_box(spins.wrapping_add(1));
                if spins == u64::MAX {
                    return spins;
                }
            }
        }
    }

    impl ConsentCheck for HostileCallee {
        #[ink(message)]
        fn is_authorized(
            &self,
            _patient: AccountId,
            _grantee: AccountId,
            _purpose: Purpose,
            _context: Option<Hash>,
            _classes: DataClasses,
        ) -> ConsentAnswer {
            self.burn();
            ConsentAnswer::Permitted
        }

        #[ink(message)]
        fn is_authorized_batch(&self, _queries: Vec<ConsentQuery>) -> Vec<ConsentAnswer> {
            self.burn();
            Vec::new()
        }
    }

    impl ProvenanceCheck for HostileCallee {
        #[ink(message)]
        fn dispensed_units(&self, _units: UnitIds) -> Vec<Option<DispensedUnit>> {
            self.burn();
            Vec::new()
        }
    }
}
