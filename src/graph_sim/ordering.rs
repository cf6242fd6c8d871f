//! `$orderby` as Graph applies it to a collection: keys named in any case (OData 4.01 URL
//! conventions, linked from Graph's concepts/query-parameters.md), `asc` or `desc` each,
//! nulls first ascending, ties kept in the collection's own order so pages stay stable.

use serde_json::Value;

/// `$orderby=displayName desc,createdDateTime`: each key and its direction.
pub fn parse(text: &str) -> Result<Vec<(String, bool)>, String> {
    text.split(',')
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .map(|part| {
            let mut words = part.split_whitespace();
            let name = words.next().unwrap_or_default().to_owned();
            let descending = match words.next().map(str::to_ascii_lowercase).as_deref() {
                None | Some("asc") => false,
                Some("desc") => true,
                Some(other) => {
                    let at = name.len() + 1;
                    return Err(format!(
                        "Syntax error: character '{other}' is not valid at position {at} in '{text}'."
                    ));
                }
            };
            Ok((name, descending))
        })
        .collect()
}

/// A property of `object` by a name in any case.
fn property<'v>(object: &'v Value, name: &str) -> &'v Value {
    object
        .as_object()
        .and_then(|map| map.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)))
        .map_or(&Value::Null, |(_, v)| v)
}

/// Nulls first, then booleans, numbers and strings in their own order (OData's ascending).
fn compare(a: &Value, b: &Value) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    match (a, b) {
        (Value::Null, Value::Null) => Ordering::Equal,
        (Value::Null, _) => Ordering::Less,
        (_, Value::Null) => Ordering::Greater,
        (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
        (Value::Number(x), Value::Number(y)) => x
            .as_f64()
            .partial_cmp(&y.as_f64())
            .unwrap_or(Ordering::Equal),
        (Value::String(x), Value::String(y)) => x.cmp(y),
        _ => a.to_string().cmp(&b.to_string()),
    }
}

/// The positions of `members` in `$orderby` order (stable: ties keep Graph's order);
/// `None` when the request does not sort.
pub fn order(
    orderby: &[(String, bool)],
    members: impl Iterator<Item = Value>,
) -> Option<Vec<usize>> {
    if orderby.is_empty() {
        return None;
    }
    let values: Vec<Value> = members.collect();
    let mut positions: Vec<usize> = (0..values.len()).collect();
    positions.sort_by(|&a, &b| {
        orderby
            .iter()
            .map(|(name, descending)| {
                let ordering = compare(property(&values[a], name), property(&values[b], name));
                if *descending {
                    ordering.reverse()
                } else {
                    ordering
                }
            })
            .find(|ordering| ordering.is_ne())
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    Some(positions)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keys_in_any_case_sort_with_nulls_first_and_ties_in_place() {
        let members = [
            json!({"id": 1, "Name": "b"}),
            json!({"id": 2, "name": null}),
            json!({"id": 3, "name": "a"}),
            json!({"id": 4, "name": "b"}),
        ];
        let keys = parse("NAME").unwrap();
        assert_eq!(
            order(&keys, members.iter().cloned()),
            Some(vec![1, 2, 0, 3])
        );
        let keys = parse("name desc, id desc").unwrap();
        assert_eq!(
            order(&keys, members.iter().cloned()),
            Some(vec![3, 0, 2, 1])
        );
        assert_eq!(order(&[], members.iter().cloned()), None);
        assert!(parse("name sideways").is_err());
    }
}
