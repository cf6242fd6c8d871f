// A policy's version history across the backup sets, and the changes between two versions
// (each with the one before by default), side by side.
import { useState } from "preact/hooks";
import { useRoute } from "preact-iso";
import { api, run } from "../api/client";
import { Changes } from "../components/changes";
import { useCursor, useLoad } from "../components/load";
import { Pager } from "../components/pager";
import { ProblemMessage } from "../components/problem";
import { Loading, Screen } from "../components/screen";
import { Time } from "../components/time";
import { useTenantCrumb } from "../components/crumb-names";

export function PolicyHistory() {
  const { params } = useRoute();
  const tenantId = params.tenant!;
  const tenantCrumb = useTenantCrumb(tenantId);
  const policyId = params.policy!;
  const path = { tenant_id: tenantId, policy_id: policyId };
  const paging = useCursor();
  const policy = useLoad(() => run(api.GET("/api/v1/tenants/{tenant_id}/policies/{policy_id}", { params: { path } })), [tenantId, policyId]);
  const versions = useLoad(
    () => run(api.GET("/api/v1/tenants/{tenant_id}/policies/{policy_id}/versions", { params: { path, query: { limit: 50, cursor: paging.cursor } } })),
    [tenantId, policyId, paging.cursor],
  );
  const [pair, setPair] = useState<{ from: string; to: string }>();
  const diff = useLoad(
    () =>
      pair
        ? run(api.GET("/api/v1/tenants/{tenant_id}/policies/{policy_id}/versions/diff", { params: { path, query: pair } }))
        : Promise.resolve({ ok: true as const, data: undefined, response: new Response() }),
    [pair],
  );
  const items = versions.data?.items ?? [];
  return (
    <Screen
      title={policy.data ? `${policy.data.display_name}: versions` : "Policy versions"}
      crumbs={[
        { href: "/", label: "Tenants" },
        tenantCrumb,
        { href: `/tenants/${tenantId}/policies`, label: "Policies" },
      ]}
    >
      <ProblemMessage problem={policy.problem ?? versions.problem} />
      {!versions.data ? (
        versions.problem ? null : <Loading what="versions" />
      ) : items.length === 0 ? (
        <p>This policy is in no live backup set.</p>
      ) : (
        <div class="table-wrap" tabIndex={0}>
          <table>
            <caption class="sr-only">Versions, oldest first</caption>
            <thead>
              <tr>
                <th scope="col">Version</th>
                <th scope="col">First backed up</th>
                <th scope="col">Last backed up</th>
                <th scope="col" class="num">Sets</th>
                <th scope="col">Changes</th>
              </tr>
            </thead>
            <tbody>
              {items.map((version, index) => {
                const previous = items[index - 1];
                return (
                  <tr key={version.content_hash}>
                    <th scope="row">
                      <code class="hash">{version.content_hash.slice(0, 12)}</code>
                    </th>
                    <td>
                      <a href={`/tenants/${tenantId}/backup-sets/${version.first_backup_set_id}`}>
                        <Time iso={version.first_backed_up_at} />
                      </a>
                    </td>
                    <td>
                      <a href={`/tenants/${tenantId}/backup-sets/${version.last_backup_set_id}`}>
                        <Time iso={version.last_backed_up_at} />
                      </a>
                    </td>
                    <td class="num">{version.backup_set_count}</td>
                    <td>
                      {previous ? (
                        <button type="button" onClick={() => setPair({ from: previous.content_hash, to: version.content_hash })}>
                          Show changes from the version before
                        </button>
                      ) : (
                        <span class="muted">first version</span>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      <Pager label="Versions" page={paging.page} nextCursor={versions.data?.next_cursor} next={paging.next} previous={paging.previous} />
      {pair ? (
        <section aria-live="polite">
          <h2>Changes</h2>
          <ProblemMessage problem={diff.problem} />
          {diff.data ? <Changes changes={diff.data.changes} caption={`From ${pair.from.slice(0, 12)} to ${pair.to.slice(0, 12)}`} /> : null}
        </section>
      ) : null}
    </Screen>
  );
}
