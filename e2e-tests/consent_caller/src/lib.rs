//! Test-only stand-in for the contracts that will ask the consent registry
//! (claim_settlement, trial_anchoring): it knows the registry only by address and the
//! shared `ConsentCheck` trait, and turns a failed call into an error.
#![cfg_attr(not(feature = "std"), no_std, no_main)]

#[ink::contract]
pub mod consent_caller {
    use healthchain_common::{
        consent::{query_consent, ConsentAnswer, DataClasses, Purpose},
        CalleeError,
    };

    /// Remembers the registry's address, as the real callers take it at construction.
    #[ink(storage)]
    pub struct ConsentCaller {
        registry: AccountId,
    }

    impl ConsentCaller {
        /// Points the caller at the consent registry at `registry`.
        #[ink(constructor)]
        pub fn new(registry: AccountId) -> Self {
            Self { registry }
        }

        /// Asks the registry whether `grantee` may use `patient`'s data of `classes` for
        /// `purpose` in `context`; a failed call is an error, not a trap.
        #[ink(message)]
        pub fn check(
            &self,
            patient: AccountId,
            grantee: AccountId,
            purpose: Purpose,
            context: Option<Hash>,
            classes: DataClasses,
        ) -> Result<ConsentAnswer, CalleeError> {
            query_consent(self.registry, patient, grantee, purpose, context, classes)
        }
    }
}
