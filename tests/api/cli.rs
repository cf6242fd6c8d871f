//! The real binary's command line: help, version and usage errors (no database needed).

use std::process::{Command, Output};

/// Runs `tenantpilot args...`; a database URL that is never created proves nothing is
/// written on the way.
fn tenantpilot(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tenantpilot"))
        .args(args)
        .env(
            "DATABASE_URL",
            "postgres://postgres@127.0.0.1:5432/tp_test_never_created",
        )
        .output()
        .expect("the binary runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn help_exits_0_and_lists_the_commands() {
    let output = tenantpilot(&["--help"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let help = stdout(&output);
    assert!(help.contains("Usage: tenantpilot <COMMAND>"), "{help}");
    for command in [
        "serve",
        "migrate",
        "dispatch",
        "projections",
        "tokens",
        "secrets",
        "openapi",
    ] {
        assert!(help.contains(command), "{command} missing from:\n{help}");
    }
}

#[test]
fn serve_help_exits_0_and_lists_the_environment() {
    let output = tenantpilot(&["serve", "--help"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let help = stdout(&output);
    assert!(help.contains("--demo"), "{help}");
    assert!(help.contains("DATABASE_URL"), "{help}");
    assert!(help.contains("TENANTPILOT_SECRET_KEY"), "{help}");
}

#[test]
fn version_exits_0_with_the_version() {
    let output = tenantpilot(&["--version"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(
        stdout(&output).trim(),
        format!("tenantpilot {}", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn an_unknown_command_exits_2_and_names_it() {
    let output = tenantpilot(&["backup-everything"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("backup-everything"),
        "{}",
        stderr(&output)
    );
    assert!(stdout(&output).is_empty());
}

#[test]
fn dispatch_with_a_bad_instant_exits_2_and_explains_at() {
    let output = tenantpilot(&["dispatch", "--at", "not-a-time"]);
    assert_eq!(output.status.code(), Some(2));
    let message = stderr(&output);
    assert!(message.contains("--at"), "{message}");
    assert!(message.contains("RFC 3339"), "{message}");
}

#[test]
fn tokens_create_without_a_role_exits_2() {
    let output = tenantpilot(&["tokens", "create", "--name", "ci"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("--role"), "{}", stderr(&output));
}
