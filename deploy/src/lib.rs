//! The healthchain command-line tool's library: what the `healthchain` binary does, in
//! functions that tests reach without a shell.
//!
//! - [`demo`]: the patient journey on an embedded chain or a node.
//! - [`merkle`]: roots and inclusion proofs of serial lists and trial data records, with
//!   exactly the hashing the contracts verify (`healthchain_common::merkle`).

pub mod demo;
pub mod merkle;
