//! The suite's four contracts as one type: their names (the bundle and crate names), the
//! order they are deployed in, which contracts each constructor is wired to, and the
//! roles each one grants. The CLI (deploy, roles file, demo), the scenarios and the bench
//! ask this type instead of matching contract names, and a test checks that the
//! Makefile's list agrees with it.

use healthchain_common::access::Role;

/// One contract of the suite.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Contract {
    ConsentRegistry,
    DrugProvenance,
    ClaimSettlement,
    TrialAnchoring,
}

/// The admin library's crate and bundle name: code uploaded once (never instantiated) that
/// answers every contract's admin, role, pause and upgrade messages by delegate call. Every
/// contract's constructor takes its code hash.
pub const ADMIN_LIBRARY: &str = "access_library";

/// A role a contract grants, with the key that lists its holders in a roles file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RoleKey {
    pub role: Role,
    /// The roles file's key, in the domain's plural ("pharmacies" for dispensers).
    pub key: &'static str,
}

impl Contract {
    /// Every contract, in deployment order: each one's callees come before it.
    pub const ALL: [Contract; 4] = [
        Contract::ConsentRegistry,
        Contract::DrugProvenance,
        Contract::ClaimSettlement,
        Contract::TrialAnchoring,
    ];

    /// The contract's name: its crate, its bundle (`<name>/<name>.contract`) and its
    /// section in a roles file and a deployment manifest.
    pub const fn name(self) -> &'static str {
        match self {
            Contract::ConsentRegistry => "consent_registry",
            Contract::DrugProvenance => "drug_provenance",
            Contract::ClaimSettlement => "claim_settlement",
            Contract::TrialAnchoring => "trial_anchoring",
        }
    }

    /// The contract called `name`, if the suite has one.
    pub fn from_name(name: &str) -> Option<Contract> {
        Contract::ALL.into_iter().find(|c| c.name() == name)
    }

    /// The crate and bundle name of the contract's own library: its own source built as a
    /// library that answers its cold messages by delegate call (code uploaded before the
    /// contract, never instantiated; the constructor takes its code hash after the admin
    /// library's).
    pub const fn library(self) -> &'static str {
        match self {
            Contract::ConsentRegistry => "consent_registry_library",
            Contract::DrugProvenance => "drug_provenance_library",
            Contract::ClaimSettlement => "claim_settlement_library",
            Contract::TrialAnchoring => "trial_anchoring_library",
        }
    }

    /// The contracts whose addresses its constructor takes, in argument order.
    pub const fn callees(self) -> &'static [Contract] {
        match self {
            Contract::ConsentRegistry | Contract::DrugProvenance => &[],
            Contract::ClaimSettlement => &[Contract::ConsentRegistry, Contract::DrugProvenance],
            Contract::TrialAnchoring => &[Contract::ConsentRegistry],
        }
    }

    /// The roles it grants, with their roles-file keys.
    pub const fn roles(self) -> &'static [RoleKey] {
        const fn key(role: Role, key: &'static str) -> RoleKey {
            RoleKey { role, key }
        }
        const CONSENT: &[RoleKey] = &[key(Role::EmergencyResponder, "emergency_responders")];
        const PROVENANCE: &[RoleKey] = &[
            key(Role::Manufacturer, "manufacturers"),
            key(Role::Wholesaler, "wholesalers"),
            key(Role::Dispenser, "pharmacies"),
            key(Role::Sensor, "sensors"),
            key(Role::Regulator, "regulators"),
        ];
        const CLAIMS: &[RoleKey] = &[
            key(Role::Insurer, "insurers"),
            key(Role::Provider, "providers"),
        ];
        const TRIALS: &[RoleKey] = &[key(Role::Sponsor, "sponsors")];
        match self {
            Contract::ConsentRegistry => CONSENT,
            Contract::DrugProvenance => PROVENANCE,
            Contract::ClaimSettlement => CLAIMS,
            Contract::TrialAnchoring => TRIALS,
        }
    }
}

impl core::fmt::Display for Contract {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_callees_deploy_first() {
        for (index, contract) in Contract::ALL.into_iter().enumerate() {
            assert_eq!(Contract::from_name(contract.name()), Some(contract));
            for callee in contract.callees() {
                let at = Contract::ALL.iter().position(|c| c == callee).unwrap();
                assert!(at < index, "{callee} must be deployed before {contract}");
            }
        }
        assert_eq!(Contract::from_name("consent-registry"), None);
    }

    #[test]
    fn every_role_belongs_to_exactly_one_contract() {
        for role in Role::ALL {
            let owners: Vec<_> = Contract::ALL
                .into_iter()
                .filter(|c| c.roles().iter().any(|r| r.role == role))
                .collect();
            assert_eq!(owners.len(), 1, "{role:?} is granted by {owners:?}");
        }
    }

    /// The Makefile builds the bundles from its own list: it must be this one.
    #[test]
    fn the_makefile_builds_the_suite_in_deployment_order() {
        let makefile = include_str!("../../../Makefile");
        let line = makefile
            .lines()
            .find_map(|l| l.strip_prefix("CONTRACTS"))
            .and_then(|l| l.split_once(":="))
            .map(|(_, names)| names.split_whitespace().collect::<Vec<_>>())
            .expect("the Makefile sets CONTRACTS");
        // The four in deployment order, each followed by its own library, then the admin
        // library they all take.
        let mut names: Vec<_> = Contract::ALL
            .iter()
            .flat_map(|c| [c.name(), c.library()])
            .collect();
        names.push(ADMIN_LIBRARY);
        assert_eq!(line, names);
    }
}
