// API tokens (admins): issue one (its value is shown once), list, revoke.
import { useState } from "preact/hooks";
import { api, run, type Problem, type Schemas } from "../api/client";
import { ActionButton } from "../components/action";
import { Field, described } from "../components/field";
import { useCursor, useLoad } from "../components/load";
import { Pager } from "../components/pager";
import { errorsFor, ProblemMessage } from "../components/problem";
import { Loading, Screen } from "../components/screen";
import { SecretOnce } from "../components/secret-once";
import { Time } from "../components/time";

type Role = "admin" | "operator" | "auditor" | "viewer";

export function Tokens() {
  const paging = useCursor();
  const [issued, setIssued] = useState<Schemas["CreatedTokenResponse"]>();
  const tokens = useLoad(() => run(api.GET("/api/v1/tokens", { params: { query: { limit: 50, cursor: paging.cursor } } })), [paging.cursor]);
  return (
    <Screen title="API tokens">
      {issued ? <SecretOnce label={`Token "${issued.name}" (${issued.role})`} value={issued.token} /> : null}
      <IssueToken
        onIssued={async (token) => {
          setIssued(token);
          await tokens.reload();
        }}
      />
      <h2>Tokens</h2>
      <ProblemMessage problem={tokens.problem} />
      {!tokens.data ? (
        tokens.problem ? null : <Loading what="tokens" />
      ) : (
        <div class="table-wrap" tabIndex={0}>
          <table>
            <caption class="sr-only">Tokens</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Role</th>
                <th scope="col">Tenants</th>
                <th scope="col">Issued</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {tokens.data.items.map((token) => (
                <tr key={token.id}>
                  <th scope="row">{token.name}</th>
                  <td>{token.role}</td>
                  <td>{token.tenant_ids ? `${token.tenant_ids.length} tenant${token.tenant_ids.length > 1 ? "s" : ""}` : "every tenant"}</td>
                  <td>
                    <Time iso={token.created_at} />
                  </td>
                  <td>
                    {token.revoked_at ? (
                      <span>
                        revoked <Time iso={token.revoked_at} />
                      </span>
                    ) : (
                      <ActionButton
                        label={`Revoke ${token.name}`}
                        danger
                        confirm={`Revoke the token ${token.name}? It stops working at once.`}
                        action={() => run(api.DELETE("/api/v1/tokens/{token_id}", { params: { path: { token_id: token.id } } }))}
                        onDone={() => void tokens.reload()}
                      />
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pager label="Tokens" page={paging.page} nextCursor={tokens.data?.next_cursor} next={paging.next} previous={paging.previous} />
    </Screen>
  );
}

function IssueToken({ onIssued }: { onIssued: (token: Schemas["CreatedTokenResponse"]) => Promise<void> }) {
  const [name, setName] = useState("");
  const [role, setRole] = useState<Role>("operator");
  const [tenantIds, setTenantIds] = useState<string[]>([]);
  const [problem, setProblem] = useState<Problem>();
  const [busy, setBusy] = useState(false);
  const tenants = useLoad(() => run(api.GET("/api/v1/tenants", { params: { query: { limit: 200 } } })), []);
  const errors = (field: string) => errorsFor(problem, field);
  async function submit(event: Event) {
    event.preventDefault();
    setBusy(true);
    setProblem(undefined);
    const outcome = await run(
      role === "admin"
        ? api.POST("/api/v1/tokens", { body: { name, role: "admin" } })
        : role === "operator"
          ? api.POST("/api/v1/tokens", { body: { name, role: "operator", tenant_ids: tenantIds } })
          : api.POST("/api/v1/tokens", { body: { name, role, tenant_ids: tenantIds.length ? tenantIds : null } }),
    );
    setBusy(false);
    if (!outcome.ok) {
      setProblem(outcome.problem);
      return;
    }
    setName("");
    await onIssued(outcome.data);
  }
  return (
    <section aria-labelledby="issue-heading">
      <h2 id="issue-heading">Issue a token</h2>
      <form onSubmit={submit} noValidate>
        <Field id="token-name" label="Name" errors={errors("name")}>
          <input {...described("token-name", errors("name"))} value={name} onInput={(e) => setName(e.currentTarget.value)} />
        </Field>
        <Field id="token-role" label="Role" errors={errors("role")}>
          <select {...described("token-role", errors("role"))} value={role} onChange={(e) => setRole(e.currentTarget.value as Role)}>
            <option value="operator">operator: schedules and runs of its tenants</option>
            <option value="auditor">auditor: reads everything, the history too</option>
            <option value="viewer">viewer: reads</option>
            <option value="admin">admin: everything</option>
          </select>
        </Field>
        {role === "admin" ? null : (
          <fieldset class={errors("tenant_ids").length ? "invalid" : undefined}>
            <legend>Tenants {role === "operator" ? "(at least one)" : "(none: every tenant)"}</legend>
            {(tenants.data?.items ?? []).map((tenant) => (
              <label class="inline" key={tenant.id}>
                <input
                  type="checkbox"
                  checked={tenantIds.includes(tenant.id)}
                  onChange={(e) => setTenantIds(e.currentTarget.checked ? [...tenantIds, tenant.id] : tenantIds.filter((id) => id !== tenant.id))}
                />{" "}
                {tenant.display_name}
              </label>
            ))}
            {errors("tenant_ids").length ? <p class="field-error">{errors("tenant_ids").join("; ")}</p> : null}
          </fieldset>
        )}
        <div class="form-actions">
          <button type="submit" disabled={busy}>
            {busy ? "Issuing…" : "Issue token"}
          </button>
        </div>
        <ProblemMessage problem={problem} shownFields={["name", "role", "tenant_ids"]} />
      </form>
    </section>
  );
}
