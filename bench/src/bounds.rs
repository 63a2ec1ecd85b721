//! What each per-block budget leaves for code on pallet-contracts 38: an item makes the
//! storage accesses the suite's rules cannot do without, and the node charges each a proof
//! of its own (what it charged the floor for one more access). A batch shares its code
//! and base proof among its items, so its items carry at least their accesses: a batched
//! budget above what those allow cannot be met by any code. A single call carries its
//! accesses and its base proof, and the rest of what the budget allows is room for the
//! code of every contract the call runs. Events and input are left out, so the bounds are
//! generous.

use crate::capacity::{Profile, CALL_BASE_PROOF};
use serde::Serialize;

/// What one item must do under the suite's rules, for one per-block budget.
#[derive(Debug, Clone, Copy)]
pub struct Requirement {
    pub what: &'static str,
    /// The budget, in items per block on the profile given to [`bound`].
    pub budget: u64,
    /// False for one call per item; true for a batch, whose code and base proof its items
    /// share, and which are left out (as for an endless batch).
    pub batched: bool,
    /// The contracts a single call runs, each carrying at least the floor's code.
    pub contracts: u64,
    /// The storage accesses an item cannot do without, and the rule that needs each.
    pub accesses: &'static [&'static str],
}

/// Budgets (issue 19), per block on a 5 MiB-PoV parachain (`capacity::PROFILES[1]`). Not to
/// be loosened: where one is missed, the results say by how much.
pub const MIN_GRANTS_PER_BLOCK: u64 = 110;
pub const MIN_DISPENSES_PER_BLOCK: u64 = 80;
pub const MIN_VISIT_CLAIMS_PER_BLOCK: u64 = 35;
pub const MIN_BATCHED_GRANTS_PER_BLOCK: u64 = 350;
pub const MIN_BATCHED_DISPENSES_PER_BLOCK: u64 = 300;
pub const MIN_BATCHED_CLAIM_LINES_PER_BLOCK: u64 = 100;

/// [`Requirement`]s for the six per-block budgets.
pub const REQUIREMENTS: [Requirement; 6] = [
    Requirement {
        what: "consent grants, one call each",
        budget: MIN_GRANTS_PER_BLOCK,
        batched: false,
        contracts: 1,
        accesses: &[
            "the patient's consents read (its index and bounds)",
            "written",
        ],
    },
    Requirement {
        what: "dispenses, one call each",
        budget: MIN_DISPENSES_PER_BLOCK,
        batched: false,
        contracts: 1,
        accesses: &[
            "the dispenser's role (a revoked licence stops it)",
            "the lot (a recall or expiry stops it)",
            "the package's custody (its case, or its own record)",
            "the package's dispense record, written",
        ],
    },
    Requirement {
        what: "one-line visit claims, one call each",
        budget: MIN_VISIT_CLAIMS_PER_BLOCK,
        batched: false,
        contracts: 2,
        accesses: &[
            "the provider's role",
            "the plan",
            "the fee schedule entry",
            "the member's accumulators, read",
            "and written",
            "the insurer's escrow, read",
            "and written (paid in the same transaction)",
            "the claim, written",
            "its billing mark, written (a repeat is a duplicate, CARC 18)",
            "the patient's consents, in the registry (payment consent)",
        ],
    },
    Requirement {
        what: "consent grants, batched (relayed forms)",
        budget: MIN_BATCHED_GRANTS_PER_BLOCK,
        batched: true,
        contracts: 1,
        accesses: &[
            "the patient's record read (the signed form's nonce)",
            "and written (the consent)",
        ],
    },
    Requirement {
        what: "dispenses, batched",
        budget: MIN_BATCHED_DISPENSES_PER_BLOCK,
        batched: true,
        contracts: 1,
        accesses: &[
            "the package's record read (one refused item must not revert the others)",
            "and written",
        ],
    },
    Requirement {
        what: "claim lines, batched one-line claims",
        budget: MIN_BATCHED_CLAIM_LINES_PER_BLOCK,
        batched: true,
        contracts: 2,
        accesses: &[
            "the member's accumulators, read",
            "and written",
            "the claim, written",
            "its billing mark, written",
        ],
    },
];

/// The most a block could hold for one [`Requirement`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Bound {
    pub what: &'static str,
    pub budget: u64,
    pub accesses: Vec<&'static str>,
    /// The least proof per item, before any code: its accesses, and for a single call the
    /// call's base proof.
    pub least_proof_per_item: u64,
    /// What a block holds at that least proof: with no code at all.
    pub most_per_block: u64,
    /// For a single call: the bytes of code, of every contract the call runs, that the
    /// budget leaves room for (negative: none). `None` for a batch, whose code its items
    /// share.
    pub code_room: Option<i64>,
    /// A batch: whether the budget is at most [`Bound::most_per_block`]. A single call:
    /// whether [`Bound::code_room`] holds the smallest contract the bench builds once for
    /// each contract the call runs. If not, no code meets the budget on this pallet.
    pub within_reach: bool,
}

/// The bound of `requirement` on `profile`, with `per_access` bytes of proof charged for
/// each storage access, where no contract is smaller than `smallest_contract` bytes.
/// `None` for a profile without a proof limit.
pub fn bound(
    requirement: &Requirement,
    profile: &Profile,
    per_access: u64,
    smallest_contract: u64,
) -> Option<Bound> {
    let limit = profile.proof_size?;
    let accesses = (requirement.accesses.len() as u64).saturating_mul(per_access);
    let least = if requirement.batched {
        accesses
    } else {
        accesses.saturating_add(CALL_BASE_PROOF)
    };
    let most = limit / least.max(1);
    let code_room = (!requirement.batched).then(|| {
        let per_call = limit / requirement.budget.max(1);
        i64::try_from(per_call)
            .unwrap_or(i64::MAX)
            .saturating_sub(i64::try_from(least).unwrap_or(i64::MAX))
    });
    let within_reach = match code_room {
        None => requirement.budget <= most,
        Some(room) => {
            let least_code = requirement.contracts.saturating_mul(smallest_contract);
            room >= i64::try_from(least_code).unwrap_or(i64::MAX)
        }
    };
    Some(Bound {
        what: requirement.what,
        budget: requirement.budget,
        accesses: requirement.accesses.to_vec(),
        least_proof_per_item: least,
        most_per_block: most,
        code_room,
        within_reach,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capacity::PROFILES;

    #[test]
    fn a_single_call_leaves_room_for_code_and_a_batch_item_carries_none() {
        let parachain = &PROFILES[1];
        let single = Requirement {
            what: "x",
            budget: 80,
            batched: false,
            contracts: 1,
            accesses: &["a", "b", "c", "d"],
        };
        // 4 x 10,000 + 4,291 = 44,291 before code: 88 a block. 80 a block allow
        // 3,932,160 / 80 = 49,152 bytes a call: 4,861 bytes of code.
        let b = bound(&single, parachain, 10_000, 5_000).unwrap();
        assert_eq!(b.least_proof_per_item, 44_291);
        assert_eq!(b.most_per_block, 88);
        assert_eq!(b.code_room, Some(4_861));
        assert!(!b.within_reach);
        assert!(
            bound(&single, parachain, 10_000, 4_861)
                .unwrap()
                .within_reach
        );
        // Two contracts need room for two.
        let two = Requirement {
            contracts: 2,
            ..single
        };
        assert!(!bound(&two, parachain, 10_000, 4_000).unwrap().within_reach);
        assert!(bound(&two, parachain, 10_000, 2_430).unwrap().within_reach);
        // More accesses than the budget allows: no room at all.
        let many = Requirement {
            accesses: &["a"; 5],
            ..single
        };
        assert_eq!(
            bound(&many, parachain, 10_000, 0).unwrap().code_room,
            Some(-5_139)
        );
        let batched = Requirement {
            batched: true,
            budget: 300,
            accesses: &["a", "b"],
            ..single
        };
        // 2 x 10,000 = 20,000 an item: 196 a block, whatever the batch carries.
        let b = bound(&batched, parachain, 10_000, 1_000_000).unwrap();
        assert_eq!((b.least_proof_per_item, b.most_per_block), (20_000, 196));
        assert_eq!(b.code_room, None);
        assert!(!b.within_reach);
    }

    #[test]
    fn a_chain_without_a_proof_limit_has_no_bound() {
        assert_eq!(bound(&REQUIREMENTS[0], &PROFILES[0], 10_000, 5_000), None);
    }

    #[test]
    fn every_budget_is_named_once() {
        let mut names: Vec<_> = REQUIREMENTS.iter().map(|r| r.what).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), REQUIREMENTS.len());
        assert!(REQUIREMENTS.iter().all(|r| !r.accesses.is_empty()));
    }
}
