//! claim_settlement's records and adjudication arithmetic, apart from the ink! glue so that
//! plain tests and property tests reach them. Words follow HL7 FHIR Claim / ClaimResponse
//! and X12 837 / 835 (claim adjustment reason codes, CARC).

use healthchain_common::{
    access::AccessError, consent::ConsentAnswer, is_printable_id, relay::RelayError, AccountId,
    Hash, Timestamp,
};
use ink::prelude::vec::Vec;

/// Amounts in the chain's native token, in its smallest unit.
pub type Balance = u128;
/// A plan's number in this contract, from 1.
pub type PlanId = u32;
/// A claim's number in this contract, from 1.
pub type ClaimId = u64;

/// X12 837P allows 50 service lines per claim.
pub const MAX_LINES: usize = 50;
/// The most claims one `submit_claims` call takes, and the most lines in all: a full batch
/// of one-line claims still fits one block of a 5 MiB-PoV parachain (pallet-contracts 38
/// charges each about 200 KB of proof; `make bench`).
pub const MAX_CLAIM_BATCH: usize = 16;
pub const MAX_BATCH_LINES: usize = 64;
/// The most fee schedule entries one plan may hold.
pub const MAX_FEE_SCHEDULE_ENTRIES: u32 = 2_000;
/// The most fee schedule changes one `update_fee_schedule` call takes.
pub const MAX_FEE_UPDATES: usize = 64;
/// The most waiting claims one deposit or `settle` call pays, so that a deposit's gas is
/// bounded however long the queue is.
pub const MAX_SETTLED_PER_CALL: u32 = 8;
/// Basis points in 100%.
pub const BASIS_POINTS: u16 = 10_000;
pub use healthchain_common::DAY;
/// How long after adjudication a provider may appeal (a common first-level window).
pub const APPEAL_WINDOW: Timestamp = 180 * DAY;

/// How long the insurer has to decide an appeal of a claim for care already given: 60
/// days (29 CFR 2560.503-1(i)(2)(iii)(B), post-service group health claims).
pub const APPEAL_DECISION_WINDOW: Timestamp = 60 * DAY;
/// The longest lot (GS1 AI 10) and serial (AI 21): 20 characters.
pub const MAX_LOT_OR_SERIAL_LEN: usize = 20;
/// The most one claim may charge in all (10^30 of the smallest unit, 10^18 tokens of 12
/// decimals). It bounds what one claim can owe, so that no claim, however large, can make
/// the insurer's `owed` overflow for every later claim.
pub const MAX_CLAIM_CHARGE: Balance = 1_000_000_000_000_000_000_000_000_000_000;
/// The coverage periods one membership keeps (an enrolment, ended and renewed, in one plan
/// year): claims for a service in any of them stay payable.
pub const MAX_COVERAGE_PERIODS: usize = 4;

/// The domain of a procedure code's keyed hash.
pub const PROCEDURE_KEY_DOMAIN: &[u8] = b"healthchain/procedure-code";

/// What a claim line bills for (FHIR `Claim.item.productOrService`).
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServiceCode {
    /// A CPT or HCPCS Level II code as its keyed hash ([`ServiceCode::procedure`]): the
    /// plan's secret, which the insurer shares with its network off chain, keys it, so
    /// neither the fee schedule nor a claim's call data shows a procedure to outsiders.
    Procedure(Hash),
    /// A drug package by its GTIN-14 (the NDC inside). Not hidden: the package's lot is
    /// public in drug_provenance anyway (docs/privacy.md).
    Drug(u64),
}

impl ServiceCode {
    /// Whether the code is well formed: a keyed hash that is not all zeros, a GTIN above
    /// zero.
    pub fn is_valid(&self) -> bool {
        match self {
            ServiceCode::Procedure(key) => !healthchain_common::is_zero_hash(key.as_ref()),
            ServiceCode::Drug(gtin) => *gtin > 0,
        }
    }

    /// The keyed procedure code of a CPT or HCPCS Level II `code` (5 ASCII letters or
    /// digits, such as `99213` or `J1100`) in the plan whose secret is `plan_secret`:
    /// BLAKE2b-256 of the SCALE encoding of (domain, secret, code). `None` for a code
    /// that is not 5 letters or digits. What insurers and providers compute off chain.
    pub fn procedure(plan_secret: &[u8; 32], code: &[u8; 5]) -> Option<Self> {
        if !code.iter().all(u8::is_ascii_alphanumeric) {
            return None;
        }
        let encoded = ink::scale::Encode::encode(&(PROCEDURE_KEY_DOMAIN, plan_secret, code));
        Some(ServiceCode::Procedure(Hash::from(
            healthchain_common::merkle::blake2_256(&encoded),
        )))
    }
}

/// A CPT repeat-procedure modifier: the line is an intentional repeat of a service already
/// billed for the patient on that day, not a duplicate. Each modifier may be billed once
/// per (patient, provider, plan, day, code), after the unmodified line.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RepeatModifier {
    /// CPT modifier 76: repeat procedure by the same physician.
    SameProvider,
    /// CPT modifier 77: repeat procedure by another physician.
    OtherProvider,
}

/// The serialised package a drug line bills for (DSCSA product identifier), and the salt
/// of the pharmacy's commitment to the patient (`recipient_commitment`), which proves the
/// package was dispensed to this claim's patient.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DrugUnit {
    pub lot: Vec<u8>,
    pub serial: Vec<u8>,
    pub recipient_salt: [u8; 32],
    /// The days the dispensed quantity lasts (NCPDP days supply, 1 to 999).
    pub days_supply: u16,
}

/// The longest days supply an NCPDP claim can state (its field holds three digits).
pub const MAX_DAYS_SUPPLY: u16 = 999;

/// One claim of a `submit_claims` batch: `submit_claim`'s arguments.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimSubmission {
    pub patient: AccountId,
    pub plan: PlanId,
    pub service_date: Timestamp,
    pub lines: Vec<ClaimLine>,
    pub document_hash: Hash,
}

/// One line of a submitted claim (FHIR `Claim.item`).
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimLine {
    pub code: ServiceCode,
    /// Units billed. For a drug line, the quantity dispensed from its one serialised
    /// package, in the package's billing units (NCPDP quantity dispensed: tablets,
    /// millilitres, grams or each).
    pub quantity: u32,
    /// The provider's charge for the whole line.
    pub charge: Balance,
    /// For a drug line, the lot and serial dispensed; `None` for procedures.
    pub unit: Option<DrugUnit>,
    /// For a procedure line billed again on purpose, CPT modifier 76 or 77; drug lines
    /// have none (a package is billed once).
    pub modifier: Option<RepeatModifier>,
    /// The approved prior authorization, for a code whose fee schedule entry requires
    /// one.
    pub authorization: Option<AuthorizationId>,
}

/// A claim's whole charge, the sum of its lines' charges (`None` past `Balance::MAX`).
pub fn total_charge(lines: &[ClaimLine]) -> Option<Balance> {
    lines
        .iter()
        .try_fold(0, |sum: Balance, line| sum.checked_add(line.charge))
}

/// Checks one submitted line's shape (not its coverage).
pub fn validate_line(line: &ClaimLine) -> Result<(), Error> {
    if !line.code.is_valid() {
        return Err(Error::InvalidServiceCode);
    }
    if line.quantity == 0 {
        return Err(Error::ZeroQuantity);
    }
    match (&line.code, &line.unit) {
        (ServiceCode::Procedure(_), None) => Ok(()),
        (ServiceCode::Drug(_), Some(unit)) => {
            let ok = |text: &[u8]| is_printable_id(text, MAX_LOT_OR_SERIAL_LEN);
            let days = 1..=MAX_DAYS_SUPPLY;
            if !ok(&unit.lot)
                || !ok(&unit.serial)
                || line.modifier.is_some()
                || !days.contains(&unit.days_supply)
            {
                return Err(Error::InvalidDrugLine);
            }
            Ok(())
        }
        _ => Err(Error::InvalidDrugLine),
    }
}

/// Whether a covered code's patient share after the deductible is a fixed copay or a
/// coinsurance percentage.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CostShare {
    /// The plan's copay per line (office visits, prescriptions).
    Copay,
    /// The plan's coinsurance share of the rest (procedures).
    Coinsurance,
}

/// A covered code in a plan's fee schedule.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FeeScheduleEntry {
    /// The allowed amount per unit.
    pub allowed_per_unit: Balance,
    pub cost_share: CostShare,
    /// Whether a claim line for the code must name an approved prior authorization
    /// (X12 278); one that does not is denied CO-197.
    pub requires_authorization: bool,
    /// For a drug GTIN: the billing units its package holds (0 for procedures). A line
    /// dispensing more from one package is denied CO-151.
    pub package_units: u32,
    /// For a drug GTIN: the longest days supply the plan pays for at once (0 for no
    /// limit). A longer one is denied CO-154.
    pub max_days_supply: u16,
}

impl FeeScheduleEntry {
    /// Why a drug line is refused under this entry, if it is: it dispenses more than the
    /// package holds (CO-151), or for longer than the plan pays for at once (CO-154).
    /// Procedure lines and entries without limits pass.
    pub fn drug_limits(&self, line: &ClaimLine) -> Option<ReasonCode> {
        let unit = line.unit.as_ref()?;
        if self.package_units > 0 && line.quantity > self.package_units {
            Some(ReasonCode::QuantityExceedsPackage)
        } else if self.max_days_supply > 0 && unit.days_supply > self.max_days_supply {
            Some(ReasonCode::DaysSupplyExceeded)
        } else {
            None
        }
    }
}

/// The domain tag of instructions relayed to claim_settlement (see
/// `healthchain_common::relay`).
pub const RELAY_DOMAIN: &[u8] = b"healthchain/relay/v1/claim_settlement";

/// What a member signs to appeal a claim through a relayer (`relay_appeal`).
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemberAppeal {
    pub claim: ClaimId,
    pub evidence_hash: Hash,
}

/// A prior authorization's number in this contract, from 1.
pub type AuthorizationId = u64;

/// The insurer's decision on a prior authorization request.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthorizationDecision {
    /// Waiting for the insurer.
    Requested,
    /// Approved for services from `valid_from` (inclusive) to `valid_until` (exclusive).
    Approved {
        valid_from: Timestamp,
        valid_until: Timestamp,
    },
    /// Not approved.
    Denied,
}

/// A prior authorization (X12 278, HL7 Da Vinci PAS): a provider asks a plan's insurer
/// ahead of care for a code that needs it. What was asked for is kept only as `key`, a
/// hash of (patient, provider, plan, code), so that no record puts a patient beside a
/// procedure or a drug; a claim line is matched by recomputing it.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Authorization {
    pub patient: AccountId,
    pub provider: AccountId,
    pub plan: PlanId,
    pub key: Hash,
    /// Hash of the request (the 278 or FHIR Claim with use "preauthorization").
    pub document_hash: Hash,
    pub requested_at: Timestamp,
    pub decision: AuthorizationDecision,
    /// Hash of the insurer's decision, once decided.
    pub decision_hash: Option<Hash>,
}

/// The key an authorization and a claim line are matched by: BLAKE2b-256 of SCALE
/// ("healthchain/authorization", patient, provider, plan, code).
pub fn authorization_key(
    patient: &AccountId,
    provider: &AccountId,
    plan: PlanId,
    code: &ServiceCode,
) -> Hash {
    use ink::scale::Encode;
    Hash::from(healthchain_common::merkle::blake2_256(
        &(b"healthchain/authorization", patient, provider, plan, code).encode(),
    ))
}

impl Authorization {
    /// Why it does not authorise a line with `key` on `date`, if it does not: absent
    /// (another service, not approved: CO-197) or outside its validity (CO-302).
    pub fn refuses(&self, key: &Hash, date: Timestamp) -> Option<ReasonCode> {
        match self.decision {
            AuthorizationDecision::Approved {
                valid_from,
                valid_until,
            } if self.key == *key => (date < valid_from || date >= valid_until)
                .then_some(ReasonCode::AuthorizationExpired),
            _ => Some(ReasonCode::AuthorizationAbsent),
        }
    }
}

/// A plan's cost sharing for one plan year.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CostSharing {
    pub deductible: Balance,
    pub copay: Balance,
    /// The member's share after the deductible, in basis points (2000 = 20%).
    pub coinsurance_bps: u16,
    /// The most a member pays in a plan year (deductible, copays and coinsurance).
    pub out_of_pocket_max: Balance,
}

/// An insurer's plan.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Plan {
    pub insurer: AccountId,
    pub cost_sharing: CostSharing,
    /// Whether a claim needs the patient's payment consent or only the absence of a
    /// restriction.
    pub payment_consent: PaymentConsent,
    /// The plan year: accumulators cover services from `year_start` (inclusive) to
    /// `year_end` (exclusive). A new year is a new plan.
    pub year_start: Timestamp,
    pub year_end: Timestamp,
    /// Days after the service date within which a claim must arrive (timely filing),
    /// or `None` for no limit; a later claim is denied CO-29.
    pub filing_limit_days: Option<u16>,
    pub fee_schedule_entries: u32,
}

impl Plan {
    /// Why a service on `date`, claimed at `now`, is refused before anything else is
    /// asked, if it is: filed too late, or outside the plan year or the member's
    /// coverage.
    pub fn uncovered(
        &self,
        membership: &Membership,
        date: Timestamp,
        now: Timestamp,
    ) -> Option<ReasonCode> {
        let limit = self
            .filing_limit_days
            .map(|days| date.saturating_add(DAY.saturating_mul(u64::from(days))));
        if limit.is_some_and(|limit| now > limit) {
            Some(ReasonCode::TimelyFiling)
        } else if date < self.year_start {
            Some(ReasonCode::BeforeCoverage)
        } else if date >= self.year_end {
            Some(ReasonCode::AfterCoverage)
        } else {
            membership.uncovered(date)
        }
    }
}

/// The law a plan follows on disclosing a patient's data to it for payment.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaymentConsent {
    /// The patient's payment consent to the provider is required (jurisdictions that
    /// require consent; a claim without it is denied CO-16 with RARC N28).
    Required,
    /// Permitted without consent unless the patient restricted it, as HIPAA permits
    /// disclosure for payment (45 CFR 164.506(c)) and lets the patient restrict it to a
    /// plan for care paid in full out of pocket (164.522(a)(1)(vi)).
    PermittedUnlessRestricted,
}

impl PaymentConsent {
    /// The reason a claim is denied for, given the consent registry's answer, if any.
    /// A restriction denies under either law; a paused or unreachable registry is not the
    /// patient's refusal, and a restriction cannot be ruled out without it.
    pub fn denial(self, answer: Option<ConsentAnswer>) -> Option<ReasonCode> {
        match (answer, self) {
            (Some(ConsentAnswer::Permitted), _)
            | (Some(ConsentAnswer::NotPermitted), PaymentConsent::PermittedUnlessRestricted) => {
                None
            }
            (Some(ConsentAnswer::NotPermitted), PaymentConsent::Required) => {
                Some(ReasonCode::NoPaymentConsent)
            }
            (Some(ConsentAnswer::Restricted), _) => Some(ReasonCode::PaymentRestricted),
            (Some(ConsentAnswer::Unavailable) | None, _) => Some(ReasonCode::ConsentUnverifiable),
        }
    }
}

/// Checks a plan's terms.
pub fn validate_plan(
    cost_sharing: &CostSharing,
    year_start: Timestamp,
    year_end: Timestamp,
) -> Result<(), Error> {
    if cost_sharing.coinsurance_bps > BASIS_POINTS {
        return Err(Error::InvalidCoinsurance);
    }
    if cost_sharing.deductible > cost_sharing.out_of_pocket_max {
        return Err(Error::DeductibleAboveOutOfPocketMax);
    }
    if year_start >= year_end {
        return Err(Error::InvalidPeriod);
    }
    Ok(())
}

/// One period of coverage, [start, end) in milliseconds.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CoveragePeriod {
    pub start: Timestamp,
    /// Exclusive; ending the enrolment moves it to the time it ended.
    pub end: Timestamp,
}

/// A member's enrolment in a plan (FHIR Coverage): its coverage periods in order (an
/// ended enrolment can be renewed in the same plan year, at most
/// [`MAX_COVERAGE_PERIODS`] times) and one set of accumulators for the plan year.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Membership {
    pub periods: Vec<CoveragePeriod>,
    pub accumulators: Accumulators,
}

impl Membership {
    /// Whether a service at `date` is covered by any of the periods.
    pub fn covers(&self, date: Timestamp) -> bool {
        self.periods.iter().any(|p| p.start <= date && date < p.end)
    }

    /// Why `date` is not covered by the membership, if it is not: before its first
    /// period (CARC 26), after its last (27), or in a gap between two (200).
    pub fn uncovered(&self, date: Timestamp) -> Option<ReasonCode> {
        if self.covers(date) {
            None
        } else if self.periods.first().is_none_or(|first| date < first.start) {
            Some(ReasonCode::BeforeCoverage)
        } else if self.periods.last().is_none_or(|last| date >= last.end) {
            Some(ReasonCode::AfterCoverage)
        } else {
            Some(ReasonCode::CoverageLapse)
        }
    }

    /// The latest period (every stored membership has one).
    pub fn current(&self) -> Option<CoveragePeriod> {
        self.periods.last().copied()
    }

    /// Adds a renewed period, after the latest one has ended by `now`.
    pub fn renew(&mut self, period: CoveragePeriod, now: Timestamp) -> Result<(), Error> {
        // A period ended before it began covers nothing: the renewal replaces it.
        if self.current().is_some_and(|last| last.start >= last.end) {
            self.periods.pop();
        }
        if let Some(last) = self.current() {
            if last.end > now {
                return Err(Error::AlreadyEnrolled);
            }
            if period.start < last.end {
                return Err(Error::OverlappingCoverage);
            }
        }
        if self.periods.len() >= MAX_COVERAGE_PERIODS {
            return Err(Error::TooManyCoveragePeriods);
        }
        self.periods.push(period);
        Ok(())
    }
}

/// What a member has paid towards the plan year's deductible and out-of-pocket maximum.
/// Medical and pharmacy claims update the same record in the same transaction.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Accumulators {
    pub deductible_met: Balance,
    pub out_of_pocket: Balance,
}

/// Who bears an adjustment: the X12 835 claim adjustment group code (CAS01).
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(clippy::upper_case_acronyms)] // X12's own codes
pub enum GroupCode {
    /// Contractual obligation: the provider writes the amount off and may not bill the
    /// patient for it.
    CO,
    /// Patient responsibility: the patient owes the amount.
    PR,
    /// Other adjustment.
    OA,
    /// Payer-initiated reduction.
    PI,
}

/// The remittance advice remark codes (RARC, X12 / CMS list) the contract uses, each
/// with a CARC that needs it. Append-only: the position is the storage encoding.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rarc {
    /// N28: "Consent form requirements not fulfilled."
    N28,
    /// N130: "Consult plan benefit documents/guidelines for information about
    /// restrictions for this service."
    N130,
    /// MA130: "Your claim contains incomplete and/or invalid information, and no appeal
    /// rights are afforded because the claim is unprocessable. Please submit a new claim
    /// with the complete/correct information."
    MA130,
    /// M52: "Missing/incomplete/invalid "from" date(s) of service."
    M52,
}

impl Rarc {
    /// The code as an 835 LQ segment carries it.
    pub const fn code(self) -> &'static str {
        match self {
            Rarc::N28 => "N28",
            Rarc::N130 => "N130",
            Rarc::MA130 => "MA130",
            Rarc::M52 => "M52",
        }
    }
}

/// Why the contract adjusted a line: its own, fine reason, which the parties see. Each
/// maps to the standard (group code, CARC, RARC) an 835 carries ([`ReasonCode::standard`];
/// the README's reason-code table). Append-only: the position is the storage encoding.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReasonCode {
    /// The member's deductible (PR-1).
    Deductible,
    /// The member's coinsurance (PR-2).
    Coinsurance,
    /// The member's copay (PR-3).
    Copay,
    /// The same service or package was already billed and allowed (OA-18).
    Duplicate,
    /// The service date is before the member's coverage began (PR-26).
    BeforeCoverage,
    /// The service date is after the member's coverage ended (PR-27).
    AfterCoverage,
    /// The service date falls in a gap between two coverage periods (PR-200).
    CoverageLapse,
    /// The charge is above the fee schedule: a contractual adjustment, not a denial
    /// (CO-45).
    ExceedsFeeSchedule,
    /// The code is not in the plan's fee schedule (CO-96, N130).
    NotCovered,
    /// No payment consent of the patient to the provider covers the claim (CO-16, N28).
    NoPaymentConsent,
    /// The consent registry could not be asked: resubmit later (CO-16, MA130).
    ConsentUnverifiable,
    /// The serial was never dispensed: counterfeit or not yet dispensed (CO-112).
    DrugNotDispensed,
    /// The serial was dispensed to another patient or by another pharmacy (CO-112).
    DrugDispensedToOther,
    /// The drug's lot is recalled (CO-114).
    LotRecalled,
    /// The drug's lot is quarantined: excursion or suspect product (CO-96, N130).
    LotQuarantined,
    /// drug_provenance could not be asked: resubmit later (CO-16, MA130).
    ProvenanceUnverifiable,
    /// The unit was not dispensed on the service date (CO-16, M52).
    DispenseDateMismatch,
    /// The patient restricted disclosure to the plan, as for care paid in full out of
    /// pocket (PR-96, N28).
    PaymentRestricted,
    /// The claim came after the plan's filing limit (CO-29).
    TimelyFiling,
    /// The code needs a prior authorization and the line names no approved one for this
    /// patient, provider, plan and code (CO-197).
    AuthorizationAbsent,
    /// The line's authorization is not valid on the service date (CO-302).
    AuthorizationExpired,
    /// A drug line dispenses more than its package holds (CO-151).
    QuantityExceedsPackage,
    /// A drug line's days supply is longer than the plan pays for at once (CO-154).
    DaysSupplyExceeded,
}

impl ReasonCode {
    /// The standard adjustment an 835 carries for this reason: group code, CARC and,
    /// where the CARC needs one, a RARC.
    pub const fn standard(self) -> (GroupCode, u16, Option<Rarc>) {
        use GroupCode::{CO, OA, PR};
        match self {
            ReasonCode::Deductible => (PR, 1, None),
            ReasonCode::Coinsurance => (PR, 2, None),
            ReasonCode::Copay => (PR, 3, None),
            ReasonCode::Duplicate => (OA, 18, None),
            ReasonCode::BeforeCoverage => (PR, 26, None),
            ReasonCode::AfterCoverage => (PR, 27, None),
            ReasonCode::CoverageLapse => (PR, 200, None),
            ReasonCode::ExceedsFeeSchedule => (CO, 45, None),
            ReasonCode::NotCovered => (CO, 96, Some(Rarc::N130)),
            ReasonCode::NoPaymentConsent => (CO, 16, Some(Rarc::N28)),
            ReasonCode::ConsentUnverifiable => (CO, 16, Some(Rarc::MA130)),
            ReasonCode::DrugNotDispensed => (CO, 112, None),
            ReasonCode::DrugDispensedToOther => (CO, 112, None),
            ReasonCode::LotRecalled => (CO, 114, None),
            ReasonCode::LotQuarantined => (CO, 96, Some(Rarc::N130)),
            ReasonCode::ProvenanceUnverifiable => (CO, 16, Some(Rarc::MA130)),
            ReasonCode::DispenseDateMismatch => (CO, 16, Some(Rarc::M52)),
            ReasonCode::PaymentRestricted => (PR, 96, Some(Rarc::N28)),
            ReasonCode::TimelyFiling => (CO, 29, None),
            ReasonCode::AuthorizationAbsent => (CO, 197, None),
            ReasonCode::AuthorizationExpired => (CO, 302, None),
            ReasonCode::QuantityExceedsPackage => (CO, 151, None),
            ReasonCode::DaysSupplyExceeded => (CO, 154, None),
        }
    }
}

/// One adjustment of a line, as an 835 CAS segment (group, CARC, amount) with its RARC,
/// and the contract's fine reason for the parties.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Adjustment {
    pub group: GroupCode,
    pub carc: u16,
    pub rarc: Option<Rarc>,
    pub amount: Balance,
    pub reason: ReasonCode,
}

impl Adjustment {
    /// The adjustment of `amount` for `reason`, with its standard codes.
    pub const fn new(reason: ReasonCode, amount: Balance) -> Adjustment {
        let (group, carc, rarc) = reason.standard();
        Adjustment {
            group,
            carc,
            rarc,
            amount,
            reason,
        }
    }
}

/// A line's or a claim's outcome (FHIR ClaimResponse outcome, per line).
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Allowed: the patient may still owe deductible, copay or coinsurance, and a charge
    /// above the fee schedule is adjusted (CO-45), which is not a denial.
    Approved,
    /// A claim some of whose lines were denied and some approved.
    PartiallyApproved,
    /// Nothing allowed.
    Denied,
}

/// An adjudicated line: what was allowed, who pays what, and why (X12 835 SVC and CAS).
/// What was billed is not kept, only the claim's `lines_hash` and each line's billing
/// key, so no stored record puts a patient beside a procedure or a drug.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdjudicatedLine {
    /// The key under which the line counts as billed once allowed (an opaque hash: of the
    /// patient, provider, plan, day, keyed code and modifier for a service; of the
    /// package and its recipient salt for a drug).
    pub billing_key: Hash,
    pub quantity: u32,
    pub outcome: Outcome,
    pub submitted: Balance,
    pub allowed: Balance,
    pub deductible: Balance,
    pub copay: Balance,
    pub coinsurance: Balance,
    /// What the insurer pays for the line: allowed minus the patient's share.
    pub payable: Balance,
    /// The adjustments, in order (at most four): they add up to `submitted` minus
    /// `payable`.
    pub adjustments: Vec<Adjustment>,
}

impl AdjudicatedLine {
    /// The fine reasons of the line's adjustments, in order.
    pub fn reasons(&self) -> Vec<ReasonCode> {
        self.adjustments.iter().map(|a| a.reason).collect()
    }

    /// What the patient owes for the line.
    pub fn patient_responsibility(&self) -> Balance {
        // deductible + copay + coinsurance <= allowed, checked when the line was made.
        self.deductible
            .saturating_add(self.copay)
            .saturating_add(self.coinsurance)
    }
}

/// BLAKE2b-256 of the SCALE encoding of (service date, lines): the claim's commitment to
/// what was billed.
pub fn lines_hash(service_date: Timestamp, lines: &[ClaimLine]) -> Hash {
    let encoded = ink::scale::Encode::encode(&(service_date, lines));
    Hash::from(healthchain_common::merkle::blake2_256(&encoded))
}

/// A line denied in full for `reason`.
pub fn deny_line(billing_key: Hash, line: &ClaimLine, reason: ReasonCode) -> AdjudicatedLine {
    AdjudicatedLine {
        billing_key,
        quantity: line.quantity,
        outcome: Outcome::Denied,
        submitted: line.charge,
        allowed: 0,
        deductible: 0,
        copay: 0,
        coinsurance: 0,
        payable: 0,
        adjustments: ink::prelude::vec![Adjustment::new(reason, line.charge)],
    }
}

/// `amount` x `bps` / 10,000, rounded down, without an intermediate product that could
/// overflow: (q x 10,000 + r) x bps / 10,000 = q x bps + r x bps / 10,000.
pub fn basis_points_of(amount: Balance, bps: u16) -> Balance {
    let scale = Balance::from(BASIS_POINTS);
    let bps = Balance::from(bps.min(BASIS_POINTS));
    let whole = amount.checked_div(scale).unwrap_or_default();
    let rest = amount.checked_rem(scale).unwrap_or_default();
    // whole x bps <= amount and rest x bps < 10^8: neither overflows.
    whole.saturating_mul(bps).saturating_add(
        rest.saturating_mul(bps)
            .checked_div(scale)
            .unwrap_or_default(),
    )
}

/// Adjudicates a covered line: allowed = min(charge, fee x quantity); then the deductible,
/// then the copay or coinsurance, all capped by the out-of-pocket maximum. Updates the
/// member's accumulators. No intermediate amount exceeds the charge, so a line never fails
/// for its size; overflow would be an error, never a wrapped amount.
pub fn adjudicate_line(
    billing_key: Hash,
    line: &ClaimLine,
    fee: &FeeScheduleEntry,
    plan: &CostSharing,
    accumulators: &mut Accumulators,
) -> Result<AdjudicatedLine, Error> {
    // Saturating is exact here: only min(charge, scheduled) is used.
    let scheduled = fee
        .allowed_per_unit
        .saturating_mul(Balance::from(line.quantity));
    let allowed = line.charge.min(scheduled);
    // Nothing allowed is a denial, not a contractual adjustment of the whole charge
    // (CARC 45 may not equal the charge).
    if allowed == 0 {
        return Ok(deny_line(billing_key, line, ReasonCode::NotCovered));
    }
    price_allowed(
        billing_key,
        line.quantity,
        line.charge,
        allowed,
        fee.cost_share,
        plan,
        accumulators,
    )
}

/// Approves a line at `allowed` (1 to `charge`): a charge above it is a contractual
/// adjustment (CO-45), then the deductible, then the copay or coinsurance, all capped by
/// the out-of-pocket maximum, updating the member's accumulators. Shared by adjudication
/// and by an overturn on appeal, which goes through cost sharing like any approval.
pub fn price_allowed(
    billing_key: Hash,
    quantity: u32,
    charge: Balance,
    allowed: Balance,
    cost_share: CostShare,
    plan: &CostSharing,
    accumulators: &mut Accumulators,
) -> Result<AdjudicatedLine, Error> {
    if allowed == 0 || allowed > charge {
        return Err(Error::InvalidOverturnAmount);
    }
    let mut adjustments = Vec::new();
    if allowed < charge {
        let above = charge.checked_sub(allowed).ok_or(Error::Overflow)?;
        adjustments.push(Adjustment::new(ReasonCode::ExceedsFeeSchedule, above));
    }
    let mut out_of_pocket_room = plan
        .out_of_pocket_max
        .saturating_sub(accumulators.out_of_pocket);
    let deductible = allowed
        .min(plan.deductible.saturating_sub(accumulators.deductible_met))
        .min(out_of_pocket_room);
    out_of_pocket_room = out_of_pocket_room.saturating_sub(deductible);
    let rest = allowed.checked_sub(deductible).ok_or(Error::Overflow)?;
    let (copay, coinsurance) = match cost_share {
        CostShare::Copay => (plan.copay.min(rest).min(out_of_pocket_room), 0),
        CostShare::Coinsurance => (
            0,
            basis_points_of(rest, plan.coinsurance_bps).min(out_of_pocket_room),
        ),
    };
    for (amount, reason) in [
        (deductible, ReasonCode::Deductible),
        (copay, ReasonCode::Copay),
        (coinsurance, ReasonCode::Coinsurance),
    ] {
        if amount > 0 {
            adjustments.push(Adjustment::new(reason, amount));
        }
    }
    let patient = deductible
        .checked_add(copay)
        .and_then(|p| p.checked_add(coinsurance))
        .ok_or(Error::Overflow)?;
    let payable = allowed.checked_sub(patient).ok_or(Error::Overflow)?;
    accumulators.deductible_met = accumulators
        .deductible_met
        .checked_add(deductible)
        .ok_or(Error::Overflow)?;
    accumulators.out_of_pocket = accumulators
        .out_of_pocket
        .checked_add(patient)
        .ok_or(Error::Overflow)?;
    Ok(AdjudicatedLine {
        billing_key,
        quantity,
        // A charge above the fee schedule is adjusted (CO-45), not denied: the line is
        // approved at the allowed amount.
        outcome: Outcome::Approved,
        submitted: charge,
        allowed,
        deductible,
        copay,
        coinsurance,
        payable,
        adjustments,
    })
}

/// A claim's totals (FHIR ClaimResponse.total: submitted, eligible, patient, benefit).
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ClaimTotals {
    pub submitted: Balance,
    pub allowed: Balance,
    pub patient_responsibility: Balance,
    pub payable: Balance,
}

/// Sums the lines, or [`Error::Overflow`].
pub fn totals(lines: &[AdjudicatedLine]) -> Result<ClaimTotals, Error> {
    let mut t = ClaimTotals::default();
    for line in lines {
        t.submitted = t
            .submitted
            .checked_add(line.submitted)
            .ok_or(Error::Overflow)?;
        t.allowed = t.allowed.checked_add(line.allowed).ok_or(Error::Overflow)?;
        t.patient_responsibility = t
            .patient_responsibility
            .checked_add(line.patient_responsibility())
            .ok_or(Error::Overflow)?;
        t.payable = t.payable.checked_add(line.payable).ok_or(Error::Overflow)?;
    }
    Ok(t)
}

/// The claim's outcome from its lines: approved when every line is, denied when every
/// line is, partial otherwise.
pub fn claim_outcome(lines: &[AdjudicatedLine]) -> Outcome {
    if lines.iter().all(|l| l.outcome == Outcome::Approved) {
        Outcome::Approved
    } else if lines.iter().all(|l| l.outcome == Outcome::Denied) {
        Outcome::Denied
    } else {
        Outcome::PartiallyApproved
    }
}

/// Where an appeal stands: filed and waiting for the insurer, or decided either way.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppealStatus {
    /// Filed, waiting for the insurer.
    Pending,
    /// The insurer kept its decision.
    Upheld,
    /// The insurer approved denied lines; they went through cost sharing like any
    /// approval, and the plan pays `amount` more.
    Overturned { amount: Balance },
}

/// One denied line an insurer approves on appeal: the line (its position in the claim),
/// the amount it allows (1 to the line's charge) and the cost sharing that applies, as
/// the fee schedule would have said.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Overturn {
    pub line: u16,
    pub allowed: Balance,
    pub cost_share: CostShare,
}

/// An appeal of a denied or partly denied claim, by its provider or its member.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Appeal {
    /// Who appealed: the claim's provider or its member (the patient).
    pub by: AccountId,
    pub evidence_hash: Hash,
    pub filed_at: Timestamp,
    /// When the insurer's decision is due ([`APPEAL_DECISION_WINDOW`] after filing).
    pub decide_by: Timestamp,
    /// The deadline passed before a decision, and it was evented (`AppealOverdue`).
    pub overdue: bool,
    pub status: AppealStatus,
    pub resolved_at: Option<Timestamp>,
    /// Hash of the insurer's decision letter, once resolved.
    pub decision_hash: Option<Hash>,
}

/// A submitted claim's header; its adjudicated lines are read with `claim_lines`. The
/// service date and what was billed are not kept beside the patient, only their hash.
/// Stored with its lines as one [`StoredClaim`].
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Claim {
    pub patient: AccountId,
    pub provider: AccountId,
    pub insurer: AccountId,
    pub plan: PlanId,
    /// [`lines_hash`] of the service date and the lines as submitted, which the provider
    /// and the insurer can show an auditor they match.
    pub lines_hash: Hash,
    /// Hash of the claim document (the 837 or FHIR Claim off chain).
    pub document_hash: Hash,
    pub submitted_at: Timestamp,
    pub outcome: Outcome,
    pub totals: ClaimTotals,
    /// Paid by the insurer so far: out of its escrow into the provider's credit, which
    /// the provider collects (or anyone pushes) from there.
    pub paid: Balance,
    /// Approved but not yet paid (the insurer's escrow was short): paid first when funds
    /// arrive, in order of approval.
    pub awaiting_payment: Balance,
    /// Approved, then cancelled while it waited for funds: by the insurer, or by the
    /// provider's void. Always `paid + awaiting_payment + cancelled = totals.payable`.
    pub cancelled: Balance,
    pub appeal: Option<Appeal>,
    /// The claim this one replaces (X12 claim frequency code 7), if any.
    pub replaces: Option<ClaimId>,
    /// When the provider voided it (frequency code 8) or replaced it; its payment (all of
    /// `paid`, returned to the escrow) and the member's accumulators were reversed then.
    pub voided_at: Option<Timestamp>,
    /// The claim that replaced it, if any.
    pub replaced_by: Option<ClaimId>,
}

/// A claim as the ledger stores it: its header and its adjudicated lines as one storage
/// item, so that filing a claim writes one item, not two (pallet-contracts charges every
/// storage access a worst-case proof of about 11 KB, whatever its size). Encoded exactly
/// as `(Claim, Vec<AdjudicatedLine>)`. The messages still answer them apart (`claim`,
/// `claim_lines`).
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredClaim {
    pub header: Claim,
    pub lines: EncodedLines,
}

/// A stored claim's adjudicated lines, kept as their encoding (a `Vec<AdjudicatedLine>`'s)
/// and decoded only where they are used (a void, an appeal's decision, `claim_lines`):
/// paying a claim reads and writes its header, and so the contract's own build, which pays
/// claims, keeps no decoder for lines. It is the last field of [`StoredClaim`] and decodes
/// as the rest of the stored value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncodedLines(Vec<u8>);

impl EncodedLines {
    /// The encoding of `lines`.
    pub fn new(lines: &[AdjudicatedLine]) -> Self {
        Self(ink::scale::Encode::encode(lines))
    }

    /// The lines. The bytes only ever come from [`EncodedLines::new`] (or storage it
    /// wrote), so they always decode; anything else would read as no lines.
    pub fn decode(&self) -> Vec<AdjudicatedLine> {
        ink::scale::DecodeAll::decode_all(&mut &self.0[..]).unwrap_or_default()
    }
}

impl ink::scale::Encode for EncodedLines {
    fn size_hint(&self) -> usize {
        self.0.len()
    }

    fn encode_to<T: ink::scale::Output + ?Sized>(&self, dest: &mut T) {
        dest.write(&self.0);
    }
}

impl ink::scale::Decode for EncodedLines {
    fn decode<I: ink::scale::Input>(input: &mut I) -> Result<Self, ink::scale::Error> {
        // A stored value is decoded from a slice of its exact length.
        let len = input
            .remaining_len()?
            .ok_or("EncodedLines: decoded from input of unknown length")?;
        let mut bytes = ink::prelude::vec![0; len];
        input.read(&mut bytes)?;
        Ok(Self(bytes))
    }
}

/// Described as what it encodes: metadata and storage layout show the lines.
#[cfg(feature = "std")]
impl ink::scale_info::TypeInfo for EncodedLines {
    type Identity = Vec<AdjudicatedLine>;

    fn type_info() -> ink::scale_info::Type {
        <Vec<AdjudicatedLine> as ink::scale_info::TypeInfo>::type_info()
    }
}

#[cfg(feature = "std")]
impl ink::storage::traits::StorageLayout for EncodedLines {
    fn layout(key: &ink::primitives::Key) -> ink::metadata::layout::Layout {
        <Vec<AdjudicatedLine> as ink::storage::traits::StorageLayout>::layout(key)
    }
}

/// Where a claim stands, as an X12 277 answers a 276 status inquiry.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClaimStatus {
    /// Adjudicated with nothing to pay: denied, or approved at zero after cost sharing.
    Adjudicated,
    /// Paid in full (into the provider's credit, transferred or held).
    Paid,
    /// Approved and waiting for the insurer's funds.
    AwaitingFunds,
    /// An appeal is pending the insurer's decision.
    UnderAppeal,
    /// Voided, or replaced by `replaced_by`.
    Voided { replaced_by: Option<ClaimId> },
}

impl Claim {
    /// The claim's status (a claim is adjudicated in the call that receives it).
    pub fn status(&self) -> ClaimStatus {
        if self.voided_at.is_some() {
            ClaimStatus::Voided {
                replaced_by: self.replaced_by,
            }
        } else if self
            .appeal
            .as_ref()
            .is_some_and(|appeal| appeal.status == AppealStatus::Pending)
        {
            ClaimStatus::UnderAppeal
        } else if self.awaiting_payment > 0 {
            ClaimStatus::AwaitingFunds
        } else if self.paid > 0 {
            ClaimStatus::Paid
        } else {
            ClaimStatus::Adjudicated
        }
    }
}

/// Takes back from `accumulators` exactly what `lines` added to them.
pub fn reverse_accumulators(
    accumulators: &mut Accumulators,
    lines: &[AdjudicatedLine],
) -> Result<(), Error> {
    for line in lines {
        accumulators.deductible_met = accumulators
            .deductible_met
            .checked_sub(line.deductible)
            .ok_or(Error::Overflow)?;
        accumulators.out_of_pocket = accumulators
            .out_of_pocket
            .checked_sub(line.patient_responsibility())
            .ok_or(Error::Overflow)?;
    }
    Ok(())
}

/// How an insurer's escrow changed (`EscrowChanged`).
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EscrowChange {
    /// The insurer deposited this much.
    Deposited(Balance),
    /// The insurer withdrew this much of its free funds.
    Withdrawn(Balance),
}

/// An insurer's funds in the contract. `funds` is what the insurer deposited and has not
/// withdrawn or paid out; `owed` is what approved claims still wait for. Only
/// `funds - owed` may be withdrawn.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Escrow {
    pub funds: Balance,
    pub owed: Balance,
}

impl Escrow {
    /// What the insurer may withdraw: funds no approved claim waits for.
    pub fn free(&self) -> Balance {
        self.funds.saturating_sub(self.owed)
    }

    /// Adds a deposit.
    pub fn deposit(&mut self, amount: Balance) -> Result<(), Error> {
        self.funds = self.funds.checked_add(amount).ok_or(Error::Overflow)?;
        Ok(())
    }

    /// Takes a withdrawal out of the free funds.
    pub fn withdraw(&mut self, amount: Balance) -> Result<(), Error> {
        if amount > self.free() {
            return Err(Error::InsufficientFreeEscrow);
        }
        self.funds = self.funds.checked_sub(amount).ok_or(Error::Overflow)?;
        Ok(())
    }

    /// Records `amount` newly approved and not yet paid.
    pub fn owe(&mut self, amount: Balance) -> Result<(), Error> {
        self.owed = self.owed.checked_add(amount).ok_or(Error::Overflow)?;
        Ok(())
    }

    /// Whether a new claim's `amount` is paid at once, without the insurer's payment
    /// queue: nothing else is owed, so no claim waits (the queue holds at most cancelled
    /// entries, which pay nothing), and the funds cover it.
    pub fn pays_at_once(&self, amount: Balance) -> bool {
        self.owed == 0 && amount <= self.funds
    }

    /// Pays `amount` of what is owed out of the funds, if the funds cover it.
    pub fn pay(&mut self, amount: Balance) -> Result<(), Error> {
        if amount > self.funds || amount > self.owed {
            return Err(Error::InsufficientFreeEscrow);
        }
        self.funds = self.funds.checked_sub(amount).ok_or(Error::Overflow)?;
        self.owed = self.owed.checked_sub(amount).ok_or(Error::Overflow)?;
        Ok(())
    }
}

/// Errors of claim_settlement: one variant per reason; nothing changed and no funds moved
/// when returned. Denials are not errors: a denied claim is stored with its reasons.
#[ink::scale_derive(Decode, TypeInfo)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Error {
    /// An admin, role or pause check failed.
    Access(AccessError),
    /// Coinsurance above 10,000 basis points.
    InvalidCoinsurance,
    /// The deductible is above the out-of-pocket maximum.
    DeductibleAboveOutOfPocketMax,
    /// A period's start is not before its end.
    InvalidPeriod,
    /// No plan with that id.
    UnknownPlan,
    /// Only the plan's insurer may do this.
    NotPlanInsurer,
    /// Too many fee schedule changes in one call (at most 64).
    TooManyFeeUpdates,
    /// The plan's fee schedule is full (at most 2,000 codes).
    FeeScheduleFull,
    /// A procedure code that is not 5 ASCII letters or digits, or a zero GTIN.
    InvalidServiceCode,
    /// The member is not enrolled in the plan.
    UnknownMember,
    /// The member is already enrolled in the plan.
    AlreadyEnrolled,
    /// The coverage period lies outside the plan year.
    CoverageOutsidePlanYear,
    /// The enrolment has already ended.
    EnrolmentEnded,
    /// A deposit of zero.
    ZeroDeposit,
    /// The withdrawal or payment is above the insurer's free escrow.
    InsufficientFreeEscrow,
    /// The chain refused the transfer.
    TransferFailed,
    /// The claim has no lines.
    NoLines,
    /// The claim has more than 50 lines.
    TooManyLines,
    /// A line bills zero units.
    ZeroQuantity,
    /// A drug line must name the GTIN as code, a lot and serial of 1 to 20 printable
    /// characters, a days supply of 1 to 999 and no repeat modifier; a procedure line
    /// names no lot or serial.
    InvalidDrugLine,
    /// The service date is in the future.
    ServiceDateInFuture,
    /// The patient and the provider are the same account.
    ProviderIsPatient,
    /// An amount overflowed.
    Overflow,
    /// No claim with that id.
    UnknownClaim,
    /// Only the claim's provider may do this (or, for an appeal, its member).
    NotClaimProvider,
    /// Only the claim's insurer may resolve its appeal.
    NotClaimInsurer,
    /// The claim was approved in full: nothing to appeal.
    NotAppealable,
    /// The appeal window (180 days from adjudication) has closed.
    AppealWindowClosed,
    /// The claim was already appealed.
    AlreadyAppealed,
    /// The claim has no pending appeal.
    NoPendingAppeal,
    /// An overturn names a line that does not exist, was not denied, is named twice or
    /// was paid in another claim, or allows nothing or more than the line's charge. No overturn at all is not this
    /// error: it upholds the denial.
    InvalidOverturnAmount,
    /// The appeal's decision is not overdue yet, or was already reported overdue.
    AppealNotOverdue,
    /// A hash argument is all zeros.
    ZeroHash,
    /// A renewed coverage period starts before the previous one ended.
    OverlappingCoverage,
    /// The membership already has the most coverage periods one plan year keeps (4).
    TooManyCoveragePeriods,
    /// The claim's charges add up to more than one claim may charge (10^30).
    ClaimTooLarge,
    /// The caller has no credit to collect, or the account named has none to pay out.
    NothingToCollect,
    /// The claim waits for no payment.
    NotAwaitingPayment,
    /// The new plan insurer does not hold the Insurer role.
    NotAnInsurer,
    /// A timely filing limit of zero days: give at least one, or none for no limit.
    ZeroFilingLimit,
    /// The claim is already voided or replaced.
    ClaimVoided,
    /// The claim's appeal is pending: wait for the insurer's decision.
    AppealPending,
    /// The value sent with a void or replacement is not the refund `void_refund` names.
    WrongRefund,
    /// A relayed appeal was refused: expired, out of order or replayed, or not signed by
    /// its signer for this contract on this chain.
    Relay(RelayError),
    /// No prior authorization with that id.
    UnknownAuthorization,
    /// The authorization was already decided.
    AuthorizationDecided,
    /// A batch of more than 16 claims or 64 lines in all.
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

// The library build (claim_settlement_library) runs the same code: tested once, here.
#[cfg(all(test, not(healthchain_library)))]
mod tests {
    use super::*;

    /// The records a claim reads straight from the host (`entry::get_at` and `entry::get`:
    /// the plan, a fee schedule entry, the membership, the escrow, an authorization and a
    /// credit) and writes through it (`entry::set_at`: the membership, the escrow and a
    /// billing mark, a claim id), each at its longest, fit the host's buffer with room to
    /// spare.
    #[test]
    fn the_records_a_claim_reads_fit_the_hosts_buffer() {
        use ink::scale::Encode;
        let account = AccountId::from([0xFF; 32]);
        let plan = Plan {
            insurer: account,
            cost_sharing: CostSharing {
                deductible: Balance::MAX,
                copay: Balance::MAX,
                coinsurance_bps: u16::MAX,
                out_of_pocket_max: Balance::MAX,
            },
            payment_consent: PaymentConsent::PermittedUnlessRestricted,
            year_start: Timestamp::MAX,
            year_end: Timestamp::MAX,
            filing_limit_days: Some(u16::MAX),
            fee_schedule_entries: u32::MAX,
        };
        let fee = FeeScheduleEntry {
            allowed_per_unit: Balance::MAX,
            cost_share: CostShare::Coinsurance,
            requires_authorization: true,
            package_units: u32::MAX,
            max_days_supply: u16::MAX,
        };
        let membership = Membership {
            periods: ink::prelude::vec![
                CoveragePeriod {
                    start: Timestamp::MAX,
                    end: Timestamp::MAX,
                };
                MAX_COVERAGE_PERIODS
            ],
            accumulators: Accumulators {
                deductible_met: Balance::MAX,
                out_of_pocket: Balance::MAX,
            },
        };
        let escrow = Escrow {
            funds: Balance::MAX,
            owed: Balance::MAX,
        };
        let authorization = Authorization {
            patient: account,
            provider: account,
            plan: PlanId::MAX,
            key: Hash::from([0xFF; 32]),
            document_hash: Hash::from([0xFF; 32]),
            requested_at: Timestamp::MAX,
            decision: AuthorizationDecision::Approved {
                valid_from: Timestamp::MAX,
                valid_until: Timestamp::MAX,
            },
            decision_hash: Some(Hash::from([0xFF; 32])),
        };
        healthchain_common::unit_test::fit_the_hosts_buffer(&[
            plan.encoded_size(),
            fee.encoded_size(),
            membership.encoded_size(),
            escrow.encoded_size(),
            authorization.encoded_size(),
            Balance::MAX.encoded_size(),
            ClaimId::MAX.encoded_size(),
        ]);
        // A membership grows by its coverage periods only: 16 bytes each.
        assert_eq!(
            membership.encoded_size(),
            1 + 16 * MAX_COVERAGE_PERIODS + 32
        );
    }

    #[test]
    fn a_claims_charge_is_its_lines_or_none_past_the_largest_balance() {
        let line = |charge| ClaimLine {
            charge,
            ..visit(1, 1)
        };
        assert_eq!(total_charge(&[]), Some(0));
        assert_eq!(total_charge(&[line(2), line(3)]), Some(5));
        assert_eq!(
            total_charge(&[line(Balance::MAX), line(0)]),
            Some(Balance::MAX)
        );
        assert_eq!(total_charge(&[line(Balance::MAX), line(1)]), None);
    }

    #[test]
    fn errors_encode_as_derived() {
        healthchain_common::unit_test::encodes_as_derived::<Error>();
    }

    #[test]
    fn payment_consent_rules() {
        use ConsentAnswer::*;
        use PaymentConsent::*;
        let cases = [
            (Required, Some(Permitted), None),
            (
                Required,
                Some(NotPermitted),
                Some(ReasonCode::NoPaymentConsent),
            ),
            (
                Required,
                Some(Restricted),
                Some(ReasonCode::PaymentRestricted),
            ),
            (
                Required,
                Some(Unavailable),
                Some(ReasonCode::ConsentUnverifiable),
            ),
            (Required, None, Some(ReasonCode::ConsentUnverifiable)),
            (PermittedUnlessRestricted, Some(Permitted), None),
            (PermittedUnlessRestricted, Some(NotPermitted), None),
            (
                PermittedUnlessRestricted,
                Some(Restricted),
                Some(ReasonCode::PaymentRestricted),
            ),
            (
                PermittedUnlessRestricted,
                Some(Unavailable),
                Some(ReasonCode::ConsentUnverifiable),
            ),
            (
                PermittedUnlessRestricted,
                None,
                Some(ReasonCode::ConsentUnverifiable),
            ),
        ];
        for (rule, answer, denial) in cases {
            assert_eq!(rule.denial(answer), denial, "{rule:?} {answer:?}");
        }
    }
    use proptest::prelude::*;

    fn plan() -> CostSharing {
        CostSharing {
            deductible: 500,
            copay: 25,
            coinsurance_bps: 2_000,
            out_of_pocket_max: 1_000,
        }
    }

    /// A line's billing key (opaque here).
    fn key() -> Hash {
        Hash::from([9; 32])
    }

    #[test]
    fn procedure_codes_are_keyed_by_the_plan_secret() {
        let visit = ServiceCode::procedure(&[1; 32], b"99213").unwrap();
        assert_eq!(ServiceCode::procedure(&[1; 32], b"99213"), Some(visit));
        assert_ne!(ServiceCode::procedure(&[2; 32], b"99213"), Some(visit));
        assert_ne!(ServiceCode::procedure(&[1; 32], b"99214"), Some(visit));
        assert!(visit.is_valid());
        // The code itself appears nowhere in what the chain sees.
        let encoded = ink::scale::Encode::encode(&visit);
        assert!(!encoded.windows(5).any(|w| w == b"99213"));
        assert_eq!(ServiceCode::procedure(&[1; 32], b"9921\0"), None);
    }

    fn visit(charge: Balance, quantity: u32) -> ClaimLine {
        ClaimLine {
            code: ServiceCode::procedure(&[1; 32], b"99213").unwrap(),
            quantity,
            charge,
            unit: None,
            modifier: None,
            authorization: None,
        }
    }

    /// A stored claim encodes exactly as `(Claim, Vec<AdjudicatedLine>)` and reads back
    /// whole: the lines kept encoded decode to the lines stored, none or several.
    #[test]
    fn a_stored_claim_is_its_header_then_its_lines() {
        let header = Claim {
            patient: AccountId::from([1; 32]),
            provider: AccountId::from([2; 32]),
            insurer: AccountId::from([3; 32]),
            plan: 7,
            lines_hash: Hash::from([4; 32]),
            document_hash: Hash::from([5; 32]),
            submitted_at: 1_767_225_600_000,
            outcome: Outcome::PartiallyApproved,
            totals: ClaimTotals {
                submitted: 300,
                allowed: 150,
                patient_responsibility: 120,
                payable: 30,
            },
            paid: 30,
            awaiting_payment: 0,
            cancelled: 0,
            appeal: None,
            replaces: Some(3),
            voided_at: None,
            replaced_by: None,
        };
        let allowed = adjudicate_line(
            Hash::from([6; 32]),
            &visit(200, 1),
            &COPAY,
            &CostSharing {
                deductible: 100,
                copay: 20,
                coinsurance_bps: 0,
                out_of_pocket_max: 1_000,
            },
            &mut Accumulators::default(),
        )
        .unwrap();
        let denied = deny_line(Hash::from([8; 32]), &visit(100, 2), ReasonCode::Duplicate);
        for lines in [vec![], vec![allowed.clone(), denied.clone()]] {
            let stored = StoredClaim {
                header,
                lines: EncodedLines::new(&lines),
            };
            let encoded = ink::scale::Encode::encode(&stored);
            assert_eq!(encoded, ink::scale::Encode::encode(&(header, &lines)));
            let read: StoredClaim = ink::scale::Decode::decode(&mut &encoded[..]).unwrap();
            assert_eq!(read.header, header);
            assert_eq!(read.lines.decode(), lines);
        }
    }

    const COINSURANCE: FeeScheduleEntry = FeeScheduleEntry {
        allowed_per_unit: 400,
        cost_share: CostShare::Coinsurance,
        requires_authorization: false,
        package_units: 0,
        max_days_supply: 0,
    };
    const COPAY: FeeScheduleEntry = FeeScheduleEntry {
        allowed_per_unit: 400,
        cost_share: CostShare::Copay,
        requires_authorization: false,
        package_units: 0,
        max_days_supply: 0,
    };

    #[test]
    fn lines_are_validated() {
        assert_eq!(validate_line(&visit(1, 1)), Ok(()));
        assert_eq!(validate_line(&visit(1, 0)), Err(Error::ZeroQuantity));
        let mut bad = visit(1, 1);
        assert_eq!(ServiceCode::procedure(&[1; 32], b"99 13"), None);
        bad.code = ServiceCode::Procedure(Hash::from([0; 32]));
        assert_eq!(validate_line(&bad), Err(Error::InvalidServiceCode));
        let drug = |quantity, lot: &[u8], serial: &[u8]| ClaimLine {
            code: ServiceCode::Drug(10_012_345_678_902),
            quantity,
            charge: 10,
            unit: Some(DrugUnit {
                lot: lot.to_vec(),
                serial: serial.to_vec(),
                recipient_salt: [2; 32],
                days_supply: 30,
            }),
            modifier: None,
            authorization: None,
        };
        assert_eq!(validate_line(&drug(1, b"L1", b"S1")), Ok(()));
        // Issue 17: a drug line bills the quantity dispensed from its package (NCPDP),
        // with a days supply of 1 to 999.
        assert_eq!(validate_line(&drug(30, b"L1", b"S1")), Ok(()));
        for days in [0, MAX_DAYS_SUPPLY + 1] {
            let mut line = drug(30, b"L1", b"S1");
            if let Some(unit) = line.unit.as_mut() {
                unit.days_supply = days;
            }
            assert_eq!(
                validate_line(&line),
                Err(Error::InvalidDrugLine),
                "{days} days"
            );
        }
        let limits = FeeScheduleEntry {
            allowed_per_unit: 2,
            cost_share: CostShare::Copay,
            requires_authorization: false,
            package_units: 30,
            max_days_supply: 30,
        };
        assert_eq!(limits.drug_limits(&drug(30, b"L1", b"S1")), None);
        assert_eq!(
            limits.drug_limits(&drug(31, b"L1", b"S1")),
            Some(ReasonCode::QuantityExceedsPackage)
        );
        let mut ninety_days = drug(30, b"L1", b"S1");
        if let Some(unit) = ninety_days.unit.as_mut() {
            unit.days_supply = 90;
        }
        assert_eq!(
            limits.drug_limits(&ninety_days),
            Some(ReasonCode::DaysSupplyExceeded)
        );
        assert_eq!(limits.drug_limits(&visit(99, 1)), None);
        assert_eq!(
            validate_line(&drug(1, b"", b"S1")),
            Err(Error::InvalidDrugLine)
        );
        assert_eq!(
            validate_line(&drug(1, b"L1", &[b'9'; 21])),
            Err(Error::InvalidDrugLine)
        );
        let mut no_unit = drug(1, b"L1", b"S1");
        no_unit.unit = None;
        assert_eq!(validate_line(&no_unit), Err(Error::InvalidDrugLine));
        let mut procedure_with_unit = drug(1, b"L1", b"S1");
        procedure_with_unit.code = ServiceCode::procedure(&[1; 32], b"J1100").unwrap();
        assert_eq!(
            validate_line(&procedure_with_unit),
            Err(Error::InvalidDrugLine)
        );
        assert!(!ServiceCode::Drug(0).is_valid());
    }

    #[test]
    fn deductible_then_coinsurance() {
        let mut acc = Accumulators::default();
        // 300 allowed, all to the deductible.
        let line = adjudicate_line(key(), &visit(300, 1), &COINSURANCE, &plan(), &mut acc).unwrap();
        assert_eq!((line.allowed, line.deductible, line.payable), (300, 300, 0));
        assert_eq!(line.reasons(), vec![ReasonCode::Deductible]);
        assert_eq!(line.outcome, Outcome::Approved);
        // Charge 1000 against 2 x 400: 800 allowed (45), 200 deductible (1), 20% of 600
        // = 120 coinsurance (2), 480 payable.
        let line =
            adjudicate_line(key(), &visit(1_000, 2), &COINSURANCE, &plan(), &mut acc).unwrap();
        // Issue 17: CO-45 is a contractual adjustment, not a denial.
        assert_eq!(line.outcome, Outcome::Approved);
        let amounts: Vec<(u16, Balance)> = line
            .adjustments
            .iter()
            .map(|a| (a.carc, a.amount))
            .collect();
        assert_eq!(amounts, vec![(45, 200), (1, 200), (2, 120)]);
        assert_eq!(
            (
                line.allowed,
                line.deductible,
                line.coinsurance,
                line.payable
            ),
            (800, 200, 120, 480)
        );
        assert_eq!(
            line.reasons(),
            vec![
                ReasonCode::ExceedsFeeSchedule,
                ReasonCode::Deductible,
                ReasonCode::Coinsurance
            ]
        );
        assert_eq!(
            acc,
            Accumulators {
                deductible_met: 500,
                out_of_pocket: 620
            }
        );
    }

    #[test]
    fn copay_and_the_out_of_pocket_cap() {
        let mut acc = Accumulators {
            deductible_met: 500,
            out_of_pocket: 990,
        };
        let line = adjudicate_line(key(), &visit(400, 1), &COPAY, &plan(), &mut acc).unwrap();
        // Copay 25, capped at the 10 left before the out-of-pocket maximum.
        assert_eq!((line.copay, line.payable), (10, 390));
        assert_eq!(acc.out_of_pocket, 1_000);
        let line = adjudicate_line(key(), &visit(400, 1), &COINSURANCE, &plan(), &mut acc).unwrap();
        assert_eq!((line.coinsurance, line.payable), (0, 400));
        assert!(line.reasons().is_empty());
    }

    /// Review item 19: the largest line is priced: no intermediate amount exceeds the
    /// charge, and the out-of-pocket maximum bounds the member's share.
    #[test]
    fn huge_amounts_are_priced_without_overflow() {
        let mut acc = Accumulators::default();
        let fee = FeeScheduleEntry {
            allowed_per_unit: Balance::MAX,
            cost_share: CostShare::Coinsurance,
            requires_authorization: false,
            package_units: 0,
            max_days_supply: 0,
        };
        let line =
            adjudicate_line(key(), &visit(Balance::MAX, 2), &fee, &plan(), &mut acc).unwrap();
        assert_eq!(line.allowed, Balance::MAX);
        assert_eq!((line.deductible, line.coinsurance), (500, 500));
        assert_eq!(line.payable, Balance::MAX - 1_000);
        assert_eq!(acc.out_of_pocket, plan().out_of_pocket_max);
        // Met: the next huge line is paid in full.
        let line =
            adjudicate_line(key(), &visit(Balance::MAX, 1), &fee, &plan(), &mut acc).unwrap();
        assert_eq!(line.payable, Balance::MAX);
        let line = |charge| deny_line(key(), &visit(charge, 1), ReasonCode::NotCovered);
        assert_eq!(totals(&[line(Balance::MAX), line(1)]), Err(Error::Overflow));
    }

    proptest! {
        /// The overflow-free basis points equal the exact product for every amount.
        #[test]
        fn basis_points_are_exact(amount in any::<u64>(), bps in 0u16..=10_000) {
            let exact = u128::from(amount) * u128::from(bps) / 10_000;
            prop_assert_eq!(basis_points_of(u128::from(amount), bps), exact);
        }
    }

    #[test]
    fn claim_outcomes_and_reason_codes() {
        let approved = adjudicate_line(
            key(),
            &visit(100, 1),
            &COPAY,
            &plan(),
            &mut Accumulators::default(),
        )
        .unwrap();
        let denied = deny_line(key(), &visit(100, 1), ReasonCode::NotCovered);
        assert_eq!(claim_outcome(&[approved.clone()]), Outcome::Approved);
        assert_eq!(claim_outcome(&[denied.clone()]), Outcome::Denied);
        assert_eq!(
            claim_outcome(&[approved, denied]),
            Outcome::PartiallyApproved
        );
    }

    #[test]
    fn plans_are_validated() {
        assert_eq!(validate_plan(&plan(), 0, 1), Ok(()));
        let mut bad = plan();
        bad.coinsurance_bps = 10_001;
        assert_eq!(validate_plan(&bad, 0, 1), Err(Error::InvalidCoinsurance));
        bad = plan();
        bad.deductible = 1_001;
        assert_eq!(
            validate_plan(&bad, 0, 1),
            Err(Error::DeductibleAboveOutOfPocketMax)
        );
        assert_eq!(validate_plan(&plan(), 1, 1), Err(Error::InvalidPeriod));
    }

    #[test]
    fn escrow_keeps_what_claims_need() {
        let mut escrow = Escrow::default();
        escrow.deposit(100).unwrap();
        escrow.owe(150).unwrap();
        assert_eq!(escrow.free(), 0);
        assert_eq!(escrow.withdraw(1), Err(Error::InsufficientFreeEscrow));
        assert_eq!(escrow.pay(150), Err(Error::InsufficientFreeEscrow));
        escrow.deposit(100).unwrap();
        escrow.pay(150).unwrap();
        assert_eq!(escrow, Escrow { funds: 50, owed: 0 });
        escrow.withdraw(50).unwrap();
        assert_eq!(escrow.free(), 0);
    }

    fn cost_sharing() -> impl Strategy<Value = CostSharing> {
        (0u128..5_000, 0u128..500, 0u16..=10_000, 0u128..20_000).prop_map(
            |(deductible, copay, coinsurance_bps, extra)| CostSharing {
                deductible,
                copay,
                coinsurance_bps,
                out_of_pocket_max: deductible + extra,
            },
        )
    }

    proptest! {
        /// On any sequence of lines: allowed = patient + payable on every line, allowed
        /// never exceeds the charge, and the accumulators never pass the deductible or
        /// the out-of-pocket maximum, growing by exactly the patient's share.
        #[test]
        fn amounts_add_up_and_accumulators_stay_capped(
            plan in cost_sharing(),
            lines in prop::collection::vec(
                (1u128..10_000, 1u32..5, 1u128..5_000, any::<bool>()), 1..40),
        ) {
            let mut acc = Accumulators::default();
            for (charge, quantity, fee, copay) in lines {
                let entry = FeeScheduleEntry {
                    allowed_per_unit: fee,
                    cost_share: if copay { CostShare::Copay } else { CostShare::Coinsurance },
                    requires_authorization: false,
                    package_units: 0,
                    max_days_supply: 0,
                };
                let before = acc;
                let line = adjudicate_line(key(), &visit(charge, quantity), &entry, &plan, &mut acc).unwrap();
                prop_assert_eq!(line.allowed, line.patient_responsibility() + line.payable);
                prop_assert_eq!(line.allowed, charge.min(fee * Balance::from(quantity)));
                prop_assert!(acc.deductible_met <= plan.deductible);
                prop_assert!(acc.out_of_pocket <= plan.out_of_pocket_max);
                prop_assert_eq!(acc.out_of_pocket - before.out_of_pocket, line.patient_responsibility());
                prop_assert_eq!(acc.deductible_met - before.deductible_met, line.deductible);
                let t = totals(core::slice::from_ref(&line)).unwrap();
                prop_assert_eq!(t.allowed, t.patient_responsibility + t.payable);
                // Issue 17: the adjustments add up to the charge minus what is paid, and
                // each carries its standard codes.
                let adjusted: Balance = line.adjustments.iter().map(|a| a.amount).sum();
                prop_assert_eq!(adjusted, charge - line.payable);
                // The contract's own build hands a claim to its library unless the escrow
                // covers the whole charge (`hand_over_unless_paid_at_once`): never more.
                prop_assert!(line.payable <= charge);
                prop_assert!(line.adjustments.iter().all(|a| a.amount > 0));
                prop_assert!(line.adjustments.iter().all(|a| (a.group, a.carc, a.rarc) == a.reason.standard()));
                // CO-45 never takes the whole charge, and never makes the line a denial.
                prop_assert!(line.adjustments.iter().all(|a| a.carc != 45 || a.amount < charge));
                prop_assert_eq!(line.outcome == Outcome::Denied, line.allowed == 0);
            }
        }

        /// A denied line's one adjustment is its whole charge.
        #[test]
        fn a_denied_lines_adjustment_is_its_charge(charge in 1u128..u128::MAX, reason in 0usize..23) {
            let line = deny_line(key(), &visit(charge, 1), ALL_REASONS[reason]);
            prop_assert_eq!(line.adjustments, vec![Adjustment::new(ALL_REASONS[reason], charge)]);
            prop_assert_eq!(line.payable, 0);
        }
    }

    /// Every reason, in declaration order.
    const ALL_REASONS: [ReasonCode; 23] = [
        ReasonCode::Deductible,
        ReasonCode::Coinsurance,
        ReasonCode::Copay,
        ReasonCode::Duplicate,
        ReasonCode::BeforeCoverage,
        ReasonCode::AfterCoverage,
        ReasonCode::CoverageLapse,
        ReasonCode::ExceedsFeeSchedule,
        ReasonCode::NotCovered,
        ReasonCode::NoPaymentConsent,
        ReasonCode::ConsentUnverifiable,
        ReasonCode::DrugNotDispensed,
        ReasonCode::DrugDispensedToOther,
        ReasonCode::LotRecalled,
        ReasonCode::LotQuarantined,
        ReasonCode::ProvenanceUnverifiable,
        ReasonCode::DispenseDateMismatch,
        ReasonCode::PaymentRestricted,
        ReasonCode::TimelyFiling,
        ReasonCode::AuthorizationAbsent,
        ReasonCode::AuthorizationExpired,
        ReasonCode::QuantityExceedsPackage,
        ReasonCode::DaysSupplyExceeded,
    ];

    /// Issue 17: the X12 rules for each code. CARC 1, 2, 3 are patient responsibility,
    /// 45 contractual, 18 only with OA; 16 and 96 always carry a RARC; only CARCs and
    /// RARCs of the published lists appear (no home-made codes).
    #[test]
    fn every_reason_maps_to_legal_835_codes() {
        use GroupCode::*;
        const PUBLISHED_CARCS: [u16; 17] = [
            1, 2, 3, 16, 18, 26, 27, 29, 45, 96, 112, 114, 151, 154, 197, 200, 302,
        ];
        for reason in ALL_REASONS {
            let (group, carc, rarc) = reason.standard();
            assert!(PUBLISHED_CARCS.contains(&carc), "{reason:?}: CARC {carc}");
            match carc {
                1..=3 => assert_eq!(group, PR, "{reason:?}"),
                45 => assert_eq!(group, CO, "{reason:?}"),
                18 => assert_eq!(group, OA, "{reason:?}"),
                16 | 96 => assert!(rarc.is_some(), "{reason:?}: CARC {carc} needs a RARC"),
                _ => {}
            }
        }
        let standard = |r: ReasonCode| {
            let (group, carc, rarc) = r.standard();
            (group, carc, rarc.map(Rarc::code))
        };
        assert_eq!(standard(ReasonCode::BeforeCoverage), (PR, 26, None));
        assert_eq!(standard(ReasonCode::AfterCoverage), (PR, 27, None));
        assert_eq!(standard(ReasonCode::TimelyFiling), (CO, 29, None));
        assert_eq!(
            standard(ReasonCode::NoPaymentConsent),
            (CO, 16, Some("N28"))
        );
        assert_eq!(
            standard(ReasonCode::ConsentUnverifiable),
            (CO, 16, Some("MA130"))
        );
        assert_eq!(
            standard(ReasonCode::DispenseDateMismatch),
            (CO, 16, Some("M52"))
        );
    }

    /// Issue 17: the coverage reasons say which side of the coverage the date is on, and
    /// a late claim is refused first.
    #[test]
    fn coverage_reasons_and_timely_filing() {
        let membership = Membership {
            periods: vec![
                CoveragePeriod {
                    start: 10 * DAY,
                    end: 20 * DAY,
                },
                CoveragePeriod {
                    start: 30 * DAY,
                    end: 40 * DAY,
                },
            ],
            accumulators: Accumulators::default(),
        };
        assert_eq!(
            membership.uncovered(5 * DAY),
            Some(ReasonCode::BeforeCoverage)
        );
        assert_eq!(membership.uncovered(15 * DAY), None);
        assert_eq!(
            membership.uncovered(25 * DAY),
            Some(ReasonCode::CoverageLapse)
        );
        assert_eq!(
            membership.uncovered(40 * DAY),
            Some(ReasonCode::AfterCoverage)
        );
        let record = Plan {
            insurer: AccountId::from([1; 32]),
            cost_sharing: plan(),
            payment_consent: PaymentConsent::Required,
            year_start: 8 * DAY,
            year_end: 35 * DAY,
            filing_limit_days: Some(90),
            fee_schedule_entries: 0,
        };
        assert_eq!(
            record.uncovered(&membership, 15 * DAY, 15 * DAY + 90 * DAY),
            None
        );
        assert_eq!(
            record.uncovered(&membership, 15 * DAY, 15 * DAY + 90 * DAY + 1),
            Some(ReasonCode::TimelyFiling)
        );
        assert_eq!(
            record.uncovered(&membership, 7 * DAY, 7 * DAY),
            Some(ReasonCode::BeforeCoverage)
        );
        assert_eq!(
            record.uncovered(&membership, 36 * DAY, 36 * DAY),
            Some(ReasonCode::AfterCoverage)
        );
        let unlimited = Plan {
            filing_limit_days: None,
            ..record
        };
        assert_eq!(unlimited.uncovered(&membership, 15 * DAY, u64::MAX), None);
    }
}
