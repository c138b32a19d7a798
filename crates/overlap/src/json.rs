//! A validating JSON parser that produces a flat *tape* of nodes over the
//! source bytes.
//!
//! Nothing is copied or decoded: every node records the byte span of its value
//! in the source, so a leaf can be copied to the output byte for byte (number
//! and string text preserved exactly) and a delta is parsed once for any
//! number of field sets. Containers record the index just past their subtree
//! (`next`), so siblings are walked without recursion or allocation.

use crate::error::{Error, MAX_DEPTH};
use std::borrow::Cow;

/// The kind of a JSON value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `null`
    Null,
    /// `false`
    False,
    /// `true`
    True,
    /// A number.
    Number,
    /// A string.
    String,
    /// An array.
    Array,
    /// An object; its children alternate key (a `String` node) and value.
    Object,
}

/// One value on the tape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Node {
    /// What the value is.
    pub kind: Kind,
    /// For strings: the text contains a backslash escape, so it must be
    /// decoded before it is compared.
    pub escaped: bool,
    /// Byte offset of the value's first byte (the quote, for a string).
    pub start: u32,
    /// Byte offset just past the value's last byte.
    pub end: u32,
    /// Tape index just past this value's subtree: the next sibling.
    pub next: u32,
}

/// A parsed JSON document: the source and its tape. The root is node 0.
pub struct Tape<'a> {
    /// The source bytes.
    pub src: &'a [u8],
    /// The nodes, in document order.
    pub nodes: &'a [Node],
}

impl<'a> Tape<'a> {
    /// The raw source bytes of node `i` (with quotes, for a string).
    #[inline]
    pub fn raw(&self, i: usize) -> &'a [u8] {
        let n = self.nodes[i];
        &self.src[n.start as usize..n.end as usize]
    }

    /// The decoded content of string node `i`: borrowed when it has no
    /// escapes.
    pub fn string(&self, i: usize) -> Cow<'a, [u8]> {
        let n = self.nodes[i];
        let inner = &self.src[n.start as usize + 1..n.end as usize - 1];
        if n.escaped {
            Cow::Owned(unescape(inner))
        } else {
            Cow::Borrowed(inner)
        }
    }

    /// The members of object node `i`, as `(key index, value index)` pairs.
    pub fn members(&self, i: usize) -> Members<'_> {
        Members {
            nodes: self.nodes,
            at: i + 1,
            end: self.nodes[i].next as usize,
        }
    }

    /// The elements of array node `i`, as indexes.
    pub fn elements(&self, i: usize) -> Elements<'_> {
        Elements {
            nodes: self.nodes,
            at: i + 1,
            end: self.nodes[i].next as usize,
        }
    }

    /// The value of member `key` of object node `i`, if present.
    pub fn get(&self, i: usize, key: &[u8]) -> Option<usize> {
        for (k, v) in self.members(i) {
            if &*self.string(k) == key {
                return Some(v);
            }
        }
        None
    }
}

/// Iterator over an object's members.
pub struct Members<'a> {
    nodes: &'a [Node],
    at: usize,
    end: usize,
}

impl<'a> Iterator for Members<'a> {
    type Item = (usize, usize);
    #[inline]
    fn next(&mut self) -> Option<(usize, usize)> {
        if self.at >= self.end {
            return None;
        }
        let key = self.at;
        let value = key + 1;
        self.at = self.nodes[value].next as usize;
        Some((key, value))
    }
}

/// Iterator over an array's elements.
pub struct Elements<'a> {
    nodes: &'a [Node],
    at: usize,
    end: usize,
}

impl<'a> Iterator for Elements<'a> {
    type Item = usize;
    #[inline]
    fn next(&mut self) -> Option<usize> {
        if self.at >= self.end {
            return None;
        }
        let i = self.at;
        self.at = self.nodes[i].next as usize;
        Some(i)
    }
}

/// Parses `src` as one JSON value into `nodes` (cleared first), reusing its
/// allocation. Returns whether the source is all ASCII (then any output
/// copied from it is too, and byte offsets equal UTF-16 offsets).
///
/// Errors are [`crate::ErrorKind::Syntax`] with the byte offset, or
/// [`crate::ErrorKind::Range`] for nesting deeper than [`MAX_DEPTH`] or a
/// source of 4 GiB or more.
pub fn parse_into(src: &[u8], nodes: &mut Vec<Node>) -> Result<bool, Error> {
    nodes.clear();
    if src.len() >= u32::MAX as usize {
        return Err(Error::range(format!(
            "JSON input of {} bytes is too large; the limit is 4 GiB",
            src.len()
        )));
    }
    let mut p = Parser {
        src,
        pos: 0,
        nodes,
        ascii: true,
    };
    p.skip_ws();
    p.value(0)?;
    p.skip_ws();
    if p.pos < src.len() {
        return Err(p.error("unexpected data after the JSON value"));
    }
    Ok(p.ascii)
}

/// Bytes that end the fast scan of a string: the quote, the backslash,
/// control characters and non-ASCII bytes (which need UTF-8 validation).
static SPECIAL: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        table[b] = b < 0x20 || b == b'"' as usize || b == b'\\' as usize || b >= 0x80;
        b += 1;
    }
    table
};

struct Parser<'s, 'n> {
    src: &'s [u8],
    pos: usize,
    nodes: &'n mut Vec<Node>,
    ascii: bool,
}

impl<'s, 'n> Parser<'s, 'n> {
    fn error(&self, what: &str) -> Error {
        let found = match self.src.get(self.pos) {
            None => "end of input".to_string(),
            Some(&b) if (0x20..0x7f).contains(&b) => format!("'{}'", b as char),
            Some(&b) => format!("byte 0x{:02x}", b),
        };
        Error::syntax(format!(
            "invalid JSON at byte {}: {}, found {}",
            self.pos, what, found
        ))
    }

    #[inline]
    fn skip_ws(&mut self) {
        while let Some(&b) = self.src.get(self.pos) {
            if b == b' ' || b == b'\n' || b == b'\r' || b == b'\t' {
                self.pos += 1;
            } else {
                break;
            }
        }
    }

    fn push(&mut self, kind: Kind, start: usize) -> usize {
        let i = self.nodes.len();
        self.nodes.push(Node {
            kind,
            escaped: false,
            start: start as u32,
            end: start as u32,
            next: (i + 1) as u32,
        });
        i
    }

    fn value(&mut self, depth: usize) -> Result<(), Error> {
        let start = self.pos;
        match self.src.get(self.pos) {
            Some(b'{') => self.object(depth + 1),
            Some(b'[') => self.array(depth + 1),
            Some(b'"') => self.string().map(|_| ()),
            Some(b't') => self.literal(b"true", Kind::True, start),
            Some(b'f') => self.literal(b"false", Kind::False, start),
            Some(b'n') => self.literal(b"null", Kind::Null, start),
            Some(b'-') | Some(b'0'..=b'9') => self.number(),
            _ => Err(self.error("expected a JSON value")),
        }
    }

    fn literal(&mut self, word: &[u8], kind: Kind, start: usize) -> Result<(), Error> {
        if self.src.len() >= start + word.len() && &self.src[start..start + word.len()] == word {
            self.pos = start + word.len();
            let i = self.push(kind, start);
            self.nodes[i].end = self.pos as u32;
            Ok(())
        } else {
            Err(self.error("expected a JSON value"))
        }
    }

    fn digits(&mut self) -> usize {
        let from = self.pos;
        while let Some(b'0'..=b'9') = self.src.get(self.pos) {
            self.pos += 1;
        }
        self.pos - from
    }

    fn number(&mut self) -> Result<(), Error> {
        let start = self.pos;
        if self.src.get(self.pos) == Some(&b'-') {
            self.pos += 1;
        }
        match self.src.get(self.pos) {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => {
                self.digits();
            }
            _ => return Err(self.error("expected a digit")),
        }
        if self.src.get(self.pos) == Some(&b'.') {
            self.pos += 1;
            if self.digits() == 0 {
                return Err(self.error("expected a digit after the decimal point"));
            }
        }
        if let Some(b'e') | Some(b'E') = self.src.get(self.pos) {
            self.pos += 1;
            if let Some(b'+') | Some(b'-') = self.src.get(self.pos) {
                self.pos += 1;
            }
            if self.digits() == 0 {
                return Err(self.error("expected a digit in the exponent"));
            }
        }
        let i = self.push(Kind::Number, start);
        self.nodes[i].end = self.pos as u32;
        Ok(())
    }

    /// Scans a string starting at the opening quote; returns its node index.
    fn string(&mut self) -> Result<usize, Error> {
        let start = self.pos;
        self.pos += 1;
        let mut escaped = false;
        let mut non_ascii = false;
        loop {
            // Skip plain bytes (most of any string) with one table load each.
            while let Some(&b) = self.src.get(self.pos) {
                if SPECIAL[b as usize] {
                    break;
                }
                self.pos += 1;
            }
            let b = match self.src.get(self.pos) {
                Some(&b) => b,
                None => return Err(self.error("unterminated string")),
            };
            match b {
                b'"' => break,
                b'\\' => {
                    escaped = true;
                    self.pos += 1;
                    match self.src.get(self.pos) {
                        Some(b'"') | Some(b'\\') | Some(b'/') | Some(b'b') | Some(b'f')
                        | Some(b'n') | Some(b'r') | Some(b't') => self.pos += 1,
                        Some(b'u') => {
                            self.pos += 1;
                            for _ in 0..4 {
                                match self.src.get(self.pos) {
                                    Some(c) if c.is_ascii_hexdigit() => self.pos += 1,
                                    _ => {
                                        return Err(
                                            self.error("expected 4 hex digits in a \\u escape")
                                        )
                                    }
                                }
                            }
                        }
                        _ => return Err(self.error("invalid escape in string")),
                    }
                }
                0x00..=0x1f => {
                    return Err(self.error("control characters must be escaped in strings"))
                }
                0x80..=0xff => {
                    non_ascii = true;
                    self.pos += 1;
                }
                _ => self.pos += 1,
            }
        }
        if non_ascii {
            self.ascii = false;
            let content = &self.src[start + 1..self.pos];
            if let Err(e) = std::str::from_utf8(content) {
                let at = start + 1 + e.valid_up_to();
                return Err(Error::syntax(format!(
                    "invalid JSON at byte {}: invalid UTF-8 in string",
                    at
                )));
            }
        }
        self.pos += 1;
        let i = self.push(Kind::String, start);
        self.nodes[i].end = self.pos as u32;
        self.nodes[i].escaped = escaped;
        Ok(i)
    }

    fn check_depth(&self, depth: usize) -> Result<(), Error> {
        if depth > MAX_DEPTH {
            Err(Error::range(format!(
                "JSON nesting deeper than {} levels at byte {}",
                MAX_DEPTH, self.pos
            )))
        } else {
            Ok(())
        }
    }

    fn array(&mut self, depth: usize) -> Result<(), Error> {
        self.check_depth(depth)?;
        let start = self.pos;
        let i = self.push(Kind::Array, start);
        self.pos += 1;
        self.skip_ws();
        if self.src.get(self.pos) == Some(&b']') {
            self.pos += 1;
        } else {
            loop {
                self.skip_ws();
                self.value(depth)?;
                self.skip_ws();
                match self.src.get(self.pos) {
                    Some(b',') => self.pos += 1,
                    Some(b']') => {
                        self.pos += 1;
                        break;
                    }
                    _ => return Err(self.error("expected ',' or ']' in array")),
                }
            }
        }
        let next = self.nodes.len() as u32;
        let n = &mut self.nodes[i];
        n.end = self.pos as u32;
        n.next = next;
        Ok(())
    }

    fn object(&mut self, depth: usize) -> Result<(), Error> {
        self.check_depth(depth)?;
        let start = self.pos;
        let i = self.push(Kind::Object, start);
        self.pos += 1;
        self.skip_ws();
        if self.src.get(self.pos) == Some(&b'}') {
            self.pos += 1;
        } else {
            loop {
                self.skip_ws();
                if self.src.get(self.pos) != Some(&b'"') {
                    return Err(self.error("expected a string key in object"));
                }
                self.string()?;
                self.skip_ws();
                if self.src.get(self.pos) != Some(&b':') {
                    return Err(self.error("expected ':' after object key"));
                }
                self.pos += 1;
                self.skip_ws();
                self.value(depth)?;
                self.skip_ws();
                match self.src.get(self.pos) {
                    Some(b',') => self.pos += 1,
                    Some(b'}') => {
                        self.pos += 1;
                        break;
                    }
                    _ => return Err(self.error("expected ',' or '}' in object")),
                }
            }
        }
        let next = self.nodes.len() as u32;
        {
            let n = &mut self.nodes[i];
            n.end = self.pos as u32;
            n.next = next;
        }
        self.check_duplicate_keys(i)
    }

    /// Duplicate keys are refused: JSON.parse would silently keep the last,
    /// which hides a scheduler bug and makes "the delta's value" ambiguous.
    fn check_duplicate_keys(&self, i: usize) -> Result<(), Error> {
        let tape = Tape {
            src: self.src,
            nodes: self.nodes,
        };
        let mut count = 0;
        let mut any_escaped = false;
        for (k, _) in tape.members(i) {
            count += 1;
            any_escaped |= self.nodes[k].escaped;
        }
        if count < 2 {
            return Ok(());
        }
        // Small objects (the common case) are checked without allocating:
        // a 64-bit filter on (length, last byte) finds that most keys are
        // surely distinct; only a filter collision compares bytes.
        if count <= 16 && !any_escaped {
            let mut seen = 0u64;
            let mut collision = false;
            for (k, _) in tape.members(i) {
                let raw = tape.raw(k);
                let bit = 1u64 << ((raw.len() * 7 + raw[raw.len() - 2] as usize) % 64);
                collision |= seen & bit != 0;
                seen |= bit;
            }
            if collision {
                for (a, _) in tape.members(i) {
                    for (b, _) in tape.members(i) {
                        if b > a && tape.raw(a) == tape.raw(b) {
                            return Err(self.duplicate(b, &tape));
                        }
                    }
                }
            }
            return Ok(());
        }
        let keys: Vec<usize> = tape.members(i).map(|(k, _)| k).collect();
        let mut decoded: Vec<(Cow<[u8]>, usize)> =
            keys.iter().map(|&k| (tape.string(k), k)).collect();
        decoded.sort();
        for w in decoded.windows(2) {
            if w[0].0 == w[1].0 {
                let later = if w[0].1 > w[1].1 { w[0].1 } else { w[1].1 };
                return Err(self.duplicate(later, &tape));
            }
        }
        Ok(())
    }

    fn duplicate(&self, key: usize, tape: &Tape) -> Error {
        Error::syntax(format!(
            "invalid JSON at byte {}: duplicate key {} in object",
            self.nodes[key].start,
            String::from_utf8_lossy(tape.raw(key))
        ))
    }
}

/// Decodes the escapes of JSON string content (without quotes). The content
/// has been validated by the parser; lone surrogates become U+FFFD, as they
/// would in any UTF-8 encoding of the string.
pub fn unescape(inner: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(inner.len());
    let mut i = 0;
    while i < inner.len() {
        let b = inner[i];
        if b != b'\\' {
            out.push(b);
            i += 1;
            continue;
        }
        let e = inner.get(i + 1).copied().unwrap_or(b'\\');
        i += 2;
        let c = match e {
            b'b' => 0x08,
            b'f' => 0x0c,
            b'n' => b'\n',
            b'r' => b'\r',
            b't' => b'\t',
            b'u' => {
                let hi = hex4(inner, i);
                i += 4;
                let code = if (0xd800..0xdc00).contains(&hi)
                    && inner.get(i) == Some(&b'\\')
                    && inner.get(i + 1) == Some(&b'u')
                {
                    let lo = hex4(inner, i + 2);
                    if (0xdc00..0xe000).contains(&lo) {
                        i += 6;
                        0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00)
                    } else {
                        0xfffd
                    }
                } else {
                    hi
                };
                let ch = char::from_u32(code).unwrap_or('\u{fffd}');
                let mut buf = [0u8; 4];
                out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                continue;
            }
            other => other,
        };
        out.push(c);
    }
    out
}

fn hex4(s: &[u8], at: usize) -> u32 {
    let mut v = 0u32;
    for k in 0..4 {
        let d = match s.get(at + k) {
            Some(&c @ b'0'..=b'9') => c - b'0',
            Some(&c @ b'a'..=b'f') => c - b'a' + 10,
            Some(&c @ b'A'..=b'F') => c - b'A' + 10,
            _ => 0,
        };
        v = v * 16 + d as u32;
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    fn parse(s: &str) -> Result<Vec<Node>, Error> {
        let mut nodes = Vec::new();
        parse_into(s.as_bytes(), &mut nodes).map(|_| nodes)
    }

    #[test]
    fn parses_all_kinds_with_spans() {
        let src = r#"{"a": [1, -2.5e3, "x\"y", true, false, null], "b": {}}"#;
        let nodes = parse(src).unwrap();
        let tape = Tape {
            src: src.as_bytes(),
            nodes: &nodes,
        };
        assert_eq!(nodes[0].kind, Kind::Object);
        let members: Vec<_> = tape.members(0).collect();
        assert_eq!(members.len(), 2);
        let (k, v) = members[0];
        assert_eq!(&*tape.string(k), b"a");
        let kinds: Vec<Kind> = tape.elements(v).map(|i| nodes[i].kind).collect();
        assert_eq!(
            kinds,
            vec![
                Kind::Number,
                Kind::Number,
                Kind::String,
                Kind::True,
                Kind::False,
                Kind::Null
            ]
        );
        let texts: Vec<&[u8]> = tape.elements(v).map(|i| tape.raw(i)).collect();
        assert_eq!(texts[1], b"-2.5e3");
        assert_eq!(texts[2], br#""x\"y""#);
        assert_eq!(&*tape.string(tape.elements(v).nth(2).unwrap()), b"x\"y");
        assert_eq!(tape.raw(members[1].1), b"{}");
    }

    #[test]
    fn reports_byte_offsets() {
        let e = parse(r#"{"a": tru}"#).unwrap_err();
        assert_eq!(e.kind, ErrorKind::Syntax);
        assert!(e.message.contains("at byte 6"), "{}", e.message);
        let e = parse(r#"{"a": 1,}"#).unwrap_err();
        assert!(e.message.contains("at byte 8"), "{}", e.message);
        let e = parse("").unwrap_err();
        assert!(e.message.contains("at byte 0") && e.message.contains("end of input"));
        let e = parse("{} x").unwrap_err();
        assert!(e.message.contains("unexpected data after the JSON value"));
    }

    #[test]
    fn refuses_bad_numbers() {
        for bad in ["01", "1.", "-", "1e", ".5", "+1", "1.e3"] {
            assert!(parse(bad).is_err(), "{} should fail", bad);
        }
        for good in ["0", "-0", "1.5", "1e10", "1E+2", "12345678901234567890123"] {
            assert!(parse(good).is_ok(), "{} should pass", good);
        }
    }

    #[test]
    fn refuses_invalid_utf8_and_control_characters() {
        let mut nodes = Vec::new();
        let e = parse_into(b"{\"a\":\"\xff\"}", &mut nodes).unwrap_err();
        assert!(
            e.message.contains("invalid UTF-8") && e.message.contains("byte 6"),
            "{}",
            e
        );
        let e = parse_into(b"\"a\x01\"", &mut nodes).unwrap_err();
        assert!(e.message.contains("control characters"));
        assert!(parse_into("\"é✓😀\"".as_bytes(), &mut nodes).is_ok());
    }

    #[test]
    fn refuses_nesting_deeper_than_the_limit() {
        let ok = "[".repeat(MAX_DEPTH) + &"]".repeat(MAX_DEPTH);
        assert!(parse(&ok).is_ok());
        let deep = "[".repeat(MAX_DEPTH + 1) + &"]".repeat(MAX_DEPTH + 1);
        let e = parse(&deep).unwrap_err();
        assert_eq!(e.kind, ErrorKind::Range);
        let very_deep = "[".repeat(100_000);
        assert_eq!(parse(&very_deep).unwrap_err().kind, ErrorKind::Range);
    }

    #[test]
    fn refuses_duplicate_keys_also_when_escaped() {
        assert!(parse(r#"{"a":1,"a":2}"#)
            .unwrap_err()
            .message
            .contains("duplicate key"));
        assert!(parse(r#"{"a":1,"\u0061":2}"#)
            .unwrap_err()
            .message
            .contains("duplicate key"));
        let many: Vec<String> = (0..40).map(|i| format!("\"k{}\":1", i)).collect();
        assert!(parse(&format!("{{{}}}", many.join(","))).is_ok());
        let dup = format!("{{{},\"k7\":2}}", many.join(","));
        assert!(parse(&dup)
            .unwrap_err()
            .message
            .contains("duplicate key \"k7\""));
    }

    #[test]
    fn unescapes_surrogate_pairs_and_lone_surrogates() {
        assert_eq!(unescape(br"\ud83d\ude00"), "😀".as_bytes());
        assert_eq!(unescape(br"\ud83dx"), "\u{fffd}x".as_bytes());
        assert_eq!(unescape(br"a\nb\u00e9"), "a\nbé".as_bytes());
    }

    #[test]
    fn get_finds_members() {
        let src = r#"{"id":"x","n":1}"#;
        let nodes = parse(src).unwrap();
        let tape = Tape {
            src: src.as_bytes(),
            nodes: &nodes,
        };
        assert_eq!(tape.get(0, b"n").map(|i| tape.raw(i)), Some(&b"1"[..]));
        assert_eq!(tape.get(0, b"zz"), None);
    }
}
