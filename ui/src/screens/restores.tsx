// A tenant's restores (planned or applied into it), newest first, paged; polled while one
// is queued or applying.
import { useCallback } from "preact/hooks";
import { useRoute } from "preact-iso";
import { api, run, type Schemas } from "../api/client";
import { useCursor, useLoad, usePoll } from "../components/load";
import { Pager } from "../components/pager";
import { ProblemMessage } from "../components/problem";
import { Loading, Screen } from "../components/screen";
import { Time } from "../components/time";
import { Status } from "../components/words";
import { useBackupSetName, useTenantCrumb, useTenantName } from "../components/crumb-names";
import { RESTORE_LIVE, selectionInWords } from "./restore";

export function Restores() {
  const { params } = useRoute();
  const tenantId = params.tenant!;
  const tenantCrumb = useTenantCrumb(tenantId);
  const paging = useCursor();
  const restores = useLoad(
    () => run(api.GET("/api/v1/tenants/{tenant_id}/restores", { params: { path: { tenant_id: tenantId }, query: { limit: 25, cursor: paging.cursor } } })),
    [tenantId, paging.cursor],
  );
  const live = (restores.data?.items ?? []).some((r) => RESTORE_LIVE(r.status));
  usePoll(live, 1500, useCallback(() => void restores.reload(), [restores.reload]));
  return (
    <Screen title="Restores" crumbs={[{ href: "/", label: "Tenants" }, tenantCrumb]}>
      <p class="muted">Restores into this tenant. To plan one, open a backup set and choose Restore… there.</p>
      <ProblemMessage problem={restores.problem} />
      {!restores.data ? (
        restores.problem ? null : <Loading what="restores" />
      ) : restores.data.items.length === 0 ? (
        <p>No restores yet.</p>
      ) : (
        <div class="table-wrap" tabIndex={0}>
          <table>
            <caption class="sr-only">Restores, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Planned</th>
                <th scope="col">From</th>
                <th scope="col">Status</th>
                <th scope="col" class="num">To write</th>
                <th scope="col" class="num">Applied</th>
                <th scope="col" class="num">Failed</th>
                <th scope="col" class="num">Verified</th>
              </tr>
            </thead>
            <tbody>
              {restores.data.items.map((restore) => (
                <Row key={restore.id} restore={restore} />
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pager label="Restores" page={paging.page} nextCursor={restores.data?.next_cursor} next={paging.next} previous={paging.previous} />
    </Screen>
  );
}

function Row({ restore }: { restore: Schemas["RestoreResponse"] }) {
  const setName = useBackupSetName(restore.source_tenant_id, restore.source_backup_set_id);
  const sourceTenant = useTenantName(restore.source_tenant_id !== restore.tenant_id ? restore.source_tenant_id : undefined);
  const c = restore.counts;
  return (
    <tr>
      <th scope="row">
        <a href={`/tenants/${restore.tenant_id}/restores/${restore.id}`}>
          <Time iso={restore.planned_at} />
        </a>
      </th>
      <td>
        {setName ?? "a backup set"}
        {sourceTenant ? <span class="muted"> of {sourceTenant}</span> : null}
        <br />
        <span class="muted">{selectionInWords(restore)}</span>
      </td>
      <td>
        <Status status={restore.status} />
      </td>
      <td class="num">{c.to_write}</td>
      <td class="num">{c.applied}</td>
      <td class="num">{c.failed}</td>
      <td class="num">{c.verified ?? "—"}</td>
    </tr>
  );
}
