//! The build script of every contract's own library (`contracts/*_library`): each builds
//! its contract's source with `cfg(healthchain_library)`, which leaves out the hot
//! messages and runs the cold ones inline (see `healthchain_common::library_message`). A
//! cfg, not a feature, because cargo-contract and ink_e2e build contracts without their
//! default features.
fn main() {
    println!("cargo::rustc-check-cfg=cfg(healthchain_library)");
    println!("cargo::rustc-check-cfg=cfg(healthchain_contract)");
    println!("cargo::rustc-cfg=healthchain_library");
    // Its output never changes. Without a rerun-if line cargo reruns it whenever a file of
    // the package's directory is newer, and cargo-contract builds from a manifest it
    // writes anew each time, so every build of a library compiled it again (about 30 s,
    // once per library in each e2e test binary). A variable nobody sets never changes.
    println!("cargo::rerun-if-env-changed=HEALTHCHAIN_LIBRARY_BUILD");
}
