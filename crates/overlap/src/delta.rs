//! What the walks know about a loaded delta: its tape, and per object (built
//! on the first visit, then shared by every set) the members some set
//! selects, its identity and its shape; per array, an index by id.

use crate::error::Error;
use crate::json::{parse_into, Kind, Node, Tape};
use crate::plan::{bit, FxHasher, Interner, ID, UNKNOWN};
use std::hash::Hasher;

/// "None", in the per-node tables and the fields below.
pub const NONE: u32 = u32::MAX;

/// One member of a visited delta object whose key some set selects.
#[derive(Clone, Copy, Debug)]
pub struct Member {
    /// The key's interned symbol.
    pub sym: u32,
    /// The key node.
    pub key: u32,
    /// `"key":value` is the source's `from..to`, when the key has no escape
    /// and the value follows the colon directly (compact JSON): then a field
    /// named like the key copies it in one piece. [`NONE`] otherwise.
    pub from: u32,
    /// The end of the value.
    pub to: u32,
    /// The byte before `from` is a comma: `,"key":value` is one piece too.
    pub comma: bool,
}

/// What the walks know about one delta object.
#[derive(Clone, Copy, Debug)]
pub struct ObjInfo {
    /// Where its members start in the delta's member table.
    pub start: u32,
    /// How many members (with a known key) it has.
    pub len: u32,
    /// The value node of its `id`, or [`NONE`].
    pub id_value: u32,
    /// The interned symbol of its string `id` ([`UNKNOWN`] if none).
    pub id_sym: u32,
    /// When the object starts `{"id":value` in compact form: the end of
    /// that piece, which opens the object with its identity in one copy.
    /// [`NONE`] otherwise.
    pub head: u32,
    /// Bit `sym % 64` set for each member's symbol: a quick "surely absent".
    pub mask: u64,
    /// Its shape: objects whose members have the same symbols in the same
    /// order share one (see the walks' programs).
    pub shape: u32,
}

/// One slot of the shape table: a hash of a member-symbol sequence and the
/// info of the first object seen with it (the shape's representative).
#[derive(Clone, Copy, Default)]
struct ShapeSlot {
    generation: u32,
    hash: u32,
    info: u32,
    shape: u32,
}

/// A loaded delta and its per-object tables; reused from delta to delta.
#[derive(Default)]
pub struct Delta {
    /// The tape of the current delta.
    pub nodes: Vec<Node>,
    /// Per tape node: the index of its `ObjInfo` (objects) or of its entry
    /// in `arrays` (arrays), or NONE.
    info_of: Vec<u32>,
    infos: Vec<ObjInfo>,
    /// The members of every visited object, back to back.
    members: Vec<Member>,
    /// Per indexed array: where its `(id symbol, element)` pairs start in
    /// `by_id`, and how many there are.
    arrays: Vec<(u32, u32)>,
    /// Array elements with an id some filter names, sorted by (id, element).
    by_id: Vec<(u32, u32)>,
    /// Open-addressing table of the shapes seen in this delta.
    shapes: Vec<ShapeSlot>,
    shape_count: u32,
    /// Stamps this delta's entries in the tables that are never cleared
    /// (here and in the walks' scratch).
    pub generation: u32,
}

impl Delta {
    /// Parses `delta` into the tape and checks its root is an object.
    /// Returns whether the delta is all ASCII.
    pub fn load(&mut self, delta: &[u8]) -> Result<bool, Error> {
        let ascii = parse_into(delta, &mut self.nodes)?;
        check_root(&Tape {
            src: delta,
            nodes: &self.nodes,
        })?;
        self.info_of.clear();
        self.info_of.resize(self.nodes.len(), NONE);
        self.shape_count = 0;
        self.infos.clear();
        self.members.clear();
        self.arrays.clear();
        self.by_id.clear();
        self.generation = self.generation.wrapping_add(1);
        if self.generation == 0 {
            // Stamps wrapped: old slots could look current. Start afresh.
            self.shapes.clear();
            self.generation = 1;
        }
        Ok(ascii)
    }

    /// Tape node `i`.
    #[inline(always)]
    pub fn node(&self, i: usize) -> Node {
        self.nodes[i]
    }

    /// The info of object node `o`, building it on first use.
    #[inline(always)]
    pub fn info(&mut self, src: &[u8], interner: &Interner, o: usize) -> ObjInfo {
        let i = self.info_of[o];
        if i != NONE {
            return self.infos[i as usize];
        }
        self.build_info(src, interner, o)
    }

    /// The members of an object, by its info.
    #[inline(always)]
    pub fn members(&self, info: ObjInfo) -> &[Member] {
        &self.members[info.start as usize..(info.start + info.len) as usize]
    }

    /// The member at position `pos` of an object, by its info.
    ///
    /// # Safety
    ///
    /// `pos` must be below `info.len`, for an `info` of this delta.
    #[inline(always)]
    pub unsafe fn member_at(&self, info: ObjInfo, pos: u32) -> Member {
        *self.members.get_unchecked((info.start + pos) as usize)
    }

    /// The member of an object with symbol `sym`.
    #[inline(always)]
    pub fn find_member(&self, info: ObjInfo, sym: u32) -> Option<Member> {
        if info.mask & bit(sym) == 0 {
            return None;
        }
        self.members(info).iter().find(|m| m.sym == sym).copied()
    }

    #[inline(never)]
    fn build_info(&mut self, src: &[u8], interner: &Interner, o: usize) -> ObjInfo {
        let start = self.members.len() as u32;
        let mut id_value = NONE;
        let mut id_sym = UNKNOWN;
        let mut mask = 0;
        let mut hash = FxHasher::default();
        let mut head = NONE;
        let tape = Tape {
            src,
            nodes: &self.nodes,
        };
        for (k, v) in tape.members(o) {
            let sym = interner.get(&tape.string(k));
            let (key, value) = (tape.nodes[k], tape.nodes[v]);
            let compact = !key.escaped && value.start == key.end + 1;
            if sym == ID {
                id_value = v as u32;
                if value.kind == Kind::String {
                    id_sym = interner.get_id(&tape.string(v));
                }
                if compact && k == o + 1 && key.start == tape.nodes[o].start + 1 {
                    head = value.end;
                }
            }
            if sym != UNKNOWN {
                self.members.push(Member {
                    sym,
                    key: k as u32,
                    from: if compact { key.start } else { NONE },
                    to: value.end,
                    comma: key.start > 0 && src[key.start as usize - 1] == b',',
                });
                mask |= bit(sym);
                hash.write_u32(sym);
            }
        }
        let len = self.members.len() as u32 - start;
        let shape = self.shape_of(start, len, hash.finish() as u32);
        let info = ObjInfo {
            start,
            len,
            id_value,
            id_sym,
            head,
            mask,
            shape,
        };
        self.info_of[o] = self.infos.len() as u32;
        self.infos.push(info);
        info
    }

    /// The shape of the object being built (not yet in `infos`), whose
    /// member symbols are `members[start..start + len]` with hash `hash`.
    fn shape_of(&mut self, start: u32, len: u32, hash: u32) -> u32 {
        if self.shapes.len() < 2 * (self.shape_count as usize + 1) {
            self.grow_shapes();
        }
        let mask = self.shapes.len() - 1;
        let mut at = hash as usize & mask;
        loop {
            let slot = self.shapes[at];
            if slot.generation != self.generation {
                let shape = self.shape_count;
                self.shape_count += 1;
                self.shapes[at] = ShapeSlot {
                    generation: self.generation,
                    hash,
                    info: self.infos.len() as u32,
                    shape,
                };
                return shape;
            }
            if slot.hash == hash {
                // Equal hashes are checked symbol by symbol: a collision must
                // never let one object's program read another's members.
                let rep = self.infos[slot.info as usize];
                let a = &self.members[rep.start as usize..(rep.start + rep.len) as usize];
                let b = &self.members[start as usize..(start + len) as usize];
                if a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.sym == y.sym) {
                    return slot.shape;
                }
            }
            at = (at + 1) & mask;
        }
    }

    /// Doubles the shape table (at least 64 slots), re-inserting this
    /// delta's shapes.
    fn grow_shapes(&mut self) {
        let len = (self.shapes.len() * 2).max(64);
        let old = std::mem::replace(&mut self.shapes, vec![ShapeSlot::default(); len]);
        let mask = len - 1;
        for slot in old {
            if slot.generation == self.generation {
                let mut at = slot.hash as usize & mask;
                while self.shapes[at].generation == self.generation {
                    at = (at + 1) & mask;
                }
                self.shapes[at] = slot;
            }
        }
    }

    /// The `(id symbol, element)` pairs of array node `v`, sorted, built on
    /// first use: elements that are objects with an id some filter names.
    pub fn array_index(&mut self, src: &[u8], interner: &Interner, v: usize) -> &[(u32, u32)] {
        let i = self.info_of[v];
        if i != NONE {
            let (start, len) = self.arrays[i as usize];
            return &self.by_id[start as usize..(start + len) as usize];
        }
        let start = self.by_id.len();
        let mut at = v + 1;
        let end = self.node(v).next as usize;
        while at < end {
            let e = at;
            let element = self.node(e);
            at = element.next as usize;
            if element.kind == Kind::Object {
                let info = self.info(src, interner, e);
                if info.id_sym != UNKNOWN {
                    self.by_id.push((info.id_sym, e as u32));
                }
            }
        }
        let len = self.by_id.len() - start;
        self.by_id[start..].sort_unstable();
        self.info_of[v] = self.arrays.len() as u32;
        self.arrays.push((start as u32, len as u32));
        &self.by_id[start..]
    }
}

/// Pushes onto `matches` the elements of an array, from its id index
/// `pairs` (see [`Delta::array_index`]), whose id is one of `ids`, in array
/// order.
pub fn match_ids(pairs: &[(u32, u32)], ids: &[u32], matches: &mut Vec<u32>) {
    let seg = matches.len();
    for &id in ids {
        let mut k = pairs.partition_point(|p| p.0 < id);
        while k < pairs.len() && pairs[k].0 == id {
            matches.push(pairs[k].1);
            k += 1;
        }
    }
    // Back into array order; usually one or two ids.
    let matched = &mut matches[seg..];
    if matched.len() <= 8 {
        for i in 1..matched.len() {
            let mut j = i;
            while j > 0 && matched[j - 1] > matched[j] {
                matched.swap(j - 1, j);
                j -= 1;
            }
        }
    } else {
        matched.sort_unstable();
    }
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
    Err(Error::type_error(format!(
        "a delta must be a JSON object at its top level, found {}",
        found
    )))
}
