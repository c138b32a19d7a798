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
import { useEffect, useRef, useState } from "preact/hooks";

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
  const { items, rowHeight } = props;
  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - OVERSCAN);
  const last = Math.min(items.length, Math.ceil((scrollTop + height) / rowHeight) + OVERSCAN);
  const rows: ComponentChildren[] = [];
  for (let i = first; i < last; i++) rows.push(props.renderRow(items[i], i));
  return (
    <div
      class="virtual"
      ref={ref}
      role={props.role}
      aria-label={props.label}
      aria-rowcount={items.length}
      tabIndex={0}
      onScroll={(e) => setScrollTop((e.currentTarget as HTMLDivElement).scrollTop)}
    >
      {items.length === 0
        ? <p class="empty">{props.empty}</p>
        : (
          <div class="virtual-space" style={{ height: `${items.length * rowHeight}px` }}>
            <div class="virtual-rows" style={{ transform: `translateY(${first * rowHeight}px)` }}>
              {rows}
            </div>
          </div>
        )}
    </div>
  );
}
