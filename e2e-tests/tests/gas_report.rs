//! Gas, proof size and storage deposit of the contracts' main messages in the sandbox,
//! and the scaling properties `make bench` budgets, checked here on the debug builds
//! ink_e2e makes (`make bench` measures the release builds with the same scenarios,
//! `healthchain_scenarios::measure`). `make gas` prints the rows.
#![cfg(feature = "e2e-tests")]

use healthchain_bench::analysis;
use healthchain_scenarios::{
    measure::{self, Measurement},
    support::Scenario,
};

type E2EResult<T> = Result<T, Box<dyn std::error::Error>>;

fn print(title: &str, rows: &[Measurement]) {
    println!("\n{title}, sandbox backend (pallet-contracts 31), debug build by ink_e2e");
    println!(
        "| {:<20} | {:<36} | {:>13} | {:>10} | {:>8} |",
        "message", "case", "ref_time", "proof_size", "deposit"
    );
    for m in rows {
        println!(
            "| {:<20} | {:<36} | {:>13} | {:>10} | {:>8} |",
            m.message, m.case, m.ref_time, m.proof_size, m.deposit
        );
    }
}

fn find<'a>(rows: &'a [Measurement], message: &str, case: &str) -> &'a Measurement {
    rows.iter()
        .find(|m| m.message == message && m.case == case)
        .unwrap_or_else(|| panic!("{message} ({case}) was measured"))
}

#[ink_e2e::test(backend(runtime_only))]
async fn consent_registry_gas<Client: E2EBackend>(mut client: Client) -> E2EResult<()> {
    let mut client = Scenario::new(client);
    // Two patients' worth of grants: enough to show the check does not grow.
    let rows = measure::consent(&mut client, &[1, 40]).await;
    print("consent_registry", &rows);
    let grant = find(&rows, "record_consent", "first grant");
    let check = find(&rows, "is_authorized", "1 grants stored");
    assert!(
        check.ref_time < grant.ref_time,
        "a check costs less than a grant"
    );
    assert!(grant.deposit > 0, "a first grant pays for its storage");
    analysis::check_constant(&rows, "is_authorized", 0.05)?;
    Ok(())
}

#[ink_e2e::test(backend(runtime_only))]
async fn drug_provenance_gas<Client: E2EBackend>(mut client: Client) -> E2EResult<()> {
    let mut client = Scenario::new(client);
    let rows = measure::provenance(&mut client, &[4, 10, 20]).await;
    print("drug_provenance", &rows);
    analysis::check_constant(&rows, "commission_lot", 0.05)?;
    // A pallet is packed, shipped and received at the same cost whatever the lot's size.
    for message in ["aggregate", "ship", "receive"] {
        analysis::check_constant(&rows, message, 0.05)?;
    }
    analysis::check_logarithmic(&rows, "dispense", 0.05)?;
    analysis::check_logarithmic(&rows, "verify_unit", 0.05)?;
    analysis::check_logarithmic(&rows, "trace", 0.05)?;
    Ok(())
}

#[ink_e2e::test(backend(runtime_only))]
async fn trial_anchoring_gas<Client: E2EBackend>(mut client: Client) -> E2EResult<()> {
    let mut client = Scenario::new(client);
    let rows = measure::trials(&mut client, &[4, 10, 20]).await;
    print("trial_anchoring", &rows);
    analysis::check_constant(&rows, "anchor_batch", 0.05)?;
    analysis::check_logarithmic(&rows, "verify_inclusion", 0.05)?;
    let enrol = find(&rows, "enrol", "with the cross-contract consent check");
    let active = find(&rows, "is_active", "cross-contract consent check");
    assert!(
        enrol.ref_time > active.ref_time,
        "enrolment checks and writes"
    );
    Ok(())
}

#[ink_e2e::test(backend(runtime_only))]
async fn claim_settlement_gas<Client: E2EBackend>(mut client: Client) -> E2EResult<()> {
    let mut client = Scenario::new(client);
    let max = claim_settlement::data::MAX_LINES;
    // 8 claims a batch: 32 exceed the sandbox's block on these debug builds.
    let batch = 8;
    let rows = measure::claims(&mut client, &[1, 4, max], batch).await;
    print("claim_settlement", &rows);
    let points = analysis::series(&rows, "submit_claim");
    assert_eq!(points.len(), 3);
    // More lines cost more, but far less than one claim per line: the provenance checks
    // of all drug lines are one batched cross-contract call.
    let (one, all) = (points[0], points[2]);
    assert!(all.ref_time > one.ref_time);
    assert!(
        all.ref_time < one.ref_time * max as u64 / 4,
        "batched checks"
    );
    // An 837 file's claims in one call: each costs less than alone, though each still
    // pays for its consent check's cross-contract call.
    let one = find(
        &rows,
        "submit_claim",
        "1 visit line, alone (batch comparison)",
    );
    let all = find(
        &rows,
        "submit_claims",
        &format!("{batch} one-line visit claims"),
    );
    let batch = batch as u64;
    assert!(
        all.proof_size / batch < one.proof_size,
        "claims: proof per claim"
    );
    assert!(
        all.ref_time / batch < one.ref_time,
        "claims: ref_time per claim"
    );
    Ok(())
}

/// Issue 19: a batch item costs less than the same item alone, above all in proof size,
/// which carries the contract's code once per call.
#[ink_e2e::test(backend(runtime_only))]
async fn batches_gas<Client: E2EBackend>(mut client: Client) -> E2EResult<()> {
    let mut client = Scenario::new(client);
    let size = 32;
    let rows = measure::batches(&mut client, size).await;
    print("batches", &rows);
    for (single, alone, batch, items) in [
        (
            "relay",
            "a consent form, alone (batch comparison)",
            "relay_batch",
            "32 consent forms",
        ),
        (
            "dispense",
            "from an opened case, alone (batch comparison)",
            "dispense_batch",
            "32 packages",
        ),
        (
            "report_temperature",
            "in range, alone (batch comparison)",
            "report_temperatures",
            "32 readings",
        ),
    ] {
        let (one, all) = (find(&rows, single, alone), find(&rows, batch, items));
        assert!(
            all.proof_size / size as u64 * 4 < one.proof_size,
            "{batch}: {} proof bytes per item against {} alone",
            all.proof_size / size as u64,
            one.proof_size
        );
        assert!(
            all.ref_time / (size as u64) < one.ref_time,
            "{batch}: ref_time per item"
        );
    }
    Ok(())
}
