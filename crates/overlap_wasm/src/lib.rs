//! WebAssembly binding of the overlap engine: a plain `extern "C"` ABI.
//!
//! There is no wasm-bindgen on our machines, so the ABI is hand-made and
//! small. `wasm/mod.ts` is its only caller. Conventions:
//!
//! - Inputs: the caller asks for an input buffer with `ov_input(len)`,
//!   writes UTF-8 into it, and passes the length.
//! - Outputs: results land in one output buffer, read with `ov_out_ptr()` and
//!   `ov_out_len()`, valid until the next call.
//! - Errors: a call that fails returns 0 (handles) or a negative number and
//!   leaves the error kind (`ov_error_kind`, see `ErrorKind`) and message (in
//!   the output buffer).
//! - Handles: field sets and sieves live in slabs; a handle is its index
//!   plus one, so 0 is never a valid handle. Freed slots are reused, which is
//!   safe because the wrapper forgets a handle when it frees it.
//!
//! Nothing here panics on any input: the release profile aborts on panic,
//! and an abort would leave the module unusable.

use overlap::{
    intersect_plan, merge, parse_subscription, print_subscription, Error, FieldSet, Filtered, Plan,
    Scratch, Sieve,
};
#[cfg(target_arch = "wasm32")]
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::RefCell;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Counts live heap bytes so the wrapper can report the engine's memory.
#[cfg(target_arch = "wasm32")]
struct CountingAlloc;

static LIVE_BYTES: AtomicUsize = AtomicUsize::new(0);

#[cfg(target_arch = "wasm32")]
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = System.alloc(layout);
        if !p.is_null() {
            LIVE_BYTES.fetch_add(layout.size(), Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout);
        LIVE_BYTES.fetch_sub(layout.size(), Ordering::Relaxed);
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = System.realloc(ptr, layout, new_size);
        if !p.is_null() {
            LIVE_BYTES.fetch_sub(layout.size(), Ordering::Relaxed);
            LIVE_BYTES.fetch_add(new_size, Ordering::Relaxed);
        }
        p
    }
}

#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

#[derive(Default)]
struct State {
    input: Vec<u8>,
    vars: Vec<u8>,
    out: Vec<u8>,
    error_kind: u32,
    sets: Slab<SetEntry>,
    sieves: Slab<Sieve>,
    scratch: Scratch,
    filtered: Filtered,
}

/// Values under handles: a handle is a slot index plus one, so 0 is never
/// valid. Freed slots are reused, which is safe because the wrapper forgets
/// a handle when it frees it.
struct Slab<T> {
    slots: Vec<Option<Box<T>>>,
    free: Vec<usize>,
}

impl<T> Default for Slab<T> {
    fn default() -> Slab<T> {
        Slab {
            slots: Vec::new(),
            free: Vec::new(),
        }
    }
}

impl<T> Slab<T> {
    fn insert(&mut self, value: T) -> u32 {
        let slot = Some(Box::new(value));
        let i = match self.free.pop() {
            Some(i) => {
                self.slots[i] = slot;
                i
            }
            None => {
                self.slots.push(slot);
                self.slots.len() - 1
            }
        };
        (i + 1) as u32
    }

    fn get(&self, handle: u32) -> Option<&T> {
        let i = (handle as usize).checked_sub(1)?;
        self.slots.get(i)?.as_deref()
    }

    fn get_mut(&mut self, handle: u32) -> Option<&mut T> {
        let i = (handle as usize).checked_sub(1)?;
        self.slots.get_mut(i)?.as_deref_mut()
    }

    /// Frees `handle`; a handle that is not live is ignored.
    fn remove(&mut self, handle: u32) {
        if let Some(i) = (handle as usize).checked_sub(1) {
            if let Some(slot) = self.slots.get_mut(i) {
                if slot.take().is_some() {
                    self.free.push(i);
                }
            }
        }
    }

    fn values_mut(&mut self) -> impl Iterator<Item = &mut T> {
        self.slots.iter_mut().flatten().map(|b| &mut **b)
    }
}

/// A set, and its plan for single intersections, compiled on first use.
struct SetEntry {
    set: FieldSet,
    plan: Option<Plan>,
}

thread_local! {
    static STATE: RefCell<State> = RefCell::new(State::default());
}

fn with<R>(f: impl FnOnce(&mut State) -> R) -> R {
    STATE.with(|s| f(&mut s.borrow_mut()))
}

impl State {
    fn fail(&mut self, e: Error) {
        self.error_kind = e.kind as u32;
        self.out.clear();
        self.out.extend_from_slice(e.message.as_bytes());
    }

    fn set(&self, handle: u32) -> Option<&FieldSet> {
        self.sets.get(handle).map(|e| &e.set)
    }

    fn stale(&mut self, what: &str, handle: u32) {
        self.fail(Error::type_error(format!(
            "{} handle {} is not live (already disposed?)",
            what, handle
        )));
    }
}

fn ensure(buf: &mut Vec<u8>, len: usize) -> *mut u8 {
    buf.clear();
    buf.reserve(len);
    buf.as_mut_ptr()
}

/// Returns a buffer of at least `len` bytes for the next call's main input.
#[no_mangle]
pub extern "C" fn ov_input(len: usize) -> *mut u8 {
    with(|s| ensure(&mut s.input, len))
}

/// Returns a buffer of at least `len` bytes for the variables JSON.
#[no_mangle]
pub extern "C" fn ov_vars(len: usize) -> *mut u8 {
    with(|s| ensure(&mut s.vars, len))
}

/// The output buffer's address.
#[no_mangle]
pub extern "C" fn ov_out_ptr() -> *const u8 {
    with(|s| s.out.as_ptr())
}

/// The output buffer's length.
#[no_mangle]
pub extern "C" fn ov_out_len() -> usize {
    with(|s| s.out.len())
}

/// The kind of the last error (1 syntax, 2 type, 3 range, 4 merge conflict).
#[no_mangle]
pub extern "C" fn ov_error_kind() -> u32 {
    with(|s| s.error_kind)
}

/// Live heap bytes allocated by the engine.
#[no_mangle]
pub extern "C" fn ov_live_bytes() -> usize {
    LIVE_BYTES.load(Ordering::Relaxed)
}

/// Releases the input/output buffers' spare capacity (after a huge input).
#[no_mangle]
pub extern "C" fn ov_trim() {
    with(|s| {
        s.input = Vec::new();
        s.vars = Vec::new();
        s.out = Vec::new();
        s.scratch.trim();
        s.filtered = Filtered::default();
        for sieve in s.sieves.values_mut() {
            sieve.trim();
        }
    })
}

fn input_str(bytes: &[u8]) -> Result<&str, Error> {
    std::str::from_utf8(bytes).map_err(|e| {
        Error::syntax(format!(
            "invalid UTF-8 in the document at byte {}",
            e.valid_up_to()
        ))
    })
}

/// Parses the document in the input buffer (`len` bytes) with the variables
/// JSON in the vars buffer (`vars_len` bytes, 0 for none). Returns a set
/// handle, or 0 on error.
#[no_mangle]
pub extern "C" fn ov_parse(len: usize, vars_len: usize) -> u32 {
    with(|s| {
        // SAFETY: the caller wrote `len`/`vars_len` bytes into the buffers
        // returned by ov_input/ov_vars, whose capacity is at least that.
        unsafe {
            s.input.set_len(len.min(s.input.capacity()));
            s.vars.set_len(vars_len.min(s.vars.capacity()));
        }
        let result = input_str(&s.input).and_then(|src| {
            parse_subscription(src, if vars_len == 0 { None } else { Some(&s.vars) })
        });
        match result {
            Ok(set) => s.sets.insert(SetEntry { set, plan: None }),
            Err(e) => {
                s.fail(e);
                0
            }
        }
    })
}

/// Frees a set. Freeing a handle that is not live does nothing.
#[no_mangle]
pub extern "C" fn ov_set_free(handle: u32) {
    with(|s| s.sets.remove(handle))
}

/// Merges the `count` set handles (u32 LE) in the input buffer. Returns a new
/// set handle, or 0 on error.
#[no_mangle]
pub extern "C" fn ov_merge(count: usize) -> u32 {
    with(|s| {
        unsafe { s.input.set_len((count * 4).min(s.input.capacity())) };
        let handles: Vec<u32> = s
            .input
            .chunks_exact(4)
            .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect();
        let mut sets = Vec::with_capacity(handles.len());
        for &h in &handles {
            match s.set(h) {
                Some(set) => sets.push(set),
                None => {
                    s.stale("field set", h);
                    return 0;
                }
            }
        }
        match merge(&sets) {
            Ok(set) => s.sets.insert(SetEntry { set, plan: None }),
            Err(e) => {
                s.fail(e);
                0
            }
        }
    })
}

/// Intersects the delta JSON in the input buffer (`len` bytes) with set
/// `handle`. Returns 1 with the JSON in the output buffer, 0 for no overlap,
/// -1 on error.
#[no_mangle]
pub extern "C" fn ov_intersect(handle: u32, len: usize) -> i32 {
    with(|s| {
        unsafe { s.input.set_len(len.min(s.input.capacity())) };
        let st = &mut *s;
        let entry = match st.sets.get_mut(handle) {
            Some(entry) => entry,
            None => {
                s.stale("field set", handle);
                return -1;
            }
        };
        let set = &entry.set;
        let plan = entry.plan.get_or_insert_with(|| Plan::compile(set));
        st.out.clear();
        match intersect_plan(&st.input, plan, &mut st.scratch, &mut st.out) {
            Ok(true) => 1,
            Ok(false) => 0,
            Err(e) => {
                s.fail(e);
                -1
            }
        }
    })
}

/// Prints set `handle` into the output buffer. Returns 1, or -1 on error.
#[no_mangle]
pub extern "C" fn ov_print(handle: u32) -> i32 {
    with(|s| {
        let result = match s.set(handle) {
            Some(set) => print_subscription(set),
            None => {
                s.stale("field set", handle);
                return -1;
            }
        };
        match result {
            Ok(text) => {
                s.out.clear();
                s.out.extend_from_slice(text.as_bytes());
                1
            }
            Err(e) => {
                s.fail(e);
                -1
            }
        }
    })
}

/// Approximate heap bytes held by set `handle` (0 if not live).
#[no_mangle]
pub extern "C" fn ov_set_bytes(handle: u32) -> usize {
    with(|s| {
        s.sets.get(handle).map_or(0, |e| {
            std::mem::size_of::<SetEntry>()
                + e.set.heap_bytes()
                + e.plan.as_ref().map_or(0, Plan::heap_bytes)
        })
    })
}

/// Creates a sieve; returns its handle.
#[no_mangle]
pub extern "C" fn ov_sieve_new() -> u32 {
    with(|s| s.sieves.insert(Sieve::new()))
}

/// Frees a sieve. Freeing a handle that is not live does nothing.
#[no_mangle]
pub extern "C" fn ov_sieve_free(handle: u32) {
    with(|s| s.sieves.remove(handle))
}

/// Adds a copy of set `set` to sieve `sieve`. Returns the entry id (≥ 1), or
/// 0 on error.
#[no_mangle]
pub extern "C" fn ov_sieve_add(sieve: u32, set: u32) -> u32 {
    with(|s| {
        let st = &mut *s;
        let result = match (st.sets.get(set), st.sieves.get_mut(sieve)) {
            (None, _) => {
                s.stale("field set", set);
                return 0;
            }
            (Some(e), Some(sv)) => sv.add(&e.set),
            (Some(_), None) => {
                s.stale("sieve", sieve);
                return 0;
            }
        };
        match result {
            Ok(id) => id,
            Err(e) => {
                s.fail(e);
                0
            }
        }
    })
}

/// Removes entry `id` from sieve `sieve`. Returns 1 if it was there, 0 if
/// not, -1 if the sieve is not live.
#[no_mangle]
pub extern "C" fn ov_sieve_remove(sieve: u32, id: u32) -> i32 {
    with(|s| match s.sieves.get_mut(sieve) {
        Some(sv) => sv.remove(id) as i32,
        None => {
            s.stale("sieve", sieve);
            -1
        }
    })
}

/// Approximate heap bytes held by sieve `sieve` (0 if not live).
#[no_mangle]
pub extern "C" fn ov_sieve_bytes(sieve: u32) -> usize {
    with(|s| s.sieves.get(sieve).map_or(0, Sieve::heap_bytes))
}

/// Filters the delta JSON in the input buffer (`len` bytes) through sieve
/// `sieve`. Returns the number of overlaps, or -1 on error. The overlaps'
/// JSON is back to back at `ov_filtered_text_ptr` (`ov_filtered_text_len`
/// bytes); `ov_filtered_index_ptr` holds `[id, start, end]` u32 triples, one
/// per overlap; `ov_filtered_ascii` says the text is all ASCII.
#[no_mangle]
pub extern "C" fn ov_sieve_filter(sieve: u32, len: usize) -> i32 {
    with(|s| {
        unsafe { s.input.set_len(len.min(s.input.capacity())) };
        let st = &mut *s;
        let sv = match st.sieves.get_mut(sieve) {
            Some(sv) => sv,
            None => {
                s.stale("sieve", sieve);
                return -1;
            }
        };
        match sv.filter(&st.input, &mut st.filtered) {
            Ok(()) => st.filtered.len() as i32,
            Err(e) => {
                s.fail(e);
                -1
            }
        }
    })
}

/// Address of the last filter's text.
#[no_mangle]
pub extern "C" fn ov_filtered_text_ptr() -> *const u8 {
    with(|s| s.filtered.text.as_ptr())
}

/// Length of the last filter's text.
#[no_mangle]
pub extern "C" fn ov_filtered_text_len() -> usize {
    with(|s| s.filtered.text.len())
}

/// Address of the last filter's index (u32 triples).
#[no_mangle]
pub extern "C" fn ov_filtered_index_ptr() -> *const u32 {
    with(|s| s.filtered.index.as_ptr())
}

/// 1 when the last filter's text is all ASCII, else 0.
#[no_mangle]
pub extern "C" fn ov_filtered_ascii() -> u32 {
    with(|s| s.filtered.ascii as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn put(text: &str) -> usize {
        let ptr = ov_input(text.len());
        // SAFETY: ov_input returned a buffer of at least text.len() bytes.
        unsafe { std::ptr::copy_nonoverlapping(text.as_ptr(), ptr, text.len()) };
        text.len()
    }

    fn out() -> String {
        let (ptr, len) = (ov_out_ptr(), ov_out_len());
        // SAFETY: the output buffer holds len initialised bytes until the next call.
        String::from_utf8(unsafe { std::slice::from_raw_parts(ptr, len) }.to_vec()).unwrap()
    }

    fn parse(query: &str) -> u32 {
        let len = put(query);
        ov_parse(len, 0)
    }

    #[test]
    fn parse_intersect_print_free() {
        let set = parse("{ w { s } }");
        assert_ne!(set, 0);
        let len = put(r#"{"w":{"id":"a","s":1,"n":2}}"#);
        assert_eq!(ov_intersect(set, len), 1);
        assert_eq!(out(), r#"{"w":{"id":"a","s":1}}"#);
        let len = put(r#"{"x":1}"#);
        assert_eq!(ov_intersect(set, len), 0);
        assert_eq!(ov_print(set), 1);
        assert_eq!(out(), "subscription { w { s } }");
        ov_set_free(set);
        ov_set_free(set);
        assert_eq!(ov_print(set), -1);
        assert_eq!(ov_error_kind(), 2);
        assert!(out().contains("not live"));
    }

    #[test]
    fn errors_carry_kind_and_message() {
        assert_eq!(parse("{ a("), 0);
        assert_eq!(ov_error_kind(), 1);
        assert!(out().starts_with("line 1, column 5:"), "{}", out());
        let set = parse("{ a }");
        let len = put("[1]");
        assert_eq!(ov_intersect(set, len), -1);
        assert_eq!(ov_error_kind(), 2);
        assert_eq!(ov_intersect(0, 0), -1);
        assert_eq!(ov_intersect(999, 0), -1);
    }

    #[test]
    fn variables_go_through_their_own_buffer() {
        let vars = r#"{"w":["x"]}"#;
        let vptr = ov_vars(vars.len());
        unsafe { std::ptr::copy_nonoverlapping(vars.as_ptr(), vptr, vars.len()) };
        let len = put("query($w: [ID]) { a(ids: $w) { b } }");
        let set = ov_parse(len, vars.len());
        assert_ne!(set, 0);
        assert_eq!(ov_print(set), 1);
        assert_eq!(out(), r#"subscription { a(ids: ["x"]) { b } }"#);
    }

    #[test]
    fn merge_reads_handles_from_the_input_buffer() {
        let a = parse(r#"{ a(ids: ["1"]) { b } }"#);
        let b = parse(r#"{ a(ids: ["2"]) { c } }"#);
        let ptr = ov_input(8);
        unsafe {
            std::ptr::copy_nonoverlapping(a.to_le_bytes().as_ptr(), ptr, 4);
            std::ptr::copy_nonoverlapping(b.to_le_bytes().as_ptr(), ptr.add(4), 4);
        }
        let m = ov_merge(2);
        assert_ne!(m, 0);
        assert_eq!(ov_print(m), 1);
        assert_eq!(out(), r#"subscription { a(ids: ["1", "2"]) { b c } }"#);
        let c = parse("{ a(first: 1) { b } }");
        let ptr = ov_input(8);
        unsafe {
            std::ptr::copy_nonoverlapping(a.to_le_bytes().as_ptr(), ptr, 4);
            std::ptr::copy_nonoverlapping(c.to_le_bytes().as_ptr(), ptr.add(4), 4);
        }
        assert_eq!(ov_merge(2), 0);
        assert_eq!(ov_error_kind(), 4);
    }

    #[test]
    fn sieve_packs_records() {
        let sieve = ov_sieve_new();
        let a = parse("{ a }");
        let b = parse("{ b }");
        assert_eq!(ov_sieve_add(sieve, a), 1);
        assert_eq!(ov_sieve_add(sieve, b), 2);
        let len = put(r#"{"b":2}"#);
        assert_eq!(ov_sieve_filter(sieve, len), 1);
        let index = unsafe { std::slice::from_raw_parts(ov_filtered_index_ptr(), 3) }.to_vec();
        assert_eq!(index, vec![2, 0, 7]);
        let text =
            unsafe { std::slice::from_raw_parts(ov_filtered_text_ptr(), ov_filtered_text_len()) };
        assert_eq!(text, br#"{"b":2}"#);
        assert_eq!(ov_filtered_ascii(), 1);
        assert_eq!(ov_sieve_remove(sieve, 2), 1);
        assert_eq!(ov_sieve_remove(sieve, 2), 0);
        ov_sieve_free(sieve);
        assert_eq!(ov_sieve_filter(sieve, len), -1);
        assert_eq!(ov_sieve_add(sieve, a), 0);
    }
}
