//! The consent registry's records and rules, apart from the ink! glue so that plain tests
//! reach them.

use ink::prelude::vec::Vec;

use healthchain_common::{
    access::AccessError,
    consent::{ConsentAnswer, DataClasses, Purpose},
    relay::RelayError,
    AccountId, Hash, Timestamp,
};

/// The domain tag of instructions relayed to a consent registry (see
/// `healthchain_common::relay`).
pub const RELAY_DOMAIN: &[u8] = b"healthchain/relay/v1/consent_registry";

/// The most instructions one `relay_batch` carries.
pub const MAX_RELAY_BATCH: usize = 32;

/// One signed instruction of a `relay_batch`: `relay`'s arguments.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Relayed {
    pub instruction: ConsentInstruction,
    pub signer: AccountId,
    pub nonce: u64,
    pub deadline: Timestamp,
    pub signature: healthchain_common::relay::Signature,
}

/// What a patient (or a delegate) signs for a relayer to submit with `relay`: the same
/// actions, with the same arguments, as the messages of the same name.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConsentInstruction {
    /// `record_consent`.
    RecordConsent {
        patient: AccountId,
        grantee: AccountId,
        provision: Provision,
    },
    /// `set_consent_status`: carried out while the registry is paused too.
    SetConsentStatus {
        patient: AccountId,
        consent: ConsentId,
        status: ConsentStatus,
    },
    /// `appoint_delegate`.
    AppointDelegate {
        patient: AccountId,
        delegate: AccountId,
        expires_at: Timestamp,
    },
    /// `remove_delegate`: carried out while the registry is paused too.
    RemoveDelegate {
        patient: AccountId,
        delegate: AccountId,
    },
    /// `close_emergency_access`: carried out while the registry is paused too.
    CloseEmergencyAccess {
        patient: AccountId,
        responder: AccountId,
    },
}

/// A consent's id among its patient's consents, given by the registry in the patient's
/// recording order from 1: a consent is named by (patient, id), as every message that
/// takes one does. Numbered per patient, not across the registry, so that a grant changes
/// only its patient's record and not the registry's root (see `AccountRecord`).
pub type ConsentId = u64;

/// How many consents one patient may hold in force (active and not ended) at once: the
/// per-patient index that wallets list. Recording past it fails with
/// [`Error::TooManyActiveGrants`] after ended ones have been made inactive; revoke one to
/// make room.
pub const MAX_ACTIVE_GRANTS_PER_PATIENT: usize = 32;

/// The longest encoding of an [`IndexedConsent`]: its id, grantee, recorded-at and
/// recorded-by (8 + 32 + 8 + 32) and the longest provision (a kind, a purpose, the classes,
/// a start, an end, a context and the form: 1 + 1 + 4 + 8 + 9 + 33 + 32).
pub const MAX_INDEXED_CONSENT_LEN: usize = 80 + 88;

/// The longest encoding of an [`AccountRecord`]: its nonce and last id (8 + 8), the
/// consents' count (one byte, under 64) and [`MAX_ACTIVE_GRANTS_PER_PATIENT`] consents of
/// the longest encoding. The registry reads records through
/// `healthchain_common::entry::get`, whose buffer must hold it (checked at compile time).
pub const MAX_ACCOUNT_RECORD_LEN: usize =
    17 + MAX_ACTIVE_GRANTS_PER_PATIENT * MAX_INDEXED_CONSENT_LEN;

/// How many consents in force one patient may hold for one grantee and purpose (different
/// contexts, classes or periods; permits and denies): what `is_authorized` reads.
pub const MAX_CONSENTS_PER_GRANTEE_PURPOSE: usize = 8;

/// The longest emergency ("break-glass") window: 24 hours, in milliseconds.
pub const MAX_EMERGENCY_WINDOW: Timestamp = 24 * 60 * 60 * 1000;

/// Whether a consent permits the use it describes or denies it (FHIR
/// `Consent.provision.type`). A deny that matches wins over any permit.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProvisionType {
    /// The grantee may use the classes for the purpose.
    Permit,
    /// The grantee may not: a restriction, such as "no substance-use data to this plan"
    /// or HIPAA's restriction of disclosure to a health plan for care paid in full out of
    /// pocket (45 CFR 164.522(a)(1)(vi)).
    Deny,
}

/// A consent's status (FHIR `Consent.status`). Consents are never deleted, so the history
/// of what was permitted when survives.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConsentStatus {
    /// In force during its period.
    Active,
    /// Ended: revoked, or made inactive after its period ended. Final but for
    /// `EnteredInError`.
    Inactive,
    /// Recorded by mistake and never valid. Final.
    EnteredInError,
}

/// When a consent applies: from `start` (inclusive) until `end` (exclusive; `None` for no
/// end), in milliseconds since the epoch (FHIR `Consent.provision.period`).
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub start: Timestamp,
    pub end: Option<Timestamp>,
}

impl Period {
    /// Whether `now` falls in the period.
    pub fn contains(&self, now: Timestamp) -> bool {
        self.start <= now && !self.has_ended(now)
    }

    /// Whether the period is over at `now`.
    pub fn has_ended(&self, now: Timestamp) -> bool {
        self.end.is_some_and(|end| end <= now)
    }
}

/// What a patient (or a delegate) records: one FHIR Consent provision.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Provision {
    /// Permit or deny.
    pub kind: ProvisionType,
    pub purpose: Purpose,
    /// The classes of data the provision is about.
    pub data_classes: DataClasses,
    pub period: Period,
    /// What it is scoped to. A permit counts only for exactly this context (for research,
    /// the trial's consent context); a deny with no context applies in every context.
    pub context: Option<Hash>,
    /// Hash of the signed consent form (or restriction request) kept off chain.
    pub consent_form: Hash,
}

impl Provision {
    /// Whether the provision speaks to a question asked at `now` in `context`.
    pub fn applies(&self, now: Timestamp, context: Option<Hash>) -> bool {
        self.period.contains(now)
            && match self.kind {
                ProvisionType::Permit => self.context == context,
                ProvisionType::Deny => self.context.is_none() || self.context == context,
            }
    }
}

/// One recorded consent: who, to whom, the provision, and its status.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Consent {
    pub patient: AccountId,
    pub grantee: AccountId,
    pub provision: Provision,
    pub status: ConsentStatus,
    /// When it was recorded, and by whom: the patient or a delegate.
    pub recorded_at: Timestamp,
    pub recorded_by: AccountId,
}

impl Consent {
    /// Whether it still counts, now or later: active and its period not over.
    pub fn is_current(&self, now: Timestamp) -> bool {
        self.status == ConsentStatus::Active && !self.provision.period.has_ended(now)
    }
}

/// What the provisions in force say, class by class: what they permit and what they deny.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Decision {
    pub permitted: DataClasses,
    pub denied: DataClasses,
}

impl Decision {
    /// Everything permitted (an open emergency window).
    pub const EMERGENCY: Decision = Decision {
        permitted: DataClasses::ALL,
        denied: DataClasses(0),
    };

    /// Adds what the provision of an active consent says, if it applies at `now` in
    /// `context` (a patient's record holds only active consents).
    pub fn add(self, provision: &Provision, now: Timestamp, context: Option<Hash>) -> Decision {
        if !provision.applies(now, context) {
            return self;
        }
        let classes = provision.data_classes;
        match provision.kind {
            ProvisionType::Permit => Decision {
                permitted: self.permitted.union(classes),
                ..self
            },
            ProvisionType::Deny => Decision {
                denied: self.denied.union(classes),
                ..self
            },
        }
    }

    /// The answer for a use of `classes`: a matching deny wins; then every class must be
    /// permitted; asking for no class is not permitted.
    pub fn answer(self, classes: DataClasses) -> ConsentAnswer {
        if classes.is_empty() {
            ConsentAnswer::NotPermitted
        } else if self.denied.intersects(classes) {
            ConsentAnswer::Restricted
        } else if self.permitted.covers(classes) {
            ConsentAnswer::Permitted
        } else {
            ConsentAnswer::NotPermitted
        }
    }
}

/// A patient's active consent, as its index keeps it: the consent but for the patient
/// (the index's owner) and the status (`Active`). While a consent is active it lives here
/// only, so a grant writes one record and a check decides from one read; when it stops
/// being active it moves to the registry's history of ended consents. One index per
/// patient (not one per grantee and purpose too) keeps a grant to one read and one write.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IndexedConsent {
    pub id: ConsentId,
    pub grantee: AccountId,
    pub provision: Provision,
    pub recorded_at: Timestamp,
    pub recorded_by: AccountId,
}

impl IndexedConsent {
    /// Whether this entry is a consent about `grantee` for `purpose`.
    pub fn is_for(&self, grantee: AccountId, purpose: Purpose) -> bool {
        self.grantee == grantee && self.provision.purpose == purpose
    }

    /// The consent of `patient`, the index's owner, that this entry is.
    pub fn consent(&self, patient: AccountId) -> Consent {
        Consent {
            patient,
            grantee: self.grantee,
            provision: self.provision,
            status: ConsentStatus::Active,
            recorded_at: self.recorded_at,
            recorded_by: self.recorded_by,
        }
    }
}

/// What the registry keeps per account, as one storage item: the nonce its next relayed
/// instruction must carry and, for a patient, the id of its last consent and its active
/// consents. A patient's grant then reads and writes one record, not a nonce, a counter,
/// an index and a consent. `last_consent` only grows, so a patient's record is never
/// removed once it has recorded a consent and no id is given twice.
///
/// Stored in the SCALE encoding its fields derive (`(u64, ConsentId, Vec<IndexedConsent>)`),
/// but encoded and decoded by hand: the derived code decodes a vector through the codec's
/// generic preallocating path and its length through the full compact codec, which every
/// grant's and check's proof carried (695 bytes of the registry's own build).
#[ink::scale_derive(TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccountRecord {
    pub next_nonce: u64,
    pub last_consent: ConsentId,
    pub consents: Vec<IndexedConsent>,
}

impl ink::scale::Encode for AccountRecord {
    fn size_hint(&self) -> usize {
        self.consents
            .len()
            .saturating_mul(MAX_INDEXED_CONSENT_LEN)
            .saturating_add(21)
    }

    fn encode_to<T: ink::scale::Output + ?Sized>(&self, dest: &mut T) {
        self.next_nonce.encode_to(dest);
        self.last_consent.encode_to(dest);
        // A vector's SCALE length: compact, in one, two or four bytes (a vector of
        // 2^30 entries does not fit in a contract's memory).
        let count = u32::try_from(self.consents.len()).unwrap_or(u32::MAX);
        let prefix = count.wrapping_shl(2);
        if count < 1 << 6 {
            dest.write(&prefix.to_le_bytes()[..1]);
        } else if count < 1 << 14 {
            dest.write(&(prefix | 0b01).to_le_bytes()[..2]);
        } else {
            dest.write(&(prefix | 0b10).to_le_bytes());
        }
        for entry in &self.consents {
            entry.encode_to(dest);
        }
    }
}

impl ink::scale::EncodeLike for AccountRecord {}

impl ink::scale::Decode for AccountRecord {
    fn decode<I: ink::scale::Input>(input: &mut I) -> Result<Self, ink::scale::Error> {
        let next_nonce = u64::decode(input)?;
        let last_consent = ConsentId::decode(input)?;
        let count = healthchain_common::codec::decode_len(input)?;
        // Room for the entries the record holds and one more (a grant's), so that neither
        // the decoding nor the grant copies them to grow (ink!'s bump allocator never
        // frees what a vector grows out of); bounded whatever the count says, since each
        // entry is read from the input before it is kept.
        let room = count.min(MAX_ACTIVE_GRANTS_PER_PATIENT);
        let mut consents = Vec::with_capacity(room.saturating_add(1));
        for _ in 0..count {
            consents.push(IndexedConsent::decode(input)?);
        }
        Ok(Self {
            next_nonce,
            last_consent,
            consents,
        })
    }
}

/// A consent as a wallet lists it.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListedConsent {
    pub id: ConsentId,
    pub consent: Consent,
}

/// How a delegate came to act for a patient.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DelegateKind {
    /// Appointed by the patient (a proxy); the patient can remove it.
    Proxy,
    /// Registered by the admin for a patient who cannot sign (a minor, an incapacitated
    /// adult); only the admin or the guardian can end it.
    Guardian,
}

/// A delegate's standing to grant and revoke consent for a patient.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Delegation {
    pub kind: DelegateKind,
    /// When the delegation ends (a guardianship typically at the age of majority).
    pub expires_at: Timestamp,
}

impl Delegation {
    /// Whether the delegate may still act at `now`.
    pub fn is_live(&self, now: Timestamp) -> bool {
        now < self.expires_at
    }
}

/// A time-boxed break-glass access by an emergency responder.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EmergencyAccess {
    pub opened_at: Timestamp,
    pub expires_at: Timestamp,
    /// Hash of the justification kept off chain.
    pub justification: Hash,
}

impl EmergencyAccess {
    /// Whether the window is open at `now`.
    pub fn is_open(&self, now: Timestamp) -> bool {
        self.opened_at <= now && now < self.expires_at
    }
}

/// Why the consent registry refused a call. Nothing changes when a call is refused.
#[ink::scale_derive(Decode, TypeInfo)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Error {
    /// An admin, role or pause check failed.
    Access(AccessError),
    /// The expiry (a period's end) is not in the future, or not after the period's start.
    ExpiryInPast,
    /// A patient cannot grant consent to, or delegate to, their own account.
    SelfGrant,
    /// The grant names no data class.
    NoDataClasses,
    /// The grant names a data class bit that is not defined.
    UnknownDataClass,
    /// No consent has that id.
    GrantNotFound,
    /// The patient already holds [`MAX_ACTIVE_GRANTS_PER_PATIENT`] consents in force.
    TooManyActiveGrants,
    /// The patient already holds [`MAX_CONSENTS_PER_GRANTEE_PURPOSE`] consents in force
    /// for that grantee and purpose.
    TooManyForGrantee,
    /// That status change is not allowed: only to `Inactive` (from `Active`) or to
    /// `EnteredInError` (from `Active` or `Inactive`).
    InvalidStatusChange,
    /// The caller is neither the patient nor one of the patient's delegates.
    NotPatientOrDelegate,
    /// The caller's delegation for this patient has expired.
    DelegationExpired,
    /// A delegate cannot appoint further delegates.
    DelegatesCannotDelegate,
    /// No delegation exists for that patient and delegate.
    DelegationNotFound,
    /// The caller may not end this delegation.
    CannotRemoveDelegation,
    /// An emergency window must last more than zero and at most 24 hours.
    InvalidEmergencyWindow,
    /// No emergency access exists for that patient and responder.
    EmergencyAccessNotFound,
    /// Only the patient, the responder or the admin may close an emergency access.
    CannotCloseEmergencyAccess,
    /// The caller is not authorized for that patient, purpose and context now.
    NotAuthorized,
    /// A deny provision of the patient's (a restriction) covers one of those classes.
    Restricted,
    /// The access names data classes that the grant does not cover.
    DataClassesNotGranted,
    /// A document hash (consent form, justification) is all zeros: it names no document.
    ZeroHash,
    /// A delegate may not grant consent to itself: its power is to act for the patient,
    /// not to take the patient's data.
    DelegateGrantsToItself,
    /// A guardianship is changed only by the admin (and ended by the guardian or admin).
    GuardianshipProtected,
    /// The responder already has an open emergency window for this patient: close it or
    /// let it lapse before opening another.
    EmergencyAccessAlreadyOpen,
    /// A relayed instruction was refused: expired, out of order or replayed, or not
    /// signed by its signer for this registry on this chain.
    Relay(RelayError),
    /// A batch has more than 32 items.
    BatchTooLarge,
}

healthchain_common::encode_by_tag!(Error, Access(AccessError), Relay(RelayError));

impl From<AccessError> for Error {
    fn from(error: AccessError) -> Self {
        Error::Access(error)
    }
}

impl From<RelayError> for Error {
    fn from(error: RelayError) -> Self {
        Error::Relay(error)
    }
}

/// A delegate-made permit ends no later than the delegation that made it: `None` (no
/// end) or a later end becomes the delegation's.
pub fn cap_expiry(expires_at: Option<Timestamp>, cap: Option<Timestamp>) -> Option<Timestamp> {
    match (expires_at, cap) {
        (Some(end), Some(cap)) => Some(end.min(cap)),
        (None, cap) => cap,
        (end, None) => end,
    }
}

/// Checks a new consent's fields at `now`.
pub fn validate_provision(
    patient: AccountId,
    grantee: AccountId,
    provision: &Provision,
    now: Timestamp,
) -> Result<(), Error> {
    if patient == grantee {
        return Err(Error::SelfGrant);
    }
    let classes = provision.data_classes;
    if classes.is_empty() {
        return Err(Error::NoDataClasses);
    }
    if !classes.is_known() {
        return Err(Error::UnknownDataClass);
    }
    match provision.period.end {
        Some(end) if end <= now || end <= provision.period.start => Err(Error::ExpiryInPast),
        _ => Ok(()),
    }
}

/// Checks a status change: `Active` to `Inactive` or `EnteredInError`, `Inactive` to
/// `EnteredInError`; nothing else.
pub fn check_status_change(from: ConsentStatus, to: ConsentStatus) -> Result<(), Error> {
    use ConsentStatus::*;
    match (from, to) {
        (Active, Inactive) | (Active, EnteredInError) | (Inactive, EnteredInError) => Ok(()),
        _ => Err(Error::InvalidStatusChange),
    }
}

/// The end of an emergency window of `duration` opened at `now`.
pub fn emergency_window_end(now: Timestamp, duration: Timestamp) -> Result<Timestamp, Error> {
    if duration == 0 || duration > MAX_EMERGENCY_WINDOW {
        return Err(Error::InvalidEmergencyWindow);
    }
    now.checked_add(duration)
        .ok_or(Error::InvalidEmergencyWindow)
}

// The library build (consent_registry_library) runs the same code: tested once, here.
#[cfg(all(test, not(healthchain_library)))]
mod tests {
    use super::*;
    use ink::scale::{Decode, Encode};
    use proptest::prelude::*;

    #[test]
    fn errors_encode_as_derived() {
        healthchain_common::unit_test::encodes_as_derived::<Error>();
    }

    fn consent(
        kind: ProvisionType,
        classes: DataClasses,
        period: Period,
        context: Option<Hash>,
    ) -> Consent {
        Consent {
            patient: AccountId::from([1; 32]),
            grantee: AccountId::from([2; 32]),
            provision: Provision {
                kind,
                purpose: Purpose::Payment,
                data_classes: classes,
                period,
                context,
                consent_form: Hash::from([7; 32]),
            },
            status: ConsentStatus::Active,
            recorded_at: 0,
            recorded_by: AccountId::from([1; 32]),
        }
    }

    fn always() -> Period {
        Period {
            start: 0,
            end: None,
        }
    }

    /// What the active ones of `consents` say: the registry adds only a patient's record,
    /// which holds only active consents (its state-machine test checks that).
    fn decide(consents: &[Consent], now: Timestamp, context: Option<Hash>) -> Decision {
        consents
            .iter()
            .filter(|c| c.status == ConsentStatus::Active)
            .fold(Decision::default(), |d, c| {
                d.add(&c.provision, now, context)
            })
    }

    #[test]
    fn a_period_runs_from_its_start_to_its_end() {
        let period = Period {
            start: 10,
            end: Some(100),
        };
        assert!(!period.contains(9));
        assert!(period.contains(10));
        assert!(period.contains(99));
        assert!(!period.contains(100));
        assert!(period.has_ended(100) && !period.has_ended(99));
        assert!(always().contains(u64::MAX));
    }

    #[test]
    fn a_permit_needs_its_exact_context_and_a_deny_without_context_applies_everywhere() {
        let (v1, v2) = (Some(Hash::from([1; 32])), Some(Hash::from([2; 32])));
        let permit = consent(ProvisionType::Permit, DataClasses::CLAIMS, always(), v1);
        assert!(permit.provision.applies(0, v1));
        assert!(!permit.provision.applies(0, v2));
        assert!(!permit.provision.applies(0, None));
        let deny_all = consent(ProvisionType::Deny, DataClasses::CLAIMS, always(), None);
        assert!(deny_all.provision.applies(0, v1) && deny_all.provision.applies(0, None));
        let deny_v1 = consent(ProvisionType::Deny, DataClasses::CLAIMS, always(), v1);
        assert!(deny_v1.provision.applies(0, v1) && !deny_v1.provision.applies(0, v2));
    }

    #[test]
    fn a_deny_wins_over_a_permit_for_the_classes_it_names_only() {
        let permit = consent(ProvisionType::Permit, DataClasses::ALL, always(), None);
        let deny = consent(
            ProvisionType::Deny,
            DataClasses::SUBSTANCE_USE,
            always(),
            None,
        );
        let decision = decide(&[permit, deny], 5, None);
        assert_eq!(
            decision.answer(DataClasses::SUBSTANCE_USE.union(DataClasses::CLAIMS)),
            ConsentAnswer::Restricted
        );
        assert_eq!(
            decision.answer(DataClasses::CLAIMS),
            ConsentAnswer::Permitted
        );
        assert_eq!(
            decision.answer(DataClasses::default()),
            ConsentAnswer::NotPermitted
        );
        // A deny alone restricts; it never permits.
        let alone = decide(&[deny], 5, None);
        assert_eq!(
            alone.answer(DataClasses::SUBSTANCE_USE),
            ConsentAnswer::Restricted
        );
        assert_eq!(
            alone.answer(DataClasses::CLAIMS),
            ConsentAnswer::NotPermitted
        );
    }

    #[test]
    fn only_active_consents_in_their_period_count() {
        let later = Period {
            start: 50,
            end: Some(60),
        };
        let permit = consent(ProvisionType::Permit, DataClasses::CLAIMS, later, None);
        for (now, expected) in [
            (49, ConsentAnswer::NotPermitted),
            (50, ConsentAnswer::Permitted),
            (60, ConsentAnswer::NotPermitted),
        ] {
            assert_eq!(
                decide(&[permit], now, None).answer(DataClasses::CLAIMS),
                expected
            );
        }
        for status in [ConsentStatus::Inactive, ConsentStatus::EnteredInError] {
            let ended = Consent { status, ..permit };
            assert_eq!(
                decide(&[ended], 55, None).answer(DataClasses::CLAIMS),
                ConsentAnswer::NotPermitted
            );
        }
    }

    #[test]
    fn the_status_lifecycle() {
        use ConsentStatus::*;
        let all = [Active, Inactive, EnteredInError];
        for from in all {
            for to in all {
                let allowed = matches!(
                    (from, to),
                    (Active, Inactive) | (Active, EnteredInError) | (Inactive, EnteredInError)
                );
                assert_eq!(
                    check_status_change(from, to).is_ok(),
                    allowed,
                    "{from:?}->{to:?}"
                );
            }
        }
    }

    #[test]
    fn validate_provision_reasons() {
        let (p, g) = (AccountId::from([1; 32]), AccountId::from([2; 32]));
        let provision = consent(
            ProvisionType::Permit,
            DataClasses::LAB_RESULTS,
            always(),
            None,
        )
        .provision;
        let with = |classes, start, end| Provision {
            data_classes: classes,
            period: Period { start, end },
            ..provision
        };
        let classes = DataClasses::LAB_RESULTS;
        assert_eq!(
            validate_provision(p, p, &provision, 5),
            Err(Error::SelfGrant)
        );
        assert_eq!(
            validate_provision(p, g, &with(DataClasses::default(), 0, None), 5),
            Err(Error::NoDataClasses)
        );
        assert_eq!(
            validate_provision(p, g, &with(DataClasses(1 << 20), 0, None), 5),
            Err(Error::UnknownDataClass)
        );
        assert_eq!(
            validate_provision(p, g, &with(classes, 0, Some(5)), 5),
            Err(Error::ExpiryInPast)
        );
        // The end must come after the start too.
        assert_eq!(
            validate_provision(p, g, &with(classes, 20, Some(20)), 5),
            Err(Error::ExpiryInPast)
        );
        assert_eq!(
            validate_provision(p, g, &with(classes, 0, Some(6)), 5),
            Ok(())
        );
        assert_eq!(
            validate_provision(p, g, &with(classes, 10, Some(20)), 5),
            Ok(())
        );
        assert_eq!(validate_provision(p, g, &with(classes, 0, None), 5), Ok(()));
    }

    #[test]
    fn emergency_window_bounds() {
        assert_eq!(
            emergency_window_end(10, 0),
            Err(Error::InvalidEmergencyWindow)
        );
        assert_eq!(
            emergency_window_end(10, MAX_EMERGENCY_WINDOW + 1),
            Err(Error::InvalidEmergencyWindow)
        );
        assert_eq!(
            emergency_window_end(10, MAX_EMERGENCY_WINDOW),
            Ok(10 + MAX_EMERGENCY_WINDOW)
        );
        assert_eq!(
            emergency_window_end(u64::MAX, 1),
            Err(Error::InvalidEmergencyWindow)
        );
    }

    /// An index entry; with `longest`, of the longest encoding (an end and a context).
    fn indexed(id: ConsentId, longest: bool) -> IndexedConsent {
        let entry = consent(
            ProvisionType::Permit,
            DataClasses::ALL,
            Period {
                start: 0,
                end: longest.then_some(u64::MAX),
            },
            longest.then(|| Hash::from([9; 32])),
        );
        IndexedConsent {
            id,
            grantee: entry.grantee,
            provision: entry.provision,
            recorded_at: id,
            recorded_by: entry.recorded_by,
        }
    }

    fn record_of(count: usize, longest: bool) -> AccountRecord {
        AccountRecord {
            next_nonce: 5,
            last_consent: count as ConsentId,
            consents: (0..count as ConsentId)
                .map(|id| indexed(id, longest))
                .collect(),
        }
    }

    /// The record's hand-written codec is the one its fields derive, the vector's compact
    /// length in each of its one-, two- and four-byte modes, and it decodes what it writes.
    #[test]
    fn an_account_record_encodes_as_its_fields_derive() {
        for count in [0, 1, 32, 63, 64, 16_383, 16_384] {
            let record = record_of(count, count % 2 == 0);
            let derived = (
                record.next_nonce,
                record.last_consent,
                record.consents.clone(),
            )
                .encode();
            assert_eq!(record.encode(), derived, "{count} consents");
            assert_eq!(
                AccountRecord::decode(&mut &derived[..]),
                Ok(record),
                "{count} consents"
            );
        }
    }

    /// A decoded record has room for a grant's entry, so neither the decoding nor the
    /// grant grows (and copies) its vector; a count beyond the most a record holds
    /// reserves no more.
    #[test]
    fn a_decoded_account_record_has_room_for_one_more() {
        for count in [0, 1, 31, MAX_ACTIVE_GRANTS_PER_PATIENT] {
            let encoded = record_of(count, true).encode();
            let decoded = AccountRecord::decode(&mut &encoded[..]).unwrap();
            assert_eq!(decoded.consents.capacity(), count + 1, "{count} consents");
        }
        let encoded = record_of(64, false).encode();
        let decoded = AccountRecord::decode(&mut &encoded[..]).unwrap();
        assert_eq!(decoded.consents.len(), 64);
    }

    /// Input that is not a record is refused, not read as one: a length in the compact
    /// codec's big-integer mode (no record holds 2^30 consents), fewer consents than the
    /// length says, a consent cut short.
    #[test]
    fn an_account_record_that_does_not_decode_is_refused() {
        let mut big = record_of(0, false).encode();
        *big.last_mut().unwrap() = 0b11;
        big.extend([0; 4]);
        assert!(AccountRecord::decode(&mut &big[..]).is_err());
        let two = record_of(2, true).encode();
        let mut short = two.clone();
        short[16] = 3 << 2;
        assert!(AccountRecord::decode(&mut &short[..]).is_err());
        assert!(AccountRecord::decode(&mut &two[..two.len() - 1]).is_err());
        assert!(AccountRecord::decode(&mut &[][..]).is_err());
    }

    /// `MAX_ACCOUNT_RECORD_LEN`, which the registry's read buffer must hold, is the
    /// encoding of a full record of the longest entries.
    #[test]
    fn the_longest_account_record_is_max_account_record_len() {
        assert_eq!(indexed(0, true).encode().len(), MAX_INDEXED_CONSENT_LEN);
        let record = record_of(MAX_ACTIVE_GRANTS_PER_PATIENT, true);
        assert_eq!(record.encode().len(), MAX_ACCOUNT_RECORD_LEN);
        assert!(
            record_of(MAX_ACTIVE_GRANTS_PER_PATIENT, false)
                .encode()
                .len()
                < MAX_ACCOUNT_RECORD_LEN
        );
    }

    fn arb_consent() -> impl Strategy<Value = Consent> {
        (
            any::<bool>(),
            0u32..1024,
            0u64..100,
            proptest::option::of(0u64..200),
            proptest::option::of(0u8..3),
            0u8..3,
        )
            .prop_map(|(deny, classes, start, end, context, status)| {
                let kind = if deny {
                    ProvisionType::Deny
                } else {
                    ProvisionType::Permit
                };
                let status = [
                    ConsentStatus::Active,
                    ConsentStatus::Inactive,
                    ConsentStatus::EnteredInError,
                ][usize::from(status)];
                Consent {
                    status,
                    ..consent(
                        kind,
                        DataClasses(classes),
                        Period { start, end },
                        context.map(|c| Hash::from([c; 32])),
                    )
                }
            })
    }

    proptest! {
        #[test]
        fn emergency_window_is_open_exactly_inside(
            now in 0u64..1_000_000_000_000,
            duration in 1u64..=MAX_EMERGENCY_WINDOW,
            probe in 0u64..2_000_000_000_000,
        ) {
            let end = emergency_window_end(now, duration).unwrap();
            let window = EmergencyAccess { opened_at: now, expires_at: end, justification: Hash::from([0; 32]) };
            prop_assert_eq!(window.is_open(probe), probe >= now && probe < now + duration);
        }

        /// The decision, against a direct reading of the rules: permitted exactly when
        /// no applicable deny touches the classes and applicable permits cover them all;
        /// the order of the consents never matters.
        #[test]
        fn deny_wins_and_order_does_not_matter(
            consents in proptest::collection::vec(arb_consent(), 0..8),
            now in 0u64..250,
            context in proptest::option::of(0u8..3),
            asked in 0u32..1024,
        ) {
            let context = context.map(|c| Hash::from([c; 32]));
            let asked = DataClasses(asked);
            let applicable = |kind| consents.iter().filter(move |c| {
                c.status == ConsentStatus::Active
                    && c.provision.kind == kind
                    && c.provision.period.start <= now
                    && c.provision.period.end.is_none_or(|end| now < end)
                    && match kind {
                        ProvisionType::Permit => c.provision.context == context,
                        ProvisionType::Deny => c.provision.context.is_none() || c.provision.context == context,
                    }
            });
            let denied = applicable(ProvisionType::Deny).any(|c| c.provision.data_classes.0 & asked.0 != 0);
            let permitted = applicable(ProvisionType::Permit).fold(0, |acc, c| acc | c.provision.data_classes.0);
            let expected = if asked.0 == 0 {
                ConsentAnswer::NotPermitted
            } else if denied {
                ConsentAnswer::Restricted
            } else if permitted & asked.0 == asked.0 {
                ConsentAnswer::Permitted
            } else {
                ConsentAnswer::NotPermitted
            };
            prop_assert_eq!(decide(&consents, now, context).answer(asked), expected);
            let reversed: Vec<Consent> = consents.iter().rev().copied().collect();
            prop_assert_eq!(decide(&reversed, now, context).answer(asked), expected);
        }
    }
}
