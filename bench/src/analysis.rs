//! The budgets' arithmetic, apart from the runs that feed it: whether a series of
//! measurements stays constant (an O(1) check) or grows only by the cost of its extra
//! proof levels (an O(log n) proof). `make bench` gates on these, and the gas tests in
//! `make test` assert them on the debug builds so that a regression fails CI too.

use healthchain_scenarios::measure::Measurement;

/// The points of the series of `message` (those with a size), smallest first.
pub fn series<'a>(measurements: &'a [Measurement], message: &str) -> Vec<&'a Measurement> {
    let mut points: Vec<&Measurement> = measurements
        .iter()
        .filter(|m| m.message == message && m.size.is_some())
        .collect();
    points.sort_by_key(|m| m.size);
    points
}

/// Checks that `message` costs the same at every size: ref_time and proof_size grow by at
/// most `tolerance` (0.05 for 5%) from the smallest to the largest. Says what it found.
pub fn check_constant(
    measurements: &[Measurement],
    message: &str,
    tolerance: f64,
) -> Result<String, String> {
    let points = series(measurements, message);
    let (Some(first), Some(last)) = (points.first(), points.last()) else {
        return Err(format!("{message}: no series measured"));
    };
    let grow = |a: u64, b: u64| (b as f64 - a as f64) / a.max(1) as f64;
    let (ref_time, proof_size) = (
        grow(first.ref_time, last.ref_time),
        grow(first.proof_size, last.proof_size),
    );
    let found = format!(
        "{message}: {:+.2}% ref_time, {:+.2}% proof_size from {} to {}",
        ref_time * 100.0,
        proof_size * 100.0,
        first.case,
        last.case
    );
    if ref_time.abs() <= tolerance && proof_size.abs() <= tolerance && points.len() >= 2 {
        Ok(found)
    } else {
        Err(found)
    }
}

/// Checks that `message` grows like a Merkle proof: by the same cost per extra tree level
/// (hash) at every size. The first step of the series sets the cost of a level; every
/// later step may cost at most `tolerance` more per level, and none may cost less than
/// nothing. Says what it found.
pub fn check_logarithmic(
    measurements: &[Measurement],
    message: &str,
    tolerance: f64,
) -> Result<String, String> {
    let points = series(measurements, message);
    if points.len() < 3 {
        return Err(format!("{message}: a logarithmic check needs 3 sizes"));
    }
    let level = |m: &Measurement| (m.size.unwrap_or(1) as f64).log2();
    let per_level: Vec<f64> = points
        .windows(2)
        .map(|w| (w[1].ref_time as f64 - w[0].ref_time as f64) / (level(w[1]) - level(w[0])))
        .collect();
    let first = per_level[0];
    let found = format!(
        "{message}: {} ref_time per extra level (hash) over {}; {}",
        first.round(),
        points
            .iter()
            .map(|m| m.case.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        per_level
            .iter()
            .skip(1)
            .map(|c| format!("then {}", c.round()))
            .collect::<Vec<_>>()
            .join(", ")
    );
    if first >= 0.0
        && per_level
            .iter()
            .all(|&c| c >= 0.0 && c <= first * (1.0 + tolerance))
    {
        Ok(found)
    } else {
        Err(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(message: &'static str, size: u64, ref_time: u64) -> Measurement {
        Measurement {
            contract: "c".into(),
            message: message.into(),
            selector: None,
            case: format!("{size}"),
            size: Some(size),
            ref_time,
            proof_size: 1000,
            deposit: 0,
            refund: 0,
        }
    }

    #[test]
    fn constant_within_tolerance() {
        let flat = [point("m", 1, 1000), point("m", 10_000, 1049)];
        assert!(check_constant(&flat, "m", 0.05).is_ok());
        let grows = [point("m", 1, 1000), point("m", 10_000, 1051)];
        assert!(check_constant(&grows, "m", 0.05).is_err());
        assert!(check_constant(&grows, "other", 0.05).is_err());
    }

    #[test]
    fn logarithmic_by_the_cost_of_a_level() {
        // 100 per level: 4 -> 10 -> 20 levels.
        let proof = [
            point("p", 16, 1400),
            point("p", 1 << 10, 2000),
            point("p", 1 << 20, 3000),
        ];
        assert!(check_logarithmic(&proof, "p", 0.05).is_ok());
        // The last step costs 150 per level: more than the extra hashes explain.
        let worse = [
            point("p", 16, 1400),
            point("p", 1 << 10, 2000),
            point("p", 1 << 20, 3500),
        ];
        assert!(check_logarithmic(&worse, "p", 0.05).is_err());
        assert!(check_logarithmic(&proof[..2], "p", 0.05).is_err());
    }
}
