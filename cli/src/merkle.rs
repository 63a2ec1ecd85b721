//! `healthchain merkle`: roots and proofs over a file of leaves, with the contracts' own
//! hashing (`healthchain_common::merkle`, RFC 6962 shape, BLAKE2b-256, 0x00 leaf and 0x01
//! node prefixes).
//!
//! Two kinds of input, one leaf per line:
//! - serials (drug_provenance lots): each line is a serial number, hashed as its bytes;
//! - records (trial_anchoring data batches): each line is a JSON value, hashed in its
//!   canonical form: object keys sorted, no insignificant whitespace, numbers and strings
//!   as serde_json writes them. Two files with the same records in other spellings have
//!   the same root.
//!
//! A serial list is checked as drug_provenance checks a serial (1 to 20 printable ASCII
//! characters without spaces, GS1 AI 21), and refused when a serial repeats: a lot
//! committed to such a list could never have those packages dispensed.
//!
//! A root streams (one hash per tree level in memory, and 24 bytes per serial for the
//! repeat check); proofs keep the leaf hashes (32 bytes per leaf) and read the input once.

use anyhow::{bail, Context, Result};
use healthchain_common::{
    is_gs1_text,
    merkle::{self, hash_leaf, Digest, RootBuilder, MAX_PROOF_LEN},
    MAX_SERIAL_LEN,
};
use serde::{Deserialize, Serialize};
use std::io::BufRead;

/// What each input line is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LeafFormat {
    /// A serial number (GS1 AI 21) per line, hashed as its bytes: 1 to 20 printable ASCII
    /// characters without spaces, none repeated, as the ledger takes them.
    Serials,
    /// A JSON record per line, hashed in canonical form (sorted keys, compact).
    Records,
}

/// The leaf hash of one input line (without its line ending).
pub fn leaf_of(format: LeafFormat, line: &str) -> Result<Digest> {
    match format {
        LeafFormat::Serials => {
            if line.is_empty() {
                bail!("empty serial");
            }
            // drug_provenance refuses any other serial: a lot committed to one could never
            // have that package scanned or dispensed.
            if !is_gs1_text(line.as_bytes(), MAX_SERIAL_LEN) {
                bail!(
                    "{line:?} is not a GS1 serial number (AI 21): 1 to {MAX_SERIAL_LEN} \
                     printable ASCII characters without spaces"
                );
            }
            Ok(hash_leaf(line.as_bytes()))
        }
        LeafFormat::Records => Ok(hash_leaf(&canonical_record(line)?)),
    }
}

/// A JSON record in canonical form: keys sorted (serde_json's map is ordered), compact.
pub fn canonical_record(line: &str) -> Result<Vec<u8>> {
    let value: serde_json::Value = serde_json::from_str(line).context("not a JSON value")?;
    Ok(serde_json::to_vec(&value)?)
}

/// Feeds every line of `input` to `each` as (0-based index, line without ending), reusing
/// one buffer. Empty lines (other than a final newline) are errors that name the line; a
/// byte order mark before the first line is not part of it.
/// `progress` is told how many bytes were read.
pub fn for_each_line(
    mut input: impl BufRead,
    mut progress: impl FnMut(u64),
    mut each: impl FnMut(u64, &str) -> Result<()>,
) -> Result<u64> {
    let mut line = String::new();
    let mut index = 0u64;
    loop {
        line.clear();
        let read = input
            .read_line(&mut line)
            .with_context(|| format!("reading line {}", index + 1))?;
        if read == 0 {
            return Ok(index);
        }
        progress(read as u64);
        let mut text = line.trim_end_matches(['\n', '\r']);
        // A spreadsheet's "CSV UTF-8" export begins with a byte order mark: not data.
        if index == 0 {
            text = text.strip_prefix('\u{feff}').unwrap_or(text);
        }
        each(index, text).with_context(|| format!("line {}", index + 1))?;
        index += 1;
    }
}

/// Refuses a serial repeated in a lot's list: with its GTIN a serial names one package
/// (its SGTIN), and two packages of one serial would share one record on the ledger, so
/// that the second could never be dispensed. Keeps 16 bytes of each serial's leaf (a
/// BLAKE2b-256 output: any two serials share them with a chance of 2^-128) and its line,
/// 24 bytes a serial, and sorts them once the list is read: for a million serials 0.05 s
/// and 31 MB more than the root alone, where a hash set took 0.32 s and 101 MB more.
/// Records may repeat: nothing is kept.
pub struct Repeats(Option<Vec<(u128, u64)>>);

impl Repeats {
    /// A check for the lines of `format`.
    pub fn new(format: LeafFormat) -> Self {
        Self((format == LeafFormat::Serials).then(Vec::new))
    }

    /// Notes `leaf`, of line `index` (0-based).
    pub fn note(&mut self, index: u64, leaf: &Digest) {
        if let Some(seen) = &mut self.0 {
            let mut head = [0u8; 16];
            head.copy_from_slice(&leaf[..16]);
            seen.push((u128::from_le_bytes(head), index));
        }
    }

    /// Refuses the list if a serial repeats: names the first line that repeats an earlier
    /// one, and that one.
    pub fn check(self) -> Result<()> {
        let Some(mut seen) = self.0 else {
            return Ok(());
        };
        seen.sort_unstable();
        let repeat = seen
            .windows(2)
            .filter_map(|pair| match pair {
                [(a, first), (b, again)] if a == b => Some((*again, *first)),
                _ => None,
            })
            .min();
        match repeat {
            Some((again, first)) => bail!(
                "line {}: the serial repeats line {}: each package of a lot has a serial of its \
                 own",
                again + 1,
                first + 1
            ),
            None => Ok(()),
        }
    }
}

/// The root and leaf count of `input`, streaming (but for the serials' check,
/// [`Repeats`]).
pub fn root(
    input: impl BufRead,
    format: LeafFormat,
    progress: impl FnMut(u64),
) -> Result<(Digest, u64)> {
    let mut builder = RootBuilder::new();
    let mut repeats = Repeats::new(format);
    for_each_line(input, progress, |index, line| {
        let leaf = leaf_of(format, line)?;
        repeats.note(index, &leaf);
        builder.push(leaf);
        Ok(())
    })?;
    repeats.check()?;
    match builder.root() {
        Some(root) => Ok((root, builder.leaf_count())),
        None => bail!("the input has no leaves"),
    }
}

/// Which leaves to prove: by position or by the line's text (the first equal line).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selector {
    Index(u64),
    Item(String),
}

/// An inclusion proof as the tool writes and reads it (JSON), and as the contracts take
/// it: `proof` is the audit path, leaf first, for `verify_inclusion` / `dispense`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProofFile {
    /// `healthchain-merkle-proof/1`.
    pub kind: String,
    pub root: String,
    pub leaf_count: u64,
    pub index: u64,
    /// The input line proved (a serial, or the record as given).
    pub item: String,
    pub leaf: String,
    pub proof: Vec<String>,
}

/// The `kind` of a proof file.
pub const PROOF_KIND: &str = "healthchain-merkle-proof/1";

/// Proofs for `selectors` over `input`: reads it once, keeping 32 bytes per leaf.
pub fn proofs(
    input: impl BufRead,
    format: LeafFormat,
    selectors: &[Selector],
    progress: impl FnMut(u64),
) -> Result<Vec<ProofFile>> {
    let mut leaves = Vec::new();
    let mut found: Vec<Option<(u64, String)>> = vec![None; selectors.len()];
    let mut repeats = Repeats::new(format);
    for_each_line(input, progress, |index, line| {
        let leaf = leaf_of(format, line)?;
        repeats.note(index, &leaf);
        leaves.push(leaf);
        for (slot, selector) in found.iter_mut().zip(selectors) {
            let hit = match selector {
                Selector::Index(i) => *i == index,
                Selector::Item(text) => text == line,
            };
            if hit && slot.is_none() {
                *slot = Some((index, line.to_string()));
            }
        }
        Ok(())
    })?;
    repeats.check()?;
    let root = merkle::root(&leaves).context("the input has no leaves")?;
    let leaf_count = leaves.len() as u64;
    selectors
        .iter()
        .zip(found)
        .map(|(selector, found)| {
            let Some((index, item)) = found else {
                match selector {
                    Selector::Index(i) => {
                        bail!("index {i} is past the last leaf ({leaf_count} leaves)")
                    }
                    Selector::Item(text) => bail!("no line equals {text:?}"),
                }
            };
            let position = usize::try_from(index)?;
            let path = merkle::proof(&leaves, position).context("index in range")?;
            let leaf = leaves.get(position).context("index in range")?;
            Ok(ProofFile {
                kind: PROOF_KIND.to_string(),
                root: to_hex(&root),
                leaf_count,
                index,
                item,
                leaf: to_hex(leaf),
                proof: path.iter().map(to_hex).collect(),
            })
        })
        .collect()
}

/// Whether a proof file proves its leaf under its root (and under `expected_root`, when
/// given), with the contracts' verification. Also checks that `leaf` is the hash of `item`
/// in `format`. Malformed files are errors, wrong proofs are `Ok(false)`.
pub fn verify(
    file: &ProofFile,
    format: LeafFormat,
    expected_root: Option<&Digest>,
) -> Result<bool> {
    if file.kind != PROOF_KIND {
        bail!("not a {PROOF_KIND} file (kind {:?})", file.kind);
    }
    let root = from_hex(&file.root).context("root")?;
    let leaf = from_hex(&file.leaf).context("leaf")?;
    if file.proof.len() > MAX_PROOF_LEN {
        bail!(
            "the proof has {} hashes; at most {MAX_PROOF_LEN}",
            file.proof.len()
        );
    }
    let path = file
        .proof
        .iter()
        .enumerate()
        .map(|(i, h)| from_hex(h).with_context(|| format!("proof hash {i}")))
        .collect::<Result<Vec<_>>>()?;
    if leaf_of(format, &file.item)? != leaf {
        return Ok(false);
    }
    if expected_root.is_some_and(|expected| *expected != root) {
        return Ok(false);
    }
    match merkle::verify_proof(&root, &leaf, file.index, file.leaf_count, &path) {
        Ok(valid) => Ok(valid),
        Err(error) => bail!("the proof cannot be checked: {error:?}"),
    }
}

/// `0x` and 64 lower-case hex digits.
pub fn to_hex(digest: &Digest) -> String {
    format!("0x{}", hex::encode(digest))
}

/// A 32-byte hash from `0x`-prefixed (or bare) hex.
pub fn from_hex(text: &str) -> Result<Digest> {
    let digits = text.strip_prefix("0x").unwrap_or(text);
    let bytes = hex::decode(digits).with_context(|| format!("{text:?} is not hex"))?;
    let digest: Digest = bytes
        .try_into()
        .map_err(|b: Vec<u8>| anyhow::anyhow!("{text:?} has {} bytes, not 32", b.len()))?;
    Ok(digest)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn serials(n: usize) -> String {
        (0..n).map(|i| format!("SN{i:010}\n")).collect()
    }

    #[test]
    fn serial_roots_match_the_shared_tree() {
        let input = serials(1000);
        let (root_hex, count) = root(input.as_bytes(), LeafFormat::Serials, |_| {}).unwrap();
        let leaves: Vec<_> = (0..1000)
            .map(|i| hash_leaf(format!("SN{i:010}").as_bytes()))
            .collect();
        assert_eq!((root_hex, count), (merkle::root(&leaves).unwrap(), 1000));
    }

    #[test]
    fn line_endings_and_empty_lines() {
        let unix = root("A\nB\n".as_bytes(), LeafFormat::Serials, |_| {}).unwrap();
        let windows = root("A\r\nB".as_bytes(), LeafFormat::Serials, |_| {}).unwrap();
        assert_eq!(unix, windows);
        let error = root("A\n\nB\n".as_bytes(), LeafFormat::Serials, |_| {}).unwrap_err();
        assert!(format!("{error:#}").contains("line 2"), "{error:#}");
        assert!(root("".as_bytes(), LeafFormat::Serials, |_| {}).is_err());
        // A spreadsheet's UTF-8 export: a byte order mark first, CRLF line endings.
        let exported = root("\u{feff}A\r\nB\r\n".as_bytes(), LeafFormat::Serials, |_| {});
        assert_eq!(exported.unwrap(), unix);
        let records = root(
            "\u{feff}{\"b\":1,\"a\":2}\n".as_bytes(),
            LeafFormat::Records,
            |_| {},
        );
        assert_eq!(
            records.unwrap(),
            root(
                "{\"a\":2,\"b\":1}\n".as_bytes(),
                LeafFormat::Records,
                |_| {}
            )
            .unwrap()
        );
        // Only before the first line: elsewhere it is a character of the serial.
        let error = root("A\n\u{feff}B\n".as_bytes(), LeafFormat::Serials, |_| {}).unwrap_err();
        assert!(format!("{error:#}").contains("line 2"), "{error:#}");
    }

    /// A serial list is checked as drug_provenance checks a serial: a lot committed to
    /// one it refuses could never have that package scanned or dispensed.
    #[test]
    fn serials_are_gs1_serials() {
        let longest = "9".repeat(MAX_SERIAL_LEN);
        assert!(leaf_of(LeafFormat::Serials, &longest).is_ok());
        assert!(leaf_of(LeafFormat::Serials, "SN-0001/A").is_ok());
        for bad in [
            "9".repeat(MAX_SERIAL_LEN + 1),
            "SN 1".to_string(),
            "SN\t1".to_string(),
            "SNé".to_string(),
            " SN1".to_string(),
        ] {
            let error = leaf_of(LeafFormat::Serials, &bad).unwrap_err();
            assert!(
                format!("{error:#}").contains("is not a GS1 serial number"),
                "{bad:?}: {error:#}"
            );
        }
        let error = root("A\nSN 2\n".as_bytes(), LeafFormat::Serials, |_| {}).unwrap_err();
        assert!(format!("{error:#}").starts_with("line 2: "), "{error:#}");
        // A record is any JSON value, spaces and all.
        assert!(leaf_of(LeafFormat::Records, r#""SN 1""#).is_ok());
    }

    /// Each package of a lot has a serial of its own: a repeat names both lines, in a
    /// root and in proofs; records may repeat.
    #[test]
    fn a_repeated_serial_is_refused_with_both_lines() {
        let input = "A\nB\nC\nB\n";
        let error = root(input.as_bytes(), LeafFormat::Serials, |_| {}).unwrap_err();
        assert_eq!(
            format!("{error:#}"),
            "line 4: the serial repeats line 2: each package of a lot has a serial of its own"
        );
        let error = proofs(
            input.as_bytes(),
            LeafFormat::Serials,
            &[Selector::Index(0)],
            |_| {},
        )
        .unwrap_err();
        assert!(format!("{error:#}").contains("repeats line 2"), "{error:#}");
        let records = "1\n2\n1\n";
        assert_eq!(
            root(records.as_bytes(), LeafFormat::Records, |_| {})
                .unwrap()
                .1,
            3
        );
        // Serials that differ only in case are two serials.
        assert!(root("ab\nAB\n".as_bytes(), LeafFormat::Serials, |_| {}).is_ok());
    }

    #[test]
    fn records_are_hashed_canonically() {
        let a = leaf_of(LeafFormat::Records, r#"{"visit": 3, "participant": "P-7"}"#).unwrap();
        let b = leaf_of(LeafFormat::Records, r#"{"participant":"P-7","visit":3}"#).unwrap();
        assert_eq!(a, b);
        assert_eq!(
            canonical_record(r#"{ "b": [1, 2], "a": {"d": 1, "c": 2} }"#).unwrap(),
            br#"{"a":{"c":2,"d":1},"b":[1,2]}"#.to_vec()
        );
        let error = root(
            "{\"a\":1}\nnot json\n".as_bytes(),
            LeafFormat::Records,
            |_| {},
        )
        .unwrap_err();
        assert!(format!("{error:#}").contains("line 2"), "{error:#}");
    }

    #[test]
    fn proofs_verify_and_tampering_fails() {
        let input = serials(37);
        let selectors = [
            Selector::Index(0),
            Selector::Index(36),
            Selector::Item("SN0000000017".into()),
        ];
        let files = proofs(input.as_bytes(), LeafFormat::Serials, &selectors, |_| {}).unwrap();
        assert_eq!(files[2].index, 17);
        let (expected, _) = root(input.as_bytes(), LeafFormat::Serials, |_| {}).unwrap();
        for file in &files {
            assert!(verify(file, LeafFormat::Serials, Some(&expected)).unwrap());
            let json = serde_json::to_string(file).unwrap();
            let back: ProofFile = serde_json::from_str(&json).unwrap();
            assert_eq!(&back, file);
        }
        let mut other_item = files[0].clone();
        other_item.item = "SN9999999999".into();
        assert!(!verify(&other_item, LeafFormat::Serials, None).unwrap());
        let mut wrong_index = files[2].clone();
        wrong_index.index = 18;
        assert!(!verify(&wrong_index, LeafFormat::Serials, None).unwrap());
        assert!(!verify(&files[1], LeafFormat::Serials, Some(&[7; 32])).unwrap());
        let mut flipped = files[1].clone();
        flipped.proof[0] = to_hex(&[0; 32]);
        assert!(!verify(&flipped, LeafFormat::Serials, None).unwrap());
        let mut broken = files[1].clone();
        broken.root = "0x12".into();
        assert!(verify(&broken, LeafFormat::Serials, None).is_err());
        let missing = proofs(
            input.as_bytes(),
            LeafFormat::Serials,
            &[Selector::Index(37)],
            |_| {},
        );
        assert!(missing.is_err());
    }
}
