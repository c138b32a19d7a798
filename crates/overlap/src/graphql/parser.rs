//! The GraphQL parser for executable documents: operations and fragments.
//!
//! It builds a small AST that keeps what the engine needs (selections,
//! arguments, directives, variable defaults) and the byte offset of each
//! node, so later errors can name a line and column.

use super::lexer::{syntax_error, Lexer, Token};
use crate::error::{Error, MAX_DEPTH};

/// A value as written: may contain variables.
#[derive(Debug, Clone, PartialEq)]
pub enum AstValue {
    /// `$name`
    Variable(String),
    /// `null`
    Null,
    /// `true` / `false`
    Bool(bool),
    /// An integer literal.
    Int(String),
    /// A float literal.
    Float(String),
    /// A string literal.
    Str(String),
    /// An enum value.
    Enum(String),
    /// A list.
    List(Vec<AstValue>),
    /// An input object, in written order.
    Object(Vec<(String, AstValue)>),
}

/// `name: value`, with the byte offset of the name.
#[derive(Debug, Clone, PartialEq)]
pub struct Argument {
    /// The argument name.
    pub name: String,
    /// The value as written.
    pub value: AstValue,
    /// Byte offset of the argument.
    pub at: usize,
}

/// `@name(args)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Directive {
    /// The directive name, without `@`.
    pub name: String,
    /// Its arguments.
    pub args: Vec<Argument>,
    /// Byte offset of the `@`.
    pub at: usize,
}

/// One selection in a selection set.
#[derive(Debug, Clone, PartialEq)]
pub enum Selection {
    /// A field.
    Field(AstField),
    /// `...Name`
    Spread {
        /// The fragment name.
        name: String,
        /// Directives on the spread.
        directives: Vec<Directive>,
        /// Byte offset of the `...`.
        at: usize,
    },
    /// `... on Type { }` or `... { }`
    Inline {
        /// Directives on the inline fragment.
        directives: Vec<Directive>,
        /// Its selections.
        selections: Vec<Selection>,
    },
}

/// A field selection as written.
#[derive(Debug, Clone, PartialEq)]
pub struct AstField {
    /// The alias, if any.
    pub alias: Option<String>,
    /// The field name.
    pub name: String,
    /// Its arguments.
    pub args: Vec<Argument>,
    /// Its directives.
    pub directives: Vec<Directive>,
    /// Its sub-selections; `None` for a leaf.
    pub selections: Option<Vec<Selection>>,
    /// Byte offset of the field (its alias, when it has one).
    pub at: usize,
}

/// An operation.
#[derive(Debug, Clone, PartialEq)]
pub struct Operation {
    /// `query`, `mutation` or `subscription`.
    pub kind: String,
    /// Variable names and their default values.
    pub variables: Vec<(String, Option<AstValue>)>,
    /// Directives on the operation.
    pub directives: Vec<Directive>,
    /// The top-level selections.
    pub selections: Vec<Selection>,
    /// Byte offset of the operation.
    pub at: usize,
}

/// A fragment definition.
#[derive(Debug, Clone, PartialEq)]
pub struct Fragment {
    /// The fragment name.
    pub name: String,
    /// Its selections.
    pub selections: Vec<Selection>,
    /// Byte offset of the definition.
    pub at: usize,
}

/// A parsed executable document.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    /// Its operations, in order.
    pub operations: Vec<Operation>,
    /// Its fragment definitions, in order.
    pub fragments: Vec<Fragment>,
}

/// Parses an executable GraphQL document.
pub fn parse_document(src: &str) -> Result<Document, Error> {
    let mut p = Parser {
        src,
        lexer: Lexer::new(src),
        token: Token::Eof,
        at: 0,
    };
    p.advance()?;
    let mut doc = Document {
        operations: Vec::new(),
        fragments: Vec::new(),
    };
    if p.token == Token::Eof {
        return Err(p.error("expected an operation or fragment, found an empty document"));
    }
    while p.token != Token::Eof {
        let at = p.at;
        match p.token.clone() {
            Token::Punct(b'{') => {
                let selections = p.selection_set(1)?;
                doc.operations.push(Operation {
                    kind: "query".into(),
                    variables: Vec::new(),
                    directives: Vec::new(),
                    selections,
                    at,
                });
            }
            Token::Name(n) if n == "query" || n == "mutation" || n == "subscription" => {
                p.advance()?;
                if let Token::Name(_) = p.token {
                    p.advance()?;
                }
                let variables = if p.token == Token::Punct(b'(') {
                    p.variable_definitions()?
                } else {
                    Vec::new()
                };
                let directives = p.directives()?;
                let selections = p.selection_set(1)?;
                doc.operations.push(Operation { kind: n, variables, directives, selections, at });
            }
            Token::Name(n) if n == "fragment" => {
                p.advance()?;
                let name = p.name("a fragment name")?;
                if name == "on" {
                    return Err(syntax_error(src, at, "a fragment cannot be named 'on'"));
                }
                p.keyword("on")?;
                p.name("a type name")?;
                p.directives()?;
                let selections = p.selection_set(1)?;
                doc.fragments.push(Fragment { name, selections, at });
            }
            Token::Name(n) => {
                return Err(p.error(&format!(
                    "expected 'query', 'mutation', 'subscription', 'fragment' or '{{', found name '{}' \
                     (type system definitions are not executable)",
                    n
                )))
            }
            other => {
                return Err(p.error(&format!(
                    "expected an operation or fragment, found {}",
                    other.describe()
                )))
            }
        }
    }
    Ok(doc)
}

struct Parser<'a> {
    src: &'a str,
    lexer: Lexer<'a>,
    token: Token,
    at: usize,
}

impl<'a> Parser<'a> {
    fn advance(&mut self) -> Result<(), Error> {
        let (token, at) = self.lexer.next_token()?;
        self.token = token;
        self.at = at;
        Ok(())
    }

    fn error(&self, message: &str) -> Error {
        syntax_error(self.src, self.at, message)
    }

    fn expected(&self, what: &str) -> Error {
        self.error(&format!(
            "expected {}, found {}",
            what,
            self.token.describe()
        ))
    }

    fn expect(&mut self, punct: u8) -> Result<(), Error> {
        if self.token == Token::Punct(punct) {
            self.advance()
        } else {
            Err(self.expected(&format!("'{}'", punct as char)))
        }
    }

    fn name(&mut self, what: &str) -> Result<String, Error> {
        if let Token::Name(n) = &self.token {
            let n = n.clone();
            self.advance()?;
            Ok(n)
        } else {
            Err(self.expected(what))
        }
    }

    fn keyword(&mut self, word: &str) -> Result<(), Error> {
        match &self.token {
            Token::Name(n) if n == word => self.advance(),
            _ => Err(self.expected(&format!("'{}'", word))),
        }
    }

    fn depth_error(&self) -> Error {
        let (line, col) = super::lexer::line_column(self.src, self.at);
        Error::range(format!(
            "line {}, column {}: nesting deeper than {} levels",
            line, col, MAX_DEPTH
        ))
    }

    fn selection_set(&mut self, depth: usize) -> Result<Vec<Selection>, Error> {
        if depth > MAX_DEPTH {
            return Err(self.depth_error());
        }
        self.expect(b'{')?;
        let mut out = Vec::new();
        while self.token != Token::Punct(b'}') {
            out.push(self.selection(depth)?);
        }
        if out.is_empty() {
            return Err(self.error("expected at least one field in a selection set, found '}'"));
        }
        self.advance()?;
        Ok(out)
    }

    fn selection(&mut self, depth: usize) -> Result<Selection, Error> {
        let at = self.at;
        match self.token.clone() {
            Token::Spread => {
                self.advance()?;
                match self.token.clone() {
                    Token::Name(n) if n != "on" => {
                        self.advance()?;
                        let directives = self.directives()?;
                        Ok(Selection::Spread {
                            name: n,
                            directives,
                            at,
                        })
                    }
                    Token::Name(_) => {
                        self.advance()?;
                        self.name("a type name")?;
                        let directives = self.directives()?;
                        // Inline fragments nest the AST, so they count
                        // towards the depth limit too.
                        let selections = self.selection_set(depth + 1)?;
                        Ok(Selection::Inline {
                            directives,
                            selections,
                        })
                    }
                    _ => {
                        let directives = self.directives()?;
                        let selections = self.selection_set(depth + 1)?;
                        Ok(Selection::Inline {
                            directives,
                            selections,
                        })
                    }
                }
            }
            Token::Name(first) => {
                self.advance()?;
                let (alias, name) = if self.token == Token::Punct(b':') {
                    self.advance()?;
                    (Some(first), self.name("a field name after the alias")?)
                } else {
                    (None, first)
                };
                let args = if self.token == Token::Punct(b'(') {
                    self.arguments(false, depth)?
                } else {
                    Vec::new()
                };
                let directives = self.directives()?;
                let selections = if self.token == Token::Punct(b'{') {
                    Some(self.selection_set(depth + 1)?)
                } else {
                    None
                };
                Ok(Selection::Field(AstField {
                    alias,
                    name,
                    args,
                    directives,
                    selections,
                    at,
                }))
            }
            _ => Err(self.expected("a field, '...' or '}'")),
        }
    }

    fn arguments(&mut self, constant: bool, depth: usize) -> Result<Vec<Argument>, Error> {
        self.expect(b'(')?;
        let mut out: Vec<Argument> = Vec::new();
        while self.token != Token::Punct(b')') {
            let at = self.at;
            let name = self.name("an argument name")?;
            if out.iter().any(|a| a.name == name) {
                return Err(syntax_error(
                    self.src,
                    at,
                    &format!("argument '{}' is given more than once", name),
                ));
            }
            self.expect(b':')?;
            let value = self.value(constant, depth)?;
            out.push(Argument { name, value, at });
        }
        if out.is_empty() {
            return Err(self.error("expected at least one argument, found ')'"));
        }
        self.advance()?;
        Ok(out)
    }

    fn directives(&mut self) -> Result<Vec<Directive>, Error> {
        let mut out = Vec::new();
        while self.token == Token::Punct(b'@') {
            let at = self.at;
            self.advance()?;
            let name = self.name("a directive name")?;
            let args = if self.token == Token::Punct(b'(') {
                self.arguments(false, 1)?
            } else {
                Vec::new()
            };
            out.push(Directive { name, args, at });
        }
        Ok(out)
    }

    fn value(&mut self, constant: bool, depth: usize) -> Result<AstValue, Error> {
        if depth > MAX_DEPTH {
            return Err(self.depth_error());
        }
        let v = match self.token.clone() {
            Token::Punct(b'$') if !constant => {
                self.advance()?;
                return Ok(AstValue::Variable(self.name("a variable name")?));
            }
            Token::Punct(b'$') => {
                return Err(self.error("variables are not allowed in default values"))
            }
            Token::Int(t) => AstValue::Int(t),
            Token::Float(t) => AstValue::Float(t),
            Token::Str(s) => AstValue::Str(s),
            Token::Name(n) => match n.as_str() {
                "true" => AstValue::Bool(true),
                "false" => AstValue::Bool(false),
                "null" => AstValue::Null,
                _ => AstValue::Enum(n),
            },
            Token::Punct(b'[') => {
                self.advance()?;
                let mut items = Vec::new();
                while self.token != Token::Punct(b']') {
                    if self.token == Token::Eof {
                        return Err(self.expected("a value or ']'"));
                    }
                    items.push(self.value(constant, depth + 1)?);
                }
                self.advance()?;
                return Ok(AstValue::List(items));
            }
            Token::Punct(b'{') => {
                self.advance()?;
                let mut fields: Vec<(String, AstValue)> = Vec::new();
                while self.token != Token::Punct(b'}') {
                    let at = self.at;
                    let name = self.name("an input field name or '}'")?;
                    if fields.iter().any(|f| f.0 == name) {
                        return Err(syntax_error(
                            self.src,
                            at,
                            &format!("input field '{}' is given more than once", name),
                        ));
                    }
                    self.expect(b':')?;
                    fields.push((name, self.value(constant, depth + 1)?));
                }
                self.advance()?;
                return Ok(AstValue::Object(fields));
            }
            _ => return Err(self.expected("a value")),
        };
        self.advance()?;
        Ok(v)
    }

    fn variable_definitions(&mut self) -> Result<Vec<(String, Option<AstValue>)>, Error> {
        self.expect(b'(')?;
        let mut out: Vec<(String, Option<AstValue>)> = Vec::new();
        while self.token != Token::Punct(b')') {
            let at = self.at;
            self.expect(b'$')?;
            let name = self.name("a variable name")?;
            if out.iter().any(|v| v.0 == name) {
                return Err(syntax_error(
                    self.src,
                    at,
                    &format!("variable '${}' is defined more than once", name),
                ));
            }
            self.expect(b':')?;
            self.type_ref(1)?;
            let default = if self.token == Token::Punct(b'=') {
                self.advance()?;
                Some(self.value(true, 1)?)
            } else {
                None
            };
            self.directives()?;
            out.push((name, default));
        }
        if out.is_empty() {
            return Err(self.error("expected at least one variable definition, found ')'"));
        }
        self.advance()?;
        Ok(out)
    }

    fn type_ref(&mut self, depth: usize) -> Result<(), Error> {
        if depth > MAX_DEPTH {
            return Err(self.depth_error());
        }
        if self.token == Token::Punct(b'[') {
            self.advance()?;
            self.type_ref(depth + 1)?;
            self.expect(b']')?;
        } else {
            self.name("a type")?;
        }
        if self.token == Token::Punct(b'!') {
            self.advance()?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    #[test]
    fn parses_operations_fragments_and_values() {
        let doc = parse_document(
            r#"subscription Sub($ids: [ID!] = ["a"], $n: Int) @deltas {
                 w: workflows(ids: $ids, where: {a: [1, 2.5, "s", ENUM, null, true]}) {
                   ...F @include(if: true)
                   ... on Workflow { name }
                   ... { status }
                 }
               }
               fragment F on Workflow { id }"#,
        )
        .unwrap();
        assert_eq!(doc.operations.len(), 1);
        assert_eq!(doc.fragments.len(), 1);
        let op = &doc.operations[0];
        assert_eq!(op.kind, "subscription");
        assert_eq!(op.variables[0].0, "ids");
        assert_eq!(op.directives[0].name, "deltas");
        match &op.selections[0] {
            Selection::Field(f) => {
                assert_eq!(f.alias.as_deref(), Some("w"));
                assert_eq!(f.name, "workflows");
                assert_eq!(f.args[0].value, AstValue::Variable("ids".into()));
                assert_eq!(f.selections.as_ref().unwrap().len(), 3);
            }
            other => panic!("expected a field, got {:?}", other),
        }
    }

    #[test]
    fn shorthand_query() {
        let doc = parse_document("{ a }").unwrap();
        assert_eq!(doc.operations[0].kind, "query");
    }

    #[test]
    fn syntax_errors_name_line_and_column() {
        let cases = [
            ("", "line 1, column 1: expected an operation"),
            (
                "subscription { }",
                "line 1, column 16: expected at least one field",
            ),
            (
                "subscription {\n  a(b: ) }",
                "line 2, column 8: expected a value, found ')'",
            ),
            (
                "subscription { a ",
                "line 1, column 18: expected a field, '...' or '}', found the end",
            ),
            (
                "type Query { a: Int }",
                "type system definitions are not executable",
            ),
            (
                "{ a(x: 1, x: 2) }",
                "line 1, column 11: argument 'x' is given more than once",
            ),
            ("fragment on on X { a }", "a fragment cannot be named 'on'"),
            (
                "query($a: Int = $b) { a }",
                "variables are not allowed in default values",
            ),
        ];
        for (src, expected) in cases.iter() {
            let e = parse_document(src).unwrap_err();
            assert_eq!(e.kind, ErrorKind::Syntax, "{}", src);
            assert!(
                e.message.contains(expected),
                "{:?} gave {:?}",
                src,
                e.message
            );
        }
    }

    #[test]
    fn refuses_deep_nesting_without_overflowing() {
        let depth = MAX_DEPTH + 1;
        let src = format!("{}x{}", "{ a ".repeat(depth), " }".repeat(depth));
        assert_eq!(parse_document(&src).unwrap_err().kind, ErrorKind::Range);
        let ok = format!(
            "{}x{}",
            "{ a ".repeat(MAX_DEPTH - 1),
            " }".repeat(MAX_DEPTH - 1)
        );
        assert!(parse_document(&format!("{{ {} }}", &ok[2..ok.len() - 2])).is_ok());
        let values = format!(
            "{{ a(x: {}1{}) }}",
            "[".repeat(100_000),
            "]".repeat(100_000)
        );
        assert_eq!(parse_document(&values).unwrap_err().kind, ErrorKind::Range);
    }
}
