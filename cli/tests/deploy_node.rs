//! `healthchain deploy` and `verify-unit` against a real substrate-contracts-node (the
//! test starts a throwaway `--dev` node from CONTRACTS_NODE). Run by `make test-node`:
//! `cargo test -p healthchain-cli --features node-tests --test deploy_node`.
#![cfg(feature = "node-tests")]

use assert_cmd::Command;
use healthchain_cli::{chain::Chain, config::parse_account, manifest::Manifest};
use healthchain_scenarios::support::{hash, id, COMPANY_PREFIX, GTIN};
use ink_e2e::{subxt::utils::AccountId32, ContractsBackend, PolkadotConfig, TestNodeProcess};
use predicates::{prelude::PredicateBooleanExt, str::contains};
use std::{io::Write, path::Path};

fn healthchain() -> Command {
    Command::cargo_bin("healthchain").expect("the binary is built")
}

fn dev(keypair: &ink_e2e::Keypair) -> String {
    AccountId32(keypair.public_key().0).to_string()
}

/// Runs `healthchain deploy` against `url` with `extra` arguments.
fn deploy(
    dir: &Path,
    url: &str,
    secret: &str,
    manifest: &str,
    extra: &[&str],
) -> assert_cmd::assert::Assert {
    let suri = dir.join(format!("{manifest}.suri"));
    std::fs::write(&suri, format!("{secret}\n")).unwrap();
    healthchain()
        .env_remove("HEALTHCHAIN_SURI")
        .args(["deploy", "--url", url, "--roles"])
        .arg(dir.join("roles.toml"))
        .arg("--suri-file")
        .arg(&suri)
        .arg("--manifest")
        .arg(dir.join(manifest))
        .args(extra)
        .assert()
}

#[tokio::test(flavor = "multi_thread")]
async fn deploy_is_idempotent_and_verify_unit_answers() {
    let node = TestNodeProcess::<PolkadotConfig>::build_with_env_or_default()
        .spawn()
        .await
        .expect("substrate-contracts-node starts (set CONTRACTS_NODE; make node installs it)");
    let url = node.url().to_string();
    let dir = tempfile::tempdir().unwrap();
    let (bob, charlie, dave, eve, ferdie) = (
        dev(&ink_e2e::bob()),
        dev(&ink_e2e::charlie()),
        dev(&ink_e2e::dave()),
        dev(&ink_e2e::eve()),
        dev(&ink_e2e::ferdie()),
    );
    std::fs::write(
        dir.path().join("roles.toml"),
        format!(
            "[consent_registry]\nemergency_responders = [\"{ferdie}\"]\n\
             [drug_provenance]\nmanufacturers = [\"{bob}\"]\npharmacies = [\"{charlie}\"]\nsensors = [\"{eve}\"]\n\
             [claim_settlement]\ninsurers = [\"{dave}\"]\nproviders = [\"{charlie}\"]\n\
             [trial_anchoring]\nsponsors = [\"{eve}\"]\n"
        ),
    )
    .unwrap();
    let chain = Chain::connect(&url).await.expect("the node answers");
    let alice = AccountId32(ink_e2e::alice().public_key().0);

    // The dry run shows the plan and its cost, and submits and writes nothing.
    let nonce = chain.nonce(&alice).await.unwrap();
    deploy(
        dir.path(),
        &url,
        "//Alice",
        "deployment.json",
        &["--dry-run"],
    )
    .success()
    .stdout(contains("access_library    upload code"))
    .stdout(contains("consent_registry_library upload code"))
    .stdout(contains("drug_provenance_library upload code"))
    .stdout(contains("claim_settlement_library upload code"))
    .stdout(contains("trial_anchoring_library upload code"))
    // The constructors lock the libraries' code, which the dry run cannot upload first.
    .stdout(contains(
        "instantiation estimated once its libraries are uploaded",
    ))
    .stdout(contains("estimated total"))
    .stdout(contains("nothing submitted"));
    assert!(!dir.path().join("deployment.json").exists());
    assert_eq!(chain.nonce(&alice).await.unwrap(), nonce);

    // The deploy: the admin library's code, four contracts' own libraries and four
    // codes, four contracts, seven roles.
    deploy(dir.path(), &url, "//Alice", "deployment.json", &[])
        .success()
        .stdout(contains("20 transactions"));
    let manifest = Manifest::load(&dir.path().join("deployment.json")).unwrap();
    assert_eq!(manifest.chain.genesis_hash, chain.genesis_hex());
    assert_eq!(manifest.deployer, alice.to_string());
    let names: Vec<_> = manifest.contracts.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "consent_registry",
            "drug_provenance",
            "claim_settlement",
            "trial_anchoring"
        ]
    );
    for contract in &manifest.contracts {
        let address = parse_account(&contract.address).unwrap();
        let on_chain = chain
            .contract_code_hash(&address)
            .await
            .unwrap()
            .expect("deployed");
        assert_eq!(format!("0x{}", hex::encode(on_chain)), contract.code_hash);
        assert!(contract.code_block.is_some() && contract.instantiate_block.is_some());
    }
    // Wired by address: claim_settlement was built with the registry and the ledger.
    let claims = manifest.contract("claim_settlement").unwrap();
    assert_eq!(
        claims.constructor_args["consent_registry"],
        manifest.contracts[0].address
    );
    assert_eq!(
        claims.constructor_args["drug_provenance"],
        manifest.contracts[1].address
    );
    // The registry and trial_anchoring bind relayed instructions to this chain.
    for name in ["consent_registry", "trial_anchoring"] {
        assert_eq!(
            manifest.contract(name).unwrap().constructor_args["chain"],
            manifest.chain.genesis_hash,
            "{name} is built with the node's genesis hash"
        );
    }
    // Every contract delegates its admin messages to the same uploaded library.
    let library = &manifest.contracts[0].constructor_args["admin_library"];
    assert!(manifest
        .contracts
        .iter()
        .all(|c| c.constructor_args["admin_library"] == *library));
    let library: [u8; 32] = hex::decode(library.as_str().unwrap().trim_start_matches("0x"))
        .unwrap()
        .try_into()
        .unwrap();
    assert!(chain.code_exists(library).await.unwrap());
    // Each contract takes its own library, a code of its own uploaded before it.
    let mut own_libraries = Vec::new();
    for contract in &manifest.contracts {
        let own = &contract.constructor_args["library"];
        let own: [u8; 32] = hex::decode(own.as_str().unwrap().trim_start_matches("0x"))
            .unwrap()
            .try_into()
            .unwrap();
        assert!(chain.code_exists(own).await.unwrap(), "{}", contract.name);
        assert_ne!(own, library, "{} has a library of its own", contract.name);
        own_libraries.push(own);
    }
    own_libraries.sort();
    own_libraries.dedup();
    assert_eq!(own_libraries.len(), 4, "four distinct own libraries");
    assert_eq!(manifest.roles.len(), 7);
    assert!(manifest.has_role("drug_provenance", "Dispenser", &charlie));
    assert!(manifest.roles.iter().all(|r| r.block.is_some()));

    // Again with the same manifest: everything is checked and nothing is sent.
    let nonce = chain.nonce(&alice).await.unwrap();
    deploy(dir.path(), &url, "//Alice", "deployment.json", &[])
        .success()
        .stdout(contains("checked on chain"))
        .stdout(contains("already held"))
        .stdout(contains("nothing submitted"));
    assert_eq!(
        chain.nonce(&alice).await.unwrap(),
        nonce,
        "a redeploy is a no-op"
    );
    assert_eq!(
        Manifest::load(&dir.path().join("deployment.json")).unwrap(),
        manifest
    );

    // The same manifest against another chain is refused.
    let mut elsewhere = manifest.clone();
    elsewhere.chain.genesis_hash = format!("0x{}", "11".repeat(32));
    elsewhere.save(&dir.path().join("elsewhere.json")).unwrap();
    deploy(dir.path(), &url, "//Alice", "elsewhere.json", &[])
        .code(3)
        .stderr(contains("wrong chain for the manifest"));
    // An account without funds is told so, before anything is sent.
    deploy(dir.path(), &url, "//NoFundsHere", "poor.json", &[])
        .code(3)
        .stderr(contains("has no funds"));
    assert!(!dir.path().join("poor.json").exists());

    // The manufacturer commissions a lot of 16 serials; the pharmacist scans units.
    let serials: String = (0..16).map(|i| format!("SN{i:04}\n")).collect();
    let serial_file = dir.path().join("serials.txt");
    std::fs::write(&serial_file, &serials).unwrap();
    let root_out = healthchain()
        .args(["merkle", "root", "--json"])
        .arg(&serial_file)
        .output()
        .unwrap();
    let root: serde_json::Value = serde_json::from_slice(&root_out.stdout).unwrap();
    let root = healthchain_cli::merkle::from_hex(root["root"].as_str().unwrap()).unwrap();
    let ledger_address = parse_account(&manifest.contracts[1].address).unwrap();
    let mut client = ink_e2e::Client::<PolkadotConfig, ink::env::DefaultEnvironment>::new(
        node.rpc(),
        Vec::<std::path::PathBuf>::new(),
    )
    .await
    .unwrap();
    let mut ledger = ink_e2e::create_call_builder::<drug_provenance::drug_provenance::DrugProvenance>(
        ink::primitives::AccountId::from(ledger_address.0),
    );
    // The deployer, admin of the ledger, licenses bob's company prefix (0012345).
    let (prefix, digits) = COMPANY_PREFIX;
    client
        .call(
            &ink_e2e::alice(),
            &ledger.license_company_prefix(prefix, digits, id(&ink_e2e::bob())),
        )
        .submit()
        .await
        .expect("the admin licenses bob's company prefix")
        .return_value()
        .expect("the prefix is licensed");
    let commission = ledger.commission_lot(
        GTIN,
        b"LOT-NODE".to_vec(),
        u64::MAX / 2,
        16,
        root,
        16,
        200,
        800,
        hash(0xCA),
    );
    client
        .call(&ink_e2e::bob(), &commission)
        .submit()
        .await
        .expect("bob, granted Manufacturer by the deploy, commissions the lot")
        .return_value()
        .expect("the lot is commissioned");

    let proof = dir.path().join("proof.json");
    healthchain()
        .args(["merkle", "proof", "--item", "SN0007", "--out"])
        .arg(&proof)
        .arg(&serial_file)
        .assert()
        .success();
    let gtin = format!("{GTIN:014}");
    let expiry = format!("{:06}", drug_provenance::data::printed_expiry(u64::MAX / 2));
    healthchain()
        .args(["verify-unit", "--manifest"])
        .arg(dir.path().join("deployment.json"))
        .args([
            gtin.as_str(),
            "LOT-NODE",
            "SN0007",
            expiry.as_str(),
            "--proof",
        ])
        .arg(&proof)
        .assert()
        .success()
        .stdout(contains("GENUINE"));
    // A serial outside the lot, with a proof from another list: counterfeit.
    let fakes = dir.path().join("fakes.txt");
    let mut file = std::fs::File::create(&fakes).unwrap();
    writeln!(file, "SN9999\nSN0001").unwrap();
    let fake_proof = dir.path().join("fake.json");
    healthchain()
        .args(["merkle", "proof", "--item", "SN9999", "--out"])
        .arg(&fake_proof)
        .arg(&fakes)
        .assert()
        .success();
    healthchain()
        .args(["verify-unit", "--json", "--manifest"])
        .arg(dir.path().join("deployment.json"))
        .args([
            gtin.as_str(),
            "LOT-NODE",
            "SN9999",
            expiry.as_str(),
            "--proof",
        ])
        .arg(&fake_proof)
        .assert()
        .code(1)
        .stdout(contains("\"status\":\"Unknown\"").and(contains("\"may_dispense\":false")));

    // A printed expiry that is not the lot's: not this lot's package.
    healthchain()
        .args(["verify-unit", "--manifest"])
        .arg(dir.path().join("deployment.json"))
        .args([gtin.as_str(), "LOT-NODE", "SN0007", "991231", "--proof"])
        .arg(&proof)
        .assert()
        .code(1)
        .stdout(contains("UNKNOWN"));

    // bob packs the lot into a case and ships it to charlie (a dispenser), who receives it:
    // the trace of SN0007 names the case, the shipment, the receipt and charlie.
    use drug_provenance::{
        data::{Item, Level, Scan, ShipmentPurpose},
        packing::{PackedCase, Packing},
    };
    let packing = Packing {
        gtin: GTIN,
        lot: "LOT-NODE".into(),
        serials: (0..16).map(|i| format!("SN{i:04}")).collect(),
        cases: vec![PackedCase {
            sscc: healthchain_scenarios::support::sscc(7),
            first: 0,
            count: 16,
        }],
        pallet: None,
    };
    let case = packing.case(0).unwrap();
    client
        .call(
            &ink_e2e::bob(),
            &ledger.aggregate(
                GTIN,
                b"LOT-NODE".to_vec(),
                case.sscc,
                Level::Case,
                case.contents,
                16,
                16,
                None,
            ),
        )
        .submit()
        .await
        .expect("submitted")
        .return_value()
        .expect("bob packs the case");
    let shipment = client
        .call(
            &ink_e2e::bob(),
            &ledger.ship(
                charlie_id(),
                vec![Item::Container(case.sscc)],
                ShipmentPurpose::Sale,
                hash(0x71),
            ),
        )
        .submit()
        .await
        .expect("submitted")
        .return_value()
        .expect("bob ships the case");
    client
        .call(
            &ink_e2e::charlie(),
            &ledger.receive(shipment, vec![Scan::Container(case.sscc)]),
        )
        .submit()
        .await
        .expect("submitted")
        .return_value()
        .expect("charlie receives the case");
    let packing_file = dir.path().join("packing.json");
    std::fs::write(&packing_file, serde_json::to_string(&packing).unwrap()).unwrap();
    let charlie = AccountId32(*AsRef::<[u8; 32]>::as_ref(&charlie_id())).to_string();
    let bob = AccountId32(*AsRef::<[u8; 32]>::as_ref(&id(&ink_e2e::bob()))).to_string();
    healthchain()
        .args(["trace", "--manifest"])
        .arg(dir.path().join("deployment.json"))
        .args([gtin.as_str(), "SN0007", "--packing"])
        .arg(&packing_file)
        .assert()
        .success()
        .stdout(contains(format!("manufacturer {bob}")))
        .stdout(contains(format!("packed in {:018}", case.sscc)))
        .stdout(contains(format!("lot LOT-NODE commissioned by {bob}")))
        .stdout(contains(format!(
            "shipped (Sale) from {bob} to {charlie}, shipment {shipment}"
        )))
        .stdout(contains(format!(
            "received by {charlie}, shipment {shipment}"
        )))
        .stdout(contains(format!(
            "now: in container {:018} (Sealed) held by {charlie}",
            case.sscc
        )));
    // A serial the packing file does not list is an input error, before the chain is asked.
    healthchain()
        .args(["trace", "--manifest"])
        .arg(dir.path().join("deployment.json"))
        .args([gtin.as_str(), "SN9999", "--packing"])
        .arg(&packing_file)
        .assert()
        .code(2)
        .stderr(contains("not among the packing file's serials"));
}

fn charlie_id() -> ink::primitives::AccountId {
    id(&ink_e2e::charlie())
}
