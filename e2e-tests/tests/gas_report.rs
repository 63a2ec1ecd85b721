//! Gas and storage deposit of the contracts' main messages in the sandbox, whose figures
//! are deterministic. `make gas` prints them. ink_e2e 5.1.1 builds contracts in
//! debug mode, so these are debug-build figures; `make bench` (issue 8) covers release.
#![cfg(feature = "e2e-tests")]

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
