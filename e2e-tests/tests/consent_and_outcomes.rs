//! Consent as FHIR Consent and HIPAA describe it, across contracts, on the in-process
//! sandbox and on substrate-contracts-node (`make test-node`), issue 16:
//! - two trials of one sponsor, with a research consent each: withdrawing from one leaves
//!   the participant active in the other;
//! - a payment consent limited to demographics denies a claim, which discloses claims data
//!   (CO-16 with RARC N28), under a plan that requires consent;
//! - a plan under HIPAA ("permitted unless restricted") pays without consent, until the
//!   patient records a restriction for that provider: then the claim is denied (PR-96 with RARC N28);
//! - outcomes pre-registered one by one: an amendment before unblinding is recorded, not
//!   flagged, and the results' switches are reported per outcome and checked with
//!   `verify_outcome`.
#![cfg(feature = "e2e-tests")]

mod support;

use claim_settlement::data::{
    ClaimLine, Outcome as LineOutcome, PaymentConsent, PlanId, ReasonCode,
};
use consent_registry::data::ConsentStatus;
use healthchain_common::{
    access::{AccessControlled, Role},
    consent::{research_context, DataClasses, Purpose},
};
use ink::primitives::Hash;
use ink_e2e::{ContractsBackend, E2EBackend};
use std::fmt::Debug;
use support::{
    accounts, deploy_claim_settlement, deploy_consent_registry, deploy_drug_provenance,
    deploy_trial_anchoring, grant_consent, hash, participant_status, permit, procedure,
    record_consent, restriction, step, submit_or_refusal, Accounts, BackendError, Claims,
    E2EResult,
};
use trial_anchoring::{
    data::{Outcome, OutcomeCheck, OutcomeRank, ParticipantStatus},
    trial_anchoring::{OutcomeSwitched, OutcomesAmended, ResultsAnchored},
};

#[ink_e2e::test(backend(runtime_only(sandbox = support::recording::RecordingSandbox)))]
async fn consent_and_outcomes_on_the_sandbox<Client: E2EBackend>(
    mut client: Client,
) -> E2EResult<()> {
    let mut client = support::Scenario::new(client);
    two_trials_of_one_sponsor(&mut client).await;
    payment_follows_classes_law_and_restrictions(&mut client).await;
    outcomes_one_by_one(&mut client).await;
    Ok(())
}

/// The same on substrate-contracts-node (`make test-node`).
#[cfg(feature = "node-e2e")]
#[ink_e2e::test]
async fn consent_and_outcomes_on_the_node<Client: E2EBackend>(mut client: Client) -> E2EResult<()> {
    let mut client = support::Scenario::new(client);
    two_trials_of_one_sponsor(&mut client).await;
    payment_follows_classes_law_and_restrictions(&mut client).await;
    outcomes_one_by_one(&mut client).await;
    Ok(())
}

/// ferdie takes part in two trials of bob's, with a research consent for each; his
/// withdrawal from the first leaves him active in the second.
async fn two_trials_of_one_sponsor<Client: E2EBackend>(client: &mut support::Scenario<Client>)
where
    BackendError<Client>: Debug,
{
    let Accounts { bob, ferdie, .. } = accounts();
    let alice = ink_e2e::alice();
    let (registry_id, mut registry) = deploy_consent_registry(client, &alice).await;
    let mut trials = deploy_trial_anchoring(client, &alice, registry_id).await;
    let trials_id = ink::ToAccountId::to_account_id(&trials);
    submit_or_refusal(client, &alice, &trials.grant_role(Role::Sponsor, bob))
        .await
        .expect("the admin registers the sponsor");
    let mut enrolled = Vec::new();
    for (registry_number, protocol) in [(b"NCT00000161", hash(0x61)), (b"NCT00000162", hash(0x62))]
    {
        let trial = submit_or_refusal(
            client,
            &ink_e2e::bob(),
            &trials.register_trial(
                registry_number.to_vec(),
                protocol,
                hash(0x12),
                support::registered_outcomes(),
                10,
            ),
        )
        .await
        .expect("bob registers the trial");
        let context = Some(research_context(trials_id, trial, protocol));
        let consent = grant_consent(
            client,
            &mut registry,
            &ink_e2e::ferdie(),
            bob,
            Purpose::Research,
            context,
        )
        .await
        .expect("ferdie consents to this trial");
        submit_or_refusal(client, &ink_e2e::bob(), &trials.enrol(trial, ferdie))
            .await
            .expect("bob enrols ferdie");
        enrolled.push((trial, consent));
    }
    let [(first, first_consent), (second, second_consent)] = enrolled[..] else {
        unreachable!("two trials")
    };
    assert_ne!(
        first_consent, second_consent,
        "the second consent does not replace the first"
    );
    for trial in [first, second] {
        assert_eq!(
            participant_status(client, &trials, trial, ferdie).await,
            ParticipantStatus::Active
        );
    }
    submit_or_refusal(
        client,
        &ink_e2e::ferdie(),
        &registry.set_consent_status(ferdie, first_consent, ConsentStatus::Inactive),
    )
    .await
    .expect("ferdie withdraws his consent to the first trial");
    assert_eq!(
        participant_status(client, &trials, first, ferdie).await,
        ParticipantStatus::ConsentNotCurrent
    );
    assert_eq!(
        participant_status(client, &trials, second, ferdie).await,
        ParticipantStatus::Active,
        "the second trial's consent stands"
    );
    let kept = client
        .call(&alice, &registry.consent(ferdie, first_consent))
        .dry_run()
        .await
        .expect("the registry answers")
        .return_value()
        .expect("the withdrawn consent is kept");
    assert_eq!(kept.status, ConsentStatus::Inactive);
}

/// Claims against the consent registry: a class-limited consent under a plan that
/// requires consent, then a HIPAA plan without consent, then a restriction.
async fn payment_follows_classes_law_and_restrictions<Client: E2EBackend>(
    client: &mut support::Scenario<Client>,
) where
    BackendError<Client>: Debug,
{
    let Accounts {
        dave, eve, ferdie, ..
    } = accounts();
    let alice = ink_e2e::alice();
    let (registry_id, mut registry) = deploy_consent_registry(client, &alice).await;
    let (ledger_id, _) = deploy_drug_provenance(client, &alice, accounts().bob, dave).await;
    let mut claims = deploy_claim_settlement(client, &alice, registry_id, ledger_id).await;
    submit_or_refusal(client, &alice, &claims.grant_role(Role::Insurer, eve))
        .await
        .expect("the admin registers the insurer");
    submit_or_refusal(client, &alice, &claims.grant_role(Role::Provider, dave))
        .await
        .expect("the admin registers the provider");
    let mut plans = Vec::new();
    for law in [
        PaymentConsent::Required,
        PaymentConsent::PermittedUnlessRestricted,
    ] {
        plans.push(
            support::eve_plan(
                client,
                &mut claims,
                law,
                None,
                vec![(procedure(b"99213"), 150)],
            )
            .await,
        );
    }
    let [required, hipaa] = plans[..] else {
        unreachable!("two plans")
    };

    // A payment consent limited to demographics: a claim discloses claims data.
    let demographics = permit(
        Purpose::Payment,
        DataClasses::DEMOGRAPHICS,
        None,
        hash(0xF3),
    );
    record_consent(
        client,
        &mut registry,
        &ink_e2e::ferdie(),
        dave,
        demographics,
    )
    .await
    .expect("ferdie consents to payment for demographics only");
    let today = support::granted_at(client, &registry, ferdie, dave, Purpose::Payment).await;
    assert_eq!(
        claim_outcome(client, &mut claims, required, today).await.1,
        vec![ReasonCode::NoPaymentConsent],
        "a consent for demographics does not cover a claim"
    );
    // The HIPAA plan needs no consent.
    let (outcome, reasons) = claim_outcome(client, &mut claims, hipaa, today).await;
    assert_eq!(
        (outcome, reasons),
        (LineOutcome::Approved, vec![]),
        "permitted unless restricted: approved without a payment consent for claims"
    );
    // ferdie paid out of pocket for a visit and restricts disclosure to the plan.
    let restricted = restriction(Purpose::Payment, DataClasses::CLAIMS, hash(0xF4));
    record_consent(client, &mut registry, &ink_e2e::ferdie(), dave, restricted)
        .await
        .expect("ferdie records a restriction");
    for plan in [hipaa, required] {
        assert_eq!(
            claim_outcome(client, &mut claims, plan, today).await.1,
            vec![ReasonCode::PaymentRestricted],
            "a restriction denies the claim under either law"
        );
    }
}

/// dave's one-visit claim for ferdie in `plan` on `service_date`: the line's outcome and
/// reasons.
async fn claim_outcome<Client: E2EBackend>(
    client: &mut support::Scenario<Client>,
    claims: &mut Claims,
    plan: PlanId,
    service_date: u64,
) -> (LineOutcome, Vec<ReasonCode>)
where
    BackendError<Client>: Debug,
{
    let visit = ClaimLine {
        code: procedure(b"99213"),
        quantity: 1,
        charge: 150,
        unit: None,
        modifier: None,
        authorization: None,
    };
    let message = claims.submit_claim(
        accounts().ferdie,
        plan,
        service_date,
        vec![visit],
        hash(0xAC),
    );
    let claim = submit_or_refusal(client, &ink_e2e::dave(), &message)
        .await
        .expect("the claim is adjudicated");
    let lines = client
        .call(&ink_e2e::eve(), &claims.claim_lines(claim))
        .dry_run()
        .await
        .expect("the chain answers")
        .return_value()
        .expect("the claim exists");
    (lines[0].outcome, lines[0].reasons().clone())
}

/// bob's trial pre-registers HbA1c (primary) and weight (secondary) at 26 weeks, amends
/// the weight's time point while blinded, then reports weight as primary, drops HbA1c and
/// adds a quality-of-life score: three switches, each reported on its own.
async fn outcomes_one_by_one<Client: E2EBackend>(client: &mut support::Scenario<Client>)
where
    BackendError<Client>: Debug,
    <Client as ContractsBackend<ink::env::DefaultEnvironment>>::EventLog: support::EmittedEvents,
{
    let alice = ink_e2e::alice();
    let bob = ink_e2e::bob();
    let (registry_id, _) = deploy_consent_registry(client, &alice).await;
    let mut trials = deploy_trial_anchoring(client, &alice, registry_id).await;
    let trials_id = ink::ToAccountId::to_account_id(&trials);
    submit_or_refusal(
        client,
        &alice,
        &trials.grant_role(Role::Sponsor, accounts().bob),
    )
    .await
    .expect("the admin registers the sponsor");
    let registered = support::registered_outcomes();
    let [hba1c, weight] = registered[..] else {
        unreachable!("two outcomes")
    };
    let register = trials.register_trial(
        b"NCT00000163".to_vec(),
        hash(0x63),
        hash(0x12),
        registered.clone(),
        10,
    );
    let trial = submit_or_refusal(client, &bob, &register)
        .await
        .expect("bob registers the trial");

    // A documented amendment while blinded: weight at 52 weeks.
    let weight_52 = Outcome {
        time_frame_days: 364,
        ..weight
    };
    let amended = vec![hba1c, weight_52];
    let amendment = step(
        client,
        &bob,
        &trials.amend_outcomes(trial, amended.clone(), hash(0x64)),
        "outcome amendment",
    )
    .await;
    let changes = support::events_of::<OutcomeSwitched>(&amendment.events, trials_id);
    assert_eq!(changes.len(), 1);
    assert!(
        changes[0].0.before_unblinding,
        "recorded as an amendment, not a switch"
    );
    assert_eq!(
        support::the_event::<OutcomesAmended>(&amendment.events, trials_id).changes,
        1
    );
    submit_or_refusal(client, &bob, &trials.freeze_database(trial))
        .await
        .expect("bob freezes the database");

    // Results: weight promoted to primary, HbA1c dropped, quality of life added.
    let weight_primary = Outcome {
        rank: OutcomeRank::Primary,
        ..weight_52
    };
    let quality_of_life = Outcome {
        measure: Hash::from(healthchain_common::merkle::blake2_256(b"SF-36 score")),
        rank: OutcomeRank::Secondary,
        time_frame_days: 364,
    };
    let reported = vec![weight_primary, quality_of_life];
    let results = step(
        client,
        &bob,
        &trials.anchor_results(trial, hash(0x65), reported.clone(), Some(hash(0x66))),
        "results",
    )
    .await;
    let switches = support::events_of::<OutcomeSwitched>(&results.events, trials_id);
    let reported_switches: Vec<(Hash, Option<Outcome>, Option<Outcome>, bool)> = switches
        .iter()
        .map(|(e, _)| (e.measure, e.before, e.after, e.before_unblinding))
        .collect();
    assert_eq!(
        reported_switches,
        vec![
            (hba1c.measure, Some(hba1c), None, false),
            (weight.measure, Some(weight_52), Some(weight_primary), false),
            (quality_of_life.measure, None, Some(quality_of_life), false),
        ],
        "a dropped primary, a promoted secondary and an added outcome, one event each"
    );
    assert_eq!(
        support::the_event::<ResultsAnchored>(&results.events, trials_id).switches,
        3
    );
    let check = |measure| trials.verify_outcome(trial, measure);
    for (measure, expected) in [
        (
            hba1c.measure,
            OutcomeCheck {
                registered: Some(hba1c),
                reported: None,
                switched: true,
            },
        ),
        (
            quality_of_life.measure,
            OutcomeCheck {
                registered: None,
                reported: Some(quality_of_life),
                switched: true,
            },
        ),
    ] {
        let answer = client
            .call(&alice, &check(measure))
            .dry_run()
            .await
            .expect("the chain answers")
            .return_value();
        assert_eq!(answer, Ok(expected));
    }
}
