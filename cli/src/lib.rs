//! The healthchain command-line tool's library: what the `healthchain` binary does, in
//! functions that tests reach without a shell. Features choose what is built:
//!
//! - always: [`merkle`], roots and inclusion proofs of serial lists and trial data records,
//!   with exactly the hashing the contracts verify (`healthchain_common::merkle`), and
//!   [`bundles`], the suite's compiled contracts; [`patient`], a patient's secret and the
//!   per-relationship pseudonyms derived from it;
//! - `deploy`: [`deploy`], the suite on a chain, wired, with roles ([`config`]) and a
//!   manifest ([`manifest`]), through a node ([`chain`], subxt, with pallet-contracts'
//!   answers in [`runtime_api`]); [`verify_unit`], the
//!   pharmacist's scan answered by the deployed drug_provenance; [`trace`], a package's chain
//!   of custody from the contract and its events; [`commit`], the salted
//!   commitments and keyed procedure codes pharmacies, sites and insurers put on chain
//!   instead of a patient beside a clinical fact;
//! - `demo`: [`demo`], the patient journey on an embedded chain (ink_e2e's sandbox) or a
//!   node.

pub mod bundles;
#[cfg(feature = "deploy")]
pub mod chain;
#[cfg(feature = "deploy")]
pub mod commit;
#[cfg(feature = "deploy")]
pub mod config;
#[cfg(feature = "demo")]
pub mod demo;
#[cfg(feature = "deploy")]
pub mod deploy;
#[cfg(feature = "deploy")]
pub mod manifest;
pub mod merkle;
pub mod patient;
#[cfg(feature = "deploy")]
pub mod runtime_api;
#[cfg(feature = "deploy")]
pub mod trace;
#[cfg(feature = "deploy")]
pub mod verify_unit;
