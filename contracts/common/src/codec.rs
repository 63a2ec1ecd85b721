//! SCALE decoding by hand of the lengths and byte strings in the hottest inputs and
//! records: a dispense's package (lot number, serial), the lot it reads, the units a drug
//! claim asks about, the registry's account record.
//!
//! The derived decoding of a `Vec` reads its length through `Compact<u32>`'s general
//! decoder and fills the vector through code that grows it as it goes; these read the
//! length's three short forms (a length of 2^30 or more is longer than any input a contract
//! is given) and a byte string in one read. Replacing every derived length and byte string
//! in drug_provenance's own build took 750 bytes off it, which every dispense and drug
//! claim carries. They read exactly what the derived encoding writes (tested against it).

use ink::{
    prelude::vec::Vec,
    scale::{Error, Input},
};

/// A length (of a `Vec`, a byte string), as SCALE encodes it: `Compact<u32>`. The
/// four-byte-and-more form, for 2^30 and more, is refused: no input to a contract is
/// that long.
pub fn decode_len<I: Input>(input: &mut I) -> Result<usize, Error> {
    let first = input.read_byte()?;
    let encoded = match first & 0b11 {
        0b00 => u32::from(first),
        0b01 => u32::from(u16::from_le_bytes([first, input.read_byte()?])),
        0b10 => {
            let mut rest = [0; 3];
            input.read(&mut rest)?;
            let [second, third, fourth] = rest;
            u32::from_le_bytes([first, second, third, fourth])
        }
        _ => return Err("a length of 2^30 or more".into()),
    };
    usize::try_from(encoded >> 2).map_err(|_| "a length longer than memory".into())
}

/// The length of a vector of items of `item_len` bytes each ([`decode_len`]), refused when
/// the input left does not hold that many: checked before anything is allocated for them.
/// Always inlined, so that each caller's constant `item_len` folds the division away (27
/// bytes less in drug_provenance's own build than the two checks it replaced; not
/// inlined, 62 more).
#[inline(always)]
pub fn decode_len_held<I: Input>(input: &mut I, item_len: usize) -> Result<usize, Error> {
    let len = decode_len(input)?;
    let held = input
        .remaining_len()?
        .and_then(|left| left.checked_div(item_len));
    if held.is_none_or(|most| len > most) {
        return Err("a vector longer than its input".into());
    }
    Ok(len)
}

/// A byte string (`Vec<u8>`), as SCALE encodes it: its length, then its bytes, read at
/// once. A length longer than the input left is refused before anything is allocated.
pub fn decode_bytes<I: Input>(input: &mut I) -> Result<Vec<u8>, Error> {
    let len = decode_len_held(input, 1)?;
    let mut bytes = ink::prelude::vec![0; len];
    input.read(&mut bytes)?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ink::scale::{Compact, Decode, Encode};
    use proptest::prelude::*;

    #[test]
    fn lengths_decode_as_compact_at_each_form_s_bounds() {
        for len in [0u32, 1, 63, 64, 16_383, 16_384, (1 << 30) - 1] {
            let encoded = Compact(len).encode();
            let input = &mut &encoded[..];
            assert_eq!(decode_len(input), Ok(len as usize), "{len}");
            assert!(input.is_empty());
        }
        // The big-integer form, and inputs cut short.
        assert!(decode_len(&mut &Compact(1u32 << 30).encode()[..]).is_err());
        assert!(decode_len(&mut &Compact(u32::MAX).encode()[..]).is_err());
        assert!(decode_len(&mut &[][..]).is_err());
        assert!(decode_len(&mut &Compact(64u32).encode()[..1]).is_err());
        assert!(decode_len(&mut &Compact(16_384u32).encode()[..3]).is_err());
    }

    proptest! {
        /// Any length below 2^30 decodes as `Compact<u32>` decodes it, taking as many
        /// bytes.
        #[test]
        fn lengths_decode_as_compact(len in 0u32..(1 << 30), after in any::<u8>()) {
            let encoded = (Compact(len), after).encode();
            let input = &mut &encoded[..];
            prop_assert_eq!(decode_len(input), Ok(len as usize));
            prop_assert_eq!(*input, &[after][..]);
        }

        /// A byte string decodes as `Vec<u8>` decodes it, leaving what follows; cut short
        /// anywhere, it is refused.
        #[test]
        fn byte_strings_decode_as_vectors(
            bytes in proptest::collection::vec(any::<u8>(), 0..300),
            after in any::<u8>(),
        ) {
            let encoded = (&bytes, after).encode();
            let input = &mut &encoded[..];
            prop_assert_eq!(decode_bytes(input), Ok(bytes.clone()));
            prop_assert_eq!(*input, &[after][..]);
            let alone = bytes.encode();
            prop_assert_eq!(Vec::<u8>::decode(&mut &alone[..]), Ok(bytes));
            for len in 0..alone.len() {
                prop_assert!(decode_bytes(&mut &alone[..len]).is_err());
            }
        }
    }

    #[test]
    fn a_length_is_held_when_the_input_left_holds_its_items() {
        let mut encoded = Compact(3u32).encode();
        encoded.extend_from_slice(&[0; 6]);
        assert_eq!(decode_len_held(&mut &encoded[..], 2), Ok(3));
        assert!(decode_len_held(&mut &encoded[..encoded.len() - 1], 2).is_err());
        assert!(decode_len_held(&mut &encoded[..], 3).is_err());
    }

    #[test]
    fn a_byte_string_longer_than_its_input_is_refused_before_allocating() {
        // 2^30 - 1 bytes said, none given.
        let encoded = Compact((1u32 << 30) - 1).encode();
        assert!(decode_bytes(&mut &encoded[..]).is_err());
    }
}
