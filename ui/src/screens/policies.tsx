// A tenant's policies (the inventory the runs keep), filtered by type and searched by
// name; each opens its version history.
import { useState } from "preact/hooks";
import { useRoute } from "preact-iso";
import { api, run } from "../api/client";
import { useCursor, useLoad } from "../components/load";
import { Pager } from "../components/pager";
import { ProblemMessage } from "../components/problem";
import { Loading, Screen } from "../components/screen";
import { Time } from "../components/time";
import { useTenantCrumb } from "../components/crumb-names";

export function Policies() {
  const { params } = useRoute();
  const tenantId = params.tenant!;
  const tenantCrumb = useTenantCrumb(tenantId);
  const paging = useCursor();
  const [search, setSearch] = useState("");
  const [applied, setApplied] = useState("");
  const policies = useLoad(
    () =>
      run(
        api.GET("/api/v1/tenants/{tenant_id}/policies", {
          params: { path: { tenant_id: tenantId }, query: { limit: 50, cursor: paging.cursor, ...(applied ? { search: applied } : {}) } },
        }),
      ),
    [tenantId, paging.cursor, applied],
  );
  return (
    <Screen title="Policies" crumbs={[{ href: "/", label: "Tenants" }, tenantCrumb]}>
      <form
        class="filters"
        role="search"
        onSubmit={(event) => {
          event.preventDefault();
          paging.first();
          setApplied(search);
        }}
      >
        <div class="field">
          <label for="policy-search">Name contains</label>
          <input id="policy-search" type="search" value={search} onInput={(e) => setSearch(e.currentTarget.value)} />
        </div>
        <button type="submit">Search</button>
      </form>
      <ProblemMessage problem={policies.problem} />
      {!policies.data ? (
        policies.problem ? null : <Loading what="policies" />
      ) : policies.data.items.length === 0 ? (
        <p>No policies: a run fills the inventory.</p>
      ) : (
        <div class="table-wrap" tabIndex={0}>
          <table>
            <caption class="sr-only">Policies</caption>
            <thead>
              <tr>
                <th scope="col">Policy</th>
                <th scope="col">Type</th>
                <th scope="col">Last changed</th>
              </tr>
            </thead>
            <tbody>
              {policies.data.items.map((policy) => (
                <tr key={policy.id}>
                  <th scope="row">
                    <a href={`/tenants/${tenantId}/policies/${policy.id}`}>{policy.display_name}</a>
                    {policy.ignored ? <span class="muted"> (ignored)</span> : null}
                    {policy.deleted_upstream_at ? <span class="muted"> (deleted in Intune)</span> : null}
                  </th>
                  <td>{policy.policy_type}</td>
                  <td>
                    <Time iso={policy.last_changed_at} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pager label="Policies" page={paging.page} nextCursor={policies.data?.next_cursor} next={paging.next} previous={paging.previous} />
    </Screen>
  );
}
