// What a tenant's writes (edit, deactivate, reactivate) need to explain a 412: the tenant as
// the screen showed it and how to read it again, so the one stale notice can say which
// fields someone else changed.
import { api, run, type Schemas } from "../api/client";
import type { Stale } from "./action";

export function tenantStale(tenant: Schemas["TenantResponse"], reload: () => Promise<unknown>): Stale {
  return {
    seen: tenant as unknown as Record<string, unknown>,
    current: async () => {
      const outcome = await run(api.GET("/api/v1/tenants/{tenant_id}", { params: { path: { tenant_id: tenant.id } } }));
      return outcome.ok ? outcome.data : undefined;
    },
    reload,
  };
}
