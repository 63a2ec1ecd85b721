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
//!
//! A read-only hot message ([`run_view`]) is run the same way, with nothing to write back,
//! so that with every hot message listed the contract's `call` needs no ink! dispatch at
//! all (`entry_points!`'s `others: library`).

/// The longest call input (selector included) a contract reads: a `dispense_batch` of 32
/// packages with the longest lots, serials and proofs is about 69 KB (a full batch from a
/// lot of 65,536 serials, 24 KB). The host copies a call's whole input into the buffer
/// the contract reads it into, and refuses an input longer than that buffer
/// (`OutputBufferTooSmall`: the whole call fails before the contract sees it). ink!'s own
/// buffer, which also takes storage reads and answers, is 16 KiB; [`decode_input`] reads
/// into one of this length. Each contract's unit tests check its longest inputs against
/// it (`unit_test::assert_input_fits`).
pub const MAX_INPUT_LEN: usize = 128 * 1024;

/// [`decode_input`]'s buffer: zero-initialized memory, neither code nor data.
#[cfg(target_arch = "wasm32")]
static mut INPUT: [u8; MAX_INPUT_LEN] = [0; MAX_INPUT_LEN];

/// The call's input decoded as `T`, as ink!'s `decode_input` decodes it, but read into a
/// buffer of [`MAX_INPUT_LEN`] bytes. Every entry point reads its input through it: the
/// contract's `call` and `deploy`, and its library's, which reads what the contract
/// forwards.
#[cfg(target_arch = "wasm32")]
pub fn decode_input<T: ink::scale::Decode>() -> Result<T, ink::scale::Error> {
    use pallet_contracts_uapi::{HostFn, HostFnImpl};
    // SAFETY: a contract runs on one thread, and this is the buffer's only use: the borrow
    // ends before `decode_input` returns, and neither the host function nor `T::decode`
    // (whose value owns what it keeps) calls `decode_input`.
    let buffer = unsafe { &mut *core::ptr::addr_of_mut!(INPUT) };
    let mut input = &mut buffer[..];
    HostFnImpl::input(&mut input);
    T::decode(&mut &input[..])
}

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

/// An answer that is not a `Result` never reverts: that of a read-only message
/// (`entry_points!`'s `reads_itself`), such as a consent check's.
#[macro_export]
macro_rules! never_reverts {
    ($($answer:ty),+ $(,)?) => {
        $(
            impl $crate::dispatch::Answer for $answer {
                fn reverts(&self) -> bool {
                    false
                }
            }
        )+
    };
}

never_reverts!(bool, crate::consent::ConsentAnswer);

impl<T> Answer for ink::prelude::vec::Vec<T> {
    fn reverts(&self) -> bool {
        false
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

/// A function that answers a message of contract `C` taking `Args` given the root as
/// `&C`, so that it cannot change it: the function `entry_points!`'s `reads_itself` names
/// for a read-only message (the message itself, which takes `&self`), or its
/// `leaves_root` for a message that writes only through storage handles of their own
/// key. Implemented for every such function of up to six arguments.
pub trait View<C, Args> {
    /// What the message answers.
    type Output;
    /// Answers it on `contract`.
    fn run(self, contract: &C, arguments: Args) -> Self::Output;
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

        impl<C, F, O, $($argument),*> View<C, ($($argument,)*)> for F
        where
            F: FnOnce(&C, $($argument),*) -> O,
        {
            type Output = O;
            #[allow(non_snake_case)]
            fn run(self, contract: &C, ($($argument,)*): ($($argument,)*)) -> O {
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

/// [`answers_as`] for a read-only message's function ([`View`]).
#[doc(hidden)]
pub fn reads_as<C, Args, O, V: View<C, Args, Output = O>>(_view: &V) {}

/// Runs `method`, the function that carries out a hot message of contract `C`, as ink!'s
/// dispatch runs a message (payment refused, its arguments decoded from the input after
/// the selector, or the call refused with [`refuse_input`] as ink! refuses undecodable
/// input, the root read, the message run, its answer returned, the call reverted when it
/// answers an `Err`), except that the root is written back only when its encoding
/// changed. Never returns.
#[cfg(target_arch = "wasm32")]
pub fn run_message<C, Args, M>(method: M) -> !
where
    C: ink::storage::traits::Storable + ink::storage::traits::StorageKey,
    Args: ink::scale::Decode,
    M: Method<C, Args>,
    M::Output: Answer + ink::scale::Encode,
{
    let arguments = arguments::<Args>();
    let mut contract = root::<C>();
    let before = encoded(&contract);
    let answer = method.run(&mut contract, arguments);
    if !answer.reverts() {
        write_back(&contract, &before);
    }
    answer_with(answer)
}

/// [`run_message`] for a function that takes the root as `&C` (`entry_points!`'s
/// `reads_itself`, and its `leaves_root`, whose messages write only through storage
/// handles of their own key): the same steps, and no root to write back. An `Err`
/// answer still reverts whatever the function wrote. Never returns.
#[cfg(target_arch = "wasm32")]
pub fn run_view<C, Args, V>(view: V) -> !
where
    C: ink::storage::traits::Storable + ink::storage::traits::StorageKey,
    Args: ink::scale::Decode,
    V: View<C, Args>,
    V::Output: Answer + ink::scale::Encode,
{
    let arguments = arguments::<Args>();
    let answer = view.run(&root::<C>(), arguments);
    answer_with(answer)
}

/// A contract whose own build never runs while it is paused: pausing makes it run its
/// library, which has every message and checks the pause flag in each
/// ([`crate::access::AccessControl::pause`]). [`Unpaused::unpaused`] is its root as the
/// messages `entry_points!`'s `skips_root` names see it in that build, made without a
/// storage access: its access block unpaused ([`crate::access::AccessControl::unpaused`]),
/// its storage handles (`Mapping`s and `Lazy`s, whose keys are in their types), and its
/// other fields at a default those messages never read.
pub trait Unpaused {
    /// The root as the contract's own build sees it while it runs: unpaused.
    fn unpaused() -> Self;
}

/// [`run_view`] for a contract that is never paused while its own build runs
/// ([`Unpaused`], `entry_points!`'s `skips_root`): the same steps, but the root is not
/// read. On pallet-contracts 38 the read is a storage access, about 10 KB of the call's
/// proof, whatever the root's size; the messages listed this way need only the pause
/// flag of it, which is known to be clear. Never returns.
#[cfg(target_arch = "wasm32")]
pub fn run_unpaused<C, Args, V>(view: V) -> !
where
    C: Unpaused,
    Args: ink::scale::Decode,
    V: View<C, Args>,
    V::Output: Answer + ink::scale::Encode,
{
    let arguments = arguments::<Args>();
    let answer = view.run(&C::unpaused(), arguments);
    answer_with(answer)
}

/// A listed message's arguments, after payment is refused as ink! refuses it (no message
/// `call` runs itself takes payment: `entry_points!` checks it); input that does not
/// decode is refused as ink! refuses it ([`refuse_input`]).
#[cfg(target_arch = "wasm32")]
fn arguments<Args: ink::scale::Decode>() -> Args {
    if ink::codegen::deny_payment::<ink::env::DefaultEnvironment>().is_err() {
        core::arch::wasm32::unreachable()
    }
    let Ok((_, arguments)) = decode_input::<([u8; 4], Args)>() else {
        refuse_input()
    };
    arguments
}

/// Returns a listed message's answer as ink! does, reverting the call when it is an `Err`.
#[cfg(target_arch = "wasm32")]
fn answer_with<O: Answer + ink::scale::Encode>(answer: O) -> ! {
    let flags = if answer.reverts() {
        ink::env::ReturnFlags::REVERT
    } else {
        ink::env::ReturnFlags::empty()
    };
    ink::env::return_value::<ink::MessageResult<O>>(flags, &Ok(answer))
}

/// The contract's root, read as ink!'s dispatch reads it (one instance of the code for
/// every listed message).
#[cfg(target_arch = "wasm32")]
fn root<C>() -> C
where
    C: ink::storage::traits::Storable + ink::storage::traits::StorageKey,
{
    let key = <C as ink::storage::traits::StorageKey>::KEY;
    let Ok(Some(contract)) = ink::env::get_contract_storage::<ink::primitives::Key, C>(&key) else {
        // No root: the contract was never instantiated with this code (ink! traps too).
        core::arch::wasm32::unreachable()
    };
    contract
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
pub const fn runner<C, Args, M>(_method: &M) -> fn(M) -> !
where
    C: ink::storage::traits::Storable + ink::storage::traits::StorageKey,
    Args: ink::scale::Decode,
    M: Method<C, Args>,
    M::Output: Answer + ink::scale::Encode,
{
    run_message::<C, Args, M>
}

/// [`runner`] for a read-only message's function ([`run_view`]).
#[cfg(target_arch = "wasm32")]
pub const fn view_runner<C, Args, V>(_view: &V) -> fn(V) -> !
where
    C: ink::storage::traits::Storable + ink::storage::traits::StorageKey,
    Args: ink::scale::Decode,
    V: View<C, Args>,
    V::Output: Answer + ink::scale::Encode,
{
    run_view::<C, Args, V>
}

/// [`runner`] for a function run on the unread root ([`run_unpaused`]).
#[cfg(target_arch = "wasm32")]
pub const fn unpaused_runner<C, Args, V>(_view: &V) -> fn(V) -> !
where
    C: Unpaused,
    Args: ink::scale::Decode,
    V: View<C, Args>,
    V::Output: Answer + ink::scale::Encode,
{
    run_unpaused::<C, Args, V>
}

/// Input naming no message or constructor, or not decoding: reverted with ink!'s
/// `CouldNotReadInput` (a constructor's result has the same encoding).
#[cfg(target_arch = "wasm32")]
pub fn refuse_input() -> ! {
    ink::env::return_value::<ink::MessageResult<()>>(
        ink::env::ReturnFlags::REVERT,
        &Err(ink::LangError::CouldNotReadInput),
    )
}

/// The message or constructor the input names, or why it names none this build answers
/// (`DispatchError::UnknownSelector` for a selector it does not know).
pub struct Routed<D>(pub Result<D, ink::reflect::DispatchError>);

impl<D: ink::reflect::DecodeDispatch> ink::scale::Decode for Routed<D> {
    fn decode<I: ink::scale::Input>(input: &mut I) -> Result<Self, ink::scale::Error> {
        Ok(Self(D::decode_dispatch(input)))
    }
}

/// The code hash of the library a contract's constructor input names: its last 32
/// bytes. Every constructor of a contract built by library (`entry_points!`) takes
/// `library: Hash` last, so the contract finds its library without decoding the other
/// arguments (the library decodes them all). Input of fewer than a selector and a hash
/// does not decode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConstructorLibrary(pub ink::primitives::Hash);

impl ink::scale::Decode for ConstructorLibrary {
    fn decode<I: ink::scale::Input>(input: &mut I) -> Result<Self, ink::scale::Error> {
        // ink! hands over a slice, whose length is known.
        let length = input.remaining_len()?.unwrap_or(0);
        let before = match length.checked_sub(32) {
            Some(before) if before >= 4 => before,
            _ => return Err("a constructor's input ends with its library's code hash".into()),
        };
        for _ in 0..before {
            input.read_byte()?;
        }
        let mut library = [0u8; 32];
        input.read(&mut library)?;
        Ok(Self(library.into()))
    }
}

/// A contract's `deploy` in its own wasm build (`entry_points!`): payment refused, as
/// ink! refuses it when no constructor takes any, then the whole input handed by delegate
/// call to the library it names ([`ConstructorLibrary`]), which runs the constructor in
/// the new contract's storage ([`library_call`]) and answers for it: the same checks,
/// root and answer as the constructor run here, without its code in the contract, where
/// every call carries it (841 to 1,260 bytes a contract). Input that names no library is
/// refused as ink! refuses undecodable input; a library hash under which no code is
/// uploaded fails the instantiation with the chain's `CodeNotFound`, as the
/// constructor's lock of it ([`crate::access::lock_library`]) would. A missing admin
/// library fails it as `ContractTrapped`: the constructor's lock of it fails in the
/// library, which the chain reports here only as a trap (README, "A contract's own
/// library").
#[cfg(target_arch = "wasm32")]
pub fn deploy_by_library() -> ! {
    if ink::codegen::deny_payment::<ink::env::DefaultEnvironment>().is_err() {
        core::arch::wasm32::unreachable()
    }
    let Ok(ConstructorLibrary(library)) = decode_input::<ConstructorLibrary>() else {
        refuse_input()
    };
    crate::access::try_delegate_to(library);
    // No code under `library`: this lock fails the call with `CodeNotFound`.
    crate::access::lock_library(library);
    core::arch::wasm32::unreachable()
}

/// A contract library's `call` (`entry_points!`, in the library's wasm build), reached
/// only by delegate call from its contract: ink!'s dispatch of the contract's messages
/// (payment refused but for the selectors in `takes_payment`, as ink! refuses it for
/// every message that does not take any), and the contract's constructors, which its
/// `deploy` hands over ([`deploy_by_library`]). A constructor runs only while the
/// contract has no root, that is while it is being instantiated: the contract's `call`
/// hands every selector it does not answer to the library, so without that check anyone
/// could send the constructor's selector as a message and make themselves admin. Once
/// the root exists, a constructor's selector is refused as an unknown one.
#[cfg(target_arch = "wasm32")]
pub fn library_call<C>(takes_payment: &[[u8; 4]]) -> !
where
    C: ink::reflect::ContractConstructorDecoder
        + ink::reflect::ContractMessageDecoder
        + ink::storage::traits::StorageKey,
{
    use ink::reflect::{ContractConstructorDecoder, DispatchError, ExecuteDispatchable};

    match decode_input::<Routed<<C as ContractConstructorDecoder>::Type>>() {
        Ok(Routed(Ok(constructor))) => {
            let root = <C as ink::storage::traits::StorageKey>::KEY;
            if ink::env::contains_contract_storage::<ink::primitives::Key>(&root).is_some() {
                refuse_input()
            }
            let _ = constructor.execute_dispatchable();
            core::arch::wasm32::unreachable()
        }
        Ok(Routed(Err(DispatchError::UnknownSelector))) => {}
        _ => refuse_input(),
    }
    let selector = decode_input::<[u8; 4]>().ok();
    if !selector.is_some_and(|selector| takes_payment.contains(&selector))
        && ink::codegen::deny_payment::<ink::env::DefaultEnvironment>().is_err()
    {
        core::arch::wasm32::unreachable()
    }
    match decode_input::<<C as ink::reflect::ContractMessageDecoder>::Type>() {
        Ok(message) => {
            let _ = message.execute_dispatchable();
            core::arch::wasm32::unreachable()
        }
        Err(_) => refuse_input(),
    }
}

#[cfg(test)]
mod tests {
    use super::ConstructorLibrary;
    use ink::scale::Decode;

    fn library_of(input: &[u8]) -> Result<ConstructorLibrary, ink::scale::Error> {
        ConstructorLibrary::decode(&mut &input[..])
    }

    #[test]
    fn a_constructors_library_is_its_last_32_bytes() {
        // consent_registry's `new`: selector, chain, change delay, admin library, library.
        let mut input = vec![0x9b, 0xae, 0x9d, 0x5e];
        input.extend([1u8; 32]);
        input.extend(7u64.to_le_bytes());
        input.extend([2u8; 32]);
        input.extend([3u8; 32]);
        assert_eq!(library_of(&input), Ok(ConstructorLibrary([3u8; 32].into())));
        // A selector and the hash alone.
        let mut input = vec![0u8; 4];
        input.extend([9u8; 32]);
        assert_eq!(library_of(&input), Ok(ConstructorLibrary([9u8; 32].into())));
    }

    #[test]
    fn input_shorter_than_a_selector_and_a_hash_names_no_library() {
        for length in [0, 4, 32, 35] {
            assert!(library_of(&vec![1u8; length]).is_err(), "{length} bytes");
        }
    }
}
