//! Field sets: what a subscription selects, as a tree of fields.

use crate::value::Value;

/// Which objects a field's `ids`/`exids` arguments let through.
///
/// Kept normalised: `ids` and `exids` are sorted and de-duplicated, and never
/// both present (`ids` minus `exids` is folded into `ids`), so equal filters
/// compare equal and print the same.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct IdFilter {
    /// Only objects whose `id` is one of these (`None`: any id).
    pub ids: Option<Vec<String>>,
    /// Objects whose `id` is one of these are dropped (`None`: none dropped).
    pub exids: Option<Vec<String>>,
}

impl IdFilter {
    /// Builds a normalised filter from the raw argument lists.
    pub fn new(ids: Option<Vec<String>>, exids: Option<Vec<String>>) -> IdFilter {
        let ids = ids.map(sorted);
        let exids = exids.map(sorted).filter(|e| !e.is_empty());
        match (ids, exids) {
            (Some(i), Some(e)) => IdFilter {
                ids: Some(
                    i.into_iter()
                        .filter(|x| e.binary_search(x).is_err())
                        .collect(),
                ),
                exids: None,
            },
            (ids, exids) => IdFilter { ids, exids },
        }
    }

    /// True when the filter lets every object through.
    pub fn is_open(&self) -> bool {
        self.ids.is_none() && self.exids.is_none()
    }

    /// The union of two filters: an object passes if it passes either.
    pub fn union(&self, other: &IdFilter) -> IdFilter {
        match (&self.ids, &other.ids) {
            (Some(a), Some(b)) => {
                let mut all = a.clone();
                all.extend(b.iter().cloned());
                IdFilter::new(Some(all), None)
            }
            (Some(listed), None) => all_but(other.exids.as_ref(), listed),
            (None, Some(listed)) => all_but(self.exids.as_ref(), listed),
            (None, None) => match (&self.exids, &other.exids) {
                (Some(a), Some(b)) => IdFilter::new(
                    None,
                    Some(
                        a.iter()
                            .filter(|x| b.binary_search(x).is_ok())
                            .cloned()
                            .collect(),
                    ),
                ),
                _ => IdFilter::default(),
            },
        }
    }
}

/// "Every id but `excluded`" united with "exactly `listed`".
fn all_but(excluded: Option<&Vec<String>>, listed: &[String]) -> IdFilter {
    match excluded {
        None => IdFilter::default(),
        Some(ex) => IdFilter::new(
            None,
            Some(
                ex.iter()
                    .filter(|x| listed.binary_search(x).is_err())
                    .cloned()
                    .collect(),
            ),
        ),
    }
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v.dedup();
    v
}

/// One selected field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    /// The response key: the alias, or the name.
    pub key: String,
    /// The field name, as it appears in deltas.
    pub name: String,
    /// Arguments other than `ids`/`exids`, sorted by name.
    pub args: Vec<(String, Value)>,
    /// The `ids`/`exids` arguments.
    pub filter: IdFilter,
    /// The sub-selection; `None` for a leaf.
    pub children: Option<Vec<Field>>,
}

/// A set of selected fields: one level, sorted by response key (unique).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FieldSet {
    /// The top-level fields, sorted by response key.
    pub fields: Vec<Field>,
}

impl FieldSet {
    /// Approximate heap bytes held by this set, for memory reporting.
    pub fn heap_bytes(&self) -> usize {
        level_bytes(&self.fields)
    }
}

fn level_bytes(fields: &Vec<Field>) -> usize {
    let mut total = fields.capacity() * std::mem::size_of::<Field>();
    for f in fields {
        total += f.key.capacity() + f.name.capacity();
        total += f.args.capacity() * std::mem::size_of::<(String, Value)>();
        for list in [&f.filter.ids, &f.filter.exids].iter().copied().flatten() {
            total += list.capacity() * std::mem::size_of::<String>();
            total += list.iter().map(String::capacity).sum::<usize>();
        }
        if let Some(children) = &f.children {
            total += level_bytes(children);
        }
    }
    total
}

/// True when every field of a level is named `id`: an "existence" level,
/// where an object is emitted iff it is present.
#[inline]
pub fn is_existence_level(fields: &[Field]) -> bool {
    fields.iter().all(|f| f.name == "id")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(xs: &[&str]) -> Option<Vec<String>> {
        Some(xs.iter().map(|s| s.to_string()).collect())
    }

    #[test]
    fn normalises_ids_and_exids() {
        let f = IdFilter::new(list(&["b", "a", "b", "c"]), list(&["c"]));
        assert_eq!(
            f,
            IdFilter {
                ids: list(&["a", "b"]),
                exids: None
            }
        );
        assert_eq!(IdFilter::new(None, list(&[])), IdFilter::default());
        assert_eq!(IdFilter::new(list(&[]), None).ids, list(&[]));
    }

    #[test]
    fn union_of_filters() {
        let ab = IdFilter::new(list(&["a", "b"]), None);
        let bc = IdFilter::new(list(&["b", "c"]), None);
        assert_eq!(ab.union(&bc).ids, list(&["a", "b", "c"]));
        assert!(ab.union(&IdFilter::default()).is_open());
        let not_ab = IdFilter::new(None, list(&["a", "b"]));
        let not_bc = IdFilter::new(None, list(&["b", "c"]));
        assert_eq!(not_ab.union(&not_bc).exids, list(&["b"]));
        assert_eq!(
            not_ab.union(&IdFilter::new(list(&["a"]), None)).exids,
            list(&["b"])
        );
        assert!(not_ab.union(&ab).is_open());
    }
}
