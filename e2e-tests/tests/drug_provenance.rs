//! drug_provenance at package level (DSCSA enhanced drug distribution security), on the
//! in-process sandbox and on substrate-contracts-node (`make test-node`), with signed calls
//! from each party (issue 18):
//! - a lot of 1,024 serials commissioned, 16 packages packed into two cases on a pallet in
//!   one write, the pallet shipped to a wholesaler, whose dock must scan what was shipped;
//! - the wholesaler opens the pallet (its cases checked against its root) and one case, and
//!   sends two packages on to a pharmacy in one shipment and the other case in another;
//! - a sensor's excursion holds the shipment it rides with, and only it: the other stays
//!   dispensable;
//! - one package dispensed (refused while the ledger is paused), one returned to the
//!   wholesaler (verified on receipt) and resold; a counterfeit, a clone and a label with another expiry refused;
//! - a trace of each package: where it was packed, who holds it now.
#![cfg(feature = "e2e-tests")]

mod support;

use drug_provenance::{
    data::{
        ContainerState, Error, Item, Level, Location, QuarantineReason, QuarantineReasons, Scan,
        SensorPlace, ShipmentPurpose, Trace, UnitStatus,
    },
    packing::Packing,
};
use healthchain_common::{
    access::{AccessControlled, AccessError, Role},
    merkle,
    provenance::ProvenanceCheck,
};
use ink::primitives::Hash;
use ink_e2e::E2EBackend;
use std::fmt::Debug;
use support::{
    accounts, deploy_drug_provenance, hash, printed_expiry, recipient, serial, submit_or_refusal,
    Accounts, BackendError, E2EResult, Ledger, FAR_FUTURE, GTIN,
};

const SERIALS: usize = 1024;
const LOT: &[u8] = b"2026-E2E";

#[ink_e2e::test(backend(runtime_only(sandbox = support::recording::RecordingSandbox)))]
async fn packages_from_manufacturer_to_patient_on_the_sandbox<Client: E2EBackend>(
    mut client: Client,
) -> E2EResult<()> {
    let mut client = support::Scenario::new(client);
    packages_from_manufacturer_to_patient(&mut client).await;
    Ok(())
}

/// The same on substrate-contracts-node (`make test-node`).
#[cfg(feature = "node-e2e")]
#[ink_e2e::test]
async fn packages_from_manufacturer_to_patient_on_the_node<Client: E2EBackend>(
    mut client: Client,
) -> E2EResult<()> {
    let mut client = support::Scenario::new(client);
    packages_from_manufacturer_to_patient(&mut client).await;
    Ok(())
}

/// bob's packing line: serials 0-7 and 8-15 in two cases on one pallet.
fn packing() -> Packing {
    support::packed(LOT, SERIALS, &[(101, 0, 8), (102, 8, 8)], Some(100))
}

/// bob commissions the lot: 16 packages of `packing`'s serials, all in his unpacked stock.
async fn commission<Client: E2EBackend>(
    client: &mut support::Scenario<Client>,
    ledger: &mut Ledger,
    packing: &Packing,
) where
    BackendError<Client>: Debug,
{
    submit_or_refusal(
        client,
        &ink_e2e::bob(),
        &ledger.commission_lot(
            GTIN,
            LOT.to_vec(),
            FAR_FUTURE,
            16,
            packing.serial_root().expect("serials"),
            SERIALS as u64,
            200,
            800,
            Hash::from([0xC0; 32]),
        ),
    )
    .await
    .expect("bob commissions the lot");
}

/// A trace of serial `index` by dry run, with its aggregation path.
async fn trace<Client: E2EBackend>(
    client: &mut support::Scenario<Client>,
    ledger: &Ledger,
    index: usize,
) -> Trace
where
    BackendError<Client>: Debug,
{
    let packing = packing();
    let message = ledger.trace(
        GTIN,
        LOT.to_vec(),
        serial(index),
        index as u64,
        merkle::proof(&packing.serial_leaves(), index).expect("in range"),
        packing.path(index).expect("packed"),
    );
    client
        .call(&ink_e2e::ferdie(), &message)
        .dry_run()
        .await
        .expect("dry run")
        .return_value()
        .expect("a genuine package is traced")
}

async fn packages_from_manufacturer_to_patient<Client: E2EBackend>(
    client: &mut support::Scenario<Client>,
) where
    BackendError<Client>: Debug,
{
    // alice admin; bob manufacturer; charlie wholesaler; dave pharmacy; eve sensor; ferdie
    // the patient.
    let Accounts {
        bob,
        charlie,
        dave,
        eve,
        ferdie,
        ..
    } = accounts();
    let alice = ink_e2e::alice();
    let (_, mut ledger) = deploy_drug_provenance(client, &alice, bob, dave).await;
    for (role, account) in [(Role::Wholesaler, charlie), (Role::Sensor, eve)] {
        submit_or_refusal(client, &alice, &ledger.grant_role(role, account))
            .await
            .expect("the admin registers the partner");
    }
    let packing = packing();
    let (pallet, first, second) = (
        packing.pallet.expect("a pallet"),
        packing.cases[0].sscc,
        packing.cases[1].sscc,
    );

    // Commissioned, then packed: 16 packages on a pallet in one write.
    commission(client, &mut ledger, &packing).await;
    submit_or_refusal(
        client,
        &ink_e2e::bob(),
        &ledger.aggregate(
            GTIN,
            LOT.to_vec(),
            pallet,
            Level::Pallet,
            packing.pallet_contents().expect("cases"),
            2,
            16,
            None,
        ),
    )
    .await
    .expect("bob packs the pallet");

    // Shipped to charlie with the hash of the transaction information and statement; the
    // dock must scan what was shipped.
    let shipment = submit_or_refusal(
        client,
        &ink_e2e::bob(),
        &ledger.ship(
            charlie,
            vec![Item::Container(pallet)],
            ShipmentPurpose::Sale,
            hash(0x71),
        ),
    )
    .await
    .expect("bob ships the pallet");
    let wrong = ledger.receive(shipment, vec![Scan::Container(first)]);
    let refused = client
        .call(&ink_e2e::charlie(), &wrong)
        .dry_run()
        .await
        .expect("dry run");
    assert_eq!(refused.return_value(), Err(Error::ShipmentMismatch));
    submit_or_refusal(
        client,
        &ink_e2e::charlie(),
        &ledger.receive(shipment, vec![Scan::Container(pallet)]),
    )
    .await
    .expect("charlie receives the pallet");
    assert!(matches!(
        trace(client, &ledger, 3).await.location,
        Location::InContainer { sscc, holder, state: ContainerState::Sealed, .. }
            if sscc == pallet && holder == charlie
    ));

    // charlie opens the pallet and the first case, and sends two packages on to dave in one
    // shipment and the second case, with a sensor, in another.
    let mut bad_cases = packing.case_specs();
    bad_cases.swap(0, 1);
    let refused = client
        .call(&ink_e2e::charlie(), &ledger.disaggregate(pallet, bad_cases))
        .dry_run()
        .await
        .expect("dry run");
    assert_eq!(refused.return_value(), Err(Error::ContentsMismatch));
    submit_or_refusal(
        client,
        &ink_e2e::charlie(),
        &ledger.disaggregate(pallet, packing.case_specs()),
    )
    .await
    .expect("charlie opens the pallet");
    submit_or_refusal(
        client,
        &ink_e2e::charlie(),
        &ledger.disaggregate(first, vec![]),
    )
    .await
    .expect("charlie opens the first case");
    let two = submit_or_refusal(
        client,
        &ink_e2e::charlie(),
        &ledger.ship(
            dave,
            vec![
                Item::Package(packing.package(1, true).expect("serial 1")),
                Item::Package(packing.package(2, true).expect("serial 2")),
            ],
            ShipmentPurpose::Sale,
            hash(0x72),
        ),
    )
    .await
    .expect("charlie ships two packages");
    let case = submit_or_refusal(
        client,
        &ink_e2e::charlie(),
        &ledger.ship(
            dave,
            vec![Item::Container(second)],
            ShipmentPurpose::Sale,
            hash(0x73),
        ),
    )
    .await
    .expect("charlie ships the second case");
    submit_or_refusal(
        client,
        &ink_e2e::charlie(),
        &ledger.bind_sensor(SensorPlace::Shipment(case), eve),
    )
    .await
    .expect("charlie binds the sensor to the case's shipment");
    submit_or_refusal(
        client,
        &ink_e2e::eve(),
        &ledger.report_temperature(SensorPlace::Shipment(case), 1150),
    )
    .await
    .expect("the sensor reports an excursion");
    let held = client
        .call(&ink_e2e::dave(), &ledger.shipment(case))
        .dry_run()
        .await
        .expect("read")
        .return_value()
        .expect("in transit");
    assert_eq!(
        held.hold,
        QuarantineReasons::of(QuarantineReason::TemperatureExcursion)
    );
    let other = client
        .call(&ink_e2e::dave(), &ledger.shipment(two))
        .dry_run()
        .await
        .expect("read")
        .return_value()
        .expect("in transit");
    assert!(other.hold.is_empty(), "the other shipment is not held");
    submit_or_refusal(
        client,
        &ink_e2e::dave(),
        &ledger.receive(two, vec![scan(&packing, 2), scan(&packing, 1)]),
    )
    .await
    .expect("dave receives the two packages");
    submit_or_refusal(
        client,
        &ink_e2e::dave(),
        &ledger.receive(case, vec![Scan::Container(second)]),
    )
    .await
    .expect("dave receives the held case");
    submit_or_refusal(
        client,
        &ink_e2e::dave(),
        &ledger.disaggregate(second, vec![]),
    )
    .await
    .expect("dave opens the held case");

    // The held case's packages are not dispensable; the other shipment's are.
    let expiry = printed_expiry();
    // Packages 1 and 2 moved on their own (shipped loose): named without their case.
    macro_rules! dispense {
        ($index:expr, $from_case:expr) => {
            ledger.dispense(
                packing.package($index, $from_case).expect("a package"),
                expiry,
                recipient(ferdie, &serial($index)),
            )
        };
    }
    let refused = client
        .call(&ink_e2e::dave(), &dispense!(9, true))
        .dry_run()
        .await
        .expect("dry run");
    assert_eq!(refused.return_value(), Err(Error::LotQuarantined));
    let scanned = ledger.verify_unit(
        GTIN,
        LOT.to_vec(),
        serial(1),
        expiry,
        1,
        merkle::proof(&packing.serial_leaves(), 1).expect("in range"),
    );
    let status = client
        .call(&ink_e2e::ferdie(), &scanned)
        .dry_run()
        .await
        .expect("dry run");
    assert_eq!(status.return_value(), UnitStatus::Genuine);
    // Paused, the ledger runs its library's code, which refuses a dispense as paused and
    // still answers a payer's question: its own build, whose dispense does not read the
    // pause flag, must never answer now.
    submit_or_refusal(client, &alice, &ledger.pause())
        .await
        .expect("the admin pauses the ledger");
    let paused = client
        .call(&ink_e2e::dave(), &dispense!(1, false))
        .dry_run()
        .await
        .expect("dry run");
    assert_eq!(
        paused.return_value(),
        Err(Error::Access(AccessError::Paused))
    );
    let asked = client
        .call(
            &ink_e2e::ferdie(),
            &ledger.dispensed_units(vec![(GTIN, LOT.to_vec(), serial(1))].into()),
        )
        .dry_run()
        .await
        .expect("read");
    assert_eq!(asked.return_value(), vec![None], "answered, not dispensed");
    submit_or_refusal(client, &alice, &ledger.unpause())
        .await
        .expect("the admin unpauses the ledger");
    submit_or_refusal(client, &ink_e2e::dave(), &dispense!(1, false))
        .await
        .expect("dave dispenses package 1");
    let unit = client
        .call(
            &ink_e2e::ferdie(),
            &ledger.dispensed_units(vec![(GTIN, LOT.to_vec(), serial(1))].into()),
        )
        .dry_run()
        .await
        .expect("read")
        .return_value()
        .pop()
        .flatten()
        .expect("dispensed");
    assert_eq!(
        (unit.dispenser, unit.recipient),
        (dave, recipient(ferdie, &serial(1)))
    );

    // A clone, a counterfeit and a label with another expiry are refused.
    let clone = client
        .call(&ink_e2e::dave(), &dispense!(1, false))
        .dry_run()
        .await
        .expect("dry run");
    assert_eq!(clone.return_value(), Err(Error::AlreadyDispensed));
    // Named with the case it left (charlie's): the ledger's own build hands the refusal to
    // its library, which reads the record.
    let clone = client
        .call(&ink_e2e::dave(), &dispense!(1, true))
        .dry_run()
        .await
        .expect("dry run");
    assert_eq!(clone.return_value(), Err(Error::AlreadyDispensed));
    let mut counterfeit = packing.package(2, false).expect("serial 2");
    counterfeit.serial = b"SN-FAKE".to_vec();
    let fake = ledger.dispense(counterfeit, expiry, recipient(ferdie, b"SN-FAKE"));
    let refused = client
        .call(&ink_e2e::dave(), &fake)
        .dry_run()
        .await
        .expect("dry run");
    assert_eq!(refused.return_value(), Err(Error::Counterfeit));
    let relabelled = ledger.dispense(
        packing.package(2, false).expect("serial 2"),
        expiry.wrapping_add(1),
        recipient(ferdie, &serial(2)),
    );
    let refused = client
        .call(&ink_e2e::dave(), &relabelled)
        .dry_run()
        .await
        .expect("dry run");
    assert_eq!(refused.return_value(), Err(Error::ExpiryMismatch));

    // Package 2 goes back to charlie as a saleable return (only to the seller), verified on
    // receipt, and is resold to dave.
    let back = || vec![Item::Package(packing.package(2, false).expect("serial 2"))];
    let refused = client
        .call(
            &ink_e2e::dave(),
            &ledger.ship(bob, back(), ShipmentPurpose::Return, hash(0x74)),
        )
        .dry_run()
        .await
        .expect("dry run");
    assert_eq!(refused.return_value(), Err(Error::NotTheSeller));
    let returned = submit_or_refusal(
        client,
        &ink_e2e::dave(),
        &ledger.ship(charlie, back(), ShipmentPurpose::Return, hash(0x74)),
    )
    .await
    .expect("dave returns package 2");
    submit_or_refusal(
        client,
        &ink_e2e::charlie(),
        &ledger.receive(returned, vec![scan(&packing, 2)]),
    )
    .await
    .expect("charlie receives the return");
    let record = client
        .call(
            &ink_e2e::charlie(),
            &ledger.package(GTIN, LOT.to_vec(), serial(2)),
        )
        .dry_run()
        .await
        .expect("read")
        .return_value()
        .expect("a record");
    assert_eq!(
        (record.holder, record.hold),
        (charlie, QuarantineReasons::default()),
        "saleable"
    );
    let resold = submit_or_refusal(
        client,
        &ink_e2e::charlie(),
        &ledger.ship(dave, back(), ShipmentPurpose::Sale, hash(0x75)),
    )
    .await
    .expect("charlie resells package 2");
    submit_or_refusal(
        client,
        &ink_e2e::dave(),
        &ledger.receive(resold, vec![scan(&packing, 2)]),
    )
    .await
    .expect("dave receives it again");

    // A trace of each: where it was packed, where it is now.
    let one = trace(client, &ledger, 1).await;
    assert_eq!(one.aggregated_into, vec![first, pallet]);
    assert_eq!(one.manufacturer, bob);
    assert!(matches!(one.location, Location::Dispensed { dispenser, .. } if dispenser == dave));
    let two = trace(client, &ledger, 2).await;
    assert_eq!(two.aggregated_into, vec![first, pallet]);
    assert_eq!(
        two.location,
        Location::Loose {
            holder: dave,
            hold: QuarantineReasons::default()
        }
    );
    let nine = trace(client, &ledger, 9).await;
    assert_eq!(nine.aggregated_into, vec![second, pallet]);
    assert_eq!(
        nine.location,
        Location::Loose {
            holder: dave,
            hold: QuarantineReasons::of(QuarantineReason::TemperatureExcursion)
        }
    );
    let five = trace(client, &ledger, 5).await;
    assert_eq!(
        five.location,
        Location::Loose {
            holder: charlie,
            hold: QuarantineReasons::default()
        }
    );
    // Package 2 is dispensable; the held case's packages are not until released.
    submit_or_refusal(client, &ink_e2e::dave(), &dispense!(2, false))
        .await
        .expect("dave dispenses the resold package");
}

/// A dispense from the manufacturer's unpacked stock (a package that never was in a
/// container) changes its lot's count of unpacked packages, which the ledger's own build
/// does not write: it hands such a dispense, input and all, to the ledger's library, which
/// runs it from the start. bob, the manufacturer, also dispenses (a manufacturer's own
/// pharmacy); dave, a pharmacy, cannot take a package bob still holds.
#[ink_e2e::test(backend(runtime_only(sandbox = support::recording::RecordingSandbox)))]
async fn a_dispense_from_the_unpacked_stock_is_the_librarys_on_the_sandbox<Client: E2EBackend>(
    mut client: Client,
) -> E2EResult<()> {
    let mut client = support::Scenario::new(client);
    a_dispense_from_the_unpacked_stock_is_the_librarys(&mut client).await;
    Ok(())
}

/// The same on substrate-contracts-node (`make test-node`).
#[cfg(feature = "node-e2e")]
#[ink_e2e::test]
async fn a_dispense_from_the_unpacked_stock_is_the_librarys_on_the_node<Client: E2EBackend>(
    mut client: Client,
) -> E2EResult<()> {
    let mut client = support::Scenario::new(client);
    a_dispense_from_the_unpacked_stock_is_the_librarys(&mut client).await;
    Ok(())
}

async fn a_dispense_from_the_unpacked_stock_is_the_librarys<Client: E2EBackend>(
    client: &mut support::Scenario<Client>,
) where
    BackendError<Client>: Debug,
{
    let Accounts {
        bob, dave, ferdie, ..
    } = accounts();
    let alice = ink_e2e::alice();
    let (_, mut ledger) = deploy_drug_provenance(client, &alice, bob, dave).await;
    submit_or_refusal(client, &alice, &ledger.grant_role(Role::Dispenser, bob))
        .await
        .expect("the admin registers bob's pharmacy");
    let packing = packing();
    commission(client, &mut ledger, &packing).await;
    let unpacked = |state: Option<drug_provenance::drug_provenance::LotState>| {
        state.expect("the lot is known").lot.unpacked
    };
    let lot_state = ledger.lot_state(GTIN, LOT.to_vec());
    let before = client
        .call(&ink_e2e::eve(), &lot_state)
        .dry_run()
        .await
        .expect("dry run")
        .return_value();
    assert_eq!(unpacked(before), 16);
    // Package 3, named without a case: it never was in one.
    let dispense = ledger.dispense(
        packing.package(3, false).expect("in range"),
        printed_expiry(),
        recipient(ferdie, &serial(3)),
    );

    // dave does not hold the package: refused, by the library, and nothing changes.
    assert_eq!(
        submit_or_refusal(client, &ink_e2e::dave(), &dispense).await,
        Err(Error::PackageUnavailable)
    );
    // bob does: dispensed, and the lot counts one unpacked package fewer.
    submit_or_refusal(client, &ink_e2e::bob(), &dispense)
        .await
        .expect("bob dispenses from his unpacked stock");
    let after = client
        .call(&ink_e2e::eve(), &lot_state)
        .dry_run()
        .await
        .expect("dry run")
        .return_value();
    assert_eq!(unpacked(after), 15);
    let record = client
        .call(
            &ink_e2e::eve(),
            &ledger.package(GTIN, LOT.to_vec(), serial(3)),
        )
        .dry_run()
        .await
        .expect("dry run")
        .return_value()
        .expect("the package has a record of its own");
    assert!(matches!(
        record.state,
        drug_provenance::data::PackageState::Dispensed { dispenser, .. } if dispenser == bob
    ));
    assert_eq!(record.came_from, None);
    // Its own record now answers: a second dispense is refused by the own build.
    assert_eq!(
        submit_or_refusal(client, &ink_e2e::bob(), &dispense).await,
        Err(Error::AlreadyDispensed)
    );
}

/// A pharmacy's close of day at the batch's bound: 32 packages of an opened case, from a
/// lot of 65,536 serials, whose proofs make the call's input about 24 KB. Read into ink!'s
/// 16 KiB buffer, it could not be taken: the host refused to copy the input
/// (`OutputBufferTooSmall`) and the whole batch failed before the ledger saw it.
#[ink_e2e::test(backend(runtime_only(sandbox = support::recording::RecordingSandbox)))]
async fn a_full_batch_of_a_large_lot_is_dispensed_on_the_sandbox<Client: E2EBackend>(
    mut client: Client,
) -> E2EResult<()> {
    let mut client = support::Scenario::new(client);
    a_full_batch_of_a_large_lot_is_dispensed(&mut client).await;
    Ok(())
}

/// The same on substrate-contracts-node (`make test-node`).
#[cfg(feature = "node-e2e")]
#[ink_e2e::test]
async fn a_full_batch_of_a_large_lot_is_dispensed_on_the_node<Client: E2EBackend>(
    mut client: Client,
) -> E2EResult<()> {
    let mut client = support::Scenario::new(client);
    a_full_batch_of_a_large_lot_is_dispensed(&mut client).await;
    Ok(())
}

async fn a_full_batch_of_a_large_lot_is_dispensed<Client: E2EBackend>(
    client: &mut support::Scenario<Client>,
) where
    BackendError<Client>: Debug,
{
    use drug_provenance::data::{Dispense, MAX_BATCH};
    use ink::scale::Encode;
    const LARGE_LOT: &[u8] = b"2026-LARGE-LOT";
    let Accounts {
        bob, dave, ferdie, ..
    } = accounts();
    let (_, mut ledger) = deploy_drug_provenance(client, &ink_e2e::alice(), bob, dave).await;
    let packing = support::stock_pharmacy(
        client,
        &mut ledger,
        &ink_e2e::bob(),
        &ink_e2e::dave(),
        LARGE_LOT,
        1 << 16,
        MAX_BATCH as u64,
    )
    .await;
    let leaves = packing.serial_leaves();
    let dispenses: Vec<Dispense> = (0..MAX_BATCH)
        .map(|index| Dispense {
            package: packing
                .package_among(&leaves, index, true)
                .expect("in the case"),
            expiry: printed_expiry(),
            recipient: recipient(ferdie, &serial(index)),
        })
        .collect();
    assert!(
        dispenses.encode().len() > 16 * 1024,
        "the batch's input is larger than ink!'s default buffer"
    );
    let answers = submit_or_refusal(client, &ink_e2e::dave(), &ledger.dispense_batch(dispenses))
        .await
        .expect("the batch is taken");
    assert_eq!(answers, vec![Ok(()); MAX_BATCH]);
    for index in [0, MAX_BATCH - 1] {
        let status = client
            .call(
                &ink_e2e::eve(),
                &ledger.verify_unit(
                    GTIN,
                    LARGE_LOT.to_vec(),
                    serial(index),
                    printed_expiry(),
                    index as u64,
                    merkle::proof(&leaves, index).expect("in range"),
                ),
            )
            .dry_run()
            .await
            .expect("dry run")
            .return_value();
        assert_eq!(status, UnitStatus::Dispensed);
    }
}

fn scan(packing: &Packing, index: usize) -> Scan {
    Scan::Package {
        gtin: GTIN,
        lot: LOT.to_vec(),
        serial: packing.serials[index].as_bytes().to_vec(),
    }
}
