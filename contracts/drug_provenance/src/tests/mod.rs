//! Unit tests of every message and error path, and a property test that package custody is
//! conserved, on ink!'s off-chain environment.

use crate::{data::*, drug_provenance::*};
use healthchain_common::{
    access::{AccessControlled, AccessError, Role},
    merkle::{self, hash_leaf, Digest},
    provenance::{ProvenanceCheck, UnitIds},
    unit_test::{event_count, events_of, last_event},
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
const EXPIRY: u64 = NOW + 365 * DAY;

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

/// An SSCC of bob's company prefix 0012345 with serial reference `n`.
fn sscc(n: u64) -> Sscc {
    with_check_digit(3_001_234_500_000_000 + n)
}

/// The pallet, its two cases of 8 packages (serials 0-7 and 8-15), as the packing line's
/// aggregation data gives them.
const PALLET: u64 = 1;
fn case(n: usize) -> CaseSpec {
    let range = n * 8..n * 8 + 8;
    CaseSpec {
        sscc: sscc(10 + n as u64),
        contents: merkle::root(&leaves()[range]).unwrap(),
        count: 8,
    }
}
fn cases() -> Vec<CaseSpec> {
    vec![case(0), case(1)]
}
fn pallet_contents() -> Digest {
    merkle::root(&cases().iter().map(case_leaf).collect::<Vec<_>>()).unwrap()
}

/// Serial `index` as the case it is packed in knows it.
fn unpack(index: usize) -> Unpack {
    let n = index / 8;
    let case_leaves: Vec<Digest> = leaves()[n * 8..n * 8 + 8].to_vec();
    Unpack {
        sscc: case(n).sscc,
        index: (index % 8) as u64,
        proof: merkle::proof(&case_leaves, index % 8).unwrap(),
    }
}

/// Package `index`, coming out of its case the first time (`from_case`).
fn package(index: usize, from_case: bool) -> PackageRef {
    PackageRef {
        gtin: GTIN,
        lot: lot_no(),
        serial: serials()[index].clone(),
        serial_index: index as u64,
        serial_proof: proof_of(index),
        from: from_case.then(|| unpack(index)),
    }
}

fn scan_package(index: usize) -> Scan {
    Scan::Package {
        gtin: GTIN,
        lot: lot_no(),
        serial: serials()[index].clone(),
    }
}

/// The aggregation path of serial `index`: its case, then the pallet.
fn path(index: usize) -> Vec<Enclosure> {
    let n = index / 8;
    let u = unpack(index);
    let case_leaves: Vec<Digest> = cases().iter().map(case_leaf).collect();
    vec![
        Enclosure {
            case: case(n),
            index: u.index,
            proof: u.proof,
        },
        Enclosure {
            case: CaseSpec {
                sscc: sscc(PALLET),
                contents: pallet_contents(),
                count: 2,
            },
            index: n as u64,
            proof: merkle::proof(&case_leaves, n).unwrap(),
        },
    ]
}

fn trace(ledger: &DrugProvenance, index: usize) -> Result<Trace, Error> {
    ledger.trace(
        GTIN,
        lot_no(),
        serials()[index].clone(),
        index as u64,
        proof_of(index),
        path(index),
    )
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
    let mut ledger = DrugProvenance::new(0, Hash::from([0xA1; 32]), Hash::from([0xA2; 32]));
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
        EXPIRY,
        SERIALS as u64,
        merkle::root(&leaves()).unwrap(),
        SERIALS as u64,
        200,
        800,
        certificate,
    )
}

/// The manufacturer packs its 16 packages: one pallet of two cases, in one write.
fn pack_pallet(ledger: &mut DrugProvenance, p: &Parties) -> Result<(), Error> {
    as_caller(p.manufacturer);
    ledger.aggregate(
        GTIN,
        lot_no(),
        sscc(PALLET),
        Level::Pallet,
        pallet_contents(),
        2,
        SERIALS as u64,
        None,
    )
}

/// `from` ships `items` to `to` as a sale; returns the shipment.
fn ship(
    ledger: &mut DrugProvenance,
    from: AccountId,
    to: AccountId,
    items: Vec<Item>,
) -> Result<u64, Error> {
    as_caller(from);
    ledger.ship(to, items, ShipmentPurpose::Sale, hash(0x71))
}

/// The recipient receives `shipment`, scanning `scans`.
fn receive(ledger: &mut DrugProvenance, shipment: u64, scans: Vec<Scan>) -> Result<(), Error> {
    as_caller(
        ledger
            .shipment(shipment)
            .map(|s| s.to)
            .unwrap_or(AccountId::from([0; 32])),
    );
    ledger.receive(shipment, scans)
}

/// Commissioned and packed; the pallet shipped to and received by the wholesaler, who opens
/// it and case 0, and sends packages 1 and 2 on to the pharmacy, which receives them.
fn stock_pharmacy(ledger: &mut DrugProvenance, p: &Parties) {
    commission(ledger, p).unwrap();
    pack_pallet(ledger, p).unwrap();
    let s = ship(
        ledger,
        p.manufacturer,
        p.wholesaler,
        vec![Item::Container(sscc(PALLET))],
    )
    .unwrap();
    receive(ledger, s, vec![Scan::Container(sscc(PALLET))]).unwrap();
    as_caller(p.wholesaler);
    ledger.disaggregate(sscc(PALLET), cases()).unwrap();
    ledger.disaggregate(case(0).sscc, vec![]).unwrap();
    let s = ship(
        ledger,
        p.wholesaler,
        p.pharmacy,
        vec![
            Item::Package(package(1, true)),
            Item::Package(package(2, true)),
        ],
    )
    .unwrap();
    receive(ledger, s, vec![scan_package(2), scan_package(1)]).unwrap();
}

fn dispense(ledger: &mut DrugProvenance, index: usize, from_case: bool) -> Result<(), Error> {
    ledger.dispense(
        package(index, from_case),
        printed_expiry(EXPIRY),
        recipient(),
    )
}

/// A pharmacist's scan of package `index` with its printed expiry.
fn scan(ledger: &DrugProvenance, index: usize) -> UnitStatus {
    ledger.verify_unit(
        GTIN,
        lot_no(),
        serials()[index].clone(),
        printed_expiry(EXPIRY),
        index as u64,
        proof_of(index),
    )
}

fn status(ledger: &DrugProvenance) -> LotStatus {
    ledger.lot_state(GTIN, lot_no()).unwrap().lot.status
}

/// The lot's illegitimate-product notification, as its view shows it.
fn illegitimate_notice(ledger: &DrugProvenance) -> IllegitimateProduct {
    ledger
        .lot_state(GTIN, lot_no())
        .unwrap()
        .illegitimate
        .expect("a notification")
}

fn location(ledger: &DrugProvenance, index: usize) -> Location {
    trace(ledger, index).unwrap().location
}

#[ink::test]
fn commission_records_the_lot_unpacked_with_its_manufacturer() {
    let (mut ledger, p) = setup();
    commission(&mut ledger, &p).unwrap();
    let (event, _) = last_event::<LotCommissioned>();
    assert_eq!((event.quantity, event.serial_count), (16, 16));
    let state = ledger.lot_state(GTIN, lot_no()).unwrap();
    assert_eq!(state.lot.unpacked, 16);
    assert_eq!(state.lot.manufacturer, p.manufacturer);
    // The date a dispense or a scan compares with the package's, kept with the expiry.
    assert_eq!(state.lot.printed_expiry, 241_113);
    assert!(!state.expired);
    // Without a path, a package reads as the manufacturer's unpacked stock.
    let t = ledger
        .trace(GTIN, lot_no(), serials()[3].clone(), 3, proof_of(3), vec![])
        .unwrap();
    assert_eq!(
        t.location,
        Location::Unpacked {
            holder: p.manufacturer
        }
    );
    assert_eq!(t.aggregated_into, Vec::<Sscc>::new());
}

#[ink::test]
fn ssccs_and_printed_expiry_follow_gs1() {
    assert!(sscc_is_valid(sscc(1)));
    assert!(!sscc_is_valid(sscc(1) + 1));
    assert!(!sscc_is_valid(0));
    assert!(!sscc_is_valid(MAX_SSCC + 1));
    // GS1's own SSCC example: extension 1, company prefix 0614141, serial 234567890, check
    // digit 8.
    assert!(sscc_is_valid(106_141_412_345_678_908));
    assert_eq!(
        with_check_digit(10_614_141_234_567_890),
        106_141_412_345_678_908
    );
    // 2023-11-14T22:13:20Z plus 365 days is 2024-11-13.
    assert_eq!(printed_expiry(EXPIRY), 241_113);
    let lot = printed_expiry(EXPIRY);
    assert!(expiry_matches(241_113, lot));
    assert!(expiry_matches(241_100, lot), "day 00: the end of the month");
    assert!(!expiry_matches(241_114, lot));
    assert!(!expiry_matches(251_113, lot));
    assert!(!expiry_matches(241_200, lot), "day 00 of another month");
    assert_eq!(printed_expiry(0), 700_101);
    assert_eq!(printed_expiry(951_782_400_000), 229, "2000-02-29 is 000229");
}

#[ink::test]
fn a_pallet_of_cases_is_one_write_and_is_checked_when_opened() {
    let (mut ledger, p) = setup();
    commission(&mut ledger, &p).unwrap();
    // Only the manufacturer packs its unpacked stock, only valid and unused SSCCs, and a
    // case's units are its count.
    as_caller(p.wholesaler);
    let pallet = |ledger: &mut DrugProvenance, id, units| {
        ledger.aggregate(
            GTIN,
            lot_no(),
            id,
            Level::Pallet,
            pallet_contents(),
            2,
            units,
            None,
        )
    };
    assert_eq!(
        pallet(&mut ledger, sscc(PALLET), 16),
        Err(Error::NotACustodian)
    );
    as_caller(p.manufacturer);
    assert_eq!(
        pallet(&mut ledger, sscc(PALLET) + 1, 16),
        Err(Error::InvalidSscc)
    );
    assert_eq!(
        pallet(&mut ledger, sscc(PALLET), 17),
        Err(Error::InsufficientHoldings)
    );
    assert_eq!(
        ledger.aggregate(
            GTIN,
            lot_no(),
            sscc(9),
            Level::Case,
            case(0).contents,
            8,
            9,
            None
        ),
        Err(Error::ContentsMismatch)
    );
    let writes = event_count();
    pack_pallet(&mut ledger, &p).unwrap();
    assert_eq!(event_count(), writes + 1);
    let (event, _) = last_event::<Aggregated>();
    assert_eq!(
        (event.sscc, event.units, event.from),
        (sscc(PALLET), 16, None)
    );
    assert_eq!(ledger.lot_state(GTIN, lot_no()).unwrap().lot.unpacked, 0);
    assert_eq!(pack_pallet(&mut ledger, &p), Err(Error::SsccInUse));
    // The cases exist only inside the pallet until it is opened.
    assert_eq!(ledger.container(case(0).sscc), None);
    assert_eq!(
        location(&ledger, 3),
        Location::InContainer {
            sscc: sscc(PALLET),
            holder: p.manufacturer,
            state: ContainerState::Sealed,
            hold: QuarantineReasons::default(),
        }
    );
    // Opening it with cases that are not its contents changes nothing.
    let mut wrong = cases();
    wrong[1].count = 9;
    assert_eq!(
        ledger.disaggregate(sscc(PALLET), wrong),
        Err(Error::ContentsMismatch)
    );
    assert_eq!(
        ledger.disaggregate(sscc(PALLET), vec![case(0)]),
        Err(Error::ContentsMismatch)
    );
    as_caller(p.wholesaler);
    assert_eq!(
        ledger.disaggregate(sscc(PALLET), cases()),
        Err(Error::NotACustodian)
    );
    assert_eq!(
        ledger.container(sscc(PALLET)).unwrap().state,
        ContainerState::Sealed
    );
    as_caller(p.manufacturer);
    ledger.disaggregate(sscc(PALLET), cases()).unwrap();
    let (event, _) = last_event::<Disaggregated>();
    assert_eq!(event.cases, vec![case(0).sscc, case(1).sscc]);
    let opened = ledger.container(sscc(PALLET)).unwrap();
    assert_eq!(opened.state, ContainerState::Opened { remaining: 0 });
    let first = ledger.container(case(0).sscc).unwrap();
    assert_eq!(
        (first.state, first.units, first.holder),
        (ContainerState::Sealed, 8, p.manufacturer)
    );
    assert_eq!(
        ledger.disaggregate(sscc(PALLET), cases()),
        Err(Error::ContainerNotSealed)
    );
    let t = trace(&ledger, 9).unwrap();
    assert_eq!(t.aggregated_into, vec![case(1).sscc, sscc(PALLET)]);
    assert!(matches!(t.location, Location::InContainer { sscc, .. } if sscc == case(1).sscc));
    // A case is opened with no list; its packages are then loose with its holder.
    assert_eq!(
        ledger.disaggregate(case(1).sscc, cases()),
        Err(Error::ContentsMismatch)
    );
    ledger.disaggregate(case(1).sscc, vec![]).unwrap();
    assert_eq!(
        location(&ledger, 9),
        Location::Loose {
            holder: p.manufacturer,
            hold: QuarantineReasons::default()
        }
    );
    // A tote repacked from the opened case takes its packages from it.
    ledger
        .aggregate(
            GTIN,
            lot_no(),
            sscc(30),
            Level::Case,
            case(1).contents,
            8,
            8,
            Some(case(1).sscc),
        )
        .unwrap();
    assert_eq!(
        ledger.container(case(1).sscc).unwrap().state,
        ContainerState::Opened { remaining: 0 }
    );
}

#[ink::test]
fn custody_moves_by_container_and_the_dock_checks_what_arrives() {
    let (mut ledger, p) = setup();
    commission(&mut ledger, &p).unwrap();
    pack_pallet(&mut ledger, &p).unwrap();
    let items = || vec![Item::Container(sscc(PALLET))];
    as_caller(p.manufacturer);
    assert_eq!(
        ledger.ship(
            p.wholesaler,
            items(),
            ShipmentPurpose::Sale,
            Hash::from([0; 32])
        ),
        Err(Error::ZeroHash)
    );
    assert_eq!(
        ledger.ship(p.wholesaler, vec![], ShipmentPurpose::Sale, hash(1)),
        Err(Error::InvalidItems)
    );
    assert_eq!(
        ledger.ship(
            p.wholesaler,
            vec![Item::Container(sscc(PALLET)); 2],
            ShipmentPurpose::Sale,
            hash(1)
        ),
        Err(Error::InvalidItems)
    );
    assert_eq!(
        ledger.ship(p.manufacturer, items(), ShipmentPurpose::Sale, hash(1)),
        Err(Error::ShipToSelf)
    );
    assert_eq!(
        ledger.ship(p.sensor, items(), ShipmentPurpose::Sale, hash(1)),
        Err(Error::NotATradingPartner)
    );
    assert_eq!(
        ship(&mut ledger, p.wholesaler, p.pharmacy, items()),
        Err(Error::NotACustodian)
    );
    let s = ship(&mut ledger, p.manufacturer, p.wholesaler, items()).unwrap();
    let (event, _) = last_event::<Shipped>();
    assert_eq!(
        (event.units, event.items.clone()),
        (16, vec![ItemKey::Container(sscc(PALLET))])
    );
    assert_eq!(event.transaction, hash(0x71));
    assert_eq!(
        location(&ledger, 0),
        Location::InContainer {
            sscc: sscc(PALLET),
            holder: p.manufacturer,
            state: ContainerState::InTransit(s),
            hold: QuarantineReasons::default(),
        }
    );
    // In transit, it cannot go anywhere else.
    assert_eq!(
        ship(&mut ledger, p.manufacturer, p.pharmacy, items()),
        Err(Error::ContainerNotSealed)
    );
    // The dock must scan exactly what was shipped.
    assert_eq!(
        receive(&mut ledger, s, vec![]),
        Err(Error::ShipmentMismatch)
    );
    assert_eq!(
        receive(&mut ledger, s, vec![Scan::Container(sscc(2))]),
        Err(Error::ShipmentMismatch)
    );
    assert_eq!(
        receive(&mut ledger, s, vec![Scan::Container(sscc(PALLET)); 2]),
        Err(Error::ShipmentMismatch)
    );
    as_caller(p.pharmacy);
    assert_eq!(
        ledger.receive(s, vec![Scan::Container(sscc(PALLET))]),
        Err(Error::NotTheRecipient)
    );
    receive(&mut ledger, s, vec![Scan::Container(sscc(PALLET))]).unwrap();
    let (event, _) = last_event::<ShipmentClosed>();
    assert_eq!(
        (event.from, event.units, event.received),
        (p.manufacturer, 16, true)
    );
    let pallet = ledger.container(sscc(PALLET)).unwrap();
    assert_eq!(
        (pallet.holder, pallet.seller),
        (p.wholesaler, Some(p.manufacturer))
    );
    assert_eq!(ledger.shipment(s), None);
    as_caller(p.wholesaler);
    assert_eq!(ledger.receive(s, vec![]), Err(Error::UnknownShipment));
}

#[ink::test]
fn the_sender_can_cancel_before_receipt() {
    let (mut ledger, p) = setup();
    commission(&mut ledger, &p).unwrap();
    pack_pallet(&mut ledger, &p).unwrap();
    let s = ship(
        &mut ledger,
        p.manufacturer,
        p.wholesaler,
        vec![Item::Container(sscc(PALLET))],
    )
    .unwrap();
    as_caller(p.wholesaler);
    assert_eq!(ledger.cancel_shipment(s), Err(Error::NotTheSender));
    as_caller(p.manufacturer);
    ledger.cancel_shipment(s).unwrap();
    let (event, _) = last_event::<ShipmentClosed>();
    assert_eq!(
        (event.shipment, event.from, event.received),
        (s, p.manufacturer, false)
    );
    let pallet = ledger.container(sscc(PALLET)).unwrap();
    assert_eq!(
        (pallet.holder, pallet.state),
        (p.manufacturer, ContainerState::Sealed)
    );
    assert_eq!(ledger.cancel_shipment(s), Err(Error::UnknownShipment));
}

#[ink::test]
fn packages_leave_an_opened_case_one_by_one_with_proofs() {
    let (mut ledger, p) = setup();
    stock_pharmacy(&mut ledger, &p);
    // Packages 1 and 2 now have records of their own; the case has 6 left.
    assert_eq!(
        ledger.container(case(0).sscc).unwrap().state,
        ContainerState::Opened { remaining: 6 }
    );
    let record = ledger
        .package(GTIN, lot_no(), serials()[1].clone())
        .unwrap();
    assert_eq!(
        (record.holder, record.seller, record.came_from),
        (p.pharmacy, Some(p.wholesaler), Some(case(0).sscc))
    );
    assert_eq!(
        location(&ledger, 1),
        Location::Loose {
            holder: p.pharmacy,
            hold: QuarantineReasons::default()
        }
    );
    assert_eq!(
        location(&ledger, 3),
        Location::Loose {
            holder: p.wholesaler,
            hold: QuarantineReasons::default()
        }
    );
    assert_eq!(
        trace(&ledger, 1).unwrap().aggregated_into,
        vec![case(0).sscc, sscc(PALLET)]
    );
    as_caller(p.wholesaler);
    // A package in a sealed case, a wrong case proof, or one the caller does not hold.
    let mut sealed = package(9, true);
    assert_eq!(
        ledger.ship(
            p.pharmacy,
            vec![Item::Package(sealed.clone())],
            ShipmentPurpose::Sale,
            hash(1)
        ),
        Err(Error::ContainerNotOpened)
    );
    sealed.from = Some(unpack(3));
    assert_eq!(
        ledger.ship(
            p.pharmacy,
            vec![Item::Package(sealed)],
            ShipmentPurpose::Sale,
            hash(1)
        ),
        Err(Error::NotInContainer)
    );
    assert_eq!(
        ledger.ship(
            p.pharmacy,
            vec![Item::Package(package(1, false))],
            ShipmentPurpose::Sale,
            hash(1)
        ),
        Err(Error::PackageUnavailable)
    );
    // A serial outside the lot is a counterfeit wherever it claims to be.
    let mut fake = package(3, true);
    fake.serial = b"SN999999".to_vec();
    assert_eq!(
        ledger.ship(
            p.pharmacy,
            vec![Item::Package(fake)],
            ShipmentPurpose::Sale,
            hash(1)
        ),
        Err(Error::Counterfeit)
    );
}

/// Only a package's first move on its own names the case it leaves (`from`): the ledger's
/// own build writes the record of a package leaving a case without reading it first, and a
/// record already there (the write tells) refuses the move. The library, which reads it,
/// answers the same: a clone as dispensed, any other package as gone from its case, with
/// nothing changed.
#[ink::test]
fn a_package_that_moved_on_its_own_is_named_without_its_case() {
    let (mut ledger, p) = setup();
    stock_pharmacy(&mut ledger, &p);
    as_caller(p.pharmacy);
    // Package 1 left case 0 for the pharmacy, loose.
    let before = ledger.package(GTIN, lot_no(), serials()[1].clone());
    let case_before = ledger.container(case(0).sscc);
    assert_eq!(dispense(&mut ledger, 1, true), Err(Error::LeftContainer));
    assert_eq!(
        ledger.ship(
            p.wholesaler,
            vec![Item::Package(package(1, true))],
            ShipmentPurpose::Return,
            hash(1)
        ),
        Err(Error::LeftContainer)
    );
    assert_eq!(ledger.package(GTIN, lot_no(), serials()[1].clone()), before);
    assert_eq!(ledger.container(case(0).sscc), case_before);
    assert!(events_of::<Dispensed>().is_empty());
    dispense(&mut ledger, 1, false).unwrap();
    // A clone of it, named with the case, is refused as dispensed, as a scan says.
    assert_eq!(dispense(&mut ledger, 1, true), Err(Error::AlreadyDispensed));
    assert_eq!(ledger.container(case(0).sscc), case_before);
    assert_eq!(scan(&ledger, 1), UnitStatus::Dispensed);
}

/// The ledger's own build runs a dispense and the payer's question on a root it does not
/// read (`Unpaused::unpaused`, `entry_points!`'s `skips_root`): what they write and answer
/// must be what the real root's would be, the Dispenser role included.
#[ink::test]
fn a_dispense_needs_no_root_but_its_handles() {
    use healthchain_common::dispatch::Unpaused;
    let (mut ledger, p) = setup();
    stock_pharmacy(&mut ledger, &p);
    let mut unread = DrugProvenance::unpaused();
    as_caller(p.wholesaler);
    assert_eq!(
        dispense(&mut unread, 2, false),
        Err(Error::Access(AccessError::MissingRole(Role::Dispenser)))
    );
    as_caller(p.pharmacy);
    dispense(&mut unread, 1, false).unwrap();
    assert_eq!(
        dispense(&mut ledger, 1, false),
        Err(Error::AlreadyDispensed),
        "the real root sees the dispense"
    );
    let units = vec![
        (GTIN, lot_no(), serials()[1].clone()),
        (GTIN, lot_no(), serials()[2].clone()),
    ];
    assert_eq!(
        unread.dispensed_units(UnitIds(units.clone())),
        ledger.dispensed_units(UnitIds(units))
    );
    assert_eq!(
        unread
            .dispensed_unit(GTIN, lot_no(), serials()[1].clone())
            .map(|unit| unit.dispenser),
        Some(p.pharmacy)
    );
}

#[ink::test]
fn a_pharmacy_dispenses_a_package_once_with_its_full_identifier() {
    let (mut ledger, p) = setup();
    stock_pharmacy(&mut ledger, &p);
    as_caller(p.pharmacy);
    assert_eq!(
        ledger.dispense(package(1, false), 241_114, recipient()),
        Err(Error::ExpiryMismatch)
    );
    assert_eq!(
        ledger.dispense(
            package(1, false),
            printed_expiry(EXPIRY),
            Hash::from([0; 32])
        ),
        Err(Error::ZeroHash)
    );
    // Not the pharmacy's: still in the wholesaler's opened case.
    assert_eq!(
        dispense(&mut ledger, 3, true),
        Err(Error::PackageUnavailable)
    );
    let mut fake = package(1, false);
    fake.serial_proof = proof_of(2);
    assert_eq!(
        ledger.dispense(fake, printed_expiry(EXPIRY), recipient()),
        Err(Error::Counterfeit)
    );
    assert_eq!(scan(&ledger, 1), UnitStatus::Genuine);
    dispense(&mut ledger, 1, false).unwrap();
    let (event, _) = last_event::<Dispensed>();
    assert_eq!(
        (event.recipient, event.serial.clone()),
        (recipient(), serials()[1].clone())
    );
    assert_eq!(
        dispense(&mut ledger, 1, false),
        Err(Error::AlreadyDispensed)
    );
    assert_eq!(scan(&ledger, 1), UnitStatus::Dispensed);
    // A label with another expiry is not this lot's package.
    assert_eq!(
        ledger.verify_unit(
            GTIN,
            lot_no(),
            serials()[1].clone(),
            250_101,
            1,
            proof_of(1)
        ),
        UnitStatus::Unknown
    );
    let unit = ledger
        .dispensed_unit(GTIN, lot_no(), serials()[1].clone())
        .unwrap();
    assert_eq!((unit.recipient, unit.dispenser), (recipient(), p.pharmacy));
    assert_eq!(
        ledger.dispensed_unit(GTIN, lot_no(), serials()[2].clone()),
        None
    );
    assert!(
        matches!(location(&ledger, 1), Location::Dispensed { dispenser, .. } if dispenser == p.pharmacy)
    );
    assert_eq!(events_of::<Dispensed>().len(), 1);
    // Only pharmacies dispense.
    as_caller(p.wholesaler);
    assert_eq!(
        dispense(&mut ledger, 3, true),
        Err(Error::Access(AccessError::MissingRole(Role::Dispenser)))
    );
}

#[ink::test]
fn a_saleable_return_goes_to_the_seller_and_is_verified_on_receipt() {
    let (mut ledger, p) = setup();
    stock_pharmacy(&mut ledger, &p);
    as_caller(p.pharmacy);
    let back = || vec![Item::Package(package(2, false))];
    assert_eq!(
        ledger.ship(p.manufacturer, back(), ShipmentPurpose::Return, hash(2)),
        Err(Error::NotTheSeller)
    );
    let s = ledger
        .ship(p.wholesaler, back(), ShipmentPurpose::Return, hash(2))
        .unwrap();
    receive(&mut ledger, s, vec![scan_package(2)]).unwrap();
    let verified = events_of::<ReturnVerified>();
    assert_eq!(verified.len(), 1);
    assert!(verified[0].saleable);
    assert_eq!(
        verified[0].item,
        ItemKey::Package(lot_id(GTIN, &lot_no()), hash_leaf(&serials()[2]))
    );
    assert_eq!(
        location(&ledger, 2),
        Location::Loose {
            holder: p.wholesaler,
            hold: QuarantineReasons::default()
        }
    );
    // Resold to the pharmacy, which dispenses it.
    let s = ship(&mut ledger, p.wholesaler, p.pharmacy, back()).unwrap();
    receive(&mut ledger, s, vec![scan_package(2)]).unwrap();
    as_caller(p.pharmacy);
    dispense(&mut ledger, 2, false).unwrap();
}

#[ink::test]
fn a_return_that_fails_verification_is_held_as_suspect() {
    let (mut ledger, p) = setup();
    stock_pharmacy(&mut ledger, &p);
    as_caller(p.pharmacy);
    let s = ledger
        .ship(
            p.wholesaler,
            vec![Item::Package(package(2, false))],
            ShipmentPurpose::Return,
            hash(2),
        )
        .unwrap();
    // Recalled while on its way back.
    as_caller(p.manufacturer);
    ledger.recall_lot(GTIN, lot_no(), None, hash(3)).unwrap();
    receive(&mut ledger, s, vec![scan_package(2)]).unwrap();
    let verified = events_of::<ReturnVerified>();
    assert!(!verified[0].saleable);
    assert_eq!(
        location(&ledger, 2),
        Location::Loose {
            holder: p.wholesaler,
            hold: QuarantineReasons::of(QuarantineReason::Suspect)
        }
    );
}

#[ink::test]
fn an_excursion_holds_the_shipment_its_sensor_rides_with_not_the_lot() {
    let (mut ledger, p) = setup();
    stock_pharmacy(&mut ledger, &p);
    // Two shipments to the pharmacy: packages 3 and 4, and the sealed case 1.
    as_caller(p.wholesaler);
    let first = ship(
        &mut ledger,
        p.wholesaler,
        p.pharmacy,
        vec![Item::Package(package(3, true))],
    )
    .unwrap();
    let second = ship(
        &mut ledger,
        p.wholesaler,
        p.pharmacy,
        vec![Item::Container(case(1).sscc)],
    )
    .unwrap();
    as_caller(p.sensor);
    assert_eq!(
        ledger.report_temperature(SensorPlace::Shipment(first), 1150),
        Err(Error::SensorNotBound)
    );
    as_caller(p.pharmacy);
    assert_eq!(
        ledger.bind_sensor(SensorPlace::Shipment(first), p.wholesaler),
        Err(Error::NotASensor)
    );
    as_caller(p.manufacturer);
    assert_eq!(
        ledger.bind_sensor(SensorPlace::Shipment(first), p.sensor),
        Err(Error::NotACustodian)
    );
    as_caller(p.wholesaler);
    ledger
        .bind_sensor(SensorPlace::Shipment(first), p.sensor)
        .unwrap();
    as_caller(p.sensor);
    ledger
        .report_temperature(SensorPlace::Shipment(first), 540)
        .unwrap();
    let (reading, _) = last_event::<TemperatureRecorded>();
    assert!(reading.in_range);
    ledger
        .report_temperature(SensorPlace::Shipment(first), 1150)
        .unwrap();
    let (held, _) = last_event::<Quarantined>();
    assert_eq!(
        (held.place, held.manufacturer),
        (Place::Shipment(first), p.manufacturer)
    );
    // A second excursion is recorded, and the hold stays.
    ledger
        .report_temperature(SensorPlace::Shipment(first), 1200)
        .unwrap();
    assert_eq!(status(&ledger), LotStatus::Active);
    receive(&mut ledger, first, vec![scan_package(3)]).unwrap();
    receive(&mut ledger, second, vec![Scan::Container(case(1).sscc)]).unwrap();
    as_caller(p.pharmacy);
    // Package 3 arrived held; the case from the other shipment is dispensable.
    assert_eq!(dispense(&mut ledger, 3, false), Err(Error::LotQuarantined));
    assert_eq!(
        scan(&ledger, 3),
        UnitStatus::Quarantined(QuarantineReasons::of(
            QuarantineReason::TemperatureExcursion
        ))
    );
    ledger.disaggregate(case(1).sscc, vec![]).unwrap();
    dispense(&mut ledger, 9, true).unwrap();
    // The manufacturer investigates and releases the package.
    let target = Target::Package {
        gtin: GTIN,
        lot: lot_no(),
        serial: serials()[3].clone(),
    };
    assert_eq!(
        ledger.release(
            target.clone(),
            QuarantineReason::TemperatureExcursion,
            hash(9)
        ),
        Err(Error::NotManufacturerOrRegulator)
    );
    as_caller(p.manufacturer);
    assert_eq!(
        ledger.release(target.clone(), QuarantineReason::Suspect, hash(9)),
        Err(Error::QuarantineReasonNotOpen)
    );
    ledger
        .release(target, QuarantineReason::TemperatureExcursion, hash(9))
        .unwrap();
    let (released, _) = last_event::<Released>();
    assert!(released.still_open.is_empty());
    as_caller(p.pharmacy);
    dispense(&mut ledger, 3, false).unwrap();
}

#[ink::test]
fn a_sensor_on_a_holding_holds_that_container_only() {
    let (mut ledger, p) = setup();
    commission(&mut ledger, &p).unwrap();
    pack_pallet(&mut ledger, &p).unwrap();
    as_caller(p.manufacturer);
    ledger.disaggregate(sscc(PALLET), cases()).unwrap();
    ledger
        .bind_sensor(SensorPlace::Container(case(0).sscc), p.sensor)
        .unwrap();
    as_caller(p.sensor);
    ledger
        .report_temperature(SensorPlace::Container(case(0).sscc), -100)
        .unwrap();
    assert_eq!(
        ledger.container(case(0).sscc).unwrap().hold,
        QuarantineReasons::of(QuarantineReason::TemperatureExcursion)
    );
    assert!(ledger.container(case(1).sscc).unwrap().hold.is_empty());
    assert_eq!(
        ship(
            &mut ledger,
            p.manufacturer,
            p.wholesaler,
            vec![Item::Container(case(0).sscc)]
        ),
        Err(Error::LotQuarantined)
    );
    ship(
        &mut ledger,
        p.manufacturer,
        p.wholesaler,
        vec![Item::Container(case(1).sscc)],
    )
    .unwrap();
    // Unbinding: the binder or a regulator.
    as_caller(p.wholesaler);
    assert_eq!(
        ledger.unbind_sensor(SensorPlace::Container(case(0).sscc), p.sensor),
        Err(Error::NotACustodian)
    );
    as_caller(p.manufacturer);
    ledger
        .unbind_sensor(SensorPlace::Container(case(0).sscc), p.sensor)
        .unwrap();
    as_caller(p.sensor);
    assert_eq!(
        ledger.report_temperature(SensorPlace::Container(case(0).sscc), -100),
        Err(Error::SensorNotBound)
    );
}

#[ink::test]
fn custodians_quarantine_their_own_goods_and_regulators_a_lot() {
    let (mut ledger, p) = setup();
    stock_pharmacy(&mut ledger, &p);
    let case_target = Target::Container(case(1).sscc);
    as_caller(p.pharmacy);
    assert_eq!(
        ledger.quarantine(case_target.clone(), QuarantineReason::Suspect, hash(4)),
        Err(Error::NotACustodian)
    );
    assert_eq!(
        ledger.quarantine(
            Target::Lot {
                gtin: GTIN,
                lot: lot_no()
            },
            QuarantineReason::Suspect,
            hash(4)
        ),
        Err(Error::NotManufacturerOrRegulator)
    );
    // The pharmacy holds package 1 and flags it; package 2 stays dispensable.
    ledger
        .quarantine(
            Target::Package {
                gtin: GTIN,
                lot: lot_no(),
                serial: serials()[1].clone(),
            },
            QuarantineReason::Suspect,
            hash(4),
        )
        .unwrap();
    assert_eq!(dispense(&mut ledger, 1, false), Err(Error::LotQuarantined));
    dispense(&mut ledger, 2, false).unwrap();
    as_caller(p.wholesaler);
    assert_eq!(
        ledger.quarantine(
            case_target.clone(),
            QuarantineReason::Suspect,
            Hash::from([0; 32])
        ),
        Err(Error::ZeroHash)
    );
    ledger
        .quarantine(case_target.clone(), QuarantineReason::Suspect, hash(4))
        .unwrap();
    assert_eq!(
        ledger.quarantine(case_target, QuarantineReason::Suspect, hash(4)),
        Err(Error::LotQuarantined)
    );
    // A regulator holds the lot everywhere.
    as_caller(p.regulator);
    ledger
        .quarantine(
            Target::Lot {
                gtin: GTIN,
                lot: lot_no(),
            },
            QuarantineReason::Suspect,
            hash(5),
        )
        .unwrap();
    assert_eq!(
        status(&ledger),
        LotStatus::Quarantined(QuarantineReasons::of(QuarantineReason::Suspect))
    );
    let unit = ledger
        .dispensed_unit(GTIN, lot_no(), serials()[2].clone())
        .unwrap();
    assert!(unit.lot_quarantined);
    ledger
        .release(
            Target::Lot {
                gtin: GTIN,
                lot: lot_no(),
            },
            QuarantineReason::Suspect,
            hash(6),
        )
        .unwrap();
    assert_eq!(status(&ledger), LotStatus::Active);
}

#[ink::test]
fn illegitimate_product_has_a_24_hour_clock_and_ends_only_with_the_regulator() {
    let (mut ledger, p) = setup();
    stock_pharmacy(&mut ledger, &p);
    as_caller(p.wholesaler);
    assert_eq!(
        ledger.notify_illegitimate(GTIN, lot_no(), hash(0x39), NOW),
        Err(Error::NotManufacturerOrRegulator)
    );
    as_caller(p.manufacturer);
    assert_eq!(
        ledger.notify_illegitimate(GTIN, lot_no(), hash(0x39), NOW + 1),
        Err(Error::DeterminationInFuture)
    );
    assert_eq!(
        ledger.notify_illegitimate(GTIN, lot_no(), Hash::from([0; 32]), NOW),
        Err(Error::ZeroHash)
    );
    // Determined 30 hours ago: notified late.
    let determined = NOW - 30 * 60 * 60 * 1000;
    ledger
        .notify_illegitimate(GTIN, lot_no(), hash(0x39), determined)
        .unwrap();
    let (event, _) = last_event::<IllegitimateProductNotified>();
    assert_eq!((event.notify_by, event.late), (determined + DAY, true));
    assert_eq!(status(&ledger), LotStatus::Illegitimate);
    let notice = illegitimate_notice(&ledger);
    assert_eq!(
        (notice.form_3911, notice.notified_by, notice.terminated),
        (hash(0x39), p.manufacturer, None)
    );
    // Not a recall, and nothing of it moves or is dispensed.
    assert_eq!(
        ledger.recall_lot(GTIN, lot_no(), None, hash(1)),
        Err(Error::LotIllegitimate)
    );
    as_caller(p.pharmacy);
    assert_eq!(dispense(&mut ledger, 1, false), Err(Error::LotIllegitimate));
    assert_eq!(scan(&ledger, 1), UnitStatus::Illegitimate);
    // Only the regulator terminates it.
    as_caller(p.manufacturer);
    assert_eq!(
        ledger.terminate_illegitimate(GTIN, lot_no(), hash(0x40)),
        Err(Error::NotARegulator)
    );
    as_caller(p.regulator);
    ledger
        .terminate_illegitimate(GTIN, lot_no(), hash(0x40))
        .unwrap();
    assert_eq!(
        ledger.terminate_illegitimate(GTIN, lot_no(), hash(0x40)),
        Err(Error::NotificationNotOpen)
    );
    // The lot stays out of supply; only the notice changed.
    assert_eq!(status(&ledger), LotStatus::Illegitimate);
    assert_eq!(illegitimate_notice(&ledger).terminated, Some(hash(0x40)));
}

#[ink::test]
fn only_an_open_notification_is_terminated() {
    let (mut ledger, p) = setup();
    commission(&mut ledger, &p).unwrap();
    as_caller(p.regulator);
    assert_eq!(
        ledger.terminate_illegitimate(GTIN, b"NOPE".to_vec(), hash(0x40)),
        Err(Error::UnknownLot)
    );
    assert_eq!(
        ledger.terminate_illegitimate(GTIN, lot_no(), hash(0x40)),
        Err(Error::NotificationNotOpen)
    );
    assert_eq!(
        ledger.terminate_illegitimate(GTIN, lot_no(), Hash::from([0; 32])),
        Err(Error::ZeroHash)
    );
    assert_eq!(status(&ledger), LotStatus::Active);
    assert_eq!(ledger.lot_state(GTIN, lot_no()).unwrap().illegitimate, None);
}

#[ink::test]
fn a_notification_within_24_hours_is_on_time() {
    let (mut ledger, p) = setup();
    commission(&mut ledger, &p).unwrap();
    as_caller(p.regulator);
    ledger
        .notify_illegitimate(GTIN, lot_no(), hash(0x39), NOW - DAY)
        .unwrap();
    let (event, _) = last_event::<IllegitimateProductNotified>();
    assert!(!event.late);
}

#[ink::test]
fn recall_classes_come_from_the_regulator() {
    let (mut ledger, p) = setup();
    stock_pharmacy(&mut ledger, &p);
    as_caller(p.manufacturer);
    assert_eq!(
        ledger.recall_lot(GTIN, lot_no(), Some(RecallClass::I), hash(3)),
        Err(Error::NotARegulator)
    );
    ledger.recall_lot(GTIN, lot_no(), None, hash(3)).unwrap();
    assert_eq!(
        status(&ledger),
        LotStatus::Recalled {
            class: None,
            reason: hash(3)
        }
    );
    assert_eq!(
        ledger.recall_lot(GTIN, lot_no(), None, hash(3)),
        Err(Error::LotAlreadyRecalled)
    );
    as_caller(p.pharmacy);
    assert_eq!(dispense(&mut ledger, 1, false), Err(Error::LotRecalled));
    assert_eq!(scan(&ledger, 1), UnitStatus::Recalled(None));
    as_caller(p.regulator);
    ledger
        .recall_lot(GTIN, lot_no(), Some(RecallClass::II), hash(4))
        .unwrap();
    let (event, _) = last_event::<LotRecalled>();
    assert_eq!(
        (event.class, event.by),
        (Some(RecallClass::II), p.regulator)
    );
    assert_eq!(
        ledger.recall_lot(GTIN, lot_no(), Some(RecallClass::I), hash(4)),
        Err(Error::LotAlreadyRecalled)
    );
    // Recalled goods are destroyed by their holders.
    as_caller(p.wholesaler);
    ledger
        .destroy(Item::Container(case(1).sscc), hash(5))
        .unwrap();
    let (event, _) = last_event::<Destroyed>();
    assert_eq!(event.units, 8);
    ledger
        .destroy(Item::Container(case(0).sscc), hash(5))
        .unwrap();
    assert_eq!(last_event::<Destroyed>().0.units, 6);
    as_caller(p.pharmacy);
    ledger
        .destroy(Item::Package(package(1, false)), hash(5))
        .unwrap();
    assert_eq!(ledger.lot_state(GTIN, lot_no()).unwrap().lot.destroyed, 15);
    assert_eq!(location(&ledger, 1), Location::Destroyed);
    assert_eq!(location(&ledger, 9), Location::Destroyed);
}

#[ink::test]
fn expired_stock_neither_moves_nor_is_dispensed() {
    let (mut ledger, p) = setup();
    stock_pharmacy(&mut ledger, &p);
    test::set_block_timestamp::<Env>(EXPIRY);
    as_caller(p.pharmacy);
    assert_eq!(dispense(&mut ledger, 1, false), Err(Error::LotExpired));
    assert_eq!(
        ship(
            &mut ledger,
            p.wholesaler,
            p.pharmacy,
            vec![Item::Container(case(1).sscc)]
        ),
        Err(Error::LotExpired)
    );
    assert_eq!(scan(&ledger, 1), UnitStatus::Expired);
}

#[ink::test]
fn pause_stops_new_business_not_safety_actions() {
    let (mut ledger, p) = setup();
    stock_pharmacy(&mut ledger, &p);
    as_caller(p.admin);
    ledger.pause().unwrap();
    let paused = Err(Error::Access(AccessError::Paused));
    assert_eq!(commission(&mut ledger, &p), paused);
    assert_eq!(
        ship(
            &mut ledger,
            p.wholesaler,
            p.pharmacy,
            vec![Item::Container(case(1).sscc)]
        )
        .map(|_| ()),
        paused
    );
    as_caller(p.pharmacy);
    assert_eq!(dispense(&mut ledger, 1, false), paused);
    // Safety actions still work.
    as_caller(p.wholesaler);
    ledger
        .quarantine(
            Target::Container(case(1).sscc),
            QuarantineReason::Suspect,
            hash(1),
        )
        .unwrap();
    as_caller(p.manufacturer);
    ledger.recall_lot(GTIN, lot_no(), None, hash(2)).unwrap();
}

#[ink::test]
fn revoked_roles_keep_no_powers() {
    let (mut ledger, p) = setup();
    stock_pharmacy(&mut ledger, &p);
    as_caller(p.regulator);
    ledger.revoke_role(Role::Wholesaler, p.wholesaler).unwrap();
    ledger
        .revoke_role(Role::Manufacturer, p.manufacturer)
        .unwrap();
    assert_eq!(
        ship(
            &mut ledger,
            p.wholesaler,
            p.pharmacy,
            vec![Item::Container(case(1).sscc)]
        ),
        Err(Error::NotATradingPartner)
    );
    as_caller(p.wholesaler);
    assert_eq!(
        ledger.quarantine(
            Target::Container(case(1).sscc),
            QuarantineReason::Suspect,
            hash(1)
        ),
        Err(Error::NotACustodian)
    );
    as_caller(p.manufacturer);
    assert_eq!(
        ledger.recall_lot(GTIN, lot_no(), None, hash(1)),
        Err(Error::NotManufacturerOrRegulator)
    );
}

#[ink::test]
fn a_payer_asks_about_many_units_in_one_call() {
    let (mut ledger, p) = setup();
    stock_pharmacy(&mut ledger, &p);
    as_caller(p.pharmacy);
    dispense(&mut ledger, 1, false).unwrap();
    let unit = |i: usize| (GTIN, lot_no(), serials()[i].clone());
    let answers = ledger.dispensed_units(UnitIds(vec![
        unit(1),
        unit(2),
        (GTIN, b"NOPE".to_vec(), serials()[1].clone()),
    ]));
    assert_eq!(answers.len(), 3);
    assert!(answers[0].is_some() && answers[1].is_none() && answers[2].is_none());
    let many = vec![unit(1); 60];
    assert_eq!(ledger.dispensed_units(UnitIds(many)).len(), 50);
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

fn batch_item(index: usize, from_case: bool, expiry: u32) -> Dispense {
    Dispense {
        package: package(index, from_case),
        expiry,
        recipient: recipient(),
    }
}

#[ink::test]
fn a_dispense_batch_answers_each_item_and_a_refused_one_stops_nothing() {
    let (mut ledger, p) = setup();
    stock_pharmacy(&mut ledger, &p);
    as_caller(p.pharmacy);
    let good = printed_expiry(EXPIRY);
    let answers = ledger
        .dispense_batch(vec![
            batch_item(1, false, good),
            batch_item(1, false, good),
            batch_item(2, false, good + 1),
            batch_item(3, true, good),
        ])
        .unwrap();
    assert_eq!(
        answers,
        vec![
            Ok(()),
            Err(Error::AlreadyDispensed),
            Err(Error::ExpiryMismatch),
            Err(Error::PackageUnavailable),
        ]
    );
    assert_eq!(events_of::<Dispensed>().len(), 1);
    // The refused package 2 is untouched and dispensable in the next batch.
    assert_eq!(
        location(&ledger, 2),
        Location::Loose {
            holder: p.pharmacy,
            hold: QuarantineReasons::default()
        }
    );
    assert_eq!(
        ledger.dispense_batch(vec![batch_item(2, false, good)]),
        Ok(vec![Ok(())])
    );
    assert_eq!(ledger.dispense_batch(vec![]), Ok(vec![]));
    assert_eq!(
        ledger.dispense_batch(vec![batch_item(2, false, good); MAX_BATCH + 1]),
        Err(Error::BatchTooLarge)
    );
    as_caller(p.wholesaler);
    assert_eq!(
        ledger.dispense_batch(vec![batch_item(3, true, good)]),
        Err(Error::Access(AccessError::MissingRole(Role::Dispenser)))
    );
    as_caller(p.admin);
    ledger.pause().unwrap();
    as_caller(p.pharmacy);
    assert_eq!(
        ledger.dispense_batch(vec![batch_item(2, false, good)]),
        Err(Error::Access(AccessError::Paused))
    );
}

/// A batch reads and writes each lot and opened case once: what earlier items took from
/// the case is seen by later ones, and a refused item takes nothing.
#[ink::test]
fn a_dispense_batch_from_one_opened_case_counts_each_package_once() {
    let (mut ledger, p) = setup();
    stock_pharmacy(&mut ledger, &p);
    let s = ship(
        &mut ledger,
        p.wholesaler,
        p.pharmacy,
        vec![Item::Container(case(1).sscc)],
    )
    .unwrap();
    receive(&mut ledger, s, vec![Scan::Container(case(1).sscc)]).unwrap();
    as_caller(p.pharmacy);
    ledger.disaggregate(case(1).sscc, vec![]).unwrap();
    let before = events_of::<Dispensed>().len();
    let good = printed_expiry(EXPIRY);
    let answers = ledger
        .dispense_batch(vec![
            batch_item(8, true, good),
            batch_item(9, true, good),
            batch_item(9, true, good),
            batch_item(10, true, good + 1),
        ])
        .unwrap();
    assert_eq!(
        answers,
        vec![
            Ok(()),
            Ok(()),
            Err(Error::AlreadyDispensed),
            Err(Error::ExpiryMismatch)
        ]
    );
    let remaining = |ledger: &DrugProvenance| ledger.container(case(1).sscc).unwrap().state;
    assert_eq!(remaining(&ledger), ContainerState::Opened { remaining: 6 });
    assert_eq!(events_of::<Dispensed>().len(), before + 2);
    // The rest of the case in one batch; the case is then empty, and nothing more leaves
    // it.
    let rest: Vec<Dispense> = (10..16).map(|i| batch_item(i, true, good)).collect();
    assert_eq!(ledger.dispense_batch(rest), Ok(vec![Ok(()); 6]));
    assert_eq!(remaining(&ledger), ContainerState::Opened { remaining: 0 });
    assert_eq!(events_of::<Dispensed>().len(), before + 8);
}

#[ink::test]
fn a_batch_of_readings_holds_only_where_the_excursion_is() {
    let (mut ledger, p) = setup();
    stock_pharmacy(&mut ledger, &p);
    as_caller(p.wholesaler);
    ledger
        .bind_sensor(SensorPlace::Container(case(1).sscc), p.sensor)
        .unwrap();
    let shipment = ship(
        &mut ledger,
        p.wholesaler,
        p.pharmacy,
        vec![Item::Package(package(3, true))],
    )
    .unwrap();
    as_caller(p.wholesaler);
    ledger
        .bind_sensor(SensorPlace::Shipment(shipment), p.sensor)
        .unwrap();
    as_caller(p.sensor);
    let answers = ledger
        .report_temperatures(vec![
            (SensorPlace::Container(case(1).sscc), 500),
            (SensorPlace::Shipment(shipment + 1), 500),
            (SensorPlace::Shipment(shipment), 1200),
            (SensorPlace::Container(case(1).sscc), 510),
        ])
        .unwrap();
    assert_eq!(
        answers,
        vec![Ok(()), Err(Error::SensorNotBound), Ok(()), Ok(())]
    );
    assert_eq!(events_of::<TemperatureRecorded>().len(), 3);
    assert_eq!(
        ledger.shipment(shipment).unwrap().hold,
        QuarantineReasons::of(QuarantineReason::TemperatureExcursion)
    );
    assert!(ledger.container(case(1).sscc).unwrap().hold.is_empty());
    assert_eq!(
        ledger.report_temperatures(vec![(SensorPlace::Shipment(shipment), 500); MAX_BATCH + 1]),
        Err(Error::BatchTooLarge)
    );
    as_caller(p.pharmacy);
    assert_eq!(
        ledger.report_temperatures(vec![]),
        Err(Error::Access(AccessError::MissingRole(Role::Sensor)))
    );
}

#[derive(Debug, Clone)]
enum Step {
    PackPallet,
    Open {
        container: usize,
    },
    ShipContainer {
        container: usize,
        to: usize,
        back: bool,
    },
    ShipPackage {
        serial: usize,
        to: usize,
        back: bool,
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
    /// A batch of dispenses by the manufacturer (from its unpacked stock) or the pharmacy.
    DispenseBatch {
        serials: Vec<usize>,
        by_manufacturer: bool,
    },
    DestroyPackage {
        serial: usize,
    },
    DestroyContainer {
        container: usize,
    },
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        Just(Step::PackPallet),
        (0usize..3).prop_map(|container| Step::Open { container }),
        (0usize..3, 0usize..3, any::<bool>()).prop_map(|(container, to, back)| {
            Step::ShipContainer {
                container,
                to,
                back,
            }
        }),
        (0usize..SERIALS, 0usize..3, any::<bool>())
            .prop_map(|(serial, to, back)| Step::ShipPackage { serial, to, back }),
        (0usize..8).prop_map(|pick| Step::Receive { pick }),
        (0usize..8).prop_map(|pick| Step::Cancel { pick }),
        (0usize..SERIALS).prop_map(|serial| Step::Dispense { serial }),
        (prop::collection::vec(0usize..SERIALS, 0..6), any::<bool>()).prop_map(
            |(serials, by_manufacturer)| Step::DispenseBatch {
                serials,
                by_manufacturer
            }
        ),
        (0usize..SERIALS).prop_map(|serial| Step::DestroyPackage { serial }),
        (0usize..3).prop_map(|container| Step::DestroyContainer { container }),
    ]
}

/// The SSCC of container `n`: the pallet, then its two cases.
fn container_sscc(n: usize) -> Sscc {
    match n {
        0 => sscc(PALLET),
        n => case(n - 1).sscc,
    }
}

/// Where each package is by `trace`, with the aggregation path known so far.
fn locate_all(ledger: &DrugProvenance) -> Vec<Location> {
    let packed = ledger.container(sscc(PALLET)).is_some();
    (0..SERIALS)
        .map(|s| {
            let path = if packed { path(s) } else { vec![] };
            ledger
                .trace(
                    GTIN,
                    lot_no(),
                    serials()[s].clone(),
                    s as u64,
                    proof_of(s),
                    path,
                )
                .expect("every genuine package can be traced")
                .location
        })
        .collect()
}

/// Every package is in exactly one place, and the places add up to the ledger's counts:
/// unpacked stock, each container's packages, dispensed and destroyed.
fn assert_custody_conserved(ledger: &DrugProvenance, after: &Step) {
    let lot = ledger.lot_state(GTIN, lot_no()).unwrap().lot;
    let places = locate_all(ledger);
    let count = |f: &dyn Fn(usize, &Location) -> bool| {
        places.iter().enumerate().filter(|(s, l)| f(*s, l)).count() as u64
    };
    assert_eq!(
        count(&|_, l| matches!(l, Location::Unpacked { .. })),
        lot.unpacked,
        "unpacked after {after:?}"
    );
    assert_eq!(
        count(&|_, l| *l == Location::Destroyed),
        lot.destroyed,
        "destroyed after {after:?}"
    );
    for n in 0..3 {
        let id = container_sscc(n);
        let Some(container) = ledger.container(id) else {
            continue;
        };
        match container.state {
            ContainerState::Sealed | ContainerState::InTransit(_) => assert_eq!(
                count(&|_, l| matches!(l, Location::InContainer { sscc, .. } if *sscc == id)),
                container.units,
                "container {n} after {after:?}"
            ),
            ContainerState::Opened { remaining } if n > 0 => assert_eq!(
                count(&|s, l| s / 8 == n - 1
                    && matches!(l, Location::Loose { .. })
                    && ledger
                        .package(GTIN, lot_no(), serials()[s].clone())
                        .is_none()),
                remaining,
                "opened case {n} after {after:?}"
            ),
            _ => {}
        }
    }
    // A package in transit on its own is in a shipment that names it.
    for (s, l) in places.iter().enumerate() {
        if let Location::InTransit(id) = l {
            let shipment = ledger.shipment(*id).expect("its shipment is open");
            assert!(shipment.items.contains(&ItemKey::Package(
                lot_id(GTIN, &lot_no()),
                hash_leaf(&serials()[s])
            )));
        }
    }
    assert_eq!(lot.quantity, SERIALS as u64);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Whatever partners do (pack, open, ship by container or package, receive, cancel,
    /// return, dispense, destroy), every package has exactly one place (a holder, a
    /// container, a shipment, dispensed or destroyed), and the places add up to the lot's
    /// counts.
    #[test]
    fn package_custody_is_conserved(steps in prop::collection::vec(step(), 1..40)) {
        ink::env::test::run_test::<Env, _>(|_| {
            let (mut ledger, p) = setup();
            commission(&mut ledger, &p).unwrap();
            // A manufacturer that also dispenses takes packages from its unpacked stock.
            as_caller(p.admin);
            ledger.grant_role(Role::Dispenser, p.manufacturer).unwrap();
            let partners = [p.manufacturer, p.wholesaler, p.pharmacy];
            let mut open: Vec<u64> = Vec::new();
            let holder_of = |ledger: &DrugProvenance, s: usize| match locate_all(ledger)[s] {
                Location::Unpacked { holder } | Location::Loose { holder, .. } => Some(holder),
                _ => None,
            };
            for step in steps {
                match step.clone() {
                    Step::PackPallet => {
                        let _ = pack_pallet(&mut ledger, &p);
                    }
                    Step::Open { container } => {
                        if let Some(c) = ledger.container(container_sscc(container)) {
                            as_caller(c.holder);
                            let list = if container == 0 { cases() } else { vec![] };
                            let _ = ledger.disaggregate(container_sscc(container), list);
                        }
                    }
                    Step::ShipContainer { container, to, back } => {
                        if let Some(c) = ledger.container(container_sscc(container)) {
                            as_caller(c.holder);
                            let purpose = if back { ShipmentPurpose::Return } else { ShipmentPurpose::Sale };
                            if let Ok(id) = ledger.ship(partners[to], vec![Item::Container(container_sscc(container))], purpose, hash(1)) {
                                open.push(id);
                            }
                        }
                    }
                    Step::ShipPackage { serial, to, back } => {
                        if let Some(holder) = holder_of(&ledger, serial) {
                            as_caller(holder);
                            let recorded = ledger.package(GTIN, lot_no(), serials()[serial].clone()).is_some();
                            let from_case = !recorded && ledger.container(case(serial / 8).sscc).is_some();
                            let purpose = if back { ShipmentPurpose::Return } else { ShipmentPurpose::Sale };
                            if let Ok(id) = ledger.ship(partners[to], vec![Item::Package(package(serial, from_case))], purpose, hash(1)) {
                                open.push(id);
                            }
                        }
                    }
                    Step::Receive { pick } if !open.is_empty() => {
                        let id = open[pick % open.len()];
                        let shipment = ledger.shipment(id).unwrap();
                        as_caller(shipment.to);
                        let scans = shipment.items.iter().map(|key| match key {
                            ItemKey::Container(sscc) => Scan::Container(*sscc),
                            ItemKey::Package(_, leaf) => {
                                let s = leaves().iter().position(|l| l == leaf).unwrap();
                                scan_package(s)
                            }
                        }).collect();
                        ledger.receive(id, scans).unwrap();
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
                        let recorded = ledger.package(GTIN, lot_no(), serials()[serial].clone()).is_some();
                        let from_case = !recorded && ledger.container(case(serial / 8).sscc).is_some();
                        let _ = dispense(&mut ledger, serial, from_case);
                    }
                    Step::DispenseBatch { serials: picked, by_manufacturer } => {
                        let dispenser = if by_manufacturer { p.manufacturer } else { p.pharmacy };
                        let dispensed = |ledger: &DrugProvenance| {
                            locate_all(ledger).iter().filter(|l| matches!(l, Location::Dispensed { .. })).count() as u64
                        };
                        let before = dispensed(&ledger);
                        let items: Vec<Dispense> = picked.iter().map(|&serial| {
                            let recorded = ledger.package(GTIN, lot_no(), serials()[serial].clone()).is_some();
                            let from_case = !recorded && ledger.container(case(serial / 8).sscc).is_some();
                            batch_item(serial, from_case, printed_expiry(EXPIRY))
                        }).collect();
                        as_caller(dispenser);
                        let answers = ledger.dispense_batch(items).unwrap();
                        let done = answers.iter().filter(|a| a.is_ok()).count() as u64;
                        assert_eq!(dispensed(&ledger), before + done);
                    }
                    Step::DestroyPackage { serial } => {
                        if let Some(holder) = holder_of(&ledger, serial) {
                            as_caller(holder);
                            let recorded = ledger.package(GTIN, lot_no(), serials()[serial].clone()).is_some();
                            let from_case = !recorded && ledger.container(case(serial / 8).sscc).is_some();
                            let _ = ledger.destroy(Item::Package(package(serial, from_case)), hash(2));
                        }
                    }
                    Step::DestroyContainer { container } => {
                        if let Some(c) = ledger.container(container_sscc(container)) {
                            as_caller(c.holder);
                            let _ = ledger.destroy(Item::Container(container_sscc(container)), hash(2));
                        }
                    }
                    _ => {}
                }
                assert_custody_conserved(&ledger, &step);
            }
            Ok(())
        }).unwrap();
    }
}

healthchain_common::access_controlled_tests!(
    DrugProvenance::new(0, Hash::from([0xA1; 32]), Hash::from([0xA2; 32])),
    roles: [
        Role::Manufacturer,
        Role::Wholesaler,
        Role::Dispenser,
        Role::Sensor,
        Role::Regulator
    ],
    unused: Role::Sponsor
);

/// The longest inputs the ledger takes within its bounds fit the buffer a contract reads a
/// call's input into (`dispatch::MAX_INPUT_LEN`): a full `dispense_batch`, and a full
/// shipment of single packages, each with the longest lot number, serial and proofs. A
/// full batch from a lot of 65,536 serials (24 KB) was refused by the host before the
/// ledger saw it, when the input was read into ink!'s 16 KiB buffer (e2e:
/// `a_full_batch_of_a_large_lot_is_dispensed`).
#[test]
fn the_longest_inputs_fit_the_input_buffer() {
    use healthchain_common::{merkle::MAX_PROOF_LEN, unit_test::assert_input_fits};
    let package = PackageRef {
        gtin: GTIN,
        lot: vec![b'L'; MAX_LOT_LEN],
        serial: vec![b'S'; MAX_SERIAL_LEN],
        serial_index: u64::MAX,
        serial_proof: vec![[0xA5; 32]; MAX_PROOF_LEN],
        from: Some(Unpack {
            sscc: u64::MAX,
            index: u64::MAX,
            proof: vec![[0x5A; 32]; MAX_PROOF_LEN],
        }),
    };
    let dispense = Dispense {
        package: package.clone(),
        expiry: 991_231,
        recipient: hash(0xC1),
    };
    let batch = vec![dispense; MAX_BATCH];
    assert!(4 + batch.encoded_size() > 64 * 1024, "the longest batch");
    assert_input_fits("dispense_batch", &batch);
    let items = vec![Item::Package(package); MAX_SHIPMENT_ITEMS];
    assert_input_fits(
        "ship",
        &(
            AccountId::from([9; 32]),
            items,
            ShipmentPurpose::Sale,
            hash(0x71),
        ),
    );
}
