// A button that performs one API write and shows its outcome where the user clicked: the
// problem's title and detail, or, for a stale ETag (412 version_mismatch), what changed
// since the screen was loaded and a button to reload it.
import { useState } from "preact/hooks";
import type { Outcome, Problem } from "../api/client";
import { ProblemMessage } from "./problem";

export type Stale = {
  /** The resource as the screen showed it. */
  seen: Record<string, unknown>;
  /** Reads the current state without changing the screen. */
  current: () => Promise<unknown>;
  /** Reloads the screen. */
  reload: () => Promise<unknown>;
};

export function ActionButton({
  label,
  action,
  onDone,
  confirm,
  stale,
  danger,
}: {
  label: string;
  action: () => Promise<Outcome<unknown>>;
  onDone?: (data: unknown) => void | Promise<void>;
  confirm?: string;
  stale?: Stale;
  danger?: boolean;
}) {
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<Problem>();
  const [changed, setChanged] = useState<string[] | null>(null);

  async function click() {
    if (confirm && !window.confirm(confirm)) return;
    setBusy(true);
    setProblem(undefined);
    setChanged(null);
    const outcome = await action();
    setBusy(false);
    if (outcome.ok) {
      await onDone?.(outcome.data);
      return;
    }
    setProblem(outcome.problem);
    if (outcome.problem.status === 412 && stale) {
      setChanged(await whatChanged(stale));
    }
  }

  return (
    <span class="action">
      <button type="button" class={danger ? "danger" : undefined} onClick={click} disabled={busy}>
        {busy ? `${label}…` : label}
      </button>
      {problem && problem.status === 412 && stale ? (
        <StaleNotice
          problem={problem}
          changed={changed}
          reload={async () => {
            setProblem(undefined);
            await stale.reload();
          }}
        />
      ) : (
        <ProblemMessage problem={problem} />
      )}
    </span>
  );
}

const IGNORED = new Set(["version", "updated_at", "as_of"]);

/** The fields whose values differ between what was shown and what is current. */
export async function whatChanged(stale: Stale): Promise<string[]> {
  // Reading the current state does not reload the screen: the user decides that.
  const current = (await stale.current()) as Record<string, unknown> | undefined;
  if (!current) return [];
  return Object.keys(current)
    .filter((key) => !IGNORED.has(key))
    .filter((key) => JSON.stringify(current[key]) !== JSON.stringify(stale.seen[key]))
    .map((key) => `${key}: ${show(stale.seen[key])} → ${show(current[key])}`);
}

function show(value: unknown): string {
  if (value === null || value === undefined) return "none";
  return typeof value === "string" ? value : JSON.stringify(value);
}

export function StaleNotice({
  problem,
  changed,
  reload,
}: {
  problem: Problem;
  changed: string[] | null;
  reload: () => Promise<unknown>;
}) {
  return (
    <div class="problem" role="alert">
      <p>
        <strong>Someone changed this since you loaded it</strong> <span class="muted">(412 {problem.code})</span>
      </p>
      <p>{problem.detail.replace(/\.?$/, ".")} Nothing was done. Reload to see the current state, then try again.</p>
      {changed && changed.length ? (
        <ul>
          {changed.map((line) => (
            <li key={line}>{line}</li>
          ))}
        </ul>
      ) : null}
      <button type="button" onClick={() => void reload()}>
        Reload
      </button>
    </div>
  );
}
