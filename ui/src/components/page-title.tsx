import type { ComponentChildren } from 'preact';
import { useLayoutEffect, useRef } from 'preact/hooks';

/** Set after the first page: a fresh load keeps the natural focus order (the skip link first). */
let navigated = false;

/**
 * The page's h1. After moving to another page it takes focus (when focus was on the page's
 * body or on a link that left), so that keyboard and screen reader users land on the new page.
 */
export function PageTitle({ children, title }: { children: ComponentChildren; title: string }) {
  const ref = useRef<HTMLHeadingElement>(null);
  // Layout effect: focus moves in the same frame as the new page appears.
  useLayoutEffect(() => {
    document.title = `${title} · Strata memory inspector`;
    const active = document.activeElement;
    const lost =
      active === null || active === document.body || !active.isConnected || active.closest('nav, tbody, .crumbs, .actions') !== null;
    if (navigated && lost) ref.current?.focus({ preventScroll: true });
    navigated = true;
  }, [title]);
  return (
    <h1 ref={ref} tabIndex={-1}>
      {children}
    </h1>
  );
}
