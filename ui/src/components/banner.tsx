import { useConnectionLost } from "../connection";

/** Shown while the service does not answer; it goes away by itself when it does again. */
export function ConnectionBanner() {
  const lost = useConnectionLost();
  return (
    <div role="status" aria-live="polite" class={lost ? "banner" : "banner hidden"}>
      {lost ? "Connection to the service lost. Retrying every few seconds…" : ""}
    </div>
  );
}
