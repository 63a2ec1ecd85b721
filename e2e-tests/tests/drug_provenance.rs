//! drug_provenance on a real (in-process) chain: a lot walks from its manufacturer through
//! a wholesaler to a pharmacy with signed calls from each party; an excursion stops
//! shipment; a counterfeit and a clone are refused. Refusals are checked with dry runs.
#![cfg(feature = "e2e-tests")]

mod support;

use drug_provenance::{
    data::{Error, LotStatus, QuarantineReason, QuarantineReasons, UnitStatus},
    drug_provenance::{DrugProvenance, DrugProvenanceRef},
};
use healthchain_common::{
    access::{AccessControlled, Role},
    merkle::{self, hash_leaf, Digest},
    provenance::ProvenanceCheck,
};
use ink::primitives::Hash;
use ink_e2e::ContractsBackend;
use support::{accounts, recipient, serial, Accounts, E2EResult, FAR_FUTURE as EXPIRY, GTIN};

const SERIALS: usize = 1024;

fn lot() -> Vec<u8> {
    b"2026-E2E".to_vec()
}

fn leaves() -> Vec<Digest> {
    (0..SERIALS).map(|i| hash_leaf(&serial(i))).collect()
}

#[ink_e2e::test(backend(runtime_only))]
async fn a_lot_from_manufacturer_to_patient<Client: E2EBackend>(
    mut client: Client,
) -> E2EResult<()> {
    let mut client = support::Scenario::new(client);
    // alice admin and regulator's registrar; bob manufacturer; charlie wholesaler; dave
    // pharmacy; eve sensor; ferdie the patient.
    let Accounts {
        bob,
        charlie,
        dave,
        eve,
        ferdie,
        ..
    } = accounts();
    let mut ledger = client
        .instantiate(
            "drug_provenance",
            &ink_e2e::alice(),
            &mut DrugProvenanceRef::new(support::CHANGE_DELAY),
        )
        .submit()
        .await?
        .call_builder::<DrugProvenance>();
    for (role, account) in [
        (Role::Manufacturer, bob),
        (Role::Wholesaler, charlie),
        (Role::Dispenser, dave),
        (Role::Sensor, eve),
    ] {
        client
            .call(&ink_e2e::alice(), &ledger.grant_role(role, account))
            .submit()
            .await?
            .return_value()
            .expect("admin registers the partner");
    }
    let (prefix, digits) = support::COMPANY_PREFIX;
    client
        .call(
            &ink_e2e::alice(),
            &ledger.license_company_prefix(prefix, digits, bob),
        )
        .submit()
        .await?
        .return_value()
        .expect("admin licenses bob's company prefix");

    // Commission a lot of 1,024 serials stored 2-8 °C.
    let leaves = leaves();
    let root = merkle::root(&leaves).expect("serials");
    let commission = ledger.commission_lot(
        GTIN,
        lot(),
        EXPIRY,
        100,
        root,
        SERIALS as u64,
        200,
        800,
        Hash::from([0xC0; 32]),
    );
    client
        .call(&ink_e2e::bob(), &commission)
        .submit()
        .await?
        .return_value()
        .expect("bob commissions the lot");
    let again = client.call(&ink_e2e::bob(), &commission).dry_run().await?;
    assert_eq!(again.return_value(), Err(Error::LotAlreadyCommissioned));
    client
        .call(&ink_e2e::bob(), &ledger.bind_sensor(GTIN, lot(), eve))
        .submit()
        .await?
        .return_value()
        .expect("bob binds the cold-chain sensor to the lot");

    // bob -> charlie -> dave, with a sensor reading in range on the way.
    let shipment = client
        .call(&ink_e2e::bob(), &ledger.ship(GTIN, lot(), charlie, 60))
        .submit()
        .await?
        .return_value()
        .expect("bob ships 60");
    client
        .call(
            &ink_e2e::eve(),
            &ledger.report_temperature(GTIN, lot(), Some(shipment), 540),
        )
        .submit()
        .await?
        .return_value()
        .expect("sensor reading in range");
    let stranger = client
        .call(&ink_e2e::dave(), &ledger.receive(shipment))
        .dry_run()
        .await?;
    assert_eq!(stranger.return_value(), Err(Error::NotTheRecipient));
    client
        .call(&ink_e2e::charlie(), &ledger.receive(shipment))
        .submit()
        .await?
        .return_value()
        .expect("charlie receives");
    let shipment = client
        .call(&ink_e2e::charlie(), &ledger.ship(GTIN, lot(), dave, 10))
        .submit()
        .await?
        .return_value()
        .expect("charlie ships 10");
    client
        .call(&ink_e2e::dave(), &ledger.receive(shipment))
        .submit()
        .await?
        .return_value()
        .expect("dave receives");
    let too_many = client
        .call(&ink_e2e::charlie(), &ledger.ship(GTIN, lot(), dave, 51))
        .dry_run()
        .await?;
    assert_eq!(too_many.return_value(), Err(Error::InsufficientHoldings));
    let custodians = client
        .call(&ink_e2e::alice(), &ledger.custodians(GTIN, lot(), 0, 64))
        .dry_run()
        .await?
        .return_value();
    assert_eq!(custodians, vec![(bob, 40), (charlie, 50), (dave, 10)]);

    // The pharmacy dispenses serial 517 to the patient with its Merkle proof.
    let index = 517;
    let proof = merkle::proof(&leaves, index).expect("in range");
    let dispense = ledger.dispense(
        GTIN,
        lot(),
        serial(index),
        index as u64,
        proof.clone(),
        recipient(ferdie, &serial(index)),
    );
    client
        .call(&ink_e2e::dave(), &dispense)
        .submit()
        .await?
        .return_value()
        .expect("dave dispenses a genuine serial");
    let unit = client
        .call(
            &ink_e2e::ferdie(),
            &ledger.dispensed_unit(GTIN, lot(), serial(index)),
        )
        .dry_run()
        .await?
        .return_value()
        .expect("the dispense record stays");
    assert_eq!(
        (unit.recipient, unit.dispenser),
        (recipient(ferdie, &serial(index)), dave)
    );
    // A scan answers the status only, whoever holds the package.
    let scan = client
        .call(
            &ink_e2e::ferdie(),
            &ledger.verify_unit(GTIN, lot(), serial(index), index as u64, proof.clone()),
        )
        .dry_run()
        .await?
        .return_value();
    assert_eq!(scan, UnitStatus::Dispensed);

    // A clone (same serial again) and a counterfeit (a serial outside the lot) are refused.
    let clone = client.call(&ink_e2e::dave(), &dispense).dry_run().await?;
    assert_eq!(clone.return_value(), Err(Error::AlreadyDispensed));
    let fake = ledger.dispense(
        GTIN,
        lot(),
        b"SN9999999999".to_vec(),
        3,
        merkle::proof(&leaves, 3).unwrap(),
        recipient(ferdie, &serial(3)),
    );
    let counterfeit = client.call(&ink_e2e::dave(), &fake).dry_run().await?;
    assert_eq!(counterfeit.return_value(), Err(Error::Counterfeit));
    let scan = client
        .call(
            &ink_e2e::ferdie(),
            &ledger.verify_unit(
                GTIN,
                lot(),
                b"SN9999999999".to_vec(),
                3,
                merkle::proof(&leaves, 3).unwrap(),
            ),
        )
        .dry_run()
        .await?
        .return_value();
    assert_eq!(scan, UnitStatus::Unknown);

    // An excursion quarantines the lot at once and stops shipment.
    client
        .call(
            &ink_e2e::eve(),
            &ledger.report_temperature(GTIN, lot(), None, 1150),
        )
        .submit()
        .await?
        .return_value()
        .expect("sensor reports an excursion");
    let state = client
        .call(&ink_e2e::alice(), &ledger.lot_state(GTIN, lot()))
        .dry_run()
        .await?
        .return_value()
        .expect("the lot exists");
    assert_eq!(
        state.lot.status,
        LotStatus::Quarantined(QuarantineReasons::of(
            QuarantineReason::TemperatureExcursion
        ))
    );
    assert_eq!(state.lot.excursions, 1);
    assert_eq!(state.lot.dispensed, 1);
    let held = client
        .call(&ink_e2e::charlie(), &ledger.ship(GTIN, lot(), dave, 1))
        .dry_run()
        .await?;
    assert_eq!(held.return_value(), Err(Error::LotQuarantined));
    let next = ledger.dispense(
        GTIN,
        lot(),
        serial(3),
        3,
        merkle::proof(&leaves, 3).unwrap(),
        recipient(ferdie, &serial(3)),
    );
    let held = client.call(&ink_e2e::dave(), &next).dry_run().await?;
    assert_eq!(held.return_value(), Err(Error::LotQuarantined));
    let unit = client
        .call(
            &ink_e2e::ferdie(),
            &ledger.dispensed_unit(GTIN, lot(), serial(index)),
        )
        .dry_run()
        .await?
        .return_value()
        .expect("still recorded");
    assert!(unit.lot_quarantined, "a payer sees the quarantine");
    Ok(())
}
