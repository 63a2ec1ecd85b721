//! The build script of every contract's own library (`contracts/*_library`): each builds
//! its contract's source with `cfg(healthchain_library)`, which leaves out the hot
//! messages and runs the cold ones inline (see `healthchain_common::library_message`). A
//! cfg, not a feature, because cargo-contract and ink_e2e build contracts without their
//! default features.
fn main() {
    println!("cargo::rustc-check-cfg=cfg(healthchain_library)");
    println!("cargo::rustc-cfg=healthchain_library");
}
