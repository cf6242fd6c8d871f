// Writes may answer 202 `accepted` (committed, not yet visible in reads). After one, a
// screen reloads until the resource shows at least the written version.
import type { Outcome } from "../api/client";

export async function untilVersion<T extends { version: number }>(
  read: () => Promise<Outcome<T>>,
  version: number | null | undefined,
): Promise<T | undefined> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const outcome = await read();
    if (outcome.ok && (version == null || outcome.data.version >= version)) return outcome.data;
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
  return undefined;
}

/** The version a write answered with: the resource's own (200) or the accepted one (202). */
export function writtenVersion(data: unknown): number | undefined {
  if (data && typeof data === "object" && "version" in data) {
    const version = (data as { version: unknown }).version;
    return typeof version === "number" ? version : undefined;
  }
  return undefined;
}

/** The id at the end of a 202 `location` (or a created resource's `id`). */
export function writtenId(data: unknown): string | undefined {
  if (!data || typeof data !== "object") return undefined;
  if ("id" in data && typeof data.id === "string") return data.id;
  if ("location" in data && typeof data.location === "string") return data.location.split("/").pop();
  return undefined;
}
