//! `healthchain deploy`: the four contracts on a chain, wired by address, the roles of a
//! roles file granted, and a manifest of it all.
//!
//! The run dry-runs everything it can first and shows the cost; it then uploads each code
//! (unless the chain has it), instantiates each contract from its code hash with a fixed
//! salt (so its address is predictable and an interrupted run finds what it made), and
//! grants each role the chain does not already show. With an existing manifest it checks
//! every recorded contract's code hash on chain and skips what is done: a second run with
//! the same inputs submits nothing.

use crate::{
    chain::{format_amount, Chain, ChainError, Code, Estimate},
    config::RoleGrant,
    manifest::{self, DeployedContract, GrantedRole, Manifest},
};
use anyhow::{bail, Context, Result};
use healthchain_common::{access::AccessControlled, merkle::blake2_256};
use indicatif::{ProgressBar, ProgressStyle};
use ink::{primitives::AccountId, scale::Encode};
use ink_e2e::{subxt::utils::AccountId32, subxt_signer::SecretUri, Keypair};
use std::{
    path::{Path, PathBuf},
    str::FromStr,
    time::Duration,
};

/// Where the secret can come from when no file is given.
pub const SECRET_ENV: &str = "HEALTHCHAIN_SURI";

/// The signer of a deploy.
pub struct Signer {
    pub keypair: Keypair,
    pub account: AccountId32,
    /// A well-known development key (`//Alice`): anyone can sign with it.
    pub is_dev: bool,
}

/// Reads the signer's secret URI from `file` or, without one, from `HEALTHCHAIN_SURI`.
/// Errors never contain the secret.
pub fn read_signer(file: Option<&Path>) -> Result<Signer> {
    let secret = match file {
        Some(path) => std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the secret file {}", path.display()))?
            .lines()
            .map(str::trim)
            .find(|line| !line.is_empty())
            .map(str::to_string)
            .with_context(|| format!("the secret file {} is empty", path.display()))?,
        None => std::env::var(SECRET_ENV).map_err(|_| {
            anyhow::anyhow!(
                "no signer: pass --suri-file FILE (a secret URI: mnemonic, 0x seed, or //Alice on a dev chain) or set {SECRET_ENV}"
            )
        })?,
    };
    let uri = SecretUri::from_str(&secret).map_err(|_| {
        anyhow::anyhow!("the secret is not a valid secret URI (a mnemonic, a 0x seed, or //Alice style on a dev chain)")
    })?;
    let keypair = Keypair::from_uri(&uri)
        .map_err(|_| anyhow::anyhow!("the secret URI does not derive an sr25519 key"))?;
    let is_dev = secret.starts_with("//") || secret.starts_with(ink_e2e::subxt_signer::DEV_PHRASE);
    Ok(Signer {
        account: AccountId32(keypair.public_key().0),
        keypair,
        is_dev,
    })
}

/// Whether the node is a local or development chain, where dev keys are fine.
pub fn is_local(url: &str, chain_name: &str) -> bool {
    let host = url
        .split("://")
        .nth(1)
        .unwrap_or(url)
        .split('/')
        .next()
        .unwrap_or("");
    let host = host.rsplit_once(':').map_or(host, |(h, _)| h);
    matches!(host, "127.0.0.1" | "localhost" | "[::1]")
        || matches!(chain_name, "Development" | "Local Testnet")
}

/// One contract's compiled code.
pub struct Bundle {
    pub name: &'static str,
    pub wasm: Vec<u8>,
    pub code_hash: [u8; 32],
}

/// Reads `<dir>/<name>/<name>.wasm` (or the `.contract` bundle) of every contract.
pub fn load_bundles(dir: &Path) -> Result<Vec<Bundle>> {
    crate::demo::CONTRACTS
        .iter()
        .map(|&name| {
            let wasm_path = dir.join(name).join(format!("{name}.wasm"));
            let contract_path = dir.join(name).join(format!("{name}.contract"));
            ensure_release(&dir.join(name).join(format!("{name}.json")))?;
            let wasm = if wasm_path.is_file() {
                std::fs::read(&wasm_path)
                    .with_context(|| format!("reading {}", wasm_path.display()))?
            } else if contract_path.is_file() {
                wasm_of_bundle(&contract_path)?
            } else {
                bail!(
                    "bundle missing: no {} or {} (run make build, or pass --bundles DIR)",
                    wasm_path.display(),
                    contract_path.display()
                );
            };
            Ok(Bundle {
                name,
                code_hash: blake2_256(&wasm),
                wasm,
            })
        })
        .collect()
}

/// Refuses a debug build (ink_e2e's tests write theirs where `make build` writes release
/// bundles): debug code is larger and slower, and not what anyone should deploy.
fn ensure_release(path: &Path) -> Result<()> {
    let Ok(text) = std::fs::read_to_string(path) else {
        return Ok(()); // A bundle without its metadata file: its .contract is checked instead.
    };
    let metadata: serde_json::Value =
        serde_json::from_str(&text).with_context(|| format!("{} is not JSON", path.display()))?;
    match metadata
        .pointer("/source/build_info/build_mode")
        .and_then(|m| m.as_str())
    {
        Some("Debug") => bail!(
            "{} describes a debug build (the e2e tests write those there): run make build",
            path.display()
        ),
        _ => Ok(()),
    }
}

fn wasm_of_bundle(path: &Path) -> Result<Vec<u8>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let bundle: serde_json::Value =
        serde_json::from_str(&text).with_context(|| format!("{} is not JSON", path.display()))?;
    if bundle
        .pointer("/source/build_info/build_mode")
        .and_then(|m| m.as_str())
        == Some("Debug")
    {
        bail!("{} is a debug build: run make build", path.display());
    }
    let hex = bundle
        .pointer("/source/wasm")
        .and_then(|v| v.as_str())
        .with_context(|| {
            format!(
                "{} has no source.wasm: build it with cargo contract build",
                path.display()
            )
        })?;
    hex::decode(hex.trim_start_matches("0x"))
        .with_context(|| format!("{} has a malformed source.wasm", path.display()))
}

/// What `healthchain deploy` was asked to do.
pub struct Request {
    pub url: String,
    pub signer: Signer,
    pub roles: Vec<RoleGrant>,
    pub manifest: PathBuf,
    pub bundles: Vec<Bundle>,
    /// Distinguishes several suites deployed by one account on one chain.
    pub salt: String,
    pub dry_run: bool,
}

/// What a deploy did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    /// Transactions submitted (0 on a dry run or when everything was in place).
    pub submitted: usize,
    pub manifest_written: bool,
}

/// A step still to do.
enum Step {
    Upload { contract: usize },
    Instantiate { contract: usize },
    Grant { grant: usize },
}

/// The constructor input of `name`, wired to the contracts deployed before it, and the
/// arguments by name for the manifest.
fn constructor(
    name: &str,
    deployed: &[(String, AccountId32)],
) -> Result<(Vec<u8>, serde_json::Map<String, serde_json::Value>)> {
    let address = |contract: &str| -> Result<AccountId> {
        deployed
            .iter()
            .find(|(n, _)| n == contract)
            .map(|(_, a)| AccountId::from(a.0))
            .with_context(|| format!("{name} needs {contract}'s address, which is not deployed"))
    };
    let mut args = serde_json::Map::new();
    let mut record = |arg: &str, account: AccountId| {
        let ss58 = AccountId32(*AsRef::<[u8; 32]>::as_ref(&account)).to_string();
        args.insert(arg.to_string(), serde_json::Value::String(ss58));
    };
    // ink! constructors are called by selector; the builders encode it with the arguments.
    macro_rules! input {
        ($builder:expr) => {
            $builder
                .code_hash(ink::primitives::Hash::from([0u8; 32]))
                .endowment(0)
                .salt_bytes(Vec::<u8>::new())
                .params()
                .exec_input()
                .encode()
        };
    }
    let data = match name {
        "consent_registry" => input!(consent_registry::consent_registry::ConsentRegistryRef::new()),
        "drug_provenance" => input!(drug_provenance::drug_provenance::DrugProvenanceRef::new()),
        "claim_settlement" => {
            let (registry, ledger) = (address("consent_registry")?, address("drug_provenance")?);
            record("consent_registry", registry);
            record("drug_provenance", ledger);
            input!(claim_settlement::claim_settlement::ClaimSettlementRef::new(
                registry, ledger
            ))
        }
        "trial_anchoring" => {
            let registry = address("consent_registry")?;
            record("consent_registry", registry);
            input!(trial_anchoring::trial_anchoring::TrialAnchoringRef::new(
                registry
            ))
        }
        other => bail!("unknown contract {other}"),
    };
    Ok((data, args))
}

/// The call data of `has_role` and `grant_role` on the contract `name`.
fn role_calls(name: &str, contract: &AccountId32, grant: &RoleGrant) -> Result<(Vec<u8>, Vec<u8>)> {
    let contract = AccountId::from(contract.0);
    let account = AccountId::from(grant.account.0);
    macro_rules! calls {
        ($contract:ty) => {{
            let mut builder = ink_e2e::create_call_builder::<$contract>(contract);
            (
                builder
                    .has_role(account, grant.role)
                    .params()
                    .exec_input()
                    .encode(),
                builder
                    .grant_role(grant.role, account)
                    .params()
                    .exec_input()
                    .encode(),
            )
        }};
    }
    Ok(match name {
        "consent_registry" => calls!(consent_registry::consent_registry::ConsentRegistry),
        "drug_provenance" => calls!(drug_provenance::drug_provenance::DrugProvenance),
        "claim_settlement" => calls!(claim_settlement::claim_settlement::ClaimSettlement),
        "trial_anchoring" => calls!(trial_anchoring::trial_anchoring::TrialAnchoring),
        other => bail!("unknown contract {other}"),
    })
}

/// pallet-contracts' default address: BLAKE2b-256 of "contract_addr_v1", the deployer,
/// the code hash, the input and the salt. A dry run confirms it before anything is sent.
pub fn predicted_address(
    deployer: &AccountId32,
    code_hash: &[u8; 32],
    data: &[u8],
    salt: &[u8],
) -> AccountId32 {
    AccountId32((b"contract_addr_v1", deployer.0, code_hash, data, salt).using_encoded(blake2_256))
}

fn spinner(message: String) -> ProgressBar {
    let bar = ProgressBar::new_spinner();
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg} {elapsed}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    bar.set_message(message);
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

/// Runs a deploy; prints what it plans, then what it does.
pub async fn run(request: Request) -> Result<Outcome> {
    let Request {
        url,
        signer,
        roles,
        manifest: manifest_path,
        bundles,
        salt,
        dry_run,
    } = request;
    let existing = if manifest_path.exists() {
        Some(Manifest::load(&manifest_path)?)
    } else {
        None
    };
    if let Some(manifest) = &existing {
        if manifest.deployer != signer.account.to_string() {
            bail!(
                "{} was deployed by {}, but the secret given is {}: sign with the deployer's secret (it is the contracts' admin)",
                manifest_path.display(),
                manifest.deployer,
                signer.account
            );
        }
    }

    let connecting = spinner(format!("connecting to {url}"));
    let chain = Chain::connect(&url).await;
    connecting.finish_and_clear();
    let chain = chain?;
    let token = chain.token().await;
    println!(
        "deploy: chain {:?} (genesis {}) at {url}",
        chain.name,
        chain.genesis_hex()
    );
    if let Some(manifest) = &existing {
        if manifest.chain.genesis_hash != chain.genesis_hex() {
            return Err(ChainError(format!(
                "wrong chain for the manifest: {} is for {:?} (genesis {}), but the node at {url} serves {:?} (genesis {}); point --url at the manifest's chain or use another --manifest",
                manifest_path.display(),
                manifest.chain.name,
                manifest.chain.genesis_hash,
                chain.name,
                chain.genesis_hex()
            ))
            .into());
        }
    }
    if signer.is_dev && !is_local(&url, &chain.name) {
        bail!(
            "refusing a development key (//Alice style) on {:?} at {url}: anyone can sign with it; use your own secret",
            chain.name
        );
    }
    let balance = chain.free_balance(&signer.account).await?;
    println!(
        "deploy: deployer {} holds {}",
        signer.account,
        format_amount(balance, &token)
    );
    if balance == 0 {
        return Err(ChainError(format!(
            "the deployer {} has no funds on {:?}: transfer some to it first (on a dev chain, from //Alice)",
            signer.account, chain.name
        ))
        .into());
    }

    let mut manifest = existing.clone().unwrap_or_else(|| {
        Manifest::new(
            manifest::Chain {
                name: chain.name.clone(),
                genesis_hash: chain.genesis_hex(),
                url: url.clone(),
            },
            signer.account.to_string(),
        )
    });

    // What is there already: each recorded contract must be on chain with its code.
    let mut addresses: Vec<(String, AccountId32)> = Vec::new();
    let mut steps = Vec::new();
    let mut code_on_chain = Vec::new();
    for (index, bundle) in bundles.iter().enumerate() {
        if let Some(recorded) = manifest.contract(bundle.name) {
            let address = crate::config::parse_account(&recorded.address)
                .with_context(|| format!("{} in the manifest", bundle.name))?;
            let on_chain = chain.contract_code_hash(&address).await?;
            let recorded_hash = recorded.code_hash.clone();
            match on_chain {
                Some(hash) if format!("0x{}", hex::encode(hash)) == recorded_hash => {
                    println!("  {:<17} deployed at {address}, code {recorded_hash} checked on chain", bundle.name);
                }
                Some(hash) => {
                    return Err(ChainError(format!(
                        "{} at {address} runs code 0x{} on chain, but the manifest says {recorded_hash}: it was upgraded or the manifest is stale; update the manifest by hand after checking",
                        bundle.name,
                        hex::encode(hash)
                    ))
                    .into())
                }
                None => {
                    return Err(ChainError(format!(
                        "{} is not on chain at {address} as the manifest says (a restarted dev chain?): move {} away to deploy afresh",
                        bundle.name,
                        manifest_path.display()
                    ))
                    .into())
                }
            }
            if format!("0x{}", hex::encode(bundle.code_hash)) != recorded_hash {
                println!(
                    "  {:<17} note: the local build (0x{}) differs from the deployed code; deploy does not upgrade (the admin's set_code does)",
                    bundle.name,
                    hex::encode(bundle.code_hash)
                );
            }
            addresses.push((bundle.name.to_string(), address));
            code_on_chain.push(true);
            continue;
        }
        let on_chain = chain.code_exists(bundle.code_hash).await?;
        code_on_chain.push(on_chain);
        if !on_chain {
            steps.push(Step::Upload { contract: index });
        }
        steps.push(Step::Instantiate { contract: index });
        // Later constructors need this address: predict it (a dry run confirms it).
        let (data, _) = constructor(bundle.name, &addresses)?;
        addresses.push((
            bundle.name.to_string(),
            predicted_address(&signer.account, &bundle.code_hash, &data, salt.as_bytes()),
        ));
    }
    for (index, _) in roles.iter().enumerate() {
        steps.push(Step::Grant { grant: index });
    }

    // The estimate: dry runs of every step whose contract exists or can be predicted.
    println!("deploy: plan (dry runs on the chain's latest block)");
    let mut total = Estimate::default();
    let mut unestimated = 0usize;
    // Each upload's deposit, from its dry run: the instantiation's dry run (with the code)
    // includes it, and the plan counts it once.
    let mut upload_deposits = vec![0u128; bundles.len()];
    let mut pending_grants = Vec::new();
    for step in &steps {
        match step {
            Step::Upload { contract } => {
                let bundle = &bundles[*contract];
                let estimate = chain
                    .dry_run_upload(&signer.account, bundle.wasm.clone())
                    .await?;
                println!(
                    "  {:<17} upload code 0x{} ({} bytes): storage deposit {}",
                    bundle.name,
                    hex::encode(bundle.code_hash),
                    bundle.wasm.len(),
                    format_amount(estimate.deposit, &token)
                );
                total.deposit += estimate.deposit;
                upload_deposits[*contract] = estimate.deposit;
            }
            Step::Instantiate { contract } => {
                let bundle = &bundles[*contract];
                let address = addresses[*contract].1.clone();
                if chain.contract_code_hash(&address).await? == Some(bundle.code_hash) {
                    println!(
                        "  {:<17} found at {address} (left by an interrupted deploy): adopted",
                        bundle.name
                    );
                    continue;
                }
                let (data, _) = constructor(bundle.name, &addresses)?;
                let code = if code_on_chain[*contract] {
                    Code::Existing(bundle.code_hash)
                } else {
                    // Not uploaded yet: dry-run with the code; its deposit is counted above.
                    Code::Upload(bundle.wasm.clone())
                };
                let (dry_address, estimate) = chain
                    .dry_run_instantiate(&signer.account, code, data, salt.as_bytes().to_vec())
                    .await
                    .with_context(|| format!("dry-running {}'s instantiation", bundle.name))?;
                if dry_address != address {
                    // A runtime with its own address generator: the dry run is the truth.
                    println!(
                        "  {:<17} the chain places it at {dry_address}, not at the predicted {address}",
                        bundle.name
                    );
                    addresses[*contract].1 = dry_address.clone();
                }
                let address = dry_address;
                let deposit = estimate.deposit.saturating_sub(upload_deposits[*contract]);
                println!(
                    "  {:<17} instantiate at {address}: gas {} ref_time / {} proof_size, storage deposit {}",
                    bundle.name,
                    estimate.ref_time,
                    estimate.proof_size,
                    format_amount(deposit, &token)
                );
                total.ref_time += estimate.ref_time;
                total.proof_size += estimate.proof_size;
                total.deposit += deposit;
            }
            Step::Grant { grant } => {
                let grant = &roles[*grant];
                let contract = &addresses
                    .iter()
                    .find(|(n, _)| n == grant.contract)
                    .context("a role for a contract outside the suite")?
                    .1;
                if chain.contract_code_hash(contract).await?.is_none() {
                    unestimated += 1;
                    pending_grants.push(grant.clone());
                    continue;
                }
                let (has_role, grant_role) = role_calls(grant.contract, contract, grant)?;
                let held = chain
                    .dry_run_call(&signer.account, contract, has_role)
                    .await?;
                if <Result<bool, ink::LangError> as ink::scale::Decode>::decode(
                    &mut held.data.as_slice(),
                ) == Ok(Ok(true))
                {
                    println!(
                        "  {:<17} {:?} {}: already held",
                        grant.contract, grant.role, grant.account
                    );
                    continue;
                }
                let estimate = dry_run_grant(&chain, &signer, contract, grant, grant_role).await?;
                println!(
                    "  {:<17} grant {:?} to {}: gas {} ref_time / {} proof_size, storage deposit {}",
                    grant.contract,
                    grant.role,
                    grant.account,
                    estimate.ref_time,
                    estimate.proof_size,
                    format_amount(estimate.deposit, &token)
                );
                pending_grants.push(grant.clone());
                total.ref_time += estimate.ref_time;
                total.proof_size += estimate.proof_size;
                total.deposit += estimate.deposit;
            }
        }
    }
    if unestimated > 0 {
        println!("  ({unestimated} role grants are estimated once their contract exists)");
    }
    println!(
        "deploy: estimated total: gas {} ref_time / {} proof_size, storage deposit {} (plus transaction fees)",
        total.ref_time,
        total.proof_size,
        format_amount(total.deposit, &token)
    );
    if total.deposit > balance {
        return Err(ChainError(format!(
            "the deployer {} holds {} but the deploy needs about {} in storage deposits plus fees: fund it",
            signer.account,
            format_amount(balance, &token),
            format_amount(total.deposit, &token)
        ))
        .into());
    }
    if dry_run {
        println!("deploy: dry run: nothing submitted, no manifest written");
        return Ok(Outcome::default());
    }

    // Submit, step by step, saving the manifest after each.
    let work: Vec<&Step> = steps
        .iter()
        .filter(|step| match step {
            Step::Grant { grant } => pending_grants.contains(&roles[*grant]),
            _ => true,
        })
        .collect();
    let mut outcome = Outcome::default();
    let bar = ProgressBar::new(work.len() as u64);
    bar.set_style(
        ProgressStyle::with_template("{bar:30} {pos}/{len} {msg} {elapsed}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar.enable_steady_tick(Duration::from_millis(200));
    let mut code_blocks: Vec<Option<u64>> = vec![None; bundles.len()];
    for step in work {
        match step {
            Step::Upload { contract } => {
                let bundle = &bundles[*contract];
                bar.set_message(format!(
                    "uploading {} ({} bytes)",
                    bundle.name,
                    bundle.wasm.len()
                ));
                let estimate = chain
                    .dry_run_upload(&signer.account, bundle.wasm.clone())
                    .await?;
                let block = chain
                    .upload(&signer.keypair, bundle.wasm.clone(), estimate.deposit)
                    .await
                    .map_err(|e| funds_hint(e, &signer))?;
                code_blocks[*contract] = Some(block);
                outcome.submitted += 1;
                bar.println(format!(
                    "  {:<17} code uploaded in block {block}",
                    bundle.name
                ));
            }
            Step::Instantiate { contract } => {
                let bundle = &bundles[*contract];
                let address = addresses[*contract].1.clone();
                let (data, args) = constructor(bundle.name, &addresses)?;
                let block = if chain.contract_code_hash(&address).await? == Some(bundle.code_hash) {
                    None
                } else {
                    bar.set_message(format!("instantiating {}", bundle.name));
                    let (_, estimate) = chain
                        .dry_run_instantiate(
                            &signer.account,
                            Code::Existing(bundle.code_hash),
                            data.clone(),
                            salt.as_bytes().to_vec(),
                        )
                        .await?;
                    let block = chain
                        .instantiate(
                            &signer.keypair,
                            bundle.code_hash,
                            data,
                            salt.as_bytes().to_vec(),
                            &estimate,
                        )
                        .await
                        .map_err(|e| funds_hint(e, &signer))?;
                    outcome.submitted += 1;
                    Some(block)
                };
                if chain.contract_code_hash(&address).await? != Some(bundle.code_hash) {
                    return Err(ChainError(format!(
                        "{} is not at {address} after its instantiation",
                        bundle.name
                    ))
                    .into());
                }
                manifest.contracts.push(DeployedContract {
                    name: bundle.name.to_string(),
                    code_hash: format!("0x{}", hex::encode(bundle.code_hash)),
                    address: address.to_string(),
                    code_block: code_blocks[*contract],
                    instantiate_block: block,
                    constructor_args: args,
                });
                manifest.save(&manifest_path)?;
                outcome.manifest_written = true;
                bar.println(match block {
                    Some(block) => format!(
                        "  {:<17} instantiated at {address} in block {block}",
                        bundle.name
                    ),
                    None => format!("  {:<17} adopted at {address}", bundle.name),
                });
            }
            Step::Grant { grant } => {
                let grant = &roles[*grant];
                let contract = addresses
                    .iter()
                    .find(|(n, _)| n == grant.contract)
                    .map(|(_, a)| a.clone())
                    .context("a role for a contract outside the suite")?;
                let (has_role, grant_role) = role_calls(grant.contract, &contract, grant)?;
                let held = chain
                    .dry_run_call(&signer.account, &contract, has_role)
                    .await?;
                let block = if <Result<bool, ink::LangError> as ink::scale::Decode>::decode(
                    &mut held.data.as_slice(),
                ) == Ok(Ok(true))
                {
                    None
                } else {
                    bar.set_message(format!("granting {:?} in {}", grant.role, grant.contract));
                    let estimate =
                        dry_run_grant(&chain, &signer, &contract, grant, grant_role.clone())
                            .await?;
                    let block = chain
                        .call(&signer.keypair, &contract, grant_role, &estimate)
                        .await
                        .map_err(|e| funds_hint(e, &signer))?;
                    outcome.submitted += 1;
                    Some(block)
                };
                let role = format!("{:?}", grant.role);
                let account = grant.account.to_string();
                if !manifest.has_role(grant.contract, &role, &account) {
                    manifest.roles.push(GrantedRole {
                        contract: grant.contract.to_string(),
                        role: role.clone(),
                        account: account.clone(),
                        block,
                    });
                    manifest.save(&manifest_path)?;
                    outcome.manifest_written = true;
                }
                bar.println(format!(
                    "  {:<17} {role} {}",
                    grant.contract,
                    match block {
                        Some(block) => format!("granted to {account} in block {block}"),
                        None => format!("already held by {account}"),
                    }
                ));
            }
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    if outcome.submitted == 0 {
        println!(
            "deploy: everything in {} is in place on chain: nothing submitted",
            manifest_path.display()
        );
    } else {
        println!(
            "deploy: {} transactions; manifest {}",
            outcome.submitted,
            manifest_path.display()
        );
    }
    Ok(outcome)
}

/// Dry-runs `grant_role` and turns a refusal into a message.
async fn dry_run_grant(
    chain: &Chain,
    signer: &Signer,
    contract: &AccountId32,
    grant: &RoleGrant,
    data: Vec<u8>,
) -> Result<Estimate> {
    let outcome = chain.dry_run_call(&signer.account, contract, data).await?;
    let answer = <Result<Result<(), healthchain_common::access::AccessError>, ink::LangError> as ink::scale::Decode>::decode(
        &mut outcome.data.as_slice(),
    );
    match answer {
        Ok(Ok(Ok(()))) if !outcome.reverted => Ok(outcome.estimate),
        Ok(Ok(Err(error))) => Err(ChainError(format!(
            "{} refuses to grant {:?} to {}: {error:?} (is the signer still its admin?)",
            grant.contract, grant.role, grant.account
        ))
        .into()),
        other => Err(ChainError(format!(
            "{} answered grant_role with {other:?}: is it a healthchain contract?",
            grant.contract
        ))
        .into()),
    }
}

/// Adds what to do when a transaction failed for want of funds.
fn funds_hint(error: anyhow::Error, signer: &Signer) -> anyhow::Error {
    let text = format!("{error:#}");
    if text.contains("StorageDeposit")
        || text.contains("Inability to pay")
        || text.contains("InsufficientBalance")
    {
        error.context(format!(
            "the deployer {} cannot pay: fund it and run deploy again (it resumes)",
            signer.account
        ))
    } else {
        error
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dev_keys_only_on_local_chains() {
        assert!(is_local("ws://127.0.0.1:9944", "Rococo"));
        assert!(is_local("ws://localhost:9944/", "x"));
        assert!(is_local("wss://rpc.example.org", "Development"));
        assert!(!is_local("wss://rpc.example.org:443", "Aleph Zero Testnet"));
    }

    #[test]
    fn a_secret_from_a_file_is_read_not_echoed() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("suri");
        std::fs::write(&file, "\n  //Alice  \n").unwrap();
        let signer = read_signer(Some(&file)).unwrap();
        assert!(signer.is_dev);
        assert_eq!(signer.account.0, ink_e2e::alice().public_key().0);
        std::fs::write(&file, "not a secret at all ~~").unwrap();
        let error = format!("{:#}", read_signer(Some(&file)).err().unwrap());
        assert!(!error.contains("~~"), "{error}");
        let empty = dir.path().join("empty");
        std::fs::write(&empty, "\n").unwrap();
        assert!(format!("{:#}", read_signer(Some(&empty)).err().unwrap()).contains("empty"));
    }

    #[test]
    fn constructors_are_wired_to_earlier_contracts() {
        let registry = AccountId32([1; 32]);
        let ledger = AccountId32([2; 32]);
        let deployed = vec![
            ("consent_registry".to_string(), registry.clone()),
            ("drug_provenance".to_string(), ledger.clone()),
        ];
        let (data, args) = constructor("claim_settlement", &deployed).unwrap();
        // The selector of `new`, then the two addresses.
        assert_eq!(&data[..4], &ink::selector_bytes!("new"));
        assert_eq!(&data[4..36], &registry.0);
        assert_eq!(&data[36..], &ledger.0);
        assert_eq!(args["drug_provenance"], ledger.to_string());
        let missing = constructor("trial_anchoring", &[]).unwrap_err();
        assert!(format!("{missing:#}").contains("consent_registry"));
    }

    #[test]
    fn bundles_missing_say_how_to_build() {
        let dir = tempfile::tempdir().unwrap();
        let error = format!("{:#}", load_bundles(dir.path()).err().unwrap());
        assert!(error.contains("make build"), "{error}");
    }
}
