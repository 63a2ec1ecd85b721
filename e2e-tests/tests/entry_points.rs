//! `healthchain_common::entry_points!`'s `runs_itself` messages (claim_settlement's
//! `submit_claim`): the contract's own `call` runs them and writes the root back only when
//! the message changed it; and its `leaves_root` ones (consent_registry's `record_consent`
//! and `record_access`, drug_provenance's `dispense`, trial_anchoring's `enrol`), which
//! take the root as `&self` and are never written back. On a test contract (`root_keeper`): a
//! message that changes the root keeps its change, one that changes only a mapping keeps
//! that and costs less than the same message run by ink!'s dispatch (which writes the
//! unchanged root back), one that fails reverts as ink! reverts it, and value sent with a
//! listed message or arguments that do not decode are refused as ink! refuses them.
#![cfg(feature = "e2e-tests")]

use ink_e2e::{ContractsBackend, E2EBackend};
use root_keeper::root_keeper::{Error, RootKeeper, RootKeeperRef};

type E2EResult<T> = Result<T, Box<dyn std::error::Error>>;
/// The keeper's messages, as a test calls them.
type KeeperCalls = <RootKeeper as ink::codegen::ContractCallBuilder>::Type;

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

/// The keeper's count and its note under `key`.
async fn read<Client>(client: &mut Client, keeper: &KeeperCalls, key: u32) -> (u32, Option<u32>)
where
    Client: E2EBackend,
    <Client as ContractsBackend<ink::env::DefaultEnvironment>>::Error: std::fmt::Debug,
{
    client
        .call(&ink_e2e::alice(), &keeper.read(key))
        .dry_run()
        .await
        .expect("read")
        .return_value()
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
    let keeper_id = keeper.account_id;
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
    assert_eq!(read(client, &keeper, 7).await, (2, None));

    // A change to a mapping only stays, and the root is as it was.
    client
        .call(&alice, &keeper.note(7, 42))
        .submit()
        .await
        .expect("note goes through");
    assert_eq!(read(client, &keeper, 7).await, (2, Some(42)));

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
    assert_eq!(read(client, &keeper, u32::MAX).await, (2, None));

    // Value sent with a listed message, which takes none, is refused (a trap, as ink!'s
    // dispatch traps): nothing stays, and the same note without it goes through.
    let paid = client
        .call(&alice, &keeper.note(9, 1))
        .value(1)
        .dry_run()
        .await;
    let refusal = match paid {
        Ok(answer) => format!("{:?}", answer.exec_result.result),
        Err(error) => format!("{error:?}"),
    };
    assert!(
        refusal.contains("ContractTrapped"),
        "a listed message takes no value: {refusal}"
    );
    let _ = client
        .call(&alice, &keeper.note(9, 1))
        .value(1)
        .submit()
        .await;
    assert_eq!(read(client, &keeper, 9).await, (2, None));

    // Arguments that do not decode (a note's key without its value) are refused as ink!
    // refuses them: reverted with `CouldNotReadInput`, nothing written.
    use ink::env::call::{build_call, ExecutionInput, Selector};
    let truncated = build_call::<ink::env::DefaultEnvironment>()
        .call(keeper_id)
        .exec_input(ExecutionInput::new(Selector::new(ink::selector_bytes!("note"))).push_arg(9u32))
        .returns::<Result<(), Error>>();
    let refused = client
        .call(&alice, &truncated)
        .dry_run()
        .await
        .expect("a dry run of undecodable input");
    assert!(refused.exec_return_value().did_revert());
    assert_eq!(
        refused.message_result(),
        Err(ink::LangError::CouldNotReadInput)
    );
    assert_eq!(read(client, &keeper, 9).await, (2, None));
    client
        .call(&alice, &keeper.note(9, 1))
        .submit()
        .await
        .expect("the same note, whole and without value, goes through");
    assert_eq!(read(client, &keeper, 9).await, (2, Some(1)));

    // `leaves_root`: a note written through a handle from `&self` stays, read through the
    // root's field, and costs no more than the same note through `runs_itself` (which
    // encodes the root twice to find it unchanged).
    let kept = client
        .call(&alice, &keeper.keep(10, 5))
        .dry_run()
        .await
        .expect("keep");
    let noted = client
        .call(&alice, &keeper.note(10, 5))
        .dry_run()
        .await
        .expect("note");
    let (kept_gas, noted_gas) = (
        kept.exec_result.gas_consumed,
        noted.exec_result.gas_consumed,
    );
    assert!(
        kept_gas.proof_size() <= noted_gas.proof_size()
            && kept_gas.ref_time() < noted_gas.ref_time(),
        "no root to compare: {kept_gas:?} against {noted_gas:?}"
    );
    client
        .call(&alice, &keeper.keep(10, 5))
        .submit()
        .await
        .expect("keep goes through");
    let kept_note = client
        .call(&alice, &keeper.kept(10))
        .dry_run()
        .await
        .expect("kept")
        .return_value();
    assert_eq!(kept_note, Some(5));
    assert_eq!(read(client, &keeper, 10).await, (2, None));
    // One that fails reverts its handle's write too.
    let failed = client
        .call(&alice, &keeper.keep_then_fail())
        .dry_run()
        .await
        .expect("a dry run of a failing kept note");
    assert!(failed.exec_return_value().did_revert());
    assert_eq!(failed.return_value(), Err(Error::Refused));
    let _ = client.call(&alice, &keeper.keep_then_fail()).submit().await;
    let kept_after_failure = client
        .call(&alice, &keeper.kept(u32::MAX))
        .dry_run()
        .await
        .expect("kept")
        .return_value();
    assert_eq!(kept_after_failure, None);
    Ok(())
}
