// Plan a restore of a backup set (a dry run: nothing is written to Graph): the target tenant
// (this one, or another the caller sees), what to restore (the whole set, some of its
// types, or items chosen from its list) and, into another tenant, the group mapping. The
// API validates; its field errors are shown at the selection and the mapping.
import { useState } from "preact/hooks";
import { useLocation, useRoute } from "preact-iso";
import { api, run, type Problem, type Schemas } from "../api/client";
import { GroupMapping, mappingOf, type MappingRow } from "../components/group-mapping";
import { ItemPicker } from "../components/item-picker";
import { useLoad } from "../components/load";
import { errorsFor, ProblemMessage } from "../components/problem";
import { Loading, Screen } from "../components/screen";
import { writtenId } from "../components/wait";
import { useBackupSetCrumb, useTenantCrumb } from "../components/crumb-names";

type BackupSet = Schemas["BackupSetResponse"];
type Tenant = Schemas["TenantResponse"];
type Scope = "all" | "types" | "items";

export function RestoreForm() {
  const { params } = useRoute();
  const tenantId = params.tenant!;
  const setId = params.set!;
  const tenantCrumb = useTenantCrumb(tenantId);
  const setCrumb = useBackupSetCrumb(tenantId, setId);
  const set = useLoad(
    () => run(api.GET("/api/v1/tenants/{tenant_id}/backup-sets/{backup_set_id}", { params: { path: { tenant_id: tenantId, backup_set_id: setId } } })),
    [tenantId, setId],
  );
  // the tenants the caller sees (an operator: its own) are the possible targets
  const tenants = useLoad(() => run(api.GET("/api/v1/tenants", { params: { query: { limit: 200 } } })), []);
  const crumbs = [{ href: "/", label: "Tenants" }, tenantCrumb, { href: `/tenants/${tenantId}/backup-sets`, label: "Backup sets" }, setCrumb];
  if (!set.data || !tenants.data) {
    return (
      <Screen title="Plan a restore" crumbs={crumbs}>
        <ProblemMessage problem={set.problem ?? tenants.problem} />
        {set.problem || tenants.problem ? null : <Loading what="the backup set" />}
      </Screen>
    );
  }
  return <Form set={set.data} tenants={tenants.data.items} crumbs={crumbs} />;
}

function Form({ set, tenants, crumbs }: { set: BackupSet; tenants: Tenant[]; crumbs: { href: string; label: string }[] }) {
  const { route } = useLocation();
  const [target, setTarget] = useState(set.tenant_id);
  const [scope, setScope] = useState<Scope>("all");
  const [types, setTypes] = useState<string[]>([]);
  const [items, setItems] = useState<Map<string, string>>(new Map());
  const [rows, setRows] = useState<MappingRow[]>([{ source: "", target: "" }]);
  const [byName, setByName] = useState(false);
  const [problem, setProblem] = useState<Problem>();
  const [local, setLocal] = useState<string>();
  const [busy, setBusy] = useState(false);
  const across = target !== set.tenant_id;
  const choose = (next: Scope) => {
    setScope(next);
    setLocal(undefined);
  };
  const setTypesList = Object.keys(set.counts);

  async function submit(event: Event) {
    event.preventDefault();
    setProblem(undefined);
    setLocal(undefined);
    // an empty selection means the whole set to the API: never send one by accident
    if (scope === "types" && types.length === 0) return setLocal("Choose at least one policy type, or restore the whole set.");
    if (scope === "items" && items.size === 0) return setLocal("Choose at least one item, or restore the whole set.");
    const body: Schemas["PlanRestoreRequest"] = { source_backup_set_id: set.id };
    if (scope === "types") body.selection = { types };
    if (scope === "items") body.selection = { item_ids: [...items.keys()] };
    if (across) {
      const mapping = mappingOf(rows);
      if (Object.keys(mapping).length) body.group_mapping = mapping;
      if (byName) body.match_groups_by_name = true;
    }
    setBusy(true);
    const outcome = await run(api.POST("/api/v1/tenants/{tenant_id}/restores", { params: { path: { tenant_id: target } }, body }));
    setBusy(false);
    // 201 with the plan, or 202 naming where it will be readable: the id either way
    if (outcome.ok) route(`/tenants/${target}/restores/${writtenId(outcome.data)}`);
    else setProblem(outcome.problem);
  }

  const selectionErrors = [...errorsFor(problem, "selection"), ...(local ? [local] : [])];
  return (
    <Screen title={`Plan a restore of ${set.name}`} crumbs={crumbs}>
      <p>
        Planning writes nothing: it reads the target tenant and shows, item by item, what applying would create, update or leave alone. An
        admin applies the plan afterwards.
      </p>
      <form onSubmit={submit} noValidate>
        <div class="field">
          <label for="target">Restore into</label>
          <select id="target" value={target} onChange={(e) => setTarget(e.currentTarget.value)}>
            {tenants.map((tenant) => (
              <option key={tenant.id} value={tenant.id} disabled={tenant.status !== "active"}>
                {tenant.display_name}
                {tenant.id === set.tenant_id ? " (this set's tenant)" : ""}
                {tenant.status !== "active" ? " (inactive)" : ""}
              </option>
            ))}
          </select>
        </div>
        <fieldset class={selectionErrors.length ? "invalid" : undefined} aria-describedby={selectionErrors.length ? "selection-error" : undefined}>
          <legend>What to restore</legend>
          <label class="inline">
            <input type="radio" name="scope" checked={scope === "all"} onChange={() => choose("all")} /> The whole set ({set.item_count} items)
          </label>
          <label class="inline">
            <input type="radio" name="scope" checked={scope === "types"} onChange={() => choose("types")} /> Some policy types
          </label>
          <label class="inline">
            <input type="radio" name="scope" checked={scope === "items"} onChange={() => choose("items")} /> Chosen items
          </label>
          {scope === "types" ? (
            <div class="columns" role="group" aria-label="Policy types">
              {setTypesList.map((key) => (
                <label class="inline" key={key}>
                  <input
                    type="checkbox"
                    checked={types.includes(key)}
                    onChange={(e) => setTypes(e.currentTarget.checked ? [...types, key] : types.filter((t) => t !== key))}
                  />{" "}
                  {key} <span class="muted">({set.counts[key]})</span>
                </label>
              ))}
            </div>
          ) : null}
          {scope === "items" ? <ItemPicker set={set} chosen={items} onChange={setItems} /> : null}
          {selectionErrors.length ? (
            <p class="field-error" id="selection-error">
              {selectionErrors.join("; ")}
            </p>
          ) : null}
        </fieldset>
        {across ? (
          <GroupMapping
            rows={rows}
            onChange={setRows}
            byName={byName}
            onByName={setByName}
            errors={[...errorsFor(problem, "group_mapping"), ...errorsFor(problem, "match_groups_by_name")]}
          />
        ) : null}
        <div class="form-actions">
          <button type="submit" disabled={busy}>
            {busy ? "Planning…" : "Plan the restore"}
          </button>
          <a href={`/tenants/${set.tenant_id}/backup-sets/${set.id}`}>Cancel</a>
        </div>
        <ProblemMessage problem={problem} shownFields={["selection", "group_mapping", "match_groups_by_name"]} />
      </form>
    </Screen>
  );
}
