//! The sieve's walk: one pass of a delta over the union trie (`trie.rs`),
//! writing every set's output into a buffer of its own.
//!
//! Each object is visited once per trie node that reaches it, whatever the
//! number of sets: its members are looked up, filters checked and `ids`
//! lists matched once. Then, per trie field, the bytes it selects are
//! appended to the buffer of each set listed on it. A set's object opens
//! with its identity (rule A) and is taken back by truncating the set's
//! buffer when nothing was included (rule B): a field was included iff the
//! buffer grew past the head, since an included field always writes and a
//! field that is not is taken back. Per-set state (where the object and its
//! head end, whether a list has an element yet) lives in per-depth frames
//! indexed by slot; list stamps make it never need clearing.

use crate::delta::{match_ids, Delta, Member, NONE};
use crate::json::Kind;
use crate::out::{put, put1};
use crate::plan::Interner;
use crate::trie::{FieldKind, Keyed, Trie, TrieField};

/// The state of one set (by slot) at one depth of the walk.
#[derive(Clone, Copy, Default)]
struct State {
    /// A list's stamp (or a single object value's) when the set emitted an
    /// element of it.
    emitted: u64,
    /// Where the set's current object at this depth starts in its buffer
    /// (the comma before it, in a list, included).
    mark: u32,
    /// Where its head (and aliases of `id`) end: the object includes a
    /// field (rule B) iff the buffer is longer.
    base: u32,
    /// Where the set's current field, in the object at this depth, starts.
    field: u32,
}

/// The state of every slot at one depth.
type Frame = Vec<State>;

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
                frame.resize(slots, State::default());
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
        let emitted = self.frames.first()?.get(slot as usize)?.emitted == self.root;
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
            self.fan.frames.push(vec![State::default(); self.fan.slots]);
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
    fn object(
        &mut self,
        n: u32,
        o: usize,
        sets: &'a [u32],
        depth: usize,
        list: u64,
        element: bool,
    ) {
        let trie = self.trie;
        let node = &trie.nodes[n as usize];
        let root = n == 0;
        let info = self.delta.info(self.src, self.interner, o);
        if !root && info.mask & node.mask == 0 && node.existence.is_empty() {
            // None of the fields is here: emitted by no set (rule B).
            return;
        }
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
                // SAFETY (here and in every loop over sets below): slots
                // are below `FanOut::slots`, the length of `bufs` and of
                // every frame's vectors (`run` sizes them).
                unsafe {
                    let buf = bufs.get_unchecked_mut(s as usize);
                    let state = frame.get_unchecked_mut(s as usize);
                    state.mark = buf.len() as u32;
                    if element && state.emitted == list {
                        put1(buf, b',');
                    }
                    write(buf, &head);
                    state.base = buf.len() as u32;
                }
            }
        }
        // Fields with one name are next to each other (they share a
        // response key, and differ by filter or kind): look it up once.
        let mut last: (u32, Option<Member>) = (NONE, None);
        for &at in node.fields.iter() {
            let f = &trie.fields[at as usize];
            if f.sym != last.0 {
                last = (f.sym, self.delta.find_member(info, f.sym));
            }
            let m = match last.1 {
                Some(m) => m,
                None => continue,
            };
            match f.kind {
                FieldKind::Child => self.child(f, m, depth, identity),
                // Rule B: an alias of `id` does not make the object emitted.
                // (They come first, right after the head.)
                FieldKind::IdAlias => {
                    let pieces = [&f.lead[..], self.raw(m.key as usize + 1), b""];
                    let FanOut { bufs, frames, .. } = &mut *self.fan;
                    let frame = &mut frames[depth];
                    for &s in &f.sets {
                        // SAFETY: see the head loop.
                        unsafe {
                            let buf = bufs.get_unchecked_mut(s as usize);
                            write(buf, &pieces);
                            frame.get_unchecked_mut(s as usize).base = buf.len() as u32;
                        }
                    }
                }
                FieldKind::Leaf => self.leaf(f, m, depth, identity),
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
            // SAFETY: see the head loop.
            unsafe {
                let buf = bufs.get_unchecked_mut(s as usize);
                let state = frame.get_unchecked_mut(s as usize);
                if buf.len() as u32 > state.base || exists {
                    put1(buf, b'}');
                    state.emitted = list;
                } else {
                    buf.truncate(state.mark as usize);
                }
            }
        }
    }

    /// A leaf `f` over member `m`: its value copied for every set of `f`.
    fn leaf(&mut self, f: &'a TrieField, m: Member, depth: usize, identity: bool) {
        let src = self.src;
        let FanOut { bufs, frames, .. } = &mut *self.fan;
        let frame = &mut frames[depth];
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
                    // SAFETY: see the head loop in `object`.
                    write(unsafe { bufs.get_unchecked_mut(s as usize) }, &pieces);
                }
            } else {
                for &s in &f.sets {
                    // SAFETY: see the head loop in `object`.
                    unsafe {
                        let buf = bufs.get_unchecked_mut(s as usize);
                        if buf.len() as u32 > frame.get_unchecked(s as usize).base {
                            put1(buf, b',');
                        }
                        put(buf, whole);
                    }
                }
            }
        } else {
            let value = {
                let n = self.delta.node(m.key as usize + 1);
                &src[n.start as usize..n.end as usize]
            };
            for &s in &f.sets {
                // SAFETY: see the head loop in `object`.
                unsafe {
                    let buf = bufs.get_unchecked_mut(s as usize);
                    let comma = identity || buf.len() as u32 > frame.get_unchecked(s as usize).base;
                    put(buf, if comma { &f.lead } else { f.prefix() });
                    put(buf, value);
                }
            }
        }
    }

    /// A field with a sub-selection over member `m`.
    fn child(&mut self, f: &'a TrieField, m: Member, depth: usize, identity: bool) {
        let v = m.key as usize + 1;
        let value = self.delta.node(v);
        match value.kind {
            Kind::Null => {
                // A cleared relation is an overlap, for every set that
                // selects it (class members too: there is nothing to walk).
                let trie = self.trie;
                let FanOut { bufs, frames, .. } = &mut *self.fan;
                let frame = &mut frames[depth];
                let members = f
                    .groups
                    .iter()
                    .flat_map(|&g| &trie.groups[g as usize].members);
                for &s in f.direct.iter().chain(members) {
                    // SAFETY: see the head loop in `object`.
                    unsafe {
                        let buf = bufs.get_unchecked_mut(s as usize);
                        let comma =
                            identity || buf.len() as u32 > frame.get_unchecked(s as usize).base;
                        put(buf, if comma { &f.lead } else { f.prefix() });
                        put(buf, b"null");
                    }
                }
            }
            Kind::Object => {
                if let Some(keyed) = &f.keyed {
                    let info = self.delta.info(self.src, self.interner, v);
                    let entry = match keyed.get(info.id_sym) {
                        Some(entry) => entry,
                        None => return,
                    };
                    self.ensure_frame(depth + 1);
                    let value = self.next_stamp();
                    self.open_field(f, depth, identity, b"");
                    self.object(entry.node, v, &entry.sets, depth + 1, value, false);
                    self.close_field(f, depth, identity, value, b"");
                    return;
                }
                if !f.filter.is_open() {
                    let info = self.delta.info(self.src, self.interner, v);
                    if !f.filter.admits(info.id_sym) {
                        return;
                    }
                }
                self.ensure_frame(depth + 1);
                let value = self.next_stamp();
                self.open_field(f, depth, identity, b"");
                self.object(f.child, v, &f.sets, depth + 1, value, false);
                self.close_field(f, depth, identity, value, b"");
            }
            Kind::Array => {
                self.ensure_frame(depth + 1);
                let list = self.next_stamp();
                self.open_field(f, depth, identity, b"[");
                if let Some(keyed) = &f.keyed {
                    self.keyed_elements(keyed, v, value.next as usize, depth, list);
                    self.close_field(f, depth, identity, list, b"]");
                    return;
                }
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
                        while let Some(e) = self.next_object(&mut at, end) {
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
                self.close_field(f, depth, identity, list, b"]");
            }
            _ => {}
        }
    }

    /// The elements of array node `v` (its elements end before tape node
    /// `end`) under a keyed field: each object whose id some set names is
    /// walked once, at that id's node, for the sets naming it.
    fn keyed_elements(&mut self, keyed: &'a Keyed, v: usize, end: usize, depth: usize, list: u64) {
        if keyed.ids.len() * 2 < end - v {
            // Few ids over a longer array: find them in the array's id
            // index instead of testing every element.
            let seg = self.fan.matches.len();
            let pairs = self.delta.array_index(self.src, self.interner, v);
            match_keyed(pairs, keyed, &mut self.fan.matches);
            // Indexes, not a slice: nested lists push their own.
            for i in seg..self.fan.matches.len() {
                let e = self.fan.matches[i] as usize;
                let info = self.delta.info(self.src, self.interner, e);
                if let Some(entry) = keyed.get(info.id_sym) {
                    self.object(entry.node, e, &entry.sets, depth + 1, list, true);
                }
            }
            self.fan.matches.truncate(seg);
            return;
        }
        let mut at = v + 1;
        while let Some(e) = self.next_object(&mut at, end) {
            let info = self.delta.info(self.src, self.interner, e);
            if let Some(entry) = keyed.get(info.id_sym) {
                self.object(entry.node, e, &entry.sets, depth + 1, list, true);
            }
        }
    }

    /// The next array element from tape node `*at` (elements end before
    /// `end`) that is an object; `*at` moves past it. Other elements are
    /// dropped (`null` ones too).
    #[inline(always)]
    fn next_object(&self, at: &mut usize, end: usize) -> Option<usize> {
        while *at < end {
            let e = *at;
            let element = self.delta.node(e);
            *at = element.next as usize;
            if element.kind == Kind::Object {
                return Some(e);
            }
        }
        None
    }

    /// Writes `,"key":` and `open` for every set of `f`, remembering where
    /// the field started.
    fn open_field(&mut self, f: &TrieField, depth: usize, identity: bool, open: &[u8]) {
        let trie = self.trie;
        let FanOut { bufs, frames, .. } = &mut *self.fan;
        let frame = &mut frames[depth];
        // A class slot's buffer holds just this field: `,"key":` and its
        // value, which members copy whole (or from after the comma).
        for &g in &f.groups {
            let class = trie.groups[g as usize].slot as usize;
            // SAFETY: see the head loop in `object`.
            unsafe {
                let buf = bufs.get_unchecked_mut(class);
                buf.clear();
                put(buf, &f.lead);
                if !open.is_empty() {
                    put1(buf, open[0]);
                }
            }
        }
        for &s in &f.direct {
            // SAFETY: see the head loop in `object`.
            unsafe {
                let buf = bufs.get_unchecked_mut(s as usize);
                let state = frame.get_unchecked_mut(s as usize);
                state.field = buf.len() as u32;
                let comma = identity || buf.len() as u32 > state.base;
                put(buf, if comma { &f.lead } else { f.prefix() });
                if !open.is_empty() {
                    put1(buf, open[0]);
                }
            }
        }
    }

    /// Ends the field opened by [`Walk::open_field`] for every set of `f`:
    /// with `close` when the set emitted something under stamp `value`
    /// (then the field is included), else by taking the field back.
    fn close_field(
        &mut self,
        f: &TrieField,
        depth: usize,
        identity: bool,
        value: u64,
        close: &[u8],
    ) {
        let trie = self.trie;
        let FanOut { bufs, frames, .. } = &mut *self.fan;
        let (here, below) = frames.split_at_mut(depth + 1);
        let frame = &mut here[depth];
        let below = &below[0];
        for &g in &f.groups {
            let group = &trie.groups[g as usize];
            let class = group.slot as usize;
            // SAFETY: see the head loop in `object`.
            unsafe {
                if below.get_unchecked(class).emitted != value {
                    continue;
                }
                if !close.is_empty() {
                    put1(bufs.get_unchecked_mut(class), close[0]);
                }
                // Each member copies the class's value: the class slot is
                // never one of its members, so the two buffers are
                // distinct elements of `bufs`.
                let base = bufs.as_mut_ptr();
                let source = &*base.add(class);
                for &m in &group.members {
                    debug_assert_ne!(m as usize, class);
                    let buf = &mut *base.add(m as usize);
                    let comma = identity || buf.len() as u32 > frame.get_unchecked(m as usize).base;
                    put(buf, if comma { source } else { &source[1..] });
                }
            }
        }
        for &s in &f.direct {
            // SAFETY: see the head loop in `object`.
            unsafe {
                let buf = bufs.get_unchecked_mut(s as usize);
                if below.get_unchecked(s as usize).emitted == value {
                    if !close.is_empty() {
                        put1(buf, close[0]);
                    }
                } else {
                    buf.truncate(frame.get_unchecked(s as usize).field as usize);
                }
            }
        }
    }
}

/// Pushes onto `matches` the elements of an array, from its id index
/// `pairs` (see [`Delta::array_index`]), whose id has a node under
/// `keyed`, in array order.
fn match_keyed(pairs: &[(u32, u32)], keyed: &Keyed, matches: &mut Vec<u32>) {
    let seg = matches.len();
    let (mut i, mut j) = (0, 0);
    while i < pairs.len() && j < keyed.ids.len() {
        let (sym, element) = pairs[i];
        let want = keyed.ids[j].sym;
        if sym < want {
            i += 1;
        } else if sym > want {
            j += 1;
        } else {
            matches.push(element);
            i += 1;
        }
    }
    matches[seg..].sort_unstable();
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
