//! claim_settlement's records and adjudication arithmetic, apart from the ink! glue so that
//! plain tests and property tests reach them. Words follow HL7 FHIR Claim / ClaimResponse
//! and X12 837 / 835 (claim adjustment reason codes, CARC).

use healthchain_common::{
    access::AccessError, consent::ConsentAnswer, is_printable_id, AccountId, Hash, Timestamp,
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
}

/// One line of a submitted claim (FHIR `Claim.item`).
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimLine {
    pub code: ServiceCode,
    /// Units billed; a drug line bills one serialised package, so its quantity is 1.
    pub quantity: u32,
    /// The provider's charge for the whole line.
    pub charge: Balance,
    /// For a drug line, the lot and serial dispensed; `None` for procedures.
    pub unit: Option<DrugUnit>,
    /// For a procedure line billed again on purpose, CPT modifier 76 or 77; drug lines
    /// have none (a package is billed once).
    pub modifier: Option<RepeatModifier>,
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
            if line.quantity != 1 || !ok(&unit.lot) || !ok(&unit.serial) || line.modifier.is_some()
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
    pub fee_schedule_entries: u32,
}

/// The law a plan follows on disclosing a patient's data to it for payment.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaymentConsent {
    /// The patient's payment consent to the provider is required (jurisdictions that
    /// require consent; a claim without it is denied HC1).
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

/// Why a line's amount was adjusted, after X12 CARC; `HC*` codes are healthchain's own.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReasonCode {
    /// CARC 1: deductible amount (patient responsibility).
    Deductible,
    /// CARC 2: coinsurance amount (patient responsibility).
    Coinsurance,
    /// CARC 3: copayment amount (patient responsibility).
    Copay,
    /// CARC 18: exact duplicate claim or service.
    Duplicate,
    /// CARC 26 / 27: expenses incurred before coverage or after it ended.
    NotEnrolled,
    /// CARC 45: charge exceeds the fee schedule (contractual adjustment).
    ExceedsFeeSchedule,
    /// CARC 96: non-covered charge (code not in the fee schedule).
    NotCovered,
    /// HC1: no consent of the patient for payment to this provider.
    NoPaymentConsent,
    /// HC2: the consent registry could not be asked.
    ConsentUnverifiable,
    /// HC3: the serial was never dispensed (counterfeit or not yet dispensed).
    DrugNotDispensed,
    /// HC4: the serial was dispensed to another patient or by another pharmacy.
    DrugDispensedToOther,
    /// HC5: the drug's lot is recalled.
    LotRecalled,
    /// HC6: the drug's lot is quarantined (excursion or suspect product).
    LotQuarantined,
    /// HC7: drug_provenance could not be asked.
    ProvenanceUnverifiable,
    /// HC8: the unit was not dispensed on the service date.
    DispenseDateMismatch,
    /// HC9: the patient restricted disclosure of this data to the plan (a deny
    /// provision, such as HIPAA's restriction for care paid out of pocket).
    PaymentRestricted,
}

impl ReasonCode {
    /// The code as an 835 remittance shows it.
    pub const fn code(self) -> &'static str {
        match self {
            ReasonCode::Deductible => "1",
            ReasonCode::Coinsurance => "2",
            ReasonCode::Copay => "3",
            ReasonCode::Duplicate => "18",
            ReasonCode::NotEnrolled => "27",
            ReasonCode::ExceedsFeeSchedule => "45",
            ReasonCode::NotCovered => "96",
            ReasonCode::NoPaymentConsent => "HC1",
            ReasonCode::ConsentUnverifiable => "HC2",
            ReasonCode::DrugNotDispensed => "HC3",
            ReasonCode::DrugDispensedToOther => "HC4",
            ReasonCode::LotRecalled => "HC5",
            ReasonCode::LotQuarantined => "HC6",
            ReasonCode::ProvenanceUnverifiable => "HC7",
            ReasonCode::DispenseDateMismatch => "HC8",
            ReasonCode::PaymentRestricted => "HC9",
        }
    }
}

/// A line's or a claim's outcome (FHIR ClaimResponse outcome, per line).
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Allowed in full (the patient may still owe deductible, copay or coinsurance).
    Approved,
    /// Allowed in part: the charge exceeds the fee schedule, or some lines were denied.
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
    /// Every adjustment reason that applied, in order (at most three).
    pub reasons: Vec<ReasonCode>,
}

impl AdjudicatedLine {
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
        reasons: ink::prelude::vec![reason],
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
    let mut reasons = Vec::new();
    if allowed < line.charge {
        reasons.push(ReasonCode::ExceedsFeeSchedule);
    }
    let mut out_of_pocket_room = plan
        .out_of_pocket_max
        .saturating_sub(accumulators.out_of_pocket);
    let deductible = allowed
        .min(plan.deductible.saturating_sub(accumulators.deductible_met))
        .min(out_of_pocket_room);
    out_of_pocket_room = out_of_pocket_room.saturating_sub(deductible);
    let rest = allowed.checked_sub(deductible).ok_or(Error::Overflow)?;
    let (copay, coinsurance) = match fee.cost_share {
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
            reasons.push(reason);
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
        quantity: line.quantity,
        outcome: if allowed == 0 {
            Outcome::Denied
        } else if allowed < line.charge {
            Outcome::PartiallyApproved
        } else {
            Outcome::Approved
        },
        submitted: line.charge,
        allowed,
        deductible,
        copay,
        coinsurance,
        payable,
        reasons,
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
    /// The insurer allowed `amount` more, paid like an approval.
    Overturned { amount: Balance },
}

/// A provider's appeal of a denied or partly denied claim.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Appeal {
    pub evidence_hash: Hash,
    pub filed_at: Timestamp,
    pub status: AppealStatus,
    pub resolved_at: Option<Timestamp>,
    /// Hash of the insurer's decision letter, once resolved.
    pub decision_hash: Option<Hash>,
}

/// A submitted claim's header; its adjudicated lines are read with `claim_lines`. The
/// service date and what was billed are not kept beside the patient, only their hash.
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
    /// Approved, then cancelled by the insurer while it waited for funds. Always
    /// `paid + awaiting_payment + cancelled = totals.payable`.
    pub cancelled: Balance,
    pub appeal: Option<Appeal>,
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
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
    /// A drug line must name the GTIN as code, quantity 1, and a lot and serial of 1 to
    /// 20 printable characters; a procedure line names neither.
    InvalidDrugLine,
    /// The service date is in the future.
    ServiceDateInFuture,
    /// The patient and the provider are the same account.
    ProviderIsPatient,
    /// An amount overflowed.
    Overflow,
    /// No claim with that id.
    UnknownClaim,
    /// Only the claim's provider may appeal it.
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
    /// The overturn is larger than what was denied (submitted minus allowed). An
    /// overturn of zero is not this error: it upholds the denial.
    InvalidOverturnAmount,
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
}

impl From<AccessError> for Error {
    fn from(error: AccessError) -> Self {
        Error::Access(error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        }
    }

    const COINSURANCE: FeeScheduleEntry = FeeScheduleEntry {
        allowed_per_unit: 400,
        cost_share: CostShare::Coinsurance,
    };
    const COPAY: FeeScheduleEntry = FeeScheduleEntry {
        allowed_per_unit: 400,
        cost_share: CostShare::Copay,
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
            }),
            modifier: None,
        };
        assert_eq!(validate_line(&drug(1, b"L1", b"S1")), Ok(()));
        assert_eq!(
            validate_line(&drug(2, b"L1", b"S1")),
            Err(Error::InvalidDrugLine)
        );
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
        assert_eq!(line.reasons, vec![ReasonCode::Deductible]);
        assert_eq!(line.outcome, Outcome::Approved);
        // Charge 1000 against 2 x 400: 800 allowed (45), 200 deductible (1), 20% of 600
        // = 120 coinsurance (2), 480 payable.
        let line =
            adjudicate_line(key(), &visit(1_000, 2), &COINSURANCE, &plan(), &mut acc).unwrap();
        assert_eq!(line.outcome, Outcome::PartiallyApproved);
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
            line.reasons,
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
        assert!(line.reasons.is_empty());
    }

    /// Review item 19: the largest line is priced: no intermediate amount exceeds the
    /// charge, and the out-of-pocket maximum bounds the member's share.
    #[test]
    fn huge_amounts_are_priced_without_overflow() {
        let mut acc = Accumulators::default();
        let fee = FeeScheduleEntry {
            allowed_per_unit: Balance::MAX,
            cost_share: CostShare::Coinsurance,
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
        let codes: Vec<&str> = [
            ReasonCode::Deductible,
            ReasonCode::Coinsurance,
            ReasonCode::Copay,
            ReasonCode::Duplicate,
            ReasonCode::ExceedsFeeSchedule,
            ReasonCode::NotCovered,
        ]
        .iter()
        .map(|r| r.code())
        .collect();
        assert_eq!(codes, ["1", "2", "3", "18", "45", "96"]);
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
            }
        }
    }
}
