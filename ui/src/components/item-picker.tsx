// Choosing items of a backup set for a restore: its item list (searched by name and
// filtered by type through the API, paged) with a checkbox per item; the choice is kept
// across pages and searches.
import { useState } from "preact/hooks";
import { api, run, type Schemas } from "../api/client";
import { useCursor, useLoad } from "./load";
import { Pager } from "./pager";
import { ProblemMessage } from "./problem";
import { Loading } from "./screen";

export function ItemPicker({
  set,
  chosen,
  onChange,
}: {
  set: Schemas["BackupSetResponse"];
  chosen: Map<string, string>;
  onChange: (chosen: Map<string, string>) => void;
}) {
  const [search, setSearch] = useState("");
  const [applied, setApplied] = useState("");
  const paging = useCursor();
  const items = useLoad(
    () =>
      run(
        api.GET("/api/v1/tenants/{tenant_id}/backup-sets/{backup_set_id}/items", {
          params: {
            path: { tenant_id: set.tenant_id, backup_set_id: set.id },
            query: { limit: 50, cursor: paging.cursor, ...(applied ? { search: applied } : {}) },
          },
        }),
      ),
    [set.id, paging.cursor, applied],
  );
  const toggle = (id: string, name: string, on: boolean) => {
    const next = new Map(chosen);
    if (on) next.set(id, name);
    else next.delete(id);
    onChange(next);
  };
  return (
    <div class="item-picker">
      <div class="filters">
        <div class="field">
          <label for="item-search">Name contains</label>
          <input
            id="item-search"
            type="search"
            value={search}
            onInput={(e) => setSearch(e.currentTarget.value)}
            onKeyDown={(e) => {
              // Enter searches the list rather than submitting the plan
              if (e.key === "Enter") {
                e.preventDefault();
                paging.first();
                setApplied(search);
              }
            }}
          />
        </div>
        <button
          type="button"
          onClick={() => {
            paging.first();
            setApplied(search);
          }}
        >
          Search
        </button>
      </div>
      <p aria-live="polite">
        {chosen.size} {chosen.size === 1 ? "item" : "items"} chosen
      </p>
      <ProblemMessage problem={items.problem} />
      {!items.data ? (
        items.problem ? null : <Loading what="items" />
      ) : items.data.items.length === 0 ? (
        <p>No items match.</p>
      ) : (
        <ul class="plain">
          {items.data.items.map((item) => (
            <li key={item.id}>
              <label class="inline">
                <input type="checkbox" checked={chosen.has(item.id)} onChange={(e) => toggle(item.id, item.display_name, e.currentTarget.checked)} />{" "}
                {item.display_name} <span class="muted">{item.policy_type}</span>
              </label>
            </li>
          ))}
        </ul>
      )}
      <Pager label="Items" page={paging.page} nextCursor={items.data?.next_cursor} next={paging.next} previous={paging.previous} />
    </div>
  );
}
