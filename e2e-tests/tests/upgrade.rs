//! Upgrades of claim_settlement (`propose_code`, then `apply_code`), on the sandbox and the node.
//!
//! - Same layout: an upgrade to a new build keeps its storage and its wiring to the consent
//!   registry and drug_provenance; a non-admin upgrade is refused. The new build is the
//!   contract's bundle with a build label appended as a wasm custom section: the same code
//!   under a new code hash, uploaded with `Contracts::upload_code` as a deployer would
//!   upload a rebuilt bundle.
//! - New layout (review item 18): a contract of an earlier release whose root storage
//!   differs (`claims_release_0`) is upgraded to today's claim_settlement with a migration
//!   (`claims_migration`) in the same `apply_code`; a migration that cannot run changes
//!   nothing; afterwards today's code serves the old plans, escrow and roles.
#![cfg(feature = "e2e-tests")]

mod support;

use claim_settlement::{
    claim_settlement::ClaimSettlement,
    data::{
        ClaimLine, CostShare, CostSharing, FeeScheduleEntry, PaymentConsent, PlanId, RepeatModifier,
    },
};
use healthchain_common::{
    access::{AccessControlled, AccessError, CodeUpgraded, Role},
    consent::Purpose,
};
use ink::{env::DefaultEnvironment, primitives::Hash};
use ink_e2e::{subxt::dynamic::Value, ChainBackend, ContractsBackend, E2EBackend};
use std::fmt::Debug;
use support::{
    accounts, deploy_claim_settlement, deploy_consent_registry, deploy_drug_provenance,
    eve_deposits, grant_consent, hash, step, submit_or_refusal, the_event, Accounts, BackendError,
    Claims, Contract, E2EResult, EmittedEvents, Registry, Scenario, FAR_FUTURE,
};

const UNIT: u128 = 10_000_000_000;

/// The bundle ink_e2e built for this run, with a custom section "healthchain.build".
fn relabelled_build(contract: &str, label: &str) -> Vec<u8> {
    // Cargo runs the tests in the e2e-tests folder of the checkout being tested.
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::PathBuf::from("../target"));
    let path = target
        .join("ink")
        .join(contract)
        .join(format!("{contract}.wasm"));
    let mut code = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let name = b"healthchain.build";
    let mut payload = vec![name.len() as u8];
    payload.extend_from_slice(name);
    payload.extend_from_slice(label.as_bytes());
    code.push(0); // custom section id
    code.push(payload.len() as u8); // LEB128, < 128
    code.extend_from_slice(&payload);
    code
}

/// The plans of these tests: a 10-unit copay and nothing else, so a 100-unit visit pays 90.
fn copay_plan() -> CostSharing {
    CostSharing {
        deductible: 0,
        copay: 10 * UNIT,
        coinsurance_bps: 0,
        out_of_pocket_max: 1_000 * UNIT,
    }
}

/// One office visit (99213) charged `charge`.
fn visit_lines(charge: u128, modifier: Option<RepeatModifier>) -> Vec<ClaimLine> {
    vec![ClaimLine {
        code: support::procedure(b"99213"),
        quantity: 1,
        charge,
        unit: None,
        modifier,
        authorization: None,
    }]
}

/// Readies eve's `plan` for dave's visit claims for ferdie: the visit allowed at 100,
/// ferdie enrolled, ferdie's payment consent to dave. Returns the time to date claims at.
async fn ready_for_visits<Client>(
    client: &mut Scenario<Client>,
    claims: &mut Claims,
    registry: &mut Registry,
    plan: PlanId,
) -> u64
where
    Client: E2EBackend,
    <Client as ContractsBackend<DefaultEnvironment>>::EventLog: EmittedEvents,
    BackendError<Client>: Debug,
{
    let Accounts { dave, ferdie, .. } = accounts();
    let fee = FeeScheduleEntry {
        allowed_per_unit: 100 * UNIT,
        cost_share: CostShare::Copay,
        requires_authorization: false,
        package_units: 0,
        max_days_supply: 0,
    };
    step(
        client,
        &ink_e2e::eve(),
        &claims.update_fee_schedule(plan, vec![(support::procedure(b"99213"), Some(fee))]),
        "fees",
    )
    .await;
    step(
        client,
        &ink_e2e::eve(),
        &claims.enrol_member(plan, ferdie, 0, FAR_FUTURE),
        "member",
    )
    .await;
    grant_consent(
        client,
        registry,
        &ink_e2e::ferdie(),
        dave,
        Purpose::Payment,
        None,
    )
    .await
    .expect("consent");
    support::granted_at(client, registry, ferdie, dave, Purpose::Payment).await
}

/// Uploads the code of contract `name` (built by ink_e2e for this run) and returns its hash.
async fn upload<Client>(client: &mut Scenario<Client>, name: &str) -> Hash
where
    Client: E2EBackend,
    BackendError<Client>: Debug,
{
    let uploaded = client
        .upload(name, &ink_e2e::alice())
        .submit()
        .await
        .unwrap_or_else(|e| panic!("{name} uploads: {e:?}"));
    Hash::from(<[u8; 32]>::try_from(uploaded.code_hash.as_ref()).expect("a 32-byte code hash"))
}

#[ink_e2e::test(backend(runtime_only(sandbox = support::recording::RecordingSandbox)))]
async fn an_admin_upgrade_keeps_storage_and_wiring_on_the_sandbox<Client: E2EBackend>(
    mut client: Client,
) -> E2EResult<()> {
    let mut client = support::Scenario::new(client);
    upgrade(&mut client).await
}

/// The same upgrade on substrate-contracts-node (`make test-node`).
#[cfg(feature = "node-e2e")]
#[ink_e2e::test]
async fn an_admin_upgrade_keeps_storage_and_wiring_on_the_node<Client: E2EBackend>(
    mut client: Client,
) -> E2EResult<()> {
    let mut client = support::Scenario::new(client);
    upgrade(&mut client).await
}

async fn upgrade<Client>(client: &mut support::Scenario<Client>) -> E2EResult<()>
where
    Client: E2EBackend,
    <Client as ContractsBackend<DefaultEnvironment>>::EventLog: EmittedEvents,
    BackendError<Client>: Debug,
    <Client as ChainBackend>::Error: Debug,
{
    let Accounts {
        dave, eve, ferdie, ..
    } = accounts();
    let (registry_id, mut registry) = deploy_consent_registry(client, &ink_e2e::alice()).await;
    let (ledger_id, _) =
        deploy_drug_provenance(client, &ink_e2e::alice(), accounts().bob, dave).await;
    let mut claims =
        deploy_claim_settlement(client, &ink_e2e::alice(), registry_id, ledger_id).await;
    let claims_id = ink::ToAccountId::to_account_id(&claims);
    for (role, who) in [(Role::Insurer, eve), (Role::Provider, dave)] {
        step(
            client,
            &ink_e2e::alice(),
            &claims.grant_role(role, who),
            "role",
        )
        .await;
    }
    let plan = step(
        client,
        &ink_e2e::eve(),
        &claims.create_plan(copay_plan(), PaymentConsent::Required, None, 0, FAR_FUTURE),
        "plan",
    )
    .await
    .value;
    eve_deposits(client, &mut claims, 500 * UNIT).await;
    let now = ready_for_visits(client, &mut claims, &mut registry, plan).await;
    let visit = |charge| visit_lines(charge, None);
    let repeat = |charge| visit_lines(charge, Some(RepeatModifier::SameProvider));
    let before = step(
        client,
        &ink_e2e::dave(),
        &claims.submit_claim(ferdie, plan, now, visit(100 * UNIT), hash(0xA1)),
        "claim",
    )
    .await
    .value;

    // Upload the new build.
    let code = relabelled_build("claim_settlement", "upgrade-e2e-2");
    let mut code_hash = [0u8; 32];
    ink::env::hash_bytes::<ink::env::hash::Blake2x256>(&code, &mut code_hash);
    let code_hash = Hash::from(code_hash);
    client
        .runtime_call(
            &ink_e2e::alice(),
            "Contracts",
            "upload_code",
            vec![
                Value::from_bytes(code),
                Value::unnamed_variant("None", []),
                Value::unnamed_variant("Enforced", []),
            ],
        )
        .await
        .expect("the new build uploads");

    // A stranger may not upgrade; the admin may, and the event says so.
    assert_eq!(
        submit_or_refusal(
            client,
            &ink_e2e::eve(),
            &claims.propose_code(code_hash, None)
        )
        .await,
        Err(AccessError::NotAdmin)
    );
    let _proposed = step(
        client,
        &ink_e2e::alice(),
        &claims.propose_code(code_hash, None),
        "propose the upgrade",
    )
    .await;
    assert_eq!(
        submit_or_refusal(client, &ink_e2e::eve(), &claims.apply_code()).await,
        Err(AccessError::NotAdmin)
    );
    let upgraded = step(client, &ink_e2e::alice(), &claims.apply_code(), "upgrade").await;
    assert_eq!(
        the_event::<CodeUpgraded>(&upgraded.events, claims_id).code_hash,
        code_hash
    );

    // Storage kept: the claim, the escrow, the plan; wiring kept: a new claim is still
    // checked against the registry and paid.
    let kept = client
        .call(&ink_e2e::eve(), &claims.claim(before))
        .dry_run()
        .await
        .expect("the chain answers")
        .return_value()
        .expect("claim kept");
    assert_eq!(kept.paid, 90 * UNIT);
    assert_eq!(
        client
            .call(&ink_e2e::eve(), &claims.escrow(eve))
            .dry_run()
            .await
            .expect("the chain answers")
            .return_value()
            .funds,
        410 * UNIT
    );
    assert_eq!(
        client
            .call(&ink_e2e::eve(), &claims.callees())
            .dry_run()
            .await
            .expect("the chain answers")
            .return_value(),
        (registry_id, ledger_id)
    );
    let after = step(
        client,
        &ink_e2e::dave(),
        // A second visit the same day is billed as an intentional repeat (CPT 76): without
        // the modifier it would be a duplicate of the first.
        &claims.submit_claim(ferdie, plan, now, repeat(101 * UNIT), hash(0xA2)),
        "claim after the upgrade",
    )
    .await;
    assert_eq!(after.value, before + 1);
    let record = client
        .call(&ink_e2e::eve(), &claims.claim(after.value))
        .dry_run()
        .await
        .expect("the chain answers")
        .return_value()
        .expect("new claim");
    assert_eq!(record.paid, 90 * UNIT);
    // Revoked consent still denies: the upgraded contract asks the same registry.
    support::revoke_consent(
        client,
        &mut registry,
        &ink_e2e::ferdie(),
        dave,
        Purpose::Payment,
    )
    .await
    .expect("revoke");
    let denied = step(
        client,
        &ink_e2e::dave(),
        &claims.submit_claim(ferdie, plan, now, visit(102 * UNIT), hash(0xA3)),
        "claim without consent",
    )
    .await;
    let record = client
        .call(&ink_e2e::eve(), &claims.claim(denied.value))
        .dry_run()
        .await
        .expect("the chain answers")
        .return_value()
        .expect("denied claim");
    assert_eq!(record.paid, 0);
    Ok(())
}

#[ink_e2e::test(backend(runtime_only(sandbox = support::recording::RecordingSandbox)))]
async fn an_upgrade_to_a_new_storage_layout_migrates_in_the_same_call_on_the_sandbox<
    Client: E2EBackend,
>(
    mut client: Client,
) -> E2EResult<()> {
    let mut client = support::Scenario::new(client);
    migrating_upgrade(&mut client).await
}

/// The same migration on substrate-contracts-node (`make test-node`).
#[cfg(feature = "node-e2e")]
#[ink_e2e::test]
async fn an_upgrade_to_a_new_storage_layout_migrates_in_the_same_call_on_the_node<
    Client: E2EBackend,
>(
    mut client: Client,
) -> E2EResult<()> {
    let mut client = support::Scenario::new(client);
    migrating_upgrade(&mut client).await
}

/// Review item 18: `claims_release_0` counts plans and claims by their next id and has no
/// provider credits; today's claim_settlement keeps the last ids and a credit total. The
/// upgrade names the migration beside the new code, and `apply_code` runs it and swaps the
/// code in one call.
async fn migrating_upgrade<Client>(client: &mut support::Scenario<Client>) -> E2EResult<()>
where
    Client: E2EBackend,
    <Client as ContractsBackend<DefaultEnvironment>>::EventLog: EmittedEvents,
    BackendError<Client>: Debug,
    <Client as ChainBackend>::Error: Debug,
{
    use claims_release_0::claims_release_0::{
        ClaimSettlement as Release0, ClaimSettlementRef as Release0Ref,
    };
    let Accounts {
        dave, eve, ferdie, ..
    } = accounts();
    let (registry_id, mut registry) = deploy_consent_registry(client, &ink_e2e::alice()).await;
    let (ledger_id, _) =
        deploy_drug_provenance(client, &ink_e2e::alice(), accounts().bob, dave).await;

    // The earlier release, with roles, a plan and an escrow, and the library whose hash
    // the migration carries over.
    let library = client.admin_library(&ink_e2e::alice()).await;
    let own_library = client
        .own_library(Contract::ClaimSettlement, &ink_e2e::alice())
        .await;
    let deployed = client
        .instantiate(
            "claims_release_0",
            &ink_e2e::alice(),
            &mut Release0Ref::new(registry_id, ledger_id, 0, library, own_library),
        )
        .submit()
        .await
        .expect("the earlier release instantiates");
    let claims_id = deployed.account_id;
    let mut old = deployed.call_builder::<Release0>();
    for (role, who) in [(Role::Insurer, eve), (Role::Provider, dave)] {
        step(
            client,
            &ink_e2e::alice(),
            &old.grant_role(role, who),
            "role",
        )
        .await;
    }
    let plan = step(
        client,
        &ink_e2e::eve(),
        &old.create_plan(copay_plan(), 0, FAR_FUTURE),
        "plan of the earlier release",
    )
    .await
    .value;
    assert_eq!(plan, 1);
    client
        .call(&ink_e2e::eve(), &old.deposit())
        .value(500 * UNIT)
        .submit()
        .await
        .expect("the chain answers")
        .return_value()
        .expect("eve funds her escrow");

    let code_hash = upload(client, "claim_settlement").await;
    let migration = upload(client, "claims_migration").await;

    // A migration that cannot run (no code under its hash) fails the upgrade and changes
    // nothing: the earlier release still answers, and the proposal is still there to cancel.
    step(
        client,
        &ink_e2e::alice(),
        &old.propose_code(code_hash, Some(hash(0xEE))),
        "propose an upgrade with a missing migration",
    )
    .await;
    assert_eq!(
        submit_or_refusal(client, &ink_e2e::alice(), &old.apply_code()).await,
        Err(AccessError::MigrationFailed)
    );
    step(client, &ink_e2e::alice(), &old.cancel_change(), "cancel it").await;

    // The real one: a stranger may not apply it; the admin's apply runs the migration.
    step(
        client,
        &ink_e2e::alice(),
        &old.propose_code(code_hash, Some(migration)),
        "propose the upgrade and its migration",
    )
    .await;
    assert_eq!(
        submit_or_refusal(client, &ink_e2e::eve(), &old.apply_code()).await,
        Err(AccessError::NotAdmin)
    );
    let upgraded = step(client, &ink_e2e::alice(), &old.apply_code(), "upgrade").await;
    let event = the_event::<CodeUpgraded>(&upgraded.events, claims_id);
    assert_eq!(
        (event.code_hash, event.migration),
        (code_hash, Some(migration))
    );

    // Today's code at the same address reads the migrated root and the kept records.
    let mut claims = ink_e2e::create_call_builder::<ClaimSettlement>(claims_id);
    assert_eq!(dry(client, &claims.admin()).await, accounts().alice);
    assert_eq!(dry(client, &claims.pending_change()).await, None);
    assert!(dry(client, &claims.has_role(eve, Role::Insurer)).await);
    assert_eq!(
        dry(client, &claims.callees()).await,
        (registry_id, ledger_id)
    );
    assert_eq!(dry(client, &claims.escrow(eve)).await.funds, 500 * UNIT);
    assert_eq!(dry(client, &claims.escrow_total()).await, 500 * UNIT);
    assert_eq!(dry(client, &claims.credit_total()).await, 0);
    let kept = dry(client, &claims.plan(plan))
        .await
        .expect("the plan is kept");
    assert_eq!((kept.insurer, kept.cost_sharing), (eve, copay_plan()));
    // The counters were converted: the next plan is 2, the first claim 1.
    let second = step(
        client,
        &ink_e2e::eve(),
        &claims.create_plan(copay_plan(), PaymentConsent::Required, None, 0, FAR_FUTURE),
        "a plan after the upgrade",
    )
    .await;
    assert_eq!(second.value, plan + 1);
    // The old plan and escrow pay a claim checked against the same registry.
    let now = ready_for_visits(client, &mut claims, &mut registry, plan).await;
    let claim = step(
        client,
        &ink_e2e::dave(),
        &claims.submit_claim(ferdie, plan, now, visit_lines(100 * UNIT, None), hash(0xB1)),
        "a claim after the upgrade",
    )
    .await
    .value;
    assert_eq!(claim, 1);
    let record = dry(client, &claims.claim(claim)).await.expect("the claim");
    assert_eq!(record.paid, 90 * UNIT);
    assert_eq!(dry(client, &claims.escrow(eve)).await.funds, 410 * UNIT);
    // The upgrade was consumed: nothing is left to apply.
    assert_eq!(
        submit_or_refusal(client, &ink_e2e::alice(), &claims.apply_code()).await,
        Err(AccessError::NoPendingChange)
    );
    Ok(())
}

/// The answer of a read-only `message` of any contract, by dry run.
async fn dry<Client, Args, R>(
    client: &mut support::Scenario<Client>,
    message: &ink_e2e::CallBuilderFinal<DefaultEnvironment, Args, R>,
) -> R
where
    Client: E2EBackend,
    Args: ink::scale::Encode + Clone + Send + Sync,
    R: ink::scale::Decode + Send,
    BackendError<Client>: Debug,
{
    client
        .call(&ink_e2e::eve(), message)
        .dry_run()
        .await
        .expect("the chain answers")
        .return_value()
}
