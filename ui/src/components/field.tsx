// A labelled form control with its own error messages (from the API's problem `errors`),
// tied to the control with aria-describedby so screen readers read them with it.
import type { ComponentChildren } from "preact";

export function Field({
  id,
  label,
  errors,
  hint,
  children,
}: {
  id: string;
  label: string;
  errors: string[];
  hint?: string;
  children: ComponentChildren;
}) {
  return (
    <div class={errors.length ? "field invalid" : "field"}>
      <label for={id}>{label}</label>
      {hint ? (
        <p class="hint" id={`${id}-hint`}>
          {hint}
        </p>
      ) : null}
      {children}
      {errors.length ? (
        <p class="field-error" id={`${id}-error`}>
          {errors.join("; ")}
        </p>
      ) : null}
    </div>
  );
}

/** The aria attributes a control inside a Field needs. */
export function described(id: string, errors: string[], hint?: boolean) {
  const ids = [hint ? `${id}-hint` : "", errors.length ? `${id}-error` : ""].filter(Boolean);
  return {
    id,
    "aria-invalid": errors.length ? ("true" as const) : undefined,
    "aria-describedby": ids.length ? ids.join(" ") : undefined,
  };
}
