//! The sieve's walk: one pass of a delta over the union trie (`trie.rs`),
//! writing every set's output into a buffer of its own.
//!
//! Each object is visited once per trie node that reaches it, whatever the
//! number of sets: its members are looked up, filters checked and `ids`
//! lists matched once. Then, per trie field, the bytes it selects are
//! appended to the buffer of each set listed on it. A set's object opens
//! with its identity (rule A) and is taken back by truncating the set's
//! buffer when nothing was included (rule B); per-set state (where the
//! object started, whether a field was included, whether a list has an
//! element yet) lives in per-depth frames indexed by slot, stamped with a
//! visit number so they are never cleared.

use crate::delta::{match_ids, Delta, Member, NONE};
use crate::json::Kind;
use crate::out::{put, put1};
use crate::plan::Interner;
use crate::trie::{FieldKind, Trie, TrieField};

/// The state of each set (by slot) at one depth of the walk.
#[derive(Default)]
struct Frame {
    /// Where the set's current object at this depth starts in its buffer
    /// (the comma before it, in a list, included).
    mark: Vec<u32>,
    /// Where the set's current field, in the object at this depth, starts.
    field: Vec<u32>,
    /// The visit's stamp when the set included a field of the current
    /// object (rule B).
    included: Vec<u64>,
    /// A list's stamp (or a single object value's) when the set emitted an
    /// element of it.
    emitted: Vec<u64>,
}

impl Frame {
    fn resize(&mut self, slots: usize) {
        self.mark.resize(slots, 0);
        self.field.resize(slots, 0);
        self.included.resize(slots, 0);
        self.emitted.resize(slots, 0);
    }
}

/// The reusable state of a sieve's walks.
#[derive(Default)]
pub struct FanOut {
    /// Each slot's output for the last delta (when its set emitted one).
    pub bufs: Vec<Vec<u8>>,
    frames: Vec<Frame>,
    slots: usize,
    /// The last stamp handed out; stamps only grow, so a stamp in a frame
    /// is current only for the visit that wrote it.
    stamp: u64,
    /// The stamp of the last root visit: a set emitted an output iff its
    /// depth-0 `emitted` equals it.
    root: u64,
    matches: Vec<u32>,
}

impl FanOut {
    /// Intersects the delta loaded in `delta` (source `src`) with every set
    /// of `trie` whose slot is in `live` (sorted; slots are below `slots`).
    /// Afterwards [`FanOut::output`] gives each set's output.
    pub fn run(
        &mut self,
        src: &[u8],
        delta: &mut Delta,
        interner: &Interner,
        trie: &Trie,
        live: &[u32],
        slots: usize,
    ) {
        if slots > self.slots {
            self.slots = slots;
            for frame in &mut self.frames {
                frame.resize(slots);
            }
        }
        if self.bufs.len() < slots {
            self.bufs.resize_with(slots, Vec::new);
        }
        for &s in live {
            self.bufs[s as usize].clear();
        }
        self.stamp += 1;
        self.root = self.stamp;
        let mut walk = Walk {
            src,
            delta,
            interner,
            trie,
            fan: self,
        };
        walk.ensure_frame(0);
        walk.object(0, 0, live, 0, walk.fan.root, false);
    }

    /// The output of the set in slot `slot` for the last delta, if it
    /// emitted one (rule C).
    pub fn output(&self, slot: u32) -> Option<&[u8]> {
        let emitted = self.frames.first()?.emitted.get(slot as usize)? == &self.root;
        emitted.then(|| &*self.bufs[slot as usize])
    }

    /// Releases the buffers' memory (after a huge delta).
    pub fn trim(&mut self) {
        self.bufs = Vec::new();
        self.matches = Vec::new();
    }

    /// Approximate heap bytes of the reusable state.
    pub fn heap_bytes(&self) -> usize {
        let frames = self.frames.len() * self.slots * 24;
        let bufs: usize = self.bufs.iter().map(Vec::capacity).sum();
        frames + bufs + self.bufs.capacity() * std::mem::size_of::<Vec<u8>>()
    }
}

struct Walk<'a> {
    src: &'a [u8],
    delta: &'a mut Delta,
    interner: &'a Interner,
    trie: &'a Trie,
    fan: &'a mut FanOut,
}

/// Up to three pieces written one after the other.
type Pieces<'a> = [&'a [u8]; 3];

impl<'a> Walk<'a> {
    fn ensure_frame(&mut self, depth: usize) {
        while self.fan.frames.len() <= depth {
            let mut frame = Frame::default();
            frame.resize(self.fan.slots);
            self.fan.frames.push(frame);
        }
    }

    fn next_stamp(&mut self) -> u64 {
        self.fan.stamp += 1;
        self.fan.stamp
    }

    /// The raw text of tape node `i`.
    fn raw(&self, i: usize) -> &'a [u8] {
        let n = self.delta.node(i);
        &self.src[n.start as usize..n.end as usize]
    }

    /// Visits object node `o` at trie node `n`, for the sets `sets`
    /// (sorted) that reach it, at `depth`. Each set that emits the object
    /// gets `emitted = list` in the depth's frame; in a list (`element`),
    /// a set that emitted an element of `list` before writes a comma first.
    /// The root (node 0, object 0) has no identity rule and no existence
    /// levels (rule C).
    fn object(&mut self, n: u32, o: usize, sets: &'a [u32], depth: usize, list: u64, element: bool) {
        let trie = self.trie;
        let node = &trie.nodes[n as usize];
        let root = n == 0;
        let info = self.delta.info(self.src, self.interner, o);
        if !root && info.mask & node.mask == 0 && node.existence.is_empty() {
            // None of the fields is here: emitted by no set (rule B).
            return;
        }
        let visit = self.next_stamp();
        // The head every set writes: `{` and the identity (rule A), in one
        // piece when the object starts with it in compact form.
        let src = self.src;
        let at = self.delta.node(o).start as usize;
        let mut head: Pieces = [b"{", b"", b""];
        let identity = !root && info.id_value != NONE;
        if identity {
            if info.head != NONE {
                head[0] = &src[at..info.head as usize];
            } else {
                let key = info.id_value as usize - 1;
                let from = self.delta.node(key).start as usize;
                let to = self.delta.node(info.id_value as usize).end as usize;
                if let Some(m) = self.delta.find_member(info, crate::plan::ID) {
                    if m.from != NONE {
                        head[1] = &src[from..to];
                    } else {
                        head[1] = b"\"id\":";
                        head[2] = self.raw(info.id_value as usize);
                    }
                }
            }
        }
        {
            let FanOut { bufs, frames, .. } = &mut *self.fan;
            let frame = &mut frames[depth];
            for &s in sets {
                let s = s as usize;
                let buf = &mut bufs[s];
                let mark = buf.len();
                if element && frame.emitted[s] == list {
                    put1(buf, b',');
                }
                frame.mark[s] = mark as u32;
                write(buf, &head);
            }
        }
        for &at in node.fields.iter() {
            let f = &trie.fields[at as usize];
            let m = match self.delta.find_member(info, f.sym) {
                Some(m) => m,
                None => continue,
            };
            match f.kind {
                FieldKind::Child => self.child(f, m, visit, depth, identity),
                // Rule B: an alias of `id` does not make the object emitted.
                FieldKind::IdAlias => {
                    let pieces = [&b","[..], &f.prefix[..], self.raw(m.key as usize + 1)];
                    for &s in &f.sets {
                        write(&mut self.fan.bufs[s as usize], &pieces);
                    }
                }
                FieldKind::Leaf => self.leaf(f, m, visit, depth, identity),
            }
        }
        let FanOut { bufs, frames, .. } = &mut *self.fan;
        let frame = &mut frames[depth];
        let existence = &node.existence;
        let mut k = 0;
        for &s in sets {
            // Both lists are sorted: walk them together.
            while k < existence.len() && existence[k] < s {
                k += 1;
            }
            let exists = k < existence.len() && existence[k] == s;
            let s = s as usize;
            let buf = &mut bufs[s];
            if frame.included[s] == visit || exists {
                put1(buf, b'}');
                frame.emitted[s] = list;
            } else {
                buf.truncate(frame.mark[s] as usize);
            }
        }
    }

    /// A leaf `f` over member `m`: its value copied for every set of `f`.
    fn leaf(&mut self, f: &'a TrieField, m: Member, visit: u64, depth: usize, identity: bool) {
        let src = self.src;
        let FanOut { bufs, frames, .. } = &mut *self.fan;
        let included = &mut frames[depth].included;
        if f.plain && m.from != NONE {
            let whole = &src[m.from as usize..m.to as usize];
            if identity {
                // After the identity every field needs a comma: the one
                // before the member in the source, when there is one.
                let pieces: Pieces = if m.comma {
                    [&src[m.from as usize - 1..m.to as usize], b"", b""]
                } else {
                    [b",", whole, b""]
                };
                for &s in &f.sets {
                    write(&mut bufs[s as usize], &pieces);
                    included[s as usize] = visit;
                }
            } else {
                for &s in &f.sets {
                    let s = s as usize;
                    if included[s] == visit {
                        put1(&mut bufs[s], b',');
                    }
                    put(&mut bufs[s], whole);
                    included[s] = visit;
                }
            }
        } else {
            let value = {
                let n = self.delta.node(m.key as usize + 1);
                &src[n.start as usize..n.end as usize]
            };
            for &s in &f.sets {
                let s = s as usize;
                let buf = &mut bufs[s];
                if identity || included[s] == visit {
                    put1(buf, b',');
                }
                put(buf, &f.prefix);
                put(buf, value);
                included[s] = visit;
            }
        }
    }

    /// A field with a sub-selection over member `m`.
    fn child(&mut self, f: &'a TrieField, m: Member, visit: u64, depth: usize, identity: bool) {
        let v = m.key as usize + 1;
        let value = self.delta.node(v);
        match value.kind {
            Kind::Null => {
                // A cleared relation is an overlap.
                let FanOut { bufs, frames, .. } = &mut *self.fan;
                let included = &mut frames[depth].included;
                for &s in &f.sets {
                    let s = s as usize;
                    let buf = &mut bufs[s];
                    if identity || included[s] == visit {
                        put1(buf, b',');
                    }
                    put(buf, &f.prefix);
                    put(buf, b"null");
                    included[s] = visit;
                }
            }
            Kind::Object => {
                if !f.filter.is_open() {
                    let info = self.delta.info(self.src, self.interner, v);
                    if !f.filter.admits(info.id_sym) {
                        return;
                    }
                }
                self.ensure_frame(depth + 1);
                let value = self.next_stamp();
                self.open_field(f, visit, depth, identity, b"");
                self.object(f.child, v, &f.sets, depth + 1, value, false);
                self.close_field(f, visit, depth, value, b"");
            }
            Kind::Array => {
                self.ensure_frame(depth + 1);
                let list = self.next_stamp();
                self.open_field(f, visit, depth, identity, b"[");
                match &f.filter.ids {
                    // A short `ids` list over a longer array: look the ids
                    // up instead of testing every element.
                    Some(ids) if ids.len() * 2 < (value.next as usize - v) => {
                        let seg = self.fan.matches.len();
                        let pairs = self.delta.array_index(self.src, self.interner, v);
                        match_ids(pairs, ids, &mut self.fan.matches);
                        // Indexes, not a slice: nested lists push their own.
                        for i in seg..self.fan.matches.len() {
                            let e = self.fan.matches[i] as usize;
                            self.object(f.child, e, &f.sets, depth + 1, list, true);
                        }
                        self.fan.matches.truncate(seg);
                    }
                    _ => {
                        let mut at = v + 1;
                        let end = value.next as usize;
                        while at < end {
                            let e = at;
                            let element = self.delta.node(e);
                            at = element.next as usize;
                            if element.kind != Kind::Object {
                                continue;
                            }
                            if !f.filter.is_open() {
                                let info = self.delta.info(self.src, self.interner, e);
                                if !f.filter.admits(info.id_sym) {
                                    continue;
                                }
                            }
                            self.object(f.child, e, &f.sets, depth + 1, list, true);
                        }
                    }
                }
                self.close_field(f, visit, depth, list, b"]");
            }
            _ => {}
        }
    }

    /// Writes `,"key":` and `open` for every set of `f`, remembering where
    /// the field started.
    fn open_field(&mut self, f: &TrieField, visit: u64, depth: usize, identity: bool, open: &[u8]) {
        let FanOut { bufs, frames, .. } = &mut *self.fan;
        let frame = &mut frames[depth];
        for &s in &f.sets {
            let s = s as usize;
            let buf = &mut bufs[s];
            frame.field[s] = buf.len() as u32;
            if identity || frame.included[s] == visit {
                put1(buf, b',');
            }
            put(buf, &f.prefix);
            if !open.is_empty() {
                put1(buf, open[0]);
            }
        }
    }

    /// Ends the field opened by [`Walk::open_field`] for every set of `f`:
    /// with `close` when the set emitted something under stamp `value`
    /// (then the field is included), else by taking the field back.
    fn close_field(&mut self, f: &TrieField, visit: u64, depth: usize, value: u64, close: &[u8]) {
        let FanOut { bufs, frames, .. } = &mut *self.fan;
        let (here, below) = frames.split_at_mut(depth + 1);
        let frame = &mut here[depth];
        let emitted = &below[0].emitted;
        for &s in &f.sets {
            let s = s as usize;
            let buf = &mut bufs[s];
            if emitted[s] == value {
                if !close.is_empty() {
                    put1(buf, close[0]);
                }
                frame.included[s] = visit;
            } else {
                buf.truncate(frame.field[s] as usize);
            }
        }
    }
}

/// Appends the non-empty pieces.
#[inline(always)]
fn write(buf: &mut Vec<u8>, pieces: &Pieces) {
    put(buf, pieces[0]);
    if !pieces[1].is_empty() {
        put(buf, pieces[1]);
        put(buf, pieces[2]);
    }
}
