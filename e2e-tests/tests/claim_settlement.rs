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
        FeeScheduleEntry, GroupCode, Outcome, Overturn, PaymentConsent, ReasonCode, RepeatModifier,
        ServiceCode,
    },
};
use healthchain_common::{
    access::{AccessControlled, Role},
    consent::Purpose,
};
use ink::primitives::AccountId;
use ink_e2e::{ChainBackend, ContractsBackend, E2EBackend, Keypair};
use std::fmt::Debug;
use support::{
    accounts, balance, container, deploy_claim_settlement, deploy_consent_registry,
    deploy_drug_provenance, dispense, eve_deposits, grant_consent, hash, id, procedure,
    receipt_salt, serial, stock_pharmacy, submit_or_refusal, Accounts, BackendError, Claims,
    E2EResult, FAR_FUTURE, GTIN,
};

/// One currency unit, large enough that every payment is above the existential deposit.
const UNIT: Balance = 10_000_000_000;
const LOT: &[u8] = b"LOT-PAID";
const RECALLED_LOT: &[u8] = b"LOT-RECALL";
const SERIALS: usize = 16;

fn visit(charge: Balance) -> ClaimLine {
    ClaimLine {
        code: procedure(b"99213"),
        quantity: 1,
        charge,
        unit: None,
        modifier: None,
        authorization: None,
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
            recipient_salt: receipt_salt(&serial(index)),
            days_supply: 30,
        }),
        modifier: None,
        authorization: None,
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
    // On a node the provider also pays transaction fees: never below zero.
    (claim, (after + deposit).saturating_sub(before))
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

/// Registers eve as insurer and `providers`, creates plan 1 of eve without cost sharing
/// (the insurer pays every allowed amount) covering `fees` (code, allowed per unit),
/// enrols ferdie and records ferdie's payment consent to each provider. Returns the
/// chain's clock, to date claims at.
async fn plan_without_cost_sharing<Client: E2EBackend>(
    client: &mut support::Scenario<Client>,
    claims: &mut Claims,
    registry: &mut support::Registry,
    providers: &[AccountId],
    fees: Vec<(ServiceCode, Balance)>,
) -> u64
where
    BackendError<Client>: Debug,
{
    let Accounts { eve, ferdie, .. } = accounts();
    let alice = ink_e2e::alice();
    submit_or_refusal(client, &alice, &claims.grant_role(Role::Insurer, eve))
        .await
        .expect("the admin registers the insurer");
    for provider in providers {
        submit_or_refusal(
            client,
            &alice,
            &claims.grant_role(Role::Provider, *provider),
        )
        .await
        .expect("the admin registers the provider");
    }
    support::eve_plan(client, claims, PaymentConsent::Required, None, fees).await;
    for provider in providers {
        grant_consent(
            client,
            registry,
            &ink_e2e::ferdie(),
            *provider,
            Purpose::Payment,
            None,
        )
        .await
        .expect("ferdie consents to payment");
    }
    support::granted_at(client, registry, ferdie, providers[0], Purpose::Payment).await
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
        &claims.create_plan(cost_sharing, PaymentConsent::Required, None, 0, FAR_FUTURE),
    )
    .await
    .expect("eve creates a plan");
    assert_eq!(plan, 1);
    let fee = |allowed: Balance, cost_share| {
        Some(FeeScheduleEntry {
            allowed_per_unit: allowed * UNIT,
            cost_share,
            requires_authorization: false,
            package_units: 0,
            max_days_supply: 0,
        })
    };
    submit_or_refusal(
        &mut client,
        &ink_e2e::eve(),
        &claims.update_fee_schedule(
            plan,
            vec![
                (procedure(b"99213"), fee(150, CostShare::Copay)),
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
    eve_deposits(&mut client, &mut claims, 1_000 * UNIT).await;

    // Stock: two lots at dave's pharmacy; two serials dispensed to ferdie from the first,
    // one from the second, which is then recalled.
    let packed = stock_pharmacy(
        &mut client,
        &mut ledger,
        &ink_e2e::bob(),
        &ink_e2e::dave(),
        LOT,
        SERIALS,
        10,
    )
    .await;
    let recalled = stock_pharmacy(
        &mut client,
        &mut ledger,
        &ink_e2e::bob(),
        &ink_e2e::dave(),
        RECALLED_LOT,
        SERIALS,
        10,
    )
    .await;
    for (packing, index) in [(&packed, 3), (&packed, 4), (&recalled, 7)] {
        dispense(
            &mut client,
            &mut ledger,
            &ink_e2e::dave(),
            packing,
            index,
            ferdie,
        )
        .await
        .expect("dave dispenses to ferdie");
    }
    submit_or_refusal(
        &mut client,
        &ink_e2e::bob(),
        &ledger.recall_lot(GTIN, RECALLED_LOT.to_vec(), None, hash(0xBE)),
    )
    .await
    .expect("bob recalls the second lot");
    // Its stock is dispensed no more: the ledger's own build reads the lot's status from
    // the head of its record (`LotHead`), its kind only.
    assert_eq!(
        dispense(
            &mut client,
            &mut ledger,
            &ink_e2e::dave(),
            &recalled,
            8,
            ferdie
        )
        .await,
        Err(drug_provenance::data::Error::LotRecalled)
    );
    // A package of dave's opened case that moved on its own is no longer named with the
    // case: the ledger's own build writes its record without reading it, and the write
    // tells that one was there (the call reverts). A destroyed one is refused
    // `LeftContainer`, a clone of a dispensed one `AlreadyDispensed`; the case keeps its
    // count.
    let case = packed.case(0).expect("one case").sscc;
    let damaged = packed.package(5, true).expect("serial 5");
    submit_or_refusal(
        &mut client,
        &ink_e2e::dave(),
        &ledger.destroy(drug_provenance::data::Item::Package(damaged), hash(0xDE)),
    )
    .await
    .expect("dave destroys a damaged package");
    let opened = container(&mut client, &ledger, case).await.state;
    for (index, refusal) in [
        (5, drug_provenance::data::Error::LeftContainer),
        (3, drug_provenance::data::Error::AlreadyDispensed),
    ] {
        assert_eq!(
            dispense(
                &mut client,
                &mut ledger,
                &ink_e2e::dave(),
                &packed,
                index,
                ferdie
            )
            .await,
            Err(refusal)
        );
    }
    assert_eq!(container(&mut client, &ledger, case).await.state, opened);

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
    // The claim keeps a hash of the service date and lines, which the provider can open.
    assert_eq!(
        header.lines_hash,
        claim_settlement::data::lines_hash(now, &[visit(150 * UNIT)])
    );
    assert_eq!((header.totals.payable, header.paid), (30 * UNIT, 30 * UNIT));
    assert_eq!(
        lines[0].reasons(),
        vec![ReasonCode::Deductible, ReasonCode::Copay]
    );
    // The 835 adjustments, as a remittance system reads them: PR-1 100, PR-3 20.
    let cas: Vec<(GroupCode, u16, Balance)> = lines[0]
        .adjustments
        .iter()
        .map(|a| (a.group, a.carc, a.amount))
        .collect();
    assert_eq!(
        cas,
        vec![
            (GroupCode::PR, 1, 100 * UNIT),
            (GroupCode::PR, 3, 20 * UNIT)
        ]
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
        (header.outcome, lines[0].reasons().clone()),
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
        (header.outcome, lines[0].reasons().clone()),
        (Outcome::Denied, vec![ReasonCode::LotRecalled])
    );

    // Revoked payment consent: charlie's next claim is denied whole.
    support::revoke_consent(
        &mut client,
        &mut registry,
        &ink_e2e::ferdie(),
        charlie,
        Purpose::Payment,
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
        (header.outcome, lines[0].reasons().clone()),
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
    eve_deposits(&mut client, &mut claims, 100 * UNIT).await;
    assert_eq!(
        balance(&mut client, dave).await - dave_before,
        40 * UNIT,
        "paid first from the deposit"
    );
    let (header, _) = read_claim(&mut client, &claims, waiting).await;
    assert_eq!((header.paid, header.awaiting_payment), (40 * UNIT, 0));

    // An appeal of the counterfeit denial, overturned (say the serial was mis-keyed): the
    // line goes through cost sharing like any approval (copay 20, the plan pays 40).
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
        &claims.resolve_appeal(
            fake_claim,
            vec![Overturn {
                line: 0,
                allowed: 60 * UNIT,
                cost_share: CostShare::Copay,
            }],
            hash(0xD1),
        ),
    )
    .await
    .expect("eve overturns");
    assert_eq!(balance(&mut client, dave).await - dave_before, 40 * UNIT);
    let (header, lines) = read_claim(&mut client, &claims, fake_claim).await;
    assert_eq!(
        header.appeal.map(|a| a.status),
        Some(AppealStatus::Overturned { amount: 40 * UNIT })
    );
    assert_eq!(header.paid, 40 * UNIT);
    assert_eq!(lines[0].reasons(), vec![ReasonCode::Copay]);

    // The escrow still covers exactly what the books say.
    let escrow = client
        .call(&ink_e2e::eve(), &claims.escrow(eve))
        .dry_run()
        .await?
        .return_value();
    assert_eq!(escrow.funds, (100 - 40 - 40) * UNIT);
    assert_eq!(escrow.owed, 0);
    // Storage is public, and the read says so: anyone reads the header, which holds a
    // hash of the service date and lines, never the codes.
    let public = client
        .call(&ink_e2e::bob(), &claims.claim(visit_claim))
        .dry_run()
        .await?
        .return_value();
    let (own, _) = read_claim(&mut client, &claims, visit_claim).await;
    assert_eq!(public, Ok(own));

    // A service billed again is a duplicate (CO-18). The contract's own build, which pays
    // these claims at once, does not read a paid line's billing mark: its write tells. On
    // a mark found it clears the marks it wrote and hands the claim to the library, which
    // adjudicates it from the start: below, the rebilled visit is denied, and the repeat
    // billed beside it is paid and its mark kept. (dave, whom ferdie still lets bill.)
    eve_deposits(&mut client, &mut claims, 1_000 * UNIT).await;
    macro_rules! dave_bills {
        ($lines:expr) => {{
            let (claim, gained) =
                submit_claim(&mut client, &mut claims, &ink_e2e::dave(), now, $lines).await;
            let (header, lines) = read_claim(&mut client, &claims, claim).await;
            let reasons: Vec<_> = lines.iter().map(|line| line.reasons()).collect();
            (header, reasons, gained)
        }};
    }
    let (first, _, gained) = dave_bills!(vec![visit(150 * UNIT)]);
    assert_eq!(first.outcome, Outcome::Approved);
    assert_eq!(gained, first.paid);
    let (again, reasons, gained) = dave_bills!(vec![visit(150 * UNIT)]);
    assert_eq!(
        (again.outcome, again.paid, gained, reasons),
        (Outcome::Denied, 0, 0, vec![vec![ReasonCode::Duplicate]])
    );
    let mut repeat = visit(150 * UNIT);
    repeat.modifier = Some(RepeatModifier::SameProvider);
    let (mixed, reasons, gained) = dave_bills!(vec![repeat.clone(), visit(150 * UNIT)]);
    assert!(!reasons[0].contains(&ReasonCode::Duplicate), "{reasons:?}");
    assert_eq!(reasons[1], vec![ReasonCode::Duplicate]);
    assert!(mixed.paid > 0);
    assert_eq!(gained, mixed.paid);
    let (_, reasons, _) = dave_bills!(vec![repeat]);
    assert_eq!(reasons, vec![vec![ReasonCode::Duplicate]]);
    // A line denied otherwise is a duplicate too if it was billed before (the own build
    // reads its mark then): the serial never dispensed, whose line the appeal overturned.
    let (_, reasons, gained) = dave_bills!(vec![drug(LOT, 9, 60 * UNIT)]);
    assert_eq!((reasons, gained), (vec![vec![ReasonCode::Duplicate]], 0));

    // Callees that fail (here: accounts with no contract) deny, they never trap the claim.
    support::rewire_claims(&mut client, &mut claims, Callee::DrugProvenance, bob).await;
    let (broken, _) = submit_claim(
        &mut client,
        &mut claims,
        &ink_e2e::dave(),
        now,
        vec![drug(LOT, 5, 60 * UNIT)],
    )
    .await;
    let (_, lines) = read_claim(&mut client, &claims, broken).await;
    assert_eq!(lines[0].reasons(), vec![ReasonCode::ProvenanceUnverifiable]);
    support::rewire_claims(&mut client, &mut claims, Callee::ConsentRegistry, bob).await;
    let (broken, _) = submit_claim(
        &mut client,
        &mut claims,
        &ink_e2e::dave(),
        now,
        vec![visit(152 * UNIT)],
    )
    .await;
    let (_, lines) = read_claim(&mut client, &claims, broken).await;
    assert_eq!(lines[0].reasons(), vec![ReasonCode::ConsentUnverifiable]);
    Ok(())
}

/// Review item 1, on substrate-contracts-node, whose existential deposit is 10^9: a
/// provider whose account was reaped is owed less than the existential deposit, at the
/// head of the insurer's payment queue. The chain refuses that payout; the deposit still
/// goes through, the next provider in the queue is paid in the same call, and the refused
/// amount stays as the provider's credit until its account exists again and anyone pushes
/// it (`pay_out`).
#[cfg(feature = "node-e2e")]
#[ink_e2e::test]
async fn a_payout_below_the_existential_deposit_to_a_reaped_account_blocks_nobody_on_the_node<
    Client: E2EBackend,
>(
    mut client: Client,
) -> E2EResult<()> {
    use claim_settlement::claim_settlement::ClaimPaid;
    use ink_e2e::subxt::dynamic::Value;
    use support::EmittedEvents;
    const BELOW_EXISTENTIAL_DEPOSIT: Balance = 500_000_000;
    let injection = procedure(b"J1100");
    let mut client = support::Scenario::new(client);
    let Accounts {
        alice,
        bob,
        charlie,
        dave,
        ..
    } = accounts();
    let (registry_id, mut registry) = deploy_consent_registry(&mut client, &ink_e2e::alice()).await;
    let (ledger_id, _) = deploy_drug_provenance(&mut client, &ink_e2e::alice(), bob, dave).await;
    let mut claims =
        deploy_claim_settlement(&mut client, &ink_e2e::alice(), registry_id, ledger_id).await;
    // A provider with an account of its own, to be emptied and reaped.
    let ghost_key = client
        .create_and_fund_account(&ink_e2e::alice(), 1_000 * UNIT)
        .await;
    let ghost = id(&ghost_key);
    let now = plan_without_cost_sharing(
        &mut client,
        &mut claims,
        &mut registry,
        &[ghost, charlie],
        vec![
            (procedure(b"99213"), BELOW_EXISTENTIAL_DEPOSIT),
            (injection, 100 * UNIT),
        ],
    )
    .await;

    // No escrow yet: both claims wait, the ghost's first.
    let (ghost_claim, _) = submit_claim(
        &mut client,
        &mut claims,
        &ghost_key,
        now,
        vec![visit(BELOW_EXISTENTIAL_DEPOSIT)],
    )
    .await;
    let injection = ClaimLine {
        code: injection,
        quantity: 1,
        charge: 100 * UNIT,
        unit: None,
        modifier: None,
        authorization: None,
    };
    let (charlie_claim, _) = submit_claim(
        &mut client,
        &mut claims,
        &ink_e2e::charlie(),
        now,
        vec![injection],
    )
    .await;
    for claim in [ghost_claim, charlie_claim] {
        let (header, _) = read_claim(&mut client, &claims, claim).await;
        assert!(header.awaiting_payment > 0, "claim {claim} waits for funds");
    }

    // The ghost empties its account, which the chain then reaps.
    let alice_bytes: [u8; 32] = *AsRef::<[u8; 32]>::as_ref(&alice);
    client
        .runtime_call(
            &ghost_key,
            "Balances",
            "transfer_all",
            vec![
                Value::unnamed_variant("Id", [Value::from_bytes(alice_bytes)]),
                Value::bool(false),
            ],
        )
        .await
        .expect("the ghost empties its account");
    assert_eq!(
        balance(&mut client, ghost).await,
        0,
        "the account is reaped"
    );

    // The deposit pays both: charlie receives his, the ghost's transfer is refused and
    // kept. Before the fix, the refused transfer reverted the deposit itself.
    let claims_id = ink::ToAccountId::to_account_id(&claims);
    let charlie_before = balance(&mut client, charlie).await;
    let deposited = client
        .call(&ink_e2e::eve(), &claims.deposit())
        .value(1_000 * UNIT)
        .submit()
        .await
        .expect("the deposit is not blocked by the refused payout");
    let emitted = deposited.events.emitted();
    deposited.return_value().expect("eve funds her escrow");
    // Both payments are evented (`ClaimPaid`); of the transfers only the refused one is:
    // charlie's is what his `ClaimPaid` says, with no stored credit.
    let paid: Vec<_> = support::events_of::<ClaimPaid>(&emitted, claims_id)
        .into_iter()
        .map(|(event, _)| (event.claim, event.provider))
        .collect();
    assert_eq!(paid, [(ghost_claim, ghost), (charlie_claim, charlie)]);
    assert_eq!(
        transfers_in(&emitted, claims_id),
        [(ghost, BELOW_EXISTENTIAL_DEPOSIT, false)]
    );
    assert_eq!(
        balance(&mut client, charlie).await - charlie_before,
        100 * UNIT
    );
    assert_eq!(balance(&mut client, ghost).await, 0);
    let credit = client
        .call(&ink_e2e::eve(), &claims.credit(ghost))
        .dry_run()
        .await?
        .return_value();
    assert_eq!(
        credit, BELOW_EXISTENTIAL_DEPOSIT,
        "the refused payout is kept"
    );
    let (header, _) = read_claim(&mut client, &claims, ghost_claim).await;
    assert_eq!(
        (header.paid, header.awaiting_payment),
        (BELOW_EXISTENTIAL_DEPOSIT, 0)
    );
    // Later claims are not blocked either.
    let (later, gained) = submit_claim(
        &mut client,
        &mut claims,
        &ink_e2e::charlie(),
        now,
        vec![visit(BELOW_EXISTENTIAL_DEPOSIT)],
    )
    .await;
    let (header, _) = read_claim(&mut client, &claims, later).await;
    assert_eq!(header.paid, BELOW_EXISTENTIAL_DEPOSIT);
    // (`gained` is net of the node's transaction fee, so the credit tells instead.)
    let _ = gained;
    let left = client
        .call(&ink_e2e::eve(), &claims.credit(charlie))
        .dry_run()
        .await?
        .return_value();
    assert_eq!(
        left, 0,
        "charlie's account exists: transferred, nothing held"
    );

    // Still refused while the account does not exist; paid once it does.
    assert_eq!(
        submit_or_refusal(&mut client, &ink_e2e::bob(), &claims.pay_out(ghost)).await,
        Ok(false)
    );
    let ghost_bytes: [u8; 32] = *AsRef::<[u8; 32]>::as_ref(&ghost);
    client
        .runtime_call(
            &ink_e2e::alice(),
            "Balances",
            "transfer_allow_death",
            vec![
                Value::unnamed_variant("Id", [Value::from_bytes(ghost_bytes)]),
                // Enough for a claim's storage deposit and fee.
                Value::u128(1_000 * UNIT),
            ],
        )
        .await
        .expect("alice funds the ghost's account again");
    // Its next claim pays it the stored credit too, in the same transfer (so the credit is
    // gone from the books): the paying call reads the credits because `credit_total`
    // counts more than that call paid. It skips the read only when nothing is stored.
    // The transfer is more than the claim paid, so it has an event of its own.
    let again = client
        .call(
            &ghost_key,
            &claims.submit_claim(
                id(&ink_e2e::ferdie()),
                1,
                now,
                vec![ClaimLine {
                    code: procedure(b"J1100"),
                    quantity: 1,
                    charge: 100 * UNIT,
                    unit: None,
                    modifier: None,
                    authorization: None,
                }],
                hash(0xAA),
            ),
        )
        .submit()
        .await
        .expect("the ghost's claim is accepted");
    assert_eq!(
        transfers_in(&again.events.emitted(), claims_id),
        [(ghost, BELOW_EXISTENTIAL_DEPOSIT + 100 * UNIT, true)]
    );
    let again = again.return_value().expect("the claim is adjudicated");
    let (header, _) = read_claim(&mut client, &claims, again).await;
    assert_eq!(header.paid, 100 * UNIT);
    let left = client
        .call(&ink_e2e::eve(), &claims.credit(ghost))
        .dry_run()
        .await?
        .return_value();
    assert_eq!(left, 0, "the stored credit went out with the new payment");
    let total = client
        .call(&ink_e2e::eve(), &claims.credit_total())
        .dry_run()
        .await?
        .return_value();
    assert_eq!(total, 0, "no credit is left anywhere");
    assert_eq!(
        submit_or_refusal(&mut client, &ink_e2e::bob(), &claims.pay_out(ghost)).await,
        Err(Error::NothingToCollect)
    );
    Ok(())
}

/// The `CreditTransfer` events among `emitted` from `claims`: (provider, amount,
/// transferred).
#[cfg(feature = "node-e2e")]
fn transfers_in(
    emitted: &[support::recording::Emitted],
    claims: AccountId,
) -> Vec<(AccountId, Balance, bool)> {
    support::events_of::<claim_settlement::claim_settlement::CreditTransfer>(emitted, claims)
        .into_iter()
        .map(|(event, _)| (event.provider, event.amount, event.transferred))
        .collect()
}

/// Review item 13: a callee that burns all the gas it is given (behind `apply_callee`)
/// fails its own question only. The consent and provenance questions carry their own gas
/// and deposit limits, so the claim is stored and denied as unverifiable instead of the
/// whole call running out of gas.
#[ink_e2e::test(backend(runtime_only))]
async fn a_callee_that_burns_its_gas_denies_the_claim_without_trapping_it<Client: E2EBackend>(
    mut client: Client,
) -> E2EResult<()> {
    let mut client = support::Scenario::new(client);
    let Accounts {
        bob, charlie, dave, ..
    } = accounts();
    let (registry_id, mut registry) = deploy_consent_registry(&mut client, &ink_e2e::alice()).await;
    let (ledger_id, _) = deploy_drug_provenance(&mut client, &ink_e2e::alice(), bob, dave).await;
    let mut claims =
        deploy_claim_settlement(&mut client, &ink_e2e::alice(), registry_id, ledger_id).await;
    let hostile = client
        .instantiate(
            "hostile_callee",
            &ink_e2e::alice(),
            &mut hostile_callee::hostile_callee::HostileCalleeRef::new(),
        )
        .submit()
        .await
        .expect("the hostile callee instantiates")
        .account_id;
    let now = plan_without_cost_sharing(
        &mut client,
        &mut claims,
        &mut registry,
        &[charlie],
        vec![
            (procedure(b"99213"), 10 * UNIT),
            (ServiceCode::Drug(GTIN), 10 * UNIT),
        ],
    )
    .await;

    // drug_provenance replaced by the gas burner: the drug line is unverifiable, the
    // visit on the same claim is still paid.
    support::rewire_claims(&mut client, &mut claims, Callee::DrugProvenance, hostile).await;
    let (claim, _) = submit_claim(
        &mut client,
        &mut claims,
        &ink_e2e::charlie(),
        now,
        vec![visit(10 * UNIT), drug(LOT, 1, 10 * UNIT)],
    )
    .await;
    let (header, lines) = read_claim(&mut client, &claims, claim).await;
    assert_eq!(lines[1].reasons(), vec![ReasonCode::ProvenanceUnverifiable]);
    assert_eq!(header.totals.allowed, 10 * UNIT);

    // The consent registry replaced by the burner: the claim is denied as unverifiable.
    support::rewire_claims(&mut client, &mut claims, Callee::ConsentRegistry, hostile).await;
    let (claim, gained) = submit_claim(
        &mut client,
        &mut claims,
        &ink_e2e::charlie(),
        now,
        vec![visit(11 * UNIT)],
    )
    .await;
    let (header, lines) = read_claim(&mut client, &claims, claim).await;
    assert_eq!(header.outcome, Outcome::Denied);
    assert_eq!(lines[0].reasons(), vec![ReasonCode::ConsentUnverifiable]);
    assert_eq!(gained, 0);
    Ok(())
}
