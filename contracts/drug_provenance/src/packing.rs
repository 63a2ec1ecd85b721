//! A packer's aggregation data, off chain: which serials are in which case, and which cases
//! on the pallet. From it come the contents roots `aggregate` commits to, the case list
//! `disaggregate` checks, a package's proof out of its case (`Unpack`) and its path for
//! `trace`. The CLI, the journey and the tests all build them here.

use crate::data::{case_leaf, CaseSpec, Enclosure, PackageRef, Sscc, Unpack};
use healthchain_common::merkle::{self, hash_leaf, Digest};
use std::ops::Range;

/// Cases of consecutive serials of one lot, optionally all on one pallet.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Packing {
    pub gtin: u64,
    pub lot: String,
    /// The lot's serials, in the order of its serial root.
    pub serials: Vec<String>,
    /// Each case: its SSCC and the serials in it (positions in `serials`).
    pub cases: Vec<PackedCase>,
    /// The pallet holding every case, if they were palletised.
    pub pallet: Option<Sscc>,
}

/// One case of a [`Packing`].
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PackedCase {
    pub sscc: Sscc,
    pub first: usize,
    pub count: usize,
}

impl PackedCase {
    fn range(&self) -> Range<usize> {
        self.first..self.first.saturating_add(self.count)
    }
}

impl Packing {
    /// The leaves of the lot's serial root.
    pub fn serial_leaves(&self) -> Vec<Digest> {
        self.serials
            .iter()
            .map(|s| hash_leaf(s.as_bytes()))
            .collect()
    }

    /// The lot's serial root.
    pub fn serial_root(&self) -> Option<Digest> {
        merkle::root(&self.serial_leaves())
    }

    /// The serial leaves of case `n` alone (a lot of a million serials is not hashed for
    /// a case of ten).
    fn case_leaves(&self, n: usize) -> Option<Vec<Digest>> {
        let case = self.cases.get(n)?;
        let serials = self.serials.get(case.range())?;
        Some(serials.iter().map(|s| hash_leaf(s.as_bytes())).collect())
    }

    /// Case `n` as a pallet commits to it.
    pub fn case(&self, n: usize) -> Option<CaseSpec> {
        let case = self.cases.get(n)?;
        let leaves = self.case_leaves(n)?;
        Some(CaseSpec {
            sscc: case.sscc,
            contents: merkle::root(&leaves)?,
            count: case.count as u64,
        })
    }

    /// Every case, in order: what `disaggregate` takes for the pallet.
    pub fn case_specs(&self) -> Vec<CaseSpec> {
        (0..self.cases.len()).filter_map(|n| self.case(n)).collect()
    }

    /// The pallet's contents root, over its cases' leaves.
    pub fn pallet_contents(&self) -> Option<Digest> {
        let leaves: Vec<Digest> = self.case_specs().iter().map(case_leaf).collect();
        merkle::root(&leaves)
    }

    /// Packages on the pallet (all cases).
    pub fn units(&self) -> u64 {
        self.cases.iter().map(|c| c.count as u64).sum()
    }

    /// The position of `serial` in the lot.
    pub fn index_of(&self, serial: &str) -> Option<usize> {
        self.serials.iter().position(|s| s == serial)
    }

    /// The case holding serial number `index`.
    pub fn case_of(&self, index: usize) -> Option<usize> {
        self.cases.iter().position(|c| c.range().contains(&index))
    }

    /// Serial `index`'s way out of its opened case.
    pub fn unpack(&self, index: usize) -> Option<Unpack> {
        let n = self.case_of(index)?;
        let case = self.cases.get(n)?;
        let leaves = self.case_leaves(n)?;
        let position = index.checked_sub(case.first)?;
        Some(Unpack {
            sscc: case.sscc,
            index: position as u64,
            proof: merkle::proof(&leaves, position)?,
        })
    }

    /// Package `index` for `ship`, `dispense` or `destroy`: with its way out of its case the
    /// first time it moves on its own (`from_case`).
    pub fn package(&self, index: usize, from_case: bool) -> Option<PackageRef> {
        self.package_among(&self.serial_leaves(), index, from_case)
    }

    /// [`Packing::package`] with the lot's [`Packing::serial_leaves`] hashed once by the
    /// caller, for many packages of a large lot.
    pub fn package_among(
        &self,
        serial_leaves: &[Digest],
        index: usize,
        from_case: bool,
    ) -> Option<PackageRef> {
        Some(PackageRef {
            gtin: self.gtin,
            lot: self.lot.as_bytes().to_vec(),
            serial: self.serials.get(index)?.as_bytes().to_vec(),
            serial_index: index as u64,
            serial_proof: merkle::proof(serial_leaves, index)?,
            from: if from_case {
                Some(self.unpack(index)?)
            } else {
                None
            },
        })
    }

    /// Serial `index`'s aggregation path for `trace`: its case, then the pallet.
    pub fn path(&self, index: usize) -> Option<Vec<Enclosure>> {
        let n = self.case_of(index)?;
        let unpack = self.unpack(index)?;
        let case = self.case(n)?;
        let mut path = vec![Enclosure {
            case,
            index: unpack.index,
            proof: unpack.proof,
        }];
        if let Some(pallet) = self.pallet {
            let leaves: Vec<Digest> = self.case_specs().iter().map(case_leaf).collect();
            path.push(Enclosure {
                case: CaseSpec {
                    sscc: pallet,
                    contents: merkle::root(&leaves)?,
                    count: leaves.len() as u64,
                },
                index: n as u64,
                proof: merkle::proof(&leaves, n)?,
            });
        }
        Some(path)
    }
}

// The library build (drug_provenance_library) runs the same code: tested once, here.
#[cfg(all(test, not(healthchain_library)))]
mod tests {
    use super::*;
    use crate::data::with_check_digit;

    fn packing() -> Packing {
        Packing {
            gtin: 10_012_345_678_902,
            lot: "L1".into(),
            serials: (0..10).map(|i| format!("S{i}")).collect(),
            cases: vec![
                PackedCase {
                    sscc: with_check_digit(1),
                    first: 0,
                    count: 4,
                },
                PackedCase {
                    sscc: with_check_digit(2),
                    first: 4,
                    count: 6,
                },
            ],
            pallet: Some(with_check_digit(3)),
        }
    }

    #[test]
    fn proofs_out_of_cases_and_pallets_verify() {
        let p = packing();
        assert_eq!(p.units(), 10);
        for index in 0..10 {
            let unpack = p.unpack(index).unwrap();
            let case = p.case(p.case_of(index).unwrap()).unwrap();
            let leaf = hash_leaf(p.serials[index].as_bytes());
            assert_eq!(
                merkle::verify_proof(
                    &case.contents,
                    &leaf,
                    unpack.index,
                    case.count,
                    &unpack.proof
                ),
                Ok(true)
            );
            let path = p.path(index).unwrap();
            assert_eq!(path.len(), 2);
            let top = &path[1];
            assert_eq!(Some(top.case.contents), p.pallet_contents());
            assert_eq!(
                merkle::verify_proof(
                    &top.case.contents,
                    &case_leaf(&case),
                    top.index,
                    2,
                    &top.proof
                ),
                Ok(true)
            );
        }
        assert_eq!(p.case_of(10), None);
        assert_eq!(p.index_of("S7"), Some(7));
    }
}
