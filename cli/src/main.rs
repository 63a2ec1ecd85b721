//! `healthchain`: the command-line tool of the healthchain contracts.
//!
//! Exit codes scripts can trust: 0 done (a proof verified, a unit genuine); 1 a check
//! answered no (a proof did not verify, a unit must not be dispensed); 2 bad arguments or
//! unusable input; 3 the chain could not be reached, is the wrong one, or refused (the
//! message says what to do in every case).

use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand};
#[cfg(feature = "deploy")]
use healthchain_cli::{
    bundles, chain::is_chain_error, commit, config, deploy, manifest::Manifest, verify_unit,
};
use healthchain_cli::{
    merkle::{self, LeafFormat, ProofFile, Selector},
    patient,
};
use indicatif::{ProgressBar, ProgressStyle};
use std::{
    fs::File,
    io::{self, BufRead, BufReader, Write},
    path::PathBuf,
    process::ExitCode,
};

#[derive(Parser)]
#[command(
    name = "healthchain",
    version,
    about = "The healthchain contracts from the command line",
    after_help = "Exit codes: 0 done; 1 a check answered no; 2 bad arguments or input; 3 the chain is unreachable, the wrong one, or refused."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the patient journey through all four contracts and print each step: on an
    /// in-process chain (nothing to install), or on a node with --url.
    #[cfg(feature = "demo")]
    Demo(DemoArgs),
    /// Deploy the four contracts to a chain, wired to each other, grant the roles of a
    /// roles file, and write a deployment manifest. Idempotent: with an existing manifest
    /// it checks what is deployed and does only what is missing.
    #[cfg(feature = "deploy")]
    Deploy(DeployArgs),
    /// The pharmacist's scan: ask the deployed drug_provenance whether a package is
    /// genuine and in supply. Exit 0 only when it may be dispensed.
    #[cfg(feature = "deploy")]
    VerifyUnit(VerifyUnitArgs),
    /// A package's chain of custody (a DSCSA trace request): who commissioned it, the
    /// containers it was packed in, who shipped and received it and when, and where it is
    /// now, from the deployed drug_provenance and its events.
    #[cfg(feature = "deploy")]
    Trace(TraceArgs),
    /// Merkle roots and inclusion proofs with the contracts' own hashing.
    #[command(subcommand)]
    Merkle(MerkleCommand),
    /// A patient's secret and the pseudonyms derived from it, one per relationship.
    #[command(subcommand)]
    Patient(PatientCommand),
    /// What goes on chain instead of a patient beside a clinical fact: a pharmacy's
    /// commitment to its patient, a site's to an adverse event's participant, a plan's
    /// keyed procedure codes.
    #[cfg(feature = "deploy")]
    #[command(subcommand)]
    Commit(CommitCommand),
}

#[cfg(feature = "deploy")]
#[derive(Subcommand)]
enum CommitCommand {
    /// The `recipient` a pharmacy dispenses to: a commitment to the patient's plan
    /// pseudonym with a salt (new and random unless given), which goes on the patient's
    /// receipt and on the claim's drug line.
    Recipient {
        /// The patient's pseudonym for the plan that will pay (SS58 or 0x hex).
        patient: String,
        /// Reuse this salt (0x and 64 hex digits) instead of drawing one.
        #[arg(long)]
        salt: Option<String>,
        /// Print JSON ({"salt": .., "commitment": ..}).
        #[arg(long)]
        json: bool,
    },
    /// The `subject` a site reports an adverse event under: a commitment to the
    /// participant's trial pseudonym with a salt (new and random unless given) that the
    /// site keeps in the subject's file.
    Subject {
        /// The participant's pseudonym for the trial (SS58 or 0x hex).
        participant: String,
        /// Reuse this salt (0x and 64 hex digits) instead of drawing one.
        #[arg(long)]
        salt: Option<String>,
        /// Print JSON ({"salt": .., "commitment": ..}).
        #[arg(long)]
        json: bool,
    },
    /// CPT / HCPCS codes keyed with a plan's secret, as its fee schedule and claims carry
    /// them (`{"Procedure": "0x.."}` in Contracts UI).
    Procedure {
        /// The file holding the plan's secret (0x and 64 hex digits; `healthchain patient
        /// new-secret --out F` writes one).
        #[arg(long)]
        plan_secret_file: PathBuf,
        /// The codes, such as 99213 J1100.
        #[arg(required = true)]
        codes: Vec<String>,
        /// Print JSON ({"99213": "0x..", ..}).
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum PatientCommand {
    /// Write a new random patient secret to a file (never overwrites one).
    NewSecret {
        /// Where to write it (readable by its owner only).
        #[arg(long)]
        out: PathBuf,
    },
    /// Print the patient's pseudonym (an ECDSA account that needs no tokens) for one
    /// relationship: `registry ADDRESS`, `provider ADDRESS`, `plan CLAIMS_CONTRACT
    /// PLAN_ID` or `trial TRIALS_CONTRACT TRIAL_ID`.
    Pseudonym {
        /// The file holding the patient's secret (0x and 64 hex digits).
        #[arg(long)]
        secret_file: PathBuf,
        /// The relationship, as above.
        #[arg(required = true, num_args = 2..=3)]
        relationship: Vec<String>,
        /// Print JSON ({"ss58": .., "account": ..}).
        #[arg(long)]
        json: bool,
    },
}

#[cfg(feature = "demo")]
#[derive(Args)]
struct DemoArgs {
    /// A node's WebSocket URL (such as ws://127.0.0.1:9944) instead of the embedded chain.
    #[arg(long)]
    url: Option<String>,
}

#[cfg(feature = "deploy")]
#[derive(Args)]
struct DeployArgs {
    /// The node's WebSocket URL, such as ws://127.0.0.1:9944.
    #[arg(long)]
    url: String,
    /// A file holding the deployer's secret URI (mnemonic, 0x seed, or //Alice on a local
    /// chain). Without it the secret is read from HEALTHCHAIN_SURI. Never printed.
    #[arg(long)]
    suri_file: Option<PathBuf>,
    /// The roles to grant (TOML; see cli/roles.example.toml). Without it no roles are
    /// granted.
    #[arg(long)]
    roles: Option<PathBuf>,
    /// The deployment manifest to write, or to resume and check when it exists.
    #[arg(long, default_value = "deployment.json")]
    manifest: PathBuf,
    /// A directory of bundles (<name>/<name>.wasm or .contract). Default: the checkout's
    /// build output, rebuilt first when older than the sources.
    #[arg(long)]
    bundles: Option<PathBuf>,
    /// Instantiation salt: another salt deploys a second, independent suite.
    #[arg(long, default_value = "healthchain")]
    salt: String,
    /// Hours every contract makes its admin wait between proposing an upgrade or a
    /// rewiring (with an event anyone can watch) and applying it. Fixed at construction.
    #[arg(long, default_value_t = 48)]
    change_delay_hours: u64,
    /// Show the plan and its estimated gas and storage deposit, then stop.
    #[arg(long)]
    dry_run: bool,
}

#[cfg(feature = "deploy")]
#[derive(Args)]
struct VerifyUnitArgs {
    /// The deployment manifest that names the chain and the drug_provenance contract.
    #[arg(long)]
    manifest: PathBuf,
    /// The package's GTIN: 14 digits, the last its GS1 check digit.
    gtin: String,
    /// The lot (batch) number on the package.
    lot: String,
    /// The serial number on the package.
    serial: String,
    /// The expiry date printed on the package, YYMMDD as GS1 prints it (AI 17; day 00 is
    /// the end of the month).
    expiry: String,
    /// The serial's inclusion proof (healthchain merkle proof --item SERIAL).
    #[arg(long)]
    proof: PathBuf,
    /// Ask this node instead of the one the manifest names.
    #[arg(long)]
    url: Option<String>,
    /// Print JSON ({"status": .., "may_dispense": ..}).
    #[arg(long)]
    json: bool,
}

#[cfg(feature = "deploy")]
#[derive(Args)]
struct TraceArgs {
    /// The deployment manifest that names the chain and the drug_provenance contract.
    #[arg(long)]
    manifest: PathBuf,
    /// The package's GTIN: 14 digits, the last its GS1 check digit.
    gtin: String,
    /// The serial number on the package.
    serial: String,
    /// The packer's aggregation data (JSON: gtin, lot, serials, cases of SSCC, first and
    /// count, pallet), as the manufacturer keeps it for trace requests.
    #[arg(long)]
    packing: PathBuf,
    /// Read events from this block on (default: the contract's instantiation block).
    #[arg(long)]
    from_block: Option<u64>,
    /// Ask this node instead of the one the manifest names.
    #[arg(long)]
    url: Option<String>,
}

#[derive(Subcommand)]
enum MerkleCommand {
    /// Print the root and leaf count of a file of serials or records (one per line).
    Root(RootArgs),
    /// Write inclusion proofs (JSON) for leaves chosen by index or by their text.
    Proof(ProofArgs),
    /// Check a proof file; exit 0 when it proves its item, 1 when it does not.
    Verify(VerifyArgs),
}

#[derive(Args)]
struct InputArgs {
    /// The input file, one leaf per line; `-` for standard input.
    #[arg(default_value = "-")]
    input: PathBuf,
    /// What each line is: a serial number, or a JSON record (hashed canonically).
    #[arg(long, value_enum, default_value = "serials")]
    format: LeafFormat,
}

#[derive(Args)]
struct RootArgs {
    #[command(flatten)]
    input: InputArgs,
    /// Print JSON ({"root": .., "leaf_count": ..}) instead of two lines of text.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
struct ProofArgs {
    #[command(flatten)]
    input: InputArgs,
    /// A leaf to prove by its 0-based position (repeatable).
    #[arg(long = "index")]
    indices: Vec<u64>,
    /// A leaf to prove by its text, the first equal line (repeatable).
    #[arg(long = "item")]
    items: Vec<String>,
    /// Write the proof here instead of standard output (one proof: an object; several:
    /// an array).
    #[arg(long)]
    out: Option<PathBuf>,
}

#[derive(Args)]
struct VerifyArgs {
    /// A proof file written by `healthchain merkle proof` (an object or an array).
    proof: PathBuf,
    /// How the item was hashed.
    #[arg(long, value_enum, default_value = "serials")]
    format: LeafFormat,
    /// The root it must prove against (for example the one anchored on chain).
    #[arg(long)]
    root: Option<String>,
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            #[cfg(feature = "deploy")]
            let code = if is_chain_error(&error) { 3 } else { 2 };
            #[cfg(not(feature = "deploy"))]
            let code = 2;
            ExitCode::from(code)
        }
    }
}

/// Prints a salted commitment to `account` (`make` says which kind) and its salt.
#[cfg(feature = "deploy")]
fn print_commitment(
    account: &str,
    salt: Option<&str>,
    json: bool,
    make: fn(&healthchain_common::AccountId, &[u8; 32]) -> healthchain_common::Hash,
) -> Result<ExitCode> {
    let who = patient::parse_account(account)?;
    let salt = commit::salt(salt)?;
    let (salt, commitment) = (commit::hex0x(salt), commit::hex0x(make(&who, &salt)));
    if json {
        println!(
            "{}",
            serde_json::json!({ "salt": salt, "commitment": commitment })
        );
    } else {
        println!("salt {salt}\ncommitment {commitment}");
    }
    Ok(ExitCode::SUCCESS)
}

fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        #[cfg(feature = "demo")]
        Command::Demo(args) => {
            healthchain_cli::demo::run(args.url.as_deref())?;
            Ok(ExitCode::SUCCESS)
        }
        #[cfg(feature = "deploy")]
        Command::Deploy(args) => {
            let signer = deploy::read_signer(args.suri_file.as_deref())?;
            let roles = match &args.roles {
                Some(path) => config::load(path)?,
                None => Vec::new(),
            };
            let bundle_dir = match args.bundles {
                Some(dir) => dir,
                None => {
                    let repository = bundles::repository().map_err(|e| {
                        e.context(
                            "no bundles: pass --bundles DIR, or run from a healthchain checkout",
                        )
                    })?;
                    bundles::ensure_built(&repository)?;
                    bundles::bundle_dir(&repository)
                }
            };
            let bundles = bundles::load(&bundle_dir)?;
            let library = bundles::load_library(&bundle_dir)?;
            runtime()?.block_on(deploy::run(deploy::Request {
                url: args.url,
                signer,
                roles,
                manifest: args.manifest,
                bundles,
                library,
                salt: args.salt,
                change_delay: args
                    .change_delay_hours
                    .checked_mul(3_600_000)
                    .context("--change-delay-hours is too large")?,
                dry_run: args.dry_run,
            }))?;
            Ok(ExitCode::SUCCESS)
        }
        #[cfg(feature = "deploy")]
        Command::Trace(args) => {
            let manifest = Manifest::load(&args.manifest)?;
            let gtin = verify_unit::parse_gtin(&args.gtin)?;
            let text = std::fs::read_to_string(&args.packing)
                .with_context(|| format!("reading {}", args.packing.display()))?;
            let packing: drug_provenance::packing::Packing = serde_json::from_str(&text)
                .with_context(|| format!("{} is not a packing file", args.packing.display()))?;
            let bar = ProgressBar::new(0);
            bar.set_style(
                ProgressStyle::with_template("reading events: block {pos}/{len}")
                    .expect("a template"),
            );
            let report = runtime()?.block_on(healthchain_cli::trace::trace(
                &manifest,
                args.url.as_deref(),
                gtin,
                &args.serial,
                &packing,
                args.from_block,
                |block, last| {
                    bar.set_length(last);
                    bar.set_position(block);
                },
            ))?;
            bar.finish_and_clear();
            print!(
                "{}",
                healthchain_cli::trace::render(&report, gtin, &args.serial, &packing.lot)
            );
            Ok(ExitCode::SUCCESS)
        }
        #[cfg(feature = "deploy")]
        Command::VerifyUnit(args) => {
            let manifest = Manifest::load(&args.manifest)?;
            let gtin = verify_unit::parse_gtin(&args.gtin)?;
            let expiry = verify_unit::parse_expiry(&args.expiry)?;
            verify_unit::check_identifiers(&args.lot, &args.serial)?;
            let text = std::fs::read_to_string(&args.proof)
                .with_context(|| format!("reading {}", args.proof.display()))?;
            let proof: ProofFile = serde_json::from_str(&text).with_context(|| {
                format!(
                    "{} is not one proof of healthchain merkle proof",
                    args.proof.display()
                )
            })?;
            let scan = verify_unit::Scan {
                gtin,
                lot: args.lot,
                serial: args.serial,
                expiry,
                proof,
            };
            let status =
                runtime()?.block_on(verify_unit::scan(&manifest, args.url.as_deref(), &scan))?;
            let (may_dispense, text) = verify_unit::describe(&status);
            if args.json {
                println!(
                    "{}",
                    serde_json::json!({
                        "status": format!("{status:?}"),
                        "may_dispense": may_dispense,
                        "message": text,
                    })
                );
            } else {
                println!("{text}");
            }
            Ok(if may_dispense {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        #[cfg(feature = "deploy")]
        Command::Commit(CommitCommand::Recipient {
            patient,
            salt,
            json,
        }) => print_commitment(&patient, salt.as_deref(), json, commit::recipient),
        #[cfg(feature = "deploy")]
        Command::Commit(CommitCommand::Subject {
            participant,
            salt,
            json,
        }) => print_commitment(&participant, salt.as_deref(), json, commit::subject),
        #[cfg(feature = "deploy")]
        Command::Commit(CommitCommand::Procedure {
            plan_secret_file,
            codes,
            json,
        }) => {
            let secret = patient::read_secret(&plan_secret_file)?;
            let keyed = commit::procedures(&secret, &codes)?;
            if json {
                let map: serde_json::Map<String, serde_json::Value> = keyed
                    .iter()
                    .map(|(code, hash)| (code.clone(), commit::hex0x(hash).into()))
                    .collect();
                println!("{}", serde_json::Value::Object(map));
            } else {
                for (code, hash) in keyed {
                    println!("{code} {}", commit::hex0x(hash));
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Patient(PatientCommand::NewSecret { out }) => {
            patient::new_secret(&out)?;
            eprintln!(
                "patient: wrote a new secret to {} (keep it safe: every pseudonym derives from it)",
                out.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Patient(PatientCommand::Pseudonym {
            secret_file,
            relationship,
            json,
        }) => {
            let relationship = patient::parse_relationship(&relationship)?;
            let secret = patient::read_secret(&secret_file)?;
            let account = patient::pseudonym(&secret, relationship);
            let (ss58, hex_account) = (patient::ss58(&account), hex::encode(account));
            if json {
                println!(
                    "{}",
                    serde_json::json!({ "ss58": ss58, "account": format!("0x{hex_account}") })
                );
            } else {
                println!("{ss58}\n0x{hex_account}");
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Merkle(MerkleCommand::Root(args)) => {
            let (reader, bar) = open(&args.input.input)?;
            let (root, count) = merkle::root(reader, args.input.format, |n| bar.inc(n))?;
            bar.finish_and_clear();
            if args.json {
                println!(
                    "{}",
                    serde_json::json!({ "root": merkle::to_hex(&root), "leaf_count": count })
                );
            } else {
                println!("root {}", merkle::to_hex(&root));
                println!("leaves {count}");
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Merkle(MerkleCommand::Proof(args)) => {
            let selectors: Vec<Selector> = args
                .indices
                .iter()
                .map(|i| Selector::Index(*i))
                .chain(args.items.iter().map(|t| Selector::Item(t.clone())))
                .collect();
            if selectors.is_empty() {
                anyhow::bail!("say which leaves to prove: --index N or --item TEXT");
            }
            let (reader, bar) = open(&args.input.input)?;
            let files = merkle::proofs(reader, args.input.format, &selectors, |n| bar.inc(n))?;
            bar.finish_and_clear();
            let json = match files.as_slice() {
                [one] => serde_json::to_string_pretty(one)?,
                many => serde_json::to_string_pretty(many)?,
            };
            match args.out {
                Some(path) => std::fs::write(&path, json + "\n")
                    .with_context(|| format!("writing {}", path.display()))?,
                None => writeln!(io::stdout(), "{json}")?,
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Merkle(MerkleCommand::Verify(args)) => {
            let text = std::fs::read_to_string(&args.proof)
                .with_context(|| format!("reading {}", args.proof.display()))?;
            let value: serde_json::Value = serde_json::from_str(&text)
                .with_context(|| format!("{} is not JSON", args.proof.display()))?;
            let files: Vec<ProofFile> = if value.is_array() {
                serde_json::from_value(value)?
            } else {
                vec![serde_json::from_value(value)?]
            };
            let expected = args.root.as_deref().map(merkle::from_hex).transpose()?;
            let mut all = true;
            for file in &files {
                let valid = merkle::verify(file, args.format, expected.as_ref())?;
                println!(
                    "{} index {} of {} under {}: {:?}",
                    if valid { "valid" } else { "INVALID" },
                    file.index,
                    file.leaf_count,
                    file.root,
                    file.item
                );
                all &= valid;
            }
            Ok(if all {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
    }
}

#[cfg(feature = "deploy")]
fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")
}

/// The input as a buffered reader, with a progress bar over its bytes (drawn on standard
/// error only when it is a terminal).
fn open(path: &PathBuf) -> Result<(Box<dyn BufRead>, ProgressBar)> {
    if path.as_os_str() == "-" {
        let bar = ProgressBar::new_spinner();
        return Ok((Box::new(BufReader::new(io::stdin().lock())), bar));
    }
    let file = File::open(path).with_context(|| {
        format!(
            "cannot open {} (give a file of one leaf per line, or - for standard input)",
            path.display()
        )
    })?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    let bar = ProgressBar::new(size);
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {bytes}/{total_bytes} {bytes_per_sec} {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    Ok((Box::new(BufReader::with_capacity(1 << 20, file)), bar))
}
