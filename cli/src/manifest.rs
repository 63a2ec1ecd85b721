//! The deployment manifest: what `healthchain deploy` put on which chain, as JSON.
//!
//! It names the chain by its genesis hash (a manifest is never used against another
//! chain), and holds each contract's code hash, address and blocks, and the roles granted.
//! It never holds a secret. It is rewritten after every transaction (through a temporary
//! file and a rename), so an interrupted deploy loses nothing and resumes where it stopped.

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The `format` of a manifest this version reads and writes.
pub const FORMAT: &str = "healthchain-deployment/1";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub chain: Chain,
    /// The account that uploaded and instantiated the contracts (their admin), SS58.
    pub deployer: String,
    /// In deployment order.
    pub contracts: Vec<DeployedContract>,
    /// Role grants made by the deployer, in the order made.
    #[serde(default)]
    pub roles: Vec<GrantedRole>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Chain {
    /// The chain's name as the node reports it (`system_chain`).
    pub name: String,
    /// 0x-prefixed hex: what identifies the chain.
    pub genesis_hash: String,
    /// The node the deploy talked to (a hint for later commands; not an identity).
    pub url: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeployedContract {
    pub name: String,
    /// 0x-prefixed BLAKE2b-256 of the wasm, as pallet-contracts names code.
    pub code_hash: String,
    /// SS58.
    pub address: String,
    /// The block holding the code upload, or null when the code was already on chain.
    pub code_block: Option<u64>,
    /// The block of the instantiation, or null when an interrupted deploy's instance was
    /// found at the predicted address and adopted.
    pub instantiate_block: Option<u64>,
    /// The constructor's arguments, by name (the wiring: addresses of other contracts).
    #[serde(default)]
    pub constructor_args: serde_json::Map<String, serde_json::Value>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GrantedRole {
    pub contract: String,
    pub role: String,
    /// SS58.
    pub account: String,
    /// The block of the grant, or null when the account already held the role.
    pub block: Option<u64>,
}

impl Manifest {
    /// An empty manifest for `chain` and `deployer`.
    pub fn new(chain: Chain, deployer: String) -> Self {
        Manifest {
            format: FORMAT.to_string(),
            chain,
            deployer,
            contracts: Vec::new(),
            roles: Vec::new(),
        }
    }

    /// Refuses a node that serves another chain than the manifest's (by genesis hash).
    pub fn ensure_chain(&self, chain: &crate::chain::Chain, url: &str, path: &Path) -> Result<()> {
        if self.chain.genesis_hash == chain.genesis_hex() {
            return Ok(());
        }
        Err(crate::chain::ChainError(format!(
            "wrong chain for the manifest: {} is for {:?} (genesis {}), but the node at {url} serves {:?} (genesis {}); point --url at the manifest's chain or use another manifest",
            path.display(),
            self.chain.name,
            self.chain.genesis_hash,
            chain.name,
            chain.genesis_hex()
        ))
        .into())
    }

    /// The deployed contract called `name`.
    pub fn contract(&self, name: &str) -> Option<&DeployedContract> {
        self.contracts.iter().find(|c| c.name == name)
    }

    /// Whether `account` already holds `role` in `contract` by this manifest.
    pub fn has_role(&self, contract: &str, role: &str, account: &str) -> bool {
        self.roles
            .iter()
            .any(|r| r.contract == contract && r.role == role && r.account == account)
    }

    /// Reads a manifest, refusing another format.
    pub fn load(path: &Path) -> Result<Manifest> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the manifest {}", path.display()))?;
        let manifest: Manifest = serde_json::from_str(&text).with_context(|| {
            format!(
                "{} is not a healthchain deployment manifest",
                path.display()
            )
        })?;
        if manifest.format != FORMAT {
            bail!(
                "{} has format {:?}; this healthchain reads {FORMAT:?}",
                path.display(),
                manifest.format
            );
        }
        Ok(manifest)
    }

    /// Writes the manifest atomically: a reader never sees half a file.
    pub fn save(&self, path: &Path) -> Result<()> {
        let text = serde_json::to_string_pretty(self)? + "\n";
        let mut temporary = path.as_os_str().to_owned();
        temporary.push(".tmp");
        std::fs::write(&temporary, text)
            .with_context(|| format!("cannot write {}", Path::new(&temporary).display()))?;
        std::fs::rename(&temporary, path)
            .with_context(|| format!("cannot write the manifest {}", path.display()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Manifest {
        let mut manifest = Manifest::new(
            Chain {
                name: "Development".into(),
                genesis_hash: format!("0x{}", "ab".repeat(32)),
                url: "ws://127.0.0.1:9944".into(),
            },
            "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY".into(),
        );
        let mut args = serde_json::Map::new();
        args.insert(
            "consent_registry".into(),
            serde_json::Value::String("5C4hrfjw9DjXZTzV3MwzrrAr9P1MJhSrvWGWqi1eSuyUpnhM".into()),
        );
        manifest.contracts.push(DeployedContract {
            name: "trial_anchoring".into(),
            code_hash: format!("0x{}", "cd".repeat(32)),
            address: "5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty".into(),
            code_block: Some(3),
            instantiate_block: Some(4),
            constructor_args: args,
        });
        manifest.roles.push(GrantedRole {
            contract: "trial_anchoring".into(),
            role: "Sponsor".into(),
            account: "5FLSigC9HGRKVhB9FiEo4Y3koPsNmBmLJbpXg2mp1hXcS59Y".into(),
            block: None,
        });
        manifest
    }

    #[test]
    fn round_trips_through_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("deployment.json");
        let manifest = sample();
        manifest.save(&path).unwrap();
        assert_eq!(Manifest::load(&path).unwrap(), manifest);
        assert!(manifest.contract("trial_anchoring").is_some());
        assert!(manifest.has_role(
            "trial_anchoring",
            "Sponsor",
            "5FLSigC9HGRKVhB9FiEo4Y3koPsNmBmLJbpXg2mp1hXcS59Y"
        ));
        // No temporary file is left behind.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn refuses_other_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("other.json");
        std::fs::write(&path, "{\"name\": \"x\"}").unwrap();
        let error = Manifest::load(&path).unwrap_err();
        assert!(format!("{error:#}").contains("not a healthchain deployment manifest"));
        let mut future = sample();
        future.format = "healthchain-deployment/9".into();
        future.save(&path).unwrap();
        let error = Manifest::load(&path).unwrap_err();
        assert!(format!("{error:#}").contains("format"));
    }
}
