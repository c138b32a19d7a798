//! Constant GraphQL values: field arguments after variables are substituted.

use crate::error::{Error, MAX_DEPTH};
use crate::json::{Kind, Tape};

/// A constant GraphQL value. Input-object fields are kept sorted by name, so
/// two equal values compare equal whatever order they were written in.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Value {
    /// `null`
    Null,
    /// `true` or `false`
    Bool(bool),
    /// An integer, as written.
    Int(String),
    /// A float, as written.
    Float(String),
    /// A string, decoded.
    Str(String),
    /// An enum value.
    Enum(String),
    /// A list.
    List(Vec<Value>),
    /// An input object, fields sorted by name.
    Object(Vec<(String, Value)>),
}

impl Value {
    /// Converts the JSON value at tape node `i` (a variable's value) into a
    /// GraphQL value. JSON has no enums: strings stay strings.
    pub fn from_json(tape: &Tape, i: usize) -> Value {
        let node = tape.nodes[i];
        match node.kind {
            Kind::Null => Value::Null,
            Kind::True => Value::Bool(true),
            Kind::False => Value::Bool(false),
            Kind::Number => {
                let text = String::from_utf8_lossy(tape.raw(i)).into_owned();
                if text.bytes().any(|b| b == b'.' || b == b'e' || b == b'E') {
                    Value::Float(text)
                } else {
                    Value::Int(text)
                }
            }
            Kind::String => Value::Str(String::from_utf8_lossy(&tape.string(i)).into_owned()),
            Kind::Array => Value::List(
                tape.elements(i)
                    .map(|e| Value::from_json(tape, e))
                    .collect(),
            ),
            Kind::Object => {
                let mut fields: Vec<(String, Value)> = tape
                    .members(i)
                    .map(|(k, v)| {
                        (
                            String::from_utf8_lossy(&tape.string(k)).into_owned(),
                            Value::from_json(tape, v),
                        )
                    })
                    .collect();
                fields.sort_by(|a, b| a.0.cmp(&b.0));
                Value::Object(fields)
            }
        }
    }

    /// Appends the GraphQL text of this value to `out`.
    pub fn print(&self, out: &mut String) {
        match self {
            Value::Null => out.push_str("null"),
            Value::Bool(true) => out.push_str("true"),
            Value::Bool(false) => out.push_str("false"),
            Value::Int(t) | Value::Float(t) | Value::Enum(t) => out.push_str(t),
            Value::Str(s) => print_string(s, out),
            Value::List(items) => {
                out.push('[');
                for (n, item) in items.iter().enumerate() {
                    if n > 0 {
                        out.push_str(", ");
                    }
                    item.print(out);
                }
                out.push(']');
            }
            Value::Object(fields) => {
                out.push('{');
                for (n, (name, value)) in fields.iter().enumerate() {
                    if n > 0 {
                        out.push_str(", ");
                    }
                    out.push_str(name);
                    out.push_str(": ");
                    value.print(out);
                }
                out.push('}');
            }
        }
    }

    /// The GraphQL text of this value.
    pub fn to_graphql(&self) -> String {
        let mut s = String::new();
        self.print(&mut s);
        s
    }

    /// The strings of a string or list of strings (GraphQL list coercion), as
    /// `ids`/`exids` take them; `None` for any other shape.
    pub fn as_string_list(&self) -> Option<Vec<String>> {
        match self {
            Value::Str(s) => Some(vec![s.clone()]),
            Value::List(items) => {
                let mut out = Vec::with_capacity(items.len());
                for item in items {
                    match item {
                        Value::Str(s) => out.push(s.clone()),
                        _ => return None,
                    }
                }
                Some(out)
            }
            _ => None,
        }
    }

    /// The nesting depth of this value (a scalar is 1).
    pub fn depth(&self) -> usize {
        match self {
            Value::List(items) => 1 + items.iter().map(Value::depth).max().unwrap_or(0),
            Value::Object(fields) => 1 + fields.iter().map(|f| f.1.depth()).max().unwrap_or(0),
            _ => 1,
        }
    }
}

/// Appends `s` as a GraphQL string literal, escaping what GraphQL requires.
pub fn print_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\u{:04X}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Refuses values nested deeper than [`MAX_DEPTH`].
pub fn check_depth(value: &Value, what: &str) -> Result<(), Error> {
    if value.depth() > MAX_DEPTH {
        Err(Error::range(format!(
            "{} is nested deeper than {} levels",
            what, MAX_DEPTH
        )))
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::parse_into;

    #[test]
    fn converts_json_variables() {
        let src = br#"{"b": [1, 2.5, "x", null, true], "a": {"z": 1, "y": false}}"#;
        let mut nodes = Vec::new();
        parse_into(src, &mut nodes).unwrap();
        let v = Value::from_json(&Tape { src, nodes: &nodes }, 0);
        assert_eq!(
            v.to_graphql(),
            r#"{a: {y: false, z: 1}, b: [1, 2.5, "x", null, true]}"#
        );
    }

    #[test]
    fn prints_strings_with_escapes() {
        let mut s = String::new();
        print_string("a\"b\\c\nd\u{1}é", &mut s);
        assert_eq!(s, r#""a\"b\\c\nd\u0001é""#);
    }

    #[test]
    fn string_lists_coerce_a_single_string() {
        assert_eq!(
            Value::Str("a".into()).as_string_list(),
            Some(vec!["a".to_string()])
        );
        let list = Value::List(vec![Value::Str("a".into()), Value::Int("1".into())]);
        assert_eq!(list.as_string_list(), None);
        assert_eq!(Value::Null.as_string_list(), None);
    }
}
