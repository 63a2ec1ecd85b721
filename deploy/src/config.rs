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
use ink_e2e::subxt::utils::AccountId32;
use serde::Deserialize;
use std::{path::Path, str::FromStr};

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RolesFile {
    #[serde(default)]
    consent_registry: ConsentRoles,
    #[serde(default)]
    drug_provenance: ProvenanceRoles,
    #[serde(default)]
    claim_settlement: ClaimRoles,
    #[serde(default)]
    trial_anchoring: TrialRoles,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConsentRoles {
    #[serde(default)]
    emergency_responders: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProvenanceRoles {
    #[serde(default)]
    manufacturers: Vec<String>,
    #[serde(default)]
    wholesalers: Vec<String>,
    /// Dispensers, in DSCSA's word; pharmacies in everyone else's.
    #[serde(default)]
    pharmacies: Vec<String>,
    #[serde(default)]
    sensors: Vec<String>,
    #[serde(default)]
    regulators: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ClaimRoles {
    #[serde(default)]
    insurers: Vec<String>,
    #[serde(default)]
    providers: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct TrialRoles {
    #[serde(default)]
    sponsors: Vec<String>,
}

/// One role to grant: in `contract`, `role` to `account`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleGrant {
    pub contract: &'static str,
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

/// The grants a roles file asks for, in deployment order, each account checked. The
/// same (contract, role, account) twice is refused: it is a copy-paste slip.
pub fn parse(text: &str) -> Result<Vec<RoleGrant>> {
    let file: RolesFile = toml::from_str(text).context("the roles file is not valid")?;
    let lists: [(&'static str, Role, &Vec<String>); 9] = [
        (
            "consent_registry",
            Role::EmergencyResponder,
            &file.consent_registry.emergency_responders,
        ),
        (
            "drug_provenance",
            Role::Manufacturer,
            &file.drug_provenance.manufacturers,
        ),
        (
            "drug_provenance",
            Role::Wholesaler,
            &file.drug_provenance.wholesalers,
        ),
        (
            "drug_provenance",
            Role::Dispenser,
            &file.drug_provenance.pharmacies,
        ),
        (
            "drug_provenance",
            Role::Sensor,
            &file.drug_provenance.sensors,
        ),
        (
            "drug_provenance",
            Role::Regulator,
            &file.drug_provenance.regulators,
        ),
        (
            "claim_settlement",
            Role::Insurer,
            &file.claim_settlement.insurers,
        ),
        (
            "claim_settlement",
            Role::Provider,
            &file.claim_settlement.providers,
        ),
        (
            "trial_anchoring",
            Role::Sponsor,
            &file.trial_anchoring.sponsors,
        ),
    ];
    let mut grants: Vec<RoleGrant> = Vec::new();
    for (contract, role, accounts) in lists {
        for text in accounts {
            let account =
                parse_account(text).with_context(|| format!("in [{contract}], role {role:?}"))?;
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
    Ok(grants)
}

/// Reads and parses a roles file.
pub fn load(path: &Path) -> Result<Vec<RoleGrant>> {
    let text = std::fs::read_to_string(path).with_context(|| {
        format!(
            "cannot read the roles file {} (see deploy/roles.example.toml)",
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
                ("drug_provenance", Role::Manufacturer),
                ("drug_provenance", Role::Dispenser),
                ("trial_anchoring", Role::Sponsor),
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
        assert!(format!("{typo:#}").contains("unknown field"), "{typo:#}");
        let section = parse("[drug_provenanse]\n").unwrap_err();
        assert!(
            format!("{section:#}").contains("unknown field"),
            "{section:#}"
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
