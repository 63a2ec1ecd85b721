//! An admin upgrade (`propose_code`, then `apply_code`) of claim_settlement to a new build keeps its storage and
//! its wiring to the consent registry and drug_provenance; a non-admin upgrade is refused.
//!
//! The new build is the contract's bundle with a build label appended as a wasm custom
//! section: the same code under a new code hash, uploaded with `Contracts::upload_code`
//! as a deployer would upload a rebuilt bundle.
#![cfg(feature = "e2e-tests")]

mod support;

use claim_settlement::data::{
    ClaimLine, CostShare, CostSharing, FeeScheduleEntry, RepeatModifier, ServiceCode,
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
    grant_consent, hash, step, submit_or_refusal, the_event, Accounts, BackendError, E2EResult,
    EmittedEvents, FAR_FUTURE,
};

const UNIT: u128 = 10_000_000_000;
const VISIT: ServiceCode = ServiceCode::Procedure(*b"99213");

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
    let sharing = CostSharing {
        deductible: 0,
        copay: 10 * UNIT,
        coinsurance_bps: 0,
        out_of_pocket_max: 1_000 * UNIT,
    };
    let plan = step(
        client,
        &ink_e2e::eve(),
        &claims.create_plan(sharing, 0, FAR_FUTURE),
        "plan",
    )
    .await
    .value;
    let fee = FeeScheduleEntry {
        allowed_per_unit: 100 * UNIT,
        cost_share: CostShare::Copay,
    };
    step(
        client,
        &ink_e2e::eve(),
        &claims.update_fee_schedule(plan, vec![(VISIT, Some(fee))]),
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
    client
        .call(&ink_e2e::eve(), &claims.deposit())
        .value(500 * UNIT)
        .submit()
        .await
        .expect("the chain answers")
        .return_value()
        .expect("eve funds her escrow");
    grant_consent(
        client,
        &mut registry,
        &ink_e2e::ferdie(),
        dave,
        Purpose::Payment,
        None,
    )
    .await
    .expect("consent");
    let now = support::granted_at(client, &registry, ferdie, dave, Purpose::Payment).await;
    let line = |charge, modifier| {
        vec![ClaimLine {
            code: VISIT,
            quantity: 1,
            charge,
            unit: None,
            modifier,
        }]
    };
    let visit = |charge| line(charge, None);
    let repeat = |charge| line(charge, Some(RepeatModifier::SameProvider));
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
        submit_or_refusal(client, &ink_e2e::eve(), &claims.propose_code(code_hash)).await,
        Err(AccessError::NotAdmin)
    );
    let _proposed = step(
        client,
        &ink_e2e::alice(),
        &claims.propose_code(code_hash),
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
    submit_or_refusal(
        client,
        &ink_e2e::ferdie(),
        &registry.revoke_consent(ferdie, dave, Purpose::Payment),
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
