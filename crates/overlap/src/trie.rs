//! The union of a sieve's field sets: a trie of fields, each listing the
//! sets (by slot) that select it.
//!
//! A [`crate::Sieve`] walks a delta once against this trie instead of once
//! per set (see `fan_out.rs`): looking a field up in an object, checking a
//! filter, finding the elements an `ids` list names, all happen once per
//! trie field and delta object, whatever the number of sets that share it;
//! what stays per set is appending the bytes it selects to its own output.
//!
//! Two sets share a trie field when they select, at the same path, a field
//! with the same response key, name, kind (leaf or selection) and filter.
//! Every set of a trie field reached the field's node through the same
//! parent field (same path, same filters), so the sets that reach an object
//! through a field are exactly that field's sets: no set intersection is
//! ever needed during a walk.

use crate::field_set::{is_existence_level, Field, IdFilter};
use crate::plan::{bit, FxHashMap, Interner, SymFilter};

/// No node (a leaf's child), or no slot.
pub const NONE: u32 = u32::MAX;

/// How a trie field's sets use the member it names.
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

/// One field of the union, shared by every set that selects it at its path.
#[derive(Debug)]
pub struct TrieField {
    /// The field name's symbol.
    pub sym: u32,
    /// What the sets do with the member.
    pub kind: FieldKind,
    /// The response key is the field name: a compact delta's own
    /// `"name":value` bytes are the output.
    pub plain: bool,
    /// `"key":`.
    pub prefix: Box<[u8]>,
    /// The `ids`/`exids` filter (open when the field has none).
    pub filter: SymFilter,
    /// The sub-selection's node, or [`NONE`] for a leaf.
    pub child: u32,
    /// The slots of the sets selecting this field, sorted.
    pub sets: Vec<u32>,
    node: u32,
    order: Box<[u8]>,
    key: Box<[u8]>,
}

/// One level of the union.
#[derive(Debug, Default)]
pub struct TrieNode {
    /// Indexes into [`Trie::fields`], in output order: below the root,
    /// aliases of `id` first, then the others by response key (each set's
    /// own fields are in that order, as the rules write them).
    pub fields: Vec<u32>,
    /// Slots of the sets whose level here is an existence level (rule B:
    /// emitted whenever present), sorted.
    pub existence: Vec<u32>,
    /// Bit `sym % 64` of every field other than an `id` alias: an object
    /// with none of them emits for no set (existence levels aside).
    pub mask: u64,
}

/// The union of the sets of a sieve.
#[derive(Debug)]
pub struct Trie {
    /// The nodes; node 0 is the root.
    pub nodes: Vec<TrieNode>,
    /// The fields, indexed from [`TrieNode::fields`].
    pub fields: Vec<TrieField>,
    free_nodes: Vec<u32>,
    free_fields: Vec<u32>,
    by_key: FxHashMap<Box<[u8]>, u32>,
}

impl Default for Trie {
    fn default() -> Trie {
        Trie {
            nodes: vec![TrieNode::default()],
            fields: Vec::new(),
            free_nodes: Vec::new(),
            free_fields: Vec::new(),
            by_key: FxHashMap::default(),
        }
    }
}

impl Trie {
    /// Adds the set in slot `slot` with top-level `fields`; returns the
    /// trie fields it joined, parents before children, for
    /// [`Trie::remove`].
    pub fn insert(&mut self, slot: u32, fields: &[Field], interner: &mut Interner) -> Vec<u32> {
        let mut joined = Vec::new();
        self.insert_level(0, slot, fields, true, interner, &mut joined);
        joined
    }

    fn insert_level(
        &mut self,
        node: u32,
        slot: u32,
        fields: &[Field],
        root: bool,
        interner: &mut Interner,
        joined: &mut Vec<u32>,
    ) {
        if !root && is_existence_level(fields) {
            insert_sorted(&mut self.nodes[node as usize].existence, slot);
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
            insert_sorted(&mut self.fields[at as usize].sets, slot);
            joined.push(at);
            if let Some(children) = &f.children {
                let child = self.fields[at as usize].child;
                self.insert_level(child, slot, children, false, interner, joined);
            }
        }
    }

    /// The trie field of `node` for `f` used as `kind`, created if new.
    fn field(&mut self, node: u32, kind: FieldKind, f: &Field, interner: &mut Interner) -> u32 {
        let sym = interner.intern(f.name.as_bytes());
        let key = field_key(node, kind, sym, f);
        if let Some(&at) = self.by_key.get(&key) {
            return at;
        }
        let child = if kind == FieldKind::Child {
            self.new_node()
        } else {
            NONE
        };
        let mut prefix = Vec::with_capacity(f.key.len() + 3);
        prefix.push(b'"');
        prefix.extend_from_slice(f.key.as_bytes());
        prefix.extend_from_slice(b"\":");
        // Output order: `id` aliases right after the identity, then the
        // other fields by response key (ties, between sets, broken by the
        // rest of the key; no set has two fields with one response key).
        let mut order = Vec::with_capacity(key.len() + 1);
        order.push((kind != FieldKind::IdAlias) as u8);
        order.extend_from_slice(f.key.as_bytes());
        order.push(0);
        order.extend_from_slice(&key);
        let field = TrieField {
            sym,
            kind,
            plain: f.key == f.name,
            prefix: prefix.into_boxed_slice(),
            filter: filter_syms(&f.filter, interner),
            child,
            sets: Vec::new(),
            node,
            order: order.into_boxed_slice(),
            key: key.clone(),
        };
        let at = match self.free_fields.pop() {
            Some(at) => {
                self.fields[at as usize] = field;
                at
            }
            None => {
                self.fields.push(field);
                (self.fields.len() - 1) as u32
            }
        };
        self.by_key.insert(key, at);
        let fields = &self.fields;
        let list = &mut self.nodes[node as usize].fields;
        let order = &fields[at as usize].order;
        let pos = list.partition_point(|&other| fields[other as usize].order < *order);
        list.insert(pos, at);
        self.update_mask(node);
        at
    }

    fn new_node(&mut self) -> u32 {
        match self.free_nodes.pop() {
            Some(at) => {
                self.nodes[at as usize] = TrieNode::default();
                at
            }
            None => {
                self.nodes.push(TrieNode::default());
                (self.nodes.len() - 1) as u32
            }
        }
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

    /// Removes the set in slot `slot`, which joined the trie fields
    /// `joined` (as [`Trie::insert`] returned them). Fields and nodes no set
    /// uses any more are freed.
    pub fn remove(&mut self, slot: u32, joined: &[u32]) {
        // Children first: a field is freed only once its node is empty.
        for &at in joined.iter().rev() {
            let field = &mut self.fields[at as usize];
            if let Ok(i) = field.sets.binary_search(&slot) {
                field.sets.remove(i);
            }
            if field.child != NONE {
                let existence = &mut self.nodes[field.child as usize].existence;
                if let Ok(i) = existence.binary_search(&slot) {
                    existence.remove(i);
                }
            }
            let field = &self.fields[at as usize];
            if field.sets.is_empty() {
                let (node, child) = (field.node, field.child);
                let key = std::mem::take(&mut self.fields[at as usize].key);
                self.by_key.remove(&key);
                self.fields[at as usize].prefix = Box::new([]);
                self.fields[at as usize].order = Box::new([]);
                self.fields[at as usize].filter = SymFilter::default();
                self.nodes[node as usize].fields.retain(|&f| f != at);
                self.update_mask(node);
                self.free_fields.push(at);
                if child != NONE {
                    self.nodes[child as usize] = TrieNode::default();
                    self.free_nodes.push(child);
                }
            }
        }
    }

    /// True when no set is in the trie.
    pub fn is_empty(&self) -> bool {
        self.by_key.is_empty()
    }

    /// Approximate heap bytes held by the trie.
    pub fn heap_bytes(&self) -> usize {
        let mut total = self.nodes.capacity() * std::mem::size_of::<TrieNode>()
            + self.fields.capacity() * std::mem::size_of::<TrieField>();
        for n in &self.nodes {
            total += n.fields.capacity() * 4 + n.existence.capacity() * 4;
        }
        for f in &self.fields {
            total += f.prefix.len() + f.order.len() + 2 * f.key.len() + f.sets.capacity() * 4;
            total += f.filter.ids.as_ref().map_or(0, |l| l.len() * 4);
            total += f.filter.exids.as_ref().map_or(0, |l| l.len() * 4);
        }
        total + self.by_key.capacity() * (std::mem::size_of::<(Box<[u8]>, u32)>() + 1)
    }
}

/// The identity of a trie field: its node, kind, name, response key and
/// filter. Sets agreeing on all of them share the field.
fn field_key(node: u32, kind: FieldKind, sym: u32, f: &Field) -> Box<[u8]> {
    let mut key = Vec::with_capacity(f.key.len() + 16);
    key.extend_from_slice(&node.to_le_bytes());
    key.push(kind as u8);
    key.extend_from_slice(&sym.to_le_bytes());
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
    key.into_boxed_slice()
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graphql::resolve::parse_subscription;

    fn fields(q: &str) -> Vec<Field> {
        parse_subscription(q, None).unwrap().fields
    }

    #[test]
    fn sets_share_fields_with_the_same_path_key_name_kind_and_filter() {
        let mut trie = Trie::default();
        let mut names = Interner::default();
        let a = trie.insert(0, &fields("{ w { s t } }"), &mut names);
        let b = trie.insert(1, &fields("{ w { s u: t } }"), &mut names);
        let c = trie.insert(2, &fields(r#"{ w(ids: ["x"]) { s } }"#), &mut names);
        // w, w.s, w.t, w.u, w(ids).s and w(ids) itself.
        assert_eq!(trie.by_key.len(), 6);
        assert_eq!(a[0], b[0]);
        assert_ne!(a[0], c[0]);
        assert_eq!(trie.fields[a[0] as usize].sets, vec![0, 1]);
        let w = trie.fields[a[0] as usize].child as usize;
        let order: Vec<&[u8]> = trie.nodes[w]
            .fields
            .iter()
            .map(|&f| &*trie.fields[f as usize].prefix)
            .collect();
        assert_eq!(order, vec![&b"\"s\":"[..], b"\"t\":", b"\"u\":"]);
        trie.remove(1, &b);
        assert_eq!(trie.by_key.len(), 5);
        trie.remove(0, &a);
        trie.remove(2, &c);
        assert!(trie.is_empty());
        assert!(trie.nodes[0].fields.is_empty());
        // Freed fields and nodes are reused.
        let n = (trie.fields.len(), trie.nodes.len());
        trie.insert(3, &fields("{ w { s } }"), &mut names);
        assert_eq!((trie.fields.len(), trie.nodes.len()), n);
    }

    #[test]
    fn ids_below_the_root_follow_rule_a() {
        let mut trie = Trie::default();
        let mut names = Interner::default();
        trie.insert(0, &fields("{ id w { id } v { id s i: id } }"), &mut names);
        let root = &trie.nodes[0];
        // At the root `id` is a field like any other.
        assert_eq!(root.fields.len(), 3);
        let child = |key: &[u8]| {
            let f = root.fields.iter().map(|&f| &trie.fields[f as usize]);
            let f = f.clone().find(|f| &*f.prefix == key).unwrap();
            &trie.nodes[f.child as usize]
        };
        // `w { id }`: an existence level, with no field of its own.
        assert_eq!(child(b"\"w\":").existence, vec![0]);
        assert!(child(b"\"w\":").fields.is_empty());
        // `v { id s i: id }`: the alias first, then `s`; the plain id is
        // rule A's.
        let v = child(b"\"v\":");
        let kinds: Vec<FieldKind> = v.fields.iter().map(|&f| trie.fields[f as usize].kind).collect();
        assert_eq!(kinds, vec![FieldKind::IdAlias, FieldKind::Leaf]);
        assert!(v.existence.is_empty());
        assert_eq!(v.mask, bit(names.get(b"s")));
    }
}
