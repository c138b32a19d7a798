//! The union of a sieve's field sets: a trie of fields, each listing the
//! slots that select it.
//!
//! A [`crate::Sieve`] walks a delta once against this trie instead of once
//! per set (see `fan_out.rs`): looking a field up in an object, checking a
//! filter, finding the elements an `ids` list names, all happen once per
//! trie field and delta object, whatever the number of sets that share it;
//! what stays per set is appending the bytes it selects to its own output.
//!
//! Two sets share a trie field when they select, at the same path, a field
//! with the same response key, name, kind (leaf or selection) and filter.
//! Every slot of a trie field reached the field's node through the same
//! parent field (same path, same filters), so the slots that reach an
//! object through a field are exactly that field's slots: no set
//! intersection is ever needed during a walk.
//!
//! **Classes.** Sets whose sub-selections under a field are equal write
//! equal bytes there. The first such set walks its sub-selection itself;
//! from the second on, one *class slot* walks it for all of them (it joins
//! the trie below the field like a set) and each member copies the class's
//! output: a list of jobs that 500 views select the same way is written
//! once, then copied 500 times.

use crate::field_set::{is_existence_level, Field, IdFilter};
use crate::plan::{bit, FxHashMap, Interner, SymFilter};
use crate::slots::place;

/// No node (a leaf's child).
pub const NONE: u32 = u32::MAX;

/// How a trie field's slots use the member it names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    /// The value is copied whole.
    Leaf,
    /// `key: id` below the root: the id again, under another response key,
    /// right after the identity (rule A); it does not make the object
    /// emitted (rule B).
    IdAlias,
    /// A sub-selection: objects and lists recurse into [`TrieField::child`].
    Child,
}

/// One field of the union, shared by every slot that selects it at its
/// path.
#[derive(Debug)]
pub struct TrieField {
    /// The field name's symbol.
    pub sym: u32,
    /// What the slots do with the member.
    pub kind: FieldKind,
    /// The response key is the field name: a compact delta's own
    /// `"name":value` bytes are the output.
    pub plain: bool,
    /// `,"key":`: the field's output key after the comma that separates it
    /// from the one before (see [`TrieField::prefix`]).
    pub lead: Box<[u8]>,
    /// The `ids`/`exids` filter (open when the field has none).
    pub filter: SymFilter,
    /// The sub-selection's node, or [`NONE`] for a leaf.
    pub child: u32,
    /// The slots that write this field themselves, sorted.
    pub direct: Vec<u32>,
    /// The classes of slots sharing a sub-selection (indexes into
    /// [`Trie::groups`]).
    pub groups: Vec<u32>,
    /// The slots that walk the sub-selection (or copy the leaf): `direct`
    /// and the groups' class slots, sorted.
    pub sets: Vec<u32>,
    /// Sub-selection encoding → who holds it.
    classes: FxHashMap<Box<[u8]>, Class>,
    node: u32,
    /// For a field keyed by id (see [`Keyed`]): its per-id nodes. Then
    /// `filter` is open and `child` is [`NONE`].
    pub keyed: Option<Box<Keyed>>,
}

/// The longest `ids` list whose field is keyed by id: a set joins one node
/// per id it names, so a longer list keeps a field of its own.
pub const MAX_KEYED_IDS: usize = 16;

/// A field with a sub-selection and an `ids` filter, shared by every set
/// that selects it at its path whatever ids they name: below it, one node
/// per id some set names, joined by the sets naming that id.
///
/// Views of one or a few tasks (`taskProxies(ids: …)`) rarely name the same
/// list, so keyed by list each would be a trie field of its own, each delta
/// element walked once per view. Keyed by id, an element is walked once for
/// every view naming it: looked up once, its members found once.
#[derive(Debug, Default)]
pub struct Keyed {
    /// Per id, sorted by symbol.
    pub ids: Vec<KeyedId>,
    /// The ids each slot walking the field names (to leave them).
    lists: FxHashMap<u32, Box<[u32]>>,
}

/// The sets naming one id under a keyed field, and their node.
#[derive(Debug)]
pub struct KeyedId {
    /// The id's symbol.
    pub sym: u32,
    /// The node of the sub-selections of the slots naming it.
    pub node: u32,
    /// Those slots, sorted.
    pub sets: Vec<u32>,
}

impl Keyed {
    /// The entry of id symbol `sym`, if some set names it.
    #[inline]
    pub fn get(&self, sym: u32) -> Option<&KeyedId> {
        self.ids
            .binary_search_by_key(&sym, |e| e.sym)
            .ok()
            .map(|at| &self.ids[at])
    }
}

impl TrieField {
    /// `"key":`.
    #[inline]
    pub fn prefix(&self) -> &[u8] {
        &self.lead[1..]
    }

    /// The response key.
    fn response_key(&self) -> &[u8] {
        &self.lead[2..self.lead.len() - 2]
    }

    /// Whether the field goes before `other` among its node's fields: `id`
    /// aliases right after the identity, then the others by response key;
    /// ties (between sets: no set has two fields with one response key) by
    /// the rest of the identity.
    fn before(&self, other: &TrieField) -> bool {
        let a = (self.kind != FieldKind::IdAlias, self.response_key());
        let b = (other.kind != FieldKind::IdAlias, other.response_key());
        a < b || (a == b && self.key() < other.key())
    }

    /// Its identity among its node's fields (see [`field_key`]).
    fn key(&self) -> Box<[u8]> {
        field_key(
            self.node,
            self.kind,
            self.sym,
            self.response_key(),
            &self.filter,
            self.keyed.is_some(),
        )
    }
}

/// The holder of one sub-selection under a trie field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    /// The only slot with it, walking it itself.
    Direct(u32),
    /// Several: a group (index into [`Trie::groups`]).
    Group(u32),
}

/// Slots sharing a sub-selection under a trie field.
#[derive(Debug, Default)]
pub struct Group {
    /// The class slot that walks the sub-selection for all of them; its
    /// buffer holds the field's value.
    pub slot: u32,
    /// The member slots, sorted; each copies the class slot's value.
    pub members: Vec<u32>,
}

/// One level of the union.
#[derive(Debug, Default)]
pub struct TrieNode {
    /// Indexes into [`Trie::fields`], in output order: below the root,
    /// aliases of `id` first, then the others by response key (each set's
    /// own fields are in that order, as the rules write them).
    pub fields: Vec<u32>,
    /// Slots whose level here is an existence level (rule B: emitted
    /// whenever present), sorted.
    pub existence: Vec<u32>,
    /// Bit `sym % 64` of every field other than an `id` alias: an object
    /// with none of them emits for no slot (existence levels aside).
    pub mask: u64,
}

/// What a slot joined, in order (parents before children).
#[derive(Debug, Clone, Copy)]
enum Join {
    /// A trie field it writes itself; for a sub-selection, the next `len`
    /// entries are what it joined below.
    Field(u32, u32),
    /// A member of a class under a trie field.
    Member(u32),
    /// An existence level at a node.
    Exists(u32),
    /// Undone (the slot became a class member there); kept so that the
    /// lengths above stay right.
    Dead,
}

/// The union of the sets of a sieve.
#[derive(Debug)]
pub struct Trie {
    /// The nodes; node 0 is the root.
    pub nodes: Vec<TrieNode>,
    /// The fields, indexed from [`TrieNode::fields`].
    pub fields: Vec<TrieField>,
    /// The classes, indexed from [`TrieField::groups`].
    pub groups: Vec<Group>,
    /// Per slot: what it joined, or `None` when the slot is free.
    slots: Vec<Option<Vec<Join>>>,
    free_slots: Vec<u32>,
    free_nodes: Vec<u32>,
    free_fields: Vec<u32>,
    free_groups: Vec<u32>,
    by_key: FxHashMap<Box<[u8]>, u32>,
}

impl Default for Trie {
    fn default() -> Trie {
        Trie {
            nodes: vec![TrieNode::default()],
            fields: Vec::new(),
            groups: Vec::new(),
            slots: Vec::new(),
            free_slots: Vec::new(),
            free_nodes: Vec::new(),
            free_fields: Vec::new(),
            free_groups: Vec::new(),
            by_key: FxHashMap::default(),
        }
    }
}

impl Trie {
    /// How many slots exist (used or free): every slot is below it.
    pub fn slots(&self) -> usize {
        self.slots.len()
    }

    /// Adds a set with top-level `fields`; returns its slot.
    pub fn insert(&mut self, fields: &[Field], interner: &mut Interner) -> u32 {
        let slot = self.new_slot();
        let mut joined = Vec::new();
        self.insert_level(0, slot, fields, true, interner, &mut joined);
        self.slots[slot as usize] = Some(joined);
        slot
    }

    /// Removes the set in `slot` (as [`Trie::insert`] returned it). Fields,
    /// nodes and classes no slot uses any more are freed.
    pub fn remove(&mut self, slot: u32) {
        if let Some(Some(joined)) = self.slots.get_mut(slot as usize).map(Option::take) {
            self.undo(slot, &joined);
            self.free_slots.push(slot);
        }
    }

    fn new_slot(&mut self) -> u32 {
        place(&mut self.slots, &mut self.free_slots, Some(Vec::new()))
    }

    fn insert_level(
        &mut self,
        node: u32,
        slot: u32,
        fields: &[Field],
        root: bool,
        interner: &mut Interner,
        joined: &mut Vec<Join>,
    ) {
        if !root && is_existence_level(fields) {
            insert_sorted(&mut self.nodes[node as usize].existence, slot);
            joined.push(Join::Exists(node));
        }
        for f in fields {
            let kind = match (&f.children, root || f.name != "id", f.key == "id") {
                (None, true, _) => FieldKind::Leaf,
                (Some(_), true, _) => FieldKind::Child,
                // Below the root a plain `id` is rule A's; `id` with a
                // sub-selection selects nothing from a scalar.
                (None, false, false) => FieldKind::IdAlias,
                _ => continue,
            };
            let at = self.field(node, kind, f, interner);
            let children = match &f.children {
                Some(children) => children,
                None => {
                    let tf = &mut self.fields[at as usize];
                    insert_sorted(&mut tf.direct, slot);
                    insert_sorted(&mut tf.sets, slot);
                    joined.push(Join::Field(at, 0));
                    continue;
                }
            };
            // A keyed field's sets share a class only when they name the
            // same ids too.
            let ids = match self.fields[at as usize].keyed {
                Some(_) => filter_syms(&f.filter, interner).ids,
                None => None,
            };
            let mut key = Vec::new();
            if let Some(ids) = &ids {
                encode_ids(ids, &mut key);
            }
            encode_level(children, interner, &mut key);
            match self.fields[at as usize].classes.get(&key[..]).copied() {
                None => {
                    let tf = &mut self.fields[at as usize];
                    tf.classes
                        .insert(key.into_boxed_slice(), Class::Direct(slot));
                    insert_sorted(&mut tf.direct, slot);
                    insert_sorted(&mut tf.sets, slot);
                    let mark = joined.len();
                    joined.push(Join::Field(at, 0));
                    self.insert_below(at, slot, children, ids, interner, joined);
                    joined[mark] = Join::Field(at, (joined.len() - mark - 1) as u32);
                }
                Some(Class::Group(g)) => {
                    insert_sorted(&mut self.groups[g as usize].members, slot);
                    joined.push(Join::Member(at));
                }
                Some(Class::Direct(first)) => {
                    // A second set with this sub-selection: a class slot
                    // takes the walk over, both become members.
                    // `first` steps back first, so that its own classes
                    // below are free for the class slot to take.
                    self.retire(first, at);
                    let class = self.new_slot();
                    let mut class_joined = Vec::new();
                    self.insert_below(at, class, children, ids, interner, &mut class_joined);
                    self.slots[class as usize] = Some(class_joined);
                    let mut members = vec![first];
                    insert_sorted(&mut members, slot);
                    let g = self.new_group(Group {
                        slot: class,
                        members,
                    });
                    let tf = &mut self.fields[at as usize];
                    tf.classes.insert(key.into_boxed_slice(), Class::Group(g));
                    tf.groups.push(g);
                    insert_sorted(&mut tf.sets, class);
                    joined.push(Join::Member(at));
                }
            }
        }
    }

    /// Inserts `slot`'s sub-selection `children` of trie field `at`: below
    /// its child node, or, for a keyed field, below the node of each of the
    /// slot's `ids`.
    fn insert_below(
        &mut self,
        at: u32,
        slot: u32,
        children: &[Field],
        ids: Option<Box<[u32]>>,
        interner: &mut Interner,
        joined: &mut Vec<Join>,
    ) {
        let ids = match ids {
            Some(ids) => ids,
            None => {
                let child = self.fields[at as usize].child;
                self.insert_level(child, slot, children, false, interner, joined);
                return;
            }
        };
        for &sym in ids.iter() {
            let node = self.keyed_node(at, sym, slot);
            self.insert_level(node, slot, children, false, interner, joined);
        }
        if let Some(keyed) = self.fields[at as usize].keyed.as_mut() {
            keyed.lists.insert(slot, ids);
        }
    }

    /// The node of id `sym` under keyed field `at` (created if new), with
    /// `slot` among its sets.
    fn keyed_node(&mut self, at: u32, sym: u32, slot: u32) -> u32 {
        let found = match &self.fields[at as usize].keyed {
            Some(keyed) => keyed.ids.binary_search_by_key(&sym, |e| e.sym),
            None => return NONE,
        };
        let node = match found {
            Ok(_) => NONE,
            Err(_) => self.new_node(),
        };
        let keyed = match self.fields[at as usize].keyed.as_mut() {
            Some(keyed) => keyed,
            None => return NONE,
        };
        match found {
            Ok(i) => {
                insert_sorted(&mut keyed.ids[i].sets, slot);
                keyed.ids[i].node
            }
            Err(i) => {
                keyed.ids.insert(
                    i,
                    KeyedId {
                        sym,
                        node,
                        sets: vec![slot],
                    },
                );
                node
            }
        }
    }

    /// Takes `slot` out of the per-id nodes of keyed field `at` (after what
    /// it joined below them was undone); nodes no slot reaches are freed.
    fn leave_keyed(&mut self, at: u32, slot: u32) {
        let keyed = match self.fields[at as usize].keyed.as_mut() {
            Some(keyed) => keyed,
            None => return,
        };
        let ids = match keyed.lists.remove(&slot) {
            Some(ids) => ids,
            None => return,
        };
        let mut freed = Vec::new();
        for sym in ids.iter() {
            if let Ok(i) = keyed.ids.binary_search_by_key(sym, |e| e.sym) {
                remove_sorted(&mut keyed.ids[i].sets, slot);
                if keyed.ids[i].sets.is_empty() {
                    freed.push(keyed.ids.remove(i).node);
                }
            }
        }
        for node in freed {
            self.nodes[node as usize] = TrieNode::default();
            self.free_nodes.push(node);
        }
    }

    /// Turns `slot`'s direct walk of trie field `at` (and of everything it
    /// joined below it) into a class membership.
    fn retire(&mut self, slot: u32, at: u32) {
        let mut joined = match self.slots[slot as usize].take() {
            Some(joined) => joined,
            None => return,
        };
        let i = joined
            .iter()
            .position(|j| matches!(j, Join::Field(f, _) if *f == at));
        if let Some(i) = i {
            let len = match joined[i] {
                Join::Field(_, len) => len as usize,
                _ => 0,
            };
            let below: Vec<Join> = joined[i + 1..i + 1 + len].to_vec();
            self.undo(slot, &below);
            for j in &mut joined[i + 1..i + 1 + len] {
                *j = Join::Dead;
            }
            joined[i] = Join::Member(at);
            let tf = &mut self.fields[at as usize];
            remove_sorted(&mut tf.direct, slot);
            remove_sorted(&mut tf.sets, slot);
            self.leave_keyed(at, slot);
        }
        self.slots[slot as usize] = Some(joined);
    }

    /// Takes `slot` out of everything in `joined`, children first.
    fn undo(&mut self, slot: u32, joined: &[Join]) {
        for j in joined.iter().rev() {
            match *j {
                Join::Field(at, _) => {
                    let tf = &mut self.fields[at as usize];
                    remove_sorted(&mut tf.direct, slot);
                    remove_sorted(&mut tf.sets, slot);
                    tf.classes.retain(|_, c| *c != Class::Direct(slot));
                    self.leave_keyed(at, slot);
                    self.free_field_if_unused(at);
                }
                Join::Member(at) => {
                    let found = self.fields[at as usize].groups.iter().position(|&g| {
                        self.groups[g as usize].members.binary_search(&slot).is_ok()
                    });
                    if let Some(i) = found {
                        let g = self.fields[at as usize].groups[i];
                        let group = &mut self.groups[g as usize];
                        remove_sorted(&mut group.members, slot);
                        if group.members.is_empty() {
                            let class = group.slot;
                            self.remove(class);
                            self.leave_keyed(at, class);
                            let tf = &mut self.fields[at as usize];
                            tf.groups.remove(i);
                            remove_sorted(&mut tf.sets, class);
                            tf.classes.retain(|_, c| *c != Class::Group(g));
                            self.groups[g as usize] = Group::default();
                            self.free_groups.push(g);
                        }
                    }
                    self.free_field_if_unused(at);
                }
                Join::Exists(node) => {
                    remove_sorted(&mut self.nodes[node as usize].existence, slot);
                }
                Join::Dead => {}
            }
        }
    }

    fn free_field_if_unused(&mut self, at: u32) {
        let tf = &self.fields[at as usize];
        if !tf.sets.is_empty() || !tf.groups.is_empty() || tf.lead.is_empty() {
            return;
        }
        let (node, child) = (tf.node, tf.child);
        let key = self.fields[at as usize].key();
        self.by_key.remove(&key);
        let tf = &mut self.fields[at as usize];
        tf.lead = Box::new([]);
        tf.filter = SymFilter::default();
        tf.classes = FxHashMap::default();
        tf.keyed = None;
        self.nodes[node as usize].fields.retain(|&f| f != at);
        self.update_mask(node);
        self.free_fields.push(at);
        if child != NONE {
            self.nodes[child as usize] = TrieNode::default();
            self.free_nodes.push(child);
        }
    }

    fn new_group(&mut self, group: Group) -> u32 {
        place(&mut self.groups, &mut self.free_groups, group)
    }

    /// The trie field of `node` for `f` used as `kind`, created if new.
    fn field(&mut self, node: u32, kind: FieldKind, f: &Field, interner: &mut Interner) -> u32 {
        let sym = interner.intern(f.name.as_bytes());
        let mut filter = filter_syms(&f.filter, interner);
        let keyed = keyed_by_id(kind, &filter);
        let key = field_key(node, kind, sym, f.key.as_bytes(), &filter, keyed);
        if let Some(&at) = self.by_key.get(&key) {
            return at;
        }
        if keyed {
            // The slots' own lists are kept in `Keyed::lists`.
            filter = SymFilter::default();
        }
        let child = if kind == FieldKind::Child && !keyed {
            self.new_node()
        } else {
            NONE
        };
        let mut lead = Vec::with_capacity(f.key.len() + 4);
        lead.extend_from_slice(b",\"");
        lead.extend_from_slice(f.key.as_bytes());
        lead.extend_from_slice(b"\":");
        let field = TrieField {
            sym,
            kind,
            plain: f.key == f.name,
            lead: lead.into_boxed_slice(),
            filter,
            child,
            direct: Vec::new(),
            groups: Vec::new(),
            sets: Vec::new(),
            classes: FxHashMap::default(),
            node,
            keyed: if keyed {
                Some(Box::new(Keyed::default()))
            } else {
                None
            },
        };
        let at = place(&mut self.fields, &mut self.free_fields, field);
        self.by_key.insert(key, at);
        let fields = &self.fields;
        let list = &mut self.nodes[node as usize].fields;
        let new = &fields[at as usize];
        let pos = list.partition_point(|&other| fields[other as usize].before(new));
        list.insert(pos, at);
        self.update_mask(node);
        at
    }

    fn new_node(&mut self) -> u32 {
        place(&mut self.nodes, &mut self.free_nodes, TrieNode::default())
    }

    fn update_mask(&mut self, node: u32) {
        let fields = &self.fields;
        let n = &mut self.nodes[node as usize];
        n.mask = n
            .fields
            .iter()
            .map(|&f| &fields[f as usize])
            .filter(|f| f.kind != FieldKind::IdAlias)
            .fold(0, |m, f| m | bit(f.sym));
    }

    /// True when no set is in the trie.
    pub fn is_empty(&self) -> bool {
        self.by_key.is_empty()
    }

    /// Approximate heap bytes held by the trie.
    pub fn heap_bytes(&self) -> usize {
        let mut total = self.nodes.capacity() * std::mem::size_of::<TrieNode>()
            + self.fields.capacity() * std::mem::size_of::<TrieField>()
            + self.groups.capacity() * std::mem::size_of::<Group>()
            + self.slots.capacity() * std::mem::size_of::<Option<Vec<Join>>>();
        for n in &self.nodes {
            total += (n.fields.capacity() + n.existence.capacity()) * 4;
        }
        for f in &self.fields {
            total += f.lead.len();
            total += (f.direct.capacity() + f.groups.capacity() + f.sets.capacity()) * 4;
            total += f.filter.ids.as_ref().map_or(0, |l| l.len() * 4);
            total += f.filter.exids.as_ref().map_or(0, |l| l.len() * 4);
            total += f.classes.capacity() * (std::mem::size_of::<(Box<[u8]>, Class)>() + 1);
            total += f.classes.keys().map(|k| k.len()).sum::<usize>();
            if let Some(keyed) = &f.keyed {
                total += std::mem::size_of::<Keyed>()
                    + keyed.ids.capacity() * std::mem::size_of::<KeyedId>()
                    + keyed.lists.capacity() * (std::mem::size_of::<(u32, Box<[u32]>)>() + 1);
                total += keyed.ids.iter().map(|e| e.sets.capacity() * 4).sum::<usize>();
                total += keyed.lists.values().map(|l| l.len() * 4).sum::<usize>();
            }
        }
        for g in &self.groups {
            total += g.members.capacity() * 4;
        }
        for joined in self.slots.iter().flatten() {
            total += joined.capacity() * std::mem::size_of::<Join>();
        }
        total + self.by_key.capacity() * (std::mem::size_of::<(Box<[u8]>, u32)>() + 1)
    }
}

/// The identity of a trie field: its node, kind, name, response key and
/// filter (for a keyed field, only that it is keyed). Sets agreeing on all
/// of them share the field.
fn field_key(
    node: u32,
    kind: FieldKind,
    sym: u32,
    key: &[u8],
    filter: &SymFilter,
    keyed: bool,
) -> Box<[u8]> {
    let mut out = Vec::with_capacity(key.len() + 16);
    out.extend_from_slice(&node.to_le_bytes());
    out.push(kind as u8);
    out.extend_from_slice(&sym.to_le_bytes());
    out.extend_from_slice(&(key.len() as u32).to_le_bytes());
    out.extend_from_slice(key);
    if keyed {
        out.push(3);
    } else {
        encode_filter(filter, &mut out);
    }
    out.into_boxed_slice()
}

/// Whether a field with `filter`, used as `kind`, is keyed by id.
fn keyed_by_id(kind: FieldKind, filter: &SymFilter) -> bool {
    kind == FieldKind::Child
        && filter.exids.is_none()
        && filter.ids.as_ref().map_or(false, |ids| ids.len() <= MAX_KEYED_IDS)
}

/// A keyed slot's `ids`, ahead of its sub-selection in its class key.
fn encode_ids(ids: &[u32], out: &mut Vec<u8>) {
    out.extend_from_slice(&(ids.len() as u32).to_le_bytes());
    for id in ids {
        out.extend_from_slice(&id.to_le_bytes());
    }
}

fn encode_filter(filter: &SymFilter, out: &mut Vec<u8>) {
    for (tag, list) in [(1u8, &filter.ids), (2u8, &filter.exids)].iter() {
        if let Some(list) = list {
            out.push(*tag);
            out.extend_from_slice(&(list.len() as u32).to_le_bytes());
            for id in list.iter() {
                out.extend_from_slice(&id.to_le_bytes());
            }
        }
    }
}

/// A sub-selection's exact encoding: equal encodings, equal output. Names
/// and filter ids by symbol (a symbol names one string for good), response
/// keys spelled when they are aliases. Other arguments than `ids`/`exids`
/// do not filter, so they are left out.
fn encode_level(fields: &[Field], interner: &mut Interner, out: &mut Vec<u8>) {
    out.extend_from_slice(&(fields.len() as u32).to_le_bytes());
    for f in fields {
        out.extend_from_slice(&interner.intern(f.name.as_bytes()).to_le_bytes());
        if f.key == f.name {
            out.push(0);
        } else {
            out.push(1);
            out.extend_from_slice(&(f.key.len() as u32).to_le_bytes());
            out.extend_from_slice(f.key.as_bytes());
        }
        encode_filter(&filter_syms(&f.filter, interner), out);
        match &f.children {
            Some(children) => {
                out.push(4);
                encode_level(children, interner, out);
            }
            None => out.push(0),
        }
    }
}

/// `filter` over interned id symbols.
fn filter_syms(filter: &IdFilter, interner: &mut Interner) -> SymFilter {
    let intern = |list: &Option<Vec<String>>, interner: &mut Interner| {
        list.as_ref().map(|l| {
            let mut syms: Vec<u32> = l.iter().map(|s| interner.intern_id(s.as_bytes())).collect();
            syms.sort_unstable();
            syms.into_boxed_slice()
        })
    };
    SymFilter {
        ids: intern(&filter.ids, interner),
        exids: intern(&filter.exids, interner),
    }
}

fn insert_sorted(list: &mut Vec<u32>, slot: u32) {
    if let Err(at) = list.binary_search(&slot) {
        list.insert(at, slot);
    }
}

fn remove_sorted(list: &mut Vec<u32>, slot: u32) {
    if let Ok(at) = list.binary_search(&slot) {
        list.remove(at);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graphql::resolve::parse_subscription;

    fn fields(q: &str) -> Vec<Field> {
        parse_subscription(q, None).unwrap().fields
    }

    fn child_of<'t>(trie: &'t Trie, node: u32, prefix: &[u8]) -> (&'t TrieField, &'t TrieNode) {
        let f = trie.nodes[node as usize]
            .fields
            .iter()
            .map(|&f| &trie.fields[f as usize])
            .find(|f| f.prefix() == prefix)
            .unwrap();
        (f, &trie.nodes[f.child as usize])
    }

    #[test]
    fn sets_share_fields_with_the_same_path_key_name_kind_and_filter() {
        let mut trie = Trie::default();
        let mut names = Interner::default();
        let a = trie.insert(&fields("{ w { s t } }"), &mut names);
        let b = trie.insert(&fields("{ w { s u: t } }"), &mut names);
        let c = trie.insert(&fields(r#"{ w(ids: ["x"]) { s } }"#), &mut names);
        // w, w.s, w.t, w.u, w(ids).s and w(ids) itself.
        assert_eq!(trie.by_key.len(), 6);
        let w = &trie.fields[trie.nodes[0].fields[0] as usize];
        assert_eq!(w.sets, vec![a, b]);
        let order: Vec<&[u8]> = trie.nodes[w.child as usize]
            .fields
            .iter()
            .map(|&f| trie.fields[f as usize].prefix())
            .collect();
        assert_eq!(order, vec![&b"\"s\":"[..], b"\"t\":", b"\"u\":"]);
        trie.remove(b);
        assert_eq!(trie.by_key.len(), 5);
        trie.remove(a);
        trie.remove(c);
        assert!(trie.is_empty());
        assert!(trie.nodes[0].fields.is_empty());
        // Freed slots, fields and nodes are reused.
        let n = (trie.fields.len(), trie.nodes.len(), trie.slots());
        trie.insert(&fields("{ w { s } }"), &mut names);
        assert_eq!((trie.fields.len(), trie.nodes.len(), trie.slots()), n);
    }

    #[test]
    fn ids_below_the_root_follow_rule_a() {
        let mut trie = Trie::default();
        let mut names = Interner::default();
        let s = trie.insert(&fields("{ id w { id } v { id s i: id } }"), &mut names);
        // At the root `id` is a field like any other.
        assert_eq!(trie.nodes[0].fields.len(), 3);
        // `w { id }`: an existence level, with no field of its own.
        let (_, w) = child_of(&trie, 0, b"\"w\":");
        assert_eq!(w.existence, vec![s]);
        assert!(w.fields.is_empty());
        // `v { id s i: id }`: the alias first, then `s`; the plain id is
        // rule A's.
        let (_, v) = child_of(&trie, 0, b"\"v\":");
        let kinds: Vec<FieldKind> = v
            .fields
            .iter()
            .map(|&f| trie.fields[f as usize].kind)
            .collect();
        assert_eq!(kinds, vec![FieldKind::IdAlias, FieldKind::Leaf]);
        assert!(v.existence.is_empty());
        assert_eq!(v.mask, bit(names.get(b"s")));
    }

    #[test]
    fn equal_sub_selections_become_a_class_walked_once() {
        let mut trie = Trie::default();
        let mut names = Interner::default();
        let a = trie.insert(&fields("{ w { s j { p } } }"), &mut names);
        let w = trie.fields[trie.nodes[0].fields[0] as usize].child;
        // The first set walks `j { p }` itself...
        let (j, _) = child_of(&trie, w, b"\"j\":");
        assert_eq!((j.direct.clone(), j.groups.len()), (vec![a], 0));
        // ...until a second one with the same sub-selection makes it a
        // class, whose slot walks it for both.
        let b = trie.insert(&fields("{ w { t j { p } } }"), &mut names);
        let c = trie.insert(&fields("{ w { u j { p } } }"), &mut names);
        let (j, under) = child_of(&trie, w, b"\"j\":");
        assert!(j.direct.is_empty());
        assert_eq!(j.groups.len(), 1);
        let group = &trie.groups[j.groups[0] as usize];
        assert_eq!(group.members, vec![a, b, c]);
        assert_eq!(j.sets, vec![group.slot]);
        assert_eq!(trie.fields[under.fields[0] as usize].sets, vec![group.slot]);
        // Members leave; the last one takes the class with it.
        let class = group.slot;
        trie.remove(a);
        trie.remove(b);
        assert!(trie.slots[class as usize].is_some());
        trie.remove(c);
        assert!(trie.slots[class as usize].is_none());
        assert!(trie.is_empty());
        // A set whose `w` is unique walks it directly.
        let d = trie.insert(&fields("{ w { s } }"), &mut names);
        assert_eq!(
            trie.fields[trie.nodes[0].fields[0] as usize].direct,
            vec![d]
        );
    }

    #[test]
    fn fields_with_short_ids_lists_share_one_keyed_field_with_a_node_per_id() {
        let mut trie = Trie::default();
        let mut names = Interner::default();
        let a = trie.insert(&fields(r#"{ t(ids: ["x", "y"]) { s } }"#), &mut names);
        let b = trie.insert(&fields(r#"{ t(ids: ["y"]) { u } }"#), &mut names);
        // Same ids, same sub-selection as `a`: a class.
        let c = trie.insert(&fields(r#"{ t(ids: ["y", "x"]) { s } }"#), &mut names);
        // exids, and an unfiltered `t`: fields of their own.
        let d = trie.insert(&fields(r#"{ t(exids: ["y"]) { s } }"#), &mut names);
        let e = trie.insert(&fields("{ t { s } }"), &mut names);
        assert_eq!(trie.nodes[0].fields.len(), 3);
        let keyed_at = trie.nodes[0]
            .fields
            .iter()
            .copied()
            .find(|&f| trie.fields[f as usize].keyed.is_some())
            .unwrap();
        let tf = &trie.fields[keyed_at as usize];
        assert_eq!(tf.child, NONE);
        assert!(tf.filter.is_open());
        assert_eq!(tf.direct, vec![b]);
        assert_eq!(tf.groups.len(), 1);
        let class = trie.groups[tf.groups[0] as usize].slot;
        assert_eq!(trie.groups[tf.groups[0] as usize].members, vec![a, c]);
        let keyed = tf.keyed.as_ref().unwrap();
        let (x, y) = (names.get_id(b"x"), names.get_id(b"y"));
        let x_node = keyed.get(x).unwrap();
        let y_node = keyed.get(y).unwrap();
        assert_eq!(x_node.sets, vec![class]);
        let mut both = vec![b, class];
        both.sort_unstable();
        assert_eq!(y_node.sets, both);
        // `y`'s node is the union of the sub-selections naming it.
        assert_eq!(trie.nodes[y_node.node as usize].fields.len(), 2);
        assert!(keyed.get(names.get_id(b"z")).is_none());
        // Leaving frees the nodes no set reaches any more.
        let nodes_in_use = |trie: &Trie| trie.nodes.len() - trie.free_nodes.len();
        let before = nodes_in_use(&trie);
        trie.remove(b);
        assert_eq!(nodes_in_use(&trie), before);
        trie.remove(a);
        trie.remove(c);
        assert_eq!(nodes_in_use(&trie), before - 2);
        assert!(trie.nodes[0]
            .fields
            .iter()
            .all(|&f| trie.fields[f as usize].keyed.is_none()));
        trie.remove(d);
        trie.remove(e);
        assert!(trie.is_empty());
        assert_eq!(nodes_in_use(&trie), 1);
    }

    #[test]
    fn a_long_ids_list_keeps_a_field_of_its_own() {
        let mut trie = Trie::default();
        let mut names = Interner::default();
        let many: Vec<String> = (0..=MAX_KEYED_IDS).map(|i| format!("\"{}\"", i)).collect();
        let q = format!("{{ t(ids: [{}]) {{ s }} }}", many.join(", "));
        trie.insert(&fields(&q), &mut names);
        trie.insert(&fields(r#"{ t(ids: ["1"]) { s } }"#), &mut names);
        let kinds: Vec<bool> = trie.nodes[0]
            .fields
            .iter()
            .map(|&f| trie.fields[f as usize].keyed.is_some())
            .collect();
        assert_eq!(kinds.len(), 2);
        assert!(kinds.contains(&true) && kinds.contains(&false));
    }
}
