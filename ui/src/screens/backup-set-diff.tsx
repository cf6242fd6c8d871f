// The difference between a backup set and another (the previous one by default): items
// added, removed and changed, each change shown before / after side by side.
import { useRoute, useLocation } from "preact-iso";
import { api, run } from "../api/client";
import { Changes } from "../components/changes";
import { useLoad } from "../components/load";
import { ProblemMessage } from "../components/problem";
import { Loading, Screen } from "../components/screen";
import { Time } from "../components/time";
import { useBackupSetCrumb, useTenantCrumb } from "../components/crumb-names";

export function BackupSetDiff() {
  const { params, query } = useRoute();
  const { route } = useLocation();
  const tenantId = params.tenant!;
  const tenantCrumb = useTenantCrumb(tenantId);
  const setId = params.set!;
  const setCrumb = useBackupSetCrumb(tenantId, setId);
  const against = query.against || "previous";
  const diff = useLoad(
    () =>
      run(
        api.GET("/api/v1/tenants/{tenant_id}/backup-sets/{backup_set_id}/diff", {
          params: { path: { tenant_id: tenantId, backup_set_id: setId }, query: { against } },
        }),
      ),
    [tenantId, setId, against],
  );
  const sets = useLoad(() => run(api.GET("/api/v1/tenants/{tenant_id}/backup-sets", { params: { path: { tenant_id: tenantId }, query: { limit: 100 } } })), [tenantId]);
  const nameOf = (id: string | undefined) => sets.data?.items.find((set) => set.id === id);
  const d = diff.data;
  const self = nameOf(setId);
  const other = nameOf(d?.against_id);
  return (
    <Screen
      title={`Changes in ${self?.name ?? "this backup set"}`}
      crumbs={[
        { href: "/", label: "Tenants" },
        tenantCrumb,
        { href: `/tenants/${tenantId}/backup-sets`, label: "Backup sets" },
        setCrumb,
      ]}
    >
      <form class="filters" onSubmit={(e) => e.preventDefault()}>
        <div class="field">
          <label for="against">Compared with</label>
          <select id="against" value={against} onChange={(e) => route(`/tenants/${tenantId}/backup-sets/${setId}/diff?against=${e.currentTarget.value}`)}>
            <option value="previous">The previous set</option>
            {(sets.data?.items ?? [])
              .filter((set) => set.id !== setId)
              .map((set) => (
                <option key={set.id} value={set.id}>
                  {set.name}
                </option>
              ))}
          </select>
        </div>
      </form>
      <ProblemMessage problem={diff.problem} />
      {!d ? (
        diff.problem ? null : <Loading what="the differences" />
      ) : (
        <>
          <p>
            Against {other ? <a href={`/tenants/${tenantId}/backup-sets/${other.id}`}>{other.name}</a> : "the other set"}
            {other ? (
              <>
                {" "}
                (<Time iso={other.created_at} />)
              </>
            ) : null}
            : {d.added.length} added, {d.removed.length} removed, {d.changed.length} changed, {d.unchanged_count} unchanged.
          </p>
          <h2>Changed</h2>
          {d.changed.length === 0 ? <p class="muted">Nothing changed.</p> : null}
          {d.changed.map((changed) => (
            <section key={changed.item.id} class="changed">
              <h3>
                <a href={`/tenants/${tenantId}/backup-sets/${setId}/items/${changed.item.id}`}>{changed.item.display_name}</a>{" "}
                <span class="muted">{changed.item.policy_type}</span>
              </h3>
              <Changes changes={changed.changes} caption={`${changed.item.display_name}: before and after`} />
            </section>
          ))}
          <div class="split">
            <section>
              <h2>Removed</h2>
              <ItemList items={d.removed} empty="Nothing removed." />
            </section>
            <section>
              <h2>Added</h2>
              <ItemList items={d.added} empty="Nothing added." />
            </section>
          </div>
        </>
      )}
    </Screen>
  );
}

function ItemList({ items, empty }: { items: { id: string; display_name: string; policy_type: string }[]; empty: string }) {
  if (items.length === 0) return <p class="muted">{empty}</p>;
  return (
    <ul>
      {items.map((item) => (
        <li key={item.id}>
          {item.display_name} <span class="muted">{item.policy_type}</span>
        </li>
      ))}
    </ul>
  );
}
