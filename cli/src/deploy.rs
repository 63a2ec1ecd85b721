//! `healthchain deploy`: the four contracts on a chain, wired by address, the roles of a
//! roles file granted, and a manifest of it all.
//!
//! The run dry-runs everything it can first and shows the cost; it then uploads each code
//! (unless the chain has it), the admin library's first (every constructor takes its
//! hash) and a contract's own library before the contract, instantiates each contract from its code hash with a fixed
//! salt (so its address is predictable and an interrupted run finds what it made), and
//! grants each role the chain does not already show. With an existing manifest it checks
//! every recorded contract's code hash on chain and skips what is done: a second run with
//! the same inputs submits nothing.

use crate::{
    bundles::{spinner, Bundle, Library},
    chain::{call_builder, format_amount, Chain, ChainError, Code, Estimate},
    config::RoleGrant,
    manifest::{self, DeployedContract, GrantedRole, Manifest},
};
use anyhow::{bail, Context, Result};
use healthchain_common::{access::AccessControlled, merkle::blake2_256};
use healthchain_suite::{Contract, ADMIN_LIBRARY};
use indicatif::{ProgressBar, ProgressStyle};
use ink::{primitives::AccountId, scale::Encode};
use std::{
    path::{Path, PathBuf},
    str::FromStr,
    time::Duration,
};
use subxt::utils::AccountId32;
use subxt_signer::{sr25519::Keypair, SecretUri};

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
    let is_dev = secret.starts_with("//") || secret.starts_with(subxt_signer::DEV_PHRASE);
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

/// What `healthchain deploy` was asked to do.
pub struct Request {
    pub url: String,
    pub signer: Signer,
    pub roles: Vec<RoleGrant>,
    pub manifest: PathBuf,
    pub bundles: Vec<Bundle>,
    /// The admin library, uploaded unless the chain has it; never instantiated.
    pub library: Library,
    /// Distinguishes several suites deployed by one account on one chain.
    pub salt: String,
    /// Milliseconds between proposing and applying an upgrade or a rewiring, fixed in
    /// every contract at construction.
    pub change_delay: u64,
    pub dry_run: bool,
}

/// What a deploy did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    /// Transactions submitted (0 on a dry run or when everything was in place).
    pub submitted: usize,
    pub manifest_written: bool,
}

/// A step still to do: indices into the request's bundles and role grants.
enum Step {
    UploadLibrary,
    /// Bundle `contract`'s own library ([`Contract::library`]).
    UploadOwnLibrary {
        contract: usize,
    },
    Upload {
        contract: usize,
    },
    Instantiate {
        contract: usize,
    },
    Grant {
        grant: usize,
    },
}

/// The constructor input of `contract`, wired to the addresses of its callees (deployed
/// or predicted before it), with the change delay and, for the contracts that take
/// relayed instructions, the chain's genesis hash they bind signatures to, the admin
/// library's code hash and the contract's own library's; and the arguments by name for
/// the manifest.
fn constructor(
    contract: Contract,
    deployed: &[(Contract, AccountId32)],
    change_delay: u64,
    genesis_hash: [u8; 32],
    library: [u8; 32],
    own_library: [u8; 32],
) -> Result<(Vec<u8>, serde_json::Map<String, serde_json::Value>)> {
    let mut args = serde_json::Map::new();
    let mut callees = Vec::new();
    for &callee in contract.callees() {
        let account = deployed
            .iter()
            .find(|(c, _)| *c == callee)
            .map(|(_, a)| a.clone())
            .with_context(|| {
                format!("{contract} needs {callee}'s address, which is not deployed")
            })?;
        args.insert(
            callee.name().to_string(),
            serde_json::Value::String(account.to_string()),
        );
        callees.push(AccountId::from(account.0));
    }
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
    use claim_settlement::claim_settlement::ClaimSettlementRef;
    use consent_registry::consent_registry::ConsentRegistryRef;
    use drug_provenance::drug_provenance::DrugProvenanceRef;
    use trial_anchoring::trial_anchoring::TrialAnchoringRef;
    let chain = ink::primitives::Hash::from(genesis_hash);
    let admin_library = ink::primitives::Hash::from(library);
    let own = ink::primitives::Hash::from(own_library);
    if matches!(
        contract,
        Contract::ConsentRegistry | Contract::ClaimSettlement | Contract::TrialAnchoring
    ) {
        args.insert(
            "chain".to_string(),
            serde_json::Value::String(format!("0x{}", hex::encode(genesis_hash))),
        );
    }
    let data = match (contract, callees.as_slice()) {
        (Contract::ConsentRegistry, []) => {
            input!(ConsentRegistryRef::new(chain, change_delay, admin_library, own))
        }
        (Contract::DrugProvenance, []) => {
            input!(DrugProvenanceRef::new(change_delay, admin_library, own))
        }
        (Contract::ClaimSettlement, [registry, ledger]) => input!(ClaimSettlementRef::new(
            *registry,
            *ledger,
            chain,
            change_delay,
            admin_library,
            own
        )),
        (Contract::TrialAnchoring, [registry]) => input!(TrialAnchoringRef::new(
            *registry,
            chain,
            change_delay,
            admin_library,
            own
        )),
        (contract, callees) => bail!(
            "{contract}'s constructor does not take {} addresses: the suite's wiring and its constructors disagree",
            callees.len()
        ),
    };
    args.insert(
        "change_delay_ms".to_string(),
        serde_json::Value::from(change_delay),
    );
    args.insert(
        "admin_library".to_string(),
        serde_json::Value::String(format!("0x{}", hex::encode(library))),
    );
    args.insert(
        "library".to_string(),
        serde_json::Value::String(format!("0x{}", hex::encode(own_library))),
    );
    Ok((data, args))
}

/// The call data of `has_role` and `grant_role` for `grant` on the contract at `address`.
fn role_calls(address: &AccountId32, grant: &RoleGrant) -> (Vec<u8>, Vec<u8>) {
    let contract = AccountId::from(address.0);
    let account = AccountId::from(grant.account.0);
    macro_rules! calls {
        ($contract:ty) => {{
            let mut builder = call_builder::<$contract>(contract);
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
    match grant.contract {
        Contract::ConsentRegistry => calls!(consent_registry::consent_registry::ConsentRegistry),
        Contract::DrugProvenance => calls!(drug_provenance::drug_provenance::DrugProvenance),
        Contract::ClaimSettlement => calls!(claim_settlement::claim_settlement::ClaimSettlement),
        Contract::TrialAnchoring => calls!(trial_anchoring::trial_anchoring::TrialAnchoring),
    }
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

/// What a deploy found before it estimates anything: the manifest to extend, every
/// contract's address (recorded, or predicted for those still to instantiate, in bundle
/// order), whether each code is on chain, and the steps that remain.
struct Inspection {
    manifest: Manifest,
    addresses: Vec<(Contract, AccountId32)>,
    code_on_chain: Vec<bool>,
    steps: Vec<Step>,
    balance: u128,
    token: (String, u32),
}

/// The address of `contract` among those a deploy knows.
fn address_in(addresses: &[(Contract, AccountId32)], contract: Contract) -> Result<AccountId32> {
    addresses
        .iter()
        .find(|(c, _)| *c == contract)
        .map(|(_, a)| a.clone())
        .with_context(|| format!("a role for {contract}, which this deploy does not have"))
}

/// What the estimate leaves to submit besides uploads and instantiations: the role
/// grants not already held (indices into the request's roles).
struct Plan {
    pending_grants: Vec<usize>,
}

/// Whether the contract at `address` runs `bundle`'s code: a contract an interrupted run
/// left there is adopted, not instantiated again.
async fn runs_bundle(chain: &Chain, address: &AccountId32, bundle: &Bundle) -> Result<bool> {
    Ok(chain.contract_code_hash(address).await? == Some(bundle.code_hash))
}

/// Whether `grant`'s account already holds its role in the contract at `address`.
async fn holds_role(
    chain: &Chain,
    signer: &Signer,
    address: &AccountId32,
    has_role: Vec<u8>,
) -> Result<bool> {
    let held = chain
        .dry_run_call(&signer.account, address, has_role)
        .await?;
    Ok(
        <Result<bool, ink::LangError> as ink::scale::Decode>::decode(&mut held.data.as_slice())
            == Ok(Ok(true)),
    )
}

/// Runs a deploy: connects and checks the chain, inspects what is there, prints the plan
/// with its estimated cost, then (unless a dry run) submits what remains.
pub async fn run(request: Request) -> Result<Outcome> {
    let existing = if request.manifest.exists() {
        Some(Manifest::load(&request.manifest)?)
    } else {
        None
    };
    if let Some(manifest) = &existing {
        if manifest.deployer != request.signer.account.to_string() {
            bail!(
                "{} was deployed by {}, but the secret given is {}: sign with the deployer's secret (it is the contracts' admin)",
                request.manifest.display(),
                manifest.deployer,
                request.signer.account
            );
        }
    }
    let chain = connect(&request, existing.as_ref()).await?;
    let mut inspection = inspect(&chain, &request, existing).await?;
    let plan = estimate(&chain, &request, &mut inspection).await?;
    if request.dry_run {
        println!("deploy: dry run: nothing submitted, no manifest written");
        return Ok(Outcome::default());
    }
    let outcome = execute(&chain, &request, inspection, plan).await?;
    if outcome.submitted == 0 {
        println!(
            "deploy: everything in {} is in place on chain: nothing submitted",
            request.manifest.display()
        );
    } else {
        println!(
            "deploy: {} transactions; manifest {}",
            outcome.submitted,
            request.manifest.display()
        );
    }
    Ok(outcome)
}

/// Connects to the node and checks it is the manifest's chain and that the signer may
/// use it (no dev key on a public chain).
async fn connect(request: &Request, existing: Option<&Manifest>) -> Result<Chain> {
    let url = &request.url;
    let connecting = spinner(format!("connecting to {url}"));
    let chain = Chain::connect(url).await;
    connecting.finish_and_clear();
    let chain = chain?;
    println!(
        "deploy: chain {:?} (genesis {}) at {url}",
        chain.name,
        chain.genesis_hex()
    );
    if let Some(manifest) = existing {
        manifest.ensure_chain(&chain, url, &request.manifest)?;
    }
    if request.signer.is_dev && !is_local(url, &chain.name) {
        bail!(
            "refusing a development key (//Alice style) on {:?} at {url}: anyone can sign with it; use your own secret",
            chain.name
        );
    }
    Ok(chain)
}

/// Checks every contract the manifest records against the chain, and lists the steps that
/// remain: uploads of code the chain lacks, instantiations, role grants.
async fn inspect(
    chain: &Chain,
    request: &Request,
    existing: Option<Manifest>,
) -> Result<Inspection> {
    let signer = &request.signer;
    let token = chain.token().await;
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
    let manifest = existing.unwrap_or_else(|| {
        Manifest::new(
            manifest::Chain {
                name: chain.name.clone(),
                genesis_hash: chain.genesis_hex(),
                url: request.url.clone(),
            },
            signer.account.to_string(),
        )
    });
    let mut addresses: Vec<(Contract, AccountId32)> = Vec::new();
    let mut steps = Vec::new();
    let mut code_on_chain = Vec::new();
    if !chain.code_exists(request.library.code_hash).await? {
        steps.push(Step::UploadLibrary);
    }
    for (index, bundle) in request.bundles.iter().enumerate() {
        let name = bundle.contract.name();
        if let Some(recorded) = manifest.contract(name) {
            let address = check_recorded(chain, request, bundle, recorded).await?;
            addresses.push((bundle.contract, address));
            code_on_chain.push(true);
            continue;
        }
        if !chain.code_exists(bundle.library.code_hash).await? {
            steps.push(Step::UploadOwnLibrary { contract: index });
        }
        let on_chain = chain.code_exists(bundle.code_hash).await?;
        code_on_chain.push(on_chain);
        if !on_chain {
            steps.push(Step::Upload { contract: index });
        }
        steps.push(Step::Instantiate { contract: index });
        // Later constructors need this address: predict it (a dry run confirms it).
        let (data, _) = constructor(
            bundle.contract,
            &addresses,
            request.change_delay,
            chain.genesis_hash,
            request.library.code_hash,
            bundle.library.code_hash,
        )?;
        addresses.push((
            bundle.contract,
            predicted_address(
                &signer.account,
                &bundle.code_hash,
                &data,
                request.salt.as_bytes(),
            ),
        ));
    }
    steps.extend((0..request.roles.len()).map(|grant| Step::Grant { grant }));
    Ok(Inspection {
        manifest,
        addresses,
        code_on_chain,
        steps,
        balance,
        token,
    })
}

/// Checks that the contract the manifest records for `bundle` is on chain with the
/// recorded code, and says when the local build differs; returns its address.
async fn check_recorded(
    chain: &Chain,
    request: &Request,
    bundle: &Bundle,
    recorded: &DeployedContract,
) -> Result<AccountId32> {
    let name = bundle.contract.name();
    let address = crate::config::parse_account(&recorded.address)
        .with_context(|| format!("{name} in the manifest"))?;
    let recorded_hash = &recorded.code_hash;
    match chain.contract_code_hash(&address).await? {
        Some(hash) if format!("0x{}", hex::encode(hash)) == *recorded_hash => {
            println!("  {name:<17} deployed at {address}, code {recorded_hash} checked on chain");
        }
        Some(hash) => {
            return Err(ChainError(format!(
                "{name} at {address} runs code 0x{} on chain, but the manifest says {recorded_hash}: it was upgraded or the manifest is stale; update the manifest by hand after checking",
                hex::encode(hash)
            ))
            .into())
        }
        None => {
            return Err(ChainError(format!(
                "{name} is not on chain at {address} as the manifest says (a restarted dev chain?): move {} away to deploy afresh",
                request.manifest.display()
            ))
            .into())
        }
    }
    if format!("0x{}", hex::encode(bundle.code_hash)) != *recorded_hash {
        println!(
            "  {name:<17} note: the local build (0x{}) differs from the deployed code; deploy does not upgrade (the admin's set_code does)",
            hex::encode(bundle.code_hash)
        );
    }
    Ok(address)
}

/// Dry-runs every step whose contract exists or can be predicted, prints each one's cost
/// and the total, and refuses a deployer who cannot pay the storage deposits.
async fn estimate(chain: &Chain, request: &Request, inspection: &mut Inspection) -> Result<Plan> {
    println!("deploy: plan (dry runs on the chain's latest block)");
    let mut total = Estimate::default();
    let mut unestimated = 0usize;
    // Each upload's deposit, from its dry run: the instantiation's dry run (with the code)
    // includes it, and the plan counts it once.
    let mut upload_deposits = vec![0u128; request.bundles.len()];
    let mut pending_grants = Vec::new();
    // A constructor locks the libraries' code, which a dry run cannot upload alongside
    // the contract's own: a contract waiting for a library upload is estimated later.
    let library_pending: Vec<bool> = (0..request.bundles.len())
        .map(|contract| {
            inspection.steps.iter().any(|step| match step {
                Step::UploadLibrary => true,
                Step::UploadOwnLibrary { contract: own } => *own == contract,
                _ => false,
            })
        })
        .collect();
    for index in 0..inspection.steps.len() {
        match inspection.steps[index] {
            Step::UploadLibrary => {
                let library = &request.library;
                let code = (ADMIN_LIBRARY, &library.wasm[..], library.code_hash);
                total.deposit += estimate_upload(chain, request, &inspection.token, code).await?;
            }
            Step::UploadOwnLibrary { contract } => {
                let library = &request.bundles[contract].library;
                let code = (library.name, &library.wasm[..], library.code_hash);
                total.deposit += estimate_upload(chain, request, &inspection.token, code).await?;
            }
            Step::Upload { contract } => {
                let bundle = &request.bundles[contract];
                let code = (bundle.contract.name(), &bundle.wasm[..], bundle.code_hash);
                let deposit = estimate_upload(chain, request, &inspection.token, code).await?;
                total.deposit += deposit;
                upload_deposits[contract] = deposit;
            }
            Step::Instantiate { contract } if library_pending[contract] => {
                println!(
                    "  {:<17} instantiation estimated once its libraries are uploaded",
                    request.bundles[contract].contract
                );
                unestimated += 1;
            }
            Step::Instantiate { contract } => {
                let upload_deposit = upload_deposits[contract];
                if let Some(estimate) =
                    estimate_instantiate(chain, request, inspection, contract, upload_deposit)
                        .await?
                {
                    total.add(&estimate);
                }
            }
            Step::Grant { grant } => match estimate_grant(chain, request, inspection, grant).await?
            {
                GrantPlan::AlreadyHeld => {}
                GrantPlan::Later => {
                    unestimated += 1;
                    pending_grants.push(grant);
                }
                GrantPlan::Submit(estimate) => {
                    total.add(&estimate);
                    pending_grants.push(grant);
                }
            },
        }
    }
    if unestimated > 0 {
        println!("  ({unestimated} instantiations and role grants are estimated once what they need exists)");
    }
    let token = &inspection.token;
    println!(
        "deploy: estimated total: gas {} ref_time / {} proof_size, storage deposit {} (plus transaction fees)",
        total.ref_time,
        total.proof_size,
        format_amount(total.deposit, token)
    );
    if total.deposit > inspection.balance {
        return Err(ChainError(format!(
            "the deployer {} holds {} but the deploy needs about {} in storage deposits plus fees: fund it",
            request.signer.account,
            format_amount(inspection.balance, token),
            format_amount(total.deposit, token)
        ))
        .into());
    }
    Ok(Plan { pending_grants })
}

/// A code to upload: its name, its wasm and its hash.
type CodeToUpload<'a> = (&'a str, &'a [u8], [u8; 32]);

/// The upload of `code`: its storage deposit.
async fn estimate_upload(
    chain: &Chain,
    request: &Request,
    token: &(String, u32),
    (name, wasm, code_hash): CodeToUpload<'_>,
) -> Result<u128> {
    let estimate = chain
        .dry_run_upload(&request.signer.account, wasm.to_vec())
        .await?;
    println!(
        "  {:<17} upload code 0x{} ({} bytes): storage deposit {}",
        name,
        hex::encode(code_hash),
        wasm.len(),
        format_amount(estimate.deposit, token)
    );
    Ok(estimate.deposit)
}

/// The instantiation of bundle `contract`, net of its upload's deposit; `None` when an
/// interrupted run left the contract at its address already. Follows the chain when it
/// places the contract elsewhere than predicted.
async fn estimate_instantiate(
    chain: &Chain,
    request: &Request,
    inspection: &mut Inspection,
    contract: usize,
    upload_deposit: u128,
) -> Result<Option<Estimate>> {
    let bundle = &request.bundles[contract];
    let address = inspection.addresses[contract].1.clone();
    if runs_bundle(chain, &address, bundle).await? {
        println!(
            "  {:<17} found at {address} (left by an interrupted deploy): adopted",
            bundle.contract
        );
        return Ok(None);
    }
    let (data, _) = constructor(
        bundle.contract,
        &inspection.addresses,
        request.change_delay,
        chain.genesis_hash,
        request.library.code_hash,
        bundle.library.code_hash,
    )?;
    let code = if inspection.code_on_chain[contract] {
        Code::Existing(bundle.code_hash)
    } else {
        // Not uploaded yet: dry-run with the code; its deposit is counted with the upload.
        Code::Upload(bundle.wasm.clone())
    };
    let (dry_address, mut estimate) = chain
        .dry_run_instantiate(
            &request.signer.account,
            code,
            data,
            request.salt.as_bytes().to_vec(),
        )
        .await
        .with_context(|| format!("dry-running {}'s instantiation", bundle.contract))?;
    if dry_address != address {
        // A runtime with its own address generator: the dry run is the truth.
        println!(
            "  {:<17} the chain places it at {dry_address}, not at the predicted {address}",
            bundle.contract
        );
        inspection.addresses[contract].1 = dry_address.clone();
    }
    estimate.deposit = estimate.deposit.saturating_sub(upload_deposit);
    println!(
        "  {:<17} instantiate at {dry_address}: gas {} ref_time / {} proof_size, storage deposit {}",
        bundle.contract,
        estimate.ref_time,
        estimate.proof_size,
        format_amount(estimate.deposit, &inspection.token)
    );
    Ok(Some(estimate))
}

/// What a role grant needs.
enum GrantPlan {
    /// The account holds the role already.
    AlreadyHeld,
    /// Its contract is not instantiated yet: estimated when it is.
    Later,
    Submit(Estimate),
}

/// Role grant `grant`: held already, to estimate later, or its cost.
async fn estimate_grant(
    chain: &Chain,
    request: &Request,
    inspection: &Inspection,
    grant: usize,
) -> Result<GrantPlan> {
    let grant = &request.roles[grant];
    let address = address_in(&inspection.addresses, grant.contract)?;
    if chain.contract_code_hash(&address).await?.is_none() {
        return Ok(GrantPlan::Later);
    }
    let (has_role, grant_role) = role_calls(&address, grant);
    if holds_role(chain, &request.signer, &address, has_role).await? {
        println!(
            "  {:<17} {:?} {}: already held",
            grant.contract, grant.role, grant.account
        );
        return Ok(GrantPlan::AlreadyHeld);
    }
    let estimate = dry_run_grant(chain, &request.signer, &address, grant, grant_role).await?;
    println!(
        "  {:<17} grant {:?} to {}: gas {} ref_time / {} proof_size, storage deposit {}",
        grant.contract,
        grant.role,
        grant.account,
        estimate.ref_time,
        estimate.proof_size,
        format_amount(estimate.deposit, &inspection.token)
    );
    Ok(GrantPlan::Submit(estimate))
}

/// Submits the plan step by step, with a progress bar, saving the manifest after each
/// instantiation and grant so that an interrupted run resumes.
async fn execute(
    chain: &Chain,
    request: &Request,
    inspection: Inspection,
    plan: Plan,
) -> Result<Outcome> {
    let Inspection {
        mut manifest,
        addresses,
        steps,
        ..
    } = inspection;
    let work: Vec<&Step> = steps
        .iter()
        .filter(|step| match step {
            Step::Grant { grant } => plan.pending_grants.contains(grant),
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
    let mut code_blocks: Vec<Option<u64>> = vec![None; request.bundles.len()];
    for step in work {
        let submitted = match *step {
            Step::UploadLibrary => {
                let library = &request.library;
                let code = (ADMIN_LIBRARY, &library.wasm[..], library.code_hash);
                submit_upload(chain, request, code, &bar).await?;
                true
            }
            Step::UploadOwnLibrary { contract } => {
                let library = &request.bundles[contract].library;
                let code = (library.name, &library.wasm[..], library.code_hash);
                submit_upload(chain, request, code, &bar).await?;
                true
            }
            Step::Upload { contract } => {
                let bundle = &request.bundles[contract];
                let code = (bundle.contract.name(), &bundle.wasm[..], bundle.code_hash);
                let block = submit_upload(chain, request, code, &bar).await?;
                code_blocks[contract] = Some(block);
                true
            }
            Step::Instantiate { contract } => {
                let code_block = code_blocks[contract];
                let block = submit_instantiate(chain, request, &addresses, contract, &bar).await?;
                let bundle = &request.bundles[contract];
                let (_, args) = constructor(
                    bundle.contract,
                    &addresses,
                    request.change_delay,
                    chain.genesis_hash,
                    request.library.code_hash,
                    bundle.library.code_hash,
                )?;
                manifest.contracts.push(DeployedContract {
                    name: bundle.contract.name().to_string(),
                    code_hash: format!("0x{}", hex::encode(bundle.code_hash)),
                    address: addresses[contract].1.to_string(),
                    code_block,
                    instantiate_block: block,
                    constructor_args: args,
                });
                manifest.save(&request.manifest)?;
                outcome.manifest_written = true;
                block.is_some()
            }
            Step::Grant { grant } => {
                let block = submit_grant(chain, request, &addresses, grant, &bar).await?;
                let grant = &request.roles[grant];
                let (role, account) = (format!("{:?}", grant.role), grant.account.to_string());
                if !manifest.has_role(grant.contract.name(), &role, &account) {
                    manifest.roles.push(GrantedRole {
                        contract: grant.contract.name().to_string(),
                        role,
                        account,
                        block,
                    });
                    manifest.save(&request.manifest)?;
                    outcome.manifest_written = true;
                }
                block.is_some()
            }
        };
        outcome.submitted += usize::from(submitted);
        bar.inc(1);
    }
    bar.finish_and_clear();
    Ok(outcome)
}

/// Uploads `code`; returns its block.
async fn submit_upload(
    chain: &Chain,
    request: &Request,
    (name, wasm, _): CodeToUpload<'_>,
    bar: &ProgressBar,
) -> Result<u64> {
    let signer = &request.signer;
    bar.set_message(format!("uploading {name} ({} bytes)", wasm.len()));
    let estimate = chain.dry_run_upload(&signer.account, wasm.to_vec()).await?;
    let block = chain
        .upload(&signer.keypair, wasm.to_vec(), estimate.deposit)
        .await
        .map_err(|e| funds_hint(e, signer))?;
    bar.println(format!("  {name:<17} code uploaded in block {block}"));
    Ok(block)
}

/// Instantiates bundle `contract` at its address, unless it is there already (adopted);
/// returns the block, or `None` for an adopted contract. Checks the code at the address.
async fn submit_instantiate(
    chain: &Chain,
    request: &Request,
    addresses: &[(Contract, AccountId32)],
    contract: usize,
    bar: &ProgressBar,
) -> Result<Option<u64>> {
    let (signer, bundle) = (&request.signer, &request.bundles[contract]);
    let address = &addresses[contract].1;
    let salt = request.salt.as_bytes().to_vec();
    let block = if runs_bundle(chain, address, bundle).await? {
        None
    } else {
        bar.set_message(format!("instantiating {}", bundle.contract));
        let (data, _) = constructor(
            bundle.contract,
            addresses,
            request.change_delay,
            chain.genesis_hash,
            request.library.code_hash,
            bundle.library.code_hash,
        )?;
        let code = Code::Existing(bundle.code_hash);
        let (_, estimate) = chain
            .dry_run_instantiate(&signer.account, code, data.clone(), salt.clone())
            .await?;
        let block = chain
            .instantiate(&signer.keypair, bundle.code_hash, data, salt, &estimate)
            .await
            .map_err(|e| funds_hint(e, signer))?;
        Some(block)
    };
    if !runs_bundle(chain, address, bundle).await? {
        return Err(ChainError(format!(
            "{} is not at {address} after its instantiation",
            bundle.contract
        ))
        .into());
    }
    bar.println(match block {
        Some(block) => format!(
            "  {:<17} instantiated at {address} in block {block}",
            bundle.contract
        ),
        None => format!("  {:<17} adopted at {address}", bundle.contract),
    });
    Ok(block)
}

/// Grants role `grant` unless its account holds it already; returns the block, or `None`
/// when it was held.
async fn submit_grant(
    chain: &Chain,
    request: &Request,
    addresses: &[(Contract, AccountId32)],
    grant: usize,
    bar: &ProgressBar,
) -> Result<Option<u64>> {
    let (signer, grant) = (&request.signer, &request.roles[grant]);
    let address = address_in(addresses, grant.contract)?;
    let (has_role, grant_role) = role_calls(&address, grant);
    let block = if holds_role(chain, signer, &address, has_role).await? {
        None
    } else {
        bar.set_message(format!("granting {:?} in {}", grant.role, grant.contract));
        let estimate = dry_run_grant(chain, signer, &address, grant, grant_role.clone()).await?;
        let block = chain
            .call(&signer.keypair, &address, grant_role, &estimate)
            .await
            .map_err(|e| funds_hint(e, signer))?;
        Some(block)
    };
    bar.println(format!(
        "  {:<17} {:?} {}",
        grant.contract,
        grant.role,
        match block {
            Some(block) => format!("granted to {} in block {block}", grant.account),
            None => format!("already held by {}", grant.account),
        }
    ));
    Ok(block)
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
        assert_eq!(
            signer.account.0,
            subxt_signer::sr25519::dev::alice().public_key().0
        );
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
            (Contract::ConsentRegistry, registry.clone()),
            (Contract::DrugProvenance, ledger.clone()),
        ];
        let delay = 2 * 24 * 3_600_000;
        let genesis = [0xAB; 32];
        let library = [0xCD; 32];
        let own = [0xEF; 32];
        let (data, args) = constructor(
            Contract::ClaimSettlement,
            &deployed,
            delay,
            genesis,
            library,
            own,
        )
        .unwrap();
        // The selector of `new`, the two addresses, the chain (members' relayed appeals
        // are signed for it), the change delay, then the admin library's code hash and
        // the contract's own library's.
        assert_eq!(&data[..4], &ink::selector_bytes!("new"));
        assert_eq!(&data[4..36], &registry.0);
        assert_eq!(&data[36..68], &ledger.0);
        assert_eq!(&data[68..100], &genesis);
        assert_eq!(&data[100..108], &delay.to_le_bytes());
        assert_eq!(&data[108..140], &library);
        assert_eq!(&data[140..], &own);
        assert_eq!(args["admin_library"], format!("0x{}", "cd".repeat(32)));
        assert_eq!(args["drug_provenance"], ledger.to_string());
        assert_eq!(args["change_delay_ms"], delay);
        assert_eq!(args["chain"], format!("0x{}", "ab".repeat(32)));
        // The ledger takes its own library's code hash after the admin library's.
        let (data, args) =
            constructor(Contract::DrugProvenance, &[], delay, genesis, library, own).unwrap();
        assert!(!args.contains_key("chain"));
        assert_eq!(&data[4..12], &delay.to_le_bytes());
        assert_eq!(&data[12..44], &library);
        assert_eq!(&data[44..], &own);
        assert_eq!(args["library"], format!("0x{}", "ef".repeat(32)));
        // The registry binds relayed instructions to the chain: the genesis hash, the
        // delay, the libraries.
        let (data, args) =
            constructor(Contract::ConsentRegistry, &[], delay, genesis, library, own).unwrap();
        assert_eq!(&data[4..36], &genesis);
        assert_eq!(&data[36..44], &delay.to_le_bytes());
        assert_eq!(&data[44..76], &library);
        assert_eq!(&data[76..], &own);
        assert_eq!(args["chain"], format!("0x{}", "ab".repeat(32)));
        // trial_anchoring: the registry's address, the chain, the delay, the libraries.
        let registry = AccountId32::from([0x11; 32]);
        let (data, args) = constructor(
            Contract::TrialAnchoring,
            &[(Contract::ConsentRegistry, registry.clone())],
            delay,
            genesis,
            library,
            own,
        )
        .unwrap();
        assert_eq!(&data[4..36], &[0x11; 32]);
        assert_eq!(&data[36..68], &genesis);
        assert_eq!(&data[68..76], &delay.to_le_bytes());
        assert_eq!(&data[76..108], &library);
        assert_eq!(&data[108..], &own);
        assert_eq!(args["consent_registry"], registry.to_string());
        let missing =
            constructor(Contract::TrialAnchoring, &[], delay, genesis, library, own).unwrap_err();
        assert!(format!("{missing:#}").contains("consent_registry"));
    }

    #[test]
    fn bundles_missing_say_how_to_build() {
        let dir = tempfile::tempdir().unwrap();
        let error = format!("{:#}", crate::bundles::load(dir.path()).err().unwrap());
        assert!(error.contains("make build"), "{error}");
    }
}
