//! Unit tests of every message and error path, and a property test of the quantity
//! accounting, on ink!'s off-chain environment.

use crate::{data::*, drug_provenance::*};
use healthchain_common::{
    access::{AccessControlled, AccessError, Role},
    merkle::{self, hash_leaf, Digest},
    provenance::ProvenanceCheck,
    unit_test::{event_count, last_event, topic},
};
use ink::{
    env::{test, DefaultEnvironment as Env},
    primitives::{AccountId, Hash},
    scale::Encode,
};
use proptest::prelude::*;

const NOW: u64 = 1_700_000_000_000;
const DAY: u64 = 24 * 60 * 60 * 1000;
const GTIN: u64 = 10_012_345_678_902;
const SERIALS: usize = 16;

fn lot_no() -> Vec<u8> {
    b"LOT-A1".to_vec()
}

fn serials() -> Vec<Vec<u8>> {
    (0..SERIALS)
        .map(|i| format!("SN{i:06}").into_bytes())
        .collect()
}

fn leaves() -> Vec<Digest> {
    serials().iter().map(|s| hash_leaf(s)).collect()
}

fn proof_of(index: usize) -> Vec<Digest> {
    merkle::proof(&leaves(), index).unwrap()
}

fn hash(byte: u8) -> Hash {
    Hash::from([byte; 32])
}

/// The pharmacy's salted commitment to the patient (the patient's plan pseudonym).
fn recipient() -> Hash {
    healthchain_common::provenance::recipient_commitment(&AccountId::from([0x50; 32]), &[7; 32])
}

fn as_caller(account: AccountId) {
    test::set_caller::<Env>(account);
}

/// The parties: alice admin, bob manufacturer, charlie wholesaler, django pharmacy, eve
/// sensor, frank regulator.
struct Parties {
    admin: AccountId,
    manufacturer: AccountId,
    wholesaler: AccountId,
    pharmacy: AccountId,
    sensor: AccountId,
    regulator: AccountId,
}

fn setup() -> (DrugProvenance, Parties) {
    let a = test::default_accounts::<Env>();
    test::set_block_timestamp::<Env>(NOW);
    as_caller(a.alice);
    let mut ledger = DrugProvenance::new(0);
    ledger.grant_role(Role::Regulator, a.frank).unwrap();
    // The regulator registers the trading partners.
    as_caller(a.frank);
    ledger.grant_role(Role::Manufacturer, a.bob).unwrap();
    ledger.grant_role(Role::Wholesaler, a.charlie).unwrap();
    ledger.grant_role(Role::Dispenser, a.django).unwrap();
    ledger.grant_role(Role::Sensor, a.eve).unwrap();
    // bob's GS1 company prefix, 0012345: the GTIN's digits after its indicator.
    ledger.license_company_prefix(12_345, 7, a.bob).unwrap();
    let parties = Parties {
        admin: a.alice,
        manufacturer: a.bob,
        wholesaler: a.charlie,
        pharmacy: a.django,
        sensor: a.eve,
        regulator: a.frank,
    };
    (ledger, parties)
}

fn commission(ledger: &mut DrugProvenance, p: &Parties) -> Result<(), Error> {
    commission_certified(ledger, p, hash(0xC0))
}

/// Commissions the test lot with `certificate` as its certificate of analysis.
fn commission_certified(
    ledger: &mut DrugProvenance,
    p: &Parties,
    certificate: Hash,
) -> Result<(), Error> {
    as_caller(p.manufacturer);
    ledger.commission_lot(
        GTIN,
        lot_no(),
        NOW + 365 * DAY,
        SERIALS as u64,
        merkle::root(&leaves()).unwrap(),
        SERIALS as u64,
        200,
        800,
        certificate,
    )
}

/// Commissions the lot and moves `units` of it to the pharmacy through the wholesaler.
fn stock_pharmacy(ledger: &mut DrugProvenance, p: &Parties, units: u64) {
    commission(ledger, p).unwrap();
    as_caller(p.manufacturer);
    // The cold-chain sensor that travels with the lot.
    ledger.bind_sensor(GTIN, lot_no(), p.sensor).unwrap();
    let s1 = ledger.ship(GTIN, lot_no(), p.wholesaler, units).unwrap();
    as_caller(p.wholesaler);
    ledger.receive(s1).unwrap();
    let s2 = ledger.ship(GTIN, lot_no(), p.pharmacy, units).unwrap();
    as_caller(p.pharmacy);
    ledger.receive(s2).unwrap();
}

fn dispense(ledger: &mut DrugProvenance, index: usize) -> Result<(), Error> {
    ledger.dispense(
        GTIN,
        lot_no(),
        serials()[index].clone(),
        index as u64,
        proof_of(index),
        recipient(),
    )
}

fn status(ledger: &DrugProvenance) -> LotStatus {
    ledger.lot_state(GTIN, lot_no()).unwrap().lot.status
}

#[ink::test]
fn commission_records_the_lot_and_its_holder() {
    let (mut ledger, p) = setup();
    commission(&mut ledger, &p).unwrap();
    let (event, topics) = last_event::<LotCommissioned>();
    assert_eq!(
        topics,
        vec![topic(&GTIN), topic(&lot_no()), topic(&p.manufacturer)]
    );
    assert_eq!(event.quantity, SERIALS as u64);
    assert_eq!(event.min_temp, 200);
    let state = ledger.lot_state(GTIN, lot_no()).unwrap();
    assert_eq!(state.lot.status, LotStatus::Active);
    assert_eq!(state.lot.manufacturer, p.manufacturer);
    assert_eq!(state.custodian_count, 1);
    assert!(!state.expired);
    assert_eq!(
        ledger.holding(GTIN, lot_no(), p.manufacturer),
        SERIALS as u64
    );
    assert_eq!(
        ledger.custodians(GTIN, lot_no(), 0, 10),
        vec![(p.manufacturer, SERIALS as u64)]
    );
}

#[ink::test]
fn commission_refuses_bad_input_and_changes_nothing() {
    let (mut ledger, p) = setup();
    let root = merkle::root(&leaves()).unwrap();
    let events = event_count();
    as_caller(p.manufacturer);
    let try_commission =
        |l: &mut DrugProvenance, gtin, lot: &[u8], expiry, qty, count, min, max| {
            l.commission_lot(
                gtin,
                lot.to_vec(),
                expiry,
                qty,
                root,
                count,
                min,
                max,
                hash(1),
            )
        };
    let later = NOW + DAY;
    assert_eq!(
        try_commission(&mut ledger, GTIN + 1, b"L1", later, 4, 16, 200, 800),
        Err(Error::InvalidGtin)
    );
    assert_eq!(
        try_commission(
            &mut ledger,
            GTIN,
            b"L123456789012345678901",
            later,
            4,
            16,
            200,
            800
        ),
        Err(Error::InvalidLot)
    );
    assert_eq!(
        try_commission(&mut ledger, GTIN, b"L1", later, 0, 16, 200, 800),
        Err(Error::ZeroQuantity)
    );
    assert_eq!(
        try_commission(&mut ledger, GTIN, b"L1", later, 17, 16, 200, 800),
        Err(Error::QuantityExceedsSerials)
    );
    assert_eq!(
        try_commission(&mut ledger, GTIN, b"L1", NOW, 4, 16, 200, 800),
        Err(Error::ExpiryInPast)
    );
    assert_eq!(
        try_commission(&mut ledger, GTIN, b"L1", later, 4, 16, 800, 800),
        Err(Error::InvalidTemperatureRange)
    );
    as_caller(p.wholesaler);
    assert_eq!(
        try_commission(&mut ledger, GTIN, b"L1", later, 4, 16, 200, 800),
        Err(Error::Access(AccessError::MissingRole(Role::Manufacturer)))
    );
    assert_eq!(event_count(), events);
    assert_eq!(ledger.lot_state(GTIN, b"L1".to_vec()), None);

    commission(&mut ledger, &p).unwrap();
    assert_eq!(
        commission(&mut ledger, &p),
        Err(Error::LotAlreadyCommissioned)
    );
}

#[ink::test]
fn the_cost_of_a_lot_does_not_depend_on_its_serial_count() {
    // A million serials are one root and one count: the stored record has the same size.
    let (mut ledger, p) = setup();
    as_caller(p.manufacturer);
    let root = [7u8; 32];
    ledger
        .commission_lot(
            GTIN,
            b"SMALL".to_vec(),
            NOW + DAY,
            10,
            root,
            10,
            200,
            800,
            hash(1),
        )
        .unwrap();
    ledger
        .commission_lot(
            GTIN,
            b"LARGE".to_vec(),
            NOW + DAY,
            1_000_000,
            root,
            1 << 20,
            200,
            800,
            hash(1),
        )
        .unwrap();
    let small = ledger
        .lot_state(GTIN, b"SMALL".to_vec())
        .unwrap()
        .lot
        .encode()
        .len();
    let large = ledger
        .lot_state(GTIN, b"LARGE".to_vec())
        .unwrap()
        .lot
        .encode()
        .len();
    assert_eq!(small, large);
}

#[ink::test]
fn custody_moves_in_two_steps() {
    let (mut ledger, p) = setup();
    commission(&mut ledger, &p).unwrap();
    as_caller(p.manufacturer);
    let shipment = ledger.ship(GTIN, lot_no(), p.wholesaler, 10).unwrap();
    let (event, topics) = last_event::<Shipped>();
    assert_eq!(topics[2], topic(&p.wholesaler));
    assert_eq!(
        (event.shipment, event.quantity, event.from),
        (shipment, 10, p.manufacturer)
    );
    assert_eq!(ledger.holding(GTIN, lot_no(), p.manufacturer), 6);
    assert_eq!(ledger.holding(GTIN, lot_no(), p.wholesaler), 0);
    assert_eq!(ledger.lot_state(GTIN, lot_no()).unwrap().in_transit, 10);
    assert_eq!(ledger.shipment(shipment).unwrap().to, p.wholesaler);

    as_caller(p.pharmacy);
    assert_eq!(ledger.receive(shipment), Err(Error::NotTheRecipient));
    as_caller(p.wholesaler);
    ledger.receive(shipment).unwrap();
    let (event, _) = last_event::<Received>();
    assert_eq!((event.to, event.quantity), (p.wholesaler, 10));
    assert_eq!(ledger.holding(GTIN, lot_no(), p.wholesaler), 10);
    assert_eq!(ledger.lot_state(GTIN, lot_no()).unwrap().in_transit, 0);
    assert_eq!(ledger.shipment(shipment), None);
    assert_eq!(ledger.receive(shipment), Err(Error::UnknownShipment));
    assert_eq!(ledger.lot_state(GTIN, lot_no()).unwrap().custodian_count, 2);
}

#[ink::test]
fn shipping_refuses_bad_input() {
    let (mut ledger, p) = setup();
    commission(&mut ledger, &p).unwrap();
    as_caller(p.manufacturer);
    let stranger = AccountId::from([0x77; 32]);
    assert_eq!(
        ledger.ship(GTIN, lot_no(), stranger, 1),
        Err(Error::NotATradingPartner)
    );
    assert_eq!(
        ledger.ship(GTIN, lot_no(), p.sensor, 1),
        Err(Error::NotATradingPartner)
    );
    assert_eq!(
        ledger.ship(GTIN, lot_no(), p.manufacturer, 1),
        Err(Error::ShipToSelf)
    );
    assert_eq!(
        ledger.ship(GTIN, lot_no(), p.wholesaler, 0),
        Err(Error::ZeroQuantity)
    );
    assert_eq!(
        ledger.ship(GTIN, lot_no(), p.wholesaler, SERIALS as u64 + 1),
        Err(Error::InsufficientHoldings)
    );
    assert_eq!(
        ledger.ship(GTIN, b"NOPE".to_vec(), p.wholesaler, 1),
        Err(Error::UnknownLot)
    );
    as_caller(p.wholesaler);
    assert_eq!(
        ledger.ship(GTIN, lot_no(), p.pharmacy, 1),
        Err(Error::InsufficientHoldings)
    );
    assert_eq!(
        ledger.holding(GTIN, lot_no(), p.manufacturer),
        SERIALS as u64
    );
}

#[ink::test]
fn the_sender_can_cancel_before_receipt() {
    let (mut ledger, p) = setup();
    commission(&mut ledger, &p).unwrap();
    as_caller(p.manufacturer);
    let shipment = ledger
        .ship(GTIN, lot_no(), p.wholesaler, SERIALS as u64)
        .unwrap();
    assert_eq!(ledger.lot_state(GTIN, lot_no()).unwrap().custodian_count, 0);
    as_caller(p.wholesaler);
    assert_eq!(ledger.cancel_shipment(shipment), Err(Error::NotTheSender));
    as_caller(p.manufacturer);
    ledger.cancel_shipment(shipment).unwrap();
    let (event, _) = last_event::<ShipmentCancelled>();
    assert_eq!(event.quantity, SERIALS as u64);
    assert_eq!(
        ledger.holding(GTIN, lot_no(), p.manufacturer),
        SERIALS as u64
    );
    assert_eq!(
        ledger.cancel_shipment(shipment),
        Err(Error::UnknownShipment)
    );
    as_caller(p.wholesaler);
    assert_eq!(ledger.receive(shipment), Err(Error::UnknownShipment));
}

#[ink::test]
fn an_excursion_quarantines_the_lot_at_once() {
    let (mut ledger, p) = setup();
    commission(&mut ledger, &p).unwrap();
    as_caller(p.manufacturer);
    ledger.bind_sensor(GTIN, lot_no(), p.sensor).unwrap();
    let shipment = ledger.ship(GTIN, lot_no(), p.wholesaler, 4).unwrap();

    as_caller(p.wholesaler);
    assert_eq!(
        ledger.report_temperature(GTIN, lot_no(), None, 500),
        Err(Error::Access(AccessError::MissingRole(Role::Sensor)))
    );
    as_caller(p.sensor);
    ledger
        .report_temperature(GTIN, lot_no(), Some(shipment), 500)
        .unwrap();
    let (event, topics) = last_event::<TemperatureRecorded>();
    assert!(event.in_range);
    assert_eq!(topics[2], topic(&p.sensor));
    assert_eq!(status(&ledger), LotStatus::Active);
    assert_eq!(
        ledger.report_temperature(GTIN, lot_no(), Some(shipment + 9), 500),
        Err(Error::UnknownShipment)
    );

    ledger
        .report_temperature(GTIN, lot_no(), Some(shipment), 950)
        .unwrap();
    let (event, topics) = last_event::<LotQuarantined>();
    assert_eq!(
        topics,
        vec![topic(&GTIN), topic(&lot_no()), topic(&p.manufacturer)]
    );
    assert_eq!(event.reason, QuarantineReason::TemperatureExcursion);
    assert_eq!(
        status(&ledger),
        LotStatus::Quarantined(QuarantineReasons::of(
            QuarantineReason::TemperatureExcursion
        ))
    );
    assert_eq!(ledger.lot_state(GTIN, lot_no()).unwrap().lot.excursions, 1);

    // Stock in transit may still be received, but nothing ships.
    as_caller(p.wholesaler);
    ledger.receive(shipment).unwrap();
    assert_eq!(
        ledger.ship(GTIN, lot_no(), p.pharmacy, 1),
        Err(Error::LotQuarantined)
    );

    // Only the manufacturer or a regulator releases it.
    assert_eq!(
        ledger.release_lot(
            GTIN,
            lot_no(),
            QuarantineReason::TemperatureExcursion,
            hash(0xAA)
        ),
        Err(Error::NotManufacturerOrRegulator)
    );
    as_caller(p.manufacturer);
    ledger
        .release_lot(
            GTIN,
            lot_no(),
            QuarantineReason::TemperatureExcursion,
            hash(0xAA),
        )
        .unwrap();
    let (event, _) = last_event::<LotReleased>();
    assert_eq!(event.investigation, hash(0xAA));
    assert_eq!(status(&ledger), LotStatus::Active);
    assert_eq!(
        ledger.release_lot(
            GTIN,
            lot_no(),
            QuarantineReason::TemperatureExcursion,
            hash(0xAA)
        ),
        Err(Error::LotNotQuarantined)
    );
}

#[ink::test]
fn a_suspect_lot_is_confirmed_illegitimate() {
    let (mut ledger, p) = setup();
    commission(&mut ledger, &p).unwrap();
    as_caller(p.sensor);
    assert_eq!(
        ledger.flag_suspect(GTIN, lot_no(), hash(0x5A)),
        Err(Error::NotATradingPartner)
    );
    as_caller(p.manufacturer);
    ledger.flag_suspect(GTIN, lot_no(), hash(0x5A)).unwrap();
    let (event, _) = last_event::<LotQuarantined>();
    assert_eq!(event.reason, QuarantineReason::Suspect);
    assert_eq!(event.evidence, Some(hash(0x5A)));
    assert_eq!(
        ledger.flag_suspect(GTIN, lot_no(), hash(0x5A)),
        Err(Error::LotQuarantined)
    );

    as_caller(p.regulator);
    ledger
        .confirm_illegitimate(GTIN, lot_no(), hash(0x1B))
        .unwrap();
    let (event, _) = last_event::<LotRecalled>();
    assert!(event.illegitimate);
    assert_eq!(event.class, RecallClass::I);
    assert_eq!(event.by, p.regulator);
    assert!(matches!(
        status(&ledger),
        LotStatus::Recalled {
            illegitimate: true,
            ..
        }
    ));
    assert_eq!(
        ledger.confirm_illegitimate(GTIN, lot_no(), hash(0x1B)),
        Err(Error::LotNotQuarantined)
    );
    as_caller(p.manufacturer);
    assert_eq!(
        ledger.flag_suspect(GTIN, lot_no(), hash(0x5A)),
        Err(Error::LotRecalled)
    );
}

#[ink::test]
fn recall_stops_shipping_and_dispensing() {
    let (mut ledger, p) = setup();
    stock_pharmacy(&mut ledger, &p, 4);
    as_caller(p.wholesaler);
    assert_eq!(
        ledger.recall_lot(GTIN, lot_no(), RecallClass::II, hash(0x2C)),
        Err(Error::NotManufacturerOrRegulator)
    );
    as_caller(p.manufacturer);
    ledger
        .recall_lot(GTIN, lot_no(), RecallClass::II, hash(0x2C))
        .unwrap();
    let (event, topics) = last_event::<LotRecalled>();
    assert_eq!(topics[0], topic(&GTIN));
    assert!(!event.illegitimate);
    assert_eq!(
        ledger.recall_lot(GTIN, lot_no(), RecallClass::I, hash(0x2C)),
        Err(Error::LotAlreadyRecalled)
    );
    assert_eq!(
        ledger.ship(GTIN, lot_no(), p.wholesaler, 1),
        Err(Error::LotRecalled)
    );
    as_caller(p.pharmacy);
    assert_eq!(dispense(&mut ledger, 0), Err(Error::LotRecalled));
    assert_eq!(
        ledger.verify_unit(GTIN, lot_no(), serials()[0].clone(), 0, proof_of(0)),
        UnitStatus::Recalled(RecallClass::II)
    );
    // Recalled stock can still be destroyed by its holder.
    ledger.destroy_units(GTIN, lot_no(), 4, hash(0xDE)).unwrap();
    let (event, _) = last_event::<UnitsDestroyed>();
    assert_eq!((event.holder, event.quantity), (p.pharmacy, 4));
    let state = ledger.lot_state(GTIN, lot_no()).unwrap();
    assert_eq!(state.lot.destroyed, 4);
    assert_eq!(state.lot.in_supply(), SERIALS as u64 - 4);
    assert_eq!(
        ledger.destroy_units(GTIN, lot_no(), 1, hash(0xDE)),
        Err(Error::InsufficientHoldings)
    );
    assert_eq!(
        ledger.destroy_units(GTIN, lot_no(), 0, hash(0xDE)),
        Err(Error::ZeroQuantity)
    );
}

#[ink::test]
fn a_pharmacy_dispenses_a_serial_once() {
    let (mut ledger, p) = setup();
    stock_pharmacy(&mut ledger, &p, 4);
    as_caller(p.pharmacy);
    dispense(&mut ledger, 3).unwrap();
    let (event, topics) = last_event::<Dispensed>();
    assert_eq!(
        topics,
        vec![topic(&GTIN), topic(&lot_no()), topic(&recipient())]
    );
    assert_eq!(event.serial, serials()[3]);
    assert_eq!(event.dispenser, p.pharmacy);
    assert_eq!(ledger.holding(GTIN, lot_no(), p.pharmacy), 3);
    assert_eq!(ledger.lot_state(GTIN, lot_no()).unwrap().lot.dispensed, 1);

    // The same serial again is a clone.
    assert_eq!(dispense(&mut ledger, 3), Err(Error::AlreadyDispensed));
    let record = ledger
        .dispensed_unit(GTIN, lot_no(), serials()[3].clone())
        .unwrap();
    assert_eq!(
        (record.recipient, record.dispenser),
        (recipient(), p.pharmacy)
    );
    assert_eq!(record.dispensed_at, NOW);
    assert!(!record.lot_quarantined && !record.lot_recalled);
    assert_eq!(
        ledger.dispensed_unit(GTIN, lot_no(), serials()[4].clone()),
        None
    );
}

#[ink::test]
fn a_payer_asks_about_many_units_in_one_call() {
    let (mut ledger, p) = setup();
    stock_pharmacy(&mut ledger, &p, 4);
    as_caller(p.pharmacy);
    dispense(&mut ledger, 3).unwrap();
    let unit = |i: usize| (GTIN, lot_no(), serials()[i].clone());
    let answers = ledger.dispensed_units(vec![
        unit(4),
        unit(3),
        (GTIN, b"NOPE".to_vec(), serials()[3].clone()),
    ]);
    assert_eq!(answers.len(), 3);
    assert_eq!(answers[0], None);
    assert_eq!(answers[1].map(|u| u.recipient), Some(recipient()));
    assert_eq!(answers[2], None);
    // At most MAX_UNITS_PER_QUERY answers: the caller sees the rest unanswered.
    let many = vec![unit(3); healthchain_common::provenance::MAX_UNITS_PER_QUERY + 5];
    assert_eq!(
        ledger.dispensed_units(many).len(),
        healthchain_common::provenance::MAX_UNITS_PER_QUERY
    );
}

#[ink::test]
fn counterfeits_and_bad_proofs_are_refused() {
    let (mut ledger, p) = setup();
    stock_pharmacy(&mut ledger, &p, 4);
    as_caller(p.pharmacy);
    let events = event_count();
    // A serial that is not in the lot.
    assert_eq!(
        ledger.dispense(
            GTIN,
            lot_no(),
            b"FAKE0001".to_vec(),
            2,
            proof_of(2),
            recipient()
        ),
        Err(Error::Counterfeit)
    );
    // A genuine serial with a proof for another position.
    assert_eq!(
        ledger.dispense(
            GTIN,
            lot_no(),
            serials()[2].clone(),
            3,
            proof_of(2),
            recipient()
        ),
        Err(Error::Counterfeit)
    );
    // A proof from another lot's tree.
    let other: Vec<Digest> = (0..SERIALS)
        .map(|i| hash_leaf(format!("X{i}").as_bytes()))
        .collect();
    assert_eq!(
        ledger.dispense(
            GTIN,
            lot_no(),
            serials()[2].clone(),
            2,
            merkle::proof(&other, 2).unwrap(),
            recipient()
        ),
        Err(Error::Counterfeit)
    );
    assert_eq!(
        ledger.dispense(
            GTIN,
            lot_no(),
            serials()[2].clone(),
            99,
            proof_of(2),
            recipient()
        ),
        Err(Error::SerialIndexOutOfRange)
    );
    assert_eq!(
        ledger.dispense(
            GTIN,
            lot_no(),
            serials()[2].clone(),
            2,
            vec![[0; 32]; 33],
            recipient()
        ),
        Err(Error::ProofTooLong)
    );
    assert_eq!(
        ledger.dispense(GTIN, lot_no(), vec![b'9'; 21], 2, proof_of(2), recipient()),
        Err(Error::InvalidSerial)
    );
    assert_eq!(
        ledger.dispense(
            GTIN,
            lot_no(),
            serials()[2].clone(),
            2,
            proof_of(2),
            Hash::from([0; 32])
        ),
        Err(Error::ZeroHash)
    );
    assert_eq!(event_count(), events);
    assert_eq!(ledger.holding(GTIN, lot_no(), p.pharmacy), 4);
}

#[ink::test]
fn dispensing_needs_the_role_stock_and_a_good_lot() {
    let (mut ledger, p) = setup();
    commission(&mut ledger, &p).unwrap();
    as_caller(p.wholesaler);
    assert_eq!(
        dispense(&mut ledger, 0),
        Err(Error::Access(AccessError::MissingRole(Role::Dispenser)))
    );
    as_caller(p.pharmacy);
    assert_eq!(dispense(&mut ledger, 0), Err(Error::InsufficientHoldings));
    as_caller(p.manufacturer);
    let s = ledger.ship(GTIN, lot_no(), p.pharmacy, 2).unwrap();
    as_caller(p.pharmacy);
    ledger.receive(s).unwrap();
    test::set_block_timestamp::<Env>(NOW + 365 * DAY);
    assert_eq!(dispense(&mut ledger, 0), Err(Error::LotExpired));
    assert_eq!(
        ledger.verify_unit(GTIN, lot_no(), serials()[0].clone(), 0, proof_of(0)),
        UnitStatus::Expired
    );
    assert!(ledger.lot_state(GTIN, lot_no()).unwrap().expired);
}

#[ink::test]
fn verify_unit_answers_every_status() {
    let (mut ledger, p) = setup();
    let scan = |l: &DrugProvenance, i: usize| {
        l.verify_unit(GTIN, lot_no(), serials()[i].clone(), i as u64, proof_of(i))
    };
    assert_eq!(scan(&ledger, 0), UnitStatus::Unknown, "no such lot yet");
    stock_pharmacy(&mut ledger, &p, 4);
    assert_eq!(scan(&ledger, 0), UnitStatus::Genuine);
    assert_eq!(
        ledger.verify_unit(GTIN, lot_no(), b"FAKE".to_vec(), 0, proof_of(0)),
        UnitStatus::Unknown
    );
    as_caller(p.pharmacy);
    dispense(&mut ledger, 1).unwrap();
    // Status only: the scan does not say to whom.
    assert_eq!(scan(&ledger, 1), UnitStatus::Dispensed);
    as_caller(p.pharmacy);
    ledger.flag_suspect(GTIN, lot_no(), hash(1)).unwrap();
    assert_eq!(
        scan(&ledger, 0),
        UnitStatus::Quarantined(QuarantineReasons::of(QuarantineReason::Suspect))
    );
    let unit = ledger
        .dispensed_unit(GTIN, lot_no(), serials()[1].clone())
        .unwrap();
    assert!(unit.lot_quarantined);
}

#[ink::test]
fn custodians_page_and_leave_when_emptied() {
    let (mut ledger, p) = setup();
    commission(&mut ledger, &p).unwrap();
    as_caller(p.manufacturer);
    let s1 = ledger.ship(GTIN, lot_no(), p.wholesaler, 5).unwrap();
    let s2 = ledger.ship(GTIN, lot_no(), p.pharmacy, 3).unwrap();
    as_caller(p.wholesaler);
    ledger.receive(s1).unwrap();
    as_caller(p.pharmacy);
    ledger.receive(s2).unwrap();
    assert_eq!(
        ledger.custodians(GTIN, lot_no(), 0, 64),
        vec![(p.manufacturer, 8), (p.wholesaler, 5), (p.pharmacy, 3)]
    );
    assert_eq!(
        ledger.custodians(GTIN, lot_no(), 1, 1),
        vec![(p.wholesaler, 5)]
    );
    assert_eq!(ledger.custodians(GTIN, lot_no(), 5, 10), vec![]);
    // The manufacturer ships out everything: the last custodian takes its slot.
    as_caller(p.manufacturer);
    ledger.ship(GTIN, lot_no(), p.wholesaler, 8).unwrap();
    assert_eq!(
        ledger.custodians(GTIN, lot_no(), 0, 64),
        vec![(p.pharmacy, 3), (p.wholesaler, 5)]
    );
}

#[ink::test]
fn a_regulator_registers_partners_but_not_regulators() {
    let (mut ledger, p) = setup();
    let newcomer = AccountId::from([0x33; 32]);
    as_caller(p.regulator);
    ledger.grant_role(Role::Wholesaler, newcomer).unwrap();
    assert_eq!(
        ledger.grant_role(Role::Regulator, newcomer),
        Err(AccessError::CannotManageRole(Role::Regulator))
    );
    assert_eq!(
        ledger.grant_role(Role::Insurer, newcomer),
        Err(AccessError::RoleNotUsed(Role::Insurer))
    );
    as_caller(p.wholesaler);
    assert_eq!(
        ledger.grant_role(Role::Wholesaler, newcomer),
        Err(AccessError::NotAdmin)
    );
    as_caller(p.admin);
    ledger.revoke_role(Role::Wholesaler, newcomer).unwrap();
    assert!(!ledger.has_role(newcomer, Role::Wholesaler));
}

#[ink::test]
fn pause_stops_new_business_not_safety_actions() {
    let (mut ledger, p) = setup();
    stock_pharmacy(&mut ledger, &p, 4);
    as_caller(p.admin);
    ledger.pause().unwrap();
    let paused = Err(Error::Access(AccessError::Paused));
    let events = event_count();
    assert_eq!(commission(&mut ledger, &p), paused);
    as_caller(p.manufacturer);
    assert_eq!(
        ledger.ship(GTIN, lot_no(), p.wholesaler, 1).map(|_| ()),
        paused
    );
    assert_eq!(ledger.receive(0), paused);
    assert_eq!(ledger.cancel_shipment(0), paused);
    assert_eq!(
        ledger.release_lot(GTIN, lot_no(), QuarantineReason::Suspect, hash(1)),
        paused
    );
    assert_eq!(ledger.destroy_units(GTIN, lot_no(), 1, hash(1)), paused);
    as_caller(p.pharmacy);
    assert_eq!(dispense(&mut ledger, 0), paused);
    assert_eq!(event_count(), events);
    assert_eq!(status(&ledger), LotStatus::Active);
    // Review item 16: the safety actions work while paused.
    as_caller(p.sensor);
    ledger
        .report_temperature(GTIN, lot_no(), None, 1000)
        .unwrap();
    assert!(matches!(status(&ledger), LotStatus::Quarantined(_)));
    as_caller(p.manufacturer);
    ledger
        .confirm_illegitimate(GTIN, lot_no(), hash(1))
        .unwrap();
    assert!(matches!(status(&ledger), LotStatus::Recalled { .. }));
    as_caller(p.admin);
    ledger.unpause().unwrap();
    as_caller(p.pharmacy);
    assert_eq!(dispense(&mut ledger, 0), Err(Error::LotRecalled));
}

/// Review item 16: a recall and a suspect flag work while paused.
#[ink::test]
fn recalls_and_suspect_flags_work_while_paused() {
    let (mut ledger, p) = setup();
    stock_pharmacy(&mut ledger, &p, 4);
    as_caller(p.admin);
    ledger.pause().unwrap();
    as_caller(p.pharmacy);
    ledger.flag_suspect(GTIN, lot_no(), hash(1)).unwrap();
    as_caller(p.manufacturer);
    ledger
        .recall_lot(GTIN, lot_no(), RecallClass::II, hash(2))
        .unwrap();
    assert!(matches!(status(&ledger), LotStatus::Recalled { .. }));
}

/// Review item 7: only a current custodian or a regulator flags a suspect, so a partner
/// without stock cannot quarantine someone else's lot.
#[ink::test]
fn only_a_custodian_or_a_regulator_flags_a_suspect() {
    let (mut ledger, p) = setup();
    commission(&mut ledger, &p).unwrap();
    as_caller(p.wholesaler);
    assert_eq!(
        ledger.flag_suspect(GTIN, lot_no(), hash(1)),
        Err(Error::NotACustodian)
    );
    assert_eq!(status(&ledger), LotStatus::Active);
    as_caller(p.regulator);
    ledger.flag_suspect(GTIN, lot_no(), hash(1)).unwrap();
}

/// Review item 8: a revoked manufacturer keeps no power over its lot, and a revoked
/// partner cannot ship or destroy; a regulator reassigns the lot to a new key.
#[ink::test]
fn revoked_roles_keep_no_per_lot_powers() {
    let (mut ledger, p) = setup();
    let newcomer = AccountId::from([0x77; 32]);
    stock_pharmacy(&mut ledger, &p, 4);
    as_caller(p.regulator);
    ledger.flag_suspect(GTIN, lot_no(), hash(1)).unwrap();
    as_caller(p.admin);
    ledger
        .revoke_role(Role::Manufacturer, p.manufacturer)
        .unwrap();
    ledger.revoke_role(Role::Dispenser, p.pharmacy).unwrap();
    as_caller(p.manufacturer);
    assert_eq!(
        ledger.release_lot(GTIN, lot_no(), QuarantineReason::Suspect, hash(2)),
        Err(Error::NotManufacturerOrRegulator)
    );
    as_caller(p.pharmacy);
    assert_eq!(
        ledger.destroy_units(GTIN, lot_no(), 1, hash(3)),
        Err(Error::NotATradingPartner)
    );
    assert_eq!(
        ledger.ship(GTIN, lot_no(), p.wholesaler, 1).map(|_| ()),
        Err(Error::NotATradingPartner)
    );
    // The regulator moves the lot to the manufacturer's new key.
    as_caller(p.regulator);
    assert_eq!(
        ledger.reassign_lot(GTIN, lot_no(), newcomer),
        Err(Error::NotAManufacturer)
    );
    as_caller(p.admin);
    ledger.grant_role(Role::Manufacturer, newcomer).unwrap();
    as_caller(p.manufacturer);
    assert_eq!(
        ledger.reassign_lot(GTIN, lot_no(), newcomer),
        Err(Error::Access(AccessError::MissingRole(Role::Regulator)))
    );
    as_caller(p.regulator);
    ledger.reassign_lot(GTIN, lot_no(), newcomer).unwrap();
    assert_eq!(last_event::<LotReassigned>().0.new, newcomer);
    as_caller(newcomer);
    ledger
        .release_lot(GTIN, lot_no(), QuarantineReason::Suspect, hash(2))
        .unwrap();
}

/// One step of a random custody history.
#[derive(Debug, Clone)]
enum Step {
    Ship {
        from: usize,
        to: usize,
        quantity: u64,
    },
    Receive {
        pick: usize,
    },
    Cancel {
        pick: usize,
    },
    Dispense {
        serial: usize,
    },
    Destroy {
        holder: usize,
        quantity: u64,
    },
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        (0usize..3, 0usize..3, 0u64..8).prop_map(|(from, to, quantity)| Step::Ship {
            from,
            to,
            quantity
        }),
        (0usize..8).prop_map(|pick| Step::Receive { pick }),
        (0usize..8).prop_map(|pick| Step::Cancel { pick }),
        (0usize..SERIALS).prop_map(|serial| Step::Dispense { serial }),
        (0usize..3, 0u64..3).prop_map(|(holder, quantity)| Step::Destroy { holder, quantity }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Whatever partners do, holdings never go negative and holdings plus stock in transit
    /// always equal the commissioned quantity less what was dispensed or destroyed; the
    /// custodian list holds exactly the partners with stock.
    #[test]
    fn holdings_always_add_up(steps in prop::collection::vec(step(), 1..40)) {
        test::run_test::<Env, _>(|_| {
            let (mut ledger, p) = setup();
            commission(&mut ledger, &p).unwrap();
            let partners = [p.manufacturer, p.wholesaler, p.pharmacy];
            let mut open: Vec<u64> = Vec::new();
            for step in &steps {
                match *step {
                    Step::Ship { from, to, quantity } => {
                        as_caller(partners[from]);
                        if let Ok(id) = ledger.ship(GTIN, lot_no(), partners[to], quantity) {
                            open.push(id);
                        }
                    }
                    Step::Receive { pick } if !open.is_empty() => {
                        let id = open[pick % open.len()];
                        as_caller(ledger.shipment(id).unwrap().to);
                        ledger.receive(id).unwrap();
                        open.retain(|s| *s != id);
                    }
                    Step::Cancel { pick } if !open.is_empty() => {
                        let id = open[pick % open.len()];
                        as_caller(ledger.shipment(id).unwrap().from);
                        ledger.cancel_shipment(id).unwrap();
                        open.retain(|s| *s != id);
                    }
                    Step::Dispense { serial } => {
                        as_caller(p.pharmacy);
                        let _ = dispense(&mut ledger, serial);
                    }
                    Step::Destroy { holder, quantity } => {
                        as_caller(partners[holder]);
                        let _ = ledger.destroy_units(GTIN, lot_no(), quantity, hash(1));
                    }
                    _ => {}
                }
                let state = ledger.lot_state(GTIN, lot_no()).unwrap();
                let held: u64 = partners.iter().map(|a| ledger.holding(GTIN, lot_no(), *a)).sum();
                assert_eq!(held + state.in_transit, state.lot.in_supply(), "after {step:?}");
                assert_eq!(state.lot.quantity, SERIALS as u64);
                let listed = ledger.custodians(GTIN, lot_no(), 0, 64);
                let with_stock = partners.iter().filter(|a| ledger.holding(GTIN, lot_no(), **a) > 0).count();
                assert_eq!(listed.len(), with_stock);
                assert_eq!(state.custodian_count as usize, with_stock);
                assert!(listed.iter().all(|(a, q)| *q > 0 && ledger.holding(GTIN, lot_no(), *a) == *q));
            }
            Ok(())
        }).unwrap();
    }
}

/// The suite's rule for document hashes: an all-zero certificate, evidence, investigation
/// or reason names no document and is refused, with nothing changed and no event.
#[ink::test]
fn zero_document_hashes_are_refused() {
    let (mut ledger, p) = setup();
    let zero = Hash::from([0; 32]);
    assert_eq!(
        commission_certified(&mut ledger, &p, zero),
        Err(Error::ZeroHash)
    );
    assert!(ledger.lot_state(GTIN, lot_no()).is_none());
    commission(&mut ledger, &p).unwrap();
    let events = event_count();
    as_caller(p.regulator);
    assert_eq!(
        ledger.flag_suspect(GTIN, lot_no(), zero),
        Err(Error::ZeroHash)
    );
    assert_eq!(
        ledger.release_lot(GTIN, lot_no(), QuarantineReason::Suspect, zero),
        Err(Error::ZeroHash)
    );
    assert_eq!(
        ledger.confirm_illegitimate(GTIN, lot_no(), zero),
        Err(Error::ZeroHash)
    );
    assert_eq!(
        ledger.recall_lot(GTIN, lot_no(), RecallClass::I, zero),
        Err(Error::ZeroHash)
    );
    as_caller(p.manufacturer);
    assert_eq!(
        ledger.destroy_units(GTIN, lot_no(), 1, zero),
        Err(Error::ZeroHash)
    );
    assert_eq!(status(&ledger), LotStatus::Active);
    assert_eq!(event_count(), events);
}

healthchain_common::access_controlled_tests!(
    DrugProvenance::new(0),
    roles: [
        Role::Manufacturer,
        Role::Wholesaler,
        Role::Dispenser,
        Role::Sensor,
        Role::Regulator,
    ],
    unused: Role::Insurer
);

/// Review item 5: a manufacturer commissions only GTINs under a company prefix licensed to
/// it, so a squatter cannot take another's GTIN and lot number first.
#[ink::test]
fn only_the_licensed_manufacturer_commissions_a_gtin() {
    let (mut ledger, p) = setup();
    let squatter = AccountId::from([0x66; 32]);
    as_caller(p.regulator);
    ledger.grant_role(Role::Manufacturer, squatter).unwrap();
    assert_eq!(ledger.licensee(GTIN), Some(p.manufacturer));
    as_caller(squatter);
    let squat = ledger.commission_lot(
        GTIN,
        lot_no(),
        NOW + 365 * DAY,
        10,
        [7; 32],
        10,
        200,
        800,
        hash(0xC0),
    );
    assert_eq!(squat, Err(Error::GtinNotLicensed));
    // A GTIN under no licensed prefix is nobody's.
    let unlicensed = 20_098_765_432_109;
    assert_eq!(ledger.licensee(unlicensed), None);
    // The owner commissions its own lot.
    commission(&mut ledger, &p).unwrap();
    // Licences: regulators only, 6 to 12 digits, no overlap with another's prefix.
    assert_eq!(
        ledger.license_company_prefix(1_234_567_890, 12, squatter),
        Err(Error::Access(AccessError::MissingRole(Role::Regulator)))
    );
    as_caller(p.regulator);
    assert_eq!(
        ledger.license_company_prefix(1_234_567_890, 12, squatter),
        Err(Error::CompanyPrefixOverlaps)
    );
    assert_eq!(
        ledger.license_company_prefix(12_345, 5, squatter),
        Err(Error::InvalidCompanyPrefix)
    );
    assert_eq!(
        ledger.license_company_prefix(10_000_000, 7, squatter),
        Err(Error::InvalidCompanyPrefix)
    );
    assert_eq!(
        ledger.license_company_prefix(98_765, 7, p.wholesaler),
        Err(Error::NotAManufacturer)
    );
    // A longer prefix of the owner's own, and a rotated key.
    ledger
        .license_company_prefix(1_234_567_890, 12, p.manufacturer)
        .unwrap();
    ledger.license_company_prefix(12_345, 7, squatter).unwrap();
    let (event, _) = last_event::<CompanyPrefixLicensed>();
    assert_eq!(event.previous, Some(p.manufacturer));
    // The 12-digit licence is the longest match for this GTIN.
    assert_eq!(ledger.licensee(GTIN), Some(p.manufacturer));
}

/// Review item 15: a lot keeps every open reason; releasing one leaves the other.
#[ink::test]
fn releasing_a_suspect_flag_keeps_a_later_excursion() {
    let (mut ledger, p) = setup();
    stock_pharmacy(&mut ledger, &p, 4);
    as_caller(p.pharmacy);
    ledger.flag_suspect(GTIN, lot_no(), hash(1)).unwrap();
    as_caller(p.sensor);
    ledger
        .report_temperature(GTIN, lot_no(), None, 1000)
        .unwrap();
    let (event, _) = last_event::<LotQuarantined>();
    assert_eq!(event.reason, QuarantineReason::TemperatureExcursion);
    let both = QuarantineReasons {
        temperature_excursion: true,
        suspect: true,
    };
    assert_eq!(status(&ledger), LotStatus::Quarantined(both));
    as_caller(p.manufacturer);
    ledger
        .release_lot(GTIN, lot_no(), QuarantineReason::Suspect, hash(2))
        .unwrap();
    let (released, _) = last_event::<LotReleased>();
    assert_eq!(
        released.still_open,
        QuarantineReasons::of(QuarantineReason::TemperatureExcursion)
    );
    assert_eq!(
        status(&ledger),
        LotStatus::Quarantined(QuarantineReasons::of(
            QuarantineReason::TemperatureExcursion
        ))
    );
    assert_eq!(
        ledger.release_lot(GTIN, lot_no(), QuarantineReason::Suspect, hash(2)),
        Err(Error::QuarantineReasonNotOpen)
    );
    as_caller(p.pharmacy);
    assert_eq!(dispense(&mut ledger, 0), Err(Error::LotQuarantined));
    as_caller(p.manufacturer);
    ledger
        .release_lot(
            GTIN,
            lot_no(),
            QuarantineReason::TemperatureExcursion,
            hash(3),
        )
        .unwrap();
    assert_eq!(status(&ledger), LotStatus::Active);
    as_caller(p.pharmacy);
    dispense(&mut ledger, 0).unwrap();
}

/// Review item 7: a sensor reports only for a lot a custodian bound it to, so a sensor
/// cannot quarantine any lot it likes.
#[ink::test]
fn only_a_bound_sensor_reports_for_a_lot() {
    let (mut ledger, p) = setup();
    commission(&mut ledger, &p).unwrap();
    let rogue = AccountId::from([0x55; 32]);
    as_caller(p.regulator);
    ledger.grant_role(Role::Sensor, rogue).unwrap();
    as_caller(rogue);
    assert_eq!(
        ledger.report_temperature(GTIN, lot_no(), None, 1000),
        Err(Error::SensorNotBound)
    );
    assert_eq!(status(&ledger), LotStatus::Active);
    // Only a custodian (or a regulator) binds, and only a sensor.
    as_caller(p.wholesaler);
    assert_eq!(
        ledger.bind_sensor(GTIN, lot_no(), rogue),
        Err(Error::NotACustodian)
    );
    as_caller(p.manufacturer);
    assert_eq!(
        ledger.bind_sensor(GTIN, lot_no(), p.wholesaler),
        Err(Error::NotASensor)
    );
    ledger.bind_sensor(GTIN, lot_no(), rogue).unwrap();
    let (event, _) = last_event::<SensorBound>();
    assert_eq!(
        (event.sensor, event.by, event.bound),
        (rogue, p.manufacturer, true)
    );
    as_caller(rogue);
    ledger
        .report_temperature(GTIN, lot_no(), None, 500)
        .unwrap();
    // Unbound again by its custodian: its readings no longer count.
    as_caller(p.wholesaler);
    assert_eq!(
        ledger.unbind_sensor(GTIN, lot_no(), rogue),
        Err(Error::NotACustodian)
    );
    as_caller(p.manufacturer);
    ledger.unbind_sensor(GTIN, lot_no(), rogue).unwrap();
    assert!(!last_event::<SensorBound>().0.bound);
    as_caller(rogue);
    assert_eq!(
        ledger.report_temperature(GTIN, lot_no(), None, 1000),
        Err(Error::SensorNotBound)
    );
}
