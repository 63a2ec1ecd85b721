//! # drug_provenance
//!
//! Lots and serials from manufacturer to patient, in the words of US DSCSA and GS1 EPCIS.
//! A manufacturer commissions a lot with the Merkle root of its serial numbers (a million
//! serials cost one write); custody moves in two steps (ship, then receive) between
//! registered trading partners; cold-chain sensors report temperatures and an excursion
//! quarantines the lot at once; partners flag suspect product; manufacturers and
//! regulators release, recall or confirm illegitimate; a pharmacy dispenses one serial to a
//! patient with a Merkle proof, so a serial outside the lot is a counterfeit and a serial
//! dispensed twice is a clone. Anyone can verify a unit; claim_settlement asks, through the
//! shared `ProvenanceCheck` trait, who dispensed a unit, when, and to which commitment.
//!
//! No patient account is kept: a dispense records the pharmacy's salted commitment to the
//! patient (`recipient_commitment`), so a discarded package leads to nobody, and a payer
//! that knows the salt proves the match. The certificate of analysis and investigation
//! reports appear only as hashes (docs/privacy.md).
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

pub mod data;

#[ink::contract]
pub mod drug_provenance {
    use crate::data::{
        company_prefix, credit, debit, is_gs1_text, lot_id, validate_commission, Commission,
        DispenseRecord, Error, Lot, LotId, LotState, LotStatus, QuarantineReason,
        QuarantineReasons, RecallClass, Shipment, UnitStatus, MAX_COMPANY_PREFIX_DIGITS,
        MAX_SERIAL_LEN, MIN_COMPANY_PREFIX_DIGITS,
    };
    use healthchain_common::{
        access::{AccessControl, AccessControlled, AccessError, PendingChange, Role, RoleSet},
        is_zero_hash,
        merkle::{hash_leaf, verify_proof, Digest},
        provenance::{DispensedUnit, ProvenanceCheck, UnitId, MAX_UNITS_PER_QUERY},
    };
    use ink::{prelude::vec::Vec, storage::Mapping};

    /// The most custodians one `custodians` query returns.
    pub const MAX_CUSTODIANS_PAGE: u32 = 64;

    /// A lot was commissioned (GS1 bizStep commissioning).
    #[ink(event)]
    pub struct LotCommissioned {
        #[ink(topic)]
        pub gtin: u64,
        #[ink(topic)]
        pub lot: Vec<u8>,
        #[ink(topic)]
        pub manufacturer: AccountId,
        pub quantity: u64,
        pub expiry: Timestamp,
        pub serial_root: Digest,
        pub serial_count: u64,
        pub min_temp: i32,
        pub max_temp: i32,
        pub certificate: Hash,
    }

    /// Units left `from` for `to` (bizStep shipping, disposition in_transit).
    #[ink(event)]
    pub struct Shipped {
        #[ink(topic)]
        pub gtin: u64,
        #[ink(topic)]
        pub lot: Vec<u8>,
        #[ink(topic)]
        pub to: AccountId,
        pub shipment: u64,
        pub from: AccountId,
        pub quantity: u64,
    }

    /// The recipient took custody (bizStep receiving).
    #[ink(event)]
    pub struct Received {
        #[ink(topic)]
        pub gtin: u64,
        #[ink(topic)]
        pub lot: Vec<u8>,
        #[ink(topic)]
        pub to: AccountId,
        pub shipment: u64,
        pub from: AccountId,
        pub quantity: u64,
    }

    /// The sender cancelled a shipment before receipt; the units are back in its custody.
    #[ink(event)]
    pub struct ShipmentCancelled {
        #[ink(topic)]
        pub gtin: u64,
        #[ink(topic)]
        pub lot: Vec<u8>,
        #[ink(topic)]
        pub to: AccountId,
        pub shipment: u64,
        pub from: AccountId,
        pub quantity: u64,
    }

    /// A sensor reading (EPCIS sensor data); `in_range` is false for an excursion.
    #[ink(event)]
    pub struct TemperatureRecorded {
        #[ink(topic)]
        pub gtin: u64,
        #[ink(topic)]
        pub lot: Vec<u8>,
        #[ink(topic)]
        pub sensor: AccountId,
        pub shipment: Option<u64>,
        pub centi_celsius: i32,
        pub in_range: bool,
    }

    /// The lot is held: no shipping or dispensing until released or recalled. The
    /// manufacturer is a topic so it hears at once.
    #[ink(event)]
    pub struct LotQuarantined {
        #[ink(topic)]
        pub gtin: u64,
        #[ink(topic)]
        pub lot: Vec<u8>,
        #[ink(topic)]
        pub manufacturer: AccountId,
        pub reason: QuarantineReason,
        pub evidence: Option<Hash>,
        pub by: AccountId,
    }

    /// A quarantined lot was cleared after investigation.
    #[ink(event)]
    pub struct LotReleased {
        #[ink(topic)]
        pub gtin: u64,
        #[ink(topic)]
        pub lot: Vec<u8>,
        #[ink(topic)]
        pub manufacturer: AccountId,
        /// The reason cleared.
        pub reason: QuarantineReason,
        /// The reasons still open: the lot is back in supply only when there are none.
        pub still_open: QuarantineReasons,
        pub investigation: Hash,
        pub by: AccountId,
    }

    /// The lot was recalled (disposition recalled), or a suspect confirmed illegitimate.
    #[ink(event)]
    pub struct LotRecalled {
        #[ink(topic)]
        pub gtin: u64,
        #[ink(topic)]
        pub lot: Vec<u8>,
        #[ink(topic)]
        pub manufacturer: AccountId,
        pub class: RecallClass,
        pub reason: Hash,
        pub illegitimate: bool,
        pub by: AccountId,
    }

    /// A holder destroyed units (bizStep destroying).
    #[ink(event)]
    pub struct UnitsDestroyed {
        #[ink(topic)]
        pub gtin: u64,
        #[ink(topic)]
        pub lot: Vec<u8>,
        #[ink(topic)]
        pub holder: AccountId,
        pub quantity: u64,
        pub reason: Hash,
    }

    /// A custodian bound a sensor to a lot (`bound`), or the binding ended.
    #[ink(event)]
    pub struct SensorBound {
        #[ink(topic)]
        pub gtin: u64,
        #[ink(topic)]
        pub lot: Vec<u8>,
        #[ink(topic)]
        pub sensor: AccountId,
        pub by: AccountId,
        pub bound: bool,
    }

    /// A GS1 company prefix was licensed to a manufacturer.
    #[ink(event)]
    pub struct CompanyPrefixLicensed {
        #[ink(topic)]
        pub prefix: u64,
        pub digits: u8,
        #[ink(topic)]
        pub manufacturer: AccountId,
        pub previous: Option<AccountId>,
        pub by: AccountId,
    }

    /// A regulator named another manufacturer for the lot.
    #[ink(event)]
    pub struct LotReassigned {
        #[ink(topic)]
        pub gtin: u64,
        #[ink(topic)]
        pub lot: Vec<u8>,
        pub previous: AccountId,
        pub new: AccountId,
    }

    /// One serial was dispensed (bizStep dispensing) to the patient behind `recipient`, a
    /// salted commitment (the patient's wallet finds the event by it).
    #[ink(event)]
    pub struct Dispensed {
        #[ink(topic)]
        pub gtin: u64,
        #[ink(topic)]
        pub lot: Vec<u8>,
        #[ink(topic)]
        pub recipient: Hash,
        pub serial: Vec<u8>,
        pub dispenser: AccountId,
    }

    /// How a shipment in transit ends.
    #[derive(Clone, Copy)]
    enum Settlement {
        /// The recipient takes custody.
        Receive,
        /// The sender takes the units back.
        Cancel,
    }

    /// A partner's stock of one lot, and its place in the lot's custodian list.
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    #[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
    #[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
    struct Holding {
        quantity: u64,
        slot: u32,
    }

    /// The provenance ledger.
    #[ink(storage)]
    pub struct DrugProvenance {
        access: AccessControl,
        lots: Mapping<LotId, Lot>,
        /// (lot, partner) -> units held.
        holdings: Mapping<(LotId, AccountId), Holding>,
        /// (lot, slot) -> custodian; slots 0..custodian_count are filled.
        custodians: Mapping<(LotId, u32), AccountId>,
        custodian_count: Mapping<LotId, u32>,
        /// Units of a lot shipped and not yet received or cancelled.
        in_transit: Mapping<LotId, u64>,
        shipments: Mapping<u64, Shipment>,
        next_shipment: u64,
        /// (lot, serial leaf hash) -> who dispensed it to whom.
        dispensed: Mapping<(LotId, Digest), DispenseRecord>,
        /// (prefix length in digits, GS1 company prefix) -> the manufacturer licensed to
        /// commission GTINs under it.
        company_prefixes: Mapping<(u8, u64), AccountId>,
        /// (lot, sensor) -> the custodian that bound the sensor to the lot.
        sensors: Mapping<(LotId, AccountId), AccountId>,
    }

    impl DrugProvenance {
        /// Deploys the ledger with the caller as admin. The admin registers regulators;
        /// the admin or a regulator registers manufacturers, wholesalers, dispensers
        /// (pharmacies) and sensors with `grant_role`.
        /// Upgrades wait `change_delay` milliseconds between proposal and application (for
        /// example two days on a production chain; 0 in tests).
        #[ink(constructor)]
        pub fn new(change_delay: Timestamp) -> Self {
            Self {
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
                ),
                lots: Mapping::default(),
                holdings: Mapping::default(),
                custodians: Mapping::default(),
                custodian_count: Mapping::default(),
                in_transit: Mapping::default(),
                shipments: Mapping::default(),
                next_shipment: 0,
                dispensed: Mapping::default(),
                company_prefixes: Mapping::default(),
                sensors: Mapping::default(),
            }
        }

        /// Commissions a lot (manufacturer only): GTIN-14 as a number (check digit
        /// verified), lot number (at most 20 printable characters), expiry (milliseconds
        /// since the epoch), units, the Merkle root of the lot's serial numbers and how
        /// many serials it covers (build both with `healthchain merkle root`), the storage
        /// range in hundredths of a degree Celsius (200..800 for 2-8 °C), and the hash of
        /// the certificate of analysis. The caller holds all units. The GTIN's company
        /// prefix must be licensed to the caller (`license_company_prefix`), so nobody
        /// else can commission, and so make genuine-looking, lots of another's products.
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
            if self.licensee(gtin) != Some(manufacturer) {
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
            self.lots.insert(
                id,
                &Lot {
                    gtin,
                    lot: lot.clone(),
                    manufacturer,
                    expiry,
                    quantity,
                    serial_root,
                    serial_count,
                    min_temp,
                    max_temp,
                    certificate,
                    status: LotStatus::Active,
                    commissioned_at: now,
                    dispensed: 0,
                    destroyed: 0,
                    excursions: 0,
                },
            );
            self.add_units(id, manufacturer, quantity)?;
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
        #[ink(message)]
        pub fn licensee(&self, gtin: u64) -> Option<AccountId> {
            (MIN_COMPANY_PREFIX_DIGITS..=MAX_COMPANY_PREFIX_DIGITS)
                .rev()
                .find_map(|digits| {
                    let prefix = company_prefix(gtin, digits)?;
                    self.company_prefixes.get((digits, prefix))
                })
        }

        /// Ships `quantity` units of the lot from the caller to the registered trading
        /// partner `to` (step one of two; `to` calls `receive`). Refused for quarantined,
        /// recalled or expired stock. Returns the shipment id.
        #[ink(message)]
        pub fn ship(
            &mut self,
            gtin: u64,
            lot: Vec<u8>,
            to: AccountId,
            quantity: u64,
        ) -> Result<u64, Error> {
            self.access.ensure_not_paused()?;
            let from = self.env().caller();
            if !self.is_trading_partner(from) {
                return Err(Error::NotATradingPartner);
            }
            if quantity == 0 {
                return Err(Error::ZeroQuantity);
            }
            if to == from {
                return Err(Error::ShipToSelf);
            }
            if !self.is_trading_partner(to) {
                return Err(Error::NotATradingPartner);
            }
            let (id, record) = self.lot(gtin, &lot)?;
            record.ensure_movable(self.env().block_timestamp())?;
            self.remove_units(id, from, quantity)?;
            let in_transit = credit(self.in_transit.get(id).unwrap_or(0), quantity)?;
            self.in_transit.insert(id, &in_transit);
            let shipment = self.next_shipment;
            self.next_shipment = shipment.checked_add(1).ok_or(Error::Overflow)?;
            self.shipments.insert(
                shipment,
                &Shipment {
                    lot_id: id,
                    from,
                    to,
                    quantity,
                    shipped_at: self.env().block_timestamp(),
                },
            );
            self.env().emit_event(Shipped {
                gtin,
                lot,
                to,
                shipment,
                from,
                quantity,
            });
            Ok(shipment)
        }

        /// Receives shipment `shipment` (step two; the recipient only). Custody passes even
        /// if the lot was quarantined in transit: the goods are here, but stay held.
        #[ink(message)]
        pub fn receive(&mut self, shipment: u64) -> Result<(), Error> {
            let (record, lot) = self.settle_shipment(shipment, Settlement::Receive)?;
            self.env().emit_event(Received {
                gtin: lot.gtin,
                lot: lot.lot,
                to: record.to,
                shipment,
                from: record.from,
                quantity: record.quantity,
            });
            Ok(())
        }

        /// Cancels shipment `shipment` before receipt (the sender only); the units return
        /// to the sender.
        #[ink(message)]
        pub fn cancel_shipment(&mut self, shipment: u64) -> Result<(), Error> {
            let (record, lot) = self.settle_shipment(shipment, Settlement::Cancel)?;
            self.env().emit_event(ShipmentCancelled {
                gtin: lot.gtin,
                lot: lot.lot,
                to: record.to,
                shipment,
                from: record.from,
                quantity: record.quantity,
            });
            Ok(())
        }

        /// Binds `sensor` (an account with the Sensor role) to the lot, so that its readings
        /// count for it: a trading partner that holds units of the lot now (its own
        /// stock, in its warehouse or on its trucks), or a regulator.
        #[ink(message)]
        pub fn bind_sensor(
            &mut self,
            gtin: u64,
            lot: Vec<u8>,
            sensor: AccountId,
        ) -> Result<(), Error> {
            self.access.ensure_not_paused()?;
            let (id, _) = self.lot(gtin, &lot)?;
            let by = self.ensure_custodian_or_regulator(id)?;
            if !self.access.has_role(sensor, Role::Sensor) {
                return Err(Error::NotASensor);
            }
            self.sensors.insert((id, sensor), &by);
            self.env().emit_event(SensorBound {
                gtin,
                lot,
                sensor,
                by,
                bound: true,
            });
            Ok(())
        }

        /// Ends a sensor's binding to the lot: the custodian that bound it or a regulator.
        #[ink(message)]
        pub fn unbind_sensor(
            &mut self,
            gtin: u64,
            lot: Vec<u8>,
            sensor: AccountId,
        ) -> Result<(), Error> {
            let (id, _) = self.lot(gtin, &lot)?;
            let binder = self
                .sensors
                .get((id, sensor))
                .ok_or(Error::SensorNotBound)?;
            let by = self.env().caller();
            if by != binder && !self.access.has_role(by, Role::Regulator) {
                return Err(Error::NotACustodian);
            }
            self.sensors.remove((id, sensor));
            self.env().emit_event(SensorBound {
                gtin,
                lot,
                sensor,
                by,
                bound: false,
            });
            Ok(())
        }

        /// Reports a temperature (sensors only), in hundredths of a degree Celsius, for the
        /// lot, optionally naming the shipment it travels in. A reading outside the lot's
        /// range is an excursion: the lot is quarantined at once. Only sensors bound to the
        /// lot (`bind_sensor`) report for it. A safety action: works while the ledger is
        /// paused.
        #[ink(message)]
        pub fn report_temperature(
            &mut self,
            gtin: u64,
            lot: Vec<u8>,
            shipment: Option<u64>,
            centi_celsius: i32,
        ) -> Result<(), Error> {
            let sensor = self.access.ensure_role(Role::Sensor)?;
            let (id, mut record) = self.lot(gtin, &lot)?;
            // Only a sensor a custodian bound to this lot can quarantine it.
            if !self.sensors.contains((id, sensor)) {
                return Err(Error::SensorNotBound);
            }
            if let Some(number) = shipment {
                let travelling = self.shipments.get(number).ok_or(Error::UnknownShipment)?;
                if travelling.lot_id != id {
                    return Err(Error::UnknownShipment);
                }
            }
            let in_range = (record.min_temp..=record.max_temp).contains(&centi_celsius);
            self.env().emit_event(TemperatureRecorded {
                gtin,
                lot: lot.clone(),
                sensor,
                shipment,
                centi_celsius,
                in_range,
            });
            if in_range {
                return Ok(());
            }
            record.excursions = record.excursions.saturating_add(1);
            // A lot already held for a suspect flag is also held for the excursion.
            let quarantine = match record.status {
                LotStatus::Active => Some(QuarantineReasons::default()),
                LotStatus::Quarantined(reasons)
                    if !reasons.contains(QuarantineReason::TemperatureExcursion) =>
                {
                    Some(reasons)
                }
                _ => None,
            };
            if let Some(reasons) = quarantine {
                record.status =
                    LotStatus::Quarantined(reasons.with(QuarantineReason::TemperatureExcursion));
            }
            let quarantine = quarantine.is_some();
            let manufacturer = record.manufacturer;
            self.lots.insert(id, &record);
            if quarantine {
                self.env().emit_event(LotQuarantined {
                    gtin,
                    lot,
                    manufacturer,
                    reason: QuarantineReason::TemperatureExcursion,
                    evidence: None,
                    by: sensor,
                });
            }
            Ok(())
        }

        /// Flags the lot as suspect product, with the hash of the evidence: a trading
        /// partner that holds units of the lot now (DSCSA: its own stock) or a regulator.
        /// The lot is quarantined until the manufacturer or a regulator releases it or
        /// confirms it illegitimate. A safety action: works while the ledger is paused.
        #[ink(message)]
        pub fn flag_suspect(
            &mut self,
            gtin: u64,
            lot: Vec<u8>,
            evidence: Hash,
        ) -> Result<(), Error> {
            if is_zero_hash(evidence.as_ref()) {
                return Err(Error::ZeroHash);
            }
            let (id, mut record) = self.lot(gtin, &lot)?;
            let by = self.ensure_custodian_or_regulator(id)?;
            let reasons = match record.status {
                LotStatus::Active => QuarantineReasons::default(),
                LotStatus::Quarantined(reasons) if !reasons.contains(QuarantineReason::Suspect) => {
                    reasons
                }
                LotStatus::Quarantined(_) => return Err(Error::LotQuarantined),
                LotStatus::Recalled { .. } => return Err(Error::LotRecalled),
            };
            record.status = LotStatus::Quarantined(reasons.with(QuarantineReason::Suspect));
            let manufacturer = record.manufacturer;
            self.lots.insert(id, &record);
            self.env().emit_event(LotQuarantined {
                gtin,
                lot,
                manufacturer,
                reason: QuarantineReason::Suspect,
                evidence: Some(evidence),
                by,
            });
            Ok(())
        }

        /// Clears one reason a lot is quarantined for after its investigation (the lot's
        /// manufacturer or a regulator), with the hash of the investigation report. The lot
        /// returns to supply when no reason is left open; releasing a suspect flag leaves a
        /// later temperature excursion in force, and the other way round.
        #[ink(message)]
        pub fn release_lot(
            &mut self,
            gtin: u64,
            lot: Vec<u8>,
            reason: QuarantineReason,
            investigation: Hash,
        ) -> Result<(), Error> {
            self.access.ensure_not_paused()?;
            if is_zero_hash(investigation.as_ref()) {
                return Err(Error::ZeroHash);
            }
            let (id, mut record) = self.lot(gtin, &lot)?;
            let by = self.ensure_manufacturer_or_regulator(&record)?;
            let LotStatus::Quarantined(reasons) = record.status else {
                return Err(Error::LotNotQuarantined);
            };
            if !reasons.contains(reason) {
                return Err(Error::QuarantineReasonNotOpen);
            }
            let still_open = reasons.without(reason);
            record.status = if still_open.is_empty() {
                LotStatus::Active
            } else {
                LotStatus::Quarantined(still_open)
            };
            let manufacturer = record.manufacturer;
            self.lots.insert(id, &record);
            self.env().emit_event(LotReleased {
                gtin,
                lot,
                manufacturer,
                reason,
                still_open,
                investigation,
                by,
            });
            Ok(())
        }

        /// Confirms a quarantined lot illegitimate (its manufacturer or a regulator): the
        /// lot is recalled as class I with the reason's hash (DSCSA: notify within 24 h).
        /// Works while the ledger is paused.
        #[ink(message)]
        pub fn confirm_illegitimate(
            &mut self,
            gtin: u64,
            lot: Vec<u8>,
            reason: Hash,
        ) -> Result<(), Error> {
            if is_zero_hash(reason.as_ref()) {
                return Err(Error::ZeroHash);
            }
            let (id, record) = self.lot(gtin, &lot)?;
            if !matches!(record.status, LotStatus::Quarantined(_)) {
                return Err(Error::LotNotQuarantined);
            }
            self.recall(id, record, lot, RecallClass::I, reason, true)
        }

        /// Recalls the lot (its manufacturer or a regulator) with an FDA class (I, II, III)
        /// and the hash of the reason. Recalled stock cannot be shipped or dispensed. A
        /// safety action: works while the ledger is paused.
        #[ink(message)]
        pub fn recall_lot(
            &mut self,
            gtin: u64,
            lot: Vec<u8>,
            class: RecallClass,
            reason: Hash,
        ) -> Result<(), Error> {
            if is_zero_hash(reason.as_ref()) {
                return Err(Error::ZeroHash);
            }
            let (id, record) = self.lot(gtin, &lot)?;
            self.recall(id, record, lot, class, reason, false)
        }

        /// Names another registered manufacturer as the lot's manufacturer (regulators
        /// only), for a rotated key or a transferred product line. Who holds the units
        /// does not change.
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
            self.lots.insert(id, &record);
            self.env().emit_event(LotReassigned {
                gtin,
                lot,
                previous,
                new: new_manufacturer,
            });
            Ok(())
        }

        /// Destroys `quantity` of the caller's units of the lot (recalled, expired or
        /// damaged stock), with the hash of the destruction record.
        #[ink(message)]
        pub fn destroy_units(
            &mut self,
            gtin: u64,
            lot: Vec<u8>,
            quantity: u64,
            reason: Hash,
        ) -> Result<(), Error> {
            self.access.ensure_not_paused()?;
            if is_zero_hash(reason.as_ref()) {
                return Err(Error::ZeroHash);
            }
            let holder = self.env().caller();
            if !self.is_trading_partner(holder) {
                return Err(Error::NotATradingPartner);
            }
            if quantity == 0 {
                return Err(Error::ZeroQuantity);
            }
            let (id, mut record) = self.lot(gtin, &lot)?;
            self.remove_units(id, holder, quantity)?;
            record.destroyed = credit(record.destroyed, quantity)?;
            self.lots.insert(id, &record);
            self.env().emit_event(UnitsDestroyed {
                gtin,
                lot,
                holder,
                quantity,
                reason,
            });
            Ok(())
        }

        /// Dispenses one unit (pharmacies only, from their own stock): the serial, its
        /// index among the lot's serials and its Merkle proof (from `healthchain merkle
        /// proof`), and `recipient`, the pharmacy's commitment to the patient
        /// (`recipient_commitment` of the patient's plan pseudonym and a random salt; not
        /// all zeros). A serial not in the lot is refused as counterfeit, a serial already
        /// dispensed as a clone; quarantined, recalled or expired stock is refused.
        #[ink(message)]
        #[allow(clippy::too_many_arguments)]
        pub fn dispense(
            &mut self,
            gtin: u64,
            lot: Vec<u8>,
            serial: Vec<u8>,
            serial_index: u64,
            proof: Vec<Digest>,
            recipient: Hash,
        ) -> Result<(), Error> {
            self.access.ensure_not_paused()?;
            let dispenser = self.access.ensure_role(Role::Dispenser)?;
            if is_zero_hash(recipient.as_ref()) {
                return Err(Error::ZeroHash);
            }
            if !is_gs1_text(&serial, MAX_SERIAL_LEN) {
                return Err(Error::InvalidSerial);
            }
            let (id, mut record) = self.lot(gtin, &lot)?;
            let now = self.env().block_timestamp();
            record.ensure_movable(now)?;
            let leaf = hash_leaf(&serial);
            if !verify_proof(
                &record.serial_root,
                &leaf,
                serial_index,
                record.serial_count,
                &proof,
            )? {
                return Err(Error::Counterfeit);
            }
            if self.dispensed.contains((id, leaf)) {
                return Err(Error::AlreadyDispensed);
            }
            self.remove_units(id, dispenser, 1)?;
            record.dispensed = credit(record.dispensed, 1)?;
            self.lots.insert(id, &record);
            self.dispensed.insert(
                (id, leaf),
                &DispenseRecord {
                    recipient,
                    dispenser,
                    dispensed_at: now,
                },
            );
            self.env().emit_event(Dispensed {
                gtin,
                lot,
                recipient,
                serial,
                dispenser,
            });
            Ok(())
        }

        /// The status of one unit, as a pharmacist's scan or a saleable-return check asks:
        /// genuine, dispensed, quarantined, recalled, expired, or unknown (no such lot, or
        /// a serial and proof that do not match it: treat as counterfeit). Status only:
        /// whoever holds a package learns nothing of whom it was dispensed to.
        #[ink(message)]
        pub fn verify_unit(
            &self,
            gtin: u64,
            lot: Vec<u8>,
            serial: Vec<u8>,
            serial_index: u64,
            proof: Vec<Digest>,
        ) -> UnitStatus {
            let Ok((id, record)) = self.lot(gtin, &lot) else {
                return UnitStatus::Unknown;
            };
            let leaf = hash_leaf(&serial);
            if !is_gs1_text(&serial, MAX_SERIAL_LEN)
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
            if self.dispensed.contains((id, leaf)) {
                return UnitStatus::Dispensed;
            }
            match record.status {
                LotStatus::Recalled { class, .. } => UnitStatus::Recalled(class),
                LotStatus::Quarantined(reason) => UnitStatus::Quarantined(reason),
                LotStatus::Active if record.is_expired(self.env().block_timestamp()) => {
                    UnitStatus::Expired
                }
                LotStatus::Active => UnitStatus::Genuine,
            }
        }

        /// The lot, whether it has expired, how many partners hold it, and how many units
        /// are in transit; `None` for an unknown GTIN and lot.
        #[ink(message)]
        pub fn lot_state(&self, gtin: u64, lot: Vec<u8>) -> Option<LotState> {
            let (id, record) = self.lot(gtin, &lot).ok()?;
            Some(LotState {
                expired: record.is_expired(self.env().block_timestamp()),
                custodian_count: self.custodian_count.get(id).unwrap_or(0),
                in_transit: self.in_transit.get(id).unwrap_or(0),
                lot: record,
            })
        }

        /// The lot's custodians and the units each holds, `limit` (at most 64) of them
        /// from position `start`, for paging through a widely distributed lot.
        #[ink(message)]
        pub fn custodians(
            &self,
            gtin: u64,
            lot: Vec<u8>,
            start: u32,
            limit: u32,
        ) -> Vec<(AccountId, u64)> {
            let id = lot_id(gtin, &lot);
            let count = self.custodian_count.get(id).unwrap_or(0);
            let end = start
                .saturating_add(limit.min(MAX_CUSTODIANS_PAGE))
                .min(count);
            (start..end)
                .filter_map(|slot| self.custodians.get((id, slot)))
                .map(|partner| (partner, self.holding_of(id, partner).quantity))
                .collect()
        }

        /// Units of the lot that `partner` holds.
        #[ink(message)]
        pub fn holding(&self, gtin: u64, lot: Vec<u8>, partner: AccountId) -> u64 {
            self.holding_of(lot_id(gtin, &lot), partner).quantity
        }

        /// Shipment `shipment`, while it is in transit.
        #[ink(message)]
        pub fn shipment(&self, shipment: u64) -> Option<Shipment> {
            self.shipments.get(shipment)
        }

        fn lot(&self, gtin: u64, lot: &[u8]) -> Result<(LotId, Lot), Error> {
            let id = lot_id(gtin, lot);
            let record = self.lots.get(id).ok_or(Error::UnknownLot)?;
            Ok((id, record))
        }

        fn is_trading_partner(&self, account: AccountId) -> bool {
            let roles = self.access.roles_of(account);
            roles.contains(Role::Manufacturer)
                || roles.contains(Role::Wholesaler)
                || roles.contains(Role::Dispenser)
        }

        /// The caller, if it is a regulator, or a trading partner holding units of the
        /// lot now.
        fn ensure_custodian_or_regulator(&self, id: LotId) -> Result<AccountId, Error> {
            let caller = self.env().caller();
            if self.access.has_role(caller, Role::Regulator) {
                return Ok(caller);
            }
            if !self.is_trading_partner(caller) {
                return Err(Error::NotATradingPartner);
            }
            if self.holdings.get((id, caller)).unwrap_or_default().quantity == 0 {
                return Err(Error::NotACustodian);
            }
            Ok(caller)
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

        fn recall(
            &mut self,
            id: LotId,
            mut record: Lot,
            lot: Vec<u8>,
            class: RecallClass,
            reason: Hash,
            illegitimate: bool,
        ) -> Result<(), Error> {
            let by = self.ensure_manufacturer_or_regulator(&record)?;
            if matches!(record.status, LotStatus::Recalled { .. }) {
                return Err(Error::LotAlreadyRecalled);
            }
            record.status = LotStatus::Recalled {
                class,
                reason,
                illegitimate,
            };
            let (gtin, manufacturer) = (record.gtin, record.manufacturer);
            self.lots.insert(id, &record);
            self.env().emit_event(LotRecalled {
                gtin,
                lot,
                manufacturer,
                class,
                reason,
                illegitimate,
                by,
            });
            Ok(())
        }

        fn holding_of(&self, id: LotId, partner: AccountId) -> Holding {
            self.holdings.get((id, partner)).unwrap_or_default()
        }

        /// Ends a shipment in transit: the recipient receives it, or the sender cancels it.
        /// The units go to the caller; returns the shipment and its lot.
        fn settle_shipment(
            &mut self,
            shipment: u64,
            settlement: Settlement,
        ) -> Result<(Shipment, Lot), Error> {
            self.access.ensure_not_paused()?;
            let caller = self.env().caller();
            let record = self.shipments.get(shipment).ok_or(Error::UnknownShipment)?;
            match settlement {
                Settlement::Receive if record.to != caller => return Err(Error::NotTheRecipient),
                Settlement::Cancel if record.from != caller => return Err(Error::NotTheSender),
                _ => {}
            }
            let lot = self.lots.get(record.lot_id).ok_or(Error::UnknownLot)?;
            self.close_shipment(shipment, &record)?;
            self.add_units(record.lot_id, caller, record.quantity)?;
            Ok((record, lot))
        }

        /// Removes a shipment and its units from the in-transit count.
        fn close_shipment(&mut self, shipment: u64, record: &Shipment) -> Result<(), Error> {
            let in_transit = debit(
                self.in_transit.get(record.lot_id).unwrap_or(0),
                record.quantity,
            )
            .map_err(|_| Error::Overflow)?;
            if in_transit == 0 {
                self.in_transit.remove(record.lot_id);
            } else {
                self.in_transit.insert(record.lot_id, &in_transit);
            }
            self.shipments.remove(shipment);
            Ok(())
        }

        /// Adds units to a partner's holding, listing it as a custodian if it is new.
        fn add_units(&mut self, id: LotId, partner: AccountId, quantity: u64) -> Result<(), Error> {
            let key = (id, partner);
            match self.holdings.get(key) {
                Some(mut holding) => {
                    holding.quantity = credit(holding.quantity, quantity)?;
                    self.holdings.insert(key, &holding);
                }
                None => {
                    let slot = self.custodian_count.get(id).unwrap_or(0);
                    self.custodians.insert((id, slot), &partner);
                    self.custodian_count
                        .insert(id, &slot.checked_add(1).ok_or(Error::Overflow)?);
                    self.holdings.insert(key, &Holding { quantity, slot });
                }
            }
            Ok(())
        }

        /// Takes units from a partner's holding; an emptied holding leaves the custodian
        /// list (the last custodian takes its slot) and refunds its deposit.
        fn remove_units(
            &mut self,
            id: LotId,
            partner: AccountId,
            quantity: u64,
        ) -> Result<(), Error> {
            let key = (id, partner);
            let mut holding = self.holdings.get(key).ok_or(Error::InsufficientHoldings)?;
            holding.quantity = debit(holding.quantity, quantity)?;
            if holding.quantity > 0 {
                self.holdings.insert(key, &holding);
                return Ok(());
            }
            self.holdings.remove(key);
            let last = self
                .custodian_count
                .get(id)
                .unwrap_or(0)
                .checked_sub(1)
                .ok_or(Error::Overflow)?;
            if holding.slot != last {
                if let Some(moved) = self.custodians.get((id, last)) {
                    self.custodians.insert((id, holding.slot), &moved);
                    let mut moved_holding = self.holding_of(id, moved);
                    moved_holding.slot = holding.slot;
                    self.holdings.insert((id, moved), &moved_holding);
                }
            }
            self.custodians.remove((id, last));
            if last == 0 {
                self.custodian_count.remove(id);
            } else {
                self.custodian_count.insert(id, &last);
            }
            Ok(())
        }
    }

    impl ProvenanceCheck for DrugProvenance {
        /// Who dispensed the unit (GTIN, lot, serial), when and to which commitment, and
        /// whether its lot is quarantined or recalled now; `None` when that serial was
        /// never dispensed.
        #[ink(message)]
        fn dispensed_unit(
            &self,
            gtin: u64,
            lot: Vec<u8>,
            serial: Vec<u8>,
        ) -> Option<DispensedUnit> {
            let (id, record) = self.lot(gtin, &lot).ok()?;
            let dispensed = self.dispensed.get((id, hash_leaf(&serial)))?;
            Some(DispensedUnit {
                recipient: dispensed.recipient,
                dispenser: dispensed.dispenser,
                dispensed_at: dispensed.dispensed_at,
                lot_quarantined: matches!(record.status, LotStatus::Quarantined(_)),
                lot_recalled: matches!(record.status, LotStatus::Recalled { .. }),
            })
        }

        /// `dispensed_unit` for each of `units` (GTIN, lot, serial), in order, in one call:
        /// a payer checks a whole claim at once. At most 50 units are answered.
        #[ink(message)]
        fn dispensed_units(&self, units: Vec<UnitId>) -> Vec<Option<DispensedUnit>> {
            units
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
            self.access.admin()
        }

        /// The proposed next admin, if a transfer is pending.
        #[ink(message)]
        fn pending_admin(&self) -> Option<AccountId> {
            self.access.pending_admin()
        }

        /// Whether `account` holds `role` here (Manufacturer, Wholesaler, Dispenser,
        /// Sensor, Regulator).
        #[ink(message)]
        fn has_role(&self, account: AccountId, role: Role) -> bool {
            self.access.has_role(account, role)
        }

        /// Whether the ledger is paused.
        #[ink(message)]
        fn paused(&self) -> bool {
            self.access.is_paused()
        }

        /// Proposes a new admin; it takes over when it calls `accept_admin`. Admin only.
        #[ink(message)]
        fn transfer_admin(&mut self, new_admin: AccountId) -> Result<(), AccessError> {
            self.access.transfer_admin(new_admin)
        }

        /// Accepts the admin role proposed to the caller.
        #[ink(message)]
        fn accept_admin(&mut self) -> Result<(), AccessError> {
            self.access.accept_admin()
        }

        /// Registers `account` in `role`. The admin for any role; a regulator for every
        /// role but Regulator.
        #[ink(message)]
        fn grant_role(&mut self, role: Role, account: AccountId) -> Result<(), AccessError> {
            self.access.grant_role(role, account)
        }

        /// Deregisters `account` from `role`. The admin, or a regulator (not for Regulator).
        #[ink(message)]
        fn revoke_role(&mut self, role: Role, account: AccountId) -> Result<(), AccessError> {
            self.access.revoke_role(role, account)
        }

        /// Gives up one of the caller's own roles.
        #[ink(message)]
        fn renounce_role(&mut self, role: Role) -> Result<(), AccessError> {
            self.access.renounce_role(role)
        }

        /// Pauses the ledger: no commissioning, shipping, sensing, recalls or dispensing
        /// until unpaused. Admin only.
        #[ink(message)]
        fn pause(&mut self) -> Result<(), AccessError> {
            self.access.pause()
        }

        /// Resumes the ledger. Admin only.
        #[ink(message)]
        fn unpause(&mut self) -> Result<(), AccessError> {
            self.access.unpause()
        }

        /// The delay (milliseconds) between proposing and applying an upgrade or a
        /// rewiring, fixed at construction.
        #[ink(message)]
        fn change_delay(&self) -> Timestamp {
            self.access.change_delay()
        }

        /// The proposed upgrade or rewiring waiting for its delay, if any.
        #[ink(message)]
        fn pending_change(&self) -> Option<PendingChange> {
            self.access.pending_change()
        }

        /// Proposes upgrading to the uploaded code `code_hash` (step one of two), with the
        /// uploaded `migration` that rewrites the storage when the new version's layout
        /// differs (none otherwise), and a `ChangeProposed` event; returns when it may be
        /// applied. Admin only.
        #[ink(message)]
        fn propose_code(
            &mut self,
            code_hash: Hash,
            migration: Option<Hash>,
        ) -> Result<Timestamp, AccessError> {
            self.access.propose_code(code_hash, migration)
        }

        /// Applies the proposed upgrade once the change delay has passed: runs its migration,
        /// if any, and swaps the code, keeping every lot and record. Admin only.
        #[ink(message)]
        fn apply_code(&mut self) -> Result<(), AccessError> {
            self.access.apply_code()
        }

        /// Cancels the pending upgrade or rewiring. Admin only.
        #[ink(message)]
        fn cancel_change(&mut self) -> Result<(), AccessError> {
            self.access.cancel_change()
        }
    }
}

#[cfg(test)]
mod tests;
