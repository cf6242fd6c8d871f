// A tenant: its details and its schedules (the plan's schedule resource): cadence in words,
// timezone, next run in the schedule's time and the viewer's, last run, enabled, actions.
import { useRoute } from "preact-iso";
import { api, ifMatch, run } from "../api/client";
import { useCan } from "../caller";
import { ActionButton } from "../components/action";
import { useCursor, useLoad } from "../components/load";
import { Pager } from "../components/pager";
import { ProblemMessage } from "../components/problem";
import { ScheduleActions } from "../components/schedule-actions";
import { Loading, Screen } from "../components/screen";
import { tenantStale } from "../components/tenant-stale";
import { Time } from "../components/time";
import { cadenceInWords, LastRun, Status } from "../components/words";

export function Tenant() {
  const { params } = useRoute();
  const tenantId = params.tenant!;
  const canManageTenants = useCan("manage_tenants");
  const canManageSchedules = useCan("manage_schedules");
  const canReadEvents = useCan("read_events");
  const paging = useCursor();
  const tenant = useLoad(
    () => run(api.GET("/api/v1/tenants/{tenant_id}", { params: { path: { tenant_id: tenantId } } })),
    [tenantId],
  );
  const schedules = useLoad(
    () =>
      run(
        api.GET("/api/v1/tenants/{tenant_id}/backup-schedules", {
          params: { path: { tenant_id: tenantId }, query: { limit: 25, cursor: paging.cursor } },
        }),
      ),
    [tenantId, paging.cursor],
  );
  const t = tenant.data;
  const header = { params: { path: { tenant_id: tenantId }, header: ifMatch(t?.version ?? 0) } };
  const stale = t ? tenantStale(t, tenant.reload) : undefined;
  return (
    <Screen
      title={t?.display_name ?? "Tenant"}
      crumbs={[{ href: "/", label: "Tenants" }]}
      actions={
        t && canManageTenants ? (
          <>
            <a class="button" href={`/tenants/${tenantId}/edit`}>
              Edit tenant
            </a>
            {t.status === "active" ? (
              <ActionButton
                label="Deactivate"
                confirm={`Deactivate ${t.display_name}?`}
                stale={stale}
                action={() => run(api.POST("/api/v1/tenants/{tenant_id}/deactivate", header))}
                onDone={() => void tenant.reload()}
              />
            ) : (
              <ActionButton
                label="Reactivate"
                stale={stale}
                action={() => run(api.POST("/api/v1/tenants/{tenant_id}/reactivate", header))}
                onDone={() => void tenant.reload()}
              />
            )}
          </>
        ) : null
      }
    >
      <ProblemMessage problem={tenant.problem} />
      {t ? (
        <dl class="facts">
          <dt>Status</dt>
          <dd>
            <Status status={t.status} />
          </dd>
          <dt>Azure tenant id</dt>
          <dd>
            <code>{t.azure_tenant_id}</code>
          </dd>
          <dt>Client id</dt>
          <dd>
            <code>{t.client_id}</code>
          </dd>
          <dt>Client secret</dt>
          <dd>{t.has_client_secret ? "set (write-only)" : "not set"}</dd>
          <dt>Registered</dt>
          <dd>
            <Time iso={t.created_at} />
          </dd>
        </dl>
      ) : null}
      <nav aria-label="About this tenant" class="subnav">
        <a href={`/tenants/${tenantId}/backup-sets`}>Backup sets</a>
        <a href={`/tenants/${tenantId}/policies`}>Policies</a>
        <a href={`/tenants/${tenantId}/restores`}>Restores</a>
        {canReadEvents ? <a href={`/tenants/${tenantId}/history`}>History</a> : null}
      </nav>
      <div class="title-row">
        <h2>Schedules</h2>
        {canManageSchedules ? (
          <a class="button" href={`/tenants/${tenantId}/schedules/new`}>
            New schedule
          </a>
        ) : null}
      </div>
      <ProblemMessage problem={schedules.problem} />
      {!schedules.data ? (
        schedules.problem ? null : <Loading what="schedules" />
      ) : schedules.data.items.length === 0 ? (
        <p>No schedules yet.</p>
      ) : (
        <div class="table-wrap" tabIndex={0}>
          <table>
            <caption class="sr-only">Schedules</caption>
            <thead>
              <tr>
                <th scope="col">Schedule</th>
                <th scope="col">Cadence</th>
                <th scope="col">Next run</th>
                <th scope="col">Last run</th>
                <th scope="col">Enabled</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {schedules.data.items.map((schedule) => (
                <tr key={schedule.id}>
                  <th scope="row">
                    <a href={`/tenants/${tenantId}/schedules/${schedule.id}`}>{schedule.name}</a>
                  </th>
                  <td>
                    {cadenceInWords(schedule.cadence)}
                    <br />
                    <span class="muted">{schedule.timezone}</span>
                  </td>
                  <td>
                    {schedule.next_run_at ? (
                      <>
                        <Time iso={schedule.next_run_at} zone={schedule.timezone} /> <span class="muted">({schedule.timezone})</span>
                        <br />
                        <Time iso={schedule.next_run_at} /> <span class="muted">(your time)</span>
                      </>
                    ) : (
                      <span class="muted">none</span>
                    )}
                  </td>
                  <td>
                    <LastRun status={schedule.last_run_status} at={schedule.last_run_at} />
                  </td>
                  <td>{schedule.enabled ? "Yes" : schedule.disabled_reason ? `No (${schedule.disabled_reason.replaceAll("_", " ")})` : "No"}</td>
                  <td class="row-actions">
                    <ScheduleActions schedule={schedule} reload={schedules.reload} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pager label="Schedules" page={paging.page} nextCursor={schedules.data?.next_cursor} next={paging.next} previous={paging.previous} />
    </Screen>
  );
}
