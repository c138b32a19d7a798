//! Compiled field sets ("plans") for the intersection hot path.
//!
//! Comparing delta keys with field names byte by byte dominated the walk.
//! A plan replaces every name with a small integer symbol from an
//! [`Interner`], pre-renders each output key (`"key":`), and keeps a 64-bit
//! mask per level so that a delta key no field selects is skipped with one
//! AND. Delta keys are resolved to symbols lazily, once per key per delta,
//! however many plans walk the delta.

use crate::field_set::{is_existence_level, Field, FieldSet, IdFilter};
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// The symbol of `id`, the identity key, in every interner.
pub const ID: u32 = 0;
/// The symbol of a delta key that no plan selects.
pub const UNKNOWN: u32 = u32::MAX;
/// A tape slot whose key has not been resolved yet.
pub const UNRESOLVED: u32 = u32::MAX - 1;

/// FxHash (as in rustc): a fast, non-cryptographic hash for short keys.
/// Field names come from subscriptions that passed parsing, so a
/// hash-flooding attack would need a client to register many colliding field
/// names; the per-connection subscription limits of the server bound that.
#[derive(Default, Clone, Copy)]
pub struct FxHasher {
    hash: u64,
}

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        const K: u64 = 0x51_7c_c1_b7_27_22_0a_95;
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.hash = (self.hash.rotate_left(5) ^ u64::from_le_bytes(word)).wrapping_mul(K);
        }
    }
    #[inline]
    fn finish(&self) -> u64 {
        self.hash
    }
}

/// Maps field names to dense symbols; `id` is always [`ID`].
#[derive(Clone)]
pub struct Interner {
    map: HashMap<Box<[u8]>, u32, BuildHasherDefault<FxHasher>>,
}

impl Default for Interner {
    fn default() -> Interner {
        let mut map: HashMap<Box<[u8]>, u32, BuildHasherDefault<FxHasher>> = HashMap::default();
        map.insert(Box::from(&b"id"[..]), ID);
        Interner { map }
    }
}

impl Interner {
    /// The symbol for `name`, adding it if new.
    pub fn intern(&mut self, name: &[u8]) -> u32 {
        if let Some(&s) = self.map.get(name) {
            return s;
        }
        let s = self.map.len() as u32;
        self.map.insert(Box::from(name), s);
        s
    }

    /// The symbol for `name`, or [`UNKNOWN`].
    #[inline]
    pub fn get(&self, name: &[u8]) -> u32 {
        self.map.get(name).copied().unwrap_or(UNKNOWN)
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

/// One compiled field.
#[derive(Debug, Clone)]
pub struct PlanField {
    /// The field name's symbol.
    pub sym: u32,
    /// The rendered output key: `"key":`.
    pub prefix: Box<[u8]>,
    /// The `ids`/`exids` filter.
    pub filter: IdFilter,
    /// The compiled sub-selection; `None` for a leaf.
    pub children: Option<PlanLevel>,
}

/// One compiled level of a selection.
#[derive(Debug, Clone)]
pub struct PlanLevel {
    /// The fields, in response-key order.
    pub fields: Box<[PlanField]>,
    /// Every field is named `id` (see rule B).
    pub existence: bool,
    /// Bit `sym % 64` is set for every field's symbol.
    pub mask: u64,
    /// Some field is named `id` under another response key.
    pub id_aliases: bool,
}

/// The bit of `sym` in a level mask.
#[inline]
pub fn bit(sym: u32) -> u64 {
    1u64 << (sym % 64)
}

/// A compiled field set.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The top level.
    pub root: PlanLevel,
}

impl Plan {
    /// Compiles `set`, interning its names in `interner`.
    pub fn compile(set: &FieldSet, interner: &mut Interner) -> Plan {
        Plan { root: compile_level(&set.fields, interner) }
    }

    /// Approximate heap bytes held by the plan.
    pub fn heap_bytes(&self) -> usize {
        level_bytes(&self.root)
    }
}

fn compile_level(fields: &[Field], interner: &mut Interner) -> PlanLevel {
    let mut mask = 0;
    let mut id_aliases = false;
    let compiled: Vec<PlanField> = fields
        .iter()
        .map(|f| {
            let sym = interner.intern(f.name.as_bytes());
            mask |= bit(sym);
            id_aliases |= sym == ID && f.key != "id";
            let mut prefix = Vec::with_capacity(f.key.len() + 3);
            prefix.push(b'"');
            prefix.extend_from_slice(f.key.as_bytes());
            prefix.extend_from_slice(b"\":");
            PlanField {
                sym,
                prefix: prefix.into_boxed_slice(),
                filter: f.filter.clone(),
                children: f.children.as_ref().map(|c| compile_level(c, interner)),
            }
        })
        .collect();
    PlanLevel {
        fields: compiled.into_boxed_slice(),
        existence: is_existence_level(fields),
        mask,
        id_aliases,
    }
}

fn level_bytes(level: &PlanLevel) -> usize {
    let mut total = level.fields.len() * std::mem::size_of::<PlanField>();
    for f in level.fields.iter() {
        total += f.prefix.len();
        for list in [&f.filter.ids, &f.filter.exids].iter().copied().flatten() {
            total += list.capacity() * std::mem::size_of::<String>();
            total += list.iter().map(String::capacity).sum::<usize>();
        }
        if let Some(c) = &f.children {
            total += level_bytes(c);
        }
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graphql::resolve::parse_subscription;

    #[test]
    fn interner_reserves_id_and_is_dense() {
        let mut i = Interner::default();
        assert_eq!(i.get(b"id"), ID);
        assert_eq!(i.intern(b"id"), ID);
        assert_eq!(i.get(b"status"), UNKNOWN);
        let s = i.intern(b"status");
        assert_eq!(s, 1);
        assert_eq!(i.intern(b"status"), 1);
        assert_eq!(i.intern(b"name"), 2);
        assert_eq!(i.len(), 3);
    }

    #[test]
    fn compiles_prefixes_masks_and_existence() {
        let set = parse_subscription("{ w { s: status p { id } ident: id } }", None).unwrap();
        let mut i = Interner::default();
        let plan = Plan::compile(&set, &mut i);
        let w = plan.root.fields[0].children.as_ref().unwrap();
        assert!(!w.existence);
        assert!(w.id_aliases);
        let keys: Vec<&[u8]> = w.fields.iter().map(|f| &*f.prefix).collect();
        assert_eq!(keys, vec![&b"\"ident\":"[..], b"\"p\":", b"\"s\":"]);
        let p = w.fields[1].children.as_ref().unwrap();
        assert!(p.existence && !p.id_aliases);
        assert_eq!(w.mask & bit(i.get(b"status")), bit(i.get(b"status")));
        assert!(plan.heap_bytes() > 0);
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
