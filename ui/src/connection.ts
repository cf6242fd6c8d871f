// Whether the service answers. A failed request (or a 503) marks the connection lost; the
// banner then probes /readyz every few seconds and, once it answers, marks it back and
// tells the screens to reload (they subscribe with useReconnected).
import { useEffect, useState } from "preact/hooks";

type Listener = () => void;
let lost = false;
const listeners = new Set<Listener>();
const reconnectListeners = new Set<Listener>();
let probe: ReturnType<typeof setInterval> | undefined;

function notify() {
  for (const listener of listeners) listener();
}

export function connectionLost() {
  if (lost) return;
  lost = true;
  notify();
  probe = setInterval(async () => {
    try {
      const response = await fetch("/readyz", { cache: "no-store" });
      if (response.ok) connectionOk();
    } catch {
      // still down: try again at the next tick
    }
  }, 2000);
}

export function connectionOk() {
  if (!lost) return;
  lost = false;
  clearInterval(probe);
  notify();
  for (const listener of reconnectListeners) listener();
}

export function useConnectionLost(): boolean {
  const [value, setValue] = useState(lost);
  useEffect(() => {
    const listener = () => setValue(lost);
    listeners.add(listener);
    // the connection may have changed between the first render and this subscription
    listener();
    return () => void listeners.delete(listener);
  }, []);
  return value;
}

/** Calls `reload` whenever the connection comes back. */
export function useReconnected(reload: () => void) {
  useEffect(() => {
    reconnectListeners.add(reload);
    return () => void reconnectListeners.delete(reload);
  }, [reload]);
}
