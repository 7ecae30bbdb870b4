/**
 * GitHub's size limits for the places a report lands, and how each is measured.
 *
 * GitHub counts comment bodies in UTF-16 code units (what JavaScript's `length` returns), and check-run output and
 * the job summary file in UTF-8 bytes. Every limit here keeps a margin below the documented one, so a report that one
 * emoji or one escape pushes over the edge never becomes a 422 at publish time.
 */

/** A budget: at most `max` units as counted by `measure`. */
export interface Limit {
  readonly max: number;
  readonly measure: (text: string) => number;
}

/** UTF-16 code units, as GitHub counts comment bodies and check-run output. */
export const utf16Length = (text: string): number => text.length;

/** UTF-8 bytes, as the runner counts the job summary file. */
export const utf8Length = (text: string): number => Buffer.byteLength(text, 'utf8');

/** Documented: an issue comment body must be shorter than 65,536 characters. We stop at 65,000. */
export const COMMENT_BODY_LIMIT: Limit = { max: 65_000, measure: utf16Length };

/**
 * Documented as 65,535 "characters" for check-run `output.summary` and `output.text`, but GitHub enforces bytes:
 * "summary exceeds a maximum bytesize of 65535". So bytes it is, with the same margin.
 */
export const CHECK_OUTPUT_LIMIT: Limit = { max: 65_000, measure: utf8Length };

/** Documented: the job summary of one step is at most 1 MiB (1,048,576 bytes). */
export const JOB_SUMMARY_LIMIT: Limit = { max: 1_000_000, measure: utf8Length };

/** Documented: check-run `output.title`. Not documented as a hard limit; long titles are cut in the UI anyway. */
export const CHECK_TITLE_MAX = 1_000;

/** Documented: at most 50 annotations per create/update request. */
export const ANNOTATIONS_PER_REQUEST = 50;

/** Documented: annotation `title` ≤ 255 characters; `message` and `raw_details` ≤ 64 KB. We keep far less. */
export const ANNOTATION_TITLE_MAX = 255;
export const ANNOTATION_MESSAGE_MAX = 4_000;
export const ANNOTATION_RAW_DETAILS_MAX = 16_000;

/** A limit shrunk by `reserve` units (for a header or footer that will be added around the content). */
export function shrink(limit: Limit, reserve: number): Limit {
  return { max: Math.max(0, limit.max - reserve), measure: limit.measure };
}

/** True when `text` fits `limit`. */
export function fits(text: string, limit: Limit): boolean {
  return limit.measure(text) <= limit.max;
}
