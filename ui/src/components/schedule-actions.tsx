// A schedule's actions: enable/disable and run now, each with the schedule's ETag as
// If-Match (run now also with an Idempotency-Key, so a double click queues one run).
// Hidden for roles that may not.
import { useLocation } from "preact-iso";
import { api, ifMatch, run, type Schemas } from "../api/client";
import { useCan } from "../caller";
import { ActionButton, type Stale } from "./action";
import { writtenId } from "./wait";

type Schedule = Schemas["ScheduleResponse"];

export function scheduleStale(schedule: Schedule, reload: () => Promise<unknown>): Stale {
  return {
    seen: schedule as unknown as Record<string, unknown>,
    current: async () => {
      const outcome = await run(
        api.GET("/api/v1/tenants/{tenant_id}/backup-schedules/{schedule_id}", {
          params: { path: { tenant_id: schedule.tenant_id, schedule_id: schedule.id } },
        }),
      );
      return outcome.ok ? outcome.data : undefined;
    },
    reload,
  };
}

export function ScheduleActions({
  schedule,
  reload,
  follow,
}: {
  schedule: Schedule;
  reload: () => Promise<unknown>;
  /** Open the run that "Run now" queued. */
  follow?: boolean;
}) {
  const canManage = useCan("manage_schedules");
  const canRun = useCan("operate_runs");
  const { route } = useLocation();
  const path = { tenant_id: schedule.tenant_id, schedule_id: schedule.id };
  const stale = scheduleStale(schedule, reload);
  return (
    <>
      {canManage ? (
        schedule.enabled ? (
          <ActionButton
            label="Disable"
            stale={stale}
            action={() =>
              run(api.POST("/api/v1/tenants/{tenant_id}/backup-schedules/{schedule_id}/disable", { params: { path, header: ifMatch(schedule.version) } }))
            }
            onDone={() => void reload()}
          />
        ) : (
          <ActionButton
            label="Enable"
            stale={stale}
            action={() =>
              run(api.POST("/api/v1/tenants/{tenant_id}/backup-schedules/{schedule_id}/enable", { params: { path, header: ifMatch(schedule.version) } }))
            }
            onDone={() => void reload()}
          />
        )
      ) : null}
      {canRun ? (
        <ActionButton
          label="Run now"
          stale={stale}
          action={() =>
            run(
              api.POST("/api/v1/tenants/{tenant_id}/backup-schedules/{schedule_id}/run-now", {
                params: { path, header: { "Idempotency-Key": crypto.randomUUID(), ...ifMatch(schedule.version) } },
              }),
            )
          }
          onDone={(data) => {
            const runId = writtenId(data);
            if (follow && runId) route(`/tenants/${schedule.tenant_id}/runs/${runId}`);
            else void reload();
          }}
        />
      ) : null}
    </>
  );
}
