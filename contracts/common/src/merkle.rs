//! The one Merkle tree of the suite: lot serial numbers (drug_provenance), trial data
//! batches and pre-registered outcomes (trial_anchoring), and the off-chain tool all use it.
//!
//! - Shape and proofs follow RFC 6962 / RFC 9162 (Certificate Transparency): a tree of `n`
//!   leaves splits at the largest power of two below `n`, so any number of leaves works
//!   and every proof is unambiguous given the leaf index and the leaf count.
//! - Hashing is BLAKE2b-256 with distinct prefixes, 0x00 for leaves and 0x01 for inner
//!   nodes, so an inner node can never pass as a leaf.
//! - Verification is `no_std`, allocation-free and bounded by [`MAX_PROOF_LEN`]; building
//!   roots and proofs (`std` only) streams leaves and keeps one hash per tree level.

use ink::{env::hash::Blake2x256, prelude::vec::Vec};

/// A 32-byte BLAKE2b-256 digest.
pub type Digest = [u8; 32];

/// Prefix of a leaf hash.
pub const LEAF_PREFIX: u8 = 0x00;
/// Prefix of an inner node hash.
pub const NODE_PREFIX: u8 = 0x01;
/// The longest proof accepted: enough for 2^32 leaves.
pub const MAX_PROOF_LEN: usize = 32;

/// Why a proof was not checked. A proof that is well formed but wrong is `Ok(false)`.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProofError {
    /// The proof has more than [`MAX_PROOF_LEN`] hashes.
    ProofTooLong,
    /// The leaf index is not below the leaf count.
    IndexOutOfRange,
}

/// Decodes a proof, as SCALE encodes a `Vec<Digest>` (its length, then its hashes), into
/// a vector allocated once for all its hashes: the derived decoding's general code for
/// vectors (preallocation limits, growth) was 549 bytes of every dispense's proof. A
/// length longer than the input left is refused before anything is allocated; a proof
/// longer than [`MAX_PROOF_LEN`] decodes, for `verify_proof` to refuse (`ProofTooLong`)
/// by name.
pub fn decode_proof<I: ink::scale::Input>(input: &mut I) -> Result<Vec<Digest>, ink::scale::Error> {
    let len = crate::codec::decode_len_held(input, 32)?;
    // Read hash by hash into room made once: a vector zeroed first and read at once measured
    // 19 bytes less but 0.35 million ref_time more per hash (the zeroing), 5% of a proof
    // level's cost.
    let mut proof = Vec::with_capacity(len);
    for _ in 0..len {
        let mut digest = [0u8; 32];
        input.read(&mut digest)?;
        proof.push(digest);
    }
    Ok(proof)
}

/// BLAKE2b-256 of `input`: the suite's one hash for keys and fingerprints as well as trees.
pub fn blake2_256(input: &[u8]) -> Digest {
    let mut output = [0u8; 32];
    ink::env::hash_bytes::<Blake2x256>(input, &mut output);
    output
}

/// The hash of a leaf holding `data` (a serial number, a canonical data record, ...).
pub fn hash_leaf(data: &[u8]) -> Digest {
    match hash_short_leaf(data) {
        Some(leaf) => leaf,
        None => hash_long_leaf(data),
    }
}

/// [`hash_leaf`] of `data`, hashed from the stack, if it is at most 64 bytes long (a serial
/// is at most 20 characters): a caller whose data is bounded so carries no vector's code.
/// Always inlined, so that a caller's bound folds the length check away (drug_provenance's
/// own build 130 bytes smaller than with its `hash_leaf`; merely inlined, 62).
#[inline(always)]
pub fn hash_short_leaf(data: &[u8]) -> Option<Digest> {
    let mut buffer = [0u8; 65];
    let (head, tail) = buffer.split_at_mut(1);
    head.copy_from_slice(&[LEAF_PREFIX]);
    let used = tail.get_mut(..data.len())?;
    used.copy_from_slice(data);
    let (message, _) = buffer.split_at(data.len().saturating_add(1));
    Some(blake2_256(message))
}

fn hash_long_leaf(data: &[u8]) -> Digest {
    let mut message = Vec::with_capacity(data.len().saturating_add(1));
    message.push(LEAF_PREFIX);
    message.extend_from_slice(data);
    blake2_256(&message)
}

/// The hash of an inner node over its two children.
pub fn hash_node(left: &Digest, right: &Digest) -> Digest {
    let mut buffer = [0u8; 65];
    let (prefix, children) = buffer.split_at_mut(1);
    prefix.copy_from_slice(&[NODE_PREFIX]);
    let (l, r) = children.split_at_mut(32);
    l.copy_from_slice(left);
    r.copy_from_slice(right);
    blake2_256(&buffer)
}

/// Whether `leaf` (a leaf hash) is the leaf at `index` of the tree of `leaf_count` leaves
/// whose root is `root`, by the audit path `proof` (RFC 9162, section 2.1.3.2).
pub fn verify_proof(
    root: &Digest,
    leaf: &Digest,
    index: u64,
    leaf_count: u64,
    proof: &[Digest],
) -> Result<bool, ProofError> {
    if proof.len() > MAX_PROOF_LEN {
        return Err(ProofError::ProofTooLong);
    }
    if index >= leaf_count {
        return Err(ProofError::IndexOutOfRange);
    }
    let mut node_index = index;
    // leaf_count >= 1 because index < leaf_count.
    let mut last_index = leaf_count.saturating_sub(1);
    let mut hash = *leaf;
    for sibling in proof {
        if last_index == 0 {
            return Ok(false);
        }
        if node_index & 1 == 1 || node_index == last_index {
            hash = hash_node(sibling, &hash);
            if node_index & 1 == 0 {
                // A right-edge node without a sibling at this level: climb until it has one.
                while node_index & 1 == 0 && node_index != 0 {
                    node_index >>= 1;
                    last_index >>= 1;
                }
            }
        } else {
            hash = hash_node(&hash, sibling);
        }
        node_index >>= 1;
        last_index >>= 1;
    }
    Ok(last_index == 0 && hash == *root)
}

/// Builds a root from leaf hashes fed one at a time, keeping one hash per level
/// (64 at most): a million leaves need no more memory than ten. On chain too:
/// trial_anchoring roots a trial's outcome list with it.
#[derive(Debug, Default, Clone)]
pub struct RootBuilder {
    /// Perfect subtrees not yet merged, largest first: (height, hash).
    stack: Vec<(u32, Digest)>,
    count: u64,
}

impl RootBuilder {
    /// An empty builder.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds the next leaf hash.
    pub fn push(&mut self, leaf: Digest) {
        let mut node = (0u32, leaf);
        while let Some(&(height, left)) = self.stack.last() {
            if height != node.0 {
                break;
            }
            self.stack.pop();
            node = (height.saturating_add(1), hash_node(&left, &node.1));
        }
        self.stack.push(node);
        self.count = self.count.saturating_add(1);
    }

    /// How many leaves were pushed.
    pub fn leaf_count(&self) -> u64 {
        self.count
    }

    /// The root, or `None` for no leaves.
    pub fn root(&self) -> Option<Digest> {
        let mut nodes = self.stack.iter().rev();
        let mut root = nodes.next()?.1;
        for (_, left) in nodes {
            root = hash_node(left, &root);
        }
        Some(root)
    }
}

/// The root of `leaves` (leaf hashes), or `None` for none.
pub fn root(leaves: &[Digest]) -> Option<Digest> {
    let mut builder = RootBuilder::new();
    leaves.iter().for_each(|leaf| builder.push(*leaf));
    builder.root()
}

/// The audit path of the leaf at `index` among `leaves` (leaf hashes), for
/// [`verify_proof`]; `None` when `index` is out of range.
#[cfg(feature = "std")]
pub fn proof(leaves: &[Digest], index: usize) -> Option<Vec<Digest>> {
    if index >= leaves.len() {
        return None;
    }
    let mut path = Vec::new();
    subtree_path(leaves, index, &mut path);
    Some(path)
}

/// Appends the path of `index` within `leaves` to `path`, bottom first (RFC 6962 PATH).
#[cfg(feature = "std")]
fn subtree_path(leaves: &[Digest], index: usize, path: &mut Vec<Digest>) {
    if leaves.len() <= 1 {
        return;
    }
    let split = split_point(leaves.len());
    let (left, right) = leaves.split_at(split);
    if index < split {
        subtree_path(left, index, path);
        path.push(root(right).unwrap_or_default());
    } else {
        subtree_path(right, index.saturating_sub(split), path);
        path.push(root(left).unwrap_or_default());
    }
}

/// The largest power of two strictly below `n` (n >= 2).
#[cfg(feature = "std")]
fn split_point(n: usize) -> usize {
    let mut k = 1usize;
    while k.saturating_mul(2) < n {
        k = k.saturating_mul(2);
    }
    k
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn leaves(n: usize) -> Vec<Digest> {
        (0..n)
            .map(|i| hash_leaf(format!("SN{i:08}").as_bytes()))
            .collect()
    }

    proptest! {
        /// `decode_proof` reads what a `Vec<Digest>` encodes, proofs too long to verify
        /// included, and leaves what follows it.
        #[test]
        fn decode_proof_reads_a_vec_of_digests(
            proof in proptest::collection::vec(any::<Digest>(), 0..=MAX_PROOF_LEN + 2),
            after in any::<u8>(),
        ) {
            use ink::scale::Encode;
            let encoded = (&proof, after).encode();
            let input = &mut &encoded[..];
            prop_assert_eq!(decode_proof(input), Ok(proof));
            prop_assert_eq!(*input, &[after][..]);
        }
    }

    proptest! {
        /// A leaf is BLAKE2b-256 of its prefix and its data, at every length, short
        /// (hashed from the stack) or long; only short data is hashed by
        /// `hash_short_leaf`, to the same leaf.
        #[test]
        fn leaves_hash_their_prefixed_data(data in proptest::collection::vec(any::<u8>(), 0..=130)) {
            let mut message = vec![LEAF_PREFIX];
            message.extend_from_slice(&data);
            prop_assert_eq!(hash_leaf(&data), blake2_256(&message));
            let short = hash_short_leaf(&data);
            prop_assert_eq!(short.is_some(), data.len() <= 64);
            if let Some(leaf) = short {
                prop_assert_eq!(leaf, blake2_256(&message));
            }
        }
    }

    #[test]
    fn decode_proof_refuses_a_length_its_input_does_not_hold() {
        use ink::scale::{Compact, Encode};
        // Two hashes said, one given; and a length of 2^30 - 1 hashes, which is refused
        // before anything is allocated.
        let mut short = Compact(2u32).encode();
        short.extend_from_slice(&[7; 32]);
        assert!(decode_proof(&mut &short[..]).is_err());
        let huge = Compact((1u32 << 30) - 1).encode();
        assert!(decode_proof(&mut &huge[..]).is_err());
        assert!(decode_proof(&mut &[][..]).is_err());
    }

    #[test]
    fn leaf_and_node_hashes_are_domain_separated() {
        let a = hash_leaf(b"a");
        let b = hash_leaf(b"b");
        let node = hash_node(&a, &b);
        let mut concatenated = a.to_vec();
        concatenated.extend_from_slice(&b);
        assert_ne!(
            hash_leaf(&concatenated),
            node,
            "an inner node is not a leaf"
        );
        assert_ne!(hash_leaf(b""), [0u8; 32]);
        // Long leaves hash the whole input.
        assert_ne!(hash_leaf(&[1u8; 100]), hash_leaf(&[1u8; 101]));
    }

    #[test]
    fn known_shapes() {
        let l = leaves(3);
        assert_eq!(root(&l[..1]), Some(l[0]));
        assert_eq!(root(&l[..2]), Some(hash_node(&l[0], &l[1])));
        // RFC 6962: three leaves split 2 + 1.
        assert_eq!(root(&l), Some(hash_node(&hash_node(&l[0], &l[1]), &l[2])));
        assert_eq!(root(&[]), None);
        assert_eq!(proof(&l, 2), Some(vec![hash_node(&l[0], &l[1])]));
        assert_eq!(proof(&l, 3), None);
    }

    #[test]
    fn single_leaf_tree_has_empty_proof() {
        let l = leaves(1);
        assert_eq!(verify_proof(&l[0], &l[0], 0, 1, &[]), Ok(true));
        assert_eq!(verify_proof(&l[0], &l[0], 0, 2, &[]), Ok(false));
    }

    #[test]
    fn malformed_proofs_are_errors() {
        let l = leaves(4);
        let r = root(&l).unwrap();
        assert_eq!(
            verify_proof(&r, &l[0], 4, 4, &[]),
            Err(ProofError::IndexOutOfRange)
        );
        assert_eq!(
            verify_proof(&r, &l[0], 0, 4, &[[0u8; 32]; MAX_PROOF_LEN + 1]),
            Err(ProofError::ProofTooLong)
        );
        // A proof with a hash too many or too few fails.
        let mut p = proof(&l, 1).unwrap();
        p.push(r);
        assert_eq!(verify_proof(&r, &l[1], 1, 4, &p), Ok(false));
        assert_eq!(verify_proof(&r, &l[1], 1, 4, &p[..1]), Ok(false));
    }

    #[test]
    fn every_leaf_of_every_small_tree_verifies() {
        for n in 1..=40 {
            let l = leaves(n);
            let r = root(&l).unwrap();
            for (i, leaf) in l.iter().enumerate() {
                let p = proof(&l, i).unwrap();
                assert_eq!(
                    verify_proof(&r, leaf, i as u64, n as u64, &p),
                    Ok(true),
                    "n={n} i={i}"
                );
                // The same proof does not work for another index or another count.
                if n > 1 {
                    let other = (i + 1) % n;
                    assert_ne!(verify_proof(&r, leaf, other as u64, n as u64, &p), Ok(true));
                }
            }
        }
    }

    proptest! {
        #[test]
        fn random_trees_verify_and_any_flipped_bit_fails(
            n in 1usize..300,
            pick in any::<prop::sample::Index>(),
            flip in any::<prop::sample::Index>(),
            target in 0u8..3,
        ) {
            let l = leaves(n);
            let r = root(&l).unwrap();
            let i = pick.index(n);
            let p = proof(&l, i).unwrap();
            prop_assert_eq!(verify_proof(&r, &l[i], i as u64, n as u64, &p), Ok(true));

            let (mut root2, mut leaf2, mut proof2) = (r, l[i], p.clone());
            match target {
                0 => { let bit = flip.index(256); root2[bit / 8] ^= 1 << (bit % 8); }
                1 => { let bit = flip.index(256); leaf2[bit / 8] ^= 1 << (bit % 8); }
                _ => {
                    if proof2.is_empty() { return Ok(()); }
                    let bit = flip.index(256 * proof2.len());
                    proof2[bit / 256][(bit % 256) / 8] ^= 1 << (bit % 8);
                }
            }
            prop_assert_eq!(verify_proof(&root2, &leaf2, i as u64, n as u64, &proof2), Ok(false));
        }

        #[test]
        fn streaming_root_matches_recursive_definition(n in 1usize..200) {
            let l = leaves(n);
            fn reference(l: &[Digest]) -> Digest {
                if l.len() == 1 { return l[0]; }
                let k = split_point(l.len());
                hash_node(&reference(&l[..k]), &reference(&l[k..]))
            }
            prop_assert_eq!(root(&l), Some(reference(&l)));
        }
    }
}
