//! GraphQL documents: lexing, parsing, and resolution into field sets.

pub mod lexer;
pub mod parser;
pub mod resolve;
