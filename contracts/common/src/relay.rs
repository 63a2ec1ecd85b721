//! Instructions a patient signs and anyone submits, so that patients never need tokens.
//!
//! A pseudonym that had to be funded would link to whoever funded it, so a patient's
//! consent, delegation and trial-withdrawal instructions can reach a contract through any
//! relayer (the clinic, the patient's app): the relayer pays, the patient only signs.
//!
//! What is signed is the SCALE encoding of a [`SignedPayload`]: a domain tag naming the
//! contract kind, the chain (its genesis hash, fixed in the contract at construction), the
//! contract's account, the signer, the signer's next nonce in that contract, a deadline,
//! and the instruction. A copy sent to another contract, another chain or a second time,
//! or after its deadline, is refused with its own [`RelayError`].
//!
//! Signatures are ECDSA (secp256k1) over the BLAKE2b-256 of those bytes, checked with the
//! stable `ecdsa_recover` host function (`sr25519_verify` is an unstable interface that
//! production chains switch off). A signer's account is the BLAKE2b-256 of its compressed
//! public key, as for every ECDSA account of a Substrate chain, so polkadot.js, Talisman
//! and SubWallet ECDSA accounts sign as they are. Wallets that sign "raw" bytes wrap them
//! in `<Bytes>`...`</Bytes>` first (polkadot.js `signRaw`); both forms are accepted.

use crate::{merkle::blake2_256, AccountId, Hash, Timestamp};
use ink::{scale::Encode, storage::Mapping};

/// A 65-byte recoverable ECDSA signature (r, s, recovery id).
pub type Signature = [u8; 65];

/// Why a relayed instruction was refused. Nothing changed.
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RelayError {
    /// The deadline has been reached.
    Expired,
    /// The nonce is not the signer's next one: a replay, or an instruction signed out of
    /// order.
    BadNonce,
    /// The signature is not the signer's over this instruction for this contract and
    /// chain.
    BadSignature,
}

/// What the patient signs, in this order.
#[ink::scale_derive(Encode)]
pub struct SignedPayload<'a, I> {
    /// `healthchain/relay/v1/` and the contract kind, such as `consent_registry`.
    pub domain: &'a [u8],
    /// The chain's genesis hash.
    pub chain: Hash,
    /// The contract that acts on it.
    pub contract: AccountId,
    pub signer: AccountId,
    pub nonce: u64,
    pub deadline: Timestamp,
    pub instruction: &'a I,
}

/// The bytes a patient signs for `instruction`: see [`SignedPayload`].
pub fn signing_payload<I: Encode>(
    domain: &[u8],
    chain: Hash,
    contract: AccountId,
    signer: AccountId,
    nonce: u64,
    deadline: Timestamp,
    instruction: &I,
) -> ink::prelude::vec::Vec<u8> {
    SignedPayload {
        domain,
        chain,
        contract,
        signer,
        nonce,
        deadline,
        instruction,
    }
    .encode()
}

/// The account whose key made `signature` over `message`: BLAKE2b-256 of the recovered
/// compressed public key. `None` when nothing can be recovered.
pub fn ecdsa_signer(message: &[u8], signature: &Signature) -> Option<AccountId> {
    let mut public_key = [0u8; 33];
    ink::env::ecdsa_recover(signature, &blake2_256(message), &mut public_key).ok()?;
    Some(AccountId::from(blake2_256(&public_key)))
}

/// Whether `signer` signed `message`, as it is or wrapped by a wallet's raw signing.
pub fn signed_by(message: &[u8], signature: &Signature, signer: AccountId) -> bool {
    if ecdsa_signer(message, signature) == Some(signer) {
        return true;
    }
    let mut wrapped = ink::prelude::vec::Vec::with_capacity(message.len().saturating_add(15));
    wrapped.extend_from_slice(b"<Bytes>");
    wrapped.extend_from_slice(message);
    wrapped.extend_from_slice(b"</Bytes>");
    ecdsa_signer(&wrapped, signature) == Some(signer)
}

/// Who signed a relayed instruction, with which nonce, until when, and the signature.
#[derive(Clone, Copy)]
pub struct Signed<'a> {
    pub signer: AccountId,
    pub nonce: u64,
    pub deadline: Timestamp,
    pub signature: &'a Signature,
}

/// Checks that `signed.signer` signed `instruction` for this contract (kind `domain`) on
/// the chain `chain`, with the nonce `expected` (the signer's next one, wherever the
/// contract keeps it), before the deadline; reads and changes nothing. [`Relay::check`] is
/// this with the nonce a [`Relay`] keeps; a contract that keeps each signer's nonce beside
/// its other records (one storage item read instead of two) calls it directly.
pub fn verify_signed<I: Encode>(
    domain: &[u8],
    chain: Hash,
    instruction: &I,
    signed: Signed<'_>,
    expected: u64,
) -> Result<(), RelayError> {
    // Exclusive, like every expiry of the suite: refused from the first block whose
    // timestamp reaches the deadline.
    if ink::env::block_timestamp::<ink::env::DefaultEnvironment>() >= signed.deadline {
        return Err(RelayError::Expired);
    }
    if signed.nonce != expected {
        return Err(RelayError::BadNonce);
    }
    let contract = ink::env::account_id::<ink::env::DefaultEnvironment>();
    let message = signing_payload(
        domain,
        chain,
        contract,
        signed.signer,
        signed.nonce,
        signed.deadline,
        instruction,
    );
    if !signed_by(&message, signed.signature, signed.signer) {
        return Err(RelayError::BadSignature);
    }
    Ok(())
}

/// The relay state of one contract: the chain it is on, and each signer's next nonce.
#[ink::storage_item]
#[cfg_attr(feature = "std", derive(Debug))]
pub struct Relay {
    chain: Hash,
    nonces: Mapping<AccountId, u64>,
}

impl Relay {
    /// The relay of a contract on the chain whose genesis hash is `chain`.
    pub fn new(chain: Hash) -> Self {
        Self {
            chain,
            nonces: Mapping::default(),
        }
    }

    /// The chain's genesis hash, as fixed at construction.
    pub fn chain(&self) -> Hash {
        self.chain
    }

    /// The nonce `signer`'s next instruction must carry (0 at first).
    pub fn nonce(&self, signer: AccountId) -> u64 {
        self.nonces.get(signer).unwrap_or_default()
    }

    /// Checks that `signer` signed `instruction` for this contract (kind `domain`) on this
    /// chain, with its next nonce, before `deadline`; changes nothing. The caller then
    /// carries the instruction out as `signer` and, if that succeeds, calls
    /// [`Self::consume`], so the same signature never counts twice and a refused
    /// instruction keeps its nonce.
    pub fn check<I: Encode>(
        &self,
        domain: &[u8],
        instruction: &I,
        signer: AccountId,
        nonce: u64,
        deadline: Timestamp,
        signature: &Signature,
    ) -> Result<(), RelayError> {
        let expected = self.nonce(signer);
        verify_signed(
            domain,
            self.chain,
            instruction,
            Signed {
                signer,
                nonce,
                deadline,
                signature,
            },
            expected,
        )
    }

    /// Moves `signer`'s nonce on from `nonce`, the one [`Self::check`] accepted, after its
    /// instruction was carried out (no second storage read).
    pub fn consume(&mut self, signer: AccountId, nonce: u64) {
        // u64 nonces do not run out; saturating keeps the arithmetic lint-clean.
        self.nonces.insert(signer, &nonce.saturating_add(1));
    }
}

/// Off chain: a patient's pseudonyms and their signatures (feature `signer`).
///
/// One 32-byte patient secret, kept by the patient's app, gives one ECDSA key per
/// [`Relationship`]; each key's account is the pseudonym under which the patient appears in
/// that relationship only, so no public record of one relationship links to another. The
/// key is BLAKE2b-256 of the SCALE encoding of (`healthchain/pseudonym/v1`, the secret, the
/// relationship), rehashed in the negligible case that it is not a valid secp256k1 key.
#[cfg(any(feature = "signer", test))]
pub mod signer {
    use super::{signing_payload, Signature};
    use crate::{merkle::blake2_256, AccountId, Hash, Timestamp};
    use ink::scale::Encode;
    use secp256k1::{Message, PublicKey, Secp256k1, SecretKey};

    /// With whom a pseudonym is used. Two parties that must name the same patient use the
    /// same relationship: a pharmacy dispensing to a plan member and the plan's claim both
    /// use the member's [`Relationship::Plan`] pseudonym.
    #[ink::scale_derive(Encode)]
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Relationship {
        /// The consent registry's own identity of the patient, the one emergency
        /// departments open break-glass access for.
        Registry { registry: AccountId },
        /// A provider's treatment relationship.
        Provider { provider: AccountId },
        /// A membership of a health plan: enrolment, claims, payment consent, dispenses
        /// billed to the plan.
        Plan { claims: AccountId, plan: u32 },
        /// Participation in one trial.
        Trial { trials: AccountId, trial: u64 },
    }

    /// One pseudonym's key.
    #[derive(Clone)]
    pub struct Pseudonym {
        key: SecretKey,
    }

    impl core::fmt::Debug for Pseudonym {
        fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
            // Never print the key.
            write!(f, "Pseudonym({:?})", self.account())
        }
    }

    impl Pseudonym {
        /// The patient's pseudonym for `relationship`.
        pub fn derive(patient_secret: &[u8; 32], relationship: Relationship) -> Pseudonym {
            let mut seed =
                blake2_256(&(b"healthchain/pseudonym/v1", patient_secret, relationship).encode());
            loop {
                if let Ok(key) = SecretKey::from_slice(&seed) {
                    return Pseudonym { key };
                }
                seed = blake2_256(&seed);
            }
        }

        /// A pseudonym from a raw 32-byte ECDSA secret key (a wallet's ECDSA account).
        pub fn from_secret_key(secret: &[u8; 32]) -> Option<Pseudonym> {
            SecretKey::from_slice(secret)
                .ok()
                .map(|key| Pseudonym { key })
        }

        /// The 33-byte compressed public key.
        pub fn public_key(&self) -> [u8; 33] {
            PublicKey::from_secret_key(&Secp256k1::new(), &self.key).serialize()
        }

        /// The account: BLAKE2b-256 of the compressed public key, as on chain.
        pub fn account(&self) -> AccountId {
            AccountId::from(blake2_256(&self.public_key()))
        }

        /// The recoverable signature over BLAKE2b-256 of `message`, as
        /// `ecdsa_recover` takes it: r, s, recovery id.
        pub fn sign(&self, message: &[u8]) -> Signature {
            let digest = Message::from_digest(blake2_256(message));
            let (recovery, compact) = Secp256k1::new()
                .sign_ecdsa_recoverable(&digest, &self.key)
                .serialize_compact();
            let mut signature = [0u8; 65];
            let (rs, v) = signature.split_at_mut(64);
            rs.copy_from_slice(&compact);
            // The recovery id is 0..=3: it always fits the byte.
            v.fill(recovery.to_i32() as u8);
            signature
        }

        /// Signs `instruction` for the contract `contract` of kind `domain` on `chain`.
        #[allow(clippy::too_many_arguments)]
        pub fn sign_instruction<I: Encode>(
            &self,
            domain: &[u8],
            chain: Hash,
            contract: AccountId,
            nonce: u64,
            deadline: Timestamp,
            instruction: &I,
        ) -> Signature {
            self.sign(&signing_payload(
                domain,
                chain,
                contract,
                self.account(),
                nonce,
                deadline,
                instruction,
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{signer::*, *};
    use ink::env::{test, DefaultEnvironment as Env};
    use proptest::prelude::*;

    const DOMAIN: &[u8] = b"healthchain/relay/v1/test";
    const CHAIN: [u8; 32] = [7; 32];
    const SECRET: [u8; 32] = [42; 32];

    fn patient() -> Pseudonym {
        Pseudonym::derive(
            &SECRET,
            Relationship::Registry {
                registry: AccountId::from([9; 32]),
            },
        )
    }

    fn here() -> AccountId {
        test::callee::<Env>()
    }

    /// What a contract's relay message does: check, then count the nonce.
    fn accept(
        relay: &mut Relay,
        what: &u32,
        signer: AccountId,
        nonce: u64,
        deadline: Timestamp,
        signature: &Signature,
    ) -> Result<(), RelayError> {
        relay.check(DOMAIN, what, signer, nonce, deadline, signature)?;
        relay.consume(signer, nonce);
        Ok(())
    }

    /// Signs `what` with nonce `nonce`, valid until `deadline`, for `contract` on `chain`.
    fn signed(
        who: &Pseudonym,
        chain: [u8; 32],
        contract: AccountId,
        nonce: u64,
        deadline: Timestamp,
        what: &u32,
    ) -> Signature {
        who.sign_instruction(DOMAIN, Hash::from(chain), contract, nonce, deadline, what)
    }

    #[ink::test]
    fn a_signed_instruction_counts_once_in_order() {
        test::set_block_timestamp::<Env>(1_000);
        let mut relay = Relay::new(Hash::from(CHAIN));
        let who = patient();
        let first = signed(&who, CHAIN, here(), 0, 2_000, &1);
        assert_eq!(relay.nonce(who.account()), 0);
        assert_eq!(
            accept(&mut relay, &1u32, who.account(), 0, 2_000, &first),
            Ok(())
        );
        assert_eq!(relay.nonce(who.account()), 1);
        // The same signature again is a replay.
        assert_eq!(
            accept(&mut relay, &1u32, who.account(), 0, 2_000, &first),
            Err(RelayError::BadNonce)
        );
        // One signed ahead of its turn waits for it.
        let third = signed(&who, CHAIN, here(), 2, 2_000, &3);
        assert_eq!(
            accept(&mut relay, &3u32, who.account(), 2, 2_000, &third),
            Err(RelayError::BadNonce)
        );
        let second = signed(&who, CHAIN, here(), 1, 2_000, &2);
        assert_eq!(
            accept(&mut relay, &2u32, who.account(), 1, 2_000, &second),
            Ok(())
        );
        assert_eq!(
            accept(&mut relay, &3u32, who.account(), 2, 2_000, &third),
            Ok(())
        );
    }

    #[ink::test]
    fn copies_to_another_contract_chain_or_signer_and_late_ones_are_refused() {
        test::set_block_timestamp::<Env>(1_000);
        let mut relay = Relay::new(Hash::from(CHAIN));
        let who = patient();
        let elsewhere = AccountId::from([0xEE; 32]);
        let refused = |relay: &mut Relay, what: u32, signature: &Signature, deadline| {
            accept(relay, &what, who.account(), 0, deadline, signature)
        };
        // Signed for another contract, another chain, another instruction, another
        // domain, or by someone else.
        let other_contract = signed(&who, CHAIN, elsewhere, 0, 2_000, &1);
        assert_eq!(
            refused(&mut relay, 1, &other_contract, 2_000),
            Err(RelayError::BadSignature)
        );
        let other_chain = signed(&who, [8; 32], here(), 0, 2_000, &1);
        assert_eq!(
            refused(&mut relay, 1, &other_chain, 2_000),
            Err(RelayError::BadSignature)
        );
        let for_two = signed(&who, CHAIN, here(), 0, 2_000, &2);
        assert_eq!(
            refused(&mut relay, 1, &for_two, 2_000),
            Err(RelayError::BadSignature)
        );
        let other_domain = who.sign_instruction(
            b"healthchain/relay/v1/other",
            Hash::from(CHAIN),
            here(),
            0,
            2_000,
            &1u32,
        );
        assert_eq!(
            refused(&mut relay, 1, &other_domain, 2_000),
            Err(RelayError::BadSignature)
        );
        let stranger = Pseudonym::derive(
            &[1; 32],
            Relationship::Provider {
                provider: AccountId::from([2; 32]),
            },
        );
        let by_stranger =
            stranger.sign_instruction(DOMAIN, Hash::from(CHAIN), here(), 0, 2_000, &1u32);
        assert_eq!(
            refused(&mut relay, 1, &by_stranger, 2_000),
            Err(RelayError::BadSignature)
        );
        // A changed deadline breaks the signature; a reached one expires it.
        let good = signed(&who, CHAIN, here(), 0, 2_000, &1);
        assert_eq!(
            refused(&mut relay, 1, &good, 3_000),
            Err(RelayError::BadSignature)
        );
        test::set_block_timestamp::<Env>(2_000);
        assert_eq!(
            refused(&mut relay, 1, &good, 2_000),
            Err(RelayError::Expired)
        );
        assert_eq!(relay.nonce(who.account()), 0, "nothing counted");
    }

    #[ink::test]
    fn a_wallets_raw_signature_of_the_wrapped_payload_counts() {
        test::set_block_timestamp::<Env>(1_000);
        let mut relay = Relay::new(Hash::from(CHAIN));
        let who = patient();
        let payload = signing_payload(
            DOMAIN,
            Hash::from(CHAIN),
            here(),
            who.account(),
            0,
            2_000,
            &5u32,
        );
        let wrapped = [b"<Bytes>".as_slice(), &payload, b"</Bytes>"].concat();
        let signature = who.sign(&wrapped);
        assert_eq!(
            accept(&mut relay, &5u32, who.account(), 0, 2_000, &signature),
            Ok(())
        );
    }

    proptest! {
        /// Each relationship gets its own account, the same every time, and the account
        /// is what `ecdsa_recover` finds behind the pseudonym's signatures.
        #[test]
        fn pseudonyms_are_deterministic_distinct_and_sign_as_their_account(
            secret in any::<[u8; 32]>(),
            a in any::<[u8; 32]>(),
            plan in any::<u32>(),
            trial in any::<u64>(),
            message in proptest::collection::vec(any::<u8>(), 0..200),
        ) {
            let party = AccountId::from(a);
            let relationships = [
                Relationship::Registry { registry: party },
                Relationship::Provider { provider: party },
                Relationship::Plan { claims: party, plan },
                Relationship::Trial { trials: party, trial },
            ];
            let accounts: Vec<_> = relationships
                .iter()
                .map(|r| Pseudonym::derive(&secret, *r).account())
                .collect();
            for (i, r) in relationships.iter().enumerate() {
                prop_assert_eq!(Pseudonym::derive(&secret, *r).account(), accounts[i]);
                for other in &accounts[i + 1..] {
                    prop_assert_ne!(accounts[i], *other);
                }
            }
            let who = Pseudonym::derive(&secret, relationships[2]);
            prop_assert_eq!(ecdsa_signer(&message, &who.sign(&message)), Some(who.account()));
        }
    }
}
