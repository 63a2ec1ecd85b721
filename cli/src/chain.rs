//! A node, through subxt: dry runs through pallet-contracts' runtime API, signed
//! extrinsics that wait for their block, and the storage reads a deploy needs (code on
//! chain, a contract's code hash, an account's balance).
//!
//! Every failure here is a [`ChainError`], so the tool can tell "the chain said no or
//! cannot be reached" (exit 3) from "your input is wrong" (exit 2).

use crate::runtime_api::{
    CodeUploadResult, ContractExecResult, ContractInstantiateResult, Determinism, DispatchError,
    StorageDeposit, Weight,
};
use anyhow::Result;
use ink::scale::{Decode, Encode};
use std::{fmt, time::Duration};
use subxt::{
    backend::{legacy::LegacyRpcMethods, rpc::RpcClient},
    dynamic::{At, Value},
    tx::TxStatus,
    utils::AccountId32,
    OnlineClient, PolkadotConfig,
};
use subxt_signer::sr25519::Keypair;

/// How long to wait for a node to answer the first request.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(20);

/// The chain refused, failed, or could not be reached. The message says what to do.
#[derive(Debug)]
pub struct ChainError(pub String);

impl fmt::Display for ChainError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ChainError {}

/// Fails with a [`ChainError`] made of `what` and the underlying cause.
fn chain_err<T, E: fmt::Display>(result: Result<T, E>, what: impl fmt::Display) -> Result<T> {
    result.map_err(|e| ChainError(format!("{what}: {e}")).into())
}

/// One event a contract emitted.
#[derive(Debug, Clone)]
pub struct ContractEvent {
    pub block: u64,
    /// The block's timestamp, milliseconds since the epoch.
    pub timestamp: u64,
    pub topics: Vec<[u8; 32]>,
    pub data: Vec<u8>,
}

/// A call builder for the contract `C` at `account`, without a client: the CLI only takes
/// its messages' call data (`.params().exec_input().encode()`).
pub fn call_builder<C: ink::codegen::ContractCallBuilder>(
    account: ink::primitives::AccountId,
) -> C::Type
where
    C::Type: ink::env::call::FromAccountId<ink::env::DefaultEnvironment>,
{
    <C::Type as ink::env::call::FromAccountId<ink::env::DefaultEnvironment>>::from_account_id(
        account,
    )
}

/// Whether `error` came from the chain (exit 3) rather than from the input (exit 2).
pub fn is_chain_error(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| cause.is::<ChainError>())
}

/// The code of a contract to instantiate: uploaded with the call, or already on chain.
#[derive(Encode)]
#[codec(crate = ink::scale)]
pub enum Code {
    Upload(Vec<u8>),
    Existing([u8; 32]),
}

#[derive(Encode)]
#[codec(crate = ink::scale)]
struct InstantiateRequest {
    origin: [u8; 32],
    value: u128,
    gas_limit: Option<Weight>,
    storage_deposit_limit: Option<u128>,
    code: Code,
    data: Vec<u8>,
    salt: Vec<u8>,
}

#[derive(Encode)]
#[codec(crate = ink::scale)]
struct UploadRequest {
    origin: [u8; 32],
    code: Vec<u8>,
    storage_deposit_limit: Option<u128>,
    determinism: Determinism,
}

#[derive(Encode)]
#[codec(crate = ink::scale)]
struct CallRequest {
    origin: [u8; 32],
    dest: [u8; 32],
    value: u128,
    gas_limit: Option<Weight>,
    storage_deposit_limit: Option<u128>,
    input_data: Vec<u8>,
}

/// What a dry run says a transaction will cost.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Estimate {
    pub ref_time: u64,
    pub proof_size: u64,
    /// Storage deposit charged to the signer (0 when refunded or none).
    pub deposit: u128,
}

impl Estimate {
    fn new(gas: Weight, deposit: &StorageDeposit) -> Self {
        Estimate {
            ref_time: gas.ref_time(),
            proof_size: gas.proof_size(),
            deposit: match deposit {
                StorageDeposit::Charge(amount) => *amount,
                StorageDeposit::Refund(_) => 0,
            },
        }
    }

    /// Adds `other`'s gas and deposit (a plan's total).
    pub fn add(&mut self, other: &Estimate) {
        self.ref_time = self.ref_time.saturating_add(other.ref_time);
        self.proof_size = self.proof_size.saturating_add(other.proof_size);
        self.deposit = self.deposit.saturating_add(other.deposit);
    }

    /// The gas limit to submit with: the dry run's requirement, as cargo-contract does.
    pub fn gas_limit(&self) -> Weight {
        Weight::from_parts(self.ref_time, self.proof_size)
    }
}

/// The answer of a contract message run as a dry run.
pub struct CallOutcome {
    /// The message's SCALE-encoded return value (`Result<T, LangError>` for ink!).
    pub data: Vec<u8>,
    /// Whether the contract reverted (an ink! message returning `Err`).
    pub reverted: bool,
    pub estimate: Estimate,
}

/// A connected node.
pub struct Chain {
    pub client: OnlineClient<PolkadotConfig>,
    rpc: LegacyRpcMethods<PolkadotConfig>,
    /// The chain's name (`system_chain`), such as "Development".
    pub name: String,
    pub genesis_hash: [u8; 32],
    pub url: String,
}

impl Chain {
    /// Connects to the node at `url` and reads the chain's identity.
    pub async fn connect(url: &str) -> Result<Chain> {
        let advice = format!(
            "cannot reach a node at {url}: start one (substrate-contracts-node --dev) or check the URL"
        );
        let rpc = chain_err(
            tokio::time::timeout(CONNECT_TIMEOUT, RpcClient::from_url(url))
                .await
                .map_err(|_| "no answer within 20 s")
                .and_then(|r| r.map_err(|_| "connection refused or not a WebSocket endpoint")),
            &advice,
        )?;
        let client = chain_err(
            tokio::time::timeout(
                CONNECT_TIMEOUT,
                OnlineClient::<PolkadotConfig>::from_rpc_client(rpc.clone()),
            )
            .await
            .map_err(|_| "no answer within 20 s".to_string())
            .and_then(|r| r.map_err(|e| e.to_string())),
            &advice,
        )?;
        let rpc = LegacyRpcMethods::<PolkadotConfig>::new(rpc);
        let name = chain_err(rpc.system_chain().await, &advice)?;
        if client.metadata().pallet_by_name("Contracts").is_none() {
            return Err(ChainError(format!(
                "the chain at {url} ({name}) has no pallet-contracts: healthchain needs a chain that runs ink! 5 contracts"
            ))
            .into());
        }
        Ok(Chain {
            genesis_hash: client.genesis_hash().0,
            client,
            rpc,
            name,
            url: url.to_string(),
        })
    }

    /// 0x-prefixed hex of the genesis hash.
    pub fn genesis_hex(&self) -> String {
        format!("0x{}", hex::encode(self.genesis_hash))
    }

    async fn storage(&self, entry: (&str, &str), key: Vec<Value>) -> Result<Option<Vec<u8>>> {
        let address = subxt::dynamic::storage(entry.0, entry.1, key);
        let at = self.best_storage().await?;
        let value = chain_err(
            at.fetch(&address).await,
            format!("reading {}::{}", entry.0, entry.1),
        )?;
        Ok(value.map(|v| v.into_encoded()))
    }

    /// Storage at the best block: subxt's `at_latest` is the finalized block, which a dev
    /// node reaches late, so a deploy would not see its own transactions.
    async fn best_storage(
        &self,
    ) -> Result<subxt::storage::Storage<PolkadotConfig, OnlineClient<PolkadotConfig>>> {
        let best = chain_err(
            self.rpc.chain_get_block_hash(None).await,
            "reading the best block",
        )?
        .ok_or_else(|| ChainError("the node has no best block".into()))?;
        Ok(self.client.storage().at(best))
    }

    /// The number of the best block.
    pub async fn best_block(&self) -> Result<u64> {
        let header = chain_err(
            self.rpc.chain_get_header(None).await,
            "reading the best block",
        )?
        .ok_or_else(|| ChainError("the node has no best block".into()))?;
        Ok(u64::from(header.number))
    }

    /// Every event `contract` emitted in blocks `from..=to`, in order: the block, its
    /// timestamp (milliseconds), the event's topics and data. `progress` hears each block.
    pub async fn contract_events(
        &self,
        contract: &AccountId32,
        from: u64,
        to: u64,
        mut progress: impl FnMut(u64),
    ) -> Result<Vec<ContractEvent>> {
        let mut found = Vec::new();
        for number in from..=to {
            progress(number);
            let hash = chain_err(
                self.rpc.chain_get_block_hash(Some(number.into())).await,
                format!("reading block {number}"),
            )?
            .ok_or_else(|| ChainError(format!("the node has no block {number}")))?;
            let events = chain_err(
                self.client.events().at(hash).await,
                format!("reading the events of block {number}"),
            )?;
            let mut timestamp = None;
            for event in events.iter() {
                let event = chain_err(event, format!("decoding an event of block {number}"))?;
                if event.pallet_name() != "Contracts" || event.variant_name() != "ContractEmitted" {
                    continue;
                }
                // ContractEmitted { contract, data }.
                let (emitter, data) = chain_err(
                    <([u8; 32], Vec<u8>)>::decode(&mut event.field_bytes()),
                    "decoding a ContractEmitted event",
                )?;
                if emitter != contract.0 {
                    continue;
                }
                if timestamp.is_none() {
                    let now = subxt::dynamic::storage("Timestamp", "Now", Vec::<Value>::new());
                    let value = chain_err(
                        self.client.storage().at(hash).fetch(&now).await,
                        format!("reading the time of block {number}"),
                    )?;
                    timestamp = value.and_then(|v| u64::decode(&mut v.encoded()).ok());
                }
                found.push(ContractEvent {
                    block: number,
                    timestamp: timestamp.unwrap_or(0),
                    topics: event.topics().iter().map(|t| t.0).collect(),
                    data,
                });
            }
        }
        Ok(found)
    }

    /// The free balance of `account`.
    pub async fn free_balance(&self, account: &AccountId32) -> Result<u128> {
        let address =
            subxt::dynamic::storage("System", "Account", vec![Value::from_bytes(account.0)]);
        let at = self.best_storage().await?;
        let info = chain_err(
            at.fetch_or_default(&address).await,
            "reading System::Account",
        )?;
        let value = chain_err(info.to_value(), "decoding System::Account")?;
        Ok(value
            .at("data")
            .at("free")
            .and_then(|v| v.as_u128())
            .unwrap_or(0))
    }

    /// The next nonce of `account` (how many transactions it has sent).
    pub async fn nonce(&self, account: &AccountId32) -> Result<u64> {
        chain_err(
            self.rpc.system_account_next_index(account).await,
            "reading the account's nonce",
        )
    }

    /// The chain's token symbol and decimals, for printing amounts.
    pub async fn token(&self) -> (String, u32) {
        let properties = self.rpc.system_properties().await.unwrap_or_default();
        let symbol = properties
            .get("tokenSymbol")
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_else(|| "UNIT".to_string());
        let decimals = properties
            .get("tokenDecimals")
            .and_then(|v| v.as_u64())
            .unwrap_or(12) as u32;
        (symbol, decimals)
    }

    /// Whether code with this hash is stored on chain.
    pub async fn code_exists(&self, code_hash: [u8; 32]) -> Result<bool> {
        Ok(self
            .storage(
                ("Contracts", "PristineCode"),
                vec![Value::from_bytes(code_hash)],
            )
            .await?
            .is_some())
    }

    /// The code hash of the contract at `address`, or `None` when no contract lives there.
    pub async fn contract_code_hash(&self, address: &AccountId32) -> Result<Option<[u8; 32]>> {
        let Some(bytes) = self
            .storage(
                ("Contracts", "ContractInfoOf"),
                vec![Value::from_bytes(address.0)],
            )
            .await?
        else {
            return Ok(None);
        };
        // ContractInfo starts with the trie id (a byte vector) and then the code hash, in
        // every pallet-contracts version since the code hash moved into it.
        let decoded = <(Vec<u8>, [u8; 32])>::decode(&mut bytes.as_slice());
        let (_, code_hash) = chain_err(decoded, "decoding Contracts::ContractInfoOf")?;
        Ok(Some(code_hash))
    }

    async fn state_call<R: Decode>(&self, function: &str, request: impl Encode) -> Result<R> {
        let bytes = chain_err(
            self.rpc
                .state_call(function, Some(&request.encode()), None)
                .await,
            format!("calling {function}"),
        )?;
        chain_err(
            R::decode(&mut bytes.as_slice()),
            format!("decoding the answer of {function}"),
        )
    }

    /// A dispatch error in words: a pallet's error by its name and documentation from the
    /// chain's metadata (`Contracts::CodeRejected: ...`), any other by its kind.
    pub fn describe(&self, error: &DispatchError) -> String {
        if let DispatchError::Module { index, error: code } = error {
            let metadata = self.client.metadata();
            if let Some((pallet, variant)) = metadata.pallet_by_index(*index).and_then(|pallet| {
                pallet
                    .error_variant_by_index(code[0])
                    .map(|variant| (pallet.name().to_string(), variant))
            }) {
                let docs = variant.docs.join(" ");
                return format!("{pallet}::{}: {}", variant.name, docs.trim());
            }
        }
        format!("{error:?}")
    }

    /// Dry-runs uploading `code`: its storage deposit, or why the chain refuses it.
    pub async fn dry_run_upload(&self, origin: &AccountId32, code: Vec<u8>) -> Result<Estimate> {
        let result: CodeUploadResult = self
            .state_call(
                "ContractsApi_upload_code",
                UploadRequest {
                    origin: origin.0,
                    code,
                    storage_deposit_limit: None,
                    determinism: Determinism::Enforced,
                },
            )
            .await?;
        match result {
            Ok(uploaded) => Ok(Estimate {
                deposit: uploaded.deposit,
                ..Estimate::default()
            }),
            Err(error) => Err(ChainError(format!(
                "the chain refuses the code: {}",
                self.describe(&error)
            ))
            .into()),
        }
    }

    /// Dry-runs instantiating: the address the contract will get, and what it costs.
    pub async fn dry_run_instantiate(
        &self,
        origin: &AccountId32,
        code: Code,
        data: Vec<u8>,
        salt: Vec<u8>,
    ) -> Result<(AccountId32, Estimate)> {
        let result: ContractInstantiateResult = self
            .state_call(
                "ContractsApi_instantiate",
                InstantiateRequest {
                    origin: origin.0,
                    value: 0,
                    gas_limit: None,
                    storage_deposit_limit: None,
                    code,
                    data,
                    salt,
                },
            )
            .await?;
        let estimate = Estimate::new(result.gas_required, &result.storage_deposit);
        match result.result {
            Ok(value) if !value.result.did_revert() => {
                Ok((AccountId32(value.account_id), estimate))
            }
            Ok(_) => Err(ChainError("the constructor reverted in the dry run".into()).into()),
            Err(error) => Err(ChainError(format!(
                "the instantiation dry run failed: {}{}",
                self.describe(&error),
                debug_suffix(&result.debug_message)
            ))
            .into()),
        }
    }

    /// Dry-runs a contract message as `origin`.
    pub async fn dry_run_call(
        &self,
        origin: &AccountId32,
        contract: &AccountId32,
        data: Vec<u8>,
    ) -> Result<CallOutcome> {
        let result: ContractExecResult = self
            .state_call(
                "ContractsApi_call",
                CallRequest {
                    origin: origin.0,
                    dest: contract.0,
                    value: 0,
                    gas_limit: None,
                    storage_deposit_limit: None,
                    input_data: data,
                },
            )
            .await?;
        let estimate = Estimate::new(result.gas_required, &result.storage_deposit);
        match result.result {
            Ok(value) => Ok(CallOutcome {
                reverted: value.did_revert(),
                data: value.data,
                estimate,
            }),
            Err(error) => Err(ChainError(format!(
                "the call dry run failed: {}{}",
                self.describe(&error),
                debug_suffix(&result.debug_message)
            ))
            .into()),
        }
    }

    /// Signs and submits a `Contracts` pallet call; returns the number of the block that
    /// holds it once it is in the best block and succeeded.
    async fn submit(&self, signer: &Keypair, call: &str, fields: Vec<Value>) -> Result<u64> {
        let payload = subxt::dynamic::tx("Contracts", call, fields);
        // The nonce from the node's pool and best block: subxt's default reads it at the
        // finalized block, which a dev node reaches late ("Transaction is outdated").
        let account = AccountId32(signer.public_key().0);
        let nonce = chain_err(
            self.rpc.system_account_next_index(&account).await,
            "reading the signer's nonce",
        )?;
        let params = subxt::config::DefaultExtrinsicParamsBuilder::<PolkadotConfig>::new()
            .nonce(nonce)
            .build();
        let signed = chain_err(
            self.client
                .tx()
                .create_signed_offline(&payload, signer, params),
            format!("signing Contracts::{call}"),
        )?;
        let mut progress = chain_err(
            signed.submit_and_watch().await,
            format!("submitting Contracts::{call}"),
        )?;
        while let Some(status) = progress.next().await {
            match chain_err(status, format!("watching Contracts::{call}"))? {
                // A dev node seals instantly and may not finalise: the best block is what
                // ink_e2e and cargo-contract wait for too.
                TxStatus::InBestBlock(in_block) | TxStatus::InFinalizedBlock(in_block) => {
                    chain_err(
                        in_block.wait_for_success().await,
                        format!("Contracts::{call} failed on chain"),
                    )?;
                    let block = chain_err(
                        self.client.blocks().at(in_block.block_hash()).await,
                        "reading the block",
                    )?;
                    return Ok(u64::from(block.number()));
                }
                TxStatus::Error { message }
                | TxStatus::Invalid { message }
                | TxStatus::Dropped { message } => {
                    return Err(ChainError(format!(
                        "Contracts::{call} was not included: {message}"
                    ))
                    .into())
                }
                _ => continue,
            }
        }
        Err(ChainError(format!("the node stopped reporting on Contracts::{call}")).into())
    }

    /// Uploads `code`; returns its block.
    pub async fn upload(
        &self,
        signer: &Keypair,
        code: Vec<u8>,
        deposit_limit: u128,
    ) -> Result<u64> {
        self.submit(
            signer,
            "upload_code",
            vec![
                Value::from_bytes(code),
                some(deposit_limit),
                Value::unnamed_variant("Enforced", []),
            ],
        )
        .await
    }

    /// Instantiates code already on chain; returns the block.
    pub async fn instantiate(
        &self,
        signer: &Keypair,
        code_hash: [u8; 32],
        data: Vec<u8>,
        salt: Vec<u8>,
        estimate: &Estimate,
    ) -> Result<u64> {
        self.submit(
            signer,
            "instantiate",
            vec![
                Value::u128(0),
                weight(estimate),
                some(estimate.deposit),
                Value::from_bytes(code_hash),
                Value::from_bytes(data),
                Value::from_bytes(salt),
            ],
        )
        .await
    }

    /// Calls a contract message; returns the block.
    pub async fn call(
        &self,
        signer: &Keypair,
        contract: &AccountId32,
        data: Vec<u8>,
        estimate: &Estimate,
    ) -> Result<u64> {
        self.submit(
            signer,
            "call",
            vec![
                Value::unnamed_variant("Id", [Value::from_bytes(contract.0)]),
                Value::u128(0),
                weight(estimate),
                some(estimate.deposit),
                Value::from_bytes(data),
            ],
        )
        .await
    }
}

fn some(amount: u128) -> Value {
    Value::unnamed_variant("Some", [Value::u128(amount)])
}

fn weight(estimate: &Estimate) -> Value {
    Value::named_composite([
        ("ref_time", Value::u128(u128::from(estimate.ref_time))),
        ("proof_size", Value::u128(u128::from(estimate.proof_size))),
    ])
}

fn debug_suffix(message: &[u8]) -> String {
    if message.is_empty() {
        String::new()
    } else {
        format!(" ({})", String::from_utf8_lossy(message).trim())
    }
}

/// An amount in the chain's token, such as `1.25 UNIT`.
pub fn format_amount(amount: u128, (symbol, decimals): &(String, u32)) -> String {
    let unit = 10u128.saturating_pow(*decimals);
    let whole = amount / unit;
    let fraction = amount % unit;
    if fraction == 0 {
        return format!("{whole} {symbol}");
    }
    let digits = format!("{fraction:0width$}", width = *decimals as usize);
    format!("{whole}.{} {symbol}", digits.trim_end_matches('0'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_read_in_tokens() {
        let token = ("UNIT".to_string(), 12);
        assert_eq!(format_amount(0, &token), "0 UNIT");
        assert_eq!(format_amount(1_500_000_000_000, &token), "1.5 UNIT");
        assert_eq!(format_amount(42, &token), "0.000000000042 UNIT");
    }

    #[test]
    fn chain_errors_are_told_apart_from_input_errors() {
        let chain: anyhow::Error = ChainError("no node".into()).into();
        assert!(is_chain_error(&chain.context("deploying")));
        assert!(!is_chain_error(&anyhow::anyhow!("bad file")));
    }
}
