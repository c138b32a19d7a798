//! Merging field sets: the union a UI registers for all of its views.

use crate::error::Error;
use crate::field_set::{Field, FieldSet};
use crate::value::Value;

/// The union of `sets`, by response key, recursively.
///
/// `ids` lists are unioned (a side without `ids` wins); a response key used
/// with a different field name, different other arguments, or as a leaf on
/// one side and a selection on the other is a
/// [`crate::ErrorKind::MergeConflict`] naming the field path.
pub fn merge(sets: &[&FieldSet]) -> Result<FieldSet, Error> {
    let mut fields: Vec<Field> = Vec::new();
    let path = Vec::new();
    for set in sets {
        for f in &set.fields {
            merge_field_into(&mut fields, f.clone(), &path)?;
        }
    }
    Ok(FieldSet { fields })
}

/// Adds `field` to the level `into` (kept sorted by response key), merging it
/// with a field of the same response key. `path` is the level's path, for
/// error messages.
pub fn merge_field_into(into: &mut Vec<Field>, field: Field, path: &[String]) -> Result<(), Error> {
    match into.binary_search_by(|f| f.key.as_str().cmp(&field.key)) {
        Err(at) => {
            into.insert(at, field);
            Ok(())
        }
        Ok(at) => merge_fields(&mut into[at], field, path),
    }
}

fn field_path(path: &[String], key: &str) -> String {
    let mut p = path.join(".");
    if !p.is_empty() {
        p.push('.');
    }
    p.push_str(key);
    p
}

fn print_args(args: &[(String, Value)]) -> String {
    if args.is_empty() {
        return "no arguments".to_string();
    }
    let parts: Vec<String> = args
        .iter()
        .map(|(n, v)| format!("{}: {}", n, v.to_graphql()))
        .collect();
    format!("({})", parts.join(", "))
}

fn merge_fields(into: &mut Field, other: Field, path: &[String]) -> Result<(), Error> {
    let here = field_path(path, &into.key);
    if into.name != other.name {
        return Err(Error::conflict(format!(
            "cannot merge '{}': the response key is used for field '{}' and field '{}'",
            here, into.name, other.name
        )));
    }
    if into.args != other.args {
        return Err(Error::conflict(format!(
            "cannot merge '{}': its arguments differ, {} and {}",
            here,
            print_args(&into.args),
            print_args(&other.args)
        )));
    }
    into.filter = into.filter.union(&other.filter);
    match (&mut into.children, other.children) {
        (None, None) => Ok(()),
        (Some(mine), Some(theirs)) => {
            let mut sub_path = path.to_vec();
            sub_path.push(into.key.clone());
            for f in theirs {
                merge_field_into(mine, f, &sub_path)?;
            }
            Ok(())
        }
        _ => Err(Error::conflict(format!(
            "cannot merge '{}': it is a leaf on one side and has a selection on the other",
            here
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;
    use crate::graphql::resolve::parse_subscription;
    use crate::print::print_subscription;

    fn set(src: &str) -> FieldSet {
        parse_subscription(src, None).unwrap()
    }

    fn merged(a: &str, b: &str) -> Result<String, Error> {
        merge(&[&set(a), &set(b)]).map(|s| print_subscription(&s).unwrap())
    }

    #[test]
    fn unions_by_response_key_recursively() {
        assert_eq!(
            merged("{ a { b c { d } } x }", "{ a { c { e } f } y: x }").unwrap(),
            "subscription { a { b c { d e } f } x y: x }"
        );
    }

    #[test]
    fn unions_ids_and_lets_a_side_without_ids_win() {
        assert_eq!(
            merged(
                r#"{ w(ids: ["a"]) { n } }"#,
                r#"{ w(ids: ["c", "a"]) { s } }"#
            )
            .unwrap(),
            r#"subscription { w(ids: ["a", "c"]) { n s } }"#
        );
        assert_eq!(
            merged(r#"{ w(ids: ["a"]) { n } }"#, "{ w { n } }").unwrap(),
            "subscription { w { n } }"
        );
        assert_eq!(
            merged(
                r#"{ w(exids: ["a", "b"]) { n } }"#,
                r#"{ w(exids: ["b"]) { n } }"#
            )
            .unwrap(),
            r#"subscription { w(exids: ["b"]) { n } }"#
        );
    }

    #[test]
    fn conflicts_name_the_field_path() {
        let e = merged("{ w { t(first: 1) { n } } }", "{ w { t(first: 2) { n } } }").unwrap_err();
        assert_eq!(e.kind, ErrorKind::MergeConflict);
        assert!(
            e.message.contains("'w.t'") && e.message.contains("(first: 1) and (first: 2)"),
            "{}",
            e
        );
        let e = merged("{ w { t } }", "{ w { t { n } } }").unwrap_err();
        assert!(
            e.message.contains("'w.t': it is a leaf on one side"),
            "{}",
            e
        );
        let e = merged("{ w { k: a } }", "{ w { k: b } }").unwrap_err();
        assert!(
            e.message
                .contains("'w.k': the response key is used for field 'a' and field 'b'"),
            "{}",
            e
        );
        let e = merged("{ w { t(first: 1) { n } } }", "{ w { t { n } } }").unwrap_err();
        assert!(e.message.contains("no arguments"), "{}", e);
    }

    #[test]
    fn two_aliases_with_different_arguments_merge() {
        assert_eq!(
            merged(
                r#"{ a: t(ids: ["1"]) { n } }"#,
                r#"{ b: t(first: 3) { s } }"#
            )
            .unwrap(),
            r#"subscription { a: t(ids: ["1"]) { n } b: t(first: 3) { s } }"#
        );
    }

    #[test]
    fn merge_of_nothing_is_empty() {
        assert_eq!(merge(&[]).unwrap(), FieldSet::default());
        let one = set("{ a }");
        assert_eq!(merge(&[&one]).unwrap(), one);
    }
}
