// A planned restore's admin actions: Approve (a second admin, when the service asks for
// one) and Apply (confirmed first). Apply's refusals are explained where the admin clicked:
// a stale plan (the target changed since it was made) offers to plan again with the same
// source, selection and mapping; a missing approval says who must act.
import { useState } from "preact/hooks";
import { useLocation } from "preact-iso";
import { api, run, type Problem, type Schemas } from "../api/client";
import { useCaller, useCan } from "../caller";
import { ActionButton } from "./action";
import { ProblemMessage } from "./problem";
import { writtenId } from "./wait";

type Restore = Schemas["RestoreResponse"];

/** The request that plans `restore` again: same source, selection and group mapping. */
export function planAgainBody(restore: Restore): Schemas["PlanRestoreRequest"] {
  const selection = restore.selection as { types?: string[]; item_ids?: string[] };
  const mapping = restore.group_mapping as Record<string, string>;
  const body: Schemas["PlanRestoreRequest"] = { source_backup_set_id: restore.source_backup_set_id };
  if (selection.types?.length || selection.item_ids?.length) {
    body.selection = {
      ...(selection.types?.length ? { types: selection.types } : {}),
      ...(selection.item_ids?.length ? { item_ids: selection.item_ids } : {}),
    };
  }
  // groups matched by name are matched again (the target's groups may have changed too)
  const matches = restore.group_matches ?? [];
  const matched = new Set(matches.map((m) => m.source_group_id));
  const given = Object.fromEntries(Object.entries(mapping).filter(([source]) => !matched.has(source)));
  if (Object.keys(given).length) body.group_mapping = given;
  if (matches.length) body.match_groups_by_name = true;
  return body;
}

export function RestoreActions({ restore, targetName, reload }: { restore: Restore; targetName: string; reload: () => Promise<unknown> }) {
  const canApply = useCan("manage_tenants");
  const caller = useCaller();
  if (!canApply || restore.status !== "planned") return null;
  const path = { tenant_id: restore.tenant_id, restore_id: restore.id };
  const approved = restore.approvals.some((approval) => approval.approver === caller.token_id);
  return (
    <>
      {approved ? null : (
        <ActionButton
          label="Approve"
          action={() => run(api.POST("/api/v1/tenants/{tenant_id}/restores/{restore_id}/approve", { params: { path } }))}
          onDone={() => void reload()}
        />
      )}
      <ApplyButton restore={restore} targetName={targetName} reload={reload} />
    </>
  );
}

function ApplyButton({ restore, targetName, reload }: { restore: Restore; targetName: string; reload: () => Promise<unknown> }) {
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<Problem>();
  const writes = restore.counts.to_write;

  async function apply() {
    const what = writes === 1 ? "1 item" : `${writes} items`;
    if (!window.confirm(`Apply this restore? It writes ${what} into ${targetName} (Microsoft Graph); nothing else changes.`)) return;
    setBusy(true);
    setProblem(undefined);
    const outcome = await run(
      api.POST("/api/v1/tenants/{tenant_id}/restores/{restore_id}/apply", { params: { path: { tenant_id: restore.tenant_id, restore_id: restore.id } } }),
    );
    setBusy(false);
    if (outcome.ok) await reload();
    else setProblem(outcome.problem);
  }

  return (
    <span class="action">
      <button type="button" onClick={apply} disabled={busy || writes === 0} title={writes === 0 ? "Nothing to write: every item is unchanged or cannot be restored" : undefined}>
        {busy ? "Apply…" : "Apply"}
      </button>
      {problem?.code === "restore_plan_stale" ? (
        <StalePlan problem={problem} restore={restore} />
      ) : problem?.code === "restore_needs_approval" ? (
        <div class="problem" role="alert">
          <p>
            <strong>Another admin must approve this restore first</strong> <span class="muted">(409 {problem.code})</span>
          </p>
          <p>{problem.detail}</p>
          <p>Nothing was written. Ask another admin to open this restore and press Approve, then apply it.</p>
        </div>
      ) : (
        <ProblemMessage problem={problem} />
      )}
    </span>
  );
}

function StalePlan({ problem, restore }: { problem: Problem; restore: Restore }) {
  const { route } = useLocation();
  const [busy, setBusy] = useState(false);
  const [again, setAgain] = useState<Problem>();
  async function planAgain() {
    setBusy(true);
    setAgain(undefined);
    const outcome = await run(api.POST("/api/v1/tenants/{tenant_id}/restores", { params: { path: { tenant_id: restore.tenant_id } }, body: planAgainBody(restore) }));
    setBusy(false);
    if (outcome.ok) route(`/tenants/${restore.tenant_id}/restores/${writtenId(outcome.data)}`);
    else setAgain(outcome.problem);
  }
  return (
    <div class="problem" role="alert">
      <p>
        <strong>The target changed since this plan was made</strong> <span class="muted">(409 {problem.code})</span>
      </p>
      <p>{problem.detail}</p>
      <p>Plan again to compare the backup with the target as it is now, then apply the new plan.</p>
      <button type="button" onClick={planAgain} disabled={busy}>
        {busy ? "Planning…" : "Plan again"}
      </button>
      <ProblemMessage problem={again} />
    </div>
  );
}
