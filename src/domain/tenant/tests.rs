use cqrs_es::test::TestFramework;
use uuid::Uuid;

use super::*;

type Given = TestFramework<Tenant>;

fn name(text: &str) -> TenantName {
    TenantName::parse(text).expect("valid name")
}

fn ids() -> (Uuid, Uuid, Uuid, Uuid) {
    (
        Uuid::from_u128(1),
        Uuid::from_u128(2),
        Uuid::from_u128(3),
        Uuid::from_u128(4),
    )
}

fn registered() -> TenantEvent {
    let (tenant_id, azure, client, secret) = ids();
    TenantEvent::TenantRegistered {
        tenant_id,
        display_name: name("Contoso"),
        azure_tenant_id: azure,
        client_id: client,
        client_secret_id: Some(secret),
    }
}

#[test]
fn registering_a_new_tenant_records_it_without_its_secret() {
    let (tenant_id, azure, client, secret) = ids();
    Given::with(())
        .given_no_previous_events()
        .when(TenantCommand::Register(RegisterTenant {
            tenant_id,
            display_name: name("Contoso"),
            azure_tenant_id: azure,
            client_id: client,
            client_secret_id: Some(secret),
        }))
        .then_expect_events(vec![registered()]);
}

#[test]
fn registering_twice_is_refused() {
    let (tenant_id, azure, client, _) = ids();
    Given::with(())
        .given(vec![registered()])
        .when(TenantCommand::Register(RegisterTenant {
            tenant_id,
            display_name: name("Again"),
            azure_tenant_id: azure,
            client_id: client,
            client_secret_id: None,
        }))
        .then_expect_error(TenantError::AlreadyRegistered);
}

#[test]
fn renaming_records_the_new_name_and_same_name_records_nothing() {
    Given::with(())
        .given(vec![registered()])
        .when(TenantCommand::Update(UpdateTenant {
            display_name: Some(name("Fabrikam")),
            ..UpdateTenant::default()
        }))
        .then_expect_events(vec![TenantEvent::TenantRenamed {
            display_name: name("Fabrikam"),
        }]);
    Given::with(())
        .given(vec![registered()])
        .when(TenantCommand::Update(UpdateTenant {
            display_name: Some(name("Contoso")),
            ..UpdateTenant::default()
        }))
        .then_expect_events(vec![]);
}

#[test]
fn a_new_secret_changes_credentials_keeps_the_client_id_and_retires_the_old_secret() {
    let (_, _, client, secret) = ids();
    let new_secret = Uuid::from_u128(9);
    Given::with(())
        .given(vec![registered()])
        .when(TenantCommand::Update(UpdateTenant {
            client_secret_id: Some(new_secret),
            ..UpdateTenant::default()
        }))
        .then_expect_events(vec![TenantEvent::TenantCredentialsChanged {
            client_id: client,
            client_secret_id: Some(new_secret),
            retired_secret_id: Some(secret),
        }]);
}

#[test]
fn a_new_client_id_keeps_the_stored_secret() {
    let (_, _, _, secret) = ids();
    let new_client = Uuid::from_u128(8);
    Given::with(())
        .given(vec![registered()])
        .when(TenantCommand::Update(UpdateTenant {
            client_id: Some(new_client),
            ..UpdateTenant::default()
        }))
        .then_expect_events(vec![TenantEvent::TenantCredentialsChanged {
            client_id: new_client,
            client_secret_id: Some(secret),
            retired_secret_id: None,
        }]);
}

#[test]
fn deactivating_and_reactivating_are_recorded_once() {
    Given::with(())
        .given(vec![registered()])
        .when(TenantCommand::Deactivate)
        .then_expect_events(vec![TenantEvent::TenantDeactivated]);
    Given::with(())
        .given(vec![registered(), TenantEvent::TenantDeactivated])
        .when(TenantCommand::Deactivate)
        .then_expect_events(vec![]);
    Given::with(())
        .given(vec![registered(), TenantEvent::TenantDeactivated])
        .when(TenantCommand::Reactivate)
        .then_expect_events(vec![TenantEvent::TenantReactivated]);
    Given::with(())
        .given(vec![registered()])
        .when(TenantCommand::Reactivate)
        .then_expect_events(vec![]);
}

#[test]
fn commands_on_an_unknown_tenant_are_refused() {
    for command in [
        TenantCommand::Deactivate,
        TenantCommand::Reactivate,
        TenantCommand::Delete,
        TenantCommand::Update(UpdateTenant::default()),
    ] {
        Given::with(())
            .given_no_previous_events()
            .when(command)
            .then_expect_error(TenantError::NotFound);
    }
}

#[test]
fn a_deleted_tenant_refuses_every_command() {
    Given::with(())
        .given(vec![registered()])
        .when(TenantCommand::Delete)
        .then_expect_events(vec![TenantEvent::TenantDeleted]);
    for command in [
        TenantCommand::Deactivate,
        TenantCommand::Reactivate,
        TenantCommand::Delete,
        TenantCommand::Update(UpdateTenant::default()),
    ] {
        Given::with(())
            .given(vec![registered(), TenantEvent::TenantDeleted])
            .when(command)
            .then_expect_error(TenantError::Deleted);
    }
}

#[test]
fn tenant_names_are_trimmed_and_bounded() {
    assert_eq!(name("  Contoso ").as_str(), "Contoso");
    assert_eq!(TenantName::parse("   "), Err(InvalidTenantName::Empty));
    assert_eq!(
        TenantName::parse(&"x".repeat(201)),
        Err(InvalidTenantName::TooLong)
    );
    assert_eq!(
        TenantName::parse("a\u{7}b"),
        Err(InvalidTenantName::ControlCharacters)
    );
}
