//! drug_provenance's records and rules (GS1 / DSCSA words), apart from the ink! glue so
//! that plain tests and property tests reach them.

use healthchain_common::{
    access::AccessError,
    merkle::{Digest, ProofError},
    AccountId, Hash, Timestamp,
};
use ink::prelude::vec::Vec;

/// GS1 lot numbers (AI 10) and serial numbers (AI 21) are at most 20 characters.
pub const MAX_LOT_LEN: usize = 20;
/// See [`MAX_LOT_LEN`].
pub const MAX_SERIAL_LEN: usize = 20;
/// The largest GTIN-14 (14 decimal digits).
pub const MAX_GTIN: u64 = 99_999_999_999_999;

/// A lot's key: BLAKE2b-256 of the GTIN (8 bytes, big endian) and the lot number, so that
/// storage keys have a fixed size.
pub type LotId = Digest;

/// The shortest and longest GS1 company prefix (GS1 General Specifications 1.4.4), in
/// digits. A licence of 12 digits names one GTIN (every packaging indicator of it).
pub const MIN_COMPANY_PREFIX_DIGITS: u8 = 6;
pub const MAX_COMPANY_PREFIX_DIGITS: u8 = 12;

/// The first `digits` digits of `gtin` after its packaging indicator: the GS1 company
/// prefix, when `digits` is that company's prefix length. `None` for a length outside
/// 6..=12.
pub fn company_prefix(gtin: u64, digits: u8) -> Option<u64> {
    if !(MIN_COMPANY_PREFIX_DIGITS..=MAX_COMPANY_PREFIX_DIGITS).contains(&digits) {
        return None;
    }
    // A GTIN-14 is the indicator, 12 digits of company prefix and item reference, and
    // the check digit: drop the indicator, then the digits after the prefix.
    let without_indicator = gtin.checked_rem(10u64.checked_pow(13)?)?;
    without_indicator.checked_div(10u64.checked_pow(13u32.checked_sub(u32::from(digits))?)?)
}

/// Whether `gtin` is a GTIN-14 (GTIN-8/12/13 zero-padded) with a correct GS1 check digit.
pub fn gtin_is_valid(gtin: u64) -> bool {
    if gtin == 0 || gtin > MAX_GTIN {
        return false;
    }
    let check = gtin % 10;
    let mut body = gtin / 10;
    // From the right, the body's digits weigh 3, 1, 3, 1, ...
    let mut sum = 0u64;
    let mut weight = 3u64;
    while body > 0 {
        sum = sum.saturating_add((body % 10).saturating_mul(weight));
        body /= 10;
        weight = if weight == 3 { 1 } else { 3 };
    }
    let remainder = sum % 10;
    let expected = if remainder == 0 {
        0
    } else {
        10u64.saturating_sub(remainder)
    };
    expected == check
}

/// Whether `text` is a valid GS1 lot or serial of at most `max` characters: printable
/// ASCII without spaces (the GS1 AI encodable character set is a subset).
pub fn is_gs1_text(text: &[u8], max: usize) -> bool {
    healthchain_common::is_printable_id(text, max)
}

/// The key of the lot `lot` of product `gtin`.
pub fn lot_id(gtin: u64, lot: &[u8]) -> LotId {
    let mut input = Vec::with_capacity(lot.len().saturating_add(8));
    input.extend_from_slice(&gtin.to_be_bytes());
    input.extend_from_slice(lot);
    healthchain_common::merkle::blake2_256(&input)
}

/// FDA recall classification.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecallClass {
    /// Reasonable probability of serious adverse health consequences or death.
    I,
    /// May cause temporary or reversible adverse health consequences.
    II,
    /// Not likely to cause adverse health consequences.
    III,
}

/// Why a lot is quarantined.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuarantineReason {
    /// A sensor reported a temperature outside the lot's storage range.
    TemperatureExcursion,
    /// A trading partner flagged the product as suspect (DSCSA).
    Suspect,
}

/// Every reason a lot is held for at once: an excursion and a suspect flag are separate
/// investigations, and releasing one leaves the other in force.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct QuarantineReasons {
    pub temperature_excursion: bool,
    pub suspect: bool,
}

impl QuarantineReasons {
    /// The set of one reason.
    pub fn of(reason: QuarantineReason) -> Self {
        Self::default().with(reason)
    }

    /// The set with `reason` added.
    pub fn with(mut self, reason: QuarantineReason) -> Self {
        *self.slot(reason) = true;
        self
    }

    /// The set with `reason` removed.
    pub fn without(mut self, reason: QuarantineReason) -> Self {
        *self.slot(reason) = false;
        self
    }

    /// Whether `reason` is open.
    pub fn contains(self, reason: QuarantineReason) -> bool {
        match reason {
            QuarantineReason::TemperatureExcursion => self.temperature_excursion,
            QuarantineReason::Suspect => self.suspect,
        }
    }

    /// Whether no reason is open.
    pub fn is_empty(self) -> bool {
        !self.temperature_excursion && !self.suspect
    }

    fn slot(&mut self, reason: QuarantineReason) -> &mut bool {
        match reason {
            QuarantineReason::TemperatureExcursion => &mut self.temperature_excursion,
            QuarantineReason::Suspect => &mut self.suspect,
        }
    }
}

/// Where a lot stands (GS1 EPCIS disposition).
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LotStatus {
    /// In supply: may be shipped and dispensed.
    Active,
    /// Held until the manufacturer or a regulator releases every open reason, or confirms
    /// it illegitimate.
    Quarantined(QuarantineReasons),
    /// Recalled; `illegitimate` when a suspect was confirmed illegitimate.
    Recalled {
        class: RecallClass,
        reason: Hash,
        illegitimate: bool,
    },
}

/// One commissioned lot.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lot {
    pub gtin: u64,
    pub lot: Vec<u8>,
    pub manufacturer: AccountId,
    /// Expiry (milliseconds since the epoch): expired stock is neither shipped nor dispensed.
    pub expiry: Timestamp,
    /// Units commissioned.
    pub quantity: u64,
    /// Merkle root of the lot's serial numbers (see `healthchain_common::merkle`).
    pub serial_root: Digest,
    /// How many serials the root covers (needed to check a proof).
    pub serial_count: u64,
    /// Storage range, in hundredths of a degree Celsius.
    pub min_temp: i32,
    pub max_temp: i32,
    /// Hash of the certificate of analysis.
    pub certificate: Hash,
    pub status: LotStatus,
    pub commissioned_at: Timestamp,
    /// Units dispensed to patients.
    pub dispensed: u64,
    /// Units destroyed (decommissioned) by their holders.
    pub destroyed: u64,
    /// Temperature excursions reported so far.
    pub excursions: u32,
}

impl Lot {
    /// Whether the lot has expired at `now`.
    pub fn is_expired(&self, now: Timestamp) -> bool {
        now >= self.expiry
    }

    /// Refuses unless the lot's stock may move (ship, receive, dispense) at `now`.
    pub fn ensure_movable(&self, now: Timestamp) -> Result<(), Error> {
        match self.status {
            LotStatus::Active if self.is_expired(now) => Err(Error::LotExpired),
            LotStatus::Active => Ok(()),
            LotStatus::Quarantined(_) => Err(Error::LotQuarantined),
            LotStatus::Recalled { .. } => Err(Error::LotRecalled),
        }
    }

    /// Units still in the supply chain (held or in transit).
    pub fn in_supply(&self) -> u64 {
        self.quantity
            .saturating_sub(self.dispensed)
            .saturating_sub(self.destroyed)
    }
}

/// A shipment between two steps of custody (GS1 shipping, then receiving).
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shipment {
    pub lot_id: LotId,
    pub from: AccountId,
    pub to: AccountId,
    pub quantity: u64,
    pub shipped_at: Timestamp,
}

/// A unit handed to a patient.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DispenseRecord {
    /// The pharmacy's salted commitment to the patient, never the account.
    pub recipient: Hash,
    pub dispenser: AccountId,
    pub dispensed_at: Timestamp,
}

/// The answer to a barcode scan or a saleable-return check.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnitStatus {
    /// Genuine and in supply: may be sold or dispensed.
    Genuine,
    /// Genuine, already dispensed (a second unit with this serial is a clone). To whom is
    /// not answered: a package in anyone's hands must not lead to its patient.
    Dispensed,
    /// Genuine, but its lot is quarantined (for every reason open).
    Quarantined(QuarantineReasons),
    /// Genuine, but its lot is recalled.
    Recalled(RecallClass),
    /// Genuine, but its lot has expired.
    Expired,
    /// No such lot, or the serial is not in it: treat as counterfeit.
    Unknown,
}

/// A lot as a lot view shows it. Who holds how much is paged by the `custodians` message,
/// since a lot can reach thousands of pharmacies.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LotState {
    pub lot: Lot,
    pub expired: bool,
    /// How many partners hold units of the lot now.
    pub custodian_count: u32,
    /// Units shipped and not yet received or cancelled.
    pub in_transit: u64,
}

/// Why drug_provenance refused a call. Nothing changes when a call is refused.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Error {
    /// An admin, role or pause check failed.
    Access(AccessError),
    /// The GTIN is not 14 digits with a correct GS1 check digit.
    InvalidGtin,
    /// The lot number is empty, longer than 20 characters or not printable ASCII.
    InvalidLot,
    /// The serial number is empty, longer than 20 characters or not printable ASCII.
    InvalidSerial,
    /// A quantity or serial count of zero.
    ZeroQuantity,
    /// The lot has more units than its serial root covers.
    QuantityExceedsSerials,
    /// The expiry is not in the future.
    ExpiryInPast,
    /// The minimum storage temperature is not below the maximum.
    InvalidTemperatureRange,
    /// That GTIN and lot were already commissioned.
    LotAlreadyCommissioned,
    /// No lot with that GTIN and lot number.
    UnknownLot,
    /// The recipient is not a registered trading partner.
    NotATradingPartner,
    /// A partner cannot ship to itself.
    ShipToSelf,
    /// The caller holds fewer units of the lot than asked.
    InsufficientHoldings,
    /// No shipment with that id.
    UnknownShipment,
    /// The shipment is addressed to someone else.
    NotTheRecipient,
    /// Only the sender can cancel a shipment.
    NotTheSender,
    /// The lot is quarantined.
    LotQuarantined,
    /// The lot is recalled.
    LotRecalled,
    /// The lot has expired.
    LotExpired,
    /// The lot is not quarantined.
    LotNotQuarantined,
    /// The lot is already recalled.
    LotAlreadyRecalled,
    /// Only the lot's manufacturer or a regulator may do this.
    NotManufacturerOrRegulator,
    /// The serial is not in the lot: a counterfeit.
    Counterfeit,
    /// The serial was already dispensed: a clone.
    AlreadyDispensed,
    /// The Merkle proof has more than 32 hashes.
    ProofTooLong,
    /// The serial's index is not below the lot's serial count.
    SerialIndexOutOfRange,
    /// A quantity overflowed.
    Overflow,
    /// A document hash (certificate of analysis, evidence, investigation, reason) is all
    /// zeros: it names no document.
    ZeroHash,
    /// A trading partner flags only a lot it holds units of now.
    NotACustodian,
    /// The lot is not held for the reason the release names.
    QuarantineReasonNotOpen,
    /// The sensor is not bound to this lot: a custodian binds it first (`bind_sensor`).
    SensorNotBound,
    /// The account named does not hold the Sensor role.
    NotASensor,
    /// The GTIN's GS1 company prefix is not licensed to the caller: a regulator licenses
    /// prefixes to manufacturers before they commission lots.
    GtinNotLicensed,
    /// A company prefix must have 6 to 12 digits and fit them.
    InvalidCompanyPrefix,
    /// A shorter prefix that this one starts with is licensed to another manufacturer.
    CompanyPrefixOverlaps,
    /// The account named does not hold the Manufacturer role.
    NotAManufacturer,
}

impl From<AccessError> for Error {
    fn from(error: AccessError) -> Self {
        Error::Access(error)
    }
}

impl From<ProofError> for Error {
    fn from(error: ProofError) -> Self {
        match error {
            ProofError::ProofTooLong => Error::ProofTooLong,
            ProofError::IndexOutOfRange => Error::SerialIndexOutOfRange,
        }
    }
}

/// The fields of a lot to commission, checked together.
pub struct Commission<'a> {
    pub gtin: u64,
    pub lot: &'a [u8],
    pub expiry: Timestamp,
    pub quantity: u64,
    pub serial_count: u64,
    pub min_temp: i32,
    pub max_temp: i32,
}

/// Checks a lot to commission at `now`.
pub fn validate_commission(c: &Commission, now: Timestamp) -> Result<(), Error> {
    if !gtin_is_valid(c.gtin) {
        return Err(Error::InvalidGtin);
    }
    if !is_gs1_text(c.lot, MAX_LOT_LEN) {
        return Err(Error::InvalidLot);
    }
    if c.quantity == 0 || c.serial_count == 0 {
        return Err(Error::ZeroQuantity);
    }
    if c.quantity > c.serial_count {
        return Err(Error::QuantityExceedsSerials);
    }
    if c.expiry <= now {
        return Err(Error::ExpiryInPast);
    }
    if c.min_temp >= c.max_temp {
        return Err(Error::InvalidTemperatureRange);
    }
    Ok(())
}

/// `held - quantity`, refused when short.
pub fn debit(held: u64, quantity: u64) -> Result<u64, Error> {
    held.checked_sub(quantity)
        .ok_or(Error::InsufficientHoldings)
}

/// `held + quantity`, refused on overflow.
pub fn credit(held: u64, quantity: u64) -> Result<u64, Error> {
    held.checked_add(quantity).ok_or(Error::Overflow)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn company_prefixes_are_read_after_the_indicator() {
        // Indicator 1, company prefix 0012345, item 67890, check digit 2.
        let gtin = 10_012_345_678_902;
        assert_eq!(company_prefix(gtin, 7), Some(12_345));
        assert_eq!(company_prefix(gtin, 12), Some(1_234_567_890));
        assert_eq!(company_prefix(gtin, 6), Some(1_234));
        assert_eq!(company_prefix(gtin, 5), None);
        assert_eq!(company_prefix(gtin, 13), None);
        // Another packaging level of the same item: same prefix.
        assert_eq!(company_prefix(50_012_345_678_900, 7), Some(12_345));
    }

    #[test]
    fn gtin_check_digits() {
        // GS1's own examples: GTIN-14 10012345678902, GTIN-13 4006381333931, GTIN-12
        // 036000291452 (zero-padded to 14 digits, as a number).
        assert!(gtin_is_valid(10_012_345_678_902));
        assert!(gtin_is_valid(4_006_381_333_931));
        assert!(gtin_is_valid(36_000_291_452));
        assert!(!gtin_is_valid(10_012_345_678_903));
        assert!(!gtin_is_valid(4_006_381_333_932));
        assert!(!gtin_is_valid(0));
        assert!(!gtin_is_valid(100_000_000_000_000));
    }

    #[test]
    fn every_wrong_check_digit_is_refused() {
        let body = 1_001_234_567_890u64; // 13 digits; 2 is the right check digit
        for check in 0..10 {
            assert_eq!(
                gtin_is_valid(body * 10 + check),
                check == 2,
                "check digit {check}"
            );
        }
    }

    #[test]
    fn gs1_text_bounds() {
        assert!(is_gs1_text(b"LOT-2026A", MAX_LOT_LEN));
        assert!(is_gs1_text(&[b'9'; 20], MAX_LOT_LEN));
        assert!(!is_gs1_text(&[b'9'; 21], MAX_LOT_LEN));
        assert!(!is_gs1_text(b"", MAX_LOT_LEN));
        assert!(!is_gs1_text(b"LOT 1", MAX_LOT_LEN));
        assert!(!is_gs1_text("LOTé".as_bytes(), MAX_LOT_LEN));
    }

    #[test]
    fn lot_ids_differ_by_gtin_and_lot() {
        assert_ne!(
            lot_id(10_012_345_678_902, b"A1"),
            lot_id(10_012_345_678_902, b"A2")
        );
        assert_ne!(
            lot_id(10_012_345_678_902, b"A1"),
            lot_id(4_006_381_333_931, b"A1")
        );
        assert_eq!(
            lot_id(10_012_345_678_902, b"A1"),
            lot_id(10_012_345_678_902, b"A1")
        );
    }

    #[test]
    fn commission_reasons() {
        let ok = Commission {
            gtin: 10_012_345_678_902,
            lot: b"L1",
            expiry: 100,
            quantity: 10,
            serial_count: 16,
            min_temp: 200,
            max_temp: 800,
        };
        assert_eq!(validate_commission(&ok, 50), Ok(()));
        let bad = |f: &dyn Fn(&mut Commission)| {
            let mut c = Commission { lot: ok.lot, ..ok };
            f(&mut c);
            validate_commission(&c, 50)
        };
        assert_eq!(bad(&|c| c.gtin += 1), Err(Error::InvalidGtin));
        assert_eq!(bad(&|c| c.lot = b"LOT NUMBER 1"), Err(Error::InvalidLot));
        assert_eq!(bad(&|c| c.quantity = 0), Err(Error::ZeroQuantity));
        assert_eq!(
            bad(&|c| c.quantity = 17),
            Err(Error::QuantityExceedsSerials)
        );
        assert_eq!(bad(&|c| c.expiry = 50), Err(Error::ExpiryInPast));
        assert_eq!(
            bad(&|c| c.min_temp = 800),
            Err(Error::InvalidTemperatureRange)
        );
    }

    #[test]
    fn quantities_never_go_negative_or_wrap() {
        assert_eq!(debit(5, 5), Ok(0));
        assert_eq!(debit(5, 6), Err(Error::InsufficientHoldings));
        assert_eq!(credit(u64::MAX, 1), Err(Error::Overflow));
    }
}
