//! Helpers for driving the contracts on an ink_e2e backend: accounts, hashes, deployment,
//! consent, stocking a pharmacy, signed steps with their events, and refusals seen by dry
//! run.

use crate::{measure::Measurement, recording};
use consent_registry::consent_registry::{ConsentRegistry, ConsentRegistryRef};
use consent_registry::data::{
    ConsentId, ConsentInstruction, ConsentStatus, ListedConsent, Period, Provision, ProvisionType,
    RELAY_DOMAIN,
};
use drug_provenance::packing::{PackedCase, Packing};
use healthchain_common::{
    consent::{DataClasses, Purpose},
    relay::{signer::Pseudonym, Signature},
};
pub use healthchain_suite::Contract;
use ink::{
    env::DefaultEnvironment,
    primitives::{AccountId, Hash},
};
use ink_e2e::{CallBuilderFinal, ChainBackend, ContractsBackend, E2EBackend, Keypair};
use std::fmt::Debug;

pub type E2EResult<T> = Result<T, Box<dyn std::error::Error>>;
/// The error type of an e2e backend (sandbox or node); helpers need it printable.
pub type BackendError<Client> = <Client as ContractsBackend<DefaultEnvironment>>::Error;
pub type Registry = <ConsentRegistry as ink::codegen::ContractCallBuilder>::Type;

/// Far enough ahead of any chain's clock (milliseconds or, in the sandbox, seconds).
pub const FAR_FUTURE: u64 = u64::MAX / 2;

pub fn id(keypair: &Keypair) -> AccountId {
    AccountId::from(keypair.public_key().0)
}

/// The accounts of the six dev keypairs (alice is the admin in every test).
pub struct Accounts {
    pub alice: AccountId,
    pub bob: AccountId,
    pub charlie: AccountId,
    pub dave: AccountId,
    pub eve: AccountId,
    pub ferdie: AccountId,
}

pub fn accounts() -> Accounts {
    Accounts {
        alice: id(&ink_e2e::alice()),
        bob: id(&ink_e2e::bob()),
        charlie: id(&ink_e2e::charlie()),
        dave: id(&ink_e2e::dave()),
        eve: id(&ink_e2e::eve()),
        ferdie: id(&ink_e2e::ferdie()),
    }
}

pub fn hash(byte: u8) -> Hash {
    Hash::from([byte; 32])
}

/// The free balance of `account`.
pub async fn balance<Client>(client: &mut Scenario<Client>, account: AccountId) -> u128
where
    Client: E2EBackend + ChainBackend<Balance = u128>,
    <Client as ChainBackend>::AccountId: From<[u8; 32]>,
    <Client as ChainBackend>::Error: Debug,
{
    let account: [u8; 32] = *AsRef::<[u8; 32]>::as_ref(&account);
    client
        .free_balance(account.into())
        .await
        .expect("the chain answers a balance query")
}

/// Submits `message` if its dry run succeeds; otherwise returns the contract's refusal
/// without submitting (nothing changes on chain either way for a refusal). A dry run works
/// the same on the sandbox and on a node, where a reverted extrinsic is an error.
pub async fn submit_or_refusal<Client: E2EBackend, Args, T, E>(
    client: &mut Scenario<Client>,
    signer: &Keypair,
    message: &CallBuilderFinal<DefaultEnvironment, Args, Result<T, E>>,
) -> Result<T, E>
where
    Args: ink::scale::Encode + Clone + Send + Sync,
    Result<T, E>: ink::scale::Decode + Send,
    E: Debug,
    BackendError<Client>: Debug,
{
    let outcome = client
        .call(signer, message)
        .dry_run()
        .await
        .expect("dry run reaches the contract")
        .return_value();
    if outcome.is_ok() {
        let result = client
            .call(signer, message)
            .submit()
            .await
            .expect("a call whose dry run succeeded is accepted");
        client.log_cost(message, &result.dry_run.exec_result);
        result.return_value()
    } else {
        if client.narrating() {
            if let Err(error) = &outcome {
                println!("    refused, as it must be: {error:?}");
            }
        }
        outcome
    }
}

/// One run of scenarios on a backend: the ink_e2e client, plus what the helpers learn and
/// keep as they go (which account is which contract, what every submitted call cost, and
/// whether to narrate). It dereferences to the client, so `client.call(..)`,
/// `client.instantiate(..)` and the other ink_e2e calls work on it unchanged.
pub struct Scenario<Client> {
    client: Client,
    names: Vec<(AccountId, &'static str)>,
    costs: Vec<Measurement>,
    narrate: bool,
    /// The libraries uploaded so far (the admin library, contracts' own), by name.
    libraries: Vec<(&'static str, Hash)>,
}

impl<Client> Scenario<Client> {
    /// A quiet scenario on `client` with an empty cost log.
    pub fn new(client: Client) -> Self {
        Scenario {
            client,
            names: Vec::new(),
            costs: Vec::new(),
            narrate: false,
            libraries: Vec::new(),
        }
    }

    /// Whether [`step`] prints each call's gas and storage deposit, and refusals are
    /// printed (`healthchain demo` turns it on).
    pub fn narrated(mut self, on: bool) -> Self {
        self.narrate = on;
        self
    }

    pub fn narrating(&self) -> bool {
        self.narrate
    }

    /// The submitted calls and instantiations logged since the last call, oldest first,
    /// each with its contract's name (when these helpers deployed it) and its selector;
    /// the reader names the message from the contract's metadata.
    pub fn take_costs(&mut self) -> Vec<Measurement> {
        std::mem::take(&mut self.costs)
    }

    /// Remembers that `account` is the contract `name`, for the cost log.
    pub fn name_contract(&mut self, account: AccountId, name: &'static str) {
        self.names.push((account, name));
    }

    fn contract_name(&self, account: &AccountId) -> Option<&'static str> {
        self.names
            .iter()
            .find(|(a, _)| a == account)
            .map(|(_, name)| *name)
    }

    fn push_cost<R>(
        &mut self,
        contract: Option<&'static str>,
        selector: [u8; 4],
        result: &ink_sandbox::pallet_contracts::ContractResult<R, u128, ()>,
    ) {
        let mut logged = Measurement::of(contract.unwrap_or_default(), "", "", None, result);
        logged.selector = Some(selector);
        self.costs.push(logged);
    }

    /// Logs the cost of a submitted `message`.
    pub fn log_cost<Args: ink::scale::Encode + Clone, R, X>(
        &mut self,
        message: &CallBuilderFinal<DefaultEnvironment, Args, R>,
        result: &ink_sandbox::pallet_contracts::ContractResult<X, u128, ()>,
    ) {
        let params = message.clone().params();
        let input = ink::scale::Encode::encode(params.exec_input());
        let mut selector = [0u8; 4];
        selector.copy_from_slice(&input[..4]);
        let contract = self.contract_name(params.callee());
        self.push_cost(contract, selector, result);
    }

    /// Logs the cost of instantiating `name` (its constructor `new`) at `account`.
    pub fn log_instantiation<X>(
        &mut self,
        name: &'static str,
        account: AccountId,
        result: &ink_sandbox::pallet_contracts::ContractResult<X, u128, ()>,
    ) {
        self.name_contract(account, name);
        self.push_cost(Some(name), ink::selector_bytes!("new"), result);
    }
}

impl<Client> std::ops::Deref for Scenario<Client> {
    type Target = Client;
    fn deref(&self) -> &Client {
        &self.client
    }
}

impl<Client> std::ops::DerefMut for Scenario<Client> {
    fn deref_mut(&mut self) -> &mut Client {
        &mut self.client
    }
}

impl<Client: E2EBackend> Scenario<Client>
where
    BackendError<Client>: Debug,
{
    /// The code hash of the admin library (`access_library`), uploaded by `signer` the
    /// first time a contract needs it: every contract's constructor takes it.
    pub async fn admin_library(&mut self, signer: &Keypair) -> Hash {
        self.library(healthchain_suite::ADMIN_LIBRARY, signer).await
    }

    /// The code hash of `contract`'s own library ([`Contract::library`]), uploaded by
    /// `signer` the first time; its constructor takes it after the admin library's.
    pub async fn own_library(&mut self, contract: Contract, signer: &Keypair) -> Hash {
        self.library(contract.library(), signer).await
    }

    /// The code hash of library `name` (the admin library, or a contract's own
    /// [`Contract::library`]), uploaded by `signer` the first time a contract needs it.
    pub async fn library(&mut self, name: &'static str, signer: &Keypair) -> Hash {
        if let Some((_, hash)) = self.libraries.iter().find(|(n, _)| *n == name) {
            return *hash;
        }
        let uploaded = self
            .client
            .upload(name, signer)
            .submit()
            .await
            .unwrap_or_else(|e| panic!("{name} uploads: {e:?}"));
        self.libraries.push((name, uploaded.code_hash));
        uploaded.code_hash
    }
}

/// Deploys the consent registry with `admin` as admin.
pub async fn deploy_consent_registry<Client: E2EBackend>(
    client: &mut Scenario<Client>,
    admin: &Keypair,
) -> (AccountId, Registry)
where
    BackendError<Client>: Debug,
{
    let library = client.admin_library(admin).await;
    let own_library = client.own_library(Contract::ConsentRegistry, admin).await;
    let registry = client
        .instantiate(
            Contract::ConsentRegistry.name(),
            admin,
            &mut ConsentRegistryRef::new(Hash::from(CHAIN), CHANGE_DELAY, library, own_library),
        )
        .submit()
        .await
        .expect("consent_registry instantiates");
    client.log_instantiation(
        Contract::ConsentRegistry.name(),
        registry.account_id,
        &registry.dry_run.contract_result,
    );
    (
        registry.account_id,
        registry.call_builder::<ConsentRegistry>(),
    )
}

/// A permit for `purpose` of `classes` in `context`, from the epoch until far in the
/// future, with the signed form's hash `form`.
pub fn permit(
    purpose: Purpose,
    classes: DataClasses,
    context: Option<Hash>,
    form: Hash,
) -> Provision {
    Provision {
        kind: ProvisionType::Permit,
        purpose,
        data_classes: classes,
        period: Period {
            start: 0,
            end: Some(FAR_FUTURE),
        },
        context,
        consent_form: form,
    }
}

/// A restriction (deny provision) of `classes` for `purpose` in every context, with no
/// end.
pub fn restriction(purpose: Purpose, classes: DataClasses, form: Hash) -> Provision {
    Provision {
        kind: ProvisionType::Deny,
        period: Period {
            start: 0,
            end: None,
        },
        ..permit(purpose, classes, None, form)
    }
}

/// The outcome measures the scenarios' trials pre-register: HbA1c at 26 weeks (primary)
/// and body weight at 26 weeks (secondary), each named by the hash of its title.
pub fn registered_outcomes() -> Vec<trial_anchoring::data::Outcome> {
    use trial_anchoring::data::{Outcome, OutcomeRank};
    let measure = |title: &[u8]| Hash::from(healthchain_common::merkle::blake2_256(title));
    vec![
        Outcome {
            measure: measure(b"Change in HbA1c from baseline"),
            rank: OutcomeRank::Primary,
            time_frame_days: 182,
        },
        Outcome {
            measure: measure(b"Change in body weight from baseline"),
            rank: OutcomeRank::Secondary,
            time_frame_days: 182,
        },
    ]
}

/// The patient `signer` records `provision` about `grantee`; returns the consent's id.
pub async fn record_consent<Client: E2EBackend>(
    client: &mut Scenario<Client>,
    registry: &mut Registry,
    signer: &Keypair,
    grantee: AccountId,
    provision: Provision,
) -> Result<ConsentId, consent_registry::data::Error>
where
    BackendError<Client>: Debug,
{
    let message = registry.record_consent(id(signer), grantee, provision);
    submit_or_refusal(client, signer, &message).await
}

/// The patient `signer` grants `grantee` consent for `purpose` in `context`, covering
/// medications, claims and trial data, until far in the future; returns its id.
pub async fn grant_consent<Client: E2EBackend>(
    client: &mut Scenario<Client>,
    registry: &mut Registry,
    signer: &Keypair,
    grantee: AccountId,
    purpose: Purpose,
    context: Option<Hash>,
) -> Result<ConsentId, consent_registry::data::Error>
where
    BackendError<Client>: Debug,
{
    let classes = DataClasses::MEDICATIONS
        .union(DataClasses::CLAIMS)
        .union(DataClasses::TRIAL_DATA);
    let provision = permit(purpose, classes, context, hash(0xF0));
    record_consent(client, registry, signer, grantee, provision).await
}

/// `signer` (a patient's pseudonym, or its delegate's key) signs `instruction` for the
/// registry with its next nonce; `relayer` (a clinic) submits it and pays. Returns the
/// step and the signature, so a test can try it again.
pub async fn relay_consent<Client>(
    client: &mut Scenario<Client>,
    registry: &mut Registry,
    relayer: &Keypair,
    signer: &Pseudonym,
    instruction: ConsentInstruction,
    what: &str,
) -> (Step<()>, RelayedSignature)
where
    Client: E2EBackend,
    <Client as ContractsBackend<DefaultEnvironment>>::EventLog: EmittedEvents,
    BackendError<Client>: Debug,
{
    let account = signer.account();
    let (chain, nonce) = client
        .call(relayer, &registry.relay_nonce(account))
        .dry_run()
        .await
        .expect("the registry answers")
        .return_value();
    // The scenarios' clocks are the dev chain's: a deadline far ahead never lapses here
    // (the unit tests and the polkadot.js smoke test cover deadlines).
    let deadline = FAR_FUTURE;
    let signature = signer.sign_instruction(
        RELAY_DOMAIN,
        chain,
        ink::ToAccountId::to_account_id(registry),
        nonce,
        deadline,
        &instruction,
    );
    let message = registry.relay(instruction.clone(), account, nonce, deadline, signature);
    let done = step(client, relayer, &message, what).await;
    let signed = RelayedSignature {
        instruction,
        signer: account,
        nonce,
        deadline,
        signature,
    };
    (done, signed)
}

/// Submits `signed` again, as anyone could copy it from the chain, to `registry` (the one it
/// was signed for, or another); returns the registry's answer (a refusal changes nothing).
pub async fn resubmit<Client>(
    client: &mut Scenario<Client>,
    registry: &mut Registry,
    relayer: &Keypair,
    signed: &RelayedSignature,
) -> Result<(), consent_registry::data::Error>
where
    Client: E2EBackend,
    BackendError<Client>: Debug,
{
    let message = registry.relay(
        signed.instruction.clone(),
        signed.signer,
        signed.nonce,
        signed.deadline,
        signed.signature,
    );
    submit_or_refusal(client, relayer, &message).await
}

/// A relayed instruction as it was signed and submitted.
#[derive(Debug, Clone)]
pub struct RelayedSignature {
    pub instruction: ConsentInstruction,
    pub signer: AccountId,
    pub nonce: u64,
    pub deadline: u64,
    pub signature: Signature,
}

pub type Ledger =
    <drug_provenance::drug_provenance::DrugProvenance as ink::codegen::ContractCallBuilder>::Type;

/// The change delay the scenarios deploy with: none, so that the tests and the demo
/// propose and apply an upgrade or a rewiring in two calls (a production deployment sets
/// days: `healthchain deploy --change-delay`).
pub const CHANGE_DELAY: u64 = 0;

/// The chain id the scenarios' consent registry and trial_anchoring bind relayed
/// instructions to. `healthchain deploy` passes the chain's genesis hash; the scenarios,
/// which run on the sandbox and on throwaway dev nodes, use this fixed one, which their
/// pseudonyms sign for.
pub const CHAIN: [u8; 32] = *b"healthchain scenarios test chain";

/// The GTIN of the test product (a valid GTIN-14).
pub const GTIN: u64 = 10_012_345_678_902;
/// The test manufacturer's GS1 company prefix (7 digits, 0012345), which the GTIN is under.
pub const COMPANY_PREFIX: (u64, u8) = (12_345, 7);

/// The serial number at `index` of a test lot.
pub fn serial(index: usize) -> Vec<u8> {
    format!("SN{index:010}").into_bytes()
}

/// The secret of the scenarios' plans, which keys their procedure codes: the insurer
/// shares it with its network off chain.
pub const PLAN_SECRET: [u8; 32] = *b"scenarios plan secret, 32 bytes.";

/// A CPT / HCPCS code as the scenarios' fee schedules and claims carry it: keyed with
/// [`PLAN_SECRET`].
pub fn procedure(code: &[u8; 5]) -> claim_settlement::data::ServiceCode {
    claim_settlement::data::ServiceCode::procedure(&PLAN_SECRET, code).expect("a CPT code")
}

/// The salt of the pharmacy's commitment to the patient when it dispenses `serial`,
/// printed on the patient's receipt and put on the claim's drug line. A pharmacy draws
/// 32 random bytes; the scenarios derive them from the serial so that runs repeat.
pub fn receipt_salt(serial: &[u8]) -> [u8; 32] {
    healthchain_common::merkle::blake2_256(
        &[b"scenarios receipt salt: ".as_slice(), serial].concat(),
    )
}

/// What the pharmacy records when it dispenses `serial` to `patient`.
pub fn recipient(patient: AccountId, serial: &[u8]) -> Hash {
    healthchain_common::provenance::recipient_commitment(&patient, &receipt_salt(serial))
}

/// The serial leaves of a lot of `count` serials.
pub fn serial_leaves(count: usize) -> Vec<healthchain_common::merkle::Digest> {
    (0..count)
        .map(|i| healthchain_common::merkle::hash_leaf(&serial(i)))
        .collect()
}

/// The admin (alice) rewires claim_settlement's `callee` to `address`: proposed, then
/// applied at once (the scenarios deploy with no change delay).
pub async fn rewire_claims<Client: E2EBackend>(
    client: &mut Scenario<Client>,
    claims: &mut Claims,
    callee: claim_settlement::claim_settlement::Callee,
    address: AccountId,
) where
    BackendError<Client>: Debug,
{
    submit_or_refusal(
        client,
        &ink_e2e::alice(),
        &claims.propose_callee(callee, address),
    )
    .await
    .expect("the admin proposes the rewiring");
    submit_or_refusal(client, &ink_e2e::alice(), &claims.apply_callee())
        .await
        .expect("the admin applies the rewiring");
}

/// Deploys drug_provenance with `admin` as admin, registers `manufacturer` and
/// `pharmacy` (a dispenser), and licenses the manufacturer's company prefix
/// ([`COMPANY_PREFIX`], that of [`GTIN`]).
pub async fn deploy_drug_provenance<Client: E2EBackend>(
    client: &mut Scenario<Client>,
    admin: &Keypair,
    manufacturer: AccountId,
    pharmacy: AccountId,
) -> (AccountId, Ledger)
where
    BackendError<Client>: Debug,
{
    use healthchain_common::access::{AccessControlled, Role};
    let library = client.admin_library(admin).await;
    let own_library = client.own_library(Contract::DrugProvenance, admin).await;
    let ledger = client
        .instantiate(
            Contract::DrugProvenance.name(),
            admin,
            &mut drug_provenance::drug_provenance::DrugProvenanceRef::new(
                CHANGE_DELAY,
                library,
                own_library,
            ),
        )
        .submit()
        .await
        .expect("drug_provenance instantiates");
    let account = ledger.account_id;
    client.log_instantiation(
        Contract::DrugProvenance.name(),
        account,
        &ledger.dry_run.contract_result,
    );
    let mut ledger = ledger.call_builder::<drug_provenance::drug_provenance::DrugProvenance>();
    for (role, who) in [
        (Role::Manufacturer, manufacturer),
        (Role::Dispenser, pharmacy),
    ] {
        submit_or_refusal(client, admin, &ledger.grant_role(role, who))
            .await
            .expect("the admin registers the trading partner");
    }
    let (prefix, digits) = COMPANY_PREFIX;
    submit_or_refusal(
        client,
        admin,
        &ledger.license_company_prefix(prefix, digits, manufacturer),
    )
    .await
    .expect("the admin licenses the manufacturer's company prefix");
    (account, ledger)
}

/// A packing of lot `lot` of `serials` serials ([`serial`]): `cases` as (SSCC serial
/// reference, first serial, package count), on a pallet of reference `pallet` if given.
pub fn packed(
    lot: &[u8],
    serials: usize,
    cases: &[(u64, usize, usize)],
    pallet: Option<u64>,
) -> Packing {
    Packing {
        gtin: GTIN,
        lot: String::from_utf8(lot.to_vec()).expect("an ASCII lot number"),
        serials: (0..serials)
            .map(|i| String::from_utf8(serial(i)).expect("ASCII"))
            .collect(),
        cases: cases
            .iter()
            .map(|&(reference, first, count)| PackedCase {
                sscc: sscc(reference),
                first,
                count,
            })
            .collect(),
        pallet: pallet.map(sscc),
    }
}

/// How the scenarios pack a lot of `serials` serials: its first `quantity` serials in one
/// case, whose SSCC is derived from the lot number (one case per lot and ledger).
pub fn packing(lot: &[u8], serials: usize, quantity: u64) -> Packing {
    let digest = healthchain_common::merkle::blake2_256(lot);
    let reference = u64::from_be_bytes(digest[..8].try_into().expect("8 bytes")) % 1_000_000_000;
    packed(lot, serials, &[(reference, 0, quantity as usize)], None)
}

/// An SSCC of the scenarios' manufacturer (company prefix 0012345) with serial reference
/// `reference` (below 10^9).
pub fn sscc(reference: u64) -> drug_provenance::data::Sscc {
    drug_provenance::data::with_check_digit(300_123_450_000_000_000 / 10 + reference)
}

/// The date printed on the scenarios' packages (their lots expire at [`FAR_FUTURE`]).
pub fn printed_expiry() -> u32 {
    drug_provenance::data::printed_expiry(FAR_FUTURE)
}

/// A placeholder hash of DSCSA transaction information and statement for a shipment.
pub fn transaction_information(byte: u8) -> Hash {
    hash(byte)
}

/// The manufacturer commissions lot `lot` of `serials` serials (2-8 °C), packs `quantity`
/// of them into one case ([`packing`]) and ships it straight to the pharmacy, which
/// receives it and opens it. Returns the packing, from which packages are dispensed.
pub async fn stock_pharmacy<Client: E2EBackend>(
    client: &mut Scenario<Client>,
    ledger: &mut Ledger,
    manufacturer: &Keypair,
    pharmacy: &Keypair,
    lot: &[u8],
    serials: usize,
    quantity: u64,
) -> Packing
where
    BackendError<Client>: Debug,
{
    use drug_provenance::data::{Item, Level, Scan, ShipmentPurpose};
    let packing = packing(lot, serials, quantity);
    let root = packing.serial_root().expect("serials");
    let commission = ledger.commission_lot(
        GTIN,
        lot.to_vec(),
        FAR_FUTURE,
        quantity,
        root,
        serials as u64,
        200,
        800,
        hash(0xCA),
    );
    submit_or_refusal(client, manufacturer, &commission)
        .await
        .expect("the manufacturer commissions the lot");
    let case = packing.case(0).expect("one case");
    let pack = ledger.aggregate(
        GTIN,
        lot.to_vec(),
        case.sscc,
        Level::Case,
        case.contents,
        case.count,
        case.count,
        None,
    );
    submit_or_refusal(client, manufacturer, &pack)
        .await
        .expect("the manufacturer packs the case");
    let shipment = submit_or_refusal(
        client,
        manufacturer,
        &ledger.ship(
            id(pharmacy),
            vec![Item::Container(case.sscc)],
            ShipmentPurpose::Sale,
            transaction_information(0x71),
        ),
    )
    .await
    .expect("the manufacturer ships");
    submit_or_refusal(
        client,
        pharmacy,
        &ledger.receive(shipment, vec![Scan::Container(case.sscc)]),
    )
    .await
    .expect("the pharmacy receives");
    submit_or_refusal(client, pharmacy, &ledger.disaggregate(case.sscc, vec![]))
        .await
        .expect("the pharmacy opens the case");
    packing
}

/// The pharmacy dispenses serial `index` of a lot it stocked by [`stock_pharmacy`]
/// (`packing`) to `patient` (recording its commitment to the patient, [`recipient`]), out
/// of the opened case it stocked.
pub async fn dispense<Client: E2EBackend>(
    client: &mut Scenario<Client>,
    ledger: &mut Ledger,
    pharmacy: &Keypair,
    packing: &Packing,
    index: usize,
    patient: AccountId,
) -> Result<(), drug_provenance::data::Error>
where
    BackendError<Client>: Debug,
{
    // Named with its case: a package that moved on its own since (a clone of a dispensed
    // one, say) is refused (`LeftContainer`, `AlreadyDispensed`).
    let package = packing.package(index, true).expect("in range");
    let message = ledger.dispense(
        package,
        printed_expiry(),
        recipient(patient, &serial(index)),
    );
    submit_or_refusal(client, pharmacy, &message).await
}

/// Container `sscc`'s record, read by dry run (anyone may ask); it must have one.
pub async fn container<Client: E2EBackend>(
    client: &mut Scenario<Client>,
    ledger: &Ledger,
    sscc: drug_provenance::data::Sscc,
) -> drug_provenance::data::Container
where
    BackendError<Client>: Debug,
{
    client
        .call(&ink_e2e::alice(), &ledger.container(sscc))
        .dry_run()
        .await
        .expect("the container dry-runs")
        .return_value()
        .expect("the container has a record")
}

pub type Trials =
    <trial_anchoring::trial_anchoring::TrialAnchoring as ink::codegen::ContractCallBuilder>::Type;
pub type Claims = <claim_settlement::claim_settlement::ClaimSettlement as ink::codegen::ContractCallBuilder>::Type;

/// eve, the insurer, pays `amount` into her escrow (which pays what waits for it first).
pub async fn eve_deposits<Client: E2EBackend>(
    client: &mut Scenario<Client>,
    claims: &mut Claims,
    amount: u128,
) where
    BackendError<Client>: Debug,
{
    client
        .call(&ink_e2e::eve(), &claims.deposit())
        .value(amount)
        .submit()
        .await
        .expect("eve deposits")
        .return_value()
        .expect("eve's deposit is accepted");
}

/// A participant's live status in a trial, read by dry run (anyone may ask).
pub async fn participant_status<Client: E2EBackend>(
    client: &mut Scenario<Client>,
    trials: &Trials,
    trial: u64,
    participant: AccountId,
) -> trial_anchoring::data::ParticipantStatus
where
    BackendError<Client>: Debug,
{
    client
        .call(
            &ink_e2e::alice(),
            &trials.participant_status(trial, participant),
        )
        .dry_run()
        .await
        .expect("status dry-runs")
        .return_value()
}

/// eve's plan (eve holds the Insurer role) under `law`, with the timely filing limit
/// `filing_limit_days`, no cost sharing, each of `fees` covered at its allowed amount per
/// unit with a copay (of 0), and ferdie enrolled for all time. Returns the plan id.
pub async fn eve_plan<Client: E2EBackend>(
    client: &mut Scenario<Client>,
    claims: &mut Claims,
    law: claim_settlement::data::PaymentConsent,
    filing_limit_days: Option<u16>,
    fees: Vec<(claim_settlement::data::ServiceCode, u128)>,
) -> claim_settlement::data::PlanId
where
    BackendError<Client>: Debug,
{
    use claim_settlement::data::{CostShare, CostSharing, FeeScheduleEntry};
    let eve = ink_e2e::eve();
    let none = CostSharing {
        deductible: 0,
        copay: 0,
        coinsurance_bps: 0,
        out_of_pocket_max: 0,
    };
    let create = claims.create_plan(none, law, filing_limit_days, 0, FAR_FUTURE);
    let plan = submit_or_refusal(client, &eve, &create)
        .await
        .expect("eve creates the plan");
    let changes = fees
        .into_iter()
        .map(|(code, allowed_per_unit)| {
            let entry = FeeScheduleEntry {
                allowed_per_unit,
                cost_share: CostShare::Copay,
                requires_authorization: false,
                package_units: 0,
                max_days_supply: 0,
            };
            (code, Some(entry))
        })
        .collect();
    submit_or_refusal(client, &eve, &claims.update_fee_schedule(plan, changes))
        .await
        .expect("eve sets the fee schedule");
    let ferdie = accounts().ferdie;
    submit_or_refusal(
        client,
        &eve,
        &claims.enrol_member(plan, ferdie, 0, FAR_FUTURE),
    )
    .await
    .expect("eve enrols ferdie");
    plan
}

/// Deploys trial_anchoring with `admin` as admin, wired to the registry at `registry`.
pub async fn deploy_trial_anchoring<Client: E2EBackend>(
    client: &mut Scenario<Client>,
    admin: &Keypair,
    registry: AccountId,
) -> Trials
where
    BackendError<Client>: Debug,
{
    let library = client.admin_library(admin).await;
    let own_library = client.own_library(Contract::TrialAnchoring, admin).await;
    let trials = client
        .instantiate(
            Contract::TrialAnchoring.name(),
            admin,
            &mut trial_anchoring::trial_anchoring::TrialAnchoringRef::new(
                registry,
                Hash::from(CHAIN),
                CHANGE_DELAY,
                library,
                own_library,
            ),
        )
        .submit()
        .await
        .expect("trial_anchoring instantiates");
    client.log_instantiation(
        Contract::TrialAnchoring.name(),
        trials.account_id,
        &trials.dry_run.contract_result,
    );
    trials.call_builder::<trial_anchoring::trial_anchoring::TrialAnchoring>()
}

/// Deploys claim_settlement with `admin` as admin, wired to the registry and ledger.
pub async fn deploy_claim_settlement<Client: E2EBackend>(
    client: &mut Scenario<Client>,
    admin: &Keypair,
    registry: AccountId,
    ledger: AccountId,
) -> Claims
where
    BackendError<Client>: Debug,
{
    let library = client.admin_library(admin).await;
    let own_library = client.own_library(Contract::ClaimSettlement, admin).await;
    let claims = client
        .instantiate(
            Contract::ClaimSettlement.name(),
            admin,
            &mut claim_settlement::claim_settlement::ClaimSettlementRef::new(
                registry,
                ledger,
                Hash::from(CHAIN),
                CHANGE_DELAY,
                library,
                own_library,
            ),
        )
        .submit()
        .await
        .expect("claim_settlement instantiates");
    client.log_instantiation(
        Contract::ClaimSettlement.name(),
        claims.account_id,
        &claims.dry_run.contract_result,
    );
    claims.call_builder::<claim_settlement::claim_settlement::ClaimSettlement>()
}

/// The events a submitted call emitted, whatever the backend: the node's extrinsic events,
/// or what [`recording::RecordingSandbox`] kept on the sandbox.
pub trait EmittedEvents {
    fn emitted(&self) -> Vec<recording::Emitted>;
    /// The transaction fee (with tip) the signer paid: 0 on the sandbox, which calls
    /// contracts without transactions.
    fn fee_paid(&self) -> u128;
}

/// The sandbox's call results carry `()`: the recorder has the events.
impl EmittedEvents for () {
    fn emitted(&self) -> Vec<recording::Emitted> {
        recording::take_emitted()
    }

    fn fee_paid(&self) -> u128 {
        0
    }
}

impl<C: ink_e2e::subxt::Config> EmittedEvents for ink_e2e::subxt::blocks::ExtrinsicEvents<C> {
    fn emitted(&self) -> Vec<recording::Emitted> {
        self.iter()
            .filter_map(Result::ok)
            .filter_map(|event| {
                let topics = event
                    .topics()
                    .iter()
                    .filter_map(|t| <[u8; 32]>::try_from(t.as_ref()).ok())
                    .collect();
                let emitted = event
                    .as_event::<ink_e2e::events::ContractEmitted<DefaultEnvironment>>()
                    .ok()
                    .flatten()?;
                Some(recording::Emitted {
                    contract: emitted.contract,
                    topics,
                    data: emitted.data,
                })
            })
            .collect()
    }

    fn fee_paid(&self) -> u128 {
        self.iter()
            .filter_map(Result::ok)
            .filter(|event| {
                event.pallet_name() == "TransactionPayment"
                    && event.variant_name() == "TransactionFeePaid"
            })
            .filter_map(|event| event.field_values().ok())
            .map(|fields| {
                fields
                    .values()
                    .skip(1) // who
                    .filter_map(|value| value.as_u128())
                    .sum::<u128>() // actual_fee + tip
            })
            .sum()
    }
}

/// The events of type `E` that `contract` emitted, decoded, with their topics after the
/// signature topic. An anonymous `E` (a contract's one event without topics) is the
/// contract's events that have none.
pub fn events_of<E: ink::env::Event + ink::scale::Decode>(
    emitted: &[recording::Emitted],
    contract: AccountId,
) -> Vec<(E, Vec<[u8; 32]>)> {
    let signature = E::SIGNATURE_TOPIC;
    emitted
        .iter()
        .filter(|e| e.contract == contract && e.topics.first() == signature.as_ref())
        .map(|e| {
            let event = E::decode(&mut &e.data[..]).expect("the event decodes");
            let rest = e.topics.iter().skip(usize::from(signature.is_some()));
            (event, rest.copied().collect())
        })
        .collect()
}

/// The one event of type `E` that `contract` emitted; fails the test otherwise.
pub fn the_event<E: ink::env::Event + ink::scale::Decode>(
    emitted: &[recording::Emitted],
    contract: AccountId,
) -> E {
    let mut found = events_of::<E>(emitted, contract);
    assert_eq!(
        found.len(),
        1,
        "expected one {} event from {contract:?}",
        core::any::type_name::<E>()
    );
    found.remove(0).0
}

/// What a submitted step gave: its value, its events and the storage deposit it charged
/// the signer.
pub struct Step<T> {
    pub value: T,
    pub events: Vec<recording::Emitted>,
    pub deposit: u128,
    /// The transaction fee the signer paid (0 on the sandbox).
    pub fee: u128,
}

/// Submits `message` signed by `signer`; the contract must accept it (`what` says what it
/// is, for the failure message). Returns its value, events and storage deposit.
pub async fn step<Client, Args, T, E>(
    client: &mut Scenario<Client>,
    signer: &Keypair,
    message: &CallBuilderFinal<DefaultEnvironment, Args, Result<T, E>>,
    what: &str,
) -> Step<T>
where
    Client: E2EBackend,
    <Client as ContractsBackend<DefaultEnvironment>>::EventLog: EmittedEvents,
    Args: ink::scale::Encode + Clone + Send + Sync,
    Result<T, E>: ink::scale::Decode + Send,
    E: Debug,
    BackendError<Client>: Debug,
{
    // Anything recorded before belongs to earlier calls.
    recording::take_emitted();
    let refusal = client
        .call(signer, message)
        .dry_run()
        .await
        .expect("dry run reaches the contract")
        .return_value();
    if let Err(error) = refusal {
        panic!("{what}: refused with {error:?}");
    }
    let result = client
        .call(signer, message)
        .submit()
        .await
        .unwrap_or_else(|error| panic!("{what}: not accepted: {error:?}"));
    client.log_cost(message, &result.dry_run.exec_result);
    let deposit = result.dry_run.exec_result.storage_deposit.charge_or_zero();
    if client.narrating() {
        let gas = result.dry_run.exec_result.gas_consumed;
        println!(
            "    {what}: gas {} ref_time / {} proof_size, storage deposit {deposit}",
            gas.ref_time(),
            gas.proof_size()
        );
    }
    let events = result.events.emitted();
    let fee = result.events.fee_paid();
    let value = match result.return_value() {
        Ok(value) => value,
        Err(error) => panic!("{what}: refused with {error:?}"),
    };
    Step {
        value,
        events,
        deposit,
        fee,
    }
}

/// `patient`'s latest current consent about `grantee` for `purpose`, as its wallet lists
/// it (`active_consents`).
pub async fn current_consent<Client: E2EBackend>(
    client: &mut Scenario<Client>,
    registry: &Registry,
    patient: AccountId,
    grantee: AccountId,
    purpose: Purpose,
) -> ListedConsent
where
    BackendError<Client>: Debug,
{
    client
        .call(&ink_e2e::alice(), &registry.active_consents(patient))
        .dry_run()
        .await
        .expect("the registry answers")
        .return_value()
        .into_iter()
        .rev()
        .find(|listed| {
            listed.consent.grantee == grantee && listed.consent.provision.purpose == purpose
        })
        .expect("a current consent exists")
}

/// The patient `signer` revokes its latest current consent about `grantee` for `purpose`
/// (`set_consent_status` to `Inactive`).
pub async fn revoke_consent<Client: E2EBackend>(
    client: &mut Scenario<Client>,
    registry: &mut Registry,
    signer: &Keypair,
    grantee: AccountId,
    purpose: Purpose,
) -> Result<(), consent_registry::data::Error>
where
    BackendError<Client>: Debug,
{
    let listed = current_consent(client, registry, id(signer), grantee, purpose).await;
    let message = registry.set_consent_status(id(signer), listed.id, ConsentStatus::Inactive);
    submit_or_refusal(client, signer, &message).await
}

/// When the registry recorded `patient`'s current consent to `grantee` for `purpose`: the
/// chain's clock as contracts see it (the sandbox's clock stands still, so claims are
/// dated at it).
pub async fn granted_at<Client: E2EBackend>(
    client: &mut Scenario<Client>,
    registry: &Registry,
    patient: AccountId,
    grantee: AccountId,
    purpose: Purpose,
) -> u64
where
    BackendError<Client>: Debug,
{
    current_consent(client, registry, patient, grantee, purpose)
        .await
        .consent
        .recorded_at
}
