//! consent_registry on a real (in-process) chain: signed calls from distinct accounts, and
//! `is_authorized` asked from another contract through the shared `ConsentCheck` trait.
//!
//! Refusals are checked with dry runs (they change nothing, and a dry run works the same on
//! the sandbox and on a node, where a reverted extrinsic is an error).
#![cfg(feature = "e2e-tests")]

mod support;

use consent_caller::consent_caller::{ConsentCaller, ConsentCallerRef};
use consent_registry::data::{ConsentId, ConsentStatus, DelegateKind, Error, Period};
use healthchain_common::{
    access::{AccessControlled, AccessError, Role},
    consent::{ConsentAnswer, DataClasses, Purpose},
    CalleeError,
};
use ink::primitives::{AccountId, Hash};
use ink_e2e::{ContractsBackend, E2EBackend, Keypair};
use std::fmt::Debug;
use support::{
    deploy_consent_registry, hash, id, permit, submit_or_refusal, BackendError, E2EResult,
    Registry, FAR_FUTURE,
};

type Caller = <ConsentCaller as ink::codegen::ContractCallBuilder>::Type;

const HOUR_MS: u64 = 60 * 60 * 1000;

/// Deploys the registry (alice is admin) and a caller contract wired to it.
async fn deploy<Client: E2EBackend>(
    client: &mut support::Scenario<Client>,
) -> (AccountId, Registry, Caller)
where
    BackendError<Client>: Debug,
{
    let (registry_id, registry) = deploy_consent_registry(client, &ink_e2e::alice()).await;
    let caller = client
        .instantiate(
            "consent_caller",
            &ink_e2e::alice(),
            &mut ConsentCallerRef::new(registry_id),
        )
        .submit()
        .await
        .expect("consent_caller instantiates");
    (
        registry_id,
        registry,
        caller.call_builder::<ConsentCaller>(),
    )
}

/// Asks through the caller contract, as claim_settlement and trial_anchoring will.
async fn check_via_contract<Client: E2EBackend>(
    client: &mut support::Scenario<Client>,
    caller: &Caller,
    patient: AccountId,
    grantee: AccountId,
    purpose: Purpose,
    context: Option<Hash>,
) -> Result<ConsentAnswer, CalleeError>
where
    BackendError<Client>: Debug,
{
    client
        .call(
            &ink_e2e::ferdie(),
            // Every grant here covers medications; the class rule itself is tested in
            // the registry's unit tests and in the claims e2e.
            &caller.check(patient, grantee, purpose, context, DataClasses::MEDICATIONS),
        )
        .dry_run()
        .await
        .expect("check dry-runs")
        .return_value()
}

/// `patient` grants `grantee` consent for `purpose`, signed by `signer`; returns its id.
async fn grant<Client: E2EBackend>(
    client: &mut support::Scenario<Client>,
    registry: &mut Registry,
    signer: &Keypair,
    patient: AccountId,
    grantee: AccountId,
    purpose: Purpose,
    context: Option<Hash>,
) -> Result<ConsentId, Error>
where
    BackendError<Client>: Debug,
{
    let message = grant_message(registry, patient, grantee, purpose, context);
    submit_or_refusal(client, signer, &message).await
}

/// The `record_consent` call `grant` sends: a permit of medications and claims.
fn grant_message(
    registry: &mut Registry,
    patient: AccountId,
    grantee: AccountId,
    purpose: Purpose,
    context: Option<Hash>,
) -> ink_e2e::CallBuilderFinal<
    ink::env::DefaultEnvironment,
    impl ink::scale::Encode + Clone + Send + Sync,
    Result<ConsentId, Error>,
> {
    let classes = DataClasses::MEDICATIONS.union(DataClasses::CLAIMS);
    registry.record_consent(
        patient,
        grantee,
        permit(purpose, classes, context, hash(0xF0)),
    )
}

/// `signer` revokes `patient`'s consent `consent`.
async fn revoke<Client: E2EBackend>(
    client: &mut support::Scenario<Client>,
    registry: &mut Registry,
    signer: &Keypair,
    patient: AccountId,
    consent: ConsentId,
) -> Result<(), Error>
where
    BackendError<Client>: Debug,
{
    let message = registry.set_consent_status(patient, consent, ConsentStatus::Inactive);
    submit_or_refusal(client, signer, &message).await
}

#[ink_e2e::test(backend(runtime_only))]
async fn grant_check_across_contracts_and_revoke<Client: E2EBackend>(
    mut client: Client,
) -> E2EResult<()> {
    let mut client = support::Scenario::new(client);
    let (_, mut registry, caller) = deploy(&mut client).await;
    let (bob, charlie) = (id(&ink_e2e::bob()), id(&ink_e2e::charlie()));

    assert_eq!(
        check_via_contract(&mut client, &caller, bob, charlie, Purpose::Payment, None).await,
        Ok(ConsentAnswer::NotPermitted)
    );
    let consent = grant(
        &mut client,
        &mut registry,
        &ink_e2e::bob(),
        bob,
        charlie,
        Purpose::Payment,
        None,
    )
    .await
    .expect("bob grants charlie payment consent");
    assert_eq!(
        check_via_contract(&mut client, &caller, bob, charlie, Purpose::Payment, None).await,
        Ok(ConsentAnswer::Permitted)
    );
    // Exact purpose and context.
    assert_eq!(
        check_via_contract(&mut client, &caller, bob, charlie, Purpose::Treatment, None).await,
        Ok(ConsentAnswer::NotPermitted)
    );
    assert_eq!(
        check_via_contract(
            &mut client,
            &caller,
            bob,
            charlie,
            Purpose::Payment,
            Some(hash(1))
        )
        .await,
        Ok(ConsentAnswer::NotPermitted)
    );
    let listed = client
        .call(&ink_e2e::bob(), &registry.active_consents(bob))
        .dry_run()
        .await?
        .return_value();
    assert_eq!(listed.len(), 1);
    assert_eq!(
        (listed[0].id, listed[0].consent.grantee),
        (consent, charlie)
    );
    assert_eq!(listed[0].consent.provision.period.end, Some(FAR_FUTURE));

    // Only the patient (or a delegate) revokes; then it takes effect at once.
    assert_eq!(
        revoke(
            &mut client,
            &mut registry,
            &ink_e2e::charlie(),
            bob,
            consent
        )
        .await,
        Err(Error::NotPatientOrDelegate)
    );
    revoke(&mut client, &mut registry, &ink_e2e::bob(), bob, consent)
        .await
        .expect("bob revokes");
    assert_eq!(
        check_via_contract(&mut client, &caller, bob, charlie, Purpose::Payment, None).await,
        Ok(ConsentAnswer::NotPermitted)
    );
    // Revoked is final (a mistaken record can still be marked entered-in-error), and
    // an unknown id is refused.
    assert_eq!(
        revoke(&mut client, &mut registry, &ink_e2e::bob(), bob, consent).await,
        Err(Error::InvalidStatusChange)
    );
    assert_eq!(
        revoke(
            &mut client,
            &mut registry,
            &ink_e2e::bob(),
            bob,
            consent + 100
        )
        .await,
        Err(Error::GrantNotFound)
    );
    Ok(())
}

#[ink_e2e::test(backend(runtime_only))]
async fn research_consent_follows_protocol_version_and_expiry<Client: E2EBackend>(
    mut client: Client,
) -> E2EResult<()> {
    let mut client = support::Scenario::new(client);
    let (_, mut registry, caller) = deploy(&mut client).await;
    let (bob, dave) = (id(&ink_e2e::bob()), id(&ink_e2e::dave()));
    let (v1, v2) = (Some(hash(1)), Some(hash(2)));

    let v1_consent = grant(
        &mut client,
        &mut registry,
        &ink_e2e::bob(),
        bob,
        dave,
        Purpose::Research,
        v1,
    )
    .await
    .expect("research consent for protocol v1");
    assert_eq!(
        check_via_contract(&mut client, &caller, bob, dave, Purpose::Research, v1).await,
        Ok(ConsentAnswer::Permitted)
    );
    assert_eq!(
        check_via_contract(&mut client, &caller, bob, dave, Purpose::Research, v2).await,
        Ok(ConsentAnswer::NotPermitted),
        "consent for an older protocol version does not count"
    );
    // Re-consent for v2 is a consent of its own; withdrawing the v1 one leaves it.
    grant(
        &mut client,
        &mut registry,
        &ink_e2e::bob(),
        bob,
        dave,
        Purpose::Research,
        v2,
    )
    .await
    .expect("re-consent for protocol v2");
    assert_eq!(
        check_via_contract(&mut client, &caller, bob, dave, Purpose::Research, v2).await,
        Ok(ConsentAnswer::Permitted)
    );
    revoke(&mut client, &mut registry, &ink_e2e::bob(), bob, v1_consent)
        .await
        .expect("bob withdraws the v1 consent");
    assert_eq!(
        check_via_contract(&mut client, &caller, bob, dave, Purpose::Research, v1).await,
        Ok(ConsentAnswer::NotPermitted)
    );
    assert_eq!(
        check_via_contract(&mut client, &caller, bob, dave, Purpose::Research, v2).await,
        Ok(ConsentAnswer::Permitted)
    );

    // An expiry that has passed is refused, and nothing is stored.
    let mut past = permit(Purpose::Treatment, DataClasses::ALL, None, hash(0xF0));
    past.period = Period {
        start: 0,
        end: Some(1),
    };
    let past = registry.record_consent(bob, dave, past);
    assert_eq!(
        submit_or_refusal(&mut client, &ink_e2e::bob(), &past).await,
        Err(Error::ExpiryInPast)
    );
    let listed = client
        .call(&ink_e2e::bob(), &registry.active_consents(bob))
        .dry_run()
        .await?
        .return_value();
    assert_eq!(listed.len(), 1, "only the v2 consent is current");
    Ok(())
}

#[ink_e2e::test(backend(runtime_only))]
async fn delegates_and_guardians_act_for_the_patient<Client: E2EBackend>(
    mut client: Client,
) -> E2EResult<()> {
    let mut client = support::Scenario::new(client);
    let (_, mut registry, caller) = deploy(&mut client).await;
    let (bob, charlie, dave, eve) = (
        id(&ink_e2e::bob()),
        id(&ink_e2e::charlie()),
        id(&ink_e2e::dave()),
        id(&ink_e2e::eve()),
    );

    submit_or_refusal(
        &mut client,
        &ink_e2e::bob(),
        &registry.appoint_delegate(bob, dave, FAR_FUTURE),
    )
    .await
    .expect("bob appoints dave as proxy");
    let by_proxy = grant(
        &mut client,
        &mut registry,
        &ink_e2e::dave(),
        bob,
        charlie,
        Purpose::Treatment,
        None,
    )
    .await
    .expect("dave grants for bob");
    assert_eq!(
        check_via_contract(&mut client, &caller, bob, charlie, Purpose::Treatment, None).await,
        Ok(ConsentAnswer::Permitted)
    );
    assert_eq!(
        grant(
            &mut client,
            &mut registry,
            &ink_e2e::eve(),
            bob,
            charlie,
            Purpose::Payment,
            None
        )
        .await,
        Err(Error::NotPatientOrDelegate)
    );
    assert_eq!(
        submit_or_refusal(
            &mut client,
            &ink_e2e::dave(),
            &registry.appoint_delegate(bob, eve, FAR_FUTURE)
        )
        .await,
        Err(Error::DelegatesCannotDelegate)
    );

    // The admin registers a guardian for a patient who cannot sign.
    assert_eq!(
        submit_or_refusal(
            &mut client,
            &ink_e2e::bob(),
            &registry.register_guardian(charlie, eve, FAR_FUTURE)
        )
        .await,
        Err(Error::Access(AccessError::NotAdmin))
    );
    submit_or_refusal(
        &mut client,
        &ink_e2e::alice(),
        &registry.register_guardian(charlie, eve, FAR_FUTURE),
    )
    .await
    .expect("admin registers eve as charlie's guardian");
    let delegation = client
        .call(&ink_e2e::alice(), &registry.delegation(charlie, eve))
        .dry_run()
        .await?
        .return_value()
        .expect("guardianship stored");
    assert_eq!(delegation.kind, DelegateKind::Guardian);
    grant(
        &mut client,
        &mut registry,
        &ink_e2e::eve(),
        charlie,
        dave,
        Purpose::Treatment,
        None,
    )
    .await
    .expect("the guardian grants for charlie");

    // Removing the proxy stops it at once.
    submit_or_refusal(
        &mut client,
        &ink_e2e::bob(),
        &registry.remove_delegate(bob, dave),
    )
    .await
    .expect("bob removes dave");
    assert_eq!(
        revoke(&mut client, &mut registry, &ink_e2e::dave(), bob, by_proxy).await,
        Err(Error::NotPatientOrDelegate)
    );
    Ok(())
}

#[ink_e2e::test(backend(runtime_only))]
async fn emergency_access_is_role_gated_time_boxed_and_closable<Client: E2EBackend>(
    mut client: Client,
) -> E2EResult<()> {
    let mut client = support::Scenario::new(client);
    let (_, mut registry, caller) = deploy(&mut client).await;
    let (bob, eve) = (id(&ink_e2e::bob()), id(&ink_e2e::eve()));

    let open = registry.open_emergency_access(bob, 4 * HOUR_MS, hash(0xE1));
    let refused = client
        .call(&ink_e2e::eve(), &open)
        .dry_run()
        .await?
        .return_value();
    assert_eq!(
        refused,
        Err(Error::Access(AccessError::MissingRole(
            Role::EmergencyResponder
        )))
    );
    client
        .call(
            &ink_e2e::alice(),
            &registry.grant_role(Role::EmergencyResponder, eve),
        )
        .submit()
        .await?
        .return_value()
        .expect("admin grants the emergency role");

    let too_long = registry.open_emergency_access(bob, 25 * HOUR_MS, hash(0xE1));
    let refused = client
        .call(&ink_e2e::eve(), &too_long)
        .dry_run()
        .await?
        .return_value();
    assert_eq!(refused, Err(Error::InvalidEmergencyWindow));

    let expires_at = client
        .call(&ink_e2e::eve(), &open)
        .submit()
        .await?
        .return_value()
        .expect("eve opens break-glass access");
    let window = client
        .call(&ink_e2e::bob(), &registry.emergency_access(bob, eve))
        .dry_run()
        .await?
        .return_value()
        .expect("the patient can read the window");
    assert_eq!(window.expires_at, expires_at);
    assert_eq!(window.expires_at - window.opened_at, 4 * HOUR_MS);
    assert_eq!(window.justification, hash(0xE1));
    assert_eq!(
        check_via_contract(&mut client, &caller, bob, eve, Purpose::Emergency, None).await,
        Ok(ConsentAnswer::Permitted)
    );
    assert_eq!(
        check_via_contract(&mut client, &caller, bob, eve, Purpose::Treatment, None).await,
        Ok(ConsentAnswer::NotPermitted),
        "break-glass covers the emergency purpose only"
    );
    submit_or_refusal(
        &mut client,
        &ink_e2e::eve(),
        &registry.record_access(bob, Purpose::Emergency, None, DataClasses::ALL),
    )
    .await
    .expect("the responder records the access");

    submit_or_refusal(
        &mut client,
        &ink_e2e::bob(),
        &registry.close_emergency_access(bob, eve),
    )
    .await
    .expect("the patient closes the window early");
    assert_eq!(
        check_via_contract(&mut client, &caller, bob, eve, Purpose::Emergency, None).await,
        Ok(ConsentAnswer::NotPermitted)
    );
    Ok(())
}

/// What a paused registry answers: every check `Unavailable`, a grant and an access
/// record refused as `Paused`.
async fn assert_paused<Client: E2EBackend>(
    client: &mut support::Scenario<Client>,
    registry: &mut Registry,
    caller: &Caller,
    patient: AccountId,
    grantee: AccountId,
) where
    BackendError<Client>: Debug,
{
    assert_eq!(
        check_via_contract(client, caller, patient, grantee, Purpose::Treatment, None).await,
        Ok(ConsentAnswer::Unavailable),
        "a paused registry gives no answer, which callers do not blame on the patient"
    );
    assert_eq!(
        grant(
            client,
            registry,
            &ink_e2e::bob(),
            patient,
            grantee,
            Purpose::Operations,
            None
        )
        .await,
        Err(Error::Access(AccessError::Paused))
    );
    let access =
        registry.record_access(patient, Purpose::Treatment, None, DataClasses::MEDICATIONS);
    assert_eq!(
        submit_or_refusal(client, &ink_e2e::charlie(), &access).await,
        Err(Error::Access(AccessError::Paused))
    );
}

#[ink_e2e::test(backend(runtime_only))]
async fn pause_and_upgrade_are_admin_only_on_the_sandbox<Client: E2EBackend>(
    mut client: Client,
) -> E2EResult<()> {
    pause_and_upgrade(support::Scenario::new(client)).await
}

/// The same on substrate-contracts-node (pallet-contracts 38), where a paused registry
/// runs its library's code (`set_code_hash` in the admin library's `pause`).
#[cfg(feature = "node-e2e")]
#[ink_e2e::test]
async fn pause_and_upgrade_are_admin_only_on_the_node<Client: E2EBackend>(
    mut client: Client,
) -> E2EResult<()> {
    pause_and_upgrade(support::Scenario::new(client)).await
}

/// Pausing and upgrading are the admin's; a paused registry answers nothing and records
/// nothing but revocations, and an upgrade applied while paused keeps it paused.
async fn pause_and_upgrade<Client: E2EBackend>(
    mut client: support::Scenario<Client>,
) -> E2EResult<()>
where
    BackendError<Client>: std::error::Error + 'static,
{
    // The code the upgrade switches to: the same build, so only the admin check is at stake.
    let code_hash = ContractsBackend::<ink::env::DefaultEnvironment>::upload(
        &mut *client,
        "consent_registry",
        &ink_e2e::alice(),
    )
    .submit()
    .await?
    .code_hash;
    let (_, mut registry, caller) = deploy(&mut client).await;
    let (bob, charlie) = (id(&ink_e2e::bob()), id(&ink_e2e::charlie()));
    grant(
        &mut client,
        &mut registry,
        &ink_e2e::bob(),
        bob,
        charlie,
        Purpose::Treatment,
        None,
    )
    .await
    .expect("bob grants");

    // A second consent, revoked below while the registry is paused.
    let payment = grant(
        &mut client,
        &mut registry,
        &ink_e2e::bob(),
        bob,
        charlie,
        Purpose::Payment,
        None,
    )
    .await
    .expect("bob grants for payment");

    let refused = client
        .call(&ink_e2e::bob(), &registry.pause())
        .dry_run()
        .await?
        .return_value();
    assert_eq!(refused, Err(AccessError::NotAdmin));
    submit_or_refusal(&mut client, &ink_e2e::alice(), &registry.pause())
        .await
        .expect("admin pauses");
    // Paused, the registry runs its library's code, which checks the pause flag in every
    // message: its own build, whose grant, check and access record do not read the flag,
    // must never answer now.
    assert_paused(&mut client, &mut registry, &caller, bob, charlie).await;
    assert_eq!(
        revoke(&mut client, &mut registry, &ink_e2e::bob(), bob, payment).await,
        Ok(()),
        "a patient still revokes consent while the registry is paused"
    );
    submit_or_refusal(&mut client, &ink_e2e::alice(), &registry.unpause())
        .await
        .expect("admin unpauses");
    assert_eq!(
        check_via_contract(&mut client, &caller, bob, charlie, Purpose::Treatment, None).await,
        Ok(ConsentAnswer::Permitted),
        "unpaused, the registry answers again"
    );
    assert_eq!(
        check_via_contract(&mut client, &caller, bob, charlie, Purpose::Payment, None).await,
        Ok(ConsentAnswer::NotPermitted),
        "the revocation made while paused stands"
    );

    // Upgrade: a stranger is refused; the admin's upgrade keeps every grant. Applied while
    // paused, it leaves the registry paused (still running its library) until unpaused,
    // and then running the new code.
    let refused = client
        .call(&ink_e2e::bob(), &registry.propose_code(code_hash, None))
        .dry_run()
        .await?
        .return_value();
    assert_eq!(refused, Err(AccessError::NotAdmin));
    submit_or_refusal(
        &mut client,
        &ink_e2e::alice(),
        &registry.propose_code(code_hash, None),
    )
    .await
    .expect("admin proposes the upgrade");
    submit_or_refusal(&mut client, &ink_e2e::alice(), &registry.pause())
        .await
        .expect("admin pauses again");
    submit_or_refusal(&mut client, &ink_e2e::alice(), &registry.apply_code())
        .await
        .expect("admin upgrades while paused (no change delay in the tests)");
    assert_paused(&mut client, &mut registry, &caller, bob, charlie).await;
    submit_or_refusal(&mut client, &ink_e2e::alice(), &registry.unpause())
        .await
        .expect("admin unpauses the upgraded registry");
    assert_eq!(
        check_via_contract(&mut client, &caller, bob, charlie, Purpose::Treatment, None).await,
        Ok(ConsentAnswer::Permitted),
        "grants survive the upgrade"
    );
    assert!(
        grant(
            &mut client,
            &mut registry,
            &ink_e2e::bob(),
            bob,
            charlie,
            Purpose::Operations,
            None
        )
        .await
        .is_ok(),
        "the upgraded registry, unpaused, records grants again"
    );

    // A caller wired to an address without a contract gets an error, not a trap.
    let orphan = client
        .instantiate(
            "consent_caller",
            &ink_e2e::alice(),
            &mut ConsentCallerRef::new(AccountId::from([0x42; 32])),
        )
        .submit()
        .await?
        .call_builder::<ConsentCaller>();
    assert_eq!(
        check_via_contract(&mut client, &orphan, bob, charlie, Purpose::Treatment, None).await,
        Err(CalleeError::CallFailed)
    );
    Ok(())
}

/// Issue 15: a grant and its revocation signed by an unfunded pseudonym and relayed by a
/// clinic; a replay and a copy sent to another registry are refused with their own errors.
#[ink_e2e::test(backend(runtime_only(sandbox = support::recording::RecordingSandbox)))]
async fn relayed_consent_signed_by_an_unfunded_pseudonym_on_the_sandbox<Client: E2EBackend>(
    mut client: Client,
) -> E2EResult<()> {
    let mut client = support::Scenario::new(client);
    relayed_consent(&mut client).await
}

/// The same on substrate-contracts-node (`make test-node`).
#[cfg(feature = "node-e2e")]
#[ink_e2e::test]
async fn relayed_consent_signed_by_an_unfunded_pseudonym_on_the_node<Client: E2EBackend>(
    mut client: Client,
) -> E2EResult<()> {
    let mut client = support::Scenario::new(client);
    relayed_consent(&mut client).await
}

async fn relayed_consent<Client>(client: &mut support::Scenario<Client>) -> E2EResult<()>
where
    Client: E2EBackend + ink_e2e::ChainBackend<Balance = u128>,
    <Client as ink_e2e::ChainBackend>::AccountId: From<[u8; 32]>,
    <Client as ink_e2e::ChainBackend>::Error: Debug,
    <Client as ContractsBackend<ink::env::DefaultEnvironment>>::EventLog: support::EmittedEvents,
    BackendError<Client>: Debug,
{
    use consent_registry::data::ConsentInstruction;
    use healthchain_common::relay::{
        signer::{Pseudonym, Relationship},
        RelayError,
    };
    let (registry_id, mut registry) = deploy_consent_registry(client, &ink_e2e::alice()).await;
    let (_, mut other) = deploy_consent_registry(client, &ink_e2e::alice()).await;
    let clinic = ink_e2e::charlie();
    let provider = id(&ink_e2e::dave());
    let patient = Pseudonym::derive(&[0x5E; 32], Relationship::Provider { provider });
    let p = patient.account();
    assert_eq!(
        support::balance(client, p).await,
        0,
        "the pseudonym holds no tokens"
    );
    // A grant to the provider for treatment use of medications, with its form's hash.
    let grant = |form: u8| ConsentInstruction::RecordConsent {
        patient: p,
        grantee: provider,
        provision: permit(
            Purpose::Treatment,
            DataClasses::MEDICATIONS,
            None,
            hash(form),
        ),
    };
    let (granted, signed) = support::relay_consent(
        client,
        &mut registry,
        &clinic,
        &patient,
        grant(0xF5),
        "relayed grant",
    )
    .await;
    let event: consent_registry::consent_registry::ConsentRecorded =
        support::the_event(&granted.events, registry_id);
    assert_eq!((event.patient, event.recorded_by), (p, p));
    assert_eq!(
        treatment_answer(client, &registry, p, provider).await,
        ConsentAnswer::Permitted
    );
    // The provider records its use: `AccessRecorded`, deposited by `event::emit` (its
    // signature its one topic, as ink! deposits it), decodes as the metadata says.
    let used = support::step(
        client,
        &ink_e2e::dave(),
        &registry.record_access(p, Purpose::Treatment, None, DataClasses::MEDICATIONS),
        "access record",
    )
    .await;
    let (access, topics) =
        support::events_of::<consent_registry::consent_registry::AccessRecorded>(
            &used.events,
            registry_id,
        )
        .pop()
        .expect("the access record's event, under its signature topic");
    assert!(
        topics.is_empty(),
        "no field topic: nothing filed under the patient"
    );
    assert_eq!(
        (
            access.patient,
            access.grantee,
            access.purpose,
            access.context
        ),
        (p, provider, Purpose::Treatment, None)
    );
    assert_eq!(used.events.len(), 1, "one event, and only it");
    // The same signature again, and the same signature at another registry.
    assert_eq!(
        support::resubmit(client, &mut registry, &clinic, &signed).await,
        Err(Error::Relay(RelayError::BadNonce))
    );
    assert_eq!(
        support::resubmit(client, &mut other, &clinic, &signed).await,
        Err(Error::Relay(RelayError::BadSignature))
    );
    // The revocation, relayed too, takes effect at once.
    support::relay_consent(
        client,
        &mut registry,
        &clinic,
        &patient,
        ConsentInstruction::SetConsentStatus {
            patient: event.patient,
            consent: event.consent,
            status: ConsentStatus::Inactive,
        },
        "relayed revocation",
    )
    .await;
    assert_eq!(
        treatment_answer(client, &registry, p, provider).await,
        ConsentAnswer::NotPermitted
    );

    // A delegate's appointment and removal, relayed in a batch and alone: the registry's
    // library carries them out (no grant carries their code), with the same answers. The
    // batch with an appointment runs there whole, each item once, in order: a stale
    // nonce is refused alone between two that succeed.
    use consent_registry::data::{Relayed, RELAY_DOMAIN};
    let at = ink::ToAccountId::to_account_id(&registry);
    let (chain, nonce) = client
        .call(&clinic, &registry.relay_nonce(p))
        .dry_run()
        .await
        .expect("the registry answers")
        .return_value();
    let signed = |instruction: ConsentInstruction, nonce: u64| Relayed {
        signature: patient.sign_instruction(
            RELAY_DOMAIN,
            chain,
            at,
            nonce,
            FAR_FUTURE,
            &instruction,
        ),
        instruction,
        signer: p,
        nonce,
        deadline: FAR_FUTURE,
    };
    let delegate = id(&ink_e2e::eve());
    let appointment = ConsentInstruction::AppointDelegate {
        patient: p,
        delegate,
        expires_at: FAR_FUTURE,
    };
    let batch = vec![
        signed(appointment.clone(), nonce),
        signed(appointment, nonce),
        signed(grant(0xF6), nonce + 1),
    ];
    let done = support::step(
        client,
        &clinic,
        &registry.relay_batch(batch),
        "relayed batch with an appointment",
    )
    .await;
    assert_eq!(
        done.value,
        vec![Ok(()), Err(Error::Relay(RelayError::BadNonce)), Ok(())]
    );
    let delegation = |registry: &Registry| registry.delegation(p, delegate);
    let appointed = client
        .call(&clinic, &delegation(&registry))
        .dry_run()
        .await
        .expect("the registry answers")
        .return_value()
        .expect("the delegate is appointed");
    assert_eq!(appointed.expires_at, FAR_FUTURE);
    assert_eq!(
        treatment_answer(client, &registry, p, provider).await,
        ConsentAnswer::Permitted
    );
    support::relay_consent(
        client,
        &mut registry,
        &clinic,
        &patient,
        ConsentInstruction::RemoveDelegate {
            patient: p,
            delegate,
        },
        "relayed removal of the delegate",
    )
    .await;
    let removed = client
        .call(&clinic, &delegation(&registry))
        .dry_run()
        .await
        .expect("the registry answers")
        .return_value();
    assert_eq!(removed, None);
    assert_eq!(support::balance(client, p).await, 0, "and still none");
    Ok(())
}

/// What the registry answers about `provider`'s treatment use of `patient`'s data.
async fn treatment_answer<Client: E2EBackend>(
    client: &mut support::Scenario<Client>,
    registry: &Registry,
    patient: AccountId,
    provider: AccountId,
) -> ConsentAnswer
where
    BackendError<Client>: Debug,
{
    use healthchain_common::consent::ConsentCheck;
    client
        .call(
            &ink_e2e::charlie(),
            &registry.is_authorized(
                patient,
                provider,
                Purpose::Treatment,
                None,
                DataClasses::MEDICATIONS,
            ),
        )
        .dry_run()
        .await
        .expect("the chain answers")
        .return_value()
}

/// The admin messages are the admin library's, run at the contract's address: the library
/// itself cannot be instantiated, and a role granted through the registry is the
/// registry's, evented by it. (A constructor given a hash with no code fails with
/// `CodeNotFound`: the sandbox client panics on a failed dry run, so the polkadot.js smoke
/// test checks that on the node.)
#[ink_e2e::test(backend(runtime_only(sandbox = support::recording::RecordingSandbox)))]
async fn admin_messages_are_the_librarys_run_at_the_contract<Client: E2EBackend>(
    mut client: Client,
) -> E2EResult<()> {
    use access_library::access_library::AccessLibraryRef;
    use healthchain_common::access::RoleGranted;
    let mut client = support::Scenario::new(client);
    let alice = ink_e2e::alice();
    // The constructor refuses, so the instantiation reverts and leaves no instance.
    let library = client
        .instantiate("access_library", &alice, &mut AccessLibraryRef::new())
        .submit()
        .await?;
    let answer = library.dry_run.instantiate_return_value();
    assert!(
        answer.result.did_revert(),
        "the library is uploaded, not instantiated"
    );
    assert_eq!(
        library
            .dry_run
            .constructor_result::<Result<(), access_library::UploadOnly>>(),
        Ok(Err(access_library::UploadOnly))
    );

    let (registry_id, mut registry) = deploy_consent_registry(&mut client, &alice).await;
    let bob = id(&ink_e2e::bob());
    let granted = client
        .call(&alice, &registry.grant_role(Role::EmergencyResponder, bob))
        .submit()
        .await?;
    // The sandbox's call results carry no events: the recorder has them.
    let event: RoleGranted = support::the_event(&support::recording::take_emitted(), registry_id);
    assert_eq!(granted.return_value(), Ok(()));
    assert_eq!(
        (event.role, event.account, event.granted_by),
        (Role::EmergencyResponder, bob, id(&alice))
    );
    let held = client
        .call(&alice, &registry.has_role(bob, Role::EmergencyResponder))
        .dry_run()
        .await?
        .return_value();
    assert!(held, "the role is in the registry's storage");
    // Refusals come back from the library as the registry's own answer.
    let refused = client
        .call(
            &ink_e2e::bob(),
            &registry.grant_role(Role::EmergencyResponder, bob),
        )
        .dry_run()
        .await?
        .return_value();
    assert_eq!(refused, Err(AccessError::NotAdmin));
    Ok(())
}

/// The registry's own code answers its hot messages only and hands every other selector to
/// its library (`healthchain_common::entry_points!`): a cold message answers as it always
/// did, a selector no message has is refused as ink! refuses one (reverted, with
/// `CouldNotReadInput`), and value sent with a hot message, which takes none, is refused
/// while the same grant without it goes through.
#[ink_e2e::test(backend(runtime_only))]
async fn what_the_registry_does_not_answer_goes_to_its_library<Client: E2EBackend>(
    mut client: Client,
) -> E2EResult<()> {
    let mut client = support::Scenario::new(client);
    let (registry_id, mut registry, _) = deploy(&mut client).await;
    let (bob, charlie) = (id(&ink_e2e::bob()), id(&ink_e2e::charlie()));

    // A cold message (a getter the library answers).
    let (_, nonce) = client
        .call(&ink_e2e::bob(), &registry.relay_nonce(bob))
        .dry_run()
        .await?
        .return_value();
    assert_eq!(nonce, 0);

    // A selector no message has.
    use ink::env::call::{build_call, ExecutionInput, Selector};
    let unknown = build_call::<ink::env::DefaultEnvironment>()
        .call(registry_id)
        .exec_input(ExecutionInput::new(Selector::new([0xDE, 0xAD, 0xBE, 0xEF])))
        .returns::<()>();
    let refused = client.call(&ink_e2e::bob(), &unknown).dry_run().await?;
    assert!(refused.exec_return_value().did_revert());
    assert_eq!(
        refused.message_result(),
        Err(ink::LangError::CouldNotReadInput)
    );

    // Value with a hot message: refused; without it the same grant goes through.
    let message = grant_message(&mut registry, bob, charlie, Purpose::Payment, None);
    let paid = client
        .call(&ink_e2e::bob(), &message)
        .value(1)
        .dry_run()
        .await?;
    assert!(paid.is_err(), "a hot message takes no value");
    assert!(
        submit_or_refusal(&mut client, &ink_e2e::bob(), &message)
            .await
            .is_ok(),
        "the same grant without value"
    );
    Ok(())
}

/// The registry's constructor is its library's (`healthchain_common::entry_points!`): the
/// registry's `deploy` hands the input to the library the last argument names, which runs
/// the constructor in the new registry's storage. It runs only at instantiation: sent
/// later as a message (which the registry hands to its library like any selector it does
/// not answer), with the arguments that would make the sender admin, it is refused as an
/// unknown selector and the admin stays. The library itself cannot be instantiated.
#[ink_e2e::test(backend(runtime_only))]
async fn the_constructor_runs_only_at_instantiation_on_the_sandbox<Client: E2EBackend>(
    client: Client,
) -> E2EResult<()> {
    constructor_runs_only_at_instantiation(client).await
}

/// [`the_constructor_runs_only_at_instantiation_on_the_sandbox`] on
/// substrate-contracts-node (pallet-contracts 38).
#[cfg(feature = "node-e2e")]
#[ink_e2e::test]
async fn the_constructor_runs_only_at_instantiation_on_the_node<Client: E2EBackend>(
    client: Client,
) -> E2EResult<()> {
    constructor_runs_only_at_instantiation(client).await
}

async fn constructor_runs_only_at_instantiation<Client: E2EBackend>(client: Client) -> E2EResult<()>
where
    BackendError<Client>: Debug,
{
    use consent_registry::consent_registry::ConsentRegistryRef;
    use ink::env::call::{build_call, ExecutionInput, Selector};
    use support::{Contract, CHAIN};
    let mut client = support::Scenario::new(client);
    let (registry_id, registry, _) = deploy(&mut client).await;
    let alice = ink_e2e::alice();
    let admin_library = client.admin_library(&alice).await;
    let own_library = client.own_library(Contract::ConsentRegistry, &alice).await;

    let reconstruct = build_call::<ink::env::DefaultEnvironment>()
        .call(registry_id)
        .exec_input(
            ExecutionInput::new(Selector::new(ink::selector_bytes!("new")))
                .push_arg(Hash::from(CHAIN))
                .push_arg(0u64)
                .push_arg(admin_library)
                .push_arg(own_library),
        )
        .returns::<()>();
    let refused = client
        .call(&ink_e2e::bob(), &reconstruct)
        .dry_run()
        .await
        .expect("the chain answers");
    assert!(refused.exec_return_value().did_revert());
    assert_eq!(
        refused.message_result(),
        Err(ink::LangError::CouldNotReadInput)
    );
    let admin = client
        .call(&ink_e2e::bob(), &registry.admin())
        .dry_run()
        .await
        .expect("the chain answers")
        .return_value();
    assert_eq!(admin, id(&alice), "the admin is still the deployer");

    // The library, instantiated with the registry's own arguments, refuses.
    let instance = client
        .instantiate(
            Contract::ConsentRegistry.library(),
            &alice,
            &mut ConsentRegistryRef::new(Hash::from(CHAIN), 0, admin_library, own_library),
        )
        .dry_run()
        .await
        .expect("the chain answers");
    assert!(instance.instantiate_return_value().result.did_revert());
    assert_eq!(
        instance.constructor_result::<()>(),
        Err(ink::LangError::CouldNotReadInput)
    );
    Ok(())
}

/// A grant into a full record (here 8 consents for one grantee and purpose) makes room by
/// lapsing the ended ones: in the registry's own build that code is not there, and the
/// grant is handed whole to the registry's library, which runs it from the start. With
/// none ended the grant is refused, as the library refuses it, and nothing changes.
#[ink_e2e::test(backend(runtime_only))]
async fn a_grant_into_a_full_record_is_the_librarys_on_the_sandbox<Client: E2EBackend>(
    client: Client,
) -> E2EResult<()> {
    full_record(client, false).await
}

/// [`a_grant_into_a_full_record_is_the_librarys_on_the_sandbox`] on
/// substrate-contracts-node, whose clock moves with the wall clock: there the consent
/// that ends a few seconds after it is recorded lapses, and the grant goes through.
#[cfg(feature = "node-e2e")]
#[ink_e2e::test]
async fn a_grant_into_a_full_record_is_the_librarys_on_the_node<Client: E2EBackend>(
    client: Client,
) -> E2EResult<()> {
    full_record(client, true).await
}

async fn full_record<Client: E2EBackend>(client: Client, clock_moves: bool) -> E2EResult<()>
where
    BackendError<Client>: Debug,
{
    use consent_registry::data::MAX_CONSENTS_PER_GRANTEE_PURPOSE;
    let mut client = support::Scenario::new(client);
    let (_, mut registry, _) = deploy(&mut client).await;
    let (bob, dave) = (id(&ink_e2e::bob()), id(&ink_e2e::dave()));
    let mut ids = Vec::new();
    for _ in 1..MAX_CONSENTS_PER_GRANTEE_PURPOSE {
        let signer = ink_e2e::bob();
        let granted = grant(
            &mut client,
            &mut registry,
            &signer,
            bob,
            dave,
            Purpose::Treatment,
            None,
        );
        ids.push(granted.await.expect("room for the grant"));
    }
    // The last one ends 4 seconds after the chain's time at the one before it.
    let last = *ids.last().expect("consents granted");
    let read = |registry: &Registry, consent: ConsentId| registry.consent(bob, consent);
    let before = client
        .call(&ink_e2e::bob(), &read(&registry, last))
        .dry_run()
        .await
        .expect("the chain answers")
        .return_value();
    let mut short = permit(
        Purpose::Treatment,
        DataClasses::MEDICATIONS,
        None,
        hash(0xF4),
    );
    let ends = before.expect("the consent is stored").recorded_at + 4_000;
    short.period.end = Some(ends);
    let message = registry.record_consent(bob, dave, short);
    let ending = submit_or_refusal(&mut client, &ink_e2e::bob(), &message)
        .await
        .expect("room for the last grant");

    let ninth = grant_message(&mut registry, bob, dave, Purpose::Treatment, None);
    assert_eq!(
        submit_or_refusal(&mut client, &ink_e2e::bob(), &ninth).await,
        Err(Error::TooManyForGrantee),
        "none has ended: the library refuses the grant"
    );
    let listed = client
        .call(&ink_e2e::bob(), &registry.active_consents(bob))
        .dry_run()
        .await
        .expect("the chain answers");
    assert_eq!(
        listed.return_value().len(),
        MAX_CONSENTS_PER_GRANTEE_PURPOSE
    );
    if !clock_moves {
        return Ok(());
    }

    // Once the short consent has ended (and a block says so: a dry run reads the last
    // block's time), the grant lapses it and takes its place.
    std::thread::sleep(std::time::Duration::from_millis(5_000));
    let charlie = id(&ink_e2e::charlie());
    grant(
        &mut client,
        &mut registry,
        &ink_e2e::charlie(),
        charlie,
        dave,
        Purpose::Treatment,
        None,
    )
    .await
    .expect("another patient's grant makes a block");
    let granted = submit_or_refusal(&mut client, &ink_e2e::bob(), &ninth)
        .await
        .expect("the ended consent made room");
    let lapsed = client
        .call(&ink_e2e::bob(), &read(&registry, ending))
        .dry_run()
        .await
        .expect("the chain answers")
        .return_value();
    assert_eq!(lapsed.map(|c| c.status), Some(ConsentStatus::Inactive));
    let listed = client
        .call(&ink_e2e::bob(), &registry.active_consents(bob))
        .dry_run()
        .await
        .expect("the chain answers");
    let listed: Vec<ConsentId> = listed.return_value().iter().map(|c| c.id).collect();
    assert_eq!(listed.len(), MAX_CONSENTS_PER_GRANTEE_PURPOSE);
    assert!(listed.contains(&granted) && !listed.contains(&ending));
    Ok(())
}

/// A patient's record at its largest (32 consents in force, each with an end and a
/// context: the longest encoding, `MAX_ACCOUNT_RECORD_LEN`) is read whole on chain, where
/// the registry reads it straight from the host (`entry::get`): a check and a list answer
/// from it, a 33rd grant is refused (by the library), and once one is revoked a grant into
/// the record goes through the registry's own build again.
#[ink_e2e::test(backend(runtime_only))]
async fn the_largest_record_is_read_whole_on_the_sandbox<Client: E2EBackend>(
    client: Client,
) -> E2EResult<()> {
    largest_record(client).await
}

/// [`the_largest_record_is_read_whole_on_the_sandbox`] on substrate-contracts-node.
#[cfg(feature = "node-e2e")]
#[ink_e2e::test]
async fn the_largest_record_is_read_whole_on_the_node<Client: E2EBackend>(
    client: Client,
) -> E2EResult<()> {
    largest_record(client).await
}

async fn largest_record<Client: E2EBackend>(client: Client) -> E2EResult<()>
where
    BackendError<Client>: Debug,
{
    use consent_registry::data::{
        MAX_ACTIVE_GRANTS_PER_PATIENT as MOST, MAX_CONSENTS_PER_GRANTEE_PURPOSE as PER_GRANTEE,
    };
    use healthchain_common::consent::ConsentCheck;
    let mut client = support::Scenario::new(client);
    let (_, mut registry, _) = deploy(&mut client).await;
    let bob = id(&ink_e2e::bob());
    let grantee = |n: usize| AccountId::from([0x40 + (n / PER_GRANTEE) as u8; 32]);
    let context = |n: usize| Some(hash(n as u8));
    let mut ids = Vec::new();
    let patient = ink_e2e::bob();
    for n in 0..MOST {
        let granted = grant(
            &mut client,
            &mut registry,
            &patient,
            bob,
            grantee(n),
            Purpose::Research,
            context(n),
        );
        ids.push(granted.await.expect("room for the grant"));
    }
    let answer = |registry: &Registry, n: usize| {
        registry.is_authorized(
            bob,
            grantee(n),
            Purpose::Research,
            context(n),
            DataClasses::MEDICATIONS,
        )
    };
    for n in [0, MOST - 1] {
        let asked = client
            .call(&ink_e2e::charlie(), &answer(&registry, n))
            .dry_run()
            .await
            .expect("the chain answers")
            .return_value();
        assert_eq!(asked, ConsentAnswer::Permitted, "consent {n} read back");
    }
    let listed = client
        .call(&ink_e2e::bob(), &registry.active_consents(bob))
        .dry_run()
        .await
        .expect("the chain answers")
        .return_value();
    assert_eq!(listed.iter().map(|c| c.id).collect::<Vec<_>>(), ids);

    let one_more = grant_message(&mut registry, bob, grantee(0), Purpose::Payment, None);
    assert_eq!(
        submit_or_refusal(&mut client, &ink_e2e::bob(), &one_more).await,
        Err(Error::TooManyActiveGrants)
    );
    revoke(&mut client, &mut registry, &ink_e2e::bob(), bob, ids[0])
        .await
        .expect("the patient revokes");
    let granted = submit_or_refusal(&mut client, &ink_e2e::bob(), &one_more)
        .await
        .expect("the revocation made room");
    let asked = client
        .call(&ink_e2e::charlie(), &answer(&registry, MOST - 1))
        .dry_run()
        .await
        .expect("the chain answers")
        .return_value();
    assert_eq!(asked, ConsentAnswer::Permitted);
    let listed = client
        .call(&ink_e2e::bob(), &registry.active_consents(bob))
        .dry_run()
        .await
        .expect("the chain answers")
        .return_value();
    assert_eq!(listed.len(), MOST);
    assert!(listed.iter().any(|c| c.id == granted) && !listed.iter().any(|c| c.id == ids[0]));
    Ok(())
}
