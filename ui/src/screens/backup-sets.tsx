// A tenant's backup sets, oldest first (the API's order), paged; admins may include the
// soft-deleted ones and delete or undelete a set from its row.
import { useState } from "preact/hooks";
import { useRoute } from "preact-iso";
import { api, run } from "../api/client";
import { useCan } from "../caller";
import { BackupSetActions } from "../components/backup-set-actions";
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
  const canManage = useCan("manage_tenants");
  const [withDeleted, setWithDeleted] = useState(false);
  const paging = useCursor();
  const sets = useLoad(
    () =>
      run(
        api.GET("/api/v1/tenants/{tenant_id}/backup-sets", {
          // only admins may ask for deleted sets (others get 403), so others never do
          params: { path: { tenant_id: tenantId }, query: { limit: 25, cursor: paging.cursor, ...(withDeleted ? { include_deleted: true } : {}) } },
        }),
      ),
    [tenantId, paging.cursor, withDeleted],
  );
  return (
    <Screen title="Backup sets" crumbs={[{ href: "/", label: "Tenants" }, tenantCrumb]}>
      {canManage ? (
        <p>
          <label class="inline">
            <input
              type="checkbox"
              checked={withDeleted}
              onChange={(e) => {
                paging.first();
                setWithDeleted(e.currentTarget.checked);
              }}
            />{" "}
            Show deleted sets
          </label>
        </p>
      ) : null}
      <ProblemMessage problem={sets.problem} />
      {!sets.data ? (
        sets.problem ? null : <Loading what="backup sets" />
      ) : sets.data.items.length === 0 ? (
        <p>No backup sets yet: a run makes one.</p>
      ) : (
        <div class="table-wrap" tabIndex={0}>
          <table>
            <caption class="sr-only">Backup sets, oldest first</caption>
            <thead>
              <tr>
                <th scope="col">Backup set</th>
                <th scope="col">Status</th>
                <th scope="col" class="num">Items</th>
                <th scope="col" class="num">Foundations</th>
                <th scope="col">Made</th>
                {canManage ? <th scope="col">Actions</th> : null}
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
                  {canManage ? (
                    <td class="row-actions">
                      <BackupSetActions set={set} reload={sets.reload} />
                    </td>
                  ) : null}
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
