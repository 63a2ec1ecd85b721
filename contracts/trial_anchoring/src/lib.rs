//! # trial_anchoring
//!
//! Clinical trials kept honest in public. A sponsor registers a trial before enrolling
//! anyone: its registry id (such as an NCT number), the protocol hash, the statistical
//! analysis plan hash and the Merkle root of the pre-registered outcome measures. Each
//! amendment adds a protocol version, and research consent tied to an older version no
//! longer counts: enrolment and the live participant status ask the consent registry,
//! through the shared `ConsentCheck` trait, for research consent to the sponsor in the
//! context of the current protocol hash. Data managers anchor data batches as Merkle roots
//! that anyone can check an inclusion proof against, on chain here or off chain with the
//! same shared Merkle code. Adverse events carry onset, awareness and report times, and
//! serious unexpected ones reported after the 7- and 15-day deadlines of 21 CFR 312.32 are
//! recorded as late. Freezing the database stops anchoring; results are anchored against
//! the pre-registered outcomes, and a changed outcome set is flagged and must be justified.
//!
//! No protected health information: participants are pseudonymous accounts, protocols,
//! data and reports appear only as hashes.
#![cfg_attr(not(feature = "std"), no_std, no_main)]
// Contract code never traps on input: no unchecked arithmetic, unwrap, expect or indexing.
// (`clippy::panic` cannot be denied: ink!'s generated wasm dispatch contains `panic!`.)
#![cfg_attr(
    not(test),
    deny(
        clippy::arithmetic_side_effects,
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing
    )
)]
// Trial messages take the fields of the record they create, as Contracts UI shows them.
#![allow(clippy::too_many_arguments)]
// The library's build (`cfg(healthchain_library)`) leaves out the hot messages, and so the
// helpers only they use.
#![cfg_attr(healthchain_library, allow(dead_code, unused_imports))]
// The contract's own wasm build leaves out the cold messages (`entry_points!` hands them to
// the library), and so the helpers and imports only they use.
#![cfg_attr(healthchain_contract, allow(dead_code, unused_imports))]

pub mod data;

#[ink::contract]
pub mod trial_anchoring {
    use crate::data::{
        is_registry_id, next, outcome_switches, outcomes_root, registry_key, validate_outcomes,
        AdverseEvent, Batch, Deadlines, Enrolment, Error, Milestone, Milestones, Outcome,
        OutcomeCheck, OutcomeSwitch, ParticipantStatus, ProtocolVersion, Results, SafetyReport,
        Trial, TrialDelegateRole, TrialId, Withdrawal, WithdrawalLevel, WithdrawalRecord,
        MAX_PROTOCOL_VERSIONS, OLDER_VERSIONS_CHECKED, RELAY_DOMAIN,
    };
    use healthchain_common::{
        access::{
            admin_arg, AccessControl, AccessControlled, AccessError, Callees, PendingChange, Role,
            RoleSet,
        },
        admin_message,
        consent::{query_consent, research_context, ConsentAnswer, DataClasses, Purpose},
        entry,
        event::emit,
        is_zero_hash,
        merkle::{verify_proof, Digest},
        relay::{Relay, Signature},
    };
    use ink::{
        prelude::vec::Vec,
        storage::{traits::ManualKey, Mapping},
    };

    /// The trials' and enrolments' storage keys, fixed (not derived from the layout) so
    /// that an enrolment, whose function takes the contract as `&self`, reads them
    /// straight from the host (`trial_of`, `enrolment_of`) and writes them through
    /// handles of their own (`store_trial`, `store_enrolment`): the root is then left as
    /// it was by its type, and `call` neither compares nor writes it back
    /// (`entry_points!`'s `leaves_root`).
    const TRIALS_KEY: u32 = 0x6863_7474; // "hctt"
    const ENROLMENTS_KEY: u32 = 0x6863_7465; // "hcte"
    /// The trials: `TrialAnchoring::trials`, or a handle on them.
    type Trials = Mapping<TrialId, Trial, ManualKey<TRIALS_KEY>>;
    /// The enrolments: `TrialAnchoring::enrolments`, or a handle on them.
    type Enrolments = Mapping<(TrialId, AccountId), Enrolment, ManualKey<ENROLMENTS_KEY>>;

    // Read through `entry::get_at`, the same entries their `Mapping`s write: one copy of
    // each record's decoding (662 bytes less in the contract's own build, 541 in its
    // library). Written through the `Mapping`s: `entry::set_at` measured 236 bytes less
    // in the own build but 1,007 more in the library, which writes a trial in a dozen
    // places.

    /// Trial `trial`'s record, if it was registered.
    fn trial_of(trial: &TrialId) -> Option<Trial> {
        entry::get_at(TRIALS_KEY, trial)
    }

    /// The enrolment of participant `key.1` in trial `key.0`, if enrolled.
    fn enrolment_of(key: &(TrialId, AccountId)) -> Option<Enrolment> {
        entry::get_at(ENROLMENTS_KEY, key)
    }

    /// Stores trial `trial`'s record.
    fn store_trial(trial: &TrialId, record: &Trial) {
        Trials::default().insert(*trial, record);
    }

    /// Stores the enrolment of participant `key.1` in trial `key.0`.
    fn store_enrolment(key: &(TrialId, AccountId), enrolment: &Enrolment) {
        Enrolments::default().insert(*key, enrolment);
    }

    /// A sponsor registered a trial (protocol version 1).
    #[ink(event)]
    pub struct TrialRegistered {
        pub trial: TrialId,
        pub sponsor: AccountId,
        pub registry_id: Vec<u8>,
        pub protocol_hash: Hash,
        pub analysis_plan_hash: Hash,
        pub outcomes_root: Digest,
        pub planned_enrolment: u32,
    }

    /// The admin moved a trial to another sponsor.
    #[ink(event)]
    pub struct TrialReassigned {
        pub trial: TrialId,
        pub previous: AccountId,
        pub new: AccountId,
    }

    /// The sponsor named (or re-named) a delegate for the trial.
    #[ink(event)]
    pub struct DelegateNamed {
        pub trial: TrialId,
        pub delegate: AccountId,
        pub role: TrialDelegateRole,
    }

    /// The sponsor removed a delegate of the trial.
    #[ink(event)]
    pub struct DelegateRemoved {
        pub trial: TrialId,
        pub delegate: AccountId,
    }

    /// The protocol was amended. When the IRB required re-consent, consent for older
    /// versions no longer counts; otherwise participants stay active on their consent.
    #[ink(event)]
    pub struct ProtocolAmended {
        pub trial: TrialId,
        pub version: u32,
        pub protocol_hash: Hash,
        pub reason_hash: Hash,
        pub approval_hash: Hash,
        pub requires_reconsent: bool,
    }

    /// A participant was enrolled under the current protocol version.
    #[ink(event)]
    pub struct ParticipantEnrolled {
        pub trial: TrialId,
        pub participant: AccountId,
        pub protocol_version: u32,
        pub enrolled_by: AccountId,
    }

    /// A participant withdrew, or was withdrawn by the sponsor or a site.
    #[ink(event)]
    pub struct ParticipantWithdrawn {
        pub trial: TrialId,
        pub participant: AccountId,
        pub level: WithdrawalLevel,
        pub by: AccountId,
    }

    /// A data batch was anchored.
    #[ink(event)]
    pub struct BatchAnchored {
        pub trial: TrialId,
        pub batch: u32,
        pub root: Digest,
        pub leaf_count: u64,
        pub location_hash: Hash,
        pub anchored_by: AccountId,
    }

    /// An adverse event was reported (initial, or a follow-up of `report.follows`);
    /// `late` when an expedited deadline was missed, `determination_late` when the
    /// sponsor's determination came more than the bound after receipt. The participant
    /// appears only as the site's salted commitment (`subject`), so that no log says
    /// which pseudonym had which seriousness.
    #[ink(event)]
    pub struct AdverseEventReported {
        #[ink(topic)]
        pub trial: TrialId,
        pub subject: Hash,
        pub number: u32,
        pub report: SafetyReport,
        pub reported_at: Timestamp,
        pub deadline: Option<Timestamp>,
        pub late: bool,
        pub determination_late: bool,
        pub event_hash: Hash,
    }

    /// The database was frozen (locked): no more anchoring.
    #[ink(event)]
    pub struct DatabaseFrozen {
        pub trial: TrialId,
        pub batches: u32,
        pub enrolled: u32,
    }

    /// The sponsor amended the pre-registered outcomes before the database freeze (while
    /// the trial is blinded), with the hash of the documented reason: each change is in
    /// an `OutcomeSwitched` event marked `before_unblinding`.
    #[ink(event)]
    pub struct OutcomesAmended {
        pub trial: TrialId,
        pub outcomes_root: Digest,
        pub reason_hash: Hash,
        pub changes: u32,
    }

    /// One outcome measure changed against the pre-registration: dropped (`after` none),
    /// added (`before` none) or changed in rank or time point. `before_unblinding`: a
    /// documented amendment before the freeze, not a switch; otherwise a switch in the
    /// reported results.
    #[ink(event)]
    pub struct OutcomeSwitched {
        pub trial: TrialId,
        pub measure: Hash,
        pub before: Option<Outcome>,
        pub after: Option<Outcome>,
        pub before_unblinding: bool,
    }

    /// Results were anchored; `switches` counts the outcome measures switched against the
    /// pre-registration (each in an `OutcomeSwitched` event).
    #[ink(event)]
    pub struct ResultsAnchored {
        pub trial: TrialId,
        pub results_hash: Hash,
        pub reported_outcomes_root: Digest,
        pub switches: u32,
        pub justification_hash: Option<Hash>,
        /// Anchored more than a year after the primary completion date.
        pub late: bool,
    }

    /// The sponsor recorded the registry registration or the primary completion date;
    /// `due` is the deadline it starts or meets, `late` whether that is missed.
    #[ink(event)]
    pub struct MilestoneRecorded {
        pub trial: TrialId,
        pub milestone: Milestone,
        pub at: Timestamp,
        pub due: Option<Timestamp>,
        pub late: bool,
    }

    /// Which contract a wiring change is about: its number in
    /// [`healthchain_common::access::Change::Callee`] and in the `callee` of the
    /// `CalleeChanged` event.
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Callee {
        ConsentRegistry,
    }

    /// Trials, their protocol versions, participants, data batches, adverse events and
    /// results.
    #[ink(storage)]
    pub struct TrialAnchoring {
        access: AccessControl,
        /// The consent registry asked about research consent, callee 0 ([`Callee`]).
        /// Second in the root, where the admin library finds it.
        callees: Callees,
        trials: Trials,
        /// Registry id key (see `registry_key`) to trial.
        by_registry_id: Mapping<Digest, TrialId>,
        last_trial: TrialId,
        protocol_versions: Mapping<(TrialId, u32), ProtocolVersion>,
        delegates: Mapping<(TrialId, AccountId), TrialDelegateRole>,
        enrolments: Enrolments,
        batches: Mapping<(TrialId, u32), Batch>,
        adverse_events: Mapping<(TrialId, u32), AdverseEvent>,
        /// The pre-registered outcomes (as last amended before the freeze) and the
        /// reported ones, per trial.
        registered_outcomes: Mapping<TrialId, Vec<Outcome>>,
        reported_outcomes: Mapping<TrialId, Vec<Outcome>>,
        /// The chain relayed withdrawals are signed for, and each participant's next nonce.
        relay: Relay,
        /// The code hash of this contract's library (`trial_anchoring_library`): this same
        /// source built with `cfg(healthchain_library)`, which answers the cold messages
        /// (registration, delegates, amendments, freeze, results, milestones, the getters)
        /// by delegate call in this storage, so that an enrolment's, an anchoring's or a
        /// safety report's proof carries none of their code. Set by the constructor; an
        /// upgrade to other code must set its own library in its migration.
        library: Hash,
    }

    impl TrialAnchoring {
        /// Creates the contract with the caller as admin, asking the consent registry at
        /// `consent_registry` about research consent. Sponsors are then registered by the
        /// admin with `grant_role(Sponsor, account)`. Upgrades and rewirings wait
        /// `change_delay` milliseconds between proposal and application. `chain` is the
        /// chain's genesis hash: relayed withdrawals must be signed for it.
        /// `admin_library` is the code hash of the uploaded admin library
        /// (`access_library`), which answers the admin, role, pause and upgrade messages in
        /// this contract's storage; `library` is the code hash of this contract's own
        /// library (`trial_anchoring_library`, built from the same source), which answers
        /// its cold messages. Instantiation fails if no code is uploaded under either; both
        /// are locked, so nobody can remove them while the contract relies on them.
        #[ink(constructor)]
        pub fn new(
            consent_registry: AccountId,
            chain: Hash,
            change_delay: Timestamp,
            admin_library: Hash,
            library: Hash,
        ) -> Self {
            healthchain_common::access::lock_library(library);
            Self {
                access: AccessControl::new(
                    Self::env().caller(),
                    RoleSet::of(&[Role::Sponsor]),
                    None,
                    change_delay,
                    admin_library,
                ),
                callees: Callees::new(Vec::from([consent_registry])),
                trials: Mapping::default(),
                by_registry_id: Mapping::default(),
                last_trial: 0,
                protocol_versions: Mapping::default(),
                delegates: Mapping::default(),
                enrolments: Mapping::default(),
                batches: Mapping::default(),
                registered_outcomes: Mapping::default(),
                reported_outcomes: Mapping::default(),
                adverse_events: Mapping::default(),
                relay: Relay::new(chain),
                library,
            }
        }

        /// The consent registry this contract asks.
        #[cfg(not(healthchain_contract))]
        #[ink(message)]
        pub fn consent_registry(&self) -> AccountId {
            self.callees.get(Callee::ConsentRegistry as u8)
        }

        /// Proposes pointing the contract at another consent registry (after a
        /// migration), with a `ChangeProposed` event; `apply_callee` makes the change once
        /// the change delay has passed. Admin only. Returns when it may be applied.
        /// Answered by the admin library.
        #[cfg(not(healthchain_contract))]
        #[ink(message)]
        pub fn propose_callee(
            &mut self,
            callee: Callee,
            address: AccountId,
        ) -> Result<Timestamp, AccessError> {
            admin_message!(
                self.access,
                self.callees => propose(&mut self.access, callee as u8, address)
            )
        }

        /// Applies the proposed consent registry once its delay has passed, with a
        /// `CalleeChanged` event. Admin only. Answered by the admin library.
        #[cfg(not(healthchain_contract))]
        #[ink(message)]
        pub fn apply_callee(&mut self) -> Result<(), AccessError> {
            admin_message!(self.access, self.callees => apply(&mut self.access))
        }

        /// Registers a trial (registered sponsors only) before anyone is enrolled:
        /// `registry_id` as given by the registry (such as `NCT01234567`; 1 to 64
        /// printable characters, unique regardless of case), the protocol hash, the
        /// statistical analysis plan hash, the pre-registered outcome measures (1 to 32,
        /// at least one primary; each the hash of its registered title and description,
        /// primary or secondary, and its time point in days) and the planned enrolment.
        /// Returns the trial id. No hash may be zero. The outcomes' Merkle root is kept
        /// and evented for off-chain proofs.
        #[cfg(not(healthchain_contract))]
        #[ink(message)]
        pub fn register_trial(
            &mut self,
            registry_id: Vec<u8>,
            protocol_hash: Hash,
            analysis_plan_hash: Hash,
            outcomes: Vec<Outcome>,
            planned_enrolment: u32,
        ) -> Result<TrialId, Error> {
            self.access.ensure_not_paused()?;
            let sponsor = self.access.ensure_role(Role::Sponsor)?;
            if !is_registry_id(&registry_id) {
                return Err(Error::InvalidRegistryId);
            }
            if is_zero_hash(protocol_hash.as_ref()) || is_zero_hash(analysis_plan_hash.as_ref()) {
                return Err(Error::ZeroHash);
            }
            validate_outcomes(&outcomes, true)?;
            let outcomes_root = outcomes_root(&outcomes);
            if planned_enrolment == 0 {
                return Err(Error::ZeroPlannedEnrolment);
            }
            let key = registry_key(&registry_id);
            if self.by_registry_id.contains(key) {
                return Err(Error::DuplicateRegistryId);
            }
            let trial = next(self.last_trial)?;
            let now = self.env().block_timestamp();
            self.last_trial = trial;
            self.by_registry_id.insert(key, &trial);
            self.protocol_versions.insert(
                (trial, 1),
                &ProtocolVersion {
                    protocol_hash,
                    reason_hash: None,
                    approval_hash: None,
                    consent_version: 1,
                    effective_at: now,
                },
            );
            store_trial(
                &trial,
                &Trial {
                    sponsor,
                    registry_id: registry_id.clone(),
                    registered_at: now,
                    protocol_version: 1,
                    protocol_hash,
                    consent_version: 1,
                    consent_hash: protocol_hash,
                    analysis_plan_hash,
                    outcomes_root,
                    outcome_amendments: 0,
                    planned_enrolment,
                    enrolled: 0,
                    batches: 0,
                    adverse_events: 0,
                    frozen_at: None,
                    results: None,
                    milestones: Milestones::default(),
                },
            );
            self.registered_outcomes.insert(trial, &outcomes);
            emit(TrialRegistered {
                trial,
                sponsor,
                registry_id,
                protocol_hash,
                analysis_plan_hash,
                outcomes_root,
                planned_enrolment,
            });
            Ok(trial)
        }

        /// Moves a trial to another registered sponsor (admin only): a rotated key, a
        /// transferred programme, or a registry id squatted by someone else given to the
        /// sponsor the registry lists. Research consent names the sponsor, so
        /// participants consent again to the new one.
        #[cfg(not(healthchain_contract))]
        #[ink(message)]
        pub fn reassign_trial(
            &mut self,
            trial: TrialId,
            new_sponsor: AccountId,
        ) -> Result<(), Error> {
            self.access.ensure_admin()?;
            let mut record = trial_of(&trial).ok_or(Error::UnknownTrial)?;
            if !self.access.has_role(new_sponsor, Role::Sponsor) {
                return Err(Error::NotASponsor);
            }
            let previous = core::mem::replace(&mut record.sponsor, new_sponsor);
            store_trial(&trial, &record);
            emit(TrialReassigned {
                trial,
                previous,
                new: new_sponsor,
            });
            Ok(())
        }

        /// Names `delegate` as a data manager (anchors batches, reports adverse events) or
        /// a site (enrols and withdraws participants, reports adverse events) of the trial,
        /// replacing an earlier role. The trial's sponsor only.
        #[cfg(not(healthchain_contract))]
        #[ink(message)]
        pub fn name_delegate(
            &mut self,
            trial: TrialId,
            delegate: AccountId,
            role: TrialDelegateRole,
        ) -> Result<(), Error> {
            self.access.ensure_not_paused()?;
            let (_, record) = self.trial_of_sponsor(trial)?;
            if delegate == record.sponsor {
                return Err(Error::DelegateIsSponsor);
            }
            self.delegates.insert((trial, delegate), &role);
            emit(DelegateNamed {
                trial,
                delegate,
                role,
            });
            Ok(())
        }

        /// Removes a delegate of the trial. The trial's sponsor only.
        #[cfg(not(healthchain_contract))]
        #[ink(message)]
        pub fn remove_delegate(
            &mut self,
            trial: TrialId,
            delegate: AccountId,
        ) -> Result<(), Error> {
            self.access.ensure_not_paused()?;
            self.trial_of_sponsor(trial)?;
            if self.delegates.take((trial, delegate)).is_none() {
                return Err(Error::UnknownDelegate);
            }
            emit(DelegateRemoved { trial, delegate });
            Ok(())
        }

        /// Amends the protocol (the trial's sponsor only, before the database is frozen):
        /// adds version n+1 with its protocol hash, the hash of the amendment's rationale
        /// and the hash of the IRB's approval, and returns n+1. `requires_reconsent` is
        /// the IRB's decision: when true, only research consent given for the new
        /// protocol hash counts from now on and participants must re-consent; when false,
        /// the consent that counted before still counts (its version stays the one
        /// consent must name, see `consent_context`).
        #[cfg(not(healthchain_contract))]
        #[ink(message)]
        pub fn amend_protocol(
            &mut self,
            trial: TrialId,
            protocol_hash: Hash,
            reason_hash: Hash,
            approval_hash: Hash,
            requires_reconsent: bool,
        ) -> Result<u32, Error> {
            self.access.ensure_not_paused()?;
            let (_, mut record) = self.trial_of_sponsor(trial)?;
            ensure_open(&record)?;
            if [protocol_hash, reason_hash, approval_hash]
                .iter()
                .any(|h| is_zero_hash(h.as_ref()))
            {
                return Err(Error::ZeroHash);
            }
            if protocol_hash == record.protocol_hash {
                return Err(Error::ProtocolUnchanged);
            }
            if record.protocol_version >= MAX_PROTOCOL_VERSIONS {
                return Err(Error::TooManyProtocolVersions);
            }
            let version = next(record.protocol_version)?;
            record.protocol_version = version;
            record.protocol_hash = protocol_hash;
            if requires_reconsent {
                record.consent_version = version;
                record.consent_hash = protocol_hash;
            }
            self.protocol_versions.insert(
                (trial, version),
                &ProtocolVersion {
                    protocol_hash,
                    reason_hash: Some(reason_hash),
                    approval_hash: Some(approval_hash),
                    consent_version: record.consent_version,
                    effective_at: self.env().block_timestamp(),
                },
            );
            store_trial(&trial, &record);
            emit(ProtocolAmended {
                trial,
                version,
                protocol_hash,
                reason_hash,
                approval_hash,
                requires_reconsent,
            });
            Ok(version)
        }

        /// Enrols `participant` (the sponsor or a site, before the database is frozen and
        /// below the planned enrolment). The consent registry must say the participant
        /// authorised the trial's sponsor for research in the context of the protocol
        /// version consent must name now (`consent_context`); consent for an older
        /// version is refused with its own error.
        #[cfg(not(any(healthchain_library, healthchain_contract)))]
        #[ink(message)]
        pub fn enrol(&mut self, trial: TrialId, participant: AccountId) -> Result<(), Error> {
            self.enrol_participant(trial, participant)
        }

        /// `enrol`, by the caller: in trial_anchoring's own build its `call` runs this
        /// itself (`entry_points!`'s `leaves_root`: it takes `&self`, so the root is never
        /// written back).
        #[cfg(not(healthchain_library))]
        fn enrol_participant(&self, trial: TrialId, participant: AccountId) -> Result<(), Error> {
            self.access.ensure_not_paused()?;
            let mut record = trial_of(&trial).ok_or(Error::UnknownTrial)?;
            let by = self.ensure_sponsor_or(trial, &record, TrialDelegateRole::Site)?;
            ensure_open(&record)?;
            // A withdrawn participant may enrol again, with consent to the current
            // protocol; they are counted once.
            let returning = match enrolment_of(&(trial, participant)) {
                Some(enrolment) if enrolment.withdrawal.is_some() => true,
                Some(_) => return Err(Error::AlreadyEnrolled),
                None => false,
            };
            if !returning && record.enrolled >= record.planned_enrolment {
                return Err(Error::EnrolmentFull);
            }
            match self.research_consent(trial, &record, participant, record.consent_hash) {
                Ok(true) => {}
                Ok(false) => return Err(self.why_no_consent(trial, &record, participant)),
                Err(error) => return Err(error),
            }
            if !returning {
                record.enrolled = next(record.enrolled)?;
            }
            // The 21-day registration clock (42 CFR 11.24) runs from the first enrolment.
            let now = self.env().block_timestamp();
            record.milestones.first_enrolled_at.get_or_insert(now);
            let protocol_version = record.consent_version;
            store_enrolment(
                &(trial, participant),
                &Enrolment {
                    enrolled_at: now,
                    enrolled_by: by,
                    protocol_version,
                    withdrawal: None,
                },
            );
            store_trial(&trial, &record);
            emit(ParticipantEnrolled {
                trial,
                participant,
                protocol_version,
                enrolled_by: by,
            });
            Ok(())
        }

        /// Withdraws `participant` from the trial to `level` (from the intervention only,
        /// from follow-up too, or completely): the participant themself, at any time, or
        /// the sponsor or a site on their behalf. A participant already withdrawn may
        /// only go further (`AlreadyWithdrawn` otherwise). The record stays; the
        /// participant is no longer active, and `may_collect_data` follows the level.
        /// Works while the contract is paused.
        #[cfg(not(healthchain_contract))]
        #[ink(message)]
        pub fn withdraw(
            &mut self,
            trial: TrialId,
            participant: AccountId,
            level: WithdrawalLevel,
        ) -> Result<(), Error> {
            let caller = self.env().caller();
            self.withdraw_as(caller, trial, participant, level)
        }

        /// Withdraws `participant` from `trial` on the participant's own signature,
        /// submitted by any account (a site, the participant's app), so that a
        /// participant's pseudonym never needs tokens. `nonce` is the participant's next
        /// nonce here (`relay_nonce`), the withdrawal is refused from `deadline` on, and
        /// `signature` is the participant's ECDSA signature (65 bytes) over the payload
        /// described in the README ("Relayed instructions") for a `Withdrawal { trial,
        /// level }`. Works while the contract is paused.
        #[cfg(not(healthchain_contract))]
        #[ink(message)]
        pub fn relay_withdrawal(
            &mut self,
            trial: TrialId,
            level: WithdrawalLevel,
            participant: AccountId,
            nonce: u64,
            deadline: Timestamp,
            signature: Signature,
        ) -> Result<(), Error> {
            self.relay.check(
                RELAY_DOMAIN,
                &Withdrawal { trial, level },
                participant,
                nonce,
                deadline,
                &signature,
            )?;
            self.withdraw_as(participant, trial, participant, level)?;
            self.relay.consume(participant, nonce);
            Ok(())
        }

        /// The chain's genesis hash that relayed withdrawals are signed for, and the nonce
        /// `signer`'s next one must carry.
        #[cfg(not(healthchain_contract))]
        #[ink(message)]
        pub fn relay_nonce(&self, signer: AccountId) -> (Hash, u64) {
            (self.relay.chain(), self.relay.nonce(signer))
        }

        fn withdraw_as(
            &mut self,
            caller: AccountId,
            trial: TrialId,
            participant: AccountId,
            level: WithdrawalLevel,
        ) -> Result<(), Error> {
            let record = trial_of(&trial).ok_or(Error::UnknownTrial)?;
            // The sponsor's or site's standing is checked by role only here: a
            // participant's own withdrawal never depends on it.
            if caller != participant
                && self
                    .ensure_sponsor_or(trial, &record, TrialDelegateRole::Site)
                    .is_err()
            {
                return Err(Error::NotParticipantOrSite);
            }
            let mut enrolment = enrolment_of(&(trial, participant)).ok_or(Error::NotEnrolled)?;
            if enrolment.withdrawal.is_some_and(|w| w.level >= level) {
                return Err(Error::AlreadyWithdrawn);
            }
            enrolment.withdrawal = Some(WithdrawalRecord {
                at: self.env().block_timestamp(),
                level,
            });
            store_enrolment(&(trial, participant), &enrolment);
            emit(ParticipantWithdrawn {
                trial,
                participant,
                level,
                by: caller,
            });
            Ok(())
        }

        /// Whether `participant` counts for the trial now, answered live: withdrawn,
        /// revoked, expired or outdated consent (an older protocol version) makes them
        /// inactive, and an unreachable consent registry is said as such.
        #[cfg(not(healthchain_library))]
        #[ink(message)]
        pub fn participant_status(
            &self,
            trial: TrialId,
            participant: AccountId,
        ) -> ParticipantStatus {
            let Some(record) = trial_of(&trial) else {
                return ParticipantStatus::NotEnrolled;
            };
            let Some(enrolment) = enrolment_of(&(trial, participant)) else {
                return ParticipantStatus::NotEnrolled;
            };
            if let Some(withdrawal) = enrolment.withdrawal {
                return ParticipantStatus::Withdrawn(withdrawal.level);
            }
            match self.research_consent(trial, &record, participant, record.consent_hash) {
                Ok(true) => ParticipantStatus::Active,
                Ok(false) => ParticipantStatus::ConsentNotCurrent,
                Err(_) => ParticipantStatus::ConsentUnverifiable,
            }
        }

        /// Whether `participant` is enrolled, not withdrawn, and consents to the current
        /// protocol (see `participant_status`).
        #[cfg(not(healthchain_library))]
        #[ink(message)]
        pub fn is_active(&self, trial: TrialId, participant: AccountId) -> bool {
            self.participant_status(trial, participant) == ParticipantStatus::Active
        }

        /// Whether new study data may be collected from `participant` now: when active,
        /// or withdrawn from the intervention only (follow-up goes on) with research
        /// consent still current. Data collected before a withdrawal stay usable at every
        /// level.
        #[cfg(not(healthchain_library))]
        #[ink(message)]
        pub fn may_collect_data(&self, trial: TrialId, participant: AccountId) -> bool {
            // Read once each: the trial, the enrolment, then (only if still collectable)
            // the consent registry.
            let Some(record) = trial_of(&trial) else {
                return false;
            };
            let Some(enrolment) = enrolment_of(&(trial, participant)) else {
                return false;
            };
            if enrolment
                .withdrawal
                .is_some_and(|withdrawal| !withdrawal.level.allows_collection())
            {
                return false;
            }
            self.research_consent(trial, &record, participant, record.consent_hash) == Ok(true)
        }

        /// The enrolment record of `participant` in the trial.
        #[cfg(not(healthchain_contract))]
        #[ink(message)]
        pub fn enrolment(&self, trial: TrialId, participant: AccountId) -> Option<Enrolment> {
            enrolment_of(&(trial, participant))
        }

        /// Anchors a data batch (the sponsor or a data manager, until the database is
        /// frozen): the Merkle root of its records (built with `healthchain merkle root`),
        /// its leaf count and the hash of where the data lives. Returns the batch number,
        /// counted from 1 per trial.
        #[cfg(not(healthchain_contract))]
        #[ink(message)]
        pub fn anchor_batch(
            &mut self,
            trial: TrialId,
            root: Digest,
            leaf_count: u64,
            location_hash: Hash,
        ) -> Result<u32, Error> {
            self.access.ensure_not_paused()?;
            let mut record = trial_of(&trial).ok_or(Error::UnknownTrial)?;
            let by = self.ensure_sponsor_or(trial, &record, TrialDelegateRole::DataManager)?;
            ensure_open(&record)?;
            if is_zero_hash(&root) || is_zero_hash(location_hash.as_ref()) {
                return Err(Error::ZeroHash);
            }
            if leaf_count == 0 {
                return Err(Error::ZeroLeafCount);
            }
            let batch = next(record.batches)?;
            record.batches = batch;
            self.batches.insert(
                (trial, batch),
                &Batch {
                    root,
                    leaf_count,
                    location_hash,
                    anchored_at: self.env().block_timestamp(),
                    anchored_by: by,
                },
            );
            store_trial(&trial, &record);
            emit(BatchAnchored {
                trial,
                batch,
                root,
                leaf_count,
                location_hash,
                anchored_by: by,
            });
            Ok(batch)
        }

        /// Whether the record with leaf hash `leaf` is at `index` of the anchored batch,
        /// by the Merkle audit path `proof` (at most 32 hashes; the hashing of the shared
        /// Merkle code and of `healthchain merkle proof`). Anyone may ask.
        #[cfg(not(healthchain_contract))]
        #[ink(message)]
        pub fn verify_inclusion(
            &self,
            trial: TrialId,
            batch: u32,
            leaf: Digest,
            index: u64,
            proof: Vec<Digest>,
        ) -> Result<bool, Error> {
            if !self.trials.contains(trial) {
                return Err(Error::UnknownTrial);
            }
            let anchored = self
                .batches
                .get((trial, batch))
                .ok_or(Error::UnknownBatch)?;
            Ok(verify_proof(
                &anchored.root,
                &leaf,
                index,
                anchored.leaf_count,
                &proof,
            )?)
        }

        /// A data batch of the trial.
        #[cfg(not(healthchain_contract))]
        #[ink(message)]
        pub fn batch(&self, trial: TrialId, batch: u32) -> Option<Batch> {
            self.batches.get((trial, batch))
        }

        /// Reports an adverse event of a participant (the sponsor, a site or a data
        /// manager), as 21 CFR 312.32 states it: `subject`, the site's commitment to the
        /// participant (`subject_commitment` of the participant's trial pseudonym and a
        /// random salt the site keeps in the subject's file; not all zeros), and the
        /// `report`: seriousness, expectedness, causality (suspected adverse reaction or
        /// not), onset, the sponsor's initial receipt, the date the sponsor determined
        /// that it qualifies for an IND safety report (for a serious, unexpected,
        /// suspected initial report, and only then), and for a follow-up the number of
        /// the initial report of the same subject. Dates run onset, receipt,
        /// determination, none in the future. The contract computes the deadline (7 days
        /// from receipt for a fatal or life-threatening reaction, 15 from the
        /// determination for another) and lateness from the chain's time, and flags a
        /// determination more than `DETERMINATION_BOUND` after receipt. Returns the
        /// report's number, counted from 1 per trial. Allowed after the database freeze:
        /// safety reporting goes on. The participant's account is not taken, as call data
        /// is public too; an auditor given the salt checks the commitment.
        #[cfg(not(healthchain_contract))]
        #[ink(message)]
        pub fn report_adverse_event(
            &mut self,
            trial: TrialId,
            subject: Hash,
            report: SafetyReport,
            event_hash: Hash,
        ) -> Result<u32, Error> {
            self.access.ensure_not_paused()?;
            let mut record = trial_of(&trial).ok_or(Error::UnknownTrial)?;
            let by = self.ensure_trial_actor(trial, &record)?;
            if is_zero_hash(subject.as_ref()) || is_zero_hash(event_hash.as_ref()) {
                return Err(Error::ZeroHash);
            }
            let now = self.env().block_timestamp();
            let assessed = report.assess(now)?;
            if let Some(initial) = report.follows {
                match self.adverse_events.get((trial, initial)) {
                    Some(first) if first.subject == subject && first.report.follows.is_none() => {}
                    _ => return Err(Error::UnknownInitialReport),
                }
            }
            let number = next(record.adverse_events)?;
            record.adverse_events = number;
            self.adverse_events.insert(
                (trial, number),
                &AdverseEvent {
                    subject,
                    report,
                    reported_at: now,
                    reported_by: by,
                    event_hash,
                    deadline: assessed.deadline,
                    late: assessed.late,
                    determination_late: assessed.determination_late,
                },
            );
            store_trial(&trial, &record);
            self.env().emit_event(AdverseEventReported {
                trial,
                subject,
                number,
                report,
                reported_at: now,
                deadline: assessed.deadline,
                late: assessed.late,
                determination_late: assessed.determination_late,
                event_hash,
            });
            Ok(number)
        }

        /// An adverse event of the trial, by number.
        #[cfg(not(healthchain_contract))]
        #[ink(message)]
        pub fn adverse_event(&self, trial: TrialId, number: u32) -> Option<AdverseEvent> {
            self.adverse_events.get((trial, number))
        }

        /// Freezes (locks) the trial's database: no more anchoring, enrolment or
        /// amendments. The trial's sponsor only; once.
        #[cfg(not(healthchain_contract))]
        #[ink(message)]
        pub fn freeze_database(&mut self, trial: TrialId) -> Result<(), Error> {
            self.access.ensure_not_paused()?;
            let (_, mut record) = self.trial_of_sponsor(trial)?;
            ensure_open(&record)?;
            record.frozen_at = Some(self.env().block_timestamp());
            store_trial(&trial, &record);
            emit(DatabaseFrozen {
                trial,
                batches: record.batches,
                enrolled: record.enrolled,
            });
            Ok(())
        }

        /// Amends the pre-registered outcomes (the trial's sponsor, before the database
        /// freeze, while the trial is blinded) with the hash of the documented reason,
        /// such as the protocol amendment that changes them. Each change is evented as
        /// made before unblinding: it is recorded, not counted as a switch, and results are
        /// then compared with the amended list.
        #[cfg(not(healthchain_contract))]
        #[ink(message)]
        pub fn amend_outcomes(
            &mut self,
            trial: TrialId,
            outcomes: Vec<Outcome>,
            reason_hash: Hash,
        ) -> Result<(), Error> {
            self.access.ensure_not_paused()?;
            let (_, mut record) = self.trial_of_sponsor(trial)?;
            ensure_open(&record)?;
            if is_zero_hash(reason_hash.as_ref()) {
                return Err(Error::ZeroHash);
            }
            validate_outcomes(&outcomes, true)?;
            let registered = self.registered_outcomes.get(trial).unwrap_or_default();
            let changes = outcome_switches(&registered, &outcomes);
            if changes.is_empty() {
                return Err(Error::OutcomesUnchanged);
            }
            record.outcome_amendments = next(record.outcome_amendments)?;
            record.outcomes_root = outcomes_root(&outcomes);
            store_trial(&trial, &record);
            self.registered_outcomes.insert(trial, &outcomes);
            self.emit_switches(trial, &changes, true);
            emit(OutcomesAmended {
                trial,
                outcomes_root: record.outcomes_root,
                reason_hash,
                changes: u32::try_from(changes.len()).unwrap_or(u32::MAX),
            });
            Ok(())
        }

        /// Anchors the results (the trial's sponsor, after the freeze, once): the results
        /// hash and the outcome measures actually reported (1 to 32). Each measure dropped,
        /// added or changed against the pre-registration is a switch, evented one by one
        /// (`OutcomeSwitched`) and shown by `verify_outcome`; with any switch,
        /// `justification_hash` is required.
        #[cfg(not(healthchain_contract))]
        #[ink(message)]
        pub fn anchor_results(
            &mut self,
            trial: TrialId,
            results_hash: Hash,
            reported: Vec<Outcome>,
            justification_hash: Option<Hash>,
        ) -> Result<(), Error> {
            self.access.ensure_not_paused()?;
            let (_, mut record) = self.trial_of_sponsor(trial)?;
            if record.frozen_at.is_none() {
                return Err(Error::DatabaseNotFrozen);
            }
            if record.results.is_some() {
                return Err(Error::ResultsAlreadyAnchored);
            }
            if is_zero_hash(results_hash.as_ref())
                || justification_hash.is_some_and(|h| is_zero_hash(h.as_ref()))
            {
                return Err(Error::ZeroHash);
            }
            validate_outcomes(&reported, false)?;
            let registered = self.registered_outcomes.get(trial).unwrap_or_default();
            let switches = outcome_switches(&registered, &reported);
            if !switches.is_empty() && justification_hash.is_none() {
                return Err(Error::OutcomeChangeUnjustified);
            }
            let now = self.env().block_timestamp();
            let late = record.milestones.deadlines(Some(now), now).results_late;
            let reported_outcomes_root = outcomes_root(&reported);
            // At most 64 switches (32 dropped and 32 added): the count always fits.
            let count = u32::try_from(switches.len()).unwrap_or(u32::MAX);
            record.results = Some(Results {
                results_hash,
                reported_outcomes_root,
                switches: count,
                justification_hash,
                anchored_at: now,
                late,
            });
            store_trial(&trial, &record);
            self.reported_outcomes.insert(trial, &reported);
            self.emit_switches(trial, &switches, false);
            emit(ResultsAnchored {
                trial,
                results_hash,
                reported_outcomes_root,
                switches: count,
                justification_hash,
                late,
            });
            Ok(())
        }

        /// One outcome measure of a trial checked against its pre-registration (as last
        /// amended before the freeze) and its reported results: each as stored, and
        /// whether the results switched it (dropped, added or changed).
        #[cfg(not(healthchain_contract))]
        #[ink(message)]
        pub fn verify_outcome(&self, trial: TrialId, measure: Hash) -> Result<OutcomeCheck, Error> {
            let record = trial_of(&trial).ok_or(Error::UnknownTrial)?;
            let find = |list: Option<Vec<Outcome>>| {
                list.unwrap_or_default()
                    .into_iter()
                    .find(|outcome| outcome.measure == measure)
            };
            let registered = find(self.registered_outcomes.get(trial));
            let reported = find(self.reported_outcomes.get(trial));
            Ok(OutcomeCheck {
                registered,
                reported,
                switched: record.results.is_some() && registered != reported,
            })
        }

        /// A trial's pre-registered outcomes (as last amended before the freeze) and,
        /// once results are anchored, the reported ones.
        #[cfg(not(healthchain_contract))]
        #[ink(message)]
        pub fn outcomes(
            &self,
            trial: TrialId,
        ) -> Result<(Vec<Outcome>, Option<Vec<Outcome>>), Error> {
            trial_of(&trial).ok_or(Error::UnknownTrial)?;
            Ok((
                self.registered_outcomes.get(trial).unwrap_or_default(),
                self.reported_outcomes.get(trial),
            ))
        }

        /// Records the date the trial was registered on its public registry (such as
        /// ClinicalTrials.gov; the trial's sponsor, once, not in the future). Due 21 days
        /// after the first enrolment (42 CFR 11.24): a later date is evented as late.
        #[cfg(not(healthchain_contract))]
        #[ink(message)]
        pub fn record_registry_registration(
            &mut self,
            trial: TrialId,
            registered_at: Timestamp,
        ) -> Result<(), Error> {
            self.record_milestone(trial, Milestone::RegistryRegistration, registered_at)
        }

        /// Records the trial's primary completion date (the trial's sponsor, once, not in
        /// the future): results are due one year later (42 CFR 11.44), and results
        /// anchored after that are flagged late.
        #[cfg(not(healthchain_contract))]
        #[ink(message)]
        pub fn record_primary_completion(
            &mut self,
            trial: TrialId,
            completed_at: Timestamp,
        ) -> Result<(), Error> {
            self.record_milestone(trial, Milestone::PrimaryCompletion, completed_at)
        }

        /// The trial's registration and results deadlines now, and whether each is
        /// missed (done late, or still not done after it was due); `None` for an unknown
        /// trial.
        #[cfg(not(healthchain_contract))]
        #[ink(message)]
        pub fn deadlines(&self, trial: TrialId) -> Option<Deadlines> {
            let record = trial_of(&trial)?;
            let results_at = record.results.map(|results| results.anchored_at);
            Some(
                record
                    .milestones
                    .deadlines(results_at, self.env().block_timestamp()),
            )
        }

        fn record_milestone(
            &mut self,
            trial: TrialId,
            milestone: Milestone,
            at: Timestamp,
        ) -> Result<(), Error> {
            self.access.ensure_not_paused()?;
            let (_, mut record) = self.trial_of_sponsor(trial)?;
            let now = self.env().block_timestamp();
            if at > now {
                return Err(Error::MilestoneInFuture);
            }
            let slot = match milestone {
                Milestone::RegistryRegistration => &mut record.milestones.registry_registered_at,
                Milestone::PrimaryCompletion => &mut record.milestones.primary_completion_at,
            };
            if slot.is_some() {
                return Err(Error::MilestoneAlreadyRecorded);
            }
            *slot = Some(at);
            let results_at = record.results.map(|results| results.anchored_at);
            let deadlines = record.milestones.deadlines(results_at, now);
            let (due, late) = match milestone {
                Milestone::RegistryRegistration => {
                    (deadlines.registration_due, deadlines.registration_late)
                }
                Milestone::PrimaryCompletion => (deadlines.results_due, deadlines.results_late),
            };
            store_trial(&trial, &record);
            emit(MilestoneRecorded {
                trial,
                milestone,
                at,
                due,
                late,
            });
            Ok(())
        }

        /// A trial: sponsor, registry id, current protocol, counts, freeze and results.
        #[cfg(not(healthchain_contract))]
        #[ink(message)]
        pub fn trial(&self, trial: TrialId) -> Option<Trial> {
            trial_of(&trial)
        }

        /// The trial registered under `registry_id` (any case).
        #[cfg(not(healthchain_contract))]
        #[ink(message)]
        pub fn trial_by_registry_id(&self, registry_id: Vec<u8>) -> Option<TrialId> {
            if !is_registry_id(&registry_id) {
                return None;
            }
            self.by_registry_id.get(registry_key(&registry_id))
        }

        /// Version `version` of the trial's protocol (1 is the registered one).
        #[cfg(not(healthchain_contract))]
        #[ink(message)]
        pub fn protocol_version(&self, trial: TrialId, version: u32) -> Option<ProtocolVersion> {
            self.protocol_versions.get((trial, version))
        }

        /// The role `account` holds for the trial, if it is a delegate.
        #[cfg(not(healthchain_contract))]
        #[ink(message)]
        pub fn delegate(&self, trial: TrialId, account: AccountId) -> Option<TrialDelegateRole> {
            self.delegates.get((trial, account))
        }

        /// The number of trials registered so far; trial ids run from 1 to this.
        #[cfg(not(healthchain_contract))]
        #[ink(message)]
        pub fn trial_count(&self) -> TrialId {
            self.last_trial
        }

        /// The consent context a participant's research consent must name while protocol
        /// `version` is current (`grant_consent`'s `context`): BLAKE2b-256 of this
        /// contract, the trial and the protocol hash of the last version up to `version`
        /// that required re-consent. `None` for an unknown trial or version.
        #[cfg(not(healthchain_contract))]
        #[ink(message)]
        pub fn consent_context(&self, trial: TrialId, version: u32) -> Option<Hash> {
            let mut protocol = self.protocol_versions.get((trial, version))?;
            if protocol.consent_version != version {
                protocol = self
                    .protocol_versions
                    .get((trial, protocol.consent_version))?;
            }
            Some(research_context(
                self.env().account_id(),
                trial,
                protocol.protocol_hash,
            ))
        }

        fn emit_switches(
            &self,
            trial: TrialId,
            switches: &[OutcomeSwitch],
            before_unblinding: bool,
        ) {
            for switch in switches {
                emit(OutcomeSwitched {
                    trial,
                    measure: switch.measure,
                    before: switch.before,
                    after: switch.after,
                    before_unblinding,
                });
            }
        }

        fn trial_of_sponsor(&self, trial: TrialId) -> Result<(AccountId, Trial), Error> {
            let record = trial_of(&trial).ok_or(Error::UnknownTrial)?;
            let caller = self.env().caller();
            if caller != record.sponsor {
                return Err(Error::NotTrialSponsor);
            }
            self.ensure_sponsor_registered(&record)?;
            Ok((caller, record))
        }

        /// Refuses once the trial's sponsor no longer holds the Sponsor role: neither it
        /// nor its delegates run the trial until the admin reassigns it.
        fn ensure_sponsor_registered(&self, record: &Trial) -> Result<(), Error> {
            if self.access.has_role(record.sponsor, Role::Sponsor) {
                Ok(())
            } else {
                Err(Error::Access(AccessError::MissingRole(Role::Sponsor)))
            }
        }

        /// The caller, if it is the sponsor or a delegate in `role`.
        fn ensure_sponsor_or(
            &self,
            trial: TrialId,
            record: &Trial,
            role: TrialDelegateRole,
        ) -> Result<AccountId, Error> {
            let caller = self.env().caller();
            if caller == record.sponsor || self.delegates.get((trial, caller)) == Some(role) {
                self.ensure_sponsor_registered(record)?;
                Ok(caller)
            } else {
                Err(Error::NotSponsorOrDelegate)
            }
        }

        /// The caller, if it is the sponsor or any delegate of the trial.
        fn ensure_trial_actor(&self, trial: TrialId, record: &Trial) -> Result<AccountId, Error> {
            let caller = self.env().caller();
            if caller == record.sponsor || self.delegates.contains((trial, caller)) {
                self.ensure_sponsor_registered(record)?;
                Ok(caller)
            } else {
                Err(Error::NotSponsorOrDelegate)
            }
        }

        /// Whether the participant consents to research by the sponsor in the context of
        /// this contract, this trial and `protocol_hash` ([`research_context`]).
        fn research_consent(
            &self,
            trial: TrialId,
            record: &Trial,
            participant: AccountId,
            protocol_hash: Hash,
        ) -> Result<bool, Error> {
            let context = research_context(self.env().account_id(), trial, protocol_hash);
            match query_consent(
                self.callees.get(Callee::ConsentRegistry as u8),
                participant,
                record.sponsor,
                Purpose::Research,
                Some(context),
                DataClasses::TRIAL_DATA,
            ) {
                Ok(ConsentAnswer::Permitted) => Ok(true),
                Ok(ConsentAnswer::NotPermitted | ConsentAnswer::Restricted) => Ok(false),
                Ok(ConsentAnswer::Unavailable) | Err(_) => Err(Error::ConsentRegistryUnavailable),
            }
        }

        /// Why enrolment found no consent for the current protocol: consent for one of the
        /// last few older versions, or none. Only on the refusal path.
        fn why_no_consent(&self, trial: TrialId, record: &Trial, participant: AccountId) -> Error {
            let mut version = record.consent_version;
            for _ in 0..OLDER_VERSIONS_CHECKED {
                version = match version.checked_sub(1) {
                    Some(older) if older >= 1 => older,
                    _ => break,
                };
                let Some(older) = self.protocol_versions.get((trial, version)) else {
                    break;
                };
                if self.research_consent(trial, record, participant, older.protocol_hash)
                    == Ok(true)
                {
                    return Error::ConsentForOlderProtocol;
                }
            }
            Error::ConsentMissing
        }
    }

    /// Refuses once the database is frozen.
    fn ensure_open(record: &Trial) -> Result<(), Error> {
        if record.frozen_at.is_some() {
            return Err(Error::DatabaseFrozen);
        }
        Ok(())
    }

    impl AccessControlled for TrialAnchoring {
        /// The contract's admin.
        #[ink(message)]
        fn admin(&self) -> AccountId {
            admin_message!(self.access, admin())
        }

        /// The proposed next admin, if a transfer is pending.
        #[ink(message)]
        fn pending_admin(&self) -> Option<AccountId> {
            admin_message!(self.access, pending_admin())
        }

        /// Whether `account` holds `role` here (Sponsor).
        #[ink(message)]
        fn has_role(&self, account: admin_arg::AccountId, role: admin_arg::Role) -> bool {
            admin_message!(self.access, has_role(account, role))
        }

        /// Whether the contract is paused.
        #[ink(message)]
        fn paused(&self) -> bool {
            admin_message!(self.access, is_paused())
        }

        /// Proposes a new admin; it takes over when it calls `accept_admin`. Admin only.
        #[ink(message)]
        fn transfer_admin(&mut self, new_admin: admin_arg::AccountId) -> Result<(), AccessError> {
            admin_message!(self.access, transfer_admin(new_admin))
        }

        /// Accepts the admin role proposed to the caller.
        #[ink(message)]
        fn accept_admin(&mut self) -> Result<(), AccessError> {
            admin_message!(self.access, accept_admin())
        }

        /// Registers `account` as a Sponsor. Admin only.
        #[ink(message)]
        fn grant_role(
            &mut self,
            role: admin_arg::Role,
            account: admin_arg::AccountId,
        ) -> Result<(), AccessError> {
            admin_message!(self.access, grant_role(role, account))
        }

        /// Deregisters `account` from `role`; its trials stay. Admin only.
        #[ink(message)]
        fn revoke_role(
            &mut self,
            role: admin_arg::Role,
            account: admin_arg::AccountId,
        ) -> Result<(), AccessError> {
            admin_message!(self.access, revoke_role(role, account))
        }

        /// Gives up one of the caller's own roles.
        #[ink(message)]
        fn renounce_role(&mut self, role: admin_arg::Role) -> Result<(), AccessError> {
            admin_message!(self.access, renounce_role(role))
        }

        /// Pauses the contract: no registration, amendment, enrolment, anchoring or
        /// reporting until unpaused. Admin only.
        #[ink(message)]
        fn pause(&mut self) -> Result<(), AccessError> {
            admin_message!(self.access, pause())
        }

        /// Resumes the contract. Admin only.
        #[ink(message)]
        fn unpause(&mut self) -> Result<(), AccessError> {
            admin_message!(self.access, unpause())
        }

        /// The delay (milliseconds) between proposing and applying an upgrade or a
        /// rewiring, fixed at construction.
        #[ink(message)]
        fn change_delay(&self) -> Timestamp {
            admin_message!(self.access, change_delay())
        }

        /// The proposed upgrade or rewiring waiting for its delay, if any.
        #[ink(message)]
        fn pending_change(&self) -> Option<PendingChange> {
            admin_message!(self.access, pending_change())
        }

        /// Proposes upgrading to the uploaded code `code_hash` (step one of two), with the
        /// uploaded `migration` that rewrites the storage when the new version's layout
        /// differs (none otherwise), and a `ChangeProposed` event; returns when it may be
        /// applied. Admin only.
        #[ink(message)]
        fn propose_code(
            &mut self,
            code_hash: admin_arg::Hash,
            migration: admin_arg::Option<Hash>,
        ) -> Result<Timestamp, AccessError> {
            admin_message!(self.access, propose_code(code_hash, migration))
        }

        /// Applies the proposed upgrade once the change delay has passed: runs its migration,
        /// if any, and swaps the code, keeping every trial and record. Admin only.
        #[ink(message)]
        fn apply_code(&mut self) -> Result<(), AccessError> {
            admin_message!(self.access, apply_code())
        }

        /// Cancels the pending upgrade or rewiring. Admin only.
        #[ink(message)]
        fn cancel_change(&mut self) -> Result<(), AccessError> {
            admin_message!(self.access, cancel_change())
        }
    }

    healthchain_common::entry_points!(
        TrialAnchoring,
        library,
        leaves_root: ["enrol" => enrol_participant],
        reads_itself: [
            "participant_status" => participant_status,
            "is_active" => is_active,
            "may_collect_data" => may_collect_data,
        ],
        others: library
    );
}

// The library build (trial_anchoring_library) runs the same code: tested once, here.
#[cfg(all(test, not(healthchain_library)))]
mod tests;
