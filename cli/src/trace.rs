//! `healthchain trace`: a package's chain of custody, as a DSCSA trace request asks it. The
//! deployed drug_provenance answers, by dry run, who commissioned the package, which
//! containers it was verified to be packed in (from the packer's aggregation data, the
//! packing file) and where it is now; its events since the deployment give the when and
//! who of each step: packing, shipping, receiving, opening, holds, returns, dispensing.
//! Nothing is signed, and the lot's other serials are never listed.

use crate::{
    chain::{call_builder, ChainError, ContractEvent},
    manifest::Manifest,
    verify_unit::DeployedLedger,
};
use anyhow::{bail, Context, Result};
use drug_provenance::{
    data::{lot_id, Error, ItemKey, Location, Place, Sscc, Trace},
    drug_provenance::{
        Aggregated, Destroyed, Disaggregated, Dispensed, DrugProvenance, LotCommissioned,
        Quarantined, Released, ReturnVerified, ShipmentClosed, Shipped,
    },
    packing::Packing,
};
use healthchain_common::merkle::{self, hash_leaf};
use ink::{
    env::Event,
    primitives::AccountId,
    scale::{Decode, Encode},
};
use subxt::utils::AccountId32;

/// One step of the package's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub block: u64,
    /// Milliseconds since the epoch.
    pub timestamp: u64,
    pub what: String,
}

/// The contract's answer and the history from the events.
#[derive(Debug, Clone)]
pub struct Report {
    pub trace: Trace,
    pub history: Vec<Entry>,
}

/// Traces serial `serial` of GTIN `gtin`, as packed in `packing`, at the drug_provenance
/// of `manifest` (through `url`, or the manifest's node), reading events from block
/// `from_block` (by default the contract's instantiation). `progress` hears each block read
/// and the last one.
pub async fn trace(
    manifest: &Manifest,
    url: Option<&str>,
    gtin: u64,
    serial: &str,
    packing: &Packing,
    from_block: Option<u64>,
    mut progress: impl FnMut(u64, u64),
) -> Result<Report> {
    if packing.gtin != gtin {
        bail!(
            "the packing file is for GTIN {:014}, not {gtin:014}: give the packer's aggregation data for this product",
            packing.gtin
        );
    }
    // Written by the packer's system, not typed, but a lot the ledger cannot hold would
    // only come back from it as "no such lot".
    crate::verify_unit::check_identifiers(&packing.lot, serial).context("the packing file")?;
    let index = packing.index_of(serial).with_context(|| {
        format!(
            "serial {serial:?} is not among the packing file's serials of lot {}",
            packing.lot
        )
    })?;
    let proof = merkle::proof(&packing.serial_leaves(), index).context("the serial's proof")?;
    let path = packing.path(index).unwrap_or_default();
    let DeployedLedger {
        chain,
        address: ledger,
        origin,
        instantiate_block,
    } = DeployedLedger::connect(manifest, url).await?;
    let data = call_builder::<DrugProvenance>(AccountId::from(ledger.0))
        .trace(
            gtin,
            packing.lot.as_bytes().to_vec(),
            serial.as_bytes().to_vec(),
            index as u64,
            proof,
            path,
        )
        .params()
        .exec_input()
        .encode();
    let answer = chain.dry_run_call(&origin, &ledger, data).await?;
    let trace = match <Result<Result<Trace, Error>, ink::LangError>>::decode(&mut answer.data.as_slice()) {
        Ok(Ok(Ok(trace))) => trace,
        Ok(Ok(Err(Error::UnknownLot))) => bail!("no lot {} of GTIN {gtin:014} on this ledger", packing.lot),
        Ok(Ok(Err(Error::Counterfeit))) => bail!(
            "serial {serial:?} is not in lot {} as commissioned: treat the package as counterfeit, or check the packing file's serials",
            packing.lot
        ),
        Ok(Ok(Err(error))) => bail!(
            "the ledger refused the trace with {error:?}: the packing file's cases or pallet do not match what was packed"
        ),
        other => {
            return Err(ChainError(format!(
                "drug_provenance at {ledger} answered trace with {other:?}: is the manifest's contract a healthchain drug_provenance v2?"
            ))
            .into())
        }
    };
    let from = from_block.or(instantiate_block).unwrap_or(0);
    let to = chain.best_block().await?;
    let events = chain
        .contract_events(&ledger, from, to, |block| progress(block, to))
        .await?;
    let package = ItemKey::Package(
        lot_id(gtin, packing.lot.as_bytes()),
        hash_leaf(serial.as_bytes()),
    );
    let history = history(
        &events,
        gtin,
        packing,
        serial,
        &trace.aggregated_into,
        package,
    );
    Ok(Report { trace, history })
}

/// The events that concern the package: its lot's commissioning, its containers' packing,
/// opening and shipments, its own shipments, holds, return checks, dispensing and
/// destruction, in order.
pub fn history(
    events: &[ContractEvent],
    gtin: u64,
    packing: &Packing,
    serial: &str,
    containers: &[Sscc],
    package: ItemKey,
) -> Vec<Entry> {
    let lot = lot_id(gtin, packing.lot.as_bytes());
    let concerns = |key: &ItemKey| {
        *key == package || matches!(key, ItemKey::Container(sscc) if containers.contains(sscc))
    };
    let place_concerns = |place: &Place| match place {
        Place::Lot(id) => *id == lot,
        Place::Container(sscc) => containers.contains(sscc),
        Place::Package(id, leaf) => ItemKey::Package(*id, *leaf) == package,
        Place::Shipment(_) => false,
    };
    let mut shipments: Vec<u64> = Vec::new();
    let mut out = Vec::new();
    for event in events {
        // No topic at all: the ledger's one anonymous event (`Dispensed`).
        let signature = event.topics.first();
        let what = describe(
            event,
            signature,
            gtin,
            packing,
            serial,
            &concerns,
            &place_concerns,
            &mut shipments,
        );
        if let Some(what) = what {
            out.push(Entry {
                block: event.block,
                timestamp: event.timestamp,
                what,
            });
        }
    }
    out
}

/// Whether an event whose first topic is `signature` has type `E`; an anonymous `E` has
/// no topics.
fn is<E: Event>(signature: Option<&[u8; 32]>) -> bool {
    E::SIGNATURE_TOPIC.as_ref() == signature
}

fn decode<E: Decode>(event: &ContractEvent) -> Option<E> {
    E::decode(&mut event.data.as_slice()).ok()
}

fn who(account: &AccountId) -> String {
    AccountId32(*AsRef::<[u8; 32]>::as_ref(account)).to_string()
}

#[allow(clippy::too_many_arguments)]
fn describe(
    event: &ContractEvent,
    signature: Option<&[u8; 32]>,
    gtin: u64,
    packing: &Packing,
    serial: &str,
    concerns: &dyn Fn(&ItemKey) -> bool,
    place_concerns: &dyn Fn(&Place) -> bool,
    shipments: &mut Vec<u64>,
) -> Option<String> {
    if is::<LotCommissioned>(signature) {
        let e: LotCommissioned = decode(event)?;
        return (e.gtin == gtin && e.lot == packing.lot.as_bytes()).then(|| {
            format!(
                "lot {} commissioned by {} ({} packages)",
                packing.lot,
                who(&e.manufacturer),
                e.quantity
            )
        });
    }
    if is::<Aggregated>(signature) {
        let e: Aggregated = decode(event)?;
        return concerns(&ItemKey::Container(e.sscc)).then(|| {
            format!(
                "packed into {:?} {:018} by {} ({} packages)",
                e.level,
                e.sscc,
                who(&e.by),
                e.units
            )
        });
    }
    if is::<Disaggregated>(signature) {
        let e: Disaggregated = decode(event)?;
        return concerns(&ItemKey::Container(e.sscc))
            .then(|| format!("container {:018} opened by {}", e.sscc, who(&e.by)));
    }
    if is::<Shipped>(signature) {
        let e: Shipped = decode(event)?;
        if !e.items.iter().any(concerns) {
            return None;
        }
        shipments.push(e.shipment);
        return Some(format!(
            "shipped ({:?}) from {} to {}, shipment {}, transaction information 0x{}",
            e.purpose,
            who(&e.from),
            who(&e.to),
            e.shipment,
            hex::encode(e.transaction)
        ));
    }
    if is::<ShipmentClosed>(signature) {
        let e: ShipmentClosed = decode(event)?;
        return shipments.contains(&e.shipment).then(|| {
            if e.received {
                format!("received by {}, shipment {}", who(&e.to), e.shipment)
            } else {
                format!("shipment {} cancelled by {}", e.shipment, who(&e.from))
            }
        });
    }
    if is::<ReturnVerified>(signature) {
        let e: ReturnVerified = decode(event)?;
        return concerns(&e.item).then(|| {
            format!(
                "return verified by {}: {}",
                who(&e.seller),
                if e.saleable {
                    "saleable"
                } else {
                    "NOT saleable, held as suspect"
                }
            )
        });
    }
    if is::<Quarantined>(signature) {
        let e: Quarantined = decode(event)?;
        return place_concerns(&e.place).then(|| {
            format!(
                "quarantined ({:?}) at {:?} by {}",
                e.reason,
                e.place,
                who(&e.by)
            )
        });
    }
    if is::<Released>(signature) {
        let e: Released = decode(event)?;
        return place_concerns(&e.place).then(|| {
            format!(
                "released ({:?}) at {:?} by {}",
                e.reason,
                e.place,
                who(&e.by)
            )
        });
    }
    if is::<Dispensed>(signature) {
        let e: Dispensed = decode(event)?;
        return (e.gtin == gtin
            && e.lot == packing.lot.as_bytes()
            && e.serial == serial.as_bytes())
        .then(|| format!("dispensed by {}", who(&e.dispenser)));
    }
    if is::<Destroyed>(signature) {
        let e: Destroyed = decode(event)?;
        return concerns(&e.item).then(|| format!("destroyed by {}", who(&e.holder)));
    }
    None
}

/// The report as a trace response reads it.
pub fn render(report: &Report, gtin: u64, serial: &str, lot: &str) -> String {
    let t = &report.trace;
    let mut out = format!(
        "package GTIN {gtin:014} lot {lot} serial {serial}\n  manufacturer {} (commissioned at {} ms)\n  lot status {:?}\n",
        who(&t.manufacturer),
        t.commissioned_at,
        t.lot_status
    );
    if t.aggregated_into.is_empty() {
        out.push_str("  packed in no container (or no packing data for it)\n");
    } else {
        let list: Vec<String> = t
            .aggregated_into
            .iter()
            .map(|s| format!("{s:018}"))
            .collect();
        out.push_str(&format!(
            "  packed in {} (innermost first)\n",
            list.join(", ")
        ));
    }
    let now = match t.location {
        Location::Unpacked { holder } => {
            format!("with its manufacturer {}, unpacked", who(&holder))
        }
        Location::InContainer {
            sscc,
            holder,
            state,
            hold,
        } => format!(
            "in container {sscc:018} ({state:?}) held by {}{}",
            who(&holder),
            held(hold)
        ),
        Location::Loose { holder, hold } => format!("with {}{}", who(&holder), held(hold)),
        Location::InTransit(shipment) => format!("in transit, shipment {shipment}"),
        Location::Dispensed {
            dispenser,
            dispensed_at,
        } => {
            format!(
                "dispensed by {} at {dispensed_at} ms (to whom is not recorded)",
                who(&dispenser)
            )
        }
        Location::Destroyed => "destroyed".into(),
    };
    out.push_str(&format!("  now: {now}\nhistory:\n"));
    if report.history.is_empty() {
        out.push_str("  (no events in the blocks read)\n");
    }
    for entry in &report.history {
        out.push_str(&format!(
            "  block {} at {} ms: {}\n",
            entry.block, entry.timestamp, entry.what
        ));
    }
    out
}

fn held(hold: drug_provenance::data::QuarantineReasons) -> String {
    if hold.is_empty() {
        String::new()
    } else {
        format!(", HELD ({hold:?})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ink::primitives::Hash;

    const GTIN: u64 = 10012345678902;

    fn event(topics: Vec<[u8; 32]>, data: Vec<u8>, block: u64) -> ContractEvent {
        ContractEvent {
            block,
            timestamp: block * 6_000,
            topics,
            data,
        }
    }

    /// `Dispensed` is the ledger's one anonymous event: the history tells it by its having
    /// no topics, and still tells the others by their signature.
    #[test]
    fn the_history_reads_the_anonymous_dispense_and_the_signed_events() {
        let packing = Packing {
            gtin: GTIN,
            lot: "LOT-1".into(),
            serials: vec!["SN1".into(), "SN2".into()],
            cases: vec![],
            pallet: None,
        };
        let dispenser = AccountId::from([0xD1; 32]);
        let package = ItemKey::Package(lot_id(GTIN, b"LOT-1"), hash_leaf(b"SN1"));
        let dispensed = |serial: &[u8]| Dispensed {
            gtin: GTIN,
            lot: b"LOT-1".to_vec(),
            recipient: Hash::from([0x5A; 32]),
            serial: serial.to_vec(),
            dispenser,
        };
        assert_eq!(Dispensed::SIGNATURE_TOPIC, None, "Dispensed is anonymous");
        let destroyed = Destroyed {
            holder: dispenser,
            item: package,
            units: 1,
            reason: Hash::from([0x0D; 32]),
        };
        let signature = Destroyed::SIGNATURE_TOPIC.expect("Destroyed has a signature");
        let events = [
            event(vec![], dispensed(b"SN2").encode(), 3),
            event(vec![], dispensed(b"SN1").encode(), 4),
            event(vec![signature], destroyed.encode(), 5),
        ];
        let entries = history(&events, GTIN, &packing, "SN1", &[], package);
        let who = who(&dispenser);
        assert_eq!(
            entries,
            [
                Entry {
                    block: 4,
                    timestamp: 24_000,
                    what: format!("dispensed by {who}"),
                },
                Entry {
                    block: 5,
                    timestamp: 30_000,
                    what: format!("destroyed by {who}"),
                },
            ]
        );
    }
}
