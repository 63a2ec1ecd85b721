//! The privacy check (docs/privacy.md): no event and no read-only message of any contract
//! may put a patient beside a clinical fact, except the ones docs/privacy.md lists, each
//! with its status. A new one fails the test; one that is gone fails it too, until it is
//! taken off the list (and off docs/privacy.md's open items).
//!
//! It reads the metadata of the bundles `make build` writes (`make privacy`, part of `make
//! test`, runs it with HEALTHCHAIN_BUNDLES pointing at them); without them it fails and
//! says so.

use serde_json::Value;
use std::{collections::BTreeSet, path::PathBuf};

/// Field names that name a patient.
const PATIENT: &[&str] = &["patient", "participant", "member"];

/// Whether a field name is a clinical fact: a drug (GTIN, serial, a dispensed unit), a
/// procedure or other code, data classes, a service date, an adverse event's seriousness or
/// expectedness. (`unit`/`units` name drug packages everywhere in the suite, as tuples
/// whose elements have no names.)
fn is_clinical(name: &str) -> bool {
    name.ends_with("gtin")
        || matches!(name, "unit" | "units")
        || name.starts_with("serial")
        || name.ends_with("code")
        || name.ends_with("codes")
        || matches!(
            name,
            "data_classes" | "service_date" | "seriousness" | "expectedness"
        )
}

/// What docs/privacy.md lists, as (contract, "event" or "message", name): every one
/// there with its status (open, or residual and why).
const LISTED: &[(&str, &str, &str)] = &[
    // Residual: the registry must read a grant's classes to answer is_authorized.
    ("consent_registry", "message", "consent"),
    ("consent_registry", "message", "active_consents"),
];

const CONTRACTS: [&str; 4] = [
    "consent_registry",
    "drug_provenance",
    "claim_settlement",
    "trial_anchoring",
];

/// The field names of type `id`, and of the types inside it, from the metadata's registry.
fn field_names(types: &[Value], id: u64, depth: u32, out: &mut BTreeSet<String>) {
    if depth > 8 {
        return;
    }
    let Some(def) = types
        .iter()
        .find(|t| t["id"].as_u64() == Some(id))
        .map(|t| &t["type"]["def"])
    else {
        return;
    };
    let mut fields = Vec::new();
    if let Some(list) = def["composite"]["fields"].as_array() {
        fields.extend(list);
    }
    if let Some(variants) = def["variant"]["variants"].as_array() {
        for variant in variants {
            if let Some(list) = variant["fields"].as_array() {
                fields.extend(list);
            }
        }
    }
    for field in fields {
        if let Some(name) = field["name"].as_str() {
            out.insert(name.to_string());
        }
        if let Some(inner) = field["type"].as_u64() {
            field_names(types, inner, depth + 1, out);
        }
    }
    for inner in [
        &def["sequence"]["type"],
        &def["array"]["type"],
        &def["compact"]["type"],
    ] {
        if let Some(inner) = inner.as_u64() {
            field_names(types, inner, depth + 1, out);
        }
    }
    if let Some(tuple) = def["tuple"].as_array() {
        for inner in tuple.iter().filter_map(Value::as_u64) {
            field_names(types, inner, depth + 1, out);
        }
    }
}

/// Whether a set of names puts a patient beside a clinical fact.
fn leaks(names: &BTreeSet<String>) -> bool {
    names.iter().any(|n| PATIENT.contains(&n.as_str())) && names.iter().any(|n| is_clinical(n))
}

/// Every event and read-only message of a bundle's metadata that leaks.
fn findings(contract: &str, metadata: &Value) -> Vec<(String, String, String)> {
    let types = metadata["types"].as_array().cloned().unwrap_or_default();
    let spec = &metadata["spec"];
    let mut found = Vec::new();
    let names_of = |args: &Value, out: &mut BTreeSet<String>| {
        for arg in args.as_array().into_iter().flatten() {
            if let Some(label) = arg["label"].as_str() {
                out.insert(label.to_string());
            }
            if let Some(id) = arg["type"]["type"].as_u64() {
                field_names(&types, id, 0, out);
            }
        }
    };
    for event in spec["events"].as_array().into_iter().flatten() {
        let mut names = BTreeSet::new();
        names_of(&event["args"], &mut names);
        if leaks(&names) {
            let label = event["label"].as_str().unwrap_or("?").to_string();
            found.push((contract.to_string(), "event".to_string(), label));
        }
    }
    for message in spec["messages"].as_array().into_iter().flatten() {
        if message["mutates"].as_bool() != Some(false) {
            continue;
        }
        let mut names = BTreeSet::new();
        names_of(&message["args"], &mut names);
        if let Some(id) = message["returnType"]["type"].as_u64() {
            field_names(&types, id, 0, &mut names);
        }
        if leaks(&names) {
            let label = message["label"].as_str().unwrap_or("?");
            // Trait messages are labelled `Trait::message`; written as the metadata's
            // snake-case selector label.
            let label = label.replace("ProvenanceCheck::", "provenance_check::");
            found.push((contract.to_string(), "message".to_string(), label));
        }
    }
    found
}

fn bundles() -> PathBuf {
    std::env::var_os("HEALTHCHAIN_BUNDLES")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("../target/ink"))
}

/// Each contract's bundle metadata, as `make build` writes it; fails the test, saying
/// what to do, when one is missing.
fn read_bundles() -> Vec<(&'static str, Value)> {
    let dir = bundles();
    CONTRACTS
        .iter()
        .map(|&contract| {
            let path = dir.join(contract).join(format!("{contract}.contract"));
            let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
                panic!(
                    "{}: {e}. Build the bundles first (make build), or set HEALTHCHAIN_BUNDLES",
                    path.display()
                )
            });
            let metadata: Value = serde_json::from_str(&text).expect("a bundle is JSON");
            assert!(
                metadata["spec"]["events"]
                    .as_array()
                    .is_some_and(|e| !e.is_empty()),
                "{contract}: no events in the metadata: is this an ink! 5 bundle?"
            );
            (contract, metadata)
        })
        .collect()
}

#[test]
#[ignore = "needs the release bundles: run by `make privacy` (part of `make test`) after `make build`"]
fn no_event_or_read_puts_a_patient_beside_a_clinical_fact_unless_listed() {
    let mut found = BTreeSet::new();
    for (contract, metadata) in read_bundles() {
        found.extend(findings(contract, &metadata));
    }
    let listed: BTreeSet<(String, String, String)> = LISTED
        .iter()
        .map(|(c, k, n)| (c.to_string(), k.to_string(), n.to_string()))
        .collect();
    let new: Vec<_> = found.difference(&listed).collect();
    let gone: Vec<_> = listed.difference(&found).collect();
    assert!(
        new.is_empty(),
        "these put a patient beside a clinical fact and are not in docs/privacy.md: {new:?}"
    );
    assert!(
        gone.is_empty(),
        "these no longer leak: take them off LISTED and off docs/privacy.md's open items: {gone:?}"
    );
}

/// The events whose fields are topics, as (contract, event): only the safety notices that
/// partners must hear at once without reading every event (docs/privacy.md, "Event
/// topics"). A topic is an index of the block's events by that value, so it makes a
/// pseudonym's activity cheap to follow, and pallet-contracts 38 charges about 2.5 KB of
/// proof per topic; everything else is in the event's data, which indexers decode.
const INDEXED: &[(&str, &str)] = &[
    ("drug_provenance", "IllegitimateNotificationTerminated"),
    ("drug_provenance", "IllegitimateProductNotified"),
    ("drug_provenance", "LotRecalled"),
    ("drug_provenance", "Quarantined"),
    ("drug_provenance", "Released"),
    ("trial_anchoring", "AdverseEventReported"),
];

/// The events of a bundle's metadata with at least one field topic (`indexed`).
fn indexed_events(contract: &str, metadata: &Value) -> BTreeSet<(String, String)> {
    metadata["spec"]["events"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|event| {
            event["args"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|arg| arg["indexed"].as_bool() == Some(true))
        })
        .map(|event| {
            let label = event["label"].as_str().unwrap_or("?").to_string();
            (contract.to_string(), label)
        })
        .collect()
}

#[test]
#[ignore = "needs the release bundles: run by `make privacy` (part of `make test`) after `make build`"]
fn only_safety_notices_carry_field_topics() {
    let mut found = BTreeSet::new();
    for (contract, metadata) in read_bundles() {
        found.extend(indexed_events(contract, &metadata));
    }
    let listed: BTreeSet<(String, String)> = INDEXED
        .iter()
        .map(|(c, e)| (c.to_string(), e.to_string()))
        .collect();
    assert_eq!(
        found, listed,
        "the events with field topics are not the safety notices listed in INDEXED"
    );
}

/// The anonymous events, as (contract, event): each contract's one event per item of its
/// batches, which carries no topic at all (each costs about 2.5 KB of proof). A client
/// tells it by having no topics, as @polkadot/api-contract (Contracts UI) does: it takes
/// the one event of the metadata with no signature topic and as many field topics as the
/// record has (none). So a contract may have one anonymous event, with no field topic.
const ANONYMOUS: &[(&str, &str)] = &[
    ("claim_settlement", "ClaimAdjudicated"),
    ("consent_registry", "ConsentRecorded"),
    ("drug_provenance", "Dispensed"),
];

/// The events of a bundle's metadata without a signature topic, each with whether it has
/// a field topic (`indexed`).
fn anonymous_events(contract: &str, metadata: &Value) -> Vec<(String, String, bool)> {
    metadata["spec"]["events"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|event| event["signature_topic"].is_null())
        .map(|event| {
            let indexed = event["args"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|arg| arg["indexed"].as_bool() == Some(true));
            let label = event["label"].as_str().unwrap_or("?").to_string();
            (contract.to_string(), label, indexed)
        })
        .collect()
}

/// What a client needs to tell a contract's anonymous event, as the list above says; an
/// error names what is wrong.
fn check_anonymous(
    found: &[(String, String, bool)],
    listed: &[(&str, &str)],
) -> Result<(), String> {
    if let Some((contract, event, _)) = found.iter().find(|(_, _, indexed)| *indexed) {
        return Err(format!(
            "{contract}::{event} is anonymous with a field topic"
        ));
    }
    for (contract, _, _) in found {
        let of_it = found.iter().filter(|(c, _, _)| c == contract).count();
        if of_it > 1 {
            return Err(format!(
                "{contract} has {of_it} anonymous events: clients cannot tell them apart"
            ));
        }
    }
    // As sets, like the topic check: the list's order is not the bundles'.
    let found: BTreeSet<(&str, &str)> = found
        .iter()
        .map(|(c, e, _)| (c.as_str(), e.as_str()))
        .collect();
    if found != listed.iter().copied().collect::<BTreeSet<_>>() {
        return Err(format!(
            "the anonymous events are {found:?}, not those listed in ANONYMOUS"
        ));
    }
    Ok(())
}

#[test]
#[ignore = "needs the release bundles: run by `make privacy` (part of `make test`) after `make build`"]
fn each_contract_has_at_most_one_anonymous_event_and_it_is_listed() {
    let mut found = Vec::new();
    for (contract, metadata) in read_bundles() {
        found.extend(anonymous_events(contract, &metadata));
    }
    if let Err(why) = check_anonymous(&found, ANONYMOUS) {
        panic!("{why}");
    }
}

/// The anonymous-event check itself, on made-up metadata: a second anonymous event in one
/// contract, an anonymous event with a field topic and an unlisted one are each refused.
#[test]
fn the_anonymous_event_check_refuses_what_clients_could_not_decode() {
    let event = |label: &str, signature: Option<&str>, indexed: bool| {
        serde_json::json!({"label": label, "signature_topic": signature,
            "args": [{"label": "who", "indexed": indexed}]})
    };
    let metadata = |events: Vec<Value>| serde_json::json!({"spec": {"events": events}});
    let one = anonymous_events(
        "x",
        &metadata(vec![
            event("Hot", None, false),
            event("Cold", Some("0x01"), true),
        ]),
    );
    assert_eq!(check_anonymous(&one, &[("x", "Hot")]), Ok(()));
    let two = anonymous_events(
        "x",
        &metadata(vec![event("Hot", None, false), event("Also", None, false)]),
    );
    assert_eq!(
        check_anonymous(&two, &[("x", "Hot")]),
        Err("x has 2 anonymous events: clients cannot tell them apart".to_string())
    );
    let indexed = anonymous_events("x", &metadata(vec![event("Hot", None, true)]));
    assert_eq!(
        check_anonymous(&indexed, &[("x", "Hot")]),
        Err("x::Hot is anonymous with a field topic".to_string())
    );
    assert!(
        check_anonymous(&one, &[]).is_err(),
        "an unlisted anonymous event is refused"
    );
}

/// The check itself, on made-up metadata: it finds a patient beside a code through a
/// nested type, and nothing when they are apart.
#[test]
fn the_check_finds_a_patient_beside_a_code_through_nested_types() {
    let metadata = serde_json::json!({
        "types": [
            {"id": 0, "type": {"def": {"composite": {"fields": [{"name": "patient", "type": 9}]}}}},
            {"id": 1, "type": {"def": {"sequence": {"type": 2}}}},
            {"id": 2, "type": {"def": {"composite": {"fields": [{"name": "code", "type": 9}]}}}},
            {"id": 9, "type": {"def": {"primitive": "u8"}}}
        ],
        "spec": {
            "events": [
                {"label": "Leaky", "args": [
                    {"label": "who", "type": {"type": 0}},
                    {"label": "lines", "type": {"type": 1}}
                ]},
                {"label": "Fine", "args": [{"label": "lines", "type": {"type": 1}}]}
            ],
            "messages": [
                {"label": "read", "mutates": false,
                 "args": [{"label": "patient", "type": {"type": 9}}],
                 "returnType": {"type": 1}},
                {"label": "write", "mutates": true,
                 "args": [{"label": "patient", "type": {"type": 9}}, {"label": "gtin", "type": {"type": 9}}],
                 "returnType": {"type": 9}}
            ]
        }
    });
    let found = findings("x", &metadata);
    let names: Vec<_> = found.iter().map(|(_, k, n)| format!("{k} {n}")).collect();
    assert_eq!(names, ["event Leaky", "message read"]);
}

/// The topic check itself, on made-up metadata: an event with one indexed field is found,
/// one without is not.
#[test]
fn the_topic_check_finds_an_event_with_an_indexed_field() {
    let metadata = serde_json::json!({
        "spec": {
            "events": [
                {"label": "Indexed", "args": [
                    {"label": "who", "indexed": false},
                    {"label": "lot", "indexed": true}
                ]},
                {"label": "Plain", "args": [{"label": "who", "indexed": false}]}
            ]
        }
    });
    let found = indexed_events("x", &metadata);
    assert_eq!(
        found.into_iter().collect::<Vec<_>>(),
        [("x".to_string(), "Indexed".to_string())]
    );
}
