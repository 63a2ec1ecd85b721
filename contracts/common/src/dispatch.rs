//! A hot message run by a contract's own `call` ([`crate::entry_points`]), which writes the
//! contract's root back only when the message changed it.
//!
//! ink! 5.1's dispatch writes the root back after every `&mut self` message that does not
//! fail, changed or not, and pallet-contracts 38 charges every storage access a
//! worst-case proof (10 to 16 KB), whatever it writes. A dispense, an enrolment, a consent
//! grant or an access record changes no field of its contract's root (only mappings, and
//! an event), so that write was proof for nothing on the hottest calls.

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

/// Runs the message `ID` of contract `C` with its decoded `arguments` as ink!'s dispatch
/// runs it (payment refused unless it is payable, the root read, the message run, its
/// answer returned, the call reverted when it answers an `Err`), except that the root is
/// written back only when its encoding changed. Never returns.
#[cfg(target_arch = "wasm32")]
pub fn run_message<C, const ID: u32>(
    arguments: <C as ink::reflect::DispatchableMessageInfo<ID>>::Input,
) -> !
where
    C: ink::reflect::DispatchableMessageInfo<ID, Storage = C>
        + ink::storage::traits::Storable
        + ink::storage::traits::StorageKey,
    <C as ink::reflect::DispatchableMessageInfo<ID>>::Output: Answer + ink::scale::Encode,
{
    use ink::env::ReturnFlags;
    use ink::reflect::DispatchableMessageInfo;
    use pallet_contracts_uapi::{HostFn, HostFnImpl};

    if !<C as DispatchableMessageInfo<ID>>::PAYABLE
        && ink::codegen::deny_payment::<ink::env::DefaultEnvironment>().is_err()
    {
        core::arch::wasm32::unreachable()
    }
    let key = <C as ink::storage::traits::StorageKey>::KEY;
    // The same read and decoding as ink!'s dispatch (one instance of the code for both).
    let Ok(Some(mut contract)) = ink::env::get_contract_storage::<ink::primitives::Key, C>(&key)
    else {
        // No root: the contract was never instantiated with this code (ink! traps too).
        core::arch::wasm32::unreachable()
    };
    let encode = |contract: &C| {
        let mut encoded = ink::prelude::vec::Vec::new();
        ink::storage::traits::Storable::encode(contract, &mut encoded);
        encoded
    };
    let mutates = <C as DispatchableMessageInfo<ID>>::MUTATES;
    let before = if mutates {
        encode(&contract)
    } else {
        Default::default()
    };
    let answer = <C as DispatchableMessageInfo<ID>>::CALLABLE(&mut contract, arguments);
    let reverts = answer.reverts();
    if !reverts && mutates {
        let after = encode(&contract);
        if after != before {
            HostFnImpl::set_storage_v2(&key.to_le_bytes(), &after);
        }
    }
    let flags = if reverts {
        ReturnFlags::REVERT
    } else {
        ReturnFlags::empty()
    };
    ink::env::return_value::<ink::MessageResult<<C as DispatchableMessageInfo<ID>>::Output>>(
        flags,
        &Ok(answer),
    )
}
