use chrono::{DateTime, Utc};
use cqrs_es::test::TestFramework;
use uuid::Uuid;

use super::*;
use crate::domain::token::TenantScope;

type Given = TestFramework<Webhook>;

fn url(text: &str) -> WebhookUrl {
    WebhookUrl::parse(text).unwrap()
}

fn failed_only() -> EventTypeFilter {
    EventTypeFilter::parse(&["backup_run.failed".to_owned()]).unwrap()
}

fn create() -> CreateWebhook {
    CreateWebhook {
        webhook_id: Uuid::from_u128(1),
        url: url("https://hooks.example.com/tp"),
        event_types: failed_only(),
        tenants: TenantScope::AllTenants,
        description: None,
        enabled: true,
        secret_id: Uuid::from_u128(10),
    }
}

fn created() -> WebhookEvent {
    WebhookEvent::WebhookCreated {
        webhook_id: Uuid::from_u128(1),
        url: url("https://hooks.example.com/tp"),
        event_types: failed_only(),
        tenants: TenantScope::AllTenants,
        description: None,
        enabled: true,
        secret_id: Uuid::from_u128(10),
    }
}

fn disabled(reason: DisableReason) -> WebhookEvent {
    WebhookEvent::WebhookDisabled {
        reason,
        status_code: None,
        failing_since: None,
    }
}

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

#[test]
fn a_webhook_is_created_once() {
    Given::with(())
        .given_no_previous_events()
        .when(WebhookCommand::Create(create()))
        .then_expect_events(vec![created()]);
    Given::with(())
        .given(vec![created()])
        .when(WebhookCommand::Create(create()))
        .then_expect_error(WebhookError::AlreadyExists);
}

#[test]
fn an_update_records_only_what_changed() {
    let update = UpdateWebhook {
        url: Some(url("https://hooks.example.com/tp")),
        event_types: Some(EventTypeFilter::All),
        tenants: Some(TenantScope::AllTenants),
        description: Some(WebhookDescription::parse("CI hook").unwrap()),
    };
    Given::with(())
        .given(vec![created()])
        .when(WebhookCommand::Update(update))
        .then_expect_events(vec![WebhookEvent::WebhookUpdated {
            url: None,
            event_types: Some(EventTypeFilter::All),
            tenants: None,
            description: Some(WebhookDescription::parse("CI hook").unwrap()),
        }]);
    Given::with(())
        .given(vec![created()])
        .when(WebhookCommand::Update(UpdateWebhook {
            url: Some(url("https://hooks.example.com/tp")),
            description: Some(None),
            ..UpdateWebhook::default()
        }))
        .then_expect_events(vec![]);
}

#[test]
fn disabling_is_recorded_once_with_its_reason_and_enabling_undoes_it() {
    let gone = DisableWebhook {
        reason: DisableReason::Gone,
        status_code: Some(410),
        failing_since: None,
    };
    Given::with(())
        .given(vec![created()])
        .when(WebhookCommand::Disable(gone.clone()))
        .then_expect_events(vec![WebhookEvent::WebhookDisabled {
            reason: DisableReason::Gone,
            status_code: Some(410),
            failing_since: None,
        }]);
    Given::with(())
        .given(vec![created(), disabled(DisableReason::Manual)])
        .when(WebhookCommand::Disable(gone))
        .then_expect_events(vec![]);
    Given::with(())
        .given(vec![created(), disabled(DisableReason::Failing)])
        .when(WebhookCommand::Enable)
        .then_expect_events(vec![WebhookEvent::WebhookEnabled]);
    Given::with(())
        .given(vec![created()])
        .when(WebhookCommand::Enable)
        .then_expect_events(vec![]);
}

#[test]
fn rotating_keeps_the_current_secret_as_the_previous_one() {
    let until = at("2026-06-02T12:00:00Z");
    Given::with(())
        .given(vec![created()])
        .when(WebhookCommand::RotateSecret {
            secret_id: Uuid::from_u128(11),
            previous_expires_at: until,
        })
        .then_expect_events(vec![WebhookEvent::WebhookSecretRotated {
            secret_id: Uuid::from_u128(11),
            previous_secret_id: Uuid::from_u128(10),
            previous_expires_at: until,
        }]);
}

#[test]
fn a_deleted_or_missing_webhook_refuses_everything() {
    for command in [
        WebhookCommand::Enable,
        WebhookCommand::Disable(DisableWebhook::manual()),
        WebhookCommand::Delete,
        WebhookCommand::Update(UpdateWebhook::default()),
    ] {
        Given::with(())
            .given(vec![created(), WebhookEvent::WebhookDeleted])
            .when(command.clone())
            .then_expect_error(WebhookError::Deleted);
        Given::with(())
            .given_no_previous_events()
            .when(command)
            .then_expect_error(WebhookError::NotFound);
    }
}

#[test]
fn the_disabled_event_has_a_top_level_reason() {
    let event = WebhookEvent::WebhookDisabled {
        reason: DisableReason::Failing,
        status_code: None,
        failing_since: Some(at("2026-06-01T00:00:00Z")),
    };
    let json = serde_json::to_value(&event).unwrap();
    assert_eq!(json["reason"], "failing");
    assert_eq!(json["type"], "WebhookDisabled");
    assert!(json.get("status_code").is_none());
}

#[test]
fn an_update_tells_a_removed_description_from_an_untouched_one() {
    let removed = WebhookEvent::WebhookUpdated {
        url: None,
        event_types: None,
        tenants: None,
        description: Some(None),
    };
    let json = serde_json::to_value(&removed).unwrap();
    assert_eq!(json["description"], serde_json::Value::Null);
    assert_eq!(
        serde_json::from_value::<WebhookEvent>(json).unwrap(),
        removed
    );
    let untouched: WebhookEvent =
        serde_json::from_value(serde_json::json!({"type": "WebhookUpdated"})).unwrap();
    assert!(matches!(
        untouched,
        WebhookEvent::WebhookUpdated {
            description: None,
            ..
        }
    ));
}

#[test]
fn urls_must_be_absolute_http_without_credentials() {
    assert!(WebhookUrl::parse("https://hooks.example.com/a?b=c").is_ok());
    assert!(WebhookUrl::parse("http://127.0.0.1:8080/hook").is_ok());
    assert!(matches!(
        WebhookUrl::parse("/relative/path"),
        Err(InvalidWebhookUrl::NotAbsolute(_))
    ));
    assert!(matches!(
        WebhookUrl::parse("http:hooks.example.com"),
        Err(InvalidWebhookUrl::NotAbsolute(_))
    ));
    assert!(matches!(
        WebhookUrl::parse("ftp://hooks.example.com/"),
        Err(InvalidWebhookUrl::Scheme(_))
    ));
    assert!(matches!(
        WebhookUrl::parse("mailto:ops@example.com"),
        Err(InvalidWebhookUrl::Scheme(_))
    ));
    assert_eq!(
        WebhookUrl::parse("https://user:pw@hooks.example.com/"),
        Err(InvalidWebhookUrl::Credentials)
    );
    assert_eq!(
        WebhookUrl::parse("https://hooks.example.com/#x"),
        Err(InvalidWebhookUrl::Fragment)
    );
    assert!(matches!(
        WebhookUrl::parse("https://hooks.example.com/a b"),
        Err(InvalidWebhookUrl::NotAbsolute(_))
    ));
    assert!(matches!(
        WebhookUrl::parse(" https://hooks.example.com/"),
        Err(InvalidWebhookUrl::NotAbsolute(_))
    ));
    assert!(WebhookUrl::parse("https://hooks.example.com/a%20b?x=[1]").is_ok());
    let long = format!("https://hooks.example.com/{}", "a".repeat(MAX_URL_LENGTH));
    assert_eq!(WebhookUrl::parse(&long), Err(InvalidWebhookUrl::TooLong));
}

#[test]
fn event_types_are_public_names_or_a_star() {
    let names = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert_eq!(
        EventTypeFilter::parse(&names(&["*"])).unwrap(),
        EventTypeFilter::All
    );
    assert_eq!(
        EventTypeFilter::parse(&names(&["backup_run.failed", "*"])).unwrap(),
        EventTypeFilter::All
    );
    let some = EventTypeFilter::parse(&names(&["backup_run.failed", "backup_slot.skipped"]));
    let some = some.unwrap();
    assert!(some.includes(PublicEventType::RunFailed));
    assert!(!some.includes(PublicEventType::RunSucceeded));
    assert_eq!(some.names(), ["backup_run.failed", "backup_slot.skipped"]);
    assert_eq!(EventTypeFilter::parse(&[]), Err(InvalidEventTypes::Empty));
    assert_eq!(
        EventTypeFilter::parse(&names(&["backup_run.failed", "RunFinished"])),
        Err(InvalidEventTypes::Unknown(1, "RunFinished".to_owned()))
    );
    assert_eq!(
        EventTypeFilter::parse(&names(&["backup_run.failed", "backup_run.failed"])),
        Err(InvalidEventTypes::Duplicate("backup_run.failed".to_owned()))
    );
    for kind in PublicEventType::ALL {
        assert_eq!(
            serde_json::to_value(kind).unwrap(),
            serde_json::json!(kind.as_str())
        );
    }
}

#[test]
fn a_redelivery_is_asked_of_an_enabled_webhook_only() {
    let message_id = Uuid::from_u128(77);
    Given::with(())
        .given(vec![created()])
        .when(WebhookCommand::Redeliver { message_id })
        .then_expect_events(vec![WebhookEvent::WebhookRedeliveryRequested {
            message_id,
        }]);
    Given::with(())
        .given(vec![created(), disabled(DisableReason::Gone)])
        .when(WebhookCommand::Redeliver { message_id })
        .then_expect_error(WebhookError::Disabled);
}
