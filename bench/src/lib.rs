//! `make bench`'s library: the budget analysis ([`analysis`]), shared by the bench binary
//! and the gas tests.

pub mod analysis;
pub mod capacity;
