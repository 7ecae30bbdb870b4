/**
 * GitHub's page-number pagination: per_page defaults to 30 and is capped at 100, page defaults to 1, and the Link
 * header lists prev/next/last/first in that order, omitting the ones that do not apply (no header at all when
 * everything fits on one page). Link URLs use GitHub's /repositories/{id}/… form and keep the other query params.
 */
export interface Page<T> {
  items: T[];
  link: string | undefined;
}

export function pageParams(query: Record<string, unknown>): { perPage: number; page: number } {
  const rawPerPage = Number(query['per_page'] ?? 30);
  const rawPage = Number(query['page'] ?? 1);
  const perPage = !Number.isFinite(rawPerPage) || rawPerPage < 1 ? 30 : Math.min(100, Math.floor(rawPerPage));
  const page = !Number.isFinite(rawPage) || rawPage < 1 ? 1 : Math.floor(rawPage);
  return { perPage, page };
}

/** linkBase: the request URL rewritten to the /repositories/{id}/… form, with its original query string. */
export function paginate<T>(all: readonly T[], query: Record<string, unknown>, linkBase: URL): Page<T> {
  const { perPage, page } = pageParams(query);
  const items = all.slice((page - 1) * perPage, page * perPage);
  const lastPage = Math.max(1, Math.ceil(all.length / perPage));
  const href = (n: number): string => {
    const url = new URL(linkBase);
    url.searchParams.set('page', String(n));
    return url.toString();
  };
  const rels: string[] = [];
  if (page > 1) rels.push(`<${href(Math.min(page - 1, lastPage))}>; rel="prev"`);
  if (page < lastPage) rels.push(`<${href(page + 1)}>; rel="next"`, `<${href(lastPage)}>; rel="last"`);
  if (page > 1) rels.push(`<${href(1)}>; rel="first"`);
  return { items, link: rels.length ? rels.join(', ') : undefined };
}
