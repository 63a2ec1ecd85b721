//! trial_anchoring's records and rules, apart from the ink! glue so that plain tests and
//! property tests reach them. Words follow ClinicalTrials.gov, ICH E6 and 21 CFR 312.32.

use healthchain_common::{
    access::AccessError,
    is_zero_hash,
    merkle::{self, Digest, ProofError},
    relay::RelayError,
    AccountId, Hash, Timestamp,
};
use ink::prelude::vec::Vec;

/// A trial's number in this contract, assigned at registration from 1.
pub type TrialId = u64;

/// The domain tag of instructions relayed to trial_anchoring (see
/// `healthchain_common::relay`).
pub const RELAY_DOMAIN: &[u8] = b"healthchain/relay/v1/trial_anchoring";

/// What a participant signs to withdraw from a trial through a relayer (`relay_withdrawal`).
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Withdrawal {
    pub trial: TrialId,
    pub level: WithdrawalLevel,
}

/// How far a participant withdraws, after FDA's guidance "Data Retention When Subjects
/// Withdraw from FDA-Regulated Clinical Trials" (2008). At every level the data collected
/// before the withdrawal stay in the trial's records and analysis; the level says what
/// may still be collected. Ordered: a later withdrawal may only go further.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum WithdrawalLevel {
    /// From the study intervention only: follow-up visits and data collection go on.
    Intervention,
    /// From the intervention and from study follow-up: no new study data.
    FollowUp,
    /// Completely, including contact and public-record follow-up: no new data of any kind.
    Complete,
}

impl WithdrawalLevel {
    /// Whether new study data may still be collected from the participant.
    pub fn allows_collection(self) -> bool {
        self == WithdrawalLevel::Intervention
    }
}

/// When and how far a participant withdrew.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WithdrawalRecord {
    /// When the participant withdrew to `level` (the latest step, if they went further).
    pub at: Timestamp,
    pub level: WithdrawalLevel,
}

/// The longest registry id accepted (an NCT number is 11 characters; other registries'
/// ids, such as EudraCT or ISRCTN, are shorter than this too).
pub const MAX_REGISTRY_ID_LEN: usize = 64;
/// Protocol versions a trial may have (registration plus amendments).
pub const MAX_PROTOCOL_VERSIONS: u32 = 1_000;
/// When enrolment fails for want of consent, how many earlier protocol versions are asked
/// about, newest first, to tell "consented to an older protocol" from "no consent".
pub const OLDER_VERSIONS_CHECKED: u32 = 4;
pub use healthchain_common::DAY;
/// 21 CFR 312.32(c)(1): a serious and unexpected suspected adverse reaction is reported
/// within 15 calendar days after the sponsor determines that it qualifies.
pub const SERIOUS_UNEXPECTED_DEADLINE: Timestamp = 15 * DAY;
/// 21 CFR 312.32(c)(2): a fatal or life-threatening one within 7 calendar days after the
/// sponsor's initial receipt of the information.
pub const FATAL_OR_LIFE_THREATENING_DEADLINE: Timestamp = 7 * DAY;
/// The longest a sponsor may take from initial receipt to its determination that an event
/// qualifies before the determination is flagged: the 15-day clock starts at the
/// determination, so a bound the sponsor cannot move keeps lateness from being simply
/// self-declared (FDA expects the review "promptly"; 15 days is this suite's bound).
pub const DETERMINATION_BOUND: Timestamp = 15 * DAY;

/// Whether `id` is a registry id as accepted: 1 to 64 printable ASCII characters, no
/// spaces (such as `NCT01234567`).
pub fn is_registry_id(id: &[u8]) -> bool {
    healthchain_common::is_printable_id(id, MAX_REGISTRY_ID_LEN)
}

/// The key under which a registry id is unique: BLAKE2b-256 of the id in upper case, so
/// that `nct01234567` and `NCT01234567` are the same trial.
pub fn registry_key(id: &[u8]) -> Digest {
    let upper: Vec<u8> = id.iter().map(u8::to_ascii_uppercase).collect();
    healthchain_common::merkle::blake2_256(&upper)
}

/// What a delegate does for a trial.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrialDelegateRole {
    /// Anchors data batches and reports adverse events.
    DataManager,
    /// An investigator site: enrols and withdraws participants, reports adverse events.
    Site,
}

/// ICH E2A seriousness of an adverse event.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seriousness {
    /// Not serious.
    NonSerious,
    /// Serious (hospitalisation, disability, congenital anomaly, ...).
    Serious,
    /// Life-threatening.
    LifeThreatening,
    /// Fatal.
    Fatal,
}

/// Whether the event is listed in the investigator's brochure (ICH E2A expectedness).
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expectedness {
    /// Listed: consistent with the known risk information.
    Expected,
    /// Not listed, or more severe than listed.
    Unexpected,
}

/// Whether there is a reasonable possibility that the drug caused the event (21 CFR
/// 312.32(a): a "suspected adverse reaction").
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Causality {
    /// A suspected adverse reaction.
    Suspected,
    /// No reasonable possibility.
    NotSuspected,
}

/// An adverse event report as the sponsor files it (21 CFR 312.32).
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SafetyReport {
    pub seriousness: Seriousness,
    pub expectedness: Expectedness,
    pub causality: Causality,
    pub onset_at: Timestamp,
    /// The sponsor's initial receipt of the information: the 7-day clock starts here.
    pub received_at: Timestamp,
    /// When the sponsor determined that the event qualifies for an IND safety report:
    /// the 15-day clock starts here. Required for an initial report that qualifies, and
    /// only then.
    pub determined_at: Option<Timestamp>,
    /// The number of the initial report this one follows up (312.32(d)(3)); `None` for
    /// an initial report.
    pub follows: Option<u32>,
}

/// What the contract concludes from a report at the chain's time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SafetyAssessment {
    /// The expedited deadline, for an initial report that qualifies.
    pub deadline: Option<Timestamp>,
    /// Reported after the deadline.
    pub late: bool,
    /// Determined more than [`DETERMINATION_BOUND`] after initial receipt.
    pub determination_late: bool,
}

impl SafetyReport {
    /// Whether an IND safety report is required: serious, unexpected and suspected.
    pub fn qualifies(&self) -> bool {
        self.seriousness != Seriousness::NonSerious
            && self.expectedness == Expectedness::Unexpected
            && self.causality == Causality::Suspected
    }

    /// Checks the dates at `now` (onset, then receipt, then determination, none in the
    /// future) and computes the deadline and lateness: 7 days from receipt for a fatal
    /// or life-threatening event, 15 from the determination for another; follow-ups and
    /// reports that do not qualify have no expedited deadline.
    pub fn assess(&self, now: Timestamp) -> Result<SafetyAssessment, Error> {
        if self.onset_at > self.received_at || self.received_at > now {
            return Err(Error::InvalidTimeline);
        }
        let expedited = self.qualifies() && self.follows.is_none();
        let determined_at = match (expedited, self.determined_at) {
            (true, Some(at)) if at >= self.received_at && at <= now => Some(at),
            (false, None) => None,
            _ => return Err(Error::InvalidDetermination),
        };
        let deadline = determined_at.map(|determined| match self.seriousness {
            Seriousness::Fatal | Seriousness::LifeThreatening => self
                .received_at
                .saturating_add(FATAL_OR_LIFE_THREATENING_DEADLINE),
            _ => determined.saturating_add(SERIOUS_UNEXPECTED_DEADLINE),
        });
        Ok(SafetyAssessment {
            deadline,
            late: is_late(deadline, now),
            determination_late: determined_at.is_some_and(|determined| {
                determined > self.received_at.saturating_add(DETERMINATION_BOUND)
            }),
        })
    }
}

/// 42 CFR 11.24: a trial is registered (on ClinicalTrials.gov) no later than 21 days after
/// its first participant is enrolled.
pub const REGISTRATION_DEADLINE: Timestamp = 21 * DAY;
/// 42 CFR 11.44: results are submitted no later than one year after the primary
/// completion date.
pub const RESULTS_DEADLINE: Timestamp = 365 * DAY;

/// The dates the registration and results deadlines run from, as recorded.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Milestones {
    /// The first enrolment, by this contract's clock.
    pub first_enrolled_at: Option<Timestamp>,
    /// The registry's registration date, as the sponsor records it.
    pub registry_registered_at: Option<Timestamp>,
    /// The primary completion date, as the sponsor records it.
    pub primary_completion_at: Option<Timestamp>,
}

/// A trial's registration and results deadlines at some time, and whether each is missed.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deadlines {
    /// 21 days after the first enrolment, once someone is enrolled.
    pub registration_due: Option<Timestamp>,
    /// The registration came, or is still missing, after it was due.
    pub registration_late: bool,
    /// One year after the primary completion date, once it is recorded.
    pub results_due: Option<Timestamp>,
    /// The results came, or are still missing, after they were due.
    pub results_late: bool,
}

/// Which dated milestone was recorded.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Milestone {
    RegistryRegistration,
    PrimaryCompletion,
}

impl Milestones {
    /// The deadlines at `now`, with the results anchored at `results_at` if they are.
    pub fn deadlines(&self, results_at: Option<Timestamp>, now: Timestamp) -> Deadlines {
        let registration_due = self
            .first_enrolled_at
            .map(|first| first.saturating_add(REGISTRATION_DEADLINE));
        let results_due = self
            .primary_completion_at
            .map(|completed| completed.saturating_add(RESULTS_DEADLINE));
        Deadlines {
            registration_due,
            registration_late: is_late(
                registration_due,
                self.registry_registered_at.unwrap_or(now),
            ),
            results_due,
            results_late: is_late(results_due, results_at.unwrap_or(now)),
        }
    }
}

/// Whether a report at `reported_at` misses `deadline`.
pub fn is_late(deadline: Option<Timestamp>, reported_at: Timestamp) -> bool {
    deadline.is_some_and(|deadline| reported_at > deadline)
}

/// A registered trial.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trial {
    pub sponsor: AccountId,
    /// The registry id as given (such as `NCT01234567`).
    pub registry_id: Vec<u8>,
    pub registered_at: Timestamp,
    /// The current protocol version, from 1.
    pub protocol_version: u32,
    /// Hash of the current protocol document.
    pub protocol_hash: Hash,
    /// The last protocol version that required re-consent (1 until an amendment does):
    /// research consent must name its protocol hash, `consent_hash`, as context.
    pub consent_version: u32,
    pub consent_hash: Hash,
    /// Hash of the statistical analysis plan.
    pub analysis_plan_hash: Hash,
    /// Merkle root of the pre-registered outcome measures (`outcomes_root`), as last
    /// amended before the database freeze.
    pub outcomes_root: Digest,
    /// How many times the outcomes were amended before the freeze (each documented).
    pub outcome_amendments: u32,
    pub planned_enrolment: u32,
    /// Participants enrolled so far (withdrawn ones included).
    pub enrolled: u32,
    /// Data batches anchored so far; batch numbers run from 1 to this.
    pub batches: u32,
    /// Adverse events reported so far; their numbers run from 1 to this.
    pub adverse_events: u32,
    /// When the database was frozen (locked); no anchoring or enrolment after.
    pub frozen_at: Option<Timestamp>,
    pub results: Option<Results>,
    /// The dates the registration and results deadlines run from (`deadlines`).
    pub milestones: Milestones,
}

/// One version of a trial's protocol.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProtocolVersion {
    pub protocol_hash: Hash,
    /// Hash of the amendment's rationale; `None` for the registered version 1.
    pub reason_hash: Option<Hash>,
    /// Hash of the IRB's approval of the amendment; `None` for version 1.
    pub approval_hash: Option<Hash>,
    /// The version whose protocol hash research consent must name while this one is
    /// current: itself when it required re-consent (and for version 1), else the one
    /// before's.
    pub consent_version: u32,
    pub effective_at: Timestamp,
}

/// A participant's enrolment.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Enrolment {
    pub enrolled_at: Timestamp,
    pub enrolled_by: AccountId,
    /// The protocol version whose consent counted when the participant enrolled (the
    /// trial's `consent_version` then).
    pub protocol_version: u32,
    /// `None` while the participant takes part in everything.
    pub withdrawal: Option<WithdrawalRecord>,
}

/// Whether a participant counts for the trial right now, answered live.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParticipantStatus {
    /// Enrolled, not withdrawn, with research consent for the current protocol.
    Active,
    /// Never enrolled in this trial.
    NotEnrolled,
    /// Withdrew, or was withdrawn by the site, to this level.
    Withdrawn(WithdrawalLevel),
    /// The consent registry has no research consent for the current protocol version
    /// (revoked, expired, or given for an older version): re-consent is needed.
    ConsentNotCurrent,
    /// The consent registry could not be asked; the participant does not count meanwhile.
    ConsentUnverifiable,
}

// `call` answers `participant_status` itself (`entry_points!`'s `reads_itself`).
healthchain_common::never_reverts!(ParticipantStatus);

/// A data batch anchored as a Merkle root.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Batch {
    pub root: Digest,
    pub leaf_count: u64,
    /// Hash of where the data lives (a URI or a storage manifest).
    pub location_hash: Hash,
    pub anchored_at: Timestamp,
    pub anchored_by: AccountId,
}

/// The domain of an adverse event's commitment to its participant.
pub const SUBJECT_DOMAIN: &[u8] = b"healthchain/adverse-event-subject";

/// The commitment a site reports an adverse event under: of the participant's trial
/// pseudonym and a salt of 32 random bytes kept in the subject's file, so the public
/// record names no participant beside the event's seriousness.
pub fn subject_commitment(participant: &AccountId, salt: &[u8; 32]) -> Hash {
    healthchain_common::commitment(SUBJECT_DOMAIN, participant, salt)
}

/// A reported adverse event.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AdverseEvent {
    /// The site's salted commitment to the participant ([`subject_commitment`]).
    pub subject: Hash,
    pub report: SafetyReport,
    pub reported_at: Timestamp,
    pub reported_by: AccountId,
    /// Hash of the report (such as a CIOMS I form or an E2B(R3) message).
    pub event_hash: Hash,
    /// The expedited reporting deadline, if one applies.
    pub deadline: Option<Timestamp>,
    /// Reported after the deadline.
    pub late: bool,
    /// The determination came more than [`DETERMINATION_BOUND`] after receipt.
    pub determination_late: bool,
}

/// The anchored results of a trial.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Results {
    pub results_hash: Hash,
    /// Merkle root of the outcome measures actually reported (`outcomes_root`).
    pub reported_outcomes_root: Digest,
    /// How many measures were switched against the pre-registration (dropped, added or
    /// changed after the freeze); each is evented and `verify_outcome` shows it.
    pub switches: u32,
    /// Hash of the justification, required when the outcomes changed.
    pub justification_hash: Option<Hash>,
    pub anchored_at: Timestamp,
    /// Anchored more than a year after the primary completion date (42 CFR 11.44).
    pub late: bool,
}

/// The most outcome measures a trial pre-registers or reports.
pub const MAX_OUTCOMES: usize = 32;

/// Whether an outcome measure is primary or secondary (ClinicalTrials.gov outcome type).
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutcomeRank {
    Primary,
    Secondary,
}

/// One outcome measure, as registered or reported: which measure (the hash of its title
/// and description as registered, one entry per measure), primary or secondary, and its
/// time point (days from baseline, such as 182 for "26 weeks").
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    pub measure: Hash,
    pub rank: OutcomeRank,
    pub time_frame_days: u32,
}

impl Outcome {
    /// The outcome's Merkle leaf: `hash_leaf` of SCALE("healthchain/outcome", outcome).
    pub fn leaf(&self) -> Digest {
        use ink::scale::Encode;
        merkle::hash_leaf(&(b"healthchain/outcome", self).encode())
    }
}

/// The Merkle root of a list of outcomes, in order (all zeros for none).
pub fn outcomes_root(outcomes: &[Outcome]) -> Digest {
    let leaves: Vec<Digest> = outcomes.iter().map(Outcome::leaf).collect();
    merkle::root(&leaves).unwrap_or_default()
}

/// Checks a list of outcomes: 1 to [`MAX_OUTCOMES`], no zero or repeated measure, and, for
/// a pre-registration, at least one primary outcome. (Reported results may lack one: a
/// dropped primary is a switch to report, not an input error.)
pub fn validate_outcomes(outcomes: &[Outcome], pre_registration: bool) -> Result<(), Error> {
    if outcomes.is_empty() || outcomes.len() > MAX_OUTCOMES {
        return Err(Error::InvalidOutcomes);
    }
    for (index, outcome) in outcomes.iter().enumerate() {
        if is_zero_hash(outcome.measure.as_ref()) {
            return Err(Error::ZeroHash);
        }
        let earlier = outcomes.get(..index).unwrap_or_default();
        if earlier.iter().any(|other| other.measure == outcome.measure) {
            return Err(Error::DuplicateOutcome);
        }
    }
    if pre_registration && !outcomes.iter().any(|o| o.rank == OutcomeRank::Primary) {
        return Err(Error::NoPrimaryOutcome);
    }
    Ok(())
}

/// How one outcome measure differs between two lists: dropped (`after` is `None`), added
/// (`before` is `None`), or changed in rank or time point (both present). COMPare's
/// categories follow: a dropped primary, an added (or promoted) primary, a changed time
/// point.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutcomeSwitch {
    pub measure: Hash,
    pub before: Option<Outcome>,
    pub after: Option<Outcome>,
}

/// Every difference between `before` and `after`, measure by measure: first the measures
/// of `before` in order (dropped or changed), then those only in `after` (added).
pub fn outcome_switches(before: &[Outcome], after: &[Outcome]) -> Vec<OutcomeSwitch> {
    let find = |list: &[Outcome], measure| list.iter().find(|o| o.measure == measure).copied();
    let mut switches = Vec::new();
    for old in before {
        let new = find(after, old.measure);
        if new != Some(*old) {
            switches.push(OutcomeSwitch {
                measure: old.measure,
                before: Some(*old),
                after: new,
            });
        }
    }
    for new in after {
        if find(before, new.measure).is_none() {
            switches.push(OutcomeSwitch {
                measure: new.measure,
                before: None,
                after: Some(*new),
            });
        }
    }
    switches
}

/// One measure checked against the registration and the results (`verify_outcome`).
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutcomeCheck {
    /// The measure as pre-registered (as last amended before the freeze), if it was.
    pub registered: Option<Outcome>,
    /// The measure as reported, if results are anchored and report it.
    pub reported: Option<Outcome>,
    /// Results are anchored and the measure was dropped, added or changed: a switch.
    pub switched: bool,
}

/// Errors of trial_anchoring: one variant per reason, nothing changed when returned.
#[ink::scale_derive(Decode, TypeInfo)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Error {
    /// An admin, role or pause check failed.
    Access(AccessError),
    /// The registry id is empty, longer than 64 characters or not printable ASCII.
    InvalidRegistryId,
    /// A trial with that registry id is already registered.
    DuplicateRegistryId,
    /// A hash or Merkle root argument is all zeros.
    ZeroHash,
    /// The account named does not hold the Sponsor role.
    NotASponsor,
    /// The planned enrolment is zero.
    ZeroPlannedEnrolment,
    /// No trial with that id.
    UnknownTrial,
    /// Only the trial's sponsor may do this.
    NotTrialSponsor,
    /// The caller is neither the trial's sponsor nor a delegate allowed to do this.
    NotSponsorOrDelegate,
    /// The sponsor cannot be its own delegate.
    DelegateIsSponsor,
    /// The account is not a delegate of the trial.
    UnknownDelegate,
    /// The amendment's protocol hash is the current one.
    ProtocolUnchanged,
    /// The trial has reached its maximum number of protocol versions.
    TooManyProtocolVersions,
    /// The database is frozen: no more enrolment, amendments or anchoring.
    DatabaseFrozen,
    /// Results need a frozen database.
    DatabaseNotFrozen,
    /// The trial's results are already anchored.
    ResultsAlreadyAnchored,
    /// The reported outcomes differ from the pre-registered ones and no justification
    /// hash was given.
    OutcomeChangeUnjustified,
    /// An outcome list is empty or longer than [`MAX_OUTCOMES`].
    InvalidOutcomes,
    /// An outcome list names the same measure twice.
    DuplicateOutcome,
    /// A pre-registration names no primary outcome.
    NoPrimaryOutcome,
    /// The amended outcomes are the ones registered.
    OutcomesUnchanged,
    /// The participant is already enrolled in the trial.
    AlreadyEnrolled,
    /// The participant is not enrolled in the trial.
    NotEnrolled,
    /// The participant has already withdrawn.
    AlreadyWithdrawn,
    /// Only the participant, the sponsor or a site may withdraw a participant.
    NotParticipantOrSite,
    /// Enrolment has reached the planned number.
    EnrolmentFull,
    /// The participant has not authorised the sponsor for research under the current
    /// protocol (no consent, revoked or expired).
    ConsentMissing,
    /// The participant's research consent names an older protocol version: re-consent.
    ConsentForOlderProtocol,
    /// The consent registry could not be asked (missing, trapped or out of gas).
    ConsentRegistryUnavailable,
    /// A batch's leaf count is zero.
    ZeroLeafCount,
    /// No batch with that number in the trial.
    UnknownBatch,
    /// The Merkle proof has more than 32 hashes.
    ProofTooLong,
    /// The leaf index is not below the batch's leaf count.
    LeafIndexOutOfRange,
    /// Onset after receipt, or receipt in the future.
    InvalidTimeline,
    /// An initial report that qualifies (serious, unexpected, suspected) needs the
    /// determination date, between receipt and now; any other report has none.
    InvalidDetermination,
    /// A follow-up names no initial report of the same subject in the trial.
    UnknownInitialReport,
    /// That milestone's date is already recorded.
    MilestoneAlreadyRecorded,
    /// A milestone dated in the future.
    MilestoneInFuture,
    /// A counter overflowed.
    Overflow,
    /// A relayed withdrawal was refused: expired, out of order or replayed, or not signed
    /// by the participant for this contract on this chain.
    Relay(RelayError),
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

impl From<ProofError> for Error {
    fn from(error: ProofError) -> Self {
        match error {
            ProofError::ProofTooLong => Error::ProofTooLong,
            ProofError::IndexOutOfRange => Error::LeafIndexOutOfRange,
        }
    }
}

/// `counter + 1`, or [`Error::Overflow`].
pub fn next<T: Into<u64> + TryFrom<u64>>(counter: T) -> Result<T, Error> {
    let value: u64 = counter.into();
    value
        .checked_add(1)
        .and_then(|v| T::try_from(v).ok())
        .ok_or(Error::Overflow)
}

// The library build (trial_anchoring_library) runs the same code: tested once, here.
#[cfg(all(test, not(healthchain_library)))]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The trial and enrolment records are read straight from the host
    /// (`healthchain_common::entry::get_at`), into a buffer of `entry::MAX_VALUE_LEN` bytes,
    /// which a value longer than it would trap: their longest encodings fit, with room.
    #[test]
    fn the_records_an_enrolment_reads_fit_the_hosts_buffer() {
        use ink::scale::Encode;
        let account = AccountId::from([0xFF; 32]);
        let hash = Hash::from([0xFF; 32]);
        let trial = Trial {
            sponsor: account,
            registry_id: ink::prelude::vec![b'9'; MAX_REGISTRY_ID_LEN],
            registered_at: Timestamp::MAX,
            protocol_version: u32::MAX,
            protocol_hash: hash,
            consent_version: u32::MAX,
            consent_hash: hash,
            analysis_plan_hash: hash,
            outcomes_root: [0xFF; 32],
            outcome_amendments: u32::MAX,
            planned_enrolment: u32::MAX,
            enrolled: u32::MAX,
            batches: u32::MAX,
            adverse_events: u32::MAX,
            frozen_at: Some(Timestamp::MAX),
            results: Some(Results {
                results_hash: hash,
                reported_outcomes_root: [0xFF; 32],
                switches: u32::MAX,
                justification_hash: Some(hash),
                anchored_at: Timestamp::MAX,
                late: true,
            }),
            milestones: Milestones {
                first_enrolled_at: Some(Timestamp::MAX),
                registry_registered_at: Some(Timestamp::MAX),
                primary_completion_at: Some(Timestamp::MAX),
            },
        };
        let enrolment = Enrolment {
            enrolled_at: Timestamp::MAX,
            enrolled_by: account,
            protocol_version: u32::MAX,
            withdrawal: Some(WithdrawalRecord {
                at: Timestamp::MAX,
                level: WithdrawalLevel::Complete,
            }),
        };
        healthchain_common::unit_test::fit_the_hosts_buffer(&[
            trial.encoded_size(),
            enrolment.encoded_size(),
        ]);
    }

    #[test]
    fn errors_encode_as_derived() {
        healthchain_common::unit_test::encodes_as_derived::<Error>();
    }

    const AWARE: Timestamp = 1_700_000_000_000;

    #[test]
    fn registry_ids() {
        assert!(is_registry_id(b"NCT01234567"));
        assert!(is_registry_id(b"2019-001234-56"));
        assert!(!is_registry_id(b""));
        assert!(!is_registry_id(b"NCT 01234567"));
        assert!(!is_registry_id(&[b'N'; 65]));
        assert!(is_registry_id(&[b'N'; 64]));
        assert_eq!(registry_key(b"nct01234567"), registry_key(b"NCT01234567"));
        assert_ne!(registry_key(b"NCT01234567"), registry_key(b"NCT01234568"));
    }

    fn report(seriousness: Seriousness, causality: Causality) -> SafetyReport {
        SafetyReport {
            seriousness,
            expectedness: Expectedness::Unexpected,
            causality,
            onset_at: AWARE - DAY,
            received_at: AWARE,
            determined_at: Some(AWARE + 2 * DAY),
            follows: None,
        }
    }

    #[test]
    fn deadlines_follow_21_cfr_312_32() {
        use Seriousness::*;
        let now = AWARE + 30 * DAY;
        // 15 days from the determination for a serious one.
        let serious = report(Serious, Causality::Suspected).assess(now).unwrap();
        assert_eq!(serious.deadline, Some(AWARE + 17 * DAY));
        assert!(serious.late && !serious.determination_late);
        // 7 days from receipt for a fatal or life-threatening one.
        for grave in [Fatal, LifeThreatening] {
            let grave = report(grave, Causality::Suspected)
                .assess(AWARE + 7 * DAY)
                .unwrap();
            assert_eq!((grave.deadline, grave.late), (Some(AWARE + 7 * DAY), false));
        }
        // Not suspected, expected or not serious: no IND safety report, no determination.
        let mut plain = report(Serious, Causality::NotSuspected);
        assert_eq!(plain.assess(now), Err(Error::InvalidDetermination));
        plain.determined_at = None;
        assert_eq!(plain.assess(now).unwrap().deadline, None);
        let mut expected = report(Fatal, Causality::Suspected);
        expected.expectedness = Expectedness::Expected;
        expected.determined_at = None;
        assert!(!expected.qualifies());
        assert_eq!(expected.assess(now).unwrap().deadline, None);
        assert!(!report(NonSerious, Causality::Suspected).qualifies());
        // A qualifying initial report needs its determination, not before receipt and
        // not in the future.
        let mut undetermined = report(Serious, Causality::Suspected);
        undetermined.determined_at = None;
        assert_eq!(undetermined.assess(now), Err(Error::InvalidDetermination));
        undetermined.determined_at = Some(AWARE - 1);
        assert_eq!(undetermined.assess(now), Err(Error::InvalidDetermination));
        undetermined.determined_at = Some(now + 1);
        assert_eq!(undetermined.assess(now), Err(Error::InvalidDetermination));
        // A follow-up has no clock of its own.
        let mut follow_up = report(Serious, Causality::Suspected);
        follow_up.follows = Some(1);
        follow_up.determined_at = None;
        assert_eq!(follow_up.assess(now).unwrap().deadline, None);
        // A determination long after receipt is flagged, whatever the sponsor dates it.
        let mut slow = report(Serious, Causality::Suspected);
        slow.determined_at = Some(AWARE + DETERMINATION_BOUND + 1);
        let slow = slow.assess(now).unwrap();
        assert!(slow.determination_late && !slow.late);
        // Dates out of order.
        let mut backwards = report(Serious, Causality::Suspected);
        backwards.onset_at = AWARE + 1;
        assert_eq!(backwards.assess(now), Err(Error::InvalidTimeline));
        assert_eq!(
            report(Serious, Causality::Suspected).assess(AWARE - 1),
            Err(Error::InvalidTimeline)
        );
        let deadline = Some(AWARE + 7 * DAY);
        assert!(!is_late(deadline, AWARE + 7 * DAY));
        assert!(is_late(deadline, AWARE + 7 * DAY + 1));
        assert!(!is_late(None, u64::MAX));
        let mut at_the_end = report(Fatal, Causality::Suspected);
        at_the_end.received_at = u64::MAX;
        at_the_end.onset_at = 0;
        at_the_end.determined_at = Some(u64::MAX);
        assert_eq!(
            at_the_end.assess(u64::MAX).unwrap().deadline,
            Some(u64::MAX)
        );
    }

    #[test]
    fn registration_and_results_deadlines_follow_42_cfr_11() {
        let none = Milestones::default().deadlines(None, u64::MAX);
        assert_eq!((none.registration_due, none.results_due), (None, None));
        assert!(!none.registration_late && !none.results_late);
        let mut m = Milestones {
            first_enrolled_at: Some(AWARE),
            ..Default::default()
        };
        let due = AWARE + 21 * DAY;
        assert_eq!(m.deadlines(None, due).registration_due, Some(due));
        assert!(!m.deadlines(None, due).registration_late);
        assert!(
            m.deadlines(None, due + 1).registration_late,
            "still missing"
        );
        m.registry_registered_at = Some(due);
        assert!(!m.deadlines(None, u64::MAX).registration_late, "in time");
        m.registry_registered_at = Some(due + 1);
        assert!(m.deadlines(None, due + 1).registration_late, "came late");
        m.primary_completion_at = Some(AWARE);
        let results_due = AWARE + 365 * DAY;
        assert_eq!(m.deadlines(None, AWARE).results_due, Some(results_due));
        assert!(!m.deadlines(None, results_due).results_late);
        assert!(m.deadlines(None, results_due + 1).results_late);
        assert!(!m.deadlines(Some(results_due), u64::MAX).results_late);
        assert!(
            m.deadlines(Some(results_due + 1), results_due + 1)
                .results_late
        );
    }

    #[test]
    fn outcome_switches_are_reported_measure_by_measure() {
        let outcome = |m: u8, rank, days| Outcome {
            measure: Hash::from([m; 32]),
            rank,
            time_frame_days: days,
        };
        use OutcomeRank::*;
        let registered = [
            outcome(1, Primary, 182),
            outcome(2, Secondary, 182),
            outcome(3, Secondary, 365),
        ];
        assert!(outcome_switches(&registered, &registered).is_empty());
        // Order does not matter.
        let reordered = [registered[2], registered[0], registered[1]];
        assert!(outcome_switches(&registered, &reordered).is_empty());
        // The primary dropped, a secondary promoted with a new time point, one added.
        let reported = [
            outcome(2, Primary, 182),
            outcome(3, Secondary, 90),
            outcome(4, Secondary, 30),
        ];
        let switches = outcome_switches(&registered, &reported);
        assert_eq!(
            switches,
            vec![
                OutcomeSwitch {
                    measure: Hash::from([1; 32]),
                    before: Some(registered[0]),
                    after: None
                },
                OutcomeSwitch {
                    measure: Hash::from([2; 32]),
                    before: Some(registered[1]),
                    after: Some(reported[0])
                },
                OutcomeSwitch {
                    measure: Hash::from([3; 32]),
                    before: Some(registered[2]),
                    after: Some(reported[1])
                },
                OutcomeSwitch {
                    measure: Hash::from([4; 32]),
                    before: None,
                    after: Some(reported[2])
                },
            ]
        );
    }

    #[test]
    fn outcome_lists_are_checked() {
        let primary = Outcome {
            measure: Hash::from([1; 32]),
            rank: OutcomeRank::Primary,
            time_frame_days: 182,
        };
        let secondary = Outcome {
            measure: Hash::from([2; 32]),
            rank: OutcomeRank::Secondary,
            ..primary
        };
        assert_eq!(validate_outcomes(&[primary, secondary], true), Ok(()));
        assert_eq!(validate_outcomes(&[], false), Err(Error::InvalidOutcomes));
        let many: Vec<Outcome> = (0..=MAX_OUTCOMES as u8)
            .map(|m| Outcome {
                measure: Hash::from([m + 1; 32]),
                ..primary
            })
            .collect();
        assert_eq!(validate_outcomes(&many, true), Err(Error::InvalidOutcomes));
        assert_eq!(validate_outcomes(&many[..MAX_OUTCOMES], true), Ok(()));
        assert_eq!(
            validate_outcomes(&[primary, primary], true),
            Err(Error::DuplicateOutcome)
        );
        let zero = Outcome {
            measure: Hash::from([0; 32]),
            ..primary
        };
        assert_eq!(validate_outcomes(&[zero], true), Err(Error::ZeroHash));
        // A registration needs a primary outcome; reported results need not have one.
        assert_eq!(
            validate_outcomes(&[secondary], true),
            Err(Error::NoPrimaryOutcome)
        );
        assert_eq!(validate_outcomes(&[secondary], false), Ok(()));
        // The root commits to every field of every outcome.
        let root = outcomes_root(&[primary, secondary]);
        assert_ne!(root, outcomes_root(&[primary]));
        assert_ne!(
            root,
            outcomes_root(&[
                primary,
                Outcome {
                    time_frame_days: 90,
                    ..secondary
                }
            ])
        );
        assert_eq!(
            root,
            merkle::root(&[primary.leaf(), secondary.leaf()]).unwrap()
        );
    }

    #[test]
    fn counters_refuse_to_wrap() {
        assert_eq!(next(1u32), Ok(2));
        assert_eq!(next(u32::MAX), Err(Error::Overflow));
        assert_eq!(next(u64::MAX), Err(Error::Overflow));
    }

    proptest! {
        /// The switches are exactly the measures whose entry differs, each once, and
        /// replaying them on the registration gives the reported set.
        #[test]
        fn outcome_switches_are_exact(
            before in proptest::collection::btree_map(1u8..12, (any::<bool>(), 0u32..3), 0..8),
            after in proptest::collection::btree_map(1u8..12, (any::<bool>(), 0u32..3), 0..8),
        ) {
            let list = |map: &std::collections::BTreeMap<u8, (bool, u32)>| -> Vec<Outcome> {
                map.iter()
                    .map(|(m, (primary, days))| Outcome {
                        measure: Hash::from([*m; 32]),
                        rank: if *primary { OutcomeRank::Primary } else { OutcomeRank::Secondary },
                        time_frame_days: *days,
                    })
                    .collect()
            };
            let (old, new) = (list(&before), list(&after));
            let switches = outcome_switches(&old, &new);
            let differing = (1u8..12)
                .filter(|m| before.get(m) != after.get(m))
                .count();
            prop_assert_eq!(switches.len(), differing);
            let mut replayed = old.clone();
            for switch in &switches {
                replayed.retain(|o| o.measure != switch.measure);
                replayed.extend(switch.after);
            }
            replayed.sort_by_key(|o| o.measure);
            prop_assert_eq!(replayed, new);
        }

        /// A qualifying report is late exactly when it comes after its clock's start plus
        /// the window: receipt for fatal or life-threatening events, the determination
        /// for other serious ones.
        #[test]
        fn lateness_is_the_window(
            received in 0u64..u64::MAX / 4,
            determination in 0u64..20 * DAY,
            delay in 0u64..40 * DAY,
            fatal in any::<bool>(),
        ) {
            let seriousness = if fatal { Seriousness::Fatal } else { Seriousness::Serious };
            let determined = received + determination;
            let now = determined + delay;
            let report = SafetyReport {
                seriousness,
                expectedness: Expectedness::Unexpected,
                causality: Causality::Suspected,
                onset_at: received,
                received_at: received,
                determined_at: Some(determined),
                follows: None,
            };
            let assessed = report.assess(now).unwrap();
            let (start, window) = if fatal { (received, 7 * DAY) } else { (determined, 15 * DAY) };
            prop_assert_eq!(assessed.late, now > start + window);
            prop_assert_eq!(assessed.determination_late, determination > DETERMINATION_BOUND);
        }
    }
}
