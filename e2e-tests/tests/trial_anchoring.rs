//! trial_anchoring on a real (in-process) chain with the real consent registry beside it:
//! research consent per protocol version checked across contracts at enrolment and live
//! afterwards, an amendment that makes a participant inactive until re-consent, data
//! batches anchored and proofs verified on chain, a late serious adverse event, and
//! results anchored against the pre-registered outcomes. Refusals are checked by dry run.
#![cfg(feature = "e2e-tests")]

mod support;

use healthchain_common::{
    access::{AccessControlled, Role},
    consent::{research_context, Purpose},
    merkle::{self, hash_leaf, Digest},
};
use ink::primitives::Hash;
use ink_e2e::ContractsBackend;
use support::{
    accounts, deploy_consent_registry, deploy_trial_anchoring, grant_consent, hash,
    participant_status, submit_or_refusal, Accounts, E2EResult,
};
use trial_anchoring::{
    data::{
        Causality, Error, Expectedness, ParticipantStatus, SafetyReport, Seriousness,
        TrialDelegateRole, DAY,
    },
    trial_anchoring::Callee,
};

fn records(n: usize) -> Vec<Digest> {
    (0..n)
        .map(|i| hash_leaf(format!("{{\"participant\":{},\"visit\":{i}}}", i % 7).as_bytes()))
        .collect()
}

#[ink_e2e::test(backend(runtime_only))]
async fn a_trial_from_registration_to_results<Client: E2EBackend>(
    mut client: Client,
) -> E2EResult<()> {
    let mut client = support::Scenario::new(client);
    // alice admin of both contracts; bob sponsor; charlie site; dave data manager; ferdie
    // and eve participants.
    let Accounts {
        bob,
        charlie,
        dave,
        eve,
        ferdie,
        ..
    } = accounts();
    let (registry_id, mut registry) = deploy_consent_registry(&mut client, &ink_e2e::alice()).await;
    let mut trials = deploy_trial_anchoring(&mut client, &ink_e2e::alice(), registry_id).await;
    submit_or_refusal(
        &mut client,
        &ink_e2e::alice(),
        &trials.grant_role(Role::Sponsor, bob),
    )
    .await
    .expect("the admin registers the sponsor");

    // Registration, before anyone is enrolled.
    let (protocol_v1, protocol_v2) = (hash(0x11), hash(0x21));
    let outcomes = support::registered_outcomes();
    let register = trials.register_trial(
        b"NCT01234567".to_vec(),
        protocol_v1,
        hash(0x12),
        outcomes.clone(),
        2,
    );
    let trial = submit_or_refusal(&mut client, &ink_e2e::bob(), &register)
        .await
        .expect("bob registers the trial");
    // Research consent names this contract, this trial and the protocol version.
    let trials_id = ink::ToAccountId::to_account_id(&trials);
    let context = |protocol| Some(research_context(trials_id, trial, protocol));
    let asked = client
        .call(&ink_e2e::ferdie(), &trials.consent_context(trial, 1))
        .dry_run()
        .await?
        .return_value();
    assert_eq!(
        asked,
        context(protocol_v1),
        "wallets ask the contract for it"
    );
    assert_eq!(
        submit_or_refusal(&mut client, &ink_e2e::bob(), &register).await,
        Err(Error::DuplicateRegistryId)
    );
    let not_sponsor = client
        .call(
            &ink_e2e::charlie(),
            &trials.register_trial(b"NCT7".to_vec(), protocol_v1, hash(1), outcomes.clone(), 1),
        )
        .dry_run()
        .await?;
    assert!(not_sponsor.return_value().is_err());
    for (delegate, role) in [
        (charlie, TrialDelegateRole::Site),
        (dave, TrialDelegateRole::DataManager),
    ] {
        submit_or_refusal(
            &mut client,
            &ink_e2e::bob(),
            &trials.name_delegate(trial, delegate, role),
        )
        .await
        .expect("bob names his delegates");
    }

    // Enrolment needs research consent to the sponsor for the current protocol.
    assert_eq!(
        submit_or_refusal(
            &mut client,
            &ink_e2e::charlie(),
            &trials.enrol(trial, ferdie)
        )
        .await,
        Err(Error::ConsentMissing)
    );
    grant_consent(
        &mut client,
        &mut registry,
        &ink_e2e::ferdie(),
        bob,
        Purpose::Research,
        context(protocol_v1),
    )
    .await
    .expect("ferdie consents to protocol v1");
    submit_or_refusal(
        &mut client,
        &ink_e2e::charlie(),
        &trials.enrol(trial, ferdie),
    )
    .await
    .expect("the site enrols ferdie");
    assert_eq!(
        participant_status(&mut client, &trials, trial, ferdie).await,
        ParticipantStatus::Active
    );
    assert_eq!(
        participant_status(&mut client, &trials, trial, eve).await,
        ParticipantStatus::NotEnrolled
    );

    // A data batch of 16 records, and its proofs checked on chain.
    let batch_records = records(16);
    let root = merkle::root(&batch_records).expect("records");
    let batch = submit_or_refusal(
        &mut client,
        &ink_e2e::dave(),
        &trials.anchor_batch(trial, root, 16, hash(0x40)),
    )
    .await
    .expect("the data manager anchors a batch");
    assert_eq!(batch, 1);
    for index in [0usize, 5, 15] {
        let proof = merkle::proof(&batch_records, index).expect("in range");
        let verify = trials.verify_inclusion(
            trial,
            batch,
            batch_records[index],
            index as u64,
            proof.clone(),
        );
        let answer = client
            .call(&ink_e2e::eve(), &verify)
            .dry_run()
            .await?
            .return_value();
        assert_eq!(answer, Ok(true), "record {index} is in the batch");
        let mut tampered = batch_records[index];
        tampered[0] ^= 1;
        let verify = trials.verify_inclusion(trial, batch, tampered, index as u64, proof);
        let answer = client
            .call(&ink_e2e::eve(), &verify)
            .dry_run()
            .await?
            .return_value();
        assert_eq!(answer, Ok(false), "a changed record is not");
    }
    let too_long = trials.verify_inclusion(trial, batch, batch_records[0], 0, vec![[0; 32]; 33]);
    assert_eq!(
        client
            .call(&ink_e2e::eve(), &too_long)
            .dry_run()
            .await?
            .return_value(),
        Err(Error::ProofTooLong)
    );

    // An amendment: ferdie is inactive until he re-consents; eve's consent to v1 is old.
    let version = submit_or_refusal(
        &mut client,
        &ink_e2e::bob(),
        &trials.amend_protocol(trial, protocol_v2, hash(0x22), hash(0x23), true),
    )
    .await
    .expect("bob amends the protocol");
    assert_eq!(version, 2);
    assert_eq!(
        participant_status(&mut client, &trials, trial, ferdie).await,
        ParticipantStatus::ConsentNotCurrent
    );
    grant_consent(
        &mut client,
        &mut registry,
        &ink_e2e::eve(),
        bob,
        Purpose::Research,
        context(protocol_v1),
    )
    .await
    .expect("eve consents to the old version");
    assert_eq!(
        submit_or_refusal(&mut client, &ink_e2e::charlie(), &trials.enrol(trial, eve)).await,
        Err(Error::ConsentForOlderProtocol)
    );
    grant_consent(
        &mut client,
        &mut registry,
        &ink_e2e::ferdie(),
        bob,
        Purpose::Research,
        context(protocol_v2),
    )
    .await
    .expect("ferdie re-consents");
    assert_eq!(
        participant_status(&mut client, &trials, trial, ferdie).await,
        ParticipantStatus::Active
    );
    // Revoking consent makes him inactive again, live.
    support::revoke_consent(
        &mut client,
        &mut registry,
        &ink_e2e::ferdie(),
        bob,
        Purpose::Research,
    )
    .await
    .expect("ferdie revokes");
    assert_eq!(
        participant_status(&mut client, &trials, trial, ferdie).await,
        ParticipantStatus::ConsentNotCurrent
    );

    // A fatal unexpected suspected adverse reaction the sponsor received 8 days ago:
    // late, although its determination is dated 3 days ago (the 7-day clock runs from
    // receipt, 21 CFR 312.32(c)(2)).
    let now = client
        .call(&ink_e2e::alice(), &trials.trial(trial))
        .dry_run()
        .await?
        .return_value()
        .expect("the trial exists")
        .registered_at;
    assert!(
        now > 17 * DAY,
        "the chain's clock is past 17 days after the epoch"
    );
    let received_at = now - 8 * DAY;
    // The site reports under its salted commitment to the participant: the public
    // record names no pseudonym beside the seriousness.
    let subject = trial_anchoring::data::subject_commitment(&ferdie, &[0x5b; 32]);
    let report = trials.report_adverse_event(
        trial,
        subject,
        SafetyReport {
            seriousness: Seriousness::Fatal,
            expectedness: Expectedness::Unexpected,
            causality: Causality::Suspected,
            onset_at: received_at - DAY,
            received_at,
            determined_at: Some(now - 3 * DAY),
            follows: None,
        },
        hash(0x50),
    );
    let number = submit_or_refusal(&mut client, &ink_e2e::charlie(), &report)
        .await
        .expect("the site reports the event");
    let event = client
        .call(&ink_e2e::ferdie(), &trials.adverse_event(trial, number))
        .dry_run()
        .await?
        .return_value()
        .expect("the event is stored");
    assert!(event.late, "reported after the 7-day deadline");
    assert_eq!(event.deadline, Some(received_at + 7 * DAY));
    assert!(!event.determination_late, "determined 5 days after receipt");

    // Freeze, then results; a changed outcome set needs a justification.
    assert_eq!(
        submit_or_refusal(
            &mut client,
            &ink_e2e::bob(),
            &trials.anchor_results(trial, hash(0x60), outcomes.clone(), None)
        )
        .await,
        Err(Error::DatabaseNotFrozen)
    );
    submit_or_refusal(&mut client, &ink_e2e::bob(), &trials.freeze_database(trial))
        .await
        .expect("bob freezes the database");
    assert_eq!(
        submit_or_refusal(
            &mut client,
            &ink_e2e::dave(),
            &trials.anchor_batch(trial, root, 16, hash(0x41))
        )
        .await,
        Err(Error::DatabaseFrozen)
    );
    // The primary outcome dropped.
    let switched = outcomes[1..].to_vec();
    assert_eq!(
        submit_or_refusal(
            &mut client,
            &ink_e2e::bob(),
            &trials.anchor_results(trial, hash(0x60), switched.clone(), None)
        )
        .await,
        Err(Error::OutcomeChangeUnjustified)
    );
    submit_or_refusal(
        &mut client,
        &ink_e2e::bob(),
        &trials.anchor_results(trial, hash(0x60), switched, Some(hash(0x61))),
    )
    .await
    .expect("results with a justified outcome change");
    let results = client
        .call(&ink_e2e::eve(), &trials.trial(trial))
        .dry_run()
        .await?
        .return_value()
        .expect("the trial exists")
        .results
        .expect("results are anchored");
    assert_eq!(results.switches, 1);
    assert_eq!(results.justification_hash, Some(Hash::from([0x61; 32])));

    // A registry that cannot answer (here: an account with no contract) refuses
    // enrolment with its own error and makes status unverifiable; nothing traps.
    submit_or_refusal(
        &mut client,
        &ink_e2e::alice(),
        &trials.propose_callee(Callee::ConsentRegistry, dave),
    )
    .await
    .expect("the admin proposes rewiring the registry");
    submit_or_refusal(&mut client, &ink_e2e::alice(), &trials.apply_callee())
        .await
        .expect("the admin rewires the registry (no change delay in the tests)");
    let second = submit_or_refusal(
        &mut client,
        &ink_e2e::bob(),
        &trials.register_trial(
            b"NCT07654321".to_vec(),
            protocol_v1,
            hash(0x12),
            outcomes,
            2,
        ),
    )
    .await
    .expect("bob registers a second trial");
    assert_eq!(
        submit_or_refusal(&mut client, &ink_e2e::bob(), &trials.enrol(second, eve)).await,
        Err(Error::ConsentRegistryUnavailable)
    );
    assert_eq!(
        participant_status(&mut client, &trials, trial, ferdie).await,
        ParticipantStatus::ConsentUnverifiable
    );
    Ok(())
}
