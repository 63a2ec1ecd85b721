//! `healthchain patient`: a patient's secret and the pseudonyms derived from it.
//!
//! One 32-byte secret, kept by the patient (or the patient's app), gives one pseudonym per
//! relationship (a provider, a plan membership, a trial, the registry's own identity) with
//! the same derivation the contracts' tests and the journey use
//! (`healthchain_common::relay::signer`). A pseudonym is an ECDSA account that never needs
//! tokens: its consent instructions are signed and relayed.

use anyhow::{bail, ensure, Context, Result};
use healthchain_common::{
    relay::signer::{Pseudonym, Relationship},
    AccountId,
};
use std::{io::Read, path::Path};

/// The generic Substrate SS58 prefix (42), which substrate-contracts-node and Contracts UI
/// show by default.
const SS58_PREFIX: u8 = 42;

/// An account as SS58 text (prefix 42).
pub fn ss58(account: &AccountId) -> String {
    let mut data = vec![SS58_PREFIX];
    data.extend_from_slice(account.as_ref());
    let checksum = ss58_checksum(&data);
    data.extend_from_slice(&checksum[..2]);
    bs58::encode(data).into_string()
}

fn ss58_checksum(data: &[u8]) -> [u8; 64] {
    use blake2::{Blake2b512, Digest};
    let mut hasher = Blake2b512::new();
    hasher.update(b"SS58PRE");
    hasher.update(data);
    hasher.finalize().into()
}

/// An account from SS58 text (any one-byte prefix) or 0x-prefixed hex of 32 bytes.
pub fn parse_account(text: &str) -> Result<AccountId> {
    let text = text.trim();
    if let Some(hex_text) = text.strip_prefix("0x") {
        let bytes = hex::decode(hex_text).with_context(|| format!("{text:?} is not hex"))?;
        let bytes: [u8; 32] = bytes
            .try_into()
            .map_err(|_| anyhow::anyhow!("{text:?} is not 32 bytes of hex"))?;
        return Ok(AccountId::from(bytes));
    }
    let data = bs58::decode(text)
        .into_vec()
        .with_context(|| format!("{text:?} is neither an SS58 address nor 0x hex"))?;
    ensure!(
        data.len() == 35 && data[0] < 64,
        "{text:?} is not an SS58 address of a 32-byte account"
    );
    let checksum = ss58_checksum(&data[..33]);
    ensure!(
        data[33..] == checksum[..2],
        "{text:?} has a wrong SS58 checksum (a typo?)"
    );
    let mut bytes = [0u8; 32];
    bytes.copy_from_slice(&data[1..33]);
    Ok(AccountId::from(bytes))
}

/// Reads a patient secret: one line of 0x-prefixed hex of 32 bytes. The secret is never
/// printed, not even in an error.
pub fn read_secret(path: &Path) -> Result<[u8; 32]> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the patient secret {}", path.display()))?;
    let hex_text = text.trim().strip_prefix("0x").with_context(|| {
        format!(
            "{}: a patient secret is 0x and 64 hex digits",
            path.display()
        )
    })?;
    let bytes = hex::decode(hex_text)
        .ok()
        .and_then(|b| <[u8; 32]>::try_from(b).ok());
    bytes.with_context(|| {
        format!(
            "{}: a patient secret is 0x and 64 hex digits",
            path.display()
        )
    })
}

/// Writes a new random patient secret to `path` (readable by its owner only); refuses to
/// overwrite a file.
pub fn new_secret(path: &Path) -> Result<()> {
    let mut secret = [0u8; 32];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut random| random.read_exact(&mut secret))
        .context("cannot read /dev/urandom for a new secret")?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).with_context(|| {
        format!(
            "cannot create {} (an existing secret is never overwritten)",
            path.display()
        )
    })?;
    std::io::Write::write_all(&mut file, format!("0x{}\n", hex::encode(secret)).as_bytes())
        .with_context(|| format!("cannot write {}", path.display()))
}

/// The relationship named on the command line: `registry ADDRESS`, `provider ADDRESS`,
/// `plan CLAIMS_CONTRACT PLAN_ID` or `trial TRIALS_CONTRACT TRIAL_ID`.
pub fn parse_relationship(words: &[String]) -> Result<Relationship> {
    let usage = "name the relationship: registry ADDRESS | provider ADDRESS | plan CLAIMS_CONTRACT PLAN_ID | trial TRIALS_CONTRACT TRIAL_ID";
    match words {
        [kind, address] if kind == "registry" => Ok(Relationship::Registry {
            registry: parse_account(address)?,
        }),
        [kind, address] if kind == "provider" => Ok(Relationship::Provider {
            provider: parse_account(address)?,
        }),
        [kind, claims, plan] if kind == "plan" => Ok(Relationship::Plan {
            claims: parse_account(claims)?,
            plan: plan
                .parse()
                .with_context(|| format!("plan id {plan:?} is not a number"))?,
        }),
        [kind, trials, trial] if kind == "trial" => Ok(Relationship::Trial {
            trials: parse_account(trials)?,
            trial: trial
                .parse()
                .with_context(|| format!("trial id {trial:?} is not a number"))?,
        }),
        _ => bail!("{usage}"),
    }
}

/// The patient's pseudonym for `relationship`.
pub fn pseudonym(secret: &[u8; 32], relationship: Relationship) -> AccountId {
    Pseudonym::derive(secret, relationship).account()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ss58_round_trips_and_matches_the_well_known_alice() {
        // //Alice's sr25519 account on every Substrate dev chain.
        let alice = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY";
        let account = parse_account(alice).unwrap();
        assert_eq!(
            hex::encode(account),
            "d43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d"
        );
        assert_eq!(ss58(&account), alice);
        let hex_form = format!("0x{}", hex::encode(account));
        assert_eq!(parse_account(&hex_form).unwrap(), account);
        let typo = alice.replace('Q', "R");
        assert!(parse_account(&typo).is_err());
        assert!(parse_account("0x1234").is_err());
    }

    #[test]
    fn relationships_are_parsed_and_each_gives_its_own_pseudonym() {
        let words = |w: &str| w.split(' ').map(String::from).collect::<Vec<_>>();
        let address = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY";
        let secret = [3u8; 32];
        let mut seen = Vec::new();
        for line in [
            format!("registry {address}"),
            format!("provider {address}"),
            format!("plan {address} 1"),
            format!("plan {address} 2"),
            format!("trial {address} 1"),
        ] {
            let relationship = parse_relationship(&words(&line)).unwrap();
            let account = pseudonym(&secret, relationship);
            assert!(!seen.contains(&account), "{line} repeats a pseudonym");
            seen.push(account);
        }
        assert!(parse_relationship(&words("plan x")).is_err());
        assert!(parse_relationship(&words(&format!("plan {address} one"))).is_err());
        assert!(parse_relationship(&words("insurer 0x00")).is_err());
    }

    #[test]
    fn a_new_secret_is_read_back_and_never_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("patient.secret");
        new_secret(&path).unwrap();
        let secret = read_secret(&path).unwrap();
        assert_ne!(secret, [0u8; 32]);
        assert!(new_secret(&path).is_err());
        assert_eq!(read_secret(&path).unwrap(), secret);
        std::fs::write(&path, "0xnot-hex-at-all-but-a-secret-shaped-string\n").unwrap();
        let error = format!("{:#}", read_secret(&path).unwrap_err());
        assert!(!error.contains("secret-shaped"), "{error}");
    }
}
