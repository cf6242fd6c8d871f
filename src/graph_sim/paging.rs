//! OData query options the way Graph treats them: `$top` (the page size), `$skiptoken`
//! (opaque, in `@odata.nextLink`), `$expand` (with nested options), `$select`, `$orderby`;
//! other options are ignored. Pages carry an absolute `@odata.nextLink` while more remain.
//!
//! Names are read as Graph beta reads them: "On the beta endpoint, the `$` prefix is
//! optional" (concepts/query-parameters.md), so `top=5` is `$top=5`; and, as the OData
//! 4.01 URL conventions that page links to allow, option names and the property names in
//! `$select` / `$expand` / `$orderby` match whatever their case (`$Select=DisplayName`).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{json, Map, Value};

use super::ordering;

/// One `$expand` item, e.g. `scheduledActionsForRule($expand=scheduledActionConfigurations)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expand {
    pub name: String,
    pub nested: Vec<Expand>,
}

#[derive(Debug, Clone, Default)]
pub struct Query {
    /// The raw `name=value` pairs other than `$skiptoken`, for the next link.
    raw: Vec<String>,
    pub top: Option<usize>,
    pub skip: usize,
    pub expand: Vec<Expand>,
    pub select: Option<Vec<String>>,
    /// The most a `$top` gets on this level (`None`: [`MAX_TOP`]). A `$top` above it is
    /// capped, one of the three behaviours concepts/paging.md allows ("the requested page
    /// size might be ignored, it might default to the maximum page size for that API, or
    /// Microsoft Graph might return an error"); capping is what a client that follows
    /// `@odata.nextLink` survives unchanged, so no read loses objects to it.
    pub max_top: Option<usize>,
    /// `$orderby`: property names (matched in any case) and whether descending.
    pub orderby: Vec<(String, bool)>,
}

/// The largest page Graph hands out where a collection documents no maximum of its own:
/// Graph's general `$top` ceiling (concepts/paging.md: "Different APIs might have different
/// default and maximum page sizes"; 999 is the documented maximum of the directory lists).
pub const MAX_TOP: usize = 999;

/// The system query option a parameter name is, `$` optional and any case (beta).
fn option_name(name: &str) -> String {
    name.strip_prefix('$').unwrap_or(name).to_ascii_lowercase()
}

impl Query {
    /// Parses a query string; `Err` carries Graph's message for a malformed option.
    pub fn parse(query: &str) -> Result<Self, String> {
        let mut parsed = Self::default();
        for raw in query.split('&').filter(|part| !part.is_empty()) {
            let (name, value) = raw.split_once('=').unwrap_or((raw, ""));
            let name = option_name(&decode(name));
            let value = decode(value);
            match name.as_str() {
                "skiptoken" => {
                    parsed.skip = decode_skiptoken(&value)
                        .ok_or_else(|| format!("The skip token '{value}' is invalid."))?;
                    continue;
                }
                "top" => {
                    let top: usize = value.trim().parse().map_err(|_| {
                        format!("Invalid value '{value}' for $top query option found. The $top query option requires a non-negative integer value.")
                    })?;
                    parsed.top = Some(top.max(1));
                }
                "expand" => parsed.expand = parse_expand(&value)?,
                "select" => {
                    parsed.select = Some(
                        value
                            .split(',')
                            .map(|s| s.trim().to_owned())
                            .filter(|s| !s.is_empty())
                            .collect(),
                    );
                }
                "orderby" => parsed.orderby = ordering::parse(&value)?,
                // $filter, $count, $search and non-OData parameters: ignored,
                // as Intune's collections mostly do
                _ => {}
            }
            parsed.raw.push(raw.to_owned());
        }
        Ok(parsed)
    }

    /// Writes every expanded name found in `known` (whatever its case) as `known` spells
    /// it, so that `$expand=Assignments` answers with an `assignments` property, as Graph's
    /// does.
    pub fn canonicalize_expands(&mut self, known: &[&str]) {
        fn walk(items: &mut [Expand], known: &[&str]) {
            for item in items {
                if let Some(name) = known.iter().find(|k| k.eq_ignore_ascii_case(&item.name)) {
                    item.name = (*name).to_owned();
                }
                walk(&mut item.nested, known);
            }
        }
        walk(&mut self.expand, known);
    }

    pub fn expands(&self, name: &str) -> Option<&Expand> {
        self.expand
            .iter()
            .find(|e| e.name.eq_ignore_ascii_case(name))
    }

    /// The first expanded name not in `allowed`.
    pub fn unsupported_expand(&self, allowed: &[&str]) -> Option<&str> {
        self.expand
            .iter()
            .map(|e| e.name.as_str())
            .find(|name| !allowed.iter().any(|a| a.eq_ignore_ascii_case(name)))
    }

    /// Applies `$select` to one object (id and `@odata.type` always stay, as in Graph).
    pub fn project(&self, object: Value) -> Value {
        let (Some(select), Value::Object(map)) = (&self.select, &object) else {
            return object;
        };
        let kept: Map<String, Value> = map
            .iter()
            .filter(|(k, _)| {
                k.as_str() == "id"
                    || k.as_str() == "@odata.type"
                    || select.iter().any(|s| s.eq_ignore_ascii_case(k))
                    || self.expands(k).is_some()
            })
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        Value::Object(kept)
    }
}

/// A query parameter's value decoded as a query string encodes it (`%XX`, `+` a space).
pub(crate) fn decode(text: &str) -> String {
    form_urlencoded::parse(format!("x={text}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

fn parse_expand(text: &str) -> Result<Vec<Expand>, String> {
    let mut items = Vec::new();
    for part in split_top_level(text, ',') {
        let part = part.trim();
        if part.is_empty() {
            continue;
        }
        let (name, nested) = match part.find('(') {
            Some(open) if part.ends_with(')') => {
                let inner = &part[open + 1..part.len() - 1];
                let mut nested = Vec::new();
                for option in split_top_level(inner, ';') {
                    let (name, value) = option.trim().split_once('=').unwrap_or((option, ""));
                    if option_name(name.trim()) == "expand" {
                        nested = parse_expand(value)?;
                    }
                }
                (&part[..open], nested)
            }
            Some(_) => {
                return Err(format!(
                    "Syntax error at position {} in '{text}'.",
                    text.len()
                ))
            }
            None => (part, Vec::new()),
        };
        items.push(Expand {
            name: name.trim().to_owned(),
            nested,
        });
    }
    Ok(items)
}

fn split_top_level(text: &str, separator: char) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0_i32, 0);
    for (at, c) in text.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            c if c == separator && depth == 0 => {
                parts.push(&text[start..at]);
                start = at + 1;
            }
            _ => {}
        }
    }
    parts.push(&text[start..]);
    parts
}

fn encode_skiptoken(skip: usize) -> String {
    URL_SAFE_NO_PAD.encode(format!("sim-skip={skip}"))
}

fn decode_skiptoken(token: &str) -> Option<usize> {
    let bytes = URL_SAFE_NO_PAD.decode(token.trim()).ok()?;
    String::from_utf8(bytes)
        .ok()?
        .strip_prefix("sim-skip=")?
        .parse()
        .ok()
}

/// The slice of `total` members one request gets, and the next link when more remain.
fn window(
    total: usize,
    query: &Query,
    page_size: usize,
    url: &str,
) -> (usize, usize, Option<String>) {
    let max = query.max_top.unwrap_or(MAX_TOP);
    let size = query.top.map_or(page_size, |top| top.min(max)).max(1);
    let start = query.skip.min(total);
    let end = (start + size).min(total);
    let next = (end < total).then(|| {
        let mut parts = query.raw.clone();
        parts.push(format!("$skiptoken={}", encode_skiptoken(end)));
        format!("{url}?{}", parts.join("&"))
    });
    (start, end, next)
}

/// A page of a collection: `@odata.context`, `value`, and `@odata.nextLink` (absolute)
/// when more remain. `url` is the request's absolute URL without its query. Only the
/// page's items are rendered, so a long cached list is not copied per page.
pub fn page<T>(
    items: &[T],
    query: &Query,
    page_size: usize,
    url: &str,
    context: &str,
    render: impl Fn(&T) -> Value,
) -> Value {
    let (start, end, next) = window(items.len(), query, page_size, url);
    let order = ordering::order(&query.orderby, items.iter().map(&render));
    let value: Vec<Value> = (start..end)
        .map(|at| order.as_ref().map_or(at, |order| order[at]))
        .map(|at| query.project(render(&items[at])))
        .collect();
    let mut body = json!({"@odata.context": context, "value": value});
    if let Some(next) = next {
        body["@odata.nextLink"] = json!(next);
    }
    body
}

/// The same page from members already serialized: what lists and child collections
/// serve from the cache, so a page costs string copies rather than JSON encoding.
pub fn page_text<S: AsRef<str>>(
    items: &[S],
    query: &Query,
    page_size: usize,
    url: &str,
    context: &str,
) -> String {
    let (start, end, next) = window(items.len(), query, page_size, url);
    let order = ordering::order(
        &query.orderby,
        items
            .iter()
            .map(|m| serde_json::from_str(m.as_ref()).unwrap_or(Value::Null)),
    );
    let members: Vec<&S> = (start..end)
        .map(|at| &items[order.as_ref().map_or(at, |order| order[at])])
        .collect();
    let mut out =
        String::with_capacity(64 + members.iter().map(|m| m.as_ref().len() + 1).sum::<usize>());
    out.push_str("{\"@odata.context\":");
    out.push_str(&Value::from(context).to_string());
    if let Some(next) = next {
        out.push_str(",\"@odata.nextLink\":");
        out.push_str(&Value::from(next).to_string());
    }
    out.push_str(",\"value\":[");
    for (position, member) in members.into_iter().enumerate() {
        if position > 0 {
            out.push(',');
        }
        match &query.select {
            None => out.push_str(member.as_ref()),
            Some(_) => {
                let value = serde_json::from_str(member.as_ref()).unwrap_or(Value::Null);
                out.push_str(&query.project(value).to_string());
            }
        }
    }
    out.push_str("]}");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_expands_parse() {
        let query = Query::parse("$expand=assignments,scheduledActionsForRule($expand=scheduledActionConfigurations)&foo=bar").unwrap();
        assert_eq!(query.expand.len(), 2);
        let rule = query.expands("scheduledActionsForRule").unwrap();
        assert_eq!(rule.nested[0].name, "scheduledActionConfigurations");
        assert_eq!(
            query.unsupported_expand(&["assignments"]),
            Some("scheduledActionsForRule")
        );
    }

    #[test]
    fn pages_link_to_the_rest_until_it_is_read() {
        let items: Vec<Value> = (0..60).map(|i| json!({"id": i})).collect();
        let mut query = Query::parse("%24expand=settings").unwrap();
        let mut seen = 0;
        let mut pages = 0;
        loop {
            let body = page(&items, &query, 25, "http://h/beta/x", "ctx", Value::clone);
            seen += body["value"].as_array().unwrap().len();
            pages += 1;
            let Some(next) = body["@odata.nextLink"].as_str() else {
                break;
            };
            assert!(next.starts_with("http://h/beta/x?%24expand=settings&$skiptoken="));
            query = Query::parse(next.split_once('?').unwrap().1).unwrap();
        }
        assert_eq!((seen, pages), (60, 3));
    }

    #[test]
    fn top_sets_the_page_size_and_bad_values_are_refused() {
        let items: Vec<Value> = (0..10).map(|i| json!({"id": i})).collect();
        let body = page(
            &items,
            &Query::parse("$top=4").unwrap(),
            25,
            "u",
            "c",
            Value::clone,
        );
        assert_eq!(body["value"].as_array().unwrap().len(), 4);
        assert!(Query::parse("$top=x").is_err());
        assert!(Query::parse("$skiptoken=garbage!").is_err());
    }

    #[test]
    fn a_page_of_serialized_members_is_the_same_json() {
        let items: Vec<Value> = (0..30)
            .map(|i| json!({"id": i, "name": format!("n{i}")}))
            .collect();
        let texts: Vec<String> = items.iter().map(Value::to_string).collect();
        for query in ["", "$select=name", "$top=7&$skiptoken=c2ltLXNraXA9Nw"] {
            let query = Query::parse(query).unwrap();
            let text = page_text(&texts, &query, 25, "u", "c");
            let value = page(&items, &query, 25, "u", "c", Value::clone);
            assert_eq!(serde_json::from_str::<Value>(&text).unwrap(), value);
        }
    }

    #[test]
    fn options_without_dollar_and_in_any_case_are_the_same_options() {
        let query = Query::parse("top=3&Select=DisplayName&EXPAND=assignments").unwrap();
        assert_eq!(query.top, Some(3));
        assert!(query.expands("Assignments").is_some());
        let object = json!({"id": "1", "displayName": "n", "other": 1, "assignments": []});
        assert_eq!(
            query.project(object),
            json!({"id": "1", "displayName": "n", "assignments": []})
        );
        let nested = Query::parse("expand=rules(expand=configurations)").unwrap();
        assert_eq!(nested.expand[0].nested[0].name, "configurations");
    }

    #[test]
    fn a_top_above_the_maximum_is_capped_and_the_rest_is_linked() {
        let items: Vec<Value> = (0..30).map(|i| json!({"id": i})).collect();
        let mut query = Query::parse("$top=50").unwrap();
        query.max_top = Some(10);
        let body = page(&items, &query, 5, "u", "c", Value::clone);
        assert_eq!(body["value"].as_array().unwrap().len(), 10);
        assert!(body["@odata.nextLink"]
            .as_str()
            .unwrap()
            .contains("$top=50"));
        let body = page(
            &items,
            &Query::parse("").unwrap(),
            5,
            "u",
            "c",
            Value::clone,
        );
        assert_eq!(body["value"].as_array().unwrap().len(), 5);
    }

    #[test]
    fn orderby_sorts_by_a_property_named_in_any_case_across_pages() {
        let items: Vec<Value> = [3, 1, 2, 5, 4]
            .iter()
            .map(|n| json!({"id": n, "displayName": format!("n{n}")}))
            .collect();
        let texts: Vec<String> = items.iter().map(Value::to_string).collect();
        let query = Query::parse("orderby=DISPLAYNAME desc&$top=2").unwrap();
        let first = page(&items, &query, 25, "u", "c", Value::clone);
        assert_eq!(
            first["value"],
            json!([{"id": 5, "displayName": "n5"}, {"id": 4, "displayName": "n4"}])
        );
        let next = first["@odata.nextLink"].as_str().unwrap();
        let rest = Query::parse(next.split_once('?').unwrap().1).unwrap();
        let second: Value = serde_json::from_str(&page_text(&texts, &rest, 25, "u", "c")).unwrap();
        assert_eq!(second["value"][0]["id"], 3);
        assert!(Query::parse("$orderby=name sideways").is_err());
    }
}
