//! `healthchain verify-unit`: the pharmacist's scan. The deployed drug_provenance
//! contract answers, by dry run (free, nothing signed), whether a package is genuine and
//! in supply, already dispensed, quarantined, recalled, expired or unknown.

use crate::{
    chain::{call_builder, Chain, ChainError},
    config::parse_account,
    manifest::Manifest,
    merkle::{self, LeafFormat, ProofFile},
};
use anyhow::{bail, Context, Result};
use drug_provenance::data::{gtin_is_valid, is_gs1_text, UnitStatus, MAX_LOT_LEN};
use ink::{primitives::AccountId, scale::Encode};
use subxt::utils::AccountId32;

/// What to scan.
pub struct Scan {
    pub gtin: u64,
    pub lot: String,
    pub serial: String,
    /// The expiry date printed on the package (YYMMDD).
    pub expiry: u32,
    pub proof: ProofFile,
}

/// A GTIN as printed on a package: 14 digits (a GTIN-8, -12 or -13 zero-padded), the last
/// the GS1 check digit of the others. A mistyped GTIN is an input error, not a
/// counterfeit: drug_provenance knows no lot of it.
pub fn parse_gtin(text: &str) -> Result<u64> {
    let gtin = text
        .parse::<u64>()
        .ok()
        .filter(|_| text.len() == 14 && text.bytes().all(|b| b.is_ascii_digit()));
    let Some(gtin) = gtin else {
        bail!("GTIN {text:?} is not 14 digits (pad a GTIN-8, -12 or -13 with zeros in front)");
    };
    if !gtin_is_valid(gtin) {
        let body = gtin / 10;
        match (0..10).find(|digit| gtin_is_valid(body * 10 + digit)) {
            Some(digit) => bail!(
                "GTIN {text} has a wrong check digit: {digit} would be right for the \
                 digits before it (GS1 mod 10); check the scan"
            ),
            None => bail!("GTIN {text} is not a GTIN: its first 13 digits are zeros"),
        }
    }
    Ok(gtin)
}

/// The expiry date as printed on a package: six digits, YYMMDD, a real month, and a day
/// of 00 (the end of the month) to 31.
pub fn parse_expiry(text: &str) -> Result<u32> {
    let date = text
        .parse::<u32>()
        .ok()
        .filter(|_| text.len() == 6 && text.bytes().all(|b| b.is_ascii_digit()));
    match date {
        Some(date) if (1..=12).contains(&(date / 100 % 100)) && date % 100 <= 31 => Ok(date),
        _ => bail!("expiry {text:?} is not a date as GS1 prints it: YYMMDD, for example 271231"),
    }
}

/// Refuses a scanned lot or serial that no GS1 lot or serial can be (drug_provenance
/// would answer "unknown").
pub fn check_identifiers(lot: &str, serial: &str) -> Result<()> {
    if !is_gs1_text(lot.as_bytes(), MAX_LOT_LEN) {
        bail!(
            "lot {lot:?} is not a GS1 lot number (AI 10): 1 to {MAX_LOT_LEN} printable ASCII \
             characters without spaces"
        );
    }
    // The serial list's own check.
    merkle::leaf_of(LeafFormat::Serials, serial).map(|_| ())
}

/// Checks the scanned lot and serial, and the proof file against the serial, before
/// asking the chain, so a mistyped scan or a wrong file is an input error, not a
/// counterfeit.
pub fn check_scan(scan: &Scan) -> Result<()> {
    check_identifiers(&scan.lot, &scan.serial)?;
    if scan.proof.item != scan.serial {
        bail!(
            "the proof file proves serial {:?}, not {:?}: make one with healthchain merkle proof --item {}",
            scan.proof.item,
            scan.serial,
            scan.serial
        );
    }
    if !merkle::verify(&scan.proof, LeafFormat::Serials, None)? {
        bail!("the proof file does not verify against its own root: it is damaged; make it again with healthchain merkle proof");
    }
    Ok(())
}

/// The drug_provenance of a deployment manifest, on its chain: what `verify-unit` and
/// `trace` ask by dry run.
pub struct DeployedLedger {
    pub chain: Chain,
    pub address: AccountId32,
    /// The deployer, the origin of the dry runs.
    pub origin: AccountId32,
    /// The block of its instantiation, when the manifest has it.
    pub instantiate_block: Option<u64>,
}

impl DeployedLedger {
    /// Connects to the chain of `manifest` (through `url`, or the manifest's node) and
    /// checks it is the manifest's chain.
    pub async fn connect(manifest: &Manifest, url: Option<&str>) -> Result<Self> {
        let deployed = manifest
            .contract(healthchain_suite::Contract::DrugProvenance.name())
            .context("the manifest has no drug_provenance contract: finish the deploy first")?;
        let address = parse_account(&deployed.address)
            .context("drug_provenance's address in the manifest")?;
        let origin = parse_account(&manifest.deployer).context("the deployer in the manifest")?;
        let url = url.unwrap_or(&manifest.chain.url);
        let chain = Chain::connect(url).await?;
        manifest.ensure_chain(&chain, url, std::path::Path::new("the manifest"))?;
        Ok(Self {
            chain,
            address,
            origin,
            instantiate_block: deployed.instantiate_block,
        })
    }
}

/// Asks the drug_provenance contract of `manifest` (through `url`, or the manifest's
/// node) for the unit's status.
pub async fn scan(manifest: &Manifest, url: Option<&str>, scan: &Scan) -> Result<UnitStatus> {
    check_scan(scan)?;
    let DeployedLedger {
        chain,
        address: ledger,
        origin,
        ..
    } = DeployedLedger::connect(manifest, url).await?;
    let proof = scan
        .proof
        .proof
        .iter()
        .map(|h| merkle::from_hex(h))
        .collect::<Result<Vec<_>>>()?;
    let builder =
        call_builder::<drug_provenance::drug_provenance::DrugProvenance>(AccountId::from(ledger.0));
    let data = builder
        .verify_unit(
            scan.gtin,
            scan.lot.as_bytes().to_vec(),
            scan.serial.as_bytes().to_vec(),
            scan.expiry,
            scan.proof.index,
            proof,
        )
        .params()
        .exec_input()
        .encode();
    let answer = chain.dry_run_call(&origin, &ledger, data).await?;
    match <Result<UnitStatus, ink::LangError> as ink::scale::Decode>::decode(&mut answer.data.as_slice()) {
        Ok(Ok(status)) => Ok(status),
        other => Err(ChainError(format!(
            "drug_provenance at {ledger} answered verify_unit with {other:?}: is the manifest's contract a healthchain drug_provenance?"
        ))
        .into()),
    }
}

/// The answer as a pharmacist reads it, and whether the unit may be dispensed.
pub fn describe(status: &UnitStatus) -> (bool, String) {
    match status {
        UnitStatus::Genuine => (true, "GENUINE: in supply; it may be dispensed".into()),
        UnitStatus::Dispensed => (
            false,
            "DISPENSED already: a second package with this serial is a clone; do not dispense, quarantine it (the ledger does not say to whom: report it to the manufacturer)".into(),
        ),
        UnitStatus::Quarantined(reasons) => {
            let open: Vec<&str> = [
                (reasons.temperature_excursion, "temperature excursion"),
                (reasons.suspect, "suspect product"),
            ]
            .into_iter()
            .filter_map(|(open, name)| open.then_some(name))
            .collect();
            (
                false,
                format!(
                    "QUARANTINED ({}): do not dispense until the lot is cleared",
                    open.join(", ")
                ),
            )
        }
        UnitStatus::Recalled(class) => (
            false,
            match class {
                Some(class) => format!(
                    "RECALLED (FDA class {class:?}): do not dispense; return it per the recall notice"
                ),
                None => "RECALLED (not yet classified by FDA): do not dispense; return it per the recall notice".into(),
            },
        ),
        UnitStatus::Illegitimate => (
            false,
            "ILLEGITIMATE: its lot was determined illegitimate (FDA Form 3911 filed); do not dispense, quarantine it and follow the manufacturer's instructions".into(),
        ),
        UnitStatus::Expired => (false, "EXPIRED: do not dispense".into()),
        UnitStatus::Unknown => (
            false,
            "UNKNOWN: no such lot, the serial is not in it, or the printed expiry is not the lot's; treat as counterfeit (quarantine and investigate)".into(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn proof_for(serials: &str, serial: &str) -> ProofFile {
        let files = merkle::proofs(
            serials.as_bytes(),
            LeafFormat::Serials,
            &[merkle::Selector::Item(serial.to_string())],
            |_| {},
        )
        .unwrap();
        files.into_iter().next().unwrap()
    }

    #[test]
    fn a_proof_for_another_serial_is_an_input_error() {
        let scan = Scan {
            gtin: 9_506_000_134_352,
            lot: "LOT1".into(),
            serial: "SN2".into(),
            expiry: 271_231,
            proof: proof_for("SN1\nSN2\nSN3\n", "SN1"),
        };
        let error = format!("{:#}", check_scan(&scan).unwrap_err());
        assert!(error.contains("--item SN2"), "{error}");
        let good = Scan {
            proof: proof_for("SN1\nSN2\nSN3\n", "SN2"),
            ..scan
        };
        check_scan(&good).unwrap();
        let mut damaged = good;
        damaged.proof.proof[0] = merkle::to_hex(&[7; 32]);
        assert!(format!("{:#}", check_scan(&damaged).unwrap_err()).contains("damaged"));
    }

    /// A mistyped scan is an input error that says what is wrong, before any chain is
    /// asked (which would answer "unknown: treat as counterfeit").
    #[test]
    fn a_mistyped_gtin_lot_or_serial_is_an_input_error() {
        assert_eq!(parse_gtin("09506000134352").unwrap(), 9_506_000_134_352);
        let wrong_digit = format!("{:#}", parse_gtin("09506000134353").unwrap_err());
        assert!(wrong_digit.contains("2 would be right"), "{wrong_digit}");
        for bad in [
            "9506000134352",
            "095060001343520",
            "+9506000134352",
            "0950600013435x",
        ] {
            let error = format!("{:#}", parse_gtin(bad).unwrap_err());
            assert!(error.contains("is not 14 digits"), "{bad}: {error}");
        }
        for zeros in ["00000000000000", "00000000000005"] {
            let error = format!("{:#}", parse_gtin(zeros).unwrap_err());
            assert!(error.contains("first 13 digits are zeros"), "{error}");
        }
        let scan = |lot: &str, serial: &str| Scan {
            gtin: 9_506_000_134_352,
            lot: lot.into(),
            serial: serial.into(),
            expiry: 271_231,
            proof: proof_for("SN1\nSN2\n", "SN2"),
        };
        check_scan(&scan("LOT1", "SN2")).unwrap();
        for lot in ["", "LOT 1", &"L".repeat(MAX_LOT_LEN + 1)] {
            let error = format!("{:#}", check_scan(&scan(lot, "SN2")).unwrap_err());
            assert!(
                error.contains("is not a GS1 lot number"),
                "{lot:?}: {error}"
            );
        }
        let error = format!("{:#}", check_scan(&scan("LOT1", "SN 2")).unwrap_err());
        assert!(error.contains("is not a GS1 serial number"), "{error}");
    }

    #[test]
    fn expiry_dates_are_read_as_gs1_prints_them() {
        assert_eq!(parse_expiry("271231").unwrap(), 271_231);
        assert_eq!(parse_expiry("270200").unwrap(), 270_200);
        for bad in ["2712311", "27123", "271331", "271232", "27-231", "+71231"] {
            assert!(parse_expiry(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn only_a_genuine_unit_may_be_dispensed() {
        assert!(describe(&UnitStatus::Genuine).0);
        for status in [
            UnitStatus::Expired,
            UnitStatus::Unknown,
            UnitStatus::Illegitimate,
            UnitStatus::Recalled(None),
        ] {
            let (ok, text) = describe(&status);
            assert!(!ok, "{text}");
        }
        assert!(describe(&UnitStatus::Unknown).1.contains("counterfeit"));
    }
}
