/** @jsxRuntime automatic */
/** @jsxImportSource preact */
/// <reference lib="dom" />
/**
 * Status shown by shape and word as well as colour: each status has its
 * own glyph, and the word is always there (visible or for screen readers).
 *
 * @module
 */

const GLYPHS: Record<string, string> = {
  waiting: "○",
  preparing: "◌",
  submitted: "◔",
  running: "◑",
  succeeded: "●",
  failed: "✕",
  "submit-failed": "✕",
  expired: "⊘",
  held: "‖",
  stalled: "⚠",
  paused: "‖",
  stopped: "■",
  stopping: "◧",
};

/** The glyph of a status (`?` for one not known). */
export function statusGlyph(status: unknown): string {
  return GLYPHS[String(status)] ?? "?";
}

/** A status: glyph, then the word unless `compact` (then the word is for screen readers). */
export function StatusIcon(props: { status: unknown; compact?: boolean }) {
  const status = props.status === undefined || props.status === null
    ? "unknown"
    : String(props.status);
  return (
    <span class={`status status-${status.replace(/[^a-z-]/g, "")}`} title={status}>
      <span class="glyph" aria-hidden="true">{statusGlyph(status)}</span>
      <span class={props.compact ? "sr-only" : "word"}>{status}</span>
    </span>
  );
}
