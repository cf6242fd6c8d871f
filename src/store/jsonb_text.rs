//! The text PostgreSQL prints for a `jsonb` value (`payload::text`), computed in Rust
//! before the value is stored. The hash chain covers payload and metadata in this form:
//! it is what a verifier reads back byte for byte, whereas the JSON this process sends is
//! normalised by `jsonb` (key order, white space, number notation) on the way in.
//!
//! PostgreSQL's `jsonb` output (unchanged since 9.4):
//! - objects: `{"key": value, "key": value}`; keys ordered shorter first (in UTF-8 bytes),
//!   then bytewise; empty: `{}`;
//! - arrays: `[a, b]` in their own order; empty: `[]`;
//! - strings: `"` and `\` escaped with a backslash, U+0008, U+0009, U+000A, U+000C and
//!   U+000D as `\b`, `\t`, `\n`, `\f`, `\r`, other characters below U+0020 as `\u00xx`
//!   (lower-case hex), everything else as is (UTF-8);
//! - numbers: the `numeric` the JSON number text becomes, printed by `numeric_out` (see
//!   [`numeric_text`]);
//! - `true`, `false`, `null`.
//!
//! Tested against PostgreSQL itself (tests/api/audit_chain.rs) and by the round trip of every
//! appended event through verification.

use std::fmt::Write as _;

use serde_json::{Number, Value};

/// `value` as PostgreSQL prints it once stored as `jsonb`.
pub fn jsonb_text(value: &Value) -> String {
    let mut out = String::with_capacity(256);
    write_value(&mut out, value);
    out
}

fn write_value(out: &mut String, value: &Value) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(true) => out.push_str("true"),
        Value::Bool(false) => out.push_str("false"),
        Value::Number(number) => write_number(out, number),
        Value::String(text) => write_string(out, text),
        Value::Array(items) => {
            out.push('[');
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    out.push_str(", ");
                }
                write_value(out, item);
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            // jsonb's key order: by length in bytes, then bytewise
            entries.sort_by(|(a, _), (b, _)| {
                a.len()
                    .cmp(&b.len())
                    .then_with(|| a.as_bytes().cmp(b.as_bytes()))
            });
            out.push('{');
            for (index, (key, item)) in entries.into_iter().enumerate() {
                if index > 0 {
                    out.push_str(", ");
                }
                write_string(out, key);
                out.push_str(": ");
                write_value(out, item);
            }
            out.push('}');
        }
    }
}

fn write_string(out: &mut String, text: &str) {
    out.push('"');
    for character in text.chars() {
        match character {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            control if u32::from(control) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(control));
            }
            other => out.push(other),
        }
    }
    out.push('"');
}

fn write_number(out: &mut String, number: &Number) {
    // the very text serde_json sends to PostgreSQL for this number
    let sent = number.to_string();
    out.push_str(&numeric_text(&sent));
}

/// What `numeric_out(numeric_in(text))` prints for a JSON number `text`: the exact decimal
/// value, without exponent; as many fraction digits as the text has after its point minus
/// its exponent (at least none), so `3.0` stays `3.0`, `1.5e-7` is `0.00000015` and `1e2`
/// is `100`; no sign on zero. Text that is not a JSON number is returned unchanged.
pub fn numeric_text(text: &str) -> String {
    let Some(parts) = NumberParts::parse(text) else {
        return text.to_owned();
    };
    let digits: Vec<u8> = parts
        .integer
        .bytes()
        .chain(parts.fraction.bytes())
        .collect();
    let fraction_len = parts.fraction.len() as i64;
    // where the decimal point falls in `digits` once the exponent is applied
    let point = parts.integer.len() as i64 + parts.exponent;
    let scale = (fraction_len - parts.exponent).max(0);
    let digit_at = |index: i64| -> u8 {
        usize::try_from(index)
            .ok()
            .and_then(|index| digits.get(index).copied())
            .unwrap_or(b'0')
    };
    let mut integer: String = (0..point.max(0)).map(|i| digit_at(i) as char).collect();
    let significant = integer.trim_start_matches('0').len();
    integer.drain(..integer.len() - significant);
    if integer.is_empty() {
        integer.push('0');
    }
    let zero = digits.iter().all(|digit| *digit == b'0');
    let mut printed = String::with_capacity(integer.len() + scale as usize + 2);
    if parts.negative && !zero {
        printed.push('-');
    }
    printed.push_str(&integer);
    if scale > 0 {
        printed.push('.');
        printed.extend((point..point + scale).map(|i| digit_at(i) as char));
    }
    printed
}

/// A JSON number split into sign, integer digits, fraction digits and exponent.
struct NumberParts<'a> {
    negative: bool,
    integer: &'a str,
    fraction: &'a str,
    exponent: i64,
}

impl<'a> NumberParts<'a> {
    fn parse(text: &'a str) -> Option<Self> {
        let (negative, rest) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let (mantissa, exponent) = match rest.find(['e', 'E']) {
            Some(at) => (&rest[..at], rest[at + 1..].parse::<i64>().ok()?),
            None => (rest, 0),
        };
        let (integer, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        let all_digits = |part: &str| part.bytes().all(|byte| byte.is_ascii_digit());
        if integer.is_empty() || !all_digits(integer) || !all_digits(fraction) {
            return None;
        }
        Some(Self {
            negative,
            integer,
            fraction,
            exponent,
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn numbers_print_as_numeric_does() {
        // expectations from PostgreSQL 15: SELECT '<text>'::jsonb::text
        for (text, printed) in [
            ("0", "0"),
            ("-0", "0"),
            ("-0.0", "0.0"),
            ("3.0", "3.0"),
            ("0.1", "0.1"),
            ("123", "123"),
            ("-42", "-42"),
            ("1.5e-7", "0.00000015"),
            ("1e20", "100000000000000000000"),
            ("1E+2", "100"),
            ("0.1e1", "1"),
            ("100e-2", "1.00"),
            ("1.152921504606847e18", "1152921504606847000"),
            ("-2.5E-3", "-0.0025"),
            ("18446744073709551615", "18446744073709551615"),
        ] {
            assert_eq!(numeric_text(text), printed, "{text}");
        }
    }

    #[test]
    fn objects_order_keys_shorter_first_then_bytewise() {
        let value = json!({"bb": 1, "a": 2, "é": 3, "ab": {"z": [], "y": {}}});
        assert_eq!(
            jsonb_text(&value),
            r#"{"a": 2, "ab": {"y": {}, "z": []}, "bb": 1, "é": 3}"#
        );
    }

    #[test]
    fn strings_escape_as_postgresql_does() {
        let value = json!("a\u{1}\u{1f}\u{7f}\u{8}\u{c}\n\r\t\\\"/ é😀");
        assert_eq!(
            jsonb_text(&value),
            "\"a\\u0001\\u001f\u{7f}\\b\\f\\n\\r\\t\\\\\\\"/ é😀\""
        );
    }

    #[test]
    fn floats_print_their_exact_decimal() {
        let value = json!([0.5, -0.0, 1e300, 2.0_f64.powi(60), 1.0 / 3.0]);
        let printed = jsonb_text(&value);
        assert!(printed.starts_with("[0.5, 0.0, 1000"), "{printed}");
        assert!(printed.contains(", 1152921504606847000, 0.3333333333333333]"));
    }
}
