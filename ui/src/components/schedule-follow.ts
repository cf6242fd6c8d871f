// Keeps a schedule's ETag current while its runs move. A run is requested on the schedule,
// and its end (and the retention after it) is recorded on the schedule a moment after the
// run shows as ended: each bumps the schedule's version. An action sent with the ETag read
// before that would be refused as stale although the user saw nothing change, so the
// schedule is read again when a run's status changes, and on every poll after that until
// two reads agree on its version. Nothing else reloads it: a change by someone else, while
// no run moves, is what If-Match is there to catch.
import { useCallback, useRef } from "preact/hooks";
import type { Schemas } from "../api/client";

type Run = Schemas["RunResponse"];

export function useScheduleFollowsRuns(
  reloadSchedule: () => Promise<{ version: number } | undefined>,
): (runs: Run[]) => Promise<void> {
  const seen = useRef<string | undefined>(undefined);
  const settling = useRef(false);
  const version = useRef<number | undefined>(undefined);
  return useCallback(
    async (runs: Run[]) => {
      const signature = runs.map((r) => `${r.id}:${r.status}`).join(",");
      const moved = seen.current !== undefined && seen.current !== signature;
      seen.current = signature;
      if (!moved && !settling.current) return;
      const before = version.current;
      const schedule = await reloadSchedule();
      version.current = schedule?.version;
      settling.current = moved || schedule?.version !== before;
    },
    [reloadSchedule],
  );
}
