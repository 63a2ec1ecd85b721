//! Unit tests of every message and error path, on ink!'s off-chain environment.

use crate::{consent_registry::*, data::*};
use healthchain_common::{
    access::{AccessControlled, AccessError, AdminTransferred, Paused, Role, RoleGranted},
    consent::{ConsentAnswer, ConsentCheck, DataClasses, Purpose},
    unit_test::{event_count, events_of, last_event},
};
use ink::{
    env::{test, DefaultEnvironment as Env},
    primitives::{AccountId, Hash},
};

const NOW: u64 = 1_700_000_000_000;
const HOUR: u64 = 60 * 60 * 1000;
const DAY: u64 = 24 * HOUR;

fn setup() -> (ConsentRegistry, test::DefaultAccounts<Env>) {
    let accounts = test::default_accounts::<Env>();
    test::set_caller::<Env>(accounts.alice);
    test::set_block_timestamp::<Env>(NOW);
    (
        ConsentRegistry::new(
            Hash::from(CHAIN),
            0,
            Hash::from([0xA1; 32]),
            Hash::from([0xA2; 32]),
        ),
        accounts,
    )
}

/// The chain the unit tests' registries are bound to.
const CHAIN: [u8; 32] = [0xC4; 32];

fn as_caller(account: AccountId) {
    test::set_caller::<Env>(account);
}

fn hash(byte: u8) -> Hash {
    Hash::from([byte; 32])
}

/// A permit for `purpose` of `classes` from now until `end`, in `context`, with form `form`.
fn permit(
    purpose: Purpose,
    classes: DataClasses,
    end: Option<u64>,
    context: Option<Hash>,
    form: Hash,
) -> Provision {
    Provision {
        kind: ProvisionType::Permit,
        purpose,
        data_classes: classes,
        period: Period { start: NOW, end },
        context,
        consent_form: form,
    }
}

/// Research permit `i` for trial data, in its own context (`hash(i + 1)`), until `end`.
fn research(i: u8, end: Option<u64>) -> Provision {
    permit(
        Purpose::Research,
        DataClasses::TRIAL_DATA,
        end,
        Some(hash(i + 1)),
        hash(9),
    )
}

/// The same as a deny (a restriction) with no context and no end.
fn deny(purpose: Purpose, classes: DataClasses) -> Provision {
    Provision {
        kind: ProvisionType::Deny,
        ..permit(purpose, classes, None, None, hash(0xD0))
    }
}

/// The id of the latest consent of `patient` about `grantee` for `purpose`, whatever its
/// status (0, which no consent has, when there is none).
fn id_of(
    registry: &ConsentRegistry,
    patient: AccountId,
    grantee: AccountId,
    purpose: Purpose,
) -> ConsentId {
    (1..=64u64)
        .filter(|id| {
            registry.consent(patient, *id).is_some_and(|c| {
                c.patient == patient && c.grantee == grantee && c.provision.purpose == purpose
            })
        })
        .max()
        .unwrap_or(0)
}

/// That consent, if it is still active.
fn latest(
    registry: &ConsentRegistry,
    patient: AccountId,
    grantee: AccountId,
    purpose: Purpose,
) -> Option<Consent> {
    registry
        .consent(patient, id_of(registry, patient, grantee, purpose))
        .filter(|c| c.status == ConsentStatus::Active)
}

/// Grants `grantee` treatment consent for `patient`, signed by `patient`.
fn grant_simple(
    registry: &mut ConsentRegistry,
    patient: AccountId,
    grantee: AccountId,
    purpose: Purpose,
    expires_at: Option<u64>,
    context: Option<Hash>,
) -> Result<(), Error> {
    as_caller(patient);
    registry
        .record_consent(
            patient,
            grantee,
            permit(
                purpose,
                DataClasses::MEDICATIONS.union(DataClasses::LAB_RESULTS),
                expires_at,
                context,
                hash(9),
            ),
        )
        .map(|_| ())
}

#[ink::test]
fn constructor_makes_caller_admin() {
    let (registry, accounts) = setup();
    assert_eq!(registry.admin(), accounts.alice);
    assert_eq!(registry.pending_admin(), None);
    assert!(!registry.paused());
    // The deployer is named by pallet-contracts' `Instantiated` event, not by one of ours.
    assert!(events_of::<AdminTransferred>().is_empty());
}

/// Issue 16: the answer covers exactly the classes asked for. A consent limited to some
/// classes authorises those and no other, and asking for no class is refused.
#[ink::test]
fn is_authorized_covers_exactly_the_classes_asked_for() {
    let (mut registry, a) = setup();
    as_caller(a.bob);
    registry
        .record_consent(
            a.bob,
            a.charlie,
            permit(
                Purpose::Payment,
                DataClasses::CLAIMS,
                None,
                None,
                hash(0xF0),
            ),
        )
        .unwrap();
    let ask = |registry: &ConsentRegistry, classes| {
        registry.is_authorized(a.bob, a.charlie, Purpose::Payment, None, classes)
    };
    assert_eq!(
        ask(&registry, DataClasses::CLAIMS),
        ConsentAnswer::Permitted
    );
    for not_granted in [
        DataClasses::MEDICATIONS,
        DataClasses::SUBSTANCE_USE,
        DataClasses::CLAIMS.union(DataClasses::MEDICATIONS),
        DataClasses::default(),
    ] {
        assert_eq!(
            ask(&registry, not_granted),
            ConsentAnswer::NotPermitted,
            "{not_granted:?}"
        );
    }
}

#[ink::test]
fn grant_then_is_authorized() {
    let (mut registry, a) = setup();
    assert!(!registry
        .is_authorized(
            a.bob,
            a.charlie,
            Purpose::Treatment,
            None,
            DataClasses::MEDICATIONS
        )
        .is_permitted());
    grant_simple(
        &mut registry,
        a.bob,
        a.charlie,
        Purpose::Treatment,
        None,
        None,
    )
    .unwrap();
    assert!(registry
        .is_authorized(
            a.bob,
            a.charlie,
            Purpose::Treatment,
            None,
            DataClasses::MEDICATIONS
        )
        .is_permitted());
    // Another purpose, grantee or context is not covered.
    assert!(!registry
        .is_authorized(
            a.bob,
            a.charlie,
            Purpose::Payment,
            None,
            DataClasses::MEDICATIONS
        )
        .is_permitted());
    assert!(!registry
        .is_authorized(
            a.bob,
            a.django,
            Purpose::Treatment,
            None,
            DataClasses::MEDICATIONS
        )
        .is_permitted());
    assert!(!registry
        .is_authorized(
            a.bob,
            a.charlie,
            Purpose::Treatment,
            Some(hash(1)),
            DataClasses::MEDICATIONS
        )
        .is_permitted());

    let (event, topics) = last_event::<ConsentRecorded>();
    assert!(topics.is_empty(), "only safety notices carry field topics");
    assert_eq!(event.purpose, Purpose::Treatment);
    assert_eq!(event.recorded_by, a.bob);
    assert_eq!(event.consent, 1);
    assert_eq!(event.kind, ProvisionType::Permit);

    let stored = latest(&registry, a.bob, a.charlie, Purpose::Treatment).unwrap();
    assert_eq!(stored.recorded_at, NOW);
    assert_eq!(stored.provision.consent_form, hash(9));
    assert_eq!(stored.status, ConsentStatus::Active);
}

/// The registry's own build runs a grant, an access record and a check on a root it does
/// not read (`Unpaused::unpaused`, `entry_points!`'s `skips_root`): what they write and
/// answer must be what the real root's would be, for the patient's own grant and for a
/// delegate's (whose grant that build hands to the library, which runs this same code).
#[ink::test]
fn the_hot_messages_need_no_root_but_its_handles() {
    use healthchain_common::dispatch::Unpaused;
    let (mut registry, a) = setup();
    let mut unread = ConsentRegistry::unpaused();
    as_caller(a.bob);
    registry.appoint_delegate(a.bob, a.eve, NOW + DAY).unwrap();
    let treatment = permit(
        Purpose::Treatment,
        DataClasses::MEDICATIONS,
        None,
        None,
        hash(7),
    );
    let own = unread.record_consent(a.bob, a.charlie, treatment).unwrap();
    as_caller(a.eve);
    let payment = Provision {
        purpose: Purpose::Payment,
        ..treatment
    };
    let delegated = unread.record_consent(a.bob, a.charlie, payment).unwrap();
    assert_eq!((own, delegated), (1, 2));
    assert_eq!(
        latest(&registry, a.bob, a.charlie, Purpose::Payment)
            .unwrap()
            .recorded_by,
        a.eve
    );
    for root in [&registry, &unread] {
        for purpose in [Purpose::Treatment, Purpose::Payment] {
            assert_eq!(
                root.is_authorized(a.bob, a.charlie, purpose, None, DataClasses::MEDICATIONS),
                ConsentAnswer::Permitted
            );
        }
    }
    as_caller(a.charlie);
    assert_eq!(
        unread.record_access(a.bob, Purpose::Treatment, None, DataClasses::MEDICATIONS),
        Ok(())
    );
    assert_eq!(
        unread.record_access(a.bob, Purpose::Treatment, None, DataClasses::GENOMICS),
        Err(Error::DataClassesNotGranted)
    );
    // A revocation through the real root is what the unread one then reads.
    as_caller(a.bob);
    registry
        .set_consent_status(a.bob, own, ConsentStatus::Inactive)
        .unwrap();
    assert_eq!(
        unread.is_authorized(
            a.bob,
            a.charlie,
            Purpose::Treatment,
            None,
            DataClasses::MEDICATIONS
        ),
        ConsentAnswer::NotPermitted
    );
}

/// Issue 16: a participant in two trials of one sponsor holds a research consent for
/// each (different contexts); the second does not replace the first, and each is revoked
/// on its own.
#[ink::test]
fn several_consents_per_grantee_and_purpose_each_revoked_alone() {
    let (mut registry, a) = setup();
    let (trial_1, trial_2) = (Some(hash(1)), Some(hash(2)));
    as_caller(a.bob);
    let research = |context| {
        permit(
            Purpose::Research,
            DataClasses::TRIAL_DATA,
            None,
            context,
            hash(9),
        )
    };
    let first = registry
        .record_consent(a.bob, a.charlie, research(trial_1))
        .unwrap();
    let second = registry
        .record_consent(a.bob, a.charlie, research(trial_2))
        .unwrap();
    assert_eq!((first, second), (1, 2));
    let (event, _) = last_event::<ConsentRecorded>();
    assert_eq!((event.consent, event.context), (2, trial_2));
    let ask = |registry: &ConsentRegistry, context| {
        registry.is_authorized(
            a.bob,
            a.charlie,
            Purpose::Research,
            context,
            DataClasses::TRIAL_DATA,
        )
    };
    assert_eq!(ask(&registry, trial_1), ConsentAnswer::Permitted);
    assert_eq!(ask(&registry, trial_2), ConsentAnswer::Permitted);
    assert_eq!(registry.active_consents(a.bob).len(), 2);

    // Withdrawing from the first trial leaves the second.
    registry
        .set_consent_status(a.bob, first, ConsentStatus::Inactive)
        .unwrap();
    assert_eq!(ask(&registry, trial_1), ConsentAnswer::NotPermitted);
    assert_eq!(ask(&registry, trial_2), ConsentAnswer::Permitted);
    let listed = registry.active_consents(a.bob);
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].id, second);
    // The revoked consent is kept, inactive: the history survives.
    let kept = registry.consent(a.bob, first).unwrap();
    assert_eq!(kept.status, ConsentStatus::Inactive);
    assert_eq!(kept.provision.context, trial_1);
    let (event, topics) = last_event::<ConsentStatusChanged>();
    assert!(topics.is_empty(), "only safety notices carry field topics");
    assert_eq!(
        (event.consent, event.status, event.changed_by),
        (first, ConsentStatus::Inactive, Some(a.bob))
    );
}

/// Issue 16: the status lifecycle. A consent goes from active to inactive or
/// entered-in-error, and from inactive to entered-in-error; never back, and nothing is
/// deleted. A refused change changes nothing.
#[ink::test]
fn the_status_lifecycle_keeps_every_consent() {
    let (mut registry, a) = setup();
    grant_simple(
        &mut registry,
        a.bob,
        a.charlie,
        Purpose::Treatment,
        None,
        None,
    )
    .unwrap();
    let events = event_count();
    assert_eq!(
        registry.set_consent_status(a.bob, 1, ConsentStatus::Active),
        Err(Error::InvalidStatusChange)
    );
    assert_eq!(event_count(), events);
    registry
        .set_consent_status(a.bob, 1, ConsentStatus::Inactive)
        .unwrap();
    assert_eq!(
        registry.set_consent_status(a.bob, 1, ConsentStatus::Inactive),
        Err(Error::InvalidStatusChange)
    );
    registry
        .set_consent_status(a.bob, 1, ConsentStatus::EnteredInError)
        .unwrap();
    for refused in [
        ConsentStatus::Active,
        ConsentStatus::Inactive,
        ConsentStatus::EnteredInError,
    ] {
        assert_eq!(
            registry.set_consent_status(a.bob, 1, refused),
            Err(Error::InvalidStatusChange)
        );
    }
    assert_eq!(
        registry.consent(a.bob, 1).unwrap().status,
        ConsentStatus::EnteredInError
    );
    assert_eq!(
        registry.set_consent_status(a.bob, 2, ConsentStatus::Inactive),
        Err(Error::GrantNotFound)
    );
    // Straight from active to entered-in-error ends it at once too.
    grant_simple(
        &mut registry,
        a.bob,
        a.charlie,
        Purpose::Treatment,
        None,
        None,
    )
    .unwrap();
    registry
        .set_consent_status(a.bob, 2, ConsentStatus::EnteredInError)
        .unwrap();
    assert!(!registry
        .is_authorized(
            a.bob,
            a.charlie,
            Purpose::Treatment,
            None,
            DataClasses::MEDICATIONS
        )
        .is_permitted());
    assert!(registry.active_consents(a.bob).is_empty());
}

/// Issue 16: a consent can start later than it is recorded (FHIR period.start).
#[ink::test]
fn a_consent_counts_from_its_start() {
    let (mut registry, a) = setup();
    as_caller(a.bob);
    let mut provision = permit(
        Purpose::Treatment,
        DataClasses::MEDICATIONS,
        Some(NOW + 2 * DAY),
        None,
        hash(9),
    );
    provision.period.start = NOW + DAY;
    registry
        .record_consent(a.bob, a.charlie, provision)
        .unwrap();
    let ask = |registry: &ConsentRegistry| {
        registry.is_authorized(
            a.bob,
            a.charlie,
            Purpose::Treatment,
            None,
            DataClasses::MEDICATIONS,
        )
    };
    assert_eq!(ask(&registry), ConsentAnswer::NotPermitted);
    // A wallet lists it already: it is current, only not yet started.
    assert_eq!(registry.active_consents(a.bob).len(), 1);
    test::set_block_timestamp::<Env>(NOW + DAY);
    assert_eq!(ask(&registry), ConsentAnswer::Permitted);
    test::set_block_timestamp::<Env>(NOW + 2 * DAY);
    assert_eq!(ask(&registry), ConsentAnswer::NotPermitted);
    // An end not after the start is refused.
    provision.period = Period {
        start: NOW + 5 * DAY,
        end: Some(NOW + 5 * DAY),
    };
    assert_eq!(
        registry.record_consent(a.bob, a.charlie, provision),
        Err(Error::ExpiryInPast)
    );
}

/// Issue 16: a restriction (deny provision) wins over a permit for the classes it names,
/// whichever was recorded first, and only while it is active.
#[ink::test]
fn a_deny_wins_over_a_permit_until_it_is_revoked() {
    let (mut registry, a) = setup();
    as_caller(a.bob);
    let payment_all = permit(Purpose::Payment, DataClasses::ALL, None, None, hash(9));
    registry
        .record_consent(a.bob, a.charlie, payment_all)
        .unwrap();
    let restriction = registry
        .record_consent(
            a.bob,
            a.charlie,
            deny(Purpose::Payment, DataClasses::SUBSTANCE_USE),
        )
        .unwrap();
    let (event, _) = last_event::<ConsentRecorded>();
    assert_eq!(event.kind, ProvisionType::Deny);
    let ask = |registry: &ConsentRegistry, classes| {
        registry.is_authorized(a.bob, a.charlie, Purpose::Payment, None, classes)
    };
    let substance_claim = DataClasses::CLAIMS.union(DataClasses::SUBSTANCE_USE);
    assert_eq!(ask(&registry, substance_claim), ConsentAnswer::Restricted);
    assert_eq!(
        ask(&registry, DataClasses::CLAIMS),
        ConsentAnswer::Permitted
    );
    // The same holds in any context: a deny without context applies everywhere.
    assert_eq!(
        registry.is_authorized(
            a.bob,
            a.charlie,
            Purpose::Payment,
            Some(hash(3)),
            substance_claim
        ),
        ConsentAnswer::Restricted
    );
    // The grantee's record of an access is refused with the reason too.
    as_caller(a.charlie);
    assert_eq!(
        registry.record_access(a.bob, Purpose::Payment, None, substance_claim),
        Err(Error::Restricted)
    );
    // Another grantee or purpose is not restricted.
    assert_eq!(
        registry.is_authorized(a.bob, a.charlie, Purpose::Treatment, None, substance_claim),
        ConsentAnswer::NotPermitted
    );
    as_caller(a.bob);
    registry
        .set_consent_status(a.bob, restriction, ConsentStatus::Inactive)
        .unwrap();
    assert_eq!(ask(&registry, substance_claim), ConsentAnswer::Permitted);
}

/// Issue 16: a delegate's restriction outlives the delegation (it protects the patient);
/// its permits do not.
#[ink::test]
fn a_delegates_restriction_is_not_capped() {
    let (mut registry, a) = setup();
    as_caller(a.bob);
    registry
        .appoint_delegate(a.bob, a.django, NOW + HOUR)
        .unwrap();
    as_caller(a.django);
    let id = registry
        .record_consent(
            a.bob,
            a.charlie,
            deny(Purpose::Payment, DataClasses::MENTAL_HEALTH),
        )
        .unwrap();
    assert_eq!(
        registry.consent(a.bob, id).unwrap().provision.period.end,
        None
    );
    test::set_block_timestamp::<Env>(NOW + DAY);
    assert_eq!(
        registry.is_authorized(
            a.bob,
            a.charlie,
            Purpose::Payment,
            None,
            DataClasses::MENTAL_HEALTH
        ),
        ConsentAnswer::Restricted
    );
}

/// An emergency window overrides a restriction: HIPAA lets restricted information be used
/// for emergency treatment (45 CFR 164.522(a)(1)(iv)).
#[ink::test]
fn an_emergency_window_overrides_a_restriction() {
    let (mut registry, a) = setup();
    registry
        .grant_role(Role::EmergencyResponder, a.eve)
        .unwrap();
    as_caller(a.bob);
    registry
        .record_consent(a.bob, a.eve, deny(Purpose::Emergency, DataClasses::ALL))
        .unwrap();
    assert_eq!(
        registry.is_authorized(
            a.bob,
            a.eve,
            Purpose::Emergency,
            None,
            DataClasses::MEDICATIONS
        ),
        ConsentAnswer::Restricted
    );
    as_caller(a.eve);
    registry
        .open_emergency_access(a.bob, HOUR, hash(4))
        .unwrap();
    assert_eq!(
        registry.is_authorized(
            a.bob,
            a.eve,
            Purpose::Emergency,
            None,
            DataClasses::MEDICATIONS
        ),
        ConsentAnswer::Permitted
    );
}

/// At most eight current consents per grantee and purpose; ended ones are made inactive
/// to make room, and a refused record changes nothing.
#[ink::test]
fn consents_per_grantee_and_purpose_are_bounded() {
    let (mut registry, a) = setup();
    as_caller(a.bob);
    for i in 0..MAX_CONSENTS_PER_GRANTEE_PURPOSE as u8 {
        let end = if i == 0 { Some(NOW + HOUR) } else { None };
        registry
            .record_consent(a.bob, a.charlie, research(i, end))
            .unwrap();
    }
    let events = event_count();
    let ninth = research(98, None);
    assert_eq!(
        registry.record_consent(a.bob, a.charlie, ninth),
        Err(Error::TooManyForGrantee)
    );
    assert_eq!(event_count(), events);
    // Another grantee has its own room.
    registry.record_consent(a.bob, a.django, ninth).unwrap();
    // Once the first has ended it is made inactive to make room.
    test::set_block_timestamp::<Env>(NOW + HOUR);
    let id = registry.record_consent(a.bob, a.charlie, ninth).unwrap();
    assert_eq!(
        registry.consent(a.bob, 1).unwrap().status,
        ConsentStatus::Inactive
    );
    let lapsed = events_of::<ConsentStatusChanged>();
    assert_eq!(lapsed.len(), 1);
    assert_eq!((lapsed[0].consent, lapsed[0].changed_by), (1, None));
    assert_eq!(
        registry.consent(a.bob, id).unwrap().status,
        ConsentStatus::Active
    );
}

/// A grant refused after the ended consents were made inactive leaves the patient's index
/// agreeing with them (a relayed batch does not revert a refused item): the lapsed consent
/// is not lapsed, nor evented, a second time.
#[ink::test]
fn consents_lapsed_by_a_refused_grant_leave_the_index() {
    let (mut registry, a) = setup();
    as_caller(a.bob);
    let ending = registry
        .record_consent(a.bob, a.django, research(0, Some(NOW + HOUR)))
        .unwrap();
    for i in 0..MAX_CONSENTS_PER_GRANTEE_PURPOSE as u8 {
        registry
            .record_consent(a.bob, a.charlie, research(i, None))
            .unwrap();
    }
    test::set_block_timestamp::<Env>(NOW + HOUR);
    for _ in 0..2 {
        assert_eq!(
            registry.record_consent(a.bob, a.charlie, research(99, None)),
            Err(Error::TooManyForGrantee)
        );
    }
    assert_eq!(
        registry.consent(a.bob, ending).unwrap().status,
        ConsentStatus::Inactive
    );
    let lapsed = events_of::<ConsentStatusChanged>();
    assert_eq!(lapsed.len(), 1, "lapsed once");
    assert_eq!(lapsed[0].consent, ending);
    assert_eq!(
        registry.active_consents(a.bob).len(),
        MAX_CONSENTS_PER_GRANTEE_PURPOSE
    );
}

#[ink::test]
fn grant_refuses_bad_input_and_changes_nothing() {
    let (mut registry, a) = setup();
    let events = event_count();
    as_caller(a.bob);
    let classes = DataClasses::CONDITIONS;
    let grant = |r: &mut ConsentRegistry, grantee, classes, expires| {
        r.record_consent(
            a.bob,
            grantee,
            permit(Purpose::Treatment, classes, expires, None, hash(9)),
        )
    };
    assert_eq!(
        grant(&mut registry, a.bob, classes, None),
        Err(Error::SelfGrant)
    );
    assert_eq!(
        grant(&mut registry, a.charlie, classes, Some(NOW)),
        Err(Error::ExpiryInPast)
    );
    assert_eq!(
        grant(&mut registry, a.charlie, DataClasses::default(), None),
        Err(Error::NoDataClasses)
    );
    assert_eq!(
        grant(&mut registry, a.charlie, DataClasses(1 << 31), None),
        Err(Error::UnknownDataClass)
    );
    // Someone else cannot grant for bob.
    as_caller(a.eve);
    assert_eq!(
        registry.record_consent(
            a.bob,
            a.charlie,
            permit(Purpose::Treatment, classes, None, None, hash(9))
        ),
        Err(Error::NotPatientOrDelegate)
    );
    assert_eq!(
        latest(&registry, a.bob, a.charlie, Purpose::Treatment),
        None
    );
    assert!(registry.active_consents(a.bob).is_empty());
    assert_eq!(event_count(), events);
}

#[ink::test]
fn grant_expires_with_block_time() {
    let (mut registry, a) = setup();
    grant_simple(
        &mut registry,
        a.bob,
        a.charlie,
        Purpose::Treatment,
        Some(NOW + HOUR),
        None,
    )
    .unwrap();
    test::set_block_timestamp::<Env>(NOW + HOUR - 1);
    assert!(registry
        .is_authorized(
            a.bob,
            a.charlie,
            Purpose::Treatment,
            None,
            DataClasses::MEDICATIONS
        )
        .is_permitted());
    assert_eq!(registry.active_consents(a.bob).len(), 1);
    test::set_block_timestamp::<Env>(NOW + HOUR);
    assert!(!registry
        .is_authorized(
            a.bob,
            a.charlie,
            Purpose::Treatment,
            None,
            DataClasses::MEDICATIONS
        )
        .is_permitted());
    assert!(registry.active_consents(a.bob).is_empty());
    // The expired grant is still readable and revocable (to free its slot).
    assert!(latest(&registry, a.bob, a.charlie, Purpose::Treatment).is_some());
    as_caller(a.bob);
    assert_eq!(
        registry.set_consent_status(
            a.bob,
            id_of(&registry, a.bob, a.charlie, Purpose::Treatment),
            ConsentStatus::Inactive
        ),
        Ok(())
    );
}

#[ink::test]
fn revoke_takes_effect_at_once() {
    let (mut registry, a) = setup();
    grant_simple(
        &mut registry,
        a.bob,
        a.charlie,
        Purpose::Payment,
        None,
        None,
    )
    .unwrap();
    grant_simple(
        &mut registry,
        a.bob,
        a.django,
        Purpose::Treatment,
        None,
        None,
    )
    .unwrap();
    as_caller(a.bob);
    registry
        .set_consent_status(
            a.bob,
            id_of(&registry, a.bob, a.charlie, Purpose::Payment),
            ConsentStatus::Inactive,
        )
        .unwrap();
    assert!(!registry
        .is_authorized(
            a.bob,
            a.charlie,
            Purpose::Payment,
            None,
            DataClasses::MEDICATIONS
        )
        .is_permitted());
    assert_eq!(latest(&registry, a.bob, a.charlie, Purpose::Payment), None);
    let listed = registry.active_consents(a.bob);
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].consent.grantee, a.django);

    let (event, topics) = last_event::<ConsentStatusChanged>();
    assert!(topics.is_empty(), "only safety notices carry field topics");
    assert_eq!(event.changed_by, Some(a.bob));
    assert_eq!(event.status, ConsentStatus::Inactive);
}

#[ink::test]
fn revoke_refuses_unknown_grant_and_strangers() {
    let (mut registry, a) = setup();
    as_caller(a.bob);
    assert_eq!(
        registry.set_consent_status(
            a.bob,
            id_of(&registry, a.bob, a.charlie, Purpose::Payment),
            ConsentStatus::Inactive
        ),
        Err(Error::GrantNotFound)
    );
    grant_simple(
        &mut registry,
        a.bob,
        a.charlie,
        Purpose::Payment,
        None,
        None,
    )
    .unwrap();
    as_caller(a.charlie);
    assert_eq!(
        registry.set_consent_status(
            a.bob,
            id_of(&registry, a.bob, a.charlie, Purpose::Payment),
            ConsentStatus::Inactive
        ),
        Err(Error::NotPatientOrDelegate)
    );
    assert!(registry
        .is_authorized(
            a.bob,
            a.charlie,
            Purpose::Payment,
            None,
            DataClasses::MEDICATIONS
        )
        .is_permitted());
}

/// A consent is named by its patient and its id: another patient naming the id under its
/// own account finds nothing, whether the consent is active (in the patient's index) or
/// ended (in the history), and changes nothing.
#[ink::test]
fn a_consent_is_found_and_changed_only_under_its_own_patient() {
    let (mut registry, a) = setup();
    grant_simple(
        &mut registry,
        a.bob,
        a.charlie,
        Purpose::Treatment,
        None,
        None,
    )
    .unwrap();
    let id = id_of(&registry, a.bob, a.charlie, Purpose::Treatment);
    // django names bob's consent under its own account: nothing found, nothing changed.
    let refused_to_django = |registry: &mut ConsentRegistry, status| {
        let events = event_count();
        as_caller(a.django);
        assert_eq!(registry.consent(a.django, id), None);
        assert_eq!(
            registry.set_consent_status(a.django, id, status),
            Err(Error::GrantNotFound)
        );
        assert_eq!(event_count(), events);
    };
    refused_to_django(&mut registry, ConsentStatus::Inactive);
    assert!(latest(&registry, a.bob, a.charlie, Purpose::Treatment).is_some());

    as_caller(a.bob);
    registry
        .set_consent_status(a.bob, id, ConsentStatus::Inactive)
        .unwrap();
    refused_to_django(&mut registry, ConsentStatus::EnteredInError);
    assert_eq!(
        registry.consent(a.bob, id).map(|c| c.status),
        Some(ConsentStatus::Inactive)
    );
}

/// Ids count each patient's consents from 1: two patients' first consents are both 1,
/// each found and changed under its own patient only. A patient whose every consent has
/// ended keeps its count, so its next consent is 2 and the ended 1 stays in the history.
#[ink::test]
fn each_patients_ids_count_from_one_and_are_never_given_twice() {
    let (mut registry, a) = setup();
    let provision = permit(
        Purpose::Treatment,
        DataClasses::MEDICATIONS,
        None,
        None,
        hash(9),
    );
    as_caller(a.bob);
    assert_eq!(registry.record_consent(a.bob, a.charlie, provision), Ok(1));
    as_caller(a.django);
    assert_eq!(
        registry.record_consent(a.django, a.charlie, provision),
        Ok(1)
    );

    as_caller(a.bob);
    registry
        .set_consent_status(a.bob, 1, ConsentStatus::Inactive)
        .unwrap();
    assert!(registry.active_consents(a.bob).is_empty());
    assert_eq!(
        registry.consent(a.django, 1).map(|c| (c.patient, c.status)),
        Some((a.django, ConsentStatus::Active))
    );
    assert!(registry
        .is_authorized(
            a.django,
            a.charlie,
            Purpose::Treatment,
            None,
            DataClasses::MEDICATIONS
        )
        .is_permitted());

    assert_eq!(registry.record_consent(a.bob, a.eve, provision), Ok(2));
    assert_eq!(
        registry.consent(a.bob, 1).map(|c| (c.grantee, c.status)),
        Some((a.charlie, ConsentStatus::Inactive))
    );
    assert_eq!(
        registry.consent(a.bob, 2).map(|c| (c.grantee, c.status)),
        Some((a.eve, ConsentStatus::Active))
    );
    assert_eq!(
        registry.set_consent_status(a.bob, 1, ConsentStatus::Inactive),
        Err(Error::InvalidStatusChange)
    );
}

#[ink::test]
fn index_is_bounded_and_revocation_shrinks_it() {
    let (mut registry, a) = setup();
    let grantees: Vec<AccountId> = (0..MAX_ACTIVE_GRANTS_PER_PATIENT as u8)
        .map(|i| AccountId::from([100u8.wrapping_add(i); 32]))
        .collect();
    for grantee in &grantees {
        grant_simple(
            &mut registry,
            a.bob,
            *grantee,
            Purpose::Treatment,
            None,
            None,
        )
        .unwrap();
    }
    assert_eq!(
        registry.active_consents(a.bob).len(),
        MAX_ACTIVE_GRANTS_PER_PATIENT
    );
    let events = event_count();
    assert_eq!(
        grant_simple(
            &mut registry,
            a.bob,
            a.charlie,
            Purpose::Treatment,
            None,
            None
        ),
        Err(Error::TooManyActiveGrants)
    );
    assert_eq!(event_count(), events);
    // Revoking one makes room.
    as_caller(a.bob);
    registry
        .set_consent_status(
            a.bob,
            id_of(&registry, a.bob, grantees[1], Purpose::Treatment),
            ConsentStatus::Inactive,
        )
        .unwrap();
    grant_simple(
        &mut registry,
        a.bob,
        a.charlie,
        Purpose::Treatment,
        None,
        None,
    )
    .unwrap();
    assert_eq!(
        registry.active_consents(a.bob).len(),
        MAX_ACTIVE_GRANTS_PER_PATIENT
    );
}

#[ink::test]
fn full_index_clears_expired_grants() {
    let (mut registry, a) = setup();
    for i in 0..MAX_ACTIVE_GRANTS_PER_PATIENT as u8 {
        let grantee = AccountId::from([100u8.wrapping_add(i); 32]);
        let expiry = if i < 3 { Some(NOW + HOUR) } else { None };
        grant_simple(
            &mut registry,
            a.bob,
            grantee,
            Purpose::Treatment,
            expiry,
            None,
        )
        .unwrap();
    }
    test::set_block_timestamp::<Env>(NOW + 2 * HOUR);
    grant_simple(
        &mut registry,
        a.bob,
        a.charlie,
        Purpose::Treatment,
        None,
        None,
    )
    .unwrap();
    // Three expired grants were removed with events; the new one took a slot.
    let cleared = events_of::<ConsentStatusChanged>();
    assert_eq!(cleared.len(), 3);
    assert!(cleared.iter().all(|e| e.changed_by.is_none()));
    assert_eq!(
        latest(
            &registry,
            a.bob,
            AccountId::from([100u8; 32]),
            Purpose::Treatment
        ),
        None
    );
    assert_eq!(
        registry.active_consents(a.bob).len(),
        MAX_ACTIVE_GRANTS_PER_PATIENT - 2
    );
}

#[ink::test]
fn delegate_grants_and_revokes_until_expiry() {
    let (mut registry, a) = setup();
    as_caller(a.bob);
    registry
        .appoint_delegate(a.bob, a.django, NOW + HOUR)
        .unwrap();
    let (event, topics) = last_event::<DelegationChanged>();
    assert!(topics.is_empty(), "only safety notices carry field topics");
    assert_eq!(
        event.delegation,
        Some(Delegation {
            kind: DelegateKind::Proxy,
            expires_at: NOW + HOUR
        })
    );
    assert_eq!((event.delegate, event.by), (a.django, a.bob));

    as_caller(a.django);
    registry
        .record_consent(
            a.bob,
            a.charlie,
            permit(Purpose::Treatment, DataClasses::ALL, None, None, hash(9)),
        )
        .unwrap();
    let (event, _) = last_event::<ConsentRecorded>();
    assert_eq!(event.recorded_by, a.django);
    assert!(registry
        .is_authorized(
            a.bob,
            a.charlie,
            Purpose::Treatment,
            None,
            DataClasses::MEDICATIONS
        )
        .is_permitted());
    registry
        .set_consent_status(
            a.bob,
            id_of(&registry, a.bob, a.charlie, Purpose::Treatment),
            ConsentStatus::Inactive,
        )
        .unwrap();

    // After expiry the delegate can no longer act.
    test::set_block_timestamp::<Env>(NOW + HOUR);
    assert_eq!(
        registry.record_consent(
            a.bob,
            a.charlie,
            permit(Purpose::Treatment, DataClasses::ALL, None, None, hash(9))
        ),
        Err(Error::DelegationExpired)
    );
    assert_eq!(
        registry.set_consent_status(
            a.bob,
            id_of(&registry, a.bob, a.charlie, Purpose::Treatment),
            ConsentStatus::Inactive
        ),
        Err(Error::DelegationExpired)
    );
}

#[ink::test]
fn delegates_cannot_delegate_further() {
    let (mut registry, a) = setup();
    as_caller(a.bob);
    registry
        .appoint_delegate(a.bob, a.django, NOW + HOUR)
        .unwrap();
    as_caller(a.django);
    assert_eq!(
        registry.appoint_delegate(a.bob, a.eve, NOW + HOUR),
        Err(Error::DelegatesCannotDelegate)
    );
    as_caller(a.eve);
    assert_eq!(
        registry.appoint_delegate(a.bob, a.frank, NOW + HOUR),
        Err(Error::NotPatientOrDelegate)
    );
    assert_eq!(registry.delegation(a.bob, a.eve), None);
}

#[ink::test]
fn delegation_input_is_checked() {
    let (mut registry, a) = setup();
    as_caller(a.bob);
    assert_eq!(
        registry.appoint_delegate(a.bob, a.bob, NOW + HOUR),
        Err(Error::SelfGrant)
    );
    assert_eq!(
        registry.appoint_delegate(a.bob, a.django, NOW),
        Err(Error::ExpiryInPast)
    );
    assert_eq!(
        registry.remove_delegate(a.bob, a.django),
        Err(Error::DelegationNotFound)
    );
}

#[ink::test]
fn guardian_is_registered_by_admin_only() {
    let (mut registry, a) = setup();
    as_caller(a.eve);
    assert_eq!(
        registry.register_guardian(a.bob, a.eve, NOW + HOUR),
        Err(Error::Access(AccessError::NotAdmin))
    );
    as_caller(a.alice);
    registry
        .register_guardian(a.bob, a.frank, NOW + HOUR)
        .unwrap();
    let (event, topics) = last_event::<DelegationChanged>();
    assert_eq!(event.patient, a.bob, "the patient sees the registration");
    assert!(topics.is_empty(), "only safety notices carry field topics");
    assert_eq!(
        event.delegation,
        Some(Delegation {
            kind: DelegateKind::Guardian,
            expires_at: NOW + HOUR
        })
    );
    assert_eq!(event.by, a.alice);

    // The guardian acts for the patient.
    as_caller(a.frank);
    registry
        .record_consent(
            a.bob,
            a.charlie,
            permit(Purpose::Treatment, DataClasses::ALL, None, None, hash(9)),
        )
        .unwrap();

    // The patient cannot end a guardianship; the guardian or the admin can.
    as_caller(a.bob);
    assert_eq!(
        registry.remove_delegate(a.bob, a.frank),
        Err(Error::CannotRemoveDelegation)
    );
    as_caller(a.alice);
    registry.remove_delegate(a.bob, a.frank).unwrap();
    let (event, _) = last_event::<DelegationChanged>();
    assert_eq!(
        (event.delegate, event.delegation, event.by),
        (a.frank, None, a.alice),
        "the event says the guardianship ended"
    );
    as_caller(a.frank);
    assert_eq!(
        registry.set_consent_status(
            a.bob,
            id_of(&registry, a.bob, a.charlie, Purpose::Treatment),
            ConsentStatus::Inactive
        ),
        Err(Error::NotPatientOrDelegate)
    );
}

#[ink::test]
fn patient_or_proxy_removes_a_proxy() {
    let (mut registry, a) = setup();
    as_caller(a.bob);
    registry
        .appoint_delegate(a.bob, a.django, NOW + HOUR)
        .unwrap();
    as_caller(a.eve);
    assert_eq!(
        registry.remove_delegate(a.bob, a.django),
        Err(Error::CannotRemoveDelegation)
    );
    as_caller(a.bob);
    registry.remove_delegate(a.bob, a.django).unwrap();
    assert_eq!(registry.delegation(a.bob, a.django), None);
    // The proxy itself may step down.
    registry
        .appoint_delegate(a.bob, a.django, NOW + HOUR)
        .unwrap();
    as_caller(a.django);
    registry.remove_delegate(a.bob, a.django).unwrap();
    let (event, _) = last_event::<DelegationChanged>();
    assert_eq!((event.delegation, event.by), (None, a.django));
}

#[ink::test]
fn emergency_window_opens_and_lapses() {
    let (mut registry, a) = setup();
    registry
        .grant_role(Role::EmergencyResponder, a.eve)
        .unwrap();
    let (event, topics) = last_event::<RoleGranted>();
    assert_eq!(event.role, Role::EmergencyResponder);
    assert!(topics.is_empty(), "only safety notices carry field topics");

    as_caller(a.eve);
    let end = registry
        .open_emergency_access(a.bob, 4 * HOUR, hash(3))
        .unwrap();
    assert_eq!(end, NOW + 4 * HOUR);
    let (event, topics) = last_event::<EmergencyAccessChanged>();
    assert!(topics.is_empty(), "only safety notices carry field topics");
    assert_eq!(
        event.window,
        Some(EmergencyAccess {
            opened_at: NOW,
            expires_at: end,
            justification: hash(3)
        })
    );
    assert_eq!((event.responder, event.by), (a.eve, a.eve));

    // Only the emergency purpose, only inside the window.
    assert!(registry
        .is_authorized(
            a.bob,
            a.eve,
            Purpose::Emergency,
            None,
            DataClasses::MEDICATIONS
        )
        .is_permitted());
    assert!(!registry
        .is_authorized(
            a.bob,
            a.eve,
            Purpose::Treatment,
            None,
            DataClasses::MEDICATIONS
        )
        .is_permitted());
    registry
        .record_access(a.bob, Purpose::Emergency, None, DataClasses::ALL)
        .unwrap();
    test::set_block_timestamp::<Env>(end);
    assert!(!registry
        .is_authorized(
            a.bob,
            a.eve,
            Purpose::Emergency,
            None,
            DataClasses::MEDICATIONS
        )
        .is_permitted());
    assert_eq!(
        registry.record_access(a.bob, Purpose::Emergency, None, DataClasses::ALL),
        Err(Error::NotAuthorized)
    );
}

#[ink::test]
fn emergency_window_closed_early_by_patient() {
    let (mut registry, a) = setup();
    registry
        .grant_role(Role::EmergencyResponder, a.eve)
        .unwrap();
    as_caller(a.eve);
    registry
        .open_emergency_access(a.bob, HOUR, hash(3))
        .unwrap();
    as_caller(a.charlie);
    assert_eq!(
        registry.close_emergency_access(a.bob, a.eve),
        Err(Error::CannotCloseEmergencyAccess)
    );
    as_caller(a.bob);
    registry.close_emergency_access(a.bob, a.eve).unwrap();
    let (event, topics) = last_event::<EmergencyAccessChanged>();
    assert!(topics.is_empty(), "only safety notices carry field topics");
    assert_eq!((event.window, event.by), (None, a.bob));
    assert!(!registry
        .is_authorized(
            a.bob,
            a.eve,
            Purpose::Emergency,
            None,
            DataClasses::MEDICATIONS
        )
        .is_permitted());
    assert_eq!(registry.emergency_access(a.bob, a.eve), None);
    assert_eq!(
        registry.close_emergency_access(a.bob, a.eve),
        Err(Error::EmergencyAccessNotFound)
    );
}

#[ink::test]
fn emergency_access_needs_role_and_bounded_window() {
    let (mut registry, a) = setup();
    as_caller(a.eve);
    assert_eq!(
        registry.open_emergency_access(a.bob, HOUR, hash(3)),
        Err(Error::Access(AccessError::MissingRole(
            Role::EmergencyResponder
        )))
    );
    as_caller(a.alice);
    registry
        .grant_role(Role::EmergencyResponder, a.eve)
        .unwrap();
    as_caller(a.eve);
    assert_eq!(
        registry.open_emergency_access(a.bob, MAX_EMERGENCY_WINDOW + 1, hash(3)),
        Err(Error::InvalidEmergencyWindow)
    );
    assert_eq!(
        registry.open_emergency_access(a.bob, 0, hash(3)),
        Err(Error::InvalidEmergencyWindow)
    );
    assert_eq!(
        registry.open_emergency_access(a.eve, HOUR, hash(3)),
        Err(Error::SelfGrant)
    );
    assert_eq!(registry.emergency_access(a.bob, a.eve), None);
    // The responder and the admin may also close a window.
    registry
        .open_emergency_access(a.bob, HOUR, hash(3))
        .unwrap();
    registry.close_emergency_access(a.bob, a.eve).unwrap();
    registry
        .open_emergency_access(a.bob, HOUR, hash(3))
        .unwrap();
    as_caller(a.alice);
    registry.close_emergency_access(a.bob, a.eve).unwrap();
}

#[ink::test]
fn record_access_checks_authorization_and_classes() {
    let (mut registry, a) = setup();
    as_caller(a.charlie);
    assert_eq!(
        registry.record_access(a.bob, Purpose::Treatment, None, DataClasses::MEDICATIONS),
        Err(Error::NotAuthorized)
    );
    grant_simple(
        &mut registry,
        a.bob,
        a.charlie,
        Purpose::Treatment,
        None,
        None,
    )
    .unwrap();
    as_caller(a.charlie);
    assert_eq!(
        registry.record_access(a.bob, Purpose::Treatment, None, DataClasses::GENOMICS),
        Err(Error::DataClassesNotGranted)
    );
    assert_eq!(
        registry.record_access(a.bob, Purpose::Treatment, None, DataClasses::default()),
        Err(Error::NoDataClasses)
    );
    registry
        .record_access(a.bob, Purpose::Treatment, None, DataClasses::MEDICATIONS)
        .unwrap();
    let (event, topics) = last_event::<AccessRecorded>();
    assert!(topics.is_empty(), "only safety notices carry field topics");
    assert_eq!(event.at, NOW);
    // The classes stay out of the log: no event puts the patient beside a data class.
    assert_eq!(event.context, None);
    assert_eq!(event.purpose, Purpose::Treatment);
}

#[ink::test]
fn pause_stops_new_business_and_every_check() {
    let (mut registry, a) = setup();
    grant_simple(
        &mut registry,
        a.bob,
        a.charlie,
        Purpose::Treatment,
        None,
        None,
    )
    .unwrap();
    as_caller(a.alice);
    registry
        .grant_role(Role::EmergencyResponder, a.eve)
        .unwrap();
    as_caller(a.bob);
    assert_eq!(registry.pause(), Err(AccessError::NotAdmin));
    as_caller(a.alice);
    registry.pause().unwrap();
    let (event, _) = last_event::<Paused>();
    assert_eq!(event.by, a.alice);
    assert!(registry.paused());
    // Paused: no answer, rather than a refusal the caller would blame on the patient.
    assert_eq!(
        registry.is_authorized(
            a.bob,
            a.charlie,
            Purpose::Treatment,
            None,
            DataClasses::MEDICATIONS
        ),
        ConsentAnswer::Unavailable
    );

    let paused = Err(Error::Access(AccessError::Paused));
    let events = event_count();
    assert_eq!(
        grant_simple(
            &mut registry,
            a.bob,
            a.django,
            Purpose::Treatment,
            None,
            None
        ),
        paused
    );
    as_caller(a.bob);
    assert_eq!(
        registry.appoint_delegate(a.bob, a.django, NOW + HOUR),
        paused
    );
    as_caller(a.charlie);
    assert_eq!(
        registry.record_access(a.bob, Purpose::Treatment, None, DataClasses::MEDICATIONS),
        paused
    );
    as_caller(a.eve);
    assert_eq!(
        registry.open_emergency_access(a.bob, HOUR, hash(3)),
        Err(Error::Access(AccessError::Paused))
    );
    as_caller(a.alice);
    assert_eq!(
        registry.register_guardian(a.bob, a.frank, NOW + HOUR),
        paused
    );
    // (Closing a window and ending a delegation work while paused:
    // `revocation_and_closing_work_while_paused`.)
    assert_eq!(event_count(), events);

    assert_eq!(registry.pause(), Err(AccessError::Paused));
    registry.unpause().unwrap();
    assert_eq!(registry.unpause(), Err(AccessError::NotPaused));
    assert!(registry
        .is_authorized(
            a.bob,
            a.charlie,
            Purpose::Treatment,
            None,
            DataClasses::MEDICATIONS
        )
        .is_permitted());
}

/// The suite's rule for document hashes: an all-zero consent form or justification names
/// no document and is refused, with nothing stored and no event.
#[ink::test]
fn zero_document_hashes_are_refused() {
    let (mut registry, a) = setup();
    registry
        .grant_role(Role::EmergencyResponder, a.eve)
        .unwrap();
    let events = event_count();
    as_caller(a.bob);
    assert_eq!(
        registry.record_consent(
            a.bob,
            a.charlie,
            permit(
                Purpose::Treatment,
                DataClasses::MEDICATIONS,
                None,
                None,
                Hash::from([0; 32])
            )
        ),
        Err(Error::ZeroHash)
    );
    assert!(!registry
        .is_authorized(
            a.bob,
            a.charlie,
            Purpose::Treatment,
            None,
            DataClasses::MEDICATIONS
        )
        .is_permitted());
    as_caller(a.eve);
    assert_eq!(
        registry.open_emergency_access(a.bob, HOUR, Hash::from([0; 32])),
        Err(Error::ZeroHash)
    );
    assert!(!registry
        .is_authorized(
            a.bob,
            a.eve,
            Purpose::Emergency,
            None,
            DataClasses::MEDICATIONS
        )
        .is_permitted());
    assert_eq!(event_count(), events);
}

healthchain_common::access_controlled_tests!(
    ConsentRegistry::new(Hash::from([0xC4; 32]), 0, Hash::from([0xA1; 32]), Hash::from([0xA2; 32])),
    roles: [Role::EmergencyResponder],
    unused: Role::Manufacturer
);

/// Review item 6: a proxy cannot grant itself consent, and what it grants for others ends
/// with its delegation.
#[ink::test]
fn a_delegate_cannot_grant_itself_and_its_grants_end_with_the_delegation() {
    let (mut registry, a) = setup();
    as_caller(a.bob);
    registry
        .appoint_delegate(a.bob, a.django, NOW + DAY)
        .unwrap();
    as_caller(a.django);
    let grant = |registry: &mut ConsentRegistry, grantee, expires_at| {
        registry.record_consent(
            a.bob,
            grantee,
            permit(
                Purpose::Treatment,
                DataClasses::MEDICATIONS,
                expires_at,
                None,
                hash(9),
            ),
        )
    };
    assert_eq!(
        grant(&mut registry, a.django, None),
        Err(Error::DelegateGrantsToItself)
    );
    // Open-ended, and later than the delegation: both capped at its end.
    grant(&mut registry, a.charlie, None).unwrap();
    assert_eq!(
        last_event::<ConsentRecorded>().0.period.end,
        Some(NOW + DAY)
    );
    grant(&mut registry, a.eve, Some(NOW + 9 * DAY)).unwrap();
    assert_eq!(
        latest(&registry, a.bob, a.eve, Purpose::Treatment)
            .unwrap()
            .provision
            .period
            .end,
        Some(NOW + DAY)
    );
    // An earlier expiry stays.
    grant(&mut registry, a.frank, Some(NOW + HOUR)).unwrap();
    assert_eq!(
        latest(&registry, a.bob, a.frank, Purpose::Treatment)
            .unwrap()
            .provision
            .period
            .end,
        Some(NOW + HOUR)
    );
    test::set_block_timestamp::<Env>(NOW + DAY);
    assert!(!registry
        .is_authorized(
            a.bob,
            a.charlie,
            Purpose::Treatment,
            None,
            DataClasses::MEDICATIONS
        )
        .is_permitted());
    // The patient's own grants are not capped.
    grant_simple(
        &mut registry,
        a.bob,
        a.charlie,
        Purpose::Payment,
        None,
        None,
    )
    .unwrap();
    assert_eq!(
        latest(&registry, a.bob, a.charlie, Purpose::Payment)
            .unwrap()
            .provision
            .period
            .end,
        None
    );
}

/// Review item 9: a revoked responder's open window grants nothing; no second window
/// while one is open.
#[ink::test]
fn emergency_access_needs_the_role_live_and_one_window_at_a_time() {
    let (mut registry, a) = setup();
    registry
        .grant_role(Role::EmergencyResponder, a.eve)
        .unwrap();
    as_caller(a.eve);
    registry
        .open_emergency_access(a.bob, HOUR, hash(0xEE))
        .unwrap();
    assert_eq!(
        registry.open_emergency_access(a.bob, HOUR, hash(0xEE)),
        Err(Error::EmergencyAccessAlreadyOpen)
    );
    assert!(registry
        .is_authorized(
            a.bob,
            a.eve,
            Purpose::Emergency,
            None,
            DataClasses::MEDICATIONS
        )
        .is_permitted());
    as_caller(a.alice);
    registry
        .revoke_role(Role::EmergencyResponder, a.eve)
        .unwrap();
    assert!(!registry
        .is_authorized(
            a.bob,
            a.eve,
            Purpose::Emergency,
            None,
            DataClasses::MEDICATIONS
        )
        .is_permitted());
    as_caller(a.eve);
    assert_eq!(
        registry.record_access(a.bob, Purpose::Emergency, None, DataClasses::MEDICATIONS),
        Err(Error::NotAuthorized)
    );
    // After the window lapses, a responder who holds the role again may open a new one.
    as_caller(a.alice);
    registry
        .grant_role(Role::EmergencyResponder, a.eve)
        .unwrap();
    test::set_block_timestamp::<Env>(NOW + HOUR);
    as_caller(a.eve);
    registry
        .open_emergency_access(a.bob, HOUR, hash(0xEE))
        .unwrap();
}

/// Review item 10: a patient cannot turn a guardianship into a proxy and remove it.
#[ink::test]
fn a_guardianship_is_changed_only_by_the_admin() {
    let (mut registry, a) = setup();
    registry
        .register_guardian(a.bob, a.django, NOW + DAY)
        .unwrap();
    as_caller(a.bob);
    assert_eq!(
        registry.appoint_delegate(a.bob, a.django, NOW + HOUR),
        Err(Error::GuardianshipProtected)
    );
    assert_eq!(
        registry.remove_delegate(a.bob, a.django),
        Err(Error::CannotRemoveDelegation)
    );
    assert_eq!(
        registry.delegation(a.bob, a.django).unwrap().kind,
        DelegateKind::Guardian
    );
    // The admin may change it, and the guardian may end it.
    as_caller(a.alice);
    registry
        .register_guardian(a.bob, a.django, NOW + 2 * DAY)
        .unwrap();
    as_caller(a.django);
    registry.remove_delegate(a.bob, a.django).unwrap();
}

/// Review item 16: pause stops new business, never a patient's way out.
#[ink::test]
fn revocation_and_closing_work_while_paused() {
    let (mut registry, a) = setup();
    grant_simple(
        &mut registry,
        a.bob,
        a.charlie,
        Purpose::Treatment,
        None,
        None,
    )
    .unwrap();
    as_caller(a.bob);
    registry
        .appoint_delegate(a.bob, a.django, NOW + DAY)
        .unwrap();
    as_caller(a.alice);
    registry
        .grant_role(Role::EmergencyResponder, a.eve)
        .unwrap();
    as_caller(a.eve);
    registry
        .open_emergency_access(a.bob, HOUR, hash(0xEE))
        .unwrap();
    as_caller(a.alice);
    registry.pause().unwrap();
    as_caller(a.bob);
    registry
        .set_consent_status(
            a.bob,
            id_of(&registry, a.bob, a.charlie, Purpose::Treatment),
            ConsentStatus::Inactive,
        )
        .unwrap();
    registry.remove_delegate(a.bob, a.django).unwrap();
    registry.close_emergency_access(a.bob, a.eve).unwrap();
    assert_eq!(
        grant_simple(
            &mut registry,
            a.bob,
            a.charlie,
            Purpose::Treatment,
            None,
            None
        ),
        Err(Error::Access(AccessError::Paused))
    );
}

mod relayed {
    //! Issue 15: a patient's pseudonym, holding no tokens, signs; a clinic submits.
    use super::*;
    use healthchain_common::relay::{
        signer::{Pseudonym, Relationship},
        RelayError, Signature,
    };

    const DEADLINE: u64 = NOW + HOUR;

    fn pseudonym() -> Pseudonym {
        Pseudonym::derive(
            &[0x5E; 32],
            Relationship::Provider {
                provider: test::default_accounts::<Env>().charlie,
            },
        )
    }

    fn signed(who: &Pseudonym, nonce: u64, instruction: &ConsentInstruction) -> Signature {
        who.sign_instruction(
            RELAY_DOMAIN,
            Hash::from(CHAIN),
            test::callee::<Env>(),
            nonce,
            DEADLINE,
            instruction,
        )
    }

    fn grant(patient: AccountId, grantee: AccountId) -> ConsentInstruction {
        ConsentInstruction::RecordConsent {
            patient,
            grantee,
            provision: permit(
                Purpose::Treatment,
                DataClasses::MEDICATIONS,
                None,
                None,
                hash(9),
            ),
        }
    }

    #[ink::test]
    fn a_clinic_relays_a_grant_and_a_revocation_signed_by_an_unfunded_pseudonym() {
        let (mut registry, a) = setup();
        let patient = pseudonym();
        let p = patient.account();
        assert_eq!(test::get_account_balance::<Env>(p).unwrap_or(0), 0);
        as_caller(a.django); // the clinic pays
        let instruction = grant(p, a.charlie);
        registry
            .relay(
                instruction.clone(),
                p,
                0,
                DEADLINE,
                signed(&patient, 0, &instruction),
            )
            .unwrap();
        assert!(registry
            .is_authorized(
                p,
                a.charlie,
                Purpose::Treatment,
                None,
                DataClasses::MEDICATIONS
            )
            .is_permitted());
        let (event, topics) = last_event::<ConsentRecorded>();
        assert_eq!((event.patient, event.recorded_by), (p, p));
        assert!(topics.is_empty(), "only safety notices carry field topics");
        assert_eq!(registry.relay_nonce(p), (Hash::from(CHAIN), 1));

        // The revocation works while paused, like the patient's own.
        as_caller(a.alice);
        registry.pause().unwrap();
        as_caller(a.django);
        let revoke = ConsentInstruction::SetConsentStatus {
            patient: p,
            consent: event.consent,
            status: ConsentStatus::Inactive,
        };
        registry
            .relay(revoke.clone(), p, 1, DEADLINE, signed(&patient, 1, &revoke))
            .unwrap();
        assert_eq!(last_event::<ConsentStatusChanged>().0.changed_by, Some(p));
        assert_eq!(latest(&registry, p, a.charlie, Purpose::Treatment), None);
        // A new grant waits for the unpause, like the patient's own.
        let again = grant(p, a.charlie);
        assert_eq!(
            registry.relay(again.clone(), p, 2, DEADLINE, signed(&patient, 2, &again)),
            Err(Error::Access(AccessError::Paused))
        );
    }

    fn item(who: &Pseudonym, nonce: u64, instruction: ConsentInstruction) -> Relayed {
        Relayed {
            signature: signed(who, nonce, &instruction),
            instruction,
            signer: who.account(),
            nonce,
            deadline: DEADLINE,
        }
    }

    /// Issue 19: a clinic submits the day's signed consent forms in one call; each gets
    /// its own answer, and a refused one changes nothing and stops nothing.
    #[ink::test]
    fn a_clinic_relays_a_batch_and_a_bad_item_is_refused_alone() {
        let (mut registry, a) = setup();
        let first = pseudonym();
        let second = Pseudonym::derive(
            &[0x6E; 32],
            Relationship::Provider {
                provider: a.charlie,
            },
        );
        let mut forged = item(&second, 0, grant(second.account(), a.charlie));
        forged.signature = signed(&first, 0, &forged.instruction);
        as_caller(a.django);
        let answers = registry
            .relay_batch(vec![
                item(&first, 0, grant(first.account(), a.charlie)),
                // The same signer's next nonce, in order.
                item(&first, 1, grant(first.account(), a.eve)),
                // A replay of nonce 0.
                item(&first, 0, grant(first.account(), a.frank)),
                forged,
                item(&second, 0, grant(second.account(), a.charlie)),
            ])
            .unwrap();
        assert!(matches!(answers[2], Err(Error::Relay(_))), "{answers:?}");
        assert!(matches!(answers[3], Err(Error::Relay(_))), "{answers:?}");
        assert_eq!(
            (answers[0], answers[1], answers[4]),
            (Ok(()), Ok(()), Ok(()))
        );
        assert_eq!(registry.relay_nonce(first.account()).1, 2);
        assert_eq!(registry.relay_nonce(second.account()).1, 1);
        assert_eq!(registry.active_consents(first.account()).len(), 2);
        assert_eq!(registry.active_consents(second.account()).len(), 1);
        assert_eq!(
            registry.relay_batch(vec![
                item(&first, 2, grant(first.account(), a.frank));
                MAX_RELAY_BATCH + 1
            ]),
            Err(Error::BatchTooLarge)
        );
        assert_eq!(registry.relay_batch(vec![]), Ok(vec![]));
    }

    /// A patient's own relayed grant or revocation reads and writes the record that holds
    /// both its nonce and its consents once: the revocation's change and the nonce land
    /// together, and the grant after it finds the freed slot. A refused item keeps the
    /// nonce.
    #[ink::test]
    fn a_signers_nonce_and_index_share_one_record_and_stay_right_together() {
        let (mut registry, a) = setup();
        let patient = pseudonym();
        let p = patient.account();
        let full = MAX_CONSENTS_PER_GRANTEE_PURPOSE as u64;
        let mut batch: Vec<Relayed> = (0..full)
            .map(|nonce| item(&patient, nonce, grant(p, a.charlie)))
            .collect();
        // Consent 1 revoked: its slot in the index the same record holds is free again.
        let revoke = ConsentInstruction::SetConsentStatus {
            patient: p,
            consent: 1,
            status: ConsentStatus::Inactive,
        };
        batch.push(item(&patient, full, revoke));
        // Refused (the patient cannot be its own grantee): the nonce stays.
        batch.push(item(&patient, full + 1, grant(p, p)));
        batch.push(item(&patient, full + 1, grant(p, a.charlie)));
        as_caller(a.django);
        let answers = registry.relay_batch(batch).unwrap();
        let refused: Vec<usize> = (0..answers.len())
            .filter(|i| answers[*i].is_err())
            .collect();
        assert_eq!(refused, vec![full as usize + 1], "{answers:?}");
        assert_eq!(registry.relay_nonce(p).1, full + 2);
        assert_eq!(
            registry.consent(p, 1).unwrap().status,
            ConsentStatus::Inactive
        );
        assert_eq!(
            registry.active_consents(p).len(),
            MAX_CONSENTS_PER_GRANTEE_PURPOSE
        );
    }

    #[ink::test]
    fn replays_copies_and_late_instructions_are_refused_with_nothing_changed() {
        let (mut registry, a) = setup();
        let patient = pseudonym();
        let p = patient.account();
        let instruction = grant(p, a.charlie);
        let signature = signed(&patient, 0, &instruction);
        as_caller(a.django);
        registry
            .relay(instruction.clone(), p, 0, DEADLINE, signature)
            .unwrap();
        let events = event_count();
        assert_eq!(
            registry.relay(instruction.clone(), p, 0, DEADLINE, signature),
            Err(Error::Relay(RelayError::BadNonce))
        );
        // Signed for another registry (a copy sent elsewhere).
        let elsewhere = patient.sign_instruction(
            RELAY_DOMAIN,
            Hash::from(CHAIN),
            a.eve,
            1,
            DEADLINE,
            &instruction,
        );
        assert_eq!(
            registry.relay(instruction.clone(), p, 1, DEADLINE, elsewhere),
            Err(Error::Relay(RelayError::BadSignature))
        );
        // Someone else's instruction under the patient's name.
        let forged = pseudonym_of_another().sign_instruction(
            RELAY_DOMAIN,
            Hash::from(CHAIN),
            test::callee::<Env>(),
            1,
            DEADLINE,
            &instruction,
        );
        assert_eq!(
            registry.relay(instruction.clone(), p, 1, DEADLINE, forged),
            Err(Error::Relay(RelayError::BadSignature))
        );
        test::set_block_timestamp::<Env>(DEADLINE);
        let late = signed(&patient, 1, &instruction);
        assert_eq!(
            registry.relay(instruction, p, 1, DEADLINE, late),
            Err(Error::Relay(RelayError::Expired))
        );
        assert_eq!(event_count(), events, "no event for a refusal");
        assert_eq!(registry.relay_nonce(p).1, 1);
    }

    fn pseudonym_of_another() -> Pseudonym {
        Pseudonym::derive(
            &[0x77; 32],
            Relationship::Provider {
                provider: test::default_accounts::<Env>().charlie,
            },
        )
    }

    /// The signer is checked like a caller: a stranger's signed instruction about
    /// someone else's consent is refused as the stranger's own call would be, and a
    /// delegate's signature acts within its delegation.
    #[ink::test]
    fn the_signer_acts_with_its_own_standing() {
        let (mut registry, a) = setup();
        let patient = pseudonym();
        let p = patient.account();
        let proxy = pseudonym_of_another();
        let q = proxy.account();
        as_caller(a.django);
        let by_stranger = grant(p, a.charlie);
        assert_eq!(
            registry.relay(
                by_stranger.clone(),
                q,
                0,
                DEADLINE,
                signed(&proxy, 0, &by_stranger)
            ),
            Err(Error::NotPatientOrDelegate)
        );
        assert_eq!(
            registry.relay_nonce(q).1,
            0,
            "a refused instruction keeps its nonce"
        );
        let appoint = ConsentInstruction::AppointDelegate {
            patient: p,
            delegate: q,
            expires_at: NOW + DAY,
        };
        registry
            .relay(
                appoint.clone(),
                p,
                0,
                DEADLINE,
                signed(&patient, 0, &appoint),
            )
            .unwrap();
        registry
            .relay(
                by_stranger.clone(),
                q,
                0,
                DEADLINE,
                signed(&proxy, 0, &by_stranger),
            )
            .unwrap();
        let made = latest(&registry, p, a.charlie, Purpose::Treatment).unwrap();
        assert_eq!(
            (made.recorded_by, made.provision.period.end),
            (q, Some(NOW + DAY))
        );
        let remove = ConsentInstruction::RemoveDelegate {
            patient: p,
            delegate: q,
        };
        registry
            .relay(remove.clone(), p, 1, DEADLINE, signed(&patient, 1, &remove))
            .unwrap();
        assert_eq!(registry.delegation(p, q), None);
    }
}

/// Issue 19: a batch of questions, answered in order as one at a time would be.
#[ink::test]
fn a_batch_of_questions_is_answered_in_order() {
    use healthchain_common::consent::{ConsentQuery, MAX_CONSENT_QUERIES};
    let (mut registry, a) = setup();
    grant_simple(
        &mut registry,
        a.bob,
        a.charlie,
        Purpose::Treatment,
        None,
        None,
    )
    .unwrap();
    let ask = |patient, grantee, purpose| ConsentQuery {
        patient,
        grantee,
        purpose,
        context: None,
        classes: DataClasses::MEDICATIONS,
    };
    let queries = vec![
        ask(a.bob, a.charlie, Purpose::Treatment),
        ask(a.bob, a.charlie, Purpose::Payment),
        ask(a.bob, a.django, Purpose::Treatment),
    ];
    let one_by_one: Vec<ConsentAnswer> = queries
        .iter()
        .map(|q| registry.is_authorized(q.patient, q.grantee, q.purpose, q.context, q.classes))
        .collect();
    assert_eq!(
        one_by_one,
        vec![
            ConsentAnswer::Permitted,
            ConsentAnswer::NotPermitted,
            ConsentAnswer::NotPermitted
        ]
    );
    assert_eq!(registry.is_authorized_batch(queries.clone()), one_by_one);
    assert_eq!(registry.is_authorized_batch(vec![]), vec![]);
    // Too many: each answered Unavailable, none decided.
    let too_many = vec![queries[0]; MAX_CONSENT_QUERIES + 1];
    let answers = registry.is_authorized_batch(too_many);
    assert_eq!(answers.len(), MAX_CONSENT_QUERIES + 1);
    assert!(answers.iter().all(|x| *x == ConsentAnswer::Unavailable));
    as_caller(a.alice);
    registry.pause().unwrap();
    assert_eq!(
        registry.is_authorized_batch(queries),
        vec![ConsentAnswer::Unavailable; 3]
    );
}

mod index_state_machine {
    //! An active consent lives only in its patient's index, from which `is_authorized`
    //! decides; it moves to the history when it stops being active. This property test
    //! checks, across random grants, denies, revocations, errors and the passing of time,
    //! that the registry answers what a model of every consent recorded says: each check,
    //! and each consent's status.
    use super::*;
    use proptest::prelude::*;

    #[derive(Debug, Clone)]
    enum Step {
        Grant {
            deny: bool,
            purpose: usize,
            classes: u32,
            starts_in: u64,
            lasts: Option<u64>,
            context: Option<u8>,
        },
        /// A status change of the `pick`-th consent recorded (modulo how many there are).
        SetStatus {
            pick: usize,
            in_error: bool,
        },
        Wait(u64),
    }

    const PURPOSES: [Purpose; 3] = [Purpose::Treatment, Purpose::Payment, Purpose::Research];

    fn step() -> impl Strategy<Value = Step> {
        prop_oneof![
            4 => (
                any::<bool>(),
                0usize..3,
                1u32..1024,
                0u64..3,
                proptest::option::of(1u64..4),
                proptest::option::of(0u8..2),
            )
                .prop_map(|(deny, purpose, classes, starts_in, lasts, context)| Step::Grant {
                    deny,
                    purpose,
                    classes,
                    starts_in,
                    lasts,
                    context,
                }),
            2 => (any::<usize>(), any::<bool>())
                .prop_map(|(pick, in_error)| Step::SetStatus { pick, in_error }),
            1 => (1u64..3).prop_map(Step::Wait),
        ]
    }

    /// The model: every consent recorded, with the status the patient's own changes gave
    /// it (the registry may also have made an ended one inactive, which changes no answer).
    type Model = Vec<(ConsentId, Consent)>;

    /// What the model's consents for `purpose` say at `now` in `context`.
    fn modelled(model: &Model, purpose: Purpose, context: Option<Hash>, now: u64) -> Decision {
        model
            .iter()
            .filter(|(_, c)| c.provision.purpose == purpose)
            .filter(|(_, c)| c.status == ConsentStatus::Active)
            .fold(Decision::default(), |d, (_, c)| {
                d.add(&c.provision, now, context)
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 40, ..ProptestConfig::default() })]

        #[test]
        fn the_index_and_the_history_answer_what_was_recorded(steps in prop::collection::vec(step(), 1..30)) {
            test::run_test::<Env, _>(|_| {
                let (mut registry, a) = setup();
                let (patient, grantee) = (a.bob, a.charlie);
                let mut now = NOW;
                let mut model: Model = Vec::new();
                for step in steps {
                    as_caller(patient);
                    match step {
                        Step::Grant { deny, purpose, classes, starts_in, lasts, context } => {
                            let start = now + starts_in * HOUR;
                            let provision = Provision {
                                kind: if deny { ProvisionType::Deny } else { ProvisionType::Permit },
                                purpose: PURPOSES[purpose],
                                data_classes: DataClasses(classes),
                                period: Period { start, end: lasts.map(|h| start + h * HOUR) },
                                context: context.map(hash),
                                consent_form: hash(9),
                            };
                            if let Ok(id) = registry.record_consent(patient, grantee, provision) {
                                model.push((id, Consent {
                                    patient,
                                    grantee,
                                    provision,
                                    status: ConsentStatus::Active,
                                    recorded_at: now,
                                    recorded_by: patient,
                                }));
                            }
                        }
                        Step::SetStatus { pick, in_error } if !model.is_empty() => {
                            let at = pick % model.len();
                            let status = if in_error { ConsentStatus::EnteredInError } else { ConsentStatus::Inactive };
                            let (id, consent) = &mut model[at];
                            if registry.set_consent_status(patient, *id, status).is_ok() {
                                consent.status = status;
                            }
                        }
                        Step::SetStatus { .. } => {}
                        Step::Wait(hours) => {
                            now += hours * HOUR;
                            test::set_block_timestamp::<Env>(now);
                        }
                    }
                    for (id, expected) in &model {
                        let kept = registry.consent(patient, *id).expect("a consent is never lost");
                        let lapsed = expected.status == ConsentStatus::Active
                            && expected.provision.period.has_ended(now)
                            && kept.status == ConsentStatus::Inactive;
                        assert!(
                            kept == *expected || (lapsed && kept == Consent { status: ConsentStatus::Inactive, ..*expected }),
                            "consent {id}: kept {kept:?}, expected {expected:?}"
                        );
                        assert_eq!(registry.consent(a.django, *id), None, "found only under its patient");
                    }
                    for purpose in PURPOSES {
                        for context in [None, Some(hash(0)), Some(hash(1))] {
                            let decision = modelled(&model, purpose, context, now);
                            for classes in (0..10).map(|bit| DataClasses(1 << bit)).chain([DataClasses(0b11), DataClasses::ALL]) {
                                assert_eq!(
                                    registry.is_authorized(patient, grantee, purpose, context, classes),
                                    decision.answer(classes),
                                    "{purpose:?} {context:?} {classes:?} at {now}"
                                );
                            }
                        }
                    }
                }
                Ok(())
            })
            .unwrap();
        }
    }
}

/// The longest inputs the registry takes within its bounds fit the buffer a contract reads
/// a call's input into: a full `relay_batch` of consent grants with an end and a context,
/// and a full `is_authorized_batch` with contexts.
#[test]
fn the_longest_inputs_fit_the_input_buffer() {
    use healthchain_common::{
        consent::{ConsentQuery, MAX_CONSENT_QUERIES},
        unit_test::assert_input_fits,
    };
    let form = Relayed {
        instruction: ConsentInstruction::RecordConsent {
            patient: AccountId::from([0x11; 32]),
            grantee: AccountId::from([0x22; 32]),
            provision: research(7, Some(u64::MAX)),
        },
        signer: AccountId::from([0x11; 32]),
        nonce: u64::MAX,
        deadline: u64::MAX,
        signature: [0x33; 65],
    };
    assert_input_fits("relay_batch", &vec![form; MAX_RELAY_BATCH]);
    let query = ConsentQuery {
        patient: AccountId::from([0x11; 32]),
        grantee: AccountId::from([0x22; 32]),
        purpose: Purpose::Research,
        context: Some(hash(0x44)),
        classes: DataClasses::TRIAL_DATA,
    };
    assert_input_fits("is_authorized_batch", &vec![query; MAX_CONSENT_QUERIES]);
}
