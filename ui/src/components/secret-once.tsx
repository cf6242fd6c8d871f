// A secret the API shows once (a webhook's signing secret, a token's value), with a copy
// button. It lives only in this component's state: leaving the screen forgets it.
import { useState } from "preact/hooks";

export function SecretOnce({ label, value }: { label: string; value: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <div class="secret" role="status">
      <p>
        <strong>{label}</strong>: shown this once. Store it now.
      </p>
      <p>
        <code class="hash">{value}</code>{" "}
        <button
          type="button"
          onClick={async () => {
            await navigator.clipboard.writeText(value);
            setCopied(true);
          }}
        >
          {copied ? "Copied" : "Copy"}
        </button>
      </p>
    </div>
  );
}
