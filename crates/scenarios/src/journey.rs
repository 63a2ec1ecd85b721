//! The patient journey of the design: all four contracts deployed and wired by address,
//! every role held by its own account, every step signed by the right account, asserting
//! its result, the balances it moved and the events it emitted. Generic over the ink_e2e
//! backend: the sandbox (tests, `healthchain demo`) or a node (`make test-node`,
//! `healthchain demo --url`).

use crate::support::{
    balance, container, deploy_claim_settlement, deploy_consent_registry, deploy_drug_provenance,
    deploy_trial_anchoring, hash, id, packed, participant_status, permit, printed_expiry,
    procedure, receipt_salt, recipient, relay_consent, resubmit, serial, serial_leaves, step,
    submit_or_refusal, the_event, transaction_information, BackendError, Claims, EmittedEvents,
    Ledger, Registry, Scenario, Trials, FAR_FUTURE, GTIN,
};
use claim_settlement::{
    claim_settlement::{
        ClaimAdjudicated, ClaimPaid, EnrolmentChanged, FeeScheduleUpdated, PlanCreated,
    },
    data::{
        ClaimLine, CostShare, CostSharing, DrugUnit, FeeScheduleEntry, Outcome, PaymentConsent,
        ReasonCode, ServiceCode,
    },
};
use consent_registry::{
    consent_registry::{ConsentRecorded, ConsentStatusChanged, EmergencyAccessChanged},
    data::{ConsentId, ConsentInstruction, ConsentStatus, Error as ConsentError},
};
use drug_provenance::{
    data::{
        ContainerState, Error as ProvenanceError, Item, ItemKey, Level, Place, QuarantineReason,
        Scan, SensorPlace, ShipmentPurpose, Target,
    },
    drug_provenance::{
        Aggregated, Disaggregated, Dispensed, LotCommissioned, Quarantined, ShipmentClosed,
        Shipped, TemperatureRecorded,
    },
    packing::Packing,
};
use healthchain_common::{
    access::{AccessControlled, Role, RoleGranted},
    consent::{research_context, ConsentCheck, DataClasses, Purpose},
    merkle::{self, hash_leaf},
    relay::{
        signer::{Pseudonym, Relationship},
        RelayError,
    },
};
use ink::{env::DefaultEnvironment, primitives::AccountId};
use ink_e2e::{ChainBackend, ContractsBackend, E2EBackend, Keypair};
use std::fmt::Debug;
use trial_anchoring::{
    data::{
        subject_commitment, Causality, Expectedness, ParticipantStatus, SafetyReport, Seriousness,
        DAY,
    },
    trial_anchoring::{
        AdverseEventReported, BatchAnchored, ParticipantEnrolled, ProtocolAmended, TrialRegistered,
    },
};

const UNIT: u128 = 10_000_000_000;
const LOT: &[u8] = b"JOURNEY-1";
const SERIALS: usize = 16;
/// The patient's one secret, kept by the patient's app: every pseudonym derives from it.
const PATIENT_SECRET: [u8; 32] = *b"journey patient secret, 32 bytes";

/// Prints one step of the journey as a person reads it.
fn say(step: &str) {
    println!("journey: {step}");
}

/// The whole journey on `client`; returns how many steps it walked.
pub async fn run<Client>(client: &mut Scenario<Client>) -> usize
where
    Client: E2EBackend + ChainBackend<Balance = u128>,
    <Client as ChainBackend>::AccountId: From<[u8; 32]>,
    <Client as ChainBackend>::Error: Debug,
    <Client as ContractsBackend<DefaultEnvironment>>::EventLog: EmittedEvents,
    BackendError<Client>: Debug,
{
    let cast = Cast::fund(client).await;
    let suite = Suite::deploy(client, &cast).await;
    let mut journey = Journey {
        client,
        cast,
        suite,
        steps: 1,
        plan: 0,
        now: 0,
        trial: 0,
        clinic_payment_consent: 0,
    };
    journey.register_roles().await;
    journey.move_the_lot().await;
    journey.plan_and_escrow().await;
    journey.care_consents().await;
    journey.dispense_and_pay().await;
    journey.refuse_counterfeit_and_clone().await;
    journey.excursion_denies_claim().await;
    journey.research().await;
    journey.amendment_needs_reconsent().await;
    journey.revoked_consent_denies_claim().await;
    journey.break_glass().await;
    journey.steps
}

/// Every role its own account: alice admin of all four; bob manufacturer; charlie
/// wholesaler; dave pharmacy (dispenser and provider); eve insurer; a sensor, a clinic, a
/// sponsor and an emergency responder funded by alice. The patient has no account: only
/// unfunded pseudonyms, one per relationship (see `Journey::member` and the others), whose
/// signed instructions the clinic relays.
struct Cast {
    alice: Keypair,
    bob: Keypair,
    charlie: Keypair,
    dave: Keypair,
    eve: Keypair,
    sensor: Keypair,
    clinic: Keypair,
    sponsor: Keypair,
    responder: Keypair,
}

impl Cast {
    async fn fund<Client>(client: &mut Scenario<Client>) -> Cast
    where
        Client: E2EBackend + ChainBackend<Balance = u128>,
        <Client as ChainBackend>::Error: Debug,
    {
        let alice = ink_e2e::alice();
        let mut funded = Vec::new();
        for _ in 0..4 {
            funded.push(client.create_and_fund_account(&alice, 1_000 * UNIT).await);
        }
        let [sensor, clinic, sponsor, responder]: [Keypair; 4] = funded
            .try_into()
            .unwrap_or_else(|_| unreachable!("four accounts"));
        Cast {
            alice,
            bob: ink_e2e::bob(),
            charlie: ink_e2e::charlie(),
            dave: ink_e2e::dave(),
            eve: ink_e2e::eve(),
            sensor,
            clinic,
            sponsor,
            responder,
        }
    }
}

/// The four contracts, deployed by alice and wired by address.
struct Suite {
    registry_id: AccountId,
    registry: Registry,
    ledger_id: AccountId,
    ledger: Ledger,
    claims_id: AccountId,
    claims: Claims,
    trials_id: AccountId,
    trials: Trials,
}

impl Suite {
    /// Deploys the four contracts and checks claim_settlement's wiring.
    async fn deploy<Client>(client: &mut Scenario<Client>, cast: &Cast) -> Suite
    where
        Client: E2EBackend,
        BackendError<Client>: Debug,
    {
        let alice = &cast.alice;
        let (registry_id, registry) = deploy_consent_registry(client, alice).await;
        let (ledger_id, ledger) =
            deploy_drug_provenance(client, alice, id(&cast.bob), id(&cast.dave)).await;
        let claims = deploy_claim_settlement(client, alice, registry_id, ledger_id).await;
        let claims_id = ink::ToAccountId::to_account_id(&claims);
        let trials = deploy_trial_anchoring(client, alice, registry_id).await;
        let trials_id = ink::ToAccountId::to_account_id(&trials);
        let wiring = client
            .call(alice, &claims.callees())
            .dry_run()
            .await
            .expect("read")
            .return_value();
        assert_eq!(
            wiring,
            (registry_id, ledger_id),
            "claims are wired to registry and ledger"
        );
        say("alice deployed the four contracts and wired claims and trials to the registry and ledger");
        Suite {
            registry_id,
            registry,
            ledger_id,
            ledger,
            claims_id,
            claims,
            trials_id,
            trials,
        }
    }
}

/// The journey under way: the scenario, the cast, the suite, what earlier chapters
/// established, and the steps walked. Each chapter is one method.
struct Journey<'a, Client> {
    client: &'a mut Scenario<Client>,
    cast: Cast,
    suite: Suite,
    steps: usize,
    /// The insurer's plan.
    plan: u32,
    /// The service date of the claims: the chain's clock as contracts see it.
    now: u64,
    /// The trial id.
    trial: u64,
    /// The member's payment consent to the clinic, which the journey later revokes.
    clinic_payment_consent: ConsentId,
}

impl<Client> Journey<'_, Client> {
    /// The patient as a member of the plan: enrolment, payment consents, the pharmacy's
    /// dispense and both providers' claims name this one pseudonym.
    fn member(&self) -> Pseudonym {
        member_of(self.suite.claims_id, self.plan)
    }

    /// The patient in dave's care: treatment consent.
    fn treated(&self) -> Pseudonym {
        Pseudonym::derive(
            &PATIENT_SECRET,
            Relationship::Provider {
                provider: id(&self.cast.dave),
            },
        )
    }

    /// The patient in the trial: research consent, enrolment.
    fn participant(&self) -> Pseudonym {
        Pseudonym::derive(
            &PATIENT_SECRET,
            Relationship::Trial {
                trials: self.suite.trials_id,
                trial: self.trial,
            },
        )
    }

    /// The registry's own identity of the patient, for emergency departments.
    fn in_registry(&self) -> Pseudonym {
        Pseudonym::derive(
            &PATIENT_SECRET,
            Relationship::Registry {
                registry: self.suite.registry_id,
            },
        )
    }
}

/// The patient's pseudonym as a member of `plan` of the claims contract `claims`.
fn member_of(claims: AccountId, plan: u32) -> Pseudonym {
    Pseudonym::derive(&PATIENT_SECRET, Relationship::Plan { claims, plan })
}

/// How bob packs the journey's lot: serials 0-4 and 5-9 in two cases on one pallet.
fn journey_packing() -> Packing {
    packed(LOT, SERIALS, &[(11, 0, 5), (12, 5, 5)], Some(10))
}

/// A pharmacy claim line for serial `index` of the journey's lot.
fn drug_line(index: usize) -> ClaimLine {
    ClaimLine {
        code: ServiceCode::Drug(GTIN),
        quantity: 1,
        charge: 60 * UNIT,
        unit: Some(DrugUnit {
            lot: LOT.to_vec(),
            serial: serial(index),
            recipient_salt: receipt_salt(&serial(index)),
            days_supply: 30,
        }),
        modifier: None,
        authorization: None,
    }
}

impl<Client> Journey<'_, Client>
where
    Client: E2EBackend + ChainBackend<Balance = u128>,
    <Client as ChainBackend>::AccountId: From<[u8; 32]>,
    <Client as ChainBackend>::Error: Debug,
    <Client as ContractsBackend<DefaultEnvironment>>::EventLog: EmittedEvents,
    BackendError<Client>: Debug,
{
    /// Registers every trading partner, payer, provider, sponsor and responder, each with its `RoleGranted` event.
    async fn register_roles(&mut self) {
        let Cast {
            alice,
            charlie,
            dave,
            eve,
            sensor,
            clinic,
            sponsor,
            responder,
            ..
        } = &self.cast;
        let (registry_id, ledger_id, claims_id, trials_id) = (
            self.suite.registry_id,
            self.suite.ledger_id,
            self.suite.claims_id,
            self.suite.trials_id,
        );
        let Suite {
            registry,
            ledger,
            claims,
            trials,
            ..
        } = &mut self.suite;
        let client = &mut *self.client;
        let role_steps = [
            (Role::Wholesaler, id(charlie), "ledger"),
            (Role::Sensor, id(sensor), "ledger"),
            (Role::Insurer, id(eve), "claims"),
            (Role::Provider, id(dave), "claims"),
            (Role::Provider, id(clinic), "claims"),
            (Role::Sponsor, id(sponsor), "trials"),
            (Role::EmergencyResponder, id(responder), "registry"),
        ];
        for (role, account, contract) in role_steps {
            let (events, at) = match contract {
                "ledger" => (
                    step(
                        client,
                        alice,
                        &ledger.grant_role(role, account),
                        "grant role",
                    )
                    .await
                    .events,
                    ledger_id,
                ),
                "claims" => (
                    step(
                        client,
                        alice,
                        &claims.grant_role(role, account),
                        "grant role",
                    )
                    .await
                    .events,
                    claims_id,
                ),
                "trials" => (
                    step(
                        client,
                        alice,
                        &trials.grant_role(role, account),
                        "grant role",
                    )
                    .await
                    .events,
                    trials_id,
                ),
                _ => (
                    step(
                        client,
                        alice,
                        &registry.grant_role(role, account),
                        "grant role",
                    )
                    .await
                    .events,
                    registry_id,
                ),
            };
            let granted: RoleGranted = the_event(&events, at);
            assert_eq!((granted.role, granted.account), (role, account));
            self.steps += 1;
        }
        say("alice registered a manufacturer, wholesaler, pharmacy, sensor, insurer, clinic, sponsor and responder");
    }

    /// A lot of 16 serials stored at 2-8 °C, commissioned and moved down to the pharmacy with a sensor reading on the way.
    async fn move_the_lot(&mut self) {
        let Cast {
            bob,
            charlie,
            dave,
            sensor,
            ..
        } = &self.cast;
        let ledger_id = self.suite.ledger_id;
        let Suite { ledger, .. } = &mut self.suite;
        let client = &mut *self.client;
        let root = merkle::root(&serial_leaves(SERIALS)).expect("serials");
        let commission = ledger.commission_lot(
            GTIN,
            LOT.to_vec(),
            FAR_FUTURE,
            10,
            root,
            SERIALS as u64,
            200,
            800,
            hash(0xCA),
        );
        let done = step(client, bob, &commission, "commission").await;
        let commissioned: LotCommissioned = the_event(&done.events, ledger_id);
        assert_eq!(
            (commissioned.quantity, commissioned.serial_root),
            (10, root)
        );
        say("bob (manufacturer) commissioned lot JOURNEY-1: 10 packages, 16 serials, 2-8 °C");
        let packing = journey_packing();
        let pallet = packing.pallet.expect("a pallet");
        let packed = step(
            client,
            bob,
            &ledger.aggregate(
                GTIN,
                LOT.to_vec(),
                pallet,
                Level::Pallet,
                packing.pallet_contents().expect("cases"),
                2,
                packing.units(),
                None,
            ),
            "pack",
        )
        .await;
        let aggregated: Aggregated = the_event(&packed.events, ledger_id);
        assert_eq!((aggregated.sscc, aggregated.units), (pallet, 10));
        let shipment = step(
            client,
            bob,
            &ledger.ship(
                id(charlie),
                vec![Item::Container(pallet)],
                ShipmentPurpose::Sale,
                transaction_information(0x71),
            ),
            "ship",
        )
        .await;
        let shipped: Shipped = the_event(&shipment.events, ledger_id);
        assert_eq!(
            (shipped.to, shipped.units, shipped.items),
            (id(charlie), 10, vec![ItemKey::Container(pallet)])
        );
        let travelling = SensorPlace::Shipment(shipment.value);
        step(
            client,
            bob,
            &ledger.bind_sensor(travelling, id(sensor)),
            "bind the sensor",
        )
        .await;
        let reading = step(
            client,
            sensor,
            &ledger.report_temperature(travelling, 540),
            "sense",
        )
        .await;
        assert!(the_event::<TemperatureRecorded>(&reading.events, ledger_id).in_range);
        let received = step(
            client,
            charlie,
            &ledger.receive(shipment.value, vec![Scan::Container(pallet)]),
            "receive",
        )
        .await;
        assert_eq!(
            the_event::<ShipmentClosed>(&received.events, ledger_id).to,
            id(charlie)
        );
        say("bob packed two cases on a pallet (one write), shipped it to charlie with the DSCSA transaction information's hash; the sensor riding with it read 5.40 °C; charlie's dock scanned the pallet in");
        let opened = step(
            client,
            charlie,
            &ledger.disaggregate(pallet, packing.case_specs()),
            "open",
        )
        .await;
        let first = packing.case(0).expect("a case").sscc;
        assert_eq!(
            the_event::<Disaggregated>(&opened.events, ledger_id).cases,
            vec![first, packing.case(1).expect("a case").sscc]
        );
        let shipped = step(
            client,
            charlie,
            &ledger.ship(
                id(dave),
                vec![Item::Container(first)],
                ShipmentPurpose::Sale,
                transaction_information(0x72),
            ),
            "ship",
        )
        .await;
        let event: Shipped = the_event(&shipped.events, ledger_id);
        assert_eq!(
            (event.from, event.to, event.units),
            (id(charlie), id(dave), 5)
        );
        let received = step(
            client,
            dave,
            &ledger.receive(shipped.value, vec![Scan::Container(first)]),
            "receive",
        )
        .await;
        assert_eq!(
            the_event::<ShipmentClosed>(&received.events, ledger_id).units,
            5
        );
        step(client, dave, &ledger.disaggregate(first, vec![]), "open").await;
        let case = container(client, ledger, first).await;
        assert_eq!(
            (case.holder, case.state),
            (id(dave), ContainerState::Opened { remaining: 5 })
        );
        self.steps += 10;
        say("charlie opened the pallet (its cases checked against its root), shipped one case of 5 to dave, who scanned it in and opened it");
    }

    /// The insurer's plan and fee schedule, the member, and the escrow funded.
    async fn plan_and_escrow(&mut self) {
        let Cast { eve, .. } = &self.cast;
        let claims_id = self.suite.claims_id;
        let Suite { claims, .. } = &mut self.suite;
        let client = &mut *self.client;
        let sharing = CostSharing {
            deductible: 100 * UNIT,
            copay: 20 * UNIT,
            coinsurance_bps: 2_000,
            out_of_pocket_max: 1_000 * UNIT,
        };
        let created = step(
            client,
            eve,
            &claims.create_plan(sharing, PaymentConsent::Required, None, 0, FAR_FUTURE),
            "plan",
        )
        .await;
        let plan = created.value;
        self.plan = plan;
        let patient = member_of(claims_id, plan).account();
        assert_eq!(
            the_event::<PlanCreated>(&created.events, claims_id).insurer,
            id(eve)
        );
        let fee = |allowed: u128| {
            Some(FeeScheduleEntry {
                allowed_per_unit: allowed * UNIT,
                cost_share: CostShare::Copay,
                requires_authorization: false,
                package_units: 0,
                max_days_supply: 0,
            })
        };
        let fees = step(
            client,
            eve,
            &claims.update_fee_schedule(
                plan,
                vec![
                    (procedure(b"99213"), fee(150)),
                    (ServiceCode::Drug(GTIN), fee(60)),
                ],
            ),
            "fees",
        )
        .await;
        assert_eq!(
            crate::support::events_of::<FeeScheduleUpdated>(&fees.events, claims_id).len(),
            2,
            "one event per fee schedule change"
        );
        let member = step(
            client,
            eve,
            &claims.enrol_member(plan, patient, 0, FAR_FUTURE),
            "enrol member",
        )
        .await;
        assert_eq!(
            the_event::<EnrolmentChanged>(&member.events, claims_id).member,
            patient
        );
        let eve_before = balance(client, id(eve)).await;
        let deposit = client
            .call(eve, &claims.deposit())
            .value(500 * UNIT)
            .submit()
            .await
            .expect("deposit");
        let charged = deposit.dry_run.exec_result.storage_deposit.charge_or_zero();
        let fee = deposit.events.fee_paid();
        deposit.return_value().expect("eve funds her escrow");
        assert_eq!(
            eve_before - balance(client, id(eve)).await,
            500 * UNIT + charged + fee,
            "eve paid the deposit, its storage deposit and the transaction fee"
        );
        self.steps += 4;
        say("eve (insurer) created a plan (deductible 100, copay 20), enrolled the patient's plan pseudonym and put 500 in escrow");
    }

    /// The patient's treatment and payment consents, each signed by the pseudonym of its
    /// relationship (which holds no tokens) and relayed by the clinic.
    async fn care_consents(&mut self) {
        let (treated, member) = (self.treated(), self.member());
        let Cast { dave, clinic, .. } = &self.cast;
        let registry_id = self.suite.registry_id;
        let Suite { registry, .. } = &mut self.suite;
        let client = &mut *self.client;
        assert_ne!(
            treated.account(),
            member.account(),
            "one pseudonym per relationship"
        );
        for pseudonym in [&treated, &member] {
            assert_eq!(
                balance(client, pseudonym.account()).await,
                0,
                "the patient's pseudonyms hold no tokens"
            );
        }
        for (signer, grantee, purpose) in [
            (&treated, id(dave), Purpose::Treatment),
            (&member, id(dave), Purpose::Payment),
            (&member, id(clinic), Purpose::Payment),
        ] {
            let patient = signer.account();
            let classes = DataClasses::MEDICATIONS.union(DataClasses::CLAIMS);
            let grant = ConsentInstruction::RecordConsent {
                patient,
                grantee,
                provision: permit(purpose, classes, None, hash(0xF0)),
            };
            let (granted, signed) =
                relay_consent(client, registry, clinic, signer, grant, "consent").await;
            let event: ConsentRecorded = the_event(&granted.events, registry_id);
            assert_eq!(
                (
                    event.patient,
                    event.grantee,
                    event.purpose,
                    event.recorded_by
                ),
                (patient, grantee, purpose, patient)
            );
            if grantee == id(clinic) {
                self.clinic_payment_consent = event.consent;
            }
            // The same signature does not count twice.
            assert_eq!(
                resubmit(client, registry, clinic, &signed).await,
                Err(ConsentError::Relay(RelayError::BadNonce))
            );
            self.steps += 1;
        }
        say("the patient signed treatment consent for dave, and payment consent for dave and the clinic under the plan pseudonym; the clinic relayed them (a replay was refused)");
    }

    /// A dispense with its Merkle proof, then a visit claim and a pharmacy claim paid in the submitting call.
    async fn dispense_and_pay(&mut self) {
        let patient = self.member().account();
        let Cast {
            dave, eve, clinic, ..
        } = &self.cast;
        let (ledger_id, claims_id) = (self.suite.ledger_id, self.suite.claims_id);
        let Suite {
            registry,
            ledger,
            claims,
            ..
        } = &mut self.suite;
        let client = &mut *self.client;
        let plan = self.plan;
        let package = journey_packing().package(3, true).expect("serial 3");
        let case = package.from.as_ref().expect("out of its case").sscc;
        let dispensed = step(
            client,
            dave,
            &ledger.dispense(package, printed_expiry(), recipient(patient, &serial(3))),
            "dispense",
        )
        .await;
        // The case it left has one fewer, stored by the dispense itself.
        assert_eq!(
            container(client, ledger, case).await.state,
            ContainerState::Opened { remaining: 4 }
        );
        // The record names a salted commitment, never the pseudonym itself.
        let record = the_event::<Dispensed>(&dispensed.events, ledger_id);
        assert_eq!(record.recipient, recipient(patient, &serial(3)));
        assert_ne!(
            AsRef::<[u8]>::as_ref(&record.recipient),
            AsRef::<[u8]>::as_ref(&patient)
        );
        self.steps += 1;
        say("dave dispensed serial 3 to the patient's plan pseudonym, proving it belongs to the lot");
        let now =
            crate::support::granted_at(client, registry, patient, id(dave), Purpose::Payment).await;
        self.now = now;
        let visit = ClaimLine {
            code: procedure(b"99213"),
            quantity: 1,
            charge: 150 * UNIT,
            unit: None,
            modifier: None,
            authorization: None,
        };
        let paid = paid_claim(
            client,
            claims,
            claims_id,
            clinic,
            patient,
            plan,
            now,
            vec![visit],
        )
        .await;
        // Allowed 150: deductible 100, copay 20, 30 paid.
        assert_eq!(paid, 30 * UNIT);
        let paid = paid_claim(
            client,
            claims,
            claims_id,
            dave,
            patient,
            plan,
            now,
            vec![drug_line(3)],
        )
        .await;
        // Allowed 60: the deductible is met, copay 20, 40 paid.
        assert_eq!(paid, 40 * UNIT);
        let escrow = client
            .call(eve, &claims.escrow(id(eve)))
            .dry_run()
            .await
            .expect("read")
            .return_value();
        assert_eq!(escrow.funds, (500 - 30 - 40) * UNIT, "the escrow paid both");
        self.steps += 2;
        say("the clinic's visit claim was paid 30 and dave's pharmacy claim 40, each in the submitting call");
    }

    /// A counterfeit serial and a clone are refused at the pharmacy.
    async fn refuse_counterfeit_and_clone(&mut self) {
        let patient = self.member().account();
        let Cast { dave, .. } = &self.cast;
        let Suite { ledger, .. } = &mut self.suite;
        let client = &mut *self.client;
        let mut counterfeit = journey_packing().package(2, true).expect("serial 2");
        counterfeit.serial = b"SN-FAKE".to_vec();
        let fake = ledger.dispense(
            counterfeit,
            printed_expiry(),
            recipient(patient, b"SN-FAKE"),
        );
        assert_eq!(
            submit_or_refusal(client, dave, &fake).await,
            Err(ProvenanceError::Counterfeit)
        );
        let clone = ledger.dispense(
            journey_packing().package(3, true).expect("serial 3"),
            printed_expiry(),
            recipient(patient, &serial(3)),
        );
        assert_eq!(
            submit_or_refusal(client, dave, &clone).await,
            Err(ProvenanceError::AlreadyDispensed)
        );
        self.steps += 2;
        say("a counterfeit serial and a clone of serial 3 were refused at the pharmacy");
    }

    /// Serial 4 dispensed, then its manufacturer quarantines the lot everywhere on a
    /// suspect report: its claim is denied.
    async fn excursion_denies_claim(&mut self) {
        let patient = self.member().account();
        let Cast { bob, dave, .. } = &self.cast;
        let (ledger_id, claims_id) = (self.suite.ledger_id, self.suite.claims_id);
        let Suite { ledger, claims, .. } = &mut self.suite;
        let client = &mut *self.client;
        let plan = self.plan;
        let now = self.now;
        let dispensed = step(
            client,
            dave,
            &ledger.dispense(
                journey_packing().package(4, true).expect("serial 4"),
                printed_expiry(),
                recipient(patient, &serial(4)),
            ),
            "dispense",
        )
        .await;
        assert_eq!(
            the_event::<Dispensed>(&dispensed.events, ledger_id).serial,
            serial(4)
        );
        let held = step(
            client,
            bob,
            &ledger.quarantine(
                Target::Lot {
                    gtin: GTIN,
                    lot: LOT.to_vec(),
                },
                QuarantineReason::Suspect,
                hash(0x5E),
            ),
            "quarantine",
        )
        .await;
        let quarantined: Quarantined = the_event(&held.events, ledger_id);
        assert_eq!(
            (quarantined.place, quarantined.reason),
            (
                Place::Lot(drug_provenance::data::lot_id(GTIN, LOT)),
                QuarantineReason::Suspect
            )
        );
        let dave_before = balance(client, id(dave)).await;
        let denied = step(
            client,
            dave,
            &claims.submit_claim(patient, plan, now, vec![drug_line(4)], hash(0xAB)),
            "claim",
        )
        .await;
        let adjudicated: ClaimAdjudicated = the_event(&denied.events, claims_id);
        assert_eq!(
            (adjudicated.outcome, adjudicated.payable),
            (Outcome::Denied, 0)
        );
        assert_eq!(
            balance(client, id(dave)).await + denied.deposit + denied.fee,
            dave_before,
            "nothing paid"
        );
        let lines = client
            .call(dave, &claims.claim_lines(denied.value))
            .dry_run()
            .await
            .expect("read")
            .return_value()
            .expect("lines");
        assert_eq!(lines[0].reasons(), vec![ReasonCode::LotQuarantined]);
        self.steps += 3;
        say("bob quarantined the whole lot on a suspect-product report: dave's next claim for it is denied (CO-96 with RARC N130: lot quarantined)");
    }

    /// Research consent for protocol v1, enrolment, a data batch and its proof on chain.
    async fn research(&mut self) {
        let Cast {
            eve,
            clinic,
            sponsor,
            ..
        } = &self.cast;
        let (registry_id, trials_id) = (self.suite.registry_id, self.suite.trials_id);
        let Suite {
            registry, trials, ..
        } = &mut self.suite;
        let client = &mut *self.client;
        let protocol_v1 = hash(0x11);
        let register = trials.register_trial(
            b"NCT01234567".to_vec(),
            protocol_v1,
            hash(0x12),
            crate::support::registered_outcomes(),
            10,
        );
        let registered = step(client, sponsor, &register, "register trial").await;
        let trial = registered.value;
        self.trial = trial;
        assert_eq!(
            the_event::<TrialRegistered>(&registered.events, trials_id).sponsor,
            id(sponsor)
        );
        let participant = Pseudonym::derive(
            &PATIENT_SECRET,
            Relationship::Trial {
                trials: trials_id,
                trial,
            },
        );
        let patient = participant.account();
        let (research, _) = relay_consent(
            client,
            registry,
            clinic,
            &participant,
            ConsentInstruction::RecordConsent {
                patient,
                grantee: id(sponsor),
                provision: permit(
                    Purpose::Research,
                    DataClasses::TRIAL_DATA,
                    Some(research_context(trials_id, trial, protocol_v1)),
                    hash(0xF1),
                ),
            },
            "research consent",
        )
        .await;
        let event: ConsentRecorded = the_event(&research.events, registry_id);
        assert_eq!(
            (event.purpose, event.context),
            (
                Purpose::Research,
                Some(research_context(trials_id, trial, protocol_v1))
            )
        );
        let enrolled = step(client, sponsor, &trials.enrol(trial, patient), "enrol").await;
        assert_eq!(
            the_event::<ParticipantEnrolled>(&enrolled.events, trials_id).protocol_version,
            1
        );
        let records: Vec<_> = (0..8)
            .map(|i| hash_leaf(format!("{{\"visit\":{i}}}").as_bytes()))
            .collect();
        let anchored = step(
            client,
            sponsor,
            &trials.anchor_batch(
                trial,
                merkle::root(&records).expect("records"),
                8,
                hash(0x40),
            ),
            "anchor",
        )
        .await;
        assert_eq!(
            the_event::<BatchAnchored>(&anchored.events, trials_id).leaf_count,
            8
        );
        let verify = trials.verify_inclusion(
            trial,
            anchored.value,
            records[5],
            5,
            merkle::proof(&records, 5).expect("in range"),
        );
        assert_eq!(
            client
                .call(eve, &verify)
                .dry_run()
                .await
                .expect("verify")
                .return_value(),
            Ok(true)
        );
        self.steps += 5;
        say("the patient consented to trial NCT01234567 v1 under the trial's pseudonym and was enrolled; a batch of 8 records was anchored and one verified on chain");
        // A fatal, unexpected, suspected adverse reaction the sponsor received 8 days
        // before the trial was registered on chain: past the 7-day deadline of 21 CFR
        // 312.32(c)(2), whatever date the sponsor gives its determination.
        let registered_at = client
            .call(eve, &trials.trial(trial))
            .dry_run()
            .await
            .expect("read")
            .return_value()
            .expect("the trial exists")
            .registered_at;
        let received_at = registered_at.saturating_sub(8 * DAY);
        let report = SafetyReport {
            seriousness: Seriousness::Fatal,
            expectedness: Expectedness::Unexpected,
            causality: Causality::Suspected,
            onset_at: received_at,
            received_at,
            determined_at: Some(registered_at),
            follows: None,
        };
        let reported = step(
            client,
            sponsor,
            &trials.report_adverse_event(
                trial,
                subject_commitment(&patient, &[0x5b; 32]),
                report,
                hash(0x50),
            ),
            "adverse event",
        )
        .await;
        let event: AdverseEventReported = the_event(&reported.events, trials_id);
        assert_eq!(event.deadline, Some(received_at + 7 * DAY));
        assert!(event.late, "reported past the 7-day deadline");
        assert_ne!(
            AsRef::<[u8]>::as_ref(&event.subject),
            AsRef::<[u8]>::as_ref(&patient)
        );
        self.steps += 1;
        say("the sponsor reported a fatal, unexpected, suspected adverse reaction received 8 days earlier under a subject commitment: flagged late (7-day clock, 21 CFR 312.32)");
    }

    /// An administrative amendment the IRB approved without re-consent keeps the
    /// participant active; the next one, which requires re-consent, makes them inactive
    /// until they re-consent.
    async fn amendment_needs_reconsent(&mut self) {
        let participant = self.participant();
        let patient = participant.account();
        let Cast {
            clinic, sponsor, ..
        } = &self.cast;
        let (registry_id, trials_id) = (self.suite.registry_id, self.suite.trials_id);
        let Suite {
            registry, trials, ..
        } = &mut self.suite;
        let client = &mut *self.client;
        let trial = self.trial;
        let administrative = step(
            client,
            sponsor,
            &trials.amend_protocol(trial, hash(0x1E), hash(0x1F), hash(0x20), false),
            "amend",
        )
        .await;
        let event: ProtocolAmended = the_event(&administrative.events, trials_id);
        assert_eq!((event.version, event.requires_reconsent), (2, false));
        let status = participant_status(client, trials, trial, patient).await;
        assert_eq!(status, ParticipantStatus::Active, "no re-consent needed");
        say("the protocol was amended (version 2) without re-consent, as the IRB approved: the participant stayed active");
        let amended = step(
            client,
            sponsor,
            &trials.amend_protocol(trial, hash(0x21), hash(0x22), hash(0x23), true),
            "amend",
        )
        .await;
        let event: ProtocolAmended = the_event(&amended.events, trials_id);
        assert_eq!((event.version, event.requires_reconsent), (3, true));
        let status = participant_status(client, trials, trial, patient).await;
        assert_eq!(status, ParticipantStatus::ConsentNotCurrent);
        let (reconsent, _) = relay_consent(
            client,
            registry,
            clinic,
            &participant,
            ConsentInstruction::RecordConsent {
                patient,
                grantee: id(sponsor),
                provision: permit(
                    Purpose::Research,
                    DataClasses::TRIAL_DATA,
                    Some(research_context(trials_id, trial, hash(0x21))),
                    hash(0xF2),
                ),
            },
            "re-consent",
        )
        .await;
        let event: ConsentRecorded = the_event(&reconsent.events, registry_id);
        assert_eq!(
            event.context,
            Some(research_context(trials_id, trial, hash(0x21))),
            "the new consent is for version 3 (the one for version 1 stays, for version 1 only)"
        );
        let status = participant_status(client, trials, trial, patient).await;
        assert_eq!(status, ParticipantStatus::Active);
        self.steps += 3;
        say("the protocol was amended again (version 3), with re-consent: the participant was inactive until re-consenting");
    }

    /// Revoked payment consent: the next claim fails.
    async fn revoked_consent_denies_claim(&mut self) {
        let member = self.member();
        let patient = member.account();
        let Cast { clinic, .. } = &self.cast;
        let (registry_id, claims_id) = (self.suite.registry_id, self.suite.claims_id);
        let Suite {
            registry, claims, ..
        } = &mut self.suite;
        let client = &mut *self.client;
        let plan = self.plan;
        let now = self.now;
        let (revoked, _) = relay_consent(
            client,
            registry,
            clinic,
            &member,
            ConsentInstruction::SetConsentStatus {
                patient,
                consent: self.clinic_payment_consent,
                status: ConsentStatus::Inactive,
            },
            "revoke",
        )
        .await;
        assert_eq!(
            the_event::<ConsentStatusChanged>(&revoked.events, registry_id).grantee,
            id(clinic)
        );
        let denied = step(
            client,
            clinic,
            &claims.submit_claim(
                patient,
                plan,
                now,
                vec![ClaimLine {
                    code: procedure(b"99213"),
                    quantity: 1,
                    charge: 151 * UNIT,
                    unit: None,
                    modifier: None,
                    authorization: None,
                }],
                hash(0xAC),
            ),
            "claim",
        )
        .await;
        let adjudicated: ClaimAdjudicated = the_event(&denied.events, claims_id);
        assert_eq!(adjudicated.claim_denial, Some(ReasonCode::NoPaymentConsent));
        self.steps += 2;
        say("the patient's plan pseudonym signed the revocation of the clinic's payment consent, relayed by the clinic itself: its next claim was denied (CO-16 with RARC N28: no payment consent)");
    }

    /// Emergency access opens, is seen by the patient, and closes.
    async fn break_glass(&mut self) {
        let in_registry = self.in_registry();
        let patient = in_registry.account();
        let Cast {
            eve,
            clinic,
            responder,
            ..
        } = &self.cast;
        let registry_id = self.suite.registry_id;
        let Suite { registry, .. } = &mut self.suite;
        let client = &mut *self.client;
        let opened = step(
            client,
            responder,
            &registry.open_emergency_access(patient, 60 * 60 * 1000, hash(0xE0)),
            "break glass",
        )
        .await;
        let event: EmergencyAccessChanged = the_event(&opened.events, registry_id);
        assert_eq!((event.patient, event.responder), (patient, id(responder)));
        assert!(event.window.is_some(), "the window opened");
        let authorized = client
            .call(
                eve,
                &registry.is_authorized(
                    patient,
                    id(responder),
                    Purpose::Emergency,
                    None,
                    DataClasses::ALL,
                ),
            )
            .dry_run()
            .await
            .expect("check")
            .return_value();
        assert!(authorized.is_permitted());
        let (closed, _) = relay_consent(
            client,
            registry,
            clinic,
            &in_registry,
            ConsentInstruction::CloseEmergencyAccess {
                patient,
                responder: id(responder),
            },
            "close",
        )
        .await;
        let event: EmergencyAccessChanged = the_event(&closed.events, registry_id);
        assert_eq!(
            (event.window, event.by),
            (None, patient),
            "the patient closed it"
        );
        let authorized = client
            .call(
                eve,
                &registry.is_authorized(
                    patient,
                    id(responder),
                    Purpose::Emergency,
                    None,
                    DataClasses::ALL,
                ),
            )
            .dry_run()
            .await
            .expect("check")
            .return_value();
        assert!(!authorized.is_permitted());
        self.steps += 2;
        say("a responder opened break-glass access to the patient's registry pseudonym (evented to it), and the patient closed it by a relayed signature");
    }
}

/// Submits a claim, checks its three events and that the provider's balance grew by the
/// amount paid; returns that amount.
#[allow(clippy::too_many_arguments)]
async fn paid_claim<Client>(
    client: &mut Scenario<Client>,
    claims: &mut crate::support::Claims,
    claims_id: AccountId,
    provider: &Keypair,
    patient: AccountId,
    plan: u32,
    date: u64,
    lines: Vec<ClaimLine>,
) -> u128
where
    Client: E2EBackend + ChainBackend<Balance = u128>,
    <Client as ChainBackend>::AccountId: From<[u8; 32]>,
    <Client as ChainBackend>::Error: Debug,
    <Client as ContractsBackend<DefaultEnvironment>>::EventLog: EmittedEvents,
    BackendError<Client>: Debug,
{
    let before = balance(client, id(provider)).await;
    let done = step(
        client,
        provider,
        &claims.submit_claim(patient, plan, date, lines, hash(0xAA)),
        "claim",
    )
    .await;
    let adjudicated: ClaimAdjudicated = the_event(&done.events, claims_id);
    assert_eq!(
        (adjudicated.patient, adjudicated.provider, adjudicated.plan),
        (patient, id(provider), plan)
    );
    assert_eq!(adjudicated.claim_denial, None);
    // Paid in the adjudicating call: the adjudication says so, and no `ClaimPaid` repeats it.
    let paid = adjudicated.paid;
    assert_eq!(paid, adjudicated.payable, "paid in the same call");
    assert!(
        crate::support::events_of::<ClaimPaid>(&done.events, claims_id).is_empty(),
        "no ClaimPaid for a payment in the adjudicating call"
    );
    let after = balance(client, id(provider)).await;
    assert_eq!(
        after + done.deposit + done.fee - before,
        paid,
        "the provider received the payment"
    );
    paid
}
