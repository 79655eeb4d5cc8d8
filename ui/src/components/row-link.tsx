import type { ComponentChildren } from 'preact';
import { navigate } from '../router.js';

/**
 * A table row that opens `to`. The keyboard path is the link in its first cell (Tab to it,
 * Enter opens); a click anywhere on the row does the same for a pointer.
 */
export function RowLink({ to, label, children }: { to: string; label: ComponentChildren; children?: ComponentChildren }) {
  return (
    <tr
      class="row-link"
      onClick={(event) => {
        if (!(event.target as HTMLElement).closest('a, button, input, select, textarea')) navigate(to);
      }}
    >
      <th scope="row">
        <a href={to}>{label}</a>
      </th>
      {children}
    </tr>
  );
}
