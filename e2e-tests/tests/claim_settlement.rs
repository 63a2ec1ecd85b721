//! claim_settlement on a real (in-process) chain with the real consent registry and
//! drug_provenance beside it: a covered visit paid, a pharmacy claim for a dispensed serial
//! paid, a counterfeit serial and a recalled lot denied, revoked consent denied, an
//! underfunded escrow paid later, and an appeal overturned and paid. Amounts moved are
//! checked on the providers' and the insurer's balances. Refusals are checked by dry run.
#![cfg(feature = "e2e-tests")]

mod support;

use claim_settlement::{
    claim_settlement::Callee,
    data::{
        AppealStatus, Balance, ClaimId, ClaimLine, CostShare, CostSharing, DrugUnit, Error,
        FeeScheduleEntry, Outcome, ReasonCode, ServiceCode,
    },
};
use drug_provenance::data::RecallClass;
use healthchain_common::{
    access::{AccessControlled, Role},
    consent::Purpose,
};
use ink_e2e::{ChainBackend, ContractsBackend, E2EBackend, Keypair};
use std::fmt::Debug;
use support::{
    accounts, balance, deploy_claim_settlement, deploy_consent_registry, deploy_drug_provenance,
    dispense, grant_consent, hash, id, serial, stock_pharmacy, submit_or_refusal, Accounts,
    BackendError, Claims, E2EResult, FAR_FUTURE, GTIN,
};

/// One currency unit, large enough that every payment is above the existential deposit.
const UNIT: Balance = 10_000_000_000;
const VISIT: ServiceCode = ServiceCode::Procedure(*b"99213");
const LOT: &[u8] = b"LOT-PAID";
const RECALLED_LOT: &[u8] = b"LOT-RECALL";
const SERIALS: usize = 16;

fn visit(charge: Balance) -> ClaimLine {
    ClaimLine {
        code: VISIT,
        quantity: 1,
        charge,
        unit: None,
    }
}

fn drug(lot: &[u8], index: usize, charge: Balance) -> ClaimLine {
    ClaimLine {
        code: ServiceCode::Drug(GTIN),
        quantity: 1,
        charge,
        unit: Some(DrugUnit {
            lot: lot.to_vec(),
            serial: serial(index),
        }),
    }
}

/// Submits a claim as `provider` for ferdie under plan 1, dated at the chain's clock, and
/// returns its id and what the provider's balance gained (the payment, less the storage
/// deposit the provider paid for the claim record).
async fn submit_claim<Client>(
    client: &mut support::Scenario<Client>,
    claims: &mut Claims,
    provider: &Keypair,
    service_date: u64,
    lines: Vec<ClaimLine>,
) -> (ClaimId, Balance)
where
    Client: E2EBackend + ChainBackend<Balance = u128>,
    <Client as ChainBackend>::AccountId: From<[u8; 32]>,
    <Client as ChainBackend>::Error: Debug,
    BackendError<Client>: Debug,
{
    let before = balance(client, id(provider)).await;
    let message = claims.submit_claim(id(&ink_e2e::ferdie()), 1, service_date, lines, hash(0xAA));
    let result = client
        .call(provider, &message)
        .submit()
        .await
        .expect("the claim is accepted");
    let deposit = result.dry_run.exec_result.storage_deposit.charge_or_zero();
    let claim = result.return_value().expect("the claim is adjudicated");
    let after = balance(client, id(provider)).await;
    (claim, after + deposit - before)
}

async fn read_claim<Client: E2EBackend>(
    client: &mut support::Scenario<Client>,
    claims: &Claims,
    claim: ClaimId,
) -> (
    claim_settlement::data::Claim,
    Vec<claim_settlement::data::AdjudicatedLine>,
)
where
    BackendError<Client>: Debug,
{
    let header = client
        .call(&ink_e2e::eve(), &claims.claim(claim))
        .dry_run()
        .await
        .expect("read")
        .return_value()
        .expect("the insurer reads the claim");
    let lines = client
        .call(&ink_e2e::eve(), &claims.claim_lines(claim))
        .dry_run()
        .await
        .expect("read")
        .return_value()
        .expect("the insurer reads the lines");
    (header, lines)
}

#[ink_e2e::test(backend(runtime_only))]
async fn claims_adjudicated_and_paid_against_consent_and_provenance<Client: E2EBackend>(
    mut client: Client,
) -> E2EResult<()> {
    let mut client = support::Scenario::new(client);
    // alice admin of all three; bob manufacturer; charlie clinic; dave pharmacy; eve
    // insurer; ferdie the patient.
    let Accounts {
        bob,
        charlie,
        dave,
        eve,
        ferdie,
        ..
    } = accounts();
    let (registry_id, mut registry) = deploy_consent_registry(&mut client, &ink_e2e::alice()).await;
    let (ledger_id, mut ledger) =
        deploy_drug_provenance(&mut client, &ink_e2e::alice(), bob, dave).await;
    let mut claims =
        deploy_claim_settlement(&mut client, &ink_e2e::alice(), registry_id, ledger_id).await;
    for (role, who) in [
        (Role::Insurer, eve),
        (Role::Provider, charlie),
        (Role::Provider, dave),
    ] {
        submit_or_refusal(
            &mut client,
            &ink_e2e::alice(),
            &claims.grant_role(role, who),
        )
        .await
        .expect("the admin registers insurer and providers");
    }

    // The insurer's plan: deductible 100, copay 20, coinsurance 20%, out-of-pocket 1,000.
    let cost_sharing = CostSharing {
        deductible: 100 * UNIT,
        copay: 20 * UNIT,
        coinsurance_bps: 2_000,
        out_of_pocket_max: 1_000 * UNIT,
    };
    let plan = submit_or_refusal(
        &mut client,
        &ink_e2e::eve(),
        &claims.create_plan(cost_sharing, 0, FAR_FUTURE),
    )
    .await
    .expect("eve creates a plan");
    assert_eq!(plan, 1);
    let fee = |allowed: Balance, cost_share| {
        Some(FeeScheduleEntry {
            allowed_per_unit: allowed * UNIT,
            cost_share,
        })
    };
    submit_or_refusal(
        &mut client,
        &ink_e2e::eve(),
        &claims.update_fee_schedule(
            plan,
            vec![
                (VISIT, fee(150, CostShare::Copay)),
                (ServiceCode::Drug(GTIN), fee(60, CostShare::Copay)),
            ],
        ),
    )
    .await
    .expect("eve sets the fee schedule");
    submit_or_refusal(
        &mut client,
        &ink_e2e::eve(),
        &claims.enrol_member(plan, ferdie, 0, FAR_FUTURE),
    )
    .await
    .expect("eve enrols ferdie");
    client
        .call(&ink_e2e::eve(), &claims.deposit())
        .value(1_000 * UNIT)
        .submit()
        .await?
        .return_value()
        .expect("eve funds her escrow");

    // Stock: two lots at dave's pharmacy; two serials dispensed to ferdie from the first,
    // one from the second, which is then recalled.
    stock_pharmacy(
        &mut client,
        &mut ledger,
        &ink_e2e::bob(),
        &ink_e2e::dave(),
        LOT,
        SERIALS,
        10,
    )
    .await;
    stock_pharmacy(
        &mut client,
        &mut ledger,
        &ink_e2e::bob(),
        &ink_e2e::dave(),
        RECALLED_LOT,
        SERIALS,
        10,
    )
    .await;
    for (lot, index) in [(LOT, 3), (LOT, 4), (RECALLED_LOT, 7)] {
        dispense(
            &mut client,
            &mut ledger,
            &ink_e2e::dave(),
            lot,
            SERIALS,
            index,
            ferdie,
        )
        .await
        .expect("dave dispenses to ferdie");
    }
    submit_or_refusal(
        &mut client,
        &ink_e2e::bob(),
        &ledger.recall_lot(GTIN, RECALLED_LOT.to_vec(), RecallClass::II, hash(0xBE)),
    )
    .await
    .expect("bob recalls the second lot");

    // Payment consent to both providers.
    for provider in [charlie, dave] {
        grant_consent(
            &mut client,
            &mut registry,
            &ink_e2e::ferdie(),
            provider,
            Purpose::Payment,
            None,
        )
        .await
        .expect("ferdie consents to payment");
    }
    // The sandbox clock stands still; claims are dated at it (any past date would do).
    let now = support::granted_at(&mut client, &registry, ferdie, charlie, Purpose::Payment).await;

    // A covered visit: allowed 150, deductible 100, copay 20, paid 30 in the same call.
    let (visit_claim, gained) = submit_claim(
        &mut client,
        &mut claims,
        &ink_e2e::charlie(),
        now,
        vec![visit(150 * UNIT)],
    )
    .await;
    let (header, lines) = read_claim(&mut client, &claims, visit_claim).await;
    assert_eq!(header.outcome, Outcome::Approved);
    assert_eq!((header.totals.payable, header.paid), (30 * UNIT, 30 * UNIT));
    assert_eq!(
        lines[0].reasons,
        vec![ReasonCode::Deductible, ReasonCode::Copay]
    );
    assert_eq!(gained, 30 * UNIT, "charlie received the payable amount");

    // A pharmacy claim for a dispensed serial: the deductible is met; copay 20, paid 40.
    let (rx_claim, gained) = submit_claim(
        &mut client,
        &mut claims,
        &ink_e2e::dave(),
        now,
        vec![drug(LOT, 3, 60 * UNIT)],
    )
    .await;
    let (header, _) = read_claim(&mut client, &claims, rx_claim).await;
    assert_eq!(
        (header.outcome, header.paid),
        (Outcome::Approved, 40 * UNIT)
    );
    assert_eq!(gained, 40 * UNIT, "dave received the payable amount");
    let membership = client
        .call(&ink_e2e::ferdie(), &claims.membership(plan, ferdie))
        .dry_run()
        .await?
        .return_value()
        .expect("ferdie is a member");
    assert_eq!(membership.accumulators.deductible_met, 100 * UNIT);
    assert_eq!(
        membership.accumulators.out_of_pocket,
        140 * UNIT,
        "medical and pharmacy agree"
    );

    // A counterfeit serial (never dispensed) and a recalled lot are denied; nothing paid.
    let (fake_claim, gained) = submit_claim(
        &mut client,
        &mut claims,
        &ink_e2e::dave(),
        now,
        vec![drug(LOT, 9, 60 * UNIT)],
    )
    .await;
    let (header, lines) = read_claim(&mut client, &claims, fake_claim).await;
    assert_eq!(
        (header.outcome, lines[0].reasons.clone()),
        (Outcome::Denied, vec![ReasonCode::DrugNotDispensed])
    );
    assert_eq!(gained, 0);
    let (recalled_claim, _) = submit_claim(
        &mut client,
        &mut claims,
        &ink_e2e::dave(),
        now,
        vec![drug(RECALLED_LOT, 7, 60 * UNIT)],
    )
    .await;
    let (header, lines) = read_claim(&mut client, &claims, recalled_claim).await;
    assert_eq!(
        (header.outcome, lines[0].reasons.clone()),
        (Outcome::Denied, vec![ReasonCode::LotRecalled])
    );

    // Revoked payment consent: charlie's next claim is denied whole.
    submit_or_refusal(
        &mut client,
        &ink_e2e::ferdie(),
        &registry.revoke_consent(ferdie, charlie, Purpose::Payment),
    )
    .await
    .expect("ferdie revokes");
    let (denied, gained) = submit_claim(
        &mut client,
        &mut claims,
        &ink_e2e::charlie(),
        now,
        vec![visit(151 * UNIT)],
    )
    .await;
    let (header, lines) = read_claim(&mut client, &claims, denied).await;
    assert_eq!(
        (header.outcome, lines[0].reasons.clone()),
        (Outcome::Denied, vec![ReasonCode::NoPaymentConsent])
    );
    assert_eq!(gained, 0);

    // An underfunded escrow: eve withdraws all she may; dave's next claim waits, and is
    // paid from her next deposit.
    let free = client
        .call(&ink_e2e::eve(), &claims.escrow(eve))
        .dry_run()
        .await?
        .return_value()
        .free();
    assert_eq!(free, (1_000 - 30 - 40) * UNIT);
    assert_eq!(
        submit_or_refusal(&mut client, &ink_e2e::eve(), &claims.withdraw(free + 1)).await,
        Err(Error::InsufficientFreeEscrow)
    );
    let eve_before = balance(&mut client, eve).await;
    submit_or_refusal(&mut client, &ink_e2e::eve(), &claims.withdraw(free))
        .await
        .expect("eve withdraws her free escrow");
    assert_eq!(balance(&mut client, eve).await - eve_before, free);
    let (waiting, gained) = submit_claim(
        &mut client,
        &mut claims,
        &ink_e2e::dave(),
        now,
        vec![drug(LOT, 4, 60 * UNIT)],
    )
    .await;
    let (header, _) = read_claim(&mut client, &claims, waiting).await;
    assert_eq!((header.paid, header.awaiting_payment), (0, 40 * UNIT));
    assert_eq!(gained, 0);
    let dave_before = balance(&mut client, dave).await;
    client
        .call(&ink_e2e::eve(), &claims.deposit())
        .value(100 * UNIT)
        .submit()
        .await?
        .return_value()
        .expect("eve deposits again");
    assert_eq!(
        balance(&mut client, dave).await - dave_before,
        40 * UNIT,
        "paid first from the deposit"
    );
    let (header, _) = read_claim(&mut client, &claims, waiting).await;
    assert_eq!((header.paid, header.awaiting_payment), (40 * UNIT, 0));

    // An appeal of the counterfeit denial, overturned (say the serial was mis-keyed).
    assert_eq!(
        submit_or_refusal(
            &mut client,
            &ink_e2e::dave(),
            &claims.appeal(rx_claim, hash(0xE1))
        )
        .await,
        Err(Error::NotAppealable)
    );
    submit_or_refusal(
        &mut client,
        &ink_e2e::dave(),
        &claims.appeal(fake_claim, hash(0xE1)),
    )
    .await
    .expect("dave appeals");
    let dave_before = balance(&mut client, dave).await;
    submit_or_refusal(
        &mut client,
        &ink_e2e::eve(),
        &claims.resolve_appeal(fake_claim, 45 * UNIT, hash(0xD1)),
    )
    .await
    .expect("eve overturns");
    assert_eq!(balance(&mut client, dave).await - dave_before, 45 * UNIT);
    let (header, _) = read_claim(&mut client, &claims, fake_claim).await;
    assert_eq!(
        header.appeal.map(|a| a.status),
        Some(AppealStatus::Overturned { amount: 45 * UNIT })
    );
    assert_eq!(header.paid, 45 * UNIT);

    // The escrow still covers exactly what the books say.
    let escrow = client
        .call(&ink_e2e::eve(), &claims.escrow(eve))
        .dry_run()
        .await?
        .return_value();
    assert_eq!(escrow.funds, (100 - 40 - 45) * UNIT);
    assert_eq!(escrow.owed, 0);
    let nosy = client
        .call(&ink_e2e::bob(), &claims.claim(visit_claim))
        .dry_run()
        .await?
        .return_value();
    assert_eq!(nosy, Err(Error::NotInvolved));

    // Callees that fail (here: accounts with no contract) deny, they never trap the claim.
    submit_or_refusal(
        &mut client,
        &ink_e2e::alice(),
        &claims.set_callee(Callee::DrugProvenance, bob),
    )
    .await
    .expect("the admin rewires drug_provenance");
    let (broken, _) = submit_claim(
        &mut client,
        &mut claims,
        &ink_e2e::dave(),
        now,
        vec![drug(LOT, 5, 60 * UNIT)],
    )
    .await;
    let (_, lines) = read_claim(&mut client, &claims, broken).await;
    assert_eq!(lines[0].reasons, vec![ReasonCode::ProvenanceUnverifiable]);
    submit_or_refusal(
        &mut client,
        &ink_e2e::alice(),
        &claims.set_callee(Callee::ConsentRegistry, bob),
    )
    .await
    .expect("the admin rewires the consent registry");
    let (broken, _) = submit_claim(
        &mut client,
        &mut claims,
        &ink_e2e::dave(),
        now,
        vec![visit(152 * UNIT)],
    )
    .await;
    let (_, lines) = read_claim(&mut client, &claims, broken).await;
    assert_eq!(lines[0].reasons, vec![ReasonCode::ConsentUnverifiable]);
    Ok(())
}
