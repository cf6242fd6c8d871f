// A schedule: its settings, the next five slots (in its timezone and the viewer's), its
// actions and its runs (the plan's runs relation).
import { useState } from "preact/hooks";
import { useLocation, useRoute } from "preact-iso";
import { api, ifMatch, run } from "../api/client";
import { useCan } from "../caller";
import { ActionButton } from "../components/action";
import { useLoad } from "../components/load";
import { ProblemMessage } from "../components/problem";
import { RunsTable } from "../components/runs-table";
import { ScheduleActions, scheduleStale } from "../components/schedule-actions";
import { useScheduleFollowsRuns } from "../components/schedule-follow";
import { Loading, Screen } from "../components/screen";
import { Time } from "../components/time";
import { cadenceInWords, LastRun } from "../components/words";
import { useTenantCrumb } from "../components/crumb-names";

export function Schedule() {
  const { params } = useRoute();
  const { route } = useLocation();
  const tenantId = params.tenant!;
  const tenantCrumb = useTenantCrumb(tenantId);
  const scheduleId = params.schedule!;
  const canManage = useCan("manage_schedules");
  const canReadEvents = useCan("read_events");
  const [refresh, setRefresh] = useState(0);
  const path = { tenant_id: tenantId, schedule_id: scheduleId };
  const schedule = useLoad(() => run(api.GET("/api/v1/tenants/{tenant_id}/backup-schedules/{schedule_id}", { params: { path } })), [tenantId, scheduleId]);
  const upcoming = useLoad(
    () => run(api.GET("/api/v1/tenants/{tenant_id}/backup-schedules/{schedule_id}/upcoming", { params: { path, query: { count: 5 } } })),
    [tenantId, scheduleId, schedule.data?.version],
  );
  const s = schedule.data;
  const reload = async () => {
    setRefresh((n) => n + 1);
    return schedule.reload();
  };
  const followRuns = useScheduleFollowsRuns(schedule.reload);
  return (
    <Screen
      title={s?.name ?? "Schedule"}
      crumbs={[
        { href: "/", label: "Tenants" },
        tenantCrumb,
      ]}
      actions={
        s ? (
          <>
            {canManage ? (
              <a class="button" href={`/tenants/${tenantId}/schedules/${scheduleId}/edit`}>
                Edit
              </a>
            ) : null}
            <ScheduleActions schedule={s} reload={reload} />
            {canManage ? (
              <ActionButton
                label="Delete"
                danger
                confirm={`Delete the schedule ${s.name}? Its backup sets stay.`}
                stale={scheduleStale(s, reload)}
                action={() => run(api.DELETE("/api/v1/tenants/{tenant_id}/backup-schedules/{schedule_id}", { params: { path, header: ifMatch(s.version) } }))}
                onDone={() => route(`/tenants/${tenantId}`)}
              />
            ) : null}
          </>
        ) : null
      }
    >
      <ProblemMessage problem={schedule.problem} />
      {!s ? (
        schedule.problem ? null : <Loading what="the schedule" />
      ) : (
        <div class="split">
          <dl class="facts">
            <dt>Cadence</dt>
            <dd>{cadenceInWords(s.cadence)}</dd>
            <dt>Timezone</dt>
            <dd>{s.timezone}</dd>
            <dt>Enabled</dt>
            <dd>{s.enabled ? "Yes" : s.disabled_reason ? `No: disabled by the service (${s.disabled_reason.replaceAll("_", " ")})` : "No"}</dd>
            <dt>Last run</dt>
            <dd>
              <LastRun status={s.last_run_status} at={s.last_run_at} />
            </dd>
            <dt>Policy types</dt>
            <dd>{s.policy_types.join(", ")}</dd>
            <dt>Foundations</dt>
            <dd>{s.include_foundations ? "included" : "not included"}</dd>
            <dt>Keeps</dt>
            <dd>the last {s.retention_keep_last} backups</dd>
            {canReadEvents ? (
              <>
                <dt>History</dt>
                <dd>
                  <a href={`/tenants/${tenantId}/schedules/${scheduleId}/history`}>Who changed what</a>
                </dd>
              </>
            ) : null}
          </dl>
          <section aria-labelledby="upcoming-heading">
            <h2 id="upcoming-heading">Next five runs</h2>
            {!s.enabled ? (
              <p class="muted">None while the schedule is disabled.</p>
            ) : upcoming.data ? (
              <table>
                <thead>
                  <tr>
                    <th scope="col">In {s.timezone}</th>
                    <th scope="col">Your time</th>
                  </tr>
                </thead>
                <tbody>
                  {upcoming.data.items.map((slot) => (
                    <tr key={slot.scheduled_for}>
                      <td>
                        <Time iso={slot.scheduled_for} zone={s.timezone} />
                      </td>
                      <td>
                        <Time iso={slot.scheduled_for} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            ) : (
              <ProblemMessage problem={upcoming.problem} />
            )}
          </section>
        </div>
      )}
      <h2>Runs</h2>
      <RunsTable
        tenantId={tenantId}
        scheduleId={scheduleId}
        schedule={s}
        reloadSchedule={reload}
        onPolled={(runs) => void followRuns(runs)}
        refresh={refresh}
      />
    </Screen>
  );
}
