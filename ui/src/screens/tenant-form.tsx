// Register a tenant, or edit one (display name, client id, client secret). The secret is
// write-only: the form never shows it, only whether one is set.
import { useState } from "preact/hooks";
import { useLocation, useRoute } from "preact-iso";
import { api, ifMatch, run, type Problem, type Schemas } from "../api/client";
import { StaleNotice, whatChanged } from "../components/action";
import { Field, described } from "../components/field";
import { useLoad } from "../components/load";
import { errorsFor, ProblemMessage } from "../components/problem";
import { Loading, Screen } from "../components/screen";
import { tenantStale } from "../components/tenant-stale";
import { untilVersion, writtenId, writtenVersion } from "../components/wait";

const FIELDS = ["display_name", "azure_tenant_id", "client_id", "client_secret"];

export function TenantForm() {
  const { params } = useRoute();
  const tenantId = params.tenant;
  const existing = useLoad(
    () =>
      tenantId
        ? run(api.GET("/api/v1/tenants/{tenant_id}", { params: { path: { tenant_id: tenantId } } }))
        : Promise.resolve({ ok: true as const, data: undefined, response: new Response() }),
    [tenantId],
  );
  if (tenantId && !existing.data) {
    return (
      <Screen title="Edit tenant" crumbs={[{ href: "/", label: "Tenants" }]}>
        {existing.problem ? <ProblemMessage problem={existing.problem} /> : <Loading what="the tenant" />}
      </Screen>
    );
  }
  // keyed by version: reloading after a 412 starts the form again from the current tenant
  return <Form key={existing.data?.version} tenant={existing.data} reload={existing.reload} />;
}

function Form({ tenant, reload }: { tenant: Schemas["TenantResponse"] | undefined; reload: () => Promise<unknown> }) {
  const { route } = useLocation();
  const [displayName, setDisplayName] = useState(tenant?.display_name ?? "");
  const [azureTenantId, setAzureTenantId] = useState(tenant?.azure_tenant_id ?? "");
  const [clientId, setClientId] = useState(tenant?.client_id ?? "");
  const [secret, setSecret] = useState("");
  const [problem, setProblem] = useState<Problem>();
  const [changed, setChanged] = useState<string[] | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: Event) {
    event.preventDefault();
    setBusy(true);
    setProblem(undefined);
    setChanged(null);
    const outcome = tenant
      ? await run(
          api.PATCH("/api/v1/tenants/{tenant_id}", {
            params: { path: { tenant_id: tenant.id }, header: ifMatch(tenant.version) },
            body: {
              display_name: displayName,
              client_id: clientId,
              ...(secret ? { client_secret: secret } : {}),
            },
          }),
        )
      : await run(
          api.POST("/api/v1/tenants", {
            body: {
              display_name: displayName,
              azure_tenant_id: azureTenantId,
              client_id: clientId,
              ...(secret ? { client_secret: secret } : {}),
            },
          }),
        );
    setBusy(false);
    if (!outcome.ok) {
      setProblem(outcome.problem);
      if (outcome.problem.status === 412 && tenant) setChanged(await whatChanged(tenantStale(tenant, reload)));
      return;
    }
    const id = tenant?.id ?? writtenId(outcome.data);
    if (id) {
      await untilVersion(
        () => run(api.GET("/api/v1/tenants/{tenant_id}", { params: { path: { tenant_id: id } } })),
        writtenVersion(outcome.data),
      );
      route(`/tenants/${id}`);
    }
  }

  const title = tenant ? `Edit ${tenant.display_name}` : "Register a tenant";
  const errors = (field: string) => errorsFor(problem, field);
  return (
    <Screen
      title={title}
      crumbs={[{ href: "/", label: "Tenants" }, ...(tenant ? [{ href: `/tenants/${tenant.id}`, label: tenant.display_name }] : [])]}
    >
      <form onSubmit={submit} noValidate>
        <Field id="display_name" label="Display name" errors={errors("display_name")}>
          <input {...described("display_name", errors("display_name"))} value={displayName} onInput={(e) => setDisplayName(e.currentTarget.value)} />
        </Field>
        {tenant ? null : (
          <Field id="azure_tenant_id" label="Azure tenant id" hint="The directory (tenant) id, a GUID." errors={errors("azure_tenant_id")}>
            <input {...described("azure_tenant_id", errors("azure_tenant_id"), true)} value={azureTenantId} onInput={(e) => setAzureTenantId(e.currentTarget.value)} spellcheck={false} />
          </Field>
        )}
        <Field id="client_id" label="Client id" hint="The app registration's application (client) id." errors={errors("client_id")}>
          <input {...described("client_id", errors("client_id"), true)} value={clientId} onInput={(e) => setClientId(e.currentTarget.value)} spellcheck={false} />
        </Field>
        <Field
          id="client_secret"
          label="Client secret"
          hint={tenant?.has_client_secret ? "A secret is set; it is never shown. Type a new one to replace it, or leave empty." : "Write-only: it is sealed and never shown again."}
          errors={errors("client_secret")}
        >
          <input {...described("client_secret", errors("client_secret"), true)} type="password" autoComplete="new-password" value={secret} onInput={(e) => setSecret(e.currentTarget.value)} />
        </Field>
        <div class="form-actions">
          <button type="submit" disabled={busy}>
            {busy ? "Saving…" : tenant ? "Save" : "Register"}
          </button>
          <a href={tenant ? `/tenants/${tenant.id}` : "/"}>Cancel</a>
        </div>
        {problem?.status === 412 && tenant ? (
          <StaleNotice problem={problem} changed={changed} reload={reload} />
        ) : (
          <ProblemMessage problem={problem} shownFields={FIELDS} />
        )}
      </form>
    </Screen>
  );
}
