//! `healthchain demo`: the patient journey (`healthchain_journey`) on an in-process chain
//! (ink_e2e's sandbox runtime: nothing to install) or, with `--url`, on a node.

use anyhow::{bail, Context, Result};
use indicatif::{ProgressBar, ProgressStyle};
use std::{
    path::{Path, PathBuf},
    process::Command,
    time::{Duration, Instant, SystemTime},
};

/// The contracts of the suite, in deployment order.
pub const CONTRACTS: [&str; 4] = [
    "consent_registry",
    "drug_provenance",
    "claim_settlement",
    "trial_anchoring",
];

/// Whether `dir` is a healthchain checkout (it has the contracts' sources).
fn is_repository(dir: &Path) -> bool {
    dir.join("contracts/consent_registry/Cargo.toml").is_file()
}

/// The healthchain checkout whose contracts the demo builds: `HEALTHCHAIN_REPO` if set,
/// else the current directory or the nearest parent that is one. Found at run time: a
/// binary may outlive the checkout it was built from (shared target directories).
pub fn repository() -> Result<PathBuf> {
    if let Some(dir) = std::env::var_os("HEALTHCHAIN_REPO") {
        let dir = PathBuf::from(dir);
        if !is_repository(&dir) {
            bail!(
                "HEALTHCHAIN_REPO={} is not a healthchain checkout",
                dir.display()
            );
        }
        return Ok(dir);
    }
    let cwd = std::env::current_dir().context("reading the current directory")?;
    cwd.ancestors()
        .find(|dir| is_repository(dir))
        .map(Path::to_path_buf)
        .with_context(|| {
            format!(
                "{} is not inside a healthchain checkout: run from the repository or set HEALTHCHAIN_REPO",
                cwd.display()
            )
        })
}

/// Where cargo-contract writes the bundles: `$CARGO_TARGET_DIR/ink/<name>/`.
pub fn bundle_dir(repository: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| repository.join("target"))
        .join("ink")
}

fn newest_source(repository: &Path, contract: &str) -> Result<SystemTime> {
    let mut newest = SystemTime::UNIX_EPOCH;
    let mut stack = vec![
        repository.join("contracts").join(contract),
        repository.join("contracts/common"),
    ];
    while let Some(path) = stack.pop() {
        let meta =
            std::fs::metadata(&path).with_context(|| format!("reading {}", path.display()))?;
        if meta.is_dir() {
            for entry in std::fs::read_dir(&path)? {
                stack.push(entry?.path());
            }
        } else {
            newest = newest.max(meta.modified()?);
        }
    }
    Ok(newest)
}

/// Whether the metadata beside a bundle says it is a debug build: ink_e2e's tests write
/// theirs where `make build` writes release bundles.
fn is_debug_build(metadata: &Path) -> bool {
    std::fs::read_to_string(metadata)
        .ok()
        .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok())
        .is_some_and(|m| {
            m.pointer("/source/build_info/build_mode")
                .and_then(|v| v.as_str())
                == Some("Debug")
        })
}

/// The wasm of every contract, building with cargo-contract (release) those older than
/// their sources or built in debug (with a spinner per build).
pub fn ensure_built(repository: &Path) -> Result<Vec<PathBuf>> {
    let dir = bundle_dir(repository);
    let mut wasm = Vec::new();
    for contract in CONTRACTS {
        let path = dir.join(contract).join(format!("{contract}.wasm"));
        let fresh = std::fs::metadata(&path)
            .and_then(|m| m.modified())
            .ok()
            .is_some_and(|built| newest_source(repository, contract).is_ok_and(|src| built >= src))
            && !is_debug_build(&dir.join(contract).join(format!("{contract}.json")));
        if !fresh {
            let bar = ProgressBar::new_spinner();
            bar.set_style(
                ProgressStyle::with_template("{spinner} {msg} {elapsed}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            bar.set_message(format!(
                "building {contract} (cargo contract build --release)"
            ));
            bar.enable_steady_tick(Duration::from_millis(200));
            let output = Command::new("cargo")
                .args([
                    "contract",
                    "build",
                    "--release",
                    "--quiet",
                    "--manifest-path",
                ])
                .arg(
                    repository
                        .join("contracts")
                        .join(contract)
                        .join("Cargo.toml"),
                )
                .output()
                .context(
                    "cannot run cargo contract: run make setup (it installs cargo-contract 5.0.3)",
                )?;
            bar.finish_and_clear();
            if !output.status.success() {
                bail!(
                    "building {contract} failed:\n{}",
                    String::from_utf8_lossy(&output.stderr)
                );
            }
            eprintln!("demo: built {contract}");
        }
        if !path.exists() {
            bail!("bundle {} is missing after the build", path.display());
        }
        wasm.push(path);
    }
    Ok(wasm)
}

/// Runs the journey; `url` selects a node instead of the embedded chain. Returns the
/// number of steps walked.
pub fn run(url: Option<&str>) -> Result<usize> {
    let wasm = ensure_built(&repository()?)?;
    healthchain_journey::support::narrate(true);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let started = Instant::now();
    let steps = match url {
        None => {
            println!("demo: the patient journey on an in-process chain (ink_e2e sandbox runtime, pallet-contracts)");
            let mut client = ink_e2e::SandboxClient::<
                ink::primitives::AccountId,
                ink::primitives::Hash,
                healthchain_journey::recording::RecordingSandbox,
            >::new(wasm);
            runtime.block_on(healthchain_journey::journey::run(&mut client))
        }
        Some(url) => runtime.block_on(async {
            println!("demo: the patient journey on the node at {url}");
            let rpc = ink_e2e::RpcClient::from_url(url).await.with_context(|| {
                format!("cannot reach a node at {url}: start one (substrate-contracts-node --dev) or check the URL")
            })?;
            let mut client = ink_e2e::Client::<ink_e2e::PolkadotConfig, ink::env::DefaultEnvironment>::new(rpc, wasm)
                .await
                .map_err(|e| anyhow::anyhow!("connecting to {url}: {e:?}"))?;
            Ok::<_, anyhow::Error>(healthchain_journey::journey::run(&mut client).await)
        })?,
    };
    println!(
        "demo: {steps} steps in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(steps)
}
