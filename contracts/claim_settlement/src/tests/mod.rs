//! Unit tests of every message and error path on ink!'s off-chain environment, with the
//! consent registry and drug_provenance answered from memory
//! (`healthchain_common::test_doubles`), and a property test that money is conserved.

use crate::{claim_settlement::*, data::*};
use healthchain_common::{
    access::{AccessControlled, AccessError, CalleeChanged, Role},
    consent::{DataClasses, Purpose},
    provenance::{recipient_commitment, DispensedUnit},
    test_doubles,
    unit_test::{event_count, events_of, last_event},
};
use ink::{
    env::{test, DefaultEnvironment as Env},
    primitives::{AccountId, Hash},
};
use proptest::prelude::*;

const NOW: u64 = 1_767_225_600_000 + 100 * DAY; // 2026-04-11
const YEAR_START: u64 = 1_767_225_600_000; // 2026-01-01
const YEAR_END: u64 = YEAR_START + 365 * DAY;
const GTIN: u64 = 10_012_345_678_902;
/// The plan's secret, which keys its procedure codes (shared with its network off chain).
const PLAN_SECRET: [u8; 32] = [0x5e; 32];
/// The salt of the pharmacy's commitment to the patient, on the patient's receipt.
const SALT: [u8; 32] = [0x5a; 32];
const DRUG: ServiceCode = ServiceCode::Drug(GTIN);
const FUNDS: Balance = 1_000_000;
/// The chain the unit tests' contracts bind relayed appeals to.
const CHAIN: [u8; 32] = [0xC4; 32];
/// The service date `submit` bills for, and the day `dispensed` dispenses on.
const SERVICE_DATE: u64 = NOW - DAY;

/// A CPT / HCPCS code as the plan's fee schedule and its claims carry it: keyed.
fn code(cpt: &[u8; 5]) -> ServiceCode {
    ServiceCode::procedure(&PLAN_SECRET, cpt).unwrap()
}

fn visit_code() -> ServiceCode {
    code(b"99213")
}

fn injection_code() -> ServiceCode {
    code(b"J1100")
}

/// The insurer prices injections at `allowed_per_unit`, under coinsurance.
fn coinsured_injections(contract: &mut ClaimSettlement, p: &Parties, allowed_per_unit: Balance) {
    as_caller(p.insurer);
    contract
        .update_fee_schedule(
            1,
            vec![(
                injection_code(),
                Some(FeeScheduleEntry {
                    allowed_per_unit,
                    cost_share: CostShare::Coinsurance,
                    requires_authorization: false,
                    package_units: 0,
                    max_days_supply: 0,
                }),
            )],
        )
        .unwrap();
}

fn hash(byte: u8) -> Hash {
    Hash::from([byte; 32])
}

fn registry() -> AccountId {
    AccountId::from([0xC0; 32])
}

fn provenance() -> AccountId {
    AccountId::from([0xD0; 32])
}

fn contract_account() -> AccountId {
    AccountId::from([0xCC; 32])
}

fn as_caller(account: AccountId) {
    test::set_caller::<Env>(account);
}

fn balance(account: AccountId) -> Balance {
    test::get_account_balance::<Env>(account).unwrap_or_default()
}

/// alice admin, bob insurer, charlie clinic, django pharmacy, eve patient, frank other.
struct Parties {
    admin: AccountId,
    insurer: AccountId,
    clinic: AccountId,
    pharmacy: AccountId,
    patient: AccountId,
    other: AccountId,
}

fn cost_sharing() -> CostSharing {
    CostSharing {
        deductible: 100,
        copay: 20,
        coinsurance_bps: 2_000,
        out_of_pocket_max: 1_000,
    }
}

fn pay_consent(p: &Parties, provider: AccountId) {
    test_doubles::grant_consent(registry(), p.patient, provider, Purpose::Payment, None);
}

fn dispensed(p: &Parties, serial: &[u8], patient: AccountId, dispenser: AccountId) {
    test_doubles::record_dispensed(
        provenance(),
        GTIN,
        b"LOT1",
        serial,
        DispensedUnit {
            recipient: recipient_commitment(&patient, &SALT),
            dispenser,
            dispensed_at: SERVICE_DATE,
            lot_quarantined: false,
            lot_recalled: false,
        },
    );
    let _ = p;
}

fn deposit(
    contract: &mut ClaimSettlement,
    insurer: AccountId,
    amount: Balance,
) -> Result<(), Error> {
    as_caller(insurer);
    test::transfer_in::<Env>(amount);
    let result = contract.deposit();
    test::set_value_transferred::<Env>(0);
    result
}

/// Plan 1 of bob with a visit (150, copay), an injection (80, coinsurance) and the drug
/// (60, copay) covered; eve enrolled for the year; consent to both providers; no escrow.
fn setup() -> (ClaimSettlement, Parties) {
    let a = test::default_accounts::<Env>();
    let p = Parties {
        admin: a.alice,
        insurer: a.bob,
        clinic: a.charlie,
        pharmacy: a.django,
        patient: a.eve,
        other: a.frank,
    };
    test::set_block_timestamp::<Env>(NOW);
    test::set_callee::<Env>(contract_account());
    test::set_account_balance::<Env>(contract_account(), 0);
    test::set_account_balance::<Env>(p.insurer, 10 * FUNDS);
    for account in [p.clinic, p.pharmacy] {
        test::set_account_balance::<Env>(account, 0);
    }
    as_caller(p.admin);
    let mut contract = ClaimSettlement::new(
        registry(),
        provenance(),
        Hash::from(CHAIN),
        0,
        Hash::from([0xA1; 32]),
        Hash::from([0xA2; 32]),
    );
    contract.grant_role(Role::Insurer, p.insurer).unwrap();
    contract.grant_role(Role::Provider, p.clinic).unwrap();
    contract.grant_role(Role::Provider, p.pharmacy).unwrap();
    as_caller(p.insurer);
    assert_eq!(
        contract.create_plan(
            cost_sharing(),
            PaymentConsent::Required,
            None,
            YEAR_START,
            YEAR_END
        ),
        Ok(1)
    );
    let entry = |allowed, cost_share| {
        Some(FeeScheduleEntry {
            allowed_per_unit: allowed,
            cost_share,
            requires_authorization: false,
            package_units: 0,
            max_days_supply: 0,
        })
    };
    contract
        .update_fee_schedule(
            1,
            vec![
                (visit_code(), entry(150, CostShare::Copay)),
                (injection_code(), entry(80, CostShare::Coinsurance)),
                (DRUG, entry(60, CostShare::Copay)),
            ],
        )
        .unwrap();
    contract
        .enrol_member(1, p.patient, YEAR_START, YEAR_END)
        .unwrap();
    pay_consent(&p, p.clinic);
    pay_consent(&p, p.pharmacy);
    (contract, p)
}

fn funded() -> (ClaimSettlement, Parties) {
    let (mut contract, p) = setup();
    deposit(&mut contract, p.insurer, FUNDS).unwrap();
    (contract, p)
}

fn visit(charge: Balance) -> ClaimLine {
    ClaimLine {
        code: visit_code(),
        quantity: 1,
        charge,
        unit: None,
        modifier: None,
        authorization: None,
    }
}

fn drug(serial: &[u8], charge: Balance) -> ClaimLine {
    ClaimLine {
        code: DRUG,
        quantity: 1,
        charge,
        unit: Some(DrugUnit {
            lot: b"LOT1".to_vec(),
            serial: serial.to_vec(),
            recipient_salt: SALT,
            days_supply: 30,
        }),
        modifier: None,
        authorization: None,
    }
}

/// Each line's reason codes, in order (read by the current caller, who must be involved).
fn line_reasons(contract: &ClaimSettlement, claim: ClaimId) -> Vec<Vec<ReasonCode>> {
    contract
        .claim_lines(claim)
        .unwrap()
        .into_iter()
        .map(|line| line.reasons())
        .collect()
}

fn submit(
    contract: &mut ClaimSettlement,
    provider: AccountId,
    patient: AccountId,
    lines: Vec<ClaimLine>,
) -> Result<ClaimId, Error> {
    as_caller(provider);
    contract.submit_claim(patient, 1, SERVICE_DATE, lines, hash(0xAA))
}

/// A filed claim is one storage item, its header and its lines together (each storage
/// access is a large part of a call's proof): a one-line visit paid at once adds that
/// item and its line's billing mark, nothing else, and both still read apart.
#[ink::test]
fn a_filed_claim_is_one_storage_item_with_its_lines() {
    let (mut contract, p) = funded();
    let cells = || test::count_used_storage_cells::<Env>(&contract_account()).unwrap();
    let before = cells();
    let claim = submit(&mut contract, p.clinic, p.patient, vec![visit(200)]).unwrap();
    assert_eq!(cells() - before, 2, "the claim and its line's billing mark");
    assert_eq!(contract.claim(claim).unwrap().paid, 30);
    assert_eq!(contract.claim_lines(claim).unwrap()[0].payable, 30);
}

#[ink::test]
fn a_covered_visit_is_adjudicated_and_paid_in_one_call() {
    let (mut contract, p) = funded();
    let claim = submit(&mut contract, p.clinic, p.patient, vec![visit(200)]).unwrap();
    // Allowed 150 (CO-45 50), deductible 100 (PR-1), copay 20 (PR-3), payable 30. The
    // charge above the fee schedule is a contractual adjustment: the claim is approved.
    let record = contract.claim(claim).unwrap();
    assert_eq!(record.outcome, Outcome::Approved);
    assert_eq!(
        record.totals,
        ClaimTotals {
            submitted: 200,
            allowed: 150,
            patient_responsibility: 120,
            payable: 30
        }
    );
    assert_eq!((record.paid, record.awaiting_payment), (30, 0));
    let lines = contract.claim_lines(claim).unwrap();
    assert_eq!(
        lines[0].reasons(),
        vec![
            ReasonCode::ExceedsFeeSchedule,
            ReasonCode::Deductible,
            ReasonCode::Copay
        ]
    );
    // What an 835 carries per line: group code, CARC, amount; they add up to 200 - 30.
    let cas: Vec<(GroupCode, u16, Balance)> = lines[0]
        .adjustments
        .iter()
        .map(|a| (a.group, a.carc, a.amount))
        .collect();
    assert_eq!(
        cas,
        vec![
            (GroupCode::CO, 45, 50),
            (GroupCode::PR, 1, 100),
            (GroupCode::PR, 3, 20)
        ]
    );
    // Not appealable for the difference.
    as_caller(p.clinic);
    assert_eq!(
        contract.appeal(claim, hash(0xE1)),
        Err(Error::NotAppealable)
    );
    assert_eq!(balance(p.clinic), 30);
    assert_eq!(balance(contract_account()), FUNDS - 30);
    assert_eq!(
        contract.escrow(p.insurer),
        Escrow {
            funds: FUNDS - 30,
            owed: 0
        }
    );
    assert_eq!(contract.escrow_total(), FUNDS - 30);
    let acc = contract.membership(1, p.patient).unwrap().accumulators;
    assert_eq!((acc.deductible_met, acc.out_of_pocket), (100, 120));
    // Paid in the adjudicating call: `ClaimAdjudicated` says so, no `ClaimPaid` repeats it.
    assert!(events_of::<ClaimPaid>().is_empty());
    // Credited, then transferred at the end of the same call: no credit is left. The
    // transfer is what `ClaimAdjudicated::paid` says, with no stored credit: no
    // `CreditTransfer` repeats it (the chain events the transfer itself).
    assert!(events_of::<CreditTransfer>().is_empty());
    assert_eq!((contract.credit(p.clinic), contract.credit_total()), (0, 0));
    let adjudicated = events_of::<ClaimAdjudicated>();
    assert_eq!(adjudicated.len(), 1);
    assert_eq!(
        (
            adjudicated[0].claim,
            adjudicated[0].payable,
            adjudicated[0].paid,
            adjudicated[0].claim_denial
        ),
        (claim, 30, 30, None)
    );
    assert_eq!((adjudicated[0].lines, adjudicated[0].replaces), (1, None));
}

#[ink::test]
fn a_pharmacy_claim_for_a_dispensed_serial_is_paid_and_shares_accumulators() {
    let (mut contract, p) = funded();
    submit(&mut contract, p.clinic, p.patient, vec![visit(150)]).unwrap();
    dispensed(&p, b"SN1", p.patient, p.pharmacy);
    let claim = submit(&mut contract, p.pharmacy, p.patient, vec![drug(b"SN1", 60)]).unwrap();
    let line = &contract.claim_lines(claim).unwrap()[0];
    // The deductible was met by the visit: only the copay.
    assert_eq!(
        (line.outcome, line.deductible, line.copay, line.payable),
        (Outcome::Approved, 0, 20, 40)
    );
    assert_eq!(balance(p.pharmacy), 40);
    assert_eq!(
        contract
            .membership(1, p.patient)
            .unwrap()
            .accumulators
            .out_of_pocket,
        120 + 20
    );
    // The same package cannot be billed again, not even in a new claim.
    let again = submit(&mut contract, p.pharmacy, p.patient, vec![drug(b"SN1", 61)]).unwrap();
    assert_eq!(
        contract.claim_lines(again).unwrap()[0].reasons(),
        vec![ReasonCode::Duplicate]
    );
}

#[ink::test]
fn drug_lines_are_denied_on_provenance() {
    let (mut contract, p) = funded();
    let mut unit = DispensedUnit {
        recipient: recipient_commitment(&p.patient, &SALT),
        dispenser: p.pharmacy,
        dispensed_at: SERVICE_DATE,
        lot_quarantined: false,
        lot_recalled: true,
    };
    test_doubles::record_dispensed(provenance(), GTIN, b"LOT1", b"RECALLED", unit);
    unit.lot_recalled = false;
    unit.lot_quarantined = true;
    test_doubles::record_dispensed(provenance(), GTIN, b"LOT1", b"HELD", unit);
    dispensed(&p, b"OTHERPT", p.other, p.pharmacy);
    dispensed(&p, b"OTHERRX", p.patient, p.clinic);
    dispensed(&p, b"GOOD", p.patient, p.pharmacy);
    let claim = submit(
        &mut contract,
        p.pharmacy,
        p.patient,
        vec![
            drug(b"COUNTERFEIT", 60),
            drug(b"RECALLED", 60),
            drug(b"HELD", 60),
            drug(b"OTHERPT", 60),
            drug(b"OTHERRX", 60),
            drug(b"GOOD", 60),
            drug(b"GOOD", 60),
        ],
    )
    .unwrap();
    let reasons = line_reasons(&contract, claim);
    assert_eq!(
        reasons,
        vec![
            vec![ReasonCode::DrugNotDispensed],
            vec![ReasonCode::LotRecalled],
            vec![ReasonCode::LotQuarantined],
            vec![ReasonCode::DrugDispensedToOther],
            vec![ReasonCode::DrugDispensedToOther],
            vec![ReasonCode::Deductible],
            vec![ReasonCode::Duplicate],
        ]
    );
    let record = contract.claim(claim).unwrap();
    assert_eq!(record.outcome, Outcome::PartiallyApproved);
    assert_eq!(record.totals.allowed, 60);
    assert_eq!(record.totals.payable, 0);
}

#[ink::test]
fn an_unreachable_provenance_contract_denies_the_line_without_trapping() {
    let (mut contract, p) = funded();
    test_doubles::fail_calls_to(provenance());
    let claim = submit(
        &mut contract,
        p.pharmacy,
        p.patient,
        vec![drug(b"SN1", 60), visit(150)],
    )
    .unwrap();
    let lines = contract.claim_lines(claim).unwrap();
    assert_eq!(lines[0].reasons(), vec![ReasonCode::ProvenanceUnverifiable]);
    assert_eq!(lines[1].outcome, Outcome::Approved);
}

#[ink::test]
fn claims_are_denied_whole_without_consent_coverage_or_for_duplicates() {
    let (mut contract, p) = funded();
    let before_acc = contract.membership(1, p.patient).unwrap().accumulators;
    // Revoked payment consent.
    test_doubles::revoke_consent(registry(), p.patient, p.clinic, Purpose::Payment);
    let denied = submit(
        &mut contract,
        p.clinic,
        p.patient,
        vec![visit(150), visit(10)],
    )
    .unwrap();
    let record = contract.claim(denied).unwrap();
    assert_eq!(
        (record.outcome, record.totals.payable, record.paid),
        (Outcome::Denied, 0, 0)
    );
    assert_eq!(
        events_of::<ClaimAdjudicated>().last().unwrap().claim_denial,
        Some(ReasonCode::NoPaymentConsent)
    );
    assert!(contract
        .claim_lines(denied)
        .unwrap()
        .iter()
        .all(|l| l.reasons() == vec![ReasonCode::NoPaymentConsent]));
    assert_eq!(
        contract.membership(1, p.patient).unwrap().accumulators,
        before_acc
    );
    // An unreachable registry.
    test_doubles::fail_calls_to(registry());
    submit(&mut contract, p.pharmacy, p.patient, vec![visit(150)]).unwrap();
    assert_eq!(
        events_of::<ClaimAdjudicated>().last().unwrap().claim_denial,
        Some(ReasonCode::ConsentUnverifiable)
    );
    assert_eq!(contract.escrow(p.insurer).funds, FUNDS);
}

/// Issue 16: a plan under HIPAA ("permitted unless restricted") pays without payment
/// consent, but a restriction of the patient's denies the claim (PR-96, N28) under either law,
/// and only for the classes it names.
#[ink::test]
fn payment_follows_the_plans_law_and_a_restriction_denies() {
    let (mut contract, p) = funded();
    as_caller(p.insurer);
    let hipaa = contract
        .create_plan(
            cost_sharing(),
            PaymentConsent::PermittedUnlessRestricted,
            None,
            YEAR_START,
            YEAR_END,
        )
        .unwrap();
    assert_eq!(
        last_event::<PlanCreated>().0.payment_consent,
        PaymentConsent::PermittedUnlessRestricted
    );
    contract
        .update_fee_schedule(
            hipaa,
            vec![(
                visit_code(),
                Some(FeeScheduleEntry {
                    allowed_per_unit: 150,
                    cost_share: CostShare::Copay,
                    requires_authorization: false,
                    package_units: 0,
                    max_days_supply: 0,
                }),
            )],
        )
        .unwrap();
    contract
        .enrol_member(hipaa, p.other, YEAR_START, YEAR_END)
        .unwrap();
    let claim_in = |contract: &mut ClaimSettlement, plan, patient| {
        as_caller(p.clinic);
        let id = contract
            .submit_claim(patient, plan, SERVICE_DATE, vec![visit(150)], hash(0xAB))
            .unwrap();
        events_of::<ClaimAdjudicated>()
            .into_iter()
            .find(|e| e.claim == id)
            .unwrap()
            .claim_denial
    };
    // No payment consent at all: the HIPAA plan pays.
    assert_eq!(claim_in(&mut contract, hipaa, p.other), None);
    // A restriction for claims data denies it.
    test_doubles::restrict_consent(
        registry(),
        p.other,
        p.clinic,
        Purpose::Payment,
        DataClasses::CLAIMS,
    );
    assert_eq!(
        claim_in(&mut contract, hipaa, p.other),
        Some(ReasonCode::PaymentRestricted)
    );
    // Under the consent-required plan the restriction wins over the patient's consent.
    assert_eq!(claim_in(&mut contract, 1, p.patient), None);
    test_doubles::restrict_consent(
        registry(),
        p.patient,
        p.clinic,
        Purpose::Payment,
        DataClasses::SUBSTANCE_USE,
    );
    // A restriction of another class does not touch a claim that discloses none of it.
    assert_eq!(claim_in(&mut contract, 1, p.patient), None);
    test_doubles::restrict_consent(
        registry(),
        p.patient,
        p.clinic,
        Purpose::Payment,
        DataClasses::CLAIMS,
    );
    assert_eq!(
        claim_in(&mut contract, 1, p.patient),
        Some(ReasonCode::PaymentRestricted)
    );
}

/// Issue 17: a plan's timely filing limit: a claim that arrives later than the limit
/// after its service date is denied whole with CO-29; a zero limit is refused.
#[ink::test]
fn claims_after_the_filing_limit_are_denied_co_29() {
    let (mut contract, p) = funded();
    as_caller(p.insurer);
    assert_eq!(
        contract.create_plan(
            cost_sharing(),
            PaymentConsent::Required,
            Some(0),
            YEAR_START,
            YEAR_END
        ),
        Err(Error::ZeroFilingLimit)
    );
    let plan = contract
        .create_plan(
            cost_sharing(),
            PaymentConsent::Required,
            Some(30),
            YEAR_START,
            YEAR_END,
        )
        .unwrap();
    assert_eq!(last_event::<PlanCreated>().0.filing_limit_days, Some(30));
    contract
        .update_fee_schedule(
            plan,
            vec![(
                visit_code(),
                Some(FeeScheduleEntry {
                    allowed_per_unit: 150,
                    cost_share: CostShare::Copay,
                    requires_authorization: false,
                    package_units: 0,
                    max_days_supply: 0,
                }),
            )],
        )
        .unwrap();
    contract
        .enrol_member(plan, p.patient, YEAR_START, YEAR_END)
        .unwrap();
    as_caller(p.clinic);
    let on_time = contract
        .submit_claim(
            p.patient,
            plan,
            NOW - 30 * DAY,
            vec![visit(150)],
            hash(0xAB),
        )
        .unwrap();
    assert_eq!(contract.claim(on_time).unwrap().outcome, Outcome::Approved);
    let late = contract
        .submit_claim(
            p.patient,
            plan,
            NOW - 30 * DAY - 1,
            vec![visit(150)],
            hash(0xAB),
        )
        .unwrap();
    assert_eq!(
        events_of::<ClaimAdjudicated>().last().unwrap().claim_denial,
        Some(ReasonCode::TimelyFiling)
    );
    let line = contract.claim_lines(late).unwrap().remove(0);
    assert_eq!(
        (
            line.outcome,
            line.adjustments[0].group,
            line.adjustments[0].carc,
            line.adjustments[0].amount
        ),
        (Outcome::Denied, GroupCode::CO, 29, 150)
    );
}

/// An overturn of line `line` at `allowed`, with a copay.
fn overturn(line: u16, allowed: Balance) -> Overturn {
    Overturn {
        line,
        allowed,
        cost_share: CostShare::Copay,
    }
}

/// Issue 17: the member appeals a denied claim, the insurer misses the 60-day deadline
/// (evented by anyone's report, once), then decides late, which is evented too.
#[ink::test]
fn a_member_appeals_and_a_missed_decision_deadline_is_evented() {
    let (mut contract, p) = funded();
    let denied = submit(&mut contract, p.clinic, p.patient, vec![drug(b"FAKE", 60)]).unwrap();
    as_caller(p.other);
    assert_eq!(
        contract.appeal(denied, hash(0xE1)),
        Err(Error::NotClaimProvider)
    );
    as_caller(p.patient);
    contract.appeal(denied, hash(0xE1)).unwrap();
    let (appealed, _) = last_event::<ClaimAppealed>();
    assert_eq!(
        (appealed.by, appealed.decide_by),
        (p.patient, NOW + 60 * DAY)
    );
    assert_eq!(contract.claim_status(denied), Ok(ClaimStatus::UnderAppeal));
    as_caller(p.other);
    assert_eq!(
        contract.report_overdue_appeal(denied),
        Err(Error::AppealNotOverdue)
    );
    test::set_block_timestamp::<Env>(NOW + 60 * DAY + 1);
    contract.report_overdue_appeal(denied).unwrap();
    let (overdue, _) = last_event::<AppealOverdue>();
    assert_eq!((overdue.claim, overdue.decide_by), (denied, NOW + 60 * DAY));
    assert!(contract.claim(denied).unwrap().appeal.unwrap().overdue);
    assert_eq!(
        contract.report_overdue_appeal(denied),
        Err(Error::AppealNotOverdue)
    );
    as_caller(p.insurer);
    contract
        .resolve_appeal(denied, vec![overturn(0, 60)], hash(0xD1))
        .unwrap();
    assert!(last_event_of_resolution().late);
    // Through cost sharing: the 60 allowed all went to the deductible; nothing to pay.
    assert_eq!(contract.claim_status(denied), Ok(ClaimStatus::Adjudicated));
    let accumulators = contract.membership(1, p.patient).unwrap().accumulators;
    assert_eq!(accumulators.deductible_met, 60);
}

/// Issue 17: a member's plan pseudonym, holding no tokens, signs its appeal; anyone
/// submits it. A copy for another contract, someone else's signature, a replay and a
/// signer who is not the claim's member are refused with nothing changed.
#[ink::test]
fn a_member_appeals_by_signature_through_a_relayer() {
    use healthchain_common::relay::{
        signer::{Pseudonym, Relationship},
        RelayError,
    };
    let (mut contract, p) = funded();
    let here = test::callee::<Env>();
    let pseudonym = |secret| {
        Pseudonym::derive(
            &[secret; 32],
            Relationship::Plan {
                claims: here,
                plan: 1,
            },
        )
    };
    let member = pseudonym(0x5E);
    let who = member.account();
    as_caller(p.insurer);
    contract.enrol_member(1, who, YEAR_START, YEAR_END).unwrap();
    test_doubles::grant_consent(registry(), who, p.clinic, Purpose::Payment, None);
    let denied = submit(&mut contract, p.clinic, who, vec![drug(b"FAKE", 60)]).unwrap();
    let deadline = NOW + 60_000;
    let sign = |by: &Pseudonym, contract: AccountId, nonce| {
        by.sign_instruction(
            RELAY_DOMAIN,
            Hash::from(CHAIN),
            contract,
            nonce,
            deadline,
            &MemberAppeal {
                claim: denied,
                evidence_hash: hash(0xE5),
            },
        )
    };
    as_caller(p.other); // any relayer, which pays
    let events = event_count();
    let relay = |contract: &mut ClaimSettlement, signer, nonce, signature| {
        contract.relay_appeal(denied, hash(0xE5), signer, nonce, deadline, signature)
    };
    let elsewhere = sign(&member, AccountId::from([0xEE; 32]), 0);
    assert_eq!(
        relay(&mut contract, who, 0, elsewhere),
        Err(Error::Relay(RelayError::BadSignature))
    );
    let stranger = pseudonym(1);
    assert_eq!(
        relay(&mut contract, who, 0, sign(&stranger, here, 0)),
        Err(Error::Relay(RelayError::BadSignature))
    );
    // A properly signed appeal of someone who is not the claim's member.
    assert_eq!(
        relay(
            &mut contract,
            stranger.account(),
            0,
            sign(&stranger, here, 0)
        ),
        Err(Error::NotClaimProvider)
    );
    assert_eq!(event_count(), events);
    let signature = sign(&member, here, 0);
    relay(&mut contract, who, 0, signature).unwrap();
    let (appealed, _) = last_event::<ClaimAppealed>();
    assert_eq!((appealed.claim, appealed.by), (denied, who));
    assert_eq!(contract.relay_nonce(who), (Hash::from(CHAIN), 1));
    assert_eq!(
        relay(&mut contract, who, 0, signature),
        Err(Error::Relay(RelayError::BadNonce))
    );
    assert_eq!(
        balance(who),
        0,
        "the member's pseudonym never needed tokens"
    );
}

fn last_event_of_resolution() -> AppealResolved {
    events_of::<AppealResolved>().pop().unwrap()
}

/// `provider` voids `claim`, sending `void_refund(claim)` (or `refund` when given).
fn void(
    contract: &mut ClaimSettlement,
    provider: AccountId,
    claim: ClaimId,
    refund: Option<Balance>,
) -> Result<(), Error> {
    as_caller(provider);
    let amount = refund.unwrap_or_else(|| contract.void_refund(claim).unwrap());
    test::transfer_in::<Env>(amount);
    let result = contract.void_claim(claim);
    test::set_value_transferred::<Env>(0);
    if result.is_err() {
        undo_transfer_in(provider, amount);
    }
    result
}

/// The chain reverts a refused call's transfer; ink!'s off-chain environment does not.
fn undo_transfer_in(caller: AccountId, amount: Balance) {
    if amount == 0 {
        return;
    }
    test::set_account_balance::<Env>(caller, balance(caller) + amount);
    test::set_account_balance::<Env>(contract_account(), balance(contract_account()) - amount);
}

/// `provider` replaces `claim` with `lines` on `service_date`, sending the refund.
fn replace(
    contract: &mut ClaimSettlement,
    provider: AccountId,
    claim: ClaimId,
    service_date: u64,
    lines: Vec<ClaimLine>,
) -> Result<ClaimId, Error> {
    as_caller(provider);
    let amount = contract.void_refund(claim).unwrap();
    test::transfer_in::<Env>(amount);
    let result = contract.replace_claim(claim, service_date, lines, hash(0xAC));
    test::set_value_transferred::<Env>(0);
    if result.is_err() {
        undo_transfer_in(provider, amount);
    }
    result
}

/// Issue 17: a void (frequency code 8) reverses the claim exactly: the paid amount back
/// in the escrow, the accumulators as before, the service billable again. Refusals
/// change nothing.
#[ink::test]
fn a_void_reverses_payment_accumulators_and_billing() {
    let (mut contract, p) = funded();
    let before = contract.membership(1, p.patient).unwrap().accumulators;
    let claim = submit(&mut contract, p.clinic, p.patient, vec![visit(150)]).unwrap();
    assert_eq!(contract.claim_status(claim), Ok(ClaimStatus::Paid));
    assert_eq!(balance(p.clinic), 30);
    assert_eq!(contract.void_refund(claim), Ok(30));
    // Not someone else's, not with the wrong refund.
    let events = event_count();
    assert_eq!(
        void(&mut contract, p.pharmacy, claim, Some(0)),
        Err(Error::NotClaimProvider)
    );
    // The refund is exactly what was paid: not less (here: nothing).
    assert_eq!(
        void(&mut contract, p.clinic, claim, Some(0)),
        Err(Error::WrongRefund)
    );
    assert_eq!(event_count(), events);
    void(&mut contract, p.clinic, claim, None).unwrap();
    let (event, _) = last_event::<ClaimVoided>();
    assert_eq!(
        (event.claim, event.refunded, event.replaced_by),
        (claim, 30, None)
    );
    assert_eq!(
        contract.escrow(p.insurer),
        Escrow {
            funds: FUNDS,
            owed: 0
        }
    );
    assert_eq!(contract.escrow_total(), FUNDS);
    assert_eq!(
        contract.membership(1, p.patient).unwrap().accumulators,
        before
    );
    assert_eq!(
        contract.claim_status(claim),
        Ok(ClaimStatus::Voided { replaced_by: None })
    );
    let voided = contract.claim(claim).unwrap();
    assert_eq!((voided.voided_at, voided.paid), (Some(NOW), 30));
    assert_eq!(
        void(&mut contract, p.clinic, claim, Some(0)),
        Err(Error::ClaimVoided)
    );
    // The visit may be billed again: not a duplicate.
    let again = submit(&mut contract, p.clinic, p.patient, vec![visit(150)]).unwrap();
    assert_eq!(contract.claim(again).unwrap().outcome, Outcome::Approved);
    assert_eq!(contract.claim(again).unwrap().paid, 30);
}

/// Issue 17: a replacement (frequency code 7) voids the old claim and adjudicates the new
/// one as if the old had never been; the two name each other.
#[ink::test]
fn a_replacement_voids_the_old_claim_and_pays_the_new_one() {
    let (mut contract, p) = funded();
    let old = submit(&mut contract, p.clinic, p.patient, vec![visit(120)]).unwrap();
    // Allowed 120: deductible 100, copay 20, nothing paid.
    assert_eq!(contract.claim(old).unwrap().paid, 0);
    let new = replace(&mut contract, p.clinic, old, SERVICE_DATE, vec![visit(150)]).unwrap();
    assert_eq!(new, old + 1);
    assert_eq!(
        contract.claim_status(old),
        Ok(ClaimStatus::Voided {
            replaced_by: Some(new)
        })
    );
    assert_eq!(contract.claim(new).unwrap().replaces, Some(old));
    let adjudicated = events_of::<ClaimAdjudicated>();
    let last = adjudicated.last().unwrap();
    assert_eq!((last.claim, last.replaces, last.paid), (new, Some(old), 30));
    // As if only the replacement had been billed: deductible 100, copay 20, paid 30.
    let record = contract.claim(new).unwrap();
    assert_eq!((record.outcome, record.paid), (Outcome::Approved, 30));
    let acc = contract.membership(1, p.patient).unwrap().accumulators;
    assert_eq!((acc.deductible_met, acc.out_of_pocket), (100, 120));
    // The pharmacy cannot replace the clinic's claim.
    as_caller(p.pharmacy);
    assert_eq!(
        contract.replace_claim(new, SERVICE_DATE, vec![visit(150)], hash(0xAC)),
        Err(Error::NotClaimProvider)
    );
}

/// A void reads what it reverses and no more: the caller's role, the claim, its insurer's
/// escrow and the member's accumulators (its paid line's billing mark is removed unread:
/// the claim's paid lines are the ones that marked theirs). With no credit stored
/// anywhere (`credit_total` is 0, as `push` reasons too) it reads no provider's credit,
/// each storage read being about 10 KB of the call's proof.
#[ink::test]
fn a_void_reads_no_credit_when_none_is_stored() {
    let (mut contract, p) = funded();
    let claim = submit(&mut contract, p.clinic, p.patient, vec![visit(120)]).unwrap();
    assert_eq!(contract.credit_total(), 0);
    let reads = || test::get_contract_storage_rw::<Env>(&contract_account()).0;
    let before = reads();
    as_caller(p.clinic);
    contract.void_claim(claim).unwrap();
    assert_eq!(reads() - before, 4);
}

/// A paid line's billing mark is written, not read first: the write tells whether it was
/// there (`claim_marks`), each storage read being about 10 KB of the call's proof. A
/// paid one-line visit makes six reads here (seven when it read its mark first); a
/// duplicate reads the marks too, when it is adjudicated again.
#[ink::test]
fn a_paid_line_does_not_read_its_billing_mark() {
    let (mut contract, p) = funded();
    let reads = || test::get_contract_storage_rw::<Env>(&contract_account()).0;
    let before = reads();
    let claim = submit(&mut contract, p.clinic, p.patient, vec![visit(150)]).unwrap();
    assert_eq!(contract.claim(claim).unwrap().outcome, Outcome::Approved);
    assert_eq!(reads() - before, 6);
    let before = reads();
    let again = submit(&mut contract, p.clinic, p.patient, vec![visit(150)]).unwrap();
    assert_eq!(
        line_reasons(&contract, again)[0],
        vec![ReasonCode::Duplicate]
    );
    assert!(reads() - before > 6);
}

/// A paid claim the member owes nothing of leaves the accumulators as they were and does
/// not write the membership: once the out-of-pocket maximum is met, every claim of the
/// member is one storage write less (each storage access is about 10 KB of its proof).
#[ink::test]
fn a_claim_the_member_owes_nothing_of_does_not_write_the_membership() {
    let (mut contract, p) = funded();
    coinsured_injections(&mut contract, &p, 10_000);
    let writes = || test::get_contract_storage_rw::<Env>(&contract_account()).1;
    let accumulators = |contract: &ClaimSettlement| {
        contract
            .membership(1, p.patient)
            .map(|membership| membership.accumulators)
    };
    // The member owes the deductible and the copay of a visit: written.
    let before = writes();
    let owing = submit(&mut contract, p.clinic, p.patient, vec![visit(150)]).unwrap();
    let owing_writes = writes() - before;
    assert!(contract.claim(owing).unwrap().totals.patient_responsibility > 0);
    // A large injection meets the out-of-pocket maximum.
    let injection = ClaimLine {
        code: injection_code(),
        ..visit(10_000)
    };
    submit(&mut contract, p.clinic, p.patient, vec![injection.clone()]).unwrap();
    let met = accumulators(&contract);
    assert_eq!(
        met.map(|met| met.out_of_pocket),
        Some(cost_sharing().out_of_pocket_max)
    );
    // Then a repeated injection is the insurer's alone: paid, one write fewer.
    let before = writes();
    let repeat = ClaimLine {
        modifier: Some(RepeatModifier::SameProvider),
        ..injection
    };
    let free = submit(&mut contract, p.clinic, p.patient, vec![repeat]).unwrap();
    let record = contract.claim(free).unwrap();
    assert_eq!(record.totals.patient_responsibility, 0);
    assert_eq!(record.paid, 10_000);
    assert_eq!(accumulators(&contract), met);
    assert_eq!(writes() - before, owing_writes - 1);
}

/// A replacement is a void and a new claim, and reads what they read but for the caller's
/// role, checked once: the old claim once too (each storage read is about 10 KB of the
/// call's proof; it was read twice).
#[test]
fn a_replacement_reads_what_a_void_and_a_new_claim_read() {
    let reads = |replace: bool| {
        let mut reads = 0;
        test::run_test::<Env, _>(|_| {
            let (mut contract, p) = funded();
            // Nothing paid (all deductible and copay), so no refund is sent.
            let old = submit(&mut contract, p.clinic, p.patient, vec![visit(120)]).unwrap();
            let count = || test::get_contract_storage_rw::<Env>(&contract_account()).0;
            let before = count();
            if replace {
                contract
                    .replace_claim(old, SERVICE_DATE, vec![visit(150)], hash(0xAC))
                    .unwrap();
            } else {
                contract.void_claim(old).unwrap();
                submit(&mut contract, p.clinic, p.patient, vec![visit(150)]).unwrap();
            }
            reads = count() - before;
            Ok(())
        })
        .unwrap();
        reads
    };
    assert_eq!(reads(true), reads(false) - 1);
}

/// Issue 17: prior authorization (X12 278). A code the plan marks needs an approved
/// authorization of this patient, provider, plan and code, valid on the service date:
/// absent is CO-197, outside its validity CO-302.
#[ink::test]
fn lines_for_codes_that_need_authorization_name_an_approved_one() {
    let (mut contract, p) = funded();
    let mri = code(b"70553");
    as_caller(p.insurer);
    contract
        .update_fee_schedule(
            1,
            vec![(
                mri,
                Some(FeeScheduleEntry {
                    allowed_per_unit: 500,
                    cost_share: CostShare::Coinsurance,
                    requires_authorization: true,
                    package_units: 0,
                    max_days_supply: 0,
                }),
            )],
        )
        .unwrap();
    let line = |authorization| ClaimLine {
        code: mri,
        quantity: 1,
        charge: 500,
        unit: None,
        modifier: None,
        authorization,
    };
    let reason =
        |contract: &ClaimSettlement, claim| contract.claim_lines(claim).unwrap()[0].reasons();
    // None named.
    let claim = submit(&mut contract, p.clinic, p.patient, vec![line(None)]).unwrap();
    assert_eq!(
        reason(&contract, claim),
        vec![ReasonCode::AuthorizationAbsent]
    );
    // Requested, not decided; then refused input and a decision by someone else.
    as_caller(p.clinic);
    assert_eq!(
        contract.request_authorization(p.patient, 1, mri, hash(0)),
        Err(Error::ZeroHash)
    );
    assert_eq!(
        contract.request_authorization(p.other, 1, mri, hash(0x70)),
        Err(Error::UnknownMember)
    );
    let auth = contract
        .request_authorization(p.patient, 1, mri, hash(0x70))
        .unwrap();
    let (event, _) = last_event::<AuthorizationChanged>();
    assert_eq!((event.authorization, event.insurer), (auth, p.insurer));
    assert_eq!(
        (event.decision, event.document_hash),
        (AuthorizationDecision::Requested, hash(0x70))
    );
    let pending = submit(&mut contract, p.clinic, p.patient, vec![line(Some(auth))]).unwrap();
    assert_eq!(
        reason(&contract, pending),
        vec![ReasonCode::AuthorizationAbsent]
    );
    assert_eq!(
        contract.decide_authorization(auth, Some((0, 1)), hash(0x71)),
        Err(Error::NotPlanInsurer)
    );
    as_caller(p.insurer);
    assert_eq!(
        contract.decide_authorization(auth, Some((5, 5)), hash(0x71)),
        Err(Error::InvalidPeriod)
    );
    // Approved for a window that ended before the service date: CO-302.
    contract
        .decide_authorization(auth, Some((YEAR_START, SERVICE_DATE - DAY)), hash(0x71))
        .unwrap();
    assert_eq!(
        contract.decide_authorization(auth, None, hash(0x71)),
        Err(Error::AuthorizationDecided)
    );
    let expired = submit(&mut contract, p.clinic, p.patient, vec![line(Some(auth))]).unwrap();
    assert_eq!(
        reason(&contract, expired),
        vec![ReasonCode::AuthorizationExpired]
    );
    // A valid one: paid; the pharmacy cannot use the clinic's.
    as_caller(p.clinic);
    let valid = contract
        .request_authorization(p.patient, 1, mri, hash(0x72))
        .unwrap();
    as_caller(p.insurer);
    contract
        .decide_authorization(valid, Some((YEAR_START, YEAR_END)), hash(0x73))
        .unwrap();
    assert!(matches!(
        contract.authorization(valid).unwrap().decision,
        AuthorizationDecision::Approved { .. }
    ));
    let elsewhere = submit(
        &mut contract,
        p.pharmacy,
        p.patient,
        vec![line(Some(valid))],
    )
    .unwrap();
    assert_eq!(
        reason(&contract, elsewhere),
        vec![ReasonCode::AuthorizationAbsent]
    );
    let authorised = submit(&mut contract, p.clinic, p.patient, vec![line(Some(valid))]).unwrap();
    assert_eq!(
        contract.claim(authorised).unwrap().outcome,
        Outcome::Approved
    );
    let adjustment = contract.claim_lines(expired).unwrap()[0].adjustments[0];
    assert_eq!((adjustment.group, adjustment.carc), (GroupCode::CO, 302));
}

/// Issue 17: drug lines priced as pharmacies bill (NCPDP): the quantity dispensed from
/// the package at the fee per unit, within what the package holds (CO-151) and the
/// plan's days supply limit (CO-154).
#[ink::test]
fn drug_lines_bill_the_quantity_dispensed_within_the_package_and_days_supply() {
    let (mut contract, p) = funded();
    as_caller(p.insurer);
    contract
        .update_fee_schedule(
            1,
            vec![(
                DRUG,
                Some(FeeScheduleEntry {
                    allowed_per_unit: 4,
                    cost_share: CostShare::Copay,
                    requires_authorization: false,
                    package_units: 30,
                    max_days_supply: 30,
                }),
            )],
        )
        .unwrap();
    let line = |serial: &[u8], quantity, days_supply| ClaimLine {
        quantity,
        unit: Some(DrugUnit {
            lot: b"LOT1".to_vec(),
            serial: serial.to_vec(),
            recipient_salt: SALT,
            days_supply,
        }),
        ..drug(serial, 4 * Balance::from(quantity))
    };
    for serial in [b"N1", b"N2", b"N3"] {
        dispensed(&p, serial, p.patient, p.pharmacy);
    }
    let reasons =
        |contract: &ClaimSettlement, claim| contract.claim_lines(claim).unwrap()[0].reasons();
    let too_many = submit(
        &mut contract,
        p.pharmacy,
        p.patient,
        vec![line(b"N1", 31, 30)],
    )
    .unwrap();
    assert_eq!(
        reasons(&contract, too_many),
        vec![ReasonCode::QuantityExceedsPackage]
    );
    let too_long = submit(
        &mut contract,
        p.pharmacy,
        p.patient,
        vec![line(b"N2", 30, 31)],
    )
    .unwrap();
    assert_eq!(
        reasons(&contract, too_long),
        vec![ReasonCode::DaysSupplyExceeded]
    );
    let month = submit(
        &mut contract,
        p.pharmacy,
        p.patient,
        vec![line(b"N3", 30, 30)],
    )
    .unwrap();
    let priced = contract.claim_lines(month).unwrap().remove(0);
    assert_eq!((priced.quantity, priced.allowed), (30, 120));
    assert_eq!(priced.outcome, Outcome::Approved);
}

#[ink::test]
fn duplicates_and_services_outside_coverage_are_denied() {
    let (mut contract, p) = funded();
    submit(&mut contract, p.clinic, p.patient, vec![visit(150)]).unwrap();
    let again = submit(&mut contract, p.clinic, p.patient, vec![visit(150)]).unwrap();
    assert_eq!(
        contract.claim_lines(again).unwrap()[0].reasons(),
        vec![ReasonCode::Duplicate]
    );
    // Another provider's visit on the same day is its own service.
    let other = submit(&mut contract, p.pharmacy, p.patient, vec![visit(150)]).unwrap();
    assert_eq!(contract.claim(other).unwrap().outcome, Outcome::Approved);
    // Coverage ended: services from now on are denied, earlier ones are not.
    as_caller(p.insurer);
    contract.end_enrolment(1, p.patient).unwrap();
    let (ended, _) = last_event::<EnrolmentChanged>();
    assert_eq!(
        (ended.coverage_start, ended.coverage_end),
        (YEAR_START, NOW),
        "the current period, now ending at once"
    );
    as_caller(p.clinic);
    contract
        .submit_claim(p.patient, 1, NOW, vec![visit(150)], hash(0xAB))
        .unwrap();
    assert_eq!(
        events_of::<ClaimAdjudicated>().last().unwrap().claim_denial,
        Some(ReasonCode::AfterCoverage)
    );
    contract
        .submit_claim(p.patient, 1, NOW - 2 * DAY, vec![visit(150)], hash(0xAB))
        .unwrap();
    assert_eq!(
        events_of::<ClaimAdjudicated>().last().unwrap().claim_denial,
        None
    );
    // Codes outside the fee schedule: CARC 96.
    let claim = submit(
        &mut contract,
        p.clinic,
        p.patient,
        vec![ClaimLine {
            code: code(b"70450"),
            quantity: 1,
            charge: 900,
            unit: None,
            modifier: None,
            authorization: None,
        }],
    )
    .unwrap();
    assert_eq!(
        contract.claim_lines(claim).unwrap()[0].reasons(),
        vec![ReasonCode::NotCovered]
    );
}

/// Review item 2: re-pricing, re-ordering or splitting a paid service does not pay it
/// twice; an intentional repeat carries CPT modifier 76 or 77, once each.
#[ink::test]
fn a_rebilled_service_is_a_duplicate_whatever_its_charge() {
    let (mut contract, p) = funded();
    let injection = |charge| ClaimLine {
        code: injection_code(),
        quantity: 1,
        charge,
        unit: None,
        modifier: None,
        authorization: None,
    };
    submit(&mut contract, p.clinic, p.patient, vec![visit(150)]).unwrap();
    let paid_before = balance(p.clinic);
    // One more currency unit, and reordered with a new line.
    let rebilled = submit(
        &mut contract,
        p.clinic,
        p.patient,
        vec![injection(80), visit(151)],
    )
    .unwrap();
    let reasons = line_reasons(&contract, rebilled);
    assert_eq!(reasons[1], vec![ReasonCode::Duplicate]);
    assert_ne!(reasons[0], vec![ReasonCode::Duplicate]);
    // The injection billed twice in one claim: the second line is the duplicate.
    let split = submit(
        &mut contract,
        p.clinic,
        p.patient,
        vec![visit(75), visit(76)],
    )
    .unwrap();
    assert!(contract
        .claim_lines(split)
        .unwrap()
        .iter()
        .all(|l| l.reasons() == vec![ReasonCode::Duplicate]));
    assert_eq!(contract.claim(split).unwrap().paid, 0);
    // Paid for the injection only: 80 allowed, 20% coinsurance after the deductible.
    assert_eq!(
        balance(p.clinic) - paid_before,
        contract.claim(rebilled).unwrap().paid
    );
    // Intentional repeats, each modifier once.
    let mut repeat = visit(150);
    repeat.modifier = Some(RepeatModifier::SameProvider);
    let mut other_physician = visit(150);
    other_physician.modifier = Some(RepeatModifier::OtherProvider);
    let repeats = submit(
        &mut contract,
        p.clinic,
        p.patient,
        vec![repeat.clone(), other_physician],
    )
    .unwrap();
    assert_eq!(contract.claim(repeats).unwrap().outcome, Outcome::Approved);
    let again = submit(&mut contract, p.clinic, p.patient, vec![repeat]).unwrap();
    assert_eq!(
        contract.claim_lines(again).unwrap()[0].reasons(),
        vec![ReasonCode::Duplicate]
    );
    // A denied line is not billed: fixing the fee schedule lets it through.
    let new_code = code(b"70450");
    let line = ClaimLine {
        code: new_code,
        quantity: 1,
        charge: 900,
        unit: None,
        modifier: None,
        authorization: None,
    };
    let denied = submit(&mut contract, p.clinic, p.patient, vec![line.clone()]).unwrap();
    assert_eq!(contract.claim(denied).unwrap().outcome, Outcome::Denied);
    as_caller(p.insurer);
    contract
        .update_fee_schedule(
            1,
            vec![(
                new_code,
                Some(FeeScheduleEntry {
                    allowed_per_unit: 900,
                    cost_share: CostShare::Copay,
                    requires_authorization: false,
                    package_units: 0,
                    max_days_supply: 0,
                }),
            )],
        )
        .unwrap();
    let fixed = submit(&mut contract, p.clinic, p.patient, vec![line]).unwrap();
    assert_eq!(contract.claim(fixed).unwrap().outcome, Outcome::Approved);
    // Drug lines carry no modifier: a package is billed once.
    let mut modified = drug(b"SN1", 60);
    modified.modifier = Some(RepeatModifier::SameProvider);
    assert_eq!(
        submit(&mut contract, p.pharmacy, p.patient, vec![modified]),
        Err(Error::InvalidDrugLine)
    );
}

/// Review item 3: a unit dispensed on another day than the service date, or outside
/// coverage, is not paid.
#[ink::test]
fn a_drug_line_is_paid_only_for_a_dispense_on_the_service_date_within_coverage() {
    let (mut contract, p) = funded();
    let at = |serial: &[u8], dispensed_at| {
        test_doubles::record_dispensed(
            provenance(),
            GTIN,
            b"LOT1",
            serial,
            DispensedUnit {
                recipient: recipient_commitment(&p.patient, &SALT),
                dispenser: p.pharmacy,
                dispensed_at,
                lot_quarantined: false,
                lot_recalled: false,
            },
        )
    };
    // Dispensed today, billed for yesterday.
    at(b"LATE", NOW);
    // Coverage ends at NOW - DAY / 2; the unit went out after, on the service day.
    at(b"UNCOVERED", NOW - DAY / 4);
    at(b"GOOD", NOW - DAY + 1);
    as_caller(p.insurer);
    test::set_block_timestamp::<Env>(NOW - DAY / 2);
    contract.end_enrolment(1, p.patient).unwrap();
    test::set_block_timestamp::<Env>(NOW);
    as_caller(p.pharmacy);
    let claim = contract
        .submit_claim(
            p.patient,
            1,
            NOW - DAY + 1,
            vec![drug(b"LATE", 60), drug(b"UNCOVERED", 60), drug(b"GOOD", 60)],
            hash(0xAA),
        )
        .unwrap();
    let reasons = line_reasons(&contract, claim);
    assert_eq!(reasons[0], vec![ReasonCode::DispenseDateMismatch]);
    assert_eq!(reasons[1], vec![ReasonCode::AfterCoverage]);
    assert_eq!(reasons[2], vec![ReasonCode::Deductible]);
}

/// Review item 4: an overturn marks the claim's denied lines billed, so the same serial is
/// not paid again by a later claim with another charge.
#[ink::test]
fn an_overturned_drug_line_cannot_be_billed_again() {
    let (mut contract, p) = funded();
    // Not yet recorded as dispensed when first billed: denied (CO-112), then appealed.
    let first = submit(&mut contract, p.pharmacy, p.patient, vec![drug(b"SN9", 60)]).unwrap();
    assert_eq!(contract.claim(first).unwrap().outcome, Outcome::Denied);
    as_caller(p.pharmacy);
    contract.appeal(first, hash(0xE1)).unwrap();
    as_caller(p.insurer);
    contract
        .resolve_appeal(first, vec![overturn(0, 60)], hash(0xD1))
        .unwrap();
    dispensed(&p, b"SN9", p.patient, p.pharmacy);
    let again = submit(&mut contract, p.pharmacy, p.patient, vec![drug(b"SN9", 59)]).unwrap();
    assert_eq!(
        contract.claim_lines(again).unwrap()[0].reasons(),
        vec![ReasonCode::Duplicate]
    );
    assert_eq!(contract.claim(again).unwrap().paid, 0);
}

/// A line denied as the repeat of a line its own claim paid is not paid by an overturn
/// either: the service is paid once. (An overturn refused only a key another claim had
/// billed, so the same visit was paid twice.)
#[ink::test]
fn an_overturn_does_not_pay_again_what_its_own_claim_paid() {
    let (mut contract, p) = funded();
    let twice = submit(
        &mut contract,
        p.clinic,
        p.patient,
        vec![visit(150), visit(150)],
    )
    .unwrap();
    assert_eq!(
        line_reasons(&contract, twice)[1],
        vec![ReasonCode::Duplicate]
    );
    let paid = contract.claim(twice).unwrap().paid;
    as_caller(p.clinic);
    contract.appeal(twice, hash(0xE2)).unwrap();
    as_caller(p.insurer);
    assert_eq!(
        contract.resolve_appeal(twice, vec![overturn(1, 150)], hash(0xD2)),
        Err(Error::InvalidOverturnAmount)
    );
    assert_eq!(contract.claim(twice).unwrap().paid, paid);
}

/// The billing marks are a set: voiding a claim unmarks its paid lines' services only,
/// so a voided duplicate leaves the service billed by the claim that paid it, and voiding
/// that claim lets it be billed again.
#[ink::test]
fn voiding_a_duplicate_leaves_the_service_billed() {
    let (mut contract, p) = funded();
    let paid = submit(&mut contract, p.clinic, p.patient, vec![visit(150)]).unwrap();
    let duplicate = submit(&mut contract, p.clinic, p.patient, vec![visit(150)]).unwrap();
    assert_eq!(
        line_reasons(&contract, duplicate)[0],
        vec![ReasonCode::Duplicate]
    );
    void(&mut contract, p.clinic, duplicate, None).unwrap();
    let again = submit(&mut contract, p.clinic, p.patient, vec![visit(150)]).unwrap();
    assert_eq!(
        line_reasons(&contract, again)[0],
        vec![ReasonCode::Duplicate]
    );
    void(&mut contract, p.clinic, paid, None).unwrap();
    let rebilled = submit(&mut contract, p.clinic, p.patient, vec![visit(150)]).unwrap();
    assert_eq!(contract.claim(rebilled).unwrap().outcome, Outcome::Approved);
}

/// Review item 1: with nothing held, there is nothing to collect or pay out. (A held
/// credit needs a transfer the chain refuses, which ink!'s off-chain environment cannot
/// make: `e2e-tests/tests/claim_settlement.rs` proves that on substrate-contracts-node.)
#[ink::test]
fn credits_are_transferred_in_the_paying_call() {
    let (mut contract, p) = funded();
    submit(&mut contract, p.clinic, p.patient, vec![visit(150)]).unwrap();
    assert_eq!((contract.credit(p.clinic), contract.credit_total()), (0, 0));
    as_caller(p.clinic);
    assert_eq!(contract.collect(), Err(Error::NothingToCollect));
    as_caller(p.other);
    assert_eq!(contract.pay_out(p.clinic), Err(Error::NothingToCollect));
}

/// Review items 1 and 14: an insurer cancels what a claim waits for; the queue moves on.
#[ink::test]
fn an_insurer_cancels_a_waiting_payment() {
    let (mut contract, p) = setup();
    let first = submit(&mut contract, p.clinic, p.patient, vec![visit(150)]).unwrap();
    as_caller(p.clinic);
    contract
        .submit_claim(p.patient, 1, NOW - 2 * DAY, vec![visit(150)], hash(0xAA))
        .unwrap();
    dispensed(&p, b"SN1", p.patient, p.pharmacy);
    let third = submit(&mut contract, p.pharmacy, p.patient, vec![drug(b"SN1", 60)]).unwrap();
    as_caller(p.clinic);
    assert_eq!(contract.cancel_payment(first), Err(Error::NotClaimInsurer));
    as_caller(p.insurer);
    assert_eq!(contract.cancel_payment(first), Ok(30));
    let (event, _) = last_event::<PaymentCancelled>();
    assert_eq!((event.claim, event.amount), (first, 30));
    assert_eq!(
        contract.cancel_payment(first),
        Err(Error::NotAwaitingPayment)
    );
    // The second visit (deductible met: 130) and the drug (40) still wait.
    assert_eq!(contract.escrow(p.insurer).owed, 170);
    // The first claim's entry is passed over; the others are paid.
    deposit(&mut contract, p.insurer, 170).unwrap();
    assert_eq!((balance(p.clinic), balance(p.pharmacy)), (130, 40));
    assert_eq!(contract.waiting_claims(p.insurer), 0);
    let record = contract.claim(first).unwrap();
    assert_eq!(
        (record.paid, record.awaiting_payment, record.cancelled),
        (0, 0, 30)
    );
    assert_eq!(contract.claim(third).unwrap().paid, 40);
}

/// Review item 19: coinsurance on a huge line neither overflows nor fails the claim once
/// the out-of-pocket maximum is met, and one claim is bounded so that what waits for
/// funds cannot overflow the insurer's `owed`.
#[ink::test]
fn huge_lines_are_priced_and_claims_are_bounded() {
    let (mut contract, p) = setup();
    coinsured_injections(&mut contract, &p, Balance::MAX);
    let injection = |charge| ClaimLine {
        code: injection_code(),
        quantity: 3,
        charge,
        unit: None,
        modifier: None,
        authorization: None,
    };
    let huge = submit(
        &mut contract,
        p.clinic,
        p.patient,
        vec![injection(MAX_CLAIM_CHARGE)],
    )
    .unwrap();
    let line = &contract.claim_lines(huge).unwrap()[0];
    assert_eq!(line.allowed, MAX_CLAIM_CHARGE);
    // The out-of-pocket maximum caps the member's share.
    assert_eq!(
        line.patient_responsibility(),
        cost_sharing().out_of_pocket_max
    );
    assert_eq!(
        contract.claim(huge).unwrap().awaiting_payment,
        MAX_CLAIM_CHARGE - 1_000
    );
    assert_eq!(
        submit(
            &mut contract,
            p.clinic,
            p.patient,
            vec![injection(MAX_CLAIM_CHARGE + 1)]
        ),
        Err(Error::ClaimTooLarge)
    );
    assert_eq!(
        submit(
            &mut contract,
            p.clinic,
            p.patient,
            vec![injection(Balance::MAX), injection(1)]
        ),
        Err(Error::ClaimTooLarge)
    );
    // A later ordinary claim still queues behind it.
    let later = submit(&mut contract, p.clinic, p.patient, vec![visit(150)]).unwrap();
    assert_eq!(contract.claim(later).unwrap().awaiting_payment, 150);
}

/// Review item 20: a paused consent registry is not the patient's refusal.
#[ink::test]
fn a_paused_registry_denies_as_unverifiable_not_as_no_consent() {
    let (mut contract, p) = funded();
    test_doubles::pause_registry(registry());
    submit(&mut contract, p.clinic, p.patient, vec![visit(150)]).unwrap();
    assert_eq!(
        events_of::<ClaimAdjudicated>().last().unwrap().claim_denial,
        Some(ReasonCode::ConsentUnverifiable)
    );
}

/// Review item 8: a revoked insurer keeps no power over its plans or appeals; the admin
/// moves the plan to a new insurer key.
#[ink::test]
fn a_revoked_insurer_loses_its_plans_until_the_admin_reassigns_them() {
    let (mut contract, p) = funded();
    let denied = submit(&mut contract, p.clinic, p.patient, vec![drug(b"FAKE", 60)]).unwrap();
    as_caller(p.clinic);
    contract.appeal(denied, hash(0xE1)).unwrap();
    let second = submit(&mut contract, p.clinic, p.patient, vec![drug(b"FAKE2", 60)]).unwrap();
    as_caller(p.admin);
    contract.revoke_role(Role::Insurer, p.insurer).unwrap();
    let missing = Err(Error::Access(AccessError::MissingRole(Role::Insurer)));
    as_caller(p.insurer);
    assert_eq!(contract.update_fee_schedule(1, vec![]), missing);
    assert_eq!(
        contract.enrol_member(1, p.other, YEAR_START, YEAR_END),
        missing
    );
    assert_eq!(contract.end_enrolment(1, p.patient), missing);
    assert_eq!(
        contract.resolve_appeal(denied, vec![overturn(1, 60)], hash(0xD1)),
        missing
    );
    // A revoked provider cannot appeal either.
    as_caller(p.admin);
    contract.revoke_role(Role::Provider, p.clinic).unwrap();
    as_caller(p.clinic);
    assert_eq!(
        contract.appeal(second, hash(0xE1)),
        Err(Error::Access(AccessError::MissingRole(Role::Provider)))
    );
    // Reassignment: only the admin, only to a registered insurer.
    as_caller(p.insurer);
    assert_eq!(
        contract.reassign_plan(1, p.other),
        Err(Error::Access(AccessError::NotAdmin))
    );
    as_caller(p.admin);
    assert_eq!(contract.reassign_plan(1, p.other), Err(Error::NotAnInsurer));
    assert_eq!(contract.reassign_plan(9, p.other), Err(Error::UnknownPlan));
    contract.grant_role(Role::Insurer, p.other).unwrap();
    contract.reassign_plan(1, p.other).unwrap();
    let (event, _) = last_event::<PlanReassigned>();
    assert_eq!((event.previous, event.new), (p.insurer, p.other));
    as_caller(p.other);
    contract.end_enrolment(1, p.patient).unwrap();
    assert_eq!(contract.plan(1).unwrap().insurer, p.other);
}

/// Review item 14: an ended enrolment can be renewed; claims for the earlier period stay
/// payable and the plan year's accumulators carry over.
#[ink::test]
fn an_ended_enrolment_is_renewed() {
    let (mut contract, p) = funded();
    submit(&mut contract, p.clinic, p.patient, vec![visit(150)]).unwrap();
    as_caller(p.insurer);
    contract.end_enrolment(1, p.patient).unwrap();
    assert_eq!(
        contract.enrol_member(1, p.patient, NOW - 1, YEAR_END),
        Err(Error::OverlappingCoverage)
    );
    contract
        .enrol_member(1, p.patient, NOW + DAY, YEAR_END)
        .unwrap();
    assert_eq!(
        contract.enrol_member(1, p.patient, NOW + 2 * DAY, YEAR_END),
        Err(Error::AlreadyEnrolled)
    );
    let membership = contract.membership(1, p.patient).unwrap();
    assert_eq!(membership.periods.len(), 2);
    assert_eq!(membership.accumulators.deductible_met, 100);
    // The earlier period's services are still covered; the gap is not.
    as_caller(p.clinic);
    contract
        .submit_claim(p.patient, 1, NOW - 3 * DAY, vec![visit(150)], hash(0xAB))
        .unwrap();
    assert_eq!(
        events_of::<ClaimAdjudicated>().last().unwrap().claim_denial,
        None
    );
    test::set_block_timestamp::<Env>(NOW + DAY / 2);
    contract
        .submit_claim(p.patient, 1, NOW + DAY / 4, vec![visit(150)], hash(0xAB))
        .unwrap();
    assert_eq!(
        events_of::<ClaimAdjudicated>().last().unwrap().claim_denial,
        Some(ReasonCode::CoverageLapse)
    );
    // At most four periods in a plan year.
    as_caller(p.insurer);
    for k in 2..4u64 {
        test::set_block_timestamp::<Env>(NOW + k * DAY);
        contract.end_enrolment(1, p.patient).unwrap();
        contract
            .enrol_member(1, p.patient, NOW + k * DAY + 1, YEAR_END)
            .unwrap();
    }
    test::set_block_timestamp::<Env>(NOW + 9 * DAY);
    contract.end_enrolment(1, p.patient).unwrap();
    assert_eq!(
        contract.enrol_member(1, p.patient, NOW + 10 * DAY, YEAR_END),
        Err(Error::TooManyCoveragePeriods)
    );
}

#[ink::test]
fn submission_refuses_bad_input_and_changes_nothing() {
    let (mut contract, p) = funded();
    let before = event_count();
    assert_eq!(
        submit(&mut contract, p.clinic, p.patient, vec![]),
        Err(Error::NoLines)
    );
    assert_eq!(
        submit(
            &mut contract,
            p.clinic,
            p.patient,
            vec![visit(1); MAX_LINES + 1]
        ),
        Err(Error::TooManyLines)
    );
    let mut zero = visit(1);
    zero.quantity = 0;
    assert_eq!(
        submit(&mut contract, p.clinic, p.patient, vec![zero]),
        Err(Error::ZeroQuantity)
    );
    assert_eq!(
        submit(
            &mut contract,
            p.clinic,
            p.patient,
            vec![visit(Balance::MAX), visit(1)]
        ),
        Err(Error::ClaimTooLarge)
    );
    assert_eq!(
        submit(&mut contract, p.clinic, p.patient, vec![drug(b"", 1)]),
        Err(Error::InvalidDrugLine)
    );
    assert_eq!(
        submit(&mut contract, p.clinic, p.other, vec![visit(1)]),
        Err(Error::UnknownMember)
    );
    assert_eq!(
        submit(&mut contract, p.clinic, p.clinic, vec![visit(1)]),
        Err(Error::ProviderIsPatient)
    );
    assert_eq!(
        submit(&mut contract, p.other, p.patient, vec![visit(1)]),
        Err(Error::Access(AccessError::MissingRole(Role::Provider)))
    );
    as_caller(p.clinic);
    assert_eq!(
        contract.submit_claim(p.patient, 2, NOW, vec![visit(1)], hash(1)),
        Err(Error::UnknownPlan)
    );
    assert_eq!(
        contract.submit_claim(p.patient, 1, NOW + 1, vec![visit(1)], hash(1)),
        Err(Error::ServiceDateInFuture)
    );
    assert_eq!(
        contract.submit_claim(p.patient, 1, NOW, vec![visit(1)], hash(0)),
        Err(Error::ZeroHash)
    );
    assert_eq!(event_count(), before);
    assert_eq!(contract.claim_count(), 0);
    assert_eq!(contract.escrow(p.insurer).funds, FUNDS);
}

#[ink::test]
fn the_maximum_number_of_lines_is_accepted() {
    let (mut contract, p) = funded();
    let lines: Vec<ClaimLine> = (0..MAX_LINES as u128).map(|i| visit(100 + i)).collect();
    let claim = submit(&mut contract, p.clinic, p.patient, lines).unwrap();
    assert_eq!(contract.claim_lines(claim).unwrap().len(), MAX_LINES);
    let record = contract.claim(claim).unwrap();
    assert_eq!(
        record.totals.allowed,
        record.totals.patient_responsibility + record.totals.payable
    );
    assert_eq!(record.paid, record.totals.payable);
}

#[ink::test]
fn an_underfunded_escrow_pays_later_in_order() {
    let (mut contract, p) = setup();
    deposit(&mut contract, p.insurer, 10).unwrap();
    let first = submit(&mut contract, p.clinic, p.patient, vec![visit(150)]).unwrap();
    // Payable 30 > 10 in escrow: the claim waits, and the escrow keeps the 10 for it.
    let record = contract.claim(first).unwrap();
    assert_eq!((record.paid, record.awaiting_payment), (0, 30));
    assert_eq!(events_of::<PaymentAwaitingFunds>()[0].amount, 30);
    assert_eq!(last_event::<ClaimAdjudicated>().0.paid, 0);
    assert_eq!(
        contract.escrow(p.insurer),
        Escrow {
            funds: 10,
            owed: 30
        }
    );
    assert_eq!(contract.waiting_claims(p.insurer), 1);
    as_caller(p.insurer);
    assert_eq!(contract.withdraw(1), Err(Error::InsufficientFreeEscrow));
    // A second claim queues behind the first: first approved, first paid.
    dispensed(&p, b"SN1", p.patient, p.pharmacy);
    let second = submit(&mut contract, p.pharmacy, p.patient, vec![drug(b"SN1", 60)]).unwrap();
    assert_eq!(contract.claim(second).unwrap().awaiting_payment, 40);
    assert_eq!(contract.waiting_claims(p.insurer), 2);
    // Funds arrive: both are paid, first one first.
    deposit(&mut contract, p.insurer, 100).unwrap();
    let paid: Vec<ClaimId> = events_of::<ClaimPaid>().iter().map(|e| e.claim).collect();
    assert_eq!(paid, vec![first, second]);
    assert_eq!((balance(p.clinic), balance(p.pharmacy)), (30, 40));
    assert_eq!(contract.escrow(p.insurer), Escrow { funds: 40, owed: 0 });
    assert_eq!(contract.waiting_claims(p.insurer), 0);
    assert_eq!(balance(contract_account()), 40);
    as_caller(p.insurer);
    contract.withdraw(40).unwrap();
    let (withdrawn, _) = last_event::<EscrowChanged>();
    assert_eq!(
        (withdrawn.change, withdrawn.funds),
        (EscrowChange::Withdrawn(40), 0)
    );
    assert_eq!(balance(contract_account()), 0);
}

#[ink::test]
fn settle_pays_what_deposits_left_waiting() {
    let (mut contract, p) = setup();
    as_caller(p.clinic);
    let claims: Vec<ClaimId> = (0..10u64)
        .map(|i| {
            contract
                .submit_claim(p.patient, 1, NOW - i * DAY, vec![visit(150)], hash(0xAA))
                .unwrap()
        })
        .collect();
    assert_eq!(contract.waiting_claims(p.insurer), 10);
    // One deposit pays at most 8 claims.
    deposit(&mut contract, p.insurer, FUNDS).unwrap();
    assert_eq!(contract.waiting_claims(p.insurer), 2);
    as_caller(p.other);
    assert_eq!(contract.settle(p.insurer, 1), Ok(1));
    assert_eq!(contract.settle(p.insurer, 100), Ok(1));
    assert_eq!(contract.settle(p.insurer, 100), Ok(0));
    assert!(claims.iter().all(|c| {
        as_caller(p.clinic);
        let record = contract.claim(*c).unwrap();
        record.awaiting_payment == 0 && record.paid == record.totals.payable
    }));
    // Paid from the queue, each claim kept its lines (stored with its header).
    assert!(claims.iter().all(|c| {
        let lines = contract.claim_lines(*c).unwrap();
        lines.len() == 1 && lines[0].payable == contract.claim(*c).unwrap().totals.payable
    }));
}

#[ink::test]
fn escrow_refuses_bad_input() {
    let (mut contract, p) = funded();
    assert_eq!(
        deposit(&mut contract, p.insurer, 0),
        Err(Error::ZeroDeposit)
    );
    test::set_account_balance::<Env>(p.clinic, FUNDS);
    assert_eq!(
        deposit(&mut contract, p.clinic, 5),
        Err(Error::Access(AccessError::MissingRole(Role::Insurer)))
    );
    as_caller(p.insurer);
    assert_eq!(
        contract.withdraw(FUNDS + 1),
        Err(Error::InsufficientFreeEscrow)
    );
    contract.withdraw(FUNDS).unwrap();
    assert_eq!(contract.escrow_total(), 0);
}

#[ink::test]
fn appeals_are_filed_in_window_and_overturns_pay() {
    let (mut contract, p) = funded();
    let paid_claim = submit(&mut contract, p.clinic, p.patient, vec![visit(150)]).unwrap();
    // Another day's visit, and a drug line that was never dispensed.
    as_caller(p.clinic);
    let denied = contract
        .submit_claim(
            p.patient,
            1,
            NOW - 2 * DAY,
            vec![visit(150), drug(b"FAKE", 60)],
            hash(0xAA),
        )
        .unwrap();
    assert_eq!(
        contract.appeal(paid_claim, hash(0xE1)),
        Err(Error::NotAppealable)
    );
    assert_eq!(contract.appeal(99, hash(0xE1)), Err(Error::UnknownClaim));
    assert_eq!(contract.appeal(denied, hash(0)), Err(Error::ZeroHash));
    as_caller(p.pharmacy);
    assert_eq!(
        contract.appeal(denied, hash(0xE1)),
        Err(Error::NotClaimProvider)
    );
    as_caller(p.clinic);
    contract.appeal(denied, hash(0xE1)).unwrap();
    let (appealed, topics) = last_event::<ClaimAppealed>();
    assert_eq!(appealed.evidence_hash, hash(0xE1));
    assert!(topics.is_empty(), "only safety notices carry field topics");
    assert_eq!(
        contract.appeal(denied, hash(0xE1)),
        Err(Error::AlreadyAppealed)
    );
    assert_eq!(
        contract.resolve_appeal(denied, vec![overturn(1, 60)], hash(0xD1)),
        Err(Error::NotClaimInsurer)
    );
    as_caller(p.insurer);
    // More than the charge, an approved line, a line named twice, no such line.
    for bad in [
        vec![overturn(1, 61)],
        vec![overturn(1, 0)],
        vec![overturn(0, 60)],
        vec![overturn(1, 30), overturn(1, 30)],
        vec![overturn(2, 60)],
    ] {
        assert_eq!(
            contract.resolve_appeal(denied, bad, hash(0xD1)),
            Err(Error::InvalidOverturnAmount)
        );
    }
    assert_eq!(
        contract.resolve_appeal(denied, vec![overturn(1, 60)], hash(0)),
        Err(Error::ZeroHash)
    );
    let clinic_before = balance(p.clinic);
    let accumulators = contract.membership(1, p.patient).unwrap().accumulators;
    contract
        .resolve_appeal(denied, vec![overturn(1, 60)], hash(0xD1))
        .unwrap();
    // Issue 17: the overturn goes through cost sharing: the deductible is met, so the
    // member owes the copay of 20 and the plan pays 40.
    let resolved = events_of::<AppealResolved>().pop().unwrap();
    assert_eq!(resolved.status, AppealStatus::Overturned { amount: 40 });
    assert!(!resolved.late);
    // Paid after its adjudication: a `ClaimPaid` of its own, transferred in the same call
    // (no stored credit went with it, so no `CreditTransfer`).
    assert!(events_of::<CreditTransfer>().is_empty());
    let announced = events_of::<ClaimPaid>().pop().unwrap();
    assert_eq!((announced.claim, announced.amount), (denied, 40));
    assert_eq!(balance(p.clinic), clinic_before + 40);
    let after = contract.membership(1, p.patient).unwrap().accumulators;
    assert_eq!(after.out_of_pocket, accumulators.out_of_pocket + 20);
    let record = contract.claim(denied).unwrap();
    assert_eq!(record.paid, record.totals.payable);
    assert_eq!(record.totals.allowed, 150 + 60);
    assert_eq!(record.outcome, Outcome::Approved);
    let line = contract.claim_lines(denied).unwrap().remove(1);
    assert_eq!(line.reasons(), vec![ReasonCode::Copay]);
    assert_eq!(
        contract.resolve_appeal(denied, vec![], hash(0xD1)),
        Err(Error::NoPendingAppeal)
    );
    assert_eq!(
        contract.resolve_appeal(paid_claim, vec![], hash(0xD1)),
        Err(Error::NoPendingAppeal)
    );
}

#[ink::test]
fn appeals_can_be_upheld_and_close_after_the_window() {
    let (mut contract, p) = funded();
    // Each with a line outside the fee schedule (denied CO-96).
    let scan = |charge| ClaimLine {
        code: code(b"70450"),
        quantity: 1,
        charge,
        unit: None,
        modifier: None,
        authorization: None,
    };
    let first = submit(
        &mut contract,
        p.clinic,
        p.patient,
        vec![visit(150), scan(400)],
    )
    .unwrap();
    let second = submit(
        &mut contract,
        p.clinic,
        p.patient,
        vec![visit(150), scan(401)],
    )
    .unwrap();
    as_caller(p.clinic);
    contract.appeal(first, hash(0xE1)).unwrap();
    as_caller(p.insurer);
    let funds = contract.escrow(p.insurer).funds;
    contract.resolve_appeal(first, vec![], hash(0xD1)).unwrap();
    assert_eq!(
        last_event::<AppealResolved>().0.status,
        AppealStatus::Upheld
    );
    assert_eq!(contract.escrow(p.insurer).funds, funds);
    test::set_block_timestamp::<Env>(NOW + APPEAL_WINDOW + 1);
    as_caller(p.clinic);
    assert_eq!(
        contract.appeal(second, hash(0xE1)),
        Err(Error::AppealWindowClosed)
    );
}

/// Issue 16: payment consent covers the data classes the claim discloses. Consent
/// limited to claims data pays a visit but denies a drug claim (medications) with CO-16 (N28).
#[ink::test]
fn payment_consent_must_cover_the_classes_a_claim_discloses() {
    use healthchain_common::consent::DataClasses;
    let (mut contract, p) = funded();
    test_doubles::revoke_consent(registry(), p.patient, p.pharmacy, Purpose::Payment);
    test_doubles::grant_consent_for(
        registry(),
        p.patient,
        p.pharmacy,
        Purpose::Payment,
        None,
        DataClasses::CLAIMS,
    );
    dispensed(&p, b"SN1", p.patient, p.pharmacy);
    submit(&mut contract, p.pharmacy, p.patient, vec![drug(b"SN1", 60)]).unwrap();
    assert_eq!(
        events_of::<ClaimAdjudicated>().last().unwrap().claim_denial,
        Some(ReasonCode::NoPaymentConsent)
    );
    let visit = submit(&mut contract, p.pharmacy, p.patient, vec![visit(150)]).unwrap();
    assert_eq!(contract.claim(visit).unwrap().outcome, Outcome::Approved);
}

#[ink::test]
fn a_claim_keeps_no_code_drug_or_service_date_beside_its_patient() {
    let (mut contract, p) = funded();
    dispensed(&p, b"SN1", p.patient, p.pharmacy);
    let lines = vec![visit(150), drug(b"SN1", 60)];
    let before = test::recorded_events().count();
    let claim = submit(&mut contract, p.pharmacy, p.patient, lines.clone()).unwrap();
    // Anyone can read storage, so the reads do not pretend otherwise.
    as_caller(AccountId::from([0x77; 32]));
    let header = contract.claim(claim).unwrap();
    let adjudicated = contract.claim_lines(claim).unwrap();
    assert_eq!(adjudicated.len(), 2);
    assert_eq!(header.lines_hash, lines_hash(SERVICE_DATE, &lines));
    assert_ne!(header.lines_hash, lines_hash(SERVICE_DATE + DAY, &lines));
    // Neither the header, the lines nor the events hold the GTIN, the serial, the keyed
    // procedure code or the service date.
    let mut kept = ink::scale::Encode::encode(&header);
    kept.extend(ink::scale::Encode::encode(&adjudicated));
    for event in test::recorded_events().skip(before) {
        kept.extend(event.data);
    }
    let secrets: [&[u8]; 4] = [
        &GTIN.to_le_bytes(),
        b"SN1",
        &ink::scale::Encode::encode(&visit_code())[1..],
        &SERVICE_DATE.to_le_bytes(),
    ];
    for secret in secrets {
        assert!(
            !kept.windows(secret.len()).any(|w| w == secret),
            "{secret:?} is kept"
        );
    }
    assert_eq!(contract.claim(7), Err(Error::UnknownClaim));
    assert_eq!(adjudicated[1].outcome, Outcome::Approved);
    // The same package with another salt does not open the pharmacy's commitment.
    dispensed(&p, b"SN2", p.patient, p.pharmacy);
    let mut wrong_salt = drug(b"SN2", 60);
    if let Some(unit) = wrong_salt.unit.as_mut() {
        unit.recipient_salt = [0x11; 32];
    }
    let denied = submit(&mut contract, p.pharmacy, p.patient, vec![wrong_salt]).unwrap();
    assert_eq!(
        line_reasons(&contract, denied),
        vec![vec![ReasonCode::DrugDispensedToOther]]
    );
}

#[ink::test]
fn plans_fee_schedules_and_members() {
    let (mut contract, p) = setup();
    let plan = contract.plan(1).unwrap();
    assert_eq!((plan.insurer, plan.fee_schedule_entries), (p.insurer, 3));
    assert_eq!(events_of::<FeeScheduleUpdated>().len(), 3);
    as_caller(p.insurer);
    let mut bad = cost_sharing();
    bad.coinsurance_bps = 10_001;
    assert_eq!(
        contract.create_plan(bad, PaymentConsent::Required, None, YEAR_START, YEAR_END),
        Err(Error::InvalidCoinsurance)
    );
    assert_eq!(
        contract.create_plan(
            cost_sharing(),
            PaymentConsent::Required,
            None,
            YEAR_END,
            YEAR_START
        ),
        Err(Error::InvalidPeriod)
    );
    as_caller(p.clinic);
    assert_eq!(
        contract.create_plan(
            cost_sharing(),
            PaymentConsent::Required,
            None,
            YEAR_START,
            YEAR_END
        ),
        Err(Error::Access(AccessError::MissingRole(Role::Insurer)))
    );
    assert_eq!(
        contract.update_fee_schedule(1, vec![(visit_code(), None)]),
        Err(Error::NotPlanInsurer)
    );
    assert_eq!(
        contract.enrol_member(1, p.other, YEAR_START, YEAR_END),
        Err(Error::NotPlanInsurer)
    );
    as_caller(p.insurer);
    assert_eq!(
        contract.update_fee_schedule(2, vec![]),
        Err(Error::UnknownPlan)
    );
    assert_eq!(
        contract.update_fee_schedule(1, vec![(visit_code(), None); MAX_FEE_UPDATES + 1]),
        Err(Error::TooManyFeeUpdates)
    );
    assert_eq!(
        contract.update_fee_schedule(1, vec![(ServiceCode::Drug(0), None)]),
        Err(Error::InvalidServiceCode)
    );
    // Remove, re-add and remove again in one call: counted once.
    contract
        .update_fee_schedule(
            1,
            vec![
                (visit_code(), None),
                (injection_code(), None),
                (injection_code(), contract.fee(1, DRUG)),
            ],
        )
        .unwrap();
    assert_eq!(contract.plan(1).unwrap().fee_schedule_entries, 2);
    assert_eq!(contract.fee(1, visit_code()), None);
    assert_eq!(last_event::<FeeScheduleUpdated>().0.code, injection_code());
    // Members.
    assert_eq!(
        contract.enrol_member(1, p.other, YEAR_START, YEAR_START),
        Err(Error::InvalidPeriod)
    );
    assert_eq!(
        contract.enrol_member(1, p.other, YEAR_START - 1, YEAR_END),
        Err(Error::CoverageOutsidePlanYear)
    );
    assert_eq!(
        contract.enrol_member(1, p.patient, YEAR_START, YEAR_END),
        Err(Error::AlreadyEnrolled)
    );
    contract
        .enrol_member(1, p.other, NOW + DAY, YEAR_END)
        .unwrap();
    let (enrolled, topics) = last_event::<EnrolmentChanged>();
    assert_eq!(
        (enrolled.coverage_start, enrolled.coverage_end),
        (NOW + DAY, YEAR_END)
    );
    assert!(topics.is_empty(), "only safety notices carry field topics");
    // Ended before it started: an empty period.
    contract.end_enrolment(1, p.other).unwrap();
    assert_eq!(
        contract.membership(1, p.other).unwrap().periods,
        vec![CoveragePeriod {
            start: NOW + DAY,
            end: NOW + DAY
        }]
    );
    assert_eq!(
        contract.end_enrolment(1, p.other),
        Err(Error::EnrolmentEnded)
    );
    assert_eq!(
        contract.end_enrolment(1, p.clinic),
        Err(Error::UnknownMember)
    );
}

#[ink::test]
fn a_full_fee_schedule_refuses_more_codes_and_changes_nothing() {
    let (mut contract, p) = setup();
    as_caller(p.insurer);
    let entry = contract.fee(1, visit_code());
    let mut next = 0u64;
    while contract.plan(1).unwrap().fee_schedule_entries < MAX_FEE_SCHEDULE_ENTRIES {
        let room =
            (MAX_FEE_SCHEDULE_ENTRIES - contract.plan(1).unwrap().fee_schedule_entries) as usize;
        let batch: Vec<_> = (0..room.min(MAX_FEE_UPDATES))
            .map(|_| {
                next += 1;
                (ServiceCode::Drug(next), entry)
            })
            .collect();
        contract.update_fee_schedule(1, batch).unwrap();
    }
    let before = event_count();
    assert_eq!(
        contract.update_fee_schedule(
            1,
            vec![(visit_code(), entry), (ServiceCode::Drug(999_999), entry)]
        ),
        Err(Error::FeeScheduleFull)
    );
    assert_eq!(event_count(), before);
    assert_eq!(contract.fee(1, ServiceCode::Drug(999_999)), None);
    // Replacing and removing still work.
    contract
        .update_fee_schedule(1, vec![(visit_code(), entry), (ServiceCode::Drug(1), None)])
        .unwrap();
    assert_eq!(
        contract.plan(1).unwrap().fee_schedule_entries,
        MAX_FEE_SCHEDULE_ENTRIES - 1
    );
}

#[ink::test]
fn every_state_change_is_refused_while_paused() {
    let (mut contract, p) = funded();
    let claim = submit(
        &mut contract,
        p.clinic,
        p.patient,
        vec![visit(150), visit(10_000)],
    )
    .unwrap();
    as_caller(p.admin);
    contract.pause().unwrap();
    let paused = Err(Error::Access(AccessError::Paused));
    as_caller(p.insurer);
    assert_eq!(
        contract
            .create_plan(
                cost_sharing(),
                PaymentConsent::Required,
                None,
                YEAR_START,
                YEAR_END
            )
            .map(|_| ()),
        paused
    );
    assert_eq!(contract.update_fee_schedule(1, vec![]), paused);
    assert_eq!(
        contract.enrol_member(1, p.other, YEAR_START, YEAR_END),
        paused
    );
    assert_eq!(contract.end_enrolment(1, p.patient), paused);
    assert_eq!(deposit(&mut contract, p.insurer, 5), paused);
    assert_eq!(contract.withdraw(1), paused);
    assert_eq!(contract.settle(p.insurer, 1).map(|_| ()), paused);
    assert_eq!(contract.resolve_appeal(claim, vec![], hash(1)), paused);
    assert_eq!(
        submit(&mut contract, p.clinic, p.patient, vec![visit(1)]).map(|_| ()),
        paused
    );
    as_caller(p.clinic);
    assert_eq!(contract.appeal(claim, hash(1)), paused);
    assert_eq!(
        contract
            .submit_claims(vec![submission(p.patient, vec![visit(1)])])
            .map(|_| ()),
        paused
    );
}

fn submission(patient: AccountId, lines: Vec<ClaimLine>) -> ClaimSubmission {
    ClaimSubmission {
        patient,
        plan: 1,
        service_date: SERVICE_DATE,
        lines,
        document_hash: hash(0xAB),
    }
}

/// Issue 19: an 837 file's claims in one call, each with its own answer.
#[ink::test]
fn a_claim_batch_answers_each_claim_and_a_refused_one_changes_nothing() {
    let (mut contract, p) = funded();
    as_caller(p.clinic);
    let mut bad_hash = submission(p.patient, vec![visit(1)]);
    bad_hash.document_hash = hash(0);
    let answers = contract
        .submit_claims(vec![
            submission(p.patient, vec![visit(200)]),
            submission(p.other, vec![visit(150)]),
            bad_hash,
            submission(p.patient, vec![]),
            // The same service again, in the same batch: the first billed it.
            submission(p.patient, vec![visit(200)]),
            submission(
                p.patient,
                vec![ClaimLine {
                    code: injection_code(),
                    ..visit(80)
                }],
            ),
        ])
        .unwrap();
    assert_eq!(
        answers,
        vec![
            Ok(1),
            Err(Error::UnknownMember),
            Err(Error::ZeroHash),
            Err(Error::NoLines),
            Ok(2),
            Ok(3)
        ]
    );
    // Refused claims took no id and wrote nothing.
    assert_eq!(contract.claim_count(), 3);
    assert_eq!(events_of::<ClaimAdjudicated>().len(), 3);
    assert_eq!(
        line_reasons(&contract, 2),
        vec![vec![ReasonCode::Duplicate]]
    );
    assert_eq!(contract.claim(2).unwrap().outcome, Outcome::Denied);
    // Each paid claim is what submit_claim alone would pay; the clinic is paid once.
    let paid: Balance = (1..=3).map(|c| contract.claim(c).unwrap().paid).sum();
    assert_eq!(contract.claim(1).unwrap().paid, 30);
    assert!(contract.claim(3).unwrap().paid > 0);
    // One transfer of the sum, at the end; what the claims' events paid, with no stored
    // credit, so no `CreditTransfer`.
    assert!(events_of::<CreditTransfer>().is_empty());
    assert_eq!(balance(p.clinic), paid);
    assert_eq!(contract.escrow(p.insurer).funds, FUNDS - paid);
    assert_eq!((contract.credit(p.clinic), contract.credit_total()), (0, 0));
}

#[ink::test]
fn a_claim_batch_is_bounded_and_only_for_providers() {
    let (mut contract, p) = funded();
    as_caller(p.clinic);
    let before = event_count();
    assert_eq!(
        contract.submit_claims(vec![
            submission(p.patient, vec![visit(1)]);
            MAX_CLAIM_BATCH + 1
        ]),
        Err(Error::BatchTooLarge)
    );
    // 3 claims, but 3 x 50 lines > 64.
    assert_eq!(
        contract.submit_claims(vec![submission(p.patient, vec![visit(1); MAX_LINES]); 3]),
        Err(Error::BatchTooLarge)
    );
    assert_eq!(contract.submit_claims(vec![]), Ok(vec![]));
    as_caller(p.other);
    assert_eq!(
        contract.submit_claims(vec![submission(p.patient, vec![visit(1)])]),
        Err(Error::Access(AccessError::MissingRole(Role::Provider)))
    );
    assert_eq!(event_count(), before);
    assert_eq!(contract.claim_count(), 0);
    // The largest batch: 16 claims, 64 lines.
    as_caller(p.clinic);
    let mut full: Vec<ClaimSubmission> = (0..MAX_CLAIM_BATCH as u128)
        .map(|i| submission(p.patient, vec![visit(100 + i); 4]))
        .collect();
    full[0].lines.truncate(4);
    let answers = contract.submit_claims(full).unwrap();
    assert_eq!(answers.len(), MAX_CLAIM_BATCH);
    assert!(answers.iter().all(Result::is_ok));
    assert_eq!(contract.claim_count(), MAX_CLAIM_BATCH as u64);
}

#[ink::test]
fn the_admin_rewires_the_callees() {
    let (mut contract, p) = funded();
    as_caller(p.insurer);
    assert_eq!(
        contract.propose_callee(Callee::ConsentRegistry, p.other),
        Err(AccessError::NotAdmin)
    );
    as_caller(p.admin);
    contract
        .propose_callee(Callee::DrugProvenance, p.other)
        .unwrap();
    contract.apply_callee().unwrap();
    let (event, _) = last_event::<CalleeChanged>();
    assert_eq!(
        (event.callee, event.previous, event.new),
        (Callee::DrugProvenance as u8, provenance(), p.other)
    );
    assert_eq!(contract.callees(), (registry(), p.other));
    contract
        .propose_callee(Callee::ConsentRegistry, p.other)
        .unwrap();
    contract.apply_callee().unwrap();
    // The new registry holds no consent: claims are denied.
    submit(&mut contract, p.clinic, p.patient, vec![visit(150)]).unwrap();
    assert_eq!(
        events_of::<ClaimAdjudicated>().last().unwrap().claim_denial,
        Some(ReasonCode::NoPaymentConsent)
    );
    assert!(contract.has_role(p.clinic, Role::Provider));
    assert_eq!(contract.admin(), p.admin);
}

/// One step of the money property test.
#[derive(Debug, Clone)]
enum Step {
    Deposit(Balance),
    Withdraw(Balance),
    Claim {
        charge: Balance,
        drug: bool,
    },
    /// An 837 batch of the clinic's one-line claims: some paid at once, some waiting.
    Batch {
        charges: Vec<Balance>,
    },
    Appeal {
        overturn: Balance,
    },
    Settle,
    Void,
    Replace {
        charge: Balance,
    },
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        (1u128..400).prop_map(Step::Deposit),
        (0u128..300).prop_map(Step::Withdraw),
        (1u128..600, any::<bool>()).prop_map(|(charge, drug)| Step::Claim { charge, drug }),
        prop::collection::vec(1u128..300, 1..5).prop_map(|charges| Step::Batch { charges }),
        (0u128..300).prop_map(|overturn| Step::Appeal { overturn }),
        Just(Step::Settle),
        Just(Step::Void),
        (1u128..600).prop_map(|charge| Step::Replace { charge }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 40, ..ProptestConfig::default() })]

    /// Across random deposits, claims (paid now or later), appeals, settlements, voids,
    /// replacements and withdrawals: money is conserved (what came in = escrow + paid out + withdrawn),
    /// the contract's balance equals the escrow total, each insurer's `owed` equals what
    /// its claims wait for, providers received exactly what claims record as paid, and
    /// the member's out-of-pocket never passes the maximum.
    #[test]
    fn money_is_conserved(steps in prop::collection::vec(step(), 1..40)) {
        test::run_test::<Env, _>(|_| {
            let (mut contract, p) = setup();
            let (mut deposited, mut withdrawn) = (0u128, 0u128);
            let mut serial = 0u32;
            for step in steps {
                match step {
                    Step::Deposit(amount) => {
                        deposit(&mut contract, p.insurer, amount).unwrap();
                        deposited += amount;
                    }
                    Step::Withdraw(amount) => {
                        as_caller(p.insurer);
                        let free = contract.escrow(p.insurer).free();
                        let result = contract.withdraw(amount);
                        if amount <= free {
                            result.unwrap();
                            withdrawn += amount;
                        } else {
                            assert_eq!(result, Err(Error::InsufficientFreeEscrow));
                        }
                    }
                    Step::Claim { charge, drug: is_drug } => {
                        serial += 1;
                        let line = if is_drug {
                            let sn = format!("SN{serial}").into_bytes();
                            dispensed(&p, &sn, p.patient, p.pharmacy);
                            drug(&sn, charge)
                        } else {
                            ClaimLine { code: injection_code(), quantity: 1 + (serial % 3), charge, unit: None, modifier: None, authorization: None }
                        };
                        let provider = if is_drug { p.pharmacy } else { p.clinic };
                        as_caller(provider);
                        contract
                            .submit_claim(p.patient, 1, NOW - u64::from(serial), vec![line], hash(0xAA))
                            .unwrap();
                    }
                    Step::Batch { charges } => {
                        let claims: Vec<ClaimSubmission> = charges.iter().map(|&charge| {
                            serial += 1;
                            let line = ClaimLine { code: injection_code(), quantity: 1, charge, unit: None, modifier: None, authorization: None };
                            ClaimSubmission { service_date: NOW - u64::from(serial), ..submission(p.patient, vec![line]) }
                        }).collect();
                        as_caller(p.clinic);
                        let answers = contract.submit_claims(claims).unwrap();
                        assert!(answers.iter().all(Result::is_ok), "{answers:?}");
                    }
                    Step::Appeal { overturn } => {
                        let last = contract.claim_count();
                        if last == 0 {
                            continue;
                        }
                        as_caller(p.admin);
                        let record = contract.claim(last).unwrap();
                        as_caller(record.provider);
                        if contract.appeal(last, hash(0xE1)).is_ok() {
                            as_caller(p.insurer);
                            // A one-line claim: its line was denied.
                            let allowed = overturn.min(record.totals.submitted);
                            let overturns = if allowed == 0 {
                                vec![]
                            } else {
                                vec![Overturn { line: 0, allowed, cost_share: CostShare::Coinsurance }]
                            };
                            let denied_as = contract.claim_lines(last).unwrap()[0].reasons();
                            let result = contract.resolve_appeal(last, overturns, hash(0xD1));
                            // A duplicate's service was paid in another claim: not twice.
                            if result == Err(Error::InvalidOverturnAmount) {
                                assert_eq!(denied_as, vec![ReasonCode::Duplicate]);
                            } else {
                                result.unwrap();
                            }
                        }
                    }
                    Step::Settle => {
                        as_caller(p.other);
                        contract.settle(p.insurer, 8).unwrap();
                    }
                    Step::Void | Step::Replace { .. } => {
                        let last = contract.claim_count();
                        if last == 0 {
                            continue;
                        }
                        let record = contract.claim(last).unwrap();
                        if record.voided_at.is_some() || record.status() == ClaimStatus::UnderAppeal {
                            continue;
                        }
                        let provider = record.provider;
                        match step {
                            Step::Replace { charge } if provider == p.clinic => {
                                serial += 1;
                                let line = ClaimLine { code: injection_code(), quantity: 1, charge, unit: None, modifier: None, authorization: None };
                                replace(&mut contract, provider, last, NOW - u64::from(serial), vec![line]).unwrap();
                            }
                            _ => void(&mut contract, provider, last, None).unwrap(),
                        }
                    }
                }
                let escrow = contract.escrow(p.insurer);
                // Paid out to the providers, less what they sent back with voids.
                let received = balance(p.clinic) + balance(p.pharmacy);
                assert_eq!(deposited, escrow.funds + received + withdrawn);
                assert_eq!(
                    balance(contract_account()),
                    contract.escrow_total() + contract.credit_total()
                );
                assert_eq!(contract.escrow_total(), escrow.funds);
                as_caller(p.admin);
                let (mut paid, mut awaiting) = (0, 0);
                for id in 1..=contract.claim_count() {
                    let record = contract.claim(id).unwrap();
                    assert_eq!(
                        record.paid + record.awaiting_payment + record.cancelled,
                        record.totals.payable
                    );
                    // A voided claim's payment went back to the escrow.
                    if record.voided_at.is_none() {
                        paid += record.paid;
                    }
                    awaiting += record.awaiting_payment;
                }
                assert_eq!(paid, received);
                assert_eq!(awaiting, escrow.owed);
                let acc = contract.membership(1, p.patient).unwrap().accumulators;
                assert!(acc.out_of_pocket <= cost_sharing().out_of_pocket_max);
                assert!(acc.deductible_met <= cost_sharing().deductible);
            }
            Ok(())
        })
        .unwrap();
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 40, ..ProptestConfig::default() })]

    /// Issue 17: after some earlier claims, a claim replaced and the replacement voided
    /// leaves the escrow and the member's accumulators exactly as before the original
    /// claim, whatever the amounts and whether the escrow could pay.
    #[test]
    fn a_replace_then_void_restores_escrow_and_accumulators(
        funds in 0u128..400,
        earlier in prop::collection::vec(1u128..300, 0..4),
        original in 1u128..600,
        replacement in 1u128..600,
        drug_original in any::<bool>(),
    ) {
        test::run_test::<Env, _>(|_| {
            let (mut contract, p) = setup();
            if funds > 0 {
                deposit(&mut contract, p.insurer, funds).unwrap();
            }
            for (i, charge) in earlier.iter().enumerate() {
                let line = ClaimLine { code: injection_code(), quantity: 1, charge: *charge, unit: None, modifier: None, authorization: None };
                as_caller(p.clinic);
                contract.submit_claim(p.patient, 1, NOW - 10 * DAY - i as u64, vec![line], hash(0xAA)).unwrap();
            }
            let escrow = contract.escrow(p.insurer);
            let accumulators = contract.membership(1, p.patient).unwrap().accumulators;
            let (provider, line) = if drug_original {
                dispensed(&p, b"SN-P", p.patient, p.pharmacy);
                (p.pharmacy, drug(b"SN-P", original))
            } else {
                (p.clinic, visit(original))
            };
            as_caller(provider);
            let claim = contract.submit_claim(p.patient, 1, SERVICE_DATE, vec![line.clone()], hash(0xAA)).unwrap();
            let new = replace(&mut contract, provider, claim, SERVICE_DATE, vec![ClaimLine { charge: replacement, ..line }]).unwrap();
            void(&mut contract, provider, new, None).unwrap();
            assert_eq!(contract.escrow(p.insurer), escrow);
            assert_eq!(contract.escrow_total(), escrow.funds);
            assert_eq!(contract.membership(1, p.patient).unwrap().accumulators, accumulators);
            Ok(())
        })
        .unwrap();
    }
}

healthchain_common::access_controlled_tests!(
    ClaimSettlement::new(
        AccountId::from([0xC0; 32]),
        AccountId::from([0xD0; 32]),
        Hash::from([0xC4; 32]),
        0,
        Hash::from([0xA1; 32]),
        Hash::from([0xA2; 32])
    ),
    roles: [Role::Insurer, Role::Provider],
    unused: Role::Sponsor
);

/// Review item 17: with a delay fixed at construction, a rewiring is proposed with an
/// event, cannot be applied before the delay, and can be cancelled.
#[ink::test]
fn a_rewiring_waits_for_the_change_delay() {
    let a = test::default_accounts::<Env>();
    test::set_block_timestamp::<Env>(NOW);
    as_caller(a.alice);
    let mut contract = ClaimSettlement::new(
        registry(),
        provenance(),
        Hash::from(CHAIN),
        2 * DAY,
        Hash::from([0xA1; 32]),
        Hash::from([0xA2; 32]),
    );
    assert_eq!(contract.change_delay(), 2 * DAY);
    assert_eq!(
        contract.propose_callee(Callee::ConsentRegistry, a.frank),
        Ok(NOW + 2 * DAY)
    );
    assert_eq!(contract.apply_callee(), Err(AccessError::ChangeNotDue));
    assert_eq!(contract.callees(), (registry(), provenance()));
    test::set_block_timestamp::<Env>(NOW + 2 * DAY);
    contract.apply_callee().unwrap();
    assert_eq!(contract.callees(), (a.frank, provenance()));
    // A cancelled proposal never applies.
    contract
        .propose_callee(Callee::DrugProvenance, a.frank)
        .unwrap();
    contract.cancel_change().unwrap();
    test::set_block_timestamp::<Env>(NOW + 9 * DAY);
    assert_eq!(contract.apply_callee(), Err(AccessError::NoPendingChange));
    assert_eq!(contract.callees(), (a.frank, provenance()));
}

/// Issue 19: a batch asks about every claim's payment consent at once, and denies as one
/// claim would: without consent (CO-16), or unverified when the registry cannot answer.
#[ink::test]
fn a_claim_batch_checks_each_claims_payment_consent() {
    let (mut contract, p) = funded();
    test_doubles::revoke_consent(registry(), p.patient, p.pharmacy, Purpose::Payment);
    // The clinic's consent stands, the pharmacy's is revoked.
    as_caller(p.pharmacy);
    let answers = contract
        .submit_claims(vec![submission(p.patient, vec![visit(150)])])
        .unwrap();
    let denied = answers[0].unwrap();
    assert_eq!(contract.claim(denied).unwrap().outcome, Outcome::Denied);
    assert_eq!(
        events_of::<ClaimAdjudicated>().last().unwrap().claim_denial,
        Some(ReasonCode::NoPaymentConsent)
    );
    as_caller(p.clinic);
    let paid = contract
        .submit_claims(vec![submission(p.patient, vec![visit(150)])])
        .unwrap()[0]
        .unwrap();
    assert_eq!(contract.claim(paid).unwrap().outcome, Outcome::Approved);
    // An unreachable registry: every claim of the batch unverified, none paid.
    test_doubles::fail_calls_to(registry());
    let funds = contract.escrow(p.insurer).funds;
    let answers = contract
        .submit_claims(vec![
            submission(
                p.patient,
                vec![ClaimLine {
                    code: injection_code(),
                    ..visit(80)
                }],
            ),
            submission(p.patient, vec![visit(10)]),
        ])
        .unwrap();
    for answer in answers {
        let claim = answer.unwrap();
        assert_eq!(contract.claim(claim).unwrap().outcome, Outcome::Denied);
    }
    let denials: Vec<_> = events_of::<ClaimAdjudicated>()
        .iter()
        .rev()
        .take(2)
        .map(|e| e.claim_denial)
        .collect();
    assert_eq!(denials, vec![Some(ReasonCode::ConsentUnverifiable); 2]);
    assert_eq!(contract.escrow(p.insurer).funds, funds);
}

/// The longest inputs the contract takes within its bounds fit the buffer a contract reads
/// a call's input into: a full `submit_claims` (16 claims, 64 lines in all) and a
/// `submit_claim` of 50 lines, every line with the longest drug unit, a modifier and an
/// authorization.
#[test]
fn the_longest_inputs_fit_the_input_buffer() {
    use healthchain_common::{unit_test::assert_input_fits, MAX_LOT_LEN, MAX_SERIAL_LEN};
    let line = ClaimLine {
        code: visit_code(),
        quantity: u32::MAX,
        charge: Balance::MAX,
        unit: Some(DrugUnit {
            lot: vec![b'L'; MAX_LOT_LEN],
            serial: vec![b'S'; MAX_SERIAL_LEN],
            recipient_salt: SALT,
            days_supply: MAX_DAYS_SUPPLY,
        }),
        modifier: Some(RepeatModifier::OtherProvider),
        authorization: Some(AuthorizationId::MAX),
    };
    let claim = ClaimSubmission {
        patient: AccountId::from([0x11; 32]),
        plan: PlanId::MAX,
        service_date: SERVICE_DATE,
        lines: vec![line; MAX_BATCH_LINES / MAX_CLAIM_BATCH],
        document_hash: Hash::from([0x22; 32]),
    };
    assert_input_fits(
        "submit_claim",
        &(
            claim.patient,
            claim.plan,
            claim.service_date,
            vec![claim.lines[0].clone(); MAX_LINES],
            claim.document_hash,
        ),
    );
    let batch = vec![claim; MAX_CLAIM_BATCH];
    assert_eq!(
        batch.iter().map(|claim| claim.lines.len()).sum::<usize>(),
        MAX_BATCH_LINES
    );
    assert_input_fits("submit_claims", &batch);
}
