//! How many calls a block holds: the lesser of what its ref_time and its proof size
//! allow, for the chains the suite is meant for. Every contract call carries its
//! contract's code in the block's proof (and each cross-contract call its callee's), so
//! on a parachain the proof binds long before ref_time does.

use serde::Serialize;

/// ref_time of one second, in picoseconds.
const SECOND: u64 = 1_000_000_000_000;
const MIB: u64 = 1024 * 1024;

/// What a pallet-contracts 38 `call` extrinsic costs on top of the gas its contract
/// consumed: the `call()` dispatch weight of polkadot-sdk's pallet-contracts benchmarks
/// (197,482,000 ps, 6 reads and 2 writes at RocksDbWeight's 25 µs and 100 µs, 4,291 bytes
/// of proof) and frame-support's base extrinsic weight (107,074 ns, no proof).
pub const CALL_BASE_REF_TIME: u64 = 197_482_000 + 6 * 25_000_000 + 2 * 100_000_000;
pub const CALL_BASE_PROOF: u64 = 4_291;
pub const EXTRINSIC_BASE_REF_TIME: u64 = 107_074_000;
/// The block time of an async-backing parachain, used for the per-second figures of every
/// profile (the dev node seals a block per extrinsic and has no block time of its own).
pub const BLOCK_SECONDS: u64 = 6;

/// A chain's block limits for normal extrinsics.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Profile {
    pub name: &'static str,
    /// ref_time per block for normal extrinsics.
    pub ref_time: u64,
    /// Proof size per block for normal extrinsics; `None` where the chain has no limit.
    pub proof_size: Option<u64>,
}

/// The three profiles `make bench` reports: the node's runtime (a solo chain: 2 s of
/// ref_time per block, 75% for normal extrinsics, no proof limit) and two parachains with
/// async backing (2 s of ref_time and a 5 MiB or 10 MiB proof of validity, 75% normal).
pub const PROFILES: [Profile; 3] = [
    Profile {
        name: "substrate-contracts-node 0.42",
        ref_time: 2 * SECOND / 100 * 75,
        proof_size: None,
    },
    Profile {
        name: "parachain, 5 MiB PoV",
        ref_time: 2 * SECOND / 100 * 75,
        proof_size: Some(5 * MIB * 75 / 100),
    },
    Profile {
        name: "parachain, 10 MiB PoV",
        ref_time: 2 * SECOND / 100 * 75,
        proof_size: Some(10 * MIB * 75 / 100),
    },
];

/// What one kind of call achieves per block on one profile.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Capacity {
    pub profile: &'static str,
    pub what: String,
    /// Items one extrinsic carries (1, or a batch's size).
    pub items_per_extrinsic: u64,
    pub ref_time_per_extrinsic: u64,
    pub proof_size_per_extrinsic: u64,
    pub extrinsics_per_block: u64,
    pub items_per_block: u64,
    pub items_per_second: f64,
    /// "ref_time" or "proof_size": which limit is reached first.
    pub binds: &'static str,
}

/// The capacity of `profile` for calls whose contract execution consumed `ref_time` and
/// `proof_size` (a dry run's `gas_consumed`) and which carry `items` items each.
pub fn per_block(
    profile: &Profile,
    what: impl Into<String>,
    ref_time: u64,
    proof_size: u64,
    items: u64,
) -> Capacity {
    let ref_time = ref_time
        .saturating_add(CALL_BASE_REF_TIME)
        .saturating_add(EXTRINSIC_BASE_REF_TIME);
    let proof = proof_size.saturating_add(CALL_BASE_PROOF);
    let by_ref_time = profile.ref_time / ref_time.max(1);
    let by_proof = profile
        .proof_size
        .map_or(u64::MAX, |limit| limit / proof.max(1));
    let extrinsics = by_ref_time.min(by_proof);
    let items_per_block = extrinsics.saturating_mul(items);
    Capacity {
        profile: profile.name,
        what: what.into(),
        items_per_extrinsic: items,
        ref_time_per_extrinsic: ref_time,
        proof_size_per_extrinsic: proof,
        extrinsics_per_block: extrinsics,
        items_per_block,
        items_per_second: items_per_block as f64 / BLOCK_SECONDS as f64,
        binds: if by_proof < by_ref_time {
            "proof_size"
        } else {
            "ref_time"
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tighter_limit_binds() {
        let parachain = &PROFILES[1];
        // 40 KiB of proof: 3,932,160 / (40,960 + 4,291) = 86 calls; ref_time would allow
        // 1.5e12 / (1e9 + 654,556,000) = 906.
        let c = per_block(parachain, "x", 1_000_000_000, 40_960, 1);
        assert_eq!(c.proof_size_per_extrinsic, 45_251);
        assert_eq!(c.extrinsics_per_block, 86);
        assert_eq!(c.binds, "proof_size");
        // The node has no proof limit: ref_time binds.
        let node = per_block(&PROFILES[0], "x", 1_000_000_000, 40_960, 1);
        assert_eq!(node.extrinsics_per_block, 906);
        assert_eq!(node.binds, "ref_time");
    }

    #[test]
    fn a_batch_counts_its_items() {
        let c = per_block(&PROFILES[2], "x", 10_000_000_000, 100_000, 32);
        // ref_time: 1.5e12 / 10,654,556,000 = 140; proof: 7,864,320 / 104,291 = 75.
        assert_eq!((c.extrinsics_per_block, c.binds), (75, "proof_size"));
        assert_eq!(c.items_per_block, 2_400);
        assert_eq!(c.items_per_second, 400.0);
    }
}
