//! The build script of every contract's own library (`contracts/*_library`): each builds
//! its contract's source with `cfg(healthchain_library)`, which leaves out the hot
//! messages and runs the cold ones inline (see `healthchain_common::library_message`). A
//! cfg, not a feature, because cargo-contract and ink_e2e build contracts without their
//! default features. In the wasm build it also sets `feature = "ink-as-dependency"`, which
//! leaves out ink!'s `call` and `deploy`: `healthchain_common::entry_points!` gives the
//! library its own, which run the contract's constructors too.
fn main() {
    println!("cargo::rustc-check-cfg=cfg(healthchain_library)");
    println!("cargo::rustc-check-cfg=cfg(healthchain_contract)");
    println!("cargo::rustc-cfg=healthchain_library");
    let wasm = std::env::var("CARGO_CFG_TARGET_ARCH").as_deref() == Ok("wasm32");
    if wasm && std::env::var_os("CARGO_FEATURE_INK_AS_DEPENDENCY").is_none() {
        println!("cargo::rustc-cfg=feature=\"ink-as-dependency\"");
    }
    // Its output never changes. Without a rerun-if line cargo reruns it whenever a file of
    // the package's directory is newer, and cargo-contract builds from a manifest it
    // writes anew each time, so every build of a library compiled it again (about 30 s,
    // once per library in each e2e test binary). A variable nobody sets never changes.
    println!("cargo::rerun-if-env-changed=HEALTHCHAIN_LIBRARY_BUILD");
}
