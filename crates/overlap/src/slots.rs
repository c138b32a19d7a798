//! Vectors whose freed entries are reused, addressed by `u32` indexes that
//! stay valid until freed (levels, filters, trie fields and nodes, slots).

/// Puts `item` in a free entry of `items` (from `free`), or at the end;
/// returns its index.
pub fn place<T>(items: &mut Vec<T>, free: &mut Vec<u32>, item: T) -> u32 {
    match free.pop() {
        Some(at) => {
            items[at as usize] = item;
            at
        }
        None => {
            items.push(item);
            (items.len() - 1) as u32
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn freed_entries_are_reused_before_the_vector_grows() {
        let (mut items, mut free) = (Vec::new(), Vec::new());
        assert_eq!(place(&mut items, &mut free, "a"), 0);
        assert_eq!(place(&mut items, &mut free, "b"), 1);
        free.push(0);
        assert_eq!(place(&mut items, &mut free, "c"), 0);
        assert_eq!(items, vec!["c", "b"]);
        assert_eq!(place(&mut items, &mut free, "d"), 2);
    }
}
