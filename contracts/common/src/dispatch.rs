//! A hot message run by a contract's own `call` ([`crate::entry_points`]), which writes the
//! contract's root back only when the message changed it.
//!
//! ink! 5.1's dispatch writes the root back after every `&mut self` message that does not
//! fail, changed or not, and pallet-contracts 38 charges every storage access a
//! worst-case proof (10 to 16 KB), whatever it writes. A dispense, an enrolment, a consent
//! grant or an access record changes no field of its contract's root (only mappings, and
//! an event), so that write was proof for nothing on the hottest calls.
//!
//! In the contract's own build such a message is a plain function, not an ink! message
//! (its `#[ink(message)]`, which forwards to the function, is left out of that build):
//! ink!'s dispatch would otherwise keep a decoder for its arguments and an arm for it
//! that `call` never reaches. The metadata, the unit tests and every client see the
//! message as before.

/// Whether ink! reverts a call with this answer: a `Result`'s `Err` does (nothing it wrote
/// stays), any other answer does not.
pub trait Answer {
    /// The call reverts with this answer.
    fn reverts(&self) -> bool;
}

impl<T, E> Answer for Result<T, E> {
    fn reverts(&self) -> bool {
        self.is_err()
    }
}

/// A function that carries out a message of contract `C` taking `Args` (its arguments,
/// as a tuple), given the root mutably: the function `entry_points!`'s `runs_itself`
/// names for a message, which `call` runs with the arguments it decodes. Implemented for
/// every such function of up to six arguments.
pub trait Method<C, Args> {
    /// What the message answers.
    type Output;
    /// Carries it out on `contract`.
    fn run(self, contract: &mut C, arguments: Args) -> Self::Output;
}

macro_rules! method_of_arity {
    ($($argument:ident),*) => {
        impl<C, F, O, $($argument),*> Method<C, ($($argument,)*)> for F
        where
            F: FnOnce(&mut C, $($argument),*) -> O,
        {
            type Output = O;
            #[allow(non_snake_case)]
            fn run(self, contract: &mut C, ($($argument,)*): ($($argument,)*)) -> O {
                self(contract, $($argument),*)
            }
        }
    };
}
method_of_arity!();
method_of_arity!(A);
method_of_arity!(A, B);
method_of_arity!(A, B, D);
method_of_arity!(A, B, D, E);
method_of_arity!(A, B, D, E, G);
method_of_arity!(A, B, D, E, G, H);

/// Checks at compile time (in every build but the contract's own, where the message is
/// an ink! message) that `method` answers what the message answers.
#[doc(hidden)]
pub fn answers_as<C, Args, O, M: Method<C, Args, Output = O>>(_method: &M) {}

/// Runs `method`, the function that carries out a hot message of contract `C`, as ink!'s
/// dispatch runs a message (payment refused, its arguments decoded from the input after
/// the selector, or the call refused with `refuse_input` as ink! refuses undecodable
/// input, the root read, the message run, its answer returned, the call reverted when it
/// answers an `Err`), except that the root is written back only when its encoding
/// changed. Never returns.
#[cfg(target_arch = "wasm32")]
pub fn run_message<C, Args, M>(method: M, refuse_input: fn() -> !) -> !
where
    C: ink::storage::traits::Storable + ink::storage::traits::StorageKey,
    Args: ink::scale::Decode,
    M: Method<C, Args>,
    M::Output: Answer + ink::scale::Encode,
{
    use ink::env::ReturnFlags;

    // No message `call` runs itself takes payment (`entry_points!` checks it).
    if ink::codegen::deny_payment::<ink::env::DefaultEnvironment>().is_err() {
        core::arch::wasm32::unreachable()
    }
    let Ok((_, arguments)) = ink::env::decode_input::<([u8; 4], Args)>() else {
        refuse_input()
    };
    let (mut contract, before) = read_root::<C>();
    let answer = method.run(&mut contract, arguments);
    let reverts = answer.reverts();
    if !reverts {
        write_back(&contract, &before);
    }
    let flags = if reverts {
        ReturnFlags::REVERT
    } else {
        ReturnFlags::empty()
    };
    ink::env::return_value::<ink::MessageResult<M::Output>>(flags, &Ok(answer))
}

/// The contract's root, read as ink!'s dispatch reads it (one instance of the code for
/// both), and its encoding then. Generic over the contract only, so a contract that lists
/// several messages (each [`run_message`] an instance of its own) keeps one copy of it and
/// of [`write_back`]: 138 bytes off consent_registry, which lists two.
#[cfg(target_arch = "wasm32")]
fn read_root<C>() -> (C, ink::prelude::vec::Vec<u8>)
where
    C: ink::storage::traits::Storable + ink::storage::traits::StorageKey,
{
    let key = <C as ink::storage::traits::StorageKey>::KEY;
    let Ok(Some(contract)) = ink::env::get_contract_storage::<ink::primitives::Key, C>(&key) else {
        // No root: the contract was never instantiated with this code (ink! traps too).
        core::arch::wasm32::unreachable()
    };
    let before = encoded(&contract);
    (contract, before)
}

/// Writes the root back (`set_storage_v2`, as ink! does) if its encoding is no longer
/// `before`.
#[cfg(target_arch = "wasm32")]
fn write_back<C>(contract: &C, before: &[u8])
where
    C: ink::storage::traits::Storable + ink::storage::traits::StorageKey,
{
    use pallet_contracts_uapi::{HostFn, HostFnImpl};
    let after = encoded(contract);
    if after != before {
        let key = <C as ink::storage::traits::StorageKey>::KEY;
        HostFnImpl::set_storage_v2(&key.to_le_bytes(), &after);
    }
}

/// The root's encoding, as ink! writes it.
#[cfg(target_arch = "wasm32")]
fn encoded<C: ink::storage::traits::Storable>(contract: &C) -> ink::prelude::vec::Vec<u8> {
    let mut encoded = ink::prelude::vec::Vec::new();
    ink::storage::traits::Storable::encode(contract, &mut encoded);
    encoded
}

/// [`run_message`] for `method`, as a function pointer: `entry_points!` keeps it in a
/// table, so that it stays a function of its own (compiled only by the calls that run
/// it), not inlined into `call`, which every call runs.
#[cfg(target_arch = "wasm32")]
pub const fn runner<C, Args, M>(_method: &M) -> fn(M, fn() -> !) -> !
where
    C: ink::storage::traits::Storable + ink::storage::traits::StorageKey,
    Args: ink::scale::Decode,
    M: Method<C, Args>,
    M::Output: Answer + ink::scale::Encode,
{
    run_message::<C, Args, M>
}
