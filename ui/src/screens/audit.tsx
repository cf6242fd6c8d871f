// Audit: the event log's chain verification (tamper evidence) and where to read histories.
import { useState } from "preact/hooks";
import { api, run } from "../api/client";
import { useLoad } from "../components/load";
import { ProblemMessage } from "../components/problem";
import { Loading, Screen } from "../components/screen";
import { Time } from "../components/time";

export function Audit() {
  const [full, setFull] = useState(false);
  const [attempt, setAttempt] = useState(0);
  const report = useLoad(() => run(api.GET("/api/v1/audit/verify", { params: { query: { full } } })), [full, attempt]);
  const r = report.data;
  return (
    <Screen title="Audit">
      <h2>Chain verification</h2>
      <p>Every event's hash is checked against its content and its predecessor; the anchors are compared with the log.</p>
      <div class="form-actions">
        <button type="button" onClick={() => setAttempt((n) => n + 1)}>
          Verify again
        </button>
        <label class="inline">
          <input type="checkbox" checked={full} onChange={(e) => setFull(e.currentTarget.checked)} /> From the beginning (slower)
        </label>
      </div>
      <ProblemMessage problem={report.problem} />
      {!r ? (
        report.problem ? null : <Loading what="the verification" />
      ) : (
        <div aria-live="polite">
          <p class={r.status === "ok" ? "verified" : "problem"}>
            <strong>{r.status === "ok" ? "Intact" : "Broken"}</strong>
            {r.detail ? `: ${r.detail}` : ""}
          </p>
          <dl class="facts">
            <dt>Events in the log</dt>
            <dd>{r.event_count}</dd>
            <dt>Checked by this run</dt>
            <dd>
              {r.events_checked} (after position {r.started_after_position})
            </dd>
            <dt>Verified through position</dt>
            <dd>{r.verified_through_position}</dd>
            <dt>Anchors checked</dt>
            <dd>{r.anchors_checked}</dd>
            {r.first_broken_position != null ? (
              <>
                <dt>First broken position</dt>
                <dd>{r.first_broken_position}</dd>
              </>
            ) : null}
            <dt>Digest</dt>
            <dd>
              <code class="hash">{r.digest}</code>
            </dd>
            <dt>Verified at</dt>
            <dd>
              <Time iso={r.verified_at} />
            </dd>
          </dl>
        </div>
      )}
      <h2>Histories</h2>
      <p>Each tenant's and each schedule's history (who, what, when, from which request, and its state at any time) opens from its page: a tenant's "History" link, a schedule's "Who changed what".</p>
    </Screen>
  );
}
