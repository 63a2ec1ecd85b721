//! `healthchain_common::entry_points!`'s `runs_itself` messages (consent_registry's
//! `record_consent` and `record_access`, drug_provenance's `dispense`, trial_anchoring's
//! `enrol`): the contract's own `call` runs them and writes the root back only when the
//! message changed it. On a test contract (`root_keeper`): a
//! message that changes the root keeps its change, one that changes only a mapping keeps
//! that and costs less than the same message run by ink!'s dispatch (which writes the
//! unchanged root back), and one that fails reverts as ink! reverts it.
#![cfg(feature = "e2e-tests")]

use ink_e2e::{ContractsBackend, E2EBackend};
use root_keeper::root_keeper::{Error, RootKeeper, RootKeeperRef};

type E2EResult<T> = Result<T, Box<dyn std::error::Error>>;

#[ink_e2e::test(backend(runtime_only))]
async fn the_root_is_written_back_only_when_changed_on_the_sandbox<Client: E2EBackend>(
    mut client: Client,
) -> E2EResult<()> {
    root_written_back_only_when_changed(&mut client).await
}

/// The same on substrate-contracts-node (`make test-node`).
#[cfg(feature = "node-e2e")]
#[ink_e2e::test]
async fn the_root_is_written_back_only_when_changed_on_the_node<Client: E2EBackend>(
    mut client: Client,
) -> E2EResult<()> {
    root_written_back_only_when_changed(&mut client).await
}

async fn root_written_back_only_when_changed<Client>(client: &mut Client) -> E2EResult<()>
where
    Client: E2EBackend,
    <Client as ContractsBackend<ink::env::DefaultEnvironment>>::Error: std::fmt::Debug,
{
    let alice = ink_e2e::alice();
    let keeper = client
        .instantiate("root_keeper", &alice, &mut RootKeeperRef::new())
        .submit()
        .await
        .expect("root_keeper instantiates");
    let mut keeper = keeper.call_builder::<RootKeeper>();

    // A change to the root stays.
    for expected in 1..=2 {
        let counted = client
            .call(&alice, &keeper.count())
            .submit()
            .await
            .expect("count goes through");
        assert_eq!(counted.return_value(), Ok(expected));
    }
    let read = client
        .call(&alice, &keeper.read(7))
        .dry_run()
        .await
        .expect("read");
    assert_eq!(read.return_value(), (2, None));

    // A change to a mapping only stays, and the root is as it was.
    client
        .call(&alice, &keeper.note(7, 42))
        .submit()
        .await
        .expect("note goes through");
    let read = client
        .call(&alice, &keeper.read(7))
        .dry_run()
        .await
        .expect("read");
    assert_eq!(read.return_value(), (2, Some(42)));

    // The same note through ink!'s dispatch costs a storage write more: the root's.
    let own = client
        .call(&alice, &keeper.note(8, 42))
        .dry_run()
        .await
        .expect("note");
    let through_ink = client
        .call(&alice, &keeper.note_through_ink(8, 42))
        .dry_run()
        .await
        .expect("note_through_ink");
    let (own_gas, ink_gas) = (
        own.exec_result.gas_consumed,
        through_ink.exec_result.gas_consumed,
    );
    assert_eq!(own.return_value(), Ok(()));
    assert_eq!(through_ink.return_value(), Ok(()));
    assert!(
        own_gas.proof_size() < ink_gas.proof_size() && own_gas.ref_time() < ink_gas.ref_time(),
        "no root write: {own_gas:?} against {ink_gas:?}"
    );

    // A failing message reverts, as under ink!'s dispatch: its answer is the error, and
    // nothing it changed stays.
    let failed = client
        .call(&alice, &keeper.count_then_fail())
        .dry_run()
        .await
        .expect("a dry run of a failing message");
    assert!(failed.exec_return_value().did_revert());
    assert_eq!(failed.return_value(), Err(Error::Refused));
    // Sent anyway (the node refuses it after its dry run, the sandbox runs it reverted):
    // either way nothing stays.
    let _ = client
        .call(&alice, &keeper.count_then_fail())
        .submit()
        .await;
    let read = client
        .call(&alice, &keeper.read(u32::MAX))
        .dry_run()
        .await
        .expect("read");
    assert_eq!(read.return_value(), (2, None));
    Ok(())
}
