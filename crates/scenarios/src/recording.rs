//! ink_e2e's in-process chain, wrapped to keep the events contracts emit.
//!
//! ink_e2e 5.1.1's sandbox client drops events (its call results carry `()` where the
//! node client carries the extrinsic's events). [`RecordingSandbox`] delegates everything
//! to ink_e2e's `DefaultSandbox` and, after each state-changing execution (not dry runs),
//! keeps every `Contracts::ContractEmitted` with its topics, for [`take_emitted`]. Tests
//! opt in with `#[ink_e2e::test(backend(runtime_only(sandbox = support::recording::RecordingSandbox)))]`.

use ink::primitives::AccountId;
use ink_sandbox::{
    frame_system, pallet_contracts, AccountIdFor, DefaultSandbox, Extension,
    RuntimeMetadataPrefixed, Sandbox, Snapshot,
};
use std::cell::RefCell;

/// One event a contract emitted: the contract, the topics (the first is the event's
/// signature) and the SCALE-encoded event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Emitted {
    pub contract: AccountId,
    pub topics: Vec<[u8; 32]>,
    pub data: Vec<u8>,
}

thread_local! {
    // ink_e2e runs each test on its own single-threaded runtime, so the sandbox's
    // executions and the test's reads happen on the same thread.
    static EMITTED: RefCell<Vec<Emitted>> = const { RefCell::new(Vec::new()) };
}

/// The events recorded since the last call, oldest first.
pub fn take_emitted() -> Vec<Emitted> {
    EMITTED.with(|e| std::mem::take(&mut *e.borrow_mut()))
}

type Runtime = <DefaultSandbox as Sandbox>::Runtime;

/// `DefaultSandbox` plus an event recorder.
#[derive(Default)]
pub struct RecordingSandbox {
    inner: DefaultSandbox,
    dry_running: bool,
}

impl Sandbox for RecordingSandbox {
    type Runtime = Runtime;

    fn execute_with<T>(&mut self, execute: impl FnOnce() -> T) -> T {
        let record = !self.dry_running;
        self.inner.execute_with(|| {
            let before = frame_system::Pallet::<Runtime>::events().len();
            let outcome = execute();
            if record {
                let emitted: Vec<Emitted> = frame_system::Pallet::<Runtime>::events()
                    .into_iter()
                    .skip(before)
                    .filter_map(|record| {
                        let event: pallet_contracts::Event<Runtime> =
                            record.event.try_into().ok()?;
                        match event {
                            pallet_contracts::Event::ContractEmitted { contract, data } => {
                                Some(Emitted {
                                    contract: AccountId::from(*AsRef::<[u8; 32]>::as_ref(
                                        &contract,
                                    )),
                                    topics: record.topics.iter().map(|t| t.0).collect(),
                                    data,
                                })
                            }
                            _ => None,
                        }
                    })
                    .collect();
                EMITTED.with(|e| e.borrow_mut().extend(emitted));
                // The sandbox never ends a block, so System::Events would grow with every
                // call and each read of it with them: drop what has been recorded.
                frame_system::Pallet::<Runtime>::reset_events();
            }
            outcome
        })
    }

    fn dry_run<T>(&mut self, action: impl FnOnce(&mut Self) -> T) -> T {
        let snapshot = self.inner.take_snapshot();
        let was = std::mem::replace(&mut self.dry_running, true);
        let outcome = action(self);
        self.dry_running = was;
        self.inner.restore_snapshot(snapshot);
        outcome
    }

    fn register_extension<E: core::any::Any + Extension>(&mut self, ext: E) {
        self.inner.register_extension(ext)
    }

    fn initialize_block(
        height: frame_system::pallet_prelude::BlockNumberFor<Self::Runtime>,
        parent_hash: <Self::Runtime as frame_system::Config>::Hash,
    ) {
        DefaultSandbox::initialize_block(height, parent_hash)
    }

    fn finalize_block(
        height: frame_system::pallet_prelude::BlockNumberFor<Self::Runtime>,
    ) -> <Self::Runtime as frame_system::Config>::Hash {
        DefaultSandbox::finalize_block(height)
    }

    /// A normal-class block of substrate-contracts-node (1.5e12 ref_time) and 75% of a 5 MiB
    /// proof, where ink_sandbox allows 1e11 and 3 MiB: pallet-contracts 31 charges 33,471
    /// ref_time per byte of code each call, so a full batch (16 claims) needs more than
    /// 1e11 here while it fits the node's block.
    fn default_gas_limit() -> ink_sandbox::Weight {
        ink_sandbox::Weight::from_parts(1_500_000_000_000, 5 * 1024 * 1024 / 4 * 3)
    }

    fn default_actor() -> AccountIdFor<Self::Runtime> {
        DefaultSandbox::default_actor()
    }

    fn get_metadata() -> RuntimeMetadataPrefixed {
        DefaultSandbox::get_metadata()
    }

    fn convert_account_to_origin(
        account: AccountIdFor<Self::Runtime>,
    ) -> <<Self::Runtime as frame_system::Config>::RuntimeCall as ink_sandbox::frame_support::sp_runtime::traits::Dispatchable>::RuntimeOrigin{
        DefaultSandbox::convert_account_to_origin(account)
    }

    fn take_snapshot(&mut self) -> Snapshot {
        self.inner.take_snapshot()
    }

    fn restore_snapshot(&mut self, snapshot: Snapshot) {
        self.inner.restore_snapshot(snapshot)
    }
}
