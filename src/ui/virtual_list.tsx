/** @jsxRuntime automatic */
/** @jsxImportSource preact */
/// <reference lib="dom" />
/**
 * A list that renders only the rows in view (plus a few), so a workflow of
 * thousands of tasks costs a screenful of DOM. Rows have one fixed height.
 *
 * @module
 */
import type { ComponentChildren } from "preact";
import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";

/** Rows drawn above and below the visible ones. */
const OVERSCAN = 8;

/** Props of {@linkcode VirtualList}. */
export interface VirtualListProps<T> {
  readonly items: readonly T[];
  readonly rowHeight: number;
  readonly renderRow: (item: T, index: number) => ComponentChildren;
  /** Accessible name of the list. */
  readonly label: string;
  /** ARIA role of the scrolling element (`grid` for the table, `tree` for the tree). */
  readonly role?: "table" | "tree" | "list";
  /** Shown when there are no items. */
  readonly empty: ComponentChildren;
  /** Whether the scrolling element is a tab stop (default true; a tree's rows are instead). */
  readonly focusable?: boolean;
  /**
   * A row to keep in view (scrolled to when it is not), and whether to move
   * the keyboard focus onto it once it is drawn (`take`, after a key press).
   * Each new object is a new request.
   */
  readonly reveal?: { readonly index: number; readonly take: boolean };
}

/** The virtualized list. */
export function VirtualList<T>(props: VirtualListProps<T>) {
  const ref = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(400);
  useEffect(() => {
    const element = ref.current;
    if (!element) return;
    const measure = () => setHeight(element.clientHeight || 400);
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(element);
    return () => observer.disconnect();
  }, []);
  const { items, rowHeight, reveal } = props;
  const rowsRef = useRef<HTMLDivElement>(null);
  const pending = useRef<{ index: number; take: boolean } | undefined>(undefined);
  const seen = useRef(reveal);
  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - OVERSCAN);
  const last = Math.min(items.length, Math.ceil((scrollTop + height) / rowHeight) + OVERSCAN);
  const rows: ComponentChildren[] = [];
  for (let i = first; i < last; i++) rows.push(props.renderRow(items[i], i));
  // A new reveal: scroll only as far as needed to show the row whole; once
  // it is drawn (now, or after that scroll's render), focus it if asked.
  useLayoutEffect(() => {
    const element = ref.current;
    if (reveal !== undefined && reveal !== seen.current && element) {
      seen.current = reveal;
      pending.current = reveal;
      const top = reveal.index * rowHeight;
      const view = element.clientHeight || height;
      let next = element.scrollTop;
      if (top < next) next = top;
      else if (top + rowHeight > next + view) next = top + rowHeight - view;
      if (next !== element.scrollTop) {
        element.scrollTop = next;
        setScrollTop(next);
        return; // drawn on the next render
      }
    }
    const want = pending.current;
    if (want === undefined || want.index < first || want.index >= last) return;
    pending.current = undefined;
    if (!want.take) return;
    const row = rowsRef.current?.children[want.index - first] as HTMLElement | undefined;
    row?.focus({ preventScroll: true });
  });
  return (
    <div
      class="virtual"
      ref={ref}
      role={props.role}
      aria-label={props.label}
      aria-rowcount={props.role === "table" ? items.length : undefined}
      tabIndex={props.focusable === false ? undefined : 0}
      onScroll={(e) => setScrollTop((e.currentTarget as HTMLDivElement).scrollTop)}
    >
      {items.length === 0
        ? <p class="empty">{props.empty}</p>
        : (
          <div class="virtual-space" style={{ height: `${items.length * rowHeight}px` }}>
            <div
              class="virtual-rows"
              ref={rowsRef}
              style={{ transform: `translateY(${first * rowHeight}px)` }}
            >
              {rows}
            </div>
          </div>
        )}
    </div>
  );
}
