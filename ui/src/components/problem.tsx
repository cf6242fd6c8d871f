// The one place a problem+json error is shown: its title and detail (and the field errors
// no form field took), announced to screen readers, next to what the user did.
import type { Problem } from "../api/client";
import { apiErrorMeaning } from "../api/error-codes.gen";

export function ProblemMessage({
  problem,
  shownFields = [],
}: {
  problem: Problem | null | undefined;
  /** Fields a form shows at the field itself; their errors are not repeated here. */
  shownFields?: string[];
}) {
  if (!problem) return null;
  const rest = (problem.errors ?? []).filter(
    (error) => !shownFields.some((field) => fieldMatches(error.field, field)),
  );
  const meaning = apiErrorMeaning[problem.code];
  return (
    <div class="problem" role="alert">
      <p>
        <strong>{problem.title}</strong>
        {problem.status ? <span class="muted"> ({problem.status} {problem.code})</span> : null}
      </p>
      <p>{problem.detail}</p>
      {meaning && meaning !== problem.detail ? <p class="muted">{meaning}</p> : null}
      {rest.length > 0 ? (
        <ul>
          {rest.map((error) => (
            <li key={error.field + error.message}>
              <code>{error.field}</code>: {error.message}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

/** Whether an error's field path (`cadence.times[1]`) belongs to a form field (`cadence`). */
export function fieldMatches(path: string, field: string): boolean {
  return path === field || path.startsWith(`${field}.`) || path.startsWith(`${field}[`);
}

/** The messages of a problem's errors for one form field. */
export function errorsFor(problem: Problem | null | undefined, field: string): string[] {
  return (problem?.errors ?? [])
    .filter((error) => fieldMatches(error.field, field))
    .map((error) => error.message);
}
