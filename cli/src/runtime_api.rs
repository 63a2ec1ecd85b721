//! pallet-contracts' runtime API answers (`ContractsApi_call`, `_instantiate`,
//! `_upload_code`), decoded with SCALE types of our own: the CLI talks to a chain through
//! subxt and needs none of FRAME. The layouts are pallet-contracts' from version 31 (the
//! sandbox) to 38 (substrate-contracts-node 0.42), which agree on these types.

use ink::scale::{Decode, Encode};

/// Gas: compute time and proof size (`sp_weights::Weight`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Encode, Decode)]
#[codec(crate = ink::scale)]
pub struct Weight {
    #[codec(compact)]
    ref_time: u64,
    #[codec(compact)]
    proof_size: u64,
}

impl Weight {
    pub const fn from_parts(ref_time: u64, proof_size: u64) -> Self {
        Weight {
            ref_time,
            proof_size,
        }
    }

    pub const fn ref_time(&self) -> u64 {
        self.ref_time
    }

    pub const fn proof_size(&self) -> u64 {
        self.proof_size
    }
}

/// The storage deposit a call charges or refunds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Decode)]
#[codec(crate = ink::scale)]
pub enum StorageDeposit {
    Refund(u128),
    Charge(u128),
}

/// Whether uploaded code must run deterministically (contracts always do).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Encode)]
#[codec(crate = ink::scale)]
pub enum Determinism {
    Enforced,
    #[allow(dead_code)] // Part of the encoding: the variant's index is 1.
    Relaxed,
}

/// `sp_runtime::DispatchError`, as it is encoded (the `&'static str`s are not).
#[derive(Debug, Clone, PartialEq, Eq, Decode)]
#[codec(crate = ink::scale)]
pub enum DispatchError {
    Other,
    CannotLookup,
    BadOrigin,
    /// A pallet's error: the pallet's index and the error's index (first byte) in it.
    Module {
        index: u8,
        error: [u8; 4],
    },
    ConsumerRemaining,
    NoProviders,
    TooManyConsumers,
    Token(u8),
    Arithmetic(u8),
    Transactional(u8),
    Exhausted,
    Corruption,
    Unavailable,
    RootNotAllowed,
}

/// The flags a contract returned with; bit 0 set means it reverted.
#[derive(Debug, Clone, PartialEq, Eq, Decode)]
#[codec(crate = ink::scale)]
pub struct ExecReturnValue {
    pub flags: u32,
    pub data: Vec<u8>,
}

impl ExecReturnValue {
    pub fn did_revert(&self) -> bool {
        self.flags & 1 == 1
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Decode)]
#[codec(crate = ink::scale)]
pub struct InstantiateReturnValue {
    pub result: ExecReturnValue,
    pub account_id: [u8; 32],
}

#[derive(Debug, Clone, PartialEq, Eq, Decode)]
#[codec(crate = ink::scale)]
pub struct CodeUploadReturnValue {
    pub code_hash: [u8; 32],
    pub deposit: u128,
}

/// A dry run's answer. The events the runtime may append (only when asked to collect
/// them, which these requests do not) are not decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContractResult<R> {
    pub gas_consumed: Weight,
    pub gas_required: Weight,
    pub storage_deposit: StorageDeposit,
    pub debug_message: Vec<u8>,
    pub result: R,
}

impl<R: Decode> Decode for ContractResult<R> {
    fn decode<I: ink::scale::Input>(input: &mut I) -> Result<Self, ink::scale::Error> {
        Ok(ContractResult {
            gas_consumed: Decode::decode(input)?,
            gas_required: Decode::decode(input)?,
            storage_deposit: Decode::decode(input)?,
            debug_message: Decode::decode(input)?,
            result: Decode::decode(input)?,
        })
    }
}

pub type ContractExecResult = ContractResult<Result<ExecReturnValue, DispatchError>>;
pub type ContractInstantiateResult = ContractResult<Result<InstantiateReturnValue, DispatchError>>;
pub type CodeUploadResult = Result<CodeUploadReturnValue, DispatchError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_call_answer_decodes_and_a_revert_is_seen() {
        // gas consumed and required, a charge of 7, no debug message, Ok(flags 1, data [1])
        // and the (ignored) events: None.
        let mut bytes = Vec::new();
        Weight::from_parts(5, 6).encode_to(&mut bytes);
        Weight::from_parts(9, 10).encode_to(&mut bytes);
        bytes.push(1);
        7u128.encode_to(&mut bytes);
        Vec::<u8>::new().encode_to(&mut bytes);
        bytes.push(0);
        1u32.encode_to(&mut bytes);
        vec![1u8].encode_to(&mut bytes);
        bytes.push(0);
        let answer = ContractExecResult::decode(&mut bytes.as_slice()).unwrap();
        assert_eq!(answer.gas_required, Weight::from_parts(9, 10));
        assert_eq!(answer.storage_deposit, StorageDeposit::Charge(7));
        let value = answer.result.unwrap();
        assert!(value.did_revert());
        assert_eq!(value.data, vec![1]);
    }

    #[test]
    fn a_module_error_decodes() {
        let bytes = [3u8, 8, 12, 0, 0, 0];
        assert_eq!(
            DispatchError::decode(&mut &bytes[..]).unwrap(),
            DispatchError::Module {
                index: 8,
                error: [12, 0, 0, 0]
            }
        );
    }
}
