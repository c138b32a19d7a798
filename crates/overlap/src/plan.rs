//! Compiled field sets ("plans") for intersecting one set with deltas
//! (`intersect`, `intersectJson`; a [`crate::Sieve`] keeps its sets in a
//! union trie instead, see `trie.rs`).
//!
//! Two costs dominated a naive walk, and a plan removes both:
//!
//! - **Name comparison.** Every field name (and every id a filter names)
//!   becomes a small integer symbol from an [`Interner`]; each output key is
//!   pre-rendered (`"key":`); each level keeps a 64-bit mask of its selected
//!   symbols so an object with none of them is rejected with one AND. Delta
//!   keys are resolved to symbols once per delta, however many plans walk it.
//! - **Repeated work across sets.** Levels are hash-consed in an [`Arena`]:
//!   two subscriptions that select the same sub-tree (say
//!   `jobs { id status }`) share one level, and a level used more than once
//!   (say under two aliases) computes its output over a delta object once
//!   per delta and copies it (see `intersect.rs`). Below the root, a plain
//!   `id` does not make a level distinct (rule A writes it anyway).

use crate::field_set::{is_existence_level, Field, FieldSet, IdFilter};
use crate::slots::place;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// The symbol of `id`, the identity key, in every interner.
pub const ID: u32 = 0;
/// The symbol of a delta key that no plan selects.
pub const UNKNOWN: u32 = u32::MAX;
/// A tape slot whose key has not been resolved yet.
pub const UNRESOLVED: u32 = u32::MAX - 1;
/// A field without children (a leaf).
pub const LEAF: u32 = u32::MAX;

/// FxHash (as in rustc): a fast, non-cryptographic hash for short keys.
/// Keys are field names and plan encodings from subscriptions that passed
/// parsing; the server's per-connection limits bound how many a client can
/// register, which bounds any attempt at hash flooding.
#[derive(Default, Clone, Copy)]
pub struct FxHasher {
    hash: u64,
}

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
    }
    #[inline]
    fn finish(&self) -> u64 {
        self.hash
    }
}

impl FxHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        const K: u64 = 0x51_7c_c1_b7_27_22_0a_95;
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(K);
    }
}

/// A `HashMap` with [`FxHasher`].
pub type FxHashMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;

/// Maps field names to dense symbols (`id` is always [`ID`]), and,
/// separately, the id strings that `ids`/`exids` filters name.
#[derive(Clone)]
pub struct Interner {
    map: FxHashMap<Box<[u8]>, u32>,
    ids: FxHashMap<Box<[u8]>, u32>,
}

impl Default for Interner {
    fn default() -> Interner {
        let mut map: FxHashMap<Box<[u8]>, u32> = HashMap::default();
        map.insert(Box::from(&b"id"[..]), ID);
        Interner {
            map,
            ids: HashMap::default(),
        }
    }
}

impl Interner {
    /// The symbol for `name`, adding it if new.
    pub fn intern(&mut self, name: &[u8]) -> u32 {
        intern_in(&mut self.map, name)
    }

    /// The symbol for `name`, or [`UNKNOWN`].
    #[inline]
    pub fn get(&self, name: &[u8]) -> u32 {
        self.map.get(name).copied().unwrap_or(UNKNOWN)
    }

    /// The symbol for the filter id `id`, adding it if new. Ids are never
    /// removed: a long-lived sieve keeps every id a filter ever named, which
    /// the server bounds by bounding subscriptions.
    pub fn intern_id(&mut self, id: &[u8]) -> u32 {
        intern_in(&mut self.ids, id)
    }

    /// The symbol for the id `id`, or [`UNKNOWN`] when no filter names it.
    #[inline]
    pub fn get_id(&self, id: &[u8]) -> u32 {
        self.ids.get(id).copied().unwrap_or(UNKNOWN)
    }

    /// How many names are interned.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// True when only `id` is interned.
    pub fn is_empty(&self) -> bool {
        self.map.len() <= 1
    }
}

/// The dense symbol of `key` in `map`, adding it if new.
fn intern_in(map: &mut FxHashMap<Box<[u8]>, u32>, key: &[u8]) -> u32 {
    if let Some(&s) = map.get(key) {
        return s;
    }
    let s = map.len() as u32;
    map.insert(Box::from(key), s);
    s
}

/// One compiled field: 20 bytes, so that a level's fields share few cache
/// lines (sieves hold thousands of levels, and a delta touches most of them
/// once). What only compiling needs (the id strings of a filter, the level's
/// hash-consing key) lives elsewhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlanField {
    /// The field name's symbol.
    pub sym: u32,
    /// The arena id of the sub-selection, or [`LEAF`].
    pub child: u32,
    /// Where the rendered output key, `"key":`, starts in the arena's key
    /// pool (see [`Arena::prefix`]).
    prefix_at: u32,
    prefix_len: u16,
    /// The response key is the field name, so a compact delta's own
    /// `"name":value` bytes can be copied in one piece.
    pub plain: bool,
    /// The `ids`/`exids` filter on the objects this field reaches: an index
    /// into the arena's filters ([`Arena::filter`]), or [`OPEN`].
    pub filter: u32,
}

/// [`PlanField::filter`] of a field without `ids`/`exids`.
pub const OPEN: u32 = u32::MAX;

impl PlanField {
    /// True when the field has no `ids`/`exids` filter.
    #[inline]
    pub fn is_open(&self) -> bool {
        self.filter == OPEN
    }
}

/// An `ids`/`exids` filter over interned id symbols, sorted.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SymFilter {
    /// Only these ids (`None`: any).
    pub ids: Option<Box<[u32]>>,
    /// Not these ids (`None`: none excluded).
    pub exids: Option<Box<[u32]>>,
}

impl SymFilter {
    fn new(filter: &IdFilter, interner: &mut Interner) -> SymFilter {
        let intern = |list: &Option<Vec<String>>, interner: &mut Interner| {
            list.as_ref().map(|l| {
                let mut syms: Vec<u32> =
                    l.iter().map(|s| interner.intern_id(s.as_bytes())).collect();
                syms.sort_unstable();
                syms.into_boxed_slice()
            })
        };
        SymFilter {
            ids: intern(&filter.ids, interner),
            exids: intern(&filter.exids, interner),
        }
    }

    /// True when the filter lets every object through.
    #[inline]
    pub fn is_open(&self) -> bool {
        self.ids.is_none() && self.exids.is_none()
    }

    /// Whether an object whose id has symbol `id` passes. [`UNKNOWN`] (an
    /// id no filter names, or no string id at all) is in no list, so it fails
    /// `ids` and passes `exids`, as the rules say.
    #[inline]
    pub fn admits(&self, id: u32) -> bool {
        if let Some(ids) = &self.ids {
            return ids.binary_search(&id).is_ok();
        }
        if let Some(exids) = &self.exids {
            return exids.binary_search(&id).is_err();
        }
        true
    }

    fn heap_bytes(&self) -> usize {
        let n = |l: &Option<Box<[u32]>>| l.as_ref().map_or(0, |l| l.len() * 4);
        n(&self.ids) + n(&self.exids)
    }
}

/// One compiled level of a selection.
#[derive(Debug, Clone)]
pub struct Level {
    /// The fields, in response-key order. Below the root, a plain `id`
    /// field is left out unless the level is an existence level: rule A
    /// emits the id anyway, and leaving it out lets `{ id name }` and
    /// `{ name }` share one level (see [`Arena::add`]).
    pub fields: Box<[PlanField]>,
    /// Bit `sym % 64` set for each selected field's symbol other than `id`:
    /// an object with none of them is surely not emitted (unless the level
    /// is an existence level).
    pub selected_mask: u64,
    /// How many references (from parent fields and sieve entries) it has;
    /// the level is freed when the last one is released.
    pub refs: u32,
    /// Every field is named `id` (see rule B).
    pub existence: bool,
    /// Some field is named `id` under another response key.
    pub id_aliases: bool,
    key: Box<[u8]>,
}

/// The bit of `sym` in a level mask.
#[inline]
pub fn bit(sym: u32) -> u64 {
    1u64 << (sym % 64)
}

/// Hash-consed levels: structurally equal levels get one id.
#[derive(Default)]
pub struct Arena {
    levels: Vec<Option<Level>>,
    free: Vec<u32>,
    by_key: FxHashMap<Box<[u8]>, u32>,
    /// Rendered output keys (`"key":`), back to back, each stored once.
    /// Like the interner's names they are never removed: they are bounded
    /// by the response keys clients use, which the server bounds.
    prefixes: Vec<u8>,
    prefix_at: FxHashMap<Box<[u8]>, u32>,
    /// Filters of live fields; freed slots are reused.
    filters: Vec<SymFilter>,
    free_filters: Vec<u32>,
    empty: Level,
}

impl Default for Level {
    fn default() -> Level {
        Level {
            fields: Box::new([]),
            selected_mask: 0,
            refs: 0,
            existence: false,
            id_aliases: false,
            key: Box::new([]),
        }
    }
}

impl Arena {
    /// The level with id `id`. Ids handed out by [`Arena::add`] stay valid
    /// until released.
    #[inline]
    pub fn level(&self, id: u32) -> &Level {
        match self.levels.get(id as usize) {
            Some(Some(level)) => level,
            // Plans only hold ids of live levels; an invariant violation is
            // a bug, but answering with an empty level keeps the engine up.
            _ => &self.empty,
        }
    }

    /// The rendered output key of `f`: `"key":`.
    #[inline]
    pub fn prefix(&self, f: &PlanField) -> &[u8] {
        let at = f.prefix_at as usize;
        &self.prefixes[at..at + f.prefix_len as usize]
    }

    /// The filter of a field that has one (`f.filter != OPEN`).
    #[inline]
    pub fn filter(&self, f: &PlanField) -> &SymFilter {
        &self.filters[f.filter as usize]
    }

    /// How many level slots exist (live or free): level ids are below it.
    pub fn slots(&self) -> usize {
        self.levels.len()
    }

    /// How many distinct levels are live.
    pub fn len(&self) -> usize {
        self.by_key.len()
    }

    /// True when no level is live.
    pub fn is_empty(&self) -> bool {
        self.by_key.is_empty()
    }

    /// Compiles a set's top level (recursively), sharing any structurally
    /// equal level already in the arena. Returns its id, with one reference
    /// taken.
    pub fn add(&mut self, fields: &[Field], interner: &mut Interner) -> u32 {
        self.add_level(fields, interner, true)
    }

    fn add_level(&mut self, fields: &[Field], interner: &mut Interner, root: bool) -> u32 {
        let existence = is_existence_level(fields);
        // Below the root, a plain `id` leaf adds nothing to the output of a
        // level that selects anything else (rule A writes the id).
        let kept: Vec<&Field> = fields
            .iter()
            .filter(|f| {
                root || existence || !(f.name == "id" && f.key == "id" && f.children.is_none())
            })
            .collect();
        // Children first: the key names them by their (hash-consed) ids.
        let children: Vec<u32> = kept
            .iter()
            .map(|f| match &f.children {
                Some(c) => self.add_level(c, interner, false),
                None => LEAF,
            })
            .collect();
        let key = encode(&kept, &children, root, interner);
        if let Some(&id) = self.by_key.get(&key) {
            // The children were already referenced by the existing level:
            // release the references just taken for them.
            for &child in &children {
                if child != LEAF {
                    self.release(child);
                }
            }
            if let Some(Some(level)) = self.levels.get_mut(id as usize) {
                level.refs += 1;
            }
            return id;
        }
        let compiled: Vec<PlanField> = kept
            .iter()
            .zip(children)
            .map(|(f, child)| {
                let mut prefix = Vec::with_capacity(f.key.len() + 3);
                prefix.push(b'"');
                prefix.extend_from_slice(f.key.as_bytes());
                prefix.extend_from_slice(b"\":");
                let (prefix_at, prefix_len) = self.intern_prefix(&prefix);
                let filter = if f.filter.is_open() {
                    OPEN
                } else {
                    let filter = SymFilter::new(&f.filter, interner);
                    place(&mut self.filters, &mut self.free_filters, filter)
                };
                PlanField {
                    sym: interner.intern(f.name.as_bytes()),
                    child,
                    prefix_at,
                    prefix_len,
                    plain: f.key == f.name,
                    filter,
                }
            })
            .collect();
        let id_aliases = compiled.iter().any(|f| f.sym == ID && !f.plain);
        let selected_mask = compiled
            .iter()
            .filter(|f| f.sym != ID)
            .fold(0, |m, f| m | bit(f.sym));
        let level = Level {
            fields: compiled.into_boxed_slice(),
            selected_mask,
            refs: 1,
            existence,
            id_aliases,
            key: key.clone(),
        };
        let id = place(&mut self.levels, &mut self.free, Some(level));
        self.by_key.insert(key, id);
        id
    }

    /// Where `prefix` is in the key pool, adding it if new.
    fn intern_prefix(&mut self, prefix: &[u8]) -> (u32, u16) {
        // A response key longer than a u16 cannot come from a parsed
        // document the server accepts; cut, it would only print wrong.
        let len = prefix.len().min(u16::MAX as usize);
        if let Some(&at) = self.prefix_at.get(prefix) {
            return (at, len as u16);
        }
        let at = self.prefixes.len() as u32;
        self.prefixes.extend_from_slice(&prefix[..len]);
        self.prefix_at.insert(Box::from(prefix), at);
        (at, len as u16)
    }

    /// Drops one reference to level `id`, freeing it (and releasing its
    /// children) when none is left.
    pub fn release(&mut self, id: u32) {
        let mut stack = vec![id];
        while let Some(id) = stack.pop() {
            let slot = match self.levels.get_mut(id as usize) {
                Some(slot) => slot,
                None => continue,
            };
            let gone = match slot {
                Some(level) => {
                    level.refs -= 1;
                    level.refs == 0
                }
                None => false,
            };
            if gone {
                if let Some(level) = slot.take() {
                    self.by_key.remove(&level.key);
                    self.free.push(id);
                    for f in level.fields.iter() {
                        if f.filter != OPEN {
                            self.filters[f.filter as usize] = SymFilter::default();
                            self.free_filters.push(f.filter);
                        }
                        if f.child != LEAF {
                            stack.push(f.child);
                        }
                    }
                }
            }
        }
    }

    /// Approximate heap bytes held by the live levels.
    pub fn heap_bytes(&self) -> usize {
        let mut total = self.levels.capacity() * std::mem::size_of::<Option<Level>>();
        for level in self.levels.iter().flatten() {
            total += 2 * level.key.len();
            total += level.fields.len() * std::mem::size_of::<PlanField>();
        }
        total += self.filters.capacity() * std::mem::size_of::<SymFilter>();
        total += self
            .filters
            .iter()
            .map(SymFilter::heap_bytes)
            .sum::<usize>();
        total += self.prefixes.capacity() + 2 * self.prefix_at.len() * 16;
        total + self.by_key.capacity() * (std::mem::size_of::<(Box<[u8]>, u32)>() + 1)
    }
}

/// The structural key of a level: everything that determines its output,
/// children by their arena ids (which are hash-consed themselves).
fn encode(fields: &[&Field], children: &[u32], root: bool, interner: &mut Interner) -> Box<[u8]> {
    let mut key = Vec::with_capacity(fields.len() * 16 + 1);
    // A root walks `id` as a field (rule C), a level below does not: the
    // same fields make different levels.
    key.push(root as u8);
    for (f, child) in fields.iter().zip(children) {
        key.extend_from_slice(&interner.intern(f.name.as_bytes()).to_le_bytes());
        key.extend_from_slice(&child.to_le_bytes());
        key.extend_from_slice(&(f.key.len() as u32).to_le_bytes());
        key.extend_from_slice(f.key.as_bytes());
        for (tag, list) in [(1u8, &f.filter.ids), (2u8, &f.filter.exids)].iter() {
            if let Some(list) = list {
                key.push(*tag);
                key.extend_from_slice(&(list.len() as u32).to_le_bytes());
                for s in list {
                    key.extend_from_slice(&(s.len() as u32).to_le_bytes());
                    key.extend_from_slice(s.as_bytes());
                }
            }
        }
        key.push(0);
    }
    key.into_boxed_slice()
}

/// A compiled field set, with its own arena and interner: for intersecting
/// one set with many deltas. (A [`crate::Sieve`] shares one arena among all
/// its sets instead.)
pub struct Plan {
    /// The levels.
    pub arena: Arena,
    /// The names.
    pub interner: Interner,
    /// The root level's id.
    pub root: u32,
}

impl Plan {
    /// Compiles `set`.
    pub fn compile(set: &FieldSet) -> Plan {
        let mut arena = Arena::default();
        let mut interner = Interner::default();
        let root = arena.add(&set.fields, &mut interner);
        Plan {
            arena,
            interner,
            root,
        }
    }

    /// Approximate heap bytes held by the plan.
    pub fn heap_bytes(&self) -> usize {
        self.arena.heap_bytes() + self.interner.len() * 24
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graphql::resolve::parse_subscription;

    fn set(q: &str) -> FieldSet {
        parse_subscription(q, None).unwrap()
    }

    #[test]
    fn interner_reserves_id_and_is_dense() {
        let mut i = Interner::default();
        assert_eq!(i.get(b"id"), ID);
        assert_eq!(i.intern(b"id"), ID);
        assert_eq!(i.get(b"status"), UNKNOWN);
        assert_eq!(i.intern(b"status"), 1);
        assert_eq!(i.intern(b"status"), 1);
        assert_eq!(i.intern(b"name"), 2);
        assert_eq!(i.len(), 3);
    }

    #[test]
    fn compiles_prefixes_masks_and_existence() {
        let plan = Plan::compile(&set("{ w { s: status p { id } ident: id } }"));
        let root = plan.arena.level(plan.root);
        let w = plan.arena.level(root.fields[0].child);
        assert!(!w.existence && w.id_aliases);
        let keys: Vec<&[u8]> = w.fields.iter().map(|f| plan.arena.prefix(f)).collect();
        assert_eq!(keys, vec![&b"\"ident\":"[..], b"\"p\":", b"\"s\":"]);
        let p = plan.arena.level(w.fields[1].child);
        assert!(p.existence && !p.id_aliases);
        let status = plan.interner.get(b"status");
        assert_eq!(w.selected_mask & bit(status), bit(status));
        assert!(plan.heap_bytes() > 0);
    }

    #[test]
    fn equal_sub_trees_share_one_level_and_are_released_by_reference() {
        let mut arena = Arena::default();
        let mut names = Interner::default();
        let a = arena.add(
            &set("{ w { jobs { status } } x { jobs { status } } }").fields,
            &mut names,
        );
        // root, w-level (shared by w and x), jobs-level (shared).
        assert_eq!(arena.len(), 3);
        let b = arena.add(&set("{ v { jobs { status } } }").fields, &mut names);
        assert_eq!(arena.len(), 4);
        let jobs = arena.level(arena.level(b).fields[0].child).fields[0].child;
        assert_eq!(arena.level(jobs).refs, 1);
        let again = arena.add(
            &set("{ w { jobs { status } } x { jobs { status } } }").fields,
            &mut names,
        );
        assert_eq!(again, a);
        assert_eq!(arena.level(a).refs, 2);
        arena.release(a);
        arena.release(a);
        // b still holds the `{ jobs { status } }` level and its child.
        assert_eq!(arena.len(), 3);
        arena.release(b);
        assert!(arena.is_empty());
        // Freed slots are reused.
        arena.add(&set("{ q }").fields, &mut names);
        assert_eq!(arena.levels.len(), 4);
    }

    #[test]
    fn filters_and_aliases_make_levels_distinct() {
        let mut arena = Arena::default();
        let mut names = Interner::default();
        let a = arena.add(&set(r#"{ w(ids: ["a"]) { s } }"#).fields, &mut names);
        let b = arena.add(&set(r#"{ w(ids: ["b"]) { s } }"#).fields, &mut names);
        let c = arena.add(&set(r#"{ v: w(ids: ["a"]) { s } }"#).fields, &mut names);
        assert!(a != b && a != c && b != c);
        // The `{ s }` level is shared by all three.
        assert_eq!(arena.len(), 4);
    }

    #[test]
    fn a_plain_id_below_the_root_does_not_make_a_level_distinct() {
        let mut arena = Arena::default();
        let mut names = Interner::default();
        let a = arena.add(&set("{ w { id s } }").fields, &mut names);
        let b = arena.add(&set("{ v { s } w { s } }").fields, &mut names);
        let w = arena.level(a).fields[0].child;
        assert_eq!(arena.level(b).fields[1].child, w);
        // Referenced by a's `w`, and b's `v` and `w`.
        assert_eq!(arena.level(w).refs, 3);
        assert_eq!(arena.level(w).fields.len(), 1);
        // At the root `id` is a field like any other (rule C)...
        let c = arena.add(&set("{ id s }").fields, &mut names);
        let d = arena.add(&set("{ s }").fields, &mut names);
        assert_ne!(c, d);
        assert_eq!(arena.level(c).fields.len(), 2);
        // ...and a root differs from a level below with the same fields.
        assert_ne!(d, w);
        // An existence level keeps its `id`; an aliased id is kept too.
        let e = arena.add(&set("{ w { id } x { i: id s } }").fields, &mut names);
        let exist = arena.level(arena.level(e).fields[0].child);
        assert!(exist.existence && exist.fields.len() == 1);
        let aliased = arena.level(arena.level(e).fields[1].child);
        assert!(aliased.id_aliases && aliased.fields.len() == 2);
    }

    #[test]
    fn output_keys_are_pooled_once_and_filters_are_freed_with_their_level() {
        let mut arena = Arena::default();
        let mut names = Interner::default();
        let a = arena.add(
            &set(r#"{ w(ids: ["a"]) { s } x { s } }"#).fields,
            &mut names,
        );
        let pool = arena.prefixes.len();
        assert_eq!(pool, "\"w\":\"s\":\"x\":".len());
        let f = arena.level(a).fields[0];
        assert_eq!(
            arena.filter(&f).ids.as_deref(),
            Some(&[names.get_id(b"a")][..])
        );
        assert!(arena.level(a).fields[1].is_open());
        arena.release(a);
        assert_eq!(arena.free_filters, vec![f.filter]);
        let b = arena.add(&set(r#"{ x(exids: "b") { s } }"#).fields, &mut names);
        // The pool did not grow, and the filter slot was reused.
        assert_eq!(arena.prefixes.len(), pool);
        assert_eq!(arena.level(b).fields[0].filter, f.filter);
        assert!(arena.filter(&arena.level(b).fields[0]).exids.is_some());
    }

    #[test]
    fn fx_hash_is_deterministic_and_spreads() {
        let h = |s: &[u8]| {
            let mut x = FxHasher::default();
            x.write(s);
            x.finish()
        };
        assert_eq!(h(b"status"), h(b"status"));
        assert_ne!(h(b"status"), h(b"statut"));
        assert_ne!(h(b"a"), h(b"b"));
    }
}
