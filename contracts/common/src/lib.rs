//! Shared pieces of the healthchain contracts.
//!
//! - [`access`]: the admin / roles / pause / upgrade building block that every contract
//!   embeds instead of writing it again (OpenZeppelin's AccessControl, Ownable2Step and
//!   Pausable are the model), with its events and the `AccessControlled` trait.
//! - [`call_cache`]: what one call has read or changed and not stored yet, so that a
//!   batch reads and writes each shared record once.
//! - [`consent`]: purposes of use, data classes, and the `ConsentCheck` trait through
//!   which other contracts ask the consent registry, plus the call helper that turns a
//!   failed callee into an error instead of a trap.
//! - [`provenance`]: the `ProvenanceCheck` trait through which claim_settlement asks
//!   drug_provenance who dispensed a unit to whom, and whether its lot is still good.
//! - [`relay`]: instructions a patient signs (ECDSA, bound to the chain, the contract, a
//!   nonce and a deadline) and any relayer submits, so patients never need tokens.
//! - [`event`]: events without field topics deposited as ink! deposits them, without
//!   ink!'s generic topic builder in the contract's code.
//! - [`entry`]: a `Mapping` entry under an account read straight from the host, without
//!   ink!'s generic storage read in the contract's code.
//! - [`merkle`]: the one Merkle tree of the suite (RFC 6962 shape, BLAKE2b-256, 0x00 leaf
//!   and 0x01 node prefixes), verified on chain and built off chain with the same code.
//! - `test_doubles` (feature `test-doubles`, for the unit tests of calling contracts only):
//!   in-memory answers for the consent and provenance queries, because ink!'s off-chain
//!   test environment cannot call another contract.
//!
//! The crate is `no_std` and holds no protected health information: only accounts,
//! codes and 32-byte hashes.
#![cfg_attr(not(feature = "std"), no_std)]
// No `clippy::panic` here: `#[ink::trait_definition]` expands to panicking stubs on the
// wasm side, which cargo-contract's build-time clippy would refuse. This crate's own code
// has no `panic!` (the before-stop hook greps for it).
#![cfg_attr(
    not(test),
    deny(
        clippy::arithmetic_side_effects,
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing
    )
)]

pub mod access;
pub mod call_cache;
pub mod codec;
pub mod consent;
pub mod dispatch;
pub mod entry;
pub mod event;
pub mod merkle;
pub mod provenance;
pub mod relay;
#[cfg(feature = "test-doubles")]
pub mod test_doubles;
#[cfg(feature = "std")]
pub mod unit_test;

pub use ink::primitives::{AccountId, Hash};

/// The body of an [`access::AccessControlled`] message in a contract:
/// `admin_message!(self.access, grant_role(role, account))`.
///
/// On chain the message is handed to the shared admin library
/// ([`access::AccessControl::delegate_to_library`]), which runs the same logic in the
/// contract's storage, so the contract carries none of it. Off chain (unit tests, whose
/// environment cannot delegate) the [`access::AccessControl`] method runs inline.
#[macro_export]
macro_rules! admin_message {
    ($access:expr, $method:ident($($arg:expr),* $(,)?)) => {{
        #[cfg(target_arch = "wasm32")]
        {
            let _ = ($(&$arg,)*);
            $access.delegate_to_library()
        }
        #[cfg(not(target_arch = "wasm32"))]
        {
            $access.$method($($arg),*)
        }
    }};
    // A message the library answers with another part of the root than the block, such
    // as the contract's [`access::Callees`]: `admin_message!(self.access, self.callees =>
    // apply(&mut self.access))`.
    ($access:expr, $target:expr => $method:ident($($arg:expr),* $(,)?)) => {{
        #[cfg(target_arch = "wasm32")]
        {
            let _ = ($(&$arg,)*);
            $access.delegate_to_library()
        }
        #[cfg(not(target_arch = "wasm32"))]
        {
            $target.$method($($arg),*)
        }
    }};
}

/// The body of a cold message that must stay in its contract's own wasm build:
/// `library_message!(self.library, [queries], { ... })`, naming the message's arguments.
///
/// A contract carries the code of every message in every call's proof, so its rarely sent
/// messages live in its own library: the same source built with `cfg(healthchain_library)`,
/// uploaded once and reached by delegate call ([`access::delegate_to`]). A cold message of
/// the contract's own is marked `#[cfg(not(healthchain_contract))]`: the contract's own
/// build leaves it out and [`entry_points`] hands its selector to the library. A cold
/// message of a trait cannot be left out (ink! wants a trait implemented whole:
/// `ConsentCheck::is_authorized_batch`), so its body is wrapped here: in the contract's own
/// wasm build the body is left out and the message hands the call, input and all, to the
/// library, which runs the same message in the contract's storage (it does not return);
/// in the library's build, and off chain (unit tests, whose environment cannot delegate),
/// the body runs.
#[macro_export]
macro_rules! library_message {
    ($library:expr, [$($argument:ident),* $(,)?], $body:block) => {{
        #[cfg(all(target_arch = "wasm32", not(healthchain_library)))]
        {
            // The message's arguments are the library's to read, not this build's.
            let _ = ($(&$argument,)*);
            $crate::access::delegate_to($library)
        }
        #[cfg(not(all(target_arch = "wasm32", not(healthchain_library))))]
        $body
    }};
}

/// A contract's `call` and `deploy` exports in its own wasm build
/// (`cfg(healthchain_contract)`, set by `contracts/contract_build.rs`), in place of ink!'s,
/// and its library's (`cfg(healthchain_library)`, `contracts/library_build.rs`):
/// `entry_points!(Registry, library)`, `library` naming the root's field that holds the
/// code hash of the contract's own library, or `entry_points!(Registry, own_library)` for
/// a contract that keeps it in its own cell ([`access::OwnLibrary`]), read without
/// decoding the root; such a contract runs its library while paused.
///
/// ink!'s dispatch is one function holding an arm for every message, and pallet-contracts
/// 38 (wasmi, which compiles a function when it first runs it) charges a call for every
/// byte of every function it runs, about 8,000 ref_time a byte: every grant, check and
/// dispense paid for the forwarding arms of all the cold messages. In that build the
/// contract's own cold messages are left out (`#[cfg(not(healthchain_contract))]`), and
/// `call` runs the messages listed below itself; with `others: library` it hands every
/// other selector, input and all, to the contract's library, which answers it or refuses
/// it as ink! would, so no ink! dispatch is left in that build (not even the admin
/// messages', a trait ink! wants implemented whole: the library hands them on to the
/// admin library). Without it, ink!'s dispatch answers that build's other messages and
/// only a selector it does not know goes to the library. Input that does not decode is
/// refused as ink! refuses it (reverted, `LangError::CouldNotReadInput`). Payment is
/// refused before a message of that build runs, as ink! does when none of them takes
/// any: every payable message is cold (the library checks it), and no constructor takes
/// payment.
///
/// The constructors are the library's too: `deploy` hands the input to the library its
/// last 32 bytes name ([`dispatch::deploy_by_library`]; every constructor takes `library:
/// Hash` last), which runs the constructor in the new contract's storage
/// ([`dispatch::library_call`]), so the contract carries no constructor code. The library
/// answers ink!'s way for the contract's messages, refusing payment but for the messages
/// named in `payable: ["deposit", ...]` (checked to take payment, in the other builds),
/// and refuses to be instantiated itself (`CouldNotReadInput`): it is uploaded, never
/// instantiated. `constructor: own` keeps ink!'s constructor in the contract instead (a
/// contract with no library).
///
/// `entry_points!(Claims, library, runs_itself: ["submit_claim" => submit_claim])` also
/// names hot messages that `call` runs itself ([`dispatch::run_message`]) instead of
/// through ink!'s dispatch: the same steps, but the root is written back only when the
/// message changed it. ink! writes it after every `&mut self` message, and each storage
/// access is a worst-case proof; a message listed here that changes the root still writes
/// it. Each is named by its label and the function that carries it out, which takes the
/// root mutably and the message's arguments in the message's order. The message itself
/// is `#[cfg(not(healthchain_contract))]` and forwards its arguments to that function, so
/// the contract's own build keeps no ink! decoder or arm for it; in the other builds (unit
/// tests, metadata, clippy) the macro checks that the label names a message of the
/// contract that takes no payment and answers what the function answers.
///
/// `leaves_root: ["dispense" => dispense_package]` names hot messages that change state but
/// never the root: each is carried out by a function that takes the root as `&self` and
/// writes only through storage handles of their own key (a `Mapping` or `Lazy` under a
/// `ManualKey`) and events, so its type says that the root is left as it was. `call` runs
/// them as it runs a read-only message ([`dispatch::run_view`]): no root to encode twice,
/// compare or write back, and none of that code in the contract (565 bytes of
/// consent_registry's, 288 of drug_provenance's, 614 of trial_anchoring's). The label
/// names a message of the contract that takes no payment (it may change state: Contracts
/// UI submits it as a transaction) and answers what the function answers.
///
/// `reads_itself: ["ConsentCheck::is_authorized" => is_authorized]` names read-only
/// messages `call` answers itself ([`dispatch::run_view`]), each by its label and the
/// message's own function (it takes `&self`; a trait's message too), with nothing to write
/// back.
///
/// `skips_root: ["record_consent" => grant]` names hot messages run as `leaves_root`'s are,
/// but on the root as the contract's own build sees it ([`dispatch::Unpaused`]), made
/// without reading storage ([`dispatch::run_unpaused`]): on pallet-contracts 38 the root's
/// read is a storage access, about 10 KB of the call's proof. Only for a contract that
/// keeps its library in its own cell, whose own build never runs while it is paused
/// (pausing makes it run its library), and for functions that read of the root only the
/// pause flag and storage handles.
///
/// `others: library` hands every selector not listed to the library, without ink!'s
/// dispatch: the contract's own build then keeps no ink! decoder or arm at all, not even
/// for the admin messages, which reach the admin library through the contract's library
/// (two delegate calls, on a cold path). Every message the contract's build must answer
/// itself is then listed. Without it, ink!'s dispatch answers the messages of that build
/// that are not listed (a test contract's).
///
/// The parts after the library's field come in this order, each optional:
/// `constructor: own`, `payable: [...]`, `runs_itself: [...]`, `leaves_root: [...]`,
/// `reads_itself: [...]`, `skips_root: [...]`, `others: library`.
#[macro_export]
macro_rules! entry_points {
    (
        $contract:ident,
        $library:ident
        $(, constructor: $constructor:ident)?
        $(, payable: [$($payable:literal),* $(,)?])?
        $(, runs_itself: [$($label:literal => $run:ident),+ $(,)?])?
        $(, leaves_root: [$($kept_label:literal => $keeps:ident),+ $(,)?])?
        $(, reads_itself: [$($view_label:literal => $view:ident),+ $(,)?])?
        $(, skips_root: [$($unread_label:literal => $unread:ident),+ $(,)?])?
        $(, others: $others:ident)?
        $(,)?
    ) => {
        #[cfg(not(any(healthchain_contract, healthchain_library)))]
        const _: () = {
            $($(
                assert!(
                    <$contract as ink::reflect::DispatchableMessageInfo<
                        { ink::selector_id!($payable) },
                    >>::PAYABLE,
                    concat!("payable: ", $payable, " takes no payment"),
                );
            )*)?
            $($(
                $crate::__entry_points!(@listed $contract, $label => $run, "runs_itself", answers_as, false);
            )+)?
            $($(
                $crate::__entry_points!(@listed $contract, $kept_label => $keeps, "leaves_root", reads_as, false);
            )+)?
            $($(
                $crate::__entry_points!(@listed $contract, $view_label => $view, "reads_itself", reads_as, true);
            )+)?
            $($(
                $crate::__entry_points!(@listed $contract, $unread_label => $unread, "skips_root", reads_as, false);
            )+)?
        };
        $crate::__entry_points!(@deploy [$($constructor)?] $contract);
        $crate::__entry_points!(@library [$($constructor)?] $contract, [$($($payable),*)?]);
        #[cfg(healthchain_contract)]
        const _: () = {
            #[no_mangle]
            pub extern "C" fn call() {
                // Each runner out of `call` (see `dispatch::runner`), as a hot message is.
                $($crate::hot_messages!($($crate::dispatch::runner::<$contract, _, _>(&$contract::$run)),+);)?
                $($crate::hot_messages!($($crate::dispatch::view_runner::<$contract, _, _>(&$contract::$keeps)),+);)?
                $($crate::hot_messages!($($crate::dispatch::view_runner::<$contract, _, _>(&$contract::$view)),+);)?
                $($crate::hot_messages!($($crate::dispatch::unpaused_runner::<$contract, _, _>(&$contract::$unread)),+);)?
                // The input is read again below for any other message (a host function
                // call; nothing is consumed).
                #[allow(unused_variables)]
                let selector = $crate::dispatch::decode_input::<[u8; 4]>().ok();
                $($(
                    if selector == Some(ink::selector_bytes!($label)) {
                        $crate::dispatch::run_message::<$contract, _, _>($contract::$run)
                    }
                )+)?
                $($(
                    if selector == Some(ink::selector_bytes!($kept_label)) {
                        $crate::dispatch::run_view::<$contract, _, _>($contract::$keeps)
                    }
                )+)?
                $($(
                    if selector == Some(ink::selector_bytes!($view_label)) {
                        $crate::dispatch::run_view::<$contract, _, _>($contract::$view)
                    }
                )+)?
                $($(
                    if selector == Some(ink::selector_bytes!($unread_label)) {
                        $crate::dispatch::run_unpaused::<$contract, _, _>($contract::$unread)
                    }
                )+)?
                $crate::__entry_points!(@call [$($others)?] $contract, $library);
            }
        };
    };
}

/// [`entry_points`]'s parts.
#[doc(hidden)]
#[macro_export]
macro_rules! __entry_points {
    // The compile-time checks of a message `call` runs itself (in the builds where it is
    // an ink! message): it takes no payment, changes no state if `$read_only`, and
    // `$function` answers what it answers (`dispatch::answers_as` for a function taking
    // the root mutably, `dispatch::reads_as` for one taking it as `&self`).
    (@listed $contract:ident, $label:literal => $function:ident, $list:literal, $fits:ident, $read_only:literal) => {{
        assert!(
            !<$contract as ink::reflect::DispatchableMessageInfo<
                { ink::selector_id!($label) },
            >>::PAYABLE,
            concat!($list, ": ", $label, " takes payment"),
        );
        assert!(
            !($read_only
                && <$contract as ink::reflect::DispatchableMessageInfo<
                    { ink::selector_id!($label) },
                >>::MUTATES),
            concat!($list, ": ", $label, " changes state"),
        );
        let _: fn() = || {
            $crate::dispatch::$fits::<
                $contract,
                _,
                <$contract as ink::reflect::DispatchableMessageInfo<
                    { ink::selector_id!($label) },
                >>::Output,
                _,
            >(&$contract::$function)
        };
    }};
    // The contract's `deploy`: its library runs the constructor.
    (@deploy [] $contract:ident) => {
        #[cfg(healthchain_contract)]
        const _: () = {
            #[no_mangle]
            pub extern "C" fn deploy() {
                $crate::dispatch::deploy_by_library()
            }
        };
    };
    // The contract's `deploy`: its own constructor, as ink! runs it.
    (@deploy [own] $contract:ident) => {
        #[cfg(healthchain_contract)]
        const _: () = {
            use ink::reflect::{ContractConstructorDecoder, ExecuteDispatchable};

            #[no_mangle]
            pub extern "C" fn deploy() {
                if ink::codegen::deny_payment::<ink::env::DefaultEnvironment>().is_err() {
                    core::arch::wasm32::unreachable()
                }
                match $crate::dispatch::decode_input::<<$contract as ContractConstructorDecoder>::Type>() {
                    Ok(constructor) => {
                        let _ = constructor.execute_dispatchable();
                        core::arch::wasm32::unreachable()
                    }
                    Err(_) => $crate::dispatch::refuse_input(),
                }
            }
        };
    };
    // The library's exports, in its wasm build.
    (@library [] $contract:ident, [$($payable:literal),*]) => {
        #[cfg(all(healthchain_library, target_arch = "wasm32"))]
        const _: () = {
            /// Uploaded, never instantiated: instantiated, it would be a contract of its own
            /// without the contract's hot messages.
            #[no_mangle]
            pub extern "C" fn deploy() {
                $crate::dispatch::refuse_input()
            }

            #[no_mangle]
            pub extern "C" fn call() {
                $crate::dispatch::library_call::<$contract>(&[$(ink::selector_bytes!($payable)),*])
            }
        };
    };
    (@library [own] $contract:ident, [$($payable:literal),*]) => {};
    // The rest of the contract's `call`: ink!'s dispatch of the messages this build has,
    // and the library for any other selector.
    (@call [] $contract:ident, $library:ident) => {{
        use ink::reflect::{ContractMessageDecoder, DispatchError, ExecuteDispatchable};
        use $crate::dispatch::Routed;

        match $crate::dispatch::decode_input::<Routed<<$contract as ContractMessageDecoder>::Type>>() {
            Ok(Routed(Ok(message))) => {
                if ink::codegen::deny_payment::<ink::env::DefaultEnvironment>().is_err() {
                    core::arch::wasm32::unreachable()
                }
                let _ = message.execute_dispatchable();
                core::arch::wasm32::unreachable()
            }
            Ok(Routed(Err(DispatchError::UnknownSelector))) => {
                $crate::__entry_points!(@library_of $contract, $library)
            }
            _ => $crate::dispatch::refuse_input(),
        }
    }};
    // The rest of the contract's `call` with `others: library`: the library, which
    // answers or refuses every other input as ink! would.
    (@call [library] $contract:ident, $library:ident) => {
        $crate::__entry_points!(@library_of $contract, $library)
    };
    // The input, value and all, handed to the contract's library, whose code hash is in
    // its own cell (`access::OwnLibrary`): read without decoding the root.
    (@library_of $contract:ident, own_library) => {
        $crate::access::delegate_to($crate::access::own_library())
    };
    // The input, value and all, handed to the contract's library.
    (@library_of $contract:ident, $library:ident) => {{
        let key = <$contract as ink::storage::traits::StorageKey>::KEY;
        if let Ok(Some(contract)) =
            ink::env::get_contract_storage::<ink::primitives::Key, $contract>(&key)
        {
            $crate::access::delegate_to(contract.$library)
        }
        // No root: the contract was never instantiated with this code.
        core::arch::wasm32::unreachable()
    }};
}

/// Keeps functions of the contract's own wasm build as functions of their own:
/// [`entry_points`] lists in it the runner of each message `call` runs itself
/// ([`dispatch::runner`], [`dispatch::view_runner`]).
///
/// wasm-opt inlines every function called from one place into its caller, so `call`, which
/// every call runs, would hold every listed message's decoding and body, and
/// pallet-contracts 38 charges a call for each byte of each function it runs (measured:
/// about 8,000 ref_time per byte, ten times the 794 per byte of loading the code): every
/// check would pay for the grant's body too. Listed in a table the contract keeps
/// (`#[used]`), they are functions wasm-opt cannot remove, so it does not inline them, and
/// a call runs through only its own message's code. The table costs a few bytes; nothing
/// reads it.
#[macro_export]
macro_rules! hot_messages {
    ($($message:expr),+ $(,)?) => {
        #[cfg(healthchain_contract)]
        const _: () = {
            struct Table(&'static [*const ()]);
            // Only the addresses are kept, never read or called through.
            unsafe impl Sync for Table {}
            #[used]
            static HOT_MESSAGES: Table = Table(&[$($message as *const ()),+]);
        };
    };
}

/// SCALE-encodes an error enum exactly as `#[derive(Encode)]` would (its variant's index,
/// then the fields of the variants named here), from its tag: `encode_by_tag!(Error,
/// Access(AccessError))`. The derive writes one arm per variant, about 20 bytes of wasm
/// each, and every hot message's answer carries its contract's error: drug_provenance's
/// 52 variants were 1.2 KB of every dispense's proof. The enum must be `#[repr(u8)]`, with no
/// explicit discriminant and no `#[codec(index)]`, so that its tag is its SCALE index
/// (declaration order); [`unit_test::encodes_as_derived`] checks each variant against its
/// metadata.
#[macro_export]
macro_rules! encode_by_tag {
    ($error:ty $(, $variant:ident($field:ty))* $(,)?) => {
        impl ink::scale::Encode for $error {
            fn size_hint(&self) -> usize {
                match self {
                    $(Self::$variant(field) => ink::scale::Encode::size_hint(field).saturating_add(1),)*
                    #[allow(unreachable_patterns)]
                    _ => 1,
                }
            }

            fn encode_to<O: ink::scale::Output + ?Sized>(&self, dest: &mut O) {
                // SAFETY: a `#[repr(u8)]` enum's first byte is its tag (the Rust reference,
                // "Primitive representation of enums with fields"), here its index.
                let tag = unsafe { *(self as *const Self).cast::<u8>() };
                dest.push_byte(tag);
                match self {
                    $(Self::$variant(field) => ink::scale::Encode::encode_to(field, dest),)*
                    #[allow(unreachable_patterns)]
                    _ => {}
                }
            }
        }

        impl ink::scale::EncodeLike for $error {}
    };
}

/// An argument a contract's own wasm build hands undecoded to a library (the admin
/// messages' arguments, [`access::admin_arg`]): the library decodes it, so here nothing is
/// read and no decoding code is built.
pub struct Forwarded<T = ()>(core::marker::PhantomData<T>);

impl<T> ink::scale::Decode for Forwarded<T> {
    fn decode<I: ink::scale::Input>(_input: &mut I) -> Result<Self, ink::scale::Error> {
        Ok(Self(core::marker::PhantomData))
    }
}

impl<T> ink::scale::Encode for Forwarded<T> {}

/// Milliseconds since the Unix epoch, as `pallet-timestamp` reports them on a real chain.
pub type Timestamp = u64;

/// One day of [`Timestamp`]: 86,400,000 milliseconds.
pub const DAY: Timestamp = 24 * 60 * 60 * 1000;

/// GS1 lot numbers (AI 10) and serial numbers (AI 21) are at most 20 characters: the
/// ledger's bounds, and the command-line tool's for a manufacturer's serial list.
pub const MAX_LOT_LEN: usize = 20;
/// See [`MAX_LOT_LEN`].
pub const MAX_SERIAL_LEN: usize = 20;

/// Whether `text` is a valid GS1 lot or serial of at most `max` characters
/// ([`MAX_LOT_LEN`], [`MAX_SERIAL_LEN`]): printable ASCII without spaces (the GS1 AI
/// encodable character set is a subset), as [`is_printable_id`].
pub fn is_gs1_text(text: &[u8], max: usize) -> bool {
    is_printable_id(text, max)
}

/// Whether `text` is an identifier as the suite accepts one (a GS1 lot or serial, a trial
/// registry id, a claim's serial): 1 to `max` printable ASCII characters without spaces,
/// 0x21 to 0x7E. The GS1 AI encodable character set is a subset.
pub fn is_printable_id(text: &[u8], max: usize) -> bool {
    !text.is_empty() && text.len() <= max && text.iter().all(|c| (0x21..=0x7E).contains(c))
}

/// The suite's one rule for document hashes (consent forms, justifications, certificates,
/// evidence, protocols): an all-zero hash names no document, so every message that takes
/// one refuses it with its contract's `ZeroHash` error.
pub fn is_zero_hash(hash: &[u8]) -> bool {
    hash.iter().all(|b| *b == 0)
}

/// A commitment to a patient's account: BLAKE2b-256 of the SCALE encoding of
/// (`domain`, `account`, `salt`). A record that must name the patient without showing
/// who it is (a dispense, an adverse event) keeps this instead of the account. The salt
/// is 32 random bytes the recording party keeps and gives only to whoever must prove the
/// match (the patient, the payer, an auditor): without it, nobody can test the record
/// against the accounts seen elsewhere on chain. The domain keeps a commitment of one
/// kind from opening as another.
pub fn commitment(domain: &[u8], account: &AccountId, salt: &[u8; 32]) -> Hash {
    use ink::scale::Encode;
    Hash::from(merkle::blake2_256(&(domain, account, salt).encode()))
}

/// What one cross-contract question may spend: its own gas (ref time and proof size),
/// and no storage deposit. Without limits a callee runs with all the caller's remaining
/// gas and deposit, so a hostile or broken one (behind `set_callee`) could make every
/// caller run out of gas; with them it fails alone, and the caller answers for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallLimits {
    pub ref_time: u64,
    pub proof_size: u64,
}

impl CallLimits {
    /// The storage deposit a question may take: the smallest limit the chain accepts (a
    /// limit of 0 would mean "the caller's"), so a callee that writes anything fails.
    pub const READ_ONLY_DEPOSIT: u128 = 1;
}

/// A consent question: `is_authorized` costs about 1.3 x 10^9 ref time as a whole
/// transaction on the sandbox (bench/RESULTS.md); eight times that, and 256 KiB of proof.
pub const CONSENT_CALL_LIMITS: CallLimits = CallLimits {
    ref_time: 10_000_000_000,
    proof_size: 256 * 1024,
};

/// A provenance question for up to 50 units: a 50-drug-line claim costs about 3.2 x 10^10
/// ref time in all (bench/RESULTS.md), the question a part of it.
pub const PROVENANCE_CALL_LIMITS: CallLimits = CallLimits {
    ref_time: 60_000_000_000,
    proof_size: 1024 * 1024,
};

/// Why a cross-contract call failed. The caller turns it into an error of its own, never a
/// trap: a missing, reverted or broken callee must not take the caller down.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CalleeError {
    /// The call did not complete: no contract at the address, the callee trapped or ran
    /// out of gas, or its answer did not decode.
    CallFailed,
    /// The callee refused the call itself (unknown selector, bad input).
    Rejected,
}

/// The answer of a `try_invoke`d cross-contract call, or why there is none.
#[cfg_attr(feature = "test-doubles", allow(dead_code))]
pub(crate) fn callee_outcome<T>(
    result: Result<ink::MessageResult<T>, ink::env::Error>,
) -> Result<T, CalleeError> {
    match result {
        Ok(Ok(answer)) => Ok(answer),
        Ok(Err(_lang_error)) => Err(CalleeError::Rejected),
        Err(_env_error) => Err(CalleeError::CallFailed),
    }
}
