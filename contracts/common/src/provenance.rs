//! How claim_settlement asks drug_provenance about a dispensed unit.

use crate::{AccountId, CalleeError, Hash, Timestamp};
use ink::prelude::vec::Vec;

/// The domain of a dispense's commitment to its patient.
pub const RECIPIENT_DOMAIN: &[u8] = b"healthchain/dispense-recipient";

/// The commitment a pharmacy records when it dispenses to `patient` (the patient's
/// pseudonym for the plan that will pay, or for the pharmacy when nobody bills), with a
/// salt of 32 random bytes it prints on the patient's receipt and puts on the claim's drug
/// line. A discarded package's GTIN, lot and serial then lead to this hash only, which
/// names nobody without the salt.
pub fn recipient_commitment(patient: &AccountId, salt: &[u8; 32]) -> Hash {
    crate::commitment(RECIPIENT_DOMAIN, patient, salt)
}

/// A dispensed unit as the provenance contract reports it to a payer.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DispensedUnit {
    /// The pharmacy's commitment to the patient ([`recipient_commitment`]): a payer
    /// proves the unit went to its member by recomputing it.
    pub recipient: Hash,
    /// The pharmacy that dispensed it.
    pub dispenser: AccountId,
    /// When (milliseconds since the epoch).
    pub dispensed_at: Timestamp,
    /// Whether the unit's lot is quarantined now.
    pub lot_quarantined: bool,
    /// Whether the unit's lot is recalled now.
    pub lot_recalled: bool,
}

/// A unit as a payer names it: GTIN, lot, serial.
pub type UnitId = (u64, Vec<u8>, Vec<u8>);

/// The units of a [`ProvenanceCheck::dispensed_units`] query: a `Vec<UnitId>`, encoded as
/// one and described as one in the metadata (its `TypeInfo` is `Vec<UnitId>`'s), so that
/// every client sends what it sent before. Decoded by hand ([`crate::codec`]): the
/// derived decoding of the units' vector and byte strings was part of the 750 bytes that
/// left drug_provenance's own build, which every drug claim carries.
#[ink::scale_derive(Encode)]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UnitIds(pub Vec<UnitId>);

impl From<Vec<UnitId>> for UnitIds {
    fn from(units: Vec<UnitId>) -> Self {
        Self(units)
    }
}

impl ink::scale::Decode for UnitIds {
    fn decode<I: ink::scale::Input>(input: &mut I) -> Result<Self, ink::scale::Error> {
        use crate::codec::{decode_bytes, decode_len};
        let len = decode_len(input)?;
        // Each unit takes at least 10 bytes of input, which bounds the loop; the room
        // reserved is bounded whatever the length says.
        let mut units = Vec::with_capacity(len.min(MAX_UNITS_PER_QUERY));
        for _ in 0..len {
            units.push((
                u64::decode(input)?,
                decode_bytes(input)?,
                decode_bytes(input)?,
            ));
        }
        Ok(Self(units))
    }
}

#[cfg(feature = "std")]
impl ink::scale_info::TypeInfo for UnitIds {
    type Identity = Vec<UnitId>;

    fn type_info() -> ink::scale_info::Type {
        Vec::<UnitId>::type_info()
    }
}

/// The most units one [`ProvenanceCheck::dispensed_units`] call answers (a claim's
/// maximum number of lines).
pub const MAX_UNITS_PER_QUERY: usize = 50;

/// The question claim_settlement asks drug_provenance.
#[ink::trait_definition]
pub trait ProvenanceCheck {
    /// For each of `units` (GTIN, lot, serial), in order, in one call (a claim's drug
    /// lines): who dispensed it, to which commitment and when, and whether its lot is
    /// quarantined or recalled now; `None` when that serial was never dispensed. Answers at
    /// most [`MAX_UNITS_PER_QUERY`] units: a longer query gets a shorter answer, which the
    /// caller must treat as no answer for the rest. (One message for one unit or many: a
    /// second message would only add code to every call's proof.)
    #[ink(message)]
    fn dispensed_units(&self, units: UnitIds) -> Vec<Option<DispensedUnit>>;
}

/// Asks the provenance contract at `provenance` about several units in one call, through
/// [`ProvenanceCheck::dispensed_units`]. An answer of another length than the query is
/// [`CalleeError::Rejected`].
#[cfg(not(feature = "test-doubles"))]
pub fn query_dispensed_units(
    provenance: AccountId,
    units: Vec<UnitId>,
) -> Result<Vec<Option<DispensedUnit>>, CalleeError> {
    use crate::callee_outcome;
    use ink::{codegen::TraitCallBuilder, env::DefaultEnvironment};
    let asked = units.len();
    let contract: ink::contract_ref!(ProvenanceCheck, DefaultEnvironment) = provenance.into();
    let limits = crate::PROVENANCE_CALL_LIMITS;
    let answers = callee_outcome(
        contract
            .call()
            .dispensed_units(UnitIds(units))
            .ref_time_limit(limits.ref_time)
            .proof_size_limit(limits.proof_size)
            .storage_deposit_limit(crate::CallLimits::READ_ONLY_DEPOSIT)
            .try_invoke(),
    )?;
    if answers.len() != asked {
        return Err(CalleeError::Rejected);
    }
    Ok(answers)
}

/// Unit-test stand-in: answers from [`crate::test_doubles`] (ink!'s off-chain environment
/// cannot call contracts).
#[cfg(feature = "test-doubles")]
pub fn query_dispensed_units(
    provenance: AccountId,
    units: Vec<UnitId>,
) -> Result<Vec<Option<DispensedUnit>>, CalleeError> {
    units
        .iter()
        .map(|(gtin, lot, serial)| {
            crate::test_doubles::dispensed_answer(provenance, *gtin, lot, serial)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ink::scale::{Decode, Encode};
    use proptest::prelude::*;

    proptest! {
        /// A query's units decode (by hand) what a `Vec<UnitId>` encodes, and encode as
        /// one; cut short anywhere, they are refused.
        #[test]
        fn unit_ids_decode_what_a_vec_encodes(
            units in proptest::collection::vec(
                (
                    any::<u64>(),
                    proptest::collection::vec(any::<u8>(), 0..25),
                    proptest::collection::vec(any::<u8>(), 0..25),
                ),
                0..=MAX_UNITS_PER_QUERY + 2,
            ),
        ) {
            let encoded = units.encode();
            prop_assert_eq!(UnitIds(units.clone()).encode(), encoded.clone());
            prop_assert_eq!(UnitIds::decode(&mut &encoded[..]), Ok(UnitIds(units)));
            for len in 0..encoded.len() {
                prop_assert!(UnitIds::decode(&mut &encoded[..len]).is_err());
            }
        }
    }

    /// The metadata describes the query's argument as before: as a `Vec<UnitId>`, a
    /// sequence of (GTIN, lot, serial).
    #[test]
    fn unit_ids_are_described_as_a_vec() {
        use ink::scale_info::TypeInfo;
        assert_eq!(UnitIds::type_info(), Vec::<UnitId>::type_info());
    }
}
