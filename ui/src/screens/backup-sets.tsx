// A tenant's backup sets, newest first, paged.
import { useRoute } from "preact-iso";
import { api, run } from "../api/client";
import { useCursor, useLoad } from "../components/load";
import { Pager } from "../components/pager";
import { ProblemMessage } from "../components/problem";
import { Loading, Screen } from "../components/screen";
import { Time } from "../components/time";
import { Status } from "../components/words";
import { useTenantCrumb } from "../components/crumb-names";

export function BackupSets() {
  const { params } = useRoute();
  const tenantId = params.tenant!;
  const tenantCrumb = useTenantCrumb(tenantId);
  const paging = useCursor();
  const sets = useLoad(
    () => run(api.GET("/api/v1/tenants/{tenant_id}/backup-sets", { params: { path: { tenant_id: tenantId }, query: { limit: 25, cursor: paging.cursor } } })),
    [tenantId, paging.cursor],
  );
  return (
    <Screen title="Backup sets" crumbs={[{ href: "/", label: "Tenants" }, tenantCrumb]}>
      <ProblemMessage problem={sets.problem} />
      {!sets.data ? (
        sets.problem ? null : <Loading what="backup sets" />
      ) : sets.data.items.length === 0 ? (
        <p>No backup sets yet: a run makes one.</p>
      ) : (
        <div class="table-wrap" tabIndex={0}>
          <table>
            <caption class="sr-only">Backup sets, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Backup set</th>
                <th scope="col">Status</th>
                <th scope="col" class="num">Items</th>
                <th scope="col" class="num">Foundations</th>
                <th scope="col">Made</th>
              </tr>
            </thead>
            <tbody>
              {sets.data.items.map((set) => (
                <tr key={set.id}>
                  <th scope="row">
                    <a href={`/tenants/${tenantId}/backup-sets/${set.id}`}>{set.name}</a>
                    {set.deleted_at ? <span class="muted"> (deleted)</span> : null}
                  </th>
                  <td>
                    <Status status={set.status} />
                  </td>
                  <td class="num">{set.item_count}</td>
                  <td class="num">{set.foundation_count}</td>
                  <td>
                    <Time iso={set.created_at} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pager label="Backup sets" page={paging.page} nextCursor={sets.data?.next_cursor} next={paging.next} previous={paging.previous} />
    </Screen>
  );
}
