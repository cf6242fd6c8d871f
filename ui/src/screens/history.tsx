// A tenant's or a schedule's history (the event feed): who did what, when, from which
// request; and the resource as it was at a chosen time (`as_of` replay).
import { useState } from "preact/hooks";
import { useRoute } from "preact-iso";
import { api, run, type Schemas } from "../api/client";
import { Field, described } from "../components/field";
import { useLoad } from "../components/load";
import { ProblemMessage } from "../components/problem";
import { Loading, Screen } from "../components/screen";
import { Time } from "../components/time";
import { useTenantCrumb, useScheduleCrumb } from "../components/crumb-names";

type Event = Schemas["EventResponse"];
type Page = { items: Event[]; next_after: number };

export function History() {
  const { params } = useRoute();
  const tenantId = params.tenant!;
  const scheduleId = params.schedule;
  const [after, setAfter] = useState<number[]>([0]);
  const position = after[after.length - 1] ?? 0;
  const events = useLoad<Page>(
    () =>
      scheduleId
        ? run(
            api.GET("/api/v1/tenants/{tenant_id}/backup-schedules/{schedule_id}/events", {
              params: { path: { tenant_id: tenantId, schedule_id: scheduleId }, query: { after: position, limit: 50 } },
            }),
          )
        : run(api.GET("/api/v1/tenants/{tenant_id}/events", { params: { path: { tenant_id: tenantId }, query: { after: position, limit: 50 } } })),
    [tenantId, scheduleId, position],
  );
  const tenantCrumb = useTenantCrumb(tenantId);
  const scheduleCrumb = useScheduleCrumb(tenantId, scheduleId);
  const crumbs = [
    { href: "/", label: "Tenants" },
    tenantCrumb,
    ...scheduleCrumb,
  ];
  const items = events.data?.items ?? [];
  return (
    <Screen title={scheduleId ? "Schedule history" : "Tenant history"} crumbs={crumbs}>
      <AsOf tenantId={tenantId} scheduleId={scheduleId} />
      <h2>Events, oldest first</h2>
      <ProblemMessage problem={events.problem} />
      {!events.data ? (
        events.problem ? null : <Loading what="the history" />
      ) : items.length === 0 ? (
        <p>No {position ? "more " : ""}events.</p>
      ) : (
        <div class="table-wrap" tabIndex={0}>
          <table>
            <caption class="sr-only">Events</caption>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Who</th>
                <th scope="col">What</th>
                <th scope="col">Request</th>
              </tr>
            </thead>
            <tbody>
              {items.map((event) => {
                const meta = event.metadata as Record<string, unknown>;
                return (
                  <tr key={event.event_id}>
                    <td>
                      <Time iso={event.recorded_at} />
                      <br />
                      <span class="muted">version {event.sequence}</span>
                    </td>
                    <td>{String(meta.actor_name ?? meta.actor ?? "unknown")}</td>
                    <td>
                      <details>
                        <summary>{event.event_type}</summary>
                        <pre class="json" tabIndex={0}>{JSON.stringify(event.payload, null, 2)}</pre>
                      </details>
                    </td>
                    <td>
                      <code class="hash">{String(meta.correlation_id ?? "—")}</code>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      <nav class="pager" aria-label="History pages">
        <button type="button" disabled={after.length === 1} onClick={() => setAfter(after.slice(0, -1))}>
          Previous page
        </button>
        <button type="button" disabled={items.length < 50} onClick={() => events.data && setAfter([...after, events.data.next_after])}>
          Next page
        </button>
      </nav>
    </Screen>
  );
}

/** The resource replayed at a time the user picks (in their timezone). */
function AsOf({ tenantId, scheduleId }: { tenantId: string; scheduleId: string | undefined }) {
  const [at, setAt] = useState("");
  const [asked, setAsked] = useState<string>();
  const state = useLoad<unknown>(
    () =>
      !asked
        ? Promise.resolve({ ok: true as const, data: undefined, response: new Response() })
        : scheduleId
          ? run(api.GET("/api/v1/tenants/{tenant_id}/backup-schedules/{schedule_id}", { params: { path: { tenant_id: tenantId, schedule_id: scheduleId }, query: { as_of: asked } } }))
          : run(api.GET("/api/v1/tenants/{tenant_id}", { params: { path: { tenant_id: tenantId }, query: { as_of: asked } } })),
    [asked, tenantId, scheduleId],
  );
  const errors = state.problem?.status === 404 || state.problem?.status === 400 ? [state.problem.detail] : [];
  return (
    <section aria-labelledby="as-of-heading">
      <h2 id="as-of-heading">As it was at</h2>
      <form
        class="filters"
        onSubmit={(event) => {
          event.preventDefault();
          if (at) setAsked(new Date(at).toISOString());
        }}
      >
        <Field id="as-of" label="Date and time (your timezone)" errors={errors}>
          <input {...described("as-of", errors)} type="datetime-local" step={1} value={at} onInput={(e) => setAt(e.currentTarget.value)} />
        </Field>
        <button type="submit">Show</button>
      </form>
      {state.problem && !errors.length ? <ProblemMessage problem={state.problem} /> : null}
      {asked && state.data ? <pre class="json" tabIndex={0} aria-label="The state at that time">{JSON.stringify(state.data, null, 2)}</pre> : null}
    </section>
  );
}
