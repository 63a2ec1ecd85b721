//! The suite's compiled contracts: where cargo-contract writes them, building the stale
//! ones, and reading a bundle's wasm while refusing debug builds (ink_e2e's tests write
//! theirs where `make build` writes release bundles; debug code is larger and slower, and
//! not what anyone should deploy or measure).

use anyhow::{bail, Context, Result};
use healthchain_common::merkle::blake2_256;
use healthchain_suite::{Contract, ADMIN_LIBRARY};
use indicatif::{ProgressBar, ProgressStyle};
use std::{
    path::{Path, PathBuf},
    process::Command,
    time::{Duration, SystemTime},
};

/// One contract's compiled code, with its own library's.
pub struct Bundle {
    pub contract: Contract,
    pub wasm: Vec<u8>,
    pub code_hash: [u8; 32],
    /// The contract's own library ([`Contract::library`]), uploaded before it.
    pub library: Library,
}

/// A library's compiled code (uploaded, never instantiated): the admin library, or a
/// contract's own.
pub struct Library {
    /// Its crate and bundle name.
    pub name: &'static str,
    pub wasm: Vec<u8>,
    pub code_hash: [u8; 32],
}

/// Whether `dir` is a healthchain checkout (it has the contracts' sources).
fn is_repository(dir: &Path) -> bool {
    dir.join("contracts/consent_registry/Cargo.toml").is_file()
}

/// The healthchain checkout whose contracts are built: `HEALTHCHAIN_REPO` if set, else the
/// current directory or the nearest parent that is one. Found at run time: a binary may
/// outlive the checkout it was built from (shared target directories).
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

/// The newest modification time among the sources bundle `name` is built from: its
/// crate, the common crate and, for a contract's own library, the contract's crate (whose
/// source it builds).
fn newest_source(repository: &Path, name: &str) -> Result<SystemTime> {
    let mut newest = SystemTime::UNIX_EPOCH;
    let mut stack = vec![
        repository.join("contracts").join(name),
        repository.join("contracts/common"),
    ];
    if let Some(contract) = Contract::ALL.into_iter().find(|c| c.library() == name) {
        stack.push(repository.join("contracts").join(contract.name()));
    }
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

/// The build mode a bundle's metadata (`<name>.json` or `<name>.contract`) records.
fn build_mode(metadata: &serde_json::Value) -> Option<&str> {
    metadata
        .pointer("/source/build_info/build_mode")
        .and_then(|m| m.as_str())
}

/// Refuses the metadata file at `path` when it describes a debug build. A bundle without
/// its metadata file passes: its `.contract` is checked instead when it is read.
pub fn ensure_release(path: &Path) -> Result<()> {
    let Ok(text) = std::fs::read_to_string(path) else {
        return Ok(());
    };
    let metadata: serde_json::Value =
        serde_json::from_str(&text).with_context(|| format!("{} is not JSON", path.display()))?;
    if build_mode(&metadata) == Some("Debug") {
        bail!(
            "{} describes a debug build (the e2e tests write those there): run make build",
            path.display()
        );
    }
    Ok(())
}

/// The wasm inside a `.contract` bundle, refusing a debug build.
fn wasm_of_bundle(path: &Path) -> Result<Vec<u8>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let bundle: serde_json::Value =
        serde_json::from_str(&text).with_context(|| format!("{} is not JSON", path.display()))?;
    if build_mode(&bundle) == Some("Debug") {
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

/// Reads `<dir>/<name>/<name>.wasm` (or the `.contract` bundle) of the contract `name`,
/// which need not be one of the suite's (the bench's floor contract).
pub fn read_release_wasm(dir: &Path, name: &str) -> Result<Vec<u8>> {
    let wasm_path = dir.join(name).join(format!("{name}.wasm"));
    let contract_path = dir.join(name).join(format!("{name}.contract"));
    ensure_release(&dir.join(name).join(format!("{name}.json")))?;
    if wasm_path.is_file() {
        std::fs::read(&wasm_path).with_context(|| format!("reading {}", wasm_path.display()))
    } else if contract_path.is_file() {
        wasm_of_bundle(&contract_path)
    } else {
        bail!(
            "bundle missing: no {} or {} (run make build, or pass --bundles DIR)",
            wasm_path.display(),
            contract_path.display()
        )
    }
}

/// Reads every contract's bundle from `dir`, in deployment order.
pub fn load(dir: &Path) -> Result<Vec<Bundle>> {
    Contract::ALL
        .into_iter()
        .map(|contract| {
            let wasm = read_release_wasm(dir, contract.name())?;
            Ok(Bundle {
                contract,
                code_hash: blake2_256(&wasm),
                wasm,
                library: read_library(dir, contract.library())?,
            })
        })
        .collect()
}

/// Reads library `name`'s bundle from `dir`.
fn read_library(dir: &Path, name: &'static str) -> Result<Library> {
    let wasm = read_release_wasm(dir, name)?;
    Ok(Library {
        name,
        code_hash: blake2_256(&wasm),
        wasm,
    })
}

/// Reads the admin library's bundle from `dir`.
pub fn load_library(dir: &Path) -> Result<Library> {
    read_library(dir, ADMIN_LIBRARY)
}

/// A spinner with `message` and the time it has run.
pub fn spinner(message: String) -> ProgressBar {
    let bar = ProgressBar::new_spinner();
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg} {elapsed}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    bar.set_message(message);
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

/// The wasm path of every contract of the checkout and of the libraries, building
/// with cargo-contract (release) those older than their sources or built in debug, with a
/// spinner per build.
pub fn ensure_built(repository: &Path) -> Result<Vec<PathBuf>> {
    let dir = bundle_dir(repository);
    let mut wasm = Vec::new();
    let names = Contract::ALL
        .into_iter()
        .flat_map(|c| [c.name(), c.library()]);
    for name in names.chain([ADMIN_LIBRARY]) {
        let path = dir.join(name).join(format!("{name}.wasm"));
        let fresh = std::fs::metadata(&path)
            .and_then(|m| m.modified())
            .ok()
            .is_some_and(|built| newest_source(repository, name).is_ok_and(|src| built >= src))
            && ensure_release(&dir.join(name).join(format!("{name}.json"))).is_ok();
        if !fresh {
            let bar = spinner(format!("building {name} (cargo contract build --release)"));
            let output = Command::new("cargo")
                .args([
                    "contract",
                    "build",
                    "--release",
                    "--quiet",
                    "--manifest-path",
                ])
                .arg(repository.join("contracts").join(name).join("Cargo.toml"))
                .output()
                .context(
                    "cannot run cargo contract: run make setup (it installs cargo-contract 5.0.3)",
                )?;
            bar.finish_and_clear();
            if !output.status.success() {
                bail!(
                    "building {name} failed:\n{}",
                    String::from_utf8_lossy(&output.stderr)
                );
            }
            eprintln!("healthchain: built {name}");
        }
        if !path.exists() {
            bail!("bundle {} is missing after the build", path.display());
        }
        wasm.push(path);
    }
    Ok(wasm)
}
