use cqrs_es::test::TestFramework;
use uuid::Uuid;

use super::*;

type Given = TestFramework<ApiToken>;

fn issued() -> TokenEvent {
    TokenEvent::TokenIssued {
        token_id: Uuid::from_u128(1),
        name: TokenName::parse("ci").unwrap(),
        grant: Grant::new(Role::Operator, Some(vec![Uuid::from_u128(2)])).unwrap(),
    }
}

fn issue() -> TokenCommand {
    TokenCommand::Issue {
        token_id: Uuid::from_u128(1),
        name: TokenName::parse("ci").unwrap(),
        grant: Grant::new(Role::Operator, Some(vec![Uuid::from_u128(2)])).unwrap(),
    }
}

#[test]
fn a_token_is_issued_once() {
    Given::with(())
        .given_no_previous_events()
        .when(issue())
        .then_expect_events(vec![issued()]);
    Given::with(())
        .given(vec![issued()])
        .when(issue())
        .then_expect_error(TokenError::AlreadyIssued);
}

#[test]
fn revoking_is_recorded_once_and_needs_an_issued_token() {
    Given::with(())
        .given(vec![issued()])
        .when(TokenCommand::Revoke)
        .then_expect_events(vec![TokenEvent::TokenRevoked]);
    Given::with(())
        .given(vec![issued(), TokenEvent::TokenRevoked])
        .when(TokenCommand::Revoke)
        .then_expect_events(vec![]);
    Given::with(())
        .given_no_previous_events()
        .when(TokenCommand::Revoke)
        .then_expect_error(TokenError::NotFound);
}

#[test]
fn grants_fit_their_role() {
    let tenant = Uuid::from_u128(5);
    assert_eq!(
        Grant::new(Role::Admin, Some(vec![tenant])),
        Err(InvalidGrant::AdminWithTenants)
    );
    assert_eq!(
        Grant::new(Role::Operator, None),
        Err(InvalidGrant::OperatorWithoutTenants)
    );
    assert_eq!(
        Grant::new(Role::Viewer, Some(vec![])),
        Err(InvalidGrant::EmptyTenantList)
    );
    assert_eq!(
        Grant::new(Role::Auditor, Some(vec![tenant, tenant])),
        Err(InvalidGrant::DuplicateTenant(tenant))
    );
    assert!(Grant::new(Role::Auditor, None)
        .unwrap()
        .scope()
        .includes(Uuid::from_u128(9)));
    let operator = Grant::new(Role::Operator, Some(vec![tenant])).unwrap();
    assert!(operator.scope().includes(tenant));
    assert!(!operator.scope().includes(Uuid::from_u128(9)));
}
