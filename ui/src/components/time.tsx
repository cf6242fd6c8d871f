// A point in time in the viewer's timezone, with the UTC time on hover (and for screen
// readers through the title). `zone` shows it in another timezone (a schedule's) instead.
const viewer = new Intl.DateTimeFormat(undefined, {
  dateStyle: "medium",
  timeStyle: "short",
});

export function formatIn(iso: string, zone?: string): string {
  const date = new Date(iso);
  if (!zone) return viewer.format(date);
  try {
    return new Intl.DateTimeFormat(undefined, {
      dateStyle: "medium",
      timeStyle: "short",
      timeZone: zone,
    }).format(date);
  } catch {
    return viewer.format(date);
  }
}

export function utc(iso: string): string {
  return `${new Date(iso).toISOString().replace("T", " ").slice(0, 19)} UTC`;
}

export function Time({ iso, zone }: { iso: string | null | undefined; zone?: string }) {
  if (!iso) return <span class="muted">—</span>;
  return (
    <time dateTime={iso} title={utc(iso)}>
      {formatIn(iso, zone)}
    </time>
  );
}

export function duration(ms: number | null | undefined): string {
  if (ms == null) return "—";
  if (ms < 1000) return `${ms} ms`;
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
}
