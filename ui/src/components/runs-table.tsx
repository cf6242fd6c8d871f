// A schedule's runs, newest first, paged; polled, so new runs appear and a queued or
// running one's status changes live. Each shows its completeness (objects Graph listed,
// captured whole, captured incompletely) summed from its sync report.
import { useCallback, useEffect } from "preact/hooks";
import { api, ifMatch, run, type Schemas } from "../api/client";
import { useCan } from "../caller";
import { ActionButton } from "./action";
import { useCursor, useLoad, usePoll } from "./load";
import { scheduleStale } from "./schedule-actions";
import { Pager } from "./pager";
import { ProblemMessage } from "./problem";
import { Loading } from "./screen";
import { duration, Time } from "./time";
import { Status } from "./words";

type Run = Schemas["RunResponse"];
type Schedule = Schemas["ScheduleResponse"];
export const LIVE = (status: string) => status === "queued" || status === "running";

type Completeness = { listed: number; whole: number; incomplete: number };

/** A run's completeness over its types; null when its report has none (older runs, or
 * none yet while it runs). */
export function completeness(report: Run["sync_report"]): Completeness | null {
  const lines = Object.values(report ?? {}).filter((line) => line.listed != null);
  if (lines.length === 0) return null;
  return lines.reduce<Completeness>(
    (sum, line) => ({
      listed: sum.listed + (line.listed ?? 0),
      whole: sum.whole + (line.whole ?? 0),
      incomplete: sum.incomplete + (line.incomplete?.length ?? 0),
    }),
    { listed: 0, whole: 0, incomplete: 0 },
  );
}

export function CompletenessText({ report }: { report: Run["sync_report"] }) {
  const c = completeness(report);
  if (!c) return <span class="muted">—</span>;
  return (
    <>
      {c.whole} of {c.listed} whole
      {c.incomplete ? <span class="warn-text">, {c.incomplete} incomplete</span> : null}
    </>
  );
}

export function RunsTable({
  tenantId,
  scheduleId,
  schedule,
  reloadSchedule,
  onPolled,
  refresh,
}: {
  tenantId: string;
  scheduleId: string;
  /** The schedule as shown, whose ETag a retry sends; no Retry until it is read (the runs
   * are read beside it, not after it). */
  schedule: Schedule | undefined;
  reloadSchedule: () => Promise<unknown>;
  /** Each page of runs as read, so the screen can follow them. */
  onPolled?: (runs: Run[]) => void;
  refresh: number;
}) {
  const paging = useCursor();
  const canRun = useCan("operate_runs");
  const runs = useLoad(
    () =>
      run(
        api.GET("/api/v1/tenants/{tenant_id}/backup-schedules/{schedule_id}/runs", {
          params: { path: { tenant_id: tenantId, schedule_id: scheduleId }, query: { limit: 50, cursor: paging.cursor } },
        }),
      ),
    [tenantId, scheduleId, paging.cursor, refresh],
  );
  const live = (runs.data?.items ?? []).some((r) => LIVE(r.status));
  // fast while a run is queued or running; slower otherwise, so scheduled runs appear too
  usePoll(true, live ? 1500 : 5000, useCallback(() => void runs.reload(), [runs.reload]));
  useEffect(() => {
    if (runs.data) onPolled?.(runs.data.items);
  }, [runs.data]);
  if (!runs.data) return runs.problem ? <ProblemMessage problem={runs.problem} /> : <Loading what="runs" />;
  if (runs.data.items.length === 0) return <p>No runs yet.</p>;
  return (
    <>
      <ProblemMessage problem={runs.problem} />
      <div class="table-wrap" tabIndex={0}>
        <table>
          <caption class="sr-only">Runs, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Run</th>
              <th scope="col">Status</th>
              <th scope="col">Trigger</th>
              <th scope="col">Duration</th>
              <th scope="col">Completeness</th>
              <th scope="col">Backup set</th>
              {canRun ? <th scope="col">Actions</th> : null}
            </tr>
          </thead>
          <tbody>
            {runs.data.items.map((item) => (
              <RunRow key={item.id} item={item} canRun={canRun} schedule={schedule} reloadSchedule={reloadSchedule} reload={runs.reload} />
            ))}
          </tbody>
        </table>
      </div>
      <Pager label="Runs" page={paging.page} nextCursor={runs.data.next_cursor} next={paging.next} previous={paging.previous} />
    </>
  );
}

function RunRow({
  item,
  canRun,
  schedule,
  reloadSchedule,
  reload,
}: {
  item: Run;
  canRun: boolean;
  schedule: Schedule | undefined;
  reloadSchedule: () => Promise<unknown>;
  reload: () => Promise<unknown>;
}) {
  return (
    <tr>
      <th scope="row">
        <a href={`/tenants/${item.tenant_id}/runs/${item.id}`}>
          <Time iso={item.scheduled_for} />
        </a>
      </th>
      <td>
        <Status status={item.status} />
        {item.error_code ? <code class="code"> {item.error_code}</code> : null}
      </td>
      <td>{item.trigger}</td>
      <td>{duration(item.duration_ms)}</td>
      <td>
        <CompletenessText report={item.sync_report} />
      </td>
      <td>
        {item.backup_set_id ? (
          <a href={`/tenants/${item.tenant_id}/backup-sets/${item.backup_set_id}`}>{item.backup_set?.name ?? "backup set"}</a>
        ) : (
          <span class="muted">—</span>
        )}
      </td>
      {canRun ? (
        <td>
          {schedule && (item.status === "failed" || item.status === "partial") ? (
            <ActionButton
              label="Retry"
              stale={scheduleStale(schedule, reloadSchedule)}
              action={() =>
                run(
                  api.POST("/api/v1/tenants/{tenant_id}/backup-runs/{run_id}/retry", {
                    params: {
                      path: { tenant_id: item.tenant_id, run_id: item.id },
                      header: { "Idempotency-Key": crypto.randomUUID(), ...ifMatch(schedule.version) },
                    },
                  }),
                )
              }
              onDone={() => void reload()}
            />
          ) : null}
        </td>
      ) : null}
    </tr>
  );
}
