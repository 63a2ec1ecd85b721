//! The patient journey end to end (`healthchain_scenarios::journey`): on the in-process
//! sandbox here (always), and on substrate-contracts-node with the `node-e2e` feature
//! (`make test-node`).
#![cfg(feature = "e2e-tests")]

mod support;

use std::time::Instant;
use support::E2EResult;

#[ink_e2e::test(backend(runtime_only(sandbox = support::recording::RecordingSandbox)))]
async fn the_patient_journey_on_the_sandbox<Client: E2EBackend>(
    mut client: Client,
) -> E2EResult<()> {
    let mut client = support::Scenario::new(client);
    let started = Instant::now();
    let steps = healthchain_scenarios::journey::run(&mut client).await;
    println!(
        "journey: {steps} steps on the sandbox in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// The same journey on a real substrate-contracts-node (`make test-node`; ink_e2e starts a
/// `--dev` node from `CONTRACTS_NODE` or `substrate-contracts-node` on PATH).
#[cfg(feature = "node-e2e")]
#[ink_e2e::test]
async fn the_patient_journey_on_the_node<Client: E2EBackend>(mut client: Client) -> E2EResult<()> {
    let mut client = support::Scenario::new(client);
    let started = Instant::now();
    let steps = healthchain_scenarios::journey::run(&mut client).await;
    println!(
        "journey: {steps} steps on substrate-contracts-node in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
