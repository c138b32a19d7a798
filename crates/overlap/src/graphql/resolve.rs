//! Resolution of a parsed document into a [`FieldSet`]: fragments are
//! inlined, variables substituted, `@skip`/`@include` applied, and
//! selections sharing a response key merged.

use super::lexer::line_column;
use super::parser::{parse_document, Argument, AstValue, Directive, Document, Fragment, Selection};
use crate::error::{Error, ErrorKind, MAX_DEPTH};
use crate::field_set::{Field, FieldSet, IdFilter};
use crate::json::{parse_into, Kind, Tape};
use crate::merge::merge_field_into;
use crate::value::{check_depth, Value};
use std::collections::HashMap;

/// Resolution stops once a document expands to more fields than this: a few
/// fragments that each spread the next twice would otherwise expand
/// exponentially ("billion laughs").
pub const MAX_RESOLVED_FIELDS: usize = 100_000;

/// Parses `src` and resolves it with the JSON object `variables` (if any)
/// into a field set.
pub fn parse_subscription(src: &str, variables: Option<&[u8]>) -> Result<FieldSet, Error> {
    let doc = parse_document(src)?;
    let vars = match variables {
        Some(json) => parse_variables(json)?,
        None => HashMap::new(),
    };
    resolve_document(src, &doc, &vars)
}

fn parse_variables(json: &[u8]) -> Result<HashMap<String, Value>, Error> {
    let mut nodes = Vec::new();
    parse_into(json, &mut nodes)
        .map_err(|e| Error::new(e.kind, format!("variables: {}", e.message)))?;
    let tape = Tape {
        src: json,
        nodes: &nodes,
    };
    if nodes[0].kind != Kind::Object {
        return Err(Error::type_error(
            "variables must be a JSON object of name → value",
        ));
    }
    Ok(tape
        .members(0)
        .map(|(k, v)| {
            (
                String::from_utf8_lossy(&tape.string(k)).into_owned(),
                Value::from_json(&tape, v),
            )
        })
        .collect())
}

/// Resolves a parsed document with the given variable values.
pub fn resolve_document(
    src: &str,
    doc: &Document,
    vars: &HashMap<String, Value>,
) -> Result<FieldSet, Error> {
    if doc.operations.len() != 1 {
        return Err(Error::type_error(format!(
            "the document must hold exactly one operation, found {}",
            doc.operations.len()
        )));
    }
    let op = &doc.operations[0];
    let mut fragments: HashMap<&str, &Fragment> = HashMap::new();
    for f in &doc.fragments {
        if fragments.insert(f.name.as_str(), f).is_some() {
            return Err(at_error(
                src,
                f.at,
                ErrorKind::Type,
                &format!("fragment '{}' is defined more than once", f.name),
            ));
        }
    }
    let defaults: HashMap<&str, &Option<AstValue>> =
        op.variables.iter().map(|(n, d)| (n.as_str(), d)).collect();
    let mut r = Resolver {
        src,
        fragments,
        vars,
        defaults,
        resolved: 0,
        active: Vec::new(),
        path: Vec::new(),
    };
    let mut fields = Vec::new();
    r.selections(&op.selections, 1, &mut fields)?;
    Ok(FieldSet { fields })
}

fn at_error(src: &str, at: usize, kind: ErrorKind, message: &str) -> Error {
    let (line, col) = line_column(src, at);
    Error::new(kind, format!("line {}, column {}: {}", line, col, message))
}

struct Resolver<'a> {
    src: &'a str,
    fragments: HashMap<&'a str, &'a Fragment>,
    vars: &'a HashMap<String, Value>,
    defaults: HashMap<&'a str, &'a Option<AstValue>>,
    resolved: usize,
    active: Vec<&'a str>,
    path: Vec<String>,
}

impl<'a> Resolver<'a> {
    fn error(&self, at: usize, kind: ErrorKind, message: &str) -> Error {
        at_error(self.src, at, kind, message)
    }

    /// The value of variable `name`: given, else its default, else absent.
    fn variable(&self, name: &str, at: usize) -> Result<Option<Value>, Error> {
        if let Some(v) = self.vars.get(name) {
            if !self.defaults.contains_key(name) {
                return Err(self.undefined(name, at));
            }
            return Ok(Some(v.clone()));
        }
        match self.defaults.get(name) {
            None => Err(self.undefined(name, at)),
            Some(None) => Ok(None),
            Some(Some(default)) => self.value(default, at),
        }
    }

    fn undefined(&self, name: &str, at: usize) -> Error {
        self.error(
            at,
            ErrorKind::Type,
            &format!("variable '${}' is not defined by the operation", name),
        )
    }

    /// Substitutes variables; `None` when the value is an absent variable.
    fn value(&self, v: &AstValue, at: usize) -> Result<Option<Value>, Error> {
        Ok(Some(match v {
            AstValue::Variable(n) => return self.variable(n, at),
            AstValue::Null => Value::Null,
            AstValue::Bool(b) => Value::Bool(*b),
            AstValue::Int(t) => Value::Int(t.clone()),
            AstValue::Float(t) => Value::Float(t.clone()),
            AstValue::Str(s) => Value::Str(s.clone()),
            AstValue::Enum(s) => Value::Enum(s.clone()),
            AstValue::List(items) => {
                let mut out = Vec::with_capacity(items.len());
                for item in items {
                    // An absent variable inside a list is null (GraphQL 6.4.1).
                    out.push(self.value(item, at)?.unwrap_or(Value::Null));
                }
                Value::List(out)
            }
            AstValue::Object(fields) => {
                let mut out = Vec::with_capacity(fields.len());
                for (name, value) in fields {
                    if let Some(v) = self.value(value, at)? {
                        out.push((name.clone(), v));
                    }
                }
                out.sort_by(|a, b| a.0.cmp(&b.0));
                Value::Object(out)
            }
        }))
    }

    /// Whether `@skip`/`@include` leave the selection in.
    fn included(&self, directives: &[Directive]) -> Result<bool, Error> {
        for d in directives {
            if d.name != "skip" && d.name != "include" {
                continue;
            }
            let arg = d.args.iter().find(|a| a.name == "if");
            let cond = match arg {
                Some(a) => self.value(&a.value, a.at)?,
                None => None,
            };
            match cond {
                Some(Value::Bool(b)) => {
                    if (d.name == "skip") == b {
                        return Ok(false);
                    }
                }
                _ => {
                    return Err(self.error(
                        d.at,
                        ErrorKind::Type,
                        &format!("@{} needs an 'if' argument that is a Boolean", d.name),
                    ))
                }
            }
        }
        Ok(true)
    }

    fn selections(
        &mut self,
        selections: &'a [Selection],
        depth: usize,
        into: &mut Vec<Field>,
    ) -> Result<(), Error> {
        for s in selections {
            match s {
                Selection::Field(f) => {
                    if !self.included(&f.directives)? {
                        continue;
                    }
                    self.resolved += 1;
                    if self.resolved > MAX_RESOLVED_FIELDS {
                        return Err(self.error(f.at, ErrorKind::Range, &format!(
                            "the document expands to more than {} fields; are fragments spread too often?",
                            MAX_RESOLVED_FIELDS
                        )));
                    }
                    let field = self.field(f, depth)?;
                    merge_field_into(into, field, &self.path).map_err(|e| {
                        self.error(
                            f.at,
                            ErrorKind::Type,
                            &format!("fields conflict: {}", e.message),
                        )
                    })?;
                }
                Selection::Spread {
                    name,
                    directives,
                    at,
                } => {
                    if !self.included(directives)? {
                        continue;
                    }
                    let fragment = match self.fragments.get(name.as_str()) {
                        Some(f) => *f,
                        None => {
                            return Err(self.error(
                                *at,
                                ErrorKind::Type,
                                &format!("unknown fragment '{}'", name),
                            ))
                        }
                    };
                    if self.active.contains(&fragment.name.as_str()) {
                        let mut cycle: Vec<&str> = self.active.clone();
                        cycle.push(&fragment.name);
                        return Err(self.error(
                            *at,
                            ErrorKind::Type,
                            &format!("fragment '{}' spreads itself ({})", name, cycle.join(" → ")),
                        ));
                    }
                    self.active.push(&fragment.name);
                    self.selections(&fragment.selections, depth, into)?;
                    self.active.pop();
                }
                Selection::Inline {
                    directives,
                    selections,
                } => {
                    if self.included(directives)? {
                        self.selections(selections, depth, into)?;
                    }
                }
            }
        }
        Ok(())
    }

    fn field(&mut self, f: &'a super::parser::AstField, depth: usize) -> Result<Field, Error> {
        let key = f.alias.clone().unwrap_or_else(|| f.name.clone());
        if key == "id" && f.name != "id" {
            return Err(self.error(f.at, ErrorKind::Type, &format!(
                "the response key 'id' is reserved for the identity field; alias '{}' to another key",
                f.name
            )));
        }
        if f.name == "id" && f.selections.is_some() {
            return Err(self.error(
                f.at,
                ErrorKind::Type,
                "'id' is the identity key, a leaf: it takes no sub-selection",
            ));
        }
        let (args, filter) = self.arguments(&f.args)?;
        let children = match &f.selections {
            None => None,
            Some(selections) => {
                if depth + 1 > MAX_DEPTH {
                    return Err(self.error(
                        f.at,
                        ErrorKind::Range,
                        &format!("selections nested deeper than {} levels", MAX_DEPTH),
                    ));
                }
                self.path.push(key.clone());
                let mut children = Vec::new();
                let result = self.selections(selections, depth + 1, &mut children);
                self.path.pop();
                result?;
                if children.is_empty() {
                    // Every sub-field was skipped: the selection still asks
                    // whether the object is there, which is what `{ id }`
                    // asks too, so that is its canonical form.
                    children.push(Field {
                        key: "id".into(),
                        name: "id".into(),
                        args: Vec::new(),
                        filter: IdFilter::default(),
                        children: None,
                    });
                }
                Some(children)
            }
        };
        Ok(Field {
            key,
            name: f.name.clone(),
            args,
            filter,
            children,
        })
    }

    fn arguments(&self, args: &[Argument]) -> Result<(Vec<(String, Value)>, IdFilter), Error> {
        let mut out = Vec::new();
        let mut ids = None;
        let mut exids = None;
        for a in args {
            let value = match self.value(&a.value, a.at)? {
                Some(v) => v,
                None => continue,
            };
            check_depth(&value, &format!("argument '{}'", a.name))?;
            if a.name == "ids" || a.name == "exids" {
                if value == Value::Null {
                    continue;
                }
                let list = value.as_string_list().ok_or_else(|| {
                    self.error(
                        a.at,
                        ErrorKind::Type,
                        &format!(
                            "'{}' must be a string or a list of strings, got {}",
                            a.name,
                            value.to_graphql()
                        ),
                    )
                })?;
                if a.name == "ids" {
                    ids = Some(list);
                } else {
                    exids = Some(list);
                }
            } else {
                out.push((a.name.clone(), value));
            }
        }
        out.sort_by(|a, b| a.0.cmp(&b.0));
        Ok((out, IdFilter::new(ids, exids)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::print::print_subscription;

    fn parse(src: &str) -> Result<FieldSet, Error> {
        parse_subscription(src, None)
    }

    fn parse_vars(src: &str, vars: &str) -> Result<FieldSet, Error> {
        parse_subscription(src, Some(vars.as_bytes()))
    }

    fn printed(src: &str) -> String {
        print_subscription(&parse(src).unwrap()).unwrap()
    }

    #[test]
    fn resolves_fragments_inline_fragments_and_aliases() {
        let s = printed(
            "subscription { workflows { ...W ... on Workflow { status } ... { n: name } } }
             fragment W on Workflow { id taskProxies { ...T } }
             fragment T on TaskProxy { name }",
        );
        assert_eq!(
            s,
            "subscription { workflows { id n: name status taskProxies { name } } }"
        );
    }

    #[test]
    fn keeps_arguments_and_filters_ids() {
        let s = printed(
            r#"{ workflows(ids: "b", first: 2, where: {z: 1, a: [X]}) { jobs(exids: ["j2", "j1"]) { id } } }"#,
        );
        assert_eq!(
            s,
            r#"subscription { workflows(first: 2, ids: ["b"], where: {a: [X], z: 1}) { jobs(exids: ["j1", "j2"]) { id } } }"#
        );
    }

    #[test]
    fn substitutes_variables_and_defaults() {
        let src = r#"query($ids: [ID], $n: Int = 5, $absent: Int) { a(ids: $ids, n: $n, m: $absent, l: [$absent]) { b } }"#;
        let s = print_subscription(&parse_vars(src, r#"{"ids": ["x", "y"]}"#).unwrap()).unwrap();
        assert_eq!(
            s,
            r#"subscription { a(ids: ["x", "y"], l: [null], n: 5) { b } }"#
        );
        let s = print_subscription(&parse_vars(src, r#"{"n": 7, "ids": null}"#).unwrap()).unwrap();
        assert_eq!(s, r#"subscription { a(l: [null], n: 7) { b } }"#);
        let e = parse("{ a(n: $undeclared) }").unwrap_err();
        assert!(
            e.message.contains("variable '$undeclared' is not defined"),
            "{}",
            e
        );
        let e = parse_vars("{ a }", "[1]").unwrap_err();
        assert_eq!(e.kind, ErrorKind::Type);
        let e = parse_vars("{ a }", "{").unwrap_err();
        assert!(
            e.message.starts_with("variables: invalid JSON at byte 1"),
            "{}",
            e
        );
    }

    #[test]
    fn applies_skip_and_include() {
        let src = "query($yes: Boolean!, $no: Boolean = false) {
            a @skip(if: $yes) b @include(if: $yes) c @include(if: $no) d @skip(if: $no)
            ... @skip(if: true) { e } f { g @skip(if: true) } }";
        let s = print_subscription(&parse_vars(src, r#"{"yes": true}"#).unwrap()).unwrap();
        assert_eq!(s, "subscription { b d f { id } }");
        let e = parse("{ a @skip(if: 1) }").unwrap_err();
        assert!(e
            .message
            .contains("@skip needs an 'if' argument that is a Boolean"));
        let e = parse_vars("query($c: Boolean) { a @include(if: $c) }", "{}").unwrap_err();
        assert_eq!(e.kind, ErrorKind::Type);
    }

    #[test]
    fn merges_repeated_selections() {
        assert_eq!(
            printed("{ a { b } a { c } a { b } }"),
            "subscription { a { b c } }"
        );
        assert_eq!(
            printed(r#"{ a(ids: ["1"]) { b } a(ids: ["2"]) { b } }"#),
            r#"subscription { a(ids: ["1", "2"]) { b } }"#
        );
        let e = parse("{ a(n: 1) { b } a(n: 2) { b } }").unwrap_err();
        assert_eq!(e.kind, ErrorKind::Type);
        assert!(
            e.message.contains("fields conflict") && e.message.contains("'a'"),
            "{}",
            e
        );
        let e = parse("{ x: a x: b }").unwrap_err();
        assert!(e.message.contains("fields conflict"), "{}", e);
    }

    #[test]
    fn refuses_semantic_errors() {
        let cases = [
            ("{ ...Nope }", "unknown fragment 'Nope'"),
            (
                "{ ...A } fragment A on X { ...B } fragment B on X { ...A }",
                "spreads itself (A → B → A)",
            ),
            ("{ a } { b }", "exactly one operation, found 2"),
            ("fragment A on X { a }", "exactly one operation, found 0"),
            (
                "{ a } fragment A on X { a } fragment A on X { b }",
                "defined more than once",
            ),
            (
                "{ a(ids: [1]) { b } }",
                "'ids' must be a string or a list of strings",
            ),
            ("{ id: name }", "reserved for the identity field"),
            ("{ id { x } }", "takes no sub-selection"),
        ];
        for (src, expected) in cases.iter() {
            let e = parse(src).unwrap_err();
            assert_eq!(e.kind, ErrorKind::Type, "{}", src);
            assert!(
                e.message.contains(expected),
                "{:?} gave {:?}",
                src,
                e.message
            );
        }
    }

    #[test]
    fn bounds_exponential_fragment_expansion() {
        let mut src = String::from("{ ...F0 }\n");
        for i in 0..30 {
            src.push_str(&format!(
                "fragment F{} on X {{ a: x ...F{} ...F{} }}\n",
                i,
                i + 1,
                i + 1
            ));
        }
        src.push_str("fragment F30 on X { a: x }");
        let e = parse(&src).unwrap_err();
        assert_eq!(e.kind, ErrorKind::Range);
    }

    #[test]
    fn depth_limit_counts_resolved_nesting() {
        let mut src = String::from("{ ...F1 }\n");
        for i in 1..=140 {
            src.push_str(&format!(
                "fragment F{} on X {{ a {{ ...F{} }} }}\n",
                i,
                i + 1
            ));
        }
        src.push_str("fragment F141 on X { leaf }");
        assert_eq!(parse(&src).unwrap_err().kind, ErrorKind::Range);
    }
}
