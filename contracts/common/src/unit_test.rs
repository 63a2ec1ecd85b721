//! Helpers for the contracts' unit tests on ink!'s off-chain environment (std only).
//! A helper that cannot find what the test expects panics: that is how the test fails.
#![allow(clippy::expect_used)]

use ink::{
    env::{test, Event},
    scale::{Decode, Encode},
    scale_info::{Field, Type, TypeDef, TypeInfo},
};

/// Checks that enum `E` encodes as `#[derive(Encode)]` would (for an `Encode` written by
/// [`crate::encode_by_tag`]), variant by variant from its metadata: each variant decoded
/// (by the derived `Decode`) from its index and the least encoding of its fields encodes
/// back to the same bytes, with a size hint of their length.
pub fn encodes_as_derived<E: Decode + Encode + TypeInfo + 'static>() {
    let TypeDef::Variant(enumeration) = E::type_info().type_def else {
        panic!("not an enum");
    };
    assert!(!enumeration.variants.is_empty(), "an enum with no variant");
    for variant in &enumeration.variants {
        let mut bytes = vec![variant.index];
        for field in &variant.fields {
            bytes.extend(least_encoding(&field.ty.type_info()));
        }
        let value = E::decode(&mut &bytes[..])
            .unwrap_or_else(|_| panic!("{} does not decode", variant.name));
        assert_eq!(value.encode(), bytes, "{} encodes as derived", variant.name);
        assert_eq!(
            value.size_hint(),
            bytes.len(),
            "{}'s size hint",
            variant.name
        );
    }
}

/// The encoding of a value of a type, its first variant for an enum and zeros for a number.
fn least_encoding(ty: &Type) -> Vec<u8> {
    let all = |fields: &[Field]| {
        fields
            .iter()
            .flat_map(|field| least_encoding(&field.ty.type_info()))
            .collect::<Vec<u8>>()
    };
    match &ty.type_def {
        TypeDef::Variant(enumeration) => {
            let first = enumeration
                .variants
                .first()
                .expect("an enum with a variant");
            let mut bytes = vec![first.index];
            bytes.extend(all(&first.fields));
            bytes
        }
        TypeDef::Composite(composite) => all(&composite.fields),
        TypeDef::Array(array) => (0..array.len)
            .flat_map(|_| least_encoding(&array.type_param.type_info()))
            .collect(),
        TypeDef::Tuple(tuple) => tuple
            .fields
            .iter()
            .flat_map(|ty| least_encoding(&ty.type_info()))
            .collect(),
        TypeDef::Primitive(primitive) => {
            use ink::scale_info::TypeDefPrimitive as P;
            let width = match primitive {
                P::Bool | P::U8 | P::I8 => 1,
                P::U16 | P::I16 => 2,
                P::U32 | P::I32 | P::Char => 4,
                P::U64 | P::I64 => 8,
                P::U128 | P::I128 => 16,
                P::U256 | P::I256 => 32,
                P::Str => 1,
            };
            vec![0; width]
        }
        // An empty sequence, a compact zero.
        TypeDef::Sequence(_) | TypeDef::Compact(_) | TypeDef::BitSequence(_) => vec![0],
    }
}

/// How many events have been emitted so far.
pub fn event_count() -> usize {
    test::recorded_events().count()
}

/// Whether an event with these topics has type `E`: its first topic is `E`'s signature,
/// or, for `E` anonymous (a contract's one event without topics), it has no topics.
fn is_of<E: Event>(topics: &[Vec<u8>]) -> bool {
    topics.first().map(Vec::as_slice) == E::SIGNATURE_TOPIC.as_ref().map(|t| &t[..])
}

/// Decodes the last event as `E`, checking its signature topic (or, for an anonymous
/// `E`, that it has none), and returns it with its other topics. Panics (failing the
/// test) when there is none or it has another type.
pub fn last_event<E: Event + Decode>() -> (E, Vec<Vec<u8>>) {
    let event = test::recorded_events()
        .last()
        .expect("an event was emitted");
    assert!(is_of::<E>(&event.topics), "the last event has another type");
    let topics = event
        .topics
        .iter()
        .skip(usize::from(E::SIGNATURE_TOPIC.is_some()));
    let decoded = E::decode(&mut &event.data[..]).expect("the event decodes");
    (decoded, topics.cloned().collect())
}

/// Every emitted event of type `E`, decoded, in order.
pub fn events_of<E: Event + Decode>() -> Vec<E> {
    test::recorded_events()
        .filter(|event| is_of::<E>(&event.topics))
        .map(|event| E::decode(&mut &event.data[..]).expect("the event decodes"))
        .collect()
}

/// A topic as the chain stores it: the SCALE encoding, zero-padded to 32 bytes (longer
/// values are hashed; no topic of the suite is longer).
pub fn topic<T: Encode>(value: &T) -> Vec<u8> {
    let mut bytes = value.encode();
    assert!(bytes.len() <= 32, "topic longer than 32 bytes");
    bytes.resize(32, 0);
    bytes
}

/// The access rules every healthchain contract must show through its own messages: each
/// contract's unit tests invoke this with its constructor, the roles it uses and one it
/// does not, so that all four prove the same rules (the block itself is tested below).
///
/// ```text
/// healthchain_common::access_controlled_tests!(
///     ConsentRegistry::new(Hash::from([0xC4; 32]), 0, Hash::from([0xA1; 32]), Hash::from([0xA2; 32])),
///     roles: [Role::EmergencyResponder],
///     unused: Role::Manufacturer
/// );
/// ```
#[macro_export]
macro_rules! access_controlled_tests {
    ($new:expr, roles: [$($role:expr),+ $(,)?], unused: $unused:expr) => {
        /// The shared admin, role, pause and upgrade rules, through this contract's messages.
        mod access_controlled {
            use super::*;
            use $crate::access::{AccessControlled as _, AccessError, AdminTransferred, Role};
            use $crate::unit_test::{event_count, last_event};
            use ::ink::env::{test, DefaultEnvironment};

            fn accounts() -> test::DefaultAccounts<DefaultEnvironment> {
                test::default_accounts::<DefaultEnvironment>()
            }

            fn as_caller(account: ::ink::primitives::AccountId) {
                test::set_caller::<DefaultEnvironment>(account);
            }

            #[::ink::test]
            fn the_deployer_is_the_admin_and_nothing_is_paused() {
                let a = accounts();
                as_caller(a.alice);
                let contract = $new;
                assert_eq!(contract.admin(), a.alice);
                assert_eq!(contract.pending_admin(), None);
                assert!(!contract.paused());
                // The deployer is named by pallet-contracts' `Instantiated` event; the
                // access block emits nothing of its own at construction.
                assert!(
                    $crate::unit_test::events_of::<AdminTransferred>().is_empty(),
                    "no AdminTransferred at construction"
                );
            }

            /// The admin library reads the access block from the front of the contract's
            /// root storage (by delegate call), so the block must be the root's first field.
            #[::ink::test]
            fn the_access_block_leads_the_root() {
                use ::ink::storage::traits::Storable;
                let a = accounts();
                as_caller(a.alice);
                let contract = $new;
                let mut root = ::std::vec::Vec::new();
                Storable::encode(&contract, &mut root);
                let block = <$crate::access::AccessControl as Storable>::decode(&mut &root[..])
                    .expect("the root starts with the access block");
                assert_eq!(block.admin(), a.alice);
                assert_eq!(block.change_delay(), contract.change_delay());
                assert!(!block.is_paused());
            }

            #[::ink::test]
            fn admin_transfer_is_two_step() {
                let a = accounts();
                as_caller(a.alice);
                let mut contract = $new;
                as_caller(a.bob);
                assert_eq!(contract.transfer_admin(a.bob), Err(AccessError::NotAdmin));
                assert_eq!(contract.accept_admin(), Err(AccessError::NoPendingAdmin));
                as_caller(a.alice);
                contract.transfer_admin(a.bob).unwrap();
                assert_eq!(contract.pending_admin(), Some(a.bob));
                assert_eq!(contract.admin(), a.alice, "nothing changes before acceptance");
                as_caller(a.charlie);
                assert_eq!(contract.accept_admin(), Err(AccessError::NotPendingAdmin));
                as_caller(a.bob);
                contract.accept_admin().unwrap();
                assert_eq!((contract.admin(), contract.pending_admin()), (a.bob, None));
                let (event, _) = last_event::<AdminTransferred>();
                assert_eq!((event.previous_admin, event.new_admin), (Some(a.alice), a.bob));
                as_caller(a.alice);
                assert_eq!(contract.pause(), Err(AccessError::NotAdmin), "the old admin has no power left");
            }

            #[::ink::test]
            fn every_role_in_use_is_granted_revoked_and_renounced() {
                let a = accounts();
                as_caller(a.alice);
                let mut contract = $new;
                for role in [$($role),+] {
                    contract.grant_role(role, a.bob).unwrap();
                    assert!(contract.has_role(a.bob, role));
                    assert_eq!(contract.grant_role(role, a.bob), Err(AccessError::RoleAlreadyGranted));
                    contract.revoke_role(role, a.bob).unwrap();
                    assert!(!contract.has_role(a.bob, role));
                    assert_eq!(contract.revoke_role(role, a.bob), Err(AccessError::RoleNotGranted));
                    contract.grant_role(role, a.charlie).unwrap();
                    as_caller(a.charlie);
                    contract.renounce_role(role).unwrap();
                    assert!(!contract.has_role(a.charlie, role));
                    assert_eq!(contract.renounce_role(role), Err(AccessError::RoleNotGranted));
                    as_caller(a.alice);
                }
            }

            #[::ink::test]
            fn strangers_manage_nothing_and_unused_roles_are_refused() {
                let a = accounts();
                as_caller(a.alice);
                let mut contract = $new;
                assert_eq!(
                    contract.grant_role($unused, a.bob),
                    Err(AccessError::RoleNotUsed($unused))
                );
                let events = event_count();
                as_caller(a.django);
                for role in [$($role),+] {
                    assert_eq!(contract.grant_role(role, a.django), Err(AccessError::NotAdmin));
                    assert_eq!(contract.revoke_role(role, a.alice), Err(AccessError::NotAdmin));
                    assert!(!contract.has_role(a.django, role));
                }
                assert_eq!(contract.pause(), Err(AccessError::NotAdmin));
                assert_eq!(contract.unpause(), Err(AccessError::NotAdmin));
                assert_eq!(
                    contract.propose_code(::ink::primitives::Hash::from([1; 32]), None),
                    Err(AccessError::NotAdmin)
                );
                assert_eq!(contract.apply_code(), Err(AccessError::NotAdmin));
                assert_eq!(contract.cancel_change(), Err(AccessError::NotAdmin));
                assert_eq!(event_count(), events, "no event for a refusal");
            }

            /// Review item 17: an upgrade is proposed with an event, one at a time, and
            /// can be cancelled; nothing is applied without a proposal.
            #[::ink::test]
            fn an_upgrade_is_proposed_then_applied_or_cancelled() {
                use $crate::access::{Change, ChangeCancelled, ChangeProposed};
                let a = accounts();
                as_caller(a.alice);
                let mut contract = $new;
                let code_hash = ::ink::primitives::Hash::from([1; 32]);
                let migration = Some(::ink::primitives::Hash::from([2; 32]));
                let code = Change::Code { code_hash, migration };
                assert_eq!(contract.apply_code(), Err(AccessError::NoPendingChange));
                let applies_at = contract.propose_code(code_hash, migration).unwrap();
                assert_eq!(
                    applies_at,
                    ::ink::env::block_timestamp::<DefaultEnvironment>() + contract.change_delay()
                );
                let (event, _) = last_event::<ChangeProposed>();
                assert_eq!((event.change, event.applies_at), (code, applies_at));
                assert_eq!(contract.pending_change().map(|p| p.change), Some(code));
                assert_eq!(
                    contract.propose_code(code_hash, None),
                    Err(AccessError::ChangePending)
                );
                contract.cancel_change().unwrap();
                assert_eq!(last_event::<ChangeCancelled>().0.change, code);
                assert_eq!(contract.pending_change(), None);
                assert_eq!(contract.cancel_change(), Err(AccessError::NoPendingChange));
            }

            #[::ink::test]
            fn only_the_admin_pauses_and_unpauses_once() {
                let a = accounts();
                as_caller(a.alice);
                let mut contract = $new;
                assert_eq!(contract.unpause(), Err(AccessError::NotPaused));
                contract.pause().unwrap();
                assert!(contract.paused());
                assert_eq!(contract.pause(), Err(AccessError::Paused));
                contract.unpause().unwrap();
                assert!(!contract.paused());
            }
        }
    };
}

/// Checks that each of a contract's longest record encodings, `lengths`, fits in an eighth
/// of the buffer that `entry` reads and writes through (`entry::MAX_VALUE_LEN`, which a
/// longer value would trap): the room left is for the records to grow.
pub fn fit_the_hosts_buffer(lengths: &[usize]) {
    for &length in lengths {
        assert!(
            length > 0 && length < crate::entry::MAX_VALUE_LEN / 8,
            "{lengths:?}: each must be under an eighth of entry::MAX_VALUE_LEN"
        );
    }
}

/// Checks that `arguments`, a message's whole argument list (a tuple for several), makes a
/// call input the contracts read whole: its selector and their encoding within
/// [`crate::dispatch::MAX_INPUT_LEN`].
pub fn assert_input_fits<A: Encode>(message: &str, arguments: &A) {
    let length = arguments.encoded_size().saturating_add(4);
    assert!(
        length <= crate::dispatch::MAX_INPUT_LEN,
        "{message}'s input of {length} bytes is longer than the {} bytes a contract reads",
        crate::dispatch::MAX_INPUT_LEN
    );
}
