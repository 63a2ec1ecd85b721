//! Helpers for the contracts' unit tests on ink!'s off-chain environment (std only).
//! A helper that cannot find what the test expects panics: that is how the test fails.
#![allow(clippy::expect_used)]

use ink::{
    env::{test, Event},
    scale::{Decode, Encode},
};

/// How many events have been emitted so far.
pub fn event_count() -> usize {
    test::recorded_events().count()
}

/// Decodes the last event as `E`, checking its signature topic, and returns it with its
/// other topics. Panics (failing the test) when there is none or it has another type.
pub fn last_event<E: Event + Decode>() -> (E, Vec<Vec<u8>>) {
    let event = test::recorded_events()
        .last()
        .expect("an event was emitted");
    let mut topics = event.topics.clone();
    assert_eq!(
        topics.remove(0),
        E::SIGNATURE_TOPIC
            .expect("events are not anonymous")
            .to_vec(),
        "the last event has another type"
    );
    let decoded = E::decode(&mut &event.data[..]).expect("the event decodes");
    (decoded, topics)
}

/// Every emitted event of type `E`, decoded, in order.
pub fn events_of<E: Event + Decode>() -> Vec<E> {
    let signature = E::SIGNATURE_TOPIC.map(|topic| topic.to_vec());
    test::recorded_events()
        .filter(|event| event.topics.first() == signature.as_ref())
        .map(|event| E::decode(&mut &event.data[..]).expect("the event decodes"))
        .collect()
}

/// A topic as the chain stores it: the SCALE encoding, zero-padded to 32 bytes (longer
/// values are hashed; no topic of the suite is longer).
pub fn topic<T: Encode>(value: &T) -> Vec<u8> {
    let mut bytes = value.encode();
    assert!(bytes.len() <= 32, "topic longer than 32 bytes");
    bytes.resize(32, 0);
    bytes
}
