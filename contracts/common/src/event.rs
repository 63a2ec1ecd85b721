//! Emitting an event as ink! does, without ink!'s topic builder on chain.
//!
//! ink!'s `emit_event` runs a generic topic builder that can hash a topic longer than 32
//! bytes, so each contract that emits an event with topics from a hot message carries that
//! code in every call's proof. Most of the suite's events carry no field topic
//! (docs/privacy.md, "Event topics"): their only topic is their signature, or none for a
//! contract's one anonymous event. [`emit`] deposits exactly what ink! would for them.
//!
//! It encodes the data into the buffer storage writes are encoded into
//! ([`crate::entry::with_encoded`]: no allocation, and one copy of that code), where ink!
//! encodes into its own buffer: for a large event without topics ink!'s code can be the
//! smaller, so each contract uses the one that makes its own build smaller (measured): the
//! registry's `ConsentRecorded` and drug_provenance's events but `Dispensed` keep ink!'s
//! `emit_event`. An event longer than `entry::MAX_VALUE_LEN` (8 KiB) would trap; the
//! suite's are at most a few hundred bytes.

use ink::{
    env::{event::EventTopicsAmount, Event},
    scale::Encode,
};

/// Emits `event`, an event without field topics (`#[ink(topic)]`), exactly as
/// `self.env().emit_event(event)` would: its signature as its only topic (none when it is
/// anonymous) and its SCALE encoding as its data. Off chain it is ink!'s `emit_event`,
/// which the unit tests record. An event with a field topic does not compile here.
pub fn emit<E: Event + Encode>(event: E) {
    const {
        assert!(
            <E::RemainingTopics as EventTopicsAmount>::AMOUNT
                == if E::SIGNATURE_TOPIC.is_some() { 1 } else { 0 },
            "an event with field topics goes through ink!'s emit_event"
        )
    };
    #[cfg(target_arch = "wasm32")]
    {
        use pallet_contracts_uapi::{HostFn, HostFnImpl};
        crate::entry::with_encoded(&event, |data| match E::SIGNATURE_TOPIC {
            Some(signature) => HostFnImpl::deposit_event(&signature_topic(signature), data),
            None => HostFnImpl::deposit_event(&NO_TOPICS, data),
        })
    }
    #[cfg(not(target_arch = "wasm32"))]
    ink::env::emit_event::<ink::env::DefaultEnvironment, E>(event)
}

/// No topics, as `deposit_event` takes them: an empty SCALE vector.
pub const NO_TOPICS: [u8; 1] = [0];

/// One topic, `signature`, as `deposit_event` takes topics: a SCALE vector of 32-byte
/// hashes, its length (compact 1) first.
pub fn signature_topic(signature: [u8; 32]) -> [u8; 33] {
    let mut topics = [0u8; 33];
    let [length, topic @ ..] = &mut topics;
    *length = 4;
    *topic = signature;
    topics
}

#[cfg(test)]
mod tests {
    use super::*;
    use ink::{env::test, primitives::AccountId, scale::Decode};

    /// An event with a signature topic and no field topic.
    #[ink::event]
    pub struct Signed {
        who: AccountId,
        amount: u64,
    }

    /// An anonymous event.
    #[ink::event(anonymous)]
    pub struct Unsigned {
        who: AccountId,
    }

    /// What ink! deposits for `event` (`emit` off chain is ink!'s `emit_event`): its topics
    /// as `deposit_event` takes them, and its data.
    fn as_ink_emits<E: Event + Encode>(event: E) -> (Vec<u8>, Vec<u8>) {
        let mut deposited = None;
        test::run_test::<ink::env::DefaultEnvironment, _>(|_| {
            emit(event);
            let emitted = test::recorded_events().last().expect("emitted");
            let topics: Vec<[u8; 32]> = emitted
                .topics
                .iter()
                .map(|t| <[u8; 32]>::decode(&mut &t[..]).expect("a 32-byte topic"))
                .collect();
            deposited = Some((topics.encode(), emitted.data));
            Ok(())
        })
        .expect("the test environment runs");
        deposited.expect("an event was deposited")
    }

    #[test]
    fn the_topics_are_those_ink_deposits() {
        let who = AccountId::from([7; 32]);
        let signed = Signed { who, amount: 9 };
        let data = signed.encode();
        let (topics, ink_data) = as_ink_emits(signed);
        let signature = Signed::SIGNATURE_TOPIC.expect("a signed event");
        assert_eq!(topics, signature_topic(signature).to_vec());
        assert_eq!(ink_data, data);

        let unsigned = Unsigned { who };
        let data = unsigned.encode();
        let (topics, ink_data) = as_ink_emits(unsigned);
        assert_eq!(topics, NO_TOPICS.to_vec());
        assert_eq!(ink_data, data);
    }
}
