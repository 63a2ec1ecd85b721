//! How claim_settlement asks drug_provenance about a dispensed unit.

use crate::{AccountId, CalleeError, Timestamp};
use ink::prelude::vec::Vec;

/// A dispensed unit as the provenance contract reports it to a payer.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DispensedUnit {
    /// The patient the unit was dispensed to.
    pub patient: AccountId,
    /// The pharmacy that dispensed it.
    pub dispenser: AccountId,
    /// When (milliseconds since the epoch).
    pub dispensed_at: Timestamp,
    /// Whether the unit's lot is quarantined now.
    pub lot_quarantined: bool,
    /// Whether the unit's lot is recalled now.
    pub lot_recalled: bool,
}

/// The question claim_settlement asks drug_provenance.
#[ink::trait_definition]
pub trait ProvenanceCheck {
    /// Who dispensed the unit (GTIN, lot, serial) to whom and when, and whether its lot is
    /// quarantined or recalled now; `None` when that serial was never dispensed.
    #[ink(message)]
    fn dispensed_unit(&self, gtin: u64, lot: Vec<u8>, serial: Vec<u8>) -> Option<DispensedUnit>;
}

/// Asks the provenance contract at `provenance` about a unit, through [`ProvenanceCheck`].
#[cfg(not(feature = "test-doubles"))]
pub fn query_dispensed_unit(
    provenance: AccountId,
    gtin: u64,
    lot: Vec<u8>,
    serial: Vec<u8>,
) -> Result<Option<DispensedUnit>, CalleeError> {
    use crate::callee_outcome;
    use ink::{codegen::TraitCallBuilder, env::DefaultEnvironment};
    let contract: ink::contract_ref!(ProvenanceCheck, DefaultEnvironment) = provenance.into();
    callee_outcome(
        contract
            .call()
            .dispensed_unit(gtin, lot, serial)
            .try_invoke(),
    )
}

/// Unit-test stand-in: answers from [`crate::test_doubles`] (ink!'s off-chain environment
/// cannot call contracts).
#[cfg(feature = "test-doubles")]
pub fn query_dispensed_unit(
    provenance: AccountId,
    gtin: u64,
    lot: Vec<u8>,
    serial: Vec<u8>,
) -> Result<Option<DispensedUnit>, CalleeError> {
    crate::test_doubles::dispensed_answer(provenance, gtin, &lot, &serial)
}
