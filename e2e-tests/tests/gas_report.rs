//! Gas and storage deposit of the contracts' main messages in the sandbox, whose figures
//! are deterministic. `make gas` prints them. ink_e2e 5.1.1 builds contracts in
//! debug mode, so these are debug-build figures; `make bench` (issue 8) covers release.
#![cfg(feature = "e2e-tests")]

mod support;

use consent_caller::consent_caller::{ConsentCaller, ConsentCallerRef};
use consent_registry::consent_registry::{ConsentRegistry, ConsentRegistryRef};
use drug_provenance::drug_provenance::{DrugProvenance, DrugProvenanceRef};
use healthchain_common::{
    access::{AccessControlled, Role},
    consent::{ConsentCheck, DataClasses, Purpose},
    merkle::{self, hash_leaf},
};
use ink::primitives::{AccountId, Hash};
use ink_e2e::{CallDryRunResult, ContractsBackend};

type E2EResult<T> = Result<T, Box<dyn std::error::Error>>;

/// Prints one row of the report (ref_time, proof_size, storage deposit) and returns the gas.
fn row<V>(label: &str, dry_run: &CallDryRunResult<ink::env::DefaultEnvironment, V>) -> (u64, u64) {
    let gas = dry_run.exec_result.gas_consumed;
    // `Charge(n)` or `Refund(n)`, in the chain's smallest unit.
    let deposit = format!("{:?}", dry_run.exec_result.storage_deposit);
    println!(
        "| {label:<40} | {:>13} | {:>10} | {:>14} |",
        gas.ref_time(),
        gas.proof_size(),
        deposit
    );
    (gas.ref_time(), gas.proof_size())
}

fn header(contract: &str) {
    println!("\n{contract}, sandbox backend (pallet-contracts 31), debug build by ink_e2e");
    println!(
        "| {:<40} | {:>13} | {:>10} | {:>14} |",
        "message", "ref_time", "proof_size", "deposit"
    );
    println!("|{:-<42}|{:->15}|{:->12}|{:->16}|", "", "", "", "");
}

#[ink_e2e::test(backend(runtime_only))]
async fn consent_registry_gas<Client: E2EBackend>(mut client: Client) -> E2EResult<()> {
    let registry = client
        .instantiate(
            "consent_registry",
            &ink_e2e::alice(),
            &mut ConsentRegistryRef::new(),
        )
        .submit()
        .await?;
    let registry_id = registry.account_id;
    let mut registry = registry.call_builder::<ConsentRegistry>();
    let caller = client
        .instantiate(
            "consent_caller",
            &ink_e2e::alice(),
            &mut ConsentCallerRef::new(registry_id),
        )
        .submit()
        .await?
        .call_builder::<ConsentCaller>();
    let bob = AccountId::from(ink_e2e::bob().public_key().0);
    let charlie = AccountId::from(ink_e2e::charlie().public_key().0);

    let grant = registry.grant_consent(
        bob,
        charlie,
        Purpose::Payment,
        DataClasses::CLAIMS,
        Some(u64::MAX / 2),
        None,
        Hash::from([0xF0; 32]),
    );
    header("consent_registry");
    let first_grant = client.call(&ink_e2e::bob(), &grant).dry_run().await?;
    assert_eq!(first_grant.return_value(), Ok(()));
    let first_grant = client.call(&ink_e2e::bob(), &grant).dry_run().await?;
    let (grant_ref_time, _) = row("grant_consent (first grant)", &first_grant);
    client.call(&ink_e2e::bob(), &grant).submit().await?;
    let replace = client.call(&ink_e2e::bob(), &grant).dry_run().await?;
    row("grant_consent (replace)", &replace);

    let ask = registry.is_authorized(bob, charlie, Purpose::Payment, None);
    let direct = client.call(&ink_e2e::ferdie(), &ask).dry_run().await?;
    let (check_ref_time, _) = row("is_authorized (direct)", &direct);
    let again = client.call(&ink_e2e::ferdie(), &ask).dry_run().await?;
    assert_eq!(
        again.exec_result.gas_consumed, direct.exec_result.gas_consumed,
        "sandbox gas is deterministic"
    );
    assert!(direct.return_value());
    let via = client
        .call(
            &ink_e2e::ferdie(),
            &caller.check(bob, charlie, Purpose::Payment, None),
        )
        .dry_run()
        .await?;
    let (via_ref_time, _) = row("is_authorized (via a caller contract)", &via);
    assert_eq!(via.return_value(), Ok(true));

    let revoke = registry.revoke_consent(bob, charlie, Purpose::Payment);
    let revoked = client.call(&ink_e2e::bob(), &revoke).dry_run().await?;
    row("revoke_consent", &revoked);
    assert_eq!(revoked.return_value(), Ok(()));

    assert!(
        check_ref_time < grant_ref_time,
        "a check costs less than a grant"
    );
    assert!(
        via_ref_time > check_ref_time,
        "the cross-contract check includes the call"
    );
    Ok(())
}

#[ink_e2e::test(backend(runtime_only))]
async fn drug_provenance_gas<Client: E2EBackend>(mut client: Client) -> E2EResult<()> {
    const GTIN: u64 = 10_012_345_678_902;
    let mut ledger = client
        .instantiate(
            "drug_provenance",
            &ink_e2e::alice(),
            &mut DrugProvenanceRef::new(),
        )
        .submit()
        .await?
        .call_builder::<DrugProvenance>();
    let account = |k: ink_e2e::Keypair| AccountId::from(k.public_key().0);
    let (bob, dave, ferdie) = (
        account(ink_e2e::bob()),
        account(ink_e2e::dave()),
        account(ink_e2e::ferdie()),
    );
    for (role, who) in [(Role::Manufacturer, bob), (Role::Dispenser, dave)] {
        client
            .call(&ink_e2e::alice(), &ledger.grant_role(role, who))
            .submit()
            .await?;
    }
    header("drug_provenance");
    let mut dispense_ref_time = Vec::new();
    // Two lots, 2^4 and 2^20 serials: dispense and verify must grow only by the proof's
    // extra hashes, commissioning not at all.
    for (lot, bits) in [(b"SMALL".to_vec(), 4u32), (b"LARGE".to_vec(), 20u32)] {
        let count = 1usize << bits;
        let serial = |i: usize| format!("SN{i:012}").into_bytes();
        let leaves: Vec<_> = (0..count).map(|i| hash_leaf(&serial(i))).collect();
        let root = merkle::root(&leaves).unwrap();
        let commission = ledger.commission_lot(
            GTIN,
            lot.clone(),
            u64::MAX / 2,
            16,
            root,
            count as u64,
            200,
            800,
            Hash::from([1; 32]),
        );
        let dry = client.call(&ink_e2e::bob(), &commission).dry_run().await?;
        row(&format!("commission_lot (2^{bits} serials)"), &dry);
        client.call(&ink_e2e::bob(), &commission).submit().await?;

        let ship = ledger.ship(GTIN, lot.clone(), dave, 4);
        let dry = client.call(&ink_e2e::bob(), &ship).dry_run().await?;
        row("ship", &dry);
        let shipment = client
            .call(&ink_e2e::bob(), &ship)
            .submit()
            .await?
            .return_value()
            .unwrap();
        let receive = ledger.receive(shipment);
        let dry = client.call(&ink_e2e::dave(), &receive).dry_run().await?;
        row("receive", &dry);
        client.call(&ink_e2e::dave(), &receive).submit().await?;

        let index = count / 2 + 1;
        let proof = merkle::proof(&leaves, index).unwrap();
        let verify = ledger.verify_unit(
            GTIN,
            lot.clone(),
            serial(index),
            index as u64,
            proof.clone(),
        );
        let dry = client.call(&ink_e2e::ferdie(), &verify).dry_run().await?;
        row(&format!("verify_unit (2^{bits} serials)"), &dry);
        let dispense = ledger.dispense(
            GTIN,
            lot.clone(),
            serial(index),
            index as u64,
            proof,
            ferdie,
        );
        let dry = client.call(&ink_e2e::dave(), &dispense).dry_run().await?;
        let (ref_time, _) = row(&format!("dispense (2^{bits} serials)"), &dry);
        assert_eq!(dry.return_value(), Ok(()));
        dispense_ref_time.push(ref_time);
    }
    assert!(
        dispense_ref_time[1] > dispense_ref_time[0],
        "a longer proof costs more hashes"
    );
    Ok(())
}

#[ink_e2e::test(backend(runtime_only))]
async fn trial_anchoring_gas<Client: E2EBackend>(mut client: Client) -> E2EResult<()> {
    let (bob, ferdie) = (
        support::id(&ink_e2e::bob()),
        support::id(&ink_e2e::ferdie()),
    );
    let (registry_id, mut registry) =
        support::deploy_consent_registry(&mut client, &ink_e2e::alice()).await;
    let mut trials =
        support::deploy_trial_anchoring(&mut client, &ink_e2e::alice(), registry_id).await;
    client
        .call(&ink_e2e::alice(), &trials.grant_role(Role::Sponsor, bob))
        .submit()
        .await?;
    header("trial_anchoring");
    let protocol = Hash::from([0x11; 32]);
    let register = trials.register_trial(
        b"NCT01234567".to_vec(),
        protocol,
        Hash::from([0x12; 32]),
        [0x13; 32],
        100,
    );
    row(
        "register_trial",
        &client.call(&ink_e2e::bob(), &register).dry_run().await?,
    );
    let trial = client
        .call(&ink_e2e::bob(), &register)
        .submit()
        .await?
        .return_value()
        .unwrap();
    support::grant_consent(
        &mut client,
        &mut registry,
        &ink_e2e::ferdie(),
        bob,
        Purpose::Research,
        Some(protocol),
    )
    .await
    .unwrap();
    let enrol = trials.enrol(trial, ferdie);
    let dry = client.call(&ink_e2e::bob(), &enrol).dry_run().await?;
    row("enrol (with cross-contract consent check)", &dry);
    assert_eq!(dry.return_value(), Ok(()));
    client.call(&ink_e2e::bob(), &enrol).submit().await?;
    row(
        "is_active (cross-contract)",
        &client
            .call(&ink_e2e::ferdie(), &trials.is_active(trial, ferdie))
            .dry_run()
            .await?,
    );
    // Anchoring costs the same for any batch size; verification grows by the proof's
    // extra hashes only.
    let mut verify_ref_time = Vec::new();
    for bits in [4u32, 20] {
        let count = 1usize << bits;
        let leaves: Vec<_> = (0..count)
            .map(|i| hash_leaf(format!("{{\"record\":{i}}}").as_bytes()))
            .collect();
        let root = merkle::root(&leaves).unwrap();
        let anchor = trials.anchor_batch(trial, root, count as u64, Hash::from([0x40; 32]));
        row(
            &format!("anchor_batch (2^{bits} leaves)"),
            &client.call(&ink_e2e::bob(), &anchor).dry_run().await?,
        );
        let batch = client
            .call(&ink_e2e::bob(), &anchor)
            .submit()
            .await?
            .return_value()
            .unwrap();
        let index = count / 2 + 1;
        let verify = trials.verify_inclusion(
            trial,
            batch,
            leaves[index],
            index as u64,
            merkle::proof(&leaves, index).unwrap(),
        );
        let dry = client.call(&ink_e2e::ferdie(), &verify).dry_run().await?;
        let (ref_time, _) = row(&format!("verify_inclusion (2^{bits} leaves)"), &dry);
        assert_eq!(dry.return_value(), Ok(true));
        verify_ref_time.push(ref_time);
    }
    assert!(
        verify_ref_time[1] > verify_ref_time[0],
        "a longer proof costs more hashes"
    );
    Ok(())
}

#[ink_e2e::test(backend(runtime_only))]
async fn claim_settlement_gas<Client: E2EBackend>(mut client: Client) -> E2EResult<()> {
    use claim_settlement::data::{
        ClaimLine, CostShare, CostSharing, DrugUnit, FeeScheduleEntry, ServiceCode, MAX_LINES,
    };
    const UNIT: u128 = 10_000_000_000;
    const LOT: &[u8] = b"LOT-GAS";
    let (dave, eve, ferdie) = (
        support::id(&ink_e2e::dave()),
        support::id(&ink_e2e::eve()),
        support::id(&ink_e2e::ferdie()),
    );
    let (registry_id, mut registry) =
        support::deploy_consent_registry(&mut client, &ink_e2e::alice()).await;
    let (ledger_id, mut ledger) = support::deploy_drug_provenance(
        &mut client,
        &ink_e2e::alice(),
        support::id(&ink_e2e::bob()),
        dave,
    )
    .await;
    let mut claims =
        support::deploy_claim_settlement(&mut client, &ink_e2e::alice(), registry_id, ledger_id)
            .await;
    for (role, who) in [(Role::Insurer, eve), (Role::Provider, dave)] {
        client
            .call(&ink_e2e::alice(), &claims.grant_role(role, who))
            .submit()
            .await?;
    }
    header("claim_settlement");
    let sharing = CostSharing {
        deductible: 10 * UNIT,
        copay: UNIT,
        coinsurance_bps: 2_000,
        out_of_pocket_max: 100 * UNIT,
    };
    let create = claims.create_plan(sharing, 0, support::FAR_FUTURE);
    row(
        "create_plan",
        &client.call(&ink_e2e::eve(), &create).dry_run().await?,
    );
    client.call(&ink_e2e::eve(), &create).submit().await?;
    let visit = ServiceCode::Procedure(*b"99213");
    let entry = |allowed| {
        Some(FeeScheduleEntry {
            allowed_per_unit: allowed * UNIT,
            cost_share: CostShare::Copay,
        })
    };
    let fees = claims.update_fee_schedule(
        1,
        vec![
            (visit, entry(150)),
            (ServiceCode::Drug(support::GTIN), entry(60)),
        ],
    );
    row(
        "update_fee_schedule (2 codes)",
        &client.call(&ink_e2e::eve(), &fees).dry_run().await?,
    );
    client.call(&ink_e2e::eve(), &fees).submit().await?;
    let enrol = claims.enrol_member(1, ferdie, 0, support::FAR_FUTURE);
    row(
        "enrol_member",
        &client.call(&ink_e2e::eve(), &enrol).dry_run().await?,
    );
    client.call(&ink_e2e::eve(), &enrol).submit().await?;
    let deposit = claims.deposit();
    row(
        "deposit",
        &client
            .call(&ink_e2e::eve(), &deposit)
            .value(5_000 * UNIT)
            .dry_run()
            .await?,
    );
    client
        .call(&ink_e2e::eve(), &deposit)
        .value(5_000 * UNIT)
        .submit()
        .await?;
    support::grant_consent(
        &mut client,
        &mut registry,
        &ink_e2e::ferdie(),
        dave,
        Purpose::Payment,
        None,
    )
    .await
    .unwrap();
    // A lot of 64 serials, MAX_LINES + 1 of them dispensed to ferdie.
    support::stock_pharmacy(
        &mut client,
        &mut ledger,
        &ink_e2e::bob(),
        &ink_e2e::dave(),
        LOT,
        64,
        60,
    )
    .await;
    for index in 0..=MAX_LINES {
        support::dispense(
            &mut client,
            &mut ledger,
            &ink_e2e::dave(),
            LOT,
            64,
            index,
            ferdie,
        )
        .await
        .unwrap();
    }
    let drug = |index: usize| ClaimLine {
        code: ServiceCode::Drug(support::GTIN),
        quantity: 1,
        charge: 60 * UNIT,
        unit: Some(DrugUnit {
            lot: LOT.to_vec(),
            serial: support::serial(index),
        }),
    };
    let now = support::granted_at(&mut client, &registry, ferdie, dave, Purpose::Payment).await;
    let one_visit = vec![ClaimLine {
        code: visit,
        quantity: 1,
        charge: 150 * UNIT,
        unit: None,
    }];
    for (label, lines) in [
        ("submit_claim (1 visit line, paid)".to_string(), one_visit),
        (
            "submit_claim (1 drug line, paid)".to_string(),
            vec![drug(0)],
        ),
        (
            format!("submit_claim ({MAX_LINES} drug lines, paid)"),
            (1..=MAX_LINES).map(drug).collect(),
        ),
    ] {
        let submit = claims.submit_claim(ferdie, 1, now, lines, Hash::from([0xAA; 32]));
        let dry = client.call(&ink_e2e::dave(), &submit).dry_run().await?;
        row(&label, &dry);
        assert!(dry.return_value().is_ok());
        client.call(&ink_e2e::dave(), &submit).submit().await?;
    }
    let withdraw = claims.withdraw(UNIT);
    row(
        "withdraw",
        &client.call(&ink_e2e::eve(), &withdraw).dry_run().await?,
    );
    Ok(())
}
