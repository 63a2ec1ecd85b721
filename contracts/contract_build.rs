//! The build script of every contract (`contracts/<name>`). In the contract's own wasm
//! build it sets `cfg(healthchain_contract)`, under which its cold messages are left out
//! and `healthchain_common::entry_points!` routes every selector the contract does not
//! answer to its library, and `feature = "ink-as-dependency"`, the only switch ink! 5.1
//! has to leave out its own `call` and `deploy` exports (it changes nothing else there).
//! Off chain (unit tests, metadata, e2e builds for the host) neither is set, so every
//! message is there; nor when another contract builds this one as a dependency (feature
//! `ink-as-dependency`), which has no entry points of its own then. A library crate builds
//! the same source with `library_build.rs`.
fn main() {
    println!("cargo::rustc-check-cfg=cfg(healthchain_contract)");
    // Set by a library's build script (`library_build.rs`); `entry_points!` names it too.
    println!("cargo::rustc-check-cfg=cfg(healthchain_library)");
    println!("cargo::rerun-if-env-changed=HEALTHCHAIN_CONTRACT_BUILD");
    let wasm = std::env::var("CARGO_CFG_TARGET_ARCH").as_deref() == Ok("wasm32");
    let dependency = std::env::var_os("CARGO_FEATURE_INK_AS_DEPENDENCY").is_some();
    if wasm && !dependency {
        println!("cargo::rustc-cfg=healthchain_contract");
        println!("cargo::rustc-cfg=feature=\"ink-as-dependency\"");
    }
}
