//! Claims as an X12 835 remittance carries them, on the in-process sandbox and on
//! substrate-contracts-node (`make test-node`), issue 17:
//! - a charge above the fee schedule is approved with a contractual adjustment (CO-45),
//!   not denied, and a provider cannot appeal the difference;
//! - a void (claim frequency code 8) gives the insurer's escrow back what it paid;
//! - a replacement (frequency code 7) voids the old claim and pays the new one, and the
//!   status answers which replaced which;
//! - a claim filed after the plan's limit is denied CO-29, and the member's own appeal
//!   of it is overturned through cost sharing and paid;
//! - a line for a code that needs prior authorization is denied CO-197 without one, and
//!   paid with the one the insurer approved.
#![cfg(feature = "e2e-tests")]

mod support;

use claim_settlement::data::{
    AppealStatus, ClaimId, ClaimLine, ClaimStatus, CostShare, Error, FeeScheduleEntry, GroupCode,
    Outcome, Overturn, PaymentConsent,
};
use healthchain_common::{
    access::{AccessControlled, Role},
    consent::Purpose,
};
use ink::env::DefaultEnvironment;
use ink_e2e::{ContractsBackend, E2EBackend};
use std::fmt::Debug;
use support::{
    accounts, deploy_claim_settlement, deploy_consent_registry, deploy_drug_provenance,
    eve_deposits, grant_consent, hash, procedure, submit_or_refusal, Accounts, BackendError,
    Claims, E2EResult, FAR_FUTURE,
};

const UNIT: u128 = 10_000_000_000;
const DAY: u64 = 24 * 60 * 60 * 1000;

#[ink_e2e::test(backend(runtime_only(sandbox = support::recording::RecordingSandbox)))]
async fn remittance_on_the_sandbox<Client: E2EBackend>(mut client: Client) -> E2EResult<()> {
    let mut client = support::Scenario::new(client);
    remittance(&mut client).await;
    Ok(())
}

/// The same on substrate-contracts-node (`make test-node`).
#[cfg(feature = "node-e2e")]
#[ink_e2e::test]
async fn remittance_on_the_node<Client: E2EBackend>(mut client: Client) -> E2EResult<()> {
    let mut client = support::Scenario::new(client);
    remittance(&mut client).await;
    Ok(())
}

fn visit(charge: u128) -> ClaimLine {
    ClaimLine {
        code: procedure(b"99213"),
        quantity: 1,
        charge,
        unit: None,
        modifier: None,
        authorization: None,
    }
}

async fn remittance<Client: E2EBackend>(client: &mut support::Scenario<Client>)
where
    BackendError<Client>: Debug,
    <Client as ContractsBackend<DefaultEnvironment>>::EventLog: support::EmittedEvents,
{
    let Accounts {
        bob,
        dave,
        eve,
        ferdie,
        ..
    } = accounts();
    let alice = ink_e2e::alice();
    let (registry_id, mut registry) = deploy_consent_registry(client, &alice).await;
    let (ledger_id, _) = deploy_drug_provenance(client, &alice, bob, dave).await;
    let mut claims = deploy_claim_settlement(client, &alice, registry_id, ledger_id).await;
    for (role, account) in [(Role::Insurer, eve), (Role::Provider, dave)] {
        submit_or_refusal(client, &alice, &claims.grant_role(role, account))
            .await
            .expect("the admin registers the insurer and the provider");
    }
    // Claims must arrive within 7 days of the service.
    let visit_fee = vec![(procedure(b"99213"), 150 * UNIT)];
    let plan = support::eve_plan(
        client,
        &mut claims,
        PaymentConsent::Required,
        Some(7),
        visit_fee,
    )
    .await;
    eve_deposits(client, &mut claims, 1_000 * UNIT).await;
    grant_consent(
        client,
        &mut registry,
        &ink_e2e::ferdie(),
        dave,
        Purpose::Payment,
        None,
    )
    .await
    .expect("ferdie consents to payment");
    let today = support::granted_at(client, &registry, ferdie, dave, Purpose::Payment).await;
    let escrow_before = read(client, &claims.escrow(eve)).await;

    // 200 charged against a fee of 150: approved, adjusted CO-45 50, paid 150.
    let submit = |claims: &mut Claims, date, charge| {
        claims.submit_claim(ferdie, plan, date, vec![visit(charge)], hash(0xA1))
    };
    let first = submit_or_refusal(
        client,
        &ink_e2e::dave(),
        &submit(&mut claims, today, 200 * UNIT),
    )
    .await
    .expect("dave's claim is adjudicated");
    let header = read(client, &claims.claim(first)).await.expect("claim");
    assert_eq!(
        (header.outcome, header.paid),
        (Outcome::Approved, 150 * UNIT)
    );
    let lines = read(client, &claims.claim_lines(first))
        .await
        .expect("lines");
    let cas: Vec<(GroupCode, u16, u128)> = lines[0]
        .adjustments
        .iter()
        .map(|a| (a.group, a.carc, a.amount))
        .collect();
    assert_eq!(cas, vec![(GroupCode::CO, 45, 50 * UNIT)]);
    assert_eq!(
        submit_or_refusal(client, &ink_e2e::dave(), &claims.appeal(first, hash(0xE1))).await,
        Err(Error::NotAppealable),
        "a contractual adjustment is not a denial"
    );

    // The void gives eve's escrow back the 150.
    void(client, &mut claims, first).await;
    assert_eq!(
        read(client, &claims.claim_status(first)).await,
        Ok(ClaimStatus::Voided { replaced_by: None })
    );
    assert_eq!(read(client, &claims.escrow(eve)).await, escrow_before);

    // A claim for 150, replaced by one for 120: the insurer pays 120 in all.
    let second = submit_or_refusal(
        client,
        &ink_e2e::dave(),
        &submit(&mut claims, today, 150 * UNIT),
    )
    .await
    .expect("dave's second claim is adjudicated");
    let refund = read(client, &claims.void_refund(second))
        .await
        .expect("refund");
    assert_eq!(
        refund,
        150 * UNIT,
        "dave received the 150 in the submitting call"
    );
    let replacement = client
        .call(
            &ink_e2e::dave(),
            &claims.replace_claim(second, today, vec![visit(120 * UNIT)], hash(0xA2)),
        )
        .value(refund)
        .submit()
        .await
        .expect("dave replaces the claim")
        .return_value()
        .expect("the replacement is adjudicated");
    assert_eq!(
        read(client, &claims.claim_status(second)).await,
        Ok(ClaimStatus::Voided {
            replaced_by: Some(replacement)
        })
    );
    let header = read(client, &claims.claim(replacement))
        .await
        .expect("claim");
    assert_eq!((header.replaces, header.paid), (Some(second), 120 * UNIT));
    assert_eq!(
        read(client, &claims.escrow(eve)).await.funds,
        escrow_before.funds - 120 * UNIT
    );

    // Filed 8 days after the service: denied CO-29, the whole charge. (The chain's clock
    // is past 17 days after the epoch on either backend, so the date is valid.)
    let late = submit_or_refusal(
        client,
        &ink_e2e::dave(),
        &submit(&mut claims, today - 8 * DAY, 150 * UNIT),
    )
    .await
    .expect("the late claim is adjudicated");
    let lines = read(client, &claims.claim_lines(late))
        .await
        .expect("lines");
    let adjustment = lines[0].adjustments[0];
    assert_eq!(
        (
            lines[0].outcome,
            adjustment.group,
            adjustment.carc,
            adjustment.amount
        ),
        (Outcome::Denied, GroupCode::CO, 29, 150 * UNIT)
    );

    // ferdie, the member, appeals it himself; eve overturns the line at 150, through
    // cost sharing (none in this plan): the plan pays 150, and the claim is paid.
    submit_or_refusal(client, &ink_e2e::ferdie(), &claims.appeal(late, hash(0xE2)))
        .await
        .expect("the member appeals");
    assert_eq!(
        read(client, &claims.claim_status(late)).await,
        Ok(ClaimStatus::UnderAppeal)
    );
    let header = read(client, &claims.claim(late)).await.expect("claim");
    let appeal = header.appeal.expect("appealed");
    assert_eq!(
        (appeal.by, appeal.decide_by - appeal.filed_at),
        (ferdie, 60 * DAY)
    );
    let overturn = Overturn {
        line: 0,
        allowed: 150 * UNIT,
        cost_share: CostShare::Copay,
    };
    submit_or_refusal(
        client,
        &ink_e2e::eve(),
        &claims.resolve_appeal(late, vec![overturn], hash(0xD2)),
    )
    .await
    .expect("eve overturns the denial");
    let header = read(client, &claims.claim(late)).await.expect("claim");
    assert_eq!(
        (header.outcome, header.paid),
        (Outcome::Approved, 150 * UNIT)
    );
    assert_eq!(
        header.appeal.map(|a| a.status),
        Some(AppealStatus::Overturned { amount: 150 * UNIT })
    );
    assert_eq!(
        read(client, &claims.claim_status(late)).await,
        Ok(ClaimStatus::Paid)
    );

    // Prior authorization: an MRI needs one. Without it the line is denied CO-197; with
    // the one eve approved it is paid.
    let mri = procedure(b"70553");
    let entry = FeeScheduleEntry {
        allowed_per_unit: 500 * UNIT,
        cost_share: CostShare::Coinsurance,
        requires_authorization: true,
        package_units: 0,
        max_days_supply: 0,
    };
    submit_or_refusal(
        client,
        &ink_e2e::eve(),
        &claims.update_fee_schedule(plan, vec![(mri, Some(entry))]),
    )
    .await
    .expect("eve marks the MRI as needing authorization");
    let mri_line = |authorization| ClaimLine {
        code: mri,
        quantity: 1,
        charge: 500 * UNIT,
        unit: None,
        modifier: None,
        authorization,
    };
    let unauthorised = claims.submit_claim(ferdie, plan, today, vec![mri_line(None)], hash(0xA3));
    let unauthorised = submit_or_refusal(client, &ink_e2e::dave(), &unauthorised)
        .await
        .expect("adjudicated");
    let lines = read(client, &claims.claim_lines(unauthorised))
        .await
        .expect("lines");
    assert_eq!(
        (lines[0].outcome, lines[0].adjustments[0].carc),
        (Outcome::Denied, 197)
    );
    let request = claims.request_authorization(ferdie, plan, mri, hash(0x78));
    let authorization = submit_or_refusal(client, &ink_e2e::dave(), &request)
        .await
        .expect("dave asks for authorization");
    submit_or_refusal(
        client,
        &ink_e2e::eve(),
        &claims.decide_authorization(authorization, Some((0, FAR_FUTURE)), hash(0x79)),
    )
    .await
    .expect("eve approves it");
    let authorised = claims.submit_claim(
        ferdie,
        plan,
        today,
        vec![mri_line(Some(authorization))],
        hash(0xA4),
    );
    let authorised = submit_or_refusal(client, &ink_e2e::dave(), &authorised)
        .await
        .expect("adjudicated");
    let header = read(client, &claims.claim(authorised))
        .await
        .expect("claim");
    assert_eq!(
        (header.outcome, header.paid),
        (Outcome::Approved, 500 * UNIT)
    );
}

/// Dry-runs a read.
async fn read<Client: E2EBackend, Args, R>(
    client: &mut support::Scenario<Client>,
    message: &ink_e2e::CallBuilderFinal<DefaultEnvironment, Args, R>,
) -> R
where
    Args: ink::scale::Encode + Clone + Send + Sync,
    R: ink::scale::Decode + Send,
    BackendError<Client>: Debug,
{
    client
        .call(&ink_e2e::alice(), message)
        .dry_run()
        .await
        .expect("the chain answers")
        .return_value()
}

/// dave voids `claim`, sending the refund `void_refund` names.
async fn void<Client: E2EBackend>(
    client: &mut support::Scenario<Client>,
    claims: &mut Claims,
    claim: ClaimId,
) where
    BackendError<Client>: Debug,
{
    let refund = read(client, &claims.void_refund(claim))
        .await
        .expect("refund");
    client
        .call(&ink_e2e::dave(), &claims.void_claim(claim))
        .value(refund)
        .submit()
        .await
        .expect("dave voids the claim")
        .return_value()
        .expect("the claim is voided");
}
