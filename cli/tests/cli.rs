//! The `healthchain` binary as scripts use it: help, argument errors and exit codes, and
//! Merkle roots and proofs that the contracts' own verification accepts.

use assert_cmd::Command;
use healthchain_common::merkle::{self, hash_leaf};
use healthchain_suite::{Contract, ADMIN_LIBRARY};
use predicates::{prelude::PredicateBooleanExt, str::contains};
use std::{io::Write, path::Path};
use tempfile::NamedTempFile;

fn healthchain() -> Command {
    Command::cargo_bin("healthchain").expect("the binary is built")
}

fn serial_file(n: usize) -> NamedTempFile {
    let mut file = NamedTempFile::new().expect("temp file");
    for i in 0..n {
        writeln!(file, "SN{i:010}").expect("write");
    }
    file
}

#[test]
fn every_command_has_help() {
    healthchain()
        .arg("--help")
        .assert()
        .success()
        .stdout(contains("merkle"));
    for sub in [
        vec!["merkle"],
        vec!["merkle", "root"],
        vec!["merkle", "proof"],
        vec!["merkle", "verify"],
        vec!["deploy"],
        vec!["verify-unit"],
        vec!["trace"],
        vec!["demo"],
        vec!["patient"],
        vec!["patient", "new-secret"],
        vec!["patient", "pseudonym"],
    ] {
        healthchain()
            .args(&sub)
            .arg("--help")
            .assert()
            .success()
            .stdout(contains("Usage"));
    }
}

#[test]
fn argument_errors_exit_2_and_say_what_to_do() {
    healthchain().arg("nonsense").assert().code(2);
    healthchain()
        .args(["merkle", "root", "/no/such/file"])
        .assert()
        .code(2)
        .stderr(contains("cannot open /no/such/file"));
    let file = serial_file(3);
    healthchain()
        .args(["merkle", "proof"])
        .arg(file.path())
        .assert()
        .code(2)
        .stderr(contains("--index N or --item TEXT"));
    healthchain()
        .args(["merkle", "proof", "--index", "3"])
        .arg(file.path())
        .assert()
        .code(2)
        .stderr(contains("past the last leaf"));
    healthchain()
        .args(["merkle", "root", "--format", "records"])
        .arg(file.path())
        .assert()
        .code(2)
        .stderr(contains("line 1"));
    // A serial list the ledger could not use: a repeat, or no GS1 serial.
    healthchain()
        .args(["merkle", "root", "-"])
        .write_stdin("SN1\nSN2\nSN1\n")
        .assert()
        .code(2)
        .stdout("")
        .stderr(contains("line 3: the serial repeats line 1"));
    healthchain()
        .args(["merkle", "proof", "--index", "0", "-"])
        .write_stdin("SN1\nSN 2\n")
        .assert()
        .code(2)
        .stdout("")
        .stderr(contains("line 2: \"SN 2\" is not a GS1 serial number"));
}

#[test]
fn root_matches_the_shared_tree_and_reads_standard_input() {
    let file = serial_file(100);
    let leaves: Vec<_> = (0..100)
        .map(|i| hash_leaf(format!("SN{i:010}").as_bytes()))
        .collect();
    let expected = format!("0x{}", hex::encode(merkle::root(&leaves).unwrap()));
    healthchain()
        .args(["merkle", "root"])
        .arg(file.path())
        .assert()
        .success()
        .stdout(format!("root {expected}\nleaves 100\n"));
    let output = healthchain()
        .args(["merkle", "root", "--json", "-"])
        .pipe_stdin(file.path())
        .unwrap()
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["root"], expected.as_str());
    assert_eq!(json["leaf_count"], 100);
}

#[test]
fn proofs_verify_with_the_contracts_own_check() {
    let file = serial_file(1000);
    let proof_file = NamedTempFile::new().unwrap();
    healthchain()
        .args([
            "merkle",
            "proof",
            "--index",
            "517",
            "--item",
            "SN0000000999",
            "--out",
        ])
        .arg(proof_file.path())
        .arg(file.path())
        .assert()
        .success();
    let proofs: Vec<serde_json::Value> =
        serde_json::from_str(&std::fs::read_to_string(proof_file.path()).unwrap()).unwrap();
    assert_eq!(proofs.len(), 2);
    // What drug_provenance's dispense and trial_anchoring's verify_inclusion run on chain.
    for proof in &proofs {
        let digest = |v: &serde_json::Value| -> [u8; 32] {
            hex::decode(v.as_str().unwrap().trim_start_matches("0x"))
                .unwrap()
                .try_into()
                .unwrap()
        };
        let path: Vec<[u8; 32]> = proof["proof"]
            .as_array()
            .unwrap()
            .iter()
            .map(digest)
            .collect();
        let leaf = hash_leaf(proof["item"].as_str().unwrap().as_bytes());
        assert_eq!(leaf, digest(&proof["leaf"]));
        let valid = merkle::verify_proof(
            &digest(&proof["root"]),
            &leaf,
            proof["index"].as_u64().unwrap(),
            proof["leaf_count"].as_u64().unwrap(),
            &path,
        );
        assert_eq!(valid, Ok(true));
    }
    healthchain()
        .args(["merkle", "verify"])
        .arg(proof_file.path())
        .assert()
        .success()
        .stdout(contains("valid index 517 of 1000"));
    healthchain()
        .args([
            "merkle",
            "verify",
            "--root",
            &format!("0x{}", "00".repeat(32)),
        ])
        .arg(proof_file.path())
        .assert()
        .code(1)
        .stdout(contains("INVALID"));
    // A tampered item does not verify.
    let tampered = std::fs::read_to_string(proof_file.path())
        .unwrap()
        .replace("SN0000000999", "SN0000000998");
    let tampered_file = NamedTempFile::new().unwrap();
    std::fs::write(tampered_file.path(), tampered).unwrap();
    healthchain()
        .args(["merkle", "verify"])
        .arg(tampered_file.path())
        .assert()
        .code(1);
}

#[test]
fn records_prove_under_the_canonical_root() {
    let mut records = NamedTempFile::new().unwrap();
    writeln!(
        records,
        r#"{{"participant": "P-1", "visit": 1, "hba1c": 7.1}}"#
    )
    .unwrap();
    writeln!(
        records,
        r#"{{"visit": 2, "participant": "P-1", "hba1c": 6.8}}"#
    )
    .unwrap();
    let proof = healthchain()
        .args(["merkle", "proof", "--format", "records", "--index", "1"])
        .arg(records.path())
        .output()
        .unwrap();
    assert!(proof.status.success());
    let proof_file = NamedTempFile::new().unwrap();
    std::fs::write(proof_file.path(), &proof.stdout).unwrap();
    healthchain()
        .args(["merkle", "verify", "--format", "records"])
        .arg(proof_file.path())
        .assert()
        .success();
    // The leaf is the canonical form's hash, whatever the key order in the file.
    let json: serde_json::Value = serde_json::from_slice(&proof.stdout).unwrap();
    let canonical = br#"{"hba1c":6.8,"participant":"P-1","visit":2}"#;
    assert_eq!(
        json["leaf"].as_str().unwrap(),
        format!("0x{}", hex::encode(hash_leaf(canonical)))
    );
}

#[test]
fn demo_outside_a_checkout_says_where_to_run_it() {
    let elsewhere = tempfile::tempdir().unwrap();
    healthchain()
        .arg("demo")
        .current_dir(elsewhere.path())
        .env_remove("HEALTHCHAIN_REPO")
        .assert()
        .code(2)
        .stderr(contains("not inside a healthchain checkout"));
}

#[test]
fn demo_walks_the_journey_on_the_embedded_chain() {
    // Builds the contracts first if their bundles are older than the sources.
    healthchain()
        .arg("demo")
        .timeout(std::time::Duration::from_secs(1800))
        .assert()
        .success()
        .stdout(contains(
            "journey: dave dispensed serial 3 to the patient's plan pseudonym",
        ))
        .stdout(contains("refused, as it must be: Relay(BadNonce)"))
        .stdout(contains("refused, as it must be: Counterfeit"))
        .stdout(contains("storage deposit"))
        .stdout(contains("demo: 46 steps"));
}

/// A directory of stand-in bundles: deploy reads them before it connects.
fn fake_bundles() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let names = Contract::ALL
        .into_iter()
        .flat_map(|c| [c.name(), c.library()])
        .chain([ADMIN_LIBRARY]);
    for name in names {
        std::fs::create_dir_all(dir.path().join(name)).unwrap();
        std::fs::write(dir.path().join(name).join(format!("{name}.wasm")), b"\0asm").unwrap();
    }
    dir
}

#[test]
fn deploy_refuses_bad_input_before_touching_a_chain() {
    let bundles = fake_bundles();
    // No signer at all.
    healthchain()
        .env_remove("HEALTHCHAIN_SURI")
        .args(["deploy", "--url", "ws://127.0.0.1:1", "--bundles"])
        .arg(bundles.path())
        .assert()
        .code(2)
        .stderr(contains("--suri-file"));
    // A roles file with a typo names the problem.
    let mut roles = NamedTempFile::new().unwrap();
    writeln!(roles, "[drug_provenance]\npharmacy = []").unwrap();
    healthchain()
        .env("HEALTHCHAIN_SURI", "//Alice")
        .args(["deploy", "--url", "ws://127.0.0.1:1", "--roles"])
        .arg(roles.path())
        .arg("--bundles")
        .arg(bundles.path())
        .assert()
        .code(2)
        .stderr(contains("unknown key \"pharmacy\" in [drug_provenance]"))
        .stderr(contains("pharmacies"));
    // A secret that is not one is refused without being echoed.
    healthchain()
        .env("HEALTHCHAIN_SURI", "garbage secret ~~")
        .args(["deploy", "--url", "ws://127.0.0.1:1", "--bundles"])
        .arg(bundles.path())
        .assert()
        .code(2)
        .stderr(contains("not a valid secret URI"))
        .stderr(contains("~~").not());
    // Missing bundles say how to build them.
    let empty = tempfile::tempdir().unwrap();
    healthchain()
        .env("HEALTHCHAIN_SURI", "//Alice")
        .args(["deploy", "--url", "ws://127.0.0.1:1", "--bundles"])
        .arg(empty.path())
        .assert()
        .code(2)
        .stderr(contains("bundle missing"))
        .stderr(contains("make build"));
    // The four contracts without one of the libraries their constructors take: the admin
    // library, or a contract's own.
    for library in Contract::ALL
        .map(Contract::library)
        .into_iter()
        .chain([ADMIN_LIBRARY])
    {
        let bundles = fake_bundles();
        std::fs::remove_dir_all(bundles.path().join(library)).unwrap();
        healthchain()
            .env("HEALTHCHAIN_SURI", "//Alice")
            .args(["deploy", "--url", "ws://127.0.0.1:1", "--bundles"])
            .arg(bundles.path())
            .assert()
            .code(2)
            .stderr(contains("bundle missing"))
            .stderr(contains(library));
    }
}

#[test]
fn an_unreachable_node_exits_3_and_says_what_to_do() {
    let bundles = fake_bundles();
    let manifest = tempfile::tempdir().unwrap();
    healthchain()
        .env("HEALTHCHAIN_SURI", "//Alice")
        .args(["deploy", "--url", "ws://127.0.0.1:1", "--bundles"])
        .arg(bundles.path())
        .arg("--manifest")
        .arg(manifest.path().join("deployment.json"))
        .assert()
        .code(3)
        .stderr(contains("cannot reach a node at ws://127.0.0.1:1"))
        .stderr(contains("substrate-contracts-node --dev"));
    assert!(!manifest.path().join("deployment.json").exists());
}

#[test]
fn verify_unit_checks_its_inputs() {
    let dir = tempfile::tempdir().unwrap();
    healthchain()
        .args(["verify-unit", "--manifest"])
        .arg(dir.path().join("none.json"))
        .args([
            "09506000134352",
            "LOT1",
            "SN1",
            "271231",
            "--proof",
            "p.json",
        ])
        .assert()
        .code(2)
        .stderr(contains("cannot read the manifest"));
    let manifest = dir.path().join("deployment.json");
    std::fs::write(
        &manifest,
        r#"{"format":"healthchain-deployment/1","chain":{"name":"Development","genesis_hash":"0x00","url":"ws://127.0.0.1:1"},"deployer":"5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY","contracts":[],"roles":[]}"#,
    )
    .unwrap();
    healthchain()
        .args(["verify-unit", "--manifest"])
        .arg(&manifest)
        .args(["123", "LOT1", "SN1", "271231", "--proof", "p.json"])
        .assert()
        .code(2)
        .stderr(contains("not 14 digits"));
    // A mistyped GTIN, lot or serial is named as such, not scanned as a counterfeit.
    for (gtin, lot, serial, says) in [
        ("09506000134353", "LOT1", "SN1", "2 would be right"),
        ("09506000134352", "LOT 1", "SN1", "is not a GS1 lot number"),
        (
            "09506000134352",
            "LOT1",
            "SN\u{e9}",
            "is not a GS1 serial number",
        ),
    ] {
        healthchain()
            .args(["verify-unit", "--manifest"])
            .arg(&manifest)
            .args([gtin, lot, serial, "271231", "--proof", "p.json"])
            .assert()
            .code(2)
            .stderr(contains(says));
    }
    healthchain()
        .args(["verify-unit", "--manifest"])
        .arg(&manifest)
        .args([
            "09506000134352",
            "LOT1",
            "SN1",
            "27-12-31",
            "--proof",
            "p.json",
        ])
        .assert()
        .code(2)
        .stderr(contains("YYMMDD"));
    // A proof made for another serial is caught before the chain is asked.
    let serials = serial_file(4);
    let proof = dir.path().join("proof.json");
    healthchain()
        .args(["merkle", "proof", "--index", "1", "--out"])
        .arg(&proof)
        .arg(serials.path())
        .assert()
        .success();
    healthchain()
        .args(["verify-unit", "--manifest"])
        .arg(&manifest)
        .args([
            "09506000134352",
            "LOT1",
            "SN0000000000",
            "271231",
            "--proof",
        ])
        .arg(&proof)
        .assert()
        .code(2)
        .stderr(contains("proves serial \"SN0000000001\""));
}

/// `healthchain trace` refuses bad input before it asks the chain: a GTIN that is not 14
/// digits, a packing file that is not one, or for another product, or with a lot number no
/// GS1 lot can be, or without the serial.
#[test]
fn trace_checks_its_inputs() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = dir.path().join("deployment.json");
    std::fs::write(
        &manifest,
        r#"{"format":"healthchain-deployment/1","chain":{"name":"Development","genesis_hash":"0x00","url":"ws://127.0.0.1:1"},"deployer":"5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY","contracts":[],"roles":[]}"#,
    )
    .unwrap();
    let packing = dir.path().join("packing.json");
    std::fs::write(
        &packing,
        r#"{"gtin":9506000134352,"lot":"LOT1","serials":["SN1","SN2"],"cases":[{"sscc":300123450000000011,"first":0,"count":2}],"pallet":null}"#,
    )
    .unwrap();
    let trace = |args: &[&str], packing: &Path| {
        let mut command = healthchain();
        command
            .args(["trace", "--manifest"])
            .arg(&manifest)
            .args(args)
            .arg("--packing")
            .arg(packing);
        command.assert()
    };
    trace(&["123", "SN1"], &packing)
        .code(2)
        .stderr(contains("not 14 digits"));
    trace(&["09506000134352", "SN1"], &dir.path().join("none.json"))
        .code(2)
        .stderr(contains("reading"));
    trace(&["09506000134352", "SN1"], &manifest)
        .code(2)
        .stderr(contains("is not a packing file"));
    trace(&["10012345678902", "SN1"], &packing)
        .code(2)
        .stderr(contains("is for GTIN 09506000134352"));
    trace(&["09506000134352", "SN9"], &packing)
        .code(2)
        .stderr(contains("not among the packing file's serials"));
    // A lot number no GS1 lot can be: the ledger could only answer "no such lot".
    let spaced = dir.path().join("spaced.json");
    std::fs::write(
        &spaced,
        std::fs::read_to_string(&packing)
            .unwrap()
            .replace(r#""lot":"LOT1""#, r#""lot":"LOT 1""#),
    )
    .unwrap();
    trace(&["09506000134352", "SN1"], &spaced)
        .code(2)
        .stderr(contains(
            "the packing file: lot \"LOT 1\" is not a GS1 lot number",
        ));
    // With good input, the manifest without a ledger is the next refusal.
    trace(&["09506000134352", "SN2"], &packing)
        .code(2)
        .stderr(contains("no drug_provenance contract"));
}

/// Issue 15: a patient makes a secret once, then prints one pseudonym per relationship,
/// the same as the contracts' tests and the journey derive.
#[test]
fn a_patient_derives_one_pseudonym_per_relationship() {
    use healthchain_common::relay::signer::{Pseudonym, Relationship};
    let dir = tempfile::tempdir().expect("temp dir");
    let secret = dir.path().join("patient.secret");
    healthchain()
        .args(["patient", "new-secret", "--out"])
        .arg(&secret)
        .assert()
        .success()
        .stderr(contains("wrote a new secret"));
    healthchain()
        .args(["patient", "new-secret", "--out"])
        .arg(&secret)
        .assert()
        .code(2)
        .stderr(contains("never overwritten"));
    let alice = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY";
    let pseudonym = |relationship: &[&str]| {
        let output = healthchain()
            .args(["patient", "pseudonym", "--json", "--secret-file"])
            .arg(&secret)
            .args(relationship)
            .output()
            .expect("runs");
        assert!(output.status.success(), "{output:?}");
        let json: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
        json["account"].as_str().expect("account").to_string()
    };
    let in_plan = pseudonym(&["plan", alice, "1"]);
    let in_trial = pseudonym(&["trial", alice, "1"]);
    assert_ne!(in_plan, in_trial);
    assert_eq!(pseudonym(&["plan", alice, "1"]), in_plan, "deterministic");
    // The library's derivation, from the same secret file.
    let text = std::fs::read_to_string(&secret).expect("secret");
    let bytes: [u8; 32] = hex::decode(text.trim().trim_start_matches("0x"))
        .expect("hex")
        .try_into()
        .expect("32 bytes");
    let alice_id = healthchain_cli::patient::parse_account(alice).expect("alice");
    let expected = Pseudonym::derive(
        &bytes,
        Relationship::Plan {
            claims: alice_id,
            plan: 1,
        },
    )
    .account();
    assert_eq!(in_plan, format!("0x{}", hex::encode(expected)));
    healthchain()
        .args(["patient", "pseudonym", "--secret-file"])
        .arg(&secret)
        .args(["insurer", alice])
        .assert()
        .code(2)
        .stderr(contains("registry ADDRESS | provider ADDRESS"));
}

/// Issue 15: a pharmacy prints the commitment it dispenses to (and the receipt's salt), a
/// site the one it reports an adverse event under, an insurer its keyed procedure codes:
/// each the contracts' own function, and a bad code is refused by name.
#[cfg(feature = "deploy")]
#[test]
fn commitments_and_keyed_codes_are_printed_for_the_chain() {
    let alice = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY";
    let alice_id = healthchain_cli::patient::parse_account(alice).expect("alice");
    let json = |args: &[&str]| {
        let output = healthchain().args(args).output().expect("runs");
        assert!(output.status.success(), "{output:?}");
        serde_json::from_slice::<serde_json::Value>(&output.stdout).expect("JSON")
    };
    let salt = format!("0x{}", "11".repeat(32));
    let recipient = json(&["commit", "recipient", alice, "--salt", &salt, "--json"]);
    let expected = healthchain_common::provenance::recipient_commitment(&alice_id, &[0x11; 32]);
    assert_eq!(recipient["salt"], salt.as_str());
    assert_eq!(
        recipient["commitment"],
        format!("0x{}", hex::encode(expected)).as_str()
    );
    let subject = json(&["commit", "subject", alice, "--salt", &salt, "--json"]);
    assert_ne!(subject["commitment"], recipient["commitment"]);
    // Without --salt a fresh one is drawn each time.
    let first = json(&["commit", "recipient", alice, "--json"]);
    let second = json(&["commit", "recipient", alice, "--json"]);
    assert_ne!(first["salt"], second["salt"]);
    assert_ne!(first["commitment"], second["commitment"]);
    healthchain()
        .args(["commit", "recipient", alice, "--salt", "0x1234"])
        .assert()
        .code(2)
        .stderr(contains("64 hex digits"));

    let dir = tempfile::tempdir().expect("temp dir");
    let secret = dir.path().join("plan.secret");
    std::fs::write(&secret, format!("0x{}\n", "22".repeat(32))).expect("secret");
    let secret_arg = secret.to_str().expect("utf-8 path");
    let codes = json(&[
        "commit",
        "procedure",
        "--plan-secret-file",
        secret_arg,
        "99213",
        "J1100",
        "--json",
    ]);
    let keyed = claim_settlement::data::ServiceCode::procedure(&[0x22; 32], b"99213");
    let Some(claim_settlement::data::ServiceCode::Procedure(hash)) = keyed else {
        panic!("99213 is a code");
    };
    assert_eq!(codes["99213"], format!("0x{}", hex::encode(hash)).as_str());
    assert_ne!(codes["99213"], codes["J1100"]);
    healthchain()
        .args([
            "commit",
            "procedure",
            "--plan-secret-file",
            secret_arg,
            "9921",
        ])
        .assert()
        .code(2)
        .stderr(contains("\"9921\" is not a CPT / HCPCS code"));
}
