//! The Sieve: many field sets, one delta, one parse.

use crate::delta::Delta;
use crate::error::Error;
use crate::fan_out::FanOut;
use crate::field_set::FieldSet;
use crate::plan::Interner;
use crate::trie::Trie;

/// The result of [`Sieve::filter`]: every overlap's JSON, back to back in
/// one text buffer, and an index of `(id, start, end)` byte ranges into it.
#[derive(Default)]
pub struct Filtered {
    /// The concatenated intersections.
    pub text: Vec<u8>,
    /// `[id, start, end]` per set with an overlap, in id order.
    pub index: Vec<u32>,
    /// The delta, and so `text`, is all ASCII: byte offsets are also UTF-16
    /// offsets, so a caller may decode `text` once and slice it.
    pub ascii: bool,
}

impl Filtered {
    /// How many sets had an overlap.
    pub fn len(&self) -> usize {
        self.index.len() / 3
    }

    /// True when no set had an overlap.
    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    /// The intersection JSON of the `n`th overlap, with its id.
    pub fn get(&self, n: usize) -> (u32, &[u8]) {
        let i = &self.index[n * 3..n * 3 + 3];
        (i[0], &self.text[i[1] as usize..i[2] as usize])
    }
}

/// Holds many field sets under numeric ids and intersects a delta with all
/// of them, parsing the delta once and walking it once.
///
/// The sets are kept as one union trie (`trie.rs`): the delta is walked
/// against the trie, not against each set, so a member is looked up and a
/// filter checked once for all the sets that share the field
/// (`fan_out.rs`). Ids start at 1, increase, and are never reused, so a
/// stale id can never name another subscriber's set.
#[derive(Default)]
pub struct Sieve {
    /// `(id, slot)` per set, sorted by id.
    entries: Vec<(u32, u32)>,
    /// The slots of the sets, sorted (the trie's class slots are not).
    live: Vec<u32>,
    trie: Trie,
    interner: Interner,
    last_id: u32,
    delta: Delta,
    fan: FanOut,
}

impl Sieve {
    /// An empty sieve.
    pub fn new() -> Sieve {
        Sieve::default()
    }

    /// Adds (a copy of) `set`, returning its id.
    pub fn add(&mut self, set: &FieldSet) -> Result<u32, Error> {
        let id = self
            .last_id
            .checked_add(1)
            .ok_or_else(|| Error::range("this sieve has handed out every id; create a new one"))?;
        self.last_id = id;
        let slot = self.trie.insert(&set.fields, &mut self.interner);
        if let Err(at) = self.live.binary_search(&slot) {
            self.live.insert(at, slot);
        }
        // Ids increase, so pushing keeps `entries` sorted by id.
        self.entries.push((id, slot));
        Ok(id)
    }

    /// Removes the set with `id`; `false` if there is none.
    pub fn remove(&mut self, id: u32) -> bool {
        match self.entries.binary_search_by_key(&id, |e| e.0) {
            Ok(at) => {
                let (_, slot) = self.entries.remove(at);
                self.trie.remove(slot);
                if let Ok(at) = self.live.binary_search(&slot) {
                    self.live.remove(at);
                }
                true
            }
            Err(_) => false,
        }
    }

    /// How many sets the sieve holds.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when the sieve holds no sets.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Approximate heap bytes held for the sets (not the scratch space of
    /// the last delta).
    pub fn heap_bytes(&self) -> usize {
        self.entries.capacity() * 8 + self.live.capacity() * 4 + self.trie.heap_bytes()
    }

    /// Releases scratch memory (after a huge delta).
    pub fn trim(&mut self) {
        self.delta = Delta::default();
        self.fan.trim();
    }

    /// Intersects `delta` with every set into `result` (cleared first).
    pub fn filter(&mut self, delta: &[u8], result: &mut Filtered) -> Result<(), Error> {
        result.text.clear();
        result.index.clear();
        result.ascii = self.delta.load(delta)?;
        let slots = self.trie.slots();
        self.fan.run(
            delta,
            &mut self.delta,
            &self.interner,
            &self.trie,
            &self.live,
            slots,
        );
        for &(id, slot) in &self.entries {
            if let Some(output) = self.fan.output(slot) {
                let start = result.text.len();
                result.text.extend_from_slice(output);
                result
                    .index
                    .extend_from_slice(&[id, start as u32, result.text.len() as u32]);
            }
        }
        if result.text.len() > u32::MAX as usize {
            return Err(Error::range("the sieve's output exceeds 4 GiB"));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graphql::resolve::parse_subscription;
    use crate::intersect::{intersect, Scratch};

    fn set(q: &str) -> FieldSet {
        parse_subscription(q, None).unwrap()
    }

    #[test]
    fn filter_matches_per_set_intersection_and_omits_no_overlap() {
        let mut sieve = Sieve::new();
        let queries = [
            "{ w { s } }",
            "{ w { n } }",
            "{ x }",
            r#"{ w(ids: ["b"]) { s } }"#,
        ];
        let ids: Vec<u32> = queries
            .iter()
            .map(|q| sieve.add(&set(q)).unwrap())
            .collect();
        assert_eq!(ids, vec![1, 2, 3, 4]);
        let delta = br#"{"w":[{"id":"a","s":1},{"id":"b","s":2}]}"#;
        let mut result = Filtered::default();
        sieve.filter(delta, &mut result).unwrap();
        assert!(result.ascii);
        let got: Vec<(u32, String)> = (0..result.len())
            .map(|n| result.get(n))
            .map(|(id, json)| (id, String::from_utf8(json.to_vec()).unwrap()))
            .collect();
        let mut expected = Vec::new();
        for (id, q) in ids.iter().zip(queries.iter()) {
            let mut out = Vec::new();
            if intersect(delta, &set(q), &mut Scratch::default(), &mut out).unwrap() {
                expected.push((*id, String::from_utf8(out).unwrap()));
            }
        }
        assert_eq!(got, expected);
        assert_eq!(got.iter().map(|g| g.0).collect::<Vec<_>>(), vec![1, 4]);
    }

    #[test]
    fn index_ranges_point_into_the_text() {
        let mut sieve = Sieve::new();
        sieve.add(&set("{ a }")).unwrap();
        sieve.add(&set("{ b }")).unwrap();
        sieve.add(&set("{ a b }")).unwrap();
        let mut r = Filtered::default();
        sieve.filter("{\"b\":\"é\"}".as_bytes(), &mut r).unwrap();
        assert!(!r.ascii);
        assert_eq!(r.index, vec![2, 0, 10, 3, 10, 20]);
        assert_eq!(r.get(1), (3, "{\"b\":\"é\"}".as_bytes()));
    }

    #[test]
    fn remove_drops_a_set_and_ids_are_not_reused() {
        let mut sieve = Sieve::new();
        let a = sieve.add(&set("{ a }")).unwrap();
        assert!(sieve.remove(a));
        assert!(!sieve.remove(a));
        assert!(sieve.is_empty());
        let b = sieve.add(&set("{ a }")).unwrap();
        assert_ne!(a, b);
        let mut r = Filtered::default();
        sieve.filter(br#"{"a":1}"#, &mut r).unwrap();
        assert_eq!(r.index, vec![b, 0, 7]);
    }

    #[test]
    fn bad_delta_is_an_error_and_the_sieve_still_works() {
        let mut sieve = Sieve::new();
        sieve.add(&set("{ a }")).unwrap();
        let mut r = Filtered::default();
        assert!(sieve.filter(b"{", &mut r).is_err());
        assert!(sieve.filter(b"[]", &mut r).is_err());
        sieve.filter(br#"{"a":1}"#, &mut r).unwrap();
        assert_eq!(r.len(), 1);
    }

    #[test]
    fn keys_added_after_a_filter_are_matched() {
        // The interner grows as sets are added; key symbols are resolved per
        // delta, so a later set's names must be seen by the next filter.
        let mut sieve = Sieve::new();
        sieve.add(&set("{ a }")).unwrap();
        let mut r = Filtered::default();
        sieve.filter(br#"{"zz":1}"#, &mut r).unwrap();
        assert!(r.is_empty());
        sieve.add(&set("{ zz }")).unwrap();
        sieve.filter(br#"{"zz":1}"#, &mut r).unwrap();
        assert_eq!(r.len(), 1);
    }

    #[test]
    fn memo_stays_correct_across_removals_slot_reuse_and_delta_shapes() {
        // Sets that share sub-selections (so levels are shared and memoized),
        // added and removed between deltas of different shapes (so level
        // slots are reused and the memo table's stride changes). Every filter
        // must equal the per-set intersections.
        let queries = [
            "{ w { t { s } } }",
            "{ w { t { s } n } }",
            r#"{ w { t(ids: ["b", "c"]) { s j { p } } } }"#,
            "{ w { t { s j { p } } } x { t { s } } }",
            "{ w { a: t { s } b: t { j { p } } } }",
            "{ w { t { id } } }",
            "{ x { t { s } } }",
        ];
        let deltas = [
            r#"{"w":[{"id":"w1","n":1,"t":[{"id":"a","s":1,"j":[{"id":"j","p":"x"}]},{"id":"b","s":2},{"id":"c","j":{"p":3}}]}]}"#,
            r#"{"w":{"id":"w2","t":{"id":"b","s":null}},"x":{"t":[{"id":"q","s":5},{"id":"r"}]}}"#,
            r#"{"x":{"t":[]},"w":[{"id":"w3"},{"id":"w4","t":[{"id":"c","s":"z","j":[{"p":1},{"q":2}]}]}]}"#,
        ];
        let mut sieve = Sieve::new();
        let mut live: Vec<(u32, usize)> = Vec::new();
        let mut result = Filtered::default();
        let mut state: u32 = 7;
        for step in 0..200 {
            state = state.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            let r = (state >> 8) as usize;
            if live.len() < 3 || (r % 3 != 0 && live.len() < 12) {
                let q = r % queries.len();
                live.push((sieve.add(&set(queries[q])).unwrap(), q));
            } else {
                let (id, _) = live.remove(r % live.len());
                assert!(sieve.remove(id));
            }
            let delta = deltas[step % deltas.len()].as_bytes();
            sieve.filter(delta, &mut result).unwrap();
            let got: Vec<(u32, Vec<u8>)> = (0..result.len())
                .map(|n| result.get(n))
                .map(|(id, j)| (id, j.to_vec()))
                .collect();
            let mut expected = Vec::new();
            for &(id, q) in &live {
                let mut out = Vec::new();
                if intersect(delta, &set(queries[q]), &mut Scratch::default(), &mut out).unwrap() {
                    expected.push((id, out));
                }
            }
            assert_eq!(got, expected, "step {}", step);
        }
    }

    /// A fixed-seed xorshift: deterministic, no dependency.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
        fn chance(&mut self, percent: u64) -> bool {
            self.next() % 100 < percent
        }
    }

    const NAMES: [&str; 6] = ["id", "a", "b", "t", "u", "j"];
    const IDS: [&str; 4] = ["p", "q", "r", "s"];

    /// Whitespace, sometimes.
    fn ws(rng: &mut Rng, out: &mut String) {
        match rng.below(6) {
            0 => out.push(' '),
            1 => out.push_str("\n  "),
            _ => {}
        }
    }

    /// A random delta value as JSON text: objects over `NAMES` (keys in
    /// random order, sometimes spelled with escapes, whitespace anywhere),
    /// lists of objects with ids, scalars of every kind.
    fn value(rng: &mut Rng, depth: usize, out: &mut String) {
        let pick = if depth == 0 {
            3 + rng.below(5)
        } else {
            rng.below(8)
        };
        match pick {
            0 | 1 => object(rng, depth - 1, true, out),
            2 => {
                out.push('[');
                let n = rng.below(4);
                for i in 0..n {
                    if i > 0 {
                        out.push(',');
                    }
                    ws(rng, out);
                    if rng.chance(85) {
                        object(rng, depth - 1, true, out);
                    } else {
                        value(rng, 0, out);
                    }
                }
                ws(rng, out);
                out.push(']');
            }
            3 => out.push_str("null"),
            4 => out.push_str(["1", "-2.5e3", "0", "12345678901234567890"][rng.below(4)]),
            5 => out.push_str(["\"x\"", "\"a\\\"b\"", "\"\\u00e9\""][rng.below(3)]),
            6 => out.push_str(["true", "false"][rng.below(2)]),
            _ => out.push_str("\"v\""),
        }
    }

    fn object(rng: &mut Rng, depth: usize, with_id: bool, out: &mut String) {
        out.push('{');
        let mut keys: Vec<&str> = NAMES.iter().copied().filter(|_| rng.chance(45)).collect();
        if with_id && !keys.contains(&"id") && rng.chance(80) {
            keys.insert(rng.below(keys.len() + 1), "id");
        }
        for i in 1..keys.len() {
            let j = rng.below(i + 1);
            keys.swap(i, j);
        }
        for (i, k) in keys.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            ws(rng, out);
            if rng.chance(10) {
                // The same key, spelled with an escape.
                out.push_str(&format!("\"\\u{:04x}{}\"", k.as_bytes()[0], &k[1..]));
            } else {
                out.push_str(&format!("\"{}\"", k));
            }
            ws(rng, out);
            out.push(':');
            ws(rng, out);
            if *k == "id" && rng.chance(85) {
                out.push_str(&format!("\"{}\"", IDS[rng.below(IDS.len())]));
            } else {
                value(rng, depth, out);
            }
        }
        ws(rng, out);
        out.push('}');
    }

    /// A random selection as GraphQL text: fields of `NAMES`, aliases,
    /// `ids`/`exids`, nested selections, existence levels.
    fn selection(rng: &mut Rng, depth: usize, out: &mut String) {
        out.push_str("{ ");
        let mut any = false;
        for name in NAMES.iter() {
            if !rng.chance(40) {
                continue;
            }
            any = true;
            if rng.chance(12) && *name != "id" {
                out.push_str(["x: ", "y: ", "z: "][rng.below(3)]);
            }
            out.push_str(name);
            if depth > 0 && *name != "id" && rng.chance(60) {
                if rng.chance(30) {
                    let arg = if rng.chance(50) { "ids" } else { "exids" };
                    let ids: Vec<String> = IDS
                        .iter()
                        .filter(|_| rng.chance(50))
                        .map(|i| format!("\"{}\"", i))
                        .collect();
                    out.push_str(&format!("({}: [{}])", arg, ids.join(", ")));
                }
                out.push(' ');
                selection(rng, depth - 1, out);
            }
            out.push(' ');
        }
        if !any {
            out.push_str(if rng.chance(50) { "id " } else { "a " });
        }
        out.push('}');
    }

    #[test]
    fn random_sets_and_spaced_escaped_deltas_equal_per_set_intersection() {
        let mut rng = Rng(0x2545_f491_4f6c_dd1d);
        let mut result = Filtered::default();
        for round in 0..60 {
            let mut sieve = Sieve::new();
            let mut live: Vec<(u32, FieldSet)> = Vec::new();
            for _ in 0..25 {
                let mut q = String::new();
                selection(&mut rng, 3, &mut q);
                let fields = match parse_subscription(&q, None) {
                    Ok(s) => s,
                    // A response key used twice with other names: skip.
                    Err(_) => continue,
                };
                // Often the same set twice, so classes form.
                let copies = if rng.chance(30) { 2 } else { 1 };
                for _ in 0..copies {
                    live.push((sieve.add(&fields).unwrap(), fields.clone()));
                }
                if rng.chance(15) && !live.is_empty() {
                    let (id, _) = live.remove(rng.below(live.len()));
                    assert!(sieve.remove(id));
                }
            }
            for _ in 0..5 {
                let mut delta = String::new();
                object(&mut rng, 3, false, &mut delta);
                sieve.filter(delta.as_bytes(), &mut result).unwrap();
                let got: Vec<(u32, Vec<u8>)> = (0..result.len())
                    .map(|n| result.get(n))
                    .map(|(id, j)| (id, j.to_vec()))
                    .collect();
                let mut expected = Vec::new();
                for (id, set) in &live {
                    let mut out = Vec::new();
                    if intersect(delta.as_bytes(), set, &mut Scratch::default(), &mut out).unwrap()
                    {
                        expected.push((*id, out));
                    }
                }
                assert_eq!(got, expected, "round {}, delta {}", round, delta);
            }
        }
    }
}
