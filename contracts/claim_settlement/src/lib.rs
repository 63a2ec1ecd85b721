//! # claim_settlement
//!
//! Insurance claims adjudicated and paid in one transaction. Insurers define plans (a
//! deductible, a copay, coinsurance, an out-of-pocket maximum, a plan year and a fee
//! schedule of covered procedure codes, as keyed hashes, and drug GTINs), enrol members, and fund an escrow in the
//! chain's native token. A registered provider submits a claim of up to 50 lines; in the
//! same call the contract asks the consent registry whether the patient consents to
//! payment to this provider, checks coverage on the service date, duplicates and the fee
//! schedule, and for every drug line asks drug_provenance (through the shared
//! `ProvenanceCheck` trait) whether that serial was dispensed by this provider to this
//! patient (recomputing the pharmacy's salted commitment) from a lot that is neither
//! quarantined nor recalled. Each line gets an outcome
//! and X12-style reason codes; the member's deductible and out-of-pocket accumulators move
//! in the same transaction, so medical and pharmacy claims never disagree. The payable
//! amount goes to the provider from the insurer's escrow after all state is written, or
//! waits, first in line, until the escrow is funded. Providers appeal denials; insurers
//! uphold or overturn them.
//!
//! What it keeps of a patient (docs/privacy.md): the member's pseudonym for the plan, and
//! per claim the parties, a hash of the service date and lines, and the adjudication
//! results (amounts and reason codes), never the procedure codes or the drug. Procedure
//! codes arrive as keyed hashes; claim documents and evidence as hashes. Every record is
//! public to whoever reads the chain's storage, so no read claims otherwise.
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
// The library's build (`cfg(healthchain_library)`) leaves out the hot messages, and so the
// helpers only they use.
#![cfg_attr(healthchain_library, allow(dead_code, unused_imports))]
// The contract's own wasm build leaves out the cold messages (`entry_points!` hands them to
// the library), and so the helpers and imports only they use.
#![cfg_attr(healthchain_contract, allow(dead_code, unused_imports))]

pub mod data;

#[ink::contract]
pub mod claim_settlement {
    use crate::data::{
        adjudicate_line, authorization_key, claim_outcome, deny_line, lines_hash, price_allowed,
        reverse_accumulators, total_charge, totals, validate_line, validate_plan, AdjudicatedLine,
        Appeal, AppealStatus, Authorization, AuthorizationDecision, AuthorizationId, Claim,
        ClaimId, ClaimLine, ClaimStatus, ClaimSubmission, CostSharing, CoveragePeriod,
        EncodedLines, Error, Escrow, EscrowChange, FeeScheduleEntry, MemberAppeal, Membership,
        Outcome, Overturn, PaymentConsent, Plan, PlanId, ReasonCode, ServiceCode, StoredClaim,
        APPEAL_DECISION_WINDOW, APPEAL_WINDOW, DAY, MAX_BATCH_LINES, MAX_CLAIM_BATCH,
        MAX_CLAIM_CHARGE, MAX_FEE_SCHEDULE_ENTRIES, MAX_FEE_UPDATES, MAX_LINES,
        MAX_SETTLED_PER_CALL, RELAY_DOMAIN,
    };
    use healthchain_common::{
        access::{
            admin_arg, AccessControl, AccessControlled, AccessError, Callees, PendingChange, Role,
            RoleSet,
        },
        admin_message,
        call_cache::CallCache,
        consent::{
            query_consent, query_consents, ConsentAnswer, ConsentQuery, DataClasses, Purpose,
        },
        entry,
        event::emit,
        merkle::{blake2_256, Digest},
        provenance::{query_dispensed_units, recipient_commitment, DispensedUnit, UnitId},
        relay::{Relay, Signature},
    };
    use ink::{
        prelude::vec::Vec,
        scale::Encode,
        storage::{traits::ManualKey, Mapping},
    };

    /// The storage keys of the records a claim reads and writes, fixed (not derived from
    /// the layout) so that they are read and written straight from and to the host
    /// (`entry::get_at`, `entry::get`, `entry::set_at`), the same entries as their
    /// `Mapping`s': one copy of each record's decoding and encoding, in place of ink!'s
    /// `Mapping::get` and `insert` for each value type (955 bytes less in the contract's
    /// own build, which every claim's proof carries). Public for a migration, which keeps
    /// these records where they are.
    pub const PLANS_KEY: u32 = 0x6863_7370; // "hcsp"
    pub const FEE_SCHEDULES_KEY: u32 = 0x6863_7366; // "hcsf"
    pub const MEMBERSHIPS_KEY: u32 = 0x6863_736d; // "hcsm"
    pub const ESCROWS_KEY: u32 = 0x6863_7365; // "hcse"
    pub const CREDITS_KEY: u32 = 0x6863_7363; // "hcsc"
    pub const AUTHORIZATIONS_KEY: u32 = 0x6863_7361; // "hcsa"
    pub const BILLED_KEY: u32 = 0x6863_7362; // "hcsb"

    /// Plan `plan`'s record, if it was created.
    fn plan_of(plan: &PlanId) -> Option<Plan> {
        entry::get_at(PLANS_KEY, plan)
    }

    /// The entry for `key.1` in plan `key.0`'s fee schedule (`None`: not covered).
    fn fee_of(key: &(PlanId, ServiceCode)) -> Option<FeeScheduleEntry> {
        entry::get_at(FEE_SCHEDULES_KEY, key)
    }

    /// The membership of `key.1` (the patient's account) in plan `key.0`, if enrolled.
    fn membership_of(key: &(PlanId, AccountId)) -> Option<Membership> {
        entry::get_at(MEMBERSHIPS_KEY, key)
    }

    /// `insurer`'s escrow (empty if it never funded one).
    fn escrow_of(insurer: &AccountId) -> Escrow {
        entry::get(ESCROWS_KEY, insurer).unwrap_or_default()
    }

    /// Prior authorization `id`'s record, if it was requested.
    fn authorization_of(id: &AuthorizationId) -> Option<Authorization> {
        entry::get_at(AUTHORIZATIONS_KEY, id)
    }

    /// Stores the membership of `key.1` in plan `key.0`.
    fn store_membership(key: &(PlanId, AccountId), membership: &Membership) {
        entry::set_at(MEMBERSHIPS_KEY, key, membership);
    }

    /// Stores `insurer`'s escrow.
    fn store_escrow(insurer: &AccountId, escrow: &Escrow) {
        entry::set_at(ESCROWS_KEY, insurer, escrow);
    }

    /// Records that a claim allowed what `billing_key` names; returns whether one had
    /// already (the host answers it with the write: no read is spent to know it).
    fn store_billed(billing_key: &Hash) -> bool {
        entry::set_at(BILLED_KEY, billing_key, &()).is_some()
    }

    /// Marks billed the keys of the paid lines among `lines`, whose callers checked that
    /// no claim billed them: a claim whose marks were read (`Marks::Read`), an overturn.
    fn mark_billed<'a>(lines: impl Iterator<Item = &'a AdjudicatedLine>) {
        for line in lines.filter(|line| line.allowed > 0) {
            store_billed(&line.billing_key);
        }
    }

    /// Marks billed the keys of the paid lines among `lines`, of a claim adjudicated with
    /// its marks unread (`Marks::Unread`): each write tells whether the key was billed
    /// already. Then that line is a duplicate: the keys marked before it are cleared, and
    /// `false` says that the claim must be adjudicated again with its marks read. The
    /// claim's first writes: nothing else of it is written yet.
    fn claim_marks(lines: &[AdjudicatedLine]) -> bool {
        let paid = || lines.iter().filter(|line| line.allowed > 0);
        for (position, line) in paid().enumerate() {
            if store_billed(&line.billing_key) {
                for earlier in paid().take(position) {
                    entry::clear_at(BILLED_KEY, &earlier.billing_key);
                }
                return false;
            }
        }
        true
    }

    /// What the insurers paid `provider` that it has not received yet (zero if nothing).
    fn credit_of(provider: &AccountId) -> Balance {
        entry::get(CREDITS_KEY, provider).unwrap_or_default()
    }

    /// An insurer created a plan.
    #[ink(event)]
    pub struct PlanCreated {
        pub plan: PlanId,
        pub insurer: AccountId,
        pub cost_sharing: CostSharing,
        pub payment_consent: PaymentConsent,
        pub filing_limit_days: Option<u16>,
        pub year_start: Timestamp,
        pub year_end: Timestamp,
    }

    /// A code was added to, changed in (`entry` is `Some`) or removed from (`None`) a
    /// plan's fee schedule.
    #[ink(event)]
    pub struct FeeScheduleUpdated {
        pub plan: PlanId,
        pub code: ServiceCode,
        pub entry: Option<FeeScheduleEntry>,
    }

    /// A member's current coverage period in a plan is now [coverage_start,
    /// coverage_end): the insurer enrolled the member, or ended the enrolment (the end
    /// moved to the time it ended). One event for both: each event type is code.
    #[ink(event)]
    pub struct EnrolmentChanged {
        pub plan: PlanId,
        pub member: AccountId,
        pub insurer: AccountId,
        pub coverage_start: Timestamp,
        pub coverage_end: Timestamp,
    }

    /// An insurer added funds to its escrow or took free funds out of it; `funds` is what
    /// it holds now.
    #[ink(event)]
    pub struct EscrowChanged {
        pub insurer: AccountId,
        pub change: EscrowChange,
        pub funds: Balance,
    }

    /// A prior authorization was requested (`decision` is `Requested` and `document_hash`
    /// the request's) or decided (`document_hash` is the decision's).
    #[ink(event)]
    pub struct AuthorizationChanged {
        pub patient: AccountId,
        pub provider: AccountId,
        pub insurer: AccountId,
        pub authorization: AuthorizationId,
        pub plan: PlanId,
        pub decision: AuthorizationDecision,
        pub document_hash: Hash,
    }

    /// The provider voided a claim (frequency code 8), or replaced it (`replaced_by`): the
    /// insurer's escrow got back what it paid (`refunded`), what the claim still waited
    /// for was cancelled, the member's accumulators gave back what its lines added, and
    /// its services may be billed again.
    #[ink(event)]
    pub struct ClaimVoided {
        pub patient: AccountId,
        pub provider: AccountId,
        pub insurer: AccountId,
        pub claim: ClaimId,
        pub refunded: Balance,
        pub cancelled: Balance,
        pub replaced_by: Option<ClaimId>,
    }

    /// A provider submitted a claim and it was adjudicated in the same call: its plan,
    /// document, number of lines, outcome and totals (lines via `claim_lines`). One event
    /// for both: each event is a large part of a call's proof.
    ///
    /// Anonymous, the contract's only anonymous event: no topic at all, not even its
    /// signature, because each topic adds about 2.5 KB to a claim's proof. Clients tell it
    /// by its having no topics (docs/privacy.md, "Event topics").
    #[ink(event)]
    #[ink(anonymous)]
    pub struct ClaimAdjudicated {
        pub patient: AccountId,
        pub provider: AccountId,
        pub insurer: AccountId,
        pub claim: ClaimId,
        pub plan: PlanId,
        pub document_hash: Hash,
        pub lines: u32,
        /// The claim this one replaces (frequency code 7), if any.
        pub replaces: Option<ClaimId>,
        pub outcome: Outcome,
        pub submitted: Balance,
        pub allowed: Balance,
        pub patient_responsibility: Balance,
        pub payable: Balance,
        /// What the insurer paid of `payable` in this same call, out of its escrow (no
        /// `ClaimPaid` repeats it), transferred to the provider at the end of the call
        /// (`CreditTransfer` only if the chain refuses it or a stored credit goes with it);
        /// the rest waits for funds (`PaymentAwaitingFunds`).
        pub paid: Balance,
        /// The reason every line was denied for, when the whole claim was.
        pub claim_denial: Option<ReasonCode>,
    }

    /// The insurer paid `amount` for the claim out of its escrow, after its adjudication
    /// (from the queue of claims waiting for funds, or for an overturned appeal; a payment
    /// in the adjudicating call is `ClaimAdjudicated::paid`): it is now the provider's
    /// credit, transferred at the end of the call, or kept for `collect` or `pay_out` if the
    /// chain refuses that transfer (`CreditTransfer`).
    #[ink(event)]
    pub struct ClaimPaid {
        pub patient: AccountId,
        pub provider: AccountId,
        pub insurer: AccountId,
        pub claim: ClaimId,
        pub amount: Balance,
    }

    /// The approved amount waits for the insurer's escrow to be funded.
    #[ink(event)]
    pub struct PaymentAwaitingFunds {
        pub patient: AccountId,
        pub provider: AccountId,
        pub insurer: AccountId,
        pub claim: ClaimId,
        pub amount: Balance,
    }

    /// A provider's stored credit was transferred to it (`transferred`, `amount` with what
    /// the same call paid it), or the chain refused a transfer (for example an amount
    /// below the existential deposit to an account that does not exist): then the credit
    /// stays, for the provider to `collect` or anyone to `pay_out` later. Nobody else
    /// waits for it. A transfer of only what the call paid (`ClaimAdjudicated::paid`,
    /// `ClaimPaid`) has no event of its own: those events and the chain's own
    /// `Balances::Transfer` say it, and each event is a large part of a claim's proof.
    #[ink(event)]
    pub struct CreditTransfer {
        pub provider: AccountId,
        pub amount: Balance,
        pub transferred: bool,
    }

    /// The insurer cancelled what a claim still waited for; its escrow no longer owes it.
    #[ink(event)]
    pub struct PaymentCancelled {
        pub provider: AccountId,
        pub insurer: AccountId,
        pub claim: ClaimId,
        pub amount: Balance,
    }

    /// The admin moved a plan to another insurer (a key rotation or a portfolio transfer).
    /// Claims already submitted stay with the insurer that adjudicated them.
    #[ink(event)]
    pub struct PlanReassigned {
        pub plan: PlanId,
        pub previous: AccountId,
        pub new: AccountId,
    }

    /// The provider appealed the claim.
    #[ink(event)]
    pub struct ClaimAppealed {
        pub patient: AccountId,
        pub provider: AccountId,
        pub insurer: AccountId,
        pub claim: ClaimId,
        /// The provider or the member.
        pub by: AccountId,
        pub evidence_hash: Hash,
        /// When the insurer's decision is due.
        pub decide_by: Timestamp,
    }

    /// The insurer let an appeal's decision deadline pass without deciding.
    #[ink(event)]
    pub struct AppealOverdue {
        pub patient: AccountId,
        pub provider: AccountId,
        pub insurer: AccountId,
        pub claim: ClaimId,
        pub decide_by: Timestamp,
    }

    /// The insurer resolved the appeal: upheld, or overturned with the amount the plan
    /// pays more after cost sharing; `late` when decided after the deadline.
    #[ink(event)]
    pub struct AppealResolved {
        pub patient: AccountId,
        pub provider: AccountId,
        pub insurer: AccountId,
        pub claim: ClaimId,
        pub status: AppealStatus,
        pub decision_hash: Hash,
        pub late: bool,
    }

    /// Which contract a wiring change is about: its number in [`healthchain_common::access::Change::Callee`] and in
    /// the `callee` of the `CalleeChanged` event.
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Callee {
        ConsentRegistry,
        DrugProvenance,
    }

    /// Plans, members, escrows, claims and their payment queue.
    #[ink(storage)]
    pub struct ClaimSettlement {
        access: AccessControl,
        /// The consent registry and drug_provenance, callees 0 and 1 ([`Callee`]). Second
        /// in the root, where the admin library finds them.
        callees: Callees,
        /// Read through `plan_of` (and the three below through `fee_of`, `membership_of`
        /// and `escrow_of`; the last two written through `store_membership` and
        /// `store_escrow`).
        plans: Mapping<PlanId, Plan, ManualKey<PLANS_KEY>>,
        last_plan: PlanId,
        fee_schedules:
            Mapping<(PlanId, ServiceCode), FeeScheduleEntry, ManualKey<FEE_SCHEDULES_KEY>>,
        memberships: Mapping<(PlanId, AccountId), Membership, ManualKey<MEMBERSHIPS_KEY>>,
        escrows: Mapping<AccountId, Escrow, ManualKey<ESCROWS_KEY>>,
        /// The sum of every insurer's escrow funds: the contract's balance covers it.
        escrow_total: Balance,
        /// Each claim's header and lines, one item: filing a claim writes it once.
        claims: Mapping<ClaimId, StoredClaim>,
        last_claim: ClaimId,
        /// What was already allowed: services by (patient, provider, plan, service day,
        /// keyed code, repeat modifier), drug packages by (GTIN, lot, serial, recipient
        /// salt). See [`billing_key`]. A set: the claim that allowed a key is the one
        /// whose allowed line has it, since a later line with the key is a duplicate; so
        /// a claim marks its keys by writing them, without reading them first. Read and
        /// written straight from the host (`store_billed`, `entry::contains_at`,
        /// `entry::clear_at`).
        billed: Mapping<Hash, (), ManualKey<BILLED_KEY>>,
        /// What the insurers paid that providers have not received yet.
        credits: Mapping<AccountId, Balance, ManualKey<CREDITS_KEY>>,
        /// The sum of `credits`: the contract's balance covers it and `escrow_total`.
        credit_total: Balance,
        /// Per insurer, the claims waiting for funds, in order: (insurer, position).
        payment_queue: Mapping<(AccountId, u64), ClaimId>,
        /// Per insurer, (first waiting position, next free position).
        queue_bounds: Mapping<AccountId, (u64, u64)>,
        /// Prior authorizations, by id.
        authorizations: Mapping<AuthorizationId, Authorization, ManualKey<AUTHORIZATIONS_KEY>>,
        last_authorization: AuthorizationId,
        /// The chain members' relayed appeals are signed for, and each member's next
        /// nonce.
        relay: Relay,
        /// The code hash of this contract's library (`claim_settlement_library`): this
        /// same source built with `cfg(healthchain_library)`, which answers the cold
        /// messages (plans, fee schedules, enrolment, authorizations, escrow, credits,
        /// settlement, voids and replacements, appeals and the getters) by delegate call in
        /// this storage, so that a claim's proof carries none of their code. Set by the
        /// constructor; an upgrade to other code must set its own library in its
        /// migration.
        library: Hash,
    }

    impl ClaimSettlement {
        /// Creates the contract with the caller as admin, asking the consent registry at
        /// `consent_registry` and the drug_provenance contract at `drug_provenance`.
        /// Upgrades and rewirings wait `change_delay` milliseconds between proposal and
        /// application (for example two days on a production chain; 0 in tests).
        /// Insurers and providers are then registered by the admin with `grant_role`.
        /// `chain` is the chain's genesis hash: a member's relayed appeal must be signed
        /// for it.
        /// `admin_library` is the code hash of the uploaded admin library
        /// (`access_library`), which answers the admin, role, pause and upgrade messages in
        /// this contract's storage; `library` is the code hash of this contract's own
        /// library (`claim_settlement_library`, built from the same source), which answers
        /// its cold messages. Instantiation fails if no code is uploaded under either; both
        /// are locked, so nobody can remove them while the contract relies on them.
        #[ink(constructor)]
        pub fn new(
            consent_registry: AccountId,
            drug_provenance: AccountId,
            chain: Hash,
            change_delay: Timestamp,
            admin_library: Hash,
            library: Hash,
        ) -> Self {
            healthchain_common::access::lock_library(library);
            Self {
                access: AccessControl::new(
                    Self::env().caller(),
                    RoleSet::of(&[Role::Insurer, Role::Provider]),
                    None,
                    change_delay,
                    admin_library,
                ),
                callees: Callees::new(Vec::from([consent_registry, drug_provenance])),
                plans: Mapping::default(),
                last_plan: 0,
                fee_schedules: Mapping::default(),
                memberships: Mapping::default(),
                escrows: Mapping::default(),
                escrow_total: 0,
                claims: Mapping::default(),
                last_claim: 0,
                billed: Mapping::default(),
                credits: Mapping::default(),
                credit_total: 0,
                payment_queue: Mapping::default(),
                queue_bounds: Mapping::default(),
                authorizations: Mapping::default(),
                last_authorization: 0,
                relay: Relay::new(chain),
                library,
            }
        }

        /// The consent registry and the drug_provenance contract this contract asks.
        #[cfg(not(healthchain_contract))]
        #[ink(message)]
        pub fn callees(&self) -> (AccountId, AccountId) {
            (self.consent_registry(), self.drug_provenance())
        }

        /// Proposes pointing the contract at another consent registry or drug_provenance
        /// contract (after a migration), with a `ChangeProposed` event; `apply_callee`
        /// makes the change once the change delay has passed. Admin only. Returns when it
        /// may be applied. Answered by the admin library.
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

        /// Applies the proposed callee change once its delay has passed, with a
        /// `CalleeChanged` event. Admin only. Answered by the admin library.
        #[cfg(not(healthchain_contract))]
        #[ink(message)]
        pub fn apply_callee(&mut self) -> Result<(), AccessError> {
            admin_message!(self.access, self.callees => apply(&mut self.access))
        }

        fn consent_registry(&self) -> AccountId {
            self.callees.get(Callee::ConsentRegistry as u8)
        }

        fn drug_provenance(&self) -> AccountId {
            self.callees.get(Callee::DrugProvenance as u8)
        }

        /// Creates a plan (registered insurers only): deductible, copay, coinsurance in
        /// basis points (at most 10,000), out-of-pocket maximum (at least the deductible)
        /// and the plan year [year_start, year_end) in milliseconds, and the law the plan
        /// follows on payment consent: `Required` (a claim needs the patient's payment
        /// consent to the provider) or `PermittedUnlessRestricted` (HIPAA: no consent
        /// needed, but a restriction the patient recorded denies the claim), and the
        /// timely filing limit: a claim that arrives more than `filing_limit_days` (1 or
        /// more) after its service date is denied CO-29 (`None` for no limit). Returns the
        /// plan id.
        #[cfg(not(healthchain_contract))]
        #[ink(message)]
        pub fn create_plan(
            &mut self,
            cost_sharing: CostSharing,
            payment_consent: PaymentConsent,
            filing_limit_days: Option<u16>,
            year_start: Timestamp,
            year_end: Timestamp,
        ) -> Result<PlanId, Error> {
            self.access.ensure_not_paused()?;
            let insurer = self.access.ensure_role(Role::Insurer)?;
            validate_plan(&cost_sharing, year_start, year_end)?;
            if filing_limit_days == Some(0) {
                return Err(Error::ZeroFilingLimit);
            }
            let plan = self.last_plan.checked_add(1).ok_or(Error::Overflow)?;
            self.last_plan = plan;
            self.plans.insert(
                plan,
                &Plan {
                    insurer,
                    cost_sharing,
                    payment_consent,
                    year_start,
                    year_end,
                    filing_limit_days,
                    fee_schedule_entries: 0,
                },
            );
            emit(PlanCreated {
                plan,
                insurer,
                cost_sharing,
                payment_consent,
                filing_limit_days,
                year_start,
                year_end,
            });
            Ok(plan)
        }

        /// Asks `plan`'s insurer ahead of care to authorise `code` for `patient` (X12 278):
        /// the caller, a registered provider, with the hash of the request document.
        /// Returns the authorization id, which the claim line names once it is approved.
        /// The record keeps only a hash of (patient, provider, plan, code).
        #[cfg(not(healthchain_contract))]
        #[ink(message)]
        pub fn request_authorization(
            &mut self,
            patient: AccountId,
            plan: PlanId,
            code: ServiceCode,
            document_hash: Hash,
        ) -> Result<AuthorizationId, Error> {
            self.access.ensure_not_paused()?;
            let provider = self.access.ensure_role(Role::Provider)?;
            if provider == patient {
                return Err(Error::ProviderIsPatient);
            }
            if !code.is_valid() {
                return Err(Error::InvalidServiceCode);
            }
            if healthchain_common::is_zero_hash(document_hash.as_ref()) {
                return Err(Error::ZeroHash);
            }
            let record = plan_of(&plan).ok_or(Error::UnknownPlan)?;
            if !self.memberships.contains((plan, patient)) {
                return Err(Error::UnknownMember);
            }
            let id = self
                .last_authorization
                .checked_add(1)
                .ok_or(Error::Overflow)?;
            self.last_authorization = id;
            self.authorizations.insert(
                id,
                &Authorization {
                    patient,
                    provider,
                    plan,
                    key: authorization_key(&patient, &provider, plan, &code),
                    document_hash,
                    requested_at: self.env().block_timestamp(),
                    decision: AuthorizationDecision::Requested,
                    decision_hash: None,
                },
            );
            emit(AuthorizationChanged {
                patient,
                provider,
                insurer: record.insurer,
                authorization: id,
                plan,
                decision: AuthorizationDecision::Requested,
                document_hash,
            });
            Ok(id)
        }

        /// Decides a prior authorization request (the plan's insurer, once): `Some((from,
        /// until))` approves it for services in [from, until), with an id claim lines
        /// name; `None` denies it. With the hash of the decision.
        #[cfg(not(healthchain_contract))]
        #[ink(message)]
        pub fn decide_authorization(
            &mut self,
            authorization: AuthorizationId,
            approved_for: Option<(Timestamp, Timestamp)>,
            decision_hash: Hash,
        ) -> Result<(), Error> {
            self.access.ensure_not_paused()?;
            let mut record = self
                .authorizations
                .get(authorization)
                .ok_or(Error::UnknownAuthorization)?;
            let plan = self.plan_of_insurer(record.plan)?;
            if record.decision != AuthorizationDecision::Requested {
                return Err(Error::AuthorizationDecided);
            }
            if healthchain_common::is_zero_hash(decision_hash.as_ref()) {
                return Err(Error::ZeroHash);
            }
            record.decision = match approved_for {
                Some((valid_from, valid_until)) if valid_from < valid_until => {
                    AuthorizationDecision::Approved {
                        valid_from,
                        valid_until,
                    }
                }
                Some(_) => return Err(Error::InvalidPeriod),
                None => AuthorizationDecision::Denied,
            };
            record.decision_hash = Some(decision_hash);
            self.authorizations.insert(authorization, &record);
            emit(AuthorizationChanged {
                patient: record.patient,
                provider: record.provider,
                insurer: plan.insurer,
                authorization,
                plan: record.plan,
                decision: record.decision,
                document_hash: decision_hash,
            });
            Ok(())
        }

        /// A prior authorization: who asked whom, the hash it matches claim lines by, and
        /// the decision.
        #[cfg(not(healthchain_contract))]
        #[ink(message)]
        pub fn authorization(&self, authorization: AuthorizationId) -> Option<Authorization> {
            authorization_of(&authorization)
        }

        /// Adds, changes (`Some(entry)`) or removes (`None`) fee schedule codes of a plan:
        /// at most 64 changes per call, at most 2,000 codes per plan. The plan's insurer
        /// only. One `FeeScheduleUpdated` event per change.
        #[cfg(not(healthchain_contract))]
        #[ink(message)]
        pub fn update_fee_schedule(
            &mut self,
            plan: PlanId,
            changes: Vec<(ServiceCode, Option<FeeScheduleEntry>)>,
        ) -> Result<(), Error> {
            self.access.ensure_not_paused()?;
            let mut record = self.plan_of_insurer(plan)?;
            if changes.len() > MAX_FEE_UPDATES {
                return Err(Error::TooManyFeeUpdates);
            }
            if changes.iter().any(|(code, _)| !code.is_valid()) {
                return Err(Error::InvalidServiceCode);
            }
            // Count first, so that a refused call has changed nothing.
            let mut touched: Vec<(ServiceCode, bool)> = Vec::with_capacity(changes.len());
            let mut entries = record.fee_schedule_entries;
            for (code, entry) in &changes {
                let present = match touched.iter().rev().find(|(c, _)| c == code) {
                    Some((_, present)) => *present,
                    None => self.fee_schedules.contains((plan, *code)),
                };
                entries = match (present, entry.is_some()) {
                    (false, true) => entries.checked_add(1).ok_or(Error::Overflow)?,
                    (true, false) => entries.saturating_sub(1),
                    _ => entries,
                };
                if entries > MAX_FEE_SCHEDULE_ENTRIES {
                    return Err(Error::FeeScheduleFull);
                }
                touched.push((*code, entry.is_some()));
            }
            for (code, entry) in changes {
                match entry {
                    Some(entry) => {
                        self.fee_schedules.insert((plan, code), &entry);
                    }
                    None => self.fee_schedules.remove((plan, code)),
                }
                emit(FeeScheduleUpdated { plan, code, entry });
            }
            record.fee_schedule_entries = entries;
            self.plans.insert(plan, &record);
            Ok(())
        }

        /// A plan's terms and the number of codes in its fee schedule.
        #[cfg(not(healthchain_contract))]
        #[ink(message)]
        pub fn plan(&self, plan: PlanId) -> Option<Plan> {
            plan_of(&plan)
        }

        /// A code's fee schedule entry in a plan, if covered.
        #[cfg(not(healthchain_contract))]
        #[ink(message)]
        pub fn fee(&self, plan: PlanId, code: ServiceCode) -> Option<FeeScheduleEntry> {
            fee_of(&(plan, code))
        }

        /// Enrols `member` (the patient's account) in a plan for the coverage period
        /// [coverage_start, coverage_end), inside the plan year. The plan's insurer only.
        /// A member whose enrolment has ended may be enrolled again for a later period
        /// (at most 4 periods per plan year); the plan year's accumulators carry over and
        /// claims for services in the earlier periods stay payable.
        #[cfg(not(healthchain_contract))]
        #[ink(message)]
        pub fn enrol_member(
            &mut self,
            plan: PlanId,
            member: AccountId,
            coverage_start: Timestamp,
            coverage_end: Timestamp,
        ) -> Result<(), Error> {
            self.access.ensure_not_paused()?;
            let record = self.plan_of_insurer(plan)?;
            if coverage_start >= coverage_end {
                return Err(Error::InvalidPeriod);
            }
            if coverage_start < record.year_start || coverage_end > record.year_end {
                return Err(Error::CoverageOutsidePlanYear);
            }
            let mut membership = membership_of(&(plan, member)).unwrap_or(Membership {
                periods: Vec::new(),
                accumulators: Default::default(),
            });
            membership.renew(
                CoveragePeriod {
                    start: coverage_start,
                    end: coverage_end,
                },
                self.env().block_timestamp(),
            )?;
            store_membership(&(plan, member), &membership);
            emit(EnrolmentChanged {
                plan,
                member,
                insurer: record.insurer,
                coverage_start,
                coverage_end,
            });
            Ok(())
        }

        /// Ends a member's enrolment now: services from now on are not covered; claims for
        /// earlier services still are. The plan's insurer only.
        #[cfg(not(healthchain_contract))]
        #[ink(message)]
        pub fn end_enrolment(&mut self, plan: PlanId, member: AccountId) -> Result<(), Error> {
            self.access.ensure_not_paused()?;
            let record = self.plan_of_insurer(plan)?;
            let mut membership = membership_of(&(plan, member)).ok_or(Error::UnknownMember)?;
            let now = self.env().block_timestamp();
            let current = membership.periods.last_mut().ok_or(Error::UnknownMember)?;
            // Coverage ends now, or at its start if it has not begun (an empty period).
            let end = now.max(current.start);
            if current.end <= end {
                return Err(Error::EnrolmentEnded);
            }
            current.end = end;
            let coverage_start = current.start;
            store_membership(&(plan, member), &membership);
            emit(EnrolmentChanged {
                plan,
                member,
                insurer: record.insurer,
                coverage_start,
                coverage_end: end,
            });
            Ok(())
        }

        /// A member's coverage periods and accumulators in a plan.
        #[cfg(not(healthchain_contract))]
        #[ink(message)]
        pub fn membership(&self, plan: PlanId, member: AccountId) -> Option<Membership> {
            membership_of(&(plan, member))
        }

        /// Moves a plan to another registered insurer (a key rotation, or a book of
        /// business sold). Admin only. Claims already submitted keep the insurer that
        /// adjudicated them and are paid from its escrow.
        #[cfg(not(healthchain_contract))]
        #[ink(message)]
        pub fn reassign_plan(&mut self, plan: PlanId, new_insurer: AccountId) -> Result<(), Error> {
            self.access.ensure_admin()?;
            let mut record = plan_of(&plan).ok_or(Error::UnknownPlan)?;
            if !self.access.has_role(new_insurer, Role::Insurer) {
                return Err(Error::NotAnInsurer);
            }
            let previous = core::mem::replace(&mut record.insurer, new_insurer);
            self.plans.insert(plan, &record);
            emit(PlanReassigned {
                plan,
                previous,
                new: new_insurer,
            });
            Ok(())
        }

        /// Deposits the transferred value into the caller's escrow (registered insurers).
        /// Claims waiting for funds are paid from it first, in order of approval (at most
        /// 8 per call; `settle` pays more).
        #[cfg(not(healthchain_contract))]
        #[ink(message, payable)]
        pub fn deposit(&mut self) -> Result<(), Error> {
            self.access.ensure_not_paused()?;
            let insurer = self.access.ensure_role(Role::Insurer)?;
            let amount = self.env().transferred_value();
            if amount == 0 {
                return Err(Error::ZeroDeposit);
            }
            let mut escrow = escrow_of(&insurer);
            escrow.deposit(amount)?;
            self.escrow_total = self
                .escrow_total
                .checked_add(amount)
                .ok_or(Error::Overflow)?;
            emit(EscrowChanged {
                insurer,
                change: EscrowChange::Deposited(amount),
                funds: escrow.funds,
            });
            let paid = self.pay_waiting(insurer, &mut escrow, MAX_SETTLED_PER_CALL)?;
            store_escrow(&insurer, &escrow);
            self.push(&paid)
        }

        /// Withdraws `amount` of the caller's free escrow: funds that no approved claim
        /// waits for. Registered insurers only.
        #[cfg(not(healthchain_contract))]
        #[ink(message)]
        pub fn withdraw(&mut self, amount: Balance) -> Result<(), Error> {
            self.access.ensure_not_paused()?;
            let insurer = self.access.ensure_role(Role::Insurer)?;
            let mut escrow = escrow_of(&insurer);
            escrow.withdraw(amount)?;
            self.escrow_total = self
                .escrow_total
                .checked_sub(amount)
                .ok_or(Error::Overflow)?;
            store_escrow(&insurer, &escrow);
            emit(EscrowChanged {
                insurer,
                change: EscrowChange::Withdrawn(amount),
                funds: escrow.funds,
            });
            // Only the insurer's own call fails if the chain refuses: it changes nothing.
            self.env()
                .transfer(insurer, amount)
                .map_err(|_| Error::TransferFailed)
        }

        /// An insurer's escrow: its funds, and what approved claims still wait for.
        #[cfg(not(healthchain_contract))]
        #[ink(message)]
        pub fn escrow(&self, insurer: AccountId) -> Escrow {
            escrow_of(&insurer)
        }

        /// The sum of every insurer's escrow funds. The contract's balance always covers
        /// it plus `credit_total`.
        #[cfg(not(healthchain_contract))]
        #[ink(message)]
        pub fn escrow_total(&self) -> Balance {
            self.escrow_total
        }

        /// What the insurers paid `provider` that it has not received yet: transfers the
        /// chain refused, kept for `collect` or `pay_out`.
        #[cfg(not(healthchain_contract))]
        #[ink(message)]
        pub fn credit(&self, provider: AccountId) -> Balance {
            credit_of(&provider)
        }

        /// The sum of every provider's credit.
        #[cfg(not(healthchain_contract))]
        #[ink(message)]
        pub fn credit_total(&self) -> Balance {
            self.credit_total
        }

        /// Transfers the caller's whole credit to it. If the chain refuses the transfer,
        /// the call fails and the credit stays.
        #[cfg(not(healthchain_contract))]
        #[ink(message)]
        pub fn collect(&mut self) -> Result<Balance, Error> {
            self.access.ensure_not_paused()?;
            let provider = self.env().caller();
            let amount = self.take_credit(provider)?;
            self.env()
                .transfer(provider, amount)
                .map_err(|_| Error::TransferFailed)?;
            emit(CreditTransfer {
                provider,
                amount,
                transferred: true,
            });
            Ok(amount)
        }

        /// Tries to transfer `provider`'s credit to it; anyone may call (for example once
        /// the provider's account exists again). Returns whether the chain accepted the
        /// transfer; a refused one keeps the credit (`CreditTransfer` says which).
        #[cfg(not(healthchain_contract))]
        #[ink(message)]
        pub fn pay_out(&mut self, provider: AccountId) -> Result<bool, Error> {
            self.access.ensure_not_paused()?;
            self.transfer_credit(provider, 0, true)
        }

        /// Pays claims waiting for `insurer`'s funds, in order of approval, as far as its
        /// escrow covers them (at most `max_claims`, capped at 8). Anyone may call. Returns
        /// how many were paid.
        #[cfg(not(healthchain_contract))]
        #[ink(message)]
        pub fn settle(&mut self, insurer: AccountId, max_claims: u32) -> Result<u32, Error> {
            self.access.ensure_not_paused()?;
            let mut escrow = escrow_of(&insurer);
            let limit = max_claims.min(MAX_SETTLED_PER_CALL);
            let paid = self.pay_waiting(insurer, &mut escrow, limit)?;
            store_escrow(&insurer, &escrow);
            self.push(&paid)?;
            Ok(u32::try_from(paid.len()).unwrap_or(u32::MAX))
        }

        /// Cancels what `claim` still waits for (its insurer only, with the Insurer role):
        /// the escrow no longer owes it and the claim leaves the payment queue. For a claim
        /// the insurer will not pay, such as one approved in error.
        #[cfg(not(healthchain_contract))]
        #[ink(message)]
        pub fn cancel_payment(&mut self, claim: ClaimId) -> Result<Balance, Error> {
            self.access.ensure_not_paused()?;
            let mut stored = self.stored_claim(claim)?;
            let mut record = stored.header;
            self.ensure_claim_insurer(&record)?;
            let amount = record.awaiting_payment;
            if amount == 0 {
                return Err(Error::NotAwaitingPayment);
            }
            let mut escrow = escrow_of(&record.insurer);
            escrow.owed = escrow.owed.checked_sub(amount).ok_or(Error::Overflow)?;
            record.awaiting_payment = 0;
            record.cancelled = record
                .cancelled
                .checked_add(amount)
                .ok_or(Error::Overflow)?;
            // Its queue entry stays and is skipped: the queue is only ever read in order.
            stored.header = record;
            self.claims.insert(claim, &stored);
            store_escrow(&record.insurer, &escrow);
            emit(PaymentCancelled {
                provider: record.provider,
                insurer: record.insurer,
                claim,
                amount,
            });
            Ok(amount)
        }

        /// The number of entries in `insurer`'s payment queue (claims waiting for its
        /// funds, and cancelled ones not yet passed).
        #[cfg(not(healthchain_contract))]
        #[ink(message)]
        pub fn waiting_claims(&self, insurer: AccountId) -> u64 {
            let (head, tail) = self.queue_bounds.get(insurer).unwrap_or_default();
            tail.saturating_sub(head)
        }

        /// Submits a claim for `patient` under `plan` (registered providers only) and
        /// adjudicates it in the same call: 1 to 50 lines, each a keyed procedure code
        /// (`ServiceCode::procedure` of a CPT / HCPCS code and the plan's secret, with CPT
        /// modifier 76 or 77 for an intentional repeat) or a drug GTIN with its lot, serial
        /// and the salt of the pharmacy's commitment to the patient, a quantity and the line's charge (at most 10^30 for the
        /// whole claim); the service date (not in the future) and the hash of the claim
        /// document. The claim is denied in whole when filed after the plan's limit (CO-29),
        /// for no coverage on the service date (PR-26, 27 or 200), or for payment consent
        /// (CO-16 or PR-96, see `ReasonCode`); otherwise each line is checked for
        /// duplicates (OA-18: the same code for the same patient, provider, plan and day
        /// already allowed, whatever its charge, or the same package), priced against the
        /// fee schedule (CO-45, CO-96), drug lines are checked against drug_provenance
        /// (CO-16, 96, 112, 114), and the
        /// deductible, copay and coinsurance are applied up to the out-of-pocket maximum.
        /// What the insurer pays is credited to the provider from its escrow and
        /// transferred at the end of the call, or waits for funds. Returns the claim id.
        /// A claim whose whole charge its insurer's escrow does not cover at once (funds
        /// short, or claims already waiting) is answered by the contract's library, which
        /// keeps the payment queue's code: the same answer, with the library's code in the
        /// call's proof. So is a claim that bills again a service already paid, which a
        /// paid line's billing mark, written without being read first, tells.
        #[ink(message)]
        #[inline(never)]
        pub fn submit_claim(
            &mut self,
            patient: AccountId,
            plan: PlanId,
            service_date: Timestamp,
            lines: Vec<ClaimLine>,
            document_hash: Hash,
        ) -> Result<ClaimId, Error> {
            self.access.ensure_not_paused()?;
            let provider = self.access.ensure_role(Role::Provider)?;
            let mut reads = PlanReads::default();
            #[cfg_attr(not(healthchain_contract), allow(unused_mut))]
            let mut escrows = Escrows::default();
            #[cfg(healthchain_contract)]
            self.hand_over_unless_paid_at_once(plan, &lines, &mut reads, &mut escrows);
            let adjudicated = self.adjudicate_and_mark(
                provider,
                patient,
                plan,
                service_date,
                &lines,
                document_hash,
                None,
                None,
                &mut reads,
            )?;
            self.file_one(adjudicated, escrows)
        }

        /// In the contract's own build: hands the claim whole, input and all, to the
        /// library, which runs it from the start, unless its insurer's escrow would pay any
        /// outcome of it at once (`Escrow::pays_at_once` of the whole charge, which bounds
        /// what a claim pays). So nothing is written and no question asked before, and no
        /// claim of this build waits for funds: every other claim's proof carries none of
        /// the payment queue's code (`owe_later`). The plan and escrow read stay in `reads`
        /// and `escrows` for the claim.
        #[cfg(healthchain_contract)]
        fn hand_over_unless_paid_at_once(
            &self,
            plan: PlanId,
            lines: &[ClaimLine],
            reads: &mut PlanReads,
            escrows: &mut Escrows,
        ) {
            // An unknown plan is refused before any question.
            let Some(record) = self.plan_read(plan, reads) else {
                return;
            };
            let escrow = escrows.read(record.insurer, escrow_of);
            if !total_charge(lines).is_some_and(|charged| escrow.pays_at_once(charged)) {
                healthchain_common::access::delegate_to(self.library);
            }
        }

        /// Submits up to 16 claims of the caller (registered providers only) with 64 lines
        /// in all, as an 837 file arrives: each is `submit_claim`'s arguments and is
        /// adjudicated and paid as `submit_claim` would, in order, with its own answer. A
        /// refused claim changes nothing and does not stop the others; a later claim sees
        /// what an earlier one billed (a repeat is a duplicate). What the batch pays the
        /// caller is transferred once, at the end. Refused whole when paused, for a caller
        /// without the Provider role, or for a batch too large (`BatchTooLarge`). Answered
        /// by the contract's library: a batch carries its code once for all its claims, so
        /// that a single claim need not carry the batch's.
        #[cfg(not(healthchain_contract))]
        #[ink(message)]
        pub fn submit_claims(
            &mut self,
            claims: Vec<ClaimSubmission>,
        ) -> Result<Vec<Result<ClaimId, Error>>, Error> {
            self.access.ensure_not_paused()?;
            let provider = self.access.ensure_role(Role::Provider)?;
            let lines = claims
                .iter()
                .try_fold(0usize, |sum, claim| sum.checked_add(claim.lines.len()));
            if claims.len() > MAX_CLAIM_BATCH || lines.is_none_or(|n| n > MAX_BATCH_LINES) {
                return Err(Error::BatchTooLarge);
            }
            // Every claim's payment consent in one question: the registry's code is
            // carried once per batch. A failed question leaves each claim unverified.
            let queries = claims
                .iter()
                .map(|claim| ConsentQuery {
                    patient: claim.patient,
                    grantee: provider,
                    purpose: Purpose::Payment,
                    context: None,
                    classes: needed_classes(&claim.lines),
                })
                .collect();
            let consents = query_consents(self.consent_registry(), queries).ok();
            let mut answers = Vec::with_capacity(claims.len());
            let mut paid = Vec::new();
            // An 837 file's claims share their plan, codes and insurer: each plan, fee
            // and escrow is read once, and each escrow written once.
            let mut reads = PlanReads::default();
            let mut escrows = Escrows::default();
            for (index, claim) in claims.into_iter().enumerate() {
                let consent = consents.as_ref().map(|all| all.get(index).copied());
                let answer = match self.adjudicate_and_mark(
                    provider,
                    claim.patient,
                    claim.plan,
                    claim.service_date,
                    &claim.lines,
                    claim.document_hash,
                    None,
                    Some(consent.flatten()),
                    &mut reads,
                ) {
                    Ok(adjudicated) => {
                        // An error here is an overflow of the ledger's own sums: the
                        // whole batch is refused, as one claim would be.
                        let (id, payments) = self.file(adjudicated, &mut escrows)?;
                        paid.extend(payments);
                        Ok(id)
                    }
                    Err(refused) => Err(refused),
                };
                answers.push(answer);
            }
            self.store_escrows(escrows);
            self.push(&paid)?;
            Ok(answers)
        }

        /// Voids a claim the caller (its provider, holding the Provider role) submitted: X12
        /// claim frequency code 8. Everything the claim did is reversed exactly: what the
        /// insurer paid returns to its escrow (the provider's credit still held here
        /// first, the rest sent with this call: exactly `void_refund(claim)`), what it
        /// still waited for is cancelled, the member's deductible and out-of-pocket
        /// accumulators give back what its lines added, and its services and packages may
        /// be billed again. Not while an appeal of it is pending. Evented as
        /// `ClaimVoided`; the claim stays readable, marked voided.
        #[cfg(not(healthchain_contract))]
        #[ink(message, payable)]
        pub fn void_claim(&mut self, claim: ClaimId) -> Result<(), Error> {
            self.access.ensure_not_paused()?;
            let provider = self.access.ensure_role(Role::Provider)?;
            let stored = self.stored_claim(claim)?;
            self.reverse(claim, stored, provider, None)
        }

        /// Replaces a claim the caller submitted (X12 claim frequency code 7) with a
        /// corrected one for the same patient and plan: the old claim is voided exactly as
        /// `void_claim` does (send `void_refund(claim)` with the call), then the new
        /// service date and lines are adjudicated and paid like any claim, naming the claim
        /// they replace. Returns the new claim's id.
        #[cfg(not(healthchain_contract))]
        #[ink(message, payable)]
        pub fn replace_claim(
            &mut self,
            claim: ClaimId,
            service_date: Timestamp,
            lines: Vec<ClaimLine>,
            document_hash: Hash,
        ) -> Result<ClaimId, Error> {
            self.access.ensure_not_paused()?;
            let provider = self.access.ensure_role(Role::Provider)?;
            // Read once, here: each storage read is about 10 KB of the call's proof.
            let stored = self.stored_claim(claim)?;
            let (patient, plan) = (stored.header.patient, stored.header.plan);
            let replacement = self.last_claim.checked_add(1).ok_or(Error::Overflow)?;
            self.reverse(claim, stored, provider, Some(replacement))?;
            let adjudicated = self.adjudicate_and_mark(
                provider,
                patient,
                plan,
                service_date,
                &lines,
                document_hash,
                Some(claim),
                None,
                &mut PlanReads::default(),
            )?;
            self.file_one(adjudicated, Escrows::default())
        }

        /// What the provider must send with `void_claim` or `replace_claim` for `claim`:
        /// what the insurer paid for it, less the provider's credit still held here.
        #[cfg(not(healthchain_contract))]
        #[ink(message)]
        pub fn void_refund(&self, claim: ClaimId) -> Result<Balance, Error> {
            let record = self.claim_record(claim)?;
            let held = credit_of(&record.provider).min(record.paid);
            record.paid.checked_sub(held).ok_or(Error::Overflow)
        }

        /// Where a claim stands, as an X12 277 answers a 276 inquiry: adjudicated, paid,
        /// waiting for funds, under appeal, or voided (and by which claim replaced).
        #[cfg(not(healthchain_contract))]
        #[ink(message)]
        pub fn claim_status(&self, claim: ClaimId) -> Result<ClaimStatus, Error> {
            self.claim_record(claim).map(|record| record.status())
        }

        /// Reverses everything `claim` did (`stored`, as the caller read it), for its
        /// `provider` (see `void_claim`).
        fn reverse(
            &mut self,
            claim: ClaimId,
            mut stored: StoredClaim,
            provider: AccountId,
            replaced_by: Option<ClaimId>,
        ) -> Result<(), Error> {
            let mut record = stored.header;
            if record.provider != provider {
                return Err(Error::NotClaimProvider);
            }
            if record.voided_at.is_some() {
                return Err(Error::ClaimVoided);
            }
            if record.status() == ClaimStatus::UnderAppeal {
                return Err(Error::AppealPending);
            }
            // Read once, and only if some credit is stored: `credit_total` is their sum here
            // (this call paid nothing yet), as `push` reasons. Each read is about 10 KB of
            // the call's proof.
            let credit = if self.credit_total > 0 {
                credit_of(&provider)
            } else {
                0
            };
            let held = credit.min(record.paid);
            let sent = record.paid.checked_sub(held).ok_or(Error::Overflow)?;
            if self.env().transferred_value() != sent {
                return Err(Error::WrongRefund);
            }
            if held > 0 {
                let credit = credit.checked_sub(held).ok_or(Error::Overflow)?;
                self.credit_total = self.credit_total.checked_sub(held).ok_or(Error::Overflow)?;
                if credit == 0 {
                    self.credits.remove(provider);
                } else {
                    self.credits.insert(provider, &credit);
                }
            }
            let cancelled = record.awaiting_payment;
            let mut escrow = escrow_of(&record.insurer);
            escrow.funds = escrow
                .funds
                .checked_add(record.paid)
                .ok_or(Error::Overflow)?;
            escrow.owed = escrow.owed.checked_sub(cancelled).ok_or(Error::Overflow)?;
            self.escrow_total = self
                .escrow_total
                .checked_add(record.paid)
                .ok_or(Error::Overflow)?;
            store_escrow(&record.insurer, &escrow);
            // Its queue entry, if any, stays and is skipped (nothing waits on it now).
            record.cancelled = record
                .cancelled
                .checked_add(cancelled)
                .ok_or(Error::Overflow)?;
            record.awaiting_payment = 0;
            let lines = stored.lines.decode();
            let member = (record.plan, record.patient);
            if let Some(mut membership) = membership_of(&member) {
                reverse_accumulators(&mut membership.accumulators, &lines)?;
                store_membership(&member, &membership);
            }
            // Its allowed lines are the ones that marked their keys billed (`mark_billed`).
            for line in lines.iter().filter(|line| line.allowed > 0) {
                entry::clear_at(BILLED_KEY, &line.billing_key);
            }
            record.voided_at = Some(self.env().block_timestamp());
            record.replaced_by = replaced_by;
            stored.header = record;
            self.claims.insert(claim, &stored);
            emit(ClaimVoided {
                patient: record.patient,
                provider,
                insurer: record.insurer,
                claim,
                refunded: record.paid,
                cancelled,
                replaced_by,
            });
            Ok(())
        }

        /// Adjudicates a claim of `provider` (see `adjudicate`) with its paid lines'
        /// billing marks unread, and marks them (`claim_marks`: the claim's first writes,
        /// one storage access a paid line where reading first took two). If one was
        /// billed already, that line is a duplicate: the claim is adjudicated again, every
        /// line's mark read first (`Marks::Read`), its questions asked again. Refused, the
        /// claim writes nothing.
        #[allow(clippy::too_many_arguments)] // the message's arguments, and what it replaces
        fn adjudicate_and_mark(
            &self,
            provider: AccountId,
            patient: AccountId,
            plan: PlanId,
            service_date: Timestamp,
            lines: &[ClaimLine],
            document_hash: Hash,
            replaces: Option<ClaimId>,
            consent: Option<Option<ConsentAnswer>>,
            reads: &mut PlanReads,
        ) -> Result<Adjudicated, Error> {
            // The arguments named twice: as a closure, or a struct, they cost the
            // contract's own build 139 and 331 bytes.
            let unread = self.adjudicate(
                provider,
                patient,
                plan,
                service_date,
                lines,
                document_hash,
                replaces,
                consent,
                Marks::Unread,
                reads,
            )?;
            if unread.denial.is_some() || claim_marks(&unread.lines) {
                return Ok(unread);
            }
            // The contract's own build hands the claim, input and all, to the library,
            // which runs it from the start (nothing is written): a second adjudication
            // would be in every claim's proof.
            #[cfg(healthchain_contract)]
            healthchain_common::access::delegate_to(self.library);
            #[cfg(not(healthchain_contract))]
            self.adjudicate(
                provider,
                patient,
                plan,
                service_date,
                lines,
                document_hash,
                replaces,
                consent,
                Marks::Read,
                reads,
            )
        }

        /// Adjudicates a claim of `provider` (see `submit_claim`) and writes nothing: every
        /// refusal of the claim happens here, so that a batch's refused claim changes
        /// nothing. `marks` says whether a line its fee schedule pays reads its billing
        /// mark first.
        #[allow(clippy::too_many_arguments)] // the message's arguments, and what it replaces
        fn adjudicate(
            &self,
            provider: AccountId,
            patient: AccountId,
            plan: PlanId,
            service_date: Timestamp,
            lines: &[ClaimLine],
            document_hash: Hash,
            replaces: Option<ClaimId>,
            consent: Option<Option<ConsentAnswer>>,
            marks: Marks,
            reads: &mut PlanReads,
        ) -> Result<Adjudicated, Error> {
            if provider == patient {
                return Err(Error::ProviderIsPatient);
            }
            if lines.is_empty() {
                return Err(Error::NoLines);
            }
            if lines.len() > MAX_LINES {
                return Err(Error::TooManyLines);
            }
            for line in lines {
                validate_line(line)?;
            }
            let charged = total_charge(lines).ok_or(Error::ClaimTooLarge)?;
            if charged > MAX_CLAIM_CHARGE {
                return Err(Error::ClaimTooLarge);
            }
            if healthchain_common::is_zero_hash(document_hash.as_ref()) {
                return Err(Error::ZeroHash);
            }
            let now = self.env().block_timestamp();
            if service_date > now {
                return Err(Error::ServiceDateInFuture);
            }
            let record = self.plan_read(plan, reads).ok_or(Error::UnknownPlan)?;
            let mut membership = membership_of(&(plan, patient)).ok_or(Error::UnknownMember)?;
            let service = Service {
                patient,
                provider,
                plan,
                date: service_date,
            };
            let submitted = lines_hash(service_date, lines);
            let denial = self.check_claim(
                &service,
                &record,
                &membership,
                needed_classes(lines),
                consent,
            );
            let accumulated = membership.accumulators;
            let adjudicated = match denial {
                Some(reason) => lines
                    .iter()
                    .map(|line| deny_line(billing_key(&service, line), line, reason))
                    .collect::<Vec<_>>(),
                None => {
                    self.adjudicate_lines(&service, &record, &mut membership, lines, marks, reads)?
                }
            };
            // A claim the member owes nothing of (a preventive visit, or any once the
            // out-of-pocket maximum is met) leaves the accumulators as they were.
            let accumulates = membership.accumulators != accumulated;
            let totals = totals(&adjudicated)?;
            // Checked here, before anything is written: `file` must not fail on input.
            let claim = self.last_claim.checked_add(1).ok_or(Error::Overflow)?;
            Ok(Adjudicated {
                claim,
                service,
                insurer: record.insurer,
                membership,
                accumulates,
                lines: adjudicated,
                totals,
                denial,
                lines_hash: submitted,
                document_hash,
                replaces,
                now,
                marks,
            })
        }

        /// Files one adjudicated claim (`submit_claim`, `replace_claim`) with the escrows
        /// the call read: its escrow written once, and the transfers last.
        fn file_one(
            &mut self,
            adjudicated: Adjudicated,
            mut escrows: Escrows,
        ) -> Result<ClaimId, Error> {
            let (claim, paid) = self.file(adjudicated, &mut escrows)?;
            self.store_escrows(escrows);
            self.push(&paid)?;
            Ok(claim)
        }

        /// Writes an adjudicated claim: accumulators, what was billed, the claim and its
        /// events, then owes its payable (which pays what the escrow covers). No transfer
        /// happens here: the caller pushes the returned payments at the end of its call.
        /// Fails only on arithmetic overflow, which no input alone can reach.
        fn file(
            &mut self,
            claim: Adjudicated,
            escrows: &mut Escrows,
        ) -> Result<(ClaimId, Payments), Error> {
            let Adjudicated {
                claim: id,
                service,
                insurer,
                membership,
                accumulates,
                lines,
                totals: sums,
                denial,
                lines_hash,
                document_hash,
                replaces,
                now,
                marks,
            } = claim;
            let Service {
                patient,
                provider,
                plan,
                ..
            } = service;
            let outcome = claim_outcome(&lines);
            self.last_claim = id;
            if denial.is_none() {
                // A claim whose marks were not read wrote them already (`claim_marks`).
                if marks.read() {
                    mark_billed(lines.iter());
                }
                // Unchanged, it is not written (a storage access is about 10 KB of the
                // call's proof).
                if accumulates {
                    store_membership(&(plan, patient), &membership);
                }
            }
            let line_count = u32::try_from(lines.len()).unwrap_or(u32::MAX);
            let header = Claim {
                patient,
                provider,
                insurer,
                plan,
                lines_hash,
                document_hash,
                submitted_at: now,
                outcome,
                totals: sums,
                paid: 0,
                awaiting_payment: 0,
                cancelled: 0,
                appeal: None,
                replaces,
                voided_at: None,
                replaced_by: None,
            };
            let mut stored = StoredClaim {
                header,
                lines: EncodedLines::new(&lines),
            };
            if sums.payable == 0 {
                // Otherwise `owe` writes it, with what it paid or waits for.
                self.claims.insert(id, &stored);
            }
            let (payments, paid) = self.owe(id, &mut stored, sums.payable, escrows)?;
            emit(ClaimAdjudicated {
                patient,
                provider,
                insurer,
                claim: id,
                plan,
                document_hash,
                lines: line_count,
                replaces,
                outcome,
                submitted: sums.submitted,
                allowed: sums.allowed,
                patient_responsibility: sums.patient_responsibility,
                payable: sums.payable,
                paid,
                claim_denial: denial,
            });
            Ok((id, payments))
        }

        /// A claim's header: parties, plan, the hash of what was billed, outcome, totals,
        /// payment and appeal. Public, like all contract storage: nothing in it names a
        /// procedure, a drug or a service date.
        #[cfg(not(healthchain_contract))]
        #[ink(message)]
        pub fn claim(&self, claim: ClaimId) -> Result<Claim, Error> {
            self.claim_record(claim)
        }

        /// Claim `claim` (`claim`), for the contract's own use and the library.
        fn claim_record(&self, claim: ClaimId) -> Result<Claim, Error> {
            self.stored_claim(claim).map(|stored| stored.header)
        }

        /// Claim `claim` as stored: its header and its lines.
        fn stored_claim(&self, claim: ClaimId) -> Result<StoredClaim, Error> {
            self.claims.get(claim).ok_or(Error::UnknownClaim)
        }

        /// A claim's adjudicated lines, in the order submitted: outcome, amounts and
        /// reason codes per line (public, see `claim`).
        #[cfg(not(healthchain_contract))]
        #[ink(message)]
        pub fn claim_lines(&self, claim: ClaimId) -> Result<Vec<AdjudicatedLine>, Error> {
            self.stored_claim(claim).map(|stored| stored.lines.decode())
        }

        /// The number of claims submitted so far; claim ids run from 1 to this.
        #[cfg(not(healthchain_contract))]
        #[ink(message)]
        pub fn claim_count(&self) -> ClaimId {
            self.last_claim
        }

        /// Appeals a denied or partly denied claim with the hash of the evidence: by its
        /// provider (holding the Provider role) or by its member (the patient the claim
        /// names), within 180 days of adjudication, once, and not a voided claim. The
        /// insurer's decision is due 60 days later (`Appeal::decide_by`).
        #[cfg(not(healthchain_contract))]
        #[ink(message)]
        pub fn appeal(&mut self, claim: ClaimId, evidence_hash: Hash) -> Result<(), Error> {
            let caller = self.env().caller();
            self.appeal_as(caller, claim, evidence_hash)
        }

        /// The member's appeal on the member's own signature, submitted by any account (the
        /// member's app, a patient advocate), so that a member's pseudonym never needs
        /// tokens. `member` is the claim's patient; `nonce` is its next nonce here
        /// (`relay_nonce`), the appeal is refused from `deadline` on, and `signature` is
        /// its ECDSA signature (65 bytes) over the payload described in the README
        /// ("Relayed instructions") for a `MemberAppeal { claim, evidence_hash }`. Then
        /// exactly as `appeal` by the member.
        #[cfg(not(healthchain_contract))]
        #[ink(message)]
        pub fn relay_appeal(
            &mut self,
            claim: ClaimId,
            evidence_hash: Hash,
            member: AccountId,
            nonce: u64,
            deadline: Timestamp,
            signature: Signature,
        ) -> Result<(), Error> {
            self.relay.check(
                RELAY_DOMAIN,
                &MemberAppeal {
                    claim,
                    evidence_hash,
                },
                member,
                nonce,
                deadline,
                &signature,
            )?;
            // `appeal_as` reads the claim once and refuses a signer who is neither its
            // member nor its provider (whose relayed appeal still needs the Provider role).
            self.appeal_as(member, claim, evidence_hash)?;
            self.relay.consume(member, nonce);
            Ok(())
        }

        /// The chain's genesis hash that relayed appeals are signed for, and the nonce
        /// `signer`'s next one must carry.
        #[cfg(not(healthchain_contract))]
        #[ink(message)]
        pub fn relay_nonce(&self, signer: AccountId) -> (Hash, u64) {
            (self.relay.chain(), self.relay.nonce(signer))
        }

        fn appeal_as(
            &mut self,
            by: AccountId,
            claim: ClaimId,
            evidence_hash: Hash,
        ) -> Result<(), Error> {
            self.access.ensure_not_paused()?;
            let mut stored = self.stored_claim(claim)?;
            let mut record = stored.header;
            if by == record.provider {
                self.access.ensure_role(Role::Provider)?;
            } else if by != record.patient {
                return Err(Error::NotClaimProvider);
            }
            if record.outcome == Outcome::Approved {
                return Err(Error::NotAppealable);
            }
            if record.voided_at.is_some() {
                return Err(Error::ClaimVoided);
            }
            if record.appeal.is_some() {
                return Err(Error::AlreadyAppealed);
            }
            let now = self.env().block_timestamp();
            if now > record.submitted_at.saturating_add(APPEAL_WINDOW) {
                return Err(Error::AppealWindowClosed);
            }
            if healthchain_common::is_zero_hash(evidence_hash.as_ref()) {
                return Err(Error::ZeroHash);
            }
            let decide_by = now.saturating_add(APPEAL_DECISION_WINDOW);
            record.appeal = Some(Appeal {
                by,
                evidence_hash,
                filed_at: now,
                decide_by,
                overdue: false,
                status: AppealStatus::Pending,
                resolved_at: None,
                decision_hash: None,
            });
            stored.header = record;
            self.claims.insert(claim, &stored);
            emit(ClaimAppealed {
                patient: record.patient,
                provider: record.provider,
                insurer: record.insurer,
                claim,
                by,
                evidence_hash,
                decide_by,
            });
            Ok(())
        }

        /// Reports that the insurer let an appeal's decision deadline pass: anyone may
        /// call it once the deadline has passed without a decision. The appeal is marked
        /// overdue, and an `AppealOverdue` event tells the provider, the member and the
        /// insurer.
        #[cfg(not(healthchain_contract))]
        #[ink(message)]
        pub fn report_overdue_appeal(&mut self, claim: ClaimId) -> Result<(), Error> {
            let mut stored = self.stored_claim(claim)?;
            let mut record = stored.header;
            let mut appeal = match record.appeal {
                Some(appeal) if appeal.status == AppealStatus::Pending => appeal,
                _ => return Err(Error::NoPendingAppeal),
            };
            if appeal.overdue || self.env().block_timestamp() <= appeal.decide_by {
                return Err(Error::AppealNotOverdue);
            }
            appeal.overdue = true;
            record.appeal = Some(appeal);
            stored.header = record;
            self.claims.insert(claim, &stored);
            emit(AppealOverdue {
                patient: record.patient,
                provider: record.provider,
                insurer: record.insurer,
                claim,
                decide_by: appeal.decide_by,
            });
            Ok(())
        }

        /// Resolves a pending appeal (the claim's insurer, holding the Insurer role) with
        /// the decision letter's hash. No `overturns` upholds the denial. Each overturn
        /// approves one denied line at the amount it names (1 to the line's charge) with
        /// its cost sharing: the line goes through the deductible, copay or coinsurance
        /// and the member's accumulators like any approval, its adjustments are
        /// recomputed, it counts as billed from then on, and the plan pays what it owes
        /// more. A line whose service a claim was paid for (another, or this one on a line
        /// it repeated) is not overturned (`InvalidOverturnAmount`). A decision after the
        /// deadline is still taken, and evented as late.
        #[cfg(not(healthchain_contract))]
        #[ink(message)]
        pub fn resolve_appeal(
            &mut self,
            claim: ClaimId,
            overturns: Vec<Overturn>,
            decision_hash: Hash,
        ) -> Result<(), Error> {
            self.access.ensure_not_paused()?;
            let mut stored = self.stored_claim(claim)?;
            let mut record = stored.header;
            self.ensure_claim_insurer(&record)?;
            let mut appeal = match record.appeal {
                Some(appeal) if appeal.status == AppealStatus::Pending => appeal,
                _ => return Err(Error::NoPendingAppeal),
            };
            if healthchain_common::is_zero_hash(decision_hash.as_ref()) {
                return Err(Error::ZeroHash);
            }
            let mut lines = stored.lines.decode();
            let plan = plan_of(&record.plan).ok_or(Error::UnknownPlan)?;
            let member = (record.plan, record.patient);
            let mut membership = membership_of(&member).ok_or(Error::UnknownMember)?;
            for (position, overturn) in overturns.iter().enumerate() {
                let repeated = overturns
                    .iter()
                    .take(position)
                    .any(|earlier| earlier.line == overturn.line);
                let line = lines
                    .get_mut(usize::from(overturn.line))
                    .filter(|line| line.outcome == Outcome::Denied && !repeated)
                    .ok_or(Error::InvalidOverturnAmount)?;
                // A service or package a claim was paid for (another, or this one on a line
                // it repeated) is not paid twice.
                if entry::contains_at(BILLED_KEY, &line.billing_key) {
                    return Err(Error::InvalidOverturnAmount);
                }
                *line = price_allowed(
                    line.billing_key,
                    line.quantity,
                    line.submitted,
                    overturn.allowed,
                    overturn.cost_share,
                    &plan.cost_sharing,
                    &mut membership.accumulators,
                )?;
            }
            let sums = totals(&lines)?;
            let more = sums
                .payable
                .checked_sub(record.totals.payable)
                .ok_or(Error::Overflow)?;
            let now = self.env().block_timestamp();
            appeal.status = if overturns.is_empty() {
                AppealStatus::Upheld
            } else {
                AppealStatus::Overturned { amount: more }
            };
            appeal.resolved_at = Some(now);
            appeal.decision_hash = Some(decision_hash);
            record.appeal = Some(appeal);
            record.totals = sums;
            record.outcome = claim_outcome(&lines);
            if !overturns.is_empty() {
                store_membership(&member, &membership);
                // The overturned lines are paid: no later claim may bill them again. (The
                // claim's other allowed lines are billed already.)
                let overturned = overturns
                    .iter()
                    .filter_map(|overturn| lines.get(usize::from(overturn.line)));
                mark_billed(overturned);
                stored.lines = EncodedLines::new(&lines);
            }
            stored.header = record;
            self.claims.insert(claim, &stored);
            emit(AppealResolved {
                patient: record.patient,
                provider: record.provider,
                insurer: record.insurer,
                claim,
                status: appeal.status,
                decision_hash,
                late: now > appeal.decide_by,
            });
            let mut escrows = Escrows::default();
            let (paid, at_once) = self.owe(claim, &mut stored, more, &mut escrows)?;
            if at_once > 0 {
                self.announce_paid(claim, &record, at_once);
            }
            self.store_escrows(escrows);
            self.push(&paid)
        }

        /// Plan `plan`, read once per call: no claim changes a plan.
        fn plan_read(&self, plan: PlanId, reads: &mut PlanReads) -> Option<Plan> {
            reads.plans.read(plan, plan_of)
        }

        /// The fee schedule's entry for `code` in `plan` (`None`: not covered), read once
        /// per call: no claim changes a fee schedule.
        fn fee_read(
            &self,
            plan: PlanId,
            code: ServiceCode,
            reads: &mut PlanReads,
        ) -> Option<FeeScheduleEntry> {
            reads.fees.read((plan, code), fee_of)
        }

        /// Why a line for a code that needs prior authorization is refused, if it is: no
        /// approved authorization of this patient, provider, plan and code (CO-197), or
        /// one not valid on the service date (CO-302).
        fn authorization_refused(
            &self,
            service: &Service,
            line: &ClaimLine,
            fee: &FeeScheduleEntry,
        ) -> Option<ReasonCode> {
            if !fee.requires_authorization {
                return None;
            }
            let key = authorization_key(
                &service.patient,
                &service.provider,
                service.plan,
                &line.code,
            );
            match line.authorization.and_then(|id| authorization_of(&id)) {
                Some(authorization) => authorization.refuses(&key, service.date),
                None => Some(ReasonCode::AuthorizationAbsent),
            }
        }

        /// The plan, if the caller is its insurer and still holds the Insurer role.
        fn plan_of_insurer(&self, plan: PlanId) -> Result<Plan, Error> {
            let record = plan_of(&plan).ok_or(Error::UnknownPlan)?;
            if self.env().caller() != record.insurer {
                return Err(Error::NotPlanInsurer);
            }
            self.access.ensure_role(Role::Insurer)?;
            Ok(record)
        }

        /// The caller, if it is the claim's insurer and still holds the Insurer role.
        fn ensure_claim_insurer(&self, record: &Claim) -> Result<(), Error> {
            if self.env().caller() != record.insurer {
                return Err(Error::NotClaimInsurer);
            }
            self.access.ensure_role(Role::Insurer)?;
            Ok(())
        }

        /// The claim-wide checks, cheapest first: coverage, then the consent registry (a
        /// cross-contract call, made only when coverage holds) for payment consent that
        /// covers the data `classes` the claim discloses.
        fn check_claim(
            &self,
            service: &Service,
            record: &Plan,
            membership: &Membership,
            classes: DataClasses,
            asked: Option<Option<ConsentAnswer>>,
        ) -> Option<ReasonCode> {
            let now = self.env().block_timestamp();
            if let Some(reason) = record.uncovered(membership, service.date, now) {
                return Some(reason);
            }
            // A batch asked the registry about all its claims at once; one claim asks now.
            let answer = asked.unwrap_or_else(|| {
                query_consent(
                    self.consent_registry(),
                    service.patient,
                    service.provider,
                    Purpose::Payment,
                    None,
                    classes,
                )
                .ok()
            });
            record.payment_consent.denial(answer)
        }

        /// Prices every line and applies cost sharing to the member's accumulators. The
        /// drug lines' dispense records come from drug_provenance in one call.
        fn adjudicate_lines(
            &self,
            service: &Service,
            record: &Plan,
            membership: &mut Membership,
            lines: &[ClaimLine],
            marks: Marks,
            reads: &mut PlanReads,
        ) -> Result<Vec<AdjudicatedLine>, Error> {
            // First pass: duplicates and the fee schedule, and the units to ask about.
            let keys: Vec<Hash> = lines
                .iter()
                .map(|line| billing_key(service, line))
                .collect();
            let mut checks: Vec<LineCheck> = Vec::with_capacity(lines.len());
            let mut units: Vec<UnitId> = Vec::new();
            for (position, (line, key)) in lines.iter().zip(&keys).enumerate() {
                // Charge ignored: the same service or package, billed before or earlier
                // in this claim, is a duplicate however it is priced. (Unless its mark is
                // read, `Marks`, a line billed before is found by `claim_marks` if it is
                // paid, by `duplicate_or` if not.)
                if keys.iter().take(position).any(|k| k == key)
                    || (marks.read() && entry::contains_at(BILLED_KEY, &key))
                {
                    checks.push(LineCheck::Denied(ReasonCode::Duplicate));
                    continue;
                }
                let Some(fee) = self.fee_read(service.plan, line.code, reads) else {
                    checks.push(LineCheck::Denied(ReasonCode::NotCovered));
                    continue;
                };
                let refused = fee
                    .drug_limits(line)
                    .or_else(|| self.authorization_refused(service, line, &fee));
                if let Some(reason) = refused {
                    checks.push(LineCheck::Denied(reason));
                    continue;
                }
                let (ServiceCode::Drug(gtin), Some(unit)) = (line.code, &line.unit) else {
                    checks.push(LineCheck::Covered(fee, None));
                    continue;
                };
                let recipient = recipient_commitment(&service.patient, &unit.recipient_salt);
                checks.push(LineCheck::Covered(fee, Some((units.len(), recipient))));
                units.push((gtin, unit.lot.clone(), unit.serial.clone()));
            }
            let answers = if units.is_empty() {
                Ok(Vec::new())
            } else {
                query_dispensed_units(self.drug_provenance(), units)
            };
            // Second pass, in line order: the accumulators move line by line.
            let mut adjudicated = Vec::with_capacity(lines.len());
            for ((line, check), key) in lines.iter().zip(checks).zip(keys) {
                let (fee, denial) = match check {
                    LineCheck::Denied(reason) => {
                        adjudicated.push(deny_line(key, line, duplicate_or(key, reason, marks)));
                        continue;
                    }
                    LineCheck::Covered(fee, None) => (fee, None),
                    LineCheck::Covered(fee, Some((index, recipient))) => {
                        let answer = match &answers {
                            Ok(answers) => answers.get(index).copied().ok_or(()),
                            Err(_) => Err(()),
                        };
                        (fee, drug_denial(answer, recipient, service, membership))
                    }
                };
                adjudicated.push(match denial {
                    Some(reason) => deny_line(key, line, duplicate_or(key, reason, marks)),
                    None => adjudicate_line(
                        key,
                        line,
                        &fee,
                        &record.cost_sharing,
                        &mut membership.accumulators,
                    )?,
                });
            }
            Ok(adjudicated)
        }

        /// Records `amount` more as owed on the claim (`stored`, as the caller just stored
        /// it; this writes it again), queues it behind claims already waiting for the
        /// insurer, and pays what the escrow covers. The insurer's escrow is taken from and
        /// left in `escrows` (the caller stores them). Returns the claims paid, (claim,
        /// provider, amount), and what was paid for this claim at once, which the caller
        /// events (`ClaimPaid` events only what the queue paid).
        fn owe(
            &mut self,
            claim: ClaimId,
            stored: &mut StoredClaim,
            amount: Balance,
            escrows: &mut Escrows,
        ) -> Result<(Payments, Balance), Error> {
            if amount == 0 {
                return Ok((Vec::new(), 0));
            }
            let insurer = stored.header.insurer;
            let mut escrow = escrows.read(insurer, escrow_of);
            let owed = self.owe_from(claim, stored, amount, &mut escrow)?;
            escrows.put(insurer, escrow);
            Ok(owed)
        }

        /// `owe`, out of `escrow` (the insurer's, which the caller stores).
        fn owe_from(
            &mut self,
            claim: ClaimId,
            stored: &mut StoredClaim,
            amount: Balance,
            escrow: &mut Escrow,
        ) -> Result<(Payments, Balance), Error> {
            let at_once = stored.header.awaiting_payment == 0 && escrow.pays_at_once(amount);
            escrow.owe(amount)?;
            if at_once {
                // Paid as a turn in the queue would pay it, without reading or writing the
                // queue (each storage access is a large part of a call's proof).
                self.pay_claim(claim, stored, escrow, amount)?;
                return Ok((
                    ink::prelude::vec![(claim, stored.header.provider, amount)],
                    amount,
                ));
            }
            self.owe_later(claim, stored, amount, escrow)
        }

        /// `owe_from` for a claim that cannot be paid at once: it joins the insurer's
        /// queue (a claim already waiting keeps its place), and what the escrow covers of
        /// the queue is paid in order.
        #[cfg_attr(healthchain_contract, allow(unreachable_code, unused_variables))]
        fn owe_later(
            &mut self,
            claim: ClaimId,
            stored: &mut StoredClaim,
            amount: Balance,
            escrow: &mut Escrow,
        ) -> Result<(Payments, Balance), Error> {
            // No claim gets here in the contract's own build
            // (`hand_over_unless_paid_at_once`), which so carries none of the queue's code.
            #[cfg(healthchain_contract)]
            core::arch::wasm32::unreachable();
            let queued = stored.header.awaiting_payment > 0;
            stored.header.awaiting_payment = stored
                .header
                .awaiting_payment
                .checked_add(amount)
                .ok_or(Error::Overflow)?;
            self.claims.insert(claim, &*stored);
            let record = stored.header;
            if !queued {
                // A claim already waiting keeps its place.
                let (head, tail) = self.queue_bounds.get(record.insurer).unwrap_or_default();
                self.payment_queue.insert((record.insurer, tail), &claim);
                let tail = tail.checked_add(1).ok_or(Error::Overflow)?;
                self.queue_bounds.insert(record.insurer, &(head, tail));
            }
            let paid = self.pay_waiting(record.insurer, escrow, MAX_SETTLED_PER_CALL)?;
            if !paid.iter().any(|(id, _, _)| *id == claim) {
                emit(PaymentAwaitingFunds {
                    patient: record.patient,
                    provider: record.provider,
                    insurer: record.insurer,
                    claim,
                    amount: record.awaiting_payment,
                });
            }
            Ok((paid, 0))
        }

        /// Pays `amount` of `claim` (`stored`, which this writes) out of `escrow` (which the
        /// caller writes): owed to the provider until the call's `push`. The caller events
        /// it (`announce_paid`, or `ClaimAdjudicated::paid`).
        fn pay_claim(
            &mut self,
            claim: ClaimId,
            stored: &mut StoredClaim,
            escrow: &mut Escrow,
            amount: Balance,
        ) -> Result<(), Error> {
            escrow.pay(amount)?;
            self.escrow_total = self
                .escrow_total
                .checked_sub(amount)
                .ok_or(Error::Overflow)?;
            // Counted as credit now; `push` sends it (or stores it as the provider's
            // credit) at the end of the call, so the credit map is touched once per
            // provider and call, not twice per payment.
            self.credit_total = self
                .credit_total
                .checked_add(amount)
                .ok_or(Error::Overflow)?;
            let record = &mut stored.header;
            record.paid = record.paid.checked_add(amount).ok_or(Error::Overflow)?;
            record.awaiting_payment = 0;
            self.claims.insert(claim, &*stored);
            Ok(())
        }

        /// Events a payment made after the claim's adjudication.
        fn announce_paid(&self, claim: ClaimId, record: &Claim, amount: Balance) {
            emit(ClaimPaid {
                patient: record.patient,
                provider: record.provider,
                insurer: record.insurer,
                claim,
                amount,
            });
        }

        /// Pays the insurer's waiting claims in order while its funds (`escrow`, as the
        /// caller holds it) cover the next one (at most `limit` queue entries, cancelled
        /// ones included), crediting each provider and writing all state but the escrow,
        /// which the caller stores. No transfer happens here. Returns the claims paid:
        /// (claim, provider, amount).
        fn pay_waiting(
            &mut self,
            insurer: AccountId,
            escrow: &mut Escrow,
            limit: u32,
        ) -> Result<Payments, Error> {
            let (mut head, tail) = self.queue_bounds.get(insurer).unwrap_or_default();
            let start = head;
            let mut payouts = Vec::new();
            for _ in 0..limit {
                if head >= tail {
                    break;
                }
                let Some(claim) = self.payment_queue.get((insurer, head)) else {
                    break;
                };
                let mut stored = self.stored_claim(claim)?;
                let amount = stored.header.awaiting_payment;
                if amount > escrow.funds {
                    break;
                }
                self.payment_queue.remove((insurer, head));
                head = head.checked_add(1).ok_or(Error::Overflow)?;
                if amount == 0 {
                    // Cancelled while it waited.
                    continue;
                }
                self.pay_claim(claim, &mut stored, escrow, amount)?;
                self.announce_paid(claim, &stored.header, amount);
                payouts.push((claim, stored.header.provider, amount));
            }
            if head != start {
                if head >= tail {
                    self.queue_bounds.remove(insurer);
                } else {
                    self.queue_bounds.insert(insurer, &(head, tail));
                }
            }
            Ok(payouts)
        }

        /// Stores the escrows a claim call changed, once each.
        fn store_escrows(&mut self, escrows: Escrows) {
            for (insurer, escrow) in escrows {
                store_escrow(&insurer, &escrow);
            }
        }

        /// Removes and returns `provider`'s whole credit.
        fn take_credit(&mut self, provider: AccountId) -> Result<Balance, Error> {
            let amount = credit_of(&provider);
            if amount == 0 {
                return Err(Error::NothingToCollect);
            }
            self.credit_total = self
                .credit_total
                .checked_sub(amount)
                .ok_or(Error::Overflow)?;
            self.credits.remove(provider);
            Ok(amount)
        }

        /// Transfers to `provider` its stored credit plus `owed` (what this call paid it,
        /// counted in `credit_total` but not stored). A refused transfer stores the whole
        /// as its credit and is reported as not transferred, never as an error: one
        /// provider's account must not stop anyone else's payment. An accepted one is
        /// evented only when a stored credit went with it (`CreditTransfer`). The transfer goes first:
        /// a plain transfer runs no code, so nothing can re-enter before the writes.
        /// `maybe_stored` is false when the caller knows no credit is stored: then the
        /// credits are not read.
        fn transfer_credit(
            &mut self,
            provider: AccountId,
            owed: Balance,
            maybe_stored: bool,
        ) -> Result<bool, Error> {
            let stored = if maybe_stored {
                credit_of(&provider)
            } else {
                0
            };
            let amount = stored.checked_add(owed).ok_or(Error::Overflow)?;
            if amount == 0 {
                return Err(Error::NothingToCollect);
            }
            if self.env().transfer(provider, amount).is_ok() {
                self.credit_total = self
                    .credit_total
                    .checked_sub(amount)
                    .ok_or(Error::Overflow)?;
                if stored > 0 {
                    self.credits.remove(provider);
                    // Without a stored credit the transfer is what this call's payment
                    // events paid, and the chain events the transfer itself: an event of
                    // its own would add about 3.5 KB to every paid claim's proof.
                    emit(CreditTransfer {
                        provider,
                        amount,
                        transferred: true,
                    });
                }
                Ok(true)
            } else {
                if owed > 0 {
                    self.credits.insert(provider, &amount);
                }
                emit(CreditTransfer {
                    provider,
                    amount,
                    transferred: false,
                });
                Ok(false)
            }
        }

        /// At the end of a call, after every other state change: transfers to each
        /// provider paid in it what it was paid, with any credit it had (evented as
        /// `transfer_credit` says).
        fn push(&mut self, paid: &[(ClaimId, AccountId, Balance)]) -> Result<(), Error> {
            // `credit_total` counts the stored credits and what this call paid. When it is
            // no more than what this call paid, no provider has a stored credit, and the
            // credits are not read (a storage read is a large part of a claim's proof).
            let paid_now = paid
                .iter()
                .try_fold(0u128, |sum, (_, _, amount)| sum.checked_add(*amount))
                .ok_or(Error::Overflow)?;
            let maybe_stored = self.credit_total > paid_now;
            for (position, (_, provider, _)) in paid.iter().enumerate() {
                if paid
                    .iter()
                    .take(position)
                    .any(|(_, earlier, _)| earlier == provider)
                {
                    continue;
                }
                let owed = paid
                    .iter()
                    .filter(|(_, other, _)| other == provider)
                    .try_fold(0u128, |sum, (_, _, amount)| sum.checked_add(*amount))
                    .ok_or(Error::Overflow)?;
                self.transfer_credit(*provider, owed, maybe_stored)?;
            }
            Ok(())
        }
    }

    /// The plans and fee schedule entries a claim call has read: a batch of claims under one
    /// plan reads each once (each storage access is a large part of a call's proof).
    #[derive(Default)]
    struct PlanReads {
        plans: CallCache<PlanId, Option<Plan>>,
        fees: CallCache<(PlanId, ServiceCode), Option<FeeScheduleEntry>>,
    }

    /// The insurers' escrows a claim call changed, as it left them: stored once each at its
    /// end.
    type Escrows = CallCache<AccountId, Escrow>;

    /// Claims paid in a call, to transfer at its end: (claim, provider, amount).
    type Payments = Vec<(ClaimId, AccountId, Balance)>;

    /// A claim adjudicated and not yet written: what `file` writes.
    struct Adjudicated {
        claim: ClaimId,
        service: Service,
        insurer: AccountId,
        membership: Membership,
        /// Whether the claim changed the member's accumulators (`file` writes them then).
        accumulates: bool,
        lines: Vec<AdjudicatedLine>,
        totals: crate::data::ClaimTotals,
        denial: Option<ReasonCode>,
        lines_hash: Hash,
        document_hash: Hash,
        replaces: Option<ClaimId>,
        now: Timestamp,
        /// Whether its paid lines' marks were read (`file` writes them) or written already
        /// (`claim_marks`).
        marks: Marks,
    }

    /// How a claim learns which of its lines were billed before (`billed`).
    #[derive(Clone, Copy, PartialEq, Eq)]
    enum Marks {
        /// A line its fee schedule pays does not read its mark: the claim writes the
        /// marks of its paid lines first when it is filed, and each write tells whether
        /// the mark was there (`claim_marks`). A line denied otherwise reads it, for its
        /// reason (`duplicate_or`).
        Unread,
        /// Every line reads its mark before it is priced: after `claim_marks` found one.
        /// The library's only: the contract's own build hands such a claim to it, and
        /// carries none of this mode's code.
        #[cfg(not(healthchain_contract))]
        Read,
    }

    impl Marks {
        /// Whether every line reads its mark first.
        fn read(self) -> bool {
            #[cfg(not(healthchain_contract))]
            return self == Marks::Read;
            #[cfg(healthchain_contract)]
            false
        }
    }

    /// Who billed whom under which plan on which day: what a line's duplicate check and
    /// its drug check are about.
    struct Service {
        patient: AccountId,
        provider: AccountId,
        plan: PlanId,
        date: Timestamp,
    }

    /// The data classes a claim discloses to the payer: claims and billing always, and
    /// medications when a line bills a drug, so that payment consent limited to other
    /// classes does not authorise it.
    fn needed_classes(lines: &[ClaimLine]) -> DataClasses {
        let drugs = lines
            .iter()
            .any(|line| matches!(line.code, ServiceCode::Drug(_)));
        if drugs {
            DataClasses::CLAIMS.union(DataClasses::MEDICATIONS)
        } else {
            DataClasses::CLAIMS
        }
    }

    /// What the first pass found for a line: denied already, or covered by a fee
    /// schedule entry, with, for a drug line, the index of its unit in the provenance
    /// query and the commitment to the patient its dispense must carry.
    enum LineCheck {
        Denied(ReasonCode),
        Covered(FeeScheduleEntry, Option<(usize, Hash)>),
    }

    /// Why a drug line is denied, from drug_provenance's answer (`Err` when there is
    /// none): it must have been dispensed to the patient (`recipient`, the commitment
    /// recomputed from the claim's patient and the line's salt) by the provider on the
    /// service date while the member was covered, from a lot neither recalled nor
    /// quarantined.
    fn drug_denial(
        answer: Result<Option<DispensedUnit>, ()>,
        recipient: Hash,
        service: &Service,
        membership: &Membership,
    ) -> Option<ReasonCode> {
        let day = |t: Timestamp| t.checked_div(DAY).unwrap_or_default();
        match answer {
            Err(()) => Some(ReasonCode::ProvenanceUnverifiable),
            Ok(None) => Some(ReasonCode::DrugNotDispensed),
            Ok(Some(unit)) if unit.recipient != recipient || unit.dispenser != service.provider => {
                Some(ReasonCode::DrugDispensedToOther)
            }
            Ok(Some(unit)) if day(unit.dispensed_at) != day(service.date) => {
                Some(ReasonCode::DispenseDateMismatch)
            }
            Ok(Some(unit)) if !membership.covers(unit.dispensed_at) => {
                membership.uncovered(unit.dispensed_at)
            }
            Ok(Some(unit)) if unit.lot_recalled => Some(ReasonCode::LotRecalled),
            Ok(Some(unit)) if unit.lot_quarantined => Some(ReasonCode::LotQuarantined),
            Ok(Some(_)) => None,
        }
    }

    /// `reason`, the denial of the line with billing key `key`, unless the line was billed
    /// before: a duplicate is denied as one whatever else is wrong with it. With its mark
    /// unread (`Marks::Unread`) the line reads it here, denied otherwise; a read mark was
    /// found before anything else (`adjudicate_lines`).
    fn duplicate_or(key: Hash, reason: ReasonCode, marks: Marks) -> ReasonCode {
        if !marks.read() && reason != ReasonCode::Duplicate && entry::contains_at(BILLED_KEY, &key)
        {
            return ReasonCode::Duplicate;
        }
        reason
    }

    /// The key under which a line counts as billed. A drug package is billed once:
    /// BLAKE2b-256 of (GTIN, lot, serial, recipient salt). The salt keeps the key from
    /// being found from a package's label, and a second claim with another salt fails the
    /// recipient check instead (CO-112). A service is billed once per (patient, provider,
    /// plan, service day, keyed code, repeat modifier): the charge is not in it, so
    /// re-pricing, re-ordering or splitting lines does not make a new service.
    fn billing_key(service: &Service, line: &ClaimLine) -> Hash {
        let digest: Digest = match (line.code, &line.unit) {
            (ServiceCode::Drug(gtin), Some(unit)) => {
                blake2_256(&(b"drug", gtin, &unit.lot, &unit.serial, unit.recipient_salt).encode())
            }
            _ => blake2_256(
                &(
                    b"service",
                    service.patient,
                    service.provider,
                    service.plan,
                    service.date.checked_div(DAY).unwrap_or_default(),
                    line.code,
                    line.modifier,
                )
                    .encode(),
            ),
        };
        Hash::from(digest)
    }

    impl AccessControlled for ClaimSettlement {
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

        /// Whether `account` holds `role` here (Insurer, Provider).
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

        /// Registers `account` as an Insurer or a Provider. Admin only.
        #[ink(message)]
        fn grant_role(
            &mut self,
            role: admin_arg::Role,
            account: admin_arg::AccountId,
        ) -> Result<(), AccessError> {
            admin_message!(self.access, grant_role(role, account))
        }

        /// Deregisters `account` from `role`; its plans and claims stay. Admin only.
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

        /// Pauses the contract: no plans, enrolments, deposits, withdrawals, claims,
        /// payments or appeals until unpaused. Admin only.
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
        /// if any, and swaps the code, keeping every plan, escrow and claim. Admin only.
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
        ClaimSettlement,
        library,
        payable: ["deposit", "void_claim", "replace_claim"],
        runs_itself: ["submit_claim" => submit_claim],
        others: library
    );
}

// The library build (claim_settlement_library) runs the same code: tested once, here.
#[cfg(all(test, not(healthchain_library)))]
mod tests;
