//! The healthchain command-line tool's library: what the `healthchain` binary does, in
//! functions that tests reach without a shell.
//!
//! - [`demo`]: the patient journey on an embedded chain or a node.
//! - [`deploy`]: the suite on a chain, wired, with roles ([`config`]) and a manifest
//!   ([`manifest`]), through a node ([`chain`]).
//! - [`verify_unit`]: the pharmacist's scan, answered by the deployed drug_provenance.
//! - [`merkle`]: roots and inclusion proofs of serial lists and trial data records, with
//!   exactly the hashing the contracts verify (`healthchain_common::merkle`).

#[cfg(feature = "chain")]
pub mod chain;
#[cfg(feature = "chain")]
pub mod config;
#[cfg(feature = "chain")]
pub mod demo;
#[cfg(feature = "chain")]
pub mod deploy;
#[cfg(feature = "chain")]
pub mod manifest;
pub mod merkle;
#[cfg(feature = "chain")]
pub mod verify_unit;
