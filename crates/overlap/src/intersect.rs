//! Intersection of a delta with one compiled field set (`intersect`,
//! `intersectJson`; a [`crate::Sieve`] walks its union trie instead, see
//! `fan_out.rs`).
//!
//! The delta is parsed once into a tape (`delta.rs`). The compiled set then
//! walks only what it selects, driven by its fields: for each object it
//! reaches, the object's members are looked up by symbol in a small table
//! built on the first visit; a level meeting many objects of one shape (a
//! list) resolves its fields to member positions once (a program). Output
//! JSON is written straight into a buffer; leaves are copied byte for byte
//! from the source, a compact `,"key":value` in one piece. Speculative
//! output (an object that turns out to select nothing) is undone by
//! truncating the buffer, so nothing is allocated per object.
//!
//! A (level, object) pair of a level used more than once is memoized per
//! delta: the first walk records where its output landed, later walks copy
//! those bytes. This is sound because output that is included is never
//! truncated afterwards: an included value makes its parent included, up to
//! the root.

use crate::delta::{match_ids, Delta, Member, ObjInfo, NONE};
use crate::error::Error;
use crate::field_set::FieldSet;
use crate::json::{Kind, Node};
use crate::out::{put, put1, put_reserved};
use crate::plan::{bit, Arena, Interner, Level, Plan, PlanField, SymFilter, ID, LEAF};

/// The filter of fields without `ids`/`exids`.
static OPEN_FILTER: SymFilter = SymFilter {
    ids: None,
    exids: None,
};

/// A level's fields resolved against one object shape: which member each
/// present field reads. Compiled once per (level, shape) and delta, then run
/// over every object of that shape (the elements of a list, typically), so
/// no field is searched for per object.
#[derive(Clone, Copy, Default)]
struct ProgramSlot {
    generation: u32,
    shape: u32,
    /// Where its `(field index, member position)` ops start in
    /// `Scratch::ops`, and how many there are.
    start: u32,
    len: u32,
}

/// One step of a program: field `field` of the level over the member at
/// `pos` of the object, done the way `kind` says.
#[derive(Clone, Copy)]
struct Op {
    field: u32,
    pos: u32,
    kind: OpKind,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum OpKind {
    /// A leaf named like its response key: the member's own text, when it
    /// is compact.
    Copy,
    /// A field with a shared sub-selection and no filter: its value's
    /// output is replayed from the memo when it is there.
    Replay,
    /// Anything else: [`Walk::member`].
    Member,
}

/// Reusable scratch space for parsing and walking deltas.
#[derive(Default)]
pub struct Scratch {
    /// The loaded delta and its per-object tables.
    pub delta: Delta,
    /// Scratch stack of matched elements (segments per nested call).
    matches: Vec<u32>,
    /// Output ranges of (level, container) pairs: a table with one row of
    /// `stride` slots per level (one slot per object or array of the
    /// delta). A slot is valid when its stamp is this delta's generation,
    /// so the table is never cleared. A table, not a hash map: in wasm a
    /// hash lookup cost more than the walk it saved.
    memo: Vec<MemoSlot>,
    stride: usize,
    /// Per tape node: its container ordinal (objects and arrays numbered in
    /// document order), the column of its memo slots.
    container: Vec<u32>,
    /// Per level id: its program for the shape it last ran on.
    programs: Vec<ProgramSlot>,
    /// Program bodies.
    ops: Vec<Op>,
}

/// One memo entry: the output range of a (level, object) pair.
#[derive(Clone, Copy, Default)]
struct MemoSlot {
    generation: u32,
    start: u32,
    end: u32,
}

/// `MemoSlot::start` of an object that was not emitted.
const NOT_EMITTED: u32 = u32::MAX;

/// At most this many memo slots (12 bytes each) are kept; objects past it
/// are walked without the memo, which costs time, not correctness.
const MEMO_CAP: usize = 1 << 19;

impl Scratch {
    /// Parses `delta` into the scratch tape and checks its root is an object.
    /// Returns whether the delta is all ASCII.
    pub fn load(&mut self, delta: &[u8]) -> Result<bool, Error> {
        let ascii = self.delta.load(delta)?;
        if self.delta.generation == 1 {
            // A new stamp series: old slots could look current.
            self.memo.clear();
            self.programs.clear();
        }
        self.container.clear();
        let mut containers = 0u32;
        for n in self.delta.nodes.iter() {
            self.container.push(containers);
            if n.kind == Kind::Object || n.kind == Kind::Array {
                containers += 1;
            }
        }
        self.stride = containers as usize;
        self.ops.clear();
        self.matches.clear();
        Ok(ascii)
    }

    /// Releases the buffers' memory (after a huge delta).
    pub fn trim(&mut self) {
        *self = Scratch::default();
    }

    /// A walk over the loaded delta `src` for plans in `arena`/`interner`.
    pub fn walk<'a>(
        &'a mut self,
        src: &'a [u8],
        arena: &'a Arena,
        interner: &'a Interner,
    ) -> Walk<'a> {
        Walk {
            src,
            scratch: self,
            interner,
            arena,
        }
    }
}

/// Parses `delta` and writes its intersection with `set` to `out`
/// (appending). Returns `false`, leaving `out` as it was, when there is no
/// overlap. For repeated use, compile the set once and use
/// [`intersect_plan`].
pub fn intersect(
    delta: &[u8],
    set: &FieldSet,
    scratch: &mut Scratch,
    out: &mut Vec<u8>,
) -> Result<bool, Error> {
    intersect_plan(delta, &Plan::compile(set), scratch, out)
}

/// Like [`intersect`], with a compiled plan.
pub fn intersect_plan(
    delta: &[u8],
    plan: &Plan,
    scratch: &mut Scratch,
    out: &mut Vec<u8>,
) -> Result<bool, Error> {
    scratch.load(delta)?;
    let mut walk = scratch.walk(delta, &plan.arena, &plan.interner);
    Ok(walk.root(plan.root, out))
}

/// Ends the list opened at `start`: closes it if an element was emitted
/// (`any`), else takes it back. Returns `any`.
#[inline(always)]
fn end_list(out: &mut Vec<u8>, start: usize, any: bool) -> bool {
    if any {
        put1(out, b']');
    } else {
        out.truncate(start);
    }
    any
}

/// How a program does field `f` (see [`OpKind`]).
#[inline(always)]
fn op_kind(arena: &Arena, f: &PlanField) -> OpKind {
    if f.child == LEAF {
        if f.plain {
            OpKind::Copy
        } else {
            OpKind::Member
        }
    } else if f.is_open() && arena.level(f.child).refs > 1 {
        OpKind::Replay
    } else {
        OpKind::Member
    }
}

/// One walk over a loaded delta, by any number of plans from one arena.
pub struct Walk<'a> {
    src: &'a [u8],
    scratch: &'a mut Scratch,
    interner: &'a Interner,
    arena: &'a Arena,
}

impl<'a> Walk<'a> {
    #[inline(always)]
    fn node(&self, i: usize) -> Node {
        self.scratch.delta.nodes[i]
    }

    #[inline(always)]
    fn raw(&self, i: usize) -> &'a [u8] {
        let n = self.node(i);
        &self.src[n.start as usize..n.end as usize]
    }

    /// The info of object node `o`, building it on first use.
    #[inline(always)]
    fn info(&mut self, o: usize) -> ObjInfo {
        self.scratch.delta.info(self.src, self.interner, o)
    }

    /// The memo slot of (`level_id`, container node `node`), if the level
    /// is shared (see [`Walk::memoized`]) and the table has room for it.
    #[inline(always)]
    fn memo_slot(&mut self, level_id: u32, node: usize) -> Option<usize> {
        if !self.memoized(level_id) {
            return None;
        }
        self.memo_at(level_id, node)
    }

    /// The memo slot of (`level_id`, container node `node`), if the table
    /// has room for it.
    #[inline(always)]
    fn memo_at(&mut self, level_id: u32, node: usize) -> Option<usize> {
        let at = level_id as usize * self.scratch.stride + self.scratch.container[node] as usize;
        if at >= MEMO_CAP {
            return None;
        }
        if at >= self.scratch.memo.len() {
            let grown = (at + 1).max(self.scratch.memo.len() * 2).min(MEMO_CAP);
            self.scratch.memo.resize(grown, MemoSlot::default());
        }
        Some(at)
    }

    /// Whether outputs of level `level_id` are memoized. A level with one
    /// reference (one parent field, or one sieve entry) is walked at most
    /// once per object and delta: its parent reaches it from one place, and
    /// a parent walked twice over one object is itself shared, so memoized,
    /// and replays its output (children included) instead. Only shared
    /// levels can repeat, so only they pay for the memo.
    #[inline(always)]
    fn memoized(&self, level_id: u32) -> bool {
        self.arena.level(level_id).refs > 1
    }

    /// The program of `level` (id `level_id`) for objects of `info`'s shape:
    /// the range of its ops in `Scratch::ops`. Compiled on first use, kept
    /// while the level keeps meeting that shape.
    #[inline(always)]
    fn program(&mut self, level_id: u32, level: &Level, info: ObjInfo) -> Option<(usize, usize)> {
        let at = level_id as usize;
        if at >= self.scratch.programs.len() {
            let len = self.arena.slots().max(at + 1);
            self.scratch.programs.resize(len, ProgramSlot::default());
        }
        let p = self.scratch.programs[at];
        if p.generation == self.scratch.delta.generation && p.shape == info.shape {
            if p.start != NONE {
                return Some((p.start as usize, p.len as usize));
            }
            return Some(self.compile(level_id, level, info));
        }
        // Compiled for the second object of a shape: most levels meet one
        // object per delta, and a program would not pay for itself there.
        self.scratch.programs[at] = ProgramSlot {
            generation: self.scratch.delta.generation,
            shape: info.shape,
            start: NONE,
            len: 0,
        };
        None
    }

    #[inline(never)]
    fn compile(&mut self, level_id: u32, level: &Level, info: ObjInfo) -> (usize, usize) {
        let sc = &mut *self.scratch;
        let start = sc.ops.len();
        let members = sc.delta.members(info);
        for (i, f) in level.fields.iter().enumerate() {
            // Below the root, `id` is rule A's, not a field's.
            if f.sym == ID || info.mask & bit(f.sym) == 0 {
                continue;
            }
            if let Some(pos) = members.iter().position(|m| m.sym == f.sym) {
                let kind = op_kind(self.arena, f);
                sc.ops.push(Op {
                    field: i as u32,
                    pos: pos as u32,
                    kind,
                });
            }
        }
        let len = sc.ops.len() - start;
        sc.programs[level_id as usize] = ProgramSlot {
            generation: sc.delta.generation,
            shape: info.shape,
            start: start as u32,
            len: len as u32,
        };
        (start, len)
    }

    /// The filter of field `f` (the open one when it has none).
    #[inline(always)]
    fn filter_of(&self, f: &PlanField) -> &'a SymFilter {
        if f.is_open() {
            &OPEN_FILTER
        } else {
            self.arena.filter(f)
        }
    }

    /// The member of `info` with symbol `sym`.
    #[inline(always)]
    fn find_member(&self, info: ObjInfo, sym: u32) -> Option<Member> {
        self.scratch.delta.find_member(info, sym)
    }

    /// Writes the intersection of the delta with the plan rooted at level
    /// `root` to `out`; `false` (with `out` unchanged) when there is no
    /// overlap. (C): the root has no identity rule.
    pub fn root(&mut self, root: u32, out: &mut Vec<u8>) -> bool {
        let arena = self.arena;
        let level = arena.level(root);
        let info = self.info(0);
        // Sets with equal roots (equal subscriptions) share the output.
        let slot = self.memo_slot(root, 0);
        if let Some(emitted) = self.recall(slot, out) {
            return emitted;
        }
        let start = out.len();
        put1(out, b'{');
        let mut first = true;
        for f in level.fields.iter() {
            if let Some(m) = self.find_member(info, f.sym) {
                self.member(f, m.key as usize, out, &mut first);
            }
        }
        self.close(slot, !first, start, out)
    }

    /// Replays a memoized output: `Some(emitted)` when the slot is current.
    #[inline(always)]
    fn recall(&self, slot: Option<usize>, out: &mut Vec<u8>) -> Option<bool> {
        let m = self.scratch.memo[slot?];
        if m.generation != self.scratch.delta.generation {
            return None;
        }
        if m.start == NOT_EMITTED {
            return Some(false);
        }
        out.extend_from_within(m.start as usize..m.end as usize);
        Some(true)
    }

    /// Ends the object opened at `start`: closes it if `emitted`, else
    /// takes it back; records the outcome in the memo slot.
    #[inline(always)]
    fn close(
        &mut self,
        slot: Option<usize>,
        emitted: bool,
        start: usize,
        out: &mut Vec<u8>,
    ) -> bool {
        if emitted {
            put1(out, b'}');
        } else {
            out.truncate(start);
        }
        self.record(slot, emitted, start, out.len())
    }

    /// Records in the memo slot that the output at `start..end` was emitted
    /// (or that nothing was); returns `emitted`.
    #[inline(always)]
    fn record(&mut self, slot: Option<usize>, emitted: bool, start: usize, end: usize) -> bool {
        if let Some(at) = slot {
            if end < NOT_EMITTED as usize {
                let (start, end) = if emitted {
                    (start as u32, end as u32)
                } else {
                    (NOT_EMITTED, 0)
                };
                self.scratch.memo[at] = MemoSlot {
                    generation: self.scratch.delta.generation,
                    start,
                    end,
                };
            }
        }
        emitted
    }

    /// How a program does field `f` (see [`OpKind`]).
    #[inline(always)]
    fn op_kind(&self, f: &PlanField) -> OpKind {
        op_kind(self.arena, f)
    }

    /// Writes field `f` over member `m` of the object being written, the way
    /// `kind` says, after a comma unless `first`; returns whether it was
    /// included. `room` is the object's reservation (see [`Walk::object`]).
    #[inline(always)]
    fn step(
        &mut self,
        kind: OpKind,
        f: &PlanField,
        m: Member,
        room: usize,
        out: &mut Vec<u8>,
        first: &mut bool,
    ) -> bool {
        if kind == OpKind::Replay {
            let included = self.shared_member(f, m.key as usize, out, first);
            out.reserve(room);
            return included;
        }
        if kind == OpKind::Copy && m.from != NONE {
            let src = self.src;
            // The usual case, in one copy: `,"key":value` from the delta.
            // SAFETY: room was reserved for it (by the object, and again
            // after every write that checked capacity itself); `from..to`
            // is within the source, and `comma` says `from - 1` is too.
            unsafe {
                if *first {
                    put_reserved(out, src.get_unchecked(m.from as usize..m.to as usize));
                    *first = false;
                } else if m.comma {
                    put_reserved(out, src.get_unchecked(m.from as usize - 1..m.to as usize));
                } else {
                    put1(out, b',');
                    put_reserved(out, src.get_unchecked(m.from as usize..m.to as usize));
                }
            }
            return true;
        }
        let included = self.member(f, m.key as usize, out, first);
        out.reserve(room);
        included
    }

    /// [`Walk::member`] for a field whose sub-selection is shared and has
    /// no filter (see [`OpKind::Replay`]): the output of an object or list
    /// value depends only on the level and the value, so it is replayed from
    /// the memo when another set wrote it already, and recorded otherwise.
    fn shared_member(
        &mut self,
        f: &PlanField,
        k: usize,
        out: &mut Vec<u8>,
        first: &mut bool,
    ) -> bool {
        let v = k + 1;
        let node = self.node(v);
        if node.kind != Kind::Object && node.kind != Kind::Array {
            return self.member(f, k, out, first);
        }
        let slot = self.memo_at(f.child, v);
        if let Some(at) = slot {
            let m = self.scratch.memo[at];
            if m.generation == self.scratch.delta.generation {
                if m.start == NOT_EMITTED {
                    return false;
                }
                if !*first {
                    put1(out, b',');
                }
                put(out, self.arena.prefix(f));
                out.extend_from_within(m.start as usize..m.end as usize);
                *first = false;
                return true;
            }
        }
        let mark = out.len();
        if !*first {
            put1(out, b',');
        }
        put(out, self.arena.prefix(f));
        let start = out.len();
        let emitted = if node.kind == Kind::Object {
            let info = self.info(v);
            let level = self.arena.level(f.child);
            if info.mask & level.selected_mask == 0 && !level.existence {
                self.record(slot, false, start, start)
            } else {
                // Records in `slot` itself.
                self.emit(f.child, level, info, v, slot, out)
            }
        } else {
            let emitted = self.array(f, v, node, out);
            self.record(slot, emitted, start, out.len())
        };
        if emitted {
            *first = false;
        } else {
            out.truncate(mark);
        }
        emitted
    }

    /// Writes `"key":value` for `f` over the member with key node `k`, if it
    /// is included.
    #[inline(always)]
    fn member(&mut self, f: &PlanField, k: usize, out: &mut Vec<u8>, first: &mut bool) -> bool {
        let v = k + 1;
        if !*first {
            put1(out, b',');
        }
        if f.child == LEAF {
            self.leaf(k, self.arena.prefix(f), f.plain, out);
            *first = false;
            return true;
        }
        let mark = out.len() - (!*first) as usize;
        put(out, self.arena.prefix(f));
        if self.value(f, v, out) {
            *first = false;
            true
        } else {
            out.truncate(mark);
            false
        }
    }

    /// Copies the member with key node `k` as `prefix` + its value.
    #[inline(always)]
    fn leaf(&self, k: usize, prefix: &[u8], plain: bool, out: &mut Vec<u8>) {
        let (key, value) = (self.node(k), self.node(k + 1));
        if plain && !key.escaped && value.start == key.end + 1 {
            // Compact `"name":value` in the delta: copy it in one piece.
            put(out, &self.src[key.start as usize..value.end as usize]);
        } else {
            put(out, prefix);
            put(out, self.raw(k + 1));
        }
    }

    /// A value under a field with a sub-selection.
    fn value(&mut self, f: &PlanField, v: usize, out: &mut Vec<u8>) -> bool {
        let node = self.node(v);
        match node.kind {
            Kind::Object => self.object(f.child, self.filter_of(f), v, out),
            Kind::Array => match &self.filter_of(f).ids {
                // A short `ids` list over a longer array: look the ids up
                // instead of testing every element.
                Some(ids) if ids.len() * 2 < (node.next as usize - v) => {
                    self.array_by_id(f, v, ids, out)
                }
                _ if f.is_open() => {
                    // Without a filter, a list's output depends only on the
                    // level: shared levels replay whole lists.
                    let slot = self.memo_slot(f.child, v);
                    if let Some(emitted) = self.recall(slot, out) {
                        return emitted;
                    }
                    let start = out.len();
                    let emitted = self.array(f, v, node, out);
                    self.record(slot, emitted, start, out.len())
                }
                _ => self.array(f, v, node, out),
            },
            Kind::Null => {
                put(out, b"null");
                true
            }
            _ => false,
        }
    }

    /// Writes the elements of array node `v` through field `f`.
    fn array(&mut self, f: &PlanField, v: usize, node: Node, out: &mut Vec<u8>) -> bool {
        let level_id = f.child;
        let level = self.arena.level(level_id);
        let start = out.len();
        put1(out, b'[');
        let mut any = false;
        let mut at = v + 1;
        let end = node.next as usize;
        while at < end {
            let e = at;
            let element = self.node(e);
            at = element.next as usize;
            if element.kind != Kind::Object {
                continue;
            }
            // What `object` does, with the level looked up once per list.
            let info = self.info(e);
            if !f.is_open() && !self.filter_of(f).admits(info.id_sym) {
                continue;
            }
            if info.mask & level.selected_mask == 0 && !level.existence {
                continue;
            }
            let mark = out.len();
            if any {
                put1(out, b',');
            }
            if self.level_object(level_id, level, info, e, out) {
                any = true;
            } else {
                out.truncate(mark);
            }
        }
        end_list(out, start, any)
    }

    /// Writes object element `e` of a list being written, after a comma if
    /// the list already has one (`any`); sets `any` if it is emitted.
    #[inline(always)]
    fn element(
        &mut self,
        child: u32,
        filter: &SymFilter,
        e: usize,
        out: &mut Vec<u8>,
        any: &mut bool,
    ) {
        if *any {
            put1(out, b',');
        }
        if self.object(child, filter, e, out) {
            *any = true;
        } else if *any {
            out.pop();
        }
    }

    /// Like [`Walk::array`] for a field with an `ids` filter: only the
    /// elements with those ids are visited, in array order.
    fn array_by_id(&mut self, f: &PlanField, v: usize, ids: &[u32], out: &mut Vec<u8>) -> bool {
        let seg = self.scratch.matches.len();
        let sc = &mut *self.scratch;
        match_ids(
            sc.delta.array_index(self.src, self.interner, v),
            ids,
            &mut sc.matches,
        );
        let open = SymFilter::default();
        let start = out.len();
        put1(out, b'[');
        let mut any = false;
        // Indexes, not a slice: nested calls push their own segments.
        for m in seg..self.scratch.matches.len() {
            let e = self.scratch.matches[m] as usize;
            self.element(f.child, &open, e, out, &mut any);
        }
        self.scratch.matches.truncate(seg);
        end_list(out, start, any)
    }

    /// Writes object node `o` as selected by level `level_id`, if it passes
    /// `filter` and is emitted: its `id` first (rule A), then the selected
    /// fields in the set's order; emitted iff one of those is included, or
    /// the level is an existence level (rule B).
    fn object(&mut self, level_id: u32, filter: &SymFilter, o: usize, out: &mut Vec<u8>) -> bool {
        let info = self.info(o);
        if !filter.is_open() && !filter.admits(info.id_sym) {
            return false;
        }
        let level = self.arena.level(level_id);
        if info.mask & level.selected_mask == 0 && !level.existence {
            // None of the selected fields is here: not emitted (rule B).
            return false;
        }
        self.level_object(level_id, level, info, o, out)
    }

    /// [`Walk::object`] once the filter and the mask have passed: replays
    /// the memo of a shared level, or writes the object.
    #[inline(always)]
    fn level_object(
        &mut self,
        level_id: u32,
        level: &Level,
        info: ObjInfo,
        o: usize,
        out: &mut Vec<u8>,
    ) -> bool {
        if level.refs < 2 {
            return self.emit(level_id, level, info, o, None, out);
        }
        let slot = self.memo_at(level_id, o);
        if let Some(emitted) = self.recall(slot, out) {
            return emitted;
        }
        self.emit(level_id, level, info, o, slot, out)
    }

    /// Writes object node `o` (with `info`) as level `level_id` selects it,
    /// and records the outcome in the memo `slot`.
    fn emit(
        &mut self,
        level_id: u32,
        level: &Level,
        info: ObjInfo,
        o: usize,
        slot: Option<usize>,
        out: &mut Vec<u8>,
    ) -> bool {
        let start = out.len();
        let mut first = true;
        let node = self.node(o);
        // Room for every one-piece copy below: they copy disjoint parts of
        // the object's source text (each member with the comma before it,
        // the head with its brace), plus one comma and the closing brace.
        // Other writes check capacity themselves, and the reservation is
        // renewed after each of them.
        let room = (node.end - node.start) as usize + 2;
        out.reserve(room);
        if info.head != NONE {
            // (A) identity, compact and first in the delta: `{"id":value`
            // in one copy.
            // SAFETY: room was reserved above; `head` ends a member of `o`.
            unsafe { put_reserved(out, &self.src[node.start as usize..info.head as usize]) };
        } else {
            put1(out, b'{');
            if info.id_value != NONE {
                // (A) identity: the id goes wherever the object goes, first.
                self.leaf(info.id_value as usize - 1, b"\"id\":", true, out);
            }
        }
        if info.id_value != NONE {
            first = false;
            if level.id_aliases {
                let id_key = info.id_value as usize - 1;
                for f in level.fields.iter() {
                    if f.sym == ID && !f.plain {
                        self.member(f, id_key, out, &mut first);
                    }
                }
                out.reserve(room);
            }
        }
        let mut any = false;
        if let Some((ops, count)) = self.program(level_id, level, info) {
            // Indexes, not a slice: nested walks append programs of their
            // own.
            for n in ops..ops + count {
                // SAFETY: `ops..ops + count` is a program `compile` pushed:
                // field indexes come from `level`, member positions are below
                // `info.len`.
                let (op, f, m) = unsafe {
                    let op = *self.scratch.ops.get_unchecked(n);
                    let m = self.scratch.delta.member_at(info, op.pos);
                    (op, level.fields.get_unchecked(op.field as usize), m)
                };
                any |= self.step(op.kind, f, m, room, out, &mut first);
            }
        } else {
            for f in level.fields.iter() {
                if f.sym == ID {
                    continue;
                }
                if let Some(m) = self.find_member(info, f.sym) {
                    any |= self.step(self.op_kind(f), f, m, room, out, &mut first);
                }
            }
        }
        self.close(slot, any || level.existence, start, out)
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
            Some(r#"{"t":{"id":7,"s":1}}"#)
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
    fn ids_lookup_keeps_array_order_and_duplicates() {
        // Many elements, few ids: the indexed path. Ids listed out of order,
        // an id twice in the array, elements without (string) ids, scalars.
        let mut items: Vec<String> = (0..20)
            .map(|i| format!(r#"{{"id":"t{}","s":{}}}"#, i, i))
            .collect();
        items.insert(5, r#"{"id":"t17","s":"dup"}"#.to_string());
        items.insert(0, r#"{"s":"no id"}"#.to_string());
        items.insert(0, r#"{"id":17,"s":"number id"}"#.to_string());
        items.insert(3, "42".to_string());
        let delta = format!(r#"{{"w":[{}]}}"#, items.join(","));
        assert_eq!(
            run(&delta, r#"{ w(ids: ["t17", "t2", "nope"]) { s } }"#).as_deref(),
            Some(r#"{"w":[{"id":"t2","s":2},{"id":"t17","s":"dup"},{"id":"t17","s":17}]}"#)
        );
        assert_eq!(run(&delta, r#"{ w(ids: ["nope"]) { s } }"#), None);
        // Nested indexed arrays share the scratch stack safely.
        let nested = r#"{"w":[{"id":"a","t":[{"id":"x","s":1},{"id":"y","s":2},{"id":"z","s":3},{"id":"q","s":4}]},
            {"id":"b","t":[{"id":"y","s":5}]},{"id":"c"},{"id":"d"},{"id":"e"}]}"#;
        assert_eq!(
            run(nested, r#"{ w(ids: ["b", "a"]) { t(ids: ["y"]) { s } } }"#).as_deref(),
            Some(r#"{"w":[{"id":"a","t":[{"id":"y","s":2}]},{"id":"b","t":[{"id":"y","s":5}]}]}"#)
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
