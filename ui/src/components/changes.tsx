// Content changes side by side: where (JSON pointer), before, after.
import type { Schemas } from "../api/client";

function show(value: unknown): string {
  if (value === undefined) return "";
  return JSON.stringify(value, null, 2);
}

export function Changes({ changes, caption }: { changes: Schemas["ContentChange"][]; caption: string }) {
  if (changes.length === 0) return <p class="muted">Only the order of settings differs.</p>;
  return (
    <div class="table-wrap" tabIndex={0}>
      <table class="diff">
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Setting</th>
            <th scope="col">Before</th>
            <th scope="col">After</th>
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
