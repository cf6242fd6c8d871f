// Small renderings shared by screens: a cadence in words, a run, set or restore status badge.
import type { Schemas } from "../api/client";
import { Time } from "./time";

const DAY_NAMES: Record<string, string> = {
  mon: "Monday",
  tue: "Tuesday",
  wed: "Wednesday",
  thu: "Thursday",
  fri: "Friday",
  sat: "Saturday",
  sun: "Sunday",
};

function list(items: string[]): string {
  if (items.length <= 1) return items.join("");
  return `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`;
}

export function cadenceInWords(cadence: Schemas["Cadence"]): string {
  const times = list(cadence.times);
  if (cadence.kind === "weekly" && "days" in cadence) {
    return `Every ${list(cadence.days.map((day) => DAY_NAMES[day] ?? day))} at ${times}`;
  }
  return `Every day at ${times}`;
}

const STATUS_TEXT: Record<string, string> = {
  queued: "Queued",
  running: "Running",
  success: "Success",
  partial: "Partial",
  failed: "Failed",
  completed: "Completed",
  planned: "Planned",
  applying: "Applying",
  pending: "Pending",
  applied: "Applied",
  active: "Active",
  inactive: "Inactive",
};

export function Status({ status }: { status: string | null | undefined }) {
  if (!status) return <span class="muted">never</span>;
  return <span class={`status status-${status}`}>{STATUS_TEXT[status] ?? status}</span>;
}

/** A run's outcome and when: "never" when there was none. */
export function LastRun({ status, at }: { status: string | null | undefined; at: string | null | undefined }) {
  if (!status && !at) return <span class="muted">never</span>;
  return (
    <>
      <Status status={status} /> <Time iso={at} />
    </>
  );
}
