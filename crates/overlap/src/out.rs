//! Appending to the output buffer without calling `memcpy` for small pieces.
//!
//! The walk writes many short pieces (keys, punctuation, short values). On
//! wasm32 every `extend_from_slice` is a call into the (software) `memcpy`
//! of the standard library, which cost more than the copy itself: measured,
//! these helpers cut the walk by about a quarter.

/// Appends one byte.
#[inline(always)]
pub fn put1(out: &mut Vec<u8>, b: u8) {
    if out.len() == out.capacity() {
        out.reserve(1);
    }
    // SAFETY: the capacity was checked (or grown) above.
    unsafe {
        let len = out.len();
        *out.as_mut_ptr().add(len) = b;
        out.set_len(len + 1);
    }
}

/// Appends `s`, copied with a few overlapping unaligned moves (see
/// [`copy_16_plus`]).
#[inline(always)]
pub fn put(out: &mut Vec<u8>, s: &[u8]) {
    if out.capacity() - out.len() < s.len() {
        out.reserve(s.len());
    }
    // SAFETY: the capacity was checked (or grown) above.
    unsafe { put_reserved(out, s) }
}

/// [`put`] without the capacity check, for a caller that reserved room for
/// a run of pieces at once.
///
/// # Safety
///
/// `out` must have at least `s.len()` bytes of spare capacity.
#[inline(always)]
pub unsafe fn put_reserved(out: &mut Vec<u8>, s: &[u8]) {
    let n = s.len();
    debug_assert!(out.capacity() - out.len() >= n);
    // SAFETY: `n` bytes of capacity are free at `len` (the caller's
    // promise); every read stays within `s` (each branch reads only offsets
    // below `n`), and every write within the `n` bytes after `len`.
    {
        let len = out.len();
        let dst = out.as_mut_ptr().add(len);
        let src = s.as_ptr();
        if n >= 16 {
            copy_16_plus(src, dst, n);
        } else if n >= 8 {
            let a = (src as *const u64).read_unaligned();
            let d = (src.add(n - 8) as *const u64).read_unaligned();
            (dst as *mut u64).write_unaligned(a);
            (dst.add(n - 8) as *mut u64).write_unaligned(d);
        } else if n >= 4 {
            let a = (src as *const u32).read_unaligned();
            let d = (src.add(n - 4) as *const u32).read_unaligned();
            (dst as *mut u32).write_unaligned(a);
            (dst.add(n - 4) as *mut u32).write_unaligned(d);
        } else {
            for i in 0..n {
                *dst.add(i) = *src.add(i);
            }
        }
        out.set_len(len + n);
    }
}

/// 16 bytes, moved as one value: a `v128` where wasm SIMD is enabled (the
/// build enables it), two words elsewhere.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
type Chunk = core::arch::wasm32::v128;
#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
type Chunk = [u64; 2];

/// Copies `n >= 16` bytes in 16-byte chunks, the last one overlapping the
/// one before. Up to 1 KiB this beats `copy_nonoverlapping`, which on
/// wasm32 is a `memory.copy`: a call out of the module whose fixed cost
/// exceeds the copy at the sizes the walks copy (keys, values, objects of a
/// few hundred bytes).
///
/// # Safety
///
/// `src..src + n` must be readable, `dst..dst + n` writable, and the two
/// must not overlap.
#[inline(always)]
unsafe fn copy_16_plus(src: *const u8, dst: *mut u8, n: usize) {
    if n > 1024 {
        std::ptr::copy_nonoverlapping(src, dst, n);
        return;
    }
    let mut i = 0;
    while i + 16 < n {
        let a = (src.add(i) as *const Chunk).read_unaligned();
        (dst.add(i) as *mut Chunk).write_unaligned(a);
        i += 16;
    }
    let t = n - 16;
    let a = (src.add(t) as *const Chunk).read_unaligned();
    (dst.add(t) as *mut Chunk).write_unaligned(a);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn put_copies_every_length_exactly() {
        let source: Vec<u8> = (0..100u8).collect();
        for n in 0..=100 {
            for prefix in 0..3 {
                let mut out: Vec<u8> = Vec::new();
                out.extend(std::iter::repeat(9).take(prefix));
                out.shrink_to_fit();
                put(&mut out, &source[..n]);
                assert_eq!(out.len(), prefix + n);
                assert_eq!(&out[prefix..], &source[..n], "length {}", n);
            }
        }
    }

    #[test]
    fn put1_appends_past_capacity() {
        let mut out = Vec::new();
        for b in b"abc" {
            put1(&mut out, *b);
        }
        assert_eq!(out, b"abc");
    }
}
