// The header on every screen: navigation by permission, the unread notifications count,
// who is signed in and sign out.
import { useCallback, useEffect, useState } from "preact/hooks";
import { useLocation } from "preact-iso";
import { api, run } from "../api/client";
import { useCaller } from "../caller";
import { session } from "../session";
import { usePoll } from "./load";

const CHANGED = "tenantpilot:notifications-changed";

/** Tells the header to count the unread notifications again. */
export function notificationsChanged() {
  window.dispatchEvent(new Event(CHANGED));
}

export function Header() {
  const caller = useCaller();
  const { path } = useLocation();
  const can = (permission: string) => caller.permissions.includes(permission);
  const links = [
    { href: "/", label: "Tenants", show: true, active: path === "/" || path.startsWith("/tenants") },
    { href: "/audit", label: "Audit", show: can("read_events"), active: path === "/audit" },
    { href: "/webhooks", label: "Webhooks", show: can("read_webhooks"), active: path.startsWith("/webhooks") },
    { href: "/tokens", label: "Tokens", show: can("manage_tokens"), active: path === "/tokens" },
  ];
  return (
    <header class="top">
      <a class="skip" href="#main">
        Skip to content
      </a>
      <a class="brand" href="/">
        TenantPilot
      </a>
      <nav aria-label="Main">
        <ul>
          {links
            .filter((link) => link.show)
            .map((link) => (
              <li key={link.href}>
                <a href={link.href} aria-current={link.active ? "page" : undefined}>
                  {link.label}
                </a>
              </li>
            ))}
          <li>
            <UnreadLink active={path === "/notifications"} />
          </li>
        </ul>
      </nav>
      <div class="who">
        <span>
          {caller.name} <span class="role">{caller.role}</span>
        </span>
        <button type="button" onClick={() => session.signOut()}>
          Sign out
        </button>
      </div>
    </header>
  );
}

function UnreadLink({ active }: { active: boolean }) {
  const [unread, setUnread] = useState<number>();
  const count = useCallback(async () => {
    const outcome = await run(api.GET("/api/v1/notifications", { params: { query: { limit: 1, unread: true } } }));
    if (outcome.ok) setUnread(outcome.data.unread_count);
  }, []);
  useEffect(() => {
    void count();
    window.addEventListener(CHANGED, count);
    return () => window.removeEventListener(CHANGED, count);
  }, [count]);
  usePoll(true, 10000, count);
  return (
    <a href="/notifications" aria-current={active ? "page" : undefined}>
      Notifications{" "}
      <span class="count">{unread ?? 0}</span>
      <span class="sr-only"> unread</span>
    </a>
  );
}
