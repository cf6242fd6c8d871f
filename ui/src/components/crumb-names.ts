// The names breadcrumbs show for a tenant, a schedule and a backup set, instead of the words
// "Tenant", "Schedule" and "Backup set": read through the API by the screen that shows them. A name seen before is
// shown at once (from a cache kept for the tab's life) and read again, so a rename shows
// up on the next screen.
import { useEffect, useState } from "preact/hooks";
import { api, run } from "../api/client";
import type { Crumb } from "./screen";

const seen = new Map<string, string>();

function useName(key: string | undefined, read: () => Promise<string | undefined>): string | undefined {
  const [name, setName] = useState(key ? seen.get(key) : undefined);
  useEffect(() => {
    if (!key) return;
    setName(seen.get(key));
    let current = true;
    void read().then((fresh) => {
      if (!fresh) return;
      seen.set(key, fresh);
      if (current) setName(fresh);
    });
    return () => {
      current = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key]);
  return name;
}

/** The tenant's crumb, labelled with its display name once read ("Tenant" until then). */
export function useTenantCrumb(tenantId: string): Crumb {
  const name = useTenantName(tenantId);
  return { href: `/tenants/${tenantId}`, label: name ?? "Tenant" };
}

/** The schedule's crumb, labelled with its name once read; none without a schedule id. */
export function useScheduleCrumb(tenantId: string, scheduleId: string | undefined): Crumb[] {
  const name = useName(scheduleId ? `schedule:${scheduleId}` : undefined, async () => {
    const outcome = await run(
      api.GET("/api/v1/tenants/{tenant_id}/backup-schedules/{schedule_id}", {
        params: { path: { tenant_id: tenantId, schedule_id: scheduleId! } },
      }),
    );
    return outcome.ok ? outcome.data.name : undefined;
  });
  return scheduleId ? [{ href: `/tenants/${tenantId}/schedules/${scheduleId}`, label: name ?? "Schedule" }] : [];
}

/** A backup set's name once read; undefined until then, or without ids. */
export function useBackupSetName(tenantId: string | undefined, setId: string | undefined): string | undefined {
  return useName(tenantId && setId ? `backup-set:${setId}` : undefined, async () => {
    const outcome = await run(
      api.GET("/api/v1/tenants/{tenant_id}/backup-sets/{backup_set_id}", {
        params: { path: { tenant_id: tenantId!, backup_set_id: setId! } },
      }),
    );
    return outcome.ok ? outcome.data.name : undefined;
  });
}

/** The backup set's crumb, labelled with its name once read ("Backup set" until then). */
export function useBackupSetCrumb(tenantId: string, setId: string): Crumb {
  const name = useBackupSetName(tenantId, setId);
  return { href: `/tenants/${tenantId}/backup-sets/${setId}`, label: name ?? "Backup set" };
}

/** A tenant's display name once read; undefined until then, or without an id. */
export function useTenantName(tenantId: string | undefined): string | undefined {
  return useName(tenantId ? `tenant:${tenantId}` : undefined, async () => {
    const outcome = await run(api.GET("/api/v1/tenants/{tenant_id}", { params: { path: { tenant_id: tenantId! } } }));
    return outcome.ok ? outcome.data.display_name : undefined;
  });
}
