use serde_json::json;

use super::*;

#[test]
fn created_objects_are_found_by_name_and_creation_time() {
    let since: DateTime<Utc> = "2026-12-07T14:00:00Z".parse().expect("time");
    let listed = [
        json!({"id": "old", "displayName": "Baseline", "createdDateTime": "2026-12-07T13:59:59.9999999Z"}),
        json!({"id": "new", "displayName": "Baseline", "createdDateTime": "2026-12-07T14:00:00.1430000Z"}),
        json!({"id": "same-moment", "name": "Baseline", "createdDateTime": "2026-12-07T14:00:00Z"}),
        json!({"id": "other", "displayName": "Baseline 2", "createdDateTime": "2026-12-07T15:00:00Z"}),
        json!({"id": "undated", "displayName": "Baseline"}),
    ];
    assert_eq!(
        created_since(&listed, "Baseline", since),
        ["new", "same-moment"]
    );
}

#[test]
fn a_created_id_is_read_at_the_top_or_inside_value() {
    assert_eq!(created_id(Some(&json!({"id": "a"}))).as_deref(), Some("a"));
    assert_eq!(
        created_id(Some(&json!({"value": {"id": "b"}}))).as_deref(),
        Some("b")
    );
    assert_eq!(created_id(Some(&json!({"id": ""}))), None);
    assert_eq!(created_id(None), None);
}
