//! The roles file of `healthchain deploy`: which accounts hold which role in which
//! contract, as TOML. Unknown sections or keys are refused, so a typo cannot silently
//! leave a pharmacy unregistered.
//!
//! ```toml
//! [consent_registry]
//! emergency_responders = ["5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty"]
//!
//! [drug_provenance]
//! manufacturers = ["5FLSigC9HGRKVhB9FiEo4Y3koPsNmBmLJbpXg2mp1hXcS59Y"]
//! wholesalers = []
//! pharmacies = ["5DAAnrj7VHTznn2AWBemMuyBwZWs6FNFjdyVXUeYum3PTXFy"]
//! sensors = []
//! regulators = []
//!
//! [claim_settlement]
//! insurers = []
//! providers = []
//!
//! [trial_anchoring]
//! sponsors = []
//! ```
//!
//! Accounts are SS58 addresses (any network prefix) or 32-byte public keys in hex.

use anyhow::{bail, Context, Result};
use healthchain_common::access::Role;
use healthchain_suite::Contract;
use std::{collections::BTreeMap, path::Path, str::FromStr};
use subxt::utils::AccountId32;

/// One role to grant: in `contract`, `role` to `account`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleGrant {
    pub contract: Contract,
    pub role: Role,
    pub account: AccountId32,
}

/// Parses an account: an SS58 address or a 0x-prefixed 32-byte hex public key.
pub fn parse_account(text: &str) -> Result<AccountId32> {
    let text = text.trim();
    if let Some(hex) = text.strip_prefix("0x") {
        let bytes = hex::decode(hex).ok().filter(|b| b.len() == 32);
        let Some(bytes) = bytes else {
            bail!("{text:?} is not a 32-byte hex public key");
        };
        let mut key = [0u8; 32];
        key.copy_from_slice(&bytes);
        return Ok(AccountId32(key));
    }
    AccountId32::from_str(text)
        .map_err(|_| anyhow::anyhow!("{text:?} is not an SS58 address or a 0x public key"))
}

/// A roles file as TOML gives it: sections of keys of account lists.
type Sections = BTreeMap<String, BTreeMap<String, Vec<String>>>;

/// The grants a roles file asks for, in deployment order, each account checked. Sections
/// and keys are the suite's ([`Contract::roles`]); anything else is refused with the names
/// it could have been. The same (contract, role, account) twice is refused: it is a
/// copy-paste slip.
pub fn parse(text: &str) -> Result<Vec<RoleGrant>> {
    let sections: Sections = toml::from_str(text).context(
        "the roles file is not valid: each section lists accounts per role, key = [\"...\"]",
    )?;
    for (section, keys) in &sections {
        let Some(contract) = Contract::from_name(section) else {
            let known: Vec<_> = Contract::ALL.iter().map(|c| c.name()).collect();
            bail!(
                "unknown section [{section}]: the sections are {}",
                known.join(", ")
            );
        };
        for key in keys.keys() {
            if !contract.roles().iter().any(|r| r.key == key) {
                let known: Vec<_> = contract.roles().iter().map(|r| r.key).collect();
                bail!(
                    "unknown key {key:?} in [{section}]: its keys are {}",
                    known.join(", ")
                );
            }
        }
    }
    let mut grants: Vec<RoleGrant> = Vec::new();
    for contract in Contract::ALL {
        let Some(keys) = sections.get(contract.name()) else {
            continue;
        };
        for role_key in contract.roles() {
            let role = role_key.role;
            for text in keys.get(role_key.key).into_iter().flatten() {
                let account = parse_account(text)
                    .with_context(|| format!("in [{contract}], role {role:?}"))?;
                let grant = RoleGrant {
                    contract,
                    role,
                    account,
                };
                if grants.contains(&grant) {
                    bail!("[{contract}] lists {text} twice as {role:?}");
                }
                grants.push(grant);
            }
        }
    }
    Ok(grants)
}

/// Reads and parses a roles file.
pub fn load(path: &Path) -> Result<Vec<RoleGrant>> {
    let text = std::fs::read_to_string(path).with_context(|| {
        format!(
            "cannot read the roles file {} (see cli/roles.example.toml)",
            path.display()
        )
    })?;
    parse(&text).with_context(|| format!("in {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const BOB: &str = "5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty";
    const CHARLIE: &str = "5FLSigC9HGRKVhB9FiEo4Y3koPsNmBmLJbpXg2mp1hXcS59Y";

    #[test]
    fn grants_in_contract_order_with_domain_names() {
        let grants = parse(&format!(
            "[trial_anchoring]\nsponsors = [\"{BOB}\"]\n[drug_provenance]\npharmacies = [\"{CHARLIE}\"]\nmanufacturers = [\"{BOB}\"]\n"
        ))
        .unwrap();
        let summary: Vec<_> = grants.iter().map(|g| (g.contract, g.role)).collect();
        assert_eq!(
            summary,
            vec![
                (Contract::DrugProvenance, Role::Manufacturer),
                (Contract::DrugProvenance, Role::Dispenser),
                (Contract::TrialAnchoring, Role::Sponsor),
            ]
        );
        assert_eq!(grants[1].account, AccountId32::from_str(CHARLIE).unwrap());
    }

    #[test]
    fn hex_keys_and_ss58_name_the_same_account() {
        let ss58 = parse_account(BOB).unwrap();
        let hex = parse_account(&format!("0x{}", hex::encode(ss58.0))).unwrap();
        assert_eq!(ss58, hex);
    }

    #[test]
    fn refuses_typos_bad_accounts_and_duplicates() {
        let typo = parse("[drug_provenance]\npharmacy = []\n").unwrap_err();
        assert!(
            format!("{typo:#}").contains("unknown key \"pharmacy\"")
                && format!("{typo:#}").contains("pharmacies"),
            "{typo:#}"
        );
        let section = parse("[drug_provenanse]\n").unwrap_err();
        assert!(
            format!("{section:#}").contains("unknown section [drug_provenanse]"),
            "{section:#}"
        );
        let not_a_list = parse("[trial_anchoring]\nsponsors = \"x\"\n").unwrap_err();
        assert!(
            format!("{not_a_list:#}").contains("not valid"),
            "{not_a_list:#}"
        );
        let bad = parse("[claim_settlement]\ninsurers = [\"not-an-account\"]\n").unwrap_err();
        assert!(
            format!("{bad:#}").contains("Insurer") && format!("{bad:#}").contains("SS58"),
            "{bad:#}"
        );
        let short = parse_account("0x1234").unwrap_err();
        assert!(format!("{short:#}").contains("32-byte"));
        let twice = parse(&format!(
            "[trial_anchoring]\nsponsors = [\"{BOB}\", \"{BOB}\"]\n"
        ))
        .unwrap_err();
        assert!(format!("{twice:#}").contains("twice"));
    }

    #[test]
    fn an_empty_file_grants_nothing() {
        assert!(parse("").unwrap().is_empty());
    }
}
