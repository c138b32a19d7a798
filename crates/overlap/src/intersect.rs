//! Intersection of a delta with a field set: the hot path.
//!
//! The delta is parsed once into a tape; each compiled set ([`Plan`]) then
//! walks only the parts of the tape it selects, writing JSON straight into an
//! output buffer. Leaves are copied byte for byte from the source.
//! Speculative output (an object that turns out to select nothing) is undone
//! by truncating the buffer, so nothing is allocated per object.

use crate::error::Error;
use crate::field_set::{FieldSet, IdFilter};
use crate::json::{parse_into, unescape, Kind, Node, Tape};
use crate::plan::{bit, Interner, Plan, PlanField, PlanLevel, ID, UNKNOWN, UNRESOLVED};

/// Reusable scratch space for parsing and walking deltas.
#[derive(Default)]
pub struct Scratch {
    /// The tape of the current delta.
    pub nodes: Vec<Node>,
    /// Per tape node: the symbol of an object key, resolved on first use.
    pub syms: Vec<u32>,
}

impl Scratch {
    /// Parses `delta` into the scratch tape and checks its root is an object.
    /// Returns whether the delta is all ASCII.
    pub fn load(&mut self, delta: &[u8]) -> Result<bool, Error> {
        let ascii = parse_into(delta, &mut self.nodes)?;
        check_root(&Tape { src: delta, nodes: &self.nodes })?;
        self.syms.clear();
        self.syms.resize(self.nodes.len(), UNRESOLVED);
        Ok(ascii)
    }

    /// Releases the buffers' memory (after a huge delta).
    pub fn trim(&mut self) {
        *self = Scratch::default();
    }
}

/// Parses `delta` and writes its intersection with `set` to `out`
/// (appending). Returns `false`, leaving `out` as it was, when there is no
/// overlap. For repeated use, compile the set once and use
/// [`intersect_plan`].
pub fn intersect(delta: &[u8], set: &FieldSet, scratch: &mut Scratch, out: &mut Vec<u8>) -> Result<bool, Error> {
    let mut interner = Interner::default();
    let plan = Plan::compile(set, &mut interner);
    intersect_plan(delta, &plan, &interner, scratch, out)
}

/// Like [`intersect`], with a plan compiled against `interner`.
pub fn intersect_plan(
    delta: &[u8],
    plan: &Plan,
    interner: &Interner,
    scratch: &mut Scratch,
    out: &mut Vec<u8>,
) -> Result<bool, Error> {
    scratch.load(delta)?;
    let mut walk = Walk { tape: Tape { src: delta, nodes: &scratch.nodes }, syms: &mut scratch.syms, interner };
    Ok(walk.root(plan, out))
}

/// Refuses a delta whose top level is not an object.
pub fn check_root(tape: &Tape) -> Result<(), Error> {
    let kind = tape.nodes[0].kind;
    if kind == Kind::Object {
        return Ok(());
    }
    let found = match kind {
        Kind::Array => "an array",
        Kind::String => "a string",
        Kind::Number => "a number",
        Kind::Null => "null",
        _ => "a boolean",
    };
    Err(Error::type_error(format!("a delta must be a JSON object at its top level, found {}", found)))
}

/// One walk over a loaded delta, by any number of plans compiled against
/// the same interner.
pub struct Walk<'a> {
    /// The delta.
    pub tape: Tape<'a>,
    /// Key symbols, resolved lazily (length = number of tape nodes).
    pub syms: &'a mut [u32],
    /// The interner the plans were compiled against.
    pub interner: &'a Interner,
}

#[inline]
fn write_prefix(out: &mut Vec<u8>, prefix: &[u8], first: bool) {
    if !first {
        out.push(b',');
    }
    out.extend_from_slice(prefix);
}

impl<'a> Walk<'a> {
    /// The symbol of key node `k`.
    #[inline]
    fn sym(&mut self, k: usize) -> u32 {
        let s = self.syms[k];
        if s != UNRESOLVED {
            return s;
        }
        let n = self.tape.nodes[k];
        let inner = &self.tape.src[n.start as usize + 1..n.end as usize - 1];
        let s = if n.escaped { self.interner.get(&unescape(inner)) } else { self.interner.get(inner) };
        self.syms[k] = s;
        s
    }

    /// Writes the intersection of the delta with `plan` to `out`; `false`
    /// (with `out` unchanged) when there is no overlap. (C): the root has no
    /// identity rule.
    pub fn root(&mut self, plan: &Plan, out: &mut Vec<u8>) -> bool {
        let level = &plan.root;
        let start = out.len();
        out.push(b'{');
        let mut first = true;
        let mut at = 1;
        let end = self.tape.nodes[0].next as usize;
        while at < end {
            let (k, v) = (at, at + 1);
            at = self.tape.nodes[v].next as usize;
            let sym = self.sym(k);
            if sym == UNKNOWN || level.mask & bit(sym) == 0 {
                continue;
            }
            for f in level.fields.iter() {
                if f.sym == sym {
                    self.member(f, v, out, &mut first);
                }
            }
        }
        if first {
            out.truncate(start);
            return false;
        }
        out.push(b'}');
        true
    }

    /// Writes `"key":value` for `f` over value node `v`, if it is included.
    #[inline]
    fn member(&mut self, f: &PlanField, v: usize, out: &mut Vec<u8>, first: &mut bool) -> bool {
        let mark = out.len();
        write_prefix(out, &f.prefix, *first);
        if self.value(f, v, out) {
            *first = false;
            true
        } else {
            out.truncate(mark);
            false
        }
    }

    fn value(&mut self, f: &PlanField, v: usize, out: &mut Vec<u8>) -> bool {
        let node = self.tape.nodes[v];
        let children = match &f.children {
            None => {
                out.extend_from_slice(&self.tape.src[node.start as usize..node.end as usize]);
                return true;
            }
            Some(children) => children,
        };
        match node.kind {
            Kind::Object => self.object(children, &f.filter, v, out),
            Kind::Array => {
                let start = out.len();
                out.push(b'[');
                let mut any = false;
                let mut at = v + 1;
                let end = node.next as usize;
                while at < end {
                    let e = at;
                    at = self.tape.nodes[e].next as usize;
                    if self.tape.nodes[e].kind != Kind::Object {
                        continue;
                    }
                    let mark = out.len();
                    if any {
                        out.push(b',');
                    }
                    if self.object(children, &f.filter, e, out) {
                        any = true;
                    } else {
                        out.truncate(mark);
                    }
                }
                if any {
                    out.push(b']');
                } else {
                    out.truncate(start);
                }
                any
            }
            Kind::Null => {
                out.extend_from_slice(b"null");
                true
            }
            _ => false,
        }
    }

    /// The decoded `id` of object node `o`, when it is a string.
    fn object_id(&mut self, o: usize) -> Option<std::borrow::Cow<'a, [u8]>> {
        let tape = Tape { src: self.tape.src, nodes: self.tape.nodes };
        let mut at = o + 1;
        let end = tape.nodes[o].next as usize;
        while at < end {
            let (k, v) = (at, at + 1);
            at = tape.nodes[v].next as usize;
            if self.sym(k) == ID {
                return if tape.nodes[v].kind == Kind::String { Some(tape.string(v)) } else { None };
            }
        }
        None
    }

    fn object(&mut self, level: &PlanLevel, filter: &IdFilter, o: usize, out: &mut Vec<u8>) -> bool {
        if !filter.is_open() {
            let id = self.object_id(o);
            if !filter.admits(id.as_deref()) {
                return false;
            }
        }
        let start = out.len();
        out.push(b'{');
        let mut first = true;
        let mut any = false;
        let mut at = o + 1;
        let end = self.tape.nodes[o].next as usize;
        while at < end {
            let (k, v) = (at, at + 1);
            at = self.tape.nodes[v].next as usize;
            let sym = self.sym(k);
            if sym == ID {
                // (A) identity: the id goes wherever the object goes.
                let n = self.tape.nodes[v];
                write_prefix(out, b"\"id\":", first);
                out.extend_from_slice(&self.tape.src[n.start as usize..n.end as usize]);
                first = false;
                if level.id_aliases {
                    for f in level.fields.iter() {
                        if f.sym == ID && &*f.prefix != b"\"id\":" {
                            self.member(f, v, out, &mut first);
                        }
                    }
                }
                continue;
            }
            if sym == UNKNOWN || level.mask & bit(sym) == 0 {
                continue;
            }
            for f in level.fields.iter() {
                if f.sym == sym {
                    any |= self.member(f, v, out, &mut first);
                }
            }
        }
        // (B) emission: a selected field other than id, or an existence level.
        if !any && !level.existence {
            out.truncate(start);
            return false;
        }
        out.push(b'}');
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;
    use crate::graphql::resolve::parse_subscription;
    use crate::merge::merge;

    fn run(delta: &str, query: &str) -> Option<String> {
        let set = parse_subscription(query, None).unwrap();
        let mut out = Vec::new();
        let overlap = intersect(delta.as_bytes(), &set, &mut Scratch::default(), &mut out).unwrap();
        if overlap {
            Some(String::from_utf8(out).unwrap())
        } else {
            assert!(out.is_empty());
            None
        }
    }

    fn err(delta: &[u8], query: &str) -> Error {
        let set = parse_subscription(query, None).unwrap();
        intersect(delta, &set, &mut Scratch::default(), &mut Vec::new()).unwrap_err()
    }

    #[test]
    fn seed_example() {
        let view1 = parse_subscription(
            r#"subscription { workflows(ids: ["~user/flow"]) {
                 taskProxies { name status firstParent { id } }
                 familyProxies { id name firstParent { id } } } }"#,
            None,
        )
        .unwrap();
        let view2 = parse_subscription(
            r#"subscription { workflows(ids: ["~user/flow"]) {
                 taskProxies { name id status }
                 nodesEdges { nodes { id } edges { source target } } } }"#,
            None,
        )
        .unwrap();
        let merged = merge(&[&view1, &view2]).unwrap();
        let delta = r#"{"workflows":[{"id":"~user/flow","taskProxies":[{"id":"~user/flow//1/foo","status":"running","jobs":[{"id":"~user/flow//1/foo/01","status":"running"}]}]}]}"#;
        let mut out = Vec::new();
        assert!(intersect(delta.as_bytes(), &merged, &mut Scratch::default(), &mut out).unwrap());
        assert_eq!(
            String::from_utf8(out).unwrap(),
            r#"{"workflows":[{"id":"~user/flow","taskProxies":[{"id":"~user/flow//1/foo","status":"running"}]}]}"#
        );
    }

    #[test]
    fn rule_a_carries_the_id_even_when_not_selected() {
        assert_eq!(
            run(r#"{"t":{"id":"x","s":1,"n":2}}"#, "{ t { s } }").as_deref(),
            Some(r#"{"t":{"id":"x","s":1}}"#)
        );
        assert_eq!(
            run(r#"{"t":{"s":1,"id":7}}"#, "{ t { s } }").as_deref(),
            Some(r#"{"t":{"s":1,"id":7}}"#)
        );
    }

    #[test]
    fn rule_b_emits_an_object_only_with_a_selected_field() {
        assert_eq!(run(r#"{"t":{"id":"x","n":2}}"#, "{ t { s } }"), None);
        assert_eq!(run(r#"{"t":{"id":"x","n":2}}"#, "{ t { id s } }"), None);
        assert_eq!(
            run(r#"{"t":{"id":"x","p":{"id":"y"}}}"#, "{ t { p { n } } }"),
            None
        );
    }

    #[test]
    fn rule_b_existence_level_emits_what_is_present() {
        assert_eq!(
            run(
                r#"{"t":{"id":"x","p":{"id":"y","n":1}}}"#,
                "{ t { p { id } } }"
            )
            .as_deref(),
            Some(r#"{"t":{"id":"x","p":{"id":"y"}}}"#)
        );
        assert_eq!(
            run(r#"{"t":{"p":{"n":1}}}"#, "{ t { p { id } } }").as_deref(),
            Some(r#"{"t":{"p":{}}}"#)
        );
        assert_eq!(
            run(r#"{"n":[{"id":"a"},{"id":"b","x":1}]}"#, "{ n { id } }").as_deref(),
            Some(r#"{"n":[{"id":"a"},{"id":"b"}]}"#)
        );
        assert_eq!(run(r#"{"t":{"id":"x","q":1}}"#, "{ t { p { id } } }"), None);
    }

    #[test]
    fn rule_c_root_is_none_without_top_level_overlap() {
        assert_eq!(run(r#"{"a":1}"#, "{ b }"), None);
        assert_eq!(run(r#"{}"#, "{ b }"), None);
        assert_eq!(
            run(r#"{"id":"r","a":1}"#, "{ id }").as_deref(),
            Some(r#"{"id":"r"}"#)
        );
        assert_eq!(run(r#"{"id":"r","a":1}"#, "{ b }"), None);
    }

    #[test]
    fn leaves_copy_values_whole_and_exactly() {
        let delta = r#"{"a":1.50e+3,"b":[1, {"x" : 2}],"c":{"d":null},"e":null,"f":"\u00e9\n","g":12345678901234567890}"#;
        assert_eq!(
            run(delta, "{ a b c e f g }").as_deref(),
            Some(
                r#"{"a":1.50e+3,"b":[1, {"x" : 2}],"c":{"d":null},"e":null,"f":"\u00e9\n","g":12345678901234567890}"#
            )
        );
    }

    #[test]
    fn selections_recurse_filter_lists_and_drop_scalars() {
        let delta = r#"{"t":[{"id":"1","s":"a"},{"id":"2","n":"b"},3,null,{"id":"3","s":"c"}],"u":5,"v":null}"#;
        assert_eq!(
            run(delta, "{ t { s } u { s } v { s } }").as_deref(),
            Some(r#"{"t":[{"id":"1","s":"a"},{"id":"3","s":"c"}],"v":null}"#)
        );
        assert_eq!(run(r#"{"t":[{"id":"2","n":"b"}]}"#, "{ t { s } }"), None);
        assert_eq!(run(r#"{"t":[]}"#, "{ t { s } }"), None);
        assert_eq!(run(r#"{"t":[]}"#, "{ t }").as_deref(), Some(r#"{"t":[]}"#));
    }

    #[test]
    fn ids_and_exids_filter_objects() {
        let delta = r#"{"w":[{"id":"a","s":1},{"id":"b","s":2},{"s":3}]}"#;
        assert_eq!(
            run(delta, r#"{ w(ids: ["b"]) { s } }"#).as_deref(),
            Some(r#"{"w":[{"id":"b","s":2}]}"#)
        );
        assert_eq!(
            run(delta, r#"{ w(exids: ["b"]) { s } }"#).as_deref(),
            Some(r#"{"w":[{"id":"a","s":1},{"s":3}]}"#)
        );
        assert_eq!(run(delta, r#"{ w(ids: []) { s } }"#), None);
        assert_eq!(
            run(r#"{"w":{"id":"a","s":1}}"#, r#"{ w(ids: "z") { s } }"#),
            None
        );
        assert_eq!(
            run(
                r#"{"w":[{"id":"\u0061","s":1}]}"#,
                r#"{ w(ids: "a") { s } }"#
            )
            .as_deref(),
            Some(r#"{"w":[{"id":"\u0061","s":1}]}"#)
        );
        // Other arguments are kept but do not filter.
        assert_eq!(
            run(delta, "{ w(first: 1) { s } }").as_deref(),
            Some(r#"{"w":[{"id":"a","s":1},{"id":"b","s":2},{"s":3}]}"#)
        );
    }

    #[test]
    fn outputs_use_response_keys_and_two_aliases_both_work() {
        let delta = r#"{"w":[{"id":"a","s":1,"n":"x"},{"id":"b","s":2}]}"#;
        assert_eq!(
            run(
                delta,
                r#"{ one: w(ids: ["a"]) { n } two: w(ids: ["b"]) { st: s } }"#
            )
            .as_deref(),
            Some(r#"{"one":[{"id":"a","n":"x"}],"two":[{"id":"b","st":2}]}"#)
        );
        assert_eq!(
            run(r#"{"t":{"id":"x","s":1}}"#, "{ t { ident: id s } }").as_deref(),
            Some(r#"{"t":{"id":"x","ident":"x","s":1}}"#)
        );
    }

    #[test]
    fn escaped_keys_match_field_names() {
        assert_eq!(
            run(r#"{"st\u0061tus":1}"#, "{ status }").as_deref(),
            Some(r#"{"status":1}"#)
        );
    }

    #[test]
    fn bad_deltas_are_clear_errors() {
        let e = err(b"[1]", "{ a }");
        assert_eq!(e.kind, ErrorKind::Type);
        assert!(e.message.contains("found an array"), "{}", e);
        let e = err(br#"{"a": }"#, "{ a }");
        assert_eq!(e.kind, ErrorKind::Syntax);
        assert!(e.message.contains("at byte 6"), "{}", e);
        let e = err(b"{\"a\":\"\xc3\x28\"}", "{ a }");
        assert!(e.message.contains("invalid UTF-8"), "{}", e);
        let deep = format!("{}{}", "{\"a\":".repeat(200), "}".repeat(200));
        assert_eq!(err(deep.as_bytes(), "{ a }").kind, ErrorKind::Range);
    }

    #[test]
    fn huge_deltas_work() {
        let items: Vec<String> = (0..100_000)
            .map(|i| {
                format!(
                    r#"{{"id":"t{}","status":"running","x":"{}"}}"#,
                    i,
                    "y".repeat(40)
                )
            })
            .collect();
        let delta = format!(r#"{{"taskProxies":[{}]}}"#, items.join(","));
        assert!(delta.len() > 7_000_000);
        let out = run(&delta, r#"{ taskProxies(ids: ["t99999"]) { status } }"#).unwrap();
        assert_eq!(
            out,
            r#"{"taskProxies":[{"id":"t99999","status":"running"}]}"#
        );
    }

    #[test]
    fn random_bytes_never_panic() {
        // A fixed-seed xorshift: deterministic, no dependency.
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let set = parse_subscription("{ a { b c(ids: [\"x\"]) { id } } d }", None).unwrap();
        let alphabet = br#"{}[]:,"ab\u0078dcid 019.-eE"#;
        for _ in 0..20_000 {
            let len = (next() % 40) as usize;
            let bytes: Vec<u8> = (0..len)
                .map(|_| {
                    let r = next();
                    if r % 4 == 0 {
                        (r >> 8) as u8
                    } else {
                        alphabet[(r >> 8) as usize % alphabet.len()]
                    }
                })
                .collect();
            let _ = intersect(&bytes, &set, &mut Scratch::default(), &mut Vec::new());
            if let Ok(text) = std::str::from_utf8(&bytes) {
                let _ = parse_subscription(text, None);
            }
        }
    }
}
