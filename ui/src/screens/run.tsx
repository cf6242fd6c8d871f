// A run: live status while queued or running, timings, the error code with its meaning
// from the document's error-code table, the per-type sync report, and its backup set.
import { useCallback, useEffect } from "preact/hooks";
import { useLocation, useRoute } from "preact-iso";
import { api, ifMatch, run } from "../api/client";
import { runErrorMeaning } from "../api/error-codes.gen";
import { useCan } from "../caller";
import { ActionButton } from "../components/action";
import { useLoad, usePoll } from "../components/load";
import { ProblemMessage } from "../components/problem";
import { LIVE } from "../components/runs-table";
import { scheduleStale } from "../components/schedule-actions";
import { useScheduleFollowsRuns } from "../components/schedule-follow";
import { Loading, Screen } from "../components/screen";
import { duration, formatIn, Time } from "../components/time";
import { Status } from "../components/words";
import { writtenId } from "../components/wait";
import { useTenantCrumb, useScheduleCrumb } from "../components/crumb-names";

type TypeReport = {
  fetched?: number;
  created?: number;
  updated?: number;
  unchanged?: number;
  deleted_upstream?: number;
  skipped_deleted?: number;
  error_code?: string | null;
  error_message?: string | null;
  scope?: string;
  warnings?: string[];
};

export function RunScreen() {
  const { params } = useRoute();
  const { route } = useLocation();
  const tenantId = params.tenant!;
  const runId = params.run!;
  const canRun = useCan("operate_runs");
  const current = useLoad(
    () => run(api.GET("/api/v1/tenants/{tenant_id}/backup-runs/{run_id}", { params: { path: { tenant_id: tenantId, run_id: runId } } })),
    [tenantId, runId],
  );
  const r = current.data;
  const tenantCrumb = useTenantCrumb(tenantId);
  const scheduleCrumb = useScheduleCrumb(tenantId, r?.schedule_id);
  usePoll(!!r && LIVE(r.status), 1000, useCallback(() => void current.reload(), [current.reload]));
  // the schedule's ETag, sent with a retry (the retry is queued on the schedule)
  const scheduleId = r?.schedule_id;
  const schedule = useLoad(
    () => run(api.GET("/api/v1/tenants/{tenant_id}/backup-schedules/{schedule_id}", { params: { path: { tenant_id: tenantId, schedule_id: scheduleId! } } })),
    [tenantId, scheduleId],
    !!scheduleId,
  );
  const followRun = useScheduleFollowsRuns(schedule.reload);
  useEffect(() => {
    if (r) void followRun([r]);
  }, [r]);
  const s = schedule.data;
  const report = (r?.sync_report ?? null) as Record<string, TypeReport> | null;
  return (
    <Screen
      title={r ? `Run of ${formatIn(r.scheduled_for)}` : "Run"}
      crumbs={[
        { href: "/", label: "Tenants" },
        tenantCrumb,
        ...scheduleCrumb,
      ]}
      actions={
        r && s && canRun && (r.status === "failed" || r.status === "partial") ? (
          <ActionButton
            label="Retry"
            stale={scheduleStale(s, schedule.reload)}
            action={() =>
              run(
                api.POST("/api/v1/tenants/{tenant_id}/backup-runs/{run_id}/retry", {
                  params: {
                    path: { tenant_id: tenantId, run_id: runId },
                    header: { "Idempotency-Key": crypto.randomUUID(), ...ifMatch(s.version) },
                  },
                }),
              )
            }
            onDone={(data) => {
              const id = writtenId(data);
              if (id) route(`/tenants/${tenantId}/runs/${id}`);
            }}
          />
        ) : null
      }
    >
      <ProblemMessage problem={current.problem} />
      {!r ? (
        current.problem ? null : <Loading what="the run" />
      ) : (
        <>
          <p class="run-status" aria-live="polite">
            Status: <Status status={r.status} />
            {LIVE(r.status) ? <span class="muted"> (updates by itself)</span> : null}
          </p>
          {r.error_code ? (
            <div class="problem">
              <p>
                <strong>
                  Error <code>{r.error_code}</code>
                </strong>
                : {runErrorMeaning[r.error_code] ?? "see the message below."}
              </p>
              {r.error_message ? <p class="muted">{r.error_message}</p> : null}
            </div>
          ) : null}
          <dl class="facts">
            <dt>Trigger</dt>
            <dd>
              {r.trigger}
              {r.retry_of ? (
                <>
                  {" "}
                  of <a href={`/tenants/${tenantId}/runs/${r.retry_of}`}>an earlier run</a>
                </>
              ) : null}
            </dd>
            <dt>Slot</dt>
            <dd>
              <Time iso={r.scheduled_for} />
            </dd>
            <dt>Queued</dt>
            <dd>
              <Time iso={r.queued_at} />
            </dd>
            <dt>Started</dt>
            <dd>
              <Time iso={r.started_at} />
            </dd>
            <dt>Finished</dt>
            <dd>
              <Time iso={r.finished_at} />
            </dd>
            <dt>Duration</dt>
            <dd>{duration(r.duration_ms)}</dd>
            {r.worker ? (
              <>
                <dt>Worker</dt>
                <dd>{r.worker}</dd>
              </>
            ) : null}
            <dt>Backup set</dt>
            <dd>
              {r.backup_set_id ? (
                <a href={`/tenants/${tenantId}/backup-sets/${r.backup_set_id}`}>
                  {r.backup_set?.name ?? "Open the backup set"}
                </a>
              ) : (
                <span class="muted">none</span>
              )}
              {r.backup_set ? (
                <span class="muted">
                  {" "}
                  ({r.backup_set.status}, {r.backup_set.item_count} items, {r.backup_set.foundation_count} foundations)
                </span>
              ) : null}
            </dd>
          </dl>
          <h2>Sync report</h2>
          {report && Object.keys(report).length ? (
            <div class="table-wrap" tabIndex={0}>
              <table>
                <caption class="sr-only">What the run read, per policy type</caption>
                <thead>
                  <tr>
                    <th scope="col">Policy type</th>
                    <th scope="col" class="num">Fetched</th>
                    <th scope="col" class="num">Created</th>
                    <th scope="col" class="num">Updated</th>
                    <th scope="col" class="num">Unchanged</th>
                    <th scope="col" class="num">Deleted upstream</th>
                    <th scope="col">Error</th>
                  </tr>
                </thead>
                <tbody>
                  {Object.entries(report).map(([type, line]) => (
                    <tr key={type}>
                      <th scope="row">{type}</th>
                      <td class="num">{line.fetched ?? 0}</td>
                      <td class="num">{line.created ?? 0}</td>
                      <td class="num">{line.updated ?? 0}</td>
                      <td class="num">{line.unchanged ?? 0}</td>
                      <td class="num">{line.deleted_upstream ?? 0}</td>
                      <td>
                        {line.error_code ? (
                          <>
                            <code>{line.error_code}</code> {runErrorMeaning[line.error_code] ?? ""}
                            {line.scope ? <span class="muted"> (scope {line.scope})</span> : null}
                          </>
                        ) : (
                          <span class="muted">none</span>
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : (
            <p class="muted">{LIVE(r.status) ? "Not yet: the run has not finished its sync." : "No sync report."}</p>
          )}
        </>
      )}
    </Screen>
  );
}
