//! Printing field sets back to GraphQL text.

use crate::error::Error;
use crate::field_set::{Field, FieldSet};
use crate::value::{print_string, Value};

/// Prints `set` as `subscription { … }`: fields in response-key order,
/// arguments sorted by name, `ids`/`exids` as lists. The text parses back to
/// an equal set, and equal sets print the same text (a canonical key).
///
/// An empty set is a [`crate::ErrorKind::Type`] error: GraphQL has no text
/// for a selection of nothing.
pub fn print_subscription(set: &FieldSet) -> Result<String, Error> {
    if set.fields.is_empty() {
        return Err(Error::type_error(
            "cannot print an empty field set: a GraphQL selection needs at least one field",
        ));
    }
    let mut out = String::from("subscription ");
    print_level(&set.fields, &mut out);
    Ok(out)
}

fn print_level(fields: &[Field], out: &mut String) {
    out.push_str("{ ");
    for f in fields {
        print_field(f, out);
        out.push(' ');
    }
    out.push('}');
}

fn print_list(list: &[String], out: &mut String) {
    out.push('[');
    for (n, s) in list.iter().enumerate() {
        if n > 0 {
            out.push_str(", ");
        }
        print_string(s, out);
    }
    out.push(']');
}

/// An argument to print: a value, or an `ids`/`exids` list.
enum Arg<'a> {
    Value(&'a Value),
    List(&'a [String]),
}

fn print_field(f: &Field, out: &mut String) {
    if f.key != f.name {
        out.push_str(&f.key);
        out.push_str(": ");
    }
    out.push_str(&f.name);
    let mut args: Vec<(&str, Arg)> = f
        .args
        .iter()
        .map(|(n, v)| (n.as_str(), Arg::Value(v)))
        .collect();
    if let Some(ids) = &f.filter.ids {
        args.push(("ids", Arg::List(ids)));
    }
    if let Some(exids) = &f.filter.exids {
        args.push(("exids", Arg::List(exids)));
    }
    if !args.is_empty() {
        args.sort_by(|a, b| a.0.cmp(b.0));
        out.push('(');
        for (n, (name, arg)) in args.iter().enumerate() {
            if n > 0 {
                out.push_str(", ");
            }
            out.push_str(name);
            out.push_str(": ");
            match arg {
                Arg::Value(v) => v.print(out),
                Arg::List(l) => print_list(l, out),
            }
        }
        out.push(')');
    }
    if let Some(children) = &f.children {
        out.push(' ');
        print_level(children, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graphql::resolve::parse_subscription;

    #[test]
    fn round_trips_and_is_canonical() {
        let src = r#"query Q($x: String = "q\"\n") { z: w(a: $x, ids: ["b", "a"]) { t(exids: "e") { n } } b @include(if: true) }"#;
        let set = parse_subscription(src, None).unwrap();
        let text = print_subscription(&set).unwrap();
        assert_eq!(
            text,
            r#"subscription { b z: w(a: "q\"\n", ids: ["a", "b"]) { t(exids: ["e"]) { n } } }"#
        );
        let again = parse_subscription(&text, None).unwrap();
        assert_eq!(again, set);
        assert_eq!(print_subscription(&again).unwrap(), text);
    }

    #[test]
    fn empty_set_cannot_be_printed() {
        assert!(print_subscription(&FieldSet::default()).is_err());
    }
}
