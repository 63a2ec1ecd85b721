//! # drug_provenance
//!
//! Packages from manufacturer to patient, in the words of US DSCSA (enhanced drug
//! distribution security, FD&C 582(g)) and GS1 EPCIS.
//!
//! - A manufacturer commissions a lot with the Merkle root of its serial numbers (a
//!   million serials cost one write) and packs packages into cases and cases into pallets,
//!   each an SSCC committed as a Merkle root of its children (GS1 aggregation): a pallet of
//!   10,000 packages costs one write, and its cases are written only when it is opened.
//! - Custody moves by container or by package, in two steps (ship with the hash of the
//!   DSCSA transaction information and statement, then receive what the dock scanned),
//!   between registered trading partners. A package follows its container until the
//!   container is opened; from its first move on its own it has its own record.
//! - `trace` answers a package's chain of custody from its aggregation path, without
//!   listing the lot's other serials; the `Shipped` and `ShipmentClosed` events give the when.
//! - Holds are kept where the goods are: a custodian quarantines its own container or
//!   package, a sensor's excursion holds the container or shipment it is bound to, and only
//!   the manufacturer or a regulator holds a lot everywhere.
//! - Saleable returns go back to the seller and are verified on receipt.
//! - Illegitimate product is notified with the hash of FDA Form 3911 and a 24-hour clock,
//!   and terminated only with the regulator's consent; recalls are separate, and their
//!   class comes from the regulator.
//! - A pharmacy dispenses one package, named by its full product identifier (GTIN, lot,
//!   serial, expiry), with a Merkle proof: a serial outside the lot is a counterfeit, a
//!   serial dispensed twice a clone, an expiry that is not the lot's a fake label.
//!
//! No patient account is kept: a dispense records the pharmacy's salted commitment to the
//! patient (`recipient_commitment`), so a discarded package leads to nobody, and a payer
//! that knows the salt proves the match (docs/privacy.md).
#![cfg_attr(not(feature = "std"), no_std, no_main)]
// Contract code never traps on input: no unchecked arithmetic, unwrap, expect or indexing.
// (`clippy::panic` cannot be denied: ink!'s generated wasm dispatch contains `panic!`.)
#![cfg_attr(
    not(test),
    deny(
        clippy::arithmetic_side_effects,
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing
    )
)]
// ink! constructors are messages of their own; a `Default` impl would add nothing.
#![allow(clippy::new_without_default)]
// The library's build (`cfg(healthchain_library)`) has every message (a paused ledger runs
// it), but not the contract's own `call`, and so not what only that uses.
#![cfg_attr(healthchain_library, allow(dead_code, unused_imports))]
// The contract's own wasm build leaves out the cold messages (`entry_points!` hands them to
// the library), and so the helpers and imports only they use.
#![cfg_attr(healthchain_contract, allow(dead_code, unused_imports))]

pub mod data;
#[cfg(feature = "std")]
pub mod packing;

#[ink::contract]
pub mod drug_provenance {
    use crate::data::{
        case_leaf, company_prefix, credit, debit, expiry_matches, is_gs1_text, lot_id,
        printed_expiry, serial_leaf, sscc_is_valid, validate_commission, CaseSpec, Commission,
        Container, ContainerState, Dispense, Enclosure, Error, IllegitimateProduct, Item, ItemKey,
        Level, Location, Lot, LotId, LotStanding, LotStatus, PackageRecord, PackageRef,
        PackageState, Place, QuarantineReason, QuarantineReasons, RecallClass, Scan, SensorPlace,
        Shipment, ShipmentPurpose, Sscc, Target, Trace, UnitStatus, MAX_BATCH,
        MAX_CASES_PER_PALLET, MAX_COMPANY_PREFIX_DIGITS, MAX_SERIAL_LEN, MAX_SHIPMENT_ITEMS,
        MIN_COMPANY_PREFIX_DIGITS, NOTIFICATION_WINDOW,
    };
    use healthchain_common::{
        access::{
            admin_arg, AccessControl, AccessControlled, AccessError, OwnLibrary, PendingChange,
            Role, RoleSet,
        },
        admin_message,
        call_cache::CallCache,
        entry, is_zero_hash,
        merkle::{root, verify_proof, Digest},
        provenance::{DispensedUnit, ProvenanceCheck, UnitIds, MAX_UNITS_PER_QUERY},
    };
    use ink::{
        prelude::vec::Vec,
        storage::{traits::ManualKey, Lazy, Mapping},
    };

    /// The lots', containers' and packages' storage keys, fixed (not derived from the
    /// layout) so that a dispense, whose functions take the ledger as `&self`, writes them
    /// straight to the host (`store_lot`, `store_container`, `store_package`): the root is
    /// then left as it was by their types, and `call` neither reads nor writes it
    /// (`entry_points!`'s `skips_root`).
    const LOTS_KEY: u32 = 0x6863_646c; // "hcdl"
    const CONTAINERS_KEY: u32 = 0x6863_6463; // "hcdc"
    const PACKAGES_KEY: u32 = 0x6863_6470; // "hcdp"
    /// The illegitimate-product notifications' key, read and written as the lots are.
    const ILLEGITIMATE_KEY: u32 = 0x6863_6469; // "hcdi"
    /// The lots: `DrugProvenance::lots`.
    type Lots = Mapping<LotId, Lot, ManualKey<LOTS_KEY>>;
    /// The containers: `DrugProvenance::containers`.
    type Containers = Mapping<Sscc, Container, ManualKey<CONTAINERS_KEY>>;
    /// The packages that moved on their own: `DrugProvenance::packages`.
    type Packages = Mapping<(LotId, Digest), PackageRecord, ManualKey<PACKAGES_KEY>>;

    // The three are read straight from the host (`entry::get_at`), the same entries their
    // `Mapping`s write: one copy of each record's decoding, and 1,066 bytes less in the
    // ledger's own build with the role read (which every dispense and drug claim carries).

    /// A lot's record as this build reads it: the ledger's own build reads only its head
    /// (`LotHead`), since it never writes a lot; the library, and every build off chain,
    /// the whole record.
    #[cfg(healthchain_contract)]
    type LotRecord = crate::data::LotHead;
    #[cfg(not(healthchain_contract))]
    type LotRecord = Lot;

    /// Lot `id`'s record, if it was commissioned.
    fn lot_of(id: &LotId) -> Option<LotRecord> {
        // A head has no encoding, which `get_at` asks for off chain: `read` decodes only.
        #[cfg(healthchain_contract)]
        {
            entry::with_key_of(LOTS_KEY, id, entry::read)
        }
        #[cfg(not(healthchain_contract))]
        {
            entry::get_at(LOTS_KEY, id)
        }
    }

    /// The container with SSCC `sscc`, if it has a record.
    fn container_of(sscc: &Sscc) -> Option<Container> {
        entry::get_at(CONTAINERS_KEY, sscc)
    }

    /// The record of the package of lot `key.0` with serial leaf `key.1`, if it moved on its
    /// own.
    fn package_of(key: &(LotId, Digest)) -> Option<PackageRecord> {
        entry::get_at(PACKAGES_KEY, key)
    }

    // And written the same way (`entry::set_at`), as their `Mapping`s' `insert` writes
    // them, each through one function not inlined: 388 bytes less in the ledger's own
    // build, which writes a package and a case.

    /// Stores lot `id`'s record.
    #[inline(never)]
    fn store_lot(id: &LotId, lot: &Lot) {
        entry::set_at(LOTS_KEY, id, lot);
    }

    /// Stores the record of the container with SSCC `sscc`.
    #[inline(never)]
    fn store_container(sscc: &Sscc, container: &Container) {
        entry::set_at(CONTAINERS_KEY, sscc, container);
    }

    /// Stores the record of the package of lot `key.0` with serial leaf `key.1`; returns
    /// the length of the record it replaced, if any.
    #[inline(never)]
    fn store_package(key: &(LotId, Digest), record: &PackageRecord) -> Option<u32> {
        entry::set_at(PACKAGES_KEY, key, record)
    }

    /// The most enclosures (case, then pallet) a trace walks.
    pub const MAX_TRACE_DEPTH: usize = 2;

    /// A lot was commissioned (GS1 bizStep commissioning).
    #[ink(event)]
    pub struct LotCommissioned {
        pub gtin: u64,
        pub lot: Vec<u8>,
        pub manufacturer: AccountId,
        pub quantity: u64,
        pub expiry: Timestamp,
        pub serial_root: Digest,
        pub serial_count: u64,
        pub min_temp: i32,
        pub max_temp: i32,
        pub certificate: Hash,
    }

    /// Packages, or cases, were packed into a container (GS1 AggregationEvent, action ADD).
    #[ink(event)]
    pub struct Aggregated {
        pub sscc: Sscc,
        pub lot: LotId,
        pub level: Level,
        pub contents: Digest,
        pub count: u64,
        pub units: u64,
        /// The opened container the packages came from; `None` for unpacked stock.
        pub from: Option<Sscc>,
        pub by: AccountId,
    }

    /// A container was opened (AggregationEvent, action DELETE); a pallet's cases now have
    /// records of their own.
    #[ink(event)]
    pub struct Disaggregated {
        pub sscc: Sscc,
        pub cases: Vec<Sscc>,
        pub by: AccountId,
    }

    /// Goods left `from` for `to` (bizStep shipping, disposition in_transit).
    #[ink(event)]
    pub struct Shipped {
        pub to: AccountId,
        pub from: AccountId,
        pub shipment: u64,
        pub purpose: ShipmentPurpose,
        pub items: Vec<ItemKey>,
        pub units: u64,
        pub transaction: Hash,
    }

    /// A shipment ended: the recipient took custody of everything shipped (`received`,
    /// bizStep receiving), or the sender cancelled it before receipt and the goods are back
    /// in its custody. One event for both: each event type is code.
    #[ink(event)]
    pub struct ShipmentClosed {
        pub to: AccountId,
        pub from: AccountId,
        pub shipment: u64,
        pub units: u64,
        pub received: bool,
    }

    /// A saleable return was verified on receipt: genuine, sold to the returner, not
    /// dispensed, and its lot in supply. One that fails is held as suspect.
    #[ink(event)]
    pub struct ReturnVerified {
        pub seller: AccountId,
        pub item: ItemKey,
        pub saleable: bool,
        pub shipment: u64,
    }

    /// A sensor reading (EPCIS sensor data); `in_range` is false for an excursion.
    #[ink(event)]
    pub struct TemperatureRecorded {
        pub sensor: AccountId,
        pub place: SensorPlace,
        pub centi_celsius: i32,
        pub in_range: bool,
    }

    /// Goods are held: they neither move nor are dispensed until released. The place (the
    /// lot, container, shipment or package) and the lot's manufacturer are topics, so that
    /// the manufacturer hears at once and partners can follow a lot or an SSCC.
    #[ink(event)]
    pub struct Quarantined {
        #[ink(topic)]
        pub manufacturer: AccountId,
        #[ink(topic)]
        pub place: Place,
        pub reason: QuarantineReason,
        /// `None` for a sensor's excursion (the reading is its own event).
        pub evidence: Option<Hash>,
        pub by: AccountId,
    }

    /// A hold was cleared after investigation.
    #[ink(event)]
    pub struct Released {
        #[ink(topic)]
        pub manufacturer: AccountId,
        #[ink(topic)]
        pub place: Place,
        pub reason: QuarantineReason,
        /// The reasons still open there: the goods move again only when there are none.
        pub still_open: QuarantineReasons,
        pub investigation: Hash,
        pub by: AccountId,
    }

    /// The lot was recalled (disposition recalled), or the regulator classified a recall.
    #[ink(event)]
    pub struct LotRecalled {
        #[ink(topic)]
        pub gtin: u64,
        #[ink(topic)]
        pub lot: Vec<u8>,
        #[ink(topic)]
        pub manufacturer: AccountId,
        pub class: Option<RecallClass>,
        pub reason: Hash,
        pub by: AccountId,
    }

    /// Illegitimate product was notified (FDA Form 3911): trading partners holding the lot
    /// hear it by its topics. `late` when more than 24 hours after the determination.
    #[ink(event)]
    pub struct IllegitimateProductNotified {
        #[ink(topic)]
        pub gtin: u64,
        #[ink(topic)]
        pub lot: Vec<u8>,
        #[ink(topic)]
        pub manufacturer: AccountId,
        pub form_3911: Hash,
        pub determined_at: Timestamp,
        pub notify_by: Timestamp,
        pub late: bool,
        pub by: AccountId,
    }

    /// The regulator consented to terminate an illegitimate-product notification.
    #[ink(event)]
    pub struct IllegitimateNotificationTerminated {
        #[ink(topic)]
        pub gtin: u64,
        #[ink(topic)]
        pub lot: Vec<u8>,
        pub consent: Hash,
        pub by: AccountId,
    }

    /// A holder destroyed goods (bizStep destroying).
    #[ink(event)]
    pub struct Destroyed {
        pub holder: AccountId,
        pub item: ItemKey,
        pub units: u64,
        pub reason: Hash,
    }

    /// A custodian bound a sensor to a container or shipment (`bound`), or the binding
    /// ended.
    #[ink(event)]
    pub struct SensorBound {
        pub sensor: AccountId,
        pub place: SensorPlace,
        pub by: AccountId,
        pub bound: bool,
    }

    /// A GS1 company prefix was licensed to a manufacturer.
    #[ink(event)]
    pub struct CompanyPrefixLicensed {
        pub prefix: u64,
        pub digits: u8,
        pub manufacturer: AccountId,
        pub previous: Option<AccountId>,
        pub by: AccountId,
    }

    /// A regulator named another manufacturer for the lot.
    #[ink(event)]
    pub struct LotReassigned {
        pub gtin: u64,
        pub lot: Vec<u8>,
        pub previous: AccountId,
        pub new: AccountId,
    }

    /// One package was dispensed (bizStep dispensing) to the patient behind `recipient`, a
    /// salted commitment (the patient's wallet finds the event by it).
    ///
    /// Anonymous, the ledger's only anonymous event: no topic at all, not even its
    /// signature, because each topic adds about 2.5 KB to a dispense's proof. Clients tell
    /// it by its having no topics (docs/privacy.md, "Event topics"). Emitted through
    /// `healthchain_common::event::emit`, which every dispense carries in 113 bytes less
    /// code than ink!'s `emit_event`.
    #[ink(event)]
    #[ink(anonymous)]
    pub struct Dispensed {
        pub gtin: u64,
        pub lot: Vec<u8>,
        pub recipient: Hash,
        pub serial: Vec<u8>,
        pub dispenser: AccountId,
    }

    /// A lot as a lot view shows it.
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct LotState {
        pub lot: Lot,
        pub expired: bool,
        /// Its illegitimate-product notification, if one was made (its status is then
        /// `Illegitimate`).
        pub illegitimate: Option<IllegitimateProduct>,
    }

    /// Where a package to move comes from, and the writes its first move takes.
    struct Located {
        id: LotId,
        lot: LotRecord,
        leaf: Digest,
        record: PackageRecord,
        /// The opened container it leaves on this first move, if any.
        leaving: Option<(Sscc, Container)>,
        /// It leaves the manufacturer's unpacked stock on this first move.
        unpacking: bool,
    }

    /// The lots and opened cases a call moving packages read or changed: each read once,
    /// and those it changed stored once at its end.
    #[derive(Default)]
    struct Touched {
        lots: CallCache<LotId, Lot>,
        cases: CallCache<Sscc, Container>,
    }

    /// The provenance ledger.
    #[ink(storage)]
    pub struct DrugProvenance {
        access: AccessControl,
        lots: Lots,
        /// Cases, totes and pallets with a record (packed, or out of an opened pallet).
        containers: Containers,
        /// (lot, serial leaf) -> a package that moved on its own.
        packages: Packages,
        shipments: Mapping<u64, Shipment>,
        next_shipment: u64,
        /// (prefix length in digits, GS1 company prefix) -> the manufacturer licensed to
        /// commission GTINs under it.
        company_prefixes: Mapping<(u8, u64), AccountId>,
        /// (place, sensor) -> the custodian that bound the sensor there.
        sensors: Mapping<(SensorPlace, AccountId), AccountId>,
        /// Lot -> its illegitimate-product notification, once notified (its lot's status
        /// is then `Illegitimate`).
        illegitimate: Mapping<LotId, IllegitimateProduct, ManualKey<ILLEGITIMATE_KEY>>,
        /// The code hash of this ledger's library (`drug_provenance_library`): this same
        /// source built with `cfg(healthchain_library)`, which answers the cold messages
        /// (licensing, holds, recalls, destruction, sensors' binding, cancellations,
        /// disaggregation, trace and the record getters) by delegate call in this storage,
        /// so that a dispense's proof carries none of their code. In a cell of its own
        /// (`OwnLibrary`), so that the admin library finds it: a paused ledger runs its
        /// library's code (`AccessControl::pause`). Set by the constructor; an upgrade to
        /// other code must set its own library in its migration.
        library: OwnLibrary,
    }

    impl DrugProvenance {
        /// Deploys the ledger with the caller as admin. The admin registers regulators;
        /// the admin or a regulator registers manufacturers, wholesalers, dispensers
        /// (pharmacies) and sensors with `grant_role`.
        /// Upgrades wait `change_delay` milliseconds between proposal and application (for
        /// example two days on a production chain; 0 in tests).
        /// `admin_library` is the code hash of the uploaded admin library
        /// (`access_library`), which answers the admin, role, pause and upgrade messages in
        /// this contract's storage; `library` is the code hash of this contract's own
        /// library (`drug_provenance_library`, built from the same source), which answers
        /// its cold messages. Instantiation fails if no code is uploaded under either; both
        /// are locked, so nobody can remove them while the ledger relies on them.
        #[ink(constructor)]
        pub fn new(change_delay: Timestamp, admin_library: Hash, library: Hash) -> Self {
            healthchain_common::access::lock_library(library);
            // A new ledger is the unpaused one its own build sees, with its admin state and
            // no shipment yet.
            let mut ledger = Self {
                access: AccessControl::new(
                    Self::env().caller(),
                    RoleSet::of(&[
                        Role::Manufacturer,
                        Role::Wholesaler,
                        Role::Dispenser,
                        Role::Sensor,
                        Role::Regulator,
                    ]),
                    Some(Role::Regulator),
                    change_delay,
                    admin_library,
                ),
                next_shipment: 0,
                ..<Self as healthchain_common::dispatch::Unpaused>::unpaused()
            };
            ledger.library.set(&library);
            ledger
        }

        /// Commissions a lot (manufacturer only): GTIN-14 as a number (check digit
        /// verified), lot number (at most 20 printable characters), expiry (milliseconds
        /// since the epoch; its UTC date is the one printed on the packages), packages,
        /// the Merkle root of the lot's serial numbers and how many serials it covers
        /// (build both with `healthchain merkle root`), the storage range in hundredths of
        /// a degree Celsius (200..800 for 2-8 °C), and the hash of the certificate of
        /// analysis. The caller holds every package, unpacked. The GTIN's company prefix
        /// must be licensed to the caller (`license_company_prefix`), so nobody else can
        /// commission, and so make genuine-looking, lots of another's products.
        #[cfg(not(healthchain_contract))]
        #[ink(message)]
        #[allow(clippy::too_many_arguments)]
        pub fn commission_lot(
            &mut self,
            gtin: u64,
            lot: Vec<u8>,
            expiry: Timestamp,
            quantity: u64,
            serial_root: Digest,
            serial_count: u64,
            min_temp: i32,
            max_temp: i32,
            certificate: Hash,
        ) -> Result<(), Error> {
            self.access.ensure_not_paused()?;
            if is_zero_hash(certificate.as_ref()) {
                return Err(Error::ZeroHash);
            }
            let manufacturer = self.access.ensure_role(Role::Manufacturer)?;
            if self.licensed_to(gtin) != Some(manufacturer) {
                return Err(Error::GtinNotLicensed);
            }
            let now = self.env().block_timestamp();
            validate_commission(
                &Commission {
                    gtin,
                    lot: &lot,
                    expiry,
                    quantity,
                    serial_count,
                    min_temp,
                    max_temp,
                },
                now,
            )?;
            let id = lot_id(gtin, &lot);
            if self.lots.contains(id) {
                return Err(Error::LotAlreadyCommissioned);
            }
            store_lot(
                &id,
                &Lot {
                    gtin,
                    lot: lot.clone(),
                    manufacturer,
                    expiry,
                    printed_expiry: printed_expiry(expiry),
                    quantity,
                    serial_root,
                    serial_count,
                    min_temp,
                    max_temp,
                    certificate,
                    status: LotStatus::Active,
                    commissioned_at: now,
                    unpacked: quantity,
                    destroyed: 0,
                },
            );
            self.env().emit_event(LotCommissioned {
                gtin,
                lot,
                manufacturer,
                quantity,
                expiry,
                serial_root,
                serial_count,
                min_temp,
                max_temp,
                certificate,
            });
            Ok(())
        }

        /// Licenses the GS1 company prefix `prefix` of `digits` digits (6 to 12; 12 names one
        /// GTIN) to `manufacturer`, replacing an earlier licensee of the same prefix (a
        /// rotated key, a sold product line). Regulators and the admin only. Refused when a
        /// shorter prefix it starts with belongs to another manufacturer.
        #[cfg(not(healthchain_contract))]
        #[ink(message)]
        pub fn license_company_prefix(
            &mut self,
            prefix: u64,
            digits: u8,
            manufacturer: AccountId,
        ) -> Result<(), Error> {
            self.access.ensure_not_paused()?;
            let by = self.env().caller();
            if !self.access.is_admin(by) && !self.access.has_role(by, Role::Regulator) {
                return Err(Error::Access(AccessError::MissingRole(Role::Regulator)));
            }
            if !(MIN_COMPANY_PREFIX_DIGITS..=MAX_COMPANY_PREFIX_DIGITS).contains(&digits)
                || prefix >= 10u64.checked_pow(u32::from(digits)).unwrap_or(0)
            {
                return Err(Error::InvalidCompanyPrefix);
            }
            if !self.access.has_role(manufacturer, Role::Manufacturer) {
                return Err(Error::NotAManufacturer);
            }
            for shorter in MIN_COMPANY_PREFIX_DIGITS..digits {
                let head = u32::from(digits.saturating_sub(shorter));
                let shorter_prefix = prefix.checked_div(10u64.saturating_pow(head)).unwrap_or(0);
                match self.company_prefixes.get((shorter, shorter_prefix)) {
                    Some(holder) if holder != manufacturer => {
                        return Err(Error::CompanyPrefixOverlaps)
                    }
                    _ => {}
                }
            }
            let previous = self.company_prefixes.get((digits, prefix));
            self.company_prefixes
                .insert((digits, prefix), &manufacturer);
            self.env().emit_event(CompanyPrefixLicensed {
                prefix,
                digits,
                manufacturer,
                previous,
                by,
            });
            Ok(())
        }

        /// The manufacturer licensed to commission `gtin`: the holder of its longest
        /// licensed company prefix.
        #[cfg(not(healthchain_contract))]
        #[ink(message)]
        pub fn licensee(&self, gtin: u64) -> Option<AccountId> {
            self.licensed_to(gtin)
        }

        /// The manufacturer licensed to commission `gtin` (`licensee`), for
        /// `commission_lot` and the library.
        fn licensed_to(&self, gtin: u64) -> Option<AccountId> {
            (MIN_COMPANY_PREFIX_DIGITS..=MAX_COMPANY_PREFIX_DIGITS)
                .rev()
                .find_map(|digits| {
                    let prefix = company_prefix(gtin, digits)?;
                    self.company_prefixes.get((digits, prefix))
                })
        }

        /// Packs packages into a new case or tote, or cases into a pallet (GS1 aggregation),
        /// named by its SSCC (18 digits, GS1 check digit). `contents` is the Merkle root of
        /// the children (serial leaves for a case; `case_leaf`s for a pallet; build them with
        /// `healthchain merkle`), `count` the children and `units` the packages inside (a
        /// case's `units` is its `count`; a pallet lists at most 128 cases). The packages come
        /// from the caller's unpacked stock of the lot (`from` = `None`, the manufacturer), or
        /// from a container the caller opened (`from` = its SSCC): either is debited by
        /// `units` at once, so a pallet of 10,000 packages costs one write. The container is
        /// the packer's assertion, checked when it is opened; it inherits its source's holds.
        #[cfg(not(healthchain_contract))]
        #[ink(message)]
        #[allow(clippy::too_many_arguments)]
        pub fn aggregate(
            &mut self,
            gtin: u64,
            lot: Vec<u8>,
            sscc: Sscc,
            level: Level,
            contents: Digest,
            count: u64,
            units: u64,
            from: Option<Sscc>,
        ) -> Result<(), Error> {
            self.access.ensure_not_paused()?;
            let packer = self.ensure_trading_partner()?;
            if !sscc_is_valid(sscc) {
                return Err(Error::InvalidSscc);
            }
            if self.containers.contains(sscc) {
                return Err(Error::SsccInUse);
            }
            if count == 0 {
                return Err(Error::ZeroQuantity);
            }
            let fits = match level {
                Level::Case => units == count,
                Level::Pallet => units >= count && count <= MAX_CASES_PER_PALLET as u64,
            };
            if !fits {
                return Err(Error::ContentsMismatch);
            }
            let (id, mut record) = self.lot(gtin, &lot)?;
            let now = self.env().block_timestamp();
            record.ensure_movable(now)?;
            let (seller, hold) = match from {
                None => {
                    if record.manufacturer != packer {
                        return Err(Error::NotACustodian);
                    }
                    record.unpacked = debit(record.unpacked, units)?;
                    store_lot(&id, &record);
                    (None, QuarantineReasons::default())
                }
                Some(source_sscc) => {
                    let mut source = self.held_container(source_sscc, packer)?;
                    if source.lot != id {
                        return Err(Error::NotInContainer);
                    }
                    let ContainerState::Opened { remaining } = source.state else {
                        return Err(Error::ContainerNotOpened);
                    };
                    source.state = ContainerState::Opened {
                        remaining: debit(remaining, units)?,
                    };
                    store_container(&source_sscc, &source);
                    (source.seller, source.hold)
                }
            };
            store_container(
                &sscc,
                &Container {
                    lot: id,
                    level,
                    contents,
                    count,
                    units,
                    holder: packer,
                    seller,
                    state: ContainerState::Sealed,
                    hold,
                    packed_by: packer,
                    packed_at: now,
                },
            );
            self.env().emit_event(Aggregated {
                sscc,
                lot: id,
                level,
                contents,
                count,
                units,
                from,
                by: packer,
            });
            Ok(())
        }

        /// Opens a sealed container the caller holds (GS1 disaggregation). A case's packages
        /// are then loose with the caller, each leaving it when it first moves on its own
        /// (with its proof in the case). A pallet must be opened with its cases as the
        /// packer's aggregation data gives them: they must hash to its contents root and add
        /// up to its packages, and each becomes a sealed case held by the caller, with the
        /// pallet's holds. A pallet whose cases do not match stays sealed (`ContentsMismatch`):
        /// its packer's assertion was wrong, and its holder may quarantine it.
        #[cfg(not(healthchain_contract))]
        #[ink(message)]
        pub fn disaggregate(&mut self, sscc: Sscc, cases: Vec<CaseSpec>) -> Result<(), Error> {
            self.access.ensure_not_paused()?;
            let opener = self.env().caller();
            let mut container = self.held_container(sscc, opener)?;
            if container.state != ContainerState::Sealed {
                return Err(Error::ContainerNotSealed);
            }
            let mut opened = Vec::new();
            match container.level {
                Level::Case if cases.is_empty() => {}
                Level::Pallet if cases.len() as u64 == container.count => {
                    let leaves: Vec<Digest> = cases.iter().map(case_leaf).collect();
                    let mut units = 0u64;
                    for case in &cases {
                        units = credit(units, case.count)?;
                    }
                    if root(&leaves) != Some(container.contents) || units != container.units {
                        return Err(Error::ContentsMismatch);
                    }
                    for (position, case) in cases.iter().enumerate() {
                        if !sscc_is_valid(case.sscc) {
                            return Err(Error::InvalidSscc);
                        }
                        if case.count == 0 {
                            return Err(Error::ContentsMismatch);
                        }
                        if self.containers.contains(case.sscc)
                            || cases
                                .iter()
                                .take(position)
                                .any(|other| other.sscc == case.sscc)
                        {
                            return Err(Error::SsccInUse);
                        }
                    }
                    for case in cases {
                        store_container(
                            &case.sscc,
                            &Container {
                                level: Level::Case,
                                contents: case.contents,
                                count: case.count,
                                units: case.count,
                                state: ContainerState::Sealed,
                                ..container.clone()
                            },
                        );
                        opened.push(case.sscc);
                    }
                }
                _ => return Err(Error::ContentsMismatch),
            }
            container.state = ContainerState::Opened {
                remaining: if container.level == Level::Case {
                    container.units
                } else {
                    0
                },
            };
            store_container(&sscc, &container);
            self.env().emit_event(Disaggregated {
                sscc,
                cases: opened,
                by: opener,
            });
            Ok(())
        }

        /// Ships `items` (1 to 16: sealed containers by SSCC, or single packages with their
        /// proofs) from the caller to the registered trading partner `to`, with the hash of
        /// the DSCSA transaction information and transaction statement (step one of two; `to`
        /// calls `receive`). `purpose` is a sale, or a saleable return, which goes only to
        /// the partner that sold the goods. Refused for held, quarantined, recalled,
        /// illegitimate or expired goods. Returns the shipment id.
        #[cfg(not(healthchain_contract))]
        #[ink(message)]
        pub fn ship(
            &mut self,
            to: AccountId,
            items: Vec<Item>,
            purpose: ShipmentPurpose,
            transaction: Hash,
        ) -> Result<u64, Error> {
            self.access.ensure_not_paused()?;
            let from = self.ensure_trading_partner()?;
            if is_zero_hash(transaction.as_ref()) {
                return Err(Error::ZeroHash);
            }
            if to == from {
                return Err(Error::ShipToSelf);
            }
            if !self.is_trading_partner(to) {
                return Err(Error::NotATradingPartner);
            }
            if items.is_empty() || items.len() > MAX_SHIPMENT_ITEMS {
                return Err(Error::InvalidItems);
            }
            let shipment = self.next_shipment;
            let now = self.env().block_timestamp();
            // Everything is checked before anything is written, so that a refused shipment
            // leaves every item where it was.
            let mut keys: Vec<ItemKey> = Vec::new();
            let mut packages: Vec<Located> = Vec::new();
            let (mut units, mut min_temp, mut max_temp) = (0u64, i32::MIN, i32::MAX);
            for item in items {
                let (key, lot, seller, hold, count) = match item {
                    Item::Container(sscc) => {
                        let container = self.held_container(sscc, from)?;
                        if container.state != ContainerState::Sealed {
                            return Err(Error::ContainerNotSealed);
                        }
                        let lot = lot_of(&container.lot).ok_or(Error::UnknownLot)?;
                        let key = ItemKey::Container(sscc);
                        (key, lot, container.seller, container.hold, container.units)
                    }
                    Item::Package(package) => {
                        let located = self.locate(&package)?;
                        if located.record.holder != from
                            || located.record.state != PackageState::Held
                        {
                            return Err(Error::PackageUnavailable);
                        }
                        let record = located.record;
                        let key = ItemKey::Package(located.id, located.leaf);
                        let lot = located.lot.clone();
                        packages.push(located);
                        (key, lot, record.seller, record.hold, 1)
                    }
                };
                if keys.contains(&key) {
                    return Err(Error::InvalidItems);
                }
                lot.ensure_movable(now)?;
                if !hold.is_empty() {
                    return Err(Error::LotQuarantined);
                }
                if purpose == ShipmentPurpose::Return && seller != Some(to) {
                    return Err(Error::NotTheSeller);
                }
                units = credit(units, count)?;
                min_temp = min_temp.max(lot.min_temp);
                max_temp = max_temp.min(lot.max_temp);
                keys.push(key);
            }
            self.ensure_enough_to_unpack(&packages)?;
            for key in &keys {
                if let ItemKey::Container(sscc) = key {
                    if let Some(mut container) = container_of(sscc) {
                        container.state = ContainerState::InTransit(shipment);
                        store_container(sscc, &container);
                    }
                }
            }
            let mut touched = Touched::default();
            for mut located in packages {
                located.record.state = PackageState::InTransit(shipment);
                self.commit(located, &mut touched)?;
            }
            self.store(touched);
            self.next_shipment = shipment.checked_add(1).ok_or(Error::Overflow)?;
            self.shipments.insert(
                shipment,
                &Shipment {
                    from,
                    to,
                    purpose,
                    items: keys.clone(),
                    units,
                    transaction,
                    shipped_at: now,
                    min_temp,
                    max_temp,
                    hold: QuarantineReasons::default(),
                },
            );
            self.env().emit_event(Shipped {
                to,
                from,
                shipment,
                purpose,
                items: keys,
                units,
                transaction,
            });
            Ok(shipment)
        }

        /// Receives shipment `shipment` (step two; the recipient only), with what the dock
        /// scanned: every SSCC and package shipped, each once, in any order; anything else is
        /// refused as `ShipmentMismatch` and nothing moves. Custody passes even if the goods
        /// were held in transit: they are here, but stay held. A saleable return is verified
        /// here (its lot still in supply and nothing held): one that fails is held as
        /// suspect, and each answer is a `ReturnVerified` event.
        #[cfg(not(healthchain_contract))]
        #[ink(message)]
        pub fn receive(&mut self, shipment: u64, scanned: Vec<Scan>) -> Result<(), Error> {
            self.access.ensure_not_paused()?;
            let record = self.shipments.get(shipment).ok_or(Error::UnknownShipment)?;
            if record.to != self.env().caller() {
                return Err(Error::NotTheRecipient);
            }
            let mut seen: Vec<ItemKey> = Vec::new();
            for scan in &scanned {
                let key = scan.key();
                if !record.items.contains(&key) || seen.contains(&key) {
                    return Err(Error::ShipmentMismatch);
                }
                seen.push(key);
            }
            if seen.len() != record.items.len() {
                return Err(Error::ShipmentMismatch);
            }
            self.settle(shipment, &record, true)
        }

        /// Cancels shipment `shipment` before receipt (the sender only); the goods return
        /// to the sender's custody, keeping any hold taken in transit.
        #[cfg(not(healthchain_contract))]
        #[ink(message)]
        pub fn cancel_shipment(&mut self, shipment: u64) -> Result<(), Error> {
            self.access.ensure_not_paused()?;
            let record = self.shipments.get(shipment).ok_or(Error::UnknownShipment)?;
            if record.from != self.env().caller() {
                return Err(Error::NotTheSender);
            }
            self.settle(shipment, &record, false)
        }

        /// Binds `sensor` (an account with the Sensor role) to a container the caller holds,
        /// or a shipment it sends or receives, so that its readings count there; a regulator
        /// binds anywhere.
        #[cfg(not(healthchain_contract))]
        #[ink(message)]
        pub fn bind_sensor(&mut self, place: SensorPlace, sensor: AccountId) -> Result<(), Error> {
            self.access.ensure_not_paused()?;
            let by = self.ensure_custodian_of(place)?;
            if !self.access.has_role(sensor, Role::Sensor) {
                return Err(Error::NotASensor);
            }
            self.sensors.insert((place, sensor), &by);
            self.env().emit_event(SensorBound {
                sensor,
                place,
                by,
                bound: true,
            });
            Ok(())
        }

        /// Ends a sensor's binding: the custodian that bound it or a regulator.
        #[cfg(not(healthchain_contract))]
        #[ink(message)]
        pub fn unbind_sensor(
            &mut self,
            place: SensorPlace,
            sensor: AccountId,
        ) -> Result<(), Error> {
            let binder = self
                .sensors
                .get((place, sensor))
                .ok_or(Error::SensorNotBound)?;
            let by = self.env().caller();
            if by != binder && !self.access.has_role(by, Role::Regulator) {
                return Err(Error::NotACustodian);
            }
            self.sensors.remove((place, sensor));
            self.env().emit_event(SensorBound {
                sensor,
                place,
                by,
                bound: false,
            });
            Ok(())
        }

        /// Reports a temperature (sensors only, bound there), in hundredths of a degree
        /// Celsius, for the container or shipment it is bound to. A reading outside the
        /// storage range (a shipment's is the narrowest of its lots') is an excursion: that
        /// container or shipment, and only it, is held at once. A safety action: works while
        /// the ledger is paused.
        #[cfg(not(healthchain_contract))]
        #[ink(message)]
        pub fn report_temperature(
            &mut self,
            place: SensorPlace,
            centi_celsius: i32,
        ) -> Result<(), Error> {
            let sensor = self.access.ensure_role(Role::Sensor)?;
            self.report_as(sensor, place, centi_celsius)
        }

        /// Reports up to 32 readings in one call (a data logger's upload): each item is
        /// `report_temperature`'s two arguments and gets its own answer, in order; a refused
        /// reading does not stop the others. Works while the ledger is paused. Answered by
        /// the ledger's library, as `dispense_batch` is.
        #[cfg(not(healthchain_contract))]
        #[ink(message)]
        pub fn report_temperatures(
            &mut self,
            readings: Vec<(SensorPlace, i32)>,
        ) -> Result<Vec<Result<(), Error>>, Error> {
            let sensor = self.access.ensure_role(Role::Sensor)?;
            if readings.len() > MAX_BATCH {
                return Err(Error::BatchTooLarge);
            }
            Ok(readings
                .into_iter()
                .map(|(place, centi_celsius)| self.report_as(sensor, place, centi_celsius))
                .collect())
        }

        /// Quarantines goods for `reason` with the hash of the evidence: a lot everywhere
        /// (its manufacturer or a regulator), or a container, shipment or package where it
        /// is (its holder, the shipment's sender or recipient, or a regulator: DSCSA suspect
        /// product, in the custodian's own hands). They neither move nor are dispensed until
        /// the manufacturer or a regulator releases the reason. A safety action: works while
        /// the ledger is paused.
        #[cfg(not(healthchain_contract))]
        #[ink(message)]
        pub fn quarantine(
            &mut self,
            target: Target,
            reason: QuarantineReason,
            evidence: Hash,
        ) -> Result<(), Error> {
            if is_zero_hash(evidence.as_ref()) {
                return Err(Error::ZeroHash);
            }
            let by = self.env().caller();
            match &target {
                Target::Lot { gtin, lot } => {
                    let (_, record) = self.lot(*gtin, lot)?;
                    self.ensure_manufacturer_or_regulator(&record)?;
                }
                Target::Container(sscc) => {
                    self.ensure_custodian_of(SensorPlace::Container(*sscc))?;
                }
                Target::Shipment(id) => {
                    self.ensure_custodian_of(SensorPlace::Shipment(*id))?;
                }
                Target::Package { gtin, lot, serial } => {
                    let key = (lot_id(*gtin, lot), serial_leaf(serial));
                    let package = package_of(&key).ok_or(Error::PackageUnavailable)?;
                    if package.holder != by && !self.access.has_role(by, Role::Regulator) {
                        return Err(Error::NotACustodian);
                    }
                }
            }
            let (place, manufacturer, _) = self.change_hold(&target, reason, true)?;
            self.env().emit_event(Quarantined {
                manufacturer,
                place,
                reason,
                evidence: Some(evidence),
                by,
            });
            Ok(())
        }

        /// Clears one reason goods are held for after its investigation (the lot's
        /// manufacturer or a regulator), with the hash of the investigation report. They move
        /// again when no reason is left open there; releasing a suspect flag leaves a later
        /// excursion in force, and the other way round.
        #[cfg(not(healthchain_contract))]
        #[ink(message)]
        pub fn release(
            &mut self,
            target: Target,
            reason: QuarantineReason,
            investigation: Hash,
        ) -> Result<(), Error> {
            self.access.ensure_not_paused()?;
            if is_zero_hash(investigation.as_ref()) {
                return Err(Error::ZeroHash);
            }
            let lot = self.lot_of_target(&target)?;
            let by = self.ensure_manufacturer_or_regulator(&lot)?;
            let (place, manufacturer, still_open) = self.change_hold(&target, reason, false)?;
            self.env().emit_event(Released {
                manufacturer,
                place,
                reason,
                still_open,
                investigation,
                by,
            });
            Ok(())
        }

        /// Notifies illegitimate product in the lot (its manufacturer or a regulator): the
        /// hash of FDA Form 3911 and when the product was determined illegitimate (not in the
        /// future). DSCSA gives 24 hours from the determination: a later notification is
        /// recorded `late`. The lot leaves supply for good; trading partners hear it by the
        /// event's lot topics. Only the regulator's consent terminates the notification
        /// (`terminate_illegitimate`). Works while the ledger is paused.
        #[cfg(not(healthchain_contract))]
        #[ink(message)]
        pub fn notify_illegitimate(
            &mut self,
            gtin: u64,
            lot: Vec<u8>,
            form_3911: Hash,
            determined_at: Timestamp,
        ) -> Result<(), Error> {
            if is_zero_hash(form_3911.as_ref()) {
                return Err(Error::ZeroHash);
            }
            let (id, mut record) = self.lot(gtin, &lot)?;
            let by = self.ensure_manufacturer_or_regulator(&record)?;
            let now = self.env().block_timestamp();
            if determined_at > now {
                return Err(Error::DeterminationInFuture);
            }
            if record.status == LotStatus::Illegitimate {
                return Err(Error::LotIllegitimate);
            }
            let notify_by = determined_at.saturating_add(NOTIFICATION_WINDOW);
            let late = now > notify_by;
            record.status = LotStatus::Illegitimate;
            entry::set_at(
                ILLEGITIMATE_KEY,
                &id,
                &IllegitimateProduct {
                    form_3911,
                    determined_at,
                    notified_at: now,
                    notified_by: by,
                    late,
                    terminated: None,
                },
            );
            let manufacturer = record.manufacturer;
            store_lot(&id, &record);
            self.env().emit_event(IllegitimateProductNotified {
                gtin,
                lot,
                manufacturer,
                form_3911,
                determined_at,
                notify_by,
                late,
                by,
            });
            Ok(())
        }

        /// Terminates an illegitimate-product notification with the hash of the
        /// regulator's consent (regulators only: DSCSA terminates a notification in
        /// consultation with FDA). The product stays out of supply.
        #[cfg(not(healthchain_contract))]
        #[ink(message)]
        pub fn terminate_illegitimate(
            &mut self,
            gtin: u64,
            lot: Vec<u8>,
            consent: Hash,
        ) -> Result<(), Error> {
            let by = self.env().caller();
            if !self.access.has_role(by, Role::Regulator) {
                return Err(Error::NotARegulator);
            }
            if is_zero_hash(consent.as_ref()) {
                return Err(Error::ZeroHash);
            }
            // The notice is there only for a known, illegitimate lot: the lot is read only
            // to tell an unknown one from one without a notice.
            let id = lot_id(gtin, &lot);
            let Some(mut notice) = entry::get_at::<_, IllegitimateProduct>(ILLEGITIMATE_KEY, &id)
            else {
                self.lot(gtin, &lot)?;
                return Err(Error::NotificationNotOpen);
            };
            if notice.terminated.is_some() {
                return Err(Error::NotificationNotOpen);
            }
            notice.terminated = Some(consent);
            entry::set_at(ILLEGITIMATE_KEY, &id, &notice);
            self.env().emit_event(IllegitimateNotificationTerminated {
                gtin,
                lot,
                consent,
                by,
            });
            Ok(())
        }

        /// Recalls the lot with the hash of the reason: its manufacturer (without a class:
        /// FDA classifies recalls) or a regulator (with or without one). A regulator gives a
        /// recall without a class its class by calling again with it. Recalled stock neither
        /// moves nor is dispensed. A safety action: works while the ledger is paused.
        #[cfg(not(healthchain_contract))]
        #[ink(message)]
        pub fn recall_lot(
            &mut self,
            gtin: u64,
            lot: Vec<u8>,
            class: Option<RecallClass>,
            reason: Hash,
        ) -> Result<(), Error> {
            if is_zero_hash(reason.as_ref()) {
                return Err(Error::ZeroHash);
            }
            let (id, mut record) = self.lot(gtin, &lot)?;
            let by = self.ensure_manufacturer_or_regulator(&record)?;
            if class.is_some() && !self.access.has_role(by, Role::Regulator) {
                return Err(Error::NotARegulator);
            }
            match record.status {
                LotStatus::Recalled { class: None, .. } if class.is_some() => {}
                LotStatus::Recalled { .. } => return Err(Error::LotAlreadyRecalled),
                LotStatus::Illegitimate => return Err(Error::LotIllegitimate),
                _ => {}
            }
            record.status = LotStatus::Recalled { class, reason };
            let manufacturer = record.manufacturer;
            store_lot(&id, &record);
            self.env().emit_event(LotRecalled {
                gtin,
                lot,
                manufacturer,
                class,
                reason,
                by,
            });
            Ok(())
        }

        /// Names another registered manufacturer as the lot's manufacturer (regulators
        /// only), for a rotated key or a transferred product line. Who holds the goods does
        /// not change.
        #[cfg(not(healthchain_contract))]
        #[ink(message)]
        pub fn reassign_lot(
            &mut self,
            gtin: u64,
            lot: Vec<u8>,
            new_manufacturer: AccountId,
        ) -> Result<(), Error> {
            self.access.ensure_role(Role::Regulator)?;
            if !self.access.has_role(new_manufacturer, Role::Manufacturer) {
                return Err(Error::NotAManufacturer);
            }
            let (id, mut record) = self.lot(gtin, &lot)?;
            let previous = core::mem::replace(&mut record.manufacturer, new_manufacturer);
            store_lot(&id, &record);
            self.env().emit_event(LotReassigned {
                gtin,
                lot,
                previous,
                new: new_manufacturer,
            });
            Ok(())
        }

        /// Destroys goods the caller holds (recalled, expired, illegitimate or damaged): a
        /// sealed or opened container with every package still in it, or one package, with
        /// the hash of the destruction record.
        #[cfg(not(healthchain_contract))]
        #[ink(message)]
        pub fn destroy(&mut self, item: Item, reason: Hash) -> Result<(), Error> {
            self.access.ensure_not_paused()?;
            if is_zero_hash(reason.as_ref()) {
                return Err(Error::ZeroHash);
            }
            let holder = self.ensure_trading_partner()?;
            let (key, units) = match item {
                Item::Container(sscc) => {
                    let mut container = self.held_container(sscc, holder)?;
                    let units = match container.state {
                        ContainerState::Sealed => container.units,
                        ContainerState::Opened { remaining } => remaining,
                        _ => return Err(Error::ContainerNotSealed),
                    };
                    container.state = ContainerState::Destroyed;
                    store_container(&sscc, &container);
                    let mut lot = lot_of(&container.lot).ok_or(Error::UnknownLot)?;
                    lot.destroyed = credit(lot.destroyed, units)?;
                    store_lot(&container.lot, &lot);
                    (ItemKey::Container(sscc), units)
                }
                Item::Package(package) => {
                    let mut located = self.locate(&package)?;
                    if located.record.holder != holder || located.record.state != PackageState::Held
                    {
                        return Err(Error::PackageUnavailable);
                    }
                    located.record.state = PackageState::Destroyed;
                    located.lot.destroyed = credit(located.lot.destroyed, 1)?;
                    let key = ItemKey::Package(located.id, located.leaf);
                    let mut touched = Touched::default();
                    touched.lots.put(located.id, located.lot.clone());
                    self.commit(located, &mut touched)?;
                    self.store(touched);
                    (key, 1)
                }
            };
            self.env().emit_event(Destroyed {
                holder,
                item: key,
                units,
                reason,
            });
            Ok(())
        }

        /// Dispenses one package (pharmacies only, from their own stock) named by its full
        /// product identifier: `package` (GTIN, lot, serial, the serial's Merkle proof from
        /// `healthchain merkle proof`, and, if it is still in an opened case, the case and
        /// its proof there) and `expiry`, the date printed on it (YYMMDD). `recipient` is the
        /// pharmacy's commitment to the patient (`recipient_commitment` of the patient's plan
        /// pseudonym and a random salt; not all zeros). A serial not in the lot is refused as
        /// counterfeit, an expiry not the lot's as a mismatch, a serial already dispensed as a
        /// clone; held, quarantined, recalled, illegitimate or expired stock is refused. A
        /// package that moved on its own already is named without the case it left
        /// (`LeftContainer`): the ledger's own build writes the record of a package leaving
        /// a case without reading it first, one storage access less on every such dispense.
        /// Refused as `Paused` while the ledger is paused (its library, which it then runs,
        /// answers it).
        #[cfg(not(healthchain_contract))]
        #[ink(message)]
        pub fn dispense(
            &mut self,
            package: PackageRef,
            expiry: u32,
            recipient: Hash,
        ) -> Result<(), Error> {
            self.dispense_package(package, expiry, recipient)
        }

        /// `dispense`, by the caller: in the ledger's own build its `call` runs this itself
        /// (`entry_points!`'s `skips_root`: it takes `&self`, on the root as that build
        /// sees it unpaused, never read nor written back).
        fn dispense_package(
            &self,
            package: PackageRef,
            expiry: u32,
            recipient: Hash,
        ) -> Result<(), Error> {
            self.access.ensure_not_paused()?;
            let dispenser = self.access.ensure_role(Role::Dispenser)?;
            let mut touched = Touched::default();
            self.dispense_as(
                dispenser,
                Dispense {
                    package,
                    expiry,
                    recipient,
                },
                &mut touched,
            )?;
            self.store(touched);
            Ok(())
        }

        /// Dispenses up to 32 packages in one call, as a pharmacy's close-of-day batch: each
        /// item is `dispense`'s three arguments and gets its own answer, in order. A refused
        /// item changes nothing and does not stop the others. The whole call is refused
        /// (`BatchTooLarge`, a pause, or a caller without the Dispenser role) only when no
        /// item could pass. Answered by the ledger's library: a batch carries its code
        /// once for all its items, so that a single dispense need not carry the batch's.
        #[cfg(not(healthchain_contract))]
        #[ink(message)]
        pub fn dispense_batch(
            &mut self,
            dispenses: Vec<Dispense>,
        ) -> Result<Vec<Result<(), Error>>, Error> {
            self.access.ensure_not_paused()?;
            let dispenser = self.access.ensure_role(Role::Dispenser)?;
            if dispenses.len() > MAX_BATCH {
                return Err(Error::BatchTooLarge);
            }
            // Each lot and opened case is read and written once per batch, not once per
            // package: a pharmacy's batch holds many packages of few lots and cases, and
            // every storage access is a large part of the call's proof.
            let mut touched = Touched::default();
            let answers = dispenses
                .into_iter()
                .map(|item| self.dispense_as(dispenser, item, &mut touched))
                .collect();
            self.store(touched);
            Ok(answers)
        }

        /// The status of one package, as a pharmacist's scan or a saleable-return check asks,
        /// from its full product identifier (GTIN, lot, serial, the expiry printed on it as
        /// YYMMDD) and the serial's Merkle proof: genuine, dispensed, quarantined (its lot, or
        /// the package where it is), recalled, illegitimate, expired, or unknown (no such
        /// lot, a serial and proof that do not match it, or another expiry: treat as
        /// counterfeit). Status only: whoever holds a package learns nothing of whom it was
        /// dispensed to. Answered at once, within the chain's own time (the 24-hour VRS
        /// rule). A hold on the opened case a package is still loose in is not seen here (a
        /// scan does not name the case): `container` and `trace` show it, and `dispense`
        /// refuses the package. Answered by the ledger's library: a scan is a query, run
        /// off chain (`healthchain verify-unit`), so the library's code in its dry run costs
        /// no block space, while every dispense and drug claim carries the ledger's own code.
        #[cfg(not(healthchain_contract))]
        #[ink(message)]
        pub fn verify_unit(
            &self,
            gtin: u64,
            lot: Vec<u8>,
            serial: Vec<u8>,
            expiry: u32,
            serial_index: u64,
            proof: Vec<Digest>,
        ) -> UnitStatus {
            let Ok((id, record)) = self.lot(gtin, &lot) else {
                return UnitStatus::Unknown;
            };
            let leaf = serial_leaf(&serial);
            if !is_gs1_text(&serial, MAX_SERIAL_LEN)
                || !expiry_matches(expiry, record.printed_expiry)
                || verify_proof(
                    &record.serial_root,
                    &leaf,
                    serial_index,
                    record.serial_count,
                    &proof,
                ) != Ok(true)
            {
                return UnitStatus::Unknown;
            }
            let package = package_of(&(id, leaf));
            let hold = package.map(|p| p.hold).unwrap_or_default();
            if matches!(
                package.map(|p| p.state),
                Some(PackageState::Dispensed { .. })
            ) {
                return UnitStatus::Dispensed;
            }
            match record.status {
                LotStatus::Recalled { class, .. } => UnitStatus::Recalled(class),
                LotStatus::Illegitimate => UnitStatus::Illegitimate,
                LotStatus::Quarantined(reasons) => UnitStatus::Quarantined(reasons.union(hold)),
                LotStatus::Active if record.is_expired(self.env().block_timestamp()) => {
                    UnitStatus::Expired
                }
                LotStatus::Active if !hold.is_empty() => UnitStatus::Quarantined(hold),
                LotStatus::Active => UnitStatus::Genuine,
            }
        }

        /// A package's chain of custody (a DSCSA trace request): the serial and its Merkle
        /// proof among the lot's serials, and `path`, the containers it was packed into,
        /// innermost first (case, then pallet), from the packer's aggregation data. Answers
        /// who commissioned it and when, the containers it was verified to be in, and where it
        /// is now and with whom, without listing the lot's other serials. The shipments and
        /// receipts between, with their times, are the `Shipped` and `ShipmentClosed` events that
        /// name those containers (`healthchain trace` prints both). Without a path, a package
        /// that never moved on its own reads as the manufacturer's unpacked stock.
        #[cfg(not(healthchain_contract))]
        #[ink(message)]
        pub fn trace(
            &self,
            gtin: u64,
            lot: Vec<u8>,
            serial: Vec<u8>,
            serial_index: u64,
            serial_proof: Vec<Digest>,
            path: Vec<Enclosure>,
        ) -> Result<Trace, Error> {
            let (id, record) = self.lot(gtin, &lot)?;
            let mut leaf = self.genuine_leaf(&record, &serial, serial_index, &serial_proof)?;
            if path.len() > MAX_TRACE_DEPTH {
                return Err(Error::ContentsMismatch);
            }
            let mut location = package_of(&(id, leaf)).map(|package| match package.state {
                PackageState::Held => Location::Loose {
                    holder: package.holder,
                    hold: package.hold,
                },
                PackageState::InTransit(shipment) => Location::InTransit(shipment),
                PackageState::Dispensed {
                    dispenser,
                    dispensed_at,
                    ..
                } => Location::Dispensed {
                    dispenser,
                    dispensed_at,
                },
                PackageState::Destroyed => Location::Destroyed,
            });
            let mut aggregated_into = Vec::new();
            for enclosure in path {
                let case = enclosure.case;
                if !verify_proof(
                    &case.contents,
                    &leaf,
                    enclosure.index,
                    case.count,
                    &enclosure.proof,
                )? {
                    return Err(Error::NotInContainer);
                }
                if let Some(container) = container_of(&case.sscc) {
                    if container.lot != id
                        || container.contents != case.contents
                        || container.count != case.count
                    {
                        return Err(Error::NotInContainer);
                    }
                    if location.is_none() {
                        location = Some(match container.state {
                            ContainerState::Opened { .. } => Location::Loose {
                                holder: container.holder,
                                hold: container.hold,
                            },
                            ContainerState::Destroyed => Location::Destroyed,
                            state => Location::InContainer {
                                sscc: case.sscc,
                                holder: container.holder,
                                state,
                                hold: container.hold,
                            },
                        });
                    }
                }
                aggregated_into.push(case.sscc);
                leaf = case_leaf(&case);
            }
            let location = match location {
                Some(location) => location,
                None if aggregated_into.is_empty() => Location::Unpacked {
                    holder: record.manufacturer,
                },
                None => return Err(Error::UnknownContainer),
            };
            Ok(Trace {
                manufacturer: record.manufacturer,
                commissioned_at: record.commissioned_at,
                lot_status: record.status,
                aggregated_into,
                location,
            })
        }

        /// The lot, whether it has expired, and its illegitimate-product notification if
        /// one was made; `None` for an unknown GTIN and lot.
        #[cfg(not(healthchain_contract))]
        #[ink(message)]
        pub fn lot_state(&self, gtin: u64, lot: Vec<u8>) -> Option<LotState> {
            let (id, record) = self.lot(gtin, &lot).ok()?;
            Some(LotState {
                expired: record.is_expired(self.env().block_timestamp()),
                lot: record,
                illegitimate: entry::get_at(ILLEGITIMATE_KEY, &id),
            })
        }

        /// The container with SSCC `sscc`, if it has a record.
        #[cfg(not(healthchain_contract))]
        #[ink(message)]
        pub fn container(&self, sscc: Sscc) -> Option<Container> {
            container_of(&sscc)
        }

        /// The package (GTIN, lot, serial), if it has moved on its own.
        #[cfg(not(healthchain_contract))]
        #[ink(message)]
        pub fn package(&self, gtin: u64, lot: Vec<u8>, serial: Vec<u8>) -> Option<PackageRecord> {
            package_of(&(lot_id(gtin, &lot), serial_leaf(&serial)))
        }

        /// Shipment `shipment`, while it is in transit.
        #[cfg(not(healthchain_contract))]
        #[ink(message)]
        pub fn shipment(&self, shipment: u64) -> Option<Shipment> {
            self.shipments.get(shipment)
        }

        /// One dispense by `dispenser`: every check first (`dispensable`), then the writes,
        /// so that a refused item of a batch leaves nothing behind. The lot's counts and
        /// the case it leaves go to `touched`, as this call's earlier dispenses left them;
        /// the caller stores them (`store`). The ledger's own build hands a dispense it
        /// would refuse before writing, input and all, to the library, which runs it from
        /// the start: a package leaving a case is not read there (`locate_in`), and the
        /// library, which reads it, answers as a record of its own says.
        fn dispense_as(
            &self,
            dispenser: AccountId,
            item: Dispense,
            touched: &mut Touched,
        ) -> Result<(), Error> {
            let Dispense {
                package,
                expiry,
                recipient,
            } = item;
            let checked = self.dispensable(dispenser, &package, expiry, recipient, touched);
            #[cfg(healthchain_contract)]
            let Ok(located) = checked
            else {
                healthchain_common::access::delegate_to(healthchain_common::access::own_library())
            };
            #[cfg(not(healthchain_contract))]
            let located = checked?;
            self.commit(located, touched)?;
            healthchain_common::event::emit(Dispensed {
                gtin: package.gtin,
                lot: package.lot,
                recipient,
                serial: package.serial,
                dispenser,
            });
            Ok(())
        }

        /// `package`, located and checked for a dispense by `dispenser` to `recipient`, its
        /// record as the dispense leaves it; nothing is written.
        fn dispensable(
            &self,
            dispenser: AccountId,
            package: &PackageRef,
            expiry: u32,
            recipient: Hash,
            touched: &Touched,
        ) -> Result<Located, Error> {
            if is_zero_hash(recipient.as_ref()) {
                return Err(Error::ZeroHash);
            }
            let id = lot_id(package.gtin, &package.lot);
            // A batch's earlier item may have read or changed the lot; `commit` keeps it
            // for the later ones (not a copy taken here, which a single dispense, the hot
            // path, would only throw away).
            #[cfg(not(healthchain_contract))]
            let lot = match touched.lots.get(&id) {
                Some(lot) => lot.clone(),
                None => lot_of(&id).ok_or(Error::UnknownLot)?,
            };
            // The own build dispenses one package a call (`dispense_batch` is the
            // library's), so nothing is touched yet.
            #[cfg(healthchain_contract)]
            let lot = lot_of(&id).ok_or(Error::UnknownLot)?;
            let mut located = self.locate_in(id, lot, package, &touched.cases)?;
            if !expiry_matches(expiry, located.lot.printed_expiry) {
                return Err(Error::ExpiryMismatch);
            }
            let now = self.env().block_timestamp();
            located.lot.ensure_movable(now)?;
            if matches!(located.record.state, PackageState::Dispensed { .. }) {
                return Err(Error::AlreadyDispensed);
            }
            if located.record.holder != dispenser || located.record.state != PackageState::Held {
                return Err(Error::PackageUnavailable);
            }
            if !located.record.hold.is_empty() {
                return Err(Error::LotQuarantined);
            }
            located.record.state = PackageState::Dispensed {
                recipient,
                dispenser,
                dispensed_at: now,
            };
            Ok(located)
        }

        /// One reading by `sensor`: checked before anything is written or evented.
        #[cfg(not(healthchain_contract))] // reads whole lots: the library's
        fn report_as(
            &mut self,
            sensor: AccountId,
            place: SensorPlace,
            centi_celsius: i32,
        ) -> Result<(), Error> {
            if !self.sensors.contains((place, sensor)) {
                return Err(Error::SensorNotBound);
            }
            let (min_temp, max_temp, lot) = match place {
                SensorPlace::Container(sscc) => {
                    let container = container_of(&sscc).ok_or(Error::UnknownContainer)?;
                    let lot = lot_of(&container.lot).ok_or(Error::UnknownLot)?;
                    (lot.min_temp, lot.max_temp, Some(lot))
                }
                SensorPlace::Shipment(id) => {
                    let shipment = self.shipments.get(id).ok_or(Error::UnknownShipment)?;
                    (shipment.min_temp, shipment.max_temp, None)
                }
            };
            let in_range = (min_temp..=max_temp).contains(&centi_celsius);
            self.env().emit_event(TemperatureRecorded {
                sensor,
                place,
                centi_celsius,
                in_range,
            });
            if in_range {
                return Ok(());
            }
            let target = match place {
                SensorPlace::Container(sscc) => Target::Container(sscc),
                SensorPlace::Shipment(id) => Target::Shipment(id),
            };
            let manufacturer = lot.map(|lot| lot.manufacturer);
            // A place already held for an excursion stays held; the reading is on record.
            match self.change_hold(&target, QuarantineReason::TemperatureExcursion, true) {
                Ok((place, owner, _)) => {
                    self.env().emit_event(Quarantined {
                        manufacturer: manufacturer.unwrap_or(owner),
                        place,
                        reason: QuarantineReason::TemperatureExcursion,
                        evidence: None,
                        by: sensor,
                    });
                    Ok(())
                }
                Err(Error::LotQuarantined) => Ok(()),
                Err(error) => Err(error),
            }
        }

        fn lot(&self, gtin: u64, lot: &[u8]) -> Result<(LotId, LotRecord), Error> {
            let id = lot_id(gtin, lot);
            let record = lot_of(&id).ok_or(Error::UnknownLot)?;
            Ok((id, record))
        }

        fn is_trading_partner(&self, account: AccountId) -> bool {
            let roles = self.access.roles_of(account);
            roles.contains(Role::Manufacturer)
                || roles.contains(Role::Wholesaler)
                || roles.contains(Role::Dispenser)
        }

        /// The caller, if it is a registered trading partner.
        fn ensure_trading_partner(&self) -> Result<AccountId, Error> {
            let caller = self.env().caller();
            if self.is_trading_partner(caller) {
                Ok(caller)
            } else {
                Err(Error::NotATradingPartner)
            }
        }

        /// The container `sscc`, if `holder` holds it.
        fn held_container(&self, sscc: Sscc, holder: AccountId) -> Result<Container, Error> {
            let container = container_of(&sscc).ok_or(Error::UnknownContainer)?;
            if container.holder != holder {
                return Err(Error::NotACustodian);
            }
            Ok(container)
        }

        /// The caller, if it is a regulator, or a trading partner holding the container or
        /// sending or receiving the shipment.
        fn ensure_custodian_of(&self, place: SensorPlace) -> Result<AccountId, Error> {
            let caller = self.env().caller();
            let custodian = match place {
                SensorPlace::Container(sscc) => {
                    let container = container_of(&sscc).ok_or(Error::UnknownContainer)?;
                    container.holder == caller && container.state != ContainerState::Destroyed
                }
                SensorPlace::Shipment(id) => {
                    let shipment = self.shipments.get(id).ok_or(Error::UnknownShipment)?;
                    shipment.from == caller || shipment.to == caller
                }
            };
            if self.access.has_role(caller, Role::Regulator)
                || (custodian && self.is_trading_partner(caller))
            {
                Ok(caller)
            } else {
                Err(Error::NotACustodian)
            }
        }

        /// The caller, if it is the lot's manufacturer and still holds the role, or a
        /// regulator.
        fn ensure_manufacturer_or_regulator(&self, lot: &Lot) -> Result<AccountId, Error> {
            let caller = self.env().caller();
            let roles = self.access.roles_of(caller);
            if (caller == lot.manufacturer && roles.contains(Role::Manufacturer))
                || roles.contains(Role::Regulator)
            {
                Ok(caller)
            } else {
                Err(Error::NotManufacturerOrRegulator)
            }
        }

        /// The serial's leaf, if it is a GS1 serial proven to be in the lot.
        fn genuine_leaf(
            &self,
            lot: &LotRecord,
            serial: &[u8],
            index: u64,
            proof: &[Digest],
        ) -> Result<Digest, Error> {
            if !is_gs1_text(serial, MAX_SERIAL_LEN) {
                return Err(Error::InvalidSerial);
            }
            let leaf = serial_leaf(serial);
            if !verify_proof(&lot.serial_root, &leaf, index, lot.serial_count, proof)? {
                return Err(Error::Counterfeit);
            }
            Ok(leaf)
        }

        /// A genuine package and where it is: its own record, or, on its first move on its
        /// own, the opened container it leaves (`from`) or the manufacturer's unpacked stock.
        /// Nothing is written until `commit`.
        fn locate(&self, package: &PackageRef) -> Result<Located, Error> {
            let (id, lot) = self.lot(package.gtin, &package.lot)?;
            self.locate_in(id, lot, package, &CallCache::default())
        }

        /// `locate`, with the package's lot `id` already read (`lot`), and the opened cases
        /// this call changed but has not stored yet (`cases`).
        fn locate_in(
            &self,
            id: LotId,
            lot: LotRecord,
            package: &PackageRef,
            cases: &CallCache<Sscc, Container>,
        ) -> Result<Located, Error> {
            let leaf = self.genuine_leaf(
                &lot,
                &package.serial,
                package.serial_index,
                &package.serial_proof,
            )?;
            // The ledger's own build does not read the record of a package leaving a case:
            // none is there unless the package moved on its own before, which the record's
            // write, unread, tells (`commit`).
            #[cfg(healthchain_contract)]
            let record = match package.from {
                Some(_) => None,
                None => package_of(&(id, leaf)),
            };
            #[cfg(not(healthchain_contract))]
            let record = package_of(&(id, leaf));
            if let Some(record) = record {
                // Only a package's first move on its own names the container it leaves. (The
                // own build reads no record then.)
                #[cfg(not(healthchain_contract))]
                if package.from.is_some() {
                    return Err(record.refusal_of_a_move_from_its_container());
                }
                return Ok(Located {
                    id,
                    lot,
                    leaf,
                    record,
                    leaving: None,
                    unpacking: false,
                });
            }
            let fresh = |holder, seller, hold, came_from| PackageRecord {
                holder,
                seller,
                state: PackageState::Held,
                hold,
                came_from,
            };
            match &package.from {
                // In the ledger's own build, where only a dispense locates a package, one
                // from the manufacturer's unpacked stock (whose count is in its lot) is
                // handed, input and all, to the library, which runs the dispense from the
                // start: nothing is written or evented before this point. So no dispense
                // of this build writes a lot, and it reads only the lot's head (`LotHead`,
                // without the manufacturer).
                #[cfg(healthchain_contract)]
                None if lot.unpacked > 0 => healthchain_common::access::delegate_to(
                    healthchain_common::access::own_library(),
                ),
                #[cfg(not(healthchain_contract))]
                None if lot.unpacked > 0 => Ok(Located {
                    record: fresh(lot.manufacturer, None, QuarantineReasons::default(), None),
                    id,
                    lot,
                    leaf,
                    leaving: None,
                    unpacking: true,
                }),
                None => Err(Error::PackageUnavailable),
                Some(unpack) => {
                    let container = match cases.get(&unpack.sscc) {
                        Some(case) => case.clone(),
                        None => container_of(&unpack.sscc).ok_or(Error::UnknownContainer)?,
                    };
                    if container.lot != id || container.level != Level::Case {
                        return Err(Error::NotInContainer);
                    }
                    let ContainerState::Opened { remaining } = container.state else {
                        return Err(Error::ContainerNotOpened);
                    };
                    if remaining == 0 {
                        return Err(Error::ContainerNotOpened);
                    }
                    if !verify_proof(
                        &container.contents,
                        &leaf,
                        unpack.index,
                        container.count,
                        &unpack.proof,
                    )? {
                        return Err(Error::NotInContainer);
                    }
                    Ok(Located {
                        record: fresh(
                            container.holder,
                            container.seller,
                            container.hold,
                            Some(unpack.sscc),
                        ),
                        id,
                        lot,
                        leaf,
                        leaving: Some((unpack.sscc, container)),
                        unpacking: false,
                    })
                }
            }
        }

        /// Stores the lots and cases a call moving packages changed, once each.
        #[cfg_attr(healthchain_contract, allow(unused_variables))]
        fn store(&self, touched: Touched) {
            // The own build touches nothing here: its one storing message, the dispense,
            // moves one package a call, so `commit` stores the case it leaves at once, and
            // it hands a package from the unpacked stock to the library (`locate_in`). So it
            // carries no lot encoding and no call cache.
            #[cfg(not(healthchain_contract))]
            {
                for (id, lot) in touched.lots {
                    store_lot(&id, &lot);
                }
                for (sscc, case) in touched.cases {
                    store_container(&sscc, &case);
                }
            }
        }

        /// Refuses when several packages leave one opened container, or the unpacked stock,
        /// and it has fewer left than that.
        fn ensure_enough_to_unpack(&self, packages: &[Located]) -> Result<(), Error> {
            for (position, located) in packages.iter().enumerate() {
                let earlier = packages.iter().take(position);
                let (taken, left) = match &located.leaving {
                    Some((sscc, container)) => (
                        earlier
                            .filter(|o| matches!(&o.leaving, Some((s, _)) if s == sscc))
                            .count(),
                        match container.state {
                            ContainerState::Opened { remaining } => remaining,
                            _ => 0,
                        },
                    ),
                    None if located.unpacking => (
                        earlier
                            .filter(|o| o.unpacking && o.id == located.id)
                            .count(),
                        located.lot.unpacked,
                    ),
                    None => continue,
                };
                if taken as u64 >= left {
                    return Err(Error::InsufficientHoldings);
                }
            }
            Ok(())
        }

        /// Writes a located package's record, and takes it from the container or unpacked
        /// stock it leaves in this call's copies (`touched`, which the caller stores), so
        /// that several packages can leave one and each is read and written once. Its lot
        /// stays in `touched` for the call's later packages. In the ledger's own build, a
        /// package leaving a case whose record was there already (the write, unread, says
        /// so) is refused as the library refuses it (`locate_in`): the call reverts,
        /// the record overwritten included.
        #[cfg_attr(healthchain_contract, allow(unused_variables))]
        fn commit(&self, located: Located, touched: &mut Touched) -> Result<(), Error> {
            let Located {
                id,
                lot,
                leaf,
                record,
                leaving,
                unpacking,
            } = located;
            let replaced = store_package(&(id, leaf), &record);
            // The own build dispenses one package a call and never from the unpacked
            // stock (`locate_in` hands that to the library, so no package it locates is
            // `unpacking`): it stores the case it leaves now, since no later item of the
            // call reads it. It did not read the record of a package leaving a case: one
            // replaced says the package moved on its own before.
            #[cfg(healthchain_contract)]
            if let Some((sscc, mut case)) = leaving {
                if let Some(len) = replaced {
                    return Err(PackageRecord::refusal_of_a_move_from(len));
                }
                case.take_one();
                store_container(&sscc, &case);
            }
            #[cfg(not(healthchain_contract))]
            {
                // The library read every record it replaces (`locate_in`).
                let _ = replaced;
                if unpacking {
                    touched.lots.update(id, lot, |lot| {
                        lot.unpacked = lot.unpacked.saturating_sub(1);
                    });
                } else {
                    // Unchanged, so not stored; later items of the same call read it here.
                    touched.lots.keep(id, lot);
                }
                if let Some((sscc, container)) = leaving {
                    touched.cases.update(sscc, container, Container::take_one);
                }
            }
            Ok(())
        }

        /// Ends a shipment: each item goes to the recipient (`delivered`) or back to the
        /// sender, sealed or held as before and with any hold taken in transit. A delivered
        /// saleable return is verified item by item.
        fn settle(
            &mut self,
            shipment: u64,
            record: &Shipment,
            delivered: bool,
        ) -> Result<(), Error> {
            let now = self.env().block_timestamp();
            let verify = delivered && record.purpose == ShipmentPurpose::Return;
            let (holder, seller) = match (delivered, record.purpose) {
                (true, ShipmentPurpose::Sale) => (record.to, Some(record.from)),
                (true, ShipmentPurpose::Return) => (record.to, None),
                (false, _) => (record.from, None),
            };
            for key in &record.items {
                let (lot_key, hold) = match key {
                    ItemKey::Container(sscc) => {
                        let container = container_of(sscc).ok_or(Error::UnknownContainer)?;
                        (container.lot, container.hold.union(record.hold))
                    }
                    ItemKey::Package(lot, leaf) => {
                        let package =
                            package_of(&(*lot, *leaf)).ok_or(Error::PackageUnavailable)?;
                        (*lot, package.hold.union(record.hold))
                    }
                };
                let lot = lot_of(&lot_key).ok_or(Error::UnknownLot)?;
                let saleable = hold.is_empty() && lot.ensure_movable(now).is_ok();
                let hold = if verify && !saleable {
                    hold.with(QuarantineReason::Suspect)
                } else {
                    hold
                };
                match key {
                    ItemKey::Container(sscc) => {
                        if let Some(mut container) = container_of(sscc) {
                            container.state = ContainerState::Sealed;
                            container.hold = hold;
                            container.holder = holder;
                            if delivered {
                                container.seller = seller;
                            }
                            store_container(sscc, &container);
                        }
                    }
                    ItemKey::Package(lot, leaf) => {
                        if let Some(mut package) = package_of(&(*lot, *leaf)) {
                            package.state = PackageState::Held;
                            package.hold = hold;
                            package.holder = holder;
                            if delivered {
                                package.seller = seller;
                            }
                            store_package(&(*lot, *leaf), &package);
                        }
                    }
                }
                if verify {
                    self.env().emit_event(ReturnVerified {
                        seller: record.to,
                        item: *key,
                        saleable,
                        shipment,
                    });
                }
            }
            self.shipments.remove(shipment);
            self.env().emit_event(ShipmentClosed {
                to: record.to,
                from: record.from,
                shipment,
                units: record.units,
                received: delivered,
            });
            Ok(())
        }

        /// The lot that `target` is of.
        #[cfg(not(healthchain_contract))] // reads whole lots: the library's
        fn lot_of_target(&self, target: &Target) -> Result<Lot, Error> {
            let id = match target {
                Target::Lot { gtin, lot } => lot_id(*gtin, lot),
                Target::Container(sscc) => container_of(sscc).ok_or(Error::UnknownContainer)?.lot,
                Target::Shipment(id) => {
                    let shipment = self.shipments.get(id).ok_or(Error::UnknownShipment)?;
                    match shipment.items.first() {
                        Some(ItemKey::Container(sscc)) => {
                            container_of(sscc).ok_or(Error::UnknownContainer)?.lot
                        }
                        Some(ItemKey::Package(lot, _)) => *lot,
                        None => return Err(Error::UnknownShipment),
                    }
                }
                Target::Package { gtin, lot, .. } => lot_id(*gtin, lot),
            };
            lot_of(&id).ok_or(Error::UnknownLot)
        }

        /// Adds (`hold`) or clears `reason` at `target`; returns the place, the lot's
        /// manufacturer and the reasons now open there, for the event. Adding a reason
        /// already open is `LotQuarantined`; clearing one not open is
        /// `QuarantineReasonNotOpen`.
        #[cfg(not(healthchain_contract))] // reads whole lots: the library's
        fn change_hold(
            &mut self,
            target: &Target,
            reason: QuarantineReason,
            hold: bool,
        ) -> Result<(Place, AccountId, QuarantineReasons), Error> {
            let change = |reasons: QuarantineReasons| -> Result<QuarantineReasons, Error> {
                match (hold, reasons.contains(reason)) {
                    (true, true) => Err(Error::LotQuarantined),
                    (true, false) => Ok(reasons.with(reason)),
                    (false, true) => Ok(reasons.without(reason)),
                    (false, false) => Err(Error::QuarantineReasonNotOpen),
                }
            };
            let lot = self.lot_of_target(target)?;
            let (place, open) = match target {
                Target::Lot { gtin, lot: number } => {
                    let (id, mut record) = self.lot(*gtin, number)?;
                    let reasons = match record.status {
                        LotStatus::Active => QuarantineReasons::default(),
                        LotStatus::Quarantined(reasons) => reasons,
                        LotStatus::Recalled { .. } => return Err(Error::LotRecalled),
                        LotStatus::Illegitimate => return Err(Error::LotIllegitimate),
                    };
                    let reasons = change(reasons)?;
                    record.status = if reasons.is_empty() {
                        LotStatus::Active
                    } else {
                        LotStatus::Quarantined(reasons)
                    };
                    store_lot(&id, &record);
                    (Place::Lot(id), reasons)
                }
                Target::Container(sscc) => {
                    let mut container = container_of(sscc).ok_or(Error::UnknownContainer)?;
                    container.hold = change(container.hold)?;
                    store_container(sscc, &container);
                    (Place::Container(*sscc), container.hold)
                }
                Target::Shipment(id) => {
                    let mut shipment = self.shipments.get(id).ok_or(Error::UnknownShipment)?;
                    shipment.hold = change(shipment.hold)?;
                    self.shipments.insert(id, &shipment);
                    (Place::Shipment(*id), shipment.hold)
                }
                Target::Package { gtin, lot, serial } => {
                    let key = (lot_id(*gtin, lot), serial_leaf(serial));
                    let mut package = package_of(&key).ok_or(Error::PackageUnavailable)?;
                    package.hold = change(package.hold)?;
                    store_package(&key, &package);
                    (Place::Package(key.0, key.1), package.hold)
                }
            };
            Ok((place, lot.manufacturer, open))
        }
    }

    impl DrugProvenance {
        /// Who dispensed the unit (GTIN, lot, serial), when and to which commitment, and
        /// whether its lot is quarantined or recalled now; `None` when that serial was
        /// never dispensed.
        pub fn dispensed_unit(
            &self,
            gtin: u64,
            lot: Vec<u8>,
            serial: Vec<u8>,
        ) -> Option<DispensedUnit> {
            let (id, record) = self.lot(gtin, &lot).ok()?;
            let PackageState::Dispensed {
                recipient,
                dispenser,
                dispensed_at,
            } = package_of(&(id, serial_leaf(&serial)))?.state
            else {
                return None;
            };
            Some(DispensedUnit {
                recipient,
                dispenser,
                dispensed_at,
                lot_quarantined: record.standing() == LotStanding::Quarantined,
                lot_recalled: matches!(
                    record.standing(),
                    LotStanding::Recalled | LotStanding::Illegitimate
                ),
            })
        }
    }

    impl ProvenanceCheck for DrugProvenance {
        /// `dispensed_unit` for each of `units` (GTIN, lot, serial), in order, in one call:
        /// a payer checks a whole claim, or one unit, at once. At most 50 units are
        /// answered.
        #[ink(message)]
        fn dispensed_units(&self, units: UnitIds) -> Vec<Option<DispensedUnit>> {
            units
                .0
                .into_iter()
                .take(MAX_UNITS_PER_QUERY)
                .map(|(gtin, lot, serial)| self.dispensed_unit(gtin, lot, serial))
                .collect()
        }
    }

    impl AccessControlled for DrugProvenance {
        /// The ledger's admin.
        #[ink(message)]
        fn admin(&self) -> AccountId {
            admin_message!(self.access, admin())
        }

        /// The proposed next admin, if a transfer is pending.
        #[ink(message)]
        fn pending_admin(&self) -> Option<AccountId> {
            admin_message!(self.access, pending_admin())
        }

        /// Whether `account` holds `role` here (Manufacturer, Wholesaler, Dispenser,
        /// Sensor, Regulator).
        #[ink(message)]
        fn has_role(&self, account: admin_arg::AccountId, role: admin_arg::Role) -> bool {
            admin_message!(self.access, has_role(account, role))
        }

        /// Whether the ledger is paused.
        #[ink(message)]
        fn paused(&self) -> bool {
            admin_message!(self.access, is_paused())
        }

        /// Proposes a new admin; it takes over when it calls `accept_admin`. Admin only.
        #[ink(message)]
        fn transfer_admin(&mut self, new_admin: admin_arg::AccountId) -> Result<(), AccessError> {
            admin_message!(self.access, transfer_admin(new_admin))
        }

        /// Accepts the admin role proposed to the caller.
        #[ink(message)]
        fn accept_admin(&mut self) -> Result<(), AccessError> {
            admin_message!(self.access, accept_admin())
        }

        /// Registers `account` in `role`. The admin for any role; a regulator for every
        /// role but Regulator.
        #[ink(message)]
        fn grant_role(
            &mut self,
            role: admin_arg::Role,
            account: admin_arg::AccountId,
        ) -> Result<(), AccessError> {
            admin_message!(self.access, grant_role(role, account))
        }

        /// Deregisters `account` from `role`. The admin, or a regulator (not for Regulator).
        #[ink(message)]
        fn revoke_role(
            &mut self,
            role: admin_arg::Role,
            account: admin_arg::AccountId,
        ) -> Result<(), AccessError> {
            admin_message!(self.access, revoke_role(role, account))
        }

        /// Gives up one of the caller's own roles.
        #[ink(message)]
        fn renounce_role(&mut self, role: admin_arg::Role) -> Result<(), AccessError> {
            admin_message!(self.access, renounce_role(role))
        }

        /// Pauses the ledger: no commissioning, shipping, sensing, recalls or dispensing
        /// until unpaused. Admin only.
        #[ink(message)]
        fn pause(&mut self) -> Result<(), AccessError> {
            admin_message!(self.access, pause())
        }

        /// Resumes the ledger. Admin only.
        #[ink(message)]
        fn unpause(&mut self) -> Result<(), AccessError> {
            admin_message!(self.access, unpause())
        }

        /// The delay (milliseconds) between proposing and applying an upgrade or a
        /// rewiring, fixed at construction.
        #[ink(message)]
        fn change_delay(&self) -> Timestamp {
            admin_message!(self.access, change_delay())
        }

        /// The proposed upgrade or rewiring waiting for its delay, if any.
        #[ink(message)]
        fn pending_change(&self) -> Option<PendingChange> {
            admin_message!(self.access, pending_change())
        }

        /// Proposes upgrading to the uploaded code `code_hash` (step one of two), with the
        /// uploaded `migration` that rewrites the storage when the new version's layout
        /// differs (none otherwise), and a `ChangeProposed` event; returns when it may be
        /// applied. Admin only.
        #[ink(message)]
        fn propose_code(
            &mut self,
            code_hash: admin_arg::Hash,
            migration: admin_arg::Option<Hash>,
        ) -> Result<Timestamp, AccessError> {
            admin_message!(self.access, propose_code(code_hash, migration))
        }

        /// Applies the proposed upgrade once the change delay has passed: runs its migration,
        /// if any, and swaps the code, keeping every lot and record. Admin only.
        #[ink(message)]
        fn apply_code(&mut self) -> Result<(), AccessError> {
            admin_message!(self.access, apply_code())
        }

        /// Cancels the pending upgrade or rewiring. Admin only.
        #[ink(message)]
        fn cancel_change(&mut self) -> Result<(), AccessError> {
            admin_message!(self.access, cancel_change())
        }
    }

    /// The ledger's own build runs only while it is unpaused (a paused ledger runs its
    /// library), and its dispense and `dispensed_units` read nothing of the root but the
    /// pause flag, the role members, the lots, containers and packages (handles of fixed
    /// keys).
    impl healthchain_common::dispatch::Unpaused for DrugProvenance {
        fn unpaused() -> Self {
            Self {
                access: AccessControl::unpaused(),
                lots: Mapping::default(),
                containers: Mapping::default(),
                packages: Mapping::default(),
                shipments: Mapping::default(),
                // Only shipments read it: the library's.
                next_shipment: 0,
                company_prefixes: Mapping::default(),
                sensors: Mapping::default(),
                illegitimate: Mapping::default(),
                library: Lazy::default(),
            }
        }
    }

    // A dispense and the payer's question change no root field and need of the root only
    // the pause flag: run by `call` itself, they neither read it nor write it back.
    healthchain_common::entry_points!(
        DrugProvenance,
        own_library,
        skips_root: [
            "dispense" => dispense_package,
            "ProvenanceCheck::dispensed_units" => dispensed_units,
        ],
        others: library
    );
}

// The library build (drug_provenance_library) runs the same code: tested once, here.
#[cfg(all(test, not(healthchain_library)))]
mod tests;
