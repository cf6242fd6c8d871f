// What a frontend team writes against TenantPilot's API, with a client generated from
// openapi/openapi.json. Type-checked only (`tsc --strict`, noEmit) by .ci/api-contract:
// it is never run and needs no server. src/api.d.ts is generated (see package.json), never
// committed, so this checks the current document. If it stops compiling, the document
// changed in a way that breaks TypeScript clients, or this snippet relied on a mistake.
// It is generated with --empty-objects-unknown: the document's free-form objects (an
// event's `metadata` and `payload`, a run's `sync_report`) then come out as
// Record<string, unknown>; openapi-typescript's default, Record<string, never>, would make
// them unreadable.

import createClient from "openapi-fetch";
import type { components, paths } from "./api";

type Schemas = components["schemas"];
type Tenant = Schemas["TenantResponse"];
type Schedule = Schemas["ScheduleResponse"];
type Cadence = Schemas["Cadence"];
type Run = Schemas["RunResponse"];
type WriteAccepted = Schemas["WriteAccepted"];
type Problem = Schemas["Problem"];
type ErrorCode = Schemas["ErrorCode"];
type AuditEvent = Schemas["EventResponse"];

const SCHEDULE = "/api/v1/tenants/{tenant_id}/backup-schedules/{schedule_id}";

// openapi-fetch infers each call's options from the literal passed, so a misspelt or
// removed parameter or body field is not always an error there. `satisfies` these types
// makes every request part an exact match for the operation in the document.
type Operation<P extends keyof paths, M extends keyof paths[P]> = NonNullable<paths[P][M]>;
type ParamsOf<P extends keyof paths, M extends keyof paths[P]> =
    Operation<P, M> extends { parameters: infer X } ? X : never;
type JsonBodyOf<P extends keyof paths, M extends keyof paths[P]> =
    Operation<P, M> extends { requestBody?: infer R }
        ? NonNullable<R> extends { content: { "application/json": infer B } }
            ? B
            : never
        : never;
type JsonResponseOf<P extends keyof paths, M extends keyof paths[P], S extends number> =
    Operation<P, M> extends { responses: infer Rs }
        ? S extends keyof Rs
            ? Rs[S] extends { content: { "application/json": infer B } }
                ? B
                : never
            : never
        : never;

/** Fails to compile unless `T` is `true`: what this frontend relies on, spelt out. */
type Expect<T extends true> = T;
type Includes<Union, Member> = [Member] extends [Union] ? true : false;

/** The 201 body of `POST /api/v1/tenants`, straight from the operation. */
type CreatedTenant = JsonResponseOf<"/api/v1/tenants", "post", 201>;
type RunNowAccepted = JsonResponseOf<`${typeof SCHEDULE}/run-now`, "post", 202>;
export type Relied = [
    Expect<Includes<JsonResponseOf<"/api/v1/tenants", "post", 202>, WriteAccepted>>,
    // run-now's 202 is either body; the screen handles both.
    Expect<Includes<RunNowAccepted, Run>>,
    Expect<Includes<RunNowAccepted, WriteAccepted>>,
    Expect<Includes<JsonResponseOf<typeof SCHEDULE, "patch", 200>, Schedule>>,
    Expect<Includes<JsonResponseOf<typeof SCHEDULE, "patch", 202>, WriteAccepted>>,
];

/**
 * A response header's type as the document declares it; `never` (so a type error where it
 * is used) when the response does not declare the header.
 */
type DeclaredHeader<R extends { headers: object }, K extends string> = K extends keyof R["headers"]
    ? unknown extends R["headers"][K]
        ? never
        : R["headers"][K]
    : never;
type ScheduleETag = DeclaredHeader<Operation<typeof SCHEDULE, "get">["responses"][200], "ETag">;
/** On 412 `version_mismatch`, the current version. */
type CurrentETag = DeclaredHeader<Operation<typeof SCHEDULE, "patch">["responses"][412], "ETag">;

export const api = createClient<paths>({
    baseUrl: "https://tenantpilot.example.com",
    headers: { Authorization: `Bearer ${sessionStorage.getItem("tenantpilot-token") ?? ""}` },
});

/** Every problem+json answer ends up here; `problem.code` is the `ErrorCode` enum. */
export class ApiProblem extends Error {
    constructor(
        readonly problem: Problem,
        readonly response: Response,
    ) {
        super(`${problem.status} ${problem.code}: ${problem.detail}`);
    }
}

function assertNever(value: never): never {
    throw new Error(`unexpected value ${JSON.stringify(value)}`);
}

// --- errors: branch on `code`, exhaustively over the codes this screen handles -----------

const HANDLED_CODES = [
    "version_mismatch",
    "schedule_name_taken",
    "validation_failed",
    "not_found",
    "unauthenticated",
] as const satisfies readonly ErrorCode[];
type HandledCode = (typeof HANDLED_CODES)[number];

function isHandled(code: ErrorCode): code is HandledCode {
    return (HANDLED_CODES as readonly ErrorCode[]).includes(code);
}

/** What the UI shows for a problem. */
export function describeProblem(problem: Problem): string {
    const code = problem.code;
    if (!isHandled(code)) {
        return `${problem.title}: ${problem.detail}`;
    }
    switch (code) {
        case "version_mismatch":
            return "Someone else changed this schedule; reload it and try again.";
        case "schedule_name_taken":
            return "This tenant already has a schedule with that name.";
        case "validation_failed": {
            const fields = (problem.errors ?? []).map((e) => {
                const fieldCode: ErrorCode = e.code;
                return `${e.field}: ${e.message} (${fieldCode})`;
            });
            return `Please fix: ${fields.join("; ")}`;
        }
        case "not_found":
            return "It is gone (or you may not see it).";
        case "unauthenticated":
            sessionStorage.removeItem("tenantpilot-token");
            return "Your session expired; sign in again.";
        default:
            return assertNever(code);
    }
}

// --- tenants: cursor pagination and create ----------------------------------------------

/** Every tenant, page by page (`items`, then `next_cursor` until it is null). */
export async function* allTenants(pageSize = 100): AsyncGenerator<Tenant> {
    let cursor: string | undefined;
    do {
        const { data, error, response } = await api.GET("/api/v1/tenants", {
            params: { query: { limit: pageSize, cursor } } satisfies ParamsOf<"/api/v1/tenants", "get">,
        });
        if (error) throw new ApiProblem(error, response);
        yield* data.items;
        cursor = data.next_cursor ?? undefined;
    } while (cursor !== undefined);
}

export type Created<T> = { kind: "created"; value: T } | { kind: "accepted"; location: string };

/** 201 with the tenant, or 202 `WriteAccepted` when reads lag behind. */
export async function createTenant(
    displayName: string,
    azureTenantId: string,
    clientId: string,
    clientSecret: string | null,
): Promise<Created<CreatedTenant>> {
    const { data, error, response } = await api.POST("/api/v1/tenants", {
        params: { header: { "Idempotency-Key": crypto.randomUUID() } } satisfies ParamsOf<"/api/v1/tenants", "post">,
        body: {
            display_name: displayName,
            azure_tenant_id: azureTenantId,
            client_id: clientId,
            client_secret: clientSecret,
        } satisfies JsonBodyOf<"/api/v1/tenants", "post">,
    });
    if (error) throw new ApiProblem(error, response);
    if ("location" in data) {
        return { kind: "accepted", location: data.location };
    }
    const tenant: CreatedTenant = data;
    console.log(`registered ${tenant.display_name} (${tenant.status}, has secret: ${tenant.has_client_secret})`);
    return { kind: "created", value: tenant };
}

// --- schedules: the kind-discriminated cadence ------------------------------------------

export const nightly: Cadence = { kind: "daily", times: ["02:30"] };
export const twiceAWeek: Cadence = { kind: "weekly", days: ["mon", "thu"], times: ["22:00"] };

export function describeCadence(cadence: Cadence): string {
    switch (cadence.kind) {
        case "daily":
            return `every day at ${cadence.times.join(", ")}`;
        case "weekly":
            return `on ${cadence.days.join(", ")} at ${cadence.times.join(", ")}`;
        default:
            return assertNever(cadence);
    }
}

export async function createSchedules(tenantId: string): Promise<Created<Schedule>[]> {
    const results: Created<Schedule>[] = [];
    for (const [name, cadence] of [
        ["Nightly", nightly],
        ["Twice a week", twiceAWeek],
    ] as const) {
        const { data, error, response } = await api.POST("/api/v1/tenants/{tenant_id}/backup-schedules", {
            params: {
                path: { tenant_id: tenantId },
                header: { "Idempotency-Key": crypto.randomUUID() },
            } satisfies ParamsOf<"/api/v1/tenants/{tenant_id}/backup-schedules", "post">,
            body: {
                name,
                cadence,
                timezone: "Europe/Berlin",
                policy_types: ["deviceConfigurations", "settingsCatalog"],
                include_foundations: true,
                retention_keep_last: 14,
            } satisfies JsonBodyOf<"/api/v1/tenants/{tenant_id}/backup-schedules", "post">,
        });
        if (error) throw new ApiProblem(error, response);
        if ("location" in data) {
            results.push({ kind: "accepted", location: data.location });
        } else {
            console.log(`${data.name}: ${describeCadence(data.cadence)}, next run ${data.next_run_at ?? "never"}`);
            results.push({ kind: "created", value: data });
        }
    }
    return results;
}

// --- optimistic concurrency: read, then PATCH with If-Match -----------------------------

function etagOf(response: Response): ScheduleETag | undefined {
    return response.headers.get("ETag") ?? undefined;
}

function currentETagOf(response: Response): CurrentETag | undefined {
    return response.headers.get("ETag") ?? undefined;
}

/** Moves a schedule to a weekly cadence; on a lost race (412) reports it instead. */
export async function makeWeekly(tenantId: string, scheduleId: string): Promise<string> {
    const path = { tenant_id: tenantId, schedule_id: scheduleId };
    const read = await api.GET(SCHEDULE, { params: { path } satisfies ParamsOf<typeof SCHEDULE, "get"> });
    if (read.error) throw new ApiProblem(read.error, read.response);
    const schedule: Schedule = read.data;
    // The ETag is the version, quoted; fall back to the body's `version`.
    const ifMatch: string = etagOf(read.response) ?? `"${schedule.version}"`;

    const cadence: Cadence =
        schedule.cadence.kind === "weekly"
            ? { ...schedule.cadence, days: [...schedule.cadence.days, "sat"] }
            : { kind: "weekly", days: ["sun"], times: schedule.cadence.times };

    const { data, error, response } = await api.PATCH(SCHEDULE, {
        params: {
            path,
            header: { "If-Match": ifMatch, "Idempotency-Key": crypto.randomUUID() },
        } satisfies ParamsOf<typeof SCHEDULE, "patch">,
        body: { cadence, enabled: true } satisfies JsonBodyOf<typeof SCHEDULE, "patch">,
    });
    if (error) {
        if (error.code === "version_mismatch") {
            return `changed meanwhile; now at ${currentETagOf(response) ?? "an unknown version"}`;
        }
        return describeProblem(error);
    }
    if ("location" in data) {
        return `saved as version ${data.version ?? "?"}; it shows at ${data.location} shortly`;
    }
    const updated: Schedule = data;
    const expected: number = schedule.version + 1;
    const note = updated.version === expected ? "" : ` (expected ${expected}: someone else wrote too)`;
    return `version ${updated.version}${note}: ${describeCadence(updated.cadence)}`;
}

// --- run now: 202 is the queued run, or WriteAccepted -----------------------------------

export type RunNow = { kind: "run"; run: Run } | { kind: "accepted"; location: string };

export async function runNow(tenantId: string, scheduleId: string): Promise<RunNow> {
    const { data, error, response } = await api.POST(`${SCHEDULE}/run-now`, {
        params: {
            path: { tenant_id: tenantId, schedule_id: scheduleId },
            header: { "Idempotency-Key": crypto.randomUUID() },
        } satisfies ParamsOf<`${typeof SCHEDULE}/run-now`, "post">,
    });
    if (error) {
        throw new ApiProblem(error, response);
    }
    // Both bodies have a string `status`, so `location` is what tells them apart.
    if ("location" in data) {
        const accepted: WriteAccepted = data;
        if (accepted.status !== "accepted") {
            throw new Error(`unexpected status ${accepted.status}`);
        }
        return { kind: "accepted", location: accepted.location };
    }
    const run: Run = data;
    console.log(`run ${run.id} ${run.status} (${run.trigger}), queued at ${run.queued_at}`);
    return { kind: "run", run };
}

// --- the audit feed ----------------------------------------------------------------------

/** Follows `/api/v1/events` from `after` until it is caught up; returns the next `after`. */
export async function followAudit(
    tenantId: string,
    after: number,
    onEvent: (event: AuditEvent) => void,
): Promise<number> {
    let position = after;
    for (;;) {
        const { data, error, response } = await api.GET("/api/v1/events", {
            params: {
                query: { after: position, limit: 500, tenant_id: tenantId, aggregate_type: "schedule" },
            } satisfies ParamsOf<"/api/v1/events", "get">,
        });
        if (error) throw new ApiProblem(error, response);
        for (const event of data.items) {
            const actor = event.metadata["actor"];
            console.log(
                `#${event.position} ${event.recorded_at} ${event.aggregate_type}/${event.aggregate_id} ` +
                    `v${event.sequence} ${event.event_type} by ${typeof actor === "string" ? actor : "?"}`,
            );
            onEvent(event);
        }
        if (data.next_after === position) return position;
        position = data.next_after;
    }
}
