//! `healthchain commit`: what a pharmacy, a site or an insurer computes off chain so that
//! the chain never holds a patient beside a clinical fact (docs/privacy.md).
//!
//! - `recipient`: the salted commitment a pharmacy dispenses to
//!   (`provenance::recipient_commitment`), with a fresh random salt for the receipt.
//! - `subject`: the salted commitment a site reports an adverse event under
//!   (`trial_anchoring::data::subject_commitment`).
//! - `procedure`: a CPT / HCPCS code keyed with a plan's secret
//!   (`claim_settlement::data::ServiceCode::procedure`), as fee schedules and claims carry it.
//!
//! Each calls the contracts' own function, so the CLI and the chain cannot disagree.

use anyhow::{Context, Result};
use claim_settlement::data::ServiceCode;
use healthchain_common::{provenance::recipient_commitment, AccountId, Hash};
use std::io::Read;

/// A salt from its 0x hex, or 32 fresh random bytes when none is given.
pub fn salt(given: Option<&str>) -> Result<[u8; 32]> {
    match given {
        Some(text) => {
            let hex_text = text
                .trim()
                .strip_prefix("0x")
                .context("a salt is 0x and 64 hex digits")?;
            hex::decode(hex_text)
                .ok()
                .and_then(|b| <[u8; 32]>::try_from(b).ok())
                .context("a salt is 0x and 64 hex digits")
        }
        None => {
            let mut salt = [0u8; 32];
            std::fs::File::open("/dev/urandom")
                .and_then(|mut random| random.read_exact(&mut salt))
                .context("cannot read /dev/urandom for a salt")?;
            Ok(salt)
        }
    }
}

/// The commitment a pharmacy dispenses to, for `patient` (the plan pseudonym) and `salt`.
pub fn recipient(patient: &AccountId, salt: &[u8; 32]) -> Hash {
    recipient_commitment(patient, salt)
}

/// The commitment a site reports an adverse event of `participant` under.
pub fn subject(participant: &AccountId, salt: &[u8; 32]) -> Hash {
    trial_anchoring::data::subject_commitment(participant, salt)
}

/// Each code keyed with the plan's secret, or an error naming the first malformed code.
pub fn procedures(plan_secret: &[u8; 32], codes: &[String]) -> Result<Vec<(String, Hash)>> {
    codes
        .iter()
        .map(|code| {
            let bytes: Option<[u8; 5]> = code.as_bytes().try_into().ok();
            let keyed = bytes.and_then(|b| ServiceCode::procedure(plan_secret, &b));
            match keyed {
                Some(ServiceCode::Procedure(hash)) => Ok((code.clone(), hash)),
                _ => anyhow::bail!(
                    "{code:?} is not a CPT / HCPCS code (5 ASCII letters or digits, such as 99213 or J1100)"
                ),
            }
        })
        .collect()
}

/// 0x-prefixed hex.
pub fn hex0x(bytes: impl AsRef<[u8]>) -> String {
    format!("0x{}", hex::encode(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn salts_are_read_or_drawn() {
        let given = format!("0x{}", "ab".repeat(32));
        assert_eq!(salt(Some(&given)).unwrap(), [0xab; 32]);
        assert!(salt(Some("0x1234")).is_err());
        assert!(salt(Some(&"ab".repeat(32))).is_err());
        assert_ne!(salt(None).unwrap(), salt(None).unwrap());
    }

    #[test]
    fn commitments_and_codes_are_the_contracts_own() {
        let patient = AccountId::from([4; 32]);
        assert_eq!(
            recipient(&patient, &[1; 32]),
            recipient_commitment(&patient, &[1; 32])
        );
        assert_ne!(recipient(&patient, &[1; 32]), subject(&patient, &[1; 32]));
        let keyed = procedures(&[9; 32], &["99213".into(), "J1100".into()]).unwrap();
        assert_eq!(
            ServiceCode::Procedure(keyed[0].1),
            ServiceCode::procedure(&[9; 32], b"99213").unwrap()
        );
        assert_ne!(keyed[0].1, keyed[1].1);
        let error = procedures(&[9; 32], &["9921".into()]).unwrap_err();
        assert!(error.to_string().contains("\"9921\""), "{error}");
        assert!(procedures(&[9; 32], &["99 13".into()]).is_err());
    }
}
