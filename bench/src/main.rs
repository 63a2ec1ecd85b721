//! `make bench`: what a deployer pays and what a block holds, measured on the release
//! builds in ink_e2e's in-process sandbox (deterministic gas), against budgets.
//!
//! Usage: `healthchain-bench --bundles DIR --cli PATH --out DIR` (the Makefile passes
//! them). Writes `RESULTS.md` and `results.json` into `--out`, prints every budget
//! check, and exits 1 when a budget is not met (2 when it cannot measure).

use anyhow::{bail, Context, Result};
use clap::Parser;
use healthchain_bench::analysis;
use healthchain_cli::bundles::read_release_wasm;
use healthchain_scenarios::{
    measure::{self, Measurement},
    recording::RecordingSandbox,
    support::{self, Scenario},
};
use healthchain_suite::Contract;
use ink::{
    primitives::{AccountId, Hash},
    scale::Encode,
};
use ink_e2e::ContractsBackend;
use serde::Serialize;
use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
    process::{Command, ExitCode},
    time::Instant,
};

/// Budgets. Not to be loosened: where one is missed, the results say by how much.
const MAX_CONTRACT_BYTES: u64 = 48 * 1024;
const MAX_SUITE_BYTES: u64 = 160 * 1024;
const O1_TOLERANCE: f64 = 0.05;
const MAX_FLOOR_RATIO: f64 = 2.0;

/// substrate-contracts-node 0.42's runtime: 2 s of ref_time per block, 75% of it for
/// normal extrinsics; every extrinsic also pays the base weight (frame-support 38:
/// 107,074 ns) and a contract call pays pallet-contracts 38's `call()` dispatch weight
/// (168,582,000 + 6 reads + 2 writes at RocksDbWeight's 25 µs / 100 µs).
const NODE_MAX_BLOCK_REF_TIME: u64 = 2_000_000_000_000;
const NODE_NORMAL_RATIO_PERCENT: u64 = 75;
const NODE_EXTRINSIC_BASE: u64 = 107_074_000;
const NODE_CONTRACTS_CALL_OVERHEAD: u64 = 168_582_000 + 6 * 25_000_000 + 2 * 100_000_000;

/// What loading a contract's code costs per byte, in ref_time: pallet-contracts 31 (the
/// sandbox) charges `call_with_code_per_byte`'s slope, 33,471; pallet-contracts 38 (the
/// node) 700. Every call pays it for each contract it runs, so on the sandbox a message's
/// ref_time is mostly its contract's size; the results show it apart.
const SANDBOX_CODE_LOAD_PER_BYTE: u64 = 33_471;
const NODE_CODE_LOAD_PER_BYTE: u64 = 700;

type Client = Scenario<ink_e2e::SandboxClient<AccountId, Hash, RecordingSandbox>>;

#[derive(Serialize)]
struct CodeSize {
    contract: String,
    bytes: u64,
    budget: u64,
}

#[derive(Serialize)]
struct FloorRatio {
    real: String,
    floor: String,
    ref_time_ratio: f64,
    proof_size_ratio: f64,
    /// Bytes of code the real message loads (its contract, plus the callee's for a
    /// cross-contract check) and the floor loads.
    real_code_bytes: u64,
    floor_code_bytes: u64,
    /// The ref_time ratio with each side's code-loading charge taken out.
    ref_time_ratio_without_code_load: f64,
}

#[derive(Serialize)]
struct Capacity {
    message: String,
    /// Gas as measured on the sandbox, plus the node's call and extrinsic overheads.
    per_extrinsic_ref_time: u64,
    per_block: u64,
    /// The same with code loading priced at the node's pallet-contracts 38 rate.
    per_extrinsic_ref_time_node_code_rate: u64,
    per_block_node_code_rate: u64,
}

#[derive(Serialize)]
struct Check {
    name: String,
    passed: bool,
    found: String,
}

#[derive(Serialize)]
struct Throughput {
    leaves: u64,
    runs_seconds: Vec<f64>,
    median_seconds: f64,
    leaves_per_second: f64,
}

#[derive(Serialize)]
struct Results {
    backend: &'static str,
    build: &'static str,
    code_size: Vec<CodeSize>,
    suite_bytes: u64,
    messages: Vec<Measurement>,
    not_exercised: Vec<String>,
    series: Vec<Measurement>,
    floor: Vec<Measurement>,
    floor_ratios: Vec<FloorRatio>,
    capacity: Vec<Capacity>,
    merkle_root: Throughput,
    checks: Vec<Check>,
}

/// `make bench`: code size, gas, deposits and scaling of every contract against budgets.
#[derive(Parser)]
#[command(name = "healthchain-bench")]
struct Args {
    /// cargo-contract's output directory (target/ink), with release builds of the suite
    /// and the floor contract.
    #[arg(long)]
    bundles: PathBuf,
    /// A release build of the healthchain CLI, for the off-chain Merkle throughput.
    #[arg(long)]
    cli: PathBuf,
    /// Where RESULTS.md and results.json are written.
    #[arg(long)]
    out: PathBuf,
}

fn main() -> ExitCode {
    match run(Args::parse()) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(error) => {
            eprintln!("bench: error: {error:#}");
            ExitCode::from(2)
        }
    }
}

/// The release builds measured: each contract's wasm (written where the sandbox loads it
/// from), its size and its messages by selector.
struct Builds {
    wasm_paths: Vec<PathBuf>,
    messages: BTreeMap<Contract, BTreeMap<[u8; 4], (String, bool)>>,
    code_size: Vec<CodeSize>,
    suite_bytes: u64,
    floor_wasm: PathBuf,
    floor_bytes: u64,
}

impl Builds {
    fn bytes_of(&self, contract: Contract) -> u64 {
        self.code_size
            .iter()
            .find(|c| c.contract == contract.name())
            .map_or(0, |c| c.bytes)
    }

    fn client(&self) -> Client {
        Scenario::new(ink_e2e::SandboxClient::new(self.wasm_paths.clone()))
    }
}

/// The release wasm of `name` (refusing a debug build) and its metadata.
fn release_build(bundles: &Path, name: &str) -> Result<(PathBuf, u64, serde_json::Value)> {
    let wasm = read_release_wasm(bundles, name)
        .with_context(|| format!("{name}: run cargo contract build --release (make bench does)"))?;
    let metadata_path = bundles.join(name).join(format!("{name}.json"));
    let metadata: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(&metadata_path)
            .with_context(|| format!("reading {} (run make build)", metadata_path.display()))?,
    )?;
    Ok((
        bundles.join(name).join(format!("{name}.wasm")),
        wasm.len() as u64,
        metadata,
    ))
}

/// Phase 1: the release builds, their sizes against the size budgets.
fn code_sizes(bundles: &Path, checks: &mut Vec<Check>) -> Result<Builds> {
    let mut wasm_paths = Vec::new();
    let mut messages = BTreeMap::new();
    let mut code_size = Vec::new();
    for contract in Contract::ALL {
        let name = contract.name();
        let (wasm, bytes, meta) = release_build(bundles, name)?;
        checks.push(Check {
            name: format!("{name} release wasm <= 48 KiB"),
            passed: bytes <= MAX_CONTRACT_BYTES,
            found: format!(
                "{bytes} bytes ({:+} against {MAX_CONTRACT_BYTES})",
                bytes as i64 - MAX_CONTRACT_BYTES as i64
            ),
        });
        code_size.push(CodeSize {
            contract: name.to_string(),
            bytes,
            budget: MAX_CONTRACT_BYTES,
        });
        wasm_paths.push(wasm);
        messages.insert(contract, message_labels(&meta));
    }
    let suite_bytes: u64 = code_size.iter().map(|c| c.bytes).sum();
    checks.push(Check {
        name: "suite release wasm <= 160 KiB".into(),
        passed: suite_bytes <= MAX_SUITE_BYTES,
        found: format!(
            "{suite_bytes} bytes ({:+} against {MAX_SUITE_BYTES})",
            suite_bytes as i64 - MAX_SUITE_BYTES as i64
        ),
    });
    let (floor_wasm, floor_bytes, _) = release_build(bundles, "floor")?;
    eprintln!("bench: code sizes read ({suite_bytes} bytes in all)");
    Ok(Builds {
        wasm_paths,
        messages,
        code_size,
        suite_bytes,
        floor_wasm,
        floor_bytes,
    })
}

/// Phase 2: every state-changing message the patient journey sends, at its first call,
/// named from the bundles' metadata.
fn journey_costs(
    runtime: &tokio::runtime::Runtime,
    builds: &Builds,
) -> BTreeMap<(String, String), Measurement> {
    let mut sandbox = builds.client();
    let at = Instant::now();
    runtime.block_on(healthchain_scenarios::journey::run(&mut sandbox));
    eprintln!(
        "bench: journey measured in {:.1} s",
        at.elapsed().as_secs_f64()
    );
    let mut typical = BTreeMap::new();
    for mut cost in sandbox.take_costs() {
        let Some(contract) = Contract::from_name(&cost.contract) else {
            continue;
        };
        let Some((label, _)) = cost
            .selector
            .and_then(|selector| builds.messages.get(&contract)?.get(&selector))
        else {
            continue;
        };
        cost.message = label.clone();
        cost.case = "first call in the patient journey".into();
        typical
            .entry((cost.contract.clone(), label.clone()))
            .or_insert(cost);
    }
    typical
}

/// Phase 3: the scaling series and the scenarios' typical calls, each on a fresh sandbox.
fn scaling_series(runtime: &tokio::runtime::Runtime, builds: &Builds) -> Vec<Measurement> {
    let mut scenario = Vec::new();
    let at = Instant::now();
    scenario.extend(runtime.block_on(measure::consent(&mut builds.client(), &[1, 1_000, 10_000])));
    eprintln!(
        "bench: consent series in {:.1} s",
        at.elapsed().as_secs_f64()
    );
    let at = Instant::now();
    scenario.extend(runtime.block_on(measure::provenance(&mut builds.client(), &[4, 10, 20])));
    scenario.extend(runtime.block_on(measure::trials(&mut builds.client(), &[4, 10, 20])));
    let max_lines = claim_settlement::data::MAX_LINES;
    scenario.extend(runtime.block_on(measure::claims(&mut builds.client(), &[1, 4, max_lines])));
    eprintln!(
        "bench: provenance, trial and claim series in {:.1} s",
        at.elapsed().as_secs_f64()
    );
    scenario
}

/// The growth budgets: O(1) checks, proofs that grow only by their hashes.
fn scaling_checks(scenario: &[Measurement], checks: &mut Vec<Check>) {
    for (message, constant) in [
        ("is_authorized", true),
        ("commission_lot", true),
        ("aggregate", true),
        ("ship", true),
        ("receive", true),
        ("anchor_batch", true),
        ("dispense", false),
        ("verify_unit", false),
        ("trace", false),
        ("verify_inclusion", false),
    ] {
        let result = if constant {
            analysis::check_constant(scenario, message, O1_TOLERANCE)
        } else {
            analysis::check_logarithmic(scenario, message, O1_TOLERANCE)
        };
        checks.push(Check {
            name: if constant {
                format!("{message} is O(1) within 5%")
            } else {
                format!("{message} grows only by its extra hashes")
            },
            passed: result.is_ok(),
            found: result.unwrap_or_else(|e| e),
        });
    }
}

/// The measurement of `message` whose case starts with `case`.
fn find(rows: &[Measurement], message: &str, case: &str) -> Result<Measurement> {
    rows.iter()
        .find(|r| r.message == message && r.case.starts_with(case))
        .cloned()
        .with_context(|| format!("{message} ({case}) was not measured"))
}

/// Phase 4: each message against the floor's least work for the same job.
fn floor_ratios(
    builds: &Builds,
    scenario: &[Measurement],
    floor_rows: &[Measurement],
    checks: &mut Vec<Check>,
) -> Result<Vec<FloorRatio>> {
    let floor_bytes = builds.floor_bytes;
    let (registry, ledger, trials) = (
        builds.bytes_of(Contract::ConsentRegistry),
        builds.bytes_of(Contract::DrugProvenance),
        builds.bytes_of(Contract::TrialAnchoring),
    );
    // (real message, its floor, code the real one loads, code the floor loads)
    let mut pairs = vec![
        (
            find(scenario, "record_consent", "first grant")?,
            find(floor_rows, "write", "a grant")?,
            registry,
            floor_bytes,
        ),
        (
            find(scenario, "is_authorized", "1 grants")?,
            find(floor_rows, "read", "")?,
            registry,
            floor_bytes,
        ),
        (
            find(scenario, "is_active", "")?,
            find(floor_rows, "read_remote", "")?,
            trials + registry,
            2 * floor_bytes,
        ),
    ];
    for bits in [4, 10, 20] {
        pairs.push((
            find(scenario, "dispense", &format!("2^{bits} "))?,
            find(floor_rows, "write", "a dispense")?,
            ledger,
            floor_bytes,
        ));
    }
    let mut ratios = Vec::new();
    for (real, floor, real_code, floor_code) in pairs {
        let ratio = |a: u64, b: u64| a as f64 / b.max(1) as f64;
        let without = |gas: u64, code: u64| gas.saturating_sub(code * SANDBOX_CODE_LOAD_PER_BYTE);
        let entry = FloorRatio {
            real: format!("{}::{} ({})", real.contract, real.message, real.case),
            floor: format!("floor::{} ({})", floor.message, floor.case),
            ref_time_ratio: ratio(real.ref_time, floor.ref_time),
            proof_size_ratio: ratio(real.proof_size, floor.proof_size),
            real_code_bytes: real_code,
            floor_code_bytes: floor_code,
            ref_time_ratio_without_code_load: ratio(
                without(real.ref_time, real_code),
                without(floor.ref_time, floor_code),
            ),
        };
        checks.push(Check {
            name: format!("{} <= 2x its floor (ref_time)", entry.real),
            passed: entry.ref_time_ratio <= MAX_FLOOR_RATIO,
            found: format!(
                "{:.2}x ({:.2}x without the sandbox's code-loading charge)",
                entry.ref_time_ratio, entry.ref_time_ratio_without_code_load
            ),
        });
        ratios.push(entry);
    }
    Ok(ratios)
}

/// Phase 5: how many of each call a substrate-contracts-node block holds.
fn capacity(builds: &Builds, scenario: &[Measurement]) -> Result<Vec<Capacity>> {
    let normal = NODE_MAX_BLOCK_REF_TIME / 100 * NODE_NORMAL_RATIO_PERCENT;
    let (registry, ledger, claims) = (
        builds.bytes_of(Contract::ConsentRegistry),
        builds.bytes_of(Contract::DrugProvenance),
        builds.bytes_of(Contract::ClaimSettlement),
    );
    Ok([
        (find(scenario, "record_consent", "first grant")?, registry),
        (find(scenario, "dispense", "2^20 ")?, ledger),
        (
            find(scenario, "submit_claim", "1 visit")?,
            claims + registry,
        ),
        (
            find(scenario, "submit_claim", "1 drug")?,
            claims + registry + ledger,
        ),
    ]
    .into_iter()
    .map(|(row, code)| {
        let overhead = NODE_CONTRACTS_CALL_OVERHEAD + NODE_EXTRINSIC_BASE;
        let per = row.ref_time + overhead;
        let node_rate = row
            .ref_time
            .saturating_sub(code * SANDBOX_CODE_LOAD_PER_BYTE)
            .saturating_add(code * NODE_CODE_LOAD_PER_BYTE)
            + overhead;
        Capacity {
            message: format!("{}::{} ({})", row.contract, row.message, row.case),
            per_extrinsic_ref_time: per,
            per_block: normal / per,
            per_extrinsic_ref_time_node_code_rate: node_rate,
            per_block_node_code_rate: normal / node_rate,
        }
    })
    .collect())
}

fn run(args: Args) -> Result<bool> {
    let started = Instant::now();
    let mut checks = Vec::new();
    let builds = code_sizes(&args.bundles, &mut checks)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let mut typical = journey_costs(&runtime, &builds);
    let scenario = scaling_series(&runtime, &builds);
    for m in &scenario {
        typical
            .entry((m.contract.clone(), m.message.clone()))
            .or_insert_with(|| m.clone());
    }
    scaling_checks(&scenario, &mut checks);
    let not_exercised: Vec<String> = builds
        .messages
        .iter()
        .flat_map(|(contract, messages)| {
            let typical = &typical;
            messages
                .values()
                .filter(|(_, mutates)| *mutates)
                .filter(move |(label, _)| {
                    !typical.contains_key(&(contract.name().to_string(), label.clone()))
                })
                .map(move |(label, _)| format!("{contract}::{label}"))
        })
        .collect();
    let floor_rows = runtime.block_on(floor(&builds))?;
    let floor_ratios = floor_ratios(&builds, &scenario, &floor_rows, &mut checks)?;
    let capacity = capacity(&builds, &scenario)?;
    let merkle_root = merkle_throughput(&args.cli)?;
    let results = Results {
        backend: "ink_e2e 5.1.1 sandbox (pallet-contracts 31), deterministic",
        build: "release wasm (cargo contract build --release, cargo-contract 5.0.3, Rust 1.86)",
        code_size: builds.code_size,
        suite_bytes: builds.suite_bytes,
        messages: typical.into_values().collect(),
        not_exercised,
        series: scenario.into_iter().filter(|m| m.size.is_some()).collect(),
        floor: floor_rows,
        floor_ratios,
        capacity,
        merkle_root,
        checks,
    };
    write_results(&args.out, &results)?;
    let passed = results.checks.iter().all(|c| c.passed);
    println!(
        "bench: wrote {} and {} in {:.0} s",
        args.out.join("RESULTS.md").display(),
        args.out.join("results.json").display(),
        started.elapsed().as_secs_f64()
    );
    if !passed {
        println!("bench: budgets not met (see FAIL above)");
    }
    Ok(passed)
}

/// Writes `results.json` and `RESULTS.md` into `out` and prints every check.
fn write_results(out: &Path, results: &Results) -> Result<()> {
    std::fs::create_dir_all(out)?;
    std::fs::write(
        out.join("results.json"),
        serde_json::to_string_pretty(results)? + "\n",
    )?;
    std::fs::write(out.join("RESULTS.md"), markdown(results))?;
    for check in &results.checks {
        println!(
            "bench: {} {}: {}",
            if check.passed { "PASS" } else { "FAIL" },
            check.name,
            check.found
        );
    }
    Ok(())
}

/// `(label, mutates)` of every message of a contract, by selector; constructors as "new".
fn message_labels(metadata: &serde_json::Value) -> BTreeMap<[u8; 4], (String, bool)> {
    let mut out = BTreeMap::new();
    let selector = |v: &serde_json::Value| -> Option<[u8; 4]> {
        let bytes = hex_bytes(v.get("selector")?.as_str()?)?;
        bytes.try_into().ok()
    };
    for message in metadata["spec"]["messages"]
        .as_array()
        .into_iter()
        .flatten()
    {
        if let (Some(sel), Some(label)) = (selector(message), message["label"].as_str()) {
            let mutates = message["mutates"].as_bool().unwrap_or(false);
            out.insert(sel, (label.to_string(), mutates));
        }
    }
    for constructor in metadata["spec"]["constructors"]
        .as_array()
        .into_iter()
        .flatten()
    {
        if let (Some(sel), Some(label)) = (selector(constructor), constructor["label"].as_str()) {
            out.insert(sel, (format!("{label} (constructor)"), true));
        }
    }
    out
}

fn hex_bytes(text: &str) -> Option<Vec<u8>> {
    let text = text.trim_start_matches("0x");
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

/// The floor contract's three jobs, on records of the sizes the suite stores.
async fn floor(builds: &Builds) -> Result<Vec<Measurement>> {
    use floor::floor::{Floor, FloorRef};
    let mut paths = builds.wasm_paths.clone();
    paths.push(builds.floor_wasm.clone());
    let mut client = ink_e2e::SandboxClient::<AccountId, Hash, RecordingSandbox>::new(paths);
    let alice = ink_e2e::alice();
    let mut instances = Vec::new();
    for _ in 0..2 {
        let deployed = client
            .instantiate("floor", &alice, &mut FloorRef::new())
            .submit()
            .await
            .map_err(|e| anyhow::anyhow!("instantiating the floor: {e:?}"))?;
        instances.push((deployed.account_id, deployed.call_builder::<Floor>()));
    }
    let (_, mut first) = instances.remove(0);
    let (second_id, mut second) = instances.remove(0);
    // The records the suite writes: a consent grant, a dispense record.
    let grant = consent_registry::data::Consent {
        patient: AccountId::from([1; 32]),
        grantee: AccountId::from([2; 32]),
        provision: support::permit(
            healthchain_common::consent::Purpose::Payment,
            healthchain_common::consent::DataClasses::CLAIMS,
            None,
            Hash::from([0xF0; 32]),
        ),
        status: consent_registry::data::ConsentStatus::Active,
        recorded_at: 0,
        recorded_by: AccountId::from([1; 32]),
    };
    let dispense = drug_provenance::data::PackageRecord {
        holder: AccountId::from([2; 32]),
        seller: Some(AccountId::from([3; 32])),
        state: drug_provenance::data::PackageState::Dispensed {
            recipient: Hash::from([1; 32]),
            dispenser: AccountId::from([2; 32]),
            dispensed_at: 0,
        },
        hold: Default::default(),
        came_from: Some(1),
    };
    let mut rows = Vec::new();
    let key = AccountId::from([7; 32]);
    for (what, size, fresh) in [
        ("a grant", grant.encoded_size(), AccountId::from([8; 32])),
        (
            "a dispense",
            dispense.encoded_size(),
            AccountId::from([9; 32]),
        ),
    ] {
        let write = first.write(fresh, vec![0xAB; size]);
        let result = client
            .call(&alice, &write)
            .dry_run()
            .await
            .map_err(|e| anyhow::anyhow!("floor write: {e:?}"))?;
        rows.push(measure::measured(
            "floor",
            "write",
            format!("{what}: one write of {size} bytes and one event"),
            None,
            &result,
        ));
    }
    client
        .call(&alice, &second.write(key, vec![0xAB; grant.encoded_size()]))
        .submit()
        .await
        .map_err(|e| anyhow::anyhow!("floor write: {e:?}"))?;
    let read = client
        .call(&alice, &second.read(key))
        .dry_run()
        .await
        .map_err(|e| anyhow::anyhow!("floor read: {e:?}"))?;
    rows.push(measure::measured(
        "floor",
        "read",
        "one storage read",
        None,
        &read,
    ));
    if !read.return_value() {
        bail!("the floor lost its record");
    }
    let remote = client
        .call(&alice, &first.read_remote(second_id, key))
        .dry_run()
        .await
        .map_err(|e| anyhow::anyhow!("floor read_remote: {e:?}"))?;
    rows.push(measure::measured(
        "floor",
        "read_remote",
        "one cross-contract call returning a bool",
        None,
        &remote,
    ));
    if !remote.return_value() {
        bail!("the floor's cross-contract read failed");
    }
    Ok(rows)
}

/// Runs `healthchain merkle root` over a million serials five times; the median.
fn merkle_throughput(cli: &Path) -> Result<Throughput> {
    const LEAVES: u64 = 1_000_000;
    let dir = std::env::temp_dir().join(format!("healthchain-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let file = dir.join("serials-1m.txt");
    let mut text = String::with_capacity(LEAVES as usize * 13);
    for i in 0..LEAVES {
        text.push_str(&format!("SN{i:010}\n"));
    }
    std::fs::write(&file, text)?;
    let mut runs = Vec::new();
    for _ in 0..5 {
        let at = Instant::now();
        let output = Command::new(cli)
            .args(["merkle", "root"])
            .arg(&file)
            .output()
            .with_context(|| format!("running {}", cli.display()))?;
        let seconds = at.elapsed().as_secs_f64();
        if !output.status.success()
            || !String::from_utf8_lossy(&output.stdout).contains(&format!("leaves {LEAVES}"))
        {
            bail!(
                "healthchain merkle root failed: {}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
        runs.push(seconds);
    }
    std::fs::remove_dir_all(&dir)?;
    let mut sorted = runs.clone();
    sorted.sort_by(f64::total_cmp);
    let median = sorted[sorted.len() / 2];
    Ok(Throughput {
        leaves: LEAVES,
        runs_seconds: runs,
        median_seconds: median,
        leaves_per_second: LEAVES as f64 / median,
    })
}

fn thousands(n: impl Into<u128>) -> String {
    let digits = n.into().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn table(rows: &[Measurement]) -> String {
    let mut out = String::from(
        "| contract | message | case | ref_time | proof_size | deposit charged | refunded |\n|---|---|---|---:|---:|---:|---:|\n",
    );
    for r in rows {
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} |\n",
            r.contract,
            r.message,
            r.case,
            thousands(r.ref_time),
            thousands(r.proof_size),
            thousands(r.deposit),
            thousands(r.refund)
        ));
    }
    out
}

fn markdown(r: &Results) -> String {
    let mut md = String::from("# healthchain benchmarks\n\n");
    md.push_str(&format!(
        "Written by `make bench`. Backend: {}. Build: {}. Gas is pallet-contracts' `gas_consumed` of a dry run: ref_time in picoseconds of reference hardware, proof_size in bytes. Deposits are in the chain's smallest unit. The JSON twin is `results.json`.\n\n",
        r.backend, r.build
    ));
    md.push_str("## Budgets\n\n| check | result | found |\n|---|---|---|\n");
    for c in &r.checks {
        md.push_str(&format!(
            "| {} | {} | {} |\n",
            c.name,
            if c.passed { "pass" } else { "**FAIL**" },
            c.found
        ));
    }
    md.push_str(
        "\n## Code size (release wasm)\n\n| contract | bytes | budget |\n|---|---:|---:|\n",
    );
    for c in &r.code_size {
        md.push_str(&format!(
            "| {} | {} | {} |\n",
            c.contract,
            thousands(c.bytes),
            thousands(c.budget)
        ));
    }
    md.push_str(&format!(
        "| **suite** | **{}** | {} |\n\n",
        thousands(r.suite_bytes),
        thousands(MAX_SUITE_BYTES)
    ));
    md.push_str("## Every state-changing message, a typical call\n\nThe first call of each message in the patient journey (`healthchain demo` walks the same steps), or in the scaling scenarios below for those the journey does not send. Cross-contract checks are included in the caller's figures.\n\n");
    md.push_str(&table(&r.messages));
    if !r.not_exercised.is_empty() {
        md.push_str(&format!(
            "\nNot measured (state-changing, but sent by neither the journey nor the scenarios): {}.\n",
            r.not_exercised.join(", ")
        ));
    }
    md.push_str("\n## Scaling\n\n`is_authorized` with 1, 1,000 and 10,000 grants stored; `dispense` and `verify_unit` in lots of 2^4, 2^10 and 2^20 serials; trial inclusion proofs in batches of 2^4, 2^10 and 2^20 leaves; claims of 1, 4 and 50 (the maximum) drug lines.\n\n");
    md.push_str(&table(&r.series));
    md.push_str("\n## Against the floor\n\nThe floor (`bench/floor`) does the least possible work for each job: one storage write of a record of the same size plus one event (a grant, a dispense), one storage read (a check), one cross-contract call returning a bool (a cross-contract check). The budget (2x) is on ref_time; proof_size is shown too, and is mostly the contract's code, which pallet-contracts counts in the proof whenever a contract runs (the code-size budget above is what bounds it).\n\n");
    md.push_str(&table(&r.floor));
    md.push_str("\n| message | floor | ref_time ratio (budget 2x) | proof_size ratio | code loaded, real / floor | ref_time ratio without code loading |\n|---|---|---:|---:|---:|---:|\n");
    for f in &r.floor_ratios {
        md.push_str(&format!(
            "| {} | {} | {:.2}x | {:.2}x | {} / {} B | {:.2}x |\n",
            f.real,
            f.floor,
            f.ref_time_ratio,
            f.proof_size_ratio,
            thousands(f.real_code_bytes),
            thousands(f.floor_code_bytes),
            f.ref_time_ratio_without_code_load
        ));
    }
    md.push_str(&format!(
        "\nWhy the ratios are high: the sandbox's pallet-contracts 31 charges {} ref_time per byte of code each time a contract runs (`call_with_code_per_byte`), so a 34 KB contract pays about 1.1e9 before it does anything, against 0.16e9 for the 4.8 KB floor. pallet-contracts 38, on substrate-contracts-node 0.42, charges {} per byte. The last column takes that charge out of both sides: it is the ratio of the work itself. The budget is checked on the first column, as measured.\n",
        thousands(SANDBOX_CODE_LOAD_PER_BYTE),
        thousands(NODE_CODE_LOAD_PER_BYTE)
    ));
    md.push_str(&format!(
        "\n## Per-block capacity on substrate-contracts-node\n\nsubstrate-contracts-node 0.42 allows {} ref_time per block, {}% of it for normal extrinsics. Each extrinsic is counted as its measured gas + pallet-contracts 38's `call()` dispatch weight ({}) + the base extrinsic weight ({}). The first two columns use the sandbox's gas as measured; the last two re-price the code loading of every contract the call runs at the node's pallet-contracts 38 rate (see above), which is closer to what the node charges. Both are estimates from sandbox weights: proof_size is unlimited on this solo chain, and the 3.75 MiB of normal block length holds more than 1,800 extrinsics of 2 KiB, so ref_time is what binds.\n\n| message | ref_time per extrinsic | per block | ref_time at the node's code rate | per block |\n|---|---:|---:|---:|---:|\n",
        thousands(NODE_MAX_BLOCK_REF_TIME),
        NODE_NORMAL_RATIO_PERCENT,
        thousands(NODE_CONTRACTS_CALL_OVERHEAD),
        thousands(NODE_EXTRINSIC_BASE)
    ));
    for c in &r.capacity {
        md.push_str(&format!(
            "| {} | {} | {} | {} | {} |\n",
            c.message,
            thousands(c.per_extrinsic_ref_time),
            thousands(c.per_block),
            thousands(c.per_extrinsic_ref_time_node_code_rate),
            thousands(c.per_block_node_code_rate)
        ));
    }
    md.push_str(&format!(
        "\n## Off chain: `healthchain merkle root`\n\nA million serials, {} runs of the release binary: median {:.3} s, **{} leaves per second** (runs: {}).\n",
        r.merkle_root.runs_seconds.len(),
        r.merkle_root.median_seconds,
        thousands(r.merkle_root.leaves_per_second as u64),
        r.merkle_root
            .runs_seconds
            .iter()
            .map(|s| format!("{s:.3} s"))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    md
}
