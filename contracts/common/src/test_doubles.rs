//! In-memory stand-ins for the consent registry and drug_provenance, for the unit tests of
//! the contracts that call them (std and the `test-doubles` feature only).
//!
//! ink!'s off-chain test environment cannot make cross-contract calls, so with this feature
//! [`crate::consent::query_consent`] and [`crate::provenance::query_dispensed_units`] answer
//! from the thread-local records kept here instead of calling a contract. Contracts enable
//! the feature in their `[dev-dependencies]` only: `cargo contract build` and the e2e tests
//! never see it, and the e2e tests check the same paths against the real contracts.
//! `cargo test` runs every test on its own thread, so tests do not see each other's records.

use crate::{
    consent::{ConsentAnswer, DataClasses, Purpose},
    provenance::DispensedUnit,
    AccountId, CalleeError, Hash,
};
use std::cell::RefCell;

type ConsentKey = (AccountId, AccountId, AccountId, Purpose, Option<Hash>);
type Consent = (ConsentKey, DataClasses);
type UnitKey = (AccountId, u64, Vec<u8>, Vec<u8>);

thread_local! {
    static CONSENTS: RefCell<Vec<Consent>> = const { RefCell::new(Vec::new()) };
    static RESTRICTIONS: RefCell<Vec<Consent>> = const { RefCell::new(Vec::new()) };
    static DISPENSED: RefCell<Vec<(UnitKey, DispensedUnit)>> = const { RefCell::new(Vec::new()) };
    static FAILING: RefCell<Vec<AccountId>> = const { RefCell::new(Vec::new()) };
    static PAUSED: RefCell<Vec<AccountId>> = const { RefCell::new(Vec::new()) };
}

/// Records that `patient` authorised `grantee` for `purpose` in `context` at the registry
/// `registry`, for every data class.
pub fn grant_consent(
    registry: AccountId,
    patient: AccountId,
    grantee: AccountId,
    purpose: Purpose,
    context: Option<Hash>,
) {
    grant_consent_for(
        registry,
        patient,
        grantee,
        purpose,
        context,
        DataClasses::ALL,
    );
}

/// [`grant_consent`] for `classes` only.
pub fn grant_consent_for(
    registry: AccountId,
    patient: AccountId,
    grantee: AccountId,
    purpose: Purpose,
    context: Option<Hash>,
    classes: DataClasses,
) {
    CONSENTS.with(|c| {
        c.borrow_mut()
            .push(((registry, patient, grantee, purpose, context), classes))
    });
}

/// Records that `patient` restricted `grantee`'s use of `classes` for `purpose` in any
/// context at `registry` (a deny provision: it wins over every consent).
pub fn restrict_consent(
    registry: AccountId,
    patient: AccountId,
    grantee: AccountId,
    purpose: Purpose,
    classes: DataClasses,
) {
    RESTRICTIONS.with(|r| {
        r.borrow_mut()
            .push(((registry, patient, grantee, purpose, None), classes))
    });
}

/// Removes every consent of `patient` to `grantee` for `purpose` at `registry`.
pub fn revoke_consent(
    registry: AccountId,
    patient: AccountId,
    grantee: AccountId,
    purpose: Purpose,
) {
    CONSENTS.with(|c| {
        c.borrow_mut().retain(|(k, _)| {
            !(k.0 == registry && k.1 == patient && k.2 == grantee && k.3 == purpose)
        })
    });
}

/// Records what the provenance contract at `provenance` says of a dispensed unit.
pub fn record_dispensed(
    provenance: AccountId,
    gtin: u64,
    lot: &[u8],
    serial: &[u8],
    unit: DispensedUnit,
) {
    DISPENSED.with(|d| {
        d.borrow_mut()
            .push(((provenance, gtin, lot.to_vec(), serial.to_vec()), unit))
    });
}

/// Makes every call to the contract at `callee` fail, as a trapped or missing callee does.
pub fn fail_calls_to(callee: AccountId) {
    FAILING.with(|f| f.borrow_mut().push(callee));
}

/// Makes the registry at `registry` answer as a paused registry does.
pub fn pause_registry(registry: AccountId) {
    PAUSED.with(|p| p.borrow_mut().push(registry));
}

fn failing(callee: AccountId) -> bool {
    FAILING.with(|f| f.borrow().contains(&callee))
}

pub(crate) fn consent_answer(
    registry: AccountId,
    patient: AccountId,
    grantee: AccountId,
    purpose: Purpose,
    context: Option<Hash>,
    classes: DataClasses,
) -> Result<ConsentAnswer, CalleeError> {
    if failing(registry) {
        return Err(CalleeError::CallFailed);
    }
    if PAUSED.with(|p| p.borrow().contains(&registry)) {
        return Ok(ConsentAnswer::Unavailable);
    }
    let restricted = RESTRICTIONS.with(|r| {
        r.borrow().iter().any(|((reg, pat, gra, pur, _), denied)| {
            (*reg, *pat, *gra, *pur) == (registry, patient, grantee, purpose)
                && denied.intersects(classes)
        })
    });
    if restricted {
        return Ok(ConsentAnswer::Restricted);
    }
    let key = (registry, patient, grantee, purpose, context);
    let covered = CONSENTS.with(|c| {
        c.borrow()
            .iter()
            .any(|(k, granted)| *k == key && !classes.is_empty() && granted.covers(classes))
    });
    Ok(if covered {
        ConsentAnswer::Permitted
    } else {
        ConsentAnswer::NotPermitted
    })
}

pub(crate) fn dispensed_answer(
    provenance: AccountId,
    gtin: u64,
    lot: &[u8],
    serial: &[u8],
) -> Result<Option<DispensedUnit>, CalleeError> {
    if failing(provenance) {
        return Err(CalleeError::CallFailed);
    }
    Ok(DISPENSED.with(|d| {
        d.borrow()
            .iter()
            .rev()
            .find(|(k, _)| k.0 == provenance && k.1 == gtin && k.2 == lot && k.3 == serial)
            .map(|(_, unit)| *unit)
    }))
}
