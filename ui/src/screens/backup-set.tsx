// A backup set: its facts, the export, the diff against the previous set, planning a restore
// of it (operators and admins), an admin's delete and undelete, and its items filtered by policy type and searched by name (both done by
// the API), paged.
import { useState } from "preact/hooks";
import { useRoute } from "preact-iso";
import { api, run, type Schemas } from "../api/client";
import { BackupSetActions } from "../components/backup-set-actions";
import { DownloadButton } from "../components/download";
import { useCursor, useLoad } from "../components/load";
import { Pager } from "../components/pager";
import { ProblemMessage } from "../components/problem";
import { Loading, Screen } from "../components/screen";
import { Time } from "../components/time";
import { Status } from "../components/words";
import { useTenantCrumb } from "../components/crumb-names";
import { useCan } from "../caller";

export function BackupSet() {
  const { params } = useRoute();
  const tenantId = params.tenant!;
  const tenantCrumb = useTenantCrumb(tenantId);
  const canRestore = useCan("operate_runs");
  const setId = params.set!;
  const path = { tenant_id: tenantId, backup_set_id: setId };
  const [type, setType] = useState("");
  const [search, setSearch] = useState("");
  const [applied, setApplied] = useState({ type: "", search: "" });
  const paging = useCursor();
  const set = useLoad(() => run(api.GET("/api/v1/tenants/{tenant_id}/backup-sets/{backup_set_id}", { params: { path } })), [tenantId, setId]);
  const items = useLoad(
    () =>
      run(
        api.GET("/api/v1/tenants/{tenant_id}/backup-sets/{backup_set_id}/items", {
          params: {
            path,
            query: {
              limit: 50,
              cursor: paging.cursor,
              ...(applied.type ? { policy_type: applied.type as Schemas["PolicyTypeKey"] } : {}),
              ...(applied.search ? { search: applied.search } : {}),
            },
          },
        }),
      ),
    [tenantId, setId, paging.cursor, applied],
  );
  const s = set.data;
  const crumbs = [
    { href: "/", label: "Tenants" },
    tenantCrumb,
    { href: `/tenants/${tenantId}/backup-sets`, label: "Backup sets" },
  ];
  return (
    <Screen
      title={s?.name ?? "Backup set"}
      crumbs={crumbs}
      actions={
        s ? (
          <>
            <a class="button" href={`/tenants/${tenantId}/backup-sets/${setId}/diff?against=previous`}>
              Compare with the previous set
            </a>
            {/* a deleted set is neither restored nor exported (410 backup_set_deleted) */}
            {canRestore && !s.deleted_at ? (
              <a class="button" href={`/tenants/${tenantId}/backup-sets/${setId}/restore`}>
                Restore…
              </a>
            ) : null}
            {s.deleted_at ? null : (
              <DownloadButton href={`/api/v1/tenants/${tenantId}/backup-sets/${setId}/export`} label="Export (zip)" filename={`${s.name}.zip`} />
            )}
            <BackupSetActions set={s} reload={set.reload} />
          </>
        ) : null
      }
    >
      <ProblemMessage problem={set.problem} />
      {!s ? (
        set.problem ? null : <Loading what="the backup set" />
      ) : (
        <dl class="facts">
          <dt>Status</dt>
          <dd>
            <Status status={s.status} />
          </dd>
          {s.deleted_at ? (
            <>
              <dt>Deleted</dt>
              <dd>
                <Time iso={s.deleted_at} /> <span class="muted">(only admins see it; it can be undeleted until it is purged)</span>
              </dd>
            </>
          ) : null}
          <dt>Made</dt>
          <dd>
            <Time iso={s.created_at} /> by <a href={`/tenants/${tenantId}/runs/${s.run_id}`}>its run</a>
          </dd>
          <dt>Items</dt>
          <dd>
            {s.item_count} policies, {s.foundation_count} foundations
          </dd>
          <dt>Per type</dt>
          <dd>
            {Object.entries(s.counts)
              .map(([key, count]) => `${key}: ${count}`)
              .join(", ")}
          </dd>
        </dl>
      )}
      <h2>Items</h2>
      <form
        class="filters"
        role="search"
        onSubmit={(event) => {
          event.preventDefault();
          paging.first();
          setApplied({ type, search });
        }}
      >
        <div class="field">
          <label for="type-filter">Policy type</label>
          <select id="type-filter" value={type} onChange={(e) => setType(e.currentTarget.value)}>
            <option value="">All types</option>
            {Object.keys(s?.counts ?? {}).map((key) => (
              <option key={key} value={key}>
                {key}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="name-search">Name contains</label>
          <input id="name-search" type="search" value={search} onInput={(e) => setSearch(e.currentTarget.value)} />
        </div>
        <button type="submit">Filter</button>
      </form>
      <ProblemMessage problem={items.problem} />
      {!items.data ? (
        items.problem ? null : <Loading what="items" />
      ) : items.data.items.length === 0 ? (
        <p>No items match.</p>
      ) : (
        <div class="table-wrap" tabIndex={0}>
          <table>
            <caption class="sr-only">Items of this backup set</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Policy type</th>
                <th scope="col">Last modified in Intune</th>
              </tr>
            </thead>
            <tbody>
              {items.data.items.map((item) => (
                <tr key={item.id}>
                  <th scope="row">
                    <a href={`/tenants/${tenantId}/backup-sets/${setId}/items/${item.id}`}>{item.display_name}</a>
                    {item.is_foundation ? <span class="muted"> (foundation)</span> : null}
                  </th>
                  <td>{item.policy_type}</td>
                  <td>
                    <Time iso={item.last_modified} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pager label="Items" page={paging.page} nextCursor={items.data?.next_cursor} next={paging.next} previous={paging.previous} />
    </Screen>
  );
}
