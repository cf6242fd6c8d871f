// Loading a screen's data: one hook, reloading when its inputs change, on demand, and when
// the connection comes back.
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import type { Outcome, Problem } from "../api/client";
import { useReconnected } from "../connection";

export type Loaded<T> = {
  data: T | undefined;
  problem: Problem | undefined;
  loading: boolean;
  reload: () => Promise<T | undefined>;
};

/** Loads with `load` whenever `inputs` change; with `ready` false (an input not known yet),
 * loads nothing until it turns true. */
export function useLoad<T>(load: () => Promise<Outcome<T>>, inputs: unknown[], ready = true): Loaded<T> {
  // What was loaded is kept with the inputs it was loaded for: when they change (another
  // restore's URL on the same screen, another page), the old data is never shown as the
  // new one's, not even for the one render before the new load starts.
  const key = JSON.stringify(inputs);
  const [loaded, setLoaded] = useState<{ key: string; data?: T; problem?: Problem }>();
  const [loading, setLoading] = useState(true);
  const latest = useRef(0);
  const reload = useCallback(async () => {
    if (!ready) return undefined;
    const call = ++latest.current;
    const outcome = await load();
    if (call !== latest.current) return undefined;
    setLoading(false);
    if (outcome.ok) {
      setLoaded({ key, data: outcome.data });
      return outcome.data;
    }
    // a failed reload keeps what was shown, with the problem beside it
    setLoaded((previous) => ({ key, data: previous?.key === key ? previous.data : undefined, problem: outcome.problem }));
    return undefined;
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key, ready]);
  useEffect(() => {
    setLoading(true);
    void reload();
  }, [reload]);
  useReconnected(reload as () => void);
  const current = loaded?.key === key ? loaded : undefined;
  return { data: current?.data, problem: current?.problem, loading, reload };
}

/** Calls `tick` every `ms` while `active`. */
export function usePoll(active: boolean, ms: number, tick: () => void) {
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(tick, ms);
    return () => clearInterval(timer);
  }, [active, ms, tick]);
}

/** Cursor paging: the cursors of the pages before this one, so "Previous" works too. */
export function useCursor() {
  const [stack, setStack] = useState<(string | undefined)[]>([undefined]);
  const cursor = stack[stack.length - 1];
  return {
    cursor,
    page: stack.length,
    next: (nextCursor: string) => setStack([...stack, nextCursor]),
    previous: () => setStack(stack.slice(0, -1)),
    first: () => setStack([undefined]),
  };
}
