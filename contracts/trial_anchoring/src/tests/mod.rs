//! Unit tests of every message and error path on ink!'s off-chain environment, with the
//! consent registry answered from memory (`healthchain_common::test_doubles`), and a
//! property test of on-chain inclusion proofs.

use crate::{data::*, trial_anchoring::*};
use healthchain_common::{
    access::{AccessControlled, AccessError, CalleeChanged, Role},
    consent::{research_context, Purpose},
    merkle::{self, hash_leaf, Digest},
    test_doubles,
    unit_test::{event_count, events_of, last_event, topic},
};
use ink::{
    env::{test, DefaultEnvironment as Env},
    primitives::{AccountId, Hash},
};
use proptest::prelude::*;

const NOW: u64 = 1_700_000_000_000;
/// The chain the unit tests' contracts are bound to.
const CHAIN: [u8; 32] = [0xC4; 32];
const PLANNED: u32 = 3;

fn hash(byte: u8) -> Hash {
    Hash::from([byte; 32])
}

fn registry() -> AccountId {
    AccountId::from([0xC0; 32])
}

fn as_caller(account: AccountId) {
    test::set_caller::<Env>(account);
}

fn protocol_v1() -> Hash {
    hash(0x11)
}

/// The pre-registered outcomes: HbA1c at 26 weeks (primary), weight at 26 weeks
/// (secondary).
fn outcomes() -> Vec<Outcome> {
    vec![
        Outcome {
            measure: hash(0x22),
            rank: OutcomeRank::Primary,
            time_frame_days: 182,
        },
        Outcome {
            measure: hash(0x23),
            rank: OutcomeRank::Secondary,
            time_frame_days: 182,
        },
    ]
}

/// alice admin, bob sponsor, charlie site, django data manager, eve and frank
/// participants.
struct Parties {
    admin: AccountId,
    sponsor: AccountId,
    site: AccountId,
    data_manager: AccountId,
    participant: AccountId,
    other: AccountId,
}

fn parties() -> Parties {
    let a = test::default_accounts::<Env>();
    Parties {
        admin: a.alice,
        sponsor: a.bob,
        site: a.charlie,
        data_manager: a.django,
        participant: a.eve,
        other: a.frank,
    }
}

/// Research consent of `participant` to trial 1's protocol `protocol`, in the context
/// the contract asks for.
fn consent(p: &Parties, participant: AccountId, protocol: Hash) {
    consent_to(p, participant, 1, protocol);
}

fn context(trial: TrialId, protocol: Hash) -> Hash {
    research_context(test::callee::<Env>(), trial, protocol)
}

fn consent_to(p: &Parties, participant: AccountId, trial: TrialId, protocol: Hash) {
    test_doubles::grant_consent(
        registry(),
        participant,
        p.sponsor,
        Purpose::Research,
        Some(context(trial, protocol)),
    );
}

/// A contract with one registered trial (id 1), a site and a data manager.
fn setup() -> (TrialAnchoring, Parties) {
    let p = parties();
    test::set_block_timestamp::<Env>(NOW);
    as_caller(p.admin);
    let mut contract = TrialAnchoring::new(
        registry(),
        Hash::from(CHAIN),
        0,
        Hash::from([0xA1; 32]),
        Hash::from([0xA2; 32]),
    );
    contract.grant_role(Role::Sponsor, p.sponsor).unwrap();
    as_caller(p.sponsor);
    let trial = contract
        .register_trial(
            b"NCT01234567".to_vec(),
            protocol_v1(),
            hash(0x12),
            outcomes(),
            PLANNED,
        )
        .unwrap();
    assert_eq!(trial, 1);
    contract
        .name_delegate(1, p.site, TrialDelegateRole::Site)
        .unwrap();
    contract
        .name_delegate(1, p.data_manager, TrialDelegateRole::DataManager)
        .unwrap();
    (contract, p)
}

fn enrolled() -> (TrialAnchoring, Parties) {
    let (mut contract, p) = setup();
    consent(&p, p.participant, protocol_v1());
    as_caller(p.site);
    contract.enrol(1, p.participant).unwrap();
    (contract, p)
}

#[ink::test]
fn register_trial_stores_version_one_and_events() {
    let (contract, p) = setup();
    let trial = contract.trial(1).unwrap();
    assert_eq!(trial.sponsor, p.sponsor);
    assert_eq!(trial.registry_id, b"NCT01234567".to_vec());
    assert_eq!(trial.protocol_version, 1);
    assert_eq!(trial.protocol_hash, protocol_v1());
    assert_eq!(trial.planned_enrolment, PLANNED);
    assert_eq!(trial.registered_at, NOW);
    assert_eq!(contract.trial_count(), 1);
    assert_eq!(
        contract.trial_by_registry_id(b"nct01234567".to_vec()),
        Some(1)
    );
    assert_eq!(contract.trial_by_registry_id(b"".to_vec()), None);
    let v1 = contract.protocol_version(1, 1).unwrap();
    assert_eq!((v1.protocol_hash, v1.reason_hash), (protocol_v1(), None));
    assert_eq!(contract.delegate(1, p.site), Some(TrialDelegateRole::Site));
    let events = healthchain_common::unit_test::events_of::<TrialRegistered>();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].trial, 1);
    assert_eq!(events[0].outcomes_root, outcomes_root(&outcomes()));
    assert_eq!(contract.outcomes(1), Ok((outcomes(), None)));
}

#[ink::test]
fn register_trial_refuses_bad_input() {
    let (mut contract, p) = setup();
    let before = event_count();
    let register = |c: &mut TrialAnchoring, id: &[u8], protocol: Hash, root: Digest, planned| {
        // `root` picks the outcome list: all zeros for a zero measure.
        let mut list = outcomes();
        list[0].measure = Hash::from(root);
        c.register_trial(id.to_vec(), protocol, hash(0x12), list, planned)
    };
    as_caller(p.sponsor);
    assert_eq!(
        register(&mut contract, b"NCT01234567", hash(1), [1; 32], 1),
        Err(Error::DuplicateRegistryId)
    );
    assert_eq!(
        register(&mut contract, b"Nct01234567", hash(1), [1; 32], 1),
        Err(Error::DuplicateRegistryId)
    );
    assert_eq!(
        register(&mut contract, b"", hash(1), [1; 32], 1),
        Err(Error::InvalidRegistryId)
    );
    assert_eq!(
        register(&mut contract, &[b'X'; 65], hash(1), [1; 32], 1),
        Err(Error::InvalidRegistryId)
    );
    assert_eq!(
        register(&mut contract, b"NCT2", hash(0), [1; 32], 1),
        Err(Error::ZeroHash)
    );
    assert_eq!(
        register(&mut contract, b"NCT2", hash(1), [0; 32], 1),
        Err(Error::ZeroHash)
    );
    assert_eq!(
        register(&mut contract, b"NCT2", hash(1), [1; 32], 0),
        Err(Error::ZeroPlannedEnrolment)
    );
    // Issue 16: outcomes need a primary one, distinct measures, at most 32.
    let [primary, secondary] = outcomes()[..] else {
        unreachable!()
    };
    for (list, error) in [
        (vec![secondary], Error::NoPrimaryOutcome),
        (vec![primary, primary], Error::DuplicateOutcome),
        (vec![], Error::InvalidOutcomes),
        (vec![primary; MAX_OUTCOMES + 1], Error::InvalidOutcomes),
    ] {
        assert_eq!(
            contract.register_trial(b"NCT2".to_vec(), hash(1), hash(0x12), list, 1),
            Err(error)
        );
    }
    as_caller(p.site);
    assert_eq!(
        register(&mut contract, b"NCT2", hash(1), [1; 32], 1),
        Err(Error::Access(AccessError::MissingRole(Role::Sponsor)))
    );
    assert_eq!(event_count(), before);
    as_caller(p.sponsor);
    assert_eq!(register(&mut contract, b"NCT2", hash(1), [1; 32], 1), Ok(2));
}

#[ink::test]
fn delegates_are_named_and_removed_by_the_sponsor_only() {
    let (mut contract, p) = setup();
    as_caller(p.site);
    assert_eq!(
        contract.name_delegate(1, p.other, TrialDelegateRole::Site),
        Err(Error::NotTrialSponsor)
    );
    assert_eq!(
        contract.remove_delegate(1, p.site),
        Err(Error::NotTrialSponsor)
    );
    as_caller(p.sponsor);
    assert_eq!(
        contract.name_delegate(1, p.sponsor, TrialDelegateRole::Site),
        Err(Error::DelegateIsSponsor)
    );
    assert_eq!(
        contract.name_delegate(9, p.other, TrialDelegateRole::Site),
        Err(Error::UnknownTrial)
    );
    contract
        .name_delegate(1, p.site, TrialDelegateRole::DataManager)
        .unwrap();
    let (named, topics) = last_event::<DelegateNamed>();
    assert_eq!(named.role, TrialDelegateRole::DataManager);
    assert!(topics.is_empty(), "only safety notices carry field topics");
    contract.remove_delegate(1, p.site).unwrap();
    assert_eq!(last_event::<DelegateRemoved>().0.delegate, p.site);
    assert_eq!(contract.delegate(1, p.site), None);
    assert_eq!(
        contract.remove_delegate(1, p.site),
        Err(Error::UnknownDelegate)
    );
}

#[ink::test]
fn enrol_checks_research_consent_for_the_current_protocol() {
    let (mut contract, p) = setup();
    as_caller(p.site);
    assert_eq!(contract.enrol(1, p.participant), Err(Error::ConsentMissing));
    // Consent to someone else, or for another purpose, does not count.
    test_doubles::grant_consent(
        registry(),
        p.participant,
        p.site,
        Purpose::Research,
        Some(context(1, protocol_v1())),
    );
    test_doubles::grant_consent(
        registry(),
        p.participant,
        p.sponsor,
        Purpose::Treatment,
        Some(context(1, protocol_v1())),
    );
    // Consent naming the bare protocol hash, not this contract and trial, does not count.
    test_doubles::grant_consent(
        registry(),
        p.participant,
        p.sponsor,
        Purpose::Research,
        Some(protocol_v1()),
    );
    assert_eq!(contract.enrol(1, p.participant), Err(Error::ConsentMissing));
    consent(&p, p.participant, protocol_v1());
    contract.enrol(1, p.participant).unwrap();
    let (event, topics) = last_event::<ParticipantEnrolled>();
    assert_eq!((event.protocol_version, event.enrolled_by), (1, p.site));
    assert!(topics.is_empty(), "only safety notices carry field topics");
    assert_eq!(contract.trial(1).unwrap().enrolled, 1);
    let enrolment = contract.enrolment(1, p.participant).unwrap();
    assert_eq!((enrolment.enrolled_at, enrolment.withdrawal), (NOW, None));
    assert!(contract.is_active(1, p.participant));
    assert_eq!(
        contract.enrol(1, p.participant),
        Err(Error::AlreadyEnrolled)
    );
}

#[ink::test]
fn enrol_refuses_strangers_unknown_trials_and_full_trials() {
    let (mut contract, p) = setup();
    consent(&p, p.participant, protocol_v1());
    as_caller(p.data_manager);
    assert_eq!(
        contract.enrol(1, p.participant),
        Err(Error::NotSponsorOrDelegate)
    );
    as_caller(p.site);
    assert_eq!(contract.enrol(7, p.participant), Err(Error::UnknownTrial));
    let extra: Vec<AccountId> = (0..PLANNED)
        .map(|i| AccountId::from([0x70 + i as u8; 32]))
        .collect();
    for account in &extra {
        consent(&p, *account, protocol_v1());
        contract.enrol(1, *account).unwrap();
    }
    assert_eq!(contract.enrol(1, p.participant), Err(Error::EnrolmentFull));
    assert_eq!(contract.trial(1).unwrap().enrolled, PLANNED);
}

#[ink::test]
fn an_unreachable_registry_refuses_enrolment_without_trapping() {
    let (mut contract, p) = setup();
    consent(&p, p.participant, protocol_v1());
    test_doubles::fail_calls_to(registry());
    as_caller(p.sponsor);
    assert_eq!(
        contract.enrol(1, p.participant),
        Err(Error::ConsentRegistryUnavailable)
    );
    assert_eq!(
        contract.participant_status(1, p.participant),
        ParticipantStatus::NotEnrolled
    );
}

#[ink::test]
fn amendment_makes_participants_inactive_until_they_re_consent() {
    let (mut contract, p) = enrolled();
    as_caller(p.sponsor);
    assert_eq!(
        contract.amend_protocol(1, hash(0x31), hash(0x32), hash(0x3a), true),
        Ok(2)
    );
    let (amended, topics) = last_event::<ProtocolAmended>();
    assert_eq!((amended.version, amended.protocol_hash), (2, hash(0x31)));
    assert!(topics.is_empty(), "only safety notices carry field topics");
    assert_eq!(contract.trial(1).unwrap().protocol_hash, hash(0x31));
    assert_eq!(
        contract.protocol_version(1, 2).unwrap().reason_hash,
        Some(hash(0x32))
    );
    // Version 1 stays readable.
    assert_eq!(
        contract.protocol_version(1, 1).unwrap().protocol_hash,
        protocol_v1()
    );
    assert_eq!(
        contract.participant_status(1, p.participant),
        ParticipantStatus::ConsentNotCurrent
    );
    assert!(!contract.is_active(1, p.participant));
    // A new participant who consented to version 1 only is told to re-consent.
    consent(&p, p.other, protocol_v1());
    assert_eq!(
        contract.enrol(1, p.other),
        Err(Error::ConsentForOlderProtocol)
    );
    consent(&p, p.participant, hash(0x31));
    assert!(contract.is_active(1, p.participant));
    consent(&p, p.other, hash(0x31));
    contract.enrol(1, p.other).unwrap();
    assert_eq!(contract.enrolment(1, p.other).unwrap().protocol_version, 2);
}

/// Issue 16: an amendment the IRB approved without re-consent keeps participants active
/// on the consent they gave; the next one that requires it makes them re-consent, and
/// `consent_context` names the version consent must name at each step.
#[ink::test]
fn an_amendment_without_re_consent_keeps_participants_active() {
    let (mut contract, p) = enrolled();
    as_caller(p.sponsor);
    assert_eq!(
        contract.amend_protocol(1, hash(0x31), hash(0x32), hash(0x33), false),
        Ok(2)
    );
    let (amended, _) = last_event::<ProtocolAmended>();
    assert_eq!(
        (amended.approval_hash, amended.requires_reconsent),
        (hash(0x33), false)
    );
    let trial = contract.trial(1).unwrap();
    assert_eq!(
        (
            trial.protocol_version,
            trial.protocol_hash,
            trial.consent_version
        ),
        (2, hash(0x31), 1)
    );
    let version = contract.protocol_version(1, 2).unwrap();
    assert_eq!(
        (version.approval_hash, version.consent_version),
        (Some(hash(0x33)), 1)
    );
    assert!(contract.is_active(1, p.participant));
    // Consent to version 1 still enrols a newcomer, recorded as version 1's consent.
    assert_eq!(
        contract.consent_context(1, 2),
        Some(context(1, protocol_v1()))
    );
    consent(&p, p.other, protocol_v1());
    contract.enrol(1, p.other).unwrap();
    assert_eq!(contract.enrolment(1, p.other).unwrap().protocol_version, 1);
    // Version 3 requires re-consent: now only consent to its hash counts.
    assert_eq!(
        contract.amend_protocol(1, hash(0x41), hash(0x42), hash(0x43), true),
        Ok(3)
    );
    assert_eq!(contract.consent_context(1, 3), Some(context(1, hash(0x41))));
    assert_eq!(
        contract.consent_context(1, 2),
        Some(context(1, protocol_v1()))
    );
    assert_eq!(
        contract.participant_status(1, p.participant),
        ParticipantStatus::ConsentNotCurrent
    );
    consent(&p, p.participant, hash(0x41));
    assert!(contract.is_active(1, p.participant));
    assert_eq!(contract.consent_context(1, 4), None);
}

#[ink::test]
fn amendment_refuses_bad_input() {
    let (mut contract, p) = setup();
    as_caller(p.site);
    assert_eq!(
        contract.amend_protocol(1, hash(0x31), hash(0x32), hash(0x3a), true),
        Err(Error::NotTrialSponsor)
    );
    as_caller(p.sponsor);
    assert_eq!(
        contract.amend_protocol(2, hash(0x31), hash(0x32), hash(0x3a), true),
        Err(Error::UnknownTrial)
    );
    assert_eq!(
        contract.amend_protocol(1, protocol_v1(), hash(0x32), hash(0x3a), true),
        Err(Error::ProtocolUnchanged)
    );
    assert_eq!(
        contract.amend_protocol(1, hash(0), hash(0x32), hash(0x3a), true),
        Err(Error::ZeroHash)
    );
    assert_eq!(
        contract.amend_protocol(1, hash(0x31), hash(0), hash(0x3a), true),
        Err(Error::ZeroHash)
    );
    // The IRB's approval is required, whatever it decided.
    assert_eq!(
        contract.amend_protocol(1, hash(0x31), hash(0x32), hash(0), false),
        Err(Error::ZeroHash)
    );
    contract.freeze_database(1).unwrap();
    assert_eq!(
        contract.amend_protocol(1, hash(0x31), hash(0x32), hash(0x3a), true),
        Err(Error::DatabaseFrozen)
    );
    assert_eq!(contract.trial(1).unwrap().protocol_version, 1);
}

#[ink::test]
fn revoked_consent_and_withdrawal_make_participants_inactive() {
    let (mut contract, p) = enrolled();
    test_doubles::revoke_consent(registry(), p.participant, p.sponsor, Purpose::Research);
    assert_eq!(
        contract.participant_status(1, p.participant),
        ParticipantStatus::ConsentNotCurrent
    );
    consent(&p, p.participant, protocol_v1());
    assert!(contract.is_active(1, p.participant));
    // Nobody else withdraws a participant.
    as_caller(p.data_manager);
    assert_eq!(
        contract.withdraw(1, p.participant, WithdrawalLevel::Complete),
        Err(Error::NotParticipantOrSite)
    );
    as_caller(p.participant);
    contract
        .withdraw(1, p.participant, WithdrawalLevel::Complete)
        .unwrap();
    let (event, _) = last_event::<ParticipantWithdrawn>();
    assert_eq!(event.by, p.participant);
    assert_eq!(
        contract.participant_status(1, p.participant),
        ParticipantStatus::Withdrawn(WithdrawalLevel::Complete)
    );
    assert_eq!(
        contract.withdraw(1, p.participant, WithdrawalLevel::Complete),
        Err(Error::AlreadyWithdrawn)
    );
    assert_eq!(
        contract.withdraw(1, p.other, WithdrawalLevel::Complete),
        Err(Error::NotParticipantOrSite)
    );
    as_caller(p.other);
    assert_eq!(
        contract.withdraw(1, p.other, WithdrawalLevel::Complete),
        Err(Error::NotEnrolled)
    );
    assert_eq!(
        contract.withdraw(5, p.other, WithdrawalLevel::Complete),
        Err(Error::UnknownTrial)
    );
    assert_eq!(
        contract.participant_status(5, p.other),
        ParticipantStatus::NotEnrolled
    );
    test_doubles::fail_calls_to(registry());
    assert_eq!(
        contract.participant_status(1, p.participant),
        ParticipantStatus::Withdrawn(WithdrawalLevel::Complete)
    );
}

#[ink::test]
fn a_site_withdraws_on_behalf_and_the_status_is_unverifiable_without_registry() {
    let (mut contract, p) = enrolled();
    test_doubles::fail_calls_to(registry());
    assert_eq!(
        contract.participant_status(1, p.participant),
        ParticipantStatus::ConsentUnverifiable
    );
    as_caller(p.site);
    contract
        .withdraw(1, p.participant, WithdrawalLevel::Complete)
        .unwrap();
    assert_eq!(last_event::<ParticipantWithdrawn>().0.by, p.site);
}

/// Issue 15: a participant's trial pseudonym, holding no tokens, signs its withdrawal; a
/// site submits it, while paused too. A replay, a copy to another contract or a signature
/// by anyone else is refused.
#[ink::test]
fn a_participant_withdraws_by_signature_through_a_relayer() {
    use healthchain_common::relay::{
        signer::{Pseudonym, Relationship},
        RelayError,
    };
    let (mut contract, p) = setup();
    let here = test::callee::<Env>();
    let participant = Pseudonym::derive(
        &[0x5E; 32],
        Relationship::Trial {
            trials: here,
            trial: 1,
        },
    );
    let who = participant.account();
    consent(&p, who, protocol_v1());
    as_caller(p.site);
    contract.enrol(1, who).unwrap();
    let deadline = NOW + 60_000;
    let sign = |by: &Pseudonym, contract: AccountId, nonce| {
        by.sign_instruction(
            RELAY_DOMAIN,
            Hash::from(CHAIN),
            contract,
            nonce,
            deadline,
            &Withdrawal {
                trial: 1,
                level: WithdrawalLevel::FollowUp,
            },
        )
    };
    as_caller(p.admin);
    contract.pause().unwrap();
    as_caller(p.other); // any relayer
    let elsewhere = sign(&participant, AccountId::from([0xEE; 32]), 0);
    assert_eq!(
        contract.relay_withdrawal(1, WithdrawalLevel::FollowUp, who, 0, deadline, elsewhere),
        Err(Error::Relay(RelayError::BadSignature))
    );
    let someone = Pseudonym::derive(
        &[1; 32],
        Relationship::Trial {
            trials: here,
            trial: 1,
        },
    );
    assert_eq!(
        contract.relay_withdrawal(
            1,
            WithdrawalLevel::FollowUp,
            who,
            0,
            deadline,
            sign(&someone, here, 0)
        ),
        Err(Error::Relay(RelayError::BadSignature))
    );
    let signature = sign(&participant, here, 0);
    contract
        .relay_withdrawal(1, WithdrawalLevel::FollowUp, who, 0, deadline, signature)
        .unwrap();
    let (event, _) = last_event::<ParticipantWithdrawn>();
    assert_eq!(
        (event.participant, event.by, event.level),
        (who, who, WithdrawalLevel::FollowUp)
    );
    assert_eq!(
        contract.participant_status(1, who),
        ParticipantStatus::Withdrawn(WithdrawalLevel::FollowUp)
    );
    // The level is signed: a relayer cannot turn it into another.
    assert_eq!(
        contract.relay_withdrawal(1, WithdrawalLevel::Complete, who, 1, deadline, signature),
        Err(Error::Relay(RelayError::BadSignature))
    );
    assert_eq!(contract.relay_nonce(who), (Hash::from(CHAIN), 1));
    assert_eq!(
        contract.relay_withdrawal(1, WithdrawalLevel::FollowUp, who, 0, deadline, signature),
        Err(Error::Relay(RelayError::BadNonce))
    );
}

fn records(n: usize) -> Vec<Digest> {
    (0..n)
        .map(|i| hash_leaf(format!("{{\"record\":{i}}}").as_bytes()))
        .collect()
}

#[ink::test]
fn anchored_batches_verify_inclusion_proofs() {
    let (mut contract, p) = setup();
    let leaves = records(16);
    let root = merkle::root(&leaves).unwrap();
    as_caller(p.data_manager);
    assert_eq!(contract.anchor_batch(1, root, 16, hash(0x40)), Ok(1));
    let (event, topics) = last_event::<BatchAnchored>();
    assert_eq!(
        (event.batch, event.leaf_count, event.anchored_by),
        (1, 16, p.data_manager)
    );
    assert!(topics.is_empty(), "only safety notices carry field topics");
    as_caller(p.sponsor);
    assert_eq!(contract.anchor_batch(1, [9; 32], 1, hash(0x41)), Ok(2));
    assert_eq!(contract.trial(1).unwrap().batches, 2);
    assert_eq!(contract.batch(1, 1).unwrap().root, root);
    for (i, leaf) in leaves.iter().enumerate() {
        let proof = merkle::proof(&leaves, i).unwrap();
        assert_eq!(
            contract.verify_inclusion(1, 1, *leaf, i as u64, proof.clone()),
            Ok(true)
        );
        // The right leaf at the wrong index, or in another batch, does not verify.
        let other = (i + 1) % 16;
        assert_eq!(
            contract.verify_inclusion(1, 1, *leaf, other as u64, proof.clone()),
            Ok(false)
        );
        assert_eq!(contract.verify_inclusion(1, 2, *leaf, 0, proof), Ok(false));
    }
    assert_eq!(
        contract.verify_inclusion(1, 1, leaves[0], 16, vec![]),
        Err(Error::LeafIndexOutOfRange)
    );
    assert_eq!(
        contract.verify_inclusion(1, 1, leaves[0], 0, vec![[0; 32]; 33]),
        Err(Error::ProofTooLong)
    );
    assert_eq!(
        contract.verify_inclusion(1, 3, leaves[0], 0, vec![]),
        Err(Error::UnknownBatch)
    );
    assert_eq!(
        contract.verify_inclusion(2, 1, leaves[0], 0, vec![]),
        Err(Error::UnknownTrial)
    );
}

#[ink::test]
fn anchoring_refuses_bad_input_and_frozen_databases() {
    let (mut contract, p) = setup();
    let before = event_count();
    as_caller(p.site);
    assert_eq!(
        contract.anchor_batch(1, [1; 32], 4, hash(0x40)),
        Err(Error::NotSponsorOrDelegate)
    );
    as_caller(p.data_manager);
    assert_eq!(
        contract.anchor_batch(3, [1; 32], 4, hash(0x40)),
        Err(Error::UnknownTrial)
    );
    assert_eq!(
        contract.anchor_batch(1, [0; 32], 4, hash(0x40)),
        Err(Error::ZeroHash)
    );
    assert_eq!(
        contract.anchor_batch(1, [1; 32], 4, hash(0)),
        Err(Error::ZeroHash)
    );
    assert_eq!(
        contract.anchor_batch(1, [1; 32], 0, hash(0x40)),
        Err(Error::ZeroLeafCount)
    );
    assert_eq!(event_count(), before);
    as_caller(p.data_manager);
    assert_eq!(contract.freeze_database(1), Err(Error::NotTrialSponsor));
    as_caller(p.sponsor);
    contract.freeze_database(1).unwrap();
    let (frozen, _) = last_event::<DatabaseFrozen>();
    assert_eq!((frozen.trial, frozen.batches), (1, 0));
    assert_eq!(contract.trial(1).unwrap().frozen_at, Some(NOW));
    assert_eq!(contract.freeze_database(1), Err(Error::DatabaseFrozen));
    as_caller(p.data_manager);
    assert_eq!(
        contract.anchor_batch(1, [1; 32], 4, hash(0x40)),
        Err(Error::DatabaseFrozen)
    );
    consent(&p, p.participant, protocol_v1());
    as_caller(p.site);
    assert_eq!(contract.enrol(1, p.participant), Err(Error::DatabaseFrozen));
}

/// The site's commitment to a participant in its adverse event reports.
fn subject(participant: &AccountId) -> Hash {
    subject_commitment(participant, &[0x5b; 32])
}

/// A safety report of a serious, unexpected, suspected adverse reaction.
fn safety(
    seriousness: Seriousness,
    onset_at: u64,
    received_at: u64,
    determined_at: Option<u64>,
) -> SafetyReport {
    SafetyReport {
        seriousness,
        expectedness: Expectedness::Unexpected,
        causality: Causality::Suspected,
        onset_at,
        received_at,
        determined_at,
        follows: None,
    }
}

#[ink::test]
fn adverse_events_are_flagged_late_after_the_deadline() {
    let (mut contract, p) = enrolled();
    let day = DAY;
    let who = subject(&p.participant);
    test::set_block_timestamp::<Env>(NOW + 20 * day);
    as_caller(p.site);
    // Serious, unexpected, suspected, determined 16 days ago: past the 15-day deadline.
    let serious = safety(
        Seriousness::Serious,
        NOW + day,
        NOW + 4 * day,
        Some(NOW + 4 * day),
    );
    let number = contract
        .report_adverse_event(1, who, serious, hash(0x50))
        .unwrap();
    assert_eq!(number, 1);
    let (event, topics) = last_event::<AdverseEventReported>();
    assert!(event.late && !event.determination_late);
    assert_eq!(event.deadline, Some(NOW + 19 * day));
    assert_eq!(
        topics,
        vec![topic(&1u64)],
        "sponsors and IRBs follow a trial's safety reports"
    );
    // Neither the log nor the record holds the participant's account.
    let participant: &[u8] = p.participant.as_ref();
    let mut kept = ink::scale::Encode::encode(&event);
    kept.extend(ink::scale::Encode::encode(
        &contract.adverse_event(1, 1).unwrap(),
    ));
    assert!(!kept.windows(32).any(|w| w == participant));
    let stored = contract.adverse_event(1, 1).unwrap();
    assert!(stored.late);
    assert_eq!(stored.report, serious);
    assert_eq!(
        (stored.reported_at, stored.reported_by),
        (NOW + 20 * day, p.site)
    );
    // Fatal, received 6 days ago: in time.
    as_caller(p.data_manager);
    let fatal = safety(
        Seriousness::Fatal,
        NOW + 13 * day,
        NOW + 14 * day,
        Some(NOW + 14 * day),
    );
    assert_eq!(
        contract.report_adverse_event(1, who, fatal, hash(0x51)),
        Ok(2)
    );
    assert!(!contract.adverse_event(1, 2).unwrap().late);
    // Life-threatening, received 8 days ago: late, however late the sponsor dates its
    // determination (the 7-day clock runs from receipt).
    as_caller(p.sponsor);
    let grave = safety(
        Seriousness::LifeThreatening,
        NOW + 12 * day,
        NOW + 12 * day,
        Some(NOW + 19 * day),
    );
    contract
        .report_adverse_event(1, who, grave, hash(0x52))
        .unwrap();
    let stored = contract.adverse_event(1, 3).unwrap();
    assert_eq!((stored.deadline, stored.late), (Some(NOW + 19 * day), true));
    // Expected events need no IND safety report: no determination, no deadline.
    let mut expected = safety(Seriousness::Serious, NOW, NOW, None);
    expected.expectedness = Expectedness::Expected;
    contract
        .report_adverse_event(1, who, expected, hash(0x53))
        .unwrap();
    let stored = contract.adverse_event(1, 4).unwrap();
    assert_eq!((stored.deadline, stored.late), (None, false));
    // A determination dated long after receipt is flagged: the 15-day clock cannot be
    // moved at will.
    let slow = safety(Seriousness::Serious, NOW, NOW, Some(NOW + 17 * day));
    contract
        .report_adverse_event(1, who, slow, hash(0x54))
        .unwrap();
    let (event, _) = last_event::<AdverseEventReported>();
    assert!(event.determination_late && !event.late);
    // A follow-up links to an initial report of the same subject and has no clock.
    let mut follow_up = safety(Seriousness::Serious, NOW + day, NOW + 4 * day, None);
    follow_up.follows = Some(1);
    assert_eq!(
        contract.report_adverse_event(1, who, follow_up, hash(0x55)),
        Ok(6)
    );
    let stored = contract.adverse_event(1, 6).unwrap();
    assert_eq!((stored.report.follows, stored.deadline), (Some(1), None));
    for (initial, of) in [(6, who), (1, subject(&p.other)), (99, who)] {
        follow_up.follows = Some(initial);
        assert_eq!(
            contract.report_adverse_event(1, of, follow_up, hash(0x56)),
            Err(Error::UnknownInitialReport)
        );
    }
    assert_eq!(contract.trial(1).unwrap().adverse_events, 6);
}

#[ink::test]
fn adverse_events_refuse_bad_input() {
    let (mut contract, p) = enrolled();
    let report = |c: &mut TrialAnchoring, trial, who, onset, received, h| {
        c.report_adverse_event(
            trial,
            who,
            safety(Seriousness::Serious, onset, received, Some(received)),
            h,
        )
    };
    as_caller(p.other);
    assert_eq!(
        report(&mut contract, 1, subject(&p.participant), NOW, NOW, hash(1)),
        Err(Error::NotSponsorOrDelegate)
    );
    as_caller(p.site);
    assert_eq!(
        report(&mut contract, 4, subject(&p.participant), NOW, NOW, hash(1)),
        Err(Error::UnknownTrial)
    );
    assert_eq!(
        report(&mut contract, 1, hash(0), NOW, NOW, hash(1)),
        Err(Error::ZeroHash)
    );
    assert_eq!(
        report(&mut contract, 1, subject(&p.participant), NOW, NOW, hash(0)),
        Err(Error::ZeroHash)
    );
    assert_eq!(
        report(
            &mut contract,
            1,
            subject(&p.participant),
            NOW,
            NOW + 1,
            hash(1)
        ),
        Err(Error::InvalidTimeline)
    );
    assert_eq!(
        report(
            &mut contract,
            1,
            subject(&p.participant),
            NOW,
            NOW - 1,
            hash(1)
        ),
        Err(Error::InvalidTimeline)
    );
    assert_eq!(contract.trial(1).unwrap().adverse_events, 0);
    // Safety reporting goes on after the freeze.
    as_caller(p.sponsor);
    contract.freeze_database(1).unwrap();
    as_caller(p.site);
    assert_eq!(
        report(&mut contract, 1, subject(&p.participant), NOW, NOW, hash(1)),
        Ok(1)
    );
}

#[ink::test]
fn results_are_anchored_after_freeze_and_outcome_switching_is_flagged() {
    let (mut contract, p) = setup();
    as_caller(p.sponsor);
    assert_eq!(
        contract.anchor_results(1, hash(0x60), outcomes(), None),
        Err(Error::DatabaseNotFrozen)
    );
    contract.freeze_database(1).unwrap();
    as_caller(p.site);
    assert_eq!(
        contract.anchor_results(1, hash(0x60), outcomes(), None),
        Err(Error::NotTrialSponsor)
    );
    as_caller(p.sponsor);
    // The primary outcome dropped, the secondary promoted, a new one added.
    let [hba1c, weight] = outcomes()[..] else {
        unreachable!()
    };
    let promoted = Outcome {
        rank: OutcomeRank::Primary,
        ..weight
    };
    let added = Outcome {
        measure: hash(0x24),
        rank: OutcomeRank::Secondary,
        time_frame_days: 90,
    };
    let reported = vec![promoted, added];
    assert_eq!(
        contract.anchor_results(1, hash(0x60), reported.clone(), None),
        Err(Error::OutcomeChangeUnjustified)
    );
    assert_eq!(
        contract.anchor_results(1, hash(0), outcomes(), None),
        Err(Error::ZeroHash)
    );
    assert_eq!(
        contract.anchor_results(1, hash(0x60), vec![], Some(hash(0x61))),
        Err(Error::InvalidOutcomes)
    );
    assert_eq!(contract.trial(1).unwrap().results, None);
    let before = event_count();
    contract
        .anchor_results(1, hash(0x60), reported.clone(), Some(hash(0x61)))
        .unwrap();
    // One event per switched measure, then the results.
    let switched = events_of::<OutcomeSwitched>();
    assert_eq!(switched.len(), 3);
    assert_eq!(event_count(), before + 4);
    let by_measure = |m: Hash| switched.iter().find(|e| e.measure == m).unwrap();
    let dropped = by_measure(hba1c.measure);
    assert_eq!((dropped.before, dropped.after), (Some(hba1c), None));
    assert!(!dropped.before_unblinding);
    assert_eq!(by_measure(weight.measure).after, Some(promoted));
    assert_eq!(by_measure(added.measure).before, None);
    let (event, topics) = last_event::<ResultsAnchored>();
    assert_eq!(event.switches, 3);
    assert_eq!(event.justification_hash, Some(hash(0x61)));
    assert!(topics.is_empty(), "only safety notices carry field topics");
    let results = contract.trial(1).unwrap().results.unwrap();
    assert_eq!(results.switches, 3);
    assert_eq!(results.reported_outcomes_root, outcomes_root(&reported));
    // Checked one by one.
    assert_eq!(
        contract.verify_outcome(1, hba1c.measure),
        Ok(OutcomeCheck {
            registered: Some(hba1c),
            reported: None,
            switched: true
        })
    );
    assert_eq!(
        contract.verify_outcome(1, added.measure),
        Ok(OutcomeCheck {
            registered: None,
            reported: Some(added),
            switched: true
        })
    );
    assert_eq!(
        contract.verify_outcome(1, hash(0x99)),
        Ok(OutcomeCheck {
            registered: None,
            reported: None,
            switched: false
        })
    );
    assert_eq!(
        contract.verify_outcome(9, hash(0x22)),
        Err(Error::UnknownTrial)
    );
    assert_eq!(contract.outcomes(1), Ok((outcomes(), Some(reported))));
    assert_eq!(
        contract.anchor_results(1, hash(0x60), outcomes(), None),
        Err(Error::ResultsAlreadyAnchored)
    );
}

/// Issue 16: a documented change of the outcomes before the freeze (while blinded) is
/// recorded as such, and results that follow it are not switches; after the freeze the
/// outcomes cannot be amended.
#[ink::test]
fn an_outcome_amendment_before_unblinding_is_recorded_not_flagged() {
    let (mut contract, p) = setup();
    as_caller(p.sponsor);
    let [hba1c, weight] = outcomes()[..] else {
        unreachable!()
    };
    let later = Outcome {
        time_frame_days: 365,
        ..hba1c
    };
    let amended = vec![later, weight];
    assert_eq!(
        contract.amend_outcomes(1, outcomes(), hash(0x70)),
        Err(Error::OutcomesUnchanged)
    );
    assert_eq!(
        contract.amend_outcomes(1, amended.clone(), hash(0)),
        Err(Error::ZeroHash)
    );
    assert_eq!(
        contract.amend_outcomes(1, vec![weight], hash(0x70)),
        Err(Error::NoPrimaryOutcome)
    );
    as_caller(p.site);
    assert_eq!(
        contract.amend_outcomes(1, amended.clone(), hash(0x70)),
        Err(Error::NotTrialSponsor)
    );
    as_caller(p.sponsor);
    contract
        .amend_outcomes(1, amended.clone(), hash(0x70))
        .unwrap();
    let changes = events_of::<OutcomeSwitched>();
    assert_eq!(changes.len(), 1);
    let change = &changes[0];
    assert_eq!((change.before, change.after), (Some(hba1c), Some(later)));
    assert!(change.before_unblinding);
    let (event, _) = last_event::<OutcomesAmended>();
    assert_eq!((event.changes, event.reason_hash), (1, hash(0x70)));
    let trial = contract.trial(1).unwrap();
    assert_eq!(trial.outcome_amendments, 1);
    assert_eq!(trial.outcomes_root, outcomes_root(&amended));
    contract.freeze_database(1).unwrap();
    assert_eq!(
        contract.amend_outcomes(1, outcomes(), hash(0x71)),
        Err(Error::DatabaseFrozen)
    );
    // Results as amended: no switch, no justification needed.
    contract
        .anchor_results(1, hash(0x60), amended, None)
        .unwrap();
    assert_eq!(last_event::<ResultsAnchored>().0.switches, 0);
    assert!(!contract.verify_outcome(1, hba1c.measure).unwrap().switched);
}

/// Issue 16: registration is due 21 days after the first enrolment (42 CFR 11.24),
/// results a year after primary completion (42 CFR 11.44); late ones are flagged in
/// their events and records, and `deadlines` says what is overdue now.
#[ink::test]
fn registration_and_results_deadlines_are_flagged() {
    let (mut contract, p) = enrolled();
    assert_eq!(
        contract.trial(1).unwrap().milestones.first_enrolled_at,
        Some(NOW)
    );
    let due = NOW + 21 * DAY;
    test::set_block_timestamp::<Env>(due + 1);
    let overdue = contract.deadlines(1).unwrap();
    assert_eq!(overdue.registration_due, Some(due));
    assert!(
        overdue.registration_late,
        "not registered yet, and past due"
    );
    as_caller(p.site);
    assert_eq!(
        contract.record_registry_registration(1, due + 1),
        Err(Error::NotTrialSponsor)
    );
    as_caller(p.sponsor);
    assert_eq!(
        contract.record_registry_registration(1, due + 2),
        Err(Error::MilestoneInFuture)
    );
    contract.record_registry_registration(1, due + 1).unwrap();
    let (event, _) = last_event::<MilestoneRecorded>();
    assert_eq!(
        (event.milestone, event.due, event.late),
        (Milestone::RegistryRegistration, Some(due), true)
    );
    assert_eq!(
        contract.record_registry_registration(1, due),
        Err(Error::MilestoneAlreadyRecorded)
    );
    // Primary completion now: results due in a year; anchored after that, flagged.
    contract.record_primary_completion(1, due + 1).unwrap();
    let (event, _) = last_event::<MilestoneRecorded>();
    assert_eq!((event.due, event.late), (Some(due + 1 + 365 * DAY), false));
    assert_eq!(contract.deadlines(2), None);
    contract.freeze_database(1).unwrap();
    test::set_block_timestamp::<Env>(due + 2 + 365 * DAY);
    assert!(contract.deadlines(1).unwrap().results_late);
    contract
        .anchor_results(1, hash(0x60), outcomes(), None)
        .unwrap();
    assert!(last_event::<ResultsAnchored>().0.late);
    assert!(contract.trial(1).unwrap().results.unwrap().late);
    assert!(contract.deadlines(1).unwrap().results_late);
}

#[ink::test]
fn results_matching_the_registration_are_not_flagged() {
    let (mut contract, p) = setup();
    as_caller(p.sponsor);
    contract.freeze_database(1).unwrap();
    contract
        .anchor_results(1, hash(0x60), outcomes(), None)
        .unwrap();
    assert_eq!(last_event::<ResultsAnchored>().0.switches, 0);
    assert_eq!(
        contract.anchor_results(9, hash(0x60), outcomes(), None),
        Err(Error::UnknownTrial)
    );
}

#[ink::test]
fn pause_stops_new_business_but_not_withdrawal() {
    let (mut contract, p) = enrolled();
    as_caller(p.admin);
    contract.pause().unwrap();
    let paused = Err(Error::Access(AccessError::Paused));
    as_caller(p.sponsor);
    assert_eq!(
        contract
            .register_trial(b"NCT9".to_vec(), hash(1), hash(2), outcomes(), 1)
            .map(|_| ()),
        paused
    );
    assert_eq!(
        contract.name_delegate(1, p.other, TrialDelegateRole::Site),
        paused
    );
    assert_eq!(contract.remove_delegate(1, p.site), paused);
    assert_eq!(
        contract
            .amend_protocol(1, hash(5), hash(6), hash(0x3a), true)
            .map(|_| ()),
        paused
    );
    assert_eq!(contract.enrol(1, p.other), paused);
    // Review item 16: a participant's withdrawal never waits for an unpause.
    as_caller(p.participant);
    contract
        .withdraw(1, p.participant, WithdrawalLevel::Complete)
        .unwrap();
    as_caller(p.sponsor);
    assert_eq!(
        contract.anchor_batch(1, [1; 32], 1, hash(1)).map(|_| ()),
        paused
    );
    assert_eq!(
        contract
            .report_adverse_event(
                1,
                subject(&p.participant),
                safety(Seriousness::Serious, NOW, NOW, Some(NOW)),
                hash(1)
            )
            .map(|_| ()),
        paused
    );
    assert_eq!(contract.freeze_database(1), paused);
    assert_eq!(
        contract.anchor_results(1, hash(1), outcomes(), None),
        paused
    );
    as_caller(p.admin);
    contract.unpause().unwrap();
    as_caller(p.sponsor);
    contract.freeze_database(1).unwrap();
}

#[ink::test]
fn the_admin_rewires_the_consent_registry() {
    let (mut contract, p) = enrolled();
    as_caller(p.sponsor);
    assert_eq!(
        contract.propose_callee(Callee::ConsentRegistry, p.other),
        Err(AccessError::NotAdmin)
    );
    as_caller(p.admin);
    contract
        .propose_callee(Callee::ConsentRegistry, p.other)
        .unwrap();
    contract.apply_callee().unwrap();
    let (event, _) = last_event::<CalleeChanged>();
    assert_eq!(
        (event.callee, event.previous, event.new),
        (Callee::ConsentRegistry as u8, registry(), p.other)
    );
    assert_eq!(contract.consent_registry(), p.other);
    // The new registry knows of no consent yet.
    assert_eq!(
        contract.participant_status(1, p.participant),
        ParticipantStatus::ConsentNotCurrent
    );
}

#[ink::test]
fn access_control_is_the_shared_block() {
    let (mut contract, p) = setup();
    assert_eq!(contract.admin(), p.admin);
    assert!(contract.has_role(p.sponsor, Role::Sponsor));
    assert!(!contract.paused());
    as_caller(p.sponsor);
    assert_eq!(
        contract.grant_role(Role::Sponsor, p.other),
        Err(AccessError::NotAdmin)
    );
    as_caller(p.admin);
    assert_eq!(
        contract.grant_role(Role::Insurer, p.other),
        Err(AccessError::RoleNotUsed(Role::Insurer))
    );
    contract.revoke_role(Role::Sponsor, p.sponsor).unwrap();
    // A deregistered sponsor registers no new trial.
    as_caller(p.sponsor);
    assert_eq!(
        contract
            .register_trial(b"NCT5".to_vec(), hash(1), hash(2), outcomes(), 1)
            .map(|_| ()),
        Err(Error::Access(AccessError::MissingRole(Role::Sponsor)))
    );
    as_caller(p.admin);
    contract.transfer_admin(p.other).unwrap();
    assert_eq!(contract.pending_admin(), Some(p.other));
    as_caller(p.other);
    contract.accept_admin().unwrap();
    assert_eq!(contract.admin(), p.other);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// For random batch sizes, every record's proof verifies through the contract and a
    /// proof with any one bit flipped (in the leaf or in a sibling) does not.
    #[test]
    fn on_chain_inclusion_proofs(size in 1usize..300, pick in any::<prop::sample::Index>(), bit in 0usize..256) {
        test::run_test::<Env, _>(|_| {
            let (mut contract, p) = setup();
            let leaves = records(size);
            as_caller(p.data_manager);
            contract.anchor_batch(1, merkle::root(&leaves).unwrap(), size as u64, hash(0x40)).unwrap();
            let index = pick.index(size);
            let proof = merkle::proof(&leaves, index).unwrap();
            let verify = |leaf, proof| contract.verify_inclusion(1, 1, leaf, index as u64, proof);
            assert_eq!(verify(leaves[index], proof.clone()), Ok(true));
            let mut flipped_leaf = leaves[index];
            flipped_leaf[bit / 8] ^= 1 << (bit % 8);
            assert_eq!(verify(flipped_leaf, proof.clone()), Ok(false));
            if !proof.is_empty() {
                let mut flipped_proof = proof.clone();
                let at = bit % flipped_proof.len();
                flipped_proof[at][bit / 8] ^= 1 << (bit % 8);
                assert_eq!(verify(leaves[index], flipped_proof), Ok(false));
            }
            Ok(())
        }).unwrap();
    }
}

healthchain_common::access_controlled_tests!(
    TrialAnchoring::new(AccountId::from([0xC0; 32]), Hash::from([0xC4; 32]), 0, Hash::from([0xA1; 32]), Hash::from([0xA2; 32])),
    roles: [Role::Sponsor],
    unused: Role::Dispenser
);

/// Review item 11: consent to one trial does not enrol the participant in another trial
/// registered with the same protocol document.
#[ink::test]
fn consent_to_one_trial_does_not_count_for_another_with_the_same_protocol() {
    let (mut contract, p) = enrolled();
    as_caller(p.sponsor);
    let second = contract
        .register_trial(
            b"NCT07654321".to_vec(),
            protocol_v1(),
            hash(0x12),
            outcomes(),
            10,
        )
        .unwrap();
    assert_eq!(
        contract.enrol(second, p.participant),
        Err(Error::ConsentMissing)
    );
    assert_eq!(
        contract.consent_context(second, 1),
        Some(context(second, protocol_v1()))
    );
    assert_ne!(
        contract.consent_context(second, 1),
        contract.consent_context(1, 1)
    );
    assert_eq!(contract.consent_context(second, 2), None);
    consent_to(&p, p.participant, second, protocol_v1());
    contract.enrol(second, p.participant).unwrap();
}

/// Review items 12 and 8: the admin gives a squatted registry id's trial to the sponsor
/// the registry lists; a revoked sponsor and its delegates keep no power over it.
#[ink::test]
fn the_admin_reassigns_a_trial_and_revoked_sponsors_run_nothing() {
    let (mut contract, p) = enrolled();
    as_caller(p.admin);
    contract.revoke_role(Role::Sponsor, p.sponsor).unwrap();
    let missing = Err(Error::Access(AccessError::MissingRole(Role::Sponsor)));
    as_caller(p.sponsor);
    assert_eq!(
        contract
            .amend_protocol(1, hash(5), hash(6), hash(0x3a), true)
            .map(|_| ()),
        missing
    );
    assert_eq!(contract.freeze_database(1), missing);
    as_caller(p.site);
    assert_eq!(contract.enrol(1, p.other), missing);
    as_caller(p.data_manager);
    assert_eq!(
        contract.anchor_batch(1, [1; 32], 1, hash(1)).map(|_| ()),
        missing
    );
    // Only the admin reassigns, only to a registered sponsor.
    as_caller(p.sponsor);
    assert_eq!(
        contract.reassign_trial(1, p.other),
        Err(Error::Access(AccessError::NotAdmin))
    );
    as_caller(p.admin);
    assert_eq!(contract.reassign_trial(1, p.other), Err(Error::NotASponsor));
    assert_eq!(
        contract.reassign_trial(9, p.other),
        Err(Error::UnknownTrial)
    );
    contract.grant_role(Role::Sponsor, p.other).unwrap();
    contract.reassign_trial(1, p.other).unwrap();
    let (event, _) = last_event::<TrialReassigned>();
    assert_eq!((event.previous, event.new), (p.sponsor, p.other));
    assert_eq!(contract.trial(1).unwrap().sponsor, p.other);
    as_caller(p.other);
    contract.freeze_database(1).unwrap();
}

/// Issue 16: withdrawal levels (FDA, 2008). From the intervention only, data collection
/// goes on while consent holds; a participant may go further, never back; from
/// follow-up or completely, nothing new is collected.
#[ink::test]
fn withdrawal_levels_say_what_may_still_be_collected() {
    let (mut contract, p) = enrolled();
    assert!(contract.may_collect_data(1, p.participant));
    as_caller(p.participant);
    contract
        .withdraw(1, p.participant, WithdrawalLevel::Intervention)
        .unwrap();
    assert_eq!(
        contract.participant_status(1, p.participant),
        ParticipantStatus::Withdrawn(WithdrawalLevel::Intervention)
    );
    assert!(!contract.is_active(1, p.participant));
    assert!(contract.may_collect_data(1, p.participant));
    // Follow-up data also needs consent that still holds.
    test_doubles::revoke_consent(registry(), p.participant, p.sponsor, Purpose::Research);
    assert!(!contract.may_collect_data(1, p.participant));
    consent(&p, p.participant, protocol_v1());
    assert!(contract.may_collect_data(1, p.participant));
    assert_eq!(
        contract.withdraw(1, p.participant, WithdrawalLevel::Intervention),
        Err(Error::AlreadyWithdrawn)
    );
    test::set_block_timestamp::<Env>(NOW + DAY);
    contract
        .withdraw(1, p.participant, WithdrawalLevel::FollowUp)
        .unwrap();
    let (event, _) = last_event::<ParticipantWithdrawn>();
    assert_eq!(event.level, WithdrawalLevel::FollowUp);
    assert!(!contract.may_collect_data(1, p.participant));
    assert_eq!(
        contract.enrolment(1, p.participant).unwrap().withdrawal,
        Some(WithdrawalRecord {
            at: NOW + DAY,
            level: WithdrawalLevel::FollowUp
        })
    );
    assert_eq!(
        contract.withdraw(1, p.participant, WithdrawalLevel::Intervention),
        Err(Error::AlreadyWithdrawn)
    );
    contract
        .withdraw(1, p.participant, WithdrawalLevel::Complete)
        .unwrap();
    assert!(!contract.may_collect_data(1, p.participant));
    assert!(!contract.may_collect_data(1, p.other));
    assert!(WithdrawalLevel::Intervention.allows_collection());
    assert!(!WithdrawalLevel::Complete.allows_collection());
}

/// Review item 14: a withdrawn participant enrols again with consent, counted once.
#[ink::test]
fn a_withdrawn_participant_enrols_again() {
    let (mut contract, p) = enrolled();
    as_caller(p.participant);
    contract
        .withdraw(1, p.participant, WithdrawalLevel::Complete)
        .unwrap();
    as_caller(p.site);
    contract.enrol(1, p.participant).unwrap();
    assert!(contract.is_active(1, p.participant));
    assert_eq!(
        contract.enrolment(1, p.participant).unwrap().withdrawal,
        None
    );
    assert_eq!(contract.trial(1).unwrap().enrolled, 1);
    assert_eq!(
        contract.enrol(1, p.participant),
        Err(Error::AlreadyEnrolled)
    );
}
