//! claim_settlement as an earlier release laid out its root storage, for the e2e test of a
//! storage migration (review item 18). Its root counts plans and claims by the *next* id
//! and has no provider credits; its `plans` and `escrows` records are the current ones,
//! under the same storage keys (claim_settlement's `PLANS_KEY` and `ESCROWS_KEY`), so the
//! migration rewrites only the root. It has just the messages the test needs to give it state: roles, a plan,
//! a deposit, and the two-step upgrade of the shared access block.
#![cfg_attr(not(feature = "std"), no_std, no_main)]

#[ink::contract]
pub mod claims_release_0 {
    use claim_settlement::claim_settlement::{ESCROWS_KEY, PLANS_KEY};
    use claim_settlement::data::{ClaimId, CostSharing, Escrow, PaymentConsent, Plan, PlanId};
    use healthchain_common::access::{AccessControl, AccessError, Role, RoleSet};
    use ink::storage::{traits::ManualKey, Mapping};

    /// The earlier root: named like claim_settlement's; its mappings are under the keys of
    /// claim_settlement's.
    #[ink(storage)]
    pub struct ClaimSettlement {
        access: AccessControl,
        consent_registry: AccountId,
        drug_provenance: AccountId,
        plans: Mapping<PlanId, Plan, ManualKey<PLANS_KEY>>,
        /// The id the next plan gets (claim_settlement now keeps the last one given).
        next_plan: PlanId,
        escrows: Mapping<AccountId, Escrow, ManualKey<ESCROWS_KEY>>,
        escrow_total: Balance,
        /// The id the next claim gets.
        next_claim: ClaimId,
        /// The code hash of claim_settlement's own library, kept as a release with one
        /// keeps it. The test gives it today's library, which the migration carries over;
        /// a real migration writes the hash of its new code's library, known when it is
        /// built.
        library: Hash,
    }

    impl ClaimSettlement {
        /// The earlier release's constructor: the caller is admin. Its access block carries
        /// the admin library's hash, as today's does, for the release it is upgraded to.
        #[ink(constructor)]
        pub fn new(
            consent_registry: AccountId,
            drug_provenance: AccountId,
            change_delay: Timestamp,
            admin_library: Hash,
            library: Hash,
        ) -> Self {
            Self {
                access: AccessControl::new(
                    Self::env().caller(),
                    RoleSet::of(&[Role::Insurer, Role::Provider]),
                    None,
                    change_delay,
                    admin_library,
                ),
                consent_registry,
                drug_provenance,
                plans: Mapping::default(),
                next_plan: 1,
                escrows: Mapping::default(),
                escrow_total: 0,
                next_claim: 1,
                library,
            }
        }

        /// Gives `role` to `account`. Admin only.
        #[ink(message)]
        pub fn grant_role(&mut self, role: Role, account: AccountId) -> Result<(), AccessError> {
            self.access.grant_role(role, account)
        }

        /// Creates a plan of the caller (an insurer) without a fee schedule.
        #[ink(message)]
        pub fn create_plan(
            &mut self,
            cost_sharing: CostSharing,
            year_start: Timestamp,
            year_end: Timestamp,
        ) -> Result<PlanId, AccessError> {
            let insurer = self.access.ensure_role(Role::Insurer)?;
            let plan = self.next_plan;
            self.next_plan = plan.saturating_add(1);
            self.plans.insert(
                plan,
                &Plan {
                    insurer,
                    cost_sharing,
                    payment_consent: PaymentConsent::Required,
                    year_start,
                    year_end,
                    filing_limit_days: None,
                    fee_schedule_entries: 0,
                },
            );
            Ok(plan)
        }

        /// Adds the transferred value to the caller's (an insurer's) escrow.
        #[ink(message, payable)]
        pub fn deposit(&mut self) -> Result<(), AccessError> {
            let insurer = self.access.ensure_role(Role::Insurer)?;
            let amount = self.env().transferred_value();
            let mut escrow = self.escrows.get(insurer).unwrap_or_default();
            escrow.funds = escrow.funds.saturating_add(amount);
            self.escrows.insert(insurer, &escrow);
            self.escrow_total = self.escrow_total.saturating_add(amount);
            Ok(())
        }

        /// Proposes the upgrade (step one of two). Admin only.
        #[ink(message)]
        pub fn propose_code(
            &mut self,
            code_hash: Hash,
            migration: Option<Hash>,
        ) -> Result<Timestamp, AccessError> {
            self.access.propose_code(code_hash, migration)
        }

        /// Cancels the pending upgrade. Admin only.
        #[ink(message)]
        pub fn cancel_change(&mut self) -> Result<(), AccessError> {
            self.access.cancel_change()
        }

        /// Applies the upgrade once due (step two). Admin only.
        #[ink(message)]
        pub fn apply_code(&mut self) -> Result<(), AccessError> {
            self.access.apply_code()
        }
    }
}
