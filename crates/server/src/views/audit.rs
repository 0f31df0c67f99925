//! The audit log page.

use crate::views::page::Nav;
use askama::Template;
use frontdesk_store::AuditChainReport;

/// Newest first: when, who, what, to what, and a short detail.
#[derive(Template)]
#[template(path = "audit.html")]
pub struct AuditPage {
    pub nav: Nav,
    pub chain: ChainCheck,
    pub entries: Vec<(String, String, String, String, String)>,
}

/// What checking the rows shown against the hash chain found.
pub struct ChainCheck {
    pub intact: bool,
    /// "Chain intact: …" or "Chain broken at row 57: …".
    pub said: String,
}

impl ChainCheck {
    pub fn of(report: &AuditChainReport) -> ChainCheck {
        match &report.fault {
            None => ChainCheck {
                intact: true,
                said: format!(
                    "Chain intact: the newest {} rows match their hashes, follow one another and end at the \
                     chain's head (row {}).",
                    report.rows, report.head_id
                ),
            },
            Some(fault) => ChainCheck {
                intact: false,
                said: match fault.row() {
                    Some(row) => format!("Chain broken at row {row}: {fault}."),
                    None => format!("Chain broken: {fault}."),
                },
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use frontdesk_store::AuditChainFault;

    #[test]
    fn the_page_says_whether_the_chain_holds_and_where_it_breaks() {
        let mut report = AuditChainReport {
            rows: 500,
            head_id: 1234,
            head_hash: "ab".repeat(32),
            fault: None,
        };
        let ok = ChainCheck::of(&report);
        assert!(ok.intact);
        assert!(
            ok.said.starts_with("Chain intact: the newest 500 rows"),
            "{}",
            ok.said
        );
        assert!(ok.said.contains("(row 1234)"));
        report.fault = Some(AuditChainFault::Unlinked {
            row: 57,
            after: Some(55),
        });
        let broken = ChainCheck::of(&report);
        assert!(!broken.intact);
        assert!(
            broken
                .said
                .starts_with("Chain broken at row 57: row 57 does not follow row 55"),
            "{}",
            broken.said
        );
        report.fault = Some(AuditChainFault::HeadMissing);
        assert!(
            ChainCheck::of(&report)
                .said
                .starts_with("Chain broken: the chain's head")
        );
    }
}
