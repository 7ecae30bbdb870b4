/** RP-08: 100,000 failing tests with 10,000-character names and 1 MB messages respect every limit, counts exact. */
import { afterEach, describe, expect, it } from 'vitest';
import { MarkdownDoc, parseSections, utf8Length } from '@gauntlet/github';
import { analyzeMarkdown } from '@gauntlet/github/testing';
import { type GitHubStandIn } from '@gauntlet/github-api-standin';
import { context, HEAD_SHA, ourComments, publish, standIn } from './helpers.js';

let gh: GitHubStandIn;
afterEach(async () => {
  expect(gh.violations).toEqual([]);
  await gh.close();
});

const TOTAL = 100_000;
const MESSAGE = `AssertionError: ${'x'.repeat(1_000_000)}`; // one 1 MB message, shared by reference
const name = (i: number) => `suite ${i} › ${'long name '.repeat(1_000)}`.slice(0, 10_000);

function report() {
  // Rows are generated lazily: a materialised 100,000 × 10,000-character table would be a gigabyte.
  function* rows() {
    for (let i = 0; i < TOTAL; i++) yield [name(i), { code: MESSAGE }] as const;
  }
  return new MarkdownDoc()
    .markdown(`**${TOTAL}** tests failed, **0** passed.`)
    .table([{ header: 'Test' }, { header: 'Error' }], { [Symbol.iterator]: rows }, { total: TOTAL });
}

describe('size limits', () => {
  it('RP-08: comment ≤ 65,000, check summary/text ≤ 65,535, ≤ 50 annotations per request, summary ≤ 1,000,000 bytes', async () => {
    gh = await standIn();
    gh.seedPull(13, { headSha: HEAD_SHA });
    const cap = 500;
    function* annotations() {
      for (let i = 0; i < TOTAL; i++)
        yield { path: `test/t${i}.ts`, startLine: 1, level: 'failure' as const, message: MESSAGE, title: name(i) };
    }
    const { result, summaryWriter } = await publish(gh, {
      context: context(gh, 13),
      section: { action: 'shard-and-run', title: 'Tests', markdown: report() },
      checkRun: {
        name: 'Gauntlet / shard-and-run',
        conclusion: 'failure',
        title: `${TOTAL} tests failed`,
        summary: report(),
        text: report(),
        annotations: [...annotations()],
        maxAnnotations: cap,
      },
    });
    expect(result.warning).toBeUndefined();

    const body = ourComments(gh, 13)[0]!.body ?? '';
    const section = parseSections(body)[0]!.content;
    const run = gh.store.checkRuns[0]!;
    const checkRequests = gh.requests.filter(
      (r) => r.operationId === 'checks/create' || r.operationId === 'checks/update',
    );
    const perRequest = checkRequests.map(
      (r) => ((r.body as { output?: { annotations?: unknown[] } }).output?.annotations ?? []).length,
    );
    const summaryText = summaryWriter.text();
    const shown = (md: string) => analyzeMarkdown(md).tables[0]?.length ?? 0;
    const exact = (md: string) =>
      md.includes(`**${TOTAL}** tests failed`) && md.includes(`… and ${TOTAL - shown(md)} more rows`);
    const figures = {
      comment: { size: body.length, rows: shown(section), exact: exact(section) },
      checkSummaryBytes: {
        size: utf8Length(run.output.summary ?? ''),
        rows: shown(run.output.summary ?? ''),
        exact: exact(run.output.summary ?? ''),
      },
      checkTextBytes: {
        size: utf8Length(run.output.text ?? ''),
        rows: shown(run.output.text ?? ''),
        exact: exact(run.output.text ?? ''),
      },
      jobSummaryBytes: { size: utf8Length(summaryText), rows: shown(summaryText), exact: exact(summaryText) },
    };
    const stored = gh.store.annotations.get(run.id)?.length ?? 0;
    console.log(`RP-08: ${JSON.stringify(figures)}`);
    console.log(
      `RP-08: annotations per request = [${perRequest.join(', ')}] (max ${Math.max(...perRequest)}), total stored = ${stored} (cap ${cap}); summary notes the ${TOTAL - cap} omitted: ${(run.output.summary ?? '').includes(`${TOTAL - cap} more omitted`)}`,
    );
    expect(figures.comment.size).toBeLessThanOrEqual(65_000);
    expect(figures.checkSummaryBytes.size).toBeLessThanOrEqual(65_535);
    expect(figures.checkTextBytes.size).toBeLessThanOrEqual(65_535);
    expect(figures.jobSummaryBytes.size).toBeLessThanOrEqual(1_000_000);
    for (const f of Object.values(figures)) {
      expect(f.rows).toBeGreaterThan(0);
      expect(f.exact).toBe(true);
    }
    expect(Math.max(...perRequest)).toBeLessThanOrEqual(50);
    expect(stored).toBe(cap);
    expect(run.output.summary).toContain(`${TOTAL - cap} more omitted`);
  });
});
