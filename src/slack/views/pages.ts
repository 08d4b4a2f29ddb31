// Paging for the answers that list many things (`/jit help`, `/jit list`): which page was asked for,
// and the line saying where it sits, so nothing is left out without saying so.
import type { ContextBlock } from "@slack/types";
import { InvalidInput } from "../../domain/errors.js";

/** The items of page `page` (from 1) when `items` are cut into pages of `size`; always at least one page. */
export function pagesOf<T>(items: readonly T[], size: number): T[][] {
  const pages: T[][] = [];
  for (let start = 0; start < items.length; start += size) pages.push(items.slice(start, start + size));
  return pages.length > 0 ? pages : [[]];
}

/** Page `page` of `pages`, or an InvalidInput naming the last page and the command that shows it. */
export function pickPage<T>(pages: readonly T[], page: number, command: string): T {
  assertPage(page, pages.length, command);
  return pages[page - 1] as T;
}

/** Nothing when page `page` (from 1) is one of `pages`; otherwise an InvalidInput naming the last page. */
export function assertPage(page: number, pages: number, command: string): void {
  if (Number.isInteger(page) && page >= 1 && page <= pages) return;
  const only = pages === 1 ? "There is only 1 page" : `There are only ${pages} pages`;
  throw new InvalidInput(`${only}: the last is \`${command} ${pages}\`.`);
}

/** "Page 2 of 7, 412 targets. Next page: `/jit help 3`", or nothing when everything fits on one page. */
export function pageFooter(page: number, pages: number, counted: string, command: string): ContextBlock[] {
  if (pages <= 1) return [];
  const next = page < pages ? ` Next page: \`${command} ${page + 1}\`` : " This is the last page.";
  return [{ type: "context", elements: [{ type: "mrkdwn", text: `Page ${page} of ${pages}, ${counted}.${next}` }] }];
}

/** "1 target", "412 targets". */
export function counted(count: number, noun: string): string {
  return `${count.toLocaleString("en-US")} ${noun}${count === 1 ? "" : "s"}`;
}
