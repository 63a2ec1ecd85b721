//! The consent registry's records and rules, apart from the ink! glue so that plain tests
//! reach them.

use healthchain_common::{
    access::AccessError,
    consent::{DataClasses, Purpose},
    relay::RelayError,
    AccountId, Hash, Timestamp,
};

/// The domain tag of instructions relayed to a consent registry (see
/// `healthchain_common::relay`).
pub const RELAY_DOMAIN: &[u8] = b"healthchain/relay/v1/consent_registry";

/// What a patient (or a delegate) signs for a relayer to submit with `relay`: the same
/// actions, with the same arguments, as the messages of the same name.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConsentInstruction {
    /// `grant_consent`.
    GrantConsent {
        patient: AccountId,
        grantee: AccountId,
        purpose: Purpose,
        data_classes: DataClasses,
        expires_at: Option<Timestamp>,
        context: Option<Hash>,
        consent_form: Hash,
    },
    /// `revoke_consent`: carried out while the registry is paused too.
    RevokeConsent {
        patient: AccountId,
        grantee: AccountId,
        purpose: Purpose,
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

/// How many grants one patient may hold at once (the per-patient index that wallets list).
/// Granting past it fails with [`Error::TooManyActiveGrants`] after expired grants have
/// been cleared; revoke a grant to make room.
pub const MAX_ACTIVE_GRANTS_PER_PATIENT: usize = 32;

/// The longest emergency ("break-glass") window: 24 hours, in milliseconds.
pub const MAX_EMERGENCY_WINDOW: Timestamp = 24 * 60 * 60 * 1000;

/// One patient's consent to one grantee for one purpose (a FHIR Consent provision).
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    /// The classes of data the grantee may use.
    pub data_classes: DataClasses,
    /// When the grant lapses (milliseconds since the epoch); `None` for no end.
    pub expires_at: Option<Timestamp>,
    /// What the grant is scoped to (for research, the trial's protocol hash).
    pub context: Option<Hash>,
    /// Hash of the signed consent form kept off chain.
    pub consent_form: Hash,
    /// When the grant was made.
    pub granted_at: Timestamp,
    /// Who signed it: the patient or a delegate.
    pub granted_by: AccountId,
}

impl Grant {
    /// Whether the grant has not yet expired at `now`.
    pub fn is_live(&self, now: Timestamp) -> bool {
        self.expires_at.is_none_or(|end| now < end)
    }

    /// Whether the grant answers a question asked at `now` in `context`. Context matching
    /// is exact: research consent for protocol version 1 does not count for version 2,
    /// and a grant without context does not count for a question with one.
    pub fn permits(&self, now: Timestamp, context: Option<Hash>) -> bool {
        self.is_live(now) && self.context == context
    }
}

/// A grant as a wallet lists it.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActiveGrant {
    pub grantee: AccountId,
    pub purpose: Purpose,
    pub grant: Grant,
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
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Error {
    /// An admin, role or pause check failed.
    Access(AccessError),
    /// The expiry is not in the future.
    ExpiryInPast,
    /// A patient cannot grant consent to, or delegate to, their own account.
    SelfGrant,
    /// The grant names no data class.
    NoDataClasses,
    /// The grant names a data class bit that is not defined.
    UnknownDataClass,
    /// No grant exists for that patient, grantee and purpose.
    GrantNotFound,
    /// The patient already holds [`MAX_ACTIVE_GRANTS_PER_PATIENT`] live grants.
    TooManyActiveGrants,
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
}

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

/// A delegate-made grant ends no later than the delegation that made it: `None` (no
/// expiry) or a later expiry becomes the delegation's.
pub fn cap_expiry(expires_at: Option<Timestamp>, cap: Option<Timestamp>) -> Option<Timestamp> {
    match (expires_at, cap) {
        (Some(end), Some(cap)) => Some(end.min(cap)),
        (None, cap) => cap,
        (end, None) => end,
    }
}

/// Checks a new grant's fields at `now`.
pub fn validate_grant(
    patient: AccountId,
    grantee: AccountId,
    data_classes: DataClasses,
    expires_at: Option<Timestamp>,
    now: Timestamp,
) -> Result<(), Error> {
    if patient == grantee {
        return Err(Error::SelfGrant);
    }
    if data_classes.is_empty() {
        return Err(Error::NoDataClasses);
    }
    if !data_classes.is_known() {
        return Err(Error::UnknownDataClass);
    }
    match expires_at {
        Some(end) if end <= now => Err(Error::ExpiryInPast),
        _ => Ok(()),
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn grant(expires_at: Option<Timestamp>, context: Option<Hash>) -> Grant {
        Grant {
            data_classes: DataClasses::MEDICATIONS,
            expires_at,
            context,
            consent_form: Hash::from([7; 32]),
            granted_at: 0,
            granted_by: AccountId::from([1; 32]),
        }
    }

    #[test]
    fn grant_expires_at_its_end() {
        let g = grant(Some(100), None);
        assert!(g.permits(99, None));
        assert!(!g.permits(100, None));
        assert!(grant(None, None).permits(u64::MAX, None));
    }

    #[test]
    fn context_must_match_exactly() {
        let v1 = Some(Hash::from([1; 32]));
        let v2 = Some(Hash::from([2; 32]));
        let g = grant(None, v1);
        assert!(g.permits(0, v1));
        assert!(!g.permits(0, v2));
        assert!(!g.permits(0, None));
        assert!(!grant(None, None).permits(0, v1));
    }

    #[test]
    fn validate_grant_reasons() {
        let (p, g) = (AccountId::from([1; 32]), AccountId::from([2; 32]));
        let classes = DataClasses::LAB_RESULTS;
        assert_eq!(
            validate_grant(p, p, classes, None, 5),
            Err(Error::SelfGrant)
        );
        assert_eq!(
            validate_grant(p, g, DataClasses::default(), None, 5),
            Err(Error::NoDataClasses)
        );
        assert_eq!(
            validate_grant(p, g, DataClasses(1 << 20), None, 5),
            Err(Error::UnknownDataClass)
        );
        assert_eq!(
            validate_grant(p, g, classes, Some(5), 5),
            Err(Error::ExpiryInPast)
        );
        assert_eq!(validate_grant(p, g, classes, Some(6), 5), Ok(()));
        assert_eq!(validate_grant(p, g, classes, None, 5), Ok(()));
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

        #[test]
        fn a_grant_never_outlives_its_expiry(end in 1u64..u64::MAX, probe: u64) {
            let g = grant(Some(end), None);
            prop_assert_eq!(g.permits(probe, None), probe < end);
        }
    }
}
