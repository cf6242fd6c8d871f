// Content changes side by side: where (JSON pointer), before, after. Used by the diff between
// sets, a restore's planned updates (the target now → what the restore writes) and its
// verification (what was written → what the target holds when read back).
import type { Schemas } from "../api/client";

function show(value: unknown): string {
  if (value === undefined) return "";
  return JSON.stringify(value, null, 2);
}

export function Changes({
  changes,
  caption,
  before = "Before",
  after = "After",
}: {
  changes: Schemas["ContentChange"][];
  caption: string;
  before?: string;
  after?: string;
}) {
  if (changes.length === 0) return <p class="muted">Only the order of settings differs.</p>;
  return (
    <div class="table-wrap" tabIndex={0}>
      <table class="diff">
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Setting</th>
            <th scope="col">{before}</th>
            <th scope="col">{after}</th>
          </tr>
        </thead>
        <tbody>
          {changes.map((change) => (
            <tr key={change.pointer + change.op}>
              <th scope="row">
                <code>{change.pointer || "/"}</code> <span class="muted">{change.op}</span>
              </th>
              <td class="old">
                <pre>{show(change.old)}</pre>
              </td>
              <td class="new">
                <pre>{show(change.new)}</pre>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
