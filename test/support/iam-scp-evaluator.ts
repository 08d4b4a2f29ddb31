// Evaluates a service control policy the way IAM does, for the few elements the session fence uses:
// does any Deny statement match this request? Anything outside that subset throws, so a typo in the
// bot's policy fails a test instead of silently denying nothing.
//
// Semantics, from the IAM User Guide:
// - "IAM JSON policy elements: Condition operators"
//   (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html):
//   a key absent from the request context makes the condition false (no ...IfExists here); StringLike
//   is case-sensitive with `*` and `?` anywhere; ArnEquals and ArnLike are case-sensitive, each of the
//   six colon-delimited parts of the ARN is checked separately and may hold `*` and `?`; dates are W3C
//   ISO 8601 or epoch (UNIX) time.
// - "Conditions with multiple context keys or values"
//   (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_multi-value-conditions.html):
//   several operators AND, several keys in one operator AND, several values for one key OR; a
//   negated operator (StringNotEquals) holds when the key is absent, and with several values only
//   when the value matches none of them (the values AND).
// - Action names are case-insensitive and may use `*` and `?` ("IAM JSON policy elements: Action").

/** The request as IAM sees it: the condition keys the fence reads. */
export interface ScpRequestContext {
  readonly "identitystore:userId"?: string;
  readonly "aws:PrincipalArn"?: string;
  /** When the session's credentials were issued (epoch ms). */
  readonly "aws:TokenIssueTime"?: number;
}

type KeyType = "string" | "arn" | "date";

const KEYS: Readonly<Record<string, { name: keyof ScpRequestContext; type: KeyType }>> = {
  "identitystore:userid": { name: "identitystore:userId", type: "string" },
  "aws:principalarn": { name: "aws:PrincipalArn", type: "arn" },
  "aws:tokenissuetime": { name: "aws:TokenIssueTime", type: "date" },
};

type Operator = (actual: string | number, expected: string) => boolean;

const OPERATORS: Readonly<Record<string, { accepts: readonly KeyType[]; test: Operator; negated?: true }>> = {
  StringEquals: { accepts: ["string", "arn"], test: (actual, expected) => actual === expected },
  StringNotEquals: { accepts: ["string", "arn"], test: (actual, expected) => actual === expected, negated: true },
  StringLike: { accepts: ["string", "arn"], test: (actual, expected) => globMatch(String(actual), expected, false) },
  ArnEquals: { accepts: ["arn"], test: (actual, expected) => arnMatch(String(actual), expected) },
  ArnLike: { accepts: ["arn"], test: (actual, expected) => arnMatch(String(actual), expected) },
  DateLessThan: { accepts: ["date"], test: (actual, expected) => Number(actual) < parseDate(expected) },
  DateLessThanEquals: { accepts: ["date"], test: (actual, expected) => Number(actual) <= parseDate(expected) },
  DateGreaterThan: { accepts: ["date"], test: (actual, expected) => Number(actual) > parseDate(expected) },
};

const STATEMENT_ELEMENTS = new Set(["Sid", "Effect", "Action", "Resource", "Condition"]);

/** True when a Deny statement of the SCP matches `action` (any action by default) in `context`. */
export function scpDenies(documentJson: string, context: ScpRequestContext, action = "sts:GetCallerIdentity"): boolean {
  return statementsOf(documentJson).some((statement) => statementDenies(statement, context, action));
}

function statementsOf(documentJson: string): Record<string, unknown>[] {
  const document: unknown = JSON.parse(documentJson);
  if (!isObject(document)) throw new Error("An SCP is one JSON object");
  const statements = Array.isArray(document.Statement) ? document.Statement : [document.Statement];
  if (statements.length === 0 || !statements.every(isObject)) throw new Error("Statement must be an object or a list of objects");
  return statements;
}

function statementDenies(statement: Record<string, unknown>, context: ScpRequestContext, action: string): boolean {
  for (const element of Object.keys(statement)) {
    if (!STATEMENT_ELEMENTS.has(element)) throw new Error(`Unsupported statement element ${element}`);
  }
  if (statement.Effect !== "Deny" && statement.Effect !== "Allow")
    throw new Error(`Effect must be Deny or Allow, not ${String(statement.Effect)}`);
  const actions = stringList(statement.Action, "Action");
  const resources = stringList(statement.Resource, "Resource");
  if (!resources.every((resource) => resource === "*")) throw new Error(`Only Resource "*" is supported, not ${resources.join(", ")}`);
  const conditions = statement.Condition === undefined ? {} : statement.Condition;
  if (!isObject(conditions)) throw new Error("Condition must be an object");
  // Every condition is checked (and so validated) before the effect decides anything.
  const matches = Object.entries(conditions).map(([operator, block]) => operatorHolds(operator, block, context));
  if (statement.Effect === "Allow") return false;
  return actions.some((pattern) => globMatch(action, pattern, true)) && matches.every(Boolean);
}

function operatorHolds(operator: string, block: unknown, context: ScpRequestContext): boolean {
  const definition = OPERATORS[operator];
  if (!definition) throw new Error(`Unsupported condition operator ${operator}`);
  if (!isObject(block) || Object.keys(block).length === 0) throw new Error(`${operator} must map condition keys to values`);
  return Object.entries(block)
    .map(([key, values]) => {
      const known = KEYS[key.toLowerCase()];
      if (!known) throw new Error(`Unsupported condition key ${key} in ${operator}`);
      if (!definition.accepts.includes(known.type)) throw new Error(`${operator} does not apply to ${key} (a ${known.type})`);
      const expected = stringList(values, `${operator} ${key}`);
      for (const value of expected) validateValue(operator, known.type, value, `${operator} ${key}`);
      const actual = context[known.name];
      if (definition.negated) return actual === undefined || !expected.some((value) => definition.test(actual, value));
      return actual !== undefined && expected.some((value) => definition.test(actual, value));
    })
    .every(Boolean);
}

function validateValue(operator: string, type: KeyType, value: string, where: string): void {
  if (value.includes("${")) throw new Error(`Policy variables are not supported (${where}: ${value})`);
  if (type === "date") parseDate(value);
  if (operator.startsWith("Arn") && !arnParts(value)) throw new Error(`${where}: ${value} is not an ARN`);
}

function stringList(value: unknown, where: string): string[] {
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0 || !list.every((item): item is string => typeof item === "string" && item !== "")) {
    throw new Error(`${where} must be a string or a non-empty list of strings`);
  }
  return list;
}

/** W3C ISO 8601 (a date, or a date and time with seconds optional and a zone) or epoch seconds. */
function parseDate(text: string): number {
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const iso = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2}))?$/;
  const ms = iso.test(text) ? Date.parse(text.length === 10 ? `${text}T00:00:00Z` : text) : Number.NaN;
  if (Number.isNaN(ms)) throw new Error(`${text} is neither an ISO 8601 date nor epoch seconds`);
  return ms;
}

/** The six parts of an ARN: arn, partition, service, region, account, resource (which may hold colons). */
function arnParts(arn: string): string[] | undefined {
  const parts = arn.split(":");
  return parts.length < 6 ? undefined : [...parts.slice(0, 5), parts.slice(5).join(":")];
}

function arnMatch(actual: string, pattern: string): boolean {
  const actualParts = arnParts(actual);
  const patternParts = arnParts(pattern);
  if (!actualParts || !patternParts) return false;
  return patternParts.every((part, index) => globMatch(actualParts[index] ?? "", part, false));
}

function globMatch(text: string, pattern: string, ignoreCase: boolean): boolean {
  const source = [...pattern].map((c) => (c === "*" ? ".*" : c === "?" ? "." : c.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&"))).join("");
  return new RegExp(`^${source}$`, ignoreCase ? "is" : "s").test(text);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
