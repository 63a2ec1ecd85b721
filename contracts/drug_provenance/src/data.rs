//! drug_provenance's records and rules (GS1 / DSCSA words), apart from the ink! glue so
//! that plain tests and property tests reach them.

use healthchain_common::{
    access::AccessError,
    codec::decode_bytes,
    merkle::{decode_proof, hash_leaf, Digest, ProofError},
    AccountId, Hash, Timestamp,
};
use ink::prelude::vec::Vec;

/// GS1 lot numbers (AI 10) and serial numbers (AI 21): at most 20 characters, and the
/// rule for their text (the suite's, shared with the command-line tool).
pub use healthchain_common::{is_gs1_text, MAX_LOT_LEN, MAX_SERIAL_LEN};
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
    gtin != 0 && gtin <= MAX_GTIN && check_digit_is_valid(gtin)
}

/// Whether the last digit of `number` is the GS1 mod-10 check digit of the others (GTIN,
/// SSCC and GLN share it).
fn check_digit_is_valid(number: u64) -> bool {
    let check = number % 10;
    let mut body = number / 10;
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

/// The key of the lot `lot` of product `gtin`: the hash of the GTIN (big endian) and the
/// lot number, put together on the stack (a vector's was 62 bytes of every dispense's
/// proof). A lot number longer than any lot may have ([`MAX_LOT_LEN`]) names no lot, and
/// is cut to one byte more than that: its key stays apart from every lot's, whose input is
/// shorter.
pub fn lot_id(gtin: u64, lot: &[u8]) -> LotId {
    let mut input = [0u8; 8 + MAX_LOT_LEN + 1];
    let (head, tail) = input.split_at_mut(8);
    head.copy_from_slice(&gtin.to_be_bytes());
    let len = lot.len().min(tail.len());
    let (used, _) = tail.split_at_mut(len);
    used.copy_from_slice(lot.get(..len).unwrap_or_default());
    let (message, _) = input.split_at(len.saturating_add(8));
    healthchain_common::merkle::blake2_256(message)
}

/// The leaf of a package's serial in its lot's tree (`hash_leaf`). A serial longer than
/// any GS1 serial ([`MAX_SERIAL_LEN`]) names no package and is cut to one byte more than
/// that: its leaf stays apart from every package's.
pub fn serial_leaf(serial: &[u8]) -> Digest {
    let cut = serial.get(..MAX_SERIAL_LEN + 1).unwrap_or(serial);
    // The ledger's own build (every dispense and drug claim) hashes it from the stack and
    // so carries no vector's code; the library shares `hash_leaf`, whose vector path its
    // case leaves need anyway (208 bytes less there than a copy of the stack path).
    #[cfg(healthchain_contract)]
    return healthchain_common::merkle::hash_short_leaf(cut).unwrap_or_default();
    #[cfg(not(healthchain_contract))]
    hash_leaf(cut)
}

/// The largest SSCC (AI 00: extension digit, company prefix, serial reference and check
/// digit, 18 digits).
pub const MAX_SSCC: u64 = 999_999_999_999_999_999;

/// A Serial Shipping Container Code: a case, tote or pallet.
pub type Sscc = u64;

/// Whether `sscc` is 18 digits (zero-padded) with a correct GS1 check digit.
pub fn sscc_is_valid(sscc: Sscc) -> bool {
    sscc != 0 && sscc <= MAX_SSCC && check_digit_is_valid(sscc)
}

/// The most cases one pallet lists when it is opened, and the most items one shipment
/// names: both bound the work of one call.
pub const MAX_CASES_PER_PALLET: usize = 128;
/// See [`MAX_CASES_PER_PALLET`].
pub const MAX_SHIPMENT_ITEMS: usize = 16;

/// The most items one batch message (`dispense_batch`, `report_temperatures`) takes.
pub const MAX_BATCH: usize = 32;

/// DSCSA gives a trading partner 24 hours from determining a product illegitimate to notify
/// FDA (Form 3911) and its trading partners (FD&C 582(b)(4)(B)).
pub const NOTIFICATION_WINDOW: Timestamp = healthchain_common::DAY;

/// The domain of a case's leaf in its pallet's Merkle tree.
pub const CASE_LEAF_DOMAIN: &[u8] = b"healthchain/case";

/// The leaf of a case in its pallet's contents: BLAKE2b-256 leaf hash of SCALE(domain,
/// SSCC, contents root, package count). A pallet commits to its cases this way, so that
/// 10,000 packages on a pallet cost one write.
pub fn case_leaf(case: &CaseSpec) -> Digest {
    let encoded =
        ink::scale::Encode::encode(&(CASE_LEAF_DOMAIN, case.sscc, case.contents, case.count));
    hash_leaf(&encoded)
}

/// The expiry date printed on the packages of a lot expiring at `expiry` (milliseconds
/// since the epoch): GS1 AI 17, YYMMDD, of its UTC date.
pub fn printed_expiry(expiry: Timestamp) -> u32 {
    let (year, month, day) = civil_date(expiry);
    // At most 991231: fits.
    u32::try_from(
        (year % 100)
            .saturating_mul(10_000)
            .saturating_add(month.saturating_mul(100))
            .saturating_add(day),
    )
    .unwrap_or(u32::MAX)
}

/// Whether the date printed on a package (YYMMDD; day 00 means the end of the month, as
/// GS1 allows) is `lot`, a lot's own printed expiry ([`Lot::printed_expiry`]).
pub fn expiry_matches(printed: u32, lot: u32) -> bool {
    printed == lot || (printed % 100 == 0 && printed / 100 == lot / 100)
}

/// `body` with its GS1 mod-10 check digit appended (for building SSCCs and GTINs).
pub fn with_check_digit(body: u64) -> u64 {
    let base = body.saturating_mul(10);
    (0..10u64)
        .map(|digit| base.saturating_add(digit))
        .find(|candidate| check_digit_is_valid(*candidate))
        .unwrap_or(base)
}

/// The UTC civil date (year, month 1-12, day 1-31) of `at` (milliseconds since the epoch),
/// by H. Hinnant's days-to-civil algorithm.
// Every operand is bounded (at most 2^64 / DAY days) and every subtraction is of a smaller
// part of the same quantity, so nothing here can overflow or go negative.
#[allow(clippy::arithmetic_side_effects)]
fn civil_date(at: Timestamp) -> (u64, u64, u64) {
    // All in u64: days since 0000-03-01 stay positive for any timestamp.
    let days = at / healthchain_common::DAY + 719_468;
    let era = days / 146_097;
    let day_of_era = days % 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

/// FDA recall classification. The regulator gives it; a manufacturer's own recall waits
/// for it.
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

/// Why goods are quarantined.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuarantineReason {
    /// A sensor reported a temperature outside the storage range.
    TemperatureExcursion,
    /// A trading partner or regulator suspects the product (DSCSA suspect product), or a
    /// saleable return failed its verification.
    Suspect,
}

/// Every reason goods are held for at once: an excursion and a suspect flag are separate
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

    /// Both sets' reasons.
    pub fn union(self, other: Self) -> Self {
        Self {
            temperature_excursion: self.temperature_excursion || other.temperature_excursion,
            suspect: self.suspect || other.suspect,
        }
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

/// A trading partner's notification of illegitimate product (DSCSA 582(b)(4)(B)): the hash
/// of FDA Form 3911, when the product was determined illegitimate, and whether the
/// notification came within 24 hours of it. Only the regulator's consent terminates it.
/// Kept beside its lot, not in it (`LotStatus::Illegitimate` says the lot is out of
/// supply): every dispense reads the lot, and decoding this notice with it was 536 bytes
/// of the ledger's own build, in every dispense's and drug claim's proof.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IllegitimateProduct {
    pub form_3911: Hash,
    pub determined_at: Timestamp,
    pub notified_at: Timestamp,
    pub notified_by: AccountId,
    /// Notified more than 24 hours after the determination.
    pub late: bool,
    /// The hash of the regulator's consent to terminate, once given.
    pub terminated: Option<Hash>,
}

/// Where a lot stands (GS1 EPCIS disposition). Holds on single containers, shipments and
/// packages are kept with them: a lot-wide status stops every unit everywhere.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LotStatus {
    /// In supply: may be shipped and dispensed.
    Active,
    /// Held lot-wide by its manufacturer or a regulator until every reason is released.
    Quarantined(QuarantineReasons),
    /// Recalled, with the reason's hash; the class once the regulator gives it.
    Recalled {
        class: Option<RecallClass>,
        reason: Hash,
    },
    /// Determined illegitimate and notified (the notice, [`IllegitimateProduct`], is the
    /// lot view's); never back in supply.
    Illegitimate,
}

/// What a unit's movement and a payer's check turn on in a lot's status: its kind, without
/// a recall's class and reason. Its variants are [`LotStatus`]'s, in the same order, so
/// that the first byte of a status's encoding decodes as its standing ([`LotHead`]).
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LotStanding {
    Active,
    Quarantined,
    Recalled,
    Illegitimate,
}

impl LotStanding {
    /// Refuses unless a lot of this standing expiring at `expiry` may move its stock
    /// (pack, ship, dispense) at `now`.
    pub fn ensure_movable(self, expiry: Timestamp, now: Timestamp) -> Result<(), Error> {
        match self {
            LotStanding::Active if is_expired(expiry, now) => Err(Error::LotExpired),
            LotStanding::Active => Ok(()),
            LotStanding::Quarantined => Err(Error::LotQuarantined),
            LotStanding::Recalled => Err(Error::LotRecalled),
            LotStanding::Illegitimate => Err(Error::LotIllegitimate),
        }
    }
}

impl LotStatus {
    /// The status's kind.
    pub fn standing(&self) -> LotStanding {
        match self {
            LotStatus::Active => LotStanding::Active,
            LotStatus::Quarantined(_) => LotStanding::Quarantined,
            LotStatus::Recalled { .. } => LotStanding::Recalled,
            LotStatus::Illegitimate => LotStanding::Illegitimate,
        }
    }
}

/// Whether stock expiring at `expiry` has expired at `now`.
pub fn is_expired(expiry: Timestamp, now: Timestamp) -> bool {
    now >= expiry
}

/// One commissioned lot. What a dispense and a payer's check read of it comes first, its
/// head ([`LotHead`], which the ledger's own build decodes instead: it never writes a
/// lot). Decoded by hand (below), as derived but for its lot number, read in one go
/// (`codec::decode_bytes`).
#[ink::scale_derive(Encode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lot {
    /// Expiry (milliseconds since the epoch): expired stock is neither shipped nor
    /// dispensed, and the date printed on a package must be this one's UTC date.
    pub expiry: Timestamp,
    /// `expiry`'s UTC date as printed on the packages (YYMMDD, [`printed_expiry`]), set
    /// with it at commissioning: a dispense or a scan compares it as it is, so the date
    /// arithmetic stays in the commissioning's code (the library's) and out of every
    /// dispense's proof.
    pub printed_expiry: u32,
    /// Merkle root of the lot's serial numbers (see `healthchain_common::merkle`).
    pub serial_root: Digest,
    /// How many serials the root covers (needed to check a proof).
    pub serial_count: u64,
    /// Packages the manufacturer holds that are in no container yet.
    pub unpacked: u64,
    /// Last of the head: [`LotHead`] reads only its kind.
    pub status: LotStatus,
    pub gtin: u64,
    pub lot: Vec<u8>,
    pub manufacturer: AccountId,
    /// Packages commissioned.
    pub quantity: u64,
    /// Storage range, in hundredths of a degree Celsius.
    pub min_temp: i32,
    pub max_temp: i32,
    /// Hash of the certificate of analysis.
    pub certificate: Hash,
    pub commissioned_at: Timestamp,
    // No count of packages dispensed: keeping one would write the lot on every dispense
    // (a storage write's proof, 10 to 16 KB, and its work), and the `Dispensed` events,
    // which name the lot, already count them for anyone who wants the figure.
    /// Packages destroyed (decommissioned) by their holders.
    pub destroyed: u64,
}

impl ink::scale::Decode for Lot {
    fn decode<I: ink::scale::Input>(input: &mut I) -> Result<Self, ink::scale::Error> {
        Ok(Self {
            expiry: Timestamp::decode(input)?,
            printed_expiry: u32::decode(input)?,
            serial_root: Digest::decode(input)?,
            serial_count: u64::decode(input)?,
            unpacked: u64::decode(input)?,
            status: LotStatus::decode(input)?,
            gtin: u64::decode(input)?,
            lot: decode_bytes(input)?,
            manufacturer: AccountId::decode(input)?,
            quantity: u64::decode(input)?,
            min_temp: i32::decode(input)?,
            max_temp: i32::decode(input)?,
            certificate: Hash::decode(input)?,
            commissioned_at: Timestamp::decode(input)?,
            destroyed: u64::decode(input)?,
        })
    }
}

impl Lot {
    /// Whether the lot has expired at `now`.
    pub fn is_expired(&self, now: Timestamp) -> bool {
        is_expired(self.expiry, now)
    }

    /// Refuses unless the lot's stock may move (pack, ship, dispense) at `now`.
    pub fn ensure_movable(&self, now: Timestamp) -> Result<(), Error> {
        self.standing().ensure_movable(self.expiry, now)
    }

    /// Its status's kind.
    pub fn standing(&self) -> LotStanding {
        self.status.standing()
    }
}

/// The head of a lot's record: what a dispense and a payer's check read of it, decoded from
/// the start of its encoding ([`Lot`]'s first fields, then its status's first byte) and the
/// rest left unread. The ledger's own build reads lots as this, never writes one, and so
/// carries neither the whole record's decoding nor a recall's fields: 600 bytes less in
/// every dispense's and every drug claim's proof. Not encodable: it is not a record.
#[ink::scale_derive(Decode)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LotHead {
    pub expiry: Timestamp,
    pub printed_expiry: u32,
    pub serial_root: Digest,
    pub serial_count: u64,
    pub unpacked: u64,
    pub standing: LotStanding,
}

impl LotHead {
    /// [`Lot::ensure_movable`].
    pub fn ensure_movable(&self, now: Timestamp) -> Result<(), Error> {
        self.standing.ensure_movable(self.expiry, now)
    }

    /// [`Lot::standing`].
    pub fn standing(&self) -> LotStanding {
        self.standing
    }
}

/// What a container holds.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// A case or tote of packages: its contents root is over the packages' serial leaves.
    Case,
    /// A pallet of cases: its contents root is over [`case_leaf`]s.
    Pallet,
}

/// A case inside a pallet, as the packer's aggregation data gives it.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CaseSpec {
    pub sscc: Sscc,
    /// Merkle root of the case's package serial leaves.
    pub contents: Digest,
    /// Packages in the case.
    pub count: u64,
}

/// Where a container is.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContainerState {
    /// Sealed with its holder: its packages follow it.
    Sealed,
    /// Sealed and in shipment `0`.
    InTransit(u64),
    /// Opened (disaggregated) by its holder; `remaining` of its packages have not yet
    /// moved on their own and are with the holder, loose.
    Opened { remaining: u64 },
    /// Destroyed with everything still in it.
    Destroyed,
}

/// A case, tote or pallet (GS1 AggregationEvent), of packages of one lot.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Container {
    pub lot: LotId,
    pub level: Level,
    /// Merkle root of the children: package serial leaves, or case leaves.
    pub contents: Digest,
    /// Children (packages or cases).
    pub count: u64,
    /// Packages inside, all levels.
    pub units: u64,
    /// The custodian: the last to receive it (or its packer, or the opener of the pallet it
    /// came from). A sender stays holder until the recipient receives.
    pub holder: AccountId,
    /// Who sold it to the holder: the only partner a saleable return may go to.
    pub seller: Option<AccountId>,
    pub state: ContainerState,
    pub hold: QuarantineReasons,
    pub packed_by: AccountId,
    pub packed_at: Timestamp,
}

impl Container {
    /// One package leaves the opened container on its own: one fewer remains.
    pub fn take_one(&mut self) {
        if let ContainerState::Opened { remaining } = self.state {
            self.state = ContainerState::Opened {
                remaining: remaining.saturating_sub(1),
            };
        }
    }
}

/// Where a package that moved on its own is.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PackageState {
    /// With its holder.
    Held,
    /// In shipment `0`.
    InTransit(u64),
    /// Handed to a patient: `recipient` is the pharmacy's salted commitment to the patient.
    Dispensed {
        recipient: Hash,
        dispenser: AccountId,
        dispensed_at: Timestamp,
    },
    /// Destroyed by its holder.
    Destroyed,
}

/// A package that has left its container (or the manufacturer's unpacked stock): written
/// the first time it moves on its own, authoritative from then on.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PackageRecord {
    pub holder: AccountId,
    pub seller: Option<AccountId>,
    pub state: PackageState,
    pub hold: QuarantineReasons,
    /// The container it came out of; `None` for the manufacturer's unpacked stock.
    pub came_from: Option<Sscc>,
}

impl PackageRecord {
    /// The shortest encoding of a dispensed package's record (holder, no seller, the
    /// state's tag, recipient, dispenser and time, the hold's two flags, no container);
    /// every other state's record encodes shorter (at most 85 bytes). So the length of a
    /// record the ledger's own build overwrites without reading it tells whether it was
    /// dispensed ([`PackageRecord::refusal_of_a_move_from`]).
    pub const DISPENSED_MIN_LEN: u32 = 32 + 1 + (1 + 32 + 32 + 8) + 2 + 1;

    /// Why a move naming the container a package left is refused, when the package
    /// already has a record of its own (encoded in `len` bytes): `AlreadyDispensed` for a
    /// dispensed one (a clone, as a scan would say), `LeftContainer` for any other.
    pub fn refusal_of_a_move_from(len: u32) -> Error {
        if len >= Self::DISPENSED_MIN_LEN {
            Error::AlreadyDispensed
        } else {
            Error::LeftContainer
        }
    }

    /// Why a move naming the container this package left is refused, as the library,
    /// which reads the record, tells it: `AlreadyDispensed` for a dispensed one,
    /// `LeftContainer` for any other. [`PackageRecord::refusal_of_a_move_from`] tells the
    /// same from the record's length (`a_records_length_tells_whether_it_is_dispensed`).
    pub fn refusal_of_a_move_from_its_container(&self) -> Error {
        match self.state {
            PackageState::Dispensed { .. } => Error::AlreadyDispensed,
            _ => Error::LeftContainer,
        }
    }
}

/// The opened container a package comes out of, with the package's position and Merkle
/// proof in the container's contents.
#[ink::scale_derive(Encode, TypeInfo)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unpack {
    pub sscc: Sscc,
    pub index: u64,
    pub proof: Vec<Digest>,
}

// A dispense's input holds these two: decoded as derived, field by field, but each proof
// in one read (`decode_proof`) and each byte string too (`codec::decode_bytes`). Tested
// against the derived encoding (`package_refs_decode_what_they_encode`).

impl ink::scale::Decode for Unpack {
    fn decode<I: ink::scale::Input>(input: &mut I) -> Result<Self, ink::scale::Error> {
        Ok(Self {
            sscc: Sscc::decode(input)?,
            index: u64::decode(input)?,
            proof: decode_proof(input)?,
        })
    }
}

/// One package, named by its product identifier, proven genuine by its serial's position
/// and Merkle proof among the lot's serials, and, the first time it moves on its own, the
/// opened container it comes from (`None` for the manufacturer's unpacked stock, or a
/// package that already moved on its own: named with the container it left, such a
/// package is refused, `LeftContainer`, or `AlreadyDispensed` for a dispensed one).
#[ink::scale_derive(Encode, TypeInfo)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageRef {
    pub gtin: u64,
    pub lot: Vec<u8>,
    pub serial: Vec<u8>,
    pub serial_index: u64,
    pub serial_proof: Vec<Digest>,
    pub from: Option<Unpack>,
}

impl ink::scale::Decode for PackageRef {
    fn decode<I: ink::scale::Input>(input: &mut I) -> Result<Self, ink::scale::Error> {
        Ok(Self {
            gtin: u64::decode(input)?,
            lot: decode_bytes(input)?,
            serial: decode_bytes(input)?,
            serial_index: u64::decode(input)?,
            serial_proof: decode_proof(input)?,
            from: Option::<Unpack>::decode(input)?,
        })
    }
}

/// One dispense of a batch: `dispense`'s arguments.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dispense {
    pub package: PackageRef,
    /// The date printed on the package, YYMMDD.
    pub expiry: u32,
    pub recipient: Hash,
}

/// What a shipment carries, or a destruction destroys.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    /// A sealed case or pallet, by SSCC.
    Container(Sscc),
    /// A single package.
    Package(PackageRef),
}

/// An item as the receiving dock scans it.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scan {
    Container(Sscc),
    Package {
        gtin: u64,
        lot: Vec<u8>,
        serial: Vec<u8>,
    },
}

/// An item's storage key: an SSCC, or a package's lot and serial leaf.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ItemKey {
    Container(Sscc),
    Package(LotId, Digest),
}

impl Scan {
    /// The scanned item's key.
    pub fn key(&self) -> ItemKey {
        match self {
            Scan::Container(sscc) => ItemKey::Container(*sscc),
            Scan::Package { gtin, lot, serial } => {
                ItemKey::Package(lot_id(*gtin, lot), serial_leaf(serial))
            }
        }
    }
}

/// Why goods move.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShipmentPurpose {
    /// A sale down the supply chain.
    Sale,
    /// A saleable return to the partner that sold the goods: verified on receipt.
    Return,
}

/// A shipment between two steps of custody (GS1 shipping, then receiving).
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shipment {
    pub from: AccountId,
    pub to: AccountId,
    pub purpose: ShipmentPurpose,
    /// What it carries, each once (at most 16 items).
    pub items: Vec<ItemKey>,
    /// Packages it carries, all levels.
    pub units: u64,
    /// Hash of the DSCSA transaction information and transaction statement.
    pub transaction: Hash,
    pub shipped_at: Timestamp,
    /// The narrowest storage range of the lots it carries, for its sensors.
    pub min_temp: i32,
    pub max_temp: i32,
    /// Held in transit: every item takes the hold on arrival.
    pub hold: QuarantineReasons,
}

/// What a quarantine, release or sensor names: the goods where they are.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A whole lot, everywhere (the manufacturer or a regulator).
    Lot { gtin: u64, lot: Vec<u8> },
    /// A container, with its holder.
    Container(Sscc),
    /// A shipment in transit.
    Shipment(u64),
    /// A package that moved on its own, with its holder.
    Package {
        gtin: u64,
        lot: Vec<u8>,
        serial: Vec<u8>,
    },
}

/// The goods a hold is on, as events name them.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    Lot(LotId),
    Container(Sscc),
    Shipment(u64),
    Package(LotId, Digest),
}

/// Where a sensor is bound: a holding (container) or a shipment.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SensorPlace {
    Container(Sscc),
    Shipment(u64),
}

/// A container a package is in, from the packer's aggregation data: its SSCC, contents
/// root and child count, and the inner item's position and Merkle proof in the contents.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Enclosure {
    pub case: CaseSpec,
    pub index: u64,
    pub proof: Vec<Digest>,
}

/// Where a traced package is now.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Location {
    /// With the manufacturer, in no container.
    Unpacked {
        holder: AccountId,
    },
    /// Inside a sealed container (or one in transit), which has its own record.
    InContainer {
        sscc: Sscc,
        holder: AccountId,
        state: ContainerState,
        hold: QuarantineReasons,
    },
    /// Loose with `holder`: out of its opened container, or moved on its own.
    Loose {
        holder: AccountId,
        hold: QuarantineReasons,
    },
    /// In shipment `0`, on its own.
    InTransit(u64),
    /// Dispensed to a patient (who is not answered).
    Dispensed {
        dispenser: AccountId,
        dispensed_at: Timestamp,
    },
    Destroyed,
}

/// A package's chain of custody as the contract answers it; shipments and receipts,
/// with their times, are the `Shipped` and `ShipmentClosed` events naming these containers.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trace {
    pub manufacturer: AccountId,
    pub commissioned_at: Timestamp,
    pub lot_status: LotStatus,
    /// The containers the package was verified to be packed in, innermost first.
    pub aggregated_into: Vec<Sscc>,
    pub location: Location,
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
    /// Genuine, but its lot, or this package where it is, is quarantined.
    Quarantined(QuarantineReasons),
    /// Genuine, but its lot is recalled (with the regulator's class once given).
    Recalled(Option<RecallClass>),
    /// Its lot was determined illegitimate.
    Illegitimate,
    /// Genuine, but its lot has expired.
    Expired,
    /// No such lot, a serial and proof that do not match it, or an expiry date that is
    /// not the lot's: treat as counterfeit.
    Unknown,
}

/// Why drug_provenance refused a call. Nothing changes when a call is refused.
#[ink::scale_derive(Decode, TypeInfo)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Error {
    /// An admin, role or pause check failed.
    Access(AccessError),
    /// The GTIN is not 14 digits with a correct GS1 check digit.
    InvalidGtin,
    /// The lot number is empty, longer than 20 characters or not printable ASCII.
    InvalidLot,
    /// The serial number is empty, longer than 20 characters or not printable ASCII.
    InvalidSerial,
    /// A quantity or count of zero.
    ZeroQuantity,
    /// The lot has more units than its serial root covers.
    QuantityExceedsSerials,
    /// The expiry is not in the future.
    ExpiryInPast,
    /// The expiry date printed on the package (YYMMDD) is not the lot's.
    ExpiryMismatch,
    /// The minimum storage temperature is not below the maximum.
    InvalidTemperatureRange,
    /// That GTIN and lot were already commissioned.
    LotAlreadyCommissioned,
    /// No lot with that GTIN and lot number.
    UnknownLot,
    /// The caller or the recipient is not a registered trading partner.
    NotATradingPartner,
    /// A partner cannot ship to itself.
    ShipToSelf,
    /// The caller does not have that many packages to pack, or the container has fewer
    /// left than its parts claim.
    InsufficientHoldings,
    /// No shipment with that id in transit.
    UnknownShipment,
    /// The shipment is addressed to someone else.
    NotTheRecipient,
    /// Only the sender can cancel a shipment.
    NotTheSender,
    /// The lot, or the goods where they are, are quarantined.
    LotQuarantined,
    /// The lot is recalled.
    LotRecalled,
    /// The lot was determined illegitimate.
    LotIllegitimate,
    /// The lot has expired.
    LotExpired,
    /// The goods are not quarantined for that reason.
    QuarantineReasonNotOpen,
    /// The lot is already recalled (with a class, or by the caller without one).
    LotAlreadyRecalled,
    /// Only the lot's manufacturer or a regulator may do this.
    NotManufacturerOrRegulator,
    /// Only a regulator classifies a recall, or terminates an illegitimate-product
    /// notification.
    NotARegulator,
    /// The serial is not in the lot: a counterfeit.
    Counterfeit,
    /// The serial was already dispensed: a clone.
    AlreadyDispensed,
    /// A Merkle proof has more than 32 hashes.
    ProofTooLong,
    /// A Merkle index is not below its tree's leaf count.
    SerialIndexOutOfRange,
    /// A quantity overflowed.
    Overflow,
    /// A document hash (certificate, evidence, investigation, transaction information,
    /// Form 3911) is all zeros: it names no document.
    ZeroHash,
    /// The caller does not hold these goods (or is not a party to the shipment).
    NotACustodian,
    /// The sensor is not bound there: a custodian binds it first (`bind_sensor`).
    SensorNotBound,
    /// The account named does not hold the Sensor role.
    NotASensor,
    /// The GTIN's GS1 company prefix is not licensed to the caller.
    GtinNotLicensed,
    /// A company prefix must have 6 to 12 digits and fit them.
    InvalidCompanyPrefix,
    /// A shorter prefix that this one starts with is licensed to another manufacturer.
    CompanyPrefixOverlaps,
    /// The account named does not hold the Manufacturer role.
    NotAManufacturer,
    /// The SSCC is not 18 digits with a correct GS1 check digit.
    InvalidSscc,
    /// That SSCC is already in use.
    SsccInUse,
    /// No container with that SSCC on record.
    UnknownContainer,
    /// The container is not sealed with the caller (opened, in transit or destroyed).
    ContainerNotSealed,
    /// The container is not opened, or has no package left.
    ContainerNotOpened,
    /// The package or case is not in that container (wrong proof or contents).
    NotInContainer,
    /// The cases listed do not make up the pallet: wrong root, count or units, or too
    /// many to list in one call.
    ContentsMismatch,
    /// The package is not with the caller, or not free to move (in transit, dispensed,
    /// destroyed).
    PackageUnavailable,
    /// A shipment names 0 or more than 16 items, or one twice.
    InvalidItems,
    /// What the dock scanned is not what was shipped.
    ShipmentMismatch,
    /// A saleable return goes only to the partner that sold the goods.
    NotTheSeller,
    /// The determination of illegitimacy is in the future.
    DeterminationInFuture,
    /// The illegitimate-product notification is already terminated, or was never made.
    NotificationNotOpen,
    /// A batch has more than 32 items.
    BatchTooLarge,
    /// The package has moved on its own already: name it without the container it left
    /// (`PackageRef::from`, which only its first move names).
    LeftContainer,
}

healthchain_common::encode_by_tag!(Error, Access(AccessError));

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

// The library build (drug_provenance_library) runs the same code: tested once, here.
#[cfg(all(test, not(healthchain_library)))]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// `lot`'s head, as `LotHead` must decode it from the lot's encoding.
    fn head_of(lot: &Lot) -> LotHead {
        LotHead {
            expiry: lot.expiry,
            printed_expiry: lot.printed_expiry,
            serial_root: lot.serial_root,
            serial_count: lot.serial_count,
            unpacked: lot.unpacked,
            standing: lot.standing(),
        }
    }

    #[test]
    fn errors_encode_as_derived() {
        healthchain_common::unit_test::encodes_as_derived::<Error>();
    }

    /// The ledger reads and writes its lots, packages, cases and illegitimate-product notices
    /// straight from and to the host (`healthchain_common::entry::get_at`, `set_at`), through
    /// a buffer of `entry::MAX_VALUE_LEN` bytes, which a value longer than it would trap:
    /// their longest encodings fit, with room.
    #[test]
    fn the_records_a_dispense_reads_and_writes_fit_the_hosts_buffer() {
        use ink::scale::Encode;
        let account = AccountId::from([0xFF; 32]);
        // The longest status a lot holds.
        let status = LotStatus::Recalled {
            class: Some(RecallClass::I),
            reason: Hash::from([0xFF; 32]),
        };
        let lot = Lot {
            gtin: MAX_GTIN,
            lot: ink::prelude::vec![b'9'; MAX_LOT_LEN],
            manufacturer: account,
            expiry: u64::MAX,
            printed_expiry: u32::MAX,
            quantity: u64::MAX,
            serial_root: [0xFF; 32],
            serial_count: u64::MAX,
            min_temp: i32::MIN,
            max_temp: i32::MAX,
            certificate: Hash::from([0xFF; 32]),
            status,
            commissioned_at: u64::MAX,
            unpacked: u64::MAX,
            destroyed: u64::MAX,
        };
        let hold = QuarantineReasons {
            temperature_excursion: true,
            suspect: true,
        };
        let package = PackageRecord {
            holder: account,
            seller: Some(account),
            state: PackageState::Dispensed {
                recipient: Hash::from([0xFF; 32]),
                dispenser: account,
                dispensed_at: u64::MAX,
            },
            hold,
            came_from: Some(u64::MAX),
        };
        let case = Container {
            lot: [0xFF; 32],
            level: Level::Pallet,
            contents: [0xFF; 32],
            count: u64::MAX,
            units: u64::MAX,
            holder: account,
            seller: Some(account),
            state: ContainerState::Opened {
                remaining: u64::MAX,
            },
            hold,
            packed_by: account,
            packed_at: u64::MAX,
        };
        // An illegitimate-product notice, written beside its lot the same way.
        let notice = IllegitimateProduct {
            form_3911: Hash::from([0xFF; 32]),
            determined_at: u64::MAX,
            notified_at: u64::MAX,
            notified_by: account,
            late: true,
            terminated: Some(Hash::from([0xFF; 32])),
        };
        healthchain_common::unit_test::fit_the_hosts_buffer(&[
            lot.encoded_size(),
            notice.encoded_size(),
            package.encoded_size(),
            case.encoded_size(),
        ]);
    }

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
    fn lot_ids_hash_the_gtin_and_the_lot_number() {
        let gtin: u64 = 10_012_345_678_902;
        for lot in [&b"A"[..], b"LOT-2026A", &[b'9'; MAX_LOT_LEN]] {
            let mut input = gtin.to_be_bytes().to_vec();
            input.extend_from_slice(lot);
            assert_eq!(
                lot_id(gtin, lot),
                healthchain_common::merkle::blake2_256(&input)
            );
        }
    }

    #[test]
    fn a_lot_number_longer_than_any_lot_names_none() {
        let gtin: u64 = 10_012_345_678_902;
        let long = [b'9'; MAX_LOT_LEN + 40];
        // Cut to one byte more than a lot may have: apart from every lot's key, the
        // longest's and its own first characters' included.
        for len in 1..=MAX_LOT_LEN {
            assert_ne!(lot_id(gtin, &long), lot_id(gtin, &long[..len]));
        }
        assert_eq!(lot_id(gtin, &long), lot_id(gtin, &long[..MAX_LOT_LEN + 1]));
    }

    #[test]
    fn serial_leaves_are_their_serials_leaves() {
        for serial in [&b"1"[..], b"SN00000042", &[b'9'; MAX_SERIAL_LEN]] {
            assert_eq!(serial_leaf(serial), hash_leaf(serial));
        }
    }

    #[test]
    fn a_serial_longer_than_any_serial_names_no_package() {
        let long = [b'9'; MAX_SERIAL_LEN + 80];
        // Cut to one byte more than a serial may have: apart from every serial's leaf, the
        // longest's and its own first characters' included.
        for len in 0..=MAX_SERIAL_LEN {
            assert_ne!(serial_leaf(&long), serial_leaf(&long[..len]));
        }
        assert_eq!(serial_leaf(&long), hash_leaf(&long[..MAX_SERIAL_LEN + 1]));
    }

    proptest! {
        /// A package's reference, as a dispense's input holds it, decodes (by hand, its
        /// proofs in one read) what its derived encoding writes.
        #[test]
        fn package_refs_decode_what_they_encode(
            gtin in any::<u64>(),
            lot in proptest::collection::vec(any::<u8>(), 0..=MAX_LOT_LEN + 1),
            serial in proptest::collection::vec(any::<u8>(), 0..=MAX_SERIAL_LEN + 1),
            serial_index in any::<u64>(),
            serial_proof in proptest::collection::vec(any::<Digest>(), 0..=33),
            from in proptest::option::of((
                any::<u64>(),
                any::<u64>(),
                proptest::collection::vec(any::<Digest>(), 0..=33),
            )),
        ) {
            use ink::scale::{Decode, Encode};
            let package = PackageRef {
                gtin,
                lot,
                serial,
                serial_index,
                serial_proof,
                from: from.map(|(sscc, index, proof)| Unpack { sscc, index, proof }),
            };
            let encoded = package.encode();
            prop_assert_eq!(PackageRef::decode(&mut &encoded[..]), Ok(package.clone()));
            // Cut short anywhere, it is refused.
            for len in 0..encoded.len() {
                prop_assert!(PackageRef::decode(&mut &encoded[..len]).is_err());
            }
        }
    }

    proptest! {
        /// A package record's length tells whether it is dispensed, whatever its fields,
        /// as the ledger's own build reads it from a write that overwrote it.
        #[test]
        fn a_records_length_tells_whether_it_is_dispensed(
            accounts in any::<[[u8; 32]; 4]>(),
            state in 0..4u8,
            number in any::<u64>(),
            seller in any::<bool>(),
            came_from in proptest::option::of(any::<u64>()),
            hold in any::<(bool, bool)>(),
        ) {
            use ink::scale::Encode;
            let [holder, other, recipient, dispenser] = accounts;
            let state = match state {
                0 => PackageState::Held,
                1 => PackageState::InTransit(number),
                2 => PackageState::Destroyed,
                _ => PackageState::Dispensed {
                    recipient: Hash::from(recipient),
                    dispenser: AccountId::from(dispenser),
                    dispensed_at: number,
                },
            };
            let record = PackageRecord {
                holder: AccountId::from(holder),
                seller: seller.then(|| AccountId::from(other)),
                state,
                hold: QuarantineReasons { temperature_excursion: hold.0, suspect: hold.1 },
                came_from,
            };
            let len = u32::try_from(record.encoded_size()).expect("short");
            let expected = if matches!(state, PackageState::Dispensed { .. }) {
                Error::AlreadyDispensed
            } else {
                Error::LeftContainer
            };
            prop_assert_eq!(record.refusal_of_a_move_from_its_container(), expected);
            prop_assert_eq!(PackageRecord::refusal_of_a_move_from(len), expected);
        }
    }

    proptest! {
        /// A lot decodes (by hand, its lot number in one read) what its derived encoding
        /// writes, whatever its status; cut short anywhere, it is refused. Its head
        /// ([`LotHead`]) decodes from the start of that encoding.
        #[test]
        fn lots_decode_what_they_encode(
            numbers in any::<[u64; 7]>(),
            lot in proptest::collection::vec(any::<u8>(), 0..=MAX_LOT_LEN + 1),
            accounts in any::<[[u8; 32]; 3]>(),
            temps in any::<(i32, i32)>(),
            printed_expiry in any::<u32>(),
            status in 0..5u8,
        ) {
            use ink::scale::{Decode, Encode};
            let [gtin, expiry, quantity, serial_count, commissioned_at, unpacked, destroyed] =
                numbers;
            let [manufacturer, root, certificate] = accounts;
            let status = match status {
                0 => LotStatus::Active,
                1 => LotStatus::Quarantined(QuarantineReasons::of(QuarantineReason::Suspect)),
                2 => LotStatus::Recalled { class: None, reason: Hash::from(root) },
                3 => LotStatus::Recalled { class: Some(RecallClass::III), reason: Hash::from(root) },
                _ => LotStatus::Illegitimate,
            };
            let record = Lot {
                gtin,
                lot,
                manufacturer: AccountId::from(manufacturer),
                expiry,
                printed_expiry,
                quantity,
                serial_root: root,
                serial_count,
                min_temp: temps.0,
                max_temp: temps.1,
                certificate: Hash::from(certificate),
                status,
                commissioned_at,
                unpacked,
                destroyed,
            };
            let encoded = record.encode();
            // The ledger's own build reads the head of the same encoding: the first
            // fields, then the status's kind from its first byte, and no further.
            const HEAD_LEN: usize = 8 + 4 + 32 + 8 + 8 + 1;
            prop_assert_eq!(LotHead::decode(&mut &encoded[..]), Ok(head_of(&record)));
            prop_assert_eq!(LotHead::decode(&mut &encoded[..HEAD_LEN]), Ok(head_of(&record)));
            for len in 0..HEAD_LEN {
                prop_assert!(LotHead::decode(&mut &encoded[..len]).is_err());
            }
            let now = expiry ^ unpacked;
            prop_assert_eq!(head_of(&record).ensure_movable(now), record.ensure_movable(now));
            prop_assert_eq!(Lot::decode(&mut &encoded[..]), Ok(record));
            for len in 0..encoded.len() {
                prop_assert!(Lot::decode(&mut &encoded[..len]).is_err());
            }
        }
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
