//! `make bench`'s library: the budget analysis ([`analysis`]), capacity per block
//! ([`capacity`]) and what the pallet's proof charge allows at best ([`bounds`]), shared
//! by the bench binary and the gas tests.

pub mod analysis;
pub mod bounds;
pub mod capacity;
