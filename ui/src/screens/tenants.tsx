// Tenants: status, schedules with the last run of each, failed and partial runs at a glance.
import { api, ifMatch, run, type Schemas } from "../api/client";
import { useCan } from "../caller";
import { ActionButton } from "../components/action";
import { useCursor, useLoad } from "../components/load";
import { Pager } from "../components/pager";
import { ProblemMessage } from "../components/problem";
import { Loading, Screen } from "../components/screen";
import { LastRun, Status } from "../components/words";

type Tenant = Schemas["TenantResponse"];

export function Tenants() {
  const paging = useCursor();
  const canManage = useCan("manage_tenants");
  const tenants = useLoad(
    () => run(api.GET("/api/v1/tenants", { params: { query: { limit: 25, cursor: paging.cursor } } })),
    [paging.cursor],
  );
  return (
    <Screen
      title="Tenants"
      actions={canManage ? <a class="button" href="/tenants/new">Register tenant</a> : null}
    >
      <ProblemMessage problem={tenants.problem} />
      {!tenants.data ? (
        tenants.problem ? null : <Loading what="tenants" />
      ) : tenants.data.items.length === 0 ? (
        <p>No tenants yet.</p>
      ) : (
        <div class="table-wrap" tabIndex={0}>
          <table>
            <caption class="sr-only">Tenants with their schedules and last runs</caption>
            <thead>
              <tr>
                <th scope="col">Tenant</th>
                <th scope="col">Status</th>
                <th scope="col">Schedules and last runs</th>
                <th scope="col">Needs attention</th>
                {canManage ? <th scope="col">Actions</th> : null}
              </tr>
            </thead>
            <tbody>
              {tenants.data.items.map((tenant) => (
                <TenantRow key={tenant.id} tenant={tenant} canManage={canManage} reload={tenants.reload} />
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pager label="Tenants" page={paging.page} nextCursor={tenants.data?.next_cursor} next={paging.next} previous={paging.previous} />
    </Screen>
  );
}

function TenantRow({
  tenant,
  canManage,
  reload,
}: {
  tenant: Tenant;
  canManage: boolean;
  reload: () => Promise<unknown>;
}) {
  const schedules = useLoad(
    () =>
      run(
        api.GET("/api/v1/tenants/{tenant_id}/backup-schedules", {
          params: { path: { tenant_id: tenant.id }, query: { limit: 100 } },
        }),
      ),
    [tenant.id, tenant.version],
  );
  const items = schedules.data?.items ?? [];
  const failing = items.filter((s) => s.last_run_status === "failed" || s.last_run_status === "partial");
  const path = { params: { path: { tenant_id: tenant.id } } };
  return (
    <tr>
      <th scope="row">
        <a href={`/tenants/${tenant.id}`}>{tenant.display_name}</a>
      </th>
      <td>
        <Status status={tenant.status} />
      </td>
      <td>
        {schedules.problem ? (
          <ProblemMessage problem={schedules.problem} />
        ) : items.length === 0 ? (
          <span class="muted">{schedules.data ? "no schedules" : "…"}</span>
        ) : (
          <ul class="plain">
            {items.map((schedule) => (
              <li key={schedule.id}>
                <a href={`/tenants/${tenant.id}/schedules/${schedule.id}`}>{schedule.name}</a>{" "}
                <LastRun status={schedule.last_run_status} at={schedule.last_run_at} />
                {schedule.enabled ? null : <span class="muted"> (disabled)</span>}
              </li>
            ))}
          </ul>
        )}
      </td>
      <td>
        {failing.length ? (
          <span class="status status-failed">
            {failing.length} schedule{failing.length > 1 ? "s" : ""} failed or partial
          </span>
        ) : (
          <span class="muted">nothing</span>
        )}
      </td>
      {canManage ? (
        <td class="row-actions">
          <a href={`/tenants/${tenant.id}/edit`}>
            Edit<span class="sr-only"> {tenant.display_name}</span>
          </a>
          {tenant.status === "active" ? (
            <ActionButton
              label="Deactivate"
              confirm={`Deactivate ${tenant.display_name}? Its schedules stop backing it up.`}
              action={() => run(api.POST("/api/v1/tenants/{tenant_id}/deactivate", { params: { path: path.params.path, header: ifMatch(tenant.version) } }))}
              onDone={() => void reload()}
            />
          ) : (
            <ActionButton
              label="Reactivate"
              action={() => run(api.POST("/api/v1/tenants/{tenant_id}/reactivate", { params: { path: path.params.path, header: ifMatch(tenant.version) } }))}
              onDone={() => void reload()}
            />
          )}
        </td>
      ) : null}
    </tr>
  );
}
