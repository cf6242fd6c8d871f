// A restore into another tenant: which target group stands for each source group. Rows of
// two group ids; an assignment to a group left out is listed in the plan and never sent.
export type MappingRow = { source: string; target: string };

/** The rows as the API's `group_mapping` (blank rows left out). */
export function mappingOf(rows: MappingRow[]): Record<string, string> {
  const mapping: Record<string, string> = {};
  for (const row of rows) {
    if (row.source.trim() || row.target.trim()) mapping[row.source.trim()] = row.target.trim();
  }
  return mapping;
}

export function GroupMapping({
  rows,
  onChange,
  byName,
  onByName,
  errors,
}: {
  rows: MappingRow[];
  onChange: (rows: MappingRow[]) => void;
  /** Map the groups left out here to the target group of the same display name. */
  byName: boolean;
  onByName: (byName: boolean) => void;
  errors: string[];
}) {
  const set = (index: number, row: MappingRow) => onChange(rows.map((old, i) => (i === index ? row : old)));
  return (
    <fieldset class={errors.length ? "invalid" : undefined} aria-describedby={errors.length ? "mapping-hint mapping-error" : "mapping-hint"}>
      <legend>Group mapping</legend>
      <p class="hint" id="mapping-hint">
        The groups of the set's tenant do not exist in the target: name the target group (its object id) for each source group. Assignments to
        a group not mapped here are listed in the plan and not restored.
      </p>
      <ul class="plain mapping">
        {rows.map((row, index) => (
          <li key={index}>
            <label>
              Source group id {index + 1}
              <input value={row.source} spellcheck={false} onInput={(e) => set(index, { ...row, source: e.currentTarget.value })} />
            </label>
            <label>
              Target group id {index + 1}
              <input value={row.target} spellcheck={false} onInput={(e) => set(index, { ...row, target: e.currentTarget.value })} />
            </label>
            <button type="button" aria-label={`Remove group mapping ${index + 1}`} onClick={() => onChange(rows.filter((_, i) => i !== index))}>
              Remove
            </button>
          </li>
        ))}
      </ul>
      <button type="button" onClick={() => onChange([...rows, { source: "", target: "" }])}>
        Add a group
      </button>
      <label class="inline">
        <input type="checkbox" checked={byName} onChange={(e) => onByName(e.currentTarget.checked)} />{" "}
        Match the other groups by display name (the one target group of the same name; none or several: not restored, and the plan says
        which)
      </label>
      {errors.length ? (
        <p class="field-error" id="mapping-error">
          {errors.join("; ")}
        </p>
      ) : null}
    </fieldset>
  );
}
