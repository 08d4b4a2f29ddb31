// Text an attacker (or a careless person) can type: Slack's mrkdwn control sequences, unicode in
// every plane, and plain noise, mixed.
import fc from "fast-check";

/** Ids that belong to nobody in the tests, so a mention of them can only have come from input. */
export const VICTIM_USER = "U9VICTIM1";

export const MRKDWN_CONTROLS = [
  "<!channel>",
  "<!here>",
  "<!everyone>",
  "<!here|here>",
  "<!channel|@channel>",
  "<!subteam^S9ONCALL|@oncall>",
  `<@${VICTIM_USER}>`,
  "<@W9VICTIM2|victim>",
  "<#C9SECRET1>",
  "<#C9SECRET1|secret>",
  "<https://evil.example/login|Approve here>",
  "<mailto:boss@evil.example|boss>",
  "<slack://open>",
  "<!date^1700000000^{date}|forged date>",
  "&",
  "&amp;",
  "&lt;!channel&gt;",
  "<",
  ">",
  "`",
  "```",
  "*bold*",
  "_italic_",
  "~strike~",
  ">quote",
  "\n",
  "\t",
  "\u202e",
  "\u200b",
  "\ufeff",
  "\u0000",
  "👩‍👩‍👧‍👦",
  "jit-aaaaaaaa",
];

export const mrkdwnControl = fc.constantFrom(...MRKDWN_CONTROLS);

/** Valid unicode text mixed with control sequences, at most `maxLength` pieces. */
export function hostileText(maxLength = 12): fc.Arbitrary<string> {
  return fc
    .array(fc.oneof(mrkdwnControl, fc.string({ unit: "grapheme", maxLength: 8 }), fc.string({ unit: "binary", maxLength: 8 })), {
      maxLength,
    })
    .map((pieces) => pieces.join(" "));
}

/** Like hostileText, but only well-formed unicode (no lone surrogates, which form encoding replaces). */
export function hostileUnicode(maxLength = 12): fc.Arbitrary<string> {
  return fc
    .array(fc.oneof(mrkdwnControl, fc.string({ unit: "grapheme", maxLength: 8 }), fc.string({ unit: "grapheme-ascii", maxLength: 8 })), {
      maxLength,
    })
    .map((pieces) => pieces.join(" "));
}

/** About `bytes` characters of one control sequence repeated. */
export function huge(piece: string, bytes = 100 * 1024): string {
  return piece.repeat(Math.ceil(bytes / piece.length));
}

/** The collapsing the bot applies to a justification: format characters go, control characters and whitespace runs become one space. */
export function collapsed(text: string): string {
  return text
    .replace(/\p{Cf}/gu, "")
    .replace(/[\s\p{Cc}]+/gu, " ")
    .trim();
}

/** A justification as the bot quotes it back: its own curly quotes are made straight. */
export function quotedBack(text: string): string {
  return collapsed(text).replace(/[“”]/g, '"');
}

/** Reverses mrkdwn escaping: what a reader sees. */
export function unescaped(text: string): string {
  return text.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
}
