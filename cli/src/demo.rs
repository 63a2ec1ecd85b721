//! `healthchain demo`: the patient journey (`healthchain_scenarios::journey`) on an in-process chain
//! (ink_e2e's sandbox runtime: nothing to install) or, with `--url`, on a node.

use crate::bundles::{ensure_built, repository};
use anyhow::{Context, Result};
use healthchain_scenarios::{journey, recording::RecordingSandbox, support::Scenario};
use std::time::Instant;

/// Runs the journey; `url` selects a node instead of the embedded chain. Returns the
/// number of steps walked.
pub fn run(url: Option<&str>) -> Result<usize> {
    let wasm = ensure_built(&repository()?)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let started = Instant::now();
    let steps = match url {
        None => {
            println!("demo: the patient journey on an in-process chain (ink_e2e sandbox runtime, pallet-contracts)");
            let client = ink_e2e::SandboxClient::<
                ink::primitives::AccountId,
                ink::primitives::Hash,
                RecordingSandbox,
            >::new(wasm);
            runtime.block_on(journey::run(&mut Scenario::new(client).narrated(true)))
        }
        Some(url) => runtime.block_on(async {
            println!("demo: the patient journey on the node at {url}");
            let rpc = ink_e2e::RpcClient::from_url(url).await.with_context(|| {
                format!("cannot reach a node at {url}: start one (substrate-contracts-node --dev) or check the URL")
            })?;
            let client = ink_e2e::Client::<ink_e2e::PolkadotConfig, ink::env::DefaultEnvironment>::new(rpc, wasm)
                .await
                .map_err(|e| anyhow::anyhow!("connecting to {url}: {e:?}"))?;
            Ok::<_, anyhow::Error>(journey::run(&mut Scenario::new(client).narrated(true)).await)
        })?,
    };
    println!(
        "demo: {steps} steps in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(steps)
}
