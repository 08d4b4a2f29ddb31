// Reading the pages of `/jit help` and `/jit list` back: which targets or grants a page shows, and
// what its footer says about the others.
import { mrkdwnTexts } from "./block-kit-limits.js";

/** "111122223333/ReadOnlyAccess" for every permission set line of a help page, under its account's heading. */
export function targetsOnHelpPage(blocks: readonly unknown[]): string[] {
  const targets: string[] = [];
  let account: string | undefined;
  for (const line of mrkdwnTexts(blocks).join("\n").split("\n")) {
    const heading = /^\*.+\* \((\d{12})\)( _\(continued\)_)?$/.exec(line);
    if (heading) account = heading[1];
    const item = /^• `([^`]+)`: up to /.exec(line);
    if (item && account) targets.push(`${account}/${item[1]}`);
  }
  return targets;
}

/** The grant ids a list page shows, in order. */
export function grantIdsOnPage(blocks: readonly unknown[]): string[] {
  return mrkdwnTexts(blocks).flatMap((text) => [...text.matchAll(/`(jit-[a-z0-9]{8})`/g)].map((match) => match[1] as string));
}

/** The footer's "Page 2 of 7, 412 targets" as numbers, or undefined when there is no footer. */
export function pageFooterOf(blocks: readonly unknown[]): { page: number; pages: number; count: number } | undefined {
  const footer = mrkdwnTexts(blocks)
    .map((text) => /^Page (\d+) of (\d+), ([\d,]+) (?:target|grant)s?\./.exec(text))
    .find((match) => match !== null);
  if (!footer) return undefined;
  return { page: Number(footer[1]), pages: Number(footer[2]), count: Number(footer[3]?.replace(/,/g, "")) };
}
