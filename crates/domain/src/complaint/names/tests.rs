use super::*;

#[test]
fn every_name_parses_back_and_labels_are_understood() {
    for c in Channel::ALL {
        assert_eq!(c.as_str().parse::<Channel>(), Ok(c));
        assert_eq!(c.label().parse::<Channel>(), Ok(c));
        assert_eq!(c.to_string(), c.as_str());
    }
    for c in Category::ALL {
        assert_eq!(c.as_str().parse::<Category>(), Ok(c));
        assert_eq!(c.label().parse::<Category>(), Ok(c));
    }
    for s in Severity::ALL {
        assert_eq!(s.as_str().parse::<Severity>(), Ok(s));
    }
    for s in ComplaintStatus::ALL {
        assert_eq!(s.as_str().parse::<ComplaintStatus>(), Ok(s));
    }
    for l in Level::ALL {
        assert_eq!(l.as_str().parse::<Level>(), Ok(l));
    }
    for s in ClockStatus::ALL {
        assert_eq!(s.as_str().parse::<ClockStatus>(), Ok(s));
    }
    for a in ComplaintAction::ALL {
        assert_eq!(a.as_str().parse::<ComplaintAction>(), Ok(a));
    }
    assert_eq!(" Status-Page ".parse::<Channel>(), Ok(Channel::StatusPage));
    assert_eq!("WEB FORM".parse::<Channel>(), Ok(Channel::WebForm));
    assert_eq!("Waiting time".parse::<Category>(), Ok(Category::Waiting));
}

#[test]
fn stored_names_are_the_documented_ones() {
    let channels: Vec<&str> = Channel::ALL.iter().map(|c| c.as_str()).collect();
    assert_eq!(
        channels,
        [
            "desk",
            "phone",
            "status_page",
            "web_form",
            "email",
            "letter",
            "survey"
        ]
    );
    let categories: Vec<&str> = Category::ALL.iter().map(|c| c.as_str()).collect();
    assert_eq!(
        categories,
        [
            "waiting",
            "communication",
            "staff_attitude",
            "billing",
            "appointments",
            "clinical_care",
            "privacy",
            "facilities",
            "other"
        ]
    );
    assert_eq!(
        Severity::ALL.map(Severity::as_str),
        ["low", "medium", "high"]
    );
    assert_eq!(
        ComplaintStatus::ALL.map(ComplaintStatus::as_str),
        ["received", "acknowledged", "resolved"]
    );
    assert_eq!(Level::ALL.map(Level::as_str), ["owner", "manager", "admin"]);
    assert_eq!(
        ClockStatus::ALL.map(ClockStatus::as_str),
        ["on_time", "due_soon", "overdue", "paused", "met", "missed"]
    );
    assert_eq!(ClockStatus::DueSoon.label(), "Due soon");
    assert!(Level::Owner < Level::Manager && Level::Manager < Level::Admin);
    assert!(Severity::Low < Severity::High);
}

#[test]
fn an_unknown_name_says_what_would_do() {
    let e = "fax".parse::<Channel>().unwrap_err();
    assert_eq!(
        e.to_string(),
        "unknown channel \"fax\"; use desk, phone, status_page, web_form, email, letter or survey"
    );
    assert_eq!(
        e.field_message(),
        "Unknown channel; use desk, phone, status_page, web_form, email, letter or survey"
    );
    assert_eq!(
        "urgent".parse::<Severity>().unwrap_err().to_string(),
        "unknown severity \"urgent\"; use low, medium or high"
    );
}
