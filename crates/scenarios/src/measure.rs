//! Gas, proof size and storage deposit of the contracts' main messages, and how they
//! scale: the scenarios behind `make bench` (on release builds) and the gas tests (on
//! the debug builds ink_e2e makes). Each scenario deploys what it needs on a fresh
//! backend and measures by dry run, which on the sandbox is deterministic.

use crate::support::{self, BackendError, Scenario};
use consent_registry::data::ConsentStatus;
use drug_provenance::{
    data::{Item, Level, QuarantineReason, Scan, ShipmentPurpose, Target},
    packing::Packing,
};
use healthchain_common::{
    access::{AccessControlled, Role},
    consent::{research_context, ConsentCheck, DataClasses, Purpose},
    merkle::{self, hash_leaf},
};
use healthchain_suite::Contract;
use ink::{env::DefaultEnvironment, primitives::Hash};
use ink_e2e::{CallDryRunResult, ChainBackend, E2EBackend};
use std::fmt::Debug;

/// One measured call or instantiation: the scenarios' measurements, the cost log of a
/// [`Scenario`](crate::support::Scenario), and the rows `make bench` writes.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Measurement {
    /// The contract's name ("" when the account was not deployed by these helpers).
    pub contract: String,
    /// The message's label ("" in a cost log until the reader names it from `selector`).
    pub message: String,
    /// The selector called (the constructor's, for an instantiation), when it was logged.
    #[serde(skip)]
    pub selector: Option<[u8; 4]>,
    /// What the call was, in words ("first grant", "2^20 serials").
    pub case: String,
    /// The size of a series point (grants stored, serials, leaves, claim lines).
    pub size: Option<u64>,
    pub ref_time: u64,
    pub proof_size: u64,
    /// Storage deposit charged to the caller.
    pub deposit: u128,
    /// Storage deposit refunded to the caller.
    pub refund: u128,
}

impl Measurement {
    /// The measurement of a pallet-contracts result (a dry run's, or a submitted call's).
    pub fn of<R>(
        contract: &str,
        message: &str,
        case: impl Into<String>,
        size: Option<u64>,
        result: &ink_sandbox::pallet_contracts::ContractResult<R, u128, ()>,
    ) -> Self {
        let (deposit, refund) = match result.storage_deposit {
            ink_sandbox::pallet_contracts::StorageDeposit::Charge(amount) => (amount, 0),
            ink_sandbox::pallet_contracts::StorageDeposit::Refund(amount) => (0, amount),
        };
        Measurement {
            contract: contract.to_string(),
            message: message.to_string(),
            selector: None,
            case: case.into(),
            size,
            ref_time: result.gas_consumed.ref_time(),
            proof_size: result.gas_consumed.proof_size(),
            deposit,
            refund,
        }
    }
}

/// The measurement of a dry run.
pub fn measured<V>(
    contract: &'static str,
    message: &'static str,
    case: impl Into<String>,
    size: Option<u64>,
    dry_run: &CallDryRunResult<DefaultEnvironment, V>,
) -> Measurement {
    Measurement::of(contract, message, case, size, &dry_run.exec_result)
}

/// Dry-runs `$message` signed by `$signer`, records it as the typical call of `$label`,
/// checks the contract accepted it, and hands the message back (to submit if wanted).
macro_rules! typical {
    ($client:expr, $out:expr, $signer:expr, $contract:expr, $label:expr, $message:expr) => {{
        let message = $message;
        let dry = $client
            .call(&$signer, &message)
            .dry_run()
            .await
            .expect("dry run");
        $out.push(measured($contract, $label, "typical", None, &dry));
        let answer = dry.return_value();
        assert!(
            answer.is_ok(),
            "{} {}: refused with {:?}",
            $contract,
            $label,
            answer
        );
        message
    }};
}

/// The admin, role, pause and upgrade messages of one contract, as its admin (alice) and
/// `$holder` (who holds `$role`) send them; the contract ends unpaused, alice its admin.
macro_rules! access_costs {
    ($client:expr, $out:expr, $contract:expr, $builder:expr, $holder:expr, $role:expr) => {{
        let alice = ink_e2e::alice();
        let holder = $holder;
        let holder_id = support::id(&holder);
        typical!(
            $client,
            $out,
            alice,
            $contract,
            "AccessControlled::revoke_role",
            $builder.revoke_role($role, holder_id)
        );
        typical!(
            $client,
            $out,
            holder,
            $contract,
            "AccessControlled::renounce_role",
            $builder.renounce_role($role)
        );
        let pause = typical!(
            $client,
            $out,
            alice,
            $contract,
            "AccessControlled::pause",
            $builder.pause()
        );
        $client.call(&alice, &pause).submit().await.expect("paused");
        let unpause = typical!(
            $client,
            $out,
            alice,
            $contract,
            "AccessControlled::unpause",
            $builder.unpause()
        );
        $client
            .call(&alice, &unpause)
            .submit()
            .await
            .expect("unpaused");
        let charlie = ink_e2e::charlie();
        let transfer = typical!(
            $client,
            $out,
            alice,
            $contract,
            "AccessControlled::transfer_admin",
            $builder.transfer_admin(support::id(&charlie))
        );
        $client
            .call(&alice, &transfer)
            .submit()
            .await
            .expect("proposed");
        typical!(
            $client,
            $out,
            charlie,
            $contract,
            "AccessControlled::accept_admin",
            $builder.accept_admin()
        );
        let code_hash = $client
            .upload($contract, &alice)
            .submit()
            .await
            .expect("the code is on chain")
            .code_hash;
        let propose = typical!(
            $client,
            $out,
            alice,
            $contract,
            "AccessControlled::propose_code",
            $builder.propose_code(code_hash, None)
        );
        $client
            .call(&alice, &propose)
            .submit()
            .await
            .expect("the upgrade is proposed");
        typical!(
            $client,
            $out,
            alice,
            $contract,
            "AccessControlled::apply_code",
            $builder.apply_code()
        );
        let cancel = typical!(
            $client,
            $out,
            alice,
            $contract,
            "AccessControlled::cancel_change",
            $builder.cancel_change()
        );
        $client
            .call(&alice, &cancel)
            .submit()
            .await
            .expect("the upgrade is withdrawn");
    }};
}

/// The case of `is_authorized` asked about a patient whose index is full: the most one
/// check decodes, measured beside the series of grants stored.
pub const FULL_INDEX: &str = "the patient's index full (32 consents)";

/// consent_registry: a grant (first and replacing), a revocation, and `is_authorized`
/// with each of `grants_stored` grants in the registry (made by patients of at most 32
/// grants each, the per-patient limit). Each point asks about a patient with one grant,
/// so that only the registry's size varies; a check against a patient's full index (32
/// consents, what one check may decode at most) is measured beside the series.
pub async fn consent<Client>(
    client: &mut Scenario<Client>,
    grants_stored: &[usize],
) -> Vec<Measurement>
where
    Client: E2EBackend + ChainBackend<Balance = u128>,
    BackendError<Client>: Debug,
    <Client as ChainBackend>::Error: Debug,
{
    const C: &str = Contract::ConsentRegistry.name();
    let mut out = Vec::new();
    let (_, mut registry) = support::deploy_consent_registry(client, &ink_e2e::alice()).await;
    let (bob, charlie) = (
        support::id(&ink_e2e::bob()),
        support::id(&ink_e2e::charlie()),
    );
    let grant = registry.record_consent(
        bob,
        charlie,
        support::permit(
            Purpose::Payment,
            DataClasses::CLAIMS,
            None,
            Hash::from([0xF0; 32]),
        ),
    );
    let dry = client
        .call(&ink_e2e::bob(), &grant)
        .dry_run()
        .await
        .expect("dry run");
    out.push(measured(C, "record_consent", "first grant", None, &dry));
    let first = client
        .call(&ink_e2e::bob(), &grant)
        .submit()
        .await
        .expect("grant")
        .return_value()
        .expect("recorded");
    let dry = client
        .call(&ink_e2e::bob(), &grant)
        .dry_run()
        .await
        .expect("dry run");
    out.push(measured(
        C,
        "record_consent",
        "a second for the same grantee",
        None,
        &dry,
    ));
    let revoke = registry.set_consent_status(bob, first, ConsentStatus::Inactive);
    let dry = client
        .call(&ink_e2e::bob(), &revoke)
        .dry_run()
        .await
        .expect("dry run");
    out.push(measured(C, "set_consent_status", "revoke", None, &dry));
    let (dave, eve, ferdie) = (
        support::id(&ink_e2e::dave()),
        support::id(&ink_e2e::eve()),
        support::id(&ink_e2e::ferdie()),
    );
    typical!(
        client,
        out,
        ink_e2e::charlie(),
        C,
        "record_access",
        registry.record_access(bob, Purpose::Payment, None, DataClasses::CLAIMS)
    );
    let appoint = typical!(
        client,
        out,
        ink_e2e::bob(),
        C,
        "appoint_delegate",
        registry.appoint_delegate(bob, dave, support::FAR_FUTURE)
    );
    client
        .call(&ink_e2e::bob(), &appoint)
        .submit()
        .await
        .expect("delegate");
    typical!(
        client,
        out,
        ink_e2e::bob(),
        C,
        "remove_delegate",
        registry.remove_delegate(bob, dave)
    );
    typical!(
        client,
        out,
        ink_e2e::alice(),
        C,
        "register_guardian",
        registry.register_guardian(eve, ferdie, support::FAR_FUTURE)
    );
    client
        .call(
            &ink_e2e::alice(),
            &registry.grant_role(Role::EmergencyResponder, ferdie),
        )
        .submit()
        .await
        .expect("responder");
    access_costs!(
        client,
        out,
        C,
        registry,
        ink_e2e::ferdie(),
        Role::EmergencyResponder
    );

    // Fill the registry: patients of 32 grants each, to 32 grantees.
    let grantees: Vec<_> = (0..32u8)
        .map(|i| ink::primitives::AccountId::from([0x40 + i; 32]))
        .collect();
    // Four times what a first grant needs: a patient's 32nd grant reads and writes a record
    // of 31 consents (the sandbox's ink_e2e submit leaves only 5% spare).
    let gas_limit = {
        let required = client
            .call(&ink_e2e::bob(), &grant)
            .dry_run()
            .await
            .expect("dry run")
            .exec_result
            .gas_required;
        ink_sandbox::Weight::from_parts(required.ref_time() * 4, required.proof_size() * 4)
    };
    let mut stored = 1usize; // bob's grant
    let started = std::time::Instant::now();
    // Ask about a patient with one grant: bob's at first, then a new patient's, whose one
    // grant is the point's last.
    let mut asked = (bob, charlie, Purpose::Payment, DataClasses::CLAIMS);
    // A patient with a full index, and the grantee of its last consent.
    let mut full = None;
    for &target in grants_stored {
        while stored < target {
            let patient = client
                .create_and_fund_account(&ink_e2e::alice(), 1_000_000_000_000_000)
                .await;
            let patient_id = support::id(&patient);
            let grants = if stored + 1 == target {
                1
            } else {
                (target - 1 - stored).min(32)
            };
            if grants == 32 && full.is_none() {
                full = grantees.last().map(|grantee| (patient_id, *grantee));
            }
            for grantee in grantees.iter().take(grants) {
                let grant = registry.record_consent(
                    patient_id,
                    *grantee,
                    support::permit(
                        Purpose::Treatment,
                        DataClasses::MEDICATIONS,
                        None,
                        Hash::from([0xF1; 32]),
                    ),
                );
                // Straight to the chain with a fixed gas limit: a dry run per grant would
                // copy the whole (growing) sandbox state each time.
                client
                    .bare_call(&patient, &grant, 0, gas_limit, None)
                    .await
                    .expect("a patient grants consent");
                stored += 1;
                asked = (
                    patient_id,
                    *grantee,
                    Purpose::Treatment,
                    DataClasses::MEDICATIONS,
                );
                if stored % 1_000 == 0 {
                    eprintln!(
                        "measure: {stored} of {} grants stored ({:.0} s)",
                        grants_stored.iter().max().unwrap_or(&0),
                        started.elapsed().as_secs_f64()
                    );
                }
            }
        }
        // Asked for the classes the grant covers, so the answer is the full check.
        let (patient, grantee, purpose, classes) = asked;
        let ask = registry.is_authorized(patient, grantee, purpose, None, classes);
        let dry = client
            .call(&ink_e2e::ferdie(), &ask)
            .dry_run()
            .await
            .expect("dry run");
        out.push(measured(
            C,
            "is_authorized",
            format!("{target} grants stored"),
            Some(target as u64),
            &dry,
        ));
        assert!(dry.return_value().is_permitted(), "the grant authorises");
    }
    if let Some((patient, grantee)) = full {
        let ask = registry.is_authorized(
            patient,
            grantee,
            Purpose::Treatment,
            None,
            DataClasses::MEDICATIONS,
        );
        let dry = client
            .call(&ink_e2e::ferdie(), &ask)
            .dry_run()
            .await
            .expect("dry run");
        out.push(measured(C, "is_authorized", FULL_INDEX, None, &dry));
        assert!(dry.return_value().is_permitted(), "the grant authorises");
    }
    out
}

/// drug_provenance: commissioning, shipping, receiving, and `verify_unit` and `dispense`
/// in lots of 2^`bits` serials each.
pub async fn provenance<Client>(client: &mut Scenario<Client>, bits: &[u32]) -> Vec<Measurement>
where
    Client: E2EBackend,
    BackendError<Client>: Debug,
{
    const C: &str = Contract::DrugProvenance.name();
    let mut out = Vec::new();
    let (dave, ferdie) = (
        support::id(&ink_e2e::dave()),
        support::id(&ink_e2e::ferdie()),
    );
    let (_, mut ledger) = support::deploy_drug_provenance(
        client,
        &ink_e2e::alice(),
        support::id(&ink_e2e::bob()),
        dave,
    )
    .await;
    for &bits in bits {
        let count = 1usize << bits;
        let lot = format!("LOT-2^{bits}").into_bytes();
        let leaves = support::serial_leaves(count);
        let root = merkle::root(&leaves).expect("a tree");
        let commission = ledger.commission_lot(
            support::GTIN,
            lot.clone(),
            support::FAR_FUTURE,
            16,
            root,
            count as u64,
            200,
            800,
            Hash::from([1; 32]),
        );
        let dry = client
            .call(&ink_e2e::bob(), &commission)
            .dry_run()
            .await
            .expect("dry run");
        out.push(measured(
            C,
            "commission_lot",
            format!("2^{bits} serials"),
            Some(count as u64),
            &dry,
        ));
        client
            .call(&ink_e2e::bob(), &commission)
            .submit()
            .await
            .expect("commission");
        // A pallet of two cases of two packages each, from the middle of the lot: one
        // write however many packages a pallet holds.
        let packing = lot_packing(&lot, count, bits);
        let pallet = packing.pallet.expect("a pallet");
        let pack = ledger.aggregate(
            support::GTIN,
            lot.clone(),
            pallet,
            Level::Pallet,
            packing.pallet_contents().expect("cases"),
            2,
            packing.units(),
            None,
        );
        measure_and_submit(
            client,
            &mut out,
            &ink_e2e::bob(),
            &pack,
            "aggregate",
            bits,
            count,
        )
        .await
        .expect("packed");
        let ship = ledger.ship(
            dave,
            vec![Item::Container(pallet)],
            ShipmentPurpose::Sale,
            Hash::from([0x71; 32]),
        );
        let shipment = measure_and_submit(
            client,
            &mut out,
            &ink_e2e::bob(),
            &ship,
            "ship",
            bits,
            count,
        )
        .await
        .expect("shipped");
        let receive = ledger.receive(shipment, vec![Scan::Container(pallet)]);
        measure_and_submit(
            client,
            &mut out,
            &ink_e2e::dave(),
            &receive,
            "receive",
            bits,
            count,
        )
        .await
        .expect("received");
        let open = ledger.disaggregate(pallet, packing.case_specs());
        measure_and_submit(
            client,
            &mut out,
            &ink_e2e::dave(),
            &open,
            "disaggregate",
            bits,
            count,
        )
        .await
        .expect("opened");
        let first_case = packing.case(0).expect("a case").sscc;
        client
            .call(&ink_e2e::dave(), &ledger.disaggregate(first_case, vec![]))
            .submit()
            .await
            .expect("case opened");

        let index = count / 2 + 1;
        let proof = merkle::proof(&leaves, index).expect("a proof");
        let trace = ledger.trace(
            support::GTIN,
            lot.clone(),
            support::serial(index),
            index as u64,
            proof.clone(),
            packing.path(index).expect("a path"),
        );
        let dry = client
            .call(&ink_e2e::ferdie(), &trace)
            .dry_run()
            .await
            .expect("dry run");
        out.push(measured(
            C,
            "trace",
            format!("2^{bits} serials"),
            Some(count as u64),
            &dry,
        ));
        assert!(dry.return_value().is_ok(), "the package is traced");
        let verify = ledger.verify_unit(
            support::GTIN,
            lot.clone(),
            support::serial(index),
            support::printed_expiry(),
            index as u64,
            proof.clone(),
        );
        let dry = client
            .call(&ink_e2e::ferdie(), &verify)
            .dry_run()
            .await
            .expect("dry run");
        out.push(measured(
            C,
            "verify_unit",
            format!("2^{bits} serials"),
            Some(count as u64),
            &dry,
        ));
        let dispense = ledger.dispense(
            packing.package(index, true).expect("a package"),
            support::printed_expiry(),
            support::recipient(ferdie, &support::serial(index)),
        );
        let dry = client
            .call(&ink_e2e::dave(), &dispense)
            .dry_run()
            .await
            .expect("dry run");
        out.push(measured(
            C,
            "dispense",
            format!("2^{bits} serials"),
            Some(count as u64),
            &dry,
        ));
        assert_eq!(dry.return_value(), Ok(()), "the dispense is accepted");
    }
    // The rest of the lot's life, on the first two lots.
    assert!(bits.len() >= 2, "two lots at least");
    let (first, second) = (
        format!("LOT-2^{}", bits[0]).into_bytes(),
        format!("LOT-2^{}", bits[1]).into_bytes(),
    );
    let packing = lot_packing(&first, 1 << bits[0], bits[0]);
    let sealed = packing.case(1).expect("a case").sscc;
    let ship = ledger.ship(
        support::id(&ink_e2e::bob()),
        vec![Item::Container(sealed)],
        ShipmentPurpose::Return,
        Hash::from([0x72; 32]),
    );
    let shipment = client
        .call(&ink_e2e::dave(), &ship)
        .submit()
        .await
        .expect("ship")
        .return_value()
        .expect("shipped");
    typical!(
        client,
        out,
        ink_e2e::dave(),
        C,
        "cancel_shipment",
        ledger.cancel_shipment(shipment)
    );
    let index = (1usize << bits[0]) / 2;
    typical!(
        client,
        out,
        ink_e2e::dave(),
        C,
        "destroy",
        ledger.destroy(
            Item::Package(packing.package(index, true).expect("a package")),
            Hash::from([0xD0; 32])
        )
    );
    let flag = typical!(
        client,
        out,
        ink_e2e::dave(),
        C,
        "quarantine",
        ledger.quarantine(
            Target::Container(sealed),
            QuarantineReason::Suspect,
            Hash::from([0xE0; 32])
        )
    );
    client
        .call(&ink_e2e::dave(), &flag)
        .submit()
        .await
        .expect("flagged");
    typical!(
        client,
        out,
        ink_e2e::bob(),
        C,
        "release",
        ledger.release(
            Target::Container(sealed),
            QuarantineReason::Suspect,
            Hash::from([0xE1; 32])
        )
    );
    typical!(
        client,
        out,
        ink_e2e::bob(),
        C,
        "notify_illegitimate",
        ledger.notify_illegitimate(support::GTIN, first.clone(), Hash::from([0xE2; 32]), 0)
    );
    typical!(
        client,
        out,
        ink_e2e::bob(),
        C,
        "recall_lot",
        ledger.recall_lot(support::GTIN, second, None, Hash::from([0xE3; 32]))
    );
    access_costs!(client, out, C, ledger, ink_e2e::dave(), Role::Dispenser);
    out
}

/// How `provenance` packs lot `lot` of `count` serials: a pallet of two cases of two
/// packages, from the middle of the lot (SSCCs from the lot's size).
fn lot_packing(lot: &[u8], count: usize, bits: u32) -> Packing {
    let base = u64::from(bits) * 10;
    let middle = count / 2;
    support::packed(
        lot,
        count,
        &[(base + 1, middle, 2), (base + 2, middle + 2, 2)],
        Some(base),
    )
}

/// A batch message's answer: refused whole, or one answer per item.
type BatchAnswer<T, E, Refusal> = Result<Vec<Result<T, E>>, Refusal>;

/// Dry-runs the batch `message` as `caller`, records it as `label` of `contract` with
/// `size` items, and checks that the contract took the batch and every item of it.
#[allow(clippy::too_many_arguments)]
async fn measure_batch<Client, Args, T, E, Refusal>(
    client: &mut Scenario<Client>,
    out: &mut Vec<Measurement>,
    caller: &ink_e2e::Keypair,
    message: &ink_e2e::CallBuilderFinal<DefaultEnvironment, Args, BatchAnswer<T, E, Refusal>>,
    contract: &'static str,
    label: &'static str,
    case: String,
    size: usize,
) where
    Client: E2EBackend,
    BackendError<Client>: Debug,
    Args: ink::scale::Encode + Clone + Sync,
    T: ink::scale::Decode + Debug + Send + Clone + 'static,
    E: ink::scale::Decode + Debug + Send + Clone + 'static,
    Refusal: ink::scale::Decode + Debug + Send + Clone + 'static,
{
    let dry = client
        .call(caller, message)
        .dry_run()
        .await
        .expect("dry run");
    out.push(measured(contract, label, case, Some(size as u64), &dry));
    let answers = dry.return_value().expect("the batch is taken");
    assert!(
        answers.iter().all(Result::is_ok),
        "{label}: every item is taken: {answers:?}"
    );
}

/// Measures `message` by dry run as `caller`, then submits it; returns its value.
async fn measure_and_submit<Client, Args, Ret>(
    client: &mut Scenario<Client>,
    out: &mut Vec<Measurement>,
    caller: &ink_e2e::Keypair,
    message: &ink_e2e::CallBuilderFinal<DefaultEnvironment, Args, Ret>,
    name: &'static str,
    bits: u32,
    count: usize,
) -> Ret
where
    Client: E2EBackend,
    BackendError<Client>: Debug,
    Args: ink::scale::Encode + Clone + Sync,
    Ret: ink::scale::Decode + Debug + Send + Clone + 'static,
{
    let dry = client
        .call(caller, message)
        .dry_run()
        .await
        .expect("dry run");
    out.push(measured(
        Contract::DrugProvenance.name(),
        name,
        format!("2^{bits} serials"),
        Some(count as u64),
        &dry,
    ));
    client
        .call(caller, message)
        .submit()
        .await
        .expect("submitted")
        .return_value()
}

/// trial_anchoring: registration, enrolment and `is_active` (both ask the registry
/// across contracts), `anchor_batch` and `verify_inclusion` for batches of 2^`bits`.
pub async fn trials<Client>(client: &mut Scenario<Client>, bits: &[u32]) -> Vec<Measurement>
where
    Client: E2EBackend,
    BackendError<Client>: Debug,
{
    const C: &str = Contract::TrialAnchoring.name();
    let mut out = Vec::new();
    let (bob, ferdie) = (
        support::id(&ink_e2e::bob()),
        support::id(&ink_e2e::ferdie()),
    );
    let (registry_id, mut registry) =
        support::deploy_consent_registry(client, &ink_e2e::alice()).await;
    let mut trials = support::deploy_trial_anchoring(client, &ink_e2e::alice(), registry_id).await;
    client
        .call(&ink_e2e::alice(), &trials.grant_role(Role::Sponsor, bob))
        .submit()
        .await
        .expect("sponsor");
    let protocol = Hash::from([0x11; 32]);
    let register = trials.register_trial(
        b"NCT01234567".to_vec(),
        protocol,
        Hash::from([0x12; 32]),
        support::registered_outcomes(),
        100,
    );
    let dry = client
        .call(&ink_e2e::bob(), &register)
        .dry_run()
        .await
        .expect("dry run");
    out.push(measured(C, "register_trial", "typical", None, &dry));
    let trial = client
        .call(&ink_e2e::bob(), &register)
        .submit()
        .await
        .expect("register")
        .return_value()
        .expect("registered");
    support::grant_consent(
        client,
        &mut registry,
        &ink_e2e::ferdie(),
        bob,
        Purpose::Research,
        Some(research_context(
            ink::ToAccountId::to_account_id(&trials),
            trial,
            protocol,
        )),
    )
    .await
    .expect("research consent");
    let enrol = trials.enrol(trial, ferdie);
    let dry = client
        .call(&ink_e2e::bob(), &enrol)
        .dry_run()
        .await
        .expect("dry run");
    out.push(measured(
        C,
        "enrol",
        "with the cross-contract consent check",
        None,
        &dry,
    ));
    assert_eq!(dry.return_value(), Ok(()), "enrolment is accepted");
    client
        .call(&ink_e2e::bob(), &enrol)
        .submit()
        .await
        .expect("enrol");
    let dry = client
        .call(&ink_e2e::ferdie(), &trials.is_active(trial, ferdie))
        .dry_run()
        .await
        .expect("dry run");
    out.push(measured(
        C,
        "is_active",
        "cross-contract consent check",
        None,
        &dry,
    ));
    assert!(dry.return_value(), "the participant is active");
    for &bits in bits {
        let count = 1usize << bits;
        let leaves: Vec<_> = (0..count)
            .map(|i| hash_leaf(format!("{{\"record\":{i}}}").as_bytes()))
            .collect();
        let root = merkle::root(&leaves).expect("a tree");
        let anchor = trials.anchor_batch(trial, root, count as u64, Hash::from([0x40; 32]));
        let dry = client
            .call(&ink_e2e::bob(), &anchor)
            .dry_run()
            .await
            .expect("dry run");
        out.push(measured(
            C,
            "anchor_batch",
            format!("2^{bits} leaves"),
            Some(count as u64),
            &dry,
        ));
        let batch = client
            .call(&ink_e2e::bob(), &anchor)
            .submit()
            .await
            .expect("anchor")
            .return_value()
            .expect("anchored");
        let index = count / 2 + 1;
        let verify = trials.verify_inclusion(
            trial,
            batch,
            leaves[index],
            index as u64,
            merkle::proof(&leaves, index).expect("a proof"),
        );
        let dry = client
            .call(&ink_e2e::ferdie(), &verify)
            .dry_run()
            .await
            .expect("dry run");
        out.push(measured(
            C,
            "verify_inclusion",
            format!("2^{bits} leaves"),
            Some(count as u64),
            &dry,
        ));
        assert_eq!(dry.return_value(), Ok(true), "the record is in the batch");
    }
    use trial_anchoring::data::{
        Causality, Expectedness, SafetyReport, Seriousness, TrialDelegateRole,
    };
    let dave = support::id(&ink_e2e::dave());
    let name = typical!(
        client,
        out,
        ink_e2e::bob(),
        C,
        "name_delegate",
        trials.name_delegate(trial, dave, TrialDelegateRole::Site)
    );
    client
        .call(&ink_e2e::bob(), &name)
        .submit()
        .await
        .expect("site");
    typical!(
        client,
        out,
        ink_e2e::bob(),
        C,
        "remove_delegate",
        trials.remove_delegate(trial, dave)
    );
    typical!(
        client,
        out,
        ink_e2e::bob(),
        C,
        "report_adverse_event",
        trials.report_adverse_event(
            trial,
            trial_anchoring::data::subject_commitment(&ferdie, &[0x5b; 32]),
            SafetyReport {
                seriousness: Seriousness::NonSerious,
                expectedness: Expectedness::Expected,
                causality: Causality::NotSuspected,
                onset_at: 0,
                received_at: 0,
                determined_at: None,
                follows: None,
            },
            Hash::from([0xAE; 32])
        )
    );
    typical!(
        client,
        out,
        ink_e2e::ferdie(),
        C,
        "withdraw",
        trials.withdraw(
            trial,
            ferdie,
            trial_anchoring::data::WithdrawalLevel::Complete
        )
    );
    typical!(
        client,
        out,
        ink_e2e::alice(),
        C,
        "propose_callee",
        trials.propose_callee(
            trial_anchoring::trial_anchoring::Callee::ConsentRegistry,
            registry_id
        )
    );
    let freeze = typical!(
        client,
        out,
        ink_e2e::bob(),
        C,
        "freeze_database",
        trials.freeze_database(trial)
    );
    client
        .call(&ink_e2e::bob(), &freeze)
        .submit()
        .await
        .expect("frozen");
    typical!(
        client,
        out,
        ink_e2e::bob(),
        C,
        "anchor_results",
        trials.anchor_results(
            trial,
            Hash::from([0x77; 32]),
            support::registered_outcomes(),
            None
        )
    );
    access_costs!(client, out, C, trials, ink_e2e::bob(), Role::Sponsor);
    out
}

/// claim_settlement: plan, fee schedule, member, escrow, and claims of one visit line and
/// of `drug_lines` dispensed drug lines each (with the cross-contract consent and
/// provenance checks), all paid.
pub async fn claims<Client>(
    client: &mut Scenario<Client>,
    drug_lines: &[usize],
    batch: usize,
) -> Vec<Measurement>
where
    Client: E2EBackend,
    BackendError<Client>: Debug,
{
    use claim_settlement::data::{
        ClaimLine, CostShare, CostSharing, DrugUnit, FeeScheduleEntry, Overturn, PaymentConsent,
        ServiceCode,
    };
    const C: &str = Contract::ClaimSettlement.name();
    const UNIT: u128 = 10_000_000_000;
    const LOT: &[u8] = b"LOT-GAS";
    let mut out = Vec::new();
    let (dave, eve, ferdie) = (
        support::id(&ink_e2e::dave()),
        support::id(&ink_e2e::eve()),
        support::id(&ink_e2e::ferdie()),
    );
    let (registry_id, mut registry) =
        support::deploy_consent_registry(client, &ink_e2e::alice()).await;
    let (ledger_id, mut ledger) = support::deploy_drug_provenance(
        client,
        &ink_e2e::alice(),
        support::id(&ink_e2e::bob()),
        dave,
    )
    .await;
    let mut claims =
        support::deploy_claim_settlement(client, &ink_e2e::alice(), registry_id, ledger_id).await;
    for (role, who) in [(Role::Insurer, eve), (Role::Provider, dave)] {
        client
            .call(&ink_e2e::alice(), &claims.grant_role(role, who))
            .submit()
            .await
            .expect("role");
    }
    let sharing = CostSharing {
        deductible: 10 * UNIT,
        copay: UNIT,
        coinsurance_bps: 2_000,
        out_of_pocket_max: 100 * UNIT,
    };
    let create = claims.create_plan(
        sharing,
        PaymentConsent::Required,
        None,
        0,
        support::FAR_FUTURE,
    );
    let dry = client
        .call(&ink_e2e::eve(), &create)
        .dry_run()
        .await
        .expect("dry run");
    out.push(measured(C, "create_plan", "typical", None, &dry));
    client
        .call(&ink_e2e::eve(), &create)
        .submit()
        .await
        .expect("plan");
    let visit = support::procedure(b"99213");
    let entry = |allowed| {
        Some(FeeScheduleEntry {
            allowed_per_unit: allowed * UNIT,
            cost_share: CostShare::Copay,
            requires_authorization: false,
            package_units: 0,
            max_days_supply: 0,
        })
    };
    let fees = claims.update_fee_schedule(
        1,
        vec![
            (visit, entry(150)),
            (ServiceCode::Drug(support::GTIN), entry(60)),
        ],
    );
    let dry = client
        .call(&ink_e2e::eve(), &fees)
        .dry_run()
        .await
        .expect("dry run");
    out.push(measured(C, "update_fee_schedule", "2 codes", None, &dry));
    client
        .call(&ink_e2e::eve(), &fees)
        .submit()
        .await
        .expect("fees");
    let enrol = claims.enrol_member(1, ferdie, 0, support::FAR_FUTURE);
    let dry = client
        .call(&ink_e2e::eve(), &enrol)
        .dry_run()
        .await
        .expect("dry run");
    out.push(measured(C, "enrol_member", "typical", None, &dry));
    client
        .call(&ink_e2e::eve(), &enrol)
        .submit()
        .await
        .expect("member");
    let deposit = claims.deposit();
    let dry = client
        .call(&ink_e2e::eve(), &deposit)
        .value(5_000 * UNIT)
        .dry_run()
        .await
        .expect("dry run");
    out.push(measured(C, "deposit", "typical", None, &dry));
    client
        .call(&ink_e2e::eve(), &deposit)
        .value(5_000 * UNIT)
        .submit()
        .await
        .expect("deposit");
    support::grant_consent(
        client,
        &mut registry,
        &ink_e2e::ferdie(),
        dave,
        Purpose::Payment,
        None,
    )
    .await
    .expect("payment consent");
    // Every package a claim names is dispensed to ferdie first, each once.
    let total: usize = drug_lines.iter().sum();
    let serials = total.next_power_of_two().max(16);
    let packing = support::stock_pharmacy(
        client,
        &mut ledger,
        &ink_e2e::bob(),
        &ink_e2e::dave(),
        LOT,
        serials,
        total as u64,
    )
    .await;
    for index in 0..total {
        support::dispense(
            client,
            &mut ledger,
            &ink_e2e::dave(),
            &packing,
            index,
            ferdie,
        )
        .await
        .expect("dispensed");
    }
    let drug = |index: usize| ClaimLine {
        code: ServiceCode::Drug(support::GTIN),
        quantity: 1,
        charge: 60 * UNIT,
        unit: Some(DrugUnit {
            lot: LOT.to_vec(),
            serial: support::serial(index),
            recipient_salt: support::receipt_salt(&support::serial(index)),
            days_supply: 30,
        }),
        modifier: None,
        authorization: None,
    };
    let now = support::granted_at(client, &registry, ferdie, dave, Purpose::Payment).await;
    let mut claims_made: Vec<(String, Option<u64>, Vec<ClaimLine>)> = vec![(
        "1 visit line".to_string(),
        None,
        vec![ClaimLine {
            code: visit,
            quantity: 1,
            charge: 150 * UNIT,
            unit: None,
            modifier: None,
            authorization: None,
        }],
    )];
    let mut next = 0;
    for &lines in drug_lines {
        claims_made.push((
            format!("{lines} drug lines"),
            Some(lines as u64),
            (next..next + lines).map(drug).collect(),
        ));
        next += lines;
    }
    for (case, size, lines) in claims_made {
        let submit = claims.submit_claim(ferdie, 1, now, lines, Hash::from([0xAA; 32]));
        let dry = client
            .call(&ink_e2e::dave(), &submit)
            .dry_run()
            .await
            .expect("dry run");
        out.push(measured(
            C,
            "submit_claim",
            format!("{case}, paid"),
            size,
            &dry,
        ));
        assert!(dry.return_value().is_ok(), "the claim is accepted");
        client
            .call(&ink_e2e::dave(), &submit)
            .submit()
            .await
            .expect("claim");
    }
    // An 837 file's worth: `batch` one-line visit claims, each for its own code so that
    // none is a duplicate, in one call; and the same claim alone, for the comparison.
    let codes: Vec<ServiceCode> = (0..batch)
        .map(|i| {
            let code: [u8; 5] = format!("9{i:04}")
                .into_bytes()
                .try_into()
                .expect("5 digits");
            support::procedure(&code)
        })
        .collect();
    client
        .call(
            &ink_e2e::eve(),
            &claims.update_fee_schedule(1, codes.iter().map(|code| (*code, entry(150))).collect()),
        )
        .submit()
        .await
        .expect("batch codes");
    let one_line = |code: ServiceCode, document: u8| claim_settlement::data::ClaimSubmission {
        patient: ferdie,
        plan: 1,
        service_date: now,
        lines: vec![ClaimLine {
            code,
            quantity: 1,
            charge: 150 * UNIT,
            unit: None,
            modifier: None,
            authorization: None,
        }],
        document_hash: Hash::from([document; 32]),
    };
    let submissions: Vec<_> = codes.iter().map(|code| one_line(*code, 0xB0)).collect();
    let single = submissions[0].clone();
    let dry = client
        .call(
            &ink_e2e::dave(),
            &claims.submit_claim(
                single.patient,
                single.plan,
                single.service_date,
                single.lines,
                single.document_hash,
            ),
        )
        .dry_run()
        .await
        .expect("dry run");
    out.push(measured(
        C,
        "submit_claim",
        "1 visit line, alone (batch comparison)",
        None,
        &dry,
    ));
    measure_batch(
        client,
        &mut out,
        &ink_e2e::dave(),
        &claims.submit_claims(submissions),
        C,
        "submit_claims",
        format!("{batch} one-line visit claims"),
        batch,
    )
    .await;
    let withdraw = claims.withdraw(UNIT);
    let dry = client
        .call(&ink_e2e::eve(), &withdraw)
        .dry_run()
        .await
        .expect("dry run");
    out.push(measured(C, "withdraw", "typical", None, &dry));
    // A claim for a code outside the fee schedule is denied; the provider appeals.
    let denied = claims.submit_claim(
        ferdie,
        1,
        now,
        vec![ClaimLine {
            code: support::procedure(b"99999"),
            quantity: 1,
            charge: 80 * UNIT,
            unit: None,
            modifier: None,
            authorization: None,
        }],
        Hash::from([0xAB; 32]),
    );
    let claim = client
        .call(&ink_e2e::dave(), &denied)
        .submit()
        .await
        .expect("claim")
        .return_value()
        .expect("adjudicated");
    let appeal = typical!(
        client,
        out,
        ink_e2e::dave(),
        C,
        "appeal",
        claims.appeal(claim, Hash::from([0xA1; 32]))
    );
    client
        .call(&ink_e2e::dave(), &appeal)
        .submit()
        .await
        .expect("appealed");
    typical!(
        client,
        out,
        ink_e2e::eve(),
        C,
        "resolve_appeal",
        claims.resolve_appeal(
            claim,
            vec![Overturn {
                line: 0,
                allowed: 10 * UNIT,
                cost_share: CostShare::Copay
            }],
            Hash::from([0xA2; 32])
        )
    );
    typical!(
        client,
        out,
        ink_e2e::ferdie(),
        C,
        "settle",
        claims.settle(eve, 8)
    );
    typical!(
        client,
        out,
        ink_e2e::eve(),
        C,
        "end_enrolment",
        claims.end_enrolment(1, ferdie)
    );
    typical!(
        client,
        out,
        ink_e2e::alice(),
        C,
        "propose_callee",
        claims.propose_callee(
            claim_settlement::claim_settlement::Callee::ConsentRegistry,
            registry_id
        )
    );
    access_costs!(client, out, C, claims, ink_e2e::dave(), Role::Provider);
    out
}

/// The batch messages against their single-item messages, `size` items each: relayed
/// consent forms (`relay` / `relay_batch`, one patient pseudonym per form), dispenses
/// (`dispense` / `dispense_batch`) and a logger's temperature readings
/// (`report_temperature` / `report_temperatures`). The batch rows carry the item count as
/// their size; claims' batch is in [`claims`].
pub async fn batches<Client>(client: &mut Scenario<Client>, size: usize) -> Vec<Measurement>
where
    Client: E2EBackend,
    BackendError<Client>: Debug,
{
    use consent_registry::data::{ConsentInstruction, Relayed, RELAY_DOMAIN};
    use drug_provenance::data::{Dispense, SensorPlace};
    use healthchain_common::relay::signer::Pseudonym;
    let mut out = Vec::new();
    let (registry_id, mut registry) =
        support::deploy_consent_registry(client, &ink_e2e::alice()).await;
    let dave = support::id(&ink_e2e::dave());
    // One consent form per patient, each signed under the patient's own pseudonym.
    let (chain, _) = client
        .call(&ink_e2e::alice(), &registry.relay_nonce(dave))
        .dry_run()
        .await
        .expect("the registry answers")
        .return_value();
    let forms: Vec<Relayed> = (0..size)
        .map(|i| {
            let secret = [u8::try_from(i % 250).expect("small") + 1; 32];
            let patient = Pseudonym::from_secret_key(&secret).expect("a key");
            let instruction = ConsentInstruction::RecordConsent {
                patient: patient.account(),
                grantee: dave,
                provision: support::permit(
                    Purpose::Treatment,
                    DataClasses::MEDICATIONS,
                    None,
                    Hash::from([0xF2; 32]),
                ),
            };
            let signature = patient.sign_instruction(
                RELAY_DOMAIN,
                chain,
                registry_id,
                0,
                support::FAR_FUTURE,
                &instruction,
            );
            Relayed {
                instruction,
                signer: patient.account(),
                nonce: 0,
                deadline: support::FAR_FUTURE,
                signature,
            }
        })
        .collect();
    let first = forms[0].clone();
    let dry = client
        .call(
            &ink_e2e::dave(),
            &registry.relay(
                first.instruction,
                first.signer,
                first.nonce,
                first.deadline,
                first.signature,
            ),
        )
        .dry_run()
        .await
        .expect("dry run");
    out.push(measured(
        Contract::ConsentRegistry.name(),
        "relay",
        "a consent form, alone (batch comparison)",
        None,
        &dry,
    ));
    assert!(dry.return_value().is_ok(), "the form is recorded");
    measure_batch(
        client,
        &mut out,
        &ink_e2e::dave(),
        &registry.relay_batch(forms),
        Contract::ConsentRegistry.name(),
        "relay_batch",
        format!("{size} consent forms"),
        size,
    )
    .await;

    // A pharmacy's close of day: `size` packages of one opened case.
    const LOT: &[u8] = b"LOT-BATCH";
    let ferdie = support::id(&ink_e2e::ferdie());
    let (_, mut ledger) = support::deploy_drug_provenance(
        client,
        &ink_e2e::alice(),
        support::id(&ink_e2e::bob()),
        dave,
    )
    .await;
    let packing = support::stock_pharmacy(
        client,
        &mut ledger,
        &ink_e2e::bob(),
        &ink_e2e::dave(),
        LOT,
        size.next_power_of_two().max(16),
        size as u64,
    )
    .await;
    let dispenses: Vec<Dispense> = (0..size)
        .map(|index| Dispense {
            package: packing.package(index, true).expect("in the case"),
            expiry: support::printed_expiry(),
            recipient: support::recipient(ferdie, &support::serial(index)),
        })
        .collect();
    let alone = dispenses[0].clone();
    let dry = client
        .call(
            &ink_e2e::dave(),
            &ledger.dispense(alone.package, alone.expiry, alone.recipient),
        )
        .dry_run()
        .await
        .expect("dry run");
    out.push(measured(
        Contract::DrugProvenance.name(),
        "dispense",
        "from an opened case, alone (batch comparison)",
        None,
        &dry,
    ));
    assert_eq!(dry.return_value(), Ok(()), "the dispense is accepted");
    measure_batch(
        client,
        &mut out,
        &ink_e2e::dave(),
        &ledger.dispense_batch(dispenses),
        Contract::DrugProvenance.name(),
        "dispense_batch",
        format!("{size} packages"),
        size,
    )
    .await;

    // A logger's readings, uploaded together: all in range, for the case it watches.
    let sensor = support::id(&ink_e2e::eve());
    client
        .call(&ink_e2e::alice(), &ledger.grant_role(Role::Sensor, sensor))
        .submit()
        .await
        .expect("sensor role");
    let watched = support::packed(b"LOT-COLD", 16, &[(90, 0, 4)], None);
    let case = watched.case(0).expect("a case");
    let root = watched.serial_root().expect("serials");
    let commission = ledger.commission_lot(
        support::GTIN,
        b"LOT-COLD".to_vec(),
        support::FAR_FUTURE,
        16,
        root,
        16,
        200,
        800,
        Hash::from([0xC0; 32]),
    );
    client
        .call(&ink_e2e::bob(), &commission)
        .submit()
        .await
        .expect("commissioned");
    client
        .call(
            &ink_e2e::bob(),
            &ledger.aggregate(
                support::GTIN,
                b"LOT-COLD".to_vec(),
                case.sscc,
                Level::Case,
                case.contents,
                case.count,
                case.count,
                None,
            ),
        )
        .submit()
        .await
        .expect("packed");
    let place = SensorPlace::Container(case.sscc);
    client
        .call(&ink_e2e::bob(), &ledger.bind_sensor(place, sensor))
        .submit()
        .await
        .expect("bound");
    let dry = client
        .call(&ink_e2e::eve(), &ledger.report_temperature(place, 500))
        .dry_run()
        .await
        .expect("dry run");
    out.push(measured(
        Contract::DrugProvenance.name(),
        "report_temperature",
        "in range, alone (batch comparison)",
        None,
        &dry,
    ));
    assert_eq!(dry.return_value(), Ok(()), "the reading is taken");
    let readings: Vec<(SensorPlace, i32)> = (0..size)
        .map(|i| (place, 400 + i32::try_from(i).expect("small")))
        .collect();
    measure_batch(
        client,
        &mut out,
        &ink_e2e::eve(),
        &ledger.report_temperatures(readings),
        Contract::DrugProvenance.name(),
        "report_temperatures",
        format!("{size} readings"),
        size,
    )
    .await;
    out
}
