// A restore: its status (live while queued or applying), counts, where it comes from and
// goes to, who planned, approved and applied it, and its items in write order (a page at a
// time) with each one's action, changes, outcome and verification; admins approve and
// apply it here.
import { useCallback } from "preact/hooks";
import { useRoute } from "preact-iso";
import { api, run, type Schemas } from "../api/client";
import { useLoad, usePoll } from "../components/load";
import { ProblemMessage } from "../components/problem";
import { RestoreActions } from "../components/restore-actions";
import { actionSummary, RestoreItems } from "../components/restore-items";
import { Loading, Screen } from "../components/screen";
import { Time } from "../components/time";
import { Status } from "../components/words";
import { useBackupSetName, useTenantCrumb, useTenantName } from "../components/crumb-names";

type Restore = Schemas["RestoreResponse"];
export const RESTORE_LIVE = (status: string) => status === "queued" || status === "applying";

export function RestoreScreen() {
  const { params } = useRoute();
  const tenantId = params.tenant!;
  const restoreId = params.restore!;
  const tenantCrumb = useTenantCrumb(tenantId);
  const current = useLoad(
    () => run(api.GET("/api/v1/tenants/{tenant_id}/restores/{restore_id}", { params: { path: { tenant_id: tenantId, restore_id: restoreId } } })),
    [tenantId, restoreId],
  );
  const r = current.data;
  usePoll(!!r && RESTORE_LIVE(r.status), 1000, useCallback(() => void current.reload(), [current.reload]));
  const setName = useBackupSetName(r?.source_tenant_id, r?.source_backup_set_id);
  const sourceTenant = useTenantName(r && r.source_tenant_id !== r.tenant_id ? r.source_tenant_id : undefined);
  return (
    <Screen
      title={r ? `Restore of ${setName ?? "a backup set"}` : "Restore"}
      crumbs={[{ href: "/", label: "Tenants" }, tenantCrumb, { href: `/tenants/${tenantId}/restores`, label: "Restores" }]}
      actions={r ? <RestoreActions restore={r} targetName={tenantCrumb.label} reload={current.reload} /> : null}
    >
      <ProblemMessage problem={current.problem} />
      {!r ? (
        current.problem ? null : <Loading what="the restore" />
      ) : (
        <>
          <p class="run-status" aria-live="polite">
            Status: <Status status={r.status} />
            {RESTORE_LIVE(r.status) ? <span class="muted"> (updates by itself)</span> : null}
            {r.status === "planned" ? <span class="muted"> (a dry run: nothing has been written)</span> : null}
          </p>
          {r.error_code ? (
            <div class="problem">
              <p>
                <strong>
                  <code>{r.error_code}</code>
                </strong>
                {r.error_message ? `: ${r.error_message}` : null}
              </p>
            </div>
          ) : null}
          <Counts restore={r} />
          <dl class="facts">
            <dt>From</dt>
            <dd>
              <a href={`/tenants/${r.source_tenant_id}/backup-sets/${r.source_backup_set_id}`}>{setName ?? "the backup set"}</a>
              {sourceTenant ? <> of {sourceTenant}</> : <span class="muted"> (this tenant's)</span>}
            </dd>
            <dt>Selection</dt>
            <dd>{selectionInWords(r)}</dd>
            {Object.keys(r.group_mapping).length ? (
              <>
                <dt>Group mapping</dt>
                <dd>
                  <ul class="plain">
                    {Object.entries(r.group_mapping as Record<string, string>).map(([source, target]) => (
                      <li key={source}>
                        <code>{source}</code> → <code>{target}</code>
                      </li>
                    ))}
                  </ul>
                </dd>
              </>
            ) : null}
            {r.group_matches.length ? (
              <>
                <dt>Groups by name</dt>
                <dd>
                  <ul class="plain">
                    {r.group_matches.map((m) => (
                      <li key={m.source_group_id}>
                        {m.display_name ?? <code>{m.source_group_id}</code>}:{" "}
                        {m.target_group_id ? <code>{m.target_group_id}</code> : <span class="warn-text">not restored ({m.reason})</span>}
                      </li>
                    ))}
                  </ul>
                </dd>
              </>
            ) : null}
            <dt>Planned</dt>
            <dd>
              <Time iso={r.planned_at} /> by <code>{r.planned_by}</code>
            </dd>
            <dt>Approvals</dt>
            <dd>
              {r.approvals.length ? (
                r.approvals.map((approval) => (
                  <span key={approval.approver}>
                    <code>{approval.approver}</code> <Time iso={approval.approved_at} />{" "}
                  </span>
                ))
              ) : (
                <span class="muted">none</span>
              )}
            </dd>
            {r.apply_requested_at ? (
              <>
                <dt>Applied</dt>
                <dd>
                  asked <Time iso={r.apply_requested_at} /> by <code>{r.applied_by}</code>; started <Time iso={r.apply_started_at} />; finished{" "}
                  <Time iso={r.finished_at} />
                </dd>
              </>
            ) : null}
          </dl>
          <h2>Items</h2>
          <p>
            In the order they are written: {actionSummary(r.counts.actions)}.
          </p>
          <RestoreItems restore={r} />
        </>
      )}
    </Screen>
  );
}

function Counts({ restore }: { restore: Restore }) {
  const c = restore.counts;
  const figures: [string, number | null | undefined][] = [
    ["Items", c.items],
    ["To write", c.to_write],
    ["Applied", c.applied],
    ["Failed", c.failed],
    ["Verified", c.verified],
  ];
  return (
    <ul class="restore-counts" aria-label="Counts">
      {figures.map(([label, n]) => (
        <li key={label}>
          <strong>{n ?? "—"}</strong> {label.toLowerCase()}
        </li>
      ))}
    </ul>
  );
}

export function selectionInWords(restore: Restore): string {
  const selection = restore.selection as { types?: string[]; item_ids?: string[] };
  const parts = [];
  if (selection.types?.length) parts.push(`types ${selection.types.join(", ")}`);
  if (selection.item_ids?.length) parts.push(`${selection.item_ids.length} chosen ${selection.item_ids.length === 1 ? "item" : "items"}`);
  return parts.length ? parts.join(" and ") : "the whole set";
}
