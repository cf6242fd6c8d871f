// Downloads a file the API serves behind the bearer token (a plain link cannot send it):
// fetched as a blob, then saved through a temporary object URL.
import { useState } from "preact/hooks";
import { localProblem, type Problem } from "../api/client";
import { session } from "../session";
import { ProblemMessage } from "./problem";

export function DownloadButton({ href, label, filename }: { href: string; label: string; filename: string }) {
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<Problem>();
  async function download() {
    setBusy(true);
    setProblem(undefined);
    try {
      const response = await fetch(href, { headers: { Authorization: `Bearer ${session.token() ?? ""}` } });
      if (!response.ok) {
        setProblem((await response.json()) as Problem);
        return;
      }
      const url = URL.createObjectURL(await response.blob());
      const link = document.createElement("a");
      link.href = url;
      link.download = filename;
      link.click();
      setTimeout(() => URL.revokeObjectURL(url), 10000);
    } catch (error) {
      setProblem(localProblem("No connection to the service", String(error)));
    } finally {
      setBusy(false);
    }
  }
  return (
    <span class="action">
      <button type="button" onClick={download} disabled={busy}>
        {busy ? `${label}…` : label}
      </button>
      <ProblemMessage problem={problem} />
    </span>
  );
}
