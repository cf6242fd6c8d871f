// Create or edit a schedule. Validation is the API's: its field-level problem `errors` are
// shown at their fields (a bad timezone at the timezone field, `cadence.times[1]` at the
// times), the rest under the form.
import { useMemo, useState } from "preact/hooks";
import { useLocation, useRoute } from "preact-iso";
import { api, ifMatch, run, type Problem, type Schemas } from "../api/client";
import { StaleNotice, whatChanged } from "../components/action";
import { Field, described } from "../components/field";
import { useLoad } from "../components/load";
import { errorsFor, fieldMatches, ProblemMessage } from "../components/problem";
import { scheduleStale } from "../components/schedule-actions";
import { Loading, Screen } from "../components/screen";
import { untilVersion, writtenId, writtenVersion } from "../components/wait";
import { useScheduleCrumb, useTenantCrumb } from "../components/crumb-names";

type Schedule = Schemas["ScheduleResponse"];
type Day = Schemas["DayOfWeek"];
const DAYS: [Day, string][] = [
  ["mon", "Monday"],
  ["tue", "Tuesday"],
  ["wed", "Wednesday"],
  ["thu", "Thursday"],
  ["fri", "Friday"],
  ["sat", "Saturday"],
  ["sun", "Sunday"],
];
const FIELDS = ["name", "cadence", "timezone", "policy_types", "retention_keep_last", "include_foundations", "enabled"];

export function ScheduleForm() {
  const { params } = useRoute();
  const tenantId = params.tenant!;
  const tenantCrumb = useTenantCrumb(tenantId);
  const scheduleId = params.schedule;
  const scheduleCrumb = useScheduleCrumb(tenantId, scheduleId);
  const types = useLoad(() => run(api.GET("/api/v1/policy-types")), []);
  const existing = useLoad(
    () =>
      scheduleId
        ? run(api.GET("/api/v1/tenants/{tenant_id}/backup-schedules/{schedule_id}", { params: { path: { tenant_id: tenantId, schedule_id: scheduleId } } }))
        : Promise.resolve({ ok: true as const, data: undefined, response: new Response() }),
    [tenantId, scheduleId],
  );
  const crumbs = [
    { href: "/", label: "Tenants" },
    tenantCrumb,
    ...scheduleCrumb,
  ];
  if ((scheduleId && !existing.data) || !types.data) {
    return (
      <Screen title={scheduleId ? "Edit schedule" : "New schedule"} crumbs={crumbs}>
        <ProblemMessage problem={existing.problem ?? types.problem} />
        {existing.problem || types.problem ? null : <Loading what="the form" />}
      </Screen>
    );
  }
  return <Form tenantId={tenantId} schedule={existing.data} catalog={types.data.items} reload={existing.reload} crumbs={crumbs} />;
}

function Form({
  tenantId,
  schedule,
  catalog,
  reload,
  crumbs,
}: {
  tenantId: string;
  schedule: Schedule | undefined;
  catalog: Schemas["PolicyTypeResponse"][];
  reload: () => Promise<unknown>;
  crumbs: { href: string; label: string }[];
}) {
  const { route } = useLocation();
  const [name, setName] = useState(schedule?.name ?? "");
  const [kind, setKind] = useState<"daily" | "weekly">(schedule?.cadence.kind ?? "daily");
  const [times, setTimes] = useState(schedule?.cadence.times.join(", ") ?? "02:00");
  const [days, setDays] = useState<Day[]>(schedule && "days" in schedule.cadence ? schedule.cadence.days : ["mon"]);
  const [timezone, setTimezone] = useState(schedule?.timezone ?? Intl.DateTimeFormat().resolvedOptions().timeZone);
  const [types, setTypes] = useState<string[]>(schedule?.policy_types ?? catalog.map((t) => t.key));
  const [foundations, setFoundations] = useState(schedule?.include_foundations ?? false);
  const [keep, setKeep] = useState(String(schedule?.retention_keep_last ?? 7));
  const [problem, setProblem] = useState<Problem>();
  const [changed, setChanged] = useState<string[] | null>(null);
  const [busy, setBusy] = useState(false);
  const zones = useMemo(() => {
    try {
      return Intl.supportedValuesOf("timeZone");
    } catch {
      return [];
    }
  }, []);

  async function submit(event: Event) {
    event.preventDefault();
    setBusy(true);
    setProblem(undefined);
    const cadence: Schemas["Cadence"] =
      kind === "weekly"
        ? { kind: "weekly", days, times: splitTimes(times) }
        : { kind: "daily", times: splitTimes(times) };
    const body = {
      name,
      cadence,
      // sent as typed: the API says whether it is a timezone (at the timezone field)
      timezone: timezone as Schemas["TimezoneName"],
      policy_types: types as Schemas["PolicyTypeKey"][],
      include_foundations: foundations,
      retention_keep_last: keep === "" ? null : Number(keep),
    };
    const outcome = schedule
      ? await run(
          api.PATCH("/api/v1/tenants/{tenant_id}/backup-schedules/{schedule_id}", {
            params: { path: { tenant_id: tenantId, schedule_id: schedule.id }, header: ifMatch(schedule.version) },
            body,
          }),
        )
      : await run(api.POST("/api/v1/tenants/{tenant_id}/backup-schedules", { params: { path: { tenant_id: tenantId } }, body }));
    setBusy(false);
    if (!outcome.ok) {
      setProblem(outcome.problem);
      if (outcome.problem.status === 412 && schedule) setChanged(await whatChanged(scheduleStale(schedule, reload)));
      // the first invalid control takes the focus, so its message is read out
      queueMicrotask(() => document.querySelector<HTMLElement>("[aria-invalid=true]")?.focus());
      return;
    }
    const id = schedule?.id ?? writtenId(outcome.data);
    if (!id) return;
    await untilVersion(
      () => run(api.GET("/api/v1/tenants/{tenant_id}/backup-schedules/{schedule_id}", { params: { path: { tenant_id: tenantId, schedule_id: id } } })),
      writtenVersion(outcome.data),
    );
    route(`/tenants/${tenantId}/schedules/${id}`);
  }

  const errors = (field: string) => errorsFor(problem, field);
  const cadenceErrors = (problem?.errors ?? [])
    .filter((e) => fieldMatches(e.field, "cadence") && !fieldMatches(e.field, "cadence.times") && !fieldMatches(e.field, "cadence.days"))
    .map((e) => e.message);
  return (
    <Screen title={schedule ? `Edit ${schedule.name}` : "New schedule"} crumbs={crumbs}>
      <form onSubmit={submit} noValidate>
        <Field id="name" label="Name" errors={errors("name")}>
          <input {...described("name", errors("name"))} value={name} onInput={(e) => setName(e.currentTarget.value)} />
        </Field>
        <fieldset class={cadenceErrors.length ? "invalid" : undefined} aria-describedby={cadenceErrors.length ? "cadence-error" : undefined}>
          <legend>Cadence</legend>
          <label class="inline">
            <input type="radio" name="kind" checked={kind === "daily"} onChange={() => setKind("daily")} /> Every day
          </label>
          <label class="inline">
            <input type="radio" name="kind" checked={kind === "weekly"} onChange={() => setKind("weekly")} /> On some days of the week
          </label>
          {cadenceErrors.length ? (
            <p class="field-error" id="cadence-error">
              {cadenceErrors.join("; ")}
            </p>
          ) : null}
        </fieldset>
        {kind === "weekly" ? (
          <fieldset class={errors("cadence.days").length ? "invalid" : undefined} aria-describedby={errors("cadence.days").length ? "days-error" : undefined}>
            <legend>Days</legend>
            {DAYS.map(([day, label]) => (
              <label class="inline" key={day}>
                <input
                  type="checkbox"
                  checked={days.includes(day)}
                  onChange={(e) => setDays(e.currentTarget.checked ? [...days, day] : days.filter((d) => d !== day))}
                />{" "}
                {label}
              </label>
            ))}
            {errors("cadence.days").length ? (
              <p class="field-error" id="days-error">
                {errors("cadence.days").join("; ")}
              </p>
            ) : null}
          </fieldset>
        ) : null}
        <Field id="times" label="Times" hint="Wall-clock times in the schedule's timezone, HH:MM, separated by commas." errors={errors("cadence.times")}>
          <input {...described("times", errors("cadence.times"), true)} value={times} onInput={(e) => setTimes(e.currentTarget.value)} />
        </Field>
        <Field id="timezone" label="Timezone" hint="An IANA timezone name, for example Europe/Berlin." errors={errors("timezone")}>
          <input {...described("timezone", errors("timezone"), true)} list="zones" value={timezone} onInput={(e) => setTimezone(e.currentTarget.value)} spellcheck={false} />
          <datalist id="zones">
            {zones.map((zone) => (
              <option key={zone} value={zone} />
            ))}
          </datalist>
        </Field>
        <fieldset class={errors("policy_types").length ? "invalid" : undefined} aria-describedby={errors("policy_types").length ? "types-error" : undefined}>
          <legend>Policy types</legend>
          <div class="columns">
            {catalog.map((type) => (
              <label class="inline" key={type.key}>
                <input
                  type="checkbox"
                  checked={types.includes(type.key)}
                  onChange={(e) => setTypes(e.currentTarget.checked ? [...types, type.key] : types.filter((t) => t !== type.key))}
                />{" "}
                {type.display_name}
              </label>
            ))}
          </div>
          {errors("policy_types").length ? (
            <p class="field-error" id="types-error">
              {errors("policy_types").join("; ")}
            </p>
          ) : null}
        </fieldset>
        <div class="field">
          <label class="inline">
            <input type="checkbox" checked={foundations} onChange={(e) => setFoundations(e.currentTarget.checked)} /> Also back up foundations (scope tags, assignment filters, …)
          </label>
        </div>
        <Field id="retention" label="Keep the last backups" hint="1 to 365 backup-producing runs." errors={errors("retention_keep_last")}>
          <input {...described("retention", errors("retention_keep_last"), true)} type="number" min={1} max={365} value={keep} onInput={(e) => setKeep(e.currentTarget.value)} />
        </Field>
        <div class="form-actions">
          <button type="submit" disabled={busy}>
            {busy ? "Saving…" : schedule ? "Save" : "Create schedule"}
          </button>
          <a href={schedule ? `/tenants/${tenantId}/schedules/${schedule.id}` : `/tenants/${tenantId}`}>Cancel</a>
        </div>
        {problem?.status === 412 && schedule ? (
          <StaleNotice
            problem={problem}
            changed={changed}
            reload={async () => {
              const current = await reload();
              if (current) location.reload();
            }}
          />
        ) : (
          <ProblemMessage problem={problem} shownFields={FIELDS} />
        )}
      </form>
    </Screen>
  );
}

function splitTimes(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((time) => time.trim())
    .filter(Boolean);
}
