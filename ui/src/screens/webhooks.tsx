// Webhooks (admins manage, auditors read): the list, and creating one, whose signing
// secret is shown once.
import { useState } from "preact/hooks";
import { api, run, type Problem, type Schemas } from "../api/client";
import { useCan } from "../caller";
import { Field, described } from "../components/field";
import { useCursor, useLoad } from "../components/load";
import { Pager } from "../components/pager";
import { errorsFor, ProblemMessage } from "../components/problem";
import { Loading, Screen } from "../components/screen";
import { SecretOnce } from "../components/secret-once";
import { Time } from "../components/time";

type EventType = Schemas["WebhookEventType"];
const EVENT_TYPES: EventType[] = [
  "backup_run.succeeded",
  "backup_run.partial",
  "backup_run.failed",
  "backup_slot.skipped",
  "backup_schedule.retention_applied",
  "backup_schedule.changed",
];

export function Webhooks() {
  const paging = useCursor();
  const canManage = useCan("manage_webhooks");
  const [created, setCreated] = useState<Schemas["CreatedWebhookResponse"]>();
  const hooks = useLoad(() => run(api.GET("/api/v1/webhooks", { params: { query: { limit: 25, cursor: paging.cursor } } })), [paging.cursor]);
  return (
    <Screen title="Webhooks">
      {created ? <SecretOnce label={`Signing secret of ${created.url}`} value={created.secret} /> : null}
      <ProblemMessage problem={hooks.problem} />
      {!hooks.data ? (
        hooks.problem ? null : <Loading what="webhooks" />
      ) : hooks.data.items.length === 0 ? (
        <p>No webhooks.</p>
      ) : (
        <div class="table-wrap" tabIndex={0}>
          <table>
            <caption class="sr-only">Webhooks</caption>
            <thead>
              <tr>
                <th scope="col">URL</th>
                <th scope="col">Events</th>
                <th scope="col">Enabled</th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {hooks.data.items.map((hook) => (
                <tr key={hook.id}>
                  <th scope="row">
                    <a href={`/webhooks/${hook.id}`}>{hook.url}</a>
                    {hook.description ? <div class="muted">{hook.description}</div> : null}
                  </th>
                  <td>{hook.event_types.join(", ")}</td>
                  <td>{hook.enabled ? "Yes" : `No${hook.disabled_reason ? ` (${hook.disabled_reason})` : ""}`}</td>
                  <td>
                    <Time iso={hook.created_at} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pager label="Webhooks" page={paging.page} nextCursor={hooks.data?.next_cursor} next={paging.next} previous={paging.previous} />
      {canManage ? (
        <CreateWebhook
          onCreated={async (hook) => {
            setCreated(hook);
            await hooks.reload();
          }}
        />
      ) : null}
    </Screen>
  );
}

function CreateWebhook({ onCreated }: { onCreated: (hook: Schemas["CreatedWebhookResponse"]) => Promise<void> }) {
  const [url, setUrl] = useState("");
  const [description, setDescription] = useState("");
  const [types, setTypes] = useState<EventType[]>(["backup_run.failed", "backup_run.partial"]);
  const [problem, setProblem] = useState<Problem>();
  const [busy, setBusy] = useState(false);
  const errors = (field: string) => errorsFor(problem, field);
  return (
    <section aria-labelledby="new-webhook">
      <h2 id="new-webhook">New webhook</h2>
      <form
        noValidate
        onSubmit={async (event) => {
          event.preventDefault();
          setBusy(true);
          setProblem(undefined);
          const outcome = await run(api.POST("/api/v1/webhooks", { body: { url, event_types: types, ...(description ? { description } : {}) } }));
          setBusy(false);
          if (!outcome.ok) {
            setProblem(outcome.problem);
            return;
          }
          setUrl("");
          setDescription("");
          await onCreated(outcome.data);
        }}
      >
        <Field id="webhook-url" label="URL" hint="An absolute https URL that receives signed POSTs." errors={errors("url")}>
          <input {...described("webhook-url", errors("url"), true)} type="url" value={url} onInput={(e) => setUrl(e.currentTarget.value)} />
        </Field>
        <Field id="webhook-description" label="Description (optional)" errors={errors("description")}>
          <input {...described("webhook-description", errors("description"))} value={description} onInput={(e) => setDescription(e.currentTarget.value)} />
        </Field>
        <fieldset class={errors("event_types").length ? "invalid" : undefined}>
          <legend>Events</legend>
          {EVENT_TYPES.map((type) => (
            <label class="inline" key={type}>
              <input type="checkbox" checked={types.includes(type)} onChange={(e) => setTypes(e.currentTarget.checked ? [...types, type] : types.filter((t) => t !== type))} /> {type}
            </label>
          ))}
          {errors("event_types").length ? <p class="field-error">{errors("event_types").join("; ")}</p> : null}
        </fieldset>
        <div class="form-actions">
          <button type="submit" disabled={busy}>
            {busy ? "Creating…" : "Create webhook"}
          </button>
        </div>
        <ProblemMessage problem={problem} shownFields={["url", "description", "event_types"]} />
      </form>
    </section>
  );
}
