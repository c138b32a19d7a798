//! The GraphQL lexer (GraphQL spec, October 2021, section 2.1).

use crate::error::Error;

/// A lexical token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Token {
    /// One of `! $ & ( ) : = @ [ ] { | }`.
    Punct(u8),
    /// `...`
    Spread,
    /// A name.
    Name(String),
    /// An integer literal, as written.
    Int(String),
    /// A float literal, as written.
    Float(String),
    /// A string or block string, decoded.
    Str(String),
    /// The end of the document.
    Eof,
}

impl Token {
    /// How the token is named in "expected X, found Y" messages.
    pub fn describe(&self) -> String {
        match self {
            Token::Punct(c) => format!("'{}'", *c as char),
            Token::Spread => "'...'".to_string(),
            Token::Name(n) => format!("name '{}'", n),
            Token::Int(t) | Token::Float(t) => format!("number {}", t),
            Token::Str(_) => "a string".to_string(),
            Token::Eof => "the end of the document".to_string(),
        }
    }
}

/// Splits a document into tokens, one at a time.
pub struct Lexer<'a> {
    src: &'a str,
    bytes: &'a [u8],
    pos: usize,
}

/// The 1-based line and column (in characters) of byte `offset` in `src`.
pub fn line_column(src: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(src.len());
    let mut line = 1;
    let mut col = 1;
    let mut chars = src.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if i >= offset {
            break;
        }
        match c {
            '\n' => {
                line += 1;
                col = 1;
            }
            '\r' => {
                if let Some(&(_, '\n')) = chars.peek() {
                    // \r\n is one line terminator; the \n advances the line.
                    col += 1;
                } else {
                    line += 1;
                    col = 1;
                }
            }
            _ => col += 1,
        }
    }
    (line, col)
}

/// A [`crate::ErrorKind::Syntax`] error at byte `offset` of `src`.
pub fn syntax_error(src: &str, offset: usize, message: &str) -> Error {
    let (line, col) = line_column(src, offset);
    Error::syntax(format!("line {}, column {}: {}", line, col, message))
}

impl<'a> Lexer<'a> {
    /// A lexer over `src`.
    pub fn new(src: &'a str) -> Lexer<'a> {
        Lexer {
            src,
            bytes: src.as_bytes(),
            pos: 0,
        }
    }

    fn error(&self, at: usize, message: &str) -> Error {
        syntax_error(self.src, at, message)
    }

    fn skip_ignored(&mut self) {
        while self.pos < self.bytes.len() {
            match self.bytes[self.pos] {
                b' ' | b'\t' | b'\n' | b'\r' | b',' => self.pos += 1,
                b'#' => {
                    while self.pos < self.bytes.len()
                        && self.bytes[self.pos] != b'\n'
                        && self.bytes[self.pos] != b'\r'
                    {
                        self.pos += 1;
                    }
                }
                // The byte-order mark U+FEFF is ignored like white space.
                0xef if self.bytes[self.pos..].starts_with(&[0xef, 0xbb, 0xbf]) => self.pos += 3,
                _ => break,
            }
        }
    }

    /// The next token and the byte offset where it starts.
    pub fn next_token(&mut self) -> Result<(Token, usize), Error> {
        self.skip_ignored();
        let start = self.pos;
        let b = match self.bytes.get(self.pos) {
            None => return Ok((Token::Eof, start)),
            Some(&b) => b,
        };
        let token = match b {
            b'!' | b'$' | b'&' | b'(' | b')' | b':' | b'=' | b'@' | b'[' | b']' | b'{' | b'|'
            | b'}' => {
                self.pos += 1;
                Token::Punct(b)
            }
            b'.' => {
                if self.bytes[self.pos..].starts_with(b"...") {
                    self.pos += 3;
                    Token::Spread
                } else {
                    return Err(self.error(start, "unexpected '.'; did you mean '...'?"));
                }
            }
            b'_' | b'a'..=b'z' | b'A'..=b'Z' => {
                while let Some(b'_' | b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9') =
                    self.bytes.get(self.pos)
                {
                    self.pos += 1;
                }
                Token::Name(self.src[start..self.pos].to_string())
            }
            b'-' | b'0'..=b'9' => self.number(start)?,
            b'"' => {
                if self.bytes[self.pos..].starts_with(b"\"\"\"") {
                    self.block_string(start)?
                } else {
                    self.string(start)?
                }
            }
            _ => {
                let c = self.src[start..].chars().next().unwrap_or('\u{fffd}');
                return Err(self.error(start, &format!("unexpected character {:?}", c)));
            }
        };
        Ok((token, start))
    }

    fn digits(&mut self) -> usize {
        let from = self.pos;
        while let Some(b'0'..=b'9') = self.bytes.get(self.pos) {
            self.pos += 1;
        }
        self.pos - from
    }

    fn number(&mut self, start: usize) -> Result<Token, Error> {
        let mut float = false;
        if self.bytes[self.pos] == b'-' {
            self.pos += 1;
        }
        match self.bytes.get(self.pos) {
            Some(b'0') => {
                self.pos += 1;
                if let Some(b'0'..=b'9') = self.bytes.get(self.pos) {
                    return Err(self.error(self.pos, "invalid number: unexpected digit after 0"));
                }
            }
            Some(b'1'..=b'9') => {
                self.digits();
            }
            _ => return Err(self.error(self.pos, "invalid number: expected a digit")),
        }
        if self.bytes.get(self.pos) == Some(&b'.') {
            float = true;
            self.pos += 1;
            if self.digits() == 0 {
                return Err(self.error(self.pos, "invalid number: expected a digit after '.'"));
            }
        }
        if let Some(b'e' | b'E') = self.bytes.get(self.pos) {
            float = true;
            self.pos += 1;
            if let Some(b'+' | b'-') = self.bytes.get(self.pos) {
                self.pos += 1;
            }
            if self.digits() == 0 {
                return Err(
                    self.error(self.pos, "invalid number: expected a digit in the exponent")
                );
            }
        }
        if let Some(b'.' | b'_' | b'a'..=b'z' | b'A'..=b'Z') = self.bytes.get(self.pos) {
            return Err(self.error(self.pos, "invalid number: unexpected character after it"));
        }
        let text = self.src[start..self.pos].to_string();
        Ok(if float {
            Token::Float(text)
        } else {
            Token::Int(text)
        })
    }

    fn hex_escape(&mut self) -> Result<u32, Error> {
        // At the 'u' of \uXXXX or \u{X...}.
        let at = self.pos - 1;
        self.pos += 1;
        if self.bytes.get(self.pos) == Some(&b'{') {
            self.pos += 1;
            let mut v: u32 = 0;
            let mut n = 0;
            while let Some(&c) = self.bytes.get(self.pos) {
                if c == b'}' {
                    break;
                }
                let d = (c as char).to_digit(16).ok_or_else(|| {
                    self.error(
                        at,
                        "invalid Unicode escape: expected hex digits in \\u{...}",
                    )
                })?;
                v = v.saturating_mul(16).saturating_add(d);
                n += 1;
                self.pos += 1;
            }
            if self.bytes.get(self.pos) != Some(&b'}') || n == 0 || v > 0x10ffff {
                return Err(self.error(at, "invalid Unicode escape \\u{...}"));
            }
            self.pos += 1;
            return Ok(v);
        }
        let mut v = 0u32;
        for _ in 0..4 {
            let d = self
                .bytes
                .get(self.pos)
                .and_then(|&c| (c as char).to_digit(16))
                .ok_or_else(|| self.error(at, "invalid Unicode escape: expected 4 hex digits"))?;
            v = v * 16 + d;
            self.pos += 1;
        }
        Ok(v)
    }

    fn string(&mut self, start: usize) -> Result<Token, Error> {
        self.pos += 1;
        let mut out = String::new();
        loop {
            let b = match self.bytes.get(self.pos) {
                None | Some(b'\n') | Some(b'\r') => {
                    return Err(self.error(start, "unterminated string"))
                }
                Some(&b) => b,
            };
            match b {
                b'"' => {
                    self.pos += 1;
                    return Ok(Token::Str(out));
                }
                b'\\' => {
                    let at = self.pos;
                    self.pos += 1;
                    let c = match self.bytes.get(self.pos) {
                        Some(b'"') => '"',
                        Some(b'\\') => '\\',
                        Some(b'/') => '/',
                        Some(b'b') => '\u{8}',
                        Some(b'f') => '\u{c}',
                        Some(b'n') => '\n',
                        Some(b'r') => '\r',
                        Some(b't') => '\t',
                        Some(b'u') => {
                            let hi = self.hex_escape()?;
                            let code = if (0xd800..0xdc00).contains(&hi)
                                && self.bytes[self.pos..].starts_with(b"\\u")
                            {
                                self.pos += 1;
                                let lo = self.hex_escape()?;
                                if !(0xdc00..0xe000).contains(&lo) {
                                    return Err(
                                        self.error(at, "invalid Unicode escape: lone surrogate")
                                    );
                                }
                                0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00)
                            } else {
                                hi
                            };
                            let c = char::from_u32(code).ok_or_else(|| {
                                self.error(at, "invalid Unicode escape: not a Unicode scalar value")
                            })?;
                            out.push(c);
                            continue;
                        }
                        _ => return Err(self.error(at, "invalid escape sequence in string")),
                    };
                    self.pos += 1;
                    out.push(c);
                }
                c if c < 0x20 && c != b'\t' => {
                    return Err(self.error(self.pos, "invalid control character in string"))
                }
                _ => {
                    let c = self.src[self.pos..].chars().next().unwrap_or('\u{fffd}');
                    out.push(c);
                    self.pos += c.len_utf8();
                }
            }
        }
    }

    fn block_string(&mut self, start: usize) -> Result<Token, Error> {
        self.pos += 3;
        let mut raw = String::new();
        loop {
            if self.pos >= self.bytes.len() {
                return Err(self.error(start, "unterminated block string"));
            }
            if self.bytes[self.pos..].starts_with(b"\"\"\"") {
                self.pos += 3;
                return Ok(Token::Str(block_string_value(&raw)));
            }
            if self.bytes[self.pos..].starts_with(b"\\\"\"\"") {
                raw.push_str("\"\"\"");
                self.pos += 4;
                continue;
            }
            let c = self.src[self.pos..].chars().next().unwrap_or('\u{fffd}');
            if (c as u32) < 0x20 && c != '\t' && c != '\n' && c != '\r' {
                return Err(self.error(self.pos, "invalid control character in block string"));
            }
            raw.push(c);
            self.pos += c.len_utf8();
        }
    }
}

/// The spec's BlockStringValue: common indentation and blank first/last
/// lines removed.
fn block_string_value(raw: &str) -> String {
    let normalized = raw.replace("\r\n", "\n").replace('\r', "\n");
    let lines: Vec<&str> = normalized.split('\n').collect();
    let indent = lines
        .iter()
        .skip(1)
        .filter_map(|l| {
            let n = l.len() - l.trim_start_matches(&[' ', '\t'][..]).len();
            if n < l.len() {
                Some(n)
            } else {
                None
            }
        })
        .min();
    let mut out: Vec<&str> = lines
        .iter()
        .enumerate()
        .map(|(i, l)| match indent {
            Some(n) if i > 0 => l.get(n..).unwrap_or(""),
            _ => *l,
        })
        .collect();
    let blank = |l: &&str| l.chars().all(|c| c == ' ' || c == '\t');
    while out.first().map_or(false, blank) {
        out.remove(0);
    }
    while out.last().map_or(false, blank) {
        out.pop();
    }
    out.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(src: &str) -> Result<Vec<Token>, Error> {
        let mut lexer = Lexer::new(src);
        let mut out = Vec::new();
        loop {
            let (t, _) = lexer.next_token()?;
            if t == Token::Eof {
                return Ok(out);
            }
            out.push(t);
        }
    }

    #[test]
    fn lexes_punctuation_names_and_numbers() {
        let t = tokens("\u{feff}query($a: [Int!]) { x, ...F # note\n y: z(n: -1.5e3) }").unwrap();
        assert_eq!(t[0], Token::Name("query".into()));
        assert!(t.contains(&Token::Spread));
        assert!(t.contains(&Token::Float("-1.5e3".into())));
        assert!(!t.contains(&Token::Name("note".into())));
    }

    #[test]
    fn lexes_strings_and_escapes() {
        let t = tokens(r#""a\"b\n\u00e9\u{1F600}\ud83d\ude00""#).unwrap();
        assert_eq!(t, vec![Token::Str("a\"b\né😀😀".into())]);
        let t = tokens("\"\"\"\n    hello\n      world\n    \"\"\"").unwrap();
        assert_eq!(t, vec![Token::Str("hello\n  world".into())]);
        let t = tokens(r#""""a \""" b""""#).unwrap();
        assert_eq!(t, vec![Token::Str("a \"\"\" b".into())]);
    }

    #[test]
    fn errors_name_line_and_column() {
        let e = tokens("{\n  a ?\n}").unwrap_err();
        assert!(
            e.message
                .starts_with("line 2, column 5: unexpected character '?'"),
            "{}",
            e
        );
        let e = tokens("{ a(x: \"open\n").unwrap_err();
        assert!(
            e.message
                .starts_with("line 1, column 8: unterminated string"),
            "{}",
            e
        );
        assert!(tokens("012").is_err());
        assert!(tokens("1.").is_err());
        assert!(tokens("1x").is_err());
        assert!(tokens("..").is_err());
        assert!(tokens(r#""\ud800""#).is_err());
        assert!(tokens(r#""\q""#).is_err());
    }

    #[test]
    fn columns_count_characters_and_crlf() {
        assert_eq!(line_column("é?", 2), (1, 2));
        assert_eq!(line_column("a\r\nb", 3), (2, 1));
        assert_eq!(line_column("a\rb", 2), (2, 1));
    }
}
