//! # consent_registry
//!
//! Patients grant and revoke who may use their data, for what purpose, until when. Other
//! contracts ask [`ConsentCheck::is_authorized`]; revocation takes effect for them at once.
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

pub mod data;

#[ink::contract]
pub mod consent_registry {
    use crate::data::{
        cap_expiry, emergency_window_end, validate_grant, ActiveGrant, ConsentInstruction,
        DelegateKind, Delegation, EmergencyAccess, Error, Grant, MAX_ACTIVE_GRANTS_PER_PATIENT,
        RELAY_DOMAIN,
    };
    use healthchain_common::{
        access::{AccessControl, AccessControlled, AccessError, PendingChange, Role, RoleSet},
        consent::{ConsentAnswer, ConsentCheck, DataClasses, Purpose},
        is_zero_hash,
        relay::{Relay, Signature},
    };
    use ink::{prelude::vec::Vec, storage::Mapping};

    /// A patient granted consent (or replaced an earlier grant for the same grantee and
    /// purpose: `replaced` says which). The data classes are not in the event, so that no
    /// log puts a patient beside a class such as mental health; the patient's wallet
    /// reads them with `grant`.
    #[ink(event)]
    pub struct ConsentGranted {
        #[ink(topic)]
        pub patient: AccountId,
        #[ink(topic)]
        pub grantee: AccountId,
        pub purpose: Purpose,
        pub expires_at: Option<Timestamp>,
        pub context: Option<Hash>,
        pub consent_form: Hash,
        pub granted_by: AccountId,
        pub replaced: bool,
    }

    /// A grant ended: revoked by the patient or a delegate, or cleared after it expired
    /// (`revoked_by` is then `None`).
    #[ink(event)]
    pub struct ConsentRevoked {
        #[ink(topic)]
        pub patient: AccountId,
        #[ink(topic)]
        pub grantee: AccountId,
        pub purpose: Purpose,
        pub revoked_by: Option<AccountId>,
    }

    /// A delegate may now grant and revoke for the patient until `expires_at`.
    #[ink(event)]
    pub struct DelegateAppointed {
        #[ink(topic)]
        pub patient: AccountId,
        #[ink(topic)]
        pub delegate: AccountId,
        pub kind: DelegateKind,
        pub expires_at: Timestamp,
        pub appointed_by: AccountId,
    }

    /// A delegation ended.
    #[ink(event)]
    pub struct DelegateRemoved {
        #[ink(topic)]
        pub patient: AccountId,
        #[ink(topic)]
        pub delegate: AccountId,
        pub removed_by: AccountId,
    }

    /// An emergency responder opened break-glass access to the patient's data.
    #[ink(event)]
    pub struct EmergencyAccessOpened {
        #[ink(topic)]
        pub patient: AccountId,
        #[ink(topic)]
        pub responder: AccountId,
        pub opened_at: Timestamp,
        pub expires_at: Timestamp,
        pub justification: Hash,
    }

    /// An emergency access was closed before or after its window ended.
    #[ink(event)]
    pub struct EmergencyAccessClosed {
        #[ink(topic)]
        pub patient: AccountId,
        #[ink(topic)]
        pub responder: AccountId,
        pub closed_by: AccountId,
    }

    /// A grantee used the patient's data (FHIR AuditEvent). Which classes it used is not
    /// in the event (see `ConsentGranted`).
    #[ink(event)]
    pub struct AccessRecorded {
        #[ink(topic)]
        pub patient: AccountId,
        #[ink(topic)]
        pub grantee: AccountId,
        pub purpose: Purpose,
        pub context: Option<Hash>,
        pub at: Timestamp,
    }

    /// A grant's key: (patient, grantee, purpose).
    type GrantKey = (AccountId, AccountId, Purpose);
    /// A patient's index entry: (grantee, purpose).
    type IndexEntry = (AccountId, Purpose);

    /// The consent registry.
    #[ink(storage)]
    pub struct ConsentRegistry {
        access: AccessControl,
        /// (patient, grantee, purpose) -> grant.
        grants: Mapping<GrantKey, Grant>,
        /// patient -> the (grantee, purpose) keys of their grants, at most
        /// `MAX_ACTIVE_GRANTS_PER_PATIENT`.
        grant_index: Mapping<AccountId, Vec<IndexEntry>>,
        /// (patient, delegate) -> delegation.
        delegations: Mapping<(AccountId, AccountId), Delegation>,
        /// (patient, responder) -> emergency access.
        emergency: Mapping<(AccountId, AccountId), EmergencyAccess>,
        /// The chain signatures are bound to, and each signer's next nonce.
        relay: Relay,
    }

    impl ConsentRegistry {
        /// Deploys the registry with the caller as admin. The admin then grants the
        /// `EmergencyResponder` role to emergency departments' accounts.
        /// Upgrades wait `change_delay` milliseconds between proposal and application (for
        /// example two days on a production chain; 0 in tests). `chain` is the chain's
        /// genesis hash: relayed instructions must be signed for it, so a copy taken to
        /// another chain is refused.
        #[ink(constructor)]
        pub fn new(chain: Hash, change_delay: Timestamp) -> Self {
            Self {
                access: AccessControl::new(
                    Self::env().caller(),
                    RoleSet::of(&[Role::EmergencyResponder]),
                    None,
                    change_delay,
                ),
                grants: Mapping::default(),
                grant_index: Mapping::default(),
                delegations: Mapping::default(),
                emergency: Mapping::default(),
                relay: Relay::new(chain),
            }
        }

        /// Grants `grantee` the use of `patient`'s data for `purpose`: the `data_classes`
        /// bit mask (1 demographics, 2 conditions, 4 medications, 8 lab results, 16
        /// imaging, 32 genomics, 64 mental health, 128 substance use, 256 claims, 512
        /// trial data), until `expires_at` (milliseconds since the epoch, or none), in
        /// `context` (for research: the trial's protocol hash, which must match exactly),
        /// with the hash of the signed consent form. Signed by the patient or a delegate.
        /// A grant for the same grantee and purpose is replaced. A patient holds at most
        /// 32 grants; expired ones are cleared to make room. A delegate may not grant to
        /// itself, and its grants end no later than its delegation (a later or missing
        /// expiry is capped, and the event shows the cap).
        #[ink(message)]
        #[allow(clippy::too_many_arguments)]
        pub fn grant_consent(
            &mut self,
            patient: AccountId,
            grantee: AccountId,
            purpose: Purpose,
            data_classes: DataClasses,
            expires_at: Option<Timestamp>,
            context: Option<Hash>,
            consent_form: Hash,
        ) -> Result<(), Error> {
            let caller = self.env().caller();
            self.grant_as(
                caller,
                patient,
                grantee,
                purpose,
                data_classes,
                expires_at,
                context,
                consent_form,
            )
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
        #[ink(message)]
        pub fn relay(
            &mut self,
            instruction: ConsentInstruction,
            signer: AccountId,
            nonce: u64,
            deadline: Timestamp,
            signature: Signature,
        ) -> Result<(), Error> {
            self.relay.check(
                RELAY_DOMAIN,
                &instruction,
                signer,
                nonce,
                deadline,
                &signature,
            )?;
            match instruction {
                ConsentInstruction::GrantConsent {
                    patient,
                    grantee,
                    purpose,
                    data_classes,
                    expires_at,
                    context,
                    consent_form,
                } => self.grant_as(
                    signer,
                    patient,
                    grantee,
                    purpose,
                    data_classes,
                    expires_at,
                    context,
                    consent_form,
                ),
                ConsentInstruction::RevokeConsent {
                    patient,
                    grantee,
                    purpose,
                } => self.revoke_as(signer, patient, grantee, purpose),
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
            }?;
            self.relay.consume(signer, nonce);
            Ok(())
        }

        /// The chain's genesis hash that relayed instructions are signed for, and the
        /// nonce `signer`'s next relayed instruction must carry.
        #[ink(message)]
        pub fn relay_nonce(&self, signer: AccountId) -> (Hash, u64) {
            (self.relay.chain(), self.relay.nonce(signer))
        }

        #[allow(clippy::too_many_arguments)]
        fn grant_as(
            &mut self,
            actor: AccountId,
            patient: AccountId,
            grantee: AccountId,
            purpose: Purpose,
            data_classes: DataClasses,
            expires_at: Option<Timestamp>,
            context: Option<Hash>,
            consent_form: Hash,
        ) -> Result<(), Error> {
            self.access.ensure_not_paused()?;
            if is_zero_hash(consent_form.as_ref()) {
                return Err(Error::ZeroHash);
            }
            let now = self.env().block_timestamp();
            let (granted_by, delegation_end) = self.acts_for(actor, patient, now)?;
            if delegation_end.is_some() && grantee == granted_by {
                return Err(Error::DelegateGrantsToItself);
            }
            let expires_at = cap_expiry(expires_at, delegation_end);
            validate_grant(patient, grantee, data_classes, expires_at, now)?;

            let key = (patient, grantee, purpose);
            let replaced = self.grants.contains(key);
            if !replaced {
                self.index_grant(patient, grantee, purpose, now)?;
            }
            self.grants.insert(
                key,
                &Grant {
                    data_classes,
                    expires_at,
                    context,
                    consent_form,
                    granted_at: now,
                    granted_by,
                },
            );
            self.env().emit_event(ConsentGranted {
                patient,
                grantee,
                purpose,
                expires_at,
                context,
                consent_form,
                granted_by,
                replaced,
            });
            Ok(())
        }

        /// Revokes `patient`'s grant to `grantee` for `purpose`, effective at once for
        /// every contract that asks. Signed by the patient or a delegate. Works while the
        /// registry is paused: pausing stops new business, never a patient's withdrawal.
        #[ink(message)]
        pub fn revoke_consent(
            &mut self,
            patient: AccountId,
            grantee: AccountId,
            purpose: Purpose,
        ) -> Result<(), Error> {
            let caller = self.env().caller();
            self.revoke_as(caller, patient, grantee, purpose)
        }

        fn revoke_as(
            &mut self,
            actor: AccountId,
            patient: AccountId,
            grantee: AccountId,
            purpose: Purpose,
        ) -> Result<(), Error> {
            let now = self.env().block_timestamp();
            let (revoked_by, _) = self.acts_for(actor, patient, now)?;
            if self.grants.take((patient, grantee, purpose)).is_none() {
                return Err(Error::GrantNotFound);
            }
            let mut index = self.grant_index.get(patient).unwrap_or_default();
            index.retain(|entry| *entry != (grantee, purpose));
            self.store_index(patient, &index);
            self.env().emit_event(ConsentRevoked {
                patient,
                grantee,
                purpose,
                revoked_by: Some(revoked_by),
            });
            Ok(())
        }

        /// The grant of `patient` to `grantee` for `purpose`, expired or not.
        #[ink(message)]
        pub fn grant(
            &self,
            patient: AccountId,
            grantee: AccountId,
            purpose: Purpose,
        ) -> Option<Grant> {
            self.grants.get((patient, grantee, purpose))
        }

        /// The patient's grants that have not expired (at most 32), for a wallet to list.
        #[ink(message)]
        pub fn active_grants(&self, patient: AccountId) -> Vec<ActiveGrant> {
            let now = self.env().block_timestamp();
            self.grant_index
                .get(patient)
                .unwrap_or_default()
                .into_iter()
                .filter_map(|(grantee, purpose)| {
                    self.grants
                        .get((patient, grantee, purpose))
                        .filter(|grant| grant.is_live(now))
                        .map(|grant| ActiveGrant {
                            grantee,
                            purpose,
                            grant,
                        })
                })
                .collect()
        }

        /// Names `delegate` (a proxy) to grant and revoke consent for `patient` until
        /// `expires_at`. Signed by the patient; a delegate cannot delegate further.
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
        /// patient sees a `DelegateAppointed` event.
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
            self.env().emit_event(DelegateRemoved {
                patient,
                delegate,
                removed_by: actor,
            });
            Ok(())
        }

        /// The delegation of `delegate` for `patient`, expired or not.
        #[ink(message)]
        pub fn delegation(&self, patient: AccountId, delegate: AccountId) -> Option<Delegation> {
            self.delegations.get((patient, delegate))
        }

        /// Opens break-glass access to `patient`'s data for the caller, an emergency
        /// responder, for `duration` milliseconds (at most 24 hours), with the hash of the
        /// written justification. `is_authorized` permits the emergency purpose only
        /// inside the window and only while the responder holds the role. One window per
        /// patient and responder at a time. The patient sees an `EmergencyAccessOpened`
        /// event. Returns when the window ends.
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
            self.emergency.insert(
                (patient, responder),
                &EmergencyAccess {
                    opened_at,
                    expires_at,
                    justification,
                },
            );
            self.env().emit_event(EmergencyAccessOpened {
                patient,
                responder,
                opened_at,
                expires_at,
                justification,
            });
            Ok(expires_at)
        }

        /// Closes `responder`'s emergency access to `patient`, early or after it lapsed.
        /// Signed by the patient, the responder or the admin; works while paused.
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
            self.env().emit_event(EmergencyAccessClosed {
                patient,
                responder,
                closed_by: caller,
            });
            Ok(())
        }

        /// The emergency access of `responder` to `patient`, open or lapsed.
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
        /// authorized now and the grant covers those classes (an open emergency window
        /// covers all).
        #[ink(message)]
        pub fn record_access(
            &mut self,
            patient: AccountId,
            purpose: Purpose,
            context: Option<Hash>,
            data_classes: DataClasses,
        ) -> Result<(), Error> {
            self.access.ensure_not_paused()?;
            let grantee = self.env().caller();
            let at = self.env().block_timestamp();
            let granted = self
                .authorized_classes(patient, grantee, purpose, context, at)
                .ok_or(Error::NotAuthorized)?;
            if data_classes.is_empty() {
                return Err(Error::NoDataClasses);
            }
            if !granted.covers(data_classes) {
                return Err(Error::DataClassesNotGranted);
            }
            self.env().emit_event(AccessRecorded {
                patient,
                grantee,
                purpose,
                context,
                at,
            });
            Ok(())
        }

        /// The data classes `grantee` may use for `patient` now, if any. An open emergency
        /// window covers every class, for the emergency purpose only.
        fn authorized_classes(
            &self,
            patient: AccountId,
            grantee: AccountId,
            purpose: Purpose,
            context: Option<Hash>,
            now: Timestamp,
        ) -> Option<DataClasses> {
            // The role is checked live: a responder revoked mid-window loses access.
            if purpose == Purpose::Emergency
                && self.access.has_role(grantee, Role::EmergencyResponder)
                && self
                    .emergency
                    .get((patient, grantee))
                    .is_some_and(|window| window.is_open(now))
            {
                return Some(DataClasses::ALL);
            }
            self.grants
                .get((patient, grantee, purpose))
                .filter(|grant| grant.permits(now, context))
                .map(|grant| grant.data_classes)
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

        /// Adds (grantee, purpose) to the patient's index, clearing expired grants first if
        /// the index is full.
        fn index_grant(
            &mut self,
            patient: AccountId,
            grantee: AccountId,
            purpose: Purpose,
            now: Timestamp,
        ) -> Result<(), Error> {
            let mut index = self.grant_index.get(patient).unwrap_or_default();
            if index.len() >= MAX_ACTIVE_GRANTS_PER_PATIENT {
                index = self.clear_expired(patient, index, now);
                if index.len() >= MAX_ACTIVE_GRANTS_PER_PATIENT {
                    return Err(Error::TooManyActiveGrants);
                }
            }
            index.push((grantee, purpose));
            self.store_index(patient, &index);
            Ok(())
        }

        /// Removes the patient's expired grants (refunding their deposits) and returns the
        /// index of those that remain. Bounded by the index size.
        fn clear_expired(
            &mut self,
            patient: AccountId,
            index: Vec<IndexEntry>,
            now: Timestamp,
        ) -> Vec<IndexEntry> {
            let mut kept = Vec::with_capacity(index.len());
            for (grantee, purpose) in index {
                let key = (patient, grantee, purpose);
                match self.grants.get(key) {
                    Some(grant) if grant.is_live(now) => kept.push((grantee, purpose)),
                    _ => {
                        self.grants.remove(key);
                        self.env().emit_event(ConsentRevoked {
                            patient,
                            grantee,
                            purpose,
                            revoked_by: None,
                        });
                    }
                }
            }
            kept
        }

        fn store_index(&mut self, patient: AccountId, index: &Vec<IndexEntry>) {
            if index.is_empty() {
                self.grant_index.remove(patient);
            } else {
                self.grant_index.insert(patient, index);
            }
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
            self.delegations
                .insert((patient, delegate), &Delegation { kind, expires_at });
            self.env().emit_event(DelegateAppointed {
                patient,
                delegate,
                kind,
                expires_at,
                appointed_by,
            });
            Ok(())
        }
    }

    impl ConsentCheck for ConsentRegistry {
        /// Whether `grantee` may use `patient`'s data of every class in `classes` for
        /// `purpose` now in `context` (for research: the trial's consent context; matched
        /// exactly). The grant must cover each class asked for, and asking for none is
        /// `NotPermitted`, so a consent limited to demographics never authorises a claim
        /// for a medication. `NotPermitted` also for expired, revoked or wrong-context
        /// grants; `Unavailable` while the registry is paused. The emergency purpose is
        /// also permitted, for every class, inside an open break-glass window of a
        /// responder who still holds the role.
        #[ink(message)]
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
            match self.authorized_classes(patient, grantee, purpose, context, now) {
                Some(granted) if !classes.is_empty() && granted.covers(classes) => {
                    ConsentAnswer::Permitted
                }
                _ => ConsentAnswer::NotPermitted,
            }
        }
    }

    impl AccessControlled for ConsentRegistry {
        /// The consent registry's admin.
        #[ink(message)]
        fn admin(&self) -> AccountId {
            self.access.admin()
        }

        /// The proposed next admin, if a transfer is pending.
        #[ink(message)]
        fn pending_admin(&self) -> Option<AccountId> {
            self.access.pending_admin()
        }

        /// Whether `account` holds `role` here (only `EmergencyResponder` is used).
        #[ink(message)]
        fn has_role(&self, account: AccountId, role: Role) -> bool {
            self.access.has_role(account, role)
        }

        /// Whether the registry is paused (every consent check then answers false).
        #[ink(message)]
        fn paused(&self) -> bool {
            self.access.is_paused()
        }

        /// Proposes a new admin; it takes over when it calls `accept_admin`. Admin only.
        #[ink(message)]
        fn transfer_admin(&mut self, new_admin: AccountId) -> Result<(), AccessError> {
            self.access.transfer_admin(new_admin)
        }

        /// Accepts the admin role proposed to the caller.
        #[ink(message)]
        fn accept_admin(&mut self) -> Result<(), AccessError> {
            self.access.accept_admin()
        }

        /// Gives `role` (here: `EmergencyResponder`) to `account`. Admin only.
        #[ink(message)]
        fn grant_role(&mut self, role: Role, account: AccountId) -> Result<(), AccessError> {
            self.access.grant_role(role, account)
        }

        /// Takes `role` from `account`. Admin only.
        #[ink(message)]
        fn revoke_role(&mut self, role: Role, account: AccountId) -> Result<(), AccessError> {
            self.access.revoke_role(role, account)
        }

        /// Gives up one of the caller's own roles.
        #[ink(message)]
        fn renounce_role(&mut self, role: Role) -> Result<(), AccessError> {
            self.access.renounce_role(role)
        }

        /// Pauses the registry: no new grants, delegations, emergency windows or recorded
        /// accesses, and every consent check answers `Unavailable` until unpaused.
        /// Revoking consent, ending a delegation and closing an emergency window still
        /// work. Admin only.
        #[ink(message)]
        fn pause(&mut self) -> Result<(), AccessError> {
            self.access.pause()
        }

        /// Resumes the registry. Admin only.
        #[ink(message)]
        fn unpause(&mut self) -> Result<(), AccessError> {
            self.access.unpause()
        }

        /// The delay (milliseconds) between proposing and applying an upgrade or a
        /// rewiring, fixed at construction.
        #[ink(message)]
        fn change_delay(&self) -> Timestamp {
            self.access.change_delay()
        }

        /// The proposed upgrade or rewiring waiting for its delay, if any.
        #[ink(message)]
        fn pending_change(&self) -> Option<PendingChange> {
            self.access.pending_change()
        }

        /// Proposes upgrading to the uploaded code `code_hash` (step one of two), with the
        /// uploaded `migration` that rewrites the storage when the new version's layout
        /// differs (none otherwise), and a `ChangeProposed` event; returns when it may be
        /// applied. Admin only.
        #[ink(message)]
        fn propose_code(
            &mut self,
            code_hash: Hash,
            migration: Option<Hash>,
        ) -> Result<Timestamp, AccessError> {
            self.access.propose_code(code_hash, migration)
        }

        /// Applies the proposed upgrade once the change delay has passed: runs its migration,
        /// if any, and swaps the code, keeping every grant. Admin only.
        #[ink(message)]
        fn apply_code(&mut self) -> Result<(), AccessError> {
            self.access.apply_code()
        }

        /// Cancels the pending upgrade or rewiring. Admin only.
        #[ink(message)]
        fn cancel_change(&mut self) -> Result<(), AccessError> {
            self.access.cancel_change()
        }
    }
}

#[cfg(test)]
mod tests;
