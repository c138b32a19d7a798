//! The Sieve: many field sets, one delta, one parse.

use crate::error::Error;
use crate::field_set::FieldSet;
use crate::intersect::{check_root, intersect_tape};
use crate::json::{parse_into, Node, Tape};

/// Holds many field sets under numeric ids and intersects a delta with all of
/// them, parsing the delta once.
///
/// Ids start at 1, increase, and are never reused, so a stale id can never
/// name another subscriber's set.
#[derive(Default)]
pub struct Sieve {
    entries: Vec<(u32, FieldSet)>,
    last_id: u32,
    nodes: Vec<Node>,
}

impl Sieve {
    /// An empty sieve.
    pub fn new() -> Sieve {
        Sieve::default()
    }

    /// Adds `set`, returning its id.
    pub fn add(&mut self, set: FieldSet) -> Result<u32, Error> {
        let id = self
            .last_id
            .checked_add(1)
            .ok_or_else(|| Error::range("this sieve has handed out every id; create a new one"))?;
        self.last_id = id;
        // Ids increase, so pushing keeps `entries` sorted by id.
        self.entries.push((id, set));
        Ok(id)
    }

    /// Removes the set with `id`; `false` if there is none.
    pub fn remove(&mut self, id: u32) -> bool {
        match self.entries.binary_search_by_key(&id, |e| e.0) {
            Ok(at) => {
                self.entries.remove(at);
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

    /// Approximate heap bytes held by the sets.
    pub fn heap_bytes(&self) -> usize {
        self.entries.capacity() * std::mem::size_of::<(u32, FieldSet)>()
            + self.entries.iter().map(|e| e.1.heap_bytes()).sum::<usize>()
            + self.nodes.capacity() * std::mem::size_of::<Node>()
    }

    /// Intersects `delta` with every set, calling `emit(id, json)` for each
    /// set with an overlap, in id order.
    pub fn filter_each<F: FnMut(u32, &[u8])>(
        &mut self,
        delta: &[u8],
        mut emit: F,
    ) -> Result<usize, Error> {
        parse_into(delta, &mut self.nodes)?;
        let tape = Tape {
            src: delta,
            nodes: &self.nodes,
        };
        check_root(&tape)?;
        let mut buf = Vec::new();
        let mut count = 0;
        for (id, set) in &self.entries {
            buf.clear();
            if intersect_tape(&tape, set, &mut buf) {
                emit(*id, &buf);
                count += 1;
            }
        }
        Ok(count)
    }

    /// Intersects `delta` with every set and appends the overlaps to `out` as
    /// records `[id: u32 LE][length: u32 LE][JSON bytes]`, in id order.
    /// Returns how many records were written.
    pub fn filter_packed(&mut self, delta: &[u8], out: &mut Vec<u8>) -> Result<usize, Error> {
        parse_into(delta, &mut self.nodes)?;
        let tape = Tape {
            src: delta,
            nodes: &self.nodes,
        };
        check_root(&tape)?;
        let mut count = 0;
        for (id, set) in &self.entries {
            let header = out.len();
            out.extend_from_slice(&id.to_le_bytes());
            out.extend_from_slice(&[0, 0, 0, 0]);
            if intersect_tape(&tape, set, out) {
                let len = (out.len() - header - 8) as u32;
                out[header + 4..header + 8].copy_from_slice(&len.to_le_bytes());
                count += 1;
            } else {
                out.truncate(header);
            }
        }
        Ok(count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graphql::resolve::parse_subscription;
    use crate::intersect::intersect;

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
        let ids: Vec<u32> = queries.iter().map(|q| sieve.add(set(q)).unwrap()).collect();
        assert_eq!(ids, vec![1, 2, 3, 4]);
        let delta = br#"{"w":[{"id":"a","s":1},{"id":"b","s":2}]}"#;
        let mut got = Vec::new();
        sieve
            .filter_each(delta, |id, json| {
                got.push((id, String::from_utf8(json.to_vec()).unwrap()))
            })
            .unwrap();
        let mut expected = Vec::new();
        for (id, q) in ids.iter().zip(queries.iter()) {
            let mut out = Vec::new();
            if intersect(delta, &set(q), &mut Vec::new(), &mut out).unwrap() {
                expected.push((*id, String::from_utf8(out).unwrap()));
            }
        }
        assert_eq!(got, expected);
        assert_eq!(got.iter().map(|g| g.0).collect::<Vec<_>>(), vec![1, 4]);
    }

    #[test]
    fn packed_records_decode() {
        let mut sieve = Sieve::new();
        sieve.add(set("{ a }")).unwrap();
        sieve.add(set("{ b }")).unwrap();
        let mut out = vec![9];
        assert_eq!(sieve.filter_packed(br#"{"b":true}"#, &mut out).unwrap(), 1);
        assert_eq!(out[0], 9);
        assert_eq!(&out[1..5], &2u32.to_le_bytes());
        assert_eq!(&out[5..9], &10u32.to_le_bytes());
        assert_eq!(&out[9..], br#"{"b":true}"#);
    }

    #[test]
    fn remove_drops_a_set_and_ids_are_not_reused() {
        let mut sieve = Sieve::new();
        let a = sieve.add(set("{ a }")).unwrap();
        assert!(sieve.remove(a));
        assert!(!sieve.remove(a));
        assert!(sieve.is_empty());
        let b = sieve.add(set("{ a }")).unwrap();
        assert_ne!(a, b);
        let mut n = 0;
        sieve
            .filter_each(br#"{"a":1}"#, |id, _| {
                assert_eq!(id, b);
                n += 1;
            })
            .unwrap();
        assert_eq!(n, 1);
    }

    #[test]
    fn bad_delta_is_an_error_and_the_sieve_still_works() {
        let mut sieve = Sieve::new();
        sieve.add(set("{ a }")).unwrap();
        assert!(sieve.filter_packed(b"{", &mut Vec::new()).is_err());
        assert!(sieve.filter_packed(b"[]", &mut Vec::new()).is_err());
        let mut out = Vec::new();
        assert_eq!(sieve.filter_packed(br#"{"a":1}"#, &mut out).unwrap(), 1);
    }
}
