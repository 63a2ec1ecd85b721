//! A benchmark reference: the simplest useful contract, a token whose `transfer` debits
//! the caller, credits the recipient and emits one event, as a PSP22 `transfer` does.
//! `make bench` measures it beside the suite's messages on every chain profile.
#![cfg_attr(not(feature = "std"), no_std, no_main)]

#[ink::contract]
pub mod token {
    use ink::storage::Mapping;

    #[ink(storage)]
    #[derive(Default)]
    pub struct Token {
        balances: Mapping<AccountId, Balance>,
    }

    /// Tokens moved from one holder to another.
    #[ink(event)]
    pub struct Transfer {
        #[ink(topic)]
        from: AccountId,
        #[ink(topic)]
        to: AccountId,
        value: Balance,
    }

    /// The caller holds less than the transfer.
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    #[derive(Debug, PartialEq, Eq)]
    pub struct InsufficientBalance;

    impl Token {
        /// Mints `supply` to the caller.
        #[ink(constructor)]
        pub fn new(supply: Balance) -> Self {
            let mut token = Self::default();
            token.balances.insert(Self::env().caller(), &supply);
            token
        }

        /// Moves `value` from the caller to `to`.
        #[ink(message)]
        pub fn transfer(
            &mut self,
            to: AccountId,
            value: Balance,
        ) -> Result<(), InsufficientBalance> {
            let from = self.env().caller();
            let held = self.balance_of(from);
            let left = held.checked_sub(value).ok_or(InsufficientBalance)?;
            self.balances.insert(from, &left);
            // A self-transfer reads its own new balance: nothing is created.
            let credited = self.balance_of(to).saturating_add(value);
            self.balances.insert(to, &credited);
            self.env().emit_event(Transfer { from, to, value });
            Ok(())
        }

        /// What `owner` holds.
        #[ink(message)]
        pub fn balance_of(&self, owner: AccountId) -> Balance {
            self.balances.get(owner).unwrap_or_default()
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[ink::test]
        fn a_transfer_moves_what_is_held_and_no_more() {
            let accounts = ink::env::test::default_accounts::<ink::env::DefaultEnvironment>();
            let mut token = Token::new(100);
            assert_eq!(token.transfer(accounts.bob, 60), Ok(()));
            assert_eq!(
                (
                    token.balance_of(accounts.alice),
                    token.balance_of(accounts.bob)
                ),
                (40, 60)
            );
            assert_eq!(token.transfer(accounts.bob, 41), Err(InsufficientBalance));
            assert_eq!(token.transfer(accounts.alice, 40), Ok(()));
            assert_eq!(token.balance_of(accounts.alice), 40);
            assert_eq!(ink::env::test::recorded_events().count(), 2);
        }
    }
}
