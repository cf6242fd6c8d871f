// A restore's items in the order they are written (scope tags and filters first, policies,
// then assignments), a page at a time, one table per run of a policy type: the planned
// action, why, the changes an update makes, assignments left out, and once applied each
// item's outcome, Graph's refusal and its verification.
import type { ComponentChildren } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { api, run, type Schemas } from "../api/client";
import { Changes } from "./changes";
import { useCursor, useLoad } from "./load";
import { Pager } from "./pager";
import { ProblemMessage } from "./problem";
import { Status } from "./words";

type Item = Schemas["RestoreItemResponse"];

export const ACTIONS = ["create", "update", "unchanged", "conflict", "not_restorable"] as const;
const ACTION_TEXT: Record<string, string> = {
  create: "Create",
  update: "Update",
  unchanged: "Unchanged",
  conflict: "Conflict",
  not_restorable: "Not restorable",
};

export function ActionBadge({ action }: { action: string }) {
  return <span class={`action-badge action-${action}`}>{ACTION_TEXT[action] ?? action}</span>;
}

const SUMMARY_TEXT: Record<string, string> = {
  create: "to create",
  update: "to update",
  unchanged: "unchanged",
  conflict: "in conflict",
  not_restorable: "not restorable",
};

/** How many items of each action: "2 to create, 1 to update, …" (actions with none left out). */
export function actionSummary(counts: Schemas["ActionCounts"]): string {
  const shown = ACTIONS.filter((action) => counts[action] > 0).map((action) => `${counts[action]} ${SUMMARY_TEXT[action]}`);
  return shown.length ? shown.join(", ") : "nothing";
}

/** Items a page shows at most: a 2,000-item restore is read a page at a time. */
const PAGE_SIZE = 100;

/** Consecutive items of one policy type, keeping the write order. */
function inWriteOrder(items: Item[]): { type: string; items: Item[] }[] {
  const groups: { type: string; items: Item[] }[] = [];
  for (const item of items) {
    const last = groups[groups.length - 1];
    if (last && last.type === item.policy_type) last.items.push(item);
    else groups.push({ type: item.policy_type, items: [item] });
  }
  return groups;
}

export function RestoreItems({ restore }: { restore: Schemas["RestoreResponse"] }) {
  const [shown, setShown] = useState("all");
  const paging = useCursor();
  const counts = restore.counts;
  const applied = !!restore.apply_requested_at;
  const verifiedAny = counts.verified !== null && counts.verified !== undefined;
  const path = { tenant_id: restore.tenant_id, restore_id: restore.id };
  const filter =
    shown === "all" ? {} : shown === "failed" ? { outcome: "failed" as const } : { action: shown as (typeof ACTIONS)[number] };
  const page = useLoad(
    () => run(api.GET("/api/v1/tenants/{tenant_id}/restores/{restore_id}/items", { params: { path, query: { limit: PAGE_SIZE, cursor: paging.cursor, ...filter } } })),
    [restore.tenant_id, restore.id, paging.cursor, shown],
  );
  // the page is read again whenever the restore's progress moves (the screen polls it while
  // it runs), in place: what is shown stays until the new page is there
  const progress = `${restore.status}/${counts.applied}/${counts.failed}/${counts.verified}`;
  const { reload } = page;
  const seen = useRef(progress);
  useEffect(() => {
    if (seen.current === progress) return;
    seen.current = progress;
    void reload();
  }, [progress, reload]);
  const choose = (value: string) => {
    setShown(value);
    paging.first();
  };
  const items = page.data?.items ?? [];
  return (
    <>
      <form class="filters" onSubmit={(e) => e.preventDefault()}>
        <div class="field">
          <label for="action-filter">Show</label>
          <select id="action-filter" value={shown} onChange={(e) => choose(e.currentTarget.value)}>
            <option value="all">Every item ({counts.items})</option>
            {ACTIONS.map((action) => (
              <option key={action} value={action}>
                {ACTION_TEXT[action]} ({counts.actions[action]})
              </option>
            ))}
            {applied ? <option value="failed">Failed ({counts.failed})</option> : null}
          </select>
        </div>
      </form>
      <ProblemMessage problem={page.problem} />
      {page.problem ? null : !page.data ? <p class="muted">Loading the items…</p> : items.length === 0 ? <p class="muted">No items to show.</p> : null}
      {inWriteOrder(items).map((group, index) => (
        <section class="restore-group" key={`${group.type}-${index}`}>
          <h3>{group.type}</h3>
          <div class="table-wrap" tabIndex={0}>
            <table>
              <caption class="sr-only">Items of type {group.type}, in write order</caption>
              <thead>
                <tr>
                  <th scope="col">Item</th>
                  <th scope="col">Action</th>
                  <th scope="col">Details</th>
                  {applied ? <th scope="col">Outcome</th> : null}
                  {verifiedAny ? <th scope="col">Verification</th> : null}
                </tr>
              </thead>
              <tbody>
                {group.items.map((item) => (
                  <ItemRow key={item.item_id} tenantId={restore.source_tenant_id} setId={restore.source_backup_set_id} item={item} applied={applied} verifiedAny={verifiedAny} />
                ))}
              </tbody>
            </table>
          </div>
        </section>
      ))}
      <Pager label="Items" page={paging.page} nextCursor={page.data?.next_cursor} next={paging.next} previous={paging.previous} />
    </>
  );
}

function ItemRow({ tenantId, setId, item, applied, verifiedAny }: { tenantId: string; setId: string; item: Item; applied: boolean; verifiedAny: boolean }) {
  // an update's changes and a verification's differences open in a full-width row below
  // the item: side by side, they need the table's width, not a cell's
  const [open, setOpen] = useState<"changes" | "differences" | null>(null);
  const columns = 3 + (applied ? 1 : 0) + (verifiedAny ? 1 : 0);
  const toggle = (what: "changes" | "differences") => setOpen(open === what ? null : what);
  const rowId = `item-${item.item_id}`;
  return (
    <>
      <tr>
        <th scope="row">
          <a href={`/tenants/${tenantId}/backup-sets/${setId}/items/${item.item_id}`}>{item.display_name}</a>
        </th>
        <td>
          <ActionBadge action={item.action} />
        </td>
        <td>
          <Details item={item} open={open === "changes"} toggle={() => toggle("changes")} controls={rowId} />
        </td>
        {applied ? (
          <td>
            <Outcome item={item} />
          </td>
        ) : null}
        {verifiedAny ? (
          <td>
            <Verification item={item} open={open === "differences"} toggle={() => toggle("differences")} controls={rowId} />
          </td>
        ) : null}
      </tr>
      {open ? (
        <tr class="expanded" id={rowId}>
          <td colSpan={columns}>
            {open === "changes" ? (
              <Changes changes={item.changes} caption={`${item.display_name}: the target now and after the restore`} before="In the target now" after="After the restore" />
            ) : (
              <Changes
                changes={item.verification?.differences ?? []}
                caption={`${item.display_name}: read back and in the backup`}
                before="Read back from the target"
                after="In the backup"
              />
            )}
          </td>
        </tr>
      ) : null}
    </>
  );
}

/** A button that shows or hides the row below with an item's changes or differences. */
function Disclosure({ label, open, toggle, controls }: { label: string; open: boolean; toggle: () => void; controls: string }) {
  return (
    <button type="button" class="disclosure" aria-expanded={open} aria-controls={open ? controls : undefined} onClick={toggle}>
      <span aria-hidden="true">{open ? "▾" : "▸"}</span> {label}
    </button>
  );
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

function Details({ item, open, toggle, controls }: { item: Item; open: boolean; toggle: () => void; controls: string }) {
  const lines: ComponentChildren[] = [];
  if (item.reason) lines.push(<p key="reason">{item.reason}</p>);
  if (item.target_id && item.action === "update") {
    lines.push(
      <p key="target" class="muted">
        Matches <code>{item.target_id}</code>
      </p>,
    );
  }
  if (item.unmapped_assignments.length) {
    lines.push(
      <div key="unmapped" class="notice">
        <p>{plural(item.unmapped_assignments.length, "assignment is", "assignments are")} not restored (the group is not mapped):</p>
        <ul>
          {item.unmapped_assignments.map((assignment) => (
            <li key={assignment.group_id + assignment.target_type}>
              <code>{assignment.group_id}</code> <span class="muted">{assignment.target_type.replace("#microsoft.graph.", "")}</span>
            </li>
          ))}
        </ul>
      </div>,
    );
  }
  if (item.action === "update" && item.changes.length) {
    lines.push(<Disclosure key="changes" label={plural(item.changes.length, "change", "changes")} open={open} toggle={toggle} controls={controls} />);
  }
  return lines.length ? <>{lines}</> : <span class="muted">—</span>;
}

function Outcome({ item }: { item: Item }) {
  if (!item.outcome) return <span class="muted">nothing to write</span>;
  return (
    <>
      <Status status={item.outcome} />
      {item.outcome === "applied" && item.action === "create" && item.target_id ? (
        <p class="muted">
          created <code>{item.target_id}</code>
          {item.adopted ? " (found after a lost worker, not created twice)" : ""}
        </p>
      ) : null}
      {item.failure ? (
        <div class="problem">
          <p>
            <code>{item.failure.code}</code>
            {item.failure.http_status ? <span class="muted"> (HTTP {item.failure.http_status})</span> : null}: {item.failure.message}
          </p>
          {item.failure.support ? <p class="muted">{item.failure.support}</p> : null}
        </div>
      ) : null}
    </>
  );
}

function Verification({ item, open, toggle, controls }: { item: Item; open: boolean; toggle: () => void; controls: string }) {
  const v = item.verification;
  if (!v) return <span class="muted">—</span>;
  if (v.verified) return <span class="status status-completed">Verified</span>;
  const differences = v.differences ?? [];
  return (
    <>
      <span class="status status-partial">Differs</span>
      {v.reason ? <p>{v.reason}</p> : null}
      {differences.length ? <Disclosure label={plural(differences.length, "difference", "differences")} open={open} toggle={toggle} controls={controls} /> : null}
    </>
  );
}
