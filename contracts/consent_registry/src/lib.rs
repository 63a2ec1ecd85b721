//! # consent_registry
//!
//! Patients record who may use their data, for what purpose, from when until when, and
//! who may not (FHIR Consent provisions that permit or deny; a matching deny wins). Other
//! contracts ask [`ConsentCheck::is_authorized`]; revocation takes effect for them at once,
//! and consents are never deleted: a status lifecycle keeps the history.
//! Delegates (proxies named by the patient, guardians registered by the admin) act for a
//! patient; emergency responders open time-boxed break-glass access that the patient
//! always sees; grantees record each access so the patient sees who looked and why.
//!
//! No protected health information is stored: accounts are pseudonymous and the signed
//! consent form and emergency justification appear only as 32-byte hashes.
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
// ink! constructors are messages of their own; a `Default` impl would add nothing.
#![allow(clippy::new_without_default)]
// The library's build (`cfg(healthchain_library)`) has every message (a paused registry runs
// it), but not the contract's own `call`, and so not what only that uses.
#![cfg_attr(healthchain_library, allow(dead_code, unused_imports))]
// The contract's own wasm build leaves out the cold messages (`entry_points!` hands them to
// the library), and so the helpers and imports only they use.
#![cfg_attr(healthchain_contract, allow(dead_code, unused_imports))]

pub mod data;

#[ink::contract]
pub mod consent_registry {
    use crate::data::{
        cap_expiry, check_status_change, emergency_window_end, validate_provision, AccountRecord,
        Consent, ConsentId, ConsentInstruction, ConsentStatus, Decision, DelegateKind, Delegation,
        EmergencyAccess, Error, IndexedConsent, ListedConsent, Period, Provision, ProvisionType,
        Relayed, MAX_ACCOUNT_RECORD_LEN, MAX_ACTIVE_GRANTS_PER_PATIENT,
        MAX_CONSENTS_PER_GRANTEE_PURPOSE, MAX_RELAY_BATCH, RELAY_DOMAIN,
    };
    use healthchain_common::{
        access::{
            admin_arg, AccessControl, AccessControlled, AccessError, OwnLibrary, PendingChange,
            Role, RoleSet,
        },
        admin_message,
        consent::{
            ConsentAnswer, ConsentCheck, ConsentQuery, DataClasses, Purpose, MAX_CONSENT_QUERIES,
        },
        event::emit,
        is_zero_hash, library_message,
        relay::{verify_signed, Signature, Signed},
    };
    use ink::{
        prelude::vec::Vec,
        storage::{traits::ManualKey, Lazy, Mapping},
    };

    /// The history's storage key and the account records', fixed (not derived from the
    /// layout) so that a grant and an access record, whose functions take the registry as
    /// `&self`, write them through handles of their own ([`History`], [`Accounts`]): the
    /// root is then left as it was by their types, and `call` neither reads nor writes it
    /// (`entry_points!`'s `skips_root`).
    const HISTORY_KEY: u32 = 0x6863_6368; // "hcch"
    const ACCOUNTS_KEY: u32 = 0x6863_6361; // "hcca"
    /// The history: `ConsentRegistry::consents`, or a handle on it.
    type History = Mapping<(AccountId, ConsentId), Consent, ManualKey<HISTORY_KEY>>;
    /// The account records: `ConsentRegistry::accounts`, or a handle on it.
    type Accounts = Mapping<AccountId, AccountRecord, ManualKey<ACCOUNTS_KEY>>;

    /// `account`'s record (`ConsentRegistry::accounts`), empty if it has none. Read straight
    /// from the host (`healthchain_common::entry`), whose buffer holds the longest record:
    /// ink!'s `Mapping::get` was 223 bytes more code in every grant's and check's proof.
    fn record_of(account: AccountId) -> AccountRecord {
        const { assert!(MAX_ACCOUNT_RECORD_LEN <= healthchain_common::entry::MAX_VALUE_LEN) };
        healthchain_common::entry::get(ACCOUNTS_KEY, &account).unwrap_or_default()
    }

    /// A patient (or a delegate) recorded a consent: a permit or a deny (restriction). The
    /// data classes are not in the event, so that no log puts a patient beside a class
    /// such as mental health; the patient's wallet reads them with `consent`.
    ///
    /// Anonymous, the registry's only anonymous event: no topic at all, not even its
    /// signature, because each topic adds about 2.5 KB to a grant's proof (about 5% of
    /// it). Clients tell it by its having no topics (docs/privacy.md, "Event topics").
    #[ink(event)]
    #[ink(anonymous)]
    pub struct ConsentRecorded {
        pub patient: AccountId,
        pub grantee: AccountId,
        pub consent: ConsentId,
        pub purpose: Purpose,
        pub kind: ProvisionType,
        pub period: Period,
        pub context: Option<Hash>,
        pub consent_form: Hash,
        pub recorded_by: AccountId,
    }

    /// A consent's status changed: revoked (`Inactive`) or marked `EnteredInError` by the
    /// patient or a delegate, or made `Inactive` by the registry after its period ended
    /// (`changed_by` is then `None`).
    #[ink(event)]
    pub struct ConsentStatusChanged {
        pub patient: AccountId,
        pub grantee: AccountId,
        pub consent: ConsentId,
        pub status: ConsentStatus,
        pub changed_by: Option<AccountId>,
    }

    /// A delegation changed: `delegation` is the one now standing (a delegate may grant
    /// and revoke for the patient until its `expires_at`), or `None` when it ended. `by`
    /// signed it. One event for both keeps the contract smaller (each event type is code).
    #[ink(event)]
    pub struct DelegationChanged {
        pub patient: AccountId,
        pub delegate: AccountId,
        pub delegation: Option<Delegation>,
        pub by: AccountId,
    }

    /// A responder's break-glass access to the patient's data changed: `window` is the one
    /// just opened, or `None` when it was closed (before or after it lapsed). `by` signed it.
    #[ink(event)]
    pub struct EmergencyAccessChanged {
        pub patient: AccountId,
        pub responder: AccountId,
        pub window: Option<EmergencyAccess>,
        pub by: AccountId,
    }

    /// A grantee used the patient's data (FHIR AuditEvent). Which classes it used is not
    /// in the event (see `ConsentGranted`).
    #[ink(event)]
    pub struct AccessRecorded {
        pub patient: AccountId,
        pub grantee: AccountId,
        pub purpose: Purpose,
        pub context: Option<Hash>,
        pub at: Timestamp,
    }

    /// The key of the consents in force for one question: (patient, grantee, purpose).
    /// The consent registry.
    #[ink(storage)]
    pub struct ConsentRegistry {
        access: AccessControl,
        /// (patient, id) -> consent, for every consent no longer active (inactive or
        /// entered in error), never deleted: the history. An active consent is in its
        /// patient's `accounts` record only, and moves here when it stops being active.
        consents: History,
        /// account -> its next relay nonce and, for a patient, its active consents, kept
        /// here only (each whole but for the patient and the status), at most
        /// `MAX_ACTIVE_GRANTS_PER_PATIENT` and `MAX_CONSENTS_PER_GRANTEE_PURPOSE` per
        /// grantee and purpose: all that `is_authorized` reads, and what wallets list.
        accounts: Accounts,
        /// (patient, delegate) -> delegation.
        delegations: Mapping<(AccountId, AccountId), Delegation>,
        /// (patient, responder) -> emergency access.
        emergency: Mapping<(AccountId, AccountId), EmergencyAccess>,
        /// The chain (genesis hash) relayed instructions are signed for; each signer's next
        /// nonce is in its `accounts` record.
        chain: Hash,
        /// The code hash of this registry's library (`consent_registry_library`): this
        /// same source built with `cfg(healthchain_library)`, which answers the cold
        /// messages (relayed instructions, status changes, delegates and guardians,
        /// emergency access, the getters) by delegate call in this storage, so that a
        /// grant's or a check's proof carries none of their code. In a cell of its own
        /// (`OwnLibrary`), so that the admin library finds it: a paused registry runs its
        /// library's code (`AccessControl::pause`). Set by the constructor; an upgrade to
        /// other code must set its own library in its migration.
        library: OwnLibrary,
    }

    impl ConsentRegistry {
        /// Deploys the registry with the caller as admin. The admin then grants the
        /// `EmergencyResponder` role to emergency departments' accounts.
        /// Upgrades wait `change_delay` milliseconds between proposal and application (for
        /// example two days on a production chain; 0 in tests). `chain` is the chain's
        /// genesis hash: relayed instructions must be signed for it, so a copy taken to
        /// another chain is refused.
        /// `admin_library` is the code hash of the uploaded admin library
        /// (`access_library`), which answers the admin, role, pause and upgrade messages in
        /// this contract's storage; `library` is the code hash of this contract's own
        /// library (`consent_registry_library`, built from the same source), which answers
        /// its cold messages. Instantiation fails if no code is uploaded under either; both
        /// are locked, so nobody can remove them while the registry relies on them.
        #[ink(constructor)]
        pub fn new(
            chain: Hash,
            change_delay: Timestamp,
            admin_library: Hash,
            library: Hash,
        ) -> Self {
            healthchain_common::access::lock_library(library);
            // A new registry is the unpaused one its own build sees, with its admin state
            // and chain.
            let mut registry = Self {
                access: AccessControl::new(
                    Self::env().caller(),
                    RoleSet::of(&[Role::EmergencyResponder]),
                    None,
                    change_delay,
                    admin_library,
                ),
                chain,
                ..<Self as healthchain_common::dispatch::Unpaused>::unpaused()
            };
            registry.library.set(&library);
            registry
        }

        /// Records a consent of `patient` about `grantee` and returns its id: a provision
        /// that permits or denies (a restriction; a matching deny wins over any permit) the
        /// use of the `data_classes` bit mask (1 demographics, 2 conditions, 4 medications,
        /// 8 lab results, 16 imaging, 32 genomics, 64 mental health, 128 substance use, 256
        /// claims, 512 trial data) for a purpose, during a period [start, end) in
        /// milliseconds since the epoch (no end for none), in a context (a permit counts
        /// only in exactly that context, such as a trial's consent context; a deny without
        /// context applies in every context), with the hash of the signed form. Signed by
        /// the patient or a delegate. A patient may hold several consents for one grantee
        /// and purpose (at most 8 current ones, 32 in all; ended ones are made inactive to
        /// make room). A delegate may not name itself, and its permits end no later than
        /// its delegation (a later or missing end is capped, and the event shows the cap).
        /// A delegate's grant, or one into a full record, is answered by the registry's
        /// library: the same answer, with the library's code in the call's proof.
        #[cfg(not(healthchain_contract))]
        #[ink(message)]
        pub fn record_consent(
            &mut self,
            patient: AccountId,
            grantee: AccountId,
            provision: Provision,
        ) -> Result<ConsentId, Error> {
            self.grant(patient, grantee, provision)
        }

        /// `record_consent`, by the caller: in the registry's own build its `call` runs
        /// this itself (`entry_points!`'s `skips_root`: it takes `&self`, on the root as
        /// that build sees it unpaused, never read nor written back).
        #[inline(never)]
        fn grant(
            &self,
            patient: AccountId,
            grantee: AccountId,
            provision: Provision,
        ) -> Result<ConsentId, Error> {
            let caller = self.env().caller();
            self.record_as(caller, patient, grantee, provision)
        }

        /// Carries out an instruction that `signer` (the patient, or a delegate) signed
        /// for this registry on this chain, submitted by any account (a clinic, the
        /// patient's app), so that a patient's pseudonym never needs tokens: the
        /// submitter pays the fees and deposits. `nonce` is the signer's next nonce
        /// (`relay_nonce`), the instruction is refused from `deadline` on, and `signature`
        /// is the signer's ECDSA signature (65 bytes) over the payload described in the
        /// README ("Relayed instructions"). The instruction then runs exactly as if
        /// `signer` had sent its message, with the same checks, events and errors;
        /// revocations and delegation removals work while the registry is paused.
        /// Answered by the registry's library, like `relay_batch` (a clinic's day of
        /// consent forms), so that a direct grant's or a check's proof carries none of the
        /// signature code.
        #[cfg(not(healthchain_contract))]
        #[ink(message)]
        pub fn relay(
            &mut self,
            instruction: ConsentInstruction,
            signer: AccountId,
            nonce: u64,
            deadline: Timestamp,
            signature: Signature,
        ) -> Result<(), Error> {
            self.relay_one(Relayed {
                instruction,
                signer,
                nonce,
                deadline,
                signature,
            })
        }

        /// Carries out up to 32 signed instructions in one call, as a clinic submits the
        /// day's consent forms: each item is `relay`'s arguments and gets its own answer, in
        /// order. A refused item (a bad signature, a stale nonce, a refused instruction)
        /// changes nothing and does not stop the others; one signer's instructions run in
        /// the order given, so consecutive nonces work. Refused whole only when it has more
        /// than 32 items (`BatchTooLarge`). Answered by the registry's library: a batch
        /// carries its code once for all its items, so that a single grant need not carry
        /// the batch's.
        #[cfg(not(healthchain_contract))]
        #[ink(message)]
        pub fn relay_batch(
            &mut self,
            batch: Vec<Relayed>,
        ) -> Result<Vec<Result<(), Error>>, Error> {
            if batch.len() > MAX_RELAY_BATCH {
                return Err(Error::BatchTooLarge);
            }
            Ok(batch.into_iter().map(|item| self.relay_one(item)).collect())
        }

        /// One relayed instruction: the signature and nonce are checked, the instruction
        /// runs as its signer's own message, and only then is the nonce used.
        fn relay_one(&mut self, item: Relayed) -> Result<(), Error> {
            let Relayed {
                instruction,
                signer,
                nonce,
                deadline,
                signature,
            } = item;
            let mut record = record_of(signer);
            let signed = Signed {
                signer,
                nonce,
                deadline,
                signature: &signature,
            };
            verify_signed(
                RELAY_DOMAIN,
                self.chain,
                &instruction,
                signed,
                record.next_nonce,
            )?;
            // The patient's own grant or status change: its nonce and its consents are one
            // record, read above and written once below. Any other instruction writes no
            // record of the signer's (a delegate's grant or status change writes the
            // patient's), so the record read above stays right.
            match instruction {
                ConsentInstruction::RecordConsent {
                    patient,
                    grantee,
                    provision,
                } if patient == signer => {
                    self.record_into(signer, patient, grantee, provision, &mut record)?;
                }
                ConsentInstruction::SetConsentStatus {
                    patient,
                    consent,
                    status,
                } if patient == signer => {
                    self.set_status_in(signer, patient, consent, status, &mut record)?;
                }
                other => self.carry_out(signer, other)?,
            }
            // Used only now: a refused instruction keeps its nonce.
            record.next_nonce = nonce.saturating_add(1);
            self.accounts.insert(signer, &record);
            Ok(())
        }

        /// A relayed instruction, carried out as its signer's own message.
        fn carry_out(
            &mut self,
            signer: AccountId,
            instruction: ConsentInstruction,
        ) -> Result<(), Error> {
            match instruction {
                ConsentInstruction::RecordConsent {
                    patient,
                    grantee,
                    provision,
                } => self
                    .record_as(signer, patient, grantee, provision)
                    .map(|_| ()),
                ConsentInstruction::SetConsentStatus {
                    patient,
                    consent,
                    status,
                } => self.set_status_as(signer, patient, consent, status),
                ConsentInstruction::AppointDelegate {
                    patient,
                    delegate,
                    expires_at,
                } => self.appoint_as(signer, patient, delegate, expires_at),
                ConsentInstruction::RemoveDelegate { patient, delegate } => {
                    self.remove_delegate_as(signer, patient, delegate)
                }
                ConsentInstruction::CloseEmergencyAccess { patient, responder } => {
                    self.close_emergency_as(signer, patient, responder)
                }
            }
        }

        /// The chain's genesis hash that relayed instructions are signed for, and the
        /// nonce `signer`'s next relayed instruction must carry.
        #[cfg(not(healthchain_contract))]
        #[ink(message)]
        pub fn relay_nonce(&self, signer: AccountId) -> (Hash, u64) {
            let record = record_of(signer);
            (self.chain, record.next_nonce)
        }

        /// `record_consent` by `actor` (the caller, or the signer of a relayed instruction).
        fn record_as(
            &self,
            actor: AccountId,
            patient: AccountId,
            grantee: AccountId,
            provision: Provision,
        ) -> Result<ConsentId, Error> {
            let mut record = record_of(patient);
            let id = self.record_into(actor, patient, grantee, provision, &mut record)?;
            Accounts::default().insert(patient, &record);
            Ok(id)
        }

        /// `record_as`, with `patient`'s record already read: adds the consent to it, and
        /// the caller stores it.
        fn record_into(
            &self,
            actor: AccountId,
            patient: AccountId,
            grantee: AccountId,
            mut provision: Provision,
            record: &mut AccountRecord,
        ) -> Result<ConsentId, Error> {
            self.access.ensure_not_paused()?;
            if is_zero_hash(provision.consent_form.as_ref()) {
                return Err(Error::ZeroHash);
            }
            let now = self.env().block_timestamp();
            let purpose = provision.purpose;
            let theirs = |index: &[IndexedConsent]| {
                index
                    .iter()
                    .filter(|entry| entry.is_for(grantee, purpose))
                    .count()
            };
            let delegated = actor != patient;
            let full = record.consents.len() >= MAX_ACTIVE_GRANTS_PER_PATIENT
                || theirs(&record.consents) >= MAX_CONSENTS_PER_GRANTEE_PURPOSE;
            // Most grants are a patient's own, into a record with room. In the registry's
            // own build every other grant (a delegate's, or one that must first lapse
            // ended consents or be refused) is handed whole, input and all, to the library,
            // which runs it from the start (nothing is written before this): so a patient's
            // grant carries none of the delegation's, the history's or the refusals' code.
            if delegated || full {
                healthchain_common::library_message!(
                    healthchain_common::access::own_library(),
                    [],
                    {}
                );
            }
            // On `delegated`, though `acts_for` tests the actor itself: after the hand-off
            // the compiler knows `delegated` false and leaves the delegation out of the own
            // build, which it does not from `acts_for`'s comparison (83 bytes more).
            let (recorded_by, delegation_end) = if delegated {
                self.acts_for(actor, patient, now)?
            } else {
                (actor, None)
            };
            if delegation_end.is_some() && grantee == recorded_by {
                return Err(Error::DelegateGrantsToItself);
            }
            // A restriction protects the patient, so it outlives the delegate who made it;
            // a permit does not.
            if provision.kind == ProvisionType::Permit {
                provision.period.end = cap_expiry(provision.period.end, delegation_end);
            }
            validate_provision(patient, grantee, &provision, now)?;

            let lapsed = full && self.lapse_ended(patient, record, now);
            let checked = if record.consents.len() >= MAX_ACTIVE_GRANTS_PER_PATIENT {
                Err(Error::TooManyActiveGrants)
            } else if full // (else there was room for this grantee and none lapsed)
                && theirs(&record.consents) >= MAX_CONSENTS_PER_GRANTEE_PURPOSE
            {
                Err(Error::TooManyForGrantee)
            } else {
                record
                    .last_consent
                    .checked_add(1)
                    .ok_or(Error::TooManyActiveGrants)
            };
            let id = match checked {
                Ok(id) => id,
                Err(refusal) => {
                    if lapsed {
                        // The lapse stands though the grant is refused: the statuses are
                        // in the history already, and a relayed batch does not revert a
                        // refused item. A granted consent's caller stores the record once.
                        self.store_record(patient, record);
                    }
                    return Err(refusal);
                }
            };
            record.last_consent = id;
            // Kept in the patient's record only while active: no storage item of its own.
            record.consents.push(IndexedConsent {
                id,
                grantee,
                provision,
                recorded_at: now,
                recorded_by,
            });
            // ink!'s own emit: for this large event without topics it is the smaller code
            // in the registry's build (`event::emit` is 185 bytes more).
            self.env().emit_event(ConsentRecorded {
                patient,
                grantee,
                consent: id,
                purpose: provision.purpose,
                kind: provision.kind,
                period: provision.period,
                context: provision.context,
                consent_form: provision.consent_form,
                recorded_by,
            });
            Ok(id)
        }

        /// Changes the status of `patient`'s consent `consent`, effective at once for
        /// every contract that asks: `Inactive` revokes it, `EnteredInError` marks it
        /// recorded by mistake (from active or inactive). Nothing is deleted: the consent
        /// moves to the history. Signed by the patient or a delegate.
        /// Works while the registry is paused: pausing stops new business, never a
        /// patient's withdrawal. Answered by the registry's library (a consent is revoked
        /// at most once), so that a grant's or a check's proof does not carry its code.
        #[cfg(not(healthchain_contract))]
        #[ink(message)]
        pub fn set_consent_status(
            &mut self,
            patient: AccountId,
            consent: ConsentId,
            status: ConsentStatus,
        ) -> Result<(), Error> {
            let caller = self.env().caller();
            self.set_status_as(caller, patient, consent, status)
        }

        fn set_status_as(
            &mut self,
            actor: AccountId,
            patient: AccountId,
            id: ConsentId,
            status: ConsentStatus,
        ) -> Result<(), Error> {
            let mut record = record_of(patient);
            if self.set_status_in(actor, patient, id, status, &mut record)? {
                self.store_record(patient, &record);
            }
            Ok(())
        }

        /// `set_status_as`, with `patient`'s record already read: an active consent leaves
        /// it (answering true, and the caller stores it) for the history.
        fn set_status_in(
            &mut self,
            actor: AccountId,
            patient: AccountId,
            id: ConsentId,
            status: ConsentStatus,
            record: &mut AccountRecord,
        ) -> Result<bool, Error> {
            let (active, consent) = self
                .find_consent(patient, record, id)
                .ok_or(Error::GrantNotFound)?;
            let now = self.env().block_timestamp();
            let (changed_by, _) = self.acts_for(actor, patient, now)?;
            check_status_change(consent.status, status)?;
            if let Some(at) = active {
                // It stops being active: out of the record, into the history.
                record.consents.remove(at);
            }
            self.store_status(id, consent, status, Some(changed_by));
            Ok(active.is_some())
        }

        /// `patient`'s consent `consent`, whatever its status (`None` when the patient has
        /// none of that id).
        #[cfg(not(healthchain_contract))]
        #[ink(message)]
        pub fn consent(&self, patient: AccountId, consent: ConsentId) -> Option<Consent> {
            let record = record_of(patient);
            self.find_consent(patient, &record, consent)
                .map(|(_, found)| found)
        }

        /// `patient`'s consent `id`, given `patient`'s record: from the record, with its
        /// position there, while active; else from `patient`'s history.
        fn find_consent(
            &self,
            patient: AccountId,
            record: &AccountRecord,
            id: ConsentId,
        ) -> Option<(Option<usize>, Consent)> {
            match record.consents.iter().position(|entry| entry.id == id) {
                Some(at) => record
                    .consents
                    .get(at)
                    .map(|entry| (Some(at), entry.consent(patient))),
                None => self.consents.get((patient, id)).map(|ended| (None, ended)),
            }
        }

        /// The patient's current consents (active, period not over, including those that
        /// start later; at most 32), for a wallet to list.
        #[cfg(not(healthchain_contract))]
        #[ink(message)]
        pub fn active_consents(&self, patient: AccountId) -> Vec<ListedConsent> {
            let now = self.env().block_timestamp();
            record_of(patient)
                .consents
                .iter()
                .map(|entry| ListedConsent {
                    id: entry.id,
                    consent: entry.consent(patient),
                })
                .filter(|listed| listed.consent.is_current(now))
                .collect()
        }

        /// Names `delegate` (a proxy) to grant and revoke consent for `patient` until
        /// `expires_at`. Signed by the patient; a delegate cannot delegate further.
        #[cfg(not(healthchain_contract))]
        #[ink(message)]
        pub fn appoint_delegate(
            &mut self,
            patient: AccountId,
            delegate: AccountId,
            expires_at: Timestamp,
        ) -> Result<(), Error> {
            let caller = self.env().caller();
            self.appoint_as(caller, patient, delegate, expires_at)
        }

        fn appoint_as(
            &mut self,
            actor: AccountId,
            patient: AccountId,
            delegate: AccountId,
            expires_at: Timestamp,
        ) -> Result<(), Error> {
            self.access.ensure_not_paused()?;
            if actor != patient {
                return Err(if self.delegations.contains((patient, actor)) {
                    Error::DelegatesCannotDelegate
                } else {
                    Error::NotPatientOrDelegate
                });
            }
            self.set_delegation(patient, delegate, DelegateKind::Proxy, expires_at, actor)
        }

        /// Registers `guardian` for a `patient` who cannot sign (a minor, an incapacitated
        /// adult) until `expires_at`, for example the age of majority. Admin only; the
        /// patient sees a `DelegationChanged` event.
        #[cfg(not(healthchain_contract))]
        #[ink(message)]
        pub fn register_guardian(
            &mut self,
            patient: AccountId,
            guardian: AccountId,
            expires_at: Timestamp,
        ) -> Result<(), Error> {
            self.access.ensure_not_paused()?;
            let admin = self.access.ensure_admin()?;
            self.set_delegation(patient, guardian, DelegateKind::Guardian, expires_at, admin)
        }

        /// Ends a delegation. A proxy is ended by the patient, the proxy or the admin; a
        /// guardianship by the guardian or the admin. Works while the registry is paused.
        #[cfg(not(healthchain_contract))]
        #[ink(message)]
        pub fn remove_delegate(
            &mut self,
            patient: AccountId,
            delegate: AccountId,
        ) -> Result<(), Error> {
            let caller = self.env().caller();
            self.remove_delegate_as(caller, patient, delegate)
        }

        fn remove_delegate_as(
            &mut self,
            actor: AccountId,
            patient: AccountId,
            delegate: AccountId,
        ) -> Result<(), Error> {
            let delegation = self
                .delegations
                .get((patient, delegate))
                .ok_or(Error::DelegationNotFound)?;
            let allowed = actor == delegate
                || self.access.is_admin(actor)
                || (actor == patient && delegation.kind == DelegateKind::Proxy);
            if !allowed {
                return Err(Error::CannotRemoveDelegation);
            }
            self.delegations.remove((patient, delegate));
            emit(DelegationChanged {
                patient,
                delegate,
                delegation: None,
                by: actor,
            });
            Ok(())
        }

        /// The delegation of `delegate` for `patient`, expired or not.
        #[cfg(not(healthchain_contract))]
        #[ink(message)]
        pub fn delegation(&self, patient: AccountId, delegate: AccountId) -> Option<Delegation> {
            self.delegations.get((patient, delegate))
        }

        /// Opens break-glass access to `patient`'s data for the caller, an emergency
        /// responder, for `duration` milliseconds (at most 24 hours), with the hash of the
        /// written justification. `is_authorized` permits the emergency purpose only
        /// inside the window and only while the responder holds the role. One window per
        /// patient and responder at a time. The patient sees an
        /// `EmergencyAccessChanged` event. Returns when the window ends.
        #[cfg(not(healthchain_contract))]
        #[ink(message)]
        pub fn open_emergency_access(
            &mut self,
            patient: AccountId,
            duration: Timestamp,
            justification: Hash,
        ) -> Result<Timestamp, Error> {
            self.access.ensure_not_paused()?;
            let responder = self.access.ensure_role(Role::EmergencyResponder)?;
            if responder == patient {
                return Err(Error::SelfGrant);
            }
            if is_zero_hash(justification.as_ref()) {
                return Err(Error::ZeroHash);
            }
            let opened_at = self.env().block_timestamp();
            if self
                .emergency
                .get((patient, responder))
                .is_some_and(|window| window.is_open(opened_at))
            {
                return Err(Error::EmergencyAccessAlreadyOpen);
            }
            let expires_at = emergency_window_end(opened_at, duration)?;
            let window = EmergencyAccess {
                opened_at,
                expires_at,
                justification,
            };
            self.emergency.insert((patient, responder), &window);
            emit(EmergencyAccessChanged {
                patient,
                responder,
                window: Some(window),
                by: responder,
            });
            Ok(expires_at)
        }

        /// Closes `responder`'s emergency access to `patient`, early or after it lapsed.
        /// Signed by the patient, the responder or the admin; works while paused.
        #[cfg(not(healthchain_contract))]
        #[ink(message)]
        pub fn close_emergency_access(
            &mut self,
            patient: AccountId,
            responder: AccountId,
        ) -> Result<(), Error> {
            let caller = self.env().caller();
            self.close_emergency_as(caller, patient, responder)
        }

        fn close_emergency_as(
            &mut self,
            caller: AccountId,
            patient: AccountId,
            responder: AccountId,
        ) -> Result<(), Error> {
            if caller != patient && caller != responder && !self.access.is_admin(caller) {
                return Err(Error::CannotCloseEmergencyAccess);
            }
            if self.emergency.take((patient, responder)).is_none() {
                return Err(Error::EmergencyAccessNotFound);
            }
            emit(EmergencyAccessChanged {
                patient,
                responder,
                window: None,
                by: caller,
            });
            Ok(())
        }

        /// The emergency access of `responder` to `patient`, open or lapsed.
        #[cfg(not(healthchain_contract))]
        #[ink(message)]
        pub fn emergency_access(
            &self,
            patient: AccountId,
            responder: AccountId,
        ) -> Option<EmergencyAccess> {
            self.emergency.get((patient, responder))
        }

        /// Records that the caller used `patient`'s data of `data_classes` for `purpose` in
        /// `context`, so the patient sees who looked and why. Refused unless the caller is
        /// authorized now for those classes (an open emergency window covers all), and
        /// refused with `Restricted` when a deny of the patient's covers one of them.
        /// Answered by the registry's library for the emergency purpose (see `decide`).
        #[cfg(not(healthchain_contract))]
        #[ink(message)]
        pub fn record_access(
            &mut self,
            patient: AccountId,
            purpose: Purpose,
            context: Option<Hash>,
            data_classes: DataClasses,
        ) -> Result<(), Error> {
            self.log_access(patient, purpose, context, data_classes)
        }

        /// `record_access`, by the caller: in the registry's own build its `call` runs this
        /// itself (`entry_points!`'s `skips_root`).
        #[inline(never)]
        fn log_access(
            &self,
            patient: AccountId,
            purpose: Purpose,
            context: Option<Hash>,
            data_classes: DataClasses,
        ) -> Result<(), Error> {
            self.access.ensure_not_paused()?;
            let grantee = self.env().caller();
            let at = self.env().block_timestamp();
            if data_classes.is_empty() {
                return Err(Error::NoDataClasses);
            }
            let decision = self.decide(patient, grantee, purpose, context, at);
            match decision.answer(data_classes) {
                ConsentAnswer::Permitted => {}
                ConsentAnswer::Restricted => return Err(Error::Restricted),
                _ if decision.permitted.is_empty() => return Err(Error::NotAuthorized),
                _ => return Err(Error::DataClassesNotGranted),
            }
            emit(AccessRecorded {
                patient,
                grantee,
                purpose,
                context,
                at,
            });
            Ok(())
        }

        /// What the consents in force for `patient`, `grantee` and `purpose` say now in
        /// `context`. An open emergency window permits every class, for the emergency
        /// purpose only, over any restriction: HIPAA lets restricted information be used
        /// for emergency treatment (45 CFR 164.522(a)(1)(iv)).
        ///
        /// Break-glass access is rare, so in the registry's own build a question for the
        /// emergency purpose is handed whole (a check or an access record, input and all)
        /// to the library, which answers it from the start (nothing is written before
        /// this): every other check, access record and claim carries none of the
        /// emergency window's code, nor the live role check.
        fn decide(
            &self,
            patient: AccountId,
            grantee: AccountId,
            purpose: Purpose,
            context: Option<Hash>,
            now: Timestamp,
        ) -> Decision {
            // The role is checked live: a responder revoked mid-window loses access.
            if purpose == Purpose::Emergency
                && library_message!(healthchain_common::access::own_library(), [], {
                    self.access.has_role(grantee, Role::EmergencyResponder)
                        && self
                            .emergency
                            .get((patient, grantee))
                            .is_some_and(|window| window.is_open(now))
                })
            {
                return Decision::EMERGENCY;
            }
            // The patient's record holds its active consents whole: one read decides.
            record_of(patient)
                .consents
                .iter()
                .filter(|entry| entry.is_for(grantee, purpose))
                .fold(Decision::default(), |decision, entry| {
                    decision.add(&entry.provision, now, context)
                })
        }

        /// `actor` (the caller, or the signer of a relayed instruction), if it may act for
        /// `patient`, and when its delegation ends (`None` for the patient itself).
        fn acts_for(
            &self,
            actor: AccountId,
            patient: AccountId,
            now: Timestamp,
        ) -> Result<(AccountId, Option<Timestamp>), Error> {
            if actor == patient {
                return Ok((actor, None));
            }
            match self.delegations.get((patient, actor)) {
                Some(delegation) if delegation.is_live(now) => {
                    Ok((actor, Some(delegation.expires_at)))
                }
                Some(_) => Err(Error::DelegationExpired),
                None => Err(Error::NotPatientOrDelegate),
            }
        }

        /// Makes the consents in `patient`'s `record` whose period has ended inactive (with
        /// events) and takes them out of it; answers whether it took any. Bounded by the index
        /// size. Only a full record needs it, which few patients ever have: the registry's
        /// own build hands such a grant to its library (`record_into`).
        fn lapse_ended(
            &self,
            patient: AccountId,
            record: &mut AccountRecord,
            now: Timestamp,
        ) -> bool {
            let listed = core::mem::take(&mut record.consents);
            let count = listed.len();
            for entry in listed {
                if entry.provision.period.has_ended(now) {
                    let consent = entry.consent(patient);
                    self.store_status(entry.id, consent, ConsentStatus::Inactive, None);
                } else {
                    record.consents.push(entry);
                }
            }
            // The record is the caller's to store.
            record.consents.len() != count
        }

        /// Stores `account`'s record (nothing in it: removed).
        fn store_record(&self, account: AccountId, record: &AccountRecord) {
            if *record == AccountRecord::default() {
                Accounts::default().remove(account);
            } else {
                Accounts::default().insert(account, record);
            }
        }

        /// Writes a consent's new status into the history and events it; taking it out of
        /// its patient's index is the caller's.
        fn store_status(
            &self,
            id: ConsentId,
            mut consent: Consent,
            status: ConsentStatus,
            changed_by: Option<AccountId>,
        ) {
            consent.status = status;
            History::default().insert((consent.patient, id), &consent);
            emit(ConsentStatusChanged {
                patient: consent.patient,
                grantee: consent.grantee,
                consent: id,
                status,
                changed_by,
            });
        }

        fn set_delegation(
            &mut self,
            patient: AccountId,
            delegate: AccountId,
            kind: DelegateKind,
            expires_at: Timestamp,
            appointed_by: AccountId,
        ) -> Result<(), Error> {
            if delegate == patient {
                return Err(Error::SelfGrant);
            }
            if expires_at <= self.env().block_timestamp() {
                return Err(Error::ExpiryInPast);
            }
            // A guardianship stands until the admin changes it: a patient who cannot sign
            // must not be able to turn the guardian into a proxy and remove it.
            let guarded = self
                .delegations
                .get((patient, delegate))
                .is_some_and(|d| d.kind == DelegateKind::Guardian);
            if guarded && !self.access.is_admin(appointed_by) {
                return Err(Error::GuardianshipProtected);
            }
            let delegation = Delegation { kind, expires_at };
            self.delegations.insert((patient, delegate), &delegation);
            emit(DelegationChanged {
                patient,
                delegate,
                delegation: Some(delegation),
                by: appointed_by,
            });
            Ok(())
        }
    }

    impl ConsentCheck for ConsentRegistry {
        /// Whether `grantee` may use `patient`'s data of every class in `classes` for
        /// `purpose` now in `context` (for research: the trial's consent context; matched
        /// exactly by permits). `Restricted` when an active deny in its period covers one
        /// of the classes, whatever the permits say. Otherwise `Permitted` when active
        /// permits in their period cover each class asked for (a consent limited to
        /// demographics never authorises a claim for a medication), and `NotPermitted`
        /// when they do not or no class is asked for. `Unavailable` while the registry is
        /// paused. The emergency purpose is permitted, for every class and over any
        /// restriction, inside an open break-glass window of a responder who still holds
        /// the role (a question the registry's library answers).
        #[ink(message)]
        #[inline(never)]
        fn is_authorized(
            &self,
            patient: AccountId,
            grantee: AccountId,
            purpose: Purpose,
            context: Option<Hash>,
            classes: DataClasses,
        ) -> ConsentAnswer {
            if self.access.is_paused() {
                return ConsentAnswer::Unavailable;
            }
            let now = self.env().block_timestamp();
            self.decide(patient, grantee, purpose, context, now)
                .answer(classes)
        }

        /// `is_authorized` for each of up to 32 queries, in order, in one call (a claims
        /// batch asks about each claim's patient at once). More than 32 are each answered
        /// `Unavailable`, as is every query while the registry is paused. Answered by the
        /// registry's library, as the batches that ask it are by theirs.
        #[ink(message)]
        fn is_authorized_batch(&self, queries: Vec<ConsentQuery>) -> Vec<ConsentAnswer> {
            library_message!(healthchain_common::access::own_library(), [queries], {
                if self.access.is_paused() || queries.len() > MAX_CONSENT_QUERIES {
                    return queries.iter().map(|_| ConsentAnswer::Unavailable).collect();
                }
                let now = self.env().block_timestamp();
                queries
                    .into_iter()
                    .map(|q| {
                        self.decide(q.patient, q.grantee, q.purpose, q.context, now)
                            .answer(q.classes)
                    })
                    .collect()
            })
        }
    }

    impl AccessControlled for ConsentRegistry {
        /// The consent registry's admin.
        #[ink(message)]
        fn admin(&self) -> AccountId {
            admin_message!(self.access, admin())
        }

        /// The proposed next admin, if a transfer is pending.
        #[ink(message)]
        fn pending_admin(&self) -> Option<AccountId> {
            admin_message!(self.access, pending_admin())
        }

        /// Whether `account` holds `role` here (only `EmergencyResponder` is used).
        #[ink(message)]
        fn has_role(&self, account: admin_arg::AccountId, role: admin_arg::Role) -> bool {
            admin_message!(self.access, has_role(account, role))
        }

        /// Whether the registry is paused (every consent check then answers false).
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

        /// Gives `role` (here: `EmergencyResponder`) to `account`. Admin only.
        #[ink(message)]
        fn grant_role(
            &mut self,
            role: admin_arg::Role,
            account: admin_arg::AccountId,
        ) -> Result<(), AccessError> {
            admin_message!(self.access, grant_role(role, account))
        }

        /// Takes `role` from `account`. Admin only.
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

        /// Pauses the registry: no new grants, delegations, emergency windows or recorded
        /// accesses, and every consent check answers `Unavailable` until unpaused.
        /// Revoking consent, ending a delegation and closing an emergency window still
        /// work. Admin only.
        #[ink(message)]
        fn pause(&mut self) -> Result<(), AccessError> {
            admin_message!(self.access, pause())
        }

        /// Resumes the registry. Admin only.
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
        /// if any, and swaps the code, keeping every grant. Admin only.
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

    /// The registry's own build runs only while it is unpaused (a paused registry runs its
    /// library), and its grant, access record and check read nothing of the root but the
    /// pause flag, the account records and the history (handles of fixed keys), and the
    /// library's cell (a handle too) on the paths they hand to the library.
    impl healthchain_common::dispatch::Unpaused for ConsentRegistry {
        fn unpaused() -> Self {
            Self {
                access: AccessControl::unpaused(),
                consents: Mapping::default(),
                accounts: Mapping::default(),
                delegations: Mapping::default(),
                emergency: Mapping::default(),
                // Only relayed instructions read it: the library's.
                chain: Hash::default(),
                library: Lazy::default(),
            }
        }
    }

    // A grant, an access record and a check change only a patient's record (or nothing),
    // never the root, and need of it only the pause flag: run by `call` itself, they
    // neither read the root nor write it back.
    healthchain_common::entry_points!(
        ConsentRegistry,
        own_library,
        skips_root: [
            "record_consent" => grant,
            "record_access" => log_access,
            "ConsentCheck::is_authorized" => is_authorized,
        ],
        others: library
    );
}

// The library build (consent_registry_library) runs the same code: tested once, here.
#[cfg(all(test, not(healthchain_library)))]
mod tests;
