// Previous / next page buttons for the API's cursor pages.
export function Pager({
  page,
  nextCursor,
  next,
  previous,
  label,
}: {
  page: number;
  nextCursor: string | null | undefined;
  next: (cursor: string) => void;
  previous: () => void;
  label: string;
}) {
  if (page === 1 && !nextCursor) return null;
  return (
    <nav class="pager" aria-label={`${label} pages`}>
      <button type="button" onClick={previous} disabled={page === 1}>
        Previous page
      </button>
      <span>Page {page}</span>
      <button type="button" onClick={() => nextCursor && next(nextCursor)} disabled={!nextCursor}>
        Next page
      </button>
    </nav>
  );
}
