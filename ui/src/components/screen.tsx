// Every screen's frame: the page title, one h1 that takes the focus when the screen opens
// (so keyboard and screen-reader users start at the new content), and breadcrumbs.
import type { ComponentChildren } from "preact";
import { useEffect, useRef } from "preact/hooks";

export type Crumb = { href: string; label: string };

export function Screen({
  title,
  crumbs = [],
  actions,
  children,
}: {
  title: string;
  crumbs?: Crumb[];
  actions?: ComponentChildren;
  children: ComponentChildren;
}) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${title} · TenantPilot`;
  }, [title]);
  useEffect(() => {
    heading.current?.focus({ preventScroll: true });
  }, []);
  return (
    <>
      {crumbs.length ? (
        <nav aria-label="Breadcrumbs" class="crumbs">
          <ol>
            {crumbs.map((crumb) => (
              <li key={crumb.href}>
                <a href={crumb.href}>{crumb.label}</a>
              </li>
            ))}
          </ol>
        </nav>
      ) : null}
      <div class="title-row">
        <h1 ref={heading} tabIndex={-1}>
          {title}
        </h1>
        {actions ? <div class="actions">{actions}</div> : null}
      </div>
      {children}
    </>
  );
}

/** Loading and error states of a screen's main data, in one place. */
export function Loading({ what }: { what: string }) {
  return (
    <p class="muted" aria-live="polite">
      Loading {what}…
    </p>
  );
}
