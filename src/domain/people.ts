// People as the policy names them (Slack user id, email, Slack user group) and as they act.

export type PrincipalRef =
  | { readonly kind: "slack-user"; readonly id: string }
  | { readonly kind: "email"; readonly email: string }
  | { readonly kind: "usergroup"; readonly id: string };

/**
 * What Slack says the account is. Only a full, active, human member of the home workspace may act
 * in jit-slack at all; anyone else matches no policy entry, whatever the policy says.
 */
export type Standing =
  | "member"
  | "deactivated"
  | "bot"
  /** A multi-channel or single-channel guest (is_restricted / is_ultra_restricted). */
  | "guest"
  /** Someone of another workspace or organisation (Slack Connect, is_stranger). */
  | "external"
  /** Slack does not know the account. */
  | "unknown";

/** The person acting, as far as policy needs to know them. */
export interface Person {
  readonly slackId: string;
  /** The email Slack says is confirmed; null when there is none or Slack has not confirmed it. */
  readonly email: string | null;
  /** The Slack user groups (ids) the person belongs to, among those the policy names. */
  readonly groups?: readonly string[];
  readonly standing: Standing;
}

export function isPerson(refs: readonly PrincipalRef[], person: Person): boolean {
  if (person.standing !== "member") return false;
  const email = person.email?.toLowerCase();
  return refs.some((ref) => {
    switch (ref.kind) {
      case "slack-user":
        return ref.id === person.slackId;
      case "email":
        return email !== undefined && ref.email.toLowerCase() === email;
      case "usergroup":
        return person.groups?.includes(ref.id) ?? false;
    }
  });
}

const STANDING_TEXT: Readonly<Record<Exclude<Standing, "member">, string>> = {
  deactivated: "is deactivated in Slack",
  bot: "is a bot or app, not a person",
  guest: "is a guest account in Slack",
  external: "belongs to another Slack workspace or organisation",
  unknown: "is not known to Slack",
};

/** Why the account may not act at all, in words ("… is deactivated in Slack"), or undefined for a member. */
export function standingProblem(person: Person): string | undefined {
  return person.standing === "member" ? undefined : STANDING_TEXT[person.standing];
}

/** How a reference reads in Slack: a mention, a group mention, or the email. */
export function describeRef(ref: PrincipalRef): string {
  switch (ref.kind) {
    case "slack-user":
      return `<@${ref.id}>`;
    case "usergroup":
      return `<!subteam^${ref.id}>`;
    case "email":
      return ref.email;
  }
}
