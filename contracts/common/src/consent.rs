//! What a consent is about, and how other contracts ask the consent registry.
//!
//! Words follow HL7 FHIR Consent: a *purpose* of use (v3 PurposeOfUse codes), data
//! *classes*, a *period* (a start and an optional end), a provision that permits or
//! denies, and a context (for research, the trial protocol version the participant
//! consented to).

use crate::{AccountId, CalleeError, Hash};
use ink::prelude::vec::Vec;

/// Why a grantee wants to use a patient's data (HL7 v3 PurposeOfUse).
///
/// Append-only: a purpose's position is its SCALE encoding, which is part of the consent
/// registry's storage keys and of signed relay payloads. New codes go at the end; none is
/// ever removed or reordered.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// TREAT: treatment by the grantee.
    Treatment,
    /// HPAYMT: payment, claims and billing.
    Payment,
    /// HRESCH: research, scoped by a context such as the trial protocol hash.
    Research,
    /// ETREAT: emergency treatment ("break the glass").
    Emergency,
    /// PUBHLTH: public health reporting.
    PublicHealth,
    /// HOPERAT: healthcare operations (quality review, audit, case management), which
    /// HIPAA counts with treatment and payment (45 CFR 164.506).
    Operations,
}

impl Purpose {
    /// Every purpose, in declaration order.
    pub const ALL: [Purpose; 6] = [
        Purpose::Treatment,
        Purpose::Payment,
        Purpose::Research,
        Purpose::Emergency,
        Purpose::PublicHealth,
        Purpose::Operations,
    ];

    /// The HL7 v3 PurposeOfUse code, for off-chain systems that speak FHIR.
    pub const fn code(self) -> &'static str {
        match self {
            Purpose::Treatment => "TREAT",
            Purpose::Payment => "HPAYMT",
            Purpose::Research => "HRESCH",
            Purpose::Emergency => "ETREAT",
            Purpose::PublicHealth => "PUBHLTH",
            Purpose::Operations => "HOPERAT",
        }
    }
}

/// The classes of data a consent covers, as a bit mask (FHIR `provision.class`).
///
/// | bit | class |
/// |---|---|
/// | 0 (1) | demographics |
/// | 1 (2) | conditions and diagnoses |
/// | 2 (4) | medications and dispenses |
/// | 3 (8) | laboratory results |
/// | 4 (16) | imaging |
/// | 5 (32) | genomics |
/// | 6 (64) | mental health |
/// | 7 (128) | substance use disorder (42 CFR Part 2) |
/// | 8 (256) | claims and billing |
/// | 9 (512) | clinical trial data |
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DataClasses(pub u32);

impl DataClasses {
    pub const DEMOGRAPHICS: DataClasses = DataClasses(1);
    pub const CONDITIONS: DataClasses = DataClasses(1 << 1);
    pub const MEDICATIONS: DataClasses = DataClasses(1 << 2);
    pub const LAB_RESULTS: DataClasses = DataClasses(1 << 3);
    pub const IMAGING: DataClasses = DataClasses(1 << 4);
    pub const GENOMICS: DataClasses = DataClasses(1 << 5);
    pub const MENTAL_HEALTH: DataClasses = DataClasses(1 << 6);
    pub const SUBSTANCE_USE: DataClasses = DataClasses(1 << 7);
    pub const CLAIMS: DataClasses = DataClasses(1 << 8);
    pub const TRIAL_DATA: DataClasses = DataClasses(1 << 9);
    /// Every defined class.
    pub const ALL: DataClasses = DataClasses((1 << 10) - 1);

    /// The union of two sets.
    pub const fn union(self, other: DataClasses) -> DataClasses {
        DataClasses(self.0 | other.0)
    }

    /// Whether every class of `other` is in `self`.
    pub const fn covers(self, other: DataClasses) -> bool {
        self.0 & other.0 == other.0
    }

    /// Whether the two sets share a class.
    pub const fn intersects(self, other: DataClasses) -> bool {
        self.0 & other.0 != 0
    }

    /// Whether the set names no class.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// Whether only defined bits are set.
    pub const fn is_known(self) -> bool {
        DataClasses::ALL.covers(self)
    }
}

/// The consent context of research consent to one version of one trial: BLAKE2b-256 of
/// (a domain tag, the trial_anchoring contract's account, the trial id, the protocol
/// version's hash), SCALE-encoded. Naming the contract and the trial, not only the
/// protocol, keeps consent to one trial from counting for another trial (or another
/// deployment) that registers the same protocol document.
pub fn research_context(trials: AccountId, trial: u64, protocol_hash: Hash) -> Hash {
    use ink::scale::Encode;
    let digest = crate::merkle::blake2_256(
        &(
            b"healthchain/research-consent",
            trials,
            trial,
            protocol_hash,
        )
            .encode(),
    );
    Hash::from(digest)
}

/// The consent registry's answer: permitted, not permitted, restricted, or no answer
/// because the registry is paused, so that a caller never blames a patient for the
/// registry's state. Telling "no consent" from "restricted" lets a caller whose law
/// permits the use without consent (HIPAA's payment and operations) still honour a
/// patient's restriction.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConsentAnswer {
    /// Permits in force cover every class asked for, and no deny provision matches.
    Permitted,
    /// No permit in force covers it (none, not yet started, ended, revoked, for other
    /// classes or another context), and no deny provision matches.
    NotPermitted,
    /// The registry is paused and answers nothing; ask again later.
    Unavailable,
    /// A deny provision in force (a restriction the patient recorded) covers one of the
    /// classes asked for: it wins over any permit.
    Restricted,
}

impl ConsentAnswer {
    /// Whether the use is permitted.
    pub fn is_permitted(self) -> bool {
        self == ConsentAnswer::Permitted
    }
}

/// The question other contracts ask the consent registry.
#[ink::trait_definition]
pub trait ConsentCheck {
    /// Whether `grantee` may use `patient`'s data of every class in `classes` for
    /// `purpose` right now, in `context` (for research, the trial's consent context;
    /// `None` for no context). The asker states the classes it needs: the answer covers
    /// exactly those, and asking for no class is `NotPermitted`. `Restricted` when a deny
    /// provision in force matches one of the classes; `NotPermitted` for no permit in
    /// force (expired, revoked, not yet started or wrong-context); `Unavailable` while
    /// the registry is paused.
    #[ink(message)]
    fn is_authorized(
        &self,
        patient: AccountId,
        grantee: AccountId,
        purpose: Purpose,
        context: Option<Hash>,
        classes: DataClasses,
    ) -> ConsentAnswer;

    /// `is_authorized` for each of up to 32 queries in one call, in order: a caller with a
    /// batch to check (a provider's claims) carries the registry's code once, not once per
    /// query. More than 32 queries are answered `Unavailable`, every one.
    #[ink(message)]
    fn is_authorized_batch(&self, queries: Vec<ConsentQuery>) -> Vec<ConsentAnswer>;
}

/// The most queries one `is_authorized_batch` call answers.
pub const MAX_CONSENT_QUERIES: usize = 32;

/// One question of `is_authorized_batch`: `is_authorized`'s arguments.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConsentQuery {
    pub patient: AccountId,
    pub grantee: AccountId,
    pub purpose: Purpose,
    pub context: Option<Hash>,
    pub classes: DataClasses,
}

/// Asks the consent registry at `registry` about every query at once (see
/// [`ConsentCheck::is_authorized_batch`]); an answer list of the wrong length is a failed
/// call.
#[cfg(not(feature = "test-doubles"))]
pub fn query_consents(
    registry: AccountId,
    queries: Vec<ConsentQuery>,
) -> Result<Vec<ConsentAnswer>, CalleeError> {
    use crate::callee_outcome;
    use ink::{codegen::TraitCallBuilder, env::DefaultEnvironment};
    let consent: ink::contract_ref!(ConsentCheck, DefaultEnvironment) = registry.into();
    // The code is loaded once; 32 questions cost far less than 4 single ones.
    let limits = crate::CONSENT_CALL_LIMITS;
    let asked = queries.len();
    let answers = callee_outcome(
        consent
            .call()
            .is_authorized_batch(queries)
            .ref_time_limit(limits.ref_time.saturating_mul(4))
            .proof_size_limit(limits.proof_size.saturating_mul(4))
            .storage_deposit_limit(crate::CallLimits::READ_ONLY_DEPOSIT)
            .try_invoke(),
    )?;
    if answers.len() == asked {
        Ok(answers)
    } else {
        Err(CalleeError::CallFailed)
    }
}

/// Unit-test stand-in for [`query_consents`]: each query answered as [`query_consent`].
#[cfg(feature = "test-doubles")]
pub fn query_consents(
    registry: AccountId,
    queries: Vec<ConsentQuery>,
) -> Result<Vec<ConsentAnswer>, CalleeError> {
    queries
        .into_iter()
        .map(|q| {
            query_consent(
                registry, q.patient, q.grantee, q.purpose, q.context, q.classes,
            )
        })
        .collect()
}

/// Asks the consent registry at `registry` whether `grantee` may use `patient`'s data of
/// `classes` for `purpose` in `context`, through the [`ConsentCheck`] trait.
#[cfg(not(feature = "test-doubles"))]
pub fn query_consent(
    registry: AccountId,
    patient: AccountId,
    grantee: AccountId,
    purpose: Purpose,
    context: Option<Hash>,
    classes: DataClasses,
) -> Result<ConsentAnswer, CalleeError> {
    use crate::callee_outcome;
    use ink::{codegen::TraitCallBuilder, env::DefaultEnvironment};
    let consent: ink::contract_ref!(ConsentCheck, DefaultEnvironment) = registry.into();
    let limits = crate::CONSENT_CALL_LIMITS;
    callee_outcome(
        consent
            .call()
            .is_authorized(patient, grantee, purpose, context, classes)
            .ref_time_limit(limits.ref_time)
            .proof_size_limit(limits.proof_size)
            .storage_deposit_limit(crate::CallLimits::READ_ONLY_DEPOSIT)
            .try_invoke(),
    )
}

/// Unit-test stand-in: answers from [`crate::test_doubles`] (ink!'s off-chain environment
/// cannot call contracts).
#[cfg(feature = "test-doubles")]
pub fn query_consent(
    registry: AccountId,
    patient: AccountId,
    grantee: AccountId,
    purpose: Purpose,
    context: Option<Hash>,
    classes: DataClasses,
) -> Result<ConsentAnswer, CalleeError> {
    crate::test_doubles::consent_answer(registry, patient, grantee, purpose, context, classes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn research_contexts_name_the_contract_the_trial_and_the_protocol() {
        let (a, b) = (AccountId::from([1; 32]), AccountId::from([2; 32]));
        let protocol = Hash::from([7; 32]);
        let base = research_context(a, 1, protocol);
        assert_ne!(base, research_context(b, 1, protocol));
        assert_ne!(base, research_context(a, 2, protocol));
        assert_ne!(base, research_context(a, 1, Hash::from([8; 32])));
        assert_eq!(base, research_context(a, 1, protocol));
    }

    #[test]
    fn purpose_codes_are_hl7_purpose_of_use() {
        let codes: Vec<&str> = Purpose::ALL.iter().map(|p| p.code()).collect();
        assert_eq!(
            codes,
            ["TREAT", "HPAYMT", "HRESCH", "ETREAT", "PUBHLTH", "HOPERAT"]
        );
        // Append-only: each purpose keeps its encoding (part of storage keys).
        for (index, purpose) in Purpose::ALL.iter().enumerate() {
            assert_eq!(ink::scale::Encode::encode(purpose), vec![index as u8]);
        }
    }

    #[test]
    fn data_classes_cover_and_known() {
        let granted = DataClasses::MEDICATIONS.union(DataClasses::CLAIMS);
        assert!(granted.covers(DataClasses::CLAIMS));
        assert!(!granted.covers(DataClasses::GENOMICS));
        assert!(granted.covers(DataClasses::default()));
        assert!(granted.is_known());
        assert!(DataClasses::ALL.is_known());
        assert!(!DataClasses(1 << 10).is_known());
        assert!(DataClasses::default().is_empty());
        assert!(granted.intersects(DataClasses::CLAIMS.union(DataClasses::GENOMICS)));
        assert!(!granted.intersects(DataClasses::GENOMICS));
    }

    proptest::proptest! {
        #[test]
        fn union_covers_both_sides(a in 0u32..1024, b in 0u32..1024) {
            let (a, b) = (DataClasses(a), DataClasses(b));
            let u = a.union(b);
            proptest::prop_assert!(u.covers(a) && u.covers(b) && u.is_known());
        }
    }
}
